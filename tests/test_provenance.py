"""Provenance: every fact graph is annotated, every selector cuts its quote out of the source."""

from __future__ import annotations

import pytest
from rdflib import RDF, URIRef

from icmpd_kg.core import paths
from icmpd_kg.core.errors import QuoteError
from icmpd_kg.core.namespaces import IKG, OA
from icmpd_kg.kg.graph import named_graphs
from icmpd_kg.kg.provenance import check_selectors, locate
from icmpd_kg.kg.quads import Quads

TEXT = paths.SOURCE_FILE.read_text(encoding="utf-8")


def selector_rows(graph):
    return list(
        graph.query("""
        PREFIX oa: <http://www.w3.org/ns/oa#>
        SELECT ?body ?exact ?start ?end WHERE {
            ?a oa:hasBody ?body ; oa:hasTarget ?t .
            ?t oa:hasSelector ?q , ?p .
            ?q a oa:TextQuoteSelector ; oa:exact ?exact .
            ?p a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end .
        }""")
    )


def test_every_selector_quote_is_the_source_at_its_offsets(union):
    rows = selector_rows(union)
    assert len(rows) >= 30
    for row in rows:
        start, end = int(row.start), int(row.end)
        assert TEXT[start:end] == str(row.exact), f"{row.body}: {TEXT[start:end]!r} != {str(row.exact)!r}"


def test_every_fact_graph_is_annotated_or_editorial(kg, union):
    bodies = set(union.objects(None, OA.hasBody))
    editorial = set(union.subjects(RDF.type, IKG.EditorialGraph))
    graphs = set(named_graphs(kg.data))
    assert graphs and graphs <= bodies | editorial
    assert bodies <= graphs, "an annotation points at a graph that does not exist"


def test_offsets_count_code_points_not_bytes():
    start, end = locate(TEXT, "İsviçre")
    assert TEXT[start:end] == "İsviçre"
    assert len(TEXT[:start].encode("utf-8")) > start  # Turkish letters before it take two bytes


def test_check_selectors_catches_a_shifted_offset(union):
    broken = union.__class__()
    for t in union:
        broken.add(t)
    position = URIRef("https://w3id.org/icmpd-kg/id/annotation/icmpd-founding#position")
    start = broken.value(position, OA.start)
    broken.set((position, OA.start, start.__class__(int(start) + 1, datatype=start.datatype)))
    problems = check_selectors(Quads((s, p, o, None) for s, p, o in broken), TEXT)
    assert any("differs from the source" in p.message for p in problems)


def test_locate_refuses_missing_and_ambiguous_quotes():
    with pytest.raises(QuoteError, match="not found"):
        locate(TEXT, "Birleşmiş Milletler")
    with pytest.raises(QuoteError, match="occurs 2 time"):
        locate(TEXT, "Temmuz 2019’da tamamlanmıştır", occurrence=3)
