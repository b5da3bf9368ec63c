"""The server's settings (``ServerConfig``) and what follows from them, apart from the app that
uses them, so that the web routers read them without importing the server."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from icmpd_kg.core import paths
from icmpd_kg.runtime.pool import SPARES
from icmpd_kg.sparql.query_text import Policy
from icmpd_kg.store.spec import StoreSpec

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
    processes = 2 * config.workers + SPARES + 1
    budget = config.memory_budget_mb
    if budget is None:
        machine = machine_memory_mb()
        budget = machine * 3 // 4 if machine else None
    share = max(64, budget // processes) if budget else None
    if config.memory_limit_mb and share:
        return min(config.memory_limit_mb, share)
    return config.memory_limit_mb or share


@dataclass
class ServerConfig:
    dist: Path
    public_url: str = "http://127.0.0.1:8000"
    timeout: float = 10.0
    max_query_length: int = 100_000
    max_rows: int = 10_000
    workers: int = 2  # fast-lane slots; the slow lane has as many
    store: StoreSpec | None = None  # default: the build's Oxigraph store, else the dump in memory
    fast_budget: float = 0.5  # seconds a query may run in the fast lane before it moves to the slow lane
    client_share: int = 1  # slow-lane slots one client address may hold; past them, 429
    memory_limit_mb: int | None = 2048  # per query worker, within the budget below
    memory_budget_mb: int | None = None  # for every worker together; None: 3/4 of the machine's memory
    max_result_bytes: int = 50_000_000
    service_allowlist: tuple[str, ...] = DEFAULT_SERVICE_ALLOWLIST
    yasgui_dir: Path | None = field(default_factory=lambda: paths.YASGUI_DIR)
    update_key: str | None = None  # SPARQL Update is refused (403) unless this is set and presented
    client_timeout: float = 10.0  # seconds a client may take to send a request's head, and its body


def query_policy(config: ServerConfig) -> Policy:
    """What a query may do at this server: its limits, its SERVICE allowlist, and the endpoint's IRI
    as the protocol's base for relative IRIs."""
    return Policy(
        service_allowlist=config.service_allowlist,
        max_rows=config.max_rows,
        max_result_bytes=config.max_result_bytes,
        service_timeout=config.timeout,
        base_iri=config.public_url.rstrip("/") + "/sparql",
    )
