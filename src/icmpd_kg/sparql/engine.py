"""One engine for every SPARQL query of the project: the command line, the server's query workers
and the Linked Data pages all run SPARQL through ``Engine``.

The engine reads one of three stores (``StoreSpec``):

- ``oxigraph:DIR`` – an on-disk Oxigraph store, queried by Oxigraph's native engine (the default
  when the build wrote one, ``dist/oxigraph``); opened read-only, so any number of processes share it;
- ``memory`` – the built N-Quads loaded into an rdflib ``Dataset``, evaluated by rdflib (the
  project's extension functions registered with it);
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
from collections.abc import Iterable
from pathlib import Path

from rdflib import Dataset

from icmpd_kg.core.errors import ProtocolError
from icmpd_kg.sparql.backends import (
    Backend,
    OxigraphBackend,
    RdflibBackend,
    RemoteBackend,
    open_backend,
    oxigraph_functions,
)
from icmpd_kg.sparql.label_service import without_helpers
from icmpd_kg.sparql.negotiation import choose_format
from icmpd_kg.sparql.query_text import (
    MAX_NESTING,
    USER_AGENT,
    Policy,
    Prepared,
    Scan,
    check_nesting,
    is_iri,
    prepare,
    scan,
    tokens,
)
from icmpd_kg.sparql.results import Answer, QueryRequest, QueryResponse, answer_from_json
from icmpd_kg.sparql.services import Services
from icmpd_kg.sparql.writers import write_answer
from icmpd_kg.store.spec import StoreSpec, default_store

__all__ = [  # the engine's public names, wherever they live
    "MAX_NESTING",
    "USER_AGENT",
    "Answer",
    "Backend",
    "Engine",
    "OxigraphBackend",
    "Policy",
    "Prepared",
    "RdflibBackend",
    "RemoteBackend",
    "Scan",
    "StoreSpec",
    "answer_from_json",
    "check_nesting",
    "default_store",
    "open_backend",
    "open_engine",
    "oxigraph_functions",
    "prepare",
    "scan",
    "tokens",
]


class Engine:
    def __init__(self, backend: Backend, policy: Policy | None = None):
        self.backend = backend
        self.policy = policy or Policy()
        self.services = Services(backend, self.policy)

    @classmethod
    def for_dataset(cls, data: Dataset, policy: Policy | None = None) -> Engine:
        return cls(RdflibBackend(data), policy)

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
        self,
        prepared: Prepared,
        default_graphs: list[str],
        named_graphs: list[str],
        deadline: float | None,
        native: bool = False,
    ) -> Answer:
        deadline = deadline if deadline is not None else time.monotonic() + 3600
        for uri in default_graphs + named_graphs:
            if not is_iri(uri):
                raise ProtocolError(
                    400,
                    f"a graph must be named by an absolute IRI, not {uri!r} "
                    "(default-graph-uri, named-graph-uri)",
                )
        final = self.services.without_services(prepared, deadline, default_graphs, named_graphs)
        answer = self.backend.evaluate(
            final,
            prepared.scan,
            default_graphs,
            named_graphs,
            self.policy.max_rows,
            deadline,
            self.policy.base_iri,
            native,
        )
        if answer.form == "SELECT" and prepared.scan.select_star:
            _in_order_of_appearance(answer, final)
        return answer

    def respond(self, request: QueryRequest, deadline: float | None = None) -> QueryResponse:
        """A protocol request answered as bytes of the negotiated format."""
        prepared = prepare(request.query, self.policy.service_allowlist)
        media = choose_format(prepared.scan.form or "SELECT", request.accept, request.format)
        answer = self._evaluate(  # in the store's own terms where it has them: written as they are
            prepared, list(request.default_graph_uris), list(request.named_graph_uris), deadline, native=True
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
        self.backend.update(self.services.without_services(prepared, deadline), self.policy.base_iri)

    def close(self) -> None:
        self.services.close()
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


def open_engine(dist: Path, store: StoreSpec | str | None = None, policy: Policy | None = None) -> Engine:
    """The engine over the build in ``dist`` (its Oxigraph store by default) or over ``store``."""
    spec = StoreSpec.parse(store) if isinstance(store, str) else (store or default_store(dist))
    return Engine(open_backend(spec, dist), policy)
