"""What runs inside a query worker (and an update's process): open the store, then answer one
request after another, and what travels on the pipe between the server and a worker.

The pipe carries bytes, not pickled objects: a request is a small JSON array (the query, its
dataset, the Accept header, ``format`` and the seconds left); a reply is one JSON line (its status,
media type, row count, whether the rows were cut, and the worker's processor time so far) followed
by the answer's bytes exactly as they go to the client.
"""

from __future__ import annotations

import json
import os
import select
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from icmpd_kg.core import settings
from icmpd_kg.core.errors import ProtocolError
from icmpd_kg.sparql.query_text import Policy
from icmpd_kg.sparql.results import QueryRequest, QueryResponse
from icmpd_kg.store.spec import StoreSpec


@dataclass(frozen=True)
class Source:
    """What workers open: the store, and, after updates, the copy that holds them."""

    spec: StoreSpec
    dist: str | None = None
    snapshot: str | None = None  # memory store after updates: an N-Quads file
    generation: int = 0


# --- the pipe ------------------------------------------------------------------------------------------


def encode_request(request: QueryRequest, remaining: float) -> bytes:
    return json.dumps(
        [
            request.query,
            request.default_graph_uris,
            request.named_graph_uris,
            request.accept,
            request.format,
            remaining,
        ],
        ensure_ascii=False,
    ).encode("utf-8", "surrogatepass")


def decode_request(data: bytes) -> tuple[QueryRequest, float]:
    query, default, named, accept, fmt, remaining = json.loads(data.decode("utf-8", "surrogatepass"))
    return QueryRequest(query, default, named, accept, fmt), remaining


@dataclass(frozen=True)
class Reply:
    """A worker's reply: ``ok`` with a response, ``error`` (a ``ProtocolError``'s status and
    message), ``crash`` (a traceback), ``memory`` (the query passed the memory limit), or ``died``
    (made by the server when the pipe closed: ``code`` is the exit code)."""

    status: str
    response: QueryResponse | None = None
    error: tuple[int, str] | None = None
    cpu: float | None = None  # the worker's processor seconds when it sent the reply
    code: int | None = None


def encode_reply(kind: str, response: QueryResponse | None = None, **head: Any) -> bytes:
    head = {"s": kind, "cpu": time.process_time(), **head}
    if response is None:
        return json.dumps(head).encode() + b"\n"
    head.update(m=response.media_type, r=response.rows, t=response.truncated)
    return json.dumps(head).encode() + b"\n" + response.body


def decode_reply(data: bytes) -> Reply:
    end = data.index(b"\n")
    head = json.loads(data[:end])
    status = head["s"]
    if status == "ok":
        response = QueryResponse(data[end + 1 :], head["m"], head["t"], head["r"])
        return Reply("ok", response, cpu=head["cpu"])
    if status == "error":
        return Reply("error", error=(head["code"], head["message"]), cpu=head["cpu"])
    if status == "crash":
        return Reply("crash", error=(500, head["message"]), cpu=head["cpu"])
    return Reply(status, cpu=head.get("cpu"))


# --- inside the worker ----------------------------------------------------------------------------------


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


def open_engine(source: Source, policy: Policy):
    from icmpd_kg.sparql.backends import open_backend
    from icmpd_kg.sparql.engine import Engine

    snapshot = Path(source.snapshot) if source.snapshot else None
    if source.spec.on_disk and snapshot is not None:  # a checkpoint made by an update
        return Engine(open_backend(source.spec.copy_at(snapshot)), policy)
    return Engine(open_backend(source.spec, Path(source.dist) if source.dist else None, snapshot), policy)


def die_with_server(server: int) -> None:
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


def worker_main(conn, source: Source, policy: Policy, memory_limit_mb: int | None, server: int) -> None:
    """A query worker: open the store, say so, then answer requests until the pipe closes."""
    die_with_server(server)
    settings.for_queries()  # answer with the data's lexical forms as written
    settings.quiet_ill_typed_literals()  # a query's "x"^^xsd:date is no traceback in the server's log
    try:
        engine = open_engine(source, policy)
    except BaseException:  # noqa: BLE001 - tell the pool why, then end
        conn.send(("failed", traceback.format_exc()))
        return
    _limit_memory(memory_limit_mb)
    conn.send(("ready", os.getpid()))
    while True:
        try:
            request, remaining = decode_request(conn.recv_bytes())
        except (EOFError, OSError):
            return
        try:
            conn.send_bytes(encode_reply("ok", engine.respond(request, time.monotonic() + remaining)))
        except ProtocolError as exc:
            conn.send_bytes(encode_reply("error", code=exc.status, message=exc.message))
        except MemoryError:
            conn.send_bytes(encode_reply("memory"))
            os._exit(3)
        except Exception:  # noqa: BLE001 - answer with the traceback, never die silently
            conn.send_bytes(encode_reply("crash", message=traceback.format_exc()))


def update_main(
    conn,
    source: Source,
    target: str,
    text: str,
    policy: Policy,
    server: int,
    memory_limit_mb: int | None = None,
) -> None:
    """Apply one update to a new copy of the store at ``target``, under the queries' memory limit;
    report ok, the error, or that it needed more memory."""
    die_with_server(server)
    settings.for_queries()
    try:
        from icmpd_kg.sparql.backends import OxigraphBackend
        from icmpd_kg.sparql.engine import Engine

        if source.spec.on_disk:
            current = source.snapshot or source.spec.location
            from icmpd_kg.store.oxigraph import checkpoint

            checkpoint(Path(current), Path(target))
            engine = Engine(
                OxigraphBackend.open(Path(target), read_only=False, default_graph=source.spec.default_graph),
                policy,
            )
            _limit_memory(memory_limit_mb)  # what the update itself takes, as a query's limit counts
            engine.update(text, time.monotonic() + 3600)
            engine.close()
        else:
            engine = open_engine(source, policy)
            _limit_memory(memory_limit_mb)
            engine.update(text, time.monotonic() + 3600)
            data = engine.backend.data  # type: ignore[attr-defined]
            data.serialize(destination=target, format="nquads", encoding="utf-8")
        conn.send(("ok", None))
    except ProtocolError as exc:
        conn.send(("error", (exc.status, exc.message)))
    except MemoryError:
        conn.send(("memory", None))
        os._exit(3)
    except Exception:  # noqa: BLE001
        conn.send(("crash", traceback.format_exc()))
