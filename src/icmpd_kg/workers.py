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
import math
import multiprocessing as mp
import os
import select
import shutil
import tempfile
import time
import traceback
from collections import Counter, OrderedDict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from icmpd_kg import settings
from icmpd_kg.engine import Policy, StoreSpec
from icmpd_kg.sparql import ProtocolError, QueryRequest, QueryResponse

log = logging.getLogger("icmpd_kg.workers")
HAND_OFF = 0.05  # seconds: a worker found dead this soon after a query was handed to it was dead already

# Workers fork from a small server process that has already imported the engine: a new worker is
# ready in milliseconds (plus opening the store), and the web server's threads are never forked.
_CTX = mp.get_context("forkserver")
_CTX.set_forkserver_preload(
    [
        "icmpd_kg.engine",
        "icmpd_kg.functions",
        "icmpd_kg.store",
        "pyoxigraph",
        "rdflib",
        "rdflib.plugins.sparql",
        "httpx",
    ]
)


@dataclass(frozen=True)
class Source:
    """What workers open: the store, and, after updates, the copy that holds them."""

    spec: StoreSpec
    dist: str | None = None
    snapshot: str | None = None  # memory store after updates: an N-Quads file
    generation: int = 0


class QueryTimeout(Exception):
    pass


class Busy(Exception):
    """The lanes are full: answer ``status`` (429 or 503) with ``Retry-After``."""

    def __init__(self, status: int, message: str, retry_after: int):
        super().__init__(message)
        self.status, self.message, self.retry_after = status, message, retry_after


class WorkerCrash(Exception):
    """A worker died or failed while running a query (not a timeout)."""


class ClientGone(Exception):
    pass


def _limit_memory(limit_mb: int | None) -> None:
    """Cap the worker's address space at what it uses now plus ``limit_mb``: a query that needs
    more fails (MemoryError, or an allocation failure that ends the process), not the machine."""
    if not limit_mb:
        return
    import resource

    try:
        with open("/proc/self/statm") as handle:
            pages = int(handle.read().split()[0])
        current = pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return
    limit = current + limit_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _open_engine(source: Source, policy: Policy):
    from icmpd_kg.engine import Engine, open_backend

    snapshot = Path(source.snapshot) if source.snapshot else None
    if source.spec.kind == "oxigraph" and snapshot is not None:  # a checkpoint made by an update
        return Engine(open_backend(StoreSpec("oxigraph", str(snapshot))), policy)
    return Engine(open_backend(source.spec, Path(source.dist) if source.dist else None, snapshot), policy)


def _die_with_server(server: int) -> None:
    """End this process as soon as the server (``server``, its pid) ends, whatever it is doing. A
    worker is the forkserver's child, not the server's, and it holds the pipe whose closing tells the
    forkserver to end: without this, a server killed with SIGKILL (as the OOM killer does) would
    leave the forkserver and a worker in the middle of a query running. A thread waits on a pidfd of
    the server (Linux 5.3+), else looks every half second."""
    import threading

    def watch() -> None:
        try:
            handle = os.pidfd_open(server)
        except (AttributeError, OSError):
            handle = None
        while True:
            if handle is not None:
                select.select([handle], [], [])
                os._exit(1)
            try:
                os.kill(server, 0)
            except ProcessLookupError:
                os._exit(1)
            except OSError:
                pass
            time.sleep(0.5)

    threading.Thread(target=watch, name="icmpd-kg-server-watch", daemon=True).start()


def _worker_main(conn, source: Source, policy: Policy, memory_limit_mb: int | None, server: int) -> None:
    _die_with_server(server)
    settings.for_queries()  # answer with the data's lexical forms as written
    try:
        engine = _open_engine(source, policy)
    except BaseException:  # noqa: BLE001 - tell the pool why, then end
        conn.send(("failed", traceback.format_exc()))
        return
    _limit_memory(memory_limit_mb)
    conn.send(("ready", os.getpid()))
    while True:
        try:
            request, remaining = conn.recv()
        except (EOFError, OSError):
            return
        try:
            conn.send(("ok", engine.respond(request, time.monotonic() + remaining)))
        except ProtocolError as exc:
            conn.send(("error", (exc.status, exc.message)))
        except MemoryError:
            conn.send(("memory", None))
            os._exit(3)
        except Exception:  # noqa: BLE001 - answer with the traceback, never die silently
            conn.send(("crash", traceback.format_exc()))


def _update_main(conn, source: Source, target: str, text: str, policy: Policy, server: int) -> None:
    """Apply one update to a new copy of the store at ``target``; report ok or the error."""
    _die_with_server(server)
    settings.for_queries()
    try:
        from icmpd_kg.engine import Engine, OxigraphBackend

        if source.spec.kind == "oxigraph":
            current = source.snapshot or source.spec.location
            from icmpd_kg.store import checkpoint

            checkpoint(Path(current), Path(target))
            engine = Engine(
                OxigraphBackend.open(Path(target), read_only=False, default_graph=source.spec.default_graph),
                policy,
            )
            engine.update(text, time.monotonic() + 3600)
            engine.close()
        else:
            engine = _open_engine(source, policy)
            engine.update(text, time.monotonic() + 3600)
            data = engine.backend.data  # type: ignore[attr-defined]
            data.serialize(destination=target, format="nquads", encoding="utf-8")
        conn.send(("ok", None))
    except ProtocolError as exc:
        conn.send(("error", (exc.status, exc.message)))
    except Exception:  # noqa: BLE001
        conn.send(("crash", traceback.format_exc()))


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
KNOWN_SLOW = 4096  # query texts remembered as slow (the oldest forgotten first)


def _text_key(request: QueryRequest) -> str:
    """What makes two requests the same query: the text and the dataset it asks."""
    import hashlib

    parts = [request.query or "", *request.default_graph_uris, "\x00", *request.named_graph_uris]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


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


async def _readable(conn, timeout: float, wake: asyncio.Future | None = None) -> bool:
    """Wait until ``conn`` has a message (True), ``timeout`` passes or ``wake`` is done (False).
    One future and callbacks, no task: this runs twice for every query. A pipe keeps no buffer of
    its own, so the descriptor is readable exactly when a message waits."""
    if timeout <= 0 or (wake is not None and wake.done()):
        return bool(conn.poll())
    loop = asyncio.get_running_loop()
    ready = loop.create_future()
    fd = conn.fileno()

    def finish(value: bool) -> None:
        if not ready.done():
            ready.set_result(value)

    def woken(_future: asyncio.Future) -> None:
        finish(False)

    loop.add_reader(fd, finish, True)
    timer = loop.call_later(timeout, finish, False)
    if wake is not None:
        wake.add_done_callback(woken)
    try:
        return await ready
    finally:
        loop.remove_reader(fd)
        timer.cancel()
        if wake is not None:
            wake.remove_done_callback(woken)


@dataclass(eq=False)
class _Worker:
    process: Any
    conn: Any
    generation: int

    def alive(self) -> bool:
        """``Process.is_alive()`` without building a selector each time (it runs twice a query):
        a process's sentinel becomes readable when the process ends."""
        try:
            return not select.select([self.process.sentinel], [], [], 0)[0]
        except (OSError, ValueError):
            return False


@dataclass(eq=False)
class _Running:
    client: str
    started: float
    worker: _Worker | None = None
    pinned: bool = False  # the site's own page queries: never moved on, never refused
    # done when told to leave the fast lane
    moved: asyncio.Future = field(default_factory=lambda: asyncio.get_running_loop().create_future())


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
        self.fast_slots, self.slow_slots, self.spares = fast, slow, spares
        self.fast_budget, self.min_run, self.client_share = fast_budget, min_run, client_share
        self.min_cpu = min(0.05, fast_budget / 4)  # processor seconds that make a query slow, not starved
        self.memory_limit_mb, self.start_timeout = memory_limit_mb, start_timeout
        self._idle: list[_Worker] = []
        self._fast: list[_Running] = []
        self._slow: Counter[str] = Counter()
        self._spawning = 0  # processes starting, for /health
        self._refilling = 0  # _spawn_idle tasks scheduled and not yet done (counted when scheduled)
        self._failures = 0
        self._stopped = False
        self._tasks: set[asyncio.Task] = set()
        self._state_dir: Path | None = None
        self._update_lock: asyncio.Lock | None = None
        self._waiting: deque[asyncio.Future] = deque()  # queries waiting for a fast slot, first come first
        self.last_error: str | None = None
        self._executor: Any = None  # the pool's own threads, made when first needed
        self._known_slow: OrderedDict[str, None] = OrderedDict()  # texts that outran the fast lane

    # --- processes ---------------------------------------------------------------------------------
    def _in_pool_thread(self, func: Callable[..., Any], *args: Any) -> Awaitable[Any]:
        """``func(*args)`` on the pool's own threads: starting and reaping processes never waits
        behind the pages' work in asyncio's default thread pool (a page waiting for its queries
        holds a thread of it)."""
        if self._executor is None:
            from concurrent.futures import ThreadPoolExecutor

            self._executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="icmpd-kg-pool")
        return asyncio.get_running_loop().run_in_executor(self._executor, func, *args)

    async def _spawn(self) -> _Worker:
        parent, child = _CTX.Pipe()
        process = _CTX.Process(
            target=_worker_main,
            args=(child, self.source, self.policy, self.memory_limit_mb, os.getpid()),
            daemon=True,
        )
        generation = self.source.generation
        self._spawning += 1
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
            return _Worker(process, parent, generation)
        finally:
            self._spawning -= 1

    def _kill(self, worker: _Worker) -> None:
        try:
            worker.process.kill()
        except (OSError, ValueError):
            pass
        worker.conn.close()
        task = asyncio.ensure_future(self._in_pool_thread(worker.process.join, 5))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        self._replenish()

    def _release(self, worker: _Worker) -> None:
        if self._stopped or worker.generation != self.source.generation or not worker.alive():
            self._kill(worker)
        else:
            self._idle.append(worker)
            self._watch(worker)

    # An idle worker that ends (killed, out of memory) leaves the pool at once and is replaced, with
    # or without traffic: the event loop watches each idle worker's sentinel.
    def _watch(self, worker: _Worker) -> None:
        try:
            asyncio.get_running_loop().add_reader(worker.process.sentinel, self._idle_ended, worker)
        except (OSError, ValueError, RuntimeError, NotImplementedError):
            pass

    def _unwatch(self, worker: _Worker) -> None:
        try:
            asyncio.get_running_loop().remove_reader(worker.process.sentinel)
        except (OSError, ValueError, RuntimeError, NotImplementedError):
            pass

    def _idle_ended(self, worker: _Worker) -> None:
        self._unwatch(worker)
        if worker in self._idle and not self._stopped:
            self._idle.remove(worker)
            log.warning("an idle query worker ended (exit code %s); it is replaced", worker.process.exitcode)
            self._kill(worker)

    def _pop_idle(self) -> _Worker:
        worker = self._idle.pop()
        self._unwatch(worker)
        return worker

    def _replenish(self) -> None:
        """Keep ``fast + spares`` workers idle or on their way, starting them in the background."""
        if self._stopped:
            return
        missing = self.fast_slots + self.spares - len(self._idle) - self._refilling
        for _ in range(max(0, missing)):
            self._refilling += 1  # now, not when the task starts: a second call must not schedule again
            task = asyncio.ensure_future(self._spawn_idle())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

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
        self._replenish()
        if wait:
            deadline = time.monotonic() + self.start_timeout
            while not self._idle and not self._failures and time.monotonic() < deadline:
                await asyncio.sleep(0.02)

    def stop(self) -> None:
        self._stopped = True
        for task in list(self._tasks):
            task.cancel()
        workers = [r.worker for r in self._fast if r.worker is not None]
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
        running = sum(1 for r in self._fast if r.worker is not None) + sum(self._slow.values())
        return sum(1 for w in self._idle if w.alive()) + running

    def status(self) -> dict[str, Any]:
        return {
            "workers": self.serving,
            "idle": sum(1 for w in self._idle if w.alive()),
            "fast": len(self._fast),
            "slow": sum(self._slow.values()),
            "starting": self._spawning,
            "generation": self.source.generation,
            "store": self.source.spec.kind,
        }  # the kind only: paths and internal URLs stay private

    # --- queries -----------------------------------------------------------------------------------
    def _leave_fast(self, entry: _Running) -> None:
        if entry in self._fast:
            self._fast.remove(entry)
            self._wake_next()

    def _wake_next(self) -> None:
        """Wake the query that has waited longest for a fast slot (one, not all: the others would
        only find the slot taken)."""
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    async def _enter_fast(self, entry: _Running, deadline: float) -> None:
        loop = asyncio.get_running_loop()
        while len(self._fast) >= self.fast_slots:
            # Only a query that is running can have had its turn (one still waiting for its worker
            # to start has not): the one that has run longest moves on to the slow lane (or stops).
            running = [r for r in self._fast if r.worker is not None and not r.pinned]
            oldest = min(running, key=lambda r: r.started) if running else None
            ran = loop.time() - oldest.started if oldest is not None else 0.0
            if oldest is not None and ran >= self.min_run:
                if not oldest.moved.done():
                    oldest.moved.set_result(None)
            if loop.time() >= deadline:
                raise QueryTimeout()
            wait = min(deadline - loop.time(), max(0.001, self.min_run - ran) if ran < self.min_run else 0.01)
            waiter = loop.create_future()
            self._waiting.append(waiter)
            try:
                await asyncio.wait_for(waiter, wait)
            except asyncio.TimeoutError:
                pass
            except BaseException:  # cancelled (the client left): a wake-up meant for it goes on
                if waiter.done() and not waiter.cancelled():
                    self._wake_next()
                raise
            finally:
                if waiter in self._waiting:  # timed out (wait_for cancelled it), not woken
                    self._waiting.remove(waiter)
        self._fast.append(entry)

    async def _take(self, deadline: float) -> _Worker:
        while self._idle:
            worker = self._pop_idle()
            if worker.alive() and worker.generation == self.source.generation:
                self._replenish()
                return worker
            self._kill(worker)
        loop = asyncio.get_running_loop()
        try:
            return await asyncio.wait_for(self._spawn(), max(0.01, deadline - loop.time()))
        except asyncio.TimeoutError:
            raise QueryTimeout() from None
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

    def _refuse_if_no_slow_slot(self, client: str) -> None:
        if self._slow[client] >= self.client_share:
            raise Busy(
                429,
                f"this client already runs {self._slow[client]} slow quer"
                f"{'y' if self._slow[client] == 1 else 'ies'} (its share); retry later",
                self._retry_after(),
            )
        if sum(self._slow.values()) >= self.slow_slots:
            raise Busy(503, "every slot for slow queries is taken; retry later", self._retry_after())

    def _starved(self, worker: _Worker, cpu_start: float | None) -> bool:
        """Whether the worker has used less than ``min_cpu`` of processor time on this query."""
        now = _cpu_seconds(worker.process.pid)
        return cpu_start is not None and now is not None and now - cpu_start < self.min_cpu

    def _retry_after(self) -> int:
        return max(1, math.ceil(self.fast_budget * 4))

    async def _wait(
        self,
        entry: _Running,
        until: float,
        disconnected: Callable[[], Awaitable[bool]] | None,
        wake: asyncio.Future | None,
    ):
        """The worker's message, or None when ``until`` passes or ``wake`` is set."""
        loop = asyncio.get_running_loop()
        assert entry.worker is not None
        while True:
            left = until - loop.time()
            if left <= 0 or (wake is not None and wake.done()):
                return None
            step = min(left, 0.1) if disconnected is not None else left
            if await _readable(entry.worker.conn, step, wake):
                try:
                    return entry.worker.conn.recv()
                except (EOFError, OSError):
                    code = entry.worker.process.exitcode
                    entry.worker.process.join(1)
                    code = entry.worker.process.exitcode if code is None else code
                    return ("died", code)
            if not entry.worker.alive():
                return ("died", entry.worker.process.exitcode)
            if disconnected is not None and await disconnected():
                raise ClientGone()

    async def run(
        self,
        request: QueryRequest,
        timeout: float,
        client: str = "-",
        disconnected: Callable[[], Awaitable[bool]] | None = None,
        pinned: bool = False,
    ) -> QueryResponse:
        """Run ``request`` for ``client``; a ``pinned`` query (a page's own) stays in the fast lane."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        entry = _Running(client, loop.time(), pinned=pinned)
        in_slow = False
        known = _text_key(request) if self._known_slow else None  # no hashing while none is known
        if known is not None and known in self._known_slow and not pinned:
            # A text that outran the fast lane before will again: refused at once when its slow slot
            # cannot be had, without taking (and then killing) a worker, so re-senders cost nothing.
            self._known_slow.move_to_end(known)
            self._refuse_if_no_slow_slot(client)
        await self._enter_fast(entry, deadline)
        try:
            message = None
            for attempt in range(2):
                entry.worker = await self._take(deadline)
                entry.started = loop.time()
                cpu_start = _cpu_seconds(entry.worker.process.pid)
                try:
                    entry.worker.conn.send((request, deadline - loop.time()))
                except (OSError, ValueError):  # its pipe is gone: it ended before the query got there
                    message = ("died", entry.worker.process.exitcode)
                else:
                    message = await self._wait(
                        entry, min(deadline, entry.started + self.fast_budget), disconnected, entry.moved
                    )
                handed_to_the_dead = (
                    message is not None and message[0] == "died" and loop.time() - entry.started < HAND_OFF
                )
                if not handed_to_the_dead or attempt == 1 or message[1] == -6:
                    break
                # The worker ended as the query reached it (an idle worker killed a moment before):
                # the query goes to another worker, once; the client never sees the dead one.
                log.warning("a query worker had ended (exit code %s); the query went to another", message[1])
                self._kill(entry.worker)
                entry.worker = None
            assert entry.worker is not None  # the loop ends with the worker that has the query
            # Outrunning the fast lane in time is not being slow: a query that has hardly used the
            # processor (it waited for it, behind others) stays in the fast lane and is never refused.
            while (
                message is None
                and loop.time() < deadline
                and (entry.pinned or self._starved(entry.worker, cpu_start))
            ):
                entry.moved = loop.create_future()
                message = await self._wait(
                    entry, min(deadline, loop.time() + self.fast_budget), disconnected, entry.moved
                )
            if message is None and loop.time() < deadline:  # it outran the fast lane
                self._leave_fast(entry)
                self._known_slow[known or _text_key(request)] = None
                if len(self._known_slow) > KNOWN_SLOW:
                    self._known_slow.popitem(last=False)
                self._refuse_if_no_slow_slot(client)
                self._slow[client] += 1
                in_slow = True
                _lower_priority(entry.worker)  # fast queries get the processors first
                message = await self._wait(entry, deadline, disconnected, None)
            if message is None:
                raise QueryTimeout()
        except BaseException:
            if entry.worker is not None:
                self._kill(entry.worker)
                entry.worker = None
            raise
        finally:
            self._leave_fast(entry)
            if in_slow:
                self._slow[client] -= 1
                if self._slow[client] <= 0:
                    del self._slow[client]
        worker, entry.worker = entry.worker, None
        assert worker is not None and message is not None
        status, payload = message
        if in_slow and not _restore_priority(
            worker
        ):  # a low-priority worker: replace it rather than reuse it
            worker.generation = -1
        if status in ("ok", "error"):
            self._release(worker)
            if status == "error":
                raise ProtocolError(*payload)
            return payload
        if status == "crash":
            self._release(worker)
            log.error("query failed inside a worker:\n%s", payload)
            raise WorkerCrash("the query failed with an internal error (it is logged)")
        self._kill(worker)
        if status == "memory" or (status == "died" and payload == -6):
            limit = f"{self.memory_limit_mb} MB" if self.memory_limit_mb else "the machine's memory"
            log.warning("a query passed the per-query memory limit (%s); its worker was replaced", limit)
            raise ProtocolError(
                400,
                f"the query needed more memory than the per-query limit ({limit}) and was "
                "stopped; make it more selective",
            )
        log.error("a query worker crashed (exit code %s); it was replaced", payload)
        raise WorkerCrash(f"the query's worker crashed (exit code {payload}); it was replaced")

    # --- updates -----------------------------------------------------------------------------------
    async def update(self, text: str, timeout: float) -> None:
        """Apply a SPARQL Update to a new copy of the store; once it succeeds, workers move to it."""
        assert self._update_lock is not None, "start() the pool first"
        async with self._update_lock:
            if self._state_dir is None:
                self._state_dir = Path(tempfile.mkdtemp(prefix="icmpd-kg-updates-"))
            generation = self.source.generation + 1
            suffix = "store" if self.source.spec.kind == "oxigraph" else "nq"
            target = self._state_dir / f"generation-{generation}.{suffix}"
            parent, child = _CTX.Pipe()
            process = _CTX.Process(
                target=_update_main,
                args=(child, self.source, str(target), text, self.policy, os.getpid()),
                daemon=True,
            )
            await self._in_pool_thread(process.start)
            child.close()
            try:
                if not await _readable(parent, timeout):
                    raise QueryTimeout()
                try:
                    status, payload = parent.recv()
                except (EOFError, OSError):
                    raise WorkerCrash(
                        f"the update's process crashed (exit code {process.exitcode})"
                    ) from None
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
            if status != "ok":
                log.error("update failed inside its process:\n%s", payload)
                raise WorkerCrash("the update failed with an internal error (it is logged)")
            self.source = replace(self.source, snapshot=str(target), generation=generation)
            while self._idle:  # old copies: replaced; running ones finish first
                self._kill(self._pop_idle())
            self._replenish()
