"""SERVICE as a bind join: the remote service is asked only about what the local data can join with.

SPARQL 1.1 Federated Query defines ``SERVICE <iri> { P }`` as the solutions of ``P`` at that
endpoint, joined with the rest of the query. Sending ``P`` on its own asks the remote service for
every solution it has: ``?item wdt:P571 ?inception`` is every item with an inception date, far
past what the Wikidata Query Service answers within its 60-second limit. A bind join (the way
federating engines evaluate SERVICE) first finds the values that the rest of the query can give
the variables the pattern shares with it, then sends the pattern with those values as inline data
(``VALUES``), in batches, and joins what comes back:

1. ``shared``: the variables of the pattern that also occur outside every SERVICE pattern;
2. ``candidate_query``: the query's WHERE clause with every SERVICE pattern taken out, and with the
   filters that read a variable only a SERVICE pattern binds taken out too (they could not be true
   without the service's answer), projected on the shared variables with DISTINCT. Taking patterns
   and filters out only loosens the query, so its answers include every value the full query can
   join on;
3. the variables some candidate leaves unbound are not sent (a row with UNDEF would ask for the
   unbound pattern again); if none is left, the pattern is sent as it is, as when nothing is shared;
4. ``bound_pattern``: the pattern with a ``VALUES`` block of one batch of candidates.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from rdflib import BNode, Literal, URIRef

from icmpd_kg.sparql.query_text import is_iri


def _variables(toks: Iterable[Any]) -> set[str]:
    return {t.value[1:] for t in toks if t.kind == "var"}


def _closing(toks: Sequence[Any], i: int, opening: str = "{", closing: str = "}") -> int:
    """Index of the token that closes the bracket at ``toks[i]`` (a group by default)."""
    depth = 0
    for k in range(i, len(toks)):
        if toks[k].value == opening:
            depth += 1
        elif toks[k].value == closing:
            depth -= 1
            if depth == 0:
                return k
    return len(toks) - 1


def where_span(toks: Sequence[Any]) -> tuple[int, int] | None:
    """Token indices of the braces of the query's (or update's) WHERE group, at the top level."""
    depth = 0
    first_group = None
    for i, t in enumerate(toks):
        if t.kind == "open":
            if depth == 0 and first_group is None:
                first_group = i
            depth += 1
        elif t.kind == "close":
            depth -= 1
        elif depth == 0 and t.kind == "word" and t.value.upper() == "WHERE":
            if i + 1 < len(toks) and toks[i + 1].kind == "open":
                return i + 1, _closing(toks, i + 1)
    if first_group is not None and not any(
        t.kind == "word" and t.value.upper() in ("CONSTRUCT", "INSERT", "DELETE") for t in toks
    ):
        return first_group, _closing(toks, first_group)
    return None


def _filter_end(toks: Sequence[Any], i: int) -> int:
    """Index of the last token of the FILTER at ``toks[i]``."""
    k = i + 1
    if k < len(toks) and toks[k].kind == "word" and toks[k].value.upper() == "NOT":
        k += 1
    if k < len(toks) and toks[k].kind == "word" and toks[k].value.upper() == "EXISTS":
        return _closing(toks, k + 1)
    if k < len(toks) and toks[k].value == "(":
        return _closing(toks, k, "(", ")")
    if k + 1 < len(toks) and toks[k + 1].value == "(":  # a function call: regex(...), ex:f(...)
        return _closing(toks, k + 1, "(", ")")
    return k


def _filters(toks: Sequence[Any], inside: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """(first, last) token indices of every FILTER outside the SERVICE patterns."""
    out = []
    i = 0
    while i < len(toks):
        t = toks[i]
        if t.kind == "word" and t.value.upper() == "FILTER" and not any(a <= t.start < b for a, b in inside):
            end = _filter_end(toks, i)
            out.append((i, end))
            i = end
        i += 1
    return out


def _bound_outside(toks: Sequence[Any], parts: Sequence[Any]) -> set[str]:
    """Variables that occur outside every SERVICE pattern and outside every FILTER: the ones the
    rest of the query can bind."""
    inside = [(p.start, p.end) for p in parts]
    filtered = {k for first, last in _filters(toks, inside) for k in range(first, last + 1)}
    return _variables(
        t for k, t in enumerate(toks) if k not in filtered and not any(a <= t.start < b for a, b in inside)
    )


def shared(toks: Sequence[Any], part: Any, parts: Sequence[Any]) -> list[str]:
    """The variables of ``part``'s pattern that the rest of the query can bind, in order."""
    outside = _bound_outside(toks, parts)
    mine = [t.value[1:] for t in toks if t.kind == "var" and part.start <= t.start < part.end]
    return [v for v in dict.fromkeys(mine) if v in outside]


def candidate_query(
    text: str, toks: Sequence[Any], prologue: str, parts: Sequence[Any], variables: list[str]
):
    """``SELECT DISTINCT`` of ``variables`` over the WHERE clause without SERVICE patterns and
    without the filters that read a variable only SERVICE patterns bind; None if there is no
    WHERE clause to read."""
    span = where_span(toks)
    if span is None:
        return None
    inside = [(p.start, p.end) for p in parts]
    service_only = _variables(t for t in toks if any(a <= t.start < b for a, b in inside)) - _bound_outside(
        toks, parts
    )
    cuts: list[tuple[int, int]] = [(p.start, p.end) for p in parts]
    for first, last in _filters(toks, inside):
        if span[0] < first < span[1] and _variables(toks[first : last + 1]) & service_only:
            cuts.append((toks[first].start, toks[last].end))
    body = text[toks[span[0]].start : toks[span[1]].end]
    offset = toks[span[0]].start
    for start, end in sorted(cuts, reverse=True):
        body = body[: start - offset] + "{}" + body[end - offset :]
    projection = " ".join("?" + v for v in variables)
    return f"{prologue}\nSELECT DISTINCT {projection} WHERE {body}"


_LANGUAGE = re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*")
_VARIABLE = re.compile(r"[^\W]\w*")


class InvalidTerm(ValueError):
    """A term that cannot be written into a query as it is (an answer must never become query text)."""


def variable(name: str) -> str:
    """``?name``, for a variable name that is one by SPARQL's grammar."""
    if not _VARIABLE.fullmatch(name):
        raise InvalidTerm(f"{name!r} is not a variable name")
    return "?" + name


def as_sparql(value: Any) -> str:
    """An RDF term as SPARQL text, checked strictly: an IRI (a datatype's too) must be an absolute
    IRI with none of the characters SPARQL's IRIREF excludes, a language tag must be BCP 47-shaped,
    a blank node becomes a skolem IRI; a literal's lexical form is escaped by rdflib."""
    if value is None:
        return "UNDEF"
    if isinstance(value, BNode):
        value = URIRef(value.skolemize())
    if isinstance(value, URIRef):
        if not is_iri(str(value)):
            raise InvalidTerm(f"not an absolute IRI: {str(value)[:80]!r}")
        return value.n3()
    if isinstance(value, Literal):
        if value.language is not None and not _LANGUAGE.fullmatch(value.language):
            raise InvalidTerm(f"not a language tag: {value.language[:40]!r}")
        if value.datatype is not None and not is_iri(str(value.datatype)):
            raise InvalidTerm(f"not a datatype IRI: {str(value.datatype)[:80]!r}")
        return value.n3()
    raise InvalidTerm(f"not an RDF term: {type(value).__name__}")


def values_block(variables: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """``VALUES (?a ?b) { (…) … }`` with every name and term checked (``as_sparql``)."""
    head = " ".join(variable(v) for v in variables)
    body = " ".join("(" + " ".join(as_sparql(t) for t in row) + ")" for row in rows)
    return "VALUES (" + head + ") { " + body + " }"


def bound_pattern(body: str, variables: list[str], rows: Sequence[Sequence[Any]]) -> str:
    """The group ``body`` (braces included) with a VALUES block of ``rows`` for ``variables``."""
    return "{ " + values_block(variables, rows) + " " + body.strip()[1:]


def batches(rows: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [rows[i : i + size] for i in range(0, len(rows), size)]


def joined(toks: Sequence[Any], part: Any) -> bool:
    """Whether the SERVICE pattern is joined with what surrounds it (so the surroundings may bind
    its variables): not inside a UNION branch, a MINUS, an EXISTS or a sub-query."""
    opens: list[int] = []
    for i, t in enumerate(toks):
        if t.start >= part.start:
            break
        if t.kind == "open":
            opens.append(i)
        elif t.kind == "close" and opens:
            opens.pop()
    for i in opens:
        before = toks[i - 1].value.upper() if i > 0 and toks[i - 1].kind == "word" else ""
        inner = toks[i + 1].value.upper() if i + 1 < len(toks) and toks[i + 1].kind == "word" else ""
        end = _closing(toks, i)
        after = toks[end + 1].value.upper() if end + 1 < len(toks) and toks[end + 1].kind == "word" else ""
        if before in ("UNION", "MINUS", "EXISTS") or after == "UNION" or inner == "SELECT":
            return False
    return True
