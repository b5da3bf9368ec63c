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
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, cast

from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.extras.shacl import parse_shacl_path
from rdflib.plugins.sparql.processor import SPARQLProcessor
from rdflib.term import Node

from icmpd_kg import paths, settings
from icmpd_kg.errors import IcmpdKgError
from icmpd_kg.graph import KnowledgeGraph, schema_ntriples, shapes_graph
from icmpd_kg.namespaces import DCAT, IKG, OA, PROV, SH, SHAPES, SPDX, VOID, bind_prefixes
from icmpd_kg.provenance import check_facts_against_quotes, check_selectors, read_source, sha256_of
from icmpd_kg.quads import Quads, oxigraph_quads, read_quads
from icmpd_kg.shacl import Finding, native_findings, result_path, shape_messages

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
    findings: list[Finding] = field(default_factory=list, repr=False)
    shapes: Graph | None = field(default=None, repr=False)

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

    @cached_property
    def graph(self) -> Graph:
        """The report as SHACL's RDF (sh:ValidationReport), made when first asked for."""
        return report_graph(self.findings, self.shapes if self.shapes is not None else Graph())

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
    data: Quads, source_file: Path | None
) -> list[tuple[Node, Node | None, URIRef, str | None]]:
    """(focus, value, rule, detail) for each broken dataset rule."""
    found: list[tuple[Node, Node | None, URIRef, str | None]] = []
    bodies = {o for _, o in data.pairs(OA.hasBody)}
    editorial = set(data.subjects(RDF.type, IKG.EditorialGraph))
    named = data.named()
    for name in sorted(named):
        if name not in bodies and name not in editorial:
            found.append((name, None, SHAPES.GraphHasProvenance, None))
    for body in sorted(bodies - set(named)):
        found.append((body, None, SHAPES.FactGraphNotEmpty, None))
    in_default: dict[Node, set[Node]] = {}
    for s, p, _ in data.default():
        in_default.setdefault(s, set()).add(p)
    for subject in sorted(in_default):
        if not set(data.objects(subject, RDF.type)) & PROVENANCE_CLASSES:
            found.append((subject, min(in_default[subject]), SHAPES.DefaultGraphHoldsOnlyProvenance, None))
    if source_file is not None and source_file.is_file():
        digest = sha256_of(source_file)
        for checksum in data.subjects(RDF.type, SPDX.Checksum):
            recorded = data.value(checksum, SPDX.checksumValue)
            if recorded is not None and str(recorded).lower() != digest:
                found.append((checksum, recorded, SHAPES.SourceChecksumMatches, f"file has {digest}"))
        text = read_source(source_file)
        for problem in check_selectors(data, text):
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


def run_shacl(data: Graph, shapes: Graph | str) -> tuple[bool, Graph, str]:
    """pySHACL as the project runs it: no inference; SHACL Core and SHACL-SPARQL (both SHACL
    itself), without the Advanced Features (rules, functions, custom targets: the shapes use none,
    and pySHACL's ``advanced`` mode costs a fifth more time); each constraint's query prepared once.
    Returns (conforms, report graph, report text)."""
    import pyshacl

    with prepared_sparql():
        conforms, report, text = pyshacl.validate(
            data_graph=data, shacl_graph=shapes, inference="none", advanced=False, allow_warnings=False
        )
    if not isinstance(report, Graph):
        raise IcmpdKgError(f"the shapes cannot be applied: {report}")
    return bool(conforms), report, str(text)


ENGINES = ("native", "pyshacl")


def pyshacl_findings(data: Graph, shapes: Graph) -> list[Finding]:
    """The reference engine: pySHACL's report, as findings. pySHACL fills SHACL-SPARQL message
    templates as plain strings; their language is recovered from the template each one matches."""
    _, report, _ = run_shacl(data, shapes)
    report_node = next(report.subjects(RDF.type, SH.ValidationReport))
    found = []
    # Only the report's own results: sh:detail nests the results behind an sh:node failure.
    for r in report.objects(report_node, SH.result):
        shape = cast(Node, report.value(r, SH.sourceShape))
        found.append(
            Finding(
                focus=cast(Node, report.value(r, SH.focusNode)),
                path=result_path(report.value(r, SH.resultPath), shapes.value(shape, SH.path)),
                value=report.value(r, SH.value),
                shape=shape,
                messages=tuple(
                    Literal(text, lang=lang)
                    for lang, text in _result_messages(report, r, shapes, _named_shape(shapes, shape)).items()
                ),
                severity=cast(URIRef, report.value(r, SH.resultSeverity)) or SH.Violation,
                component=cast(URIRef, report.value(r, SH.sourceConstraintComponent)),
                constraint=report.value(r, SH.sourceConstraint),
            )
        )
    return found


def _path_text(shapes: Graph, path: Node | None, nm: Graph) -> str | None:
    """A result's path as SPARQL writes it (``^org:member``, ``(a|b)``), whatever engine found it."""
    if path is None:
        return None
    if isinstance(path, URIRef):
        return _show(path, nm)
    try:
        return parse_shacl_path(shapes, path).n3(nm.namespace_manager)  # type: ignore[union-attr]
    except Exception:  # noqa: BLE001 - a malformed path is shown as its node
        return _show(path, nm)


def report_graph(findings: list[Finding], shapes: Graph) -> Graph:
    """``findings`` as a SHACL validation report."""
    graph = bind_prefixes(Graph())
    report_node = BNode()
    graph.add((report_node, RDF.type, SH.ValidationReport))
    graph.add((report_node, SH.conforms, Literal(not findings)))
    for f in findings:
        node = BNode()
        graph.add((report_node, SH.result, node))
        graph.add((node, RDF.type, SH.ValidationResult))
        graph.add((node, SH.focusNode, f.focus))
        graph.add((node, SH.sourceShape, _named_shape(shapes, f.shape)))
        graph.add((node, SH.resultSeverity, f.severity))
        if f.component is not None:
            graph.add((node, SH.sourceConstraintComponent, f.component))
        if f.constraint is not None:
            graph.add((node, SH.sourceConstraint, f.constraint))
        if f.value is not None:
            graph.add((node, SH.value, f.value))
        if f.path is not None:
            graph.add((node, SH.resultPath, f.path))
            if isinstance(f.path, BNode):  # a path of several steps: its own triples come along
                for triple in shapes.cbd(f.path):
                    graph.add(triple)
        for m in f.messages:
            graph.add((node, SH.resultMessage, m))
    return graph


def _report(findings: list[Finding], shapes: Graph) -> Report:
    """The report of ``findings``: results for people now, the RDF when asked for."""
    nm = bind_prefixes(Graph())
    shown: dict[Node | None, str | None] = {}

    def show(node: Node | None) -> str | None:  # a few nodes recur in many results
        if node not in shown:
            shown[node] = _show(node, nm)
        return shown[node]

    results = []
    for f in findings:
        by_lang = {m.language: str(m) for m in f.messages}
        results.append(
            Result(
                focus=show(f.focus) or "",
                path=_path_text(shapes, f.path, nm),
                value=show(f.value),
                message=by_lang.get("en") or by_lang.get(None) or next(iter(by_lang.values()), ""),
                message_tr=by_lang.get("tr"),
                severity=SEVERITY_NAMES.get(f.severity, "Violation"),
                shape=show(_named_shape(shapes, f.shape)) or "",
            )
        )
    results.sort(key=lambda r: (r.shape, r.focus, r.path or "", r.value or "", r.message))
    return Report(conforms=not findings, results=results, findings=findings, shapes=shapes)


def _rule_findings(data: Quads, shapes: Graph, source_file: Path | None) -> list[Finding]:
    found = []
    for focus, value, rule, detail in _dataset_rule_results(data, source_file):
        messages = tuple(  # the rule's messages; the English one says what exactly is wrong
            Literal(f"{m} ({detail})", lang="en") if detail and m.language == "en" else m
            for m in shape_messages(shapes, rule)
        )
        found.append(Finding(focus, None, value, rule, messages, SH.Violation))
    return found


def _check_engine(engine: str) -> None:
    if engine not in ENGINES:
        raise IcmpdKgError(f"unknown validation engine {engine!r} (known: {', '.join(ENGINES)})")


def _native(quads: list[Any], data: Callable[[], Quads], shapes: Graph, source_file: Path | None) -> Report:
    """The native engine's report; the dataset rules run while the Core engine works."""
    findings = native_findings(
        quads, schema_ntriples(), shapes, meanwhile=lambda: _rule_findings(data(), shapes, source_file)
    )
    return _report(findings, shapes)


def validate(
    kg: KnowledgeGraph, source_file: Path | None = paths.SOURCE_FILE, engine: str = "native"
) -> Report:
    """SHACL and the dataset rules over a loaded graph. ``engine`` is ``native`` (shacl and
    Oxigraph, see shacl.py) or ``pyshacl`` (the reference); both give the same report."""
    _check_engine(engine)
    if engine == "native":
        return _native(oxigraph_quads(kg.data), lambda: Quads.from_dataset(kg.data), kg.shapes, source_file)
    findings = pyshacl_findings(kg.validation_graph(), kg.shapes)
    return _report(findings + _rule_findings(Quads.from_dataset(kg.data), kg.shapes, source_file), kg.shapes)


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
    return _native(quads, lambda: Quads.from_oxigraph(quads), shapes_graph(), source_file)


def meta_validate_shapes(shapes: Graph) -> tuple[bool, str]:
    """Check the shapes graph against SHACL-SHACL, the W3C shapes for shapes (bundled by pyshacl)."""
    from pyshacl.entrypoints import meta_validate

    conforms, _, text = meta_validate(shapes)
    return bool(conforms), text
