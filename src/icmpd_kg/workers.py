"""Query workers: separate processes, so a slow query never holds the event loop or other
requests, and a timed-out query is really stopped (its process is killed and replaced).

rdflib's engine is not thread-safe and cannot be interrupted inside a thread; a process can.
Each worker loads the built dataset once and answers one query at a time over a pipe.
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
from dataclasses import dataclass
from pathlib import Path

from icmpd_kg.sparql import ProtocolError, QueryRequest, QueryResponse

_CTX = mp.get_context("spawn")


@dataclass
class UpdateRequest:
    update: str


def _serve(conn, dist: str, allowlist: tuple[str, ...], max_rows: int, updates: list[str]) -> None:  # child
    import warnings

    import rdflib
    from rdflib import ConjunctiveGraph
    from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

    from icmpd_kg.query import load_built
    from icmpd_kg.sparql import execute

    rdflib.NORMALIZE_LITERALS = False  # serve the data's lexical forms as written
    data = load_built(Path(dist))
    def apply(update) -> None:
        # rdflib 7's Dataset.update fails on INSERT DATA (it adds triples where it expects quads);
        # a ConjunctiveGraph over the same store, its default context being the dataset's default
        # graph, runs updates correctly, GRAPH clauses included.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            view = ConjunctiveGraph(store=data.store, identifier=DATASET_DEFAULT_GRAPH_ID)
        view.update(update)

    for text in updates:  # replay what earlier workers accepted, so every worker holds the same data
        apply(text)
    conn.send(("ready", None))
    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        try:
            if isinstance(request, UpdateRequest):
                from icmpd_kg.sparql import parse_update

                apply(parse_update(request.update))
                conn.send(("ok", None))
                continue
            conn.send(("ok", execute(data, request, allowlist, max_rows)))
        except ProtocolError as exc:
            conn.send(("error", (exc.status, exc.message)))
        except Exception as exc:  # noqa: BLE001 - answer, never die silently
            conn.send(("error", (500, f"internal error: {exc}")))


@dataclass
class _Worker:
    process: mp.Process
    conn: object


class QueryTimeout(Exception):
    pass


class WorkerPool:
    def __init__(self, dist: Path, allowlist: tuple[str, ...], max_rows: int, size: int = 2):
        self.dist, self.allowlist, self.max_rows, self.size = str(dist), allowlist, max_rows, size
        self._idle: asyncio.Queue[_Worker] | None = None
        self._all: list[_Worker] = []
        self._updates: list[str] = []

    def _spawn(self) -> _Worker:
        parent, child = _CTX.Pipe()
        process = _CTX.Process(target=_serve, args=(child, self.dist, self.allowlist, self.max_rows, list(self._updates)),
                              daemon=True)
        process.start()
        child.close()
        status, _ = parent.recv()  # wait until the dataset is loaded
        assert status == "ready"
        worker = _Worker(process, parent)
        self._all.append(worker)
        return worker

    async def start(self) -> None:
        self._idle = asyncio.Queue()
        for _ in range(self.size):
            self._idle.put_nowait(await asyncio.to_thread(self._spawn))

    def stop(self) -> None:
        for worker in self._all:
            if worker.process.is_alive():
                worker.process.kill()
            worker.process.join(timeout=5)
        self._all.clear()

    def _retire(self, worker: _Worker) -> None:
        worker.process.kill()
        worker.process.join(timeout=5)
        if worker in self._all:
            self._all.remove(worker)

    def _ask(self, worker: _Worker, request: QueryRequest, timeout: float):
        worker.conn.send(request)
        if not worker.conn.poll(timeout):
            raise QueryTimeout()
        return worker.conn.recv()

    async def update(self, text: str, timeout: float) -> None:
        """Apply a SPARQL Update to every worker's copy (all of them, so reads stay consistent)."""
        assert self._idle is not None, "start() the pool first"
        held = [await self._idle.get() for _ in range(self.size)]
        failure: Exception | None = None
        try:
            for worker in held:
                try:
                    status, payload = await asyncio.to_thread(self._ask, worker, UpdateRequest(text), timeout)
                except (QueryTimeout, EOFError, OSError):
                    failure = QueryTimeout()
                    break
                if status == "error":
                    failure = ProtocolError(*payload)
                    break
            if failure is None:
                self._updates.append(text)
            else:  # some copies may hold a partial change: replace them all from the accepted log
                for worker in held:
                    self._retire(worker)
                held = [await asyncio.to_thread(self._spawn) for _ in range(self.size)]
        finally:
            for worker in held:
                self._idle.put_nowait(worker)
        if failure is not None:
            raise failure

    async def run(self, request: QueryRequest, timeout: float) -> QueryResponse:
        assert self._idle is not None, "start() the pool first"
        worker = await self._idle.get()
        try:
            status, payload = await asyncio.to_thread(self._ask, worker, request, timeout)
        except (QueryTimeout, EOFError, OSError, BrokenPipeError):
            self._retire(worker)
            self._idle.put_nowait(await asyncio.to_thread(self._spawn))
            raise QueryTimeout() from None
        self._idle.put_nowait(worker)
        if status == "error":
            raise ProtocolError(*payload)
        return payload
