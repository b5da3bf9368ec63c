"""The dataset rules as a registry: one unit per rule, keyed by the shape it reports under, each
finding its own fixture when run alone, and runnable alone by ``icmpd-kg fact check --rule``."""

from __future__ import annotations

import re
import shutil

import pytest
from click.testing import CliRunner
from rdflib import RDF, Literal, URIRef

from icmpd_kg.cli import main
from icmpd_kg.core import paths
from icmpd_kg.core.namespaces import SH, SHAPES
from icmpd_kg.kg.graph import shapes_graph
from icmpd_kg.kg.quads import Quads, read_quads
from icmpd_kg.validation.rules import RULES, broken_rules

# The rules on the source file read this; the fixtures are checked against the project's source.
SOURCE = paths.SOURCE_FILE


def name(shape: URIRef) -> str:
    return str(shape).removeprefix(str(SHAPES))


def test_the_registry_holds_exactly_the_deactivated_shapes():
    """A dataset rule is a shape SHACL engines skip (sh:deactivated) because Python checks it: every
    such shape has its rule, and every rule its shape."""
    shapes = shapes_graph()
    deactivated = {
        s for s in shapes.subjects(SH.deactivated, Literal(True)) if (s, RDF.type, SH.NodeShape) in shapes
    }
    assert deactivated == set(RULES)


@pytest.mark.parametrize("shape", sorted(RULES), ids=name)
def test_each_rule_alone_finds_its_fixture_and_nothing_in_the_real_data(shape):
    fixtures = sorted(paths.SHAPES_EXAMPLES_DIR.glob(f"{name(shape)}-invalid-*.*"))
    assert fixtures, f"no fixture for {name(shape)}"
    for fixture in fixtures:
        found = broken_rules(Quads.from_oxigraph(read_quads([fixture])), SOURCE, only=[shape])
        assert found and {rule for _, _, rule, _ in found} == {shape}, fixture.name
    real = Quads.from_oxigraph(read_quads(paths.data_files()))
    assert broken_rules(real, SOURCE, only=[shape]) == []


def test_an_unknown_rule_is_refused_with_the_known_ones():
    with pytest.raises(Exception, match="known: .*GraphHasProvenance"):
        broken_rules(Quads.from_oxigraph([]), None, only=[SHAPES.NoSuchRule])


def test_fact_check_runs_one_rule_alone(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(paths.DATA_DIR, data)
    slug = re.findall(r"fact:([a-z0-9-]+)", (data / "editorial.trig").read_text(encoding="utf-8"))[0]
    runner = CliRunner()
    clean = runner.invoke(
        main, ["fact", "check", slug, "--data-dir", str(data), "--rule", "GraphHasProvenance"]
    )
    assert clean.exit_code == 0, clean.output
    assert "conforms" in clean.output
    unknown = runner.invoke(main, ["fact", "check", slug, "--data-dir", str(data), "--rule", "NoSuchRule"])
    assert unknown.exit_code == 2
    assert (
        "no dataset rule is named 'NoSuchRule'" in unknown.output and "FactLiteralInQuote" in unknown.output
    )
