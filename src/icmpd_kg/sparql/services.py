"""SPARQL 1.1 Federated Query, as the engine does it: each allowlisted ``SERVICE`` pattern is asked
by the engine itself (its own HTTP client, a deadline inside the query's budget, a cap on the answer),
bound to the values the rest of the query can join it with (``icmpd_kg.sparql.federation``), and its answer
put into the query as inline data (``VALUES``)."""

from __future__ import annotations

import time
from typing import Any

from rdflib.query import ResultException

from icmpd_kg.core.errors import ProtocolError
from icmpd_kg.sparql import federation
from icmpd_kg.sparql.backends import Backend
from icmpd_kg.sparql.query_text import (
    Policy,
    Prepared,
    ServicePart,
    scan,
    service_prologue,
    substitute,
    without_comments,
)
from icmpd_kg.sparql.results import Answer, answer_from_json


class Services:
    """The SERVICE calls of one engine: its store (for the values to bind) and its policy."""

    def __init__(self, backend: Backend, policy: Policy):
        self.backend = backend
        self.policy = policy
        self._http: Any = None

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
        inline data: a bind join (``icmpd_kg.sparql.federation``) sends the pattern with the values the rest
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
        body = without_comments(body)
        query = service_prologue(prepared.scan, body) + "SELECT * WHERE " + body
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

    def without_services(
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

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None


def _inline_data(answer: Answer) -> str:
    """SELECT results as a group with a VALUES block, every term checked before it becomes query
    text (``federation.values_block``: blank nodes become skolem IRIs)."""
    if answer.form != "SELECT":
        raise ValueError("the answer is not a SELECT result")
    if not answer.variables:
        return "{}" if answer.rows else "{ FILTER(false) }"
    return "{ " + federation.values_block(answer.variables, answer.rows) + " }"
