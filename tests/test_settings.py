"""rdflib's process-wide settings change in one place (icmpd_kg.core.settings), each with its restore."""

from __future__ import annotations

import pathlib
import re
import subprocess
import sys
from pathlib import Path

import pytest
import rdflib
import rdflib.plugins.sparql
from rdflib import Graph, plugin
from rdflib.query import Processor

from icmpd_kg.core import settings
from icmpd_kg.validation.reference import run_shacl

SRC = pathlib.Path(settings.__file__).resolve().parent.parent  # src/icmpd_kg


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


def test_while_pyshacl_validates_from_never_downloads(monkeypatch):
    monkeypatch.setattr(rdflib.plugins.sparql, "SPARQL_LOAD_GRAPHS", True)
    with settings.sparql_processor("icmpd_kg.validation.reference", "PreparingProcessor"):
        assert rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS is False
    assert rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS is True


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
    from icmpd_kg.sparql.engine import open_engine

    engine = open_engine(dist, store)
    monkeypatch.setattr(rdflib, "NORMALIZE_LITERALS", True)
    rows = engine.query("SELECT ?t WHERE { wd:Q498496 wdt:P571 ?t }").strings()
    assert rows == [{"t": "1993-01-01T00:00:00Z"}]


IMPORT_CHECK = """
import importlib, sys, rdflib, rdflib.plugins.sparql
from multiprocessing import forkserver
before = (rdflib.NORMALIZE_LITERALS, rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS)
preload = list(forkserver._forkserver._preload_modules)
importlib.import_module(sys.argv[1])
after = (rdflib.NORMALIZE_LITERALS, rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS)
changed = []
if after != before:
    changed.append(f"rdflib settings {before} -> {after}")
if list(forkserver._forkserver._preload_modules) != preload:
    changed.append("the forkserver's preload")
print("; ".join(changed))
"""


def _modules() -> list[str]:
    return sorted(
        "icmpd_kg." + ".".join(p.relative_to(SRC).with_suffix("").parts)
        for p in SRC.rglob("*.py")
        if p.name not in ("__main__.py",) and "__pycache__" not in p.parts
    )


@pytest.mark.slow
def test_importing_any_module_leaves_process_state_as_it_was():
    """Importing a module changes no process-wide state: rdflib's settings and the forkserver's
    preload are set by the entry points that need them (the command, the app, the worker, the pool),
    so what a build keeps never depends on which modules happened to be imported first."""
    import subprocess
    import sys

    modules = [m.removesuffix(".__init__") for m in _modules()]
    assert "icmpd_kg.publishing.build" in modules and "icmpd_kg.web.app" in modules
    script = "\n".join(
        ["import subprocess, sys", f"CHECK = {IMPORT_CHECK!r}", f"MODULES = {modules!r}"]
        + [
            "for m in MODULES:",
            "    out = subprocess.run([sys.executable, '-c', CHECK, m], capture_output=True, text=True)",
            "    if out.returncode or out.stdout.strip():",
            "        print(m, out.stdout.strip() or out.stderr.strip().splitlines()[-1])",
        ]
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)
    assert result.stdout.strip() == "", result.stdout


def test_data_files_are_read_as_written_whatever_rdflibs_setting(tmp_path, monkeypatch):
    """The build reads literals in the forms the file gives them on purpose, not because some module
    imported earlier happened to switch rdflib's normalisation off."""
    from icmpd_kg.kg.graph import parse_file

    data = tmp_path / "forms.ttl"
    data.write_text(
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        '<urn:x> <urn:p> "+19"^^xsd:decimal , "01"^^xsd:integer .\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(rdflib, "NORMALIZE_LITERALS", True)
    assert sorted(str(o) for o in parse_file(data).objects()) == ["+19", "01"]
    assert rdflib.NORMALIZE_LITERALS is True  # and the setting is left as it was


def test_building_the_ontology_pages_leaves_the_root_logger_as_it_was(tmp_path):
    """pyLODE's import calls logging.basicConfig(level=DEBUG); after it, every library's debug and
    info lines reached stderr during a build."""
    code = (
        "import logging, sys\n"
        "from pathlib import Path\n"
        "from icmpd_kg.publishing.ontology_docs import ontology_html\n"
        "ontology_html(Path(sys.argv[1]), 'en')\n"
        "root = logging.getLogger()\n"
        "assert root.handlers == [] and root.level == logging.WARNING, (root.handlers, root.level)\n"
        "logging.getLogger('asyncio').debug('a line no one should see')\n"
        "logging.info('nor this one')\n"
    )
    ontology = Path(__file__).parents[1] / "ontology" / "icmpd-kg.ttl"
    done = subprocess.run(
        [sys.executable, "-c", code, str(ontology)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
