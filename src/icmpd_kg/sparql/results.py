"""Answers: the engine's ``Answer`` (rows, a boolean or triples, capped), and the protocol's request
and response of a query. How an answer becomes bytes is ``sparql.writers``."""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, TypeVar

from rdflib import Variable

from icmpd_kg.core import settings
from icmpd_kg.core.terms import to_rdflib

T = TypeVar("T")


def capped(items: Iterable[T], limit: int) -> tuple[list[T], bool]:
    """The first ``limit`` items, and whether there were more (one more is read, never all): the
    row cap of every store."""
    taken = list(islice(items, limit + 1))
    return taken[:limit], len(taken) > limit


@dataclass
class Answer:
    """A materialised result: rows for SELECT, a boolean for ASK, triples for graphs. Its terms are
    rdflib's, or Oxigraph's where ``native`` (the workers' answers, written without conversion)."""

    form: str
    variables: list[str] = field(default_factory=list)
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[tuple[Any, Any, Any]] = field(default_factory=list)
    truncated: bool = False
    native: bool = False

    def in_rdflib(self) -> Answer:
        """This answer with rdflib's terms."""
        if not self.native:
            return self
        return Answer(
            self.form,
            self.variables,
            [tuple(map(to_rdflib, row)) for row in self.rows],
            self.boolean,
            [tuple(map(to_rdflib, triple)) for triple in self.triples],  # type: ignore[misc]
            self.truncated,
        )

    def dicts(self) -> list[dict[str, Any]]:
        """SELECT rows as {variable: term} (unbound variables left out)."""
        return [
            {v: t for v, t in zip(self.variables, row, strict=True) if t is not None} for row in self.rows
        ]

    def strings(self) -> list[dict[str, str]]:
        return [{k: str(v) for k, v in row.items()} for row in self.dicts()]


def answer_from_json(body: bytes, limit: int | None = None) -> Answer:
    """SPARQL 1.1 JSON results (SELECT or ASK) as an ``Answer``; rows past ``limit`` cut."""

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


@dataclass
class QueryRequest:
    query: str
    default_graph_uris: list[str] = field(default_factory=list)
    named_graph_uris: list[str] = field(default_factory=list)
    accept: str | None = None
    format: str | None = None


@dataclass
class QueryResponse:
    body: bytes
    media_type: str
    truncated: bool = False
    rows: int | None = None
