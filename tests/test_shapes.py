"""Shapes: each rule rejects its own bad fixture with its message; the real data passes."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef

from icmpd_kg.core import paths
from icmpd_kg.core.namespaces import SH, SHAPES
from icmpd_kg.validation.reference import meta_validate_shapes, template_regex

from .conftest import FIXTURES


def rule_of(fixture: Path) -> str:
    return fixture.name.split("-invalid-")[0]


def named_rules(shapes) -> set[str]:
    """Every shape or SPARQL constraint with an IRI and a message: each is a rule with a fixture."""
    return {
        str(s)[len(str(SHAPES)) :]
        for s in set(shapes.subjects(SH.message, None))
        if isinstance(s, URIRef) and str(s).startswith(str(SHAPES))
    }


def test_real_data_conforms(report):
    assert report.conforms, report.as_text()


@pytest.mark.slow
def test_shapes_pass_shacl_shacl(kg):
    conforms, text = meta_validate_shapes(kg.shapes)
    assert conforms, text


# SHACL Advanced Features (W3C Note shacl-af): rules, custom targets, functions, node expressions,
# and the JavaScript extensions. pySHACL, the reference engine, runs without them (validate.run_shacl).
ADVANCED_FEATURES = {
    URIRef(f"{SH}{name}")  # rdflib's SH namespace is closed to SHACL Core's terms
    for name in (
        "rule", "target", "condition", "values", "expression", "filterShape", "nodes", "intersection",
        "union", "SPARQLRule", "TripleRule", "SPARQLTarget", "SPARQLTargetType", "SPARQLFunction",
        "Function", "JSConstraint", "JSRule", "JSTarget", "JSFunction", "JSTargetType",
    )
}  # fmt: skip


@pytest.mark.parametrize("shapes_file", [paths.SHAPES_FILE, paths.WIKIDATA_VIEW_SHAPES_FILE])
def test_the_shapes_use_no_advanced_feature(shapes_file):
    """The reference engine would ignore them: a shape that needs one must turn them on first."""
    graph = Graph().parse(shapes_file)
    used = {t for triple in graph for t in triple if t in ADVANCED_FEATURES}
    assert used == set()


def test_every_rule_has_an_invalid_fixture(kg):
    missing = named_rules(kg.shapes) - {rule_of(f) for f in FIXTURES}
    assert not missing, f"rules without a fixture in shapes/examples/: {sorted(missing)}"


def test_every_message_is_in_english_and_turkish(kg):
    for shape in set(kg.shapes.subjects(SH.message, None)):
        langs = {m.language for m in kg.shapes.objects(shape, SH.message) if isinstance(m, Literal)}
        assert langs == {"en", "tr"}, f"{shape}: {langs}"


@pytest.mark.slow
@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.name)
def test_fixture_is_rejected_by_its_rule(kg, fixture, fixture_reports):
    rule = rule_of(fixture)
    report = fixture_reports[fixture]
    assert not report.conforms
    hits = [r for r in report.results if r.shape == f"ikgsh:{rule}"]
    assert hits, f"{rule} did not fire; got {sorted({r.shape for r in report.results})}"
    shape = SHAPES[rule]
    templates = [template_regex(str(m)) for m in kg.shapes.objects(shape, SH.message)]
    if templates:
        assert any(
            t.fullmatch(h.message) or t.fullmatch(h.message.split(" (")[0]) for h in hits for t in templates
        ), hits
    assert all(h.message_tr for h in hits), "every result carries its Turkish message too"


def class_rules(shapes) -> set[str]:
    """Named rules that hold an sh:class constraint, directly, in a blank property shape of their
    own, or through sh:node."""

    def has_class(node, seen=()) -> bool:
        if node in seen:
            return False
        if (node, SH["class"], None) in shapes:
            return True
        children = [*shapes.objects(node, SH.property), *shapes.objects(node, SH.node)]
        return any(
            has_class(c, (*seen, node))
            for c in children
            if isinstance(c, BNode) or (node, SH.node, c) in shapes
        )

    return {
        str(s)[len(str(SHAPES)) :]
        for s in set(shapes.subjects())
        if isinstance(s, URIRef)
        and str(s).startswith(str(SHAPES))
        and (s, SH.message, None) in shapes
        and has_class(s)
    }


@pytest.mark.slow
def test_every_class_rule_rejects_an_iri_of_the_wrong_class(kg, fixture_reports):
    """Not only a literal: an IRI typed with another class must fail every sh:class rule (with RDFS
    range inference before SHACL it never could)."""
    missing = []
    for rule in sorted(class_rules(kg.shapes)):
        fixtures = [f for f in FIXTURES if rule_of(f) == rule]
        iri_hits = [
            r
            for f in fixtures
            for r in fixture_reports[f].results
            if r.shape == f"ikgsh:{rule}" and r.value and not r.value.startswith('"')
        ]
        if not iri_hits:
            missing.append(rule)
    assert not missing, f"sh:class rules without a wrong-class IRI fixture: {missing}"


@pytest.mark.slow
def test_shacl_sparql_is_prepared_once_per_text_and_rdflib_is_restored(kg):
    """pySHACL passes each SHACL-SPARQL constraint to rdflib as text once per focus node; the
    project's runner translates each distinct text once and gives rdflib its own processor back."""
    from rdflib import plugin
    from rdflib.plugins.sparql.processor import SPARQLProcessor
    from rdflib.query import Processor

    from icmpd_kg.validation import reference as v

    selects = {str(t) for t in kg.shapes.objects(None, SH.select)}
    v._translated.cache_clear()
    conforms, _, _ = v.run_shacl(kg.validation_graph(), kg.shapes)
    info = v._translated.cache_info()
    assert conforms
    assert 0 < info.misses <= len(selects)
    assert info.hits > 5 * info.misses  # the same texts, once per focus node
    assert plugin.get("sparql", Processor) is SPARQLProcessor
