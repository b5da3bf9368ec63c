"""A stand-in SPARQL endpoint on 127.0.0.1 (real HTTP) that records what it is asked, for tests of
SERVICE calls. It answers from a small rdflib graph, or as told: an error status, a huge body, a delay."""

from __future__ import annotations

import re
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from rdflib import Graph

# Inception dates in Wikidata's shape for the federated example (test data, not Wikidata's).
INCEPTIONS = """
@prefix wd: <http://www.wikidata.org/entity/> . @prefix wdt: <http://www.wikidata.org/prop/direct/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
wd:Q43 wdt:P571 "1923-10-29T00:00:00Z"^^xsd:dateTime .
wd:Q40 wdt:P571 "1918-11-12T00:00:00Z"^^xsd:dateTime .
wd:Q39 wdt:P571 "1848-09-12T00:00:00Z"^^xsd:dateTime .
wd:Q1 wdt:P571 "2000-01-01T00:00:00Z"^^xsd:dateTime .
"""


# Prefixes the Wikidata Query Service predeclares (its user manual, "Prefixes"; a few of them): a
# query that declares one of them with another IRI means something else there than it seems to.
WDQS_PREFIXES = {
    "wd": "http://www.wikidata.org/entity/",
    "wdt": "http://www.wikidata.org/prop/direct/",
    "p": "http://www.wikidata.org/prop/",
    "ps": "http://www.wikidata.org/prop/statement/",
    "pq": "http://www.wikidata.org/prop/qualifier/",
    "schema": "http://schema.org/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "wikibase": "http://wikiba.se/ontology#",
}
_DECLARATION = re.compile(r"PREFIX\s+([\w-]*):\s*<([^>]*)>", re.IGNORECASE)


def redefined_prefixes(query: str) -> list[str]:
    """The WDQS prefixes ``query`` declares with an IRI other than WDQS's."""
    return [p for p, iri in _DECLARATION.findall(query) if p in WDQS_PREFIXES and WDQS_PREFIXES[p] != iri]


@dataclass
class Call:
    method: str
    path: str
    headers: dict[str, str]
    query: str


@dataclass
class StandIn:
    url: str
    calls: list[Call] = field(default_factory=list)
    status: int = 200
    pad_bytes: int = 0  # white space added to the answer, to test size caps
    delay: float = 0.0
    refused: list[str] = field(default_factory=list)  # queries refused as the real service would


def open_ended(query: str) -> bool:
    """Whether ``query`` asks for every match of a pattern: no VALUES block, and some triple pattern
    with a variable both as subject and as object (``?item wdt:P571 ?inception``). On the Wikidata
    Query Service such a query runs past its 60-second limit and fails."""
    from rdflib.plugins.sparql.algebra import translateQuery, traverse
    from rdflib.plugins.sparql.parser import parseQuery
    from rdflib.plugins.sparql.parserutils import CompValue
    from rdflib.term import Variable

    found = {"values": False, "open": False}

    def visit(node):
        if isinstance(node, CompValue) and node.name == "values":
            found["values"] = True
        if isinstance(node, CompValue) and node.name == "BGP":
            for s, _, o in node.triples:
                if isinstance(s, Variable) and isinstance(o, Variable):
                    found["open"] = True

    traverse(translateQuery(parseQuery(query)).algebra, visitPost=visit)
    return found["open"] and not found["values"]


class _QueryHandler(BaseHTTPRequestHandler):
    """Reads the query of a SPARQL Protocol GET or form POST and hands it to ``_answer``."""

    def log_message(self, *args):
        pass

    def _answer(self, query: str) -> None:
        raise NotImplementedError

    def _send(
        self, status: int, body: bytes = b"", media_type: str = "application/sparql-results+json"
    ) -> None:
        self.send_response(status)
        if body:
            self.send_header("Content-Type", media_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self._answer(parse_qs(urlsplit(self.path).query).get("query", [""])[0])

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        self._answer(parse_qs(self.rfile.read(length).decode("utf-8")).get("query", [""])[0])


@contextmanager
def serve(handler: type[BaseHTTPRequestHandler]):
    """``handler`` on 127.0.0.1 and a free port, in a thread; yields its base URL; always shut down."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def stand_in_endpoint(data: str = "", path: str = "/sparql", wdqs_limits: bool = False):
    """Yields a ``StandIn`` whose ``url`` answers SPARQL over the Turtle ``data``. With
    ``wdqs_limits`` it behaves as the Wikidata Query Service does under its limits: a request
    without a User-Agent is refused (403, its User-Agent policy) and an open-ended pattern fails as
    a query past its timeout does (500 with a TimeoutException), instead of being answered."""
    graph = Graph().parse(data=data, format="turtle") if data else Graph()
    state = StandIn(url="")

    class Handler(_QueryHandler):
        def _answer(self, query: str) -> None:
            state.calls.append(Call(self.command, self.path, dict(self.headers), query))
            if state.delay:
                time.sleep(state.delay)
            if state.status != 200:
                self._send(state.status)
            elif wdqs_limits and not self.headers.get("User-Agent"):
                self._send(403, b"Please set a user-agent and respect our robot policy", "text/plain")
            elif wdqs_limits and redefined_prefixes(query):
                state.refused.append(query)
                message = f"prefix redefined: {', '.join(redefined_prefixes(query))}"
                self._send(400, message.encode("utf-8"), "text/plain")
            elif wdqs_limits and open_ended(query):
                state.refused.append(query)
                self._send(500, b"java.util.concurrent.TimeoutException", "text/plain")
            else:
                try:
                    body = graph.query(query).serialize(format="json") + b" " * state.pad_bytes
                except Exception as exc:  # noqa: BLE001 - a query the stand-in cannot answer: 400
                    self._send(400, str(exc).encode("utf-8"), "text/plain")
                    return
                self._send(200, body)

    with serve(Handler) as base:
        state.url = base + path
        yield state


@contextmanager
def fixed_endpoint(body: bytes, media_type: str = "application/sparql-results+json"):
    """An endpoint on 127.0.0.1 that answers every GET and POST with ``body``; yields (url, the
    queries it was sent)."""
    seen: list[str] = []

    class Fixed(_QueryHandler):
        def _answer(self, query: str) -> None:
            seen.append(query)
            self._send(200, body, media_type)

    with serve(Fixed) as base:
        yield base + "/sparql", seen
