"""A real Virtuoso (Debian's virtuoso-opensource) on 127.0.0.1, in a temporary folder, for the
publishing test. Its SPARQL endpoint is /sparql; its Graph Store endpoint /sparql-graph-crud-auth
takes HTTP digest authentication (dba/dba in a new database)."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")
DB_DIR = "/var/lib/virtuoso-opensource-7/db"


def available() -> str | None:
    """Why Virtuoso cannot run here, or None when it can."""
    if shutil.which("virtuoso-t") is None:
        return "virtuoso-t is not installed (apt-get install virtuoso-opensource; .ci/run does)"
    if not INI.is_file():
        return f"{INI} is missing"
    return None


@contextmanager
def virtuoso(folder: Path, sql_port: int, http_port: int):
    """Yields the base URL (http://127.0.0.1:PORT) of a Virtuoso running in ``folder``."""
    text = INI.read_text(encoding="utf-8", errors="replace").replace(DB_DIR, str(folder))
    sections = re.split(r"(?m)^(?=\[)", text)
    for i, section in enumerate(sections):
        if section.startswith("[Parameters]"):
            sections[i] = re.sub(r"(?m)^ServerPort\s*=.*$", f"ServerPort = 127.0.0.1:{sql_port}", section)
        elif section.startswith("[HTTPServer]"):
            sections[i] = re.sub(r"(?m)^ServerPort\s*=.*$", f"ServerPort = 127.0.0.1:{http_port}", section)
    ini = folder / "virtuoso.ini"
    ini.write_text("".join(sections), encoding="utf-8")
    log = (folder / "console.log").open("wb")
    proc = subprocess.Popen(
        ["virtuoso-t", "-f", "-c", str(ini)], cwd=folder, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{http_port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(base + "/sparql", params={"query": "ASK {}"}, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    "Virtuoso did not start:\n" + (folder / "console.log").read_text(errors="replace")[-2000:]
                )
            time.sleep(0.5)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
