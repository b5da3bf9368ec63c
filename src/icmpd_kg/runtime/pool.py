"""Query workers: processes that run the engine, so that a query can really be stopped (its process
is killed), can be held to a memory limit, and never holds the server's event loop.

Fairness. Every query starts in the *fast lane* (``fast`` slots) with a short budget
(``fast_budget``). A query that outruns it moves, in the same process and without starting over,
to the *slow lane* (``slow`` slots, at most ``client_share`` of them per client address); when that
lane is full the query is stopped and answered 429 (the client's share is used) or 503 (the lane is
full), with ``Retry-After``. When every fast slot is taken, the query that has run longest in the
fast lane is moved on at once, so a new query waits for a slot no longer than ``min_run``. Slow
queries therefore never keep a trivial query waiting, however many there are and whoever sends them.
The timeout covers the whole wait, queue included; a client that hangs up stops its query.

Workers open the store read-only (Oxigraph: one store on disk shared by all; ``memory``: each its
own copy). Spare workers are kept ready; a worker that dies or cannot start is replaced with
back-off, never lost for good. Updates run in a process of their own on a new copy of the store
(a checkpoint of the Oxigraph store, or an N-Quads snapshot of the memory store); once accepted,
new workers open that copy. No update is ever replayed as text.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing as mp
import os
import select
import shutil
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from icmpd_kg.core.errors import Busy, ClientGone, ProtocolError, QueryTimeout, WorkerCrash
from icmpd_kg.runtime.answers import Answers
from icmpd_kg.runtime.lanes import Entry, Lanes
from icmpd_kg.runtime.worker_main import Reply, Source, decode_reply, encode_request, update_main, worker_main
from icmpd_kg.sparql.query_text import Policy
from icmpd_kg.sparql.results import QueryRequest, QueryResponse

__all__ = [
    "Busy",
    "ClientGone",
    "InlineRunner",
    "Runner",
    "QueryTimeout",
    "Source",
    "WorkerCrash",
    "WorkerPool",
]

log = logging.getLogger("icmpd_kg.runtime.pool")
READ_SIZE = 1 << 18  # bytes taken off a worker's pipe per read
HAND_OFF = 0.05  # seconds: a worker found dead this soon after a query was handed to it was dead already

# Workers fork from a small server process that has already imported the engine: a new worker is
# ready in milliseconds (plus opening the store), and the web server's threads are never forked.
_CTX = mp.get_context("forkserver")
PRELOAD = (
    "icmpd_kg.runtime.worker_main",
    "icmpd_kg.sparql.engine",
    "icmpd_kg.sparql.functions",
    "icmpd_kg.store.oxigraph",
    "pyoxigraph",
    "rdflib",
    "rdflib.plugins.sparql",
    "httpx",
)
MEMORY_PRELOAD = (
    "icmpd_kg.store.memory",
    "rdflib.plugins.parsers.nquads",
    "rdflib.plugins.parsers.notation3",
)

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu_seconds(pid: int) -> float | None:
    """Processor time (user + system) a process has used, from /proc (None where there is none)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICKS
    except (OSError, ValueError, IndexError):
        return None


SPARES = 2  # idle workers kept ready beside the fast lane


def _text_key(request: QueryRequest) -> int:
    """What makes two requests the same query, the text and the dataset it asks (the kept answers'
    key without the format), as a hash: the texts could be large; two that share one are as rare
    as 2⁻⁶⁴."""
    return hash(Answers.key(request)[:3])


UPDATES_PREFIX = "icmpd-kg-updates-"  # then the server's process id: a folder of updates' store copies


def _remove_orphaned_updates() -> None:
    """Remove the update folders of servers that ended without removing them (SIGKILL, the OOM
    killer): their process is gone."""
    for folder in Path(tempfile.gettempdir()).glob(f"{UPDATES_PREFIX}*-*"):
        pid = folder.name[len(UPDATES_PREFIX) :].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not Path(f"/proc/{pid}").exists():
            _remove(folder)


def _own_temporary_folders() -> None:
    """The processes this one starts (the forkserver, the workers) make their temporary folders
    inside this process's own (multiprocessing's ``pymp-*``), which this process removes when it
    ends: the forkserver, ended with the server, left its ``pymp-*`` folder behind at every stop."""
    from multiprocessing import util

    os.environ["TMPDIR"] = util.get_temp_dir()


def _size(path: Path) -> int:
    """Bytes of a file, or of every file under a directory."""
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def _remove(path: Path) -> None:
    """A store directory or a dump file, gone."""
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _lower_priority(worker: _Worker) -> None:
    try:
        os.setpriority(os.PRIO_PROCESS, worker.process.pid, 19)
    except (OSError, AttributeError):
        pass


def _restore_priority(worker: _Worker) -> bool:
    """Give a worker back its normal priority (needs the right to raise it, e.g. CAP_SYS_NICE); a
    reused worker keeps its warm caches."""
    try:
        os.setpriority(os.PRIO_PROCESS, worker.process.pid, 0)
        return True
    except (OSError, AttributeError):
        return False


async def _settled(future: asyncio.Future, timeout: float, wake: asyncio.Future | None) -> bool:
    """Wait until ``future`` is done (True), ``timeout`` passes or ``wake`` is done (False). One
    future and callbacks, no task: this runs for every query."""
    if future.done():
        return True
    if timeout <= 0 or (wake is not None and wake.done()):
        return False
    loop = asyncio.get_running_loop()
    ready = loop.create_future()

    def finish(value: bool) -> None:
        if not ready.done():
            ready.set_result(value)

    def settled(_future: asyncio.Future) -> None:
        finish(True)

    def woken(_future: asyncio.Future) -> None:
        finish(False)

    future.add_done_callback(settled)
    timer = loop.call_later(timeout, finish, False)
    if wake is not None:
        wake.add_done_callback(woken)
    try:
        return await ready
    finally:
        future.remove_done_callback(settled)
        timer.cancel()
        if wake is not None:
            wake.remove_done_callback(woken)


async def _readable(conn, timeout: float) -> bool:
    """Wait until ``conn`` has a message (True) or ``timeout`` passes (False): for a process that is
    starting or applying an update (a worker's replies come through its one reader instead)."""
    if timeout <= 0:
        return bool(conn.poll())
    loop = asyncio.get_running_loop()
    ready = loop.create_future()

    def readable() -> None:
        if not ready.done():
            ready.set_result(True)

    loop.add_reader(conn.fileno(), readable)
    try:
        return await _settled(ready, timeout, None)
    finally:
        loop.remove_reader(conn.fileno())


@dataclass(eq=False)
class _Worker:
    """A worker process and its end of the pipe. One reader per worker, registered while it lives,
    takes each reply off the pipe into ``reply`` (or notes that the pipe closed: the worker ended)."""

    process: Any
    conn: Any
    generation: int
    reply: asyncio.Future | None = None  # the reply to the query it runs
    cpu: float | None = None  # its processor seconds when ready, then at each reply (none used idle)
    on_end: Callable[[_Worker], None] | None = None  # told when an idle worker's pipe closes
    reading: bool = False
    pending: bytearray = field(default_factory=bytearray)  # the start of a message still arriving

    def alive(self) -> bool:
        """``Process.is_alive()`` without building a selector each time: a process's sentinel
        becomes readable when the process ends."""
        try:
            return not select.select([self.process.sentinel], [], [], 0)[0]
        except (OSError, ValueError):
            return False

    def start_reading(self, loop: asyncio.AbstractEventLoop) -> None:
        loop.add_reader(self.conn.fileno(), self._readable)
        self.reading = True

    def stop_reading(self) -> None:
        if self.reading:
            self.reading = False
            try:
                asyncio.get_running_loop().remove_reader(self.conn.fileno())
            except (OSError, ValueError, RuntimeError):
                pass

    def _readable(self) -> None:
        """Take what the pipe holds (one read, never blocking the loop for the rest of a large
        answer) and hand on each whole message. The frames are ``multiprocessing``'s: a 4-byte
        big-endian length, then the bytes (``Connection.send_bytes`` writes them in the worker)."""
        try:
            chunk = os.read(self.conn.fileno(), READ_SIZE)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if not chunk:  # the worker ended (its end of the pipe closed)
            self.stop_reading()
            self._deliver(None)
            return
        self.pending += chunk
        while len(self.pending) >= 4:
            size, head = int.from_bytes(self.pending[:4], "big", signed=True), 4
            if size == -1:  # past 2 GiB: an 8-byte length follows
                if len(self.pending) < 12:
                    return
                size, head = int.from_bytes(self.pending[4:12], "big"), 12
            if len(self.pending) < head + size:
                return
            message = bytes(self.pending[head : head + size])
            del self.pending[: head + size]
            self._deliver(message)

    def _deliver(self, data: bytes | None) -> None:
        if self.reply is not None and not self.reply.done():
            self.reply.set_result(data)
        elif data is None and self.on_end is not None:
            self.on_end(self)

    def died(self) -> Reply:
        code = self.process.exitcode
        if code is None:
            self.process.join(1)
            code = self.process.exitcode
        return Reply("died", code=code)


class WorkerPool:
    def __init__(
        self,
        source: Source,
        policy: Policy,
        *,
        fast: int = 2,
        slow: int = 2,
        spares: int = SPARES,
        fast_budget: float = 0.5,
        min_run: float = 0.05,
        client_share: int = 1,
        memory_limit_mb: int | None = 2048,
        start_timeout: float = 120.0,
    ):
        self.source, self.policy = source, policy
        # what the forkserver imports before it starts (with the first worker): set here, not at import
        _CTX.set_forkserver_preload([*PRELOAD, *source.spec.preload_modules])
        self.lanes = Lanes(fast, slow, fast_budget, min_run, client_share)
        # a store of this server's own changes only by its updates; another server's (sparql:URL)
        # may change at any time, so its answers are not kept
        self.answers = Answers(budget=32 * 2**20 if source.spec.cacheable else 0)
        self.fast_slots, self.spares, self.fast_budget = fast, spares, fast_budget
        self.min_cpu = min(0.05, fast_budget / 4)  # processor seconds that make a query slow, not starved
        self.memory_limit_mb, self.start_timeout = memory_limit_mb, start_timeout
        self._idle: list[_Worker] = []
        self._spawning = 0  # processes starting, for /health
        self._refilling = 0  # _spawn_idle tasks scheduled and not yet done (counted when scheduled)
        self._failures = 0
        self._stopped = False
        self._tasks: set[asyncio.Task] = set()
        self._state_dir: Path | None = None
        self._update_lock: asyncio.Lock | None = None
        self._live: dict[int, int] = {}  # workers alive, by the store generation they read
        self._retired: dict[int, str] = {}  # past updates' store copies, removed once unread
        self.last_error: str | None = None
        self._executor: Any = None  # the pool's own threads, made when first needed

    # --- processes ---------------------------------------------------------------------------------
    def _in_pool_thread(self, func: Callable[..., Any], *args: Any) -> Awaitable[Any]:
        """``func(*args)`` on the pool's own threads: starting and reaping processes never waits
        behind the pages' work in asyncio's default thread pool (a page waiting for its queries
        holds a thread of it)."""
        if self._executor is None:
            from concurrent.futures import ThreadPoolExecutor

            self._executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="icmpd-kg-pool")
        return asyncio.get_running_loop().run_in_executor(self._executor, func, *args)

    def _in_background(self, awaitable: Awaitable[Any]) -> None:
        """Run ``awaitable`` beside the caller, held until it ends (``stop`` cancels what is left)."""
        task = asyncio.ensure_future(awaitable)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _spawn(self) -> _Worker:
        parent, child = _CTX.Pipe()
        process = _CTX.Process(
            target=worker_main,
            args=(child, self.source, self.policy, self.memory_limit_mb, os.getpid()),
            daemon=True,
        )
        generation = self.source.generation
        self._spawning += 1
        self._live[generation] = self._live.get(generation, 0) + 1  # its store copy is read from now
        started = False
        try:
            await self._in_pool_thread(process.start)
            child.close()
            if not await _readable(parent, self.start_timeout):
                process.kill()
                raise WorkerCrash(f"a worker did not start within {self.start_timeout:g} s")
            try:
                status, payload = parent.recv()
            except (EOFError, OSError):
                raise WorkerCrash(f"a worker ended while starting (exit code {process.exitcode})") from None
            if status != "ready":
                raise WorkerCrash(f"a worker could not open the store:\n{payload}")
            worker = _Worker(process, parent, generation, on_end=self._idle_ended)
            started = True
            if process.pid is not None:  # what it used to start; each reply says it anew
                worker.cpu = _cpu_seconds(process.pid)
            worker.start_reading(asyncio.get_running_loop())
            return worker
        finally:
            self._spawning -= 1
            if not started:
                self._live[generation] -= 1

    def _kill(self, worker: _Worker) -> None:
        worker.stop_reading()
        try:
            worker.process.kill()
        except (OSError, ValueError):
            pass
        if not worker.conn.closed:
            self._live[worker.generation] = self._live.get(worker.generation, 1) - 1
        worker.conn.close()
        if self._retired:
            self._remove_retired()
        self._in_background(self._in_pool_thread(worker.process.join, 5))
        self._replenish()

    def _release(self, worker: _Worker) -> None:
        worker.reply = None
        if self._stopped or worker.generation != self.source.generation or not worker.reading:
            self._kill(worker)
        else:
            self._idle.append(worker)

    # An idle worker that ends (killed, out of memory) leaves the pool at once and is replaced, with
    # or without traffic: its reader sees its pipe close.
    def _idle_ended(self, worker: _Worker) -> None:
        if worker in self._idle and not self._stopped:
            self._idle.remove(worker)
            log.warning("an idle query worker ended (exit code %s); it is replaced", worker.process.exitcode)
            self._kill(worker)

    def _pop_idle(self) -> _Worker:
        return self._idle.pop()

    def _replenish(self) -> None:
        """Keep ``fast + spares`` workers idle or on their way, starting them in the background."""
        if self._stopped:
            return
        missing = self.fast_slots + self.spares - len(self._idle) - self._refilling
        for _ in range(max(0, missing)):
            self._refilling += 1  # now, not when the task starts: a second call must not schedule again
            self._in_background(self._spawn_idle())

    async def _spawn_idle(self) -> None:
        worker = None
        try:
            while worker is None and not self._stopped:
                try:
                    worker = await self._spawn()
                except Exception as exc:  # noqa: BLE001 - retried with back-off, never given up
                    self._failures += 1
                    self.last_error = str(exc)
                    delay = min(30.0, 0.25 * 2 ** min(self._failures, 7))
                    log.error(
                        "query worker failed to start (attempt %d, retrying in %.1f s): %s",
                        self._failures,
                        delay,
                        exc,
                    )
                    await asyncio.sleep(delay)
        finally:
            self._refilling -= 1  # before _release: a stale worker's _kill then refills in its place
        if worker is not None:
            self._failures = 0
            self._release(worker)

    async def start(self, wait: bool = True) -> None:
        self._update_lock = asyncio.Lock()
        _own_temporary_folders()
        # the update folders of servers that were killed (SIGKILL, the OOM killer) go now, beside
        # the start, not at this server's first update, which may never come
        self._in_background(self._in_pool_thread(_remove_orphaned_updates))
        self._replenish()
        if wait:
            deadline = time.monotonic() + self.start_timeout
            while not self._idle and not self._failures and time.monotonic() < deadline:
                await asyncio.sleep(0.02)

    def stop(self) -> None:
        self._stopped = True
        for task in list(self._tasks):
            task.cancel()
        workers = [r.worker for r in self.lanes.fast if r.worker is not None]
        while self._idle:
            workers.append(self._pop_idle())
        for worker in workers:
            try:
                worker.process.kill()
            except (OSError, ValueError):
                pass
        for child in _CTX.active_children():
            child.kill()
        if self._executor is not None:
            self._executor.shutdown(wait=False)
        if self._state_dir is not None:
            shutil.rmtree(self._state_dir, ignore_errors=True)

    @property
    def serving(self) -> int:
        """Workers alive: idle, or running a query."""
        running = sum(1 for r in self.lanes.fast if r.worker is not None) + sum(self.lanes.slow.values())
        return sum(1 for w in self._idle if w.alive()) + running

    def status(self) -> dict[str, Any]:
        return {
            "workers": self.serving,
            "idle": sum(1 for w in self._idle if w.alive()),
            "fast": len(self.lanes.fast),
            "slow": sum(self.lanes.slow.values()),
            "starting": self._spawning,
            "generation": self.source.generation,
            "store": self.source.spec.kind,
        }  # the kind only: paths and internal URLs stay private

    # --- queries -----------------------------------------------------------------------------------
    async def _take(self, deadline: float, fresh: bool = False) -> _Worker:
        """An idle worker of the current store, or (``fresh``, or none idle) a new one."""
        while self._idle and not fresh:
            worker = self._pop_idle()
            # its reader has not seen its pipe close (a worker that ended a moment ago and has not
            # been seen to is found by the hand-over, and replaced)
            if worker.reading and worker.generation == self.source.generation:
                self._replenish()
                return worker
            self._kill(worker)
        loop = asyncio.get_running_loop()
        try:
            return await asyncio.wait_for(self._spawn(), max(0.01, deadline - loop.time()))
        except asyncio.TimeoutError:
            raise TimeoutError() from None
        except WorkerCrash as exc:
            self.last_error = str(exc)
            raise Busy(
                503,
                "no query worker is available now (one could not be started; the operator's log "
                "says why); retry later",
                5,
            ) from None
        finally:
            self._replenish()

    def _starved(self, worker: _Worker) -> bool:
        """Whether the worker has used less than ``min_cpu`` of processor time on this query (it
        used none while idle, so its time now against its time at its last reply)."""
        now = _cpu_seconds(worker.process.pid)
        return worker.cpu is not None and now is not None and now - worker.cpu < self.min_cpu

    async def _wait(
        self,
        entry: Entry,
        until: float,
        disconnected: Callable[[], Awaitable[bool]] | None,
        wake: asyncio.Future | None,
    ) -> Reply | None:
        """The worker's reply, or None when ``until`` passes or ``wake`` is set."""
        loop = asyncio.get_running_loop()
        worker: _Worker = entry.worker
        assert worker.reply is not None
        while True:
            left = until - loop.time()
            step = min(left, 0.1) if disconnected is not None else left
            if await _settled(worker.reply, step, wake):
                data = worker.reply.result()
                return worker.died() if data is None else decode_reply(data)
            if loop.time() >= until or (wake is not None and wake.done()):
                return None
            if not worker.alive():
                return worker.died()
            if disconnected is not None and await disconnected():
                raise ClientGone()

    async def _hand_over(
        self, entry: Entry, request: QueryRequest, deadline: float, wait: Any
    ) -> Reply | None:
        """Give the query to a worker and wait for its reply within the fast lane's budget; a worker
        found dead as the query reached it (an idle worker killed a moment before) is replaced, once,
        by a worker started for it (the other idle ones may have been killed with it): the client
        never sees the dead one."""
        loop = asyncio.get_running_loop()
        reply: Reply | None = None
        for attempt in range(2):
            entry.worker = worker = await self._take(deadline, fresh=attempt > 0)
            entry.started = loop.time()
            worker.reply = loop.create_future()
            try:
                worker.conn.send_bytes(encode_request(request, deadline - loop.time()))
            except (OSError, ValueError):  # its pipe is gone: it ended before the query got there
                reply = worker.died()
            else:
                reply = await wait(entry, min(deadline, entry.started + self.fast_budget), entry.moved)
            handed_to_the_dead = (
                reply is not None and reply.status == "died" and loop.time() - entry.started < HAND_OFF
            )
            if not handed_to_the_dead or attempt == 1 or (reply is not None and reply.code == -6):
                break
            log.warning("a query worker had ended (exit code %s); the query went to another", reply.code)
            self._kill(worker)
            entry.worker = None
        return reply

    async def run(
        self,
        request: QueryRequest,
        timeout: float,
        client: str = "-",
        disconnected: Callable[[], Awaitable[bool]] | None = None,
        pinned: bool = False,
    ) -> QueryResponse:
        """Run ``request`` for ``client``; a ``pinned`` query (a page's own) stays in the fast lane.
        A query answered before is answered again from ``answers``."""
        key = self.answers.key(request)
        found = self.answers.get(key)
        if found is not None:
            return found
        generation = self.source.generation
        try:
            response = await self._run(request, timeout, client, disconnected, pinned)
        except TimeoutError:
            raise QueryTimeout(timeout) from None
        if generation == self.source.generation:  # not an answer from before an update
            self.answers.put(key, response)
        return response

    async def _run(
        self,
        request: QueryRequest,
        timeout: float,
        client: str,
        disconnected: Callable[[], Awaitable[bool]] | None,
        pinned: bool,
    ) -> QueryResponse:
        loop = asyncio.get_running_loop()
        lanes = self.lanes
        deadline = loop.time() + timeout
        entry = Entry(client, loop.time(), pinned=pinned)
        in_slow = False
        known = _text_key(request) if lanes.knows_slow() else None  # no hashing while none is known
        if known is not None and not pinned and lanes.is_known_slow(known):
            # A text that outran the fast lane before will again: refused at once when its slow slot
            # cannot be had, without taking (and then killing) a worker, so re-senders cost nothing.
            lanes.refuse_if_no_slow_slot(client)
        await lanes.enter_fast(entry, deadline)

        async def wait(entry: Entry, until: float, wake: asyncio.Future | None) -> Reply | None:
            return await self._wait(entry, until, disconnected, wake)

        try:
            reply = await self._hand_over(entry, request, deadline, wait)
            worker: _Worker = entry.worker
            # Outrunning the fast lane in time is not being slow: a query that has hardly used the
            # processor (it waited for it, behind others) stays in the fast lane and is never refused.
            while reply is None and loop.time() < deadline and (entry.pinned or self._starved(worker)):
                entry.moved = loop.create_future()
                reply = await wait(entry, min(deadline, loop.time() + self.fast_budget), entry.moved)
            if reply is None and loop.time() < deadline:  # it outran the fast lane
                lanes.leave_fast(entry)
                lanes.remember_slow(known or _text_key(request))
                lanes.enter_slow(client)
                in_slow = True
                _lower_priority(worker)  # fast queries get the processors first
                reply = await wait(entry, deadline, None)
            if reply is None:
                raise TimeoutError()
        except BaseException:
            if entry.worker is not None:
                self._kill(entry.worker)
                entry.worker = None
            raise
        finally:
            lanes.leave_fast(entry)
            if in_slow:
                lanes.leave_slow(client)
        entry.worker = None
        worker.cpu = reply.cpu
        if in_slow and not _restore_priority(worker):  # a low-priority worker: replace it, not reuse it
            worker.generation = -1
        if reply.status in ("ok", "error"):
            self._release(worker)
            if reply.error is not None:
                raise ProtocolError(*reply.error)
            assert reply.response is not None
            return reply.response
        if reply.status == "crash":
            self._release(worker)
            log.error("query failed inside a worker:\n%s", reply.error[1] if reply.error else "")
            raise WorkerCrash("the query failed with an internal error (it is logged)")
        self._kill(worker)
        if reply.status == "memory" or (reply.status == "died" and reply.code == -6):
            limit = f"{self.memory_limit_mb} MB" if self.memory_limit_mb else "the machine's memory"
            log.warning("a query passed the per-query memory limit (%s); its worker was replaced", limit)
            raise ProtocolError(
                400,
                f"the query needed more memory than the per-query limit ({limit}) and was "
                "stopped; make it more selective",
            )
        # ended by a signal from outside (an operator, the system's OOM killer) or by the query:
        # the client may try again, on a worker that has been started meanwhile
        log.error("a query worker ended before it answered (exit code %s); it was replaced", reply.code)
        raise Busy(503, "the query's worker ended before it answered (it was replaced); retry", 2)

    # --- updates -----------------------------------------------------------------------------------
    async def update(self, text: str, timeout: float) -> None:
        """Apply a SPARQL Update to a new copy of the store; once it succeeds, workers move to it.
        The wait for an update under way is part of ``timeout``; the update runs under the queries'
        memory limit, and is refused (507) when the disk has no room for its copy of the store."""
        assert self._update_lock is not None, "start() the pool first"
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        try:
            await asyncio.wait_for(self._update_lock.acquire(), timeout)
        except asyncio.TimeoutError:
            raise QueryTimeout(timeout, "update") from None
        try:
            await self._update(text, timeout, deadline)
        finally:
            self._update_lock.release()

    async def _update(self, text: str, timeout: float, deadline: float) -> None:
        loop = asyncio.get_running_loop()
        if self._state_dir is None:
            _remove_orphaned_updates()
            self._state_dir = Path(tempfile.mkdtemp(prefix=f"{UPDATES_PREFIX}{os.getpid()}-"))
        await self._in_pool_thread(self._check_room)
        generation = self.source.generation + 1
        target = self._state_dir / f"generation-{generation}.{self.source.spec.copy_suffix}"
        parent, child = _CTX.Pipe()
        process = _CTX.Process(
            target=update_main,
            args=(child, self.source, str(target), text, self.policy, os.getpid(), self.memory_limit_mb),
            daemon=True,
        )
        await self._in_pool_thread(process.start)
        child.close()
        try:
            if not await _readable(parent, max(0.0, deadline - loop.time())):
                raise QueryTimeout(timeout, "update")
            try:
                status, payload = parent.recv()
            except (EOFError, OSError):
                await self._in_pool_thread(process.join, 5)
                if process.exitcode != -6:  # an allocation past the memory limit aborts the process
                    raise WorkerCrash(
                        f"the update's process crashed (exit code {process.exitcode})"
                    ) from None
                status, payload = "memory", None
        except BaseException:
            process.kill()
            _remove(target)
            raise
        finally:
            await self._in_pool_thread(process.join, 5)
            parent.close()
        if status != "ok":  # the copy it was made on goes, so the next update starts clean
            _remove(target)
        if status == "error":
            raise ProtocolError(*payload)
        if status == "memory":
            limit = f"{self.memory_limit_mb} MB" if self.memory_limit_mb else "the machine's memory"
            raise ProtocolError(
                400, f"the update needed more memory than the per-query limit ({limit}); nothing changed"
            )
        if status != "ok":
            log.error("update failed inside its process:\n%s", payload)
            raise WorkerCrash("the update failed with an internal error (it is logged)")
        if self.source.snapshot and self.source.generation > 0:  # a copy of ours, not the build's
            self._retired[self.source.generation] = self.source.snapshot
        self.source = replace(self.source, snapshot=str(target), generation=generation)
        self.answers.clear()
        while self._idle:  # old copies: replaced; running ones finish first
            self._kill(self._pop_idle())
        self._replenish()
        self._remove_retired()

    def reload(self) -> None:
        """Serve the store as it is now on disk (``icmpd-kg build`` rewrote it): workers running a
        query finish it on the old build, idle ones are replaced, new ones open the new build; the
        answers kept go, and the copies past updates made are removed once no worker reads them."""
        if self.source.snapshot and self.source.generation > 0:
            self._retired[self.source.generation] = self.source.snapshot
        self.source = replace(self.source, snapshot=None, generation=self.source.generation + 1)
        self.answers.clear()
        while self._idle:
            self._kill(self._pop_idle())
        self._replenish()
        self._remove_retired()

    def _check_room(self) -> None:
        """Refuse (507) an update whose copy of the store would not fit on the disk."""
        location = self.source.snapshot or self.source.spec.location
        needed = _size(Path(location)) if location and Path(location).exists() else 0
        assert self._state_dir is not None
        free = shutil.disk_usage(self._state_dir).free
        if free < 2 * needed + 16 * 2**20:
            raise ProtocolError(
                507,
                f"no room for the update: its copy of the store needs about {needed / 2**20:.0f} MB "
                f"and the disk has {free / 2**20:.0f} MB free; nothing changed",
            )

    def _remove_retired(self) -> None:
        """Remove the store copies of past updates that no worker reads any more."""
        for generation, path in list(self._retired.items()):
            if self._live.get(generation, 0) == 0:
                del self._retired[generation]
                _remove(Path(path))


class Runner(Protocol):
    """What the web app runs queries with (``web.app.create_app(config, runner)``): the worker pool,
    or ``InlineRunner``."""

    last_error: str | None

    async def start(self, wait: bool = True) -> None: ...

    def stop(self) -> None: ...

    def status(self) -> dict[str, Any]: ...

    async def run(
        self,
        request: QueryRequest,
        timeout: float,
        client: str = "-",
        disconnected: Callable[[], Awaitable[bool]] | None = None,
        pinned: bool = False,
    ) -> QueryResponse: ...

    async def update(self, text: str, timeout: float) -> None: ...

    def reload(self) -> None: ...


class InlineRunner:
    """Runs queries on an engine in this process, in a thread each: the web app's runner for tests
    and tools that need no isolation (no timeout that stops a query, no memory limit, no lanes).
    It has the pool's interface (``start``, ``run``, ``update``, ``status``, ``stop``)."""

    def __init__(self, engine: Any, kind: str = "memory"):
        self.engine, self.kind = engine, kind
        self.last_error: str | None = None
        self.generation = 0

    async def start(self, wait: bool = True) -> None:
        pass

    def stop(self) -> None:
        pass

    @property
    def serving(self) -> int:
        return 1

    def status(self) -> dict[str, Any]:
        return {
            "workers": 1,
            "idle": 1,
            "fast": 0,
            "slow": 0,
            "starting": 0,
            "generation": self.generation,
            "store": self.kind,
        }

    async def run(
        self,
        request: QueryRequest,
        timeout: float,
        client: str = "-",
        disconnected: Callable[[], Awaitable[bool]] | None = None,
        pinned: bool = False,
    ) -> QueryResponse:
        deadline = time.monotonic() + timeout
        return await asyncio.to_thread(self.engine.respond, request, deadline)

    async def update(self, text: str, timeout: float) -> None:
        await asyncio.to_thread(self.engine.update, text, time.monotonic() + timeout)
        self.generation += 1

    def reload(self) -> None:
        """The engine it was given stays (a test's or a tool's): nothing to open again."""
