"""Validation: SHACL without inference, plus the dataset rules.

SHACL sees the union of all graphs, the ontology and the class hierarchy of everything it imports
(``KnowledgeGraph.validation_graph``), and nothing inferred: ``sh:class`` then holds only for nodes
typed with the class or a subclass, never because a property's ``rdfs:range`` says so (RDFS
inference before SHACL would make every ``sh:class`` on an IRI value vacuous). Apache Jena SHACL
gets the same graph in the test suite and must agree.

The dataset rules need what the union loses (which named graph a triple is in) or what RDF cannot
hold (the source file), so they are checked here, in Python, and reported under the IRIs and
messages that shapes/icmpd-kg-shapes.ttl gives them.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

import pyshacl
from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.plugins.sparql.processor import SPARQLProcessor
from rdflib.term import Node

from icmpd_kg import paths, settings
from icmpd_kg.errors import IcmpdKgError
from icmpd_kg.graph import KnowledgeGraph, default_graph, named_graphs, union
from icmpd_kg.namespaces import DCAT, IKG, OA, PROV, SH, SHAPES, SPDX, VOID, bind_prefixes
from icmpd_kg.provenance import check_facts_against_quotes, check_selectors, read_source, sha256_of

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

SEVERITY_NAMES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


@dataclass(frozen=True)
class Result:
    """One validation result, in the terms of a SHACL sh:ValidationResult."""

    focus: str
    path: str | None
    value: str | None
    message: str
    message_tr: str | None
    severity: str
    shape: str

    def as_text(self) -> str:
        lines = [f"{self.severity}: {self.message}", f"  focus node: {self.focus}"]
        if self.path:
            lines.append(f"  path:       {self.path}")
        if self.value:
            lines.append(f"  value:      {self.value}")
        lines.append(f"  shape:      {self.shape}")
        if self.message_tr:
            lines.append(f"  (tr)        {self.message_tr}")
        return "\n".join(lines)


@dataclass
class Report:
    conforms: bool
    results: list[Result]
    graph: Graph

    def as_text(self) -> str:
        if self.conforms:
            return "Conforms: yes (0 results)"
        body = "\n\n".join(r.as_text() for r in self.results)
        return f"Conforms: no ({len(self.results)} results)\n\n{body}"

    def as_json(self) -> str:
        return json.dumps(
            {"conforms": self.conforms, "results": [asdict(r) for r in self.results]},
            ensure_ascii=False,
            indent=2,
            sort_keys=True,
        )

    def as_turtle(self) -> str:
        return self.graph.serialize(format="turtle")


def _show(node: Node | None, graph: Graph) -> str | None:
    if node is None:
        return None
    if isinstance(node, URIRef):
        try:
            return graph.namespace_manager.normalizeUri(node)
        except Exception:  # noqa: BLE001 - fall back to the full IRI
            return f"<{node}>"
    return node.n3()


def _messages(shapes: Graph, shape: URIRef) -> tuple[str, str | None]:
    by_lang = {m.language: str(m) for m in shapes.objects(shape, SH.message) if isinstance(m, Literal)}
    return by_lang.get("en", next(iter(by_lang.values()), str(shape))), by_lang.get("tr")


def _named_shape(shapes: Graph, shape: Node) -> Node:
    """A blank property shape is reported by the node shape that holds it."""
    if isinstance(shape, BNode):
        for parent in shapes.subjects(SH.property, shape):
            return parent
    return shape


def template_regex(template: str) -> re.Pattern:
    parts = re.split(r"\{[?$]\w+\}", template)
    return re.compile(".*?".join(re.escape(p) for p in parts), re.DOTALL)


def _result_messages(report: Graph, result: Node, shapes: Graph, shape: Node | None) -> dict[str | None, str]:
    """The result's messages by language. pyshacl fills SHACL-SPARQL message templates as plain
    strings, dropping the language tag; it is recovered from the template each one matches, and
    put back on the report graph."""
    messages: dict[str | None, str] = {}
    templates = [m for m in shapes.objects(shape, SH.message) if isinstance(m, Literal)] if shape else []
    for m in list(report.objects(result, SH.resultMessage)):
        lang = m.language if isinstance(m, Literal) else None
        if lang is None:
            lang = next((t.language for t in templates if template_regex(str(t)).fullmatch(str(m))), None)
            if lang is not None:
                report.remove((result, SH.resultMessage, m))
                report.add((result, SH.resultMessage, Literal(str(m), lang=lang)))
        messages[lang] = str(m)
    return messages


def _dataset_rule_results(
    kg: KnowledgeGraph, source_file: Path | None
) -> list[tuple[Node, Node | None, URIRef, str | None]]:
    """(focus, value, rule, detail) for each broken dataset rule."""
    data = kg.data
    found: list[tuple[Node, Node | None, URIRef, str | None]] = []
    everything = union(data)
    bodies = set(everything.objects(None, OA.hasBody))
    editorial = set(everything.subjects(RDF.type, IKG.EditorialGraph))
    for name in sorted(named_graphs(data)):
        if name not in bodies and name not in editorial:
            found.append((name, None, SHAPES.GraphHasProvenance, None))
    default = default_graph(data)
    for subject in sorted(set(default.subjects())):
        types = set(everything.objects(subject, RDF.type))
        if not types & PROVENANCE_CLASSES:
            predicate = sorted(default.predicates(subject))[0]
            found.append((subject, predicate, SHAPES.DefaultGraphHoldsOnlyProvenance, None))
    if source_file is not None and source_file.is_file():
        digest = sha256_of(source_file)
        for checksum in everything.subjects(RDF.type, SPDX.Checksum):
            recorded = everything.value(checksum, SPDX.checksumValue)
            if recorded is not None and str(recorded).lower() != digest:
                found.append((checksum, recorded, SHAPES.SourceChecksumMatches, f"file has {digest}"))
        text = read_source(source_file)
        for problem in check_selectors(everything, text):
            found.append((problem.focus, None, SHAPES.SelectorMatchesSource, problem.message))
    for mismatch in check_facts_against_quotes(data):
        rule = SHAPES.FactLiteralInQuote if mismatch.is_literal else SHAPES.FactResourceNamedInQuote
        found.append((mismatch.graph, mismatch.value, rule, mismatch.detail))
    return found


@lru_cache(maxsize=256)
def _translated(text: str, base: str | None, namespaces: tuple[tuple[str, str], ...]) -> Any:
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery

    return translateQuery(parseQuery(text), base, dict(namespaces))


class PreparingProcessor(SPARQLProcessor):
    """rdflib's SPARQL processor, analysing each distinct query text once. pySHACL hands a
    SHACL-SPARQL constraint to rdflib as text once per focus node, and rdflib parses it again every
    time: with the constraint's PREFIX lines about 40 ms, three quarters of the whole validation.
    A prepared query evaluated with other bindings is what rdflib's ``prepareQuery`` is for."""

    def query(  # type: ignore[override]
        self,
        strOrQuery: Any,  # noqa: N803 - rdflib's parameter names
        initBindings: Any = None,  # noqa: N803
        initNs: Any = None,  # noqa: N803
        base: str | None = None,
        DEBUG: bool = False,  # noqa: N803
    ) -> Any:
        if isinstance(strOrQuery, str):
            strOrQuery = _translated(strOrQuery, base, tuple(sorted((initNs or {}).items())))
        return super().query(strOrQuery, initBindings or {}, initNs, base, DEBUG)


def prepared_sparql():
    """rdflib's default SPARQL processor is ``PreparingProcessor`` while this lasts (pySHACL offers no
    way to pass one); the two answer alike, so other code running meanwhile is not affected. Every
    rdflib setting pySHACL changes meanwhile (it sets ``NORMALIZE_LITERALS`` back to True) is restored."""
    return settings.sparql_processor(__name__, "PreparingProcessor")


def run_shacl(data: Graph, shapes: Graph | str, advanced: bool = True) -> tuple[bool, Graph, str]:
    """pySHACL as the project runs it: no inference, SHACL-SPARQL on, each constraint's query
    prepared once. Returns (conforms, report graph, report text)."""
    with prepared_sparql():
        conforms, report, text = pyshacl.validate(
            data_graph=data, shacl_graph=shapes, inference="none", advanced=advanced, allow_warnings=False
        )
    if not isinstance(report, Graph):
        raise IcmpdKgError(f"the shapes cannot be applied: {report}")
    return bool(conforms), report, str(text)


def validate(kg: KnowledgeGraph, source_file: Path | None = paths.SOURCE_FILE) -> Report:
    conforms, report_graph, _ = run_shacl(kg.validation_graph(), kg.shapes)
    bind_prefixes(report_graph)
    nm = bind_prefixes(Graph())
    results: list[Result] = []
    report_node = next(report_graph.subjects(RDF.type, SH.ValidationReport))
    # Only the report's own results: sh:detail nests the results behind an sh:node failure.
    for r in list(report_graph.objects(report_node, SH.result)):
        shape = _named_shape(kg.shapes, cast(Node, report_graph.value(r, SH.sourceShape)))
        messages = _result_messages(report_graph, r, kg.shapes, shape)
        message = messages.get("en") or messages.get(None) or next(iter(messages.values()), "")
        results.append(
            Result(
                focus=_show(report_graph.value(r, SH.focusNode), nm) or "",
                path=_show(report_graph.value(r, SH.resultPath), nm),
                value=_show(report_graph.value(r, SH.value), nm),
                message=message,
                message_tr=messages.get("tr"),
                severity=SEVERITY_NAMES.get(
                    cast(URIRef, report_graph.value(r, SH.resultSeverity)), "Violation"
                ),
                shape=_show(shape, nm) or "",
            )
        )
    for focus, value, rule, detail in _dataset_rule_results(kg, source_file):
        en, tr = _messages(kg.shapes, rule)
        if detail:
            en = f"{en} ({detail})"
        node = BNode()
        report_graph.add((report_node, SH.result, node))
        report_graph.add((node, RDF.type, SH.ValidationResult))
        report_graph.add((node, SH.focusNode, focus))
        report_graph.add((node, SH.sourceShape, rule))
        report_graph.add((node, SH.resultSeverity, SH.Violation))
        report_graph.add((node, SH.resultMessage, Literal(en, lang="en")))
        if tr:
            report_graph.add((node, SH.resultMessage, Literal(tr, lang="tr")))
        if value is not None:
            report_graph.add((node, SH.value, value))
        results.append(
            Result(
                focus=_show(focus, nm) or "",
                path=None,
                value=_show(value, nm),
                message=en,
                message_tr=tr,
                severity="Violation",
                shape=_show(rule, nm) or "",
            )
        )
        conforms = False
    report_graph.set((report_node, SH.conforms, Literal(conforms)))
    results.sort(key=lambda r: (r.shape, r.focus, r.path or "", r.value or "", r.message))
    return Report(conforms=bool(conforms), results=results, graph=report_graph)


def validate_files(files: list[Path] | None = None) -> Report:
    return validate(KnowledgeGraph.load(files))


def meta_validate_shapes(shapes: Graph) -> tuple[bool, str]:
    """Check the shapes graph against SHACL-SHACL, the W3C shapes for shapes (bundled by pyshacl)."""
    from pyshacl.entrypoints import meta_validate

    conforms, _, text = meta_validate(shapes)
    return bool(conforms), text
