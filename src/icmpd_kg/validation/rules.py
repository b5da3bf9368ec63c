"""The dataset rules: what SHACL cannot say, because the union of graphs loses it (which named
graph a triple is in) or RDF cannot hold it (the source file). Each rule is a unit in ``RULES``,
keyed by the shape of shapes/icmpd-kg-shapes.ttl whose IRI and messages it reports under, testable
and runnable alone (``icmpd-kg fact check --rule``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from rdflib import RDF, Graph, Literal, URIRef
from rdflib.term import Node

from icmpd_kg.core.errors import IcmpdKgError
from icmpd_kg.core.namespaces import DCAT, IKG, OA, PROV, SH, SHAPES, SPDX, VOID
from icmpd_kg.kg.provenance import (
    QuoteMismatch,
    check_facts_against_quotes,
    check_selectors,
    read_source,
    sha256_of,
)
from icmpd_kg.kg.quads import Quads
from icmpd_kg.validation.native import Finding, shape_messages

# Classes whose instances may be described in the default graph: provenance and metadata.
PROVENANCE_CLASSES = frozenset(
    {
        OA.Annotation,
        OA.SpecificResource,
        OA.TextQuoteSelector,
        OA.TextPositionSelector,
        IKG.SourceDocument,
        IKG.EditorialGraph,
        PROV.Agent,
        SPDX.Checksum,
        VOID.Dataset,
        DCAT.Dataset,
        DCAT.Distribution,
    }
)


Broken = tuple[Node, Node | None, str | None]  # (focus, value, detail) of one broken rule


@dataclass
class Data:
    """What the rules read: the quads, and the source file (``None``: the rules on it are skipped)."""

    quads: Quads
    source_file: Path | None

    @cached_property
    def source_text(self) -> str | None:
        file = self.source_file
        return read_source(file) if file is not None and file.is_file() else None

    @cached_property
    def bodies(self) -> set[Node]:
        return {o for _, o in self.quads.pairs(OA.hasBody)}

    @cached_property
    def quote_mismatches(self) -> list[QuoteMismatch]:
        return list(check_facts_against_quotes(self.quads))


RULES: dict[URIRef, Callable[[Data], Iterable[Broken]]] = {}


def rule(shape: URIRef) -> Callable[[Callable[[Data], Iterable[Broken]]], Callable[[Data], Iterable[Broken]]]:
    """Register a rule under its shape."""

    def register(check: Callable[[Data], Iterable[Broken]]) -> Callable[[Data], Iterable[Broken]]:
        RULES[shape] = check
        return check

    return register


@rule(SHAPES.GraphHasProvenance)
def graph_has_provenance(data: Data) -> Iterator[Broken]:
    """Every named graph is a fact graph (the body of an annotation) or an editorial graph."""
    editorial = set(data.quads.subjects(RDF.type, IKG.EditorialGraph))
    for name in sorted(data.quads.named()):
        if name not in data.bodies and name not in editorial:
            yield name, None, None


@rule(SHAPES.FactGraphNotEmpty)
def fact_graph_not_empty(data: Data) -> Iterator[Broken]:
    """Every annotation's body is a named graph that states something."""
    for body in sorted(data.bodies - set(data.quads.named())):
        yield body, None, None


@rule(SHAPES.DefaultGraphHoldsOnlyProvenance)
def default_graph_holds_only_provenance(data: Data) -> Iterator[Broken]:
    """The default graph describes provenance and metadata only."""
    in_default: dict[Node, set[Node]] = {}
    for s, p, _ in data.quads.default():
        in_default.setdefault(s, set()).add(p)
    for subject in sorted(in_default):
        if not set(data.quads.objects(subject, RDF.type)) & PROVENANCE_CLASSES:
            yield subject, min(in_default[subject]), None


@rule(SHAPES.SourceChecksumMatches)
def source_checksum_matches(data: Data) -> Iterator[Broken]:
    """The recorded SHA-256 of the source is the file's."""
    if data.source_text is None or data.source_file is None:
        return
    digest = sha256_of(data.source_file)
    for checksum in data.quads.subjects(RDF.type, SPDX.Checksum):
        recorded = data.quads.value(checksum, SPDX.checksumValue)
        if recorded is not None and str(recorded).lower() != digest:
            yield checksum, recorded, f"file has {digest}"


@rule(SHAPES.SelectorMatchesSource)
def selector_matches_source(data: Data) -> Iterator[Broken]:
    """Every selector cuts out of the source the words it states."""
    if data.source_text is None:
        return
    for problem in check_selectors(data.quads, data.source_text):
        yield problem.focus, None, problem.message


@rule(SHAPES.FactLiteralInQuote)
def fact_literal_in_quote(data: Data) -> Iterator[Broken]:
    """Every literal a fact states is in its quote."""
    for mismatch in data.quote_mismatches:
        if mismatch.is_literal:
            yield mismatch.graph, mismatch.value, mismatch.detail


@rule(SHAPES.FactResourceNamedInQuote)
def fact_resource_named_in_quote(data: Data) -> Iterator[Broken]:
    """Every resource a fact states is named in its quote."""
    for mismatch in data.quote_mismatches:
        if not mismatch.is_literal:
            yield mismatch.graph, mismatch.value, mismatch.detail


def rule_names() -> str:
    """The rules' names (their shapes' local names), for a message that names what is known."""
    return ", ".join(sorted(str(s).removeprefix(str(SHAPES)) for s in RULES))


def rule_named(name: str) -> URIRef:
    """The shape of the rule named ``name`` (a shape's local name, or its IRI); ValueError if none."""
    shape = URIRef(name) if ":" in name else SHAPES[name]
    if shape not in RULES:
        raise ValueError(f"no dataset rule is named {name!r} (known: {rule_names()})")
    return shape


def require_rule(shape: URIRef) -> None:
    if shape not in RULES:
        raise IcmpdKgError(f"no dataset rule is keyed by {shape} (known: {rule_names()})")


def broken_rules(
    quads: Quads, source_file: Path | None, only: Iterable[URIRef] | None = None
) -> list[tuple[Node, Node | None, URIRef, str | None]]:
    """(focus, value, rule, detail) for each broken dataset rule (of ``only``, or all)."""
    shapes = list(RULES) if only is None else list(only)
    for shape in shapes:
        require_rule(shape)
    data = Data(quads, source_file)
    return [(focus, value, shape, detail) for shape in shapes for focus, value, detail in RULES[shape](data)]


def rule_findings(
    quads: Quads, shapes: Graph, source_file: Path | None, only: Iterable[URIRef] | None = None
) -> list[Finding]:
    """The broken rules as findings, under their shapes' messages (the English one says what exactly
    is wrong)."""
    found = []
    for focus, value, shape, detail in broken_rules(quads, source_file, only):
        messages = tuple(
            Literal(f"{m} ({detail})", lang="en") if detail and m.language == "en" else m
            for m in shape_messages(shapes, shape)
        )
        found.append(Finding(focus, None, value, shape, messages, SH.Violation))
    return found
