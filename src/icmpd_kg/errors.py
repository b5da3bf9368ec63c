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
