"""Validation's two engines say the same: the native one (rudof for SHACL Core, Oxigraph for
SHACL-SPARQL, the dataset rules over Oxigraph's reading) and the reference (pySHACL, rdflib), on
every fixture, on the real data and on mutated real data; and the dataset rules find what their
rdflib version found (tests/reference_rules.py)."""

from __future__ import annotations

import re

import pytest

from icmpd_kg import paths
from icmpd_kg.graph import KnowledgeGraph
from icmpd_kg.quads import Quads, read_quads
from icmpd_kg.validate import _dataset_rule_results, validate, validate_files

from . import reference_rules
from .conftest import FIXTURES, Lazy
from .test_engines import MUTATIONS, mutate

BLANK = re.compile(r"_:\w+")


def comparable(report) -> list[tuple]:
    """The results, blank node labels aside (each engine names blank nodes its own way)."""
    return sorted(
        tuple(BLANK.sub("_:b", v or "") for v in (r.shape, r.focus, r.path, r.value, r.message, r.message_tr))
        + (r.severity,)
        for r in report.results
    )


def rule_findings(found) -> list[tuple]:
    return sorted(
        tuple(BLANK.sub("_:b", x.n3() if x is not None else "") for x in f[:3]) + (f[3],) for f in found
    )


@pytest.fixture(scope="session")
def reference_reports() -> dict:
    return Lazy(lambda fixture: validate_files([fixture], engine="pyshacl"))


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.name)
def test_native_engine_reports_what_pyshacl_reports(fixture, fixture_reports, reference_reports):
    native, reference = fixture_reports[fixture], reference_reports[fixture]
    assert native.conforms == reference.conforms
    assert comparable(native) == comparable(reference)


def test_both_engines_accept_the_real_data(kg, report):
    reference = validate(kg, engine="pyshacl")
    assert report.conforms and reference.conforms
    assert comparable(report) == comparable(reference) == []


# Mutations that SHACL (not only the dataset rules) rejects, one per kind of constraint
SHACL_MUTATIONS = sorted(name for name, entry in MUTATIONS.items() if entry[4])[:4]


@pytest.mark.parametrize("name", SHACL_MUTATIONS)
def test_engines_agree_on_mutated_real_data(tmp_path, name):
    file, old, new, _, _ = MUTATIONS[name]
    files = mutate(tmp_path, file, old, new)
    native, reference = validate_files(files), validate_files(files, engine="pyshacl")
    assert not native.conforms
    assert comparable(native) == comparable(reference)


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.name)
def test_dataset_rules_find_what_the_rdflib_rules_found(fixture):
    kg = KnowledgeGraph.load([fixture])
    old = reference_rules._dataset_rule_results(kg, paths.SOURCE_FILE)
    assert rule_findings(
        _dataset_rule_results(Quads.from_dataset(kg.data), paths.SOURCE_FILE)
    ) == rule_findings(old)
    read = Quads.from_oxigraph(read_quads([fixture]))
    assert rule_findings(_dataset_rule_results(read, paths.SOURCE_FILE)) == rule_findings(old)


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_dataset_rules_on_mutated_real_data(tmp_path, name):
    file, old_text, new_text, _, _ = MUTATIONS[name]
    files = mutate(tmp_path, file, old_text, new_text)
    kg = KnowledgeGraph.load(files)
    old = reference_rules._dataset_rule_results(kg, paths.SOURCE_FILE)
    new = _dataset_rule_results(Quads.from_oxigraph(read_quads(files)), paths.SOURCE_FILE)
    assert rule_findings(new) == rule_findings(old)
