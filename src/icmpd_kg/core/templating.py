"""HTML pages from the package's Jinja2 templates (``src/icmpd_kg/templates/``), autoescaped; the
environment is built once per process."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

# In a <script> element the HTML parser looks for "</script" and for "<!--" (which, followed by
# "<script", hides the element's end and takes the rest of the page with it): JSON text that goes
# there has its <, > and & as JSON escapes, as Jinja's own ``tojson`` writes them.
_SCRIPT_ESCAPES = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "'": "\\u0027"})


def script_json(text: str) -> Any:
    """JSON text, already serialised, made safe to stand inside a ``<script>`` element (markup-safe)."""
    from markupsafe import Markup

    return Markup(str(text).translate(_SCRIPT_ESCAPES))


@lru_cache(maxsize=1)
def _environment() -> Any:
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("icmpd_kg", "templates"), autoescape=select_autoescape(["html"]))
    env.filters["script_json"] = script_json
    return env


def render(name: str, **context: Any) -> str:
    return _environment().get_template(name).render(**context)
