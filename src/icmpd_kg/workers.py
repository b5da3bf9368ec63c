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


def _serve(conn, dist: str, allowlist: tuple[str, ...], max_rows: int) -> None:  # runs in the child
    import rdflib

    from icmpd_kg.query import load_built
    from icmpd_kg.sparql import execute

    rdflib.NORMALIZE_LITERALS = False  # serve the data's lexical forms as written
    data = load_built(Path(dist))
    conn.send(("ready", None))
    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        try:
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

    def _spawn(self) -> _Worker:
        parent, child = _CTX.Pipe()
        process = _CTX.Process(target=_serve, args=(child, self.dist, self.allowlist, self.max_rows), daemon=True)
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
