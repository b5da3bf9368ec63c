"""Shapes: each rule rejects its own bad fixture with its message; the real data passes."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import RDF, Literal, URIRef

from icmpd_kg import paths
from icmpd_kg.validate import SHAPES, meta_validate_shapes, validate_files
from icmpd_kg.namespaces import SH

FIXTURES = sorted(paths.SHAPES_EXAMPLES_DIR.glob("*-invalid-*.*"))


def rule_of(fixture: Path) -> str:
    return fixture.name.split("-invalid-")[0]


def named_rules(shapes) -> set[str]:
    """Every shape or SPARQL constraint with an IRI and a message: each is a rule with a fixture."""
    return {str(s)[len(str(SHAPES)):] for s in set(shapes.subjects(SH.message, None))
            if isinstance(s, URIRef) and str(s).startswith(str(SHAPES))}


def test_real_data_conforms(report):
    assert report.conforms, report.as_text()


def test_shapes_pass_shacl_shacl(kg):
    conforms, text = meta_validate_shapes(kg.shapes)
    assert conforms, text


def test_every_rule_has_an_invalid_fixture(kg):
    missing = named_rules(kg.shapes) - {rule_of(f) for f in FIXTURES}
    assert not missing, f"rules without a fixture in shapes/examples/: {sorted(missing)}"


def test_every_message_is_in_english_and_turkish(kg):
    for shape in set(kg.shapes.subjects(SH.message, None)):
        langs = {m.language for m in kg.shapes.objects(shape, SH.message) if isinstance(m, Literal)}
        assert langs == {"en", "tr"}, f"{shape}: {langs}"


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.name)
def test_fixture_is_rejected_by_its_rule(kg, fixture):
    rule = rule_of(fixture)
    report = validate_files([fixture])
    assert not report.conforms
    hits = [r for r in report.results if r.shape == f"ikgsh:{rule}"]
    assert hits, f"{rule} did not fire; got {sorted({r.shape for r in report.results})}"
    shape = SHAPES[rule]
    expected = {str(m) for m in kg.shapes.objects(shape, SH.message)}
    if expected and not list(kg.shapes.objects(shape, RDF.type)) == [SH.SPARQLConstraint]:
        assert any(h.message in expected or h.message.split(" (")[0] in expected for h in hits), hits
    assert all(h.message_tr for h in hits), "every result carries its Turkish message too"
