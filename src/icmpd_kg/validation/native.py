"""SHACL for ``validate`` and ``build``: SHACL Core and SHACL-SPARQL by the ``shacl`` package, with
the SPARQL constraints that provably allow it evaluated set-wise on Oxigraph.

pySHACL, the reference, evaluates each SHACL-SPARQL constraint with rdflib's Python engine once per
focus node, and SHACL Core node by node in Python: 58 s for 10^5 triples, where Apache Jena takes
11 s. Here:

- **The ``shacl`` package** (pwin/SHACL_Engine, written in Rust; its Python binding lets go of
  Python's lock while it works) evaluates the whole shapes graph but the SPARQL constraints taken
  out below: SHACL Core, and SHACL-SPARQL constraints and components with ``$this`` pre-bound per
  focus node, wherever they stand (nested property shapes, ``sh:node``, ``sh:not``...). Blank shapes
  and constraints are handed over under skolem IRIs and mapped back; its report is read as SHACL's
  RDF, its result paths included (a closed shape's result names the offending property).
- **Set-wise SHACL-SPARQL.** A SPARQL constraint of a shape that has targets, no path and no other
  shape pointing at it runs once over the whole data in Oxigraph with ``$this`` free, its rows kept
  for the shape's focus nodes — but only where ``setwise_equivalent`` proves that this is the
  specification's pre-binding: ``$this`` projected and certainly bound by the query's own pattern
  before any FILTER, BIND or OPTIONAL that reads it, and nothing whose answer depends on the focus
  node's being fixed (sub-selects, aggregates, LIMIT, UNION, GRAPH, ``$shapesGraph``,
  ``$currentShape``). The shacl package alone takes 182 s at 10^5 triples with the project's
  constraints; set-wise, a second. Every other constraint takes the slow, correct path.
- **Refused** (SHACL 5.2.1, "a failure"): a query with MINUS, VALUES, SERVICE (a validator reaching
  the network), ``AS`` a potentially pre-bound variable, or a sub-select that does not return them;
  a query that does not parse. Validation stops with a line naming the shape; nothing is skipped.

Prefixes are SHACL's (5.2.2): the ``sh:declare`` of each ``sh:prefixes`` value and of the ontologies
it ``owl:imports``, transitively. Oxigraph keeps integer subtypes as xsd:integer; the rows of a
set-wise constraint show each literal as the data wrote it again (``store.LiteralForms``). The W3C
SHACL test suite (tests/w3c-shacl-tests) runs through this module in the tests.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from rdflib import OWL, RDF, RDFS, BNode, Graph, Literal, URIRef, Variable
from rdflib.term import Node

from icmpd_kg.core.errors import IcmpdKgError, require
from icmpd_kg.core.namespaces import SH
from icmpd_kg.core.terms import to_oxigraph, to_rdflib

SKOLEM = "urn:x-icmpd-kg:shape:"
# What names a shape or constraint that the Core engine must see under an IRI.
_SHAPE_LINKS = (SH.property, SH.node, SH.qualifiedValueShape, SH["not"], SH.sparql, SH.validator)
_SHAPE_LISTS = (SH["and"], SH["or"], SH.xone)
# Always potentially pre-bound (SHACL 5.2.1); $value and a component's parameters are added per query.
PREBOUND = frozenset({"this", "shapesGraph", "currentShape"})
OPTIONAL_IN_SUBQUERY = frozenset({"shapesGraph", "currentShape"})


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
    constraint: Node | None = None  # sh:sourceConstraint (SHACL-SPARQL)


def shape_messages(shapes: Graph, node: Node) -> list[Literal]:
    """The sh:message literals of a shape or constraint, in a stable order."""
    return sorted((m for m in shapes.objects(node, SH.message) if isinstance(m, Literal)), key=str)


def _deactivated(shapes: Graph, node: Node) -> bool:
    return any(bool(getattr(d, "value", False)) for d in shapes.objects(node, SH.deactivated))


def result_path(reported: Node | None, shape_path: Node | None) -> Node | None:
    """A result's path: the engine's (a closed shape's result names the offending property), or, for
    a path of several steps (a blank node of the engine's report), the shape's own, the same path."""
    return reported if isinstance(reported, URIRef) or reported is None else shape_path


def _name(node: Node) -> str:
    return node.n3() if isinstance(node, URIRef) else f"a blank shape ({node.n3()})"


# --- SHACL-SPARQL queries: prefixes, the specification's restrictions, set-wise equivalence -------------


def sparql_prefixes(shapes: Graph, query_node: Node) -> dict[str, str]:
    """The prefixes of a SPARQL constraint or validator (SHACL 5.2.2): the declarations of each of
    its ``sh:prefixes`` values and of what those ``owl:imports``, transitively."""
    found: dict[str, str] = {}
    for holder in shapes.objects(query_node, SH.prefixes):
        for prefix, namespace in declared_prefixes(shapes, holder).items():
            found.setdefault(prefix, namespace)
    return found


def declared_prefixes(shapes: Graph, holder: Node) -> dict[str, str]:
    """The ``sh:declare`` of ``holder`` and of the ontologies it ``owl:imports``, transitively."""
    found: dict[str, str] = {}
    todo: list[Node] = [holder]
    seen: set[Node] = set()
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        todo.extend(shapes.objects(node, OWL.imports))
        for declaration in shapes.objects(node, SH.declare):
            prefix, namespace = shapes.value(declaration, SH.prefix), shapes.value(declaration, SH.namespace)
            if prefix is not None and namespace is not None:
                found.setdefault(str(prefix), str(namespace))
    return found


@lru_cache(maxsize=256)
def _parsed(text: str, prefixes: tuple[tuple[str, str], ...]) -> tuple[Any, Any]:
    """The query's parse tree (what was written) and its algebra (what it means), by rdflib."""
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery

    tree = parseQuery(text)
    return tree, translateQuery(tree, None, dict(prefixes)).algebra


def _children(node: Any) -> Iterator[Any]:
    from pyparsing import ParseResults

    if isinstance(node, ParseResults):
        yield from node
    elif isinstance(node, dict):
        for key, value in node.items():
            if key != "_vars":
                yield value
    elif isinstance(node, list | tuple):
        yield from node


def _walk(node: Any) -> Iterator[Any]:
    yield node
    for child in _children(node):
        yield from _walk(child)


def _named(node: Any) -> str | None:
    return getattr(node, "name", None) if isinstance(node, dict) else None


def _mentions(node: Any, var: str) -> bool:
    return any(isinstance(n, Variable) and str(n) == var for n in _walk(node))


def _in_scope(node: Any) -> set[str]:
    """The variables a pattern binds (SPARQL 1.1, 18.2.1), for the columns of ``SELECT *``."""
    name = _named(node)
    if name == "BGP":
        return {str(t) for triple in node.triples for t in triple if isinstance(t, Variable)}
    if name == "Project":
        return {str(v) for v in node.PV}
    if name == "Extend":
        return _in_scope(node.p) | {str(node.var)}
    if name in ("Join", "LeftJoin", "Union"):
        return _in_scope(node.p1) | _in_scope(node.p2)
    if name == "Minus":
        return _in_scope(node.p1)
    if name == "Graph":
        term = node.term
        return _in_scope(node.p) | ({str(term)} if isinstance(term, Variable) else set())
    if name == "values":
        return {str(v) for row in node.res for v in row}
    if name in ("AggregateJoin", "Group"):
        return {str(v) for n in _walk(node) if _named(n) == "Extend" for v in [n.var]}
    found: set[str] = set()
    for child in _children(node):
        found |= _in_scope(child)
    return found


def check_query(tree: Any, algebra: Any, prebound: frozenset[str], where: str) -> None:
    """SHACL 5.2.1's restrictions on a SHACL-SPARQL query, and no SERVICE: an IcmpdKgError naming
    ``where`` otherwise. ``AS`` is looked for in what was written (rdflib's algebra binds a GROUP
    BY key with an internal ``Extend``), the rest in the algebra."""
    for node in _walk(tree):
        bound = (
            node.get("var")
            if _named(node) == "Bind"
            else node.get("evar")
            if isinstance(node, dict)
            else None
        )
        if bound is not None and str(bound) in prebound:
            raise IcmpdKgError(
                f"{where}: AS ?{bound} binds a pre-bound variable, which SHACL 5.2.1 does not allow"
            )
    for node in _walk(algebra):
        name = _named(node)
        if name in ("Minus", "MinusGraphPattern"):
            raise IcmpdKgError(f"{where}: MINUS is not allowed in a SHACL-SPARQL query (SHACL 5.2.1)")
        if name in ("values", "InlineData", "ValuesClause") and (name != "ValuesClause" or node.get("value")):
            raise IcmpdKgError(f"{where}: VALUES is not allowed in a SHACL-SPARQL query (SHACL 5.2.1)")
        if name == "ServiceGraphPattern":
            raise IcmpdKgError(
                f"{where}: SERVICE is not allowed in a SHACL-SPARQL query (it would reach the network)"
            )
    for node in _walk(_top_project(algebra).p):
        if _named(node) == "Project":
            returned = {str(v) for v in node.PV} if node.PV else _in_scope(node.p)
            missing = sorted(v for v in prebound - OPTIONAL_IN_SUBQUERY if v not in returned)
            if missing:
                raise IcmpdKgError(
                    f"{where}: a sub-select must return the pre-bound variables "
                    f"({', '.join('$' + m for m in missing)}), SHACL 5.2.1"
                )


def _top_project(algebra: Any) -> Any:
    """The query's own projection, under its DISTINCT, REDUCED and slice."""
    node = algebra.p
    while _named(node) in ("Distinct", "Reduced", "Slice"):
        node = node.p
    return node


def _certainly_bound(node: Any) -> set[str] | None:
    """The variables every solution of ``node`` binds, or None where the pattern is one whose
    set-wise answer may differ from the pre-bound one (see ``setwise_equivalent``)."""
    if not _mentions(node, "this"):
        return set()  # a part that never reads $this answers alike whatever $this is
    name = _named(node)
    if name == "BGP":
        return {str(t) for triple in node.triples for t in triple if isinstance(t, Variable)}
    if name == "ToMultiSet":
        return _certainly_bound(node.p)
    if name == "Project" and not _mentions(node.p, "this"):
        # a sub-select that returns $this (as SHACL 5.2.1 asks) without reading it: its rows
        # leave $this unbound, compatible with every focus node, as the pre-bound ones are
        return set()
    if name == "Join":
        left, right = _certainly_bound(node.p1), _certainly_bound(node.p2)
        return None if left is None or right is None else left | right
    if name == "LeftJoin":
        left, right = _certainly_bound(node.p1), _certainly_bound(node.p2)
        if left is None or right is None:
            return None
        if "this" not in left and (_mentions(node.p2, "this") or _mentions(node.get("expr"), "this")):
            return None
        return left
    if name in ("Filter", "Extend"):
        inner = _certainly_bound(node.p)
        if inner is None or ("this" not in inner and _mentions(node.expr, "this")):
            return None
        return inner
    if name in ("Distinct", "Reduced", "OrderBy"):
        return _certainly_bound(node.p)
    if name == "AggregateJoin" and _named(node.p) == "Group":
        # One group per focus node only when $this is a key: then each group of the free query
        # with $this = t is the one group of the query with t substituted (HAVING and all).
        keys = {str(k) for k in (node.p.expr or []) if isinstance(k, Variable)}
        inner = _certainly_bound(node.p.p)
        return None if inner is None or "this" not in keys or "this" not in inner else keys & inner
    return None  # UNION, GRAPH, MINUS, sub-selects, aggregates, LIMIT/OFFSET, VALUES, SERVICE...


def setwise_equivalent(algebra: Any) -> bool:
    """Whether evaluating the SELECT query once with ``$this`` free and keeping the rows whose
    ``$this`` is a focus node gives the rows of the specification's pre-binding for every focus node.
    True when ``$this`` is projected and bound by every solution of the query's own pattern, and
    every FILTER, BIND and OPTIONAL that reads it sees it bound: then each solution of the free
    query with ``$this`` = t is a solution of the query with t substituted, and back."""
    if _named(algebra) != "SelectQuery" or any(_named(n) == "Slice" for n in _walk(algebra)):
        return False
    project = _top_project(algebra)
    if any(_mentions(project, v) for v in ("shapesGraph", "currentShape")):
        return False
    if "this" not in {str(v) for v in project.PV}:
        return False
    bound = _certainly_bound(project.p)
    return bound is not None and "this" in bound


@dataclass(frozen=True)
class SparqlConstraint:
    shape: Node
    constraint: Node
    text: str
    prefixes: dict[str, str]


def _query_of(shapes: Graph, node: Node, where: str) -> tuple[str, dict[str, str], Any]:
    text = shapes.value(node, SH.select) or shapes.value(node, SH.ask)
    if text is None:
        raise IcmpdKgError(f"{where} has no sh:select or sh:ask")
    prefixes = sparql_prefixes(shapes, node)
    try:
        tree, algebra = _parsed(str(text), tuple(sorted(prefixes.items())))
    except Exception as exc:  # noqa: BLE001 - pyparsing's and rdflib's errors alike
        raise IcmpdKgError(f"{where}: its SPARQL query cannot be read: {exc}") from None
    return str(text), prefixes, (tree, algebra)


def _referenced(shapes: Graph) -> set[Node]:
    found = {
        o
        for link in _SHAPE_LINKS
        for o in shapes.objects(None, link)
        if link not in (SH.sparql, SH.validator)
    }
    for link in _SHAPE_LISTS:
        for lst in shapes.objects(None, link):
            found.update(shapes.items(lst))
    return found


def _has_targets(shapes: Graph, shape: Node) -> bool:
    targets = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
    return any(shapes.value(shape, t) is not None for t in targets) or (shape, RDF.type, RDFS.Class) in shapes


# What no engine here evaluates: SHACL Advanced Features (custom targets, rules) and SHACL-JS. A
# shape that uses them would be skipped without a word (its targets unseen), so it stops validation.
UNEVALUATED = {
    SH.target: "custom targets (sh:target, SHACL Advanced Features)",
    SH.rule: "rules (sh:rule, SHACL Advanced Features)",
    SH.js: "SHACL-JS (sh:js)",
    SH.jsFunctionName: "SHACL-JS (sh:jsFunctionName)",
}


def plan_sparql(shapes: Graph) -> list[SparqlConstraint]:
    """Check every SHACL-SPARQL query of the shapes against the specification's restrictions, and
    return the constraints evaluated set-wise on Oxigraph (the others stay with the shacl package).
    A shape that uses what no engine here evaluates stops validation, named."""
    for predicate, what in UNEVALUATED.items():
        for subject in sorted(set(shapes.subjects(predicate, None)), key=str):
            raise IcmpdKgError(f"{_name(subject)} uses {what}, which icmpd-kg validate does not evaluate")
    referenced = _referenced(shapes)
    setwise = []
    for shape, constraint in sorted(shapes.subject_objects(SH.sparql), key=str):
        where = f"the SPARQL constraint of {_name(shape)}"
        text, prefixes, (tree, algebra) = _query_of(shapes, constraint, where)
        check_query(tree, algebra, PREBOUND, where)
        if (
            shapes.value(shape, SH.path) is None
            and shape not in referenced
            and _has_targets(shapes, shape)
            and setwise_equivalent(algebra)
        ):
            setwise.append(SparqlConstraint(shape, constraint, text, prefixes))
    for component in set(shapes.subjects(RDF.type, SH.ConstraintComponent)):
        parameters = frozenset(
            _local_name(p)
            for par in shapes.objects(component, SH.parameter)
            for p in shapes.objects(par, SH.path)
        )
        for link in (SH.validator, SH.nodeValidator, SH.propertyValidator):
            for validator in shapes.objects(component, link):
                where = f"the validator of the constraint component {_name(component)}"
                _, _, (tree, algebra) = _query_of(shapes, validator, where)
                check_query(
                    tree,
                    algebra,
                    PREBOUND | parameters | {"value"} if link == SH.validator else PREBOUND | parameters,
                    where,
                )
    return setwise


def _local_name(iri: Node) -> str:
    return re.split(r"[#/:]", str(iri))[-1]


# --- the shacl package -----------------------------------------------------------------------------------


def core_shapes(shapes: Graph, setwise: Sequence[SparqlConstraint] = ()) -> tuple[str, dict[URIRef, Node]]:
    """The shapes as the shacl package gets them: N-Triples without the set-wise constraints, each
    blank shape or constraint named by a skolem IRI, every ``sh:prefixes`` holder given the
    declarations it imports; and the way back from those IRIs to the blank nodes."""
    named: dict[Node, URIRef] = {}
    for s, p, o in shapes:
        if p in _SHAPE_LINKS and isinstance(o, BNode):
            named[o] = URIRef(f"{SKOLEM}{o}")
        if p == SH.path and isinstance(s, BNode):
            named[s] = URIRef(f"{SKOLEM}{s}")
    for link in _SHAPE_LISTS:
        for lst in shapes.objects(None, link):
            for member in shapes.items(lst):
                if isinstance(member, BNode):
                    named[member] = URIRef(f"{SKOLEM}{member}")
    dropped = {(c.shape, c.constraint) for c in setwise}
    copy = Graph()
    for s, p, o in shapes:
        if p == SH.sparql and (s, o) in dropped:
            continue
        copy.add((named.get(s, s), p, named.get(o, o)))
    for holder in set(shapes.objects(None, SH.prefixes)):
        own = {str(shapes.value(d, SH.prefix)) for d in shapes.objects(holder, SH.declare)}
        for prefix, namespace in declared_prefixes(shapes, holder).items():
            if prefix in own:
                continue
            declaration = BNode()
            copy.add((named.get(holder, holder), SH.declare, declaration))
            copy.add((declaration, SH.prefix, Literal(prefix)))
            copy.add(
                (
                    declaration,
                    SH.namespace,
                    Literal(namespace, datatype=URIRef("http://www.w3.org/2001/XMLSchema#anyURI")),
                )
            )
    return copy.serialize(format="nt", encoding="utf-8").decode("utf-8"), {v: k for k, v in named.items()}


@lru_cache(maxsize=8)
def _compiled(shapes_ntriples: str) -> Any:
    shacl_engine = require("shacl", "build", "SHACL validation")
    try:
        return shacl_engine.Shapes.from_text(shapes_ntriples, format="ntriples")
    except (ValueError, RuntimeError, OSError) as exc:
        raise IcmpdKgError(f"the shapes cannot be compiled for SHACL: {exc}") from None


def _core_report(data_ntriples: Path, shapes_ntriples: str) -> str | None:
    """The shacl package's report as N-Triples, or None when it has no result."""
    try:
        report = _compiled(shapes_ntriples).validate_file(str(data_ntriples))
    except (ValueError, RuntimeError, OSError) as exc:
        raise IcmpdKgError(f"SHACL validation failed: {exc}") from None
    return str(report.serialize("ntriples")) if len(report) else None


# The shacl package names blank nodes anew, with one counter for the shapes it compiled and then the
# data: the k-th distinct blank node (in the order of the text, subject before object) becomes
# _:0_bk, the shapes' first. tests/test_w3c_shacl.py holds the engine to that on data full of them.
_ENGINE_BLANK = re.compile(r"0_b(\d+)")


def _blank_order(path: Path | None = None, text: str | None = None) -> list[str]:
    import pyoxigraph as ox

    order: dict[str, None] = {}
    source = {"path": str(path)} if path is not None else {"input": (text or "").encode("utf-8")}
    for triple in ox.parse(format=ox.RdfFormat.N_TRIPLES, **source):  # type: ignore[arg-type]
        for term in (triple.subject, triple.object):
            if isinstance(term, ox.BlankNode):
                order.setdefault(term.value, None)
    return list(order)


class DataBlanks:
    """The data's blank nodes by the names the shacl package gave them, read when first needed."""

    def __init__(self, data_ntriples: Path, shapes_ntriples: str) -> None:
        self.file, self.shapes = data_ntriples, shapes_ntriples
        self._order: list[str] | None = None
        self._offset = 0

    def __getitem__(self, engine_label: str) -> BNode:
        if self._order is None:
            self._offset, self._order = len(_blank_order(text=self.shapes)), _blank_order(self.file)
        match = _ENGINE_BLANK.fullmatch(engine_label)
        index = int(match.group(1)) - self._offset if match else -1
        if not 0 <= index < len(self._order):
            raise IcmpdKgError(f"the SHACL engine reported a blank node it was not given (_:{engine_label})")
        return BNode(self._order[index])


def _report_graph(ntriples: str) -> Graph:
    """The engine's report, its blank node labels kept (rdflib's parser would name them anew)."""
    import pyoxigraph as ox

    g = Graph()
    for t in ox.parse(ntriples.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES):
        g.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
    return g


def core_findings(
    data_ntriples: Path, shapes: Graph, setwise: Sequence[SparqlConstraint] = ()
) -> list[Finding]:
    text, back = core_shapes(shapes, setwise)
    report = _core_report(data_ntriples, text)
    if report is None:
        return []
    g = _report_graph(report)
    blanks = DataBlanks(data_ntriples, text)

    def term(node: Node | None) -> Node | None:
        if isinstance(node, URIRef):
            return back.get(node, node)
        if isinstance(node, BNode):
            return blanks[str(node)]
        return node

    found = []
    for r in g.subjects(RDF.type, SH.ValidationResult):
        if not any(True for _ in g.subjects(SH.result, r)) or (None, SH.detail, r) in g:
            continue
        shape = term(g.value(r, SH.sourceShape))
        if shape is None:
            continue
        constraint = term(g.value(r, SH.sourceConstraint)) if g.value(r, SH.sourceConstraint) else None
        messages = (shape_messages(shapes, constraint) if constraint is not None else []) or shape_messages(
            shapes, shape
        )
        if not messages or constraint is not None:  # the engine's words, filled templates included
            messages = [m for m in g.objects(r, SH.resultMessage) if isinstance(m, Literal)] or messages
        found.append(
            Finding(
                focus=term(g.value(r, SH.focusNode)),  # type: ignore[arg-type]
                path=result_path(g.value(r, SH.resultPath), shapes.value(shape, SH.path)),
                value=term(g.value(r, SH.value)),
                shape=shape,
                messages=tuple(messages),
                severity=g.value(r, SH.resultSeverity) or SH.Violation,  # type: ignore[arg-type]
                component=g.value(r, SH.sourceConstraintComponent),  # type: ignore[arg-type]
                constraint=constraint,
            )
        )
    return found


# --- SHACL-SPARQL set-wise on Oxigraph -------------------------------------------------------------------


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
    found |= {to_oxigraph(n) for n in shapes.objects(shape, SH.targetNode)}
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


def sparql_findings(
    store: Any, shapes: Graph, setwise: Sequence[SparqlConstraint], written: dict[Any, Any] | None = None
) -> list[Finding]:
    """The set-wise constraints' results, one per solution (SHACL 5.3.2); ``written`` maps a literal
    as the store keeps it to the literal as the data wrote it (store.LiteralForms)."""
    written = written or {}
    found: list[Finding] = []
    for c in setwise:
        if _deactivated(shapes, c.shape) or _deactivated(shapes, c.constraint):
            continue
        focus = focus_nodes(store, shapes, c.shape)
        if not focus:
            continue
        try:
            solutions = store.query(c.text, prefixes=c.prefixes)
        except SyntaxError as exc:
            raise IcmpdKgError(f"the SPARQL constraint of {_name(c.shape)} cannot be parsed: {exc}") from None
        names = [v.value for v in solutions.variables]
        templates = list(
            dict.fromkeys(shape_messages(shapes, c.constraint) or shape_messages(shapes, c.shape))
        )
        severity = shapes.value(c.shape, SH.severity) or SH.Violation
        for solution in solutions:
            if solution["this"] not in focus:
                continue
            bound = {
                n: to_rdflib(written.get(solution[n], solution[n])) for n in names if solution[n] is not None
            }
            if bound.get("failure") == Literal(True):
                raise IcmpdKgError(
                    f"the SPARQL constraint of {_name(c.shape)} reports a failure for {bound['this']}"
                )
            this = bound["this"]
            value = bound.get("value", this)
            values = {**bound, "value": value}
            found.append(
                Finding(
                    focus=this,
                    path=bound.get("path"),
                    value=value,
                    shape=c.shape,
                    messages=tuple(Literal(fill(str(t), values), lang=t.language) for t in templates),
                    severity=severity,  # type: ignore[arg-type]
                    component=SH.SPARQLConstraintComponent,
                    constraint=c.constraint,
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
    """SHACL over the union of ``quads`` (Oxigraph quads) and the schema: the shacl package for all
    but the set-wise SPARQL constraints, which Oxigraph evaluates. The shacl package runs in a
    thread of its own (it lets go of Python's lock), while this thread runs the set-wise constraints
    and then ``meanwhile`` (whose findings are added)."""
    import pyoxigraph as ox

    from icmpd_kg.store.oxigraph import LiteralForms

    setwise = plan_sparql(shapes)
    with tempfile.TemporaryDirectory(prefix="icmpd-kg-shacl-") as work:
        data_file = Path(work) / "data.nt"
        with data_file.open("wb") as out:
            ox.serialize(
                (ox.Triple(q.subject, q.predicate, q.object) for q in quads), out, ox.RdfFormat.N_TRIPLES
            )
            out.write(schema_ntriples)
        with ThreadPoolExecutor(1, thread_name_prefix="icmpd-kg-shacl-core") as pool:
            core = pool.submit(core_findings, data_file, shapes, setwise)
            found: list[Finding] = []
            if setwise:
                store = ox.Store()
                store.bulk_load(path=str(data_file), format=ox.RdfFormat.N_TRIPLES)
                forms = LiteralForms()
                for q in quads:
                    if isinstance(q.object, ox.Literal):
                        forms.observe(q.object)
                found = sparql_findings(store, shapes, setwise, forms.written())
            extra = meanwhile() if meanwhile is not None else []
            return core.result() + found + extra
