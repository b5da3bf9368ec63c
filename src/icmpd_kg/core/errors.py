"""Errors that icmpd-kg reports to people. Each names what went wrong and where.

The command line turns these into a one-line message on stderr and an exit code (never a
traceback): ``EXIT_NONCONFORMANT`` (1) when data do not conform, ``EXIT_ERROR`` (2) otherwise.
"""

from __future__ import annotations

from pathlib import Path

EXIT_NONCONFORMANT = 1
EXIT_ERROR = 2


class IcmpdKgError(Exception):
    """Base of every error icmpd-kg reports to a user."""

    exit_code = EXIT_ERROR


class InputFileError(IcmpdKgError):
    """An input file cannot be read or parsed. Names the file and, where known, the line."""

    def __init__(self, path: Path | str, message: str, line: int | None = None):
        self.path = str(path)
        self.line = line
        self.detail = message
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")


class UnsupportedFormatError(IcmpdKgError):
    """A file extension or a requested format that icmpd-kg does not know."""


class QuoteError(IcmpdKgError):
    """A provenance quote is not found in the source, or is found more often than expected."""


class NonConformantError(IcmpdKgError):
    """The graph does not conform to the shapes; nothing was written."""

    exit_code = EXIT_NONCONFORMANT

    def __init__(self, message: str, report=None):
        self.report = report
        super().__init__(message)


class WikidataUnavailable(IcmpdKgError):
    """Wikidata (or the service standing in for it) cannot be reached or keeps failing."""


class ProtocolError(IcmpdKgError):
    """A request the endpoint refuses or cannot answer, with the HTTP status to answer and any
    headers that go with it (``Retry-After``). The one exception of the request path: the web
    layer maps it to a response in one place (``icmpd_kg.web.errors``); the command line prints
    its message."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        self.status = status
        self.message = message
        self.headers = headers or {}
        super().__init__(message)


class QueryTimeout(ProtocolError):
    """A query or update ran past its time (waiting included): 503 with ``Retry-After``."""

    def __init__(self, seconds: float, what: str = "query"):
        done = "undone" if what == "update" else "stopped"
        waiting = " (waiting included)" if what == "query" else ""
        super().__init__(
            503,
            f"the {what} ran longer than {seconds:g} s{waiting} and was {done}",
            {"Retry-After": str(max(1, round(seconds)))} if what == "query" else {},
        )


class Busy(ProtocolError):
    """The lanes are full: 429 (this client's share is used) or 503, with ``Retry-After``."""

    def __init__(self, status: int, message: str, retry_after: int):
        super().__init__(status, message, {"Retry-After": str(retry_after)})
        self.retry_after = retry_after


class WorkerCrash(ProtocolError):
    """A worker died or failed while running a query (not a timeout): 500, logged with its cause."""

    def __init__(self, message: str):
        super().__init__(500, message)


class ClientGone(ProtocolError):
    """The client hung up before its answer was ready: 499 (nginx's code; nobody reads it)."""

    def __init__(self) -> None:
        super().__init__(499, "the client closed the connection")


class MissingExtraError(IcmpdKgError):
    """A command needs a package of an optional extra that is not installed."""

    def __init__(self, module: str, extra: str, what: str):
        super().__init__(f"{what} needs {module!r}, of the [{extra}] extra: pip install 'icmpd-kg[{extra}]'")


def require(module: str, extra: str, what: str):  # -> the module
    """Import ``module``, or say which extra brings it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtraError(module, extra, what) from None
