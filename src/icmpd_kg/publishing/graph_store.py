"""Publishing the built dataset to another SPARQL server, through the SPARQL 1.1 Graph Store HTTP
Protocol (Virtuoso, Fuseki, GraphDB, Oxigraph server, QLever, …): every named graph, and the
default graph, each replaced as a whole with ``PUT``.

Each graph is sent as Turtle (written as N-Triples, which every Turtle reader accepts). A graph is
replaced completely or not at all; when a ``PUT`` fails, publishing stops and says which graphs
were already replaced and which were not, so the command can simply be run again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from icmpd_kg.core import distfiles
from icmpd_kg.core.errors import IcmpdKgError, InputFileError

DEFAULT_GRAPH = ""  # the key of the default graph


class PublishError(IcmpdKgError):
    """The Graph Store refused a graph, or could not be reached."""


@dataclass(frozen=True)
class Auth:
    """How to authenticate: HTTP basic or digest (user and password), or a bearer token."""

    scheme: str = "none"  # none, basic, digest, bearer
    user: str | None = None
    password: str | None = None
    token: str | None = None

    def httpx_auth(self) -> Any:
        import httpx

        if self.scheme == "basic":
            return httpx.BasicAuth(self.user or "", self.password or "")
        if self.scheme == "digest":
            return httpx.DigestAuth(self.user or "", self.password or "")
        return None

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.scheme == "bearer" and self.token else {}


def graphs_of(dist: Path) -> dict[str, bytes]:
    """Graph IRI (``""`` for the default graph) -> its triples as N-Triples, in a stable order: the
    N-Quads dump, and the Wikidata-shaped view as its own graph."""
    import pyoxigraph as ox

    from icmpd_kg.core.namespaces import VIEW_GRAPH

    dump = Path(dist) / distfiles.QUAD_DUMP
    if not dump.is_file():
        raise InputFileError(dump, distfiles.NO_BUILD)
    lines: dict[str, list[str]] = {}
    for quad in ox.parse(path=str(dump), format=ox.RdfFormat.N_QUADS):
        name = "" if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name.value
        lines.setdefault(name, []).append(f"{quad.subject} {quad.predicate} {quad.object} .\n")
    view = Path(dist) / distfiles.VIEW_NAME
    if view.is_file():
        lines[str(VIEW_GRAPH)] = [
            f"{t.subject} {t.predicate} {t.object} .\n"
            for t in ox.parse(path=str(view), format=ox.RdfFormat.TURTLE)
        ]
    return {name: "".join(sorted(found)).encode("utf-8") for name, found in sorted(lines.items())}


def publish(
    dist: Path,
    store: str,
    auth: Auth = Auth(),
    timeout: float = 120.0,
    progress: Callable[[str], None] | None = None,
    default_graph: str | None = None,
) -> list[str]:
    """PUT every graph of the build in ``dist`` to the Graph Store at ``store``; returns the graphs.
    ``default_graph`` names the graph that receives the default graph's triples, for stores whose
    Graph Store endpoint has no default graph (Virtuoso's answers 500 to ``?default``)."""
    import httpx

    from icmpd_kg.sparql.query_text import USER_AGENT

    graphs = graphs_of(dist)
    done: list[str] = []
    headers = {"User-Agent": USER_AGENT, "Content-Type": "text/turtle; charset=utf-8", **auth.headers()}
    with httpx.Client(auth=auth.httpx_auth(), headers=headers, timeout=timeout) as client:
        for name, body in graphs.items():
            target = name or default_graph
            params = {"graph": target} if target else {"default": ""}
            shown = f"<{name}>" if name else "the default graph"
            try:
                response = client.put(store, params=params, content=body)
            except httpx.HTTPError as exc:
                raise PublishError(_stopped(store, shown, f"cannot reach it: {exc}", done, graphs)) from None
            if response.status_code not in (200, 201, 204):
                raise PublishError(
                    _stopped(
                        store, shown, f"HTTP {response.status_code}: {response.text[:300]}", done, graphs
                    )
                )
            done.append(name)
            if progress:
                progress(name)
    return done


def _stopped(store: str, shown: str, why: str, done: list[str], graphs: dict[str, bytes]) -> str:
    return (
        f"{store}: {shown} was not published ({why}); {len(done)} of {len(graphs)} graphs were "
        f"replaced before it, the other {len(graphs) - len(done)} are as they were"
    )
