"""The one mapping of the request path's exception to a response: a ``ProtocolError`` carries its
HTTP status, message and headers; it is answered as JSON ``{"message": …}`` with them. Starlette's
exception handler (``handler``) and the SPARQL endpoint (``error_parts``) both use it."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from icmpd_kg.core.errors import ProtocolError


def error_body(message: str) -> bytes:
    return json.dumps({"message": message}, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def error_parts(
    exc: ProtocolError, headers: dict[str, str] | None = None
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """Status, headers and body of the answer to ``exc`` (``headers`` below the error's own)."""
    merged = {**(headers or {}), **exc.headers}
    out = [(b"content-type", b"application/json")]
    out += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in merged.items()]
    return exc.status, out, error_body(exc.message)


def error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """A refusal of the pages and files, as the endpoint writes its own."""
    return Response(error_body(message), status_code=status, headers=headers, media_type="application/json")


async def handler(_request: Request, exc: Any) -> Response:
    """Starlette's exception handler for ``ProtocolError`` (registered by ``web.app``)."""
    if exc.status == 499:
        return Response(status_code=499)
    return error(exc.status, exc.message, exc.headers)
