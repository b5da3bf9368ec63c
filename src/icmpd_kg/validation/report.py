"""A validation's report: its results for people (``Report``: text, JSON) and as SHACL's RDF
(``sh:ValidationReport``), the same whichever engine found them."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from functools import cached_property

from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.extras.shacl import parse_shacl_path
from rdflib.term import Node

from icmpd_kg.core.namespaces import SH, bind_prefixes
from icmpd_kg.validation.native import Finding

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


def show(node: Node | None, graph: Graph) -> str | None:
    if node is None:
        return None
    if isinstance(node, URIRef):
        try:
            return graph.namespace_manager.normalizeUri(node)
        except Exception:  # noqa: BLE001 - fall back to the full IRI
            return f"<{node}>"
    return node.n3()


def named_shape(shapes: Graph, shape: Node) -> Node:
    """A blank property shape is reported by the node shape that holds it."""
    if isinstance(shape, BNode):
        for parent in shapes.subjects(SH.property, shape):
            return parent
    return shape


def _path_text(shapes: Graph, path: Node | None, nm: Graph) -> str | None:
    """A result's path as SPARQL writes it (``^org:member``, ``(a|b)``), whatever engine found it."""
    if path is None:
        return None
    if isinstance(path, URIRef):
        return show(path, nm)
    try:
        return parse_shacl_path(shapes, path).n3(nm.namespace_manager)  # type: ignore[union-attr]
    except Exception:  # noqa: BLE001 - a malformed path is shown as its node
        return show(path, nm)


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
        graph.add((node, SH.sourceShape, named_shape(shapes, f.shape)))
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


def report_of(findings: list[Finding], shapes: Graph) -> Report:
    """The report of ``findings``: results for people now, the RDF when asked for."""
    nm = bind_prefixes(Graph())
    shown: dict[Node | None, str | None] = {}

    def shown_once(node: Node | None) -> str | None:  # a few nodes recur in many results
        if node not in shown:
            shown[node] = show(node, nm)
        return shown[node]

    results = []
    for f in findings:
        by_lang = {m.language: str(m) for m in f.messages}
        results.append(
            Result(
                focus=shown_once(f.focus) or "",
                path=_path_text(shapes, f.path, nm),
                value=shown_once(f.value),
                message=by_lang.get("en") or by_lang.get(None) or next(iter(by_lang.values()), ""),
                message_tr=by_lang.get("tr"),
                severity=SEVERITY_NAMES.get(f.severity, "Violation"),
                shape=shown_once(named_shape(shapes, f.shape)) or "",
            )
        )
    results.sort(key=lambda r: (r.shape, r.focus, r.path or "", r.value or "", r.message))
    return Report(conforms=not findings, results=results, findings=findings, shapes=shapes)
