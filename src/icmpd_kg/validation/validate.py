"""Validation: SHACL without inference, plus the dataset rules.

SHACL sees the union of all graphs, the ontology and the class hierarchy of everything it imports
(``KnowledgeGraph.validation_graph``), and nothing inferred: ``sh:class`` then holds only for nodes
typed with the class or a subclass, never because a property's ``rdfs:range`` says so (RDFS
inference before SHACL would make every ``sh:class`` on an IRI value vacuous). Apache Jena SHACL
gets the same graph in the test suite and must agree.

Two engines give the same report (``report``): ``native`` (``native``: the ``shacl`` package and
Oxigraph) and ``pyshacl``, the reference (``reference``). The dataset rules need what the union
loses (which named graph a triple is in) or what RDF cannot hold (the source file), so they are
checked in Python (``rules``) and reported under the IRIs and messages that
shapes/icmpd-kg-shapes.ttl gives them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rdflib import Graph

from icmpd_kg.core import paths
from icmpd_kg.core.errors import IcmpdKgError
from icmpd_kg.kg.graph import KnowledgeGraph, schema_ntriples, shapes_graph
from icmpd_kg.kg.quads import Quads, oxigraph_quads, read_quads
from icmpd_kg.validation.native import native_findings
from icmpd_kg.validation.reference import pyshacl_findings
from icmpd_kg.validation.report import Report, report_of
from icmpd_kg.validation.rules import rule_findings

ENGINES = ("native", "pyshacl")


def _check_engine(engine: str) -> None:
    if engine not in ENGINES:
        raise IcmpdKgError(f"unknown validation engine {engine!r} (known: {', '.join(ENGINES)})")


def _native(quads: list[Any], shapes: Graph, source_file: Path | None) -> Report:
    """The native engine's report on the data in one form, Oxigraph's quads (the dataset rules index
    them while the Core engine works)."""
    findings = native_findings(
        quads,
        schema_ntriples(),
        shapes,
        meanwhile=lambda: rule_findings(Quads.from_oxigraph(quads), shapes, source_file),
    )
    return report_of(findings, shapes)


def validate(
    kg: KnowledgeGraph, source_file: Path | None = paths.SOURCE_FILE, engine: str = "native"
) -> Report:
    """SHACL and the dataset rules over a loaded graph. ``engine`` is ``native`` (shacl and
    Oxigraph, see native.py) or ``pyshacl`` (the reference); both give the same report."""
    _check_engine(engine)
    if engine == "native":
        return _native(oxigraph_quads(kg.data), kg.shapes, source_file)
    findings = pyshacl_findings(kg.validation_graph(), kg.shapes)
    return report_of(findings + rule_findings(Quads.from_dataset(kg.data), kg.shapes, source_file), kg.shapes)


def validate_files(
    files: list[Path] | None = None, engine: str = "native", source_file: Path | None = paths.SOURCE_FILE
) -> Report:
    """``validate`` of files (the project's own data by default). The native engine reads them with
    Oxigraph's parsers and never builds an rdflib graph of the data."""
    _check_engine(engine)
    if engine == "pyshacl":
        return validate(KnowledgeGraph.load(files), source_file, engine)
    return validate_quads(read_quads(files or paths.data_files()), source_file)


def validate_quads(quads: list[Any], source_file: Path | None = paths.SOURCE_FILE) -> Report:
    """The native engine's report on quads already read (``quads.read_quads``)."""
    return _native(quads, shapes_graph(), source_file)
