"""Files: the build's dumps (with an index), shapes and VoID in every RDF syntax, the pages' own
assets and YASGUI's, and the health check."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from icmpd_kg import __version__
from icmpd_kg.core import paths
from icmpd_kg.core.distfiles import SHAPES_NAME, SUMS_NAME, VOID_NAME
from icmpd_kg.core.formats import media_type_of_file
from icmpd_kg.core.templating import render
from icmpd_kg.web.common import context, error, rdf_file, static

router = APIRouter()
ASSETS = {
    "site.css": "text/css",
    "query.js": "text/javascript",
    "favicon.svg": "image/svg+xml",
}  # icmpd_kg/static
YASGUI_ASSETS = {"yasgui.min.js": "text/javascript", "yasgui.min.css": "text/css"}


@router.get("/shapes")
async def shapes(request: Request) -> Response:
    return rdf_file(request, context(request).dist / SHAPES_NAME)


@router.get("/.well-known/void")
async def well_known_void(request: Request) -> Response:
    return rdf_file(request, context(request).dist / VOID_NAME)


@router.get("/dumps/")
async def dumps_index(request: Request) -> HTMLResponse:
    """The files of the build, with their media types and sizes."""
    dist = context(request).dist
    files = [
        {"name": p.name, "size": p.stat().st_size, "media": media_type_of_file(p.name)}
        for p in sorted(dist.iterdir())
        if p.is_file() and not p.name.startswith(".")
    ]
    return HTMLResponse(render("dumps.html", files=files))


@router.get("/dumps/{name}")
async def dumps(name: str, request: Request) -> Response:
    path = context(request).dist / name
    if "/" in name or name.startswith(".") or not path.is_file():
        return error(404, f"no dump named {name!r}")
    return static(request, path, media_type_of_file(name))


@router.get("/assets/yasgui/{name}")
async def yasgui_asset(name: str, request: Request) -> Response:
    folder = context(request).config.yasgui_dir
    media = YASGUI_ASSETS.get(name)
    if media is None or folder is None or not (folder / name).is_file():
        return error(404, f"no asset {name!r}; run 'npm install' to install the YASGUI assets")
    return static(request, folder / name, media)


@router.get("/assets/{name}")
async def asset(name: str, request: Request) -> Response:
    media = ASSETS.get(name)
    if media is None:
        return error(404, f"no asset {name!r}")
    return static(request, paths.PACKAGE_DIR / "static" / name, media)


@router.get("/favicon.ico")
async def favicon() -> Response:
    """Browsers ask for /favicon.ico whatever a page names: the site's icon."""
    return RedirectResponse("/assets/favicon.svg", status_code=301)


@router.get("/health")
async def health(request: Request) -> JSONResponse:
    pool = context(request).runner
    status = pool.status()
    ok = status["workers"] > 0
    ctx = context(request)
    served = ctx.cached("build-identity", lambda: build_identity(ctx.dist))
    on_disk = build_identity(ctx.dist)
    body = {"status": "ok" if ok else "unavailable", "version": __version__, "build": served, **status}
    if on_disk != served:  # `icmpd-kg build` rewrote dist/ since: this server still serves the old one
        body["stale"] = f"dist/ now holds build {on_disk}; restart the server to serve it"
    if not ok and pool.last_error:
        body["last_error"] = pool.last_error.splitlines()[-1]
    return JSONResponse(body, status_code=200 if ok else 503)


def build_identity(dist: Path) -> str | None:
    """The build's identity: the start of the SHA-256 of its SHA256SUMS (every file's checksum)."""
    import hashlib

    try:
        return hashlib.sha256((dist / SUMS_NAME).read_bytes()).hexdigest()[:16]
    except OSError:
        return None
