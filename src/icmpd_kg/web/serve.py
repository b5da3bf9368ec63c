"""Running the server: the build checked, the socket bound, uvicorn started over the app with the
guards against slow, idle and flooding clients (``web.guard``). ``icmpd-kg serve`` is a thin wrapper
over ``run``, as rdflib-endpoint's ``cli`` is over its ``run_serve``."""

from __future__ import annotations

import logging
import os
import signal
import sys
from pathlib import Path

from icmpd_kg.core.errors import IcmpdKgError, InputFileError
from icmpd_kg.runtime.config import ServerConfig


def check_build(dist: Path) -> None:
    """Refuse, naming what is missing, a folder that holds no build this server can serve."""
    from icmpd_kg.core.distfiles import NO_BUILD, QUAD_DUMP, missing_for_serving

    if not (dist / QUAD_DUMP).is_file():
        raise InputFileError(dist / QUAD_DUMP, NO_BUILD)
    missing = missing_for_serving(dist)
    if missing:
        raise IcmpdKgError(
            f"{dist}: this build lacks {', '.join(missing)} (made by an older icmpd-kg?); "
            "run 'icmpd-kg build' again"
        )


def run(config: ServerConfig, host: str, port: int, forwarded_allow_ips: str | None = None) -> bool:
    """Serve ``config`` on ``host:port`` (port 0: any free port) until SIGTERM or SIGINT; whether the
    app started. ``config.public_url`` left empty is the address bound."""
    import uvicorn

    from icmpd_kg.web.app import create_app
    from icmpd_kg.web.guard import listen, raise_file_limit, rate_limit_logs, server_options

    try:  # bound here, so that --port 0 (any free port) gives the public URL its real port
        sock = listen(host, port)
    except OSError as exc:
        reason = os.strerror(exc.errno) if exc.errno else str(exc)
        raise IcmpdKgError(f"cannot listen on {host}:{port}: {reason}") from None
    port = sock.getsockname()[1]
    bound = f"http://{host if ':' not in host else f'[{host}]'}:{port}"
    config.public_url = (config.public_url or bound).rstrip("/")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Requests are logged by the app (icmpd_kg.access, with their time), so uvicorn's own access log
    # is off. asyncio's own event loop, even where uvloop is installed (uvicorn would pick it): the
    # pool waits for its workers' pipes with loop.add_reader, and under uvloop reading such a pipe
    # fails (https://github.com/MagicStack/uvloop/issues/686), so workers were reported as crashed.
    # Slow, idle and flooding clients: a deadline and a cap on each request's head, idle connections
    # closed after 5 s, at most max_connections at once (503 past it), logs rate-limited. SIGTERM:
    # stop taking requests, give running ones a few seconds, then stop the workers.
    rate_limit_logs()
    files = raise_file_limit()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(config),
            loop="asyncio",
            log_level="info",
            timeout_graceful_shutdown=3,
            access_log=False,
            proxy_headers=bool(forwarded_allow_ips),
            forwarded_allow_ips=forwarded_allow_ips or "",
            **server_options(
                min(config.max_connections, max(64, files - 64)),
                config.client_timeout,
                behind_proxy=bool(forwarded_allow_ips),
            ),
        )
    )
    logging.getLogger("icmpd_kg.server").info(
        "icmpd-kg running on %s (public URL %s)", bound, config.public_url
    )
    # uvicorn stops gracefully on SIGTERM and then raises the signal again, which, left to the
    # default action, ended the process before Python's exit handlers ran (multiprocessing's
    # temporary folders stayed behind): raised again, it now ends the interpreter normally.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(0))
    server.run(sockets=[sock])
    return bool(server.started)
