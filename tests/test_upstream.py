"""Canaries for the library bugs the code works around: each is a strict xfail, so the suite fails
(and the workaround can go) once upstream fixes the bug."""

from __future__ import annotations

import pytest
from rdflib import Dataset, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID


@pytest.mark.xfail(
    strict=True,
    reason="https://github.com/RDFLib/rdflib/issues/2019 — Dataset.update does not "
    "insert into the default graph; engine.RdflibBackend.update works around it",
)
def test_rdflib_dataset_update_inserts_data_into_the_default_graph():
    ds = Dataset()
    ds.update("INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }")
    assert (URIRef("urn:x:a"), URIRef("urn:x:b"), URIRef("urn:x:c")) in ds.graph(DATASET_DEFAULT_GRAPH_ID)
