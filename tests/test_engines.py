"""Two SHACL engines agree: icmpd-kg validate (its native engine) and Apache Jena SHACL, on the real data,
on every invalid fixture, and on mutations of the real data that the checks exist to catch."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import RDF, Literal

from icmpd_kg.core import paths
from icmpd_kg.core.namespaces import SH
from icmpd_kg.kg.graph import KnowledgeGraph
from icmpd_kg.kg.provenance import annotation_turtle, read_source
from icmpd_kg.validation.report import Report
from icmpd_kg.validation.validate import validate

from . import jena
from .conftest import FIXTURES, made_once

pytestmark = pytest.mark.slow  # the fast tier leaves it out (see pyproject's markers)

SOURCE = read_source(paths.SOURCE_FILE)


@pytest.fixture(scope="session")
def jena_work(tmp_path_factory) -> Path:
    """Jena SHACL ready to run (tests/jena), prepared once per test run."""
    reason = jena.unavailable()
    if reason:
        pytest.skip(f"Apache Jena SHACL cannot run: {reason}")
    return made_once(tmp_path_factory, "jena", jena.prepare)


def dataset_rules(kg: KnowledgeGraph) -> set[str]:
    return {str(s) for s in kg.shapes.subjects(SH.deactivated, Literal(True))}


def shacl_focus_nodes(report: Report, kg: KnowledgeGraph) -> set[str]:
    """The focus nodes icmpd-kg reports, leaving out the dataset rules that only icmpd-kg checks."""
    skip = dataset_rules(kg)
    [node] = report.graph.subjects(RDF.type, SH.ValidationReport)
    return {
        str(report.graph.value(r, SH.focusNode))
        for r in report.graph.objects(node, SH.result)
        if str(report.graph.value(r, SH.sourceShape)) not in skip
    }


def jena_focus_nodes(entry: dict) -> set[str]:
    return {r["focus"] for r in entry["results"]}


def mutate(tmp_path: Path, file: str, old: str, new: str) -> list[Path]:
    """A copy of the data files with one replacement in one of them."""
    out = tmp_path / "data"
    out.mkdir()
    files = []
    for src in paths.data_files():
        dst = out / src.name
        shutil.copy(src, dst)
        if src.name == file:
            text = dst.read_text(encoding="utf-8")
            assert text.count(old) == 1, f"mutation target not unique in {file}: {old!r}"
            dst.write_text(text.replace(old, new), encoding="utf-8")
        files.append(dst)
    return files


# Each mutation: what to change, and the rule that must reject it (SHACL rules are checked by both
# engines; the quote rules need named graphs and the source file, so icmpd-kg checks them alone).
MUTATIONS = {
    "a city as beneficiary institution": (
        "projects.trig",
        "ikg:beneficiary organisation:gigm .",
        "ikg:beneficiary organisation:gigm , place:ankara .",
        "ProjectBeneficiaryShape",
        True,
    ),
    "a region concept as a project's country": (
        "editorial.trig",
        "    project:supreme ikg:implementedBy organisation:icmpd ; ikg:implementingUnit "
        "unit:ankara-office ;\n        ikg:projectCountry state:turkey .",
        "    project:supreme ikg:implementedBy organisation:icmpd ; ikg:implementingUnit "
        "unit:ankara-office ;\n        ikg:projectCountry region:western-balkans .",
        "ProjectCountryShape",
        True,
    ),
    "law 6993 written as 6994": (
        "turkey.trig",
        'eli:id_local "6993"',
        'eli:id_local "6994"',
        "FactLiteralInQuote",
        False,
    ),
    "gazette issue 30024 written as 30025": (
        "turkey.trig",
        'ikg:issueNumber "30024"',
        'ikg:issueNumber "30025"',
        "FactLiteralInQuote",
        False,
    ),
    "law date 09.03.2017 written as 2017-03-19": (
        "turkey.trig",
        'eli:date_document "2017-03-09"^^xsd:date',
        'eli:date_document "2017-03-19"^^xsd:date',
        "FactLiteralInQuote",
        False,
    ),
    "MIND's completion annotated with SIDEM's sentence": (
        "projects.trig",
        annotation_turtle("project-mind-completion", SOURCE, "(MIND) – Temmuz 2019’da tamamlanmıştır"),
        annotation_turtle("project-mind-completion", SOURCE, "(SIDEM) – Temmuz 2019’da tamamlanmıştır"),
        "FactResourceNamedInQuote",
        False,
    ),
    "a project linked to the office in the fact graph of a sentence that names no project": (
        "projects.trig",
        "        org:unitOf organisation:icmpd .\n",
        "        org:unitOf organisation:icmpd .\n    project:supreme ikg:implementingUnit "
        "unit:ankara-office .\n",
        "FactResourceNamedInQuote",
        False,
    ),
}


@pytest.fixture(scope="module")
def jena_reports(kg, jena_work, tmp_path_factory) -> dict[str, dict]:
    """Jena's report on each data file these tests give it, from one JVM: nothing (an empty file),
    the real data, each mutation that SHACL rejects (by name), and each invalid fixture (by path)."""
    work = tmp_path_factory.mktemp("jena-data")
    schema = work / "schema-view.ttl"
    kg.schema_view().serialize(schema, format="turtle")
    empty = work / "empty.ttl"
    empty.write_text("")
    inputs = {"empty": empty, "real data": work / "data.nq"}
    kg.data.serialize(inputs["real data"], format="nquads")
    for name, (file, old, new, _, shacl_rule) in MUTATIONS.items():
        if shacl_rule:
            folder = work / f"mutation-{len(inputs)}"
            folder.mkdir()
            inputs[name] = folder / "data.nq"
            KnowledgeGraph.load(mutate(folder, file, old, new)).data.serialize(inputs[name], format="nquads")
    for fixture in FIXTURES:
        inputs[str(fixture)] = fixture
    by_file = jena.validate(jena_work, paths.SHAPES_FILE, [schema], list(inputs.values()))
    return {name: by_file[str(path)] for name, path in inputs.items()}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_mutation_is_rejected(tmp_path, name, request):
    file, old, new, rule, shacl_rule = MUTATIONS[name]
    files = mutate(tmp_path, file, old, new)
    report = validate(KnowledgeGraph.load(files))
    assert not report.conforms, name
    assert any(r.shape == f"ikgsh:{rule}" for r in report.results), sorted({r.shape for r in report.results})
    if shacl_rule and jena.unavailable() is None:
        assert request.getfixturevalue("jena_reports")[name]["conforms"] is False, f"Jena accepts {name}"


def test_real_data_conforms_for_jena_too(report, jena_reports):
    assert report.conforms
    entry = jena_reports["real data"]
    assert entry["conforms"] is True, entry["results"][:5]


def test_every_fixture_same_focus_nodes_in_both_engines(kg, jena_reports, fixture_reports):
    disagreements = []
    for fixture in FIXTURES:
        ours = shacl_focus_nodes(fixture_reports[fixture], kg)
        theirs = jena_focus_nodes(jena_reports[str(fixture)])
        if ours != theirs:
            disagreements.append(f"{fixture.name}: icmpd-kg {sorted(ours)} / Jena {sorted(theirs)}")
    assert not disagreements, "\n".join(disagreements)


def test_shapes_load_in_jena(jena_reports):
    """Jena reads every shape, both languages of every message included (it refused them once)."""
    assert jena_reports["empty"]["conforms"] is True
