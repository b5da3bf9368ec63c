"""Loading the built graph for the ``memory`` store, and printing answers on the command line.

Queries themselves run through the one engine (``icmpd_kg.engine``), here as at the endpoint.
"""

from __future__ import annotations

import io
from pathlib import Path

from rdflib import Dataset, Graph

from icmpd_kg import distfiles, settings
from icmpd_kg.errors import InputFileError
from icmpd_kg.namespaces import bind_prefixes


def load_quads(dump: Path, view: Path | None = None) -> Dataset:
    """An N-Quads file as a ``DatasetExt`` (the project's SPARQL functions registered), each named
    graph also visible in the default graph (union); ``view`` adds the Wikidata-shaped view."""
    from icmpd_kg.functions import new_dataset
    from icmpd_kg.wikidata_view import VIEW_GRAPH

    if not Path(dump).is_file():
        raise InputFileError(dump, "no built graph here; run 'icmpd-kg build' first (or give --dist)")
    # Keep every literal's lexical form as written ("…T00:00:00Z" stays so), as the server does.
    try:
        with settings.literals_as_written():
            ds = new_dataset()
            ds.parse(dump, format="nquads")
            if view is not None and view.is_file():
                ds.graph(VIEW_GRAPH).parse(view, format="turtle")
    except (OSError, SyntaxError, ValueError) as exc:
        raise InputFileError(dump, f"cannot read the graph: {exc}") from None
    ds.default_union = True
    bind_prefixes(ds)
    return ds


def load_built(dist: Path) -> Dataset:
    """The built dataset of ``dist`` in memory: the N-Quads dump and the Wikidata-shaped view."""
    return load_quads(Path(dist) / distfiles.QUAD_DUMP, Path(dist) / distfiles.VIEW_NAME)


def _cell(term, nm) -> str:
    if term is None:
        return ""
    try:
        return term.n3(nm)
    except TypeError:
        return term.n3()


def format_answer(answer, fmt: str) -> str:
    """``table``, ``csv`` or ``json`` for SELECT/ASK; Turtle (or JSON-LD for ``json``) for graphs."""
    from icmpd_kg.results import write_answer

    if answer.form in ("CONSTRUCT", "DESCRIBE"):
        media = "application/ld+json" if fmt == "json" else "text/turtle"
        return write_answer(answer, media).decode("utf-8")
    if fmt == "json":
        return write_answer(answer, "application/sparql-results+json").decode("utf-8")
    if answer.form == "ASK":
        return ("true" if answer.boolean else "false") + "\n"
    if fmt == "csv":
        return write_answer(answer, "text/csv").decode("utf-8")
    nm = bind_prefixes(Graph()).namespace_manager
    rows = [[_cell(term, nm) for term in row] for row in answer.rows]
    widths = [max([len(v)] + [len(r[i]) for r in rows]) for i, v in enumerate(answer.variables)]
    out = io.StringIO()
    line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    out.write(line + "\n")
    out.write("| " + " | ".join(v.ljust(w) for v, w in zip(answer.variables, widths, strict=True)) + " |\n")
    out.write(line + "\n")
    for r in rows:
        out.write("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |\n")
    out.write(line + "\n")
    out.write(f"{len(rows)} row(s)" + (" (cut at the row limit)" if answer.truncated else "") + "\n")
    return out.getvalue()
