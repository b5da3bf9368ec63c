"""Shared fixtures. Paths come from icmpd_kg.core.paths or from this file, never the working directory."""

from __future__ import annotations

import os
import pickle
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from filelock import FileLock

from icmpd_kg.core import paths
from icmpd_kg.kg.graph import KnowledgeGraph
from icmpd_kg.publishing.build import build
from icmpd_kg.validation.report import Report
from icmpd_kg.validation.validate import validate, validate_files

TESTS_DIR = Path(__file__).resolve().parent
REPO = TESTS_DIR.parent


def made_once(tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[Path], object]) -> Path:
    """``make(path)``, run once per test run: when pytest-xdist runs the tests in several processes,
    the first to ask makes it under a lock and the others wait for it and share it. ``make`` writes
    ``path`` whole or not at all (or the next asker makes it again)."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the run's folder, above each worker's own
    target = root / name
    with FileLock(root / f"{name}.lock"):
        if not target.exists():
            make(target)
    return target


class Lazy(dict):
    """A mapping whose values are made on first use, one key at a time: a session's fixture that
    every test takes one value from costs each process only the values its own tests ask for."""

    def __init__(self, make: Callable[[Any], Any]):
        super().__init__()
        self.make = make

    def __missing__(self, key):
        value = self[key] = self.make(key)
        return value


@pytest.fixture(scope="session")
def kg() -> KnowledgeGraph:
    return KnowledgeGraph.load()


@pytest.fixture(scope="session")
def union(kg):
    return kg.union


@pytest.fixture(scope="session")
def report(kg):
    return validate(kg)


FIXTURES = sorted(paths.SHAPES_EXAMPLES_DIR.glob("*-invalid-*.*"))


@pytest.fixture(scope="session")
def fixture_reports(tmp_path_factory) -> dict[Path, Report]:
    """`icmpd-kg validate` on every invalid example of shapes/examples/, made once per run (the
    test processes share them as a pickle)."""

    def make(target: Path) -> None:
        partial = target.with_name(target.name + ".partial")
        partial.write_bytes(pickle.dumps({fixture: validate_files([fixture]) for fixture in FIXTURES}))
        partial.rename(target)

    return pickle.loads(made_once(tmp_path_factory, "fixture-reports.pickle", make).read_bytes())


@pytest.fixture(scope="session")
def dist(tmp_path_factory) -> Path:
    """The project's build, made once per test run (never changed by a test)."""
    return made_once(tmp_path_factory, "dist", build)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Served:
    """A running `icmpd-kg serve`: its base URL, its process and its log."""

    base: str
    process: subprocess.Popen
    log_file: Path

    def log(self) -> str:
        return self.log_file.read_text(encoding="utf-8", errors="replace")

    def worker_pids(self) -> list[int]:
        """The query workers: children of the forkserver, itself a child of the server."""
        return [w for child in children(self.process.pid) for w in children(child)]


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def descendants(pid: int) -> set[int]:
    """Every process below ``pid``."""
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children(todo.pop()):
            found.add(child)
            todo.append(child)
    return found


@contextmanager
def serving(dist: Path, *args: str, env: dict | None = None, python: str = sys.executable):
    """`icmpd-kg serve` on 127.0.0.1, as a real process, its log in a file; always shut down. It
    binds port 0 and the port it got is read from its log: no other server (a test running beside
    this one) can take the port between choosing it and binding it."""
    import re
    import tempfile

    log_file = Path(tempfile.mkstemp(prefix="icmpd-kg-serve-", suffix=".log")[1])
    with log_file.open("wb") as log:
        proc = subprocess.Popen(
            [
                python,
                "-m",
                "icmpd_kg",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--dist",
                str(dist),
                *args,
            ],
            env={**os.environ, **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        base = None
        while True:
            if base is None:
                found = re.search(
                    r"running on (http://127\.0\.0\.1:\d+)",
                    log_file.read_text(encoding="utf-8", errors="replace"),
                )
                base = found.group(1) if found else None
            if base is not None:
                try:
                    if httpx.get(base + "/health", timeout=1).status_code in (200, 503):
                        break
                except httpx.HTTPError:
                    pass
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(
                    log_file.read_text(encoding="utf-8", errors="replace") or "server did not start"
                )
            time.sleep(0.1)
        yield Served(base, proc, log_file)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log_file.unlink(missing_ok=True)


@contextmanager
def live_server(dist: Path, *args: str, env: dict | None = None):
    """`icmpd-kg serve` on 127.0.0.1 and a free port, ready to answer; yields its base URL."""
    with serving(dist, *args, env=env) as served:
        deadline = time.monotonic() + 60
        while httpx.get(served.base + "/health", timeout=5).status_code != 200:
            if time.monotonic() > deadline:
                raise RuntimeError(served.log())
            time.sleep(0.1)
        yield served.base


def value_of(text: str):
    """A result value as a value: Oxigraph returns typed literals in canonical form ("1" for the
    double "1.0", "+00:00" for "Z"), rdflib as written; both are the same value."""
    import datetime

    try:
        return float(text)
    except ValueError:
        pass
    try:
        return datetime.datetime.fromisoformat(text)
    except ValueError:
        return text


def by_value(rows: list[dict[str, str]]) -> list[dict]:
    return [{k: value_of(v) for k, v in row.items()} for row in rows]


# The options of the server the tests share (short timeout, few rows, short queries: limits a test
# can reach). The in-process site and the real server are made with the same.
TIMEOUT = 3.0
MAX_ROWS = 50
MAX_QUERY_LENGTH = 5000


@pytest.fixture(scope="session")
def server(dist):
    """`icmpd-kg serve` as a real process on a real socket, for what needs one: real clients
    (SPARQLWrapper, browsers), timeouts and workers, raw HTTP. Shared by the whole session."""
    with live_server(
        dist,
        "--timeout",
        str(TIMEOUT),
        "--max-rows",
        str(MAX_ROWS),
        "--max-query-length",
        str(MAX_QUERY_LENGTH),
    ) as base:
        yield base


@pytest.fixture(scope="session")
def site(dist):
    """The same app in this process, its queries run by the engine in a thread
    (``workers.InlineRunner``) instead of worker processes: routes, negotiation, headers and pages
    through Starlette's ``TestClient``, with no socket and no process to start."""
    from starlette.testclient import TestClient

    from icmpd_kg.runtime.config import ServerConfig, query_policy
    from icmpd_kg.runtime.pool import InlineRunner
    from icmpd_kg.sparql.engine import open_engine
    from icmpd_kg.web.app import create_app

    config = ServerConfig(dist=dist, timeout=TIMEOUT, max_rows=MAX_ROWS, max_query_length=MAX_QUERY_LENGTH)
    engine = open_engine(dist, policy=query_policy(config))
    app = create_app(config, runner=InlineRunner(engine, "oxigraph"))
    with TestClient(app, base_url=config.public_url, follow_redirects=False) as client:
        yield client
    engine.close()


# --- tiers ----------------------------------------------------------------------------------------------
# `pytest -m "not server and not timing and not slow"` is the fast tier: no server (a process or an
# in-thread stand-in that listens) or worker started, no bound on time asserted. A test is marked by
# what its code, its fixtures' code and the helpers of its module and of tests/standin.py and
# tests/virtuoso.py that it calls contain; a test module may also mark itself.
SERVER_CALLS = (
    "serving(",
    "live_server(",
    "WorkerPool(",
    "Popen(",
    "HTTPServer(",
    "stand_in_endpoint(",
    "virtuoso(",
    "serve(",
    '"serve"',
    "'serve'",
    "chromium",
)
TIMING_CALLS = ("time.monotonic(", "time.perf_counter(", "time.sleep(", "elapsed", "deadline")


def _source(function: Any) -> str:
    import inspect

    try:
        return inspect.getsource(function)
    except (OSError, TypeError):
        return ""


def _server_helpers(module: Any) -> set[str]:
    """Names of the functions of ``module`` (and of the helper modules it may use) that start a
    server, directly or through another of them."""
    import inspect

    functions: dict[str, str] = {}
    for source in (module, sys.modules.get("tests.standin"), sys.modules.get("tests.virtuoso")):
        for name, function in inspect.getmembers(source, inspect.isfunction) if source else ():
            functions.setdefault(name, _source(function))
    helpers = {n for n, code in functions.items() if any(call in code for call in SERVER_CALLS)}
    while True:  # through other helpers, to any depth
        more = {
            n for n, code in functions.items() if n not in helpers and any(f"{h}(" in code for h in helpers)
        }
        if not more:
            return helpers
        helpers |= more


def _sources(item: pytest.Item) -> str:
    """The test's own code and that of every fixture it uses (a fixture may start the server)."""
    parts = [_source(getattr(item, "function", None))]
    info = getattr(item, "_fixtureinfo", None)
    for definitions in info.name2fixturedefs.values() if info else ():
        parts += [_source(d.func) for d in definitions]
    return "\n".join(parts)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    helpers: dict[Any, set[str]] = {}
    for item in items:
        module = getattr(item, "module", None)
        if module not in helpers:
            helpers[module] = _server_helpers(module)
        source = _sources(item)
        calls = SERVER_CALLS + tuple(f"{h}(" for h in helpers[module])
        if any(call in source for call in calls):
            item.add_marker(pytest.mark.server)
        if any(call in source for call in TIMING_CALLS):
            item.add_marker(pytest.mark.timing)
