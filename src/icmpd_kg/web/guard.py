"""What the HTTP server does against slow, idle and flooding clients, where uvicorn leaves it open.

uvicorn closes idle keep-alive connections (``timeout_keep_alive``) and refuses requests past
``limit_concurrency`` with a 503, but it has no deadline for a request's head: a client that opens
a connection and sends nothing, or trickles one header line every few seconds, holds its connection
(and a file descriptor) for as long as it likes, and the head may grow without bound. ``Guarded``
is uvicorn's httptools protocol with both: the request line and headers must arrive within
``HEAD_SECONDS`` of the connection (or of the previous response, on a kept-alive connection) and
within ``MAX_HEAD_BYTES``; past either the connection is answered 408 or 431 and closed.

Pipelining: a request whose head arrived with the one before it is under way, not awaited, so the
head deadline is not armed for it (it was answered 408 once the one before had taken the deadline's
time); and at most ``MAX_PIPELINED`` requests are read ahead on one connection: past them nothing more
is read, those read are answered, and the connection closes (a flood of pipelined requests was all
read into memory at once).

``RateLimit`` is a logging filter: at most ``per_second`` records a second pass, and the next record
that passes says how many were left out, so a flood cannot fill the disk with the log.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

HEAD_SECONDS = 10.0
MAX_HEAD_BYTES = 64 * 1024
MAX_PIPELINED = 16  # requests read ahead on one connection, waiting for the one being answered

log = logging.getLogger("icmpd_kg.server")


def _refusal(status: str, message: str, retry_after: int | None = None) -> bytes:
    body = message.encode("ascii")
    retry = f"retry-after: {retry_after}\r\n" if retry_after is not None else ""
    return (
        f"HTTP/1.1 {status}\r\ncontent-type: text/plain; charset=utf-8\r\n{retry}"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    ).encode("ascii") + body


class HeadTooLarge(Exception):
    """A request's head passed ``MAX_HEAD_BYTES``."""


class PipelineTooLong(Exception):
    """A connection sent more than ``MAX_PIPELINED`` requests ahead of their answers."""


class Guarded(HttpToolsProtocol):
    """uvicorn's httptools protocol with a deadline and a size cap on each request's head."""

    head_seconds = HEAD_SECONDS
    max_head_bytes = MAX_HEAD_BYTES

    per_address: int | None = None  # connections one address may hold at once (None: no cap)
    _by_address: dict[str, int] = {}  # the open connections of each address, for every connection

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._head_timer: asyncio.TimerHandle | None = None
        self._head_bytes = 0
        peer = transport.get_extra_info("peername")
        self._address = peer[0] if isinstance(peer, tuple) and peer else None
        if self._address is not None and self.per_address is not None:
            held = self._by_address.get(self._address, 0)
            self._by_address[self._address] = held + 1
            if held >= self.per_address:
                self._head_timer = None
                self.transport.write(
                    _refusal(
                        "503 Service Unavailable",
                        f"this address holds {held} connections, its share of the server's; "
                        "use fewer at once",
                        retry_after=2,
                    )
                )
                self.transport.close()
                return
        self._arm()

    def _arm(self) -> None:
        self._disarm()
        self._head_bytes = 0
        self._head_timer = self.loop.call_later(
            self.head_seconds,
            self._refuse,
            "408 Request Timeout",
            "the request's head did not arrive in time",
        )

    def _disarm(self) -> None:
        timer = getattr(self, "_head_timer", None)
        if timer is not None:
            timer.cancel()
        self._head_timer = None

    def _refuse(self, status: str, message: str) -> None:
        self._head_timer = None
        if not self.transport.is_closing():
            self.transport.write(_refusal(status, message))
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        reading_head = self._head_timer is not None
        super().data_received(data)
        # Counted only while the head is still incomplete after these bytes: the bytes of a body
        # that arrive with the end of the head (in one segment) are not the head's.
        if reading_head and self._head_timer is not None:
            self._head_bytes += len(data)
            if self._head_bytes > self.max_head_bytes:
                self._disarm()
                self._refuse("431 Request Header Fields Too Large", "the request's head is too large")

    # The head's own size, counted as the parser reads it (a head that ends in the same segment as
    # the bytes before it is not seen by the byte count above).
    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value) + 4)
        super().on_header(name, value)

    def _count(self, size: int) -> None:
        self._head_size = getattr(self, "_head_size", 0) + size
        if self._head_size > self.max_head_bytes:
            self._disarm()
            self._refuse("431 Request Header Fields Too Large", "the request's head is too large")
            raise HeadTooLarge()  # stops the parser; uvicorn's own 400 goes to a closed connection

    def on_headers_complete(self) -> None:
        self._disarm()
        self._head_size = 0
        super().on_headers_complete()
        if len(self.pipeline) >= MAX_PIPELINED:
            # A client that sends request after request without reading the answers: each one read
            # ahead holds memory until its turn. The ones read are answered, nothing more is read,
            # and the connection closes after the last answer.
            log.warning(
                "a connection pipelined more than %d requests; it is closed after them", MAX_PIPELINED
            )
            self._flooded = True
            raise PipelineTooLong()  # stops the parser (uvicorn's 400 for it is not sent: below)

    def send_400_response(self, msg: str) -> None:
        if getattr(self, "_flooded", False):
            self.transport.pause_reading()
            return
        super().send_400_response(msg)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.transport.is_closing():
            return
        if self.pipeline or (self.cycle is not None and not self.cycle.response_complete):
            return  # a request whose head arrived with the last one is under way: no head to wait for
        if getattr(self, "_flooded", False):
            self.transport.close()
            return
        self._arm()  # the next request on this connection has the same time for its head

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        address = getattr(self, "_address", None)
        if address is not None and self.per_address is not None:
            left = self._by_address.get(address, 1) - 1
            if left > 0:
                self._by_address[address] = left
            else:
                self._by_address.pop(address, None)
        super().connection_lost(exc)


_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def loggable(value: object) -> str:
    """A value a client chose (a path, a method, an IRI), as one line of the log: control and
    line-breaking characters written as escapes, so that no request writes a line of its own."""
    return _UNPRINTABLE.sub(
        lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}",
        str(value),
    )


class RateLimit(logging.Filter):
    """At most ``per_second`` records a second; the next one that passes counts the ones left out."""

    def __init__(self, per_second: int = 50):
        super().__init__()
        self.per_second = per_second
        self.window = 0
        self.passed = 0
        self.dropped = 0

    def filter(self, record: logging.LogRecord) -> bool:
        now = int(time.monotonic())
        if now != self.window:
            self.window, self.passed = now, 0
        if self.passed >= self.per_second:
            self.dropped += 1
            return False
        self.passed += 1
        if self.dropped:
            record.msg = (
                f"{record.msg} ({self.dropped} log records left out: more than {self.per_second} a second)"
            )
            self.dropped = 0
        return True


def rate_limit_logs(per_second: int = 50) -> None:
    """One ``RateLimit`` on each handler of the root logger, which every record of the process
    reaches (a logger's own filters would not see its children's records)."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RateLimit) for f in handler.filters):
            handler.addFilter(RateLimit(per_second))


def raise_file_limit() -> int:
    """The soft limit of open files raised to the hard one (connections are files); returns it."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    return soft


def server_options(
    max_connections: int, head_seconds: float = HEAD_SECONDS, behind_proxy: bool = False
) -> dict[str, Any]:
    """uvicorn's settings for a public endpoint. One address may hold at most a quarter of the
    connections (at least 2), so that one client cannot take them all; not behind a proxy, whose
    one address carries every client's connections."""
    per_address = None if behind_proxy else max(2, max_connections // 4)
    guarded = type(
        "Guarded", (Guarded,), {"head_seconds": head_seconds, "per_address": per_address, "_by_address": {}}
    )
    # uvicorn counts the connection asking among its connections ("at least the limit": refused),
    # so it admits one fewer than its limit: --max-connections 1 refused everyone
    return {"http": guarded, "timeout_keep_alive": 5, "limit_concurrency": max_connections + 1}


def listen(host: str, port: int) -> Any:
    """A listening TCP socket on ``host`` and ``port`` (0: any free port), IPv4 or IPv6 as the host
    says, its address reusable at once after a restart. Made with the protocol number TCP, as the
    event loop makes its own: asyncio turns Nagle's algorithm off only on such sockets, and with it
    on, an answer written in two parts waited 40 ms for the client's delayed ACK."""
    import socket

    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock
