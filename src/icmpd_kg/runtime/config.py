"""The server's settings (``ServerConfig``) and what follows from them, apart from the app that
uses them, so that the web routers read them without importing the server.

Each runtime limit is declared once, as a field of ``ServerConfig``: its name, type and default, and
in its metadata (``limit``) its lower bound, its option and its help. The command line's options
(``limit_option``), the config and the query policy (``query_policy``) are all made from it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from icmpd_kg.core import paths
from icmpd_kg.store.spec import StoreSpec

if TYPE_CHECKING:
    from icmpd_kg.sparql.query_text import Policy

DEFAULT_SERVICE_ALLOWLIST = ("https://query.wikidata.org/sparql",)


def machine_memory_mb() -> int | None:
    """The memory this server may use: its cgroup's limit where one is set, else the machine's."""
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if limit.isdigit():
            return int(limit) // (1024 * 1024)
    except OSError:
        pass
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def per_query_limit(config: ServerConfig) -> int | None:
    """Each worker's memory limit: ``--memory-limit``, within an equal share of the budget for every
    process that can run a query at once (both lanes, the spares and an update), so that all of
    them together stay inside the budget (3/4 of the machine's memory unless set)."""
    from icmpd_kg.runtime.pool import SPARES

    processes = 2 * config.workers + SPARES + 1
    budget = config.memory_budget_mb
    if budget is None:
        machine = machine_memory_mb()
        budget = machine * 3 // 4 if machine else None
    share = max(64, budget // processes) if budget else None
    if config.memory_limit_mb and share:
        return min(config.memory_limit_mb, share)
    return config.memory_limit_mb or share


def limit(default: Any, minimum: float, help: str, option: str | None = None) -> Any:
    """A runtime limit: a field with its default, and its bound, option and help in its metadata."""
    return field(default=default, metadata={"limit": {"minimum": minimum, "help": help, "option": option}})


@dataclass
class ServerConfig:
    dist: Path
    public_url: str = "http://127.0.0.1:8000"
    timeout: float = limit(10.0, 0.1, "Seconds a query may run before it is stopped (answered 503).")
    max_query_length: int = limit(
        100_000, 1, "Longest query accepted, in characters (longer ones are answered 413)."
    )
    max_rows: int = limit(
        10_000, 1, "Most result rows returned; a cut result says so in the X-Result-Truncated header."
    )
    workers: int = limit(2, 1, "Query workers in the fast lane (the slow lane has as many).")
    store: StoreSpec | None = None  # default: the build's Oxigraph store, else the dump in memory
    fast_budget: float = limit(
        0.5, 0.01, "Seconds a query runs in the fast lane before it moves to the slow lane."
    )
    client_share: int = limit(
        1, 1, "Slow-lane slots one client address may hold; more slow queries are answered 429."
    )
    memory_limit_mb: int | None = limit(
        2048,
        0,
        "Memory a query may use, in MB (0: only the budget's share); past it the query is stopped.",
        option="--memory-limit",
    )
    memory_budget_mb: int | None = limit(
        None,
        64,
        "Memory all query workers together may use, in MB; each gets at most an equal share of it "
        "(both lanes, the spares and an update) [default: 3/4 of the machine's or the cgroup's memory].",
        option="--memory-budget",
    )
    max_result_bytes: int = 50_000_000
    service_allowlist: tuple[str, ...] = DEFAULT_SERVICE_ALLOWLIST
    yasgui_dir: Path | None = field(default_factory=lambda: paths.YASGUI_DIR)
    update_key: str | None = None  # SPARQL Update is refused (403) unless this is set and presented
    client_timeout: float = limit(
        10.0,
        0.1,
        "Seconds a client may take to send a request's head (answered 408 and closed past it), "
        "and again its body.",
    )
    max_connections: int = limit(
        1000,
        1,
        "Connections and requests served at once; past it a request is answered 503. An idle "
        "connection is closed after 5 s.",
    )


LIMITS = {f.name: f for f in fields(ServerConfig) if "limit" in f.metadata}


def limit_option(name: str, **overrides: Any) -> Callable[[Any], Any]:
    """The command-line option of the runtime limit ``name``, from its one declaration; a command
    that is not the server may give its own ``default`` and ``help``."""
    import click

    declared = LIMITS[name]
    meta = declared.metadata["limit"]
    kind = float if "float" in str(declared.type) else int
    bounds = click.FloatRange(min=meta["minimum"]) if kind is float else click.IntRange(min=meta["minimum"])
    default = overrides.get("default", declared.default)
    return click.option(
        meta["option"] or "--" + name.replace("_", "-"),
        name,
        type=bounds,
        default=default,
        show_default=default is not None,
        help=overrides.get("help", meta["help"]),
    )


def query_policy(config: ServerConfig) -> Policy:
    """What a query may do at this server: its limits, its SERVICE allowlist, and the endpoint's IRI
    as the protocol's base for relative IRIs."""
    from icmpd_kg.sparql.query_text import Policy

    return Policy(
        service_allowlist=config.service_allowlist,
        max_rows=config.max_rows,
        max_result_bytes=config.max_result_bytes,
        service_timeout=config.timeout,
        base_iri=config.public_url.rstrip("/") + "/sparql",
    )
