"""The ``memory`` store: the built graph (its N-Quads dump and the Wikidata-shaped view) loaded into
an rdflib dataset, which rdflib's engine queries (``backends.RdflibBackend``).
"""

from __future__ import annotations

from pathlib import Path

from rdflib import Dataset

from icmpd_kg.core import distfiles, settings
from icmpd_kg.core.errors import InputFileError
from icmpd_kg.core.namespaces import VIEW_GRAPH, bind_prefixes


def new_dataset(default_union: bool = True) -> Dataset:
    """An empty dataset for rdflib's engine (``sparql.backends.RdflibBackend`` registers the project's
    functions with rdflib itself, so a plain ``Dataset`` serves)."""
    return Dataset(default_union=default_union)


def load_quads(dump: Path, view: Path | None = None) -> Dataset:
    """An N-Quads file as a dataset, each named graph also visible in the default graph (union);
    ``view`` adds the Wikidata-shaped view."""

    if not Path(dump).is_file():
        raise InputFileError(dump, distfiles.NO_BUILD)
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
