"""HTML pages from the package's Jinja2 templates (``src/icmpd_kg/templates/``), autoescaped; the
environment is built once per process."""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _environment() -> Any:
    from jinja2 import Environment, PackageLoader, select_autoescape

    return Environment(loader=PackageLoader("icmpd_kg", "templates"), autoescape=select_autoescape(["html"]))


def render(name: str, **context: Any) -> str:
    return _environment().get_template(name).render(**context)
