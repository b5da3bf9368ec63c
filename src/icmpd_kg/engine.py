"""One engine for every SPARQL query of the project: the command line, the server's query workers
and the Linked Data pages all run SPARQL through ``Engine``.

The engine reads one of three stores (``StoreSpec``):

- ``oxigraph:DIR`` – an on-disk Oxigraph store, queried by Oxigraph's native engine (the default
  when the build wrote one, ``dist/oxigraph``); opened read-only, so any number of processes share it;
- ``memory`` – the built N-Quads loaded into an rdflib ``DatasetExt`` (rdflib-endpoint's dataset
  with the project's extension functions), evaluated by rdflib;
- ``sparql:URL`` – another SPARQL 1.1 server, asked over HTTP.

Whatever the store, one policy applies (``Policy``), before anything is evaluated:

- the project's prefixes are predeclared; ``\\uXXXX`` escapes are expanded first, as the SPARQL
  grammar says, so a keyword cannot hide behind them;
- ``FROM`` / ``FROM NAMED`` and the protocol's graph parameters select graphs of the store and never
  download or create any;
- ``SERVICE`` may call only the endpoints of the allowlist. The engine, not the store, makes the
  call: to exactly the IRI that was checked, with its own HTTP client (a descriptive User-Agent, a
  deadline inside the query's budget, a cap on the response size), and puts the answer into the
  query as inline data (``VALUES``), which is what evaluating a SERVICE pattern means in SPARQL
  1.1 Federated Query. ``SERVICE SILENT`` calls too; only its failure is silenced. The Wikidata
  Query Service's label service (``SERVICE wikibase:label``) is answered locally;
- updates follow the same rules, and ``LOAD`` (which would fetch a document) is refused.

Queries are prepared once per text (an LRU cache), so a repeated query is not analysed again;
results are materialised inside the engine's error boundary, so a user's mistake is a
``ProtocolError`` (HTTP 400) with a message, never a crash.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urljoin

from rdflib import BNode, Dataset, Literal, URIRef, Variable
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID, Graph
from rdflib.plugins.sparql.parser import expandUnicodeEscapes
from rdflib.query import ResultException

from icmpd_kg import __version__, federation, settings
from icmpd_kg.label_service import (
    WIKIBASE_LABEL,
    WIKIBASE_LANGUAGE,
    LabelServiceError,
    automatic_bindings,
    languages_of,
    manual_bindings,
    patterns,
    without_helpers,
)
from icmpd_kg.namespaces import QUERY_PREFIXES
from icmpd_kg.sparql import ProtocolError, QueryRequest, QueryResponse, choose_format, is_iri, write_answer

USER_AGENT = (
    f"icmpd-kg/{__version__} (https://w3id.org/icmpd-kg/; SPARQL endpoint of a knowledge graph "
    "about ICMPD; federated SERVICE call) httpx"
)
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


@dataclass(frozen=True)
class Policy:
    """What a query may do. One instance is shared by the command line, the workers and the pages."""

    service_allowlist: tuple[str, ...] = ("https://query.wikidata.org/sparql",)
    max_rows: int = 10_000  # SELECT rows and CONSTRUCT/DESCRIBE triples returned; more are cut, and said so
    max_result_bytes: int = 50_000_000  # a serialised result past this is refused
    service_timeout: float = 10.0  # seconds, and never past the query's own deadline
    service_max_bytes: int = 10_000_000  # a SERVICE answer past this is refused
    service_batch: int = 200  # values sent per SERVICE request (a bind join's batch)
    service_max_bindings: int = 10_000  # a SERVICE pattern asked about more values than this is refused
    user_agent: str = USER_AGENT
    # relative IRIs of a query without BASE resolve against this (the endpoint's IRI, a query file's)
    base_iri: str | None = None


# --- reading the query text: just enough of SPARQL's lexical grammar to find SERVICE and FROM ---------

_TOKEN = re.compile(
    r'''
  (?P<ws>\s+)
| (?P<comment>\#[^\r\n]*)
| (?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""
             |'\'\'(?:[^'\\]|\\.|'(?!''))*'\'\'
             |"(?:[^"\\\r\n]|\\.)*"|'(?:[^'\\\r\n]|\\.)*')
| (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
| (?P<var>[?$]\w+)
| (?P<pname>(?:[^\W\d_][\w\-.]*)?:(?:[\w\-:%]|\\.|\.(?=[\w\-:%\\]))*)
| (?P<word>[^\W\d][\w\-]*)
| (?P<open>\{)
| (?P<close>\})
| (?P<other>.)
''',
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Token:
    kind: str
    value: str
    start: int
    end: int


def tokens(text: str) -> list[Token]:
    """The query's tokens, without white space and comments."""
    return [
        Token(m.lastgroup or "other", m.group(), m.start(), m.end())
        for m in _TOKEN.finditer(text)
        if m.lastgroup not in ("ws", "comment")
    ]


@dataclass(frozen=True)
class ServicePart:
    start: int  # span of the whole ``SERVICE [SILENT] <iri> { ... }`` in the text
    end: int
    iri: str | None  # None when the service is a variable
    silent: bool
    body: str  # the group graph pattern, braces included


@dataclass(frozen=True)
class Scan:
    form: str | None  # SELECT, ASK, CONSTRUCT, DESCRIBE, or None (an update, or unreadable)
    prologue: str  # the BASE and PREFIX declarations, as written
    prefixes: dict[str, str]
    base: str | None
    services: tuple[ServicePart, ...]
    nested_service: bool
    has_dataset_clause: bool  # FROM / FROM NAMED
    has_load: bool
    tokens: tuple[Token, ...] = ()  # the text's tokens, for the rewrites that read it again
    computed: frozenset[str] = frozenset()  # variables the query makes (``computed_variables``)


def computed_variables(toks: Iterable[Token]) -> frozenset[str]:
    """Variables whose values the query makes rather than matches in the data: those after ``AS``
    (SELECT expressions, aggregates, BIND, GROUP BY) and those of ``VALUES`` blocks."""
    toks = list(toks)
    names: set[str] = set()
    for i, token in enumerate(toks):
        word = token.value.upper() if token.kind == "word" else ""
        if word == "AS" and i + 1 < len(toks) and toks[i + 1].kind == "var":
            names.add(toks[i + 1].value[1:])
        elif word == "VALUES":
            j = i + 1 + (i + 1 < len(toks) and toks[i + 1].value == "(")
            while j < len(toks) and toks[j].kind == "var":
                names.add(toks[j].value[1:])
                j += 1
    return frozenset(names)


def _resolve(token: Token, prefixes: dict[str, str], base: str | None) -> str | None:
    if token.kind == "iri":
        iri = token.value[1:-1]
        return urljoin(base, iri) if base else iri
    if token.kind == "pname":
        prefix, _, local = token.value.partition(":")
        namespace = prefixes.get(prefix)
        if namespace is None:
            raise ProtocolError(
                400, f"SPARQL error: unknown prefix {prefix!r}: (at character {token.start + 1})"
            )
        return namespace + re.sub(r"\\(.)", r"\1", local)
    return None


def scan(text: str) -> Scan:
    toks = tokens(text)
    prefixes = dict(QUERY_PREFIXES)
    base: str | None = None
    prologue_end = 0
    i = 0
    while i < len(toks):  # the prologue
        word = toks[i].value.upper() if toks[i].kind == "word" else ""
        if (
            word == "PREFIX"
            and i + 2 < len(toks)
            and toks[i + 1].kind == "pname"
            and toks[i + 2].kind == "iri"
        ):
            prefixes[toks[i + 1].value[:-1]] = _resolve(toks[i + 2], {}, base) or ""
            prologue_end, i = toks[i + 2].end, i + 3
        elif word == "BASE" and i + 1 < len(toks) and toks[i + 1].kind == "iri":
            base = _resolve(toks[i + 1], {}, base)
            prologue_end, i = toks[i + 1].end, i + 2
        else:
            break
    form = None
    depth = 0
    services: list[ServicePart] = []
    nested = has_from = has_load = False
    while i < len(toks):
        tok = toks[i]
        word = tok.value.upper() if tok.kind == "word" else ""
        if tok.kind == "open":
            depth += 1
        elif tok.kind == "close":
            depth -= 1
        elif depth == 0 and form is None and word in QUERY_FORMS:
            form = word
        elif depth == 0 and word == "FROM":
            has_from = True
        elif word == "LOAD":
            has_load = True
        elif word == "SERVICE":
            j = i + 1
            silent = j < len(toks) and toks[j].kind == "word" and toks[j].value.upper() == "SILENT"
            j += 1 if silent else 0
            if j + 1 >= len(toks) or toks[j + 1].kind != "open":
                raise ProtocolError(
                    400,
                    f"SPARQL syntax error: SERVICE at character {tok.start + 1} is not "
                    "followed by an IRI and a group graph pattern",
                )
            target = toks[j]
            iri = None if target.kind == "var" else _resolve(target, prefixes, base)
            if target.kind not in ("var", "iri", "pname"):
                raise ProtocolError(
                    400, f"SPARQL syntax error: SERVICE at character {tok.start + 1} names no endpoint"
                )
            k, level = j + 1, 0
            while k < len(toks):
                if toks[k].kind == "open":
                    level += 1
                elif toks[k].kind == "close":
                    level -= 1
                    if level == 0:
                        break
                elif toks[k].kind == "word" and toks[k].value.upper() == "SERVICE":
                    nested = True
                k += 1
            if k >= len(toks):
                raise ProtocolError(
                    400,
                    f"SPARQL syntax error: the SERVICE pattern at character {tok.start + 1} is not closed",
                )
            services.append(
                ServicePart(tok.start, toks[k].end, iri, silent, text[toks[j + 1].start : toks[k].end])
            )
            i = k
        i += 1
    return Scan(
        form,
        text[:prologue_end],
        prefixes,
        base,
        tuple(services),
        nested,
        has_from,
        has_load,
        tuple(toks),
        computed_variables(toks),
    )


def substitute(text: str, replacements: list[tuple[ServicePart, str]]) -> str:
    for part, replacement in sorted(replacements, key=lambda r: r[0].start, reverse=True):
        text = text[: part.start] + replacement + text[part.end :]
    return text


def _term(token: Token, scanned: Scan) -> str:
    """A term of a label service's body: ``?name``, an IRI, or a string's value."""
    if token.kind == "var":
        return "?" + token.value[1:]
    if token.kind == "word" and token.value == "a":
        return RDF_TYPE
    if token.kind == "string":
        quote = 3 if token.value[:3] in ('"""', "'''") else 1
        return token.value[quote:-quote]
    resolved = _resolve(token, scanned.prefixes, scanned.base)
    if resolved is None:
        raise LabelServiceError(f"unexpected {token.value!r} at character {token.start + 1}")
    return resolved


def _triples(body: list[Token], scanned: Scan) -> list[tuple[str, str, str]]:
    """The triple patterns of a label service's body (``.``, ``;`` and ``,`` as in Turtle)."""
    out: list[tuple[str, str, str]] = []
    i, n = 0, len(body)

    def take() -> str:
        nonlocal i
        if i >= n:
            raise LabelServiceError("the label service's body ends in the middle of a triple")
        token = body[i]
        i += 1
        term = _term(token, scanned)
        while i < n and token.kind == "string" and body[i].value in ("@", "^"):  # a tag or a datatype
            i += 2 if body[i].value == "@" else 3
        return term

    while i < n:
        subject = take()
        while True:
            predicate = take()
            out.append((subject, predicate, take()))
            while i < n and body[i].value == ",":
                i += 1
                out.append((subject, predicate, take()))
            if i < n and body[i].value == ";":
                i += 1
                if i < n and body[i].value not in (".", ";"):
                    continue
            break
        while i < n and body[i].value in (".", ";"):
            i += 1
    return out


def _rewrite_label_services(text: str, scanned: Scan, parts: list[ServicePart]) -> str:
    """Each ``SERVICE wikibase:label`` replaced by its patterns at the end of its group
    (``icmpd_kg.label_service``)."""
    toks = scanned.tokens
    inside = [(p.start, p.end) for p in parts]
    variables = {
        t.value[1:] for t in toks if t.kind == "var" and not any(a <= t.start < b for a, b in inside)
    }
    edits: list[tuple[int, int, str]] = []
    taken: set[str] = set()
    for part in parts:
        triples = _triples(tokens(part.body)[1:-1], scanned)
        languages = languages_of(o for _, p, o in triples if p == WIKIBASE_LANGUAGE)
        chosen = manual_bindings(triples) or [
            b for b in automatic_bindings(variables) if b.target not in taken
        ]
        taken |= {b.target for b in chosen}
        depth, close = 0, len(text)
        for token in toks:
            if token.start < part.end:
                continue
            if token.kind == "open":
                depth += 1
            elif token.kind == "close":
                if depth == 0:
                    close = token.start
                    break
                depth -= 1
        edits.append((part.start, part.end, ""))
        edits.append((close, close, "\n" + "\n".join(patterns(b, languages) for b in chosen) + "\n"))
    for start, end, replacement in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


@dataclass(frozen=True)
class Prepared:
    """A query or update checked against the policy; the same text is never checked twice."""

    text: str  # after \\u escape expansion
    scan: Scan
    calls: tuple[ServicePart, ...]  # SERVICE patterns to call (allowlisted)


def _rdflib_has_service(text: str, update: bool) -> bool:
    """Ask rdflib's parser too whether ``text`` has a SERVICE pattern (a second opinion, for texts
    that mention 'service' where the scanner found none)."""
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    try:
        tree = parseUpdate(text) if update else parseQuery(text)
    except ParseException as exc:
        raise ProtocolError(400, _syntax_message(exc)) from None
    except Exception as exc:  # noqa: BLE001 - rdflib raises plain Exceptions for some bad queries
        raise ProtocolError(400, f"SPARQL error: {exc}") from None
    return "ServiceGraphPattern" in repr(tree)


def _oxigraph_syntax_message(message: str, text: str, what: str = "SPARQL") -> str:
    """Oxigraph's "error at 2:10: expected …" in the same form as rdflib's: line, column, caret."""
    match = re.match(r"error at (\d+):(\d+)(?:-\d+:\d+)?: (.*)", message, re.DOTALL)
    if not match:
        return f"{what} syntax error: {message}"
    line, column, detail = int(match.group(1)), int(match.group(2)), match.group(3)
    lines = text.splitlines() or [""]
    shown = lines[min(line, len(lines)) - 1]
    return (
        f"{what} syntax error at line {line}, column {column}: {detail}\n{shown}\n{' ' * max(0, column - 1)}^"
    )


def _syntax_message(exc: Any) -> str:
    return (
        f"SPARQL syntax error at line {exc.lineno}, column {exc.col}: {exc.msg}\n"
        f"{exc.line}\n{' ' * (exc.col - 1)}^"
    )


QUERY_HINTS = "http://www.bigdata.com/queryHints#"


def without_query_hints(text: str, scanned: Scan) -> str:
    """The query without Blazegraph's query hints (``hint:Query hint:optimizer "None" .``), which
    WDQS queries carry: they steer WDQS's planner and state nothing, but here they would be triple
    patterns that match nothing. A hint is a triple whose subject is in the ``hint:`` namespace."""
    toks = scanned.tokens
    cuts = []
    for i, tok in enumerate(toks):
        starts_triple = i > 0 and (toks[i - 1].kind in ("open", "close") or toks[i - 1].value == ".")
        if not starts_triple or tok.kind not in ("pname", "iri"):
            continue
        try:
            iri = _resolve(tok, scanned.prefixes, scanned.base) or ""
        except ProtocolError:  # an unknown prefix: not a hint (the parser will say so)
            continue
        if not iri.startswith(QUERY_HINTS):
            continue
        end = i
        while end + 1 < len(toks) and toks[end + 1].value != "." and toks[end + 1].kind != "close":
            end += 1
        last = toks[end + 1] if end + 1 < len(toks) and toks[end + 1].value == "." else toks[end]
        cuts.append((tok.start, last.end))
    for start, end in reversed(cuts):
        text = text[:start] + " " * (end - start) + text[end:]  # blanks keep the columns of errors
    return text


MAX_NESTING = 128  # far above any real query; Oxigraph's parser overflows its stack some way past it
_OPENING, _CLOSING, _UNARY = frozenset("{(["), frozenset("})]"), frozenset("!-+^")


def check_nesting(toks: Iterable[Token]) -> None:
    """Refuse a query nested deeper than ``MAX_NESTING``: groups, brackets, function calls and runs of
    unary operators (``!!!…``), before any parser sees it (Oxigraph's would overflow its stack and
    crash the process; rdflib's gives up much earlier)."""
    depth = deepest = run = 0
    for token in toks:
        value = token.value
        if value in _OPENING:
            depth += 1
            deepest = max(deepest, depth)
        elif value in _CLOSING:
            depth -= 1
        run = run + 1 if value in _UNARY else 0
        if deepest > MAX_NESTING or run > MAX_NESTING:
            raise ProtocolError(
                400,
                f"the query nests more than {MAX_NESTING} levels deep (at character {token.start + 1}: "
                "groups, brackets, function calls or repeated operators); this endpoint accepts at most "
                f"{MAX_NESTING}",
            )


@lru_cache(maxsize=512)
def prepare(text: str, allowlist: tuple[str, ...], update: bool = False) -> Prepared:
    try:
        text = expandUnicodeEscapes(text)
    except ValueError as exc:
        raise ProtocolError(400, f"SPARQL error: {exc}") from None
    scanned = scan(text)  # our own tokenizer: no recursion, whatever the nesting
    check_nesting(scanned.tokens)
    if "hint" in text or QUERY_HINTS in text:
        unhinted = without_query_hints(text, scanned)
        if unhinted != text:
            text, scanned = unhinted, scan(unhinted)
    label_parts = [part for part in scanned.services if part.iri == WIKIBASE_LABEL]
    if label_parts and not scanned.nested_service:
        try:
            text = _rewrite_label_services(text, scanned, label_parts)
        except LabelServiceError as exc:
            raise ProtocolError(400, f"SPARQL error in SERVICE wikibase:label: {exc}") from None
        scanned = scan(text)
    if update and scanned.has_load:
        raise ProtocolError(403, "LOAD is not allowed: this endpoint fetches no documents")
    if scanned.nested_service:
        raise ProtocolError(400, "a SERVICE pattern inside another SERVICE pattern is not supported")
    calls = []
    for part in scanned.services:
        if part.iri is None or part.iri not in allowlist:
            allowed = ", ".join(allowlist) or "none"
            target = "a variable" if part.iri is None else f"<{part.iri}>"
            raise ProtocolError(
                400, f"SERVICE {target} is not allowed; this endpoint may call only: {allowed}"
            )
        else:
            calls.append(part)
    if (
        not scanned.services
        and re.search("service", text, re.IGNORECASE)
        and _rdflib_has_service(text, update)
    ):
        raise ProtocolError(
            400, "the query's SERVICE pattern could not be isolated; write it as SERVICE <endpoint> { ... }"
        )
    return Prepared(text, scanned, tuple(calls))


# --- answers ----------------------------------------------------------------------------------------


@dataclass
class Answer:
    """A materialised result with rdflib terms: rows for SELECT, a boolean for ASK, triples for graphs."""

    form: str
    variables: list[str] = field(default_factory=list)
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[tuple[Any, Any, Any]] = field(default_factory=list)
    truncated: bool = False

    def dicts(self) -> list[dict[str, Any]]:
        """SELECT rows as {variable: term} (unbound variables left out)."""
        return [
            {v: t for v, t in zip(self.variables, row, strict=True) if t is not None} for row in self.rows
        ]

    def strings(self) -> list[dict[str, str]]:
        return [{k: str(v) for k, v in row.items()} for row in self.dicts()]


class Backend(Protocol):
    """A store's SPARQL engine. ``evaluate`` gets the text to run (SERVICE patterns already answered)
    and the scan of the query as written (its form, prologue and FROM clauses)."""

    name: str

    def evaluate(
        self,
        text: str,
        scanned: Scan,
        default_graphs: list[str],
        named_graphs: list[str],
        limit: int,
        deadline: float,
        base: str | None = None,
    ) -> Answer: ...

    def update(self, text: str, base: str | None = None) -> None: ...

    def close(self) -> None: ...


def _term_to_rdflib(term: Any) -> Any:
    import pyoxigraph as ox

    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        # as the store writes it, whatever rdflib's process-wide NORMALIZE_LITERALS says
        return Literal(
            term.value, datatype=None if datatype == XSD_STRING else URIRef(datatype), normalize=False
        )
    raise ProtocolError(400, "RDF-star triple terms cannot be returned by this endpoint")


def _term_to_oxigraph(term: Any) -> Any:
    import pyoxigraph as ox

    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def oxigraph_functions() -> dict[Any, Any]:
    """The project's extension functions (``icmpd_kg.functions``) for Oxigraph's engine: the same
    Python functions, given the terms' lexical values; an error leaves the result unbound."""
    import pyoxigraph as ox

    from icmpd_kg.functions import FUNCTIONS, iri

    def adapt(func):
        def call(*args):
            try:
                value = func(*[a.value for a in args])
            except Exception:  # noqa: BLE001 - a SPARQL expression error: the result is unbound
                return None
            return _term_to_oxigraph(Literal(value))

        return call

    return {ox.NamedNode(str(iri(f))): adapt(f) for f in FUNCTIONS}


class OxigraphBackend:
    """Oxigraph's native SPARQL engine over an on-disk store (read-only) or an in-memory one.

    ``default_graph`` is ``union`` (the merge of all graphs, which the store keeps: see
    ``store.py``) or ``stored`` (the standard's dataset: the default graph as stored). Literals are
    answered as they were written (``store.LiteralForms``)."""

    name = "oxigraph"

    def __init__(
        self,
        store: Any,
        default_graph: str = "union",
        written: dict[tuple[str, str, str | None], Any] | None = None,
        directory: Path | None = None,
    ):
        import pyoxigraph as ox

        from icmpd_kg.store import UNION_GRAPH, named_graphs

        self.store = store
        self.default_graph = default_graph
        self._use_forms(written or {})
        self.directory = directory
        self.functions = oxigraph_functions()
        self._merge = ox.NamedNode(UNION_GRAPH)
        self._named = named_graphs(store)
        self._merged = store.contains_named_graph(self._merge)
        self._literal = ox.Literal
        if default_graph == "union" and self._named and not self._merged:
            raise ValueError("this store keeps no union of its graphs: open it with default_graph='stored'")

    @classmethod
    def open(
        cls, directory: Path, read_only: bool = True, default_graph: str | None = None
    ) -> OxigraphBackend:
        import pyoxigraph as ox

        from icmpd_kg.errors import InputFileError

        if not (Path(directory) / "CURRENT").is_file():
            raise InputFileError(
                directory, "no Oxigraph store here; run 'icmpd-kg build' or 'icmpd-kg load' first"
            )
        from icmpd_kg.store import LiteralForms, default_graph_mode, require_default_graph

        mode = default_graph or default_graph_mode(Path(directory))
        require_default_graph(Path(directory), mode)
        store = ox.Store.read_only(str(directory)) if read_only else ox.Store(str(directory))
        return cls(store, mode, LiteralForms.read(Path(directory)).written(), Path(directory))

    def _dataset_args(
        self, default_graphs: list[str], named_graphs: list[str], has_dataset_clause: bool
    ) -> dict:
        import pyoxigraph as ox

        if default_graphs or named_graphs:  # the protocol's parameters win over FROM / FROM NAMED
            return {
                "default_graph": [ox.NamedNode(u) for u in default_graphs],
                "named_graphs": [ox.NamedNode(u) for u in named_graphs],
            }
        if has_dataset_clause:  # FROM / FROM NAMED name graphs of this store
            return {}
        if self.default_graph == "union" and self._merged:
            return {"default_graph": [self._merge], "named_graphs": self._named}
        if self._merged:  # the standard's dataset, the store's own merge left out of GRAPH ?g
            return {"default_graph": [ox.DefaultGraph()], "named_graphs": self._named}
        return {}

    def _use_forms(self, written: dict[tuple[str, str, str | None], Any]) -> None:
        """``written``: the store's form (value, datatype, language) -> the written literal."""
        self.written = {k: _term_to_rdflib(v) for k, v in written.items()}
        # for values the query computes, only the forms that keep their datatype: a computed 1 may
        # be written "1.0" where the data writes it so, never the data's "1"^^xsd:positiveInteger
        self.written_lexically = {
            k: v for k, v in self.written.items() if str(v.datatype or XSD_STRING) == k[1]
        }

    def _converter(self, forms: dict[tuple[str, str, str | None], Any]) -> Callable[[Any], Any]:
        """Oxigraph's term -> rdflib's, a literal in the written form ``forms`` give it."""
        literal = self._literal

        def convert(term: Any) -> Any:
            if forms and isinstance(term, literal):
                found = forms.get((term.value, term.datatype.value, term.language))
                if found is not None:
                    return found
            return _term_to_rdflib(term)

        return convert

    def evaluate(
        self,
        text: str,
        scanned: Scan,
        default_graphs: list[str],
        named_graphs: list[str],
        limit: int,
        deadline: float,
        base: str | None = None,
    ) -> Answer:
        import pyoxigraph as ox

        term = self._converter(self.written)
        try:
            result = self.store.query(
                text,
                base_iri=base,
                prefixes=QUERY_PREFIXES,
                custom_functions=self.functions,
                **self._dataset_args(default_graphs, named_graphs, scanned.has_dataset_clause),
            )
            if isinstance(result, ox.QueryBoolean):
                return Answer("ASK", boolean=bool(result))
            if isinstance(result, ox.QuerySolutions):
                variables = [v.value for v in result.variables]
                # a value the query computed is answered as Oxigraph gives it (COUNT's 1 is no
                # written "1"^^xsd:positiveInteger); one matched in the data, as it was written
                computed = self._converter(self.written_lexically)
                convert = [computed if v in scanned.computed else term for v in variables]
                rows: list[tuple[Any, ...]] = []
                for solution in result:
                    if len(rows) == limit:
                        return Answer("SELECT", variables, rows, truncated=True)
                    rows.append(tuple(convert[i](solution[i]) for i in range(len(variables))))
                return Answer("SELECT", variables, rows)
            triples: list[tuple[Any, Any, Any]] = []
            for triple in result:
                if len(triples) == limit:
                    return Answer(scanned.form or "CONSTRUCT", triples=triples, truncated=True)
                triples.append((term(triple.subject), term(triple.predicate), term(triple.object)))
            return Answer(scanned.form or "CONSTRUCT", triples=triples)
        except SyntaxError as exc:
            raise ProtocolError(400, _oxigraph_syntax_message(str(exc), text)) from None
        except (ValueError, TypeError) as exc:
            raise ProtocolError(400, f"SPARQL evaluation failed: {exc}") from None

    def update(self, text: str, base: str | None = None) -> None:
        from icmpd_kg.store import after_update, named_graphs

        keeps_union = self._merged or self.default_graph == "union"
        if self._merged:  # the update sees the graphs as stored; the merge is made again after it
            self.store.remove_graph(self._merge)
        try:
            self.store.update(text, base_iri=base, prefixes=QUERY_PREFIXES, custom_functions=self.functions)
        except SyntaxError as exc:
            raise ProtocolError(400, _oxigraph_syntax_message(str(exc), text, "SPARQL Update")) from None
        except (ValueError, TypeError) as exc:
            raise ProtocolError(400, f"SPARQL Update failed: {exc}") from None
        finally:
            forms = after_update(self.directory, self.store, "union" if keeps_union else "stored")
            self._merged = keeps_union
            self._named = named_graphs(self.store)
            if forms is not None:
                self._use_forms(forms.written())
        self.store.flush()

    def close(self) -> None:
        self.store = None


def _values_keep_their_variables(tree: Any) -> None:
    """rdflib gives a ``VALUES`` block no variables (``_vars`` empty), and its OPTIONAL then drops
    every row whose optional part matches for some other value (RDFLib/rdflib#2332: ``VALUES ?x
    { … } OPTIONAL { ?x rdfs:label ?l }`` answers nothing). The block's variables are set here."""
    from rdflib.plugins.sparql.algebra import traverse
    from rdflib.plugins.sparql.parserutils import CompValue

    def visit(node: Any) -> None:
        if isinstance(node, CompValue) and node.name == "ToMultiSet":
            inner = node.get("p")
            if isinstance(inner, CompValue) and inner.name == "values":
                names = {v for row in inner.get("res") or [] for v in row}
                node._vars = set(node.get("_vars") or set()) | names
                inner._vars = set(inner.get("_vars") or set()) | names

    traverse(tree, visitPost=visit)


class RdflibBackend:
    """rdflib's SPARQL engine over a ``DatasetExt`` in memory (the project's functions registered).
    ``default_graph``: ``union`` (rdflib's union of all graphs, a set) or ``stored``."""

    name = "memory"

    def __init__(self, data: Dataset, default_graph: str = "union"):
        from icmpd_kg.functions import register_with_rdflib

        register_with_rdflib()  # whatever the dataset, the functions answer
        self.data = data
        self.data.default_union = default_graph == "union"
        self._view: Dataset | None = None

    @staticmethod
    @lru_cache(maxsize=256)
    def _translated(text: str, base: str | None = None) -> Any:
        from pyparsing import ParseException
        from rdflib.plugins.sparql.algebra import translateQuery
        from rdflib.plugins.sparql.parser import parseQuery

        try:
            query = translateQuery(parseQuery(text), base=base, initNs=QUERY_PREFIXES)
        except ParseException as exc:
            raise ProtocolError(400, _syntax_message(exc)) from None
        except Exception as exc:  # noqa: BLE001 - rdflib raises plain Exceptions for bad queries
            raise ProtocolError(400, f"SPARQL error: {exc}") from None
        _values_keep_their_variables(query.algebra)
        # FROM / FROM NAMED are taken out of the query: they select graphs of the store (below)
        clauses = query.algebra.get("datasetClause") or []
        query.algebra["datasetClause"] = None
        return (
            query,
            [str(c.default) for c in clauses if c.get("default") is not None],
            [str(c.named) for c in clauses if c.get("named") is not None],
        )

    def view(self, default_uris: list[str], named_uris: list[str]) -> Dataset:
        """The dataset a request describes (SPARQL 1.1 Protocol §2.1.4), copied from graphs of the
        store; a graph the store does not hold is empty. The store itself is never changed."""
        if not default_uris and not named_uris:
            return self.data
        from icmpd_kg.functions import new_dataset

        # One view per backend, emptied and filled again: every DatasetExt registers its functions in
        # rdflib's process-global CUSTOM_EVALS and takes them out again when it is collected, which,
        # for a new view per query, can happen while rdflib iterates that dict ("dictionary changed
        # size during iteration").
        if self._view is None:
            self._view = new_dataset(default_union=False)
        view = self._view
        for graph in list(view.graphs()):
            view.remove_graph(graph)
        view.remove((None, None, None))  # type: ignore[arg-type]
        default = view.graph(DATASET_DEFAULT_GRAPH_ID)
        for uri in default_uris:
            for s, p, o, _ in self.data.quads((None, None, None, URIRef(uri))):  # type: ignore[arg-type]
                default.add((s, p, o))
        for uri in named_uris:
            target = view.graph(URIRef(uri))
            for s, p, o, _ in self.data.quads((None, None, None, URIRef(uri))):  # type: ignore[arg-type]
                target.add((s, p, o))
        return view

    def evaluate(
        self,
        text: str,
        scanned: Scan,
        default_graphs: list[str],
        named_graphs: list[str],
        limit: int,
        deadline: float,
        base: str | None = None,
    ) -> Answer:
        from rdflib.plugins.sparql.evaluate import evalQuery
        from rdflib.plugins.sparql.processor import SPARQLResult

        query, from_default, from_named = self._translated(text, base)
        if not default_graphs and not named_graphs:  # the protocol's parameters win over FROM
            default_graphs, named_graphs = from_default, from_named
        try:
            result = SPARQLResult(evalQuery(self.view(default_graphs, named_graphs), query, {}))
            if result.type == "ASK":
                return Answer("ASK", boolean=bool(result.askAnswer))
            if result.type == "SELECT":
                variables = [str(v) for v in result.vars or []]
                rows: list[tuple[Any, ...]] = []
                for binding in result.bindings:
                    if len(rows) == limit:
                        return Answer("SELECT", variables, rows, truncated=True)
                    rows.append(tuple(binding.get(Variable(v)) for v in variables))
                return Answer("SELECT", variables, rows)
            triples = list(result.graph) if result.graph is not None else []
            triples.sort()
            return Answer(result.type, triples=triples[:limit], truncated=len(triples) > limit)
        except ProtocolError:
            raise
        except Exception as exc:  # noqa: BLE001 - rdflib reports evaluation errors in many types
            raise ProtocolError(400, f"SPARQL evaluation failed: {exc}") from None

    def update(self, text: str, base: str | None = None) -> None:
        import warnings

        from pyparsing import ParseException
        from rdflib import ConjunctiveGraph

        # rdflib 7 Dataset.update does not insert into the default graph (RDFLib/rdflib#2019, canary in
        # tests/test_upstream.py);
        # a ConjunctiveGraph over the same store, its default context the dataset's default graph,
        # runs updates correctly, GRAPH clauses included.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            graph = ConjunctiveGraph(store=self.data.store, identifier=DATASET_DEFAULT_GRAPH_ID)
        try:
            from rdflib.plugins.sparql.processor import prepareUpdate

            graph.update(prepareUpdate(text, initNs=QUERY_PREFIXES, base=base))
        except ParseException as exc:
            raise ProtocolError(400, _syntax_message(exc)) from None
        except Exception as exc:  # noqa: BLE001
            raise ProtocolError(400, f"SPARQL Update failed: {exc}") from None

    def close(self) -> None:
        pass


def _prefix_lines(scanned: Scan, base: str | None = None) -> str:
    """PREFIX declarations for every project prefix the query does not declare itself, then its own;
    first ``BASE <base>`` when the query has no BASE of its own."""
    own = {t.value[:-1] for t in tokens(scanned.prologue) if t.kind == "pname"}
    lines = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in QUERY_PREFIXES.items() if p not in own)
    if base is not None and scanned.base is None and is_iri(base):
        lines = f"BASE <{base}>\n" + lines
    return lines + scanned.prologue + "\n"


def answer_from_json(body: bytes, limit: int | None = None) -> Answer:
    """SPARQL 1.1 JSON results (SELECT or ASK) as an ``Answer``; rows past ``limit`` cut."""
    import io

    from rdflib.query import Result

    with settings.literals_as_written():  # the answer's lexical forms, as sent
        result = Result.parse(io.BytesIO(body), format="json")
    if result.type == "ASK":
        return Answer("ASK", boolean=bool(result.askAnswer))
    variables = [str(v) for v in result.vars or []]
    rows = [tuple(b.get(Variable(v)) for v in variables) for b in result.bindings]
    if limit is None:
        return Answer("SELECT", variables, rows)
    return Answer("SELECT", variables, rows[:limit], truncated=len(rows) > limit)


class RemoteBackend:
    """Another SPARQL 1.1 Protocol server (Virtuoso, Fuseki, GraphDB, QLever, an Oxigraph server …)."""

    name = "sparql"

    def __init__(self, endpoint: str, auth: Any = None):
        import httpx

        self.endpoint = endpoint
        self.client = httpx.Client(headers={"User-Agent": USER_AGENT}, auth=auth, follow_redirects=False)

    def evaluate(
        self,
        text: str,
        scanned: Scan,
        default_graphs: list[str],
        named_graphs: list[str],
        limit: int,
        deadline: float,
        base: str | None = None,
    ) -> Answer:
        import httpx

        params: list[tuple[str, str | int | float | bool | None]] = [
            ("default-graph-uri", u) for u in default_graphs
        ]
        params += [("named-graph-uri", u) for u in named_graphs]
        graph_form = scanned.form in ("CONSTRUCT", "DESCRIBE")
        accept = (
            "application/n-triples, text/plain;q=0.9" if graph_form else "application/sparql-results+json"
        )
        body = _prefix_lines(scanned, base) + text[len(scanned.prologue) :]
        try:
            response = self.client.post(
                self.endpoint,
                params=params,
                data={"query": body},
                headers={"Accept": accept},
                timeout=max(0.1, deadline - time.monotonic()),
            )
        except httpx.HTTPError as exc:
            raise ProtocolError(502, f"the store at {self.endpoint} did not answer: {exc}") from None
        if response.status_code >= 400:
            raise ProtocolError(
                400 if response.status_code < 500 else 502,
                f"the store at {self.endpoint} answered {response.status_code}: {response.text[:500]}",
            )
        if graph_form:
            graph = Graph().parse(data=response.content, format="nt")
            triples = sorted(graph)
            return Answer(
                scanned.form or "CONSTRUCT", triples=triples[:limit], truncated=len(triples) > limit
            )
        return answer_from_json(response.content, limit)

    def update(self, text: str, base: str | None = None) -> None:
        raise ProtocolError(
            403, f"updates go to the store itself ({self.endpoint}), not through this endpoint"
        )

    def close(self) -> None:
        self.client.close()


# --- stores -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoreSpec:
    """``memory``, ``oxigraph:DIR`` or ``sparql:URL`` (see the module's documentation)."""

    kind: str
    location: str = ""
    default_graph: str | None = None  # union | stored; None: the store's own (memory: union)

    @classmethod
    def parse(cls, text: str) -> StoreSpec:
        kind, _, location = text.partition(":")
        if kind == "memory" and not location:
            return cls("memory")
        if kind == "oxigraph" and location:
            return cls("oxigraph", str(Path(location)))
        if kind == "sparql" and location.startswith(("http:", "https:")):
            return cls("sparql", location)
        raise ValueError(f"unknown store {text!r}: give 'memory', 'oxigraph:DIR' or 'sparql:URL'")

    def __str__(self) -> str:
        return self.kind + (f":{self.location}" if self.location else "")


def default_store(dist: Path) -> StoreSpec:
    """The built Oxigraph store when the build wrote one, else the dump in memory."""
    from icmpd_kg.distfiles import OXIGRAPH_DIR

    store = Path(dist) / OXIGRAPH_DIR
    return StoreSpec("oxigraph", str(store)) if (store / "CURRENT").is_file() else StoreSpec("memory")


def open_backend(
    spec: StoreSpec,
    dist: Path | None = None,
    snapshot: Path | None = None,
    read_only: bool = True,
    auth: Any = None,
) -> Backend:
    """The backend for ``spec``; ``memory`` reads ``snapshot`` (N-Quads) if given, else the build
    in ``dist``."""
    if spec.kind == "oxigraph":
        return OxigraphBackend.open(
            Path(spec.location), read_only=read_only, default_graph=spec.default_graph
        )
    if spec.kind == "sparql":  # the remote server has its own default graph
        return RemoteBackend(spec.location, auth=auth)
    from icmpd_kg.query import load_built, load_quads

    data = load_quads(snapshot) if snapshot is not None else load_built(Path(dist or "."))
    return RdflibBackend(data, spec.default_graph or "union")


# --- the engine -----------------------------------------------------------------------------------------


class Engine:
    def __init__(self, backend: Backend, policy: Policy | None = None):
        self.backend = backend
        self.policy = policy or Policy()
        self._http: Any = None

    @classmethod
    def for_dataset(cls, data: Dataset, policy: Policy | None = None) -> Engine:
        return cls(RdflibBackend(data), policy)

    # SERVICE ---------------------------------------------------------------------------------------
    def _client(self):
        import httpx

        if self._http is None:
            self._http = httpx.Client(headers={"User-Agent": self.policy.user_agent}, follow_redirects=False)
        return self._http

    def call_service(
        self,
        part: ServicePart,
        prepared: Prepared,
        deadline: float,
        default_graphs: list[str] | tuple[str, ...] = (),
        named_graphs: list[str] | tuple[str, ...] = (),
    ) -> str:
        """The solutions of ``part`` at the allowlisted endpoint ``part.iri`` (that exact IRI), as
        inline data: a bind join (``icmpd_kg.federation``) sends the pattern with the values the rest
        of the query can join it with, in batches; SERVICE SILENT turns a failure into one empty
        solution."""
        import httpx

        assert part.iri is not None
        try:
            bodies = self._service_bodies(part, prepared, deadline, list(default_graphs), list(named_graphs))
            if not bodies:  # nothing in the rest of the query to join with
                return "{ FILTER(false) }"
            answers = [self._ask_service(part, prepared, body, deadline) for body in bodies]
            variables = list(dict.fromkeys(v for a in answers for v in a.variables))
            rows = [
                tuple(dict(zip(a.variables, row, strict=True)).get(v) for v in variables)
                for a in answers
                for row in a.rows
            ]
            return _inline_data(Answer("SELECT", variables, rows))
        except (
            ProtocolError,
            httpx.HTTPError,
            ValueError,  # federation.InvalidTerm among them
            KeyError,
            TypeError,
            NotImplementedError,  # rdflib's reader, for a term type SPARQL JSON does not have
            ResultException,
        ) as exc:
            if part.silent:
                return "{}"
            if isinstance(exc, ProtocolError):
                raise
            what = (
                "answered a term that is not valid RDF"
                if isinstance(exc, federation.InvalidTerm)
                else "failed"
            )
            raise ProtocolError(502, f"SERVICE <{part.iri}> {what}: {exc}") from None

    def _service_bodies(
        self,
        part: ServicePart,
        prepared: Prepared,
        deadline: float,
        default_graphs: list[str],
        named_graphs: list[str],
    ) -> list[str]:
        """The patterns to send: the pattern itself when it shares no variable with the rest of the
        query, else the pattern bound to each batch of the values the rest can give."""
        toks = prepared.scan.tokens  # the scan of prepared.text
        variables = federation.shared(toks, part, prepared.scan.services)
        query = (
            federation.candidate_query(
                prepared.text, toks, prepared.scan.prologue, prepared.scan.services, variables
            )
            if variables and federation.joined(toks, part)
            else None
        )
        if query is None:
            return [part.body]
        cap = self.policy.service_max_bindings
        candidates = self.backend.evaluate(
            query, scan(query), default_graphs, named_graphs, cap + 1, deadline
        )
        if len(candidates.rows) > cap:
            raise ProtocolError(
                400,
                f"SERVICE <{part.iri}> would be asked about more than {cap} values of "
                f"{', '.join('?' + v for v in variables)}; narrow the query",
            )
        keep = [i for i in range(len(candidates.variables)) if all(r[i] is not None for r in candidates.rows)]
        if not keep:
            return [part.body] if candidates.rows else []
        names = [candidates.variables[i] for i in keep]
        rows = list(dict.fromkeys(tuple(r[i] for i in keep) for r in candidates.rows))
        return [
            federation.bound_pattern(part.body, names, batch)
            for batch in federation.batches(rows, self.policy.service_batch)
        ]

    def _ask_service(self, part: ServicePart, prepared: Prepared, body: str, deadline: float) -> Answer:
        """One request to the service: ``SELECT * WHERE body``, within the budget and the size cap."""
        assert part.iri is not None
        query = _prefix_lines(prepared.scan, self.policy.base_iri) + "SELECT * WHERE " + body
        budget = min(self.policy.service_timeout, deadline - time.monotonic())
        if budget <= 0:
            raise ProtocolError(503, "no time was left in the query's budget to call the SERVICE")
        chunks, size = [], 0
        with self._client().stream(
            "POST",
            part.iri,
            data={"query": query},
            timeout=budget,
            headers={"Accept": "application/sparql-results+json"},
        ) as response:
            if response.status_code != 200:
                raise ProtocolError(502, f"SERVICE <{part.iri}> answered HTTP {response.status_code}")
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > self.policy.service_max_bytes:
                    raise ProtocolError(
                        502, f"SERVICE <{part.iri}> sent more than {self.policy.service_max_bytes} bytes"
                    )
                if time.monotonic() > deadline:
                    raise ProtocolError(503, f"SERVICE <{part.iri}> did not answer within the query's time")
                chunks.append(chunk)
        return answer_from_json(b"".join(chunks))

    def _without_services(
        self,
        prepared: Prepared,
        deadline: float,
        default_graphs: list[str] | tuple[str, ...] = (),
        named_graphs: list[str] | tuple[str, ...] = (),
    ) -> str:
        """The text to evaluate: each allowlisted SERVICE pattern replaced by its answer as inline data."""
        if not prepared.calls:
            return prepared.text
        replacements = [
            (part, self.call_service(part, prepared, deadline, default_graphs, named_graphs))
            for part in prepared.calls
        ]
        return substitute(prepared.text, replacements)

    # queries ---------------------------------------------------------------------------------------
    def query(
        self,
        text: str,
        default_graphs: Iterable[str] = (),
        named_graphs: Iterable[str] = (),
        deadline: float | None = None,
    ) -> Answer:
        """Evaluate ``text`` under the policy; raises ``ProtocolError`` for anything refused or wrong."""
        prepared = prepare(text, self.policy.service_allowlist)
        return self._evaluate(prepared, list(default_graphs), list(named_graphs), deadline)

    def _evaluate(
        self, prepared: Prepared, default_graphs: list[str], named_graphs: list[str], deadline: float | None
    ) -> Answer:
        deadline = deadline if deadline is not None else time.monotonic() + 3600
        for uri in default_graphs + named_graphs:
            if not is_iri(uri):
                raise ProtocolError(
                    400,
                    f"a graph must be named by an absolute IRI, not {uri!r} "
                    "(default-graph-uri, named-graph-uri)",
                )
        final = self._without_services(prepared, deadline, default_graphs, named_graphs)
        answer = self.backend.evaluate(
            final,
            prepared.scan,
            default_graphs,
            named_graphs,
            self.policy.max_rows,
            deadline,
            self.policy.base_iri,
        )
        if answer.form == "SELECT" and re.search(
            r"\bSELECT\s+(DISTINCT\s+|REDUCED\s+)?\*", final, re.IGNORECASE
        ):
            _in_order_of_appearance(answer, final)
        return answer

    def respond(self, request: QueryRequest, deadline: float | None = None) -> QueryResponse:
        """A protocol request answered as bytes of the negotiated format."""
        prepared = prepare(request.query, self.policy.service_allowlist)
        media = choose_format(prepared.scan.form or "SELECT", request.accept, request.format)
        answer = self._evaluate(
            prepared, list(request.default_graph_uris), list(request.named_graph_uris), deadline
        )
        if answer.form in ("CONSTRUCT", "DESCRIBE") and prepared.scan.form not in ("CONSTRUCT", "DESCRIBE"):
            media = choose_format(answer.form, request.accept, request.format)
        body = write_answer(answer, media)
        if len(body) > self.policy.max_result_bytes:
            raise ProtocolError(
                400,
                f"the result is {len(body)} bytes long, more than this endpoint's limit of "
                f"{self.policy.max_result_bytes}; ask for less (LIMIT, fewer variables)",
            )
        rows = (
            len(answer.rows) if answer.form == "SELECT" else (len(answer.triples) if answer.triples else None)
        )
        content_type = media + ("; charset=utf-8" if media.startswith("text/") else "")
        return QueryResponse(body=body, media_type=content_type, truncated=answer.truncated, rows=rows)

    def update(self, text: str, deadline: float | None = None) -> None:
        deadline = deadline if deadline is not None else time.monotonic() + 3600
        prepared = prepare(text, self.policy.service_allowlist, update=True)
        self.backend.update(self._without_services(prepared, deadline), self.policy.base_iri)

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
        self.backend.close()


def _in_order_of_appearance(answer: Answer, text: str) -> None:
    """SELECT * lists its variables in the order they first appear in the query (as the W3C
    result-format tests expect); engines hand them over in their own order."""

    def first(v: str) -> int:
        match = re.search(r"[?$]" + re.escape(v) + r"\b", text)
        return match.start() if match else len(text)

    shown = without_helpers(answer.variables)  # the label service's helper variables left out
    order = sorted(shown, key=lambda i: first(answer.variables[i]))
    answer.variables = [answer.variables[i] for i in order]
    answer.rows = [tuple(row[i] for i in order) for row in answer.rows]


def _inline_data(answer: Answer) -> str:
    """SELECT results as a group with a VALUES block, every term checked before it becomes query
    text (``federation.values_block``: blank nodes become skolem IRIs)."""
    if answer.form != "SELECT":
        raise ValueError("the answer is not a SELECT result")
    if not answer.variables:
        return "{}" if answer.rows else "{ FILTER(false) }"
    return "{ " + federation.values_block(answer.variables, answer.rows) + " }"


def open_engine(dist: Path, store: StoreSpec | str | None = None, policy: Policy | None = None) -> Engine:
    """The engine over the build in ``dist`` (its Oxigraph store by default) or over ``store``."""
    spec = StoreSpec.parse(store) if isinstance(store, str) else (store or default_store(dist))
    return Engine(open_backend(spec, dist), policy)
