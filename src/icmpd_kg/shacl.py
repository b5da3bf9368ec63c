"""SHACL for ``validate`` and ``build``: SHACL Core by the ``shacl`` package, SHACL-SPARQL set-wise
on Oxigraph.

pySHACL, the reference, evaluates each SHACL-SPARQL constraint with rdflib's Python engine once per
focus node, and SHACL Core node by node in Python: 58 s for 10^5 triples, where Apache Jena takes
11 s. Here:

- **SHACL Core** is evaluated by ``shacl`` (pwin/SHACL_Engine, written in Rust; its Python binding
  lets go of Python's lock while it works), given the shapes without their ``sh:sparql``
  constraints (it would run those once per focus node too). The shapes' blank nodes would come back
  renamed, so each blank shape is handed over under a skolem IRI and mapped back; the report is
  read as SHACL's RDF. It agrees with pySHACL on every example and mutation the tests try; rudof
  (``pyrudof``), tried first, did not: it listed the inner results of ``sh:node`` shapes, accepted
  ``"9 Mart 2017"^^xsd:date`` as a date, and grew faster than the data (67 s and 9 GB at 10^6
  triples, against 14 s and 0.16 GB).
- **SHACL-SPARQL** constraints run once each over the whole data in Oxigraph, with ``$this`` left
  free, and the rows are kept for the shape's focus nodes (SHACL's pre-binding of ``$this``, done
  as a join). This is the same answer whenever the query binds ``$this`` in its own pattern, as
  every constraint of ours does; a query that does not select ``$this`` is run once per focus node
  with ``$this`` (and ``$currentShape``) given by a closing VALUES clause. Messages are filled as
  pySHACL fills them.

Oxigraph keeps integer subtypes as xsd:integer in a store; the rows of a SHACL-SPARQL constraint
show each literal as the data wrote it again (``store.LiteralForms``), but a constraint that tests
``DATATYPE(?x) = xsd:positiveInteger`` would see xsd:integer (none of ours does; SHACL Core's
``sh:datatype`` is checked on the data as written). The test suite checks that this engine and
pySHACL report the same results on every fixture, on the real data and on mutations.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from rdflib import RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from icmpd_kg.errors import IcmpdKgError, require
from icmpd_kg.namespaces import SH
from icmpd_kg.results import _term_to_oxigraph, _term_to_rdflib

SKOLEM = "urn:x-icmpd-kg:shape:"


@dataclass(frozen=True)
class Finding:
    """One SHACL validation result, in rdflib terms, whichever engine found it."""

    focus: Node
    path: Node | None
    value: Node | None
    shape: Node  # sh:sourceShape: for a property shape, that shape (blank or not)
    messages: tuple[Literal, ...]
    severity: URIRef
    component: URIRef | None = None


def shape_messages(shapes: Graph, node: Node) -> list[Literal]:
    """The sh:message literals of a shape or constraint, in a stable order."""
    return sorted((m for m in shapes.objects(node, SH.message) if isinstance(m, Literal)), key=str)


def _deactivated(shapes: Graph, node: Node) -> bool:
    return any(bool(getattr(d, "value", False)) for d in shapes.objects(node, SH.deactivated))


# --- SHACL Core: the shacl package ------------------------------------------------------------------------


def core_shapes(shapes: Graph) -> tuple[str, dict[URIRef, Node]]:
    """The shapes as the Core engine gets them: N-Triples, without ``sh:sparql``, each blank shape
    named by a skolem IRI; and the way back from those IRIs to the blank nodes."""
    named: dict[Node, URIRef] = {}
    for s, p, o in shapes:
        if p in (SH.property, SH.node, SH.qualifiedValueShape, SH["not"]) and isinstance(o, BNode):
            named[o] = URIRef(f"{SKOLEM}{o}")
        if p == SH.path and isinstance(s, BNode):
            named[s] = URIRef(f"{SKOLEM}{s}")
    copy = Graph()
    for s, p, o in shapes:
        if p != SH.sparql:
            copy.add((named.get(s, s), p, named.get(o, o)))
    return copy.serialize(format="nt", encoding="utf-8").decode("utf-8"), {v: k for k, v in named.items()}


@lru_cache(maxsize=8)
def _compiled(shapes_ntriples: str) -> Any:
    shacl_engine = require("shacl", "build", "SHACL validation")
    try:
        return shacl_engine.Shapes.from_text(shapes_ntriples, format="ntriples")
    except (ValueError, RuntimeError, OSError) as exc:
        raise IcmpdKgError(f"the shapes cannot be compiled for SHACL Core: {exc}") from None


def _core_report(data_ntriples: Path, shapes_ntriples: str) -> str | None:
    """The Core engine's report as N-Triples, or None when it has no result."""
    try:
        report = _compiled(shapes_ntriples).validate_file(str(data_ntriples))
    except (ValueError, RuntimeError, OSError) as exc:
        raise IcmpdKgError(f"SHACL Core validation failed: {exc}") from None
    return str(report.serialize("ntriples")) if len(report) else None


def core_findings(data_ntriples: Path, shapes: Graph) -> list[Finding]:
    text, back = core_shapes(shapes)
    report = _core_report(data_ntriples, text)
    if report is None:
        return []
    g = Graph().parse(data=report, format="nt")
    found = []
    for r in g.subjects(RDF.type, SH.ValidationResult):
        raw = g.value(r, SH.sourceShape)
        shape = back.get(raw, raw) if isinstance(raw, URIRef) else raw
        if shape is None:
            continue
        messages = shape_messages(shapes, shape)
        if not messages:  # the engine's own words, as pySHACL's generic ones where a shape has none
            messages = [
                m for m in g.objects(r, SH.resultMessage) if isinstance(m, Literal) and not m.language
            ]
        found.append(
            Finding(
                focus=g.value(r, SH.focusNode),  # type: ignore[arg-type]
                path=shapes.value(shape, SH.path),
                value=g.value(r, SH.value),
                shape=shape,
                messages=tuple(messages),
                severity=g.value(r, SH.resultSeverity) or SH.Violation,  # type: ignore[arg-type]
                component=g.value(r, SH.sourceConstraintComponent),  # type: ignore[arg-type]
            )
        )
    return found


# --- SHACL-SPARQL: set-wise on Oxigraph -------------------------------------------------------------------


def _prefixes(shapes: Graph, constraint: Node) -> dict[str, str]:
    found: dict[str, str] = {}
    for holder in shapes.objects(constraint, SH.prefixes):
        for declaration in shapes.objects(holder, SH.declare):
            prefix, namespace = shapes.value(declaration, SH.prefix), shapes.value(declaration, SH.namespace)
            if prefix is not None and namespace is not None:
                found[str(prefix)] = str(namespace)
    return found


def focus_nodes(store: Any, shapes: Graph, shape: Node) -> set[Any]:
    """The shape's focus nodes in the data (SHACL 2.1.3), as Oxigraph terms."""

    def column(query: str) -> set[Any]:
        return {row["x"] for row in store.query(query)}

    found: set[Any] = set()
    classes = list(shapes.objects(shape, SH.targetClass))
    if (shape, RDF.type, RDFS.Class) in shapes:
        classes.append(shape)
    for c in classes:
        found |= column(f"SELECT DISTINCT ?x WHERE {{ ?x <{RDF.type}>/<{RDFS.subClassOf}>* {c.n3()} }}")
    found |= {_term_to_oxigraph(n) for n in shapes.objects(shape, SH.targetNode)}
    for p in shapes.objects(shape, SH.targetSubjectsOf):
        found |= column(f"SELECT DISTINCT ?x WHERE {{ ?x {p.n3()} ?o }}")
    for p in shapes.objects(shape, SH.targetObjectsOf):
        found |= column(f"SELECT DISTINCT ?x WHERE {{ ?s {p.n3()} ?x }}")
    return found


def fill(template: str, bound: dict[str, Node]) -> str:
    """A message template with ``{?var}`` / ``{$var}`` replaced by each bound value's string form."""
    return re.sub(
        r"\{[?$](\w+)\}", lambda m: str(bound[m.group(1)]) if m.group(1) in bound else m.group(0), template
    )


def _bound(text: str, values: dict[str, Any]) -> str:
    """The query with ``values`` joined to it by a closing VALUES clause (SPARQL 1.1, 10.2.2):
    Oxigraph substitutes only projected variables."""
    if not values:
        return text
    names = sorted(values)
    row = " ".join(str(values[n]) for n in names)
    return f"{text}\nVALUES ({' '.join('?' + n for n in names)}) {{ ({row}) }}"


def _rows(
    store: Any, text: str, prefixes: dict[str, str], shape: Node, focus: set[Any]
) -> list[dict[str, Any]]:
    """The constraint's rows for the shape's focus nodes, each with ``this`` bound."""
    current = {"currentShape": _term_to_oxigraph(shape)} if re.search(r"[?$]currentShape\b", text) else {}
    solutions = store.query(_bound(text, current), prefixes=prefixes)
    names = [v.value for v in solutions.variables]
    if "this" in names:
        rows = [{n: row[n] for n in names if row[n] is not None} for row in solutions]
        return [r for r in rows if r.get("this") in focus]
    rows = []
    for node in sorted(focus, key=str):
        for row in store.query(_bound(text, {**current, "this": node}), prefixes=prefixes):
            rows.append({"this": node, **{n: row[n] for n in names if row[n] is not None}})
    return rows


def sparql_findings(store: Any, shapes: Graph, written: dict[Any, Any] | None = None) -> list[Finding]:
    """The SHACL-SPARQL constraints' results; ``written`` maps a literal as the store keeps it to the
    literal as the data wrote it (store.LiteralForms), so that rows show the data's own terms."""
    written = written or {}
    found: list[Finding] = []
    for shape in sorted(set(shapes.subjects(SH.sparql, None)), key=str):
        if _deactivated(shapes, shape):
            continue
        constraints = [c for c in shapes.objects(shape, SH.sparql) if not _deactivated(shapes, c)]
        focus = focus_nodes(store, shapes, shape) if constraints else set()
        if not focus:
            continue
        shape_path = shapes.value(shape, SH.path)
        for constraint in constraints:
            text = shapes.value(constraint, SH.select)
            if text is None:
                raise IcmpdKgError(f"the SPARQL constraint of {shape} has no sh:select")
            try:
                rows = _rows(store, str(text), _prefixes(shapes, constraint), shape, focus)
            except SyntaxError as exc:
                raise IcmpdKgError(f"the SPARQL constraint of {shape} cannot be parsed: {exc}") from None
            templates = shape_messages(shapes, constraint) + shape_messages(shapes, shape)
            seen: set[tuple] = set()
            for row in rows:
                bound = {k: _term_to_rdflib(written.get(v, v)) for k, v in row.items()}
                if "failure" in bound:
                    raise IcmpdKgError(
                        f"the SPARQL constraint of {shape} reports a failure for {bound['this']}"
                    )
                key = tuple(sorted(bound.items()))
                if key in seen:
                    continue
                seen.add(key)
                this = bound["this"]
                value = bound.get("value", None if shape_path is not None else this)
                path = bound.get("path", shape_path)
                values = {**bound, "value": value} if value is not None else bound
                messages = tuple(
                    Literal(fill(str(t), values), lang=t.language) for t in dict.fromkeys(templates)
                )
                found.append(
                    Finding(
                        focus=this,
                        path=path,
                        value=value,
                        shape=shape,
                        messages=messages,
                        severity=shapes.value(shape, SH.severity) or SH.Violation,  # type: ignore[arg-type]
                        component=SH.SPARQLConstraintComponent,
                    )
                )
    return found


# --- both -------------------------------------------------------------------------------------------------


def native_findings(
    quads: Sequence[Any],
    schema_ntriples: bytes,
    shapes: Graph,
    meanwhile: Callable[[], list[Finding]] | None = None,
) -> list[Finding]:
    """SHACL over the union of ``quads`` (Oxigraph quads) and the schema: Core by the shacl package,
    SPARQL constraints by Oxigraph. The Core engine runs in a thread of its own (it lets go of
    Python's lock), while this thread runs the SPARQL constraints and then ``meanwhile`` (whose
    findings are added)."""
    import pyoxigraph as ox

    from icmpd_kg.store import LiteralForms

    with tempfile.TemporaryDirectory(prefix="icmpd-kg-shacl-") as work:
        data_file = Path(work) / "data.nt"
        with data_file.open("wb") as out:
            ox.serialize(
                (ox.Triple(q.subject, q.predicate, q.object) for q in quads), out, ox.RdfFormat.N_TRIPLES
            )
            out.write(schema_ntriples)
        with ThreadPoolExecutor(1, thread_name_prefix="icmpd-kg-shacl-core") as pool:
            core = pool.submit(core_findings, data_file, shapes)
            store = ox.Store()
            store.bulk_load(path=str(data_file), format=ox.RdfFormat.N_TRIPLES)
            forms = LiteralForms()
            for q in quads:
                if isinstance(q.object, ox.Literal):
                    forms.observe(q.object)
            found = sparql_findings(store, shapes, forms.written())
            extra = meanwhile() if meanwhile is not None else []
            return list(dict.fromkeys(core.result() + found)) + extra
