"""The one table of formats: consistent, and what the parsers, writers and the service description use."""

from __future__ import annotations

import pytest

from icmpd_kg.core import formats
from icmpd_kg.core.formats import BY_KEY, FORMATS, alias, by_extension, media_type_of_file


def test_keys_media_types_and_extensions_are_each_one_format():
    assert len({f.key for f in FORMATS}) == len(FORMATS)
    assert len({f.media_type for f in FORMATS}) == len(FORMATS)
    extensions = [e for f in FORMATS for e in f.extensions]
    assert len(extensions) == len(set(extensions))


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f.kind != "page"], ids=lambda f: f.key)
def test_every_name_of_a_format_leads_back_to_it(fmt):
    for name in (fmt.key, *fmt.aliases):
        assert alias(name, graph=fmt.kind in ("graph", "dataset")) == fmt.media_type, name
    assert alias(fmt.media_type, graph=False) == fmt.media_type
    assert fmt.iri is not None and fmt.iri.startswith("http://www.w3.org/ns/formats/")


def test_ambiguous_names_depend_on_the_kind_of_answer():
    assert alias("json", graph=False) == "application/sparql-results+json"
    assert alias("json", graph=True) == "application/ld+json"
    assert alias("xml", graph=True) == "application/rdf+xml"
    assert alias("no-such-format", graph=True) is None


def test_files_get_their_format_from_the_table():
    assert by_extension("data.TTL") is BY_KEY["turtle"]
    assert by_extension("x.nq").oxigraph == "N_QUADS" and by_extension("x.nq").rdflib == "nquads"
    assert by_extension("x.csv") is None  # results formats are not RDF files
    assert media_type_of_file("icmpd-kg.context.jsonld") == "application/ld+json"
    assert media_type_of_file("SHA256SUMS") == "text/plain"
    assert media_type_of_file("archive.zip") == "application/octet-stream"


def test_the_service_description_lists_the_answer_formats_from_the_table():
    from rdflib import URIRef

    from icmpd_kg.core.namespaces import SD
    from icmpd_kg.web.sparql import service_description

    listed = set(service_description("http://h", ()).objects(None, SD.resultFormat))
    expected = {URIRef(BY_KEY[k].iri or "") for k in (*formats.RESULTS_ANSWER, *formats.GRAPH_ANSWER)}
    assert listed == expected


def test_the_jsonld_says_it_is_jsonld_1_1(dist):
    """The dump uses JSON-LD 1.1 (language maps with "@none") without saying so, and Jena's 1.0
    reader silently wrote a bad literal ("@@none"): the context declares "@version": 1.1."""
    import json

    document = json.loads((dist / "icmpd-kg.jsonld").read_text(encoding="utf-8"))
    context = json.loads((dist / "icmpd-kg.context.jsonld").read_text(encoding="utf-8"))
    assert document["@context"]["@version"] == 1.1 and context["@context"]["@version"] == 1.1
    assert "@none" in json.dumps(document)  # the feature that needs it
