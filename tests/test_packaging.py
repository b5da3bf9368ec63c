"""The wheel carries the ontology, shapes, data and queries, and the command works from it alone."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile

import pytest

from .conftest import REPO


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
    code = "import icmpd_kg.paths as p, icmpd_kg.cli as c; print(p.RESOURCES); c.main(['validate'])"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert str(site) in proc.stdout and "Conforms: yes" in proc.stdout


def test_the_unpacked_wheel_builds_and_serves_the_full_site(wheel, tmp_path):
    """No checkout, no node_modules beside the package: the query UI still gets YASGUI."""
    import httpx

    from .conftest import serving

    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    env = {"PYTHONPATH": str(site)}
    dist = tmp_path / "dist"
    built = subprocess.run(
        [sys.executable, "-m", "icmpd_kg", "build", "--out", str(dist), "--store", "memory"],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        cwd=tmp_path,
    )
    assert built.returncode == 0, built.stderr
    with serving(dist, env=env) as served:
        page = httpx.get(served.base + "/sparql", headers={"Accept": "text/html"}, timeout=10)
        assert page.status_code == 200 and "/assets/yasgui/yasgui.min.js" in page.text
        script = httpx.get(served.base + "/assets/yasgui/yasgui.min.js", timeout=10)
        assert script.status_code == 200 and len(script.content) > 100_000
        licence = (site / "icmpd_kg" / "_resources" / "yasgui" / "LICENSE.txt").read_text(encoding="utf-8")
        assert "MIT" in licence
