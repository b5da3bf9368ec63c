"""Reading a query's text before anything evaluates it: just enough of SPARQL's lexical grammar
to find SERVICE, FROM, the label service and the query's form (``scan``), the policy a query is held
to (``Policy``), and ``prepare``, which checks a text against the policy once per text (an LRU cache).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple
from urllib.parse import urljoin

from rdflib.plugins.sparql.parser import expandUnicodeEscapes

from icmpd_kg import __version__
from icmpd_kg.core.errors import ProtocolError
from icmpd_kg.core.namespaces import IKGFN, IS_SOME_VALUE, QUERY_PREFIXES, WDQS_PREFIXES
from icmpd_kg.sparql.label_service import (
    WIKIBASE_LABEL,
    WIKIBASE_LANGUAGE,
    LabelServiceError,
    automatic_bindings,
    languages_of,
    manual_bindings,
    patterns,
)

USER_AGENT = (
    f"icmpd-kg/{__version__} (https://w3id.org/icmpd-kg/; SPARQL endpoint of a knowledge graph "
    "about ICMPD; federated SERVICE call) httpx"
)
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
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


# An absolute IRI as SPARQL's IRIREF allows it: none of <>"{}|^`\ and no control character or space;
# nor U+FFFD, which only stands for bytes that were not UTF-8.
_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^<>\"{}|^`\\\x00-\x20\x7f\ufffd\ud800-\udfff]*")


def is_iri(text: str) -> bool:
    """Whether ``text`` can stand between ``<`` and ``>`` in a query as an absolute IRI."""
    return _IRI.fullmatch(text) is not None


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
| (?P<bnode>_:[\w\-.]*\w|_:\w)
| (?P<pname>(?:[^\W\d_][\w\-.]*)?:(?:[\w\-:%]|\\.|\.(?=[\w\-:%\\]))*)
| (?P<word>[^\W\d][\w\-]*)
| (?P<open>\{)
| (?P<close>\})
| (?P<other>.)
''',
    re.VERBOSE | re.DOTALL,
)


class Token(NamedTuple):  # a tuple: made for every token of every new query text
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
    # the project's prefixes the text uses without declaring them: what a store is given (each
    # prefix handed to Oxigraph costs time, and a lookup query uses one or two of the 80)
    predeclared: dict[str, str] = field(default_factory=dict)
    calls_functions: bool = False  # names a function of the project's namespace (ikgfn:)
    uses_graph: bool = True  # has the keyword GRAPH (reads named graphs)
    select_star: bool = False  # SELECT * (its columns go in the order the query names them)


def computed_variables(toks: Iterable[Token]) -> frozenset[str]:
    """Variables whose values the query makes rather than matches in the data: those after ``AS``
    (SELECT expressions, aggregates, BIND, GROUP BY) and those of ``VALUES`` blocks."""
    return assigned_variables(toks)


def assigned_variables(
    toks: Iterable[Token], accept_as: Callable[[int], bool] | None = None
) -> frozenset[str]:
    """The variables after ``AS`` (those whose ``AS`` token, at its index, ``accept_as`` accepts: all by
    default) and those of ``VALUES`` blocks."""
    toks = list(toks)
    names: set[str] = set()
    for i, token in enumerate(toks):
        word = token.value.upper() if token.kind == "word" else ""
        if word == "AS" and i + 1 < len(toks) and toks[i + 1].kind == "var":
            if accept_as is None or accept_as(i):
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
        *_names_used(toks, prefixes, base, prologue_end),
        any(t.kind == "word" and t.value.upper() == "GRAPH" for t in toks),
        _SELECT_STAR.search(text) is not None,
    )


_SELECT_STAR = re.compile(r"\bSELECT\s+(DISTINCT\s+|REDUCED\s+)?\*", re.IGNORECASE)


def _names_used(
    toks: list[Token], prefixes: dict[str, str], base: str | None, prologue_end: int
) -> tuple[dict[str, str], bool]:
    """The predeclared prefixes the text uses and does not declare (in its prologue, which ends at
    ``prologue_end``), and whether it names one of the project's functions."""
    declared = {t.value[:-1] for t in toks if t.kind == "pname" and t.end <= prologue_end}
    used = {t.value.split(":", 1)[0] for t in toks if t.kind == "pname"}
    predeclared = {p: QUERY_PREFIXES[p] for p in sorted(used - declared) if p in QUERY_PREFIXES}
    functions, others = str(IKGFN), (str(IS_SOME_VALUE),)
    calls = False
    for t in toks:
        if t.kind in ("iri", "pname"):
            try:
                named = _resolve(t, prefixes, base) or ""
            except ProtocolError:  # an undeclared prefix: the parser says so
                continue
            if named.startswith(functions) or named in others:
                calls = True
                break
    return predeclared, calls


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


def _label_patterns_place(toks: tuple[Token, ...], part: ServicePart, targets: set[str], end: int) -> int:
    """Where a label service's patterns go: at the end of its group, as WDQS evaluates the service
    after the group's other patterns; but before the first BIND after it, in the same group, that
    reads one of the labels (WDQS's way of using a label in a function)."""
    depth = 0
    following = [t for t in toks if t.start >= part.end]
    for i, token in enumerate(following):
        if token.kind == "open":
            depth += 1
        elif token.kind == "close":
            if depth == 0:
                return token.start
            depth -= 1
        elif depth == 0 and token.kind == "word" and token.value.upper() == "BIND":
            level = 0
            for inner in following[i + 1 :]:
                level += inner.value == "("
                level -= inner.value == ")"
                if inner.kind == "var" and inner.value[1:] in targets:
                    return token.start
                if level == 0:
                    break
    return end


def _rewrite_label_services(text: str, scanned: Scan, parts: list[ServicePart]) -> str:
    """Each ``SERVICE wikibase:label`` replaced by its patterns at the end of its group
    (``icmpd_kg.sparql.label_service``)."""
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
        close = _label_patterns_place(toks, part, {b.target for b in chosen}, len(text))
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


# --- the quick read: a scan without tokens, for the texts that provably need none ----------------------
#
# Most queries are a prologue of PREFIX lines, a form and one pattern of plain terms: no SERVICE, FROM,
# LOAD, GRAPH, BASE, query hints, typed-literal constants (^^), escapes, AS or VALUES, and fewer
# brackets than the nesting limit. For such a text, checks of the ``str.count`` class prove what the
# full read would find (no services, no dataset clause, nothing computed, nothing nested too deep),
# and two regular expressions, run at C speed, read its prologue and form. Every other text takes the
# full read (``scan``). tests/test_quick_scan.py holds the two equal on every query the project has.

# Keywords are ASCII, matched without case: any of these in the text's upper case (the keyword or not:
# in a name, a string or a comment alike) leaves the text to the full read.
_QUICK_REFUSE = ("SERVICE", "FROM", "LOAD", "GRAPH", "BASE", "HINT", "VALUES", "^", "\\")
# AS where a word could end with it (not ASK, CLASS), whatever stands before it (1AS as much as HAS):
# every two letters that the full read's upper case makes AS (a and s, or the long s)
_QUICK_AS = re.compile("[aA][sS\u017f](?![\\w\\-])")
_QUICK_PROLOGUE = re.compile(
    r"\s*(?:(?ai:PREFIX)\s+((?:[^\W\d_][\w\-.]*)?):\s*<([^<>\"{}|^`\\\x00-\x20]*)>\s*)"
)
# the form's keyword, and not the start of a longer word or of a prefixed name (SELECT.ex:a is one)
_QUICK_FORM = re.compile(r"\s*((?ai:" + "|".join(QUERY_FORMS) + r"))(?![\w\-.:])")


def _names_before_colons(text: str, start: int, longest: int) -> set[str]:
    """Every name of at most ``longest`` characters that may stand as a prefix before a colon: the
    run of name characters before each colon, each of its tails after a dot, a hyphen or a digit
    (where the tokenizer may have ended a variable, a number or another token: ``?o.rdfs:x`` uses
    ``rdfs``), and the empty prefix. More than the text uses is harmless where this is used; the
    work is bounded by the text's length times ``longest``."""
    names = {""}
    at = text.find(":", start)
    while at != -1:
        begin = at
        while (
            begin > start
            and at - begin <= longest
            and (text[begin - 1].isalnum() or text[begin - 1] in "_-.")
        ):
            begin -= 1
        run = text[begin:at]
        if len(run) <= longest:
            names.add(run)
        names.update(run[i + 1 :] for i, c in enumerate(run) if c in ".-" or c.isdigit())
        at = text.find(":", at + 1)
    return names


QUICK_LONGEST = 4096  # a longer text takes the full read, in a worker: the front reads only short ones


def _quick_form(text: str) -> tuple[re.Match[str], dict[str, str], int] | None:
    """The form keyword, the declared prefixes and where the prologue's last match ends, where the
    quick read proves enough (see above); None where it may not."""
    if len(text) > QUICK_LONGEST:
        return None
    upper = text.upper()
    if any(word in upper for word in _QUICK_REFUSE) or _QUICK_AS.search(text) is not None:
        return None
    if text.count("{") + text.count("(") + text.count("[") > MAX_NESTING:
        return None
    if text.count("!") + text.count("-") + text.count("+") > MAX_NESTING:
        return None
    declared: dict[str, str] = {}
    end = 0
    while (m := _QUICK_PROLOGUE.match(text, end)) is not None:
        declared[m.group(1)] = m.group(2)
        end = m.end()
    form = _QUICK_FORM.match(text, end)
    return None if form is None else (form, declared, end)


def quick_form(text: str) -> str | None:
    """The query's form (SELECT, ASK, CONSTRUCT, DESCRIBE) where the quick read proves it, and that
    nothing in the text is refused by the policy before the form is; else None."""
    found = _quick_form(text)
    return None if found is None else found[0].group(1).upper()


def quick_scan(text: str) -> Scan | None:
    """The scan of ``text`` without tokenising it, where the text provably needs no more (see above);
    None where it may, and the full read decides."""
    found = _quick_form(text)
    if found is None:
        return None
    form, declared, end = found
    prologue_end = text.rindex(">", 0, end) + 1 if declared else 0
    prefixes = {**QUERY_PREFIXES, **declared}
    used = _names_before_colons(text, end, max(map(len, prefixes)))
    predeclared = {p: QUERY_PREFIXES[p] for p in sorted(used - declared.keys()) if p in QUERY_PREFIXES}
    functions, some_value = str(IKGFN), str(IS_SOME_VALUE)
    calls = functions in text or some_value in text
    for name in used:  # a prefix through which the text may name a function (namespace + local name)
        namespace = prefixes.get(name)
        if namespace is not None and (
            functions.startswith(namespace)
            or namespace.startswith(functions)
            or some_value.startswith(namespace)
        ):
            calls = True
            break
    return Scan(
        form=form.group(1).upper(),
        prologue=text[:prologue_end],
        prefixes=prefixes,
        base=None,
        services=(),
        nested_service=False,
        has_dataset_clause=False,
        has_load=False,
        predeclared=predeclared,
        calls_functions=calls,
        uses_graph=False,
        select_star="*" in text and _SELECT_STAR.search(text) is not None,
    )


@lru_cache(maxsize=512)
def prepare(text: str, allowlist: tuple[str, ...], update: bool = False) -> Prepared:
    """``text`` read and checked against the policy: by the quick read where it proves enough, else
    by the full read (``prepare_fully``)."""
    quick = None if update else quick_scan(text)
    if quick is not None:
        return Prepared(text, quick, ())
    return prepare_fully(text, allowlist, update)


def prepare_fully(text: str, allowlist: tuple[str, ...], update: bool = False) -> Prepared:
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
        # the keyword, not the word in an IRI, a string or a comment (sd:'s namespace has it)
        and any(t.kind == "word" and t.value.upper() == "SERVICE" for t in scanned.tokens)
        and _rdflib_has_service(text, update)
    ):
        raise ProtocolError(
            400, "the query's SERVICE pattern could not be isolated; write it as SERVICE <endpoint> { ... }"
        )
    return Prepared(text, scanned, tuple(calls))


def without_comments(text: str) -> str:
    """``text`` with each comment replaced by a space (strings and IRIs that hold a '#' kept)."""
    return "".join(" " if m.lastgroup == "comment" else m.group() for m in _TOKEN.finditer(text))


def service_prologue(scanned: Scan, body: str) -> str:
    """The PREFIX lines a SERVICE pattern sent to Wikidata needs: only the prefixes ``body`` uses,
    each as the query declares it or, for one it does not declare, as the Wikidata Query Service
    predeclares it (``schema:`` is http://schema.org/ there), else the project's; a BASE only when
    the query has one that is no local file."""
    own = {t.value[:-1]: _resolve(t2, {}, None) for t, t2 in _declarations(scanned.prologue)}
    used = dict.fromkeys(t.value.split(":", 1)[0] for t in tokens(body) if t.kind == "pname")
    lines = []
    if scanned.base is not None and not scanned.base.lower().startswith("file:") and is_iri(scanned.base):
        lines.append(f"BASE <{scanned.base}>")
    for prefix in used:
        namespace = own.get(prefix) or WDQS_PREFIXES.get(prefix) or QUERY_PREFIXES.get(prefix)
        if namespace is not None:
            lines.append(f"PREFIX {prefix}: <{namespace}>")
    return "".join(line + "\n" for line in lines)


def _declarations(prologue: str) -> list[tuple[Token, Token]]:
    toks = tokens(prologue)
    return [
        (toks[i + 1], toks[i + 2])
        for i in range(len(toks) - 2)
        if toks[i].kind == "word" and toks[i].value.upper() == "PREFIX" and toks[i + 1].kind == "pname"
    ]


def prefix_lines(scanned: Scan, base: str | None = None) -> str:
    """PREFIX declarations for every project prefix the query does not declare itself, then its own;
    first ``BASE <base>`` when the query has no BASE of its own."""
    own = {t.value[:-1] for t in tokens(scanned.prologue) if t.kind == "pname"}
    lines = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in QUERY_PREFIXES.items() if p not in own)
    if base is not None and scanned.base is None and is_iri(base):
        lines = f"BASE <{base}>\n" + lines
    return lines + scanned.prologue + "\n"
