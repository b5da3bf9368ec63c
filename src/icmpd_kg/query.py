"""SPARQL over the built graph, for the command line (the server has its own safe runner)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import rdflib
from pyparsing import ParseException
from rdflib import Dataset, Graph
from rdflib.plugins.sparql import prepareQuery
from rdflib.query import Result

from icmpd_kg.errors import InputFileError, QueryError
from icmpd_kg.export import DUMPS, VIEW_NAME
from icmpd_kg.graph import parse_file
from icmpd_kg.namespaces import PREFIXES, bind_prefixes

QUAD_DUMP = next(d.filename for d in DUMPS if d.key == "nquads")


def load_built(dist: Path) -> Dataset:
    """The built dataset, every named graph also visible in the default graph (union)."""
    dump = Path(dist) / QUAD_DUMP
    if not dump.is_file():
        raise InputFileError(dump, "no built graph here; run 'icmpd-kg build' first (or give --dist)")
    # Keep every literal's lexical form as written ("…T00:00:00Z" stays so), as the server does.
    previous, rdflib.NORMALIZE_LITERALS = rdflib.NORMALIZE_LITERALS, False
    try:
        from icmpd_kg.functions import new_dataset

        parsed = parse_file(dump)
        ds = new_dataset()  # a DatasetExt: the project's SPARQL functions answer on it
        for s, p, o, g in parsed.quads((None, None, None, None)):
            ds.graph(g.identifier if isinstance(g, Graph) else g).add((s, p, o))
        view = Path(dist) / VIEW_NAME
        if view.is_file():  # the Wikidata-shaped view, as its own named graph
            from icmpd_kg.wikidata_view import VIEW_GRAPH

            ds.graph(VIEW_GRAPH).parse(view, format="turtle")
    finally:
        rdflib.NORMALIZE_LITERALS = previous
    ds.default_union = True
    return bind_prefixes(ds)


def parse_query(text: str):
    """Parse ``text`` with the project prefixes predeclared; errors carry line and column."""
    try:
        return prepareQuery(text, initNs=PREFIXES)
    except ParseException as exc:
        raise QueryError(f"SPARQL syntax error at line {exc.lineno}, column {exc.col}: {exc.msg}") from None
    except Exception as exc:  # noqa: BLE001 - rdflib reports other query errors in many types
        raise QueryError(f"SPARQL error: {exc}") from None


def run_query(ds: Dataset, text: str) -> Result:
    query = parse_query(text)
    try:
        return ds.query(query)
    except Exception as exc:  # noqa: BLE001
        raise QueryError(f"SPARQL evaluation failed: {exc}") from None


def _cell(term, nm) -> str:
    if term is None:
        return ""
    try:
        return term.n3(nm)
    except TypeError:
        return term.n3()


def format_result(result: Result, fmt: str) -> str:
    """``table``, ``csv`` or ``json`` for SELECT/ASK; Turtle (or JSON-LD for ``json``) for graphs."""
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        graph = bind_prefixes(Graph())
        for triple in result:
            graph.add(triple)
        return graph.serialize(format="json-ld" if fmt == "json" else "turtle")
    if fmt == "json":
        return result.serialize(format="json").decode("utf-8")
    if result.type == "ASK":
        return ("true" if result.askAnswer else "false") + "\n"
    variables = [str(v) for v in result.vars or []]
    if fmt == "csv":
        return result.serialize(format="csv").decode("utf-8")
    nm = bind_prefixes(Graph()).namespace_manager
    rows = [[_cell(row[v], nm) for v in variables] for row in result]
    widths = [max([len(v)] + [len(r[i]) for r in rows]) for i, v in enumerate(variables)]
    out = io.StringIO()
    line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    out.write(line + "\n")
    out.write("| " + " | ".join(v.ljust(w) for v, w in zip(variables, widths)) + " |\n")
    out.write(line + "\n")
    for r in rows:
        out.write("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |\n")
    out.write(line + "\n")
    out.write(f"{len(rows)} row(s)\n")
    return out.getvalue()


def rows_as_dicts(result: Result) -> list[dict[str, str]]:
    """SELECT results as plain strings keyed by variable (for tests and scripts)."""
    data = json.loads(result.serialize(format="json"))
    return [{k: v["value"] for k, v in b.items()} for b in data["results"]["bindings"]]



