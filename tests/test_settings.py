"""rdflib's process-wide settings change in one place (icmpd_kg.settings), each with its restore."""

from __future__ import annotations

import pathlib
import re

import pytest
import rdflib
import rdflib.plugins.sparql
from rdflib import Graph, plugin
from rdflib.query import Processor

from icmpd_kg import settings
from icmpd_kg.validate import run_shacl

SRC = pathlib.Path(settings.__file__).resolve().parent


def processor() -> type:
    return plugin.get("sparql", Processor)


def test_only_the_settings_module_assigns_rdflibs_process_wide_settings():
    pattern = re.compile(r"(NORMALIZE_LITERALS|SPARQL_LOAD_GRAPHS)\s*=|plugin\.register\(")
    offenders = [
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if path.name != "settings.py" and pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_literals_as_written_restores_what_was_there(monkeypatch):
    monkeypatch.setattr(rdflib, "NORMALIZE_LITERALS", True)
    with settings.literals_as_written():
        assert rdflib.Literal("+19", datatype=rdflib.XSD.decimal) == rdflib.Literal(
            "+19", datatype=rdflib.XSD.decimal, normalize=False
        )
        assert str(rdflib.Literal("+19", datatype=rdflib.XSD.decimal)) == "+19"
    assert rdflib.NORMALIZE_LITERALS is True


def test_validation_leaves_every_setting_as_it_found_it(monkeypatch):
    """pySHACL sets NORMALIZE_LITERALS back to True; run_shacl swaps rdflib's SPARQL processor while it
    runs: afterwards all three settings are what they were."""
    monkeypatch.setattr(rdflib, "NORMALIZE_LITERALS", False)
    before = (processor(), rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS)
    shapes = Graph().parse(
        format="turtle",
        data="""@prefix sh: <http://www.w3.org/ns/shacl#> .
        <urn:x:S> a sh:NodeShape ; sh:targetNode <urn:x:a> ;
            sh:sparql [ sh:select "SELECT $this WHERE { FILTER(false) }" ] .""",
    )
    _, report, _ = run_shacl(Graph(), shapes)
    assert isinstance(report, Graph)
    assert rdflib.NORMALIZE_LITERALS is False
    assert (processor(), rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS) == before
    assert rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS is False  # FROM never downloads


def test_for_queries_returns_a_snapshot_that_restores(monkeypatch):
    monkeypatch.setattr(rdflib, "NORMALIZE_LITERALS", True)
    saved = settings.for_queries()
    assert rdflib.NORMALIZE_LITERALS is False
    settings.restore(saved)
    assert rdflib.NORMALIZE_LITERALS is True


@pytest.mark.parametrize("store", ["memory", None])
def test_answers_keep_the_stores_lexical_forms_whatever_rdflibs_setting(dist, monkeypatch, store):
    """With NORMALIZE_LITERALS True (as pySHACL leaves it), rdflib would turn "…Z" into "…+00:00" when
    the engine makes its terms: the engine makes them as written."""
    from icmpd_kg.engine import open_engine

    engine = open_engine(dist, store)
    monkeypatch.setattr(rdflib, "NORMALIZE_LITERALS", True)
    rows = engine.query("SELECT ?t WHERE { wd:Q498496 wdt:P571 ?t }").strings()
    assert rows == [{"t": "1993-01-01T00:00:00Z"}]
