"""The wheel carries the ontology, shapes, data and queries, and the command works from it alone."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .conftest import REPO

pytestmark = pytest.mark.slow  # the fast tier leaves it out (see pyproject's markers)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(REPO),
        ],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        pytest.fail(f"pip wheel failed: {proc.stderr[-2000:]}")
    [whl] = list(out.glob("icmpd_kg-*.whl"))
    return whl


def test_wheel_contains_resources(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "icmpd_kg/_resources/ontology/icmpd-kg.ttl",
        "icmpd_kg/_resources/shapes/icmpd-kg-shapes.ttl",
        "icmpd_kg/_resources/data/icmpd.trig",
        "icmpd_kg/_resources/data/source/icmpd-tr.txt",
        "icmpd_kg/_resources/data/queries/founding.rq",
        "icmpd_kg/py.typed",
        "icmpd_kg/_resources/yasgui/yasgui.min.js",
        "icmpd_kg/_resources/yasgui/yasgui.min.css",
        "icmpd_kg/_resources/yasgui/LICENSE.txt",
    ):
        assert needed in names, needed
    assert any(n.endswith("entry_points.txt") for n in names)


def test_command_runs_from_the_unpacked_wheel(wheel, tmp_path):
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    env = {**os.environ, "PYTHONPATH": str(site)}
    code = "import icmpd_kg.core.paths as p, icmpd_kg.cli as c; print(p.RESOURCES); c.main(['validate'])"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert str(site) in proc.stdout and "Conforms: yes" in proc.stdout


def test_the_unpacked_wheel_serves_the_full_site(wheel, tmp_path, dist):
    """No checkout, no node_modules beside the package: the query UI still gets YASGUI. (That the
    wheel's own command builds is shown by the installed wheel's test below.)"""
    import httpx

    from .conftest import serving

    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    with serving(dist, env={"PYTHONPATH": str(site)}) as served:
        page = httpx.get(served.base + "/sparql", headers={"Accept": "text/html"}, timeout=10)
        assert page.status_code == 200 and "/assets/yasgui/yasgui.min.js" in page.text
        script = httpx.get(served.base + "/assets/yasgui/yasgui.min.js", timeout=10)
        assert script.status_code == 200 and len(script.content) > 100_000
        licence = (site / "icmpd_kg" / "_resources" / "yasgui" / "LICENSE.txt").read_text(encoding="utf-8")
        assert "MIT" in licence


BLOCK = """
import importlib.abc, sys
BLOCKED = set(sys.argv[1].split(","))
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"{name} is not installed (blocked by the test)")
        return None
sys.meta_path.insert(0, Block())
"""
OPTIONAL = "pylode,shacl,sssom,pandas,curies,numpy,linkml_runtime"


def test_the_server_needs_none_of_the_build_and_wikidata_extras(dist):
    """serve, query and every page work with the [build] and [wikidata] packages absent."""
    code = (
        BLOCK
        + f"""
from pathlib import Path
from starlette.testclient import TestClient
from icmpd_kg.runtime.config import ServerConfig, query_policy
from icmpd_kg.sparql.engine import open_engine
from icmpd_kg.web.app import create_app
from icmpd_kg.runtime.pool import InlineRunner
config = ServerConfig(dist=Path({str(dist)!r}))
engine = open_engine(config.dist, policy=query_policy(config))
with TestClient(create_app(config, runner=InlineRunner(engine, "oxigraph")), base_url=config.public_url) as c:
    for page, accept in [
        ("/", "text/html"), ("/sparql", "text/html"), ("/id/organisation/icmpd", "text/html"),
        ("/id/organisation/icmpd", "application/ld+json"), ("/ontology?lang=tr", "text/html"),
        ("/ontology/diagram", "text/html"), ("/functions", "text/html"),
        ("/sparql?query=ASK%7B%7D", "application/sparql-results+json"),
    ]:
        assert c.get(page, headers={{"Accept": accept}}).status_code == 200, page
print(sorted(m for m in BLOCKED if m in sys.modules))
"""
    )
    done = subprocess.run([sys.executable, "-c", code, OPTIONAL], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_validate_without_the_build_extra_says_which_extra_to_install():
    code = BLOCK + "from icmpd_kg.cli import main\nmain(['validate'])"
    done = subprocess.run([sys.executable, "-c", code, OPTIONAL], capture_output=True, text=True)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "pip install 'icmpd-kg[build]'" in done.stderr and "Traceback" not in done.stderr


def test_every_imported_package_is_declared():
    """Each module the package imports comes from the standard library, or from a distribution
    declared in pyproject.toml (core or an extra other than the tests')."""
    import ast
    import importlib.metadata
    import re

    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = [*project["dependencies"]] + [
        d
        for extra, deps in project["optional-dependencies"].items()
        if extra not in ("test", "bench")
        for d in deps
    ]

    def norm(name: str) -> str:
        return re.sub(r"[-_.]+", "-", name).lower()

    declared = {norm(re.split(r"[<>=!;\[ ]", d, maxsplit=1)[0]) for d in wanted}
    providers = importlib.metadata.packages_distributions()
    undeclared = {}
    for source in (REPO / "src" / "icmpd_kg").rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module]
                if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module
                else []
            )
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top == "icmpd_kg":
                    continue
                if not {norm(d) for d in providers.get(top, [top])} & declared:
                    undeclared[top] = source.name
    assert undeclared == {}, f"imported but not declared in pyproject.toml: {undeclared}"


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium")
def test_the_wheel_installs_from_an_index_into_a_new_environment_and_serves_the_ui(wheel, tmp_path):
    """The wheel from a registry-style (PEP 503) index into a new virtual environment, no checkout,
    no npm: its own `icmpd-kg` builds and serves, and Chromium runs a query in the UI. No test may
    reach the internet, so the dependencies come from this environment's site-packages (a .pth
    file), and pip installs the package alone from the local index."""
    import sysconfig
    import venv

    from playwright.sync_api import sync_playwright

    from .conftest import serving
    from .test_browser import _browser

    index = tmp_path / "index" / "icmpd-kg"
    index.mkdir(parents=True)
    shutil.copy(wheel, index / wheel.name)
    (index / "index.html").write_text(f'<a href="{wheel.name}">{wheel.name}</a>\n', encoding="utf-8")
    env_dir = tmp_path / "env"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    site = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    installed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "--quiet",
            "--index-url",
            (tmp_path / "index").as_uri(),
            "icmpd-kg",
        ],
        capture_output=True,
        text=True,
    )
    assert installed.returncode == 0, installed.stderr[-2000:]
    # then the dependencies: this environment's packages, after the new environment's own (written
    # after installing, or pip would take this checkout's editable install for the package)
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    command = env_dir / "bin" / "icmpd-kg"
    assert command.is_file()
    located = subprocess.run(
        [python, "-c", "import icmpd_kg.core.paths as p; print(p.PACKAGE_DIR, p.YASGUI_DIR)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    ).stdout
    assert str(site) in located and "_resources/yasgui" in located, located
    dist = tmp_path / "dist"
    built = subprocess.run(
        [command, "build", "--out", str(dist), "--store", "memory"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    with serving(
        dist, env={"PATH": f"{env_dir / 'bin'}:{os.environ.get('PATH', '')}"}, python=str(python)
    ) as served:
        with sync_playwright() as p:
            browser = _browser(p)
            try:
                page = browser.new_page()
                page.goto(served.base + "/sparql", wait_until="load")
                page.wait_for_function("window.yasgui !== undefined", timeout=20000)
                page.evaluate("window.yasgui.getTab().query()")
                page.wait_for_selector(".yasr table tbody tr", timeout=20000)
                assert "Switzerland" in page.inner_text(".yasr table tbody")
            finally:
                browser.close()


def test_a_wheel_built_before_npm_ci_builds_without_the_ui_and_says_so(tmp_path):
    """`pip install -e .` before `npm ci` failed with hatchling's 46-line traceback of a missing file:
    the wheel is built without YASGUI, the hook says how to add it, and the UI page says so too."""
    import shutil
    import subprocess
    import sys
    import zipfile

    from .conftest import REPO

    tree = tmp_path / "tree"
    shutil.copytree(
        REPO,
        tree,
        ignore=shutil.ignore_patterns(".git", ".venv", "node_modules", "dist", ".pytest_cache", "*.pyc"),
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-v",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path),
            ".",
        ],
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "run 'npm ci' first" in done.stdout + done.stderr
    [wheel] = tmp_path.glob("*.whl")
    assert not [n for n in zipfile.ZipFile(wheel).namelist() if "yasgui" in n]


def test_fact_new_from_a_wheel_does_not_write_into_the_package(wheel, tmp_path):
    """`fact new` from an installed wheel wrote into site-packages: it asks for a checkout's data."""
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    env = {**os.environ, "PYTHONPATH": str(site)}
    before = {p: p.read_bytes() for p in (site / "icmpd_kg" / "_resources" / "data").glob("*.trig")}
    code = "import icmpd_kg.cli as c; c.main(['fact', 'new', 'x', '--quote', 'ICMPD'])"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert proc.returncode == 2 and "--data-dir" in proc.stderr, proc.stderr
    assert {p: p.read_bytes() for p in before} == before
