"""Oxigraph stores on disk: the one ``build`` writes into ``dist/``, and bulk loading of any RDF
files (``icmpd-kg load FILE... --into oxigraph:DIR``) for benchmarks and for larger data.

Loading does not validate: it is for data that is already known to be good (or for measuring).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any, cast

from icmpd_kg.errors import InputFileError, UnsupportedFormatError
from icmpd_kg.formats import by_extension, rdf_extensions


class _Reading:
    """A binary file that reports how many bytes the parser has read (for a progress bar); the
    file is parsed in one pass, so blank nodes keep their identity across the whole file."""

    def __init__(self, handle, progress: Callable[[int], None] | None):
        self.handle, self.progress = handle, progress

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        if self.progress and data:
            self.progress(len(data))
        return data

    def readable(self) -> bool:
        return True


def _format(path: Path):
    import pyoxigraph as ox

    found = by_extension(path.name)
    if found is None or found.oxigraph is None:
        raise UnsupportedFormatError(
            f"{path}: unknown RDF file extension {path.suffix!r}; "
            f"give one of {', '.join(sorted(rdf_extensions()))}"
        )
    return getattr(ox.RdfFormat, found.oxigraph)


def load_files(
    directory: Path,
    files: Iterable[Path],
    progress: Callable[[int], None] | None = None,
    graph: str | None = None,
) -> int:
    """Bulk-load ``files`` into the Oxigraph store at ``directory`` (created if needed); triples of
    files without graphs go to ``graph`` (default: the default graph). ``progress`` is told the bytes
    read. Returns the number of quads in the store. A file that cannot be parsed is named with the
    parser's message; what was loaded before it stays."""
    import pyoxigraph as ox

    files = [Path(f) for f in files]
    for path in files:
        if not path.is_file():
            raise InputFileError(path, "no such file")
        _format(path)
    store = ox.Store(str(directory))
    to_graph = ox.NamedNode(graph) if graph else None
    try:
        for path in files:
            fmt = _format(path)
            try:
                with path.open("rb") as handle:
                    reading = cast("IO[bytes]", _Reading(handle, progress))
                    store.bulk_load(reading, fmt, base_iri=path.resolve().as_uri(), to_graph=to_graph)
            except SyntaxError as exc:
                raise InputFileError(path, f"cannot parse: {exc}") from None
        store.flush()
        return len(store)
    finally:
        del store


def write_dist_store(directory: Path, nquads: bytes, view_turtle: bytes, view_graph: str) -> None:
    """The built dataset as an Oxigraph store: the N-Quads dump, and the Wikidata-shaped view in its
    own named graph."""
    import pyoxigraph as ox

    store = ox.Store(str(directory))
    store.bulk_load(nquads, ox.RdfFormat.N_QUADS)
    store.bulk_load(view_turtle, ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(view_graph))
    store.update(MERGE_UPDATE)
    store.flush()
    store.optimize()
    del store
    mark_union_default(Path(directory))
    datatypes = integer_subtypes(ox.parse(nquads, ox.RdfFormat.N_QUADS))
    (Path(directory) / DATATYPES_FILE).write_text(
        json.dumps(datatypes, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )


# Oxigraph stores the XSD subtypes of xsd:integer as xsd:integer ("956"^^xsd:nonNegativeInteger
# comes back as "956"^^xsd:integer). The build records, for each property whose values have one
# such subtype, which one, so that descriptions of resources (CONSTRUCT, DESCRIBE, the Linked Data
# pages) give the literals their written datatype back. Rows of a SELECT cannot be mended this way.
DATATYPES_FILE = "icmpd-kg-datatypes.json"
XSD = "http://www.w3.org/2001/XMLSchema#"
INTEGER_SUBTYPES = {
    XSD + t
    for t in (
        "nonNegativeInteger",
        "positiveInteger",
        "negativeInteger",
        "nonPositiveInteger",
        "long",
        "int",
        "short",
        "byte",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
    )
}


def integer_subtypes(quads) -> dict[str, str]:
    """Property IRI -> the one integer subtype all its such literals have."""
    import pyoxigraph as ox

    seen: dict[str, set[str]] = {}
    for quad in quads:
        if isinstance(quad.object, ox.Literal) and quad.object.datatype.value in INTEGER_SUBTYPES:
            seen.setdefault(quad.predicate.value, set()).add(quad.object.datatype.value)
    return {p: next(iter(types)) for p, types in sorted(seen.items()) if len(types) == 1}


def restore_datatype(datatypes: dict[str, str], predicate: Any, value: Any) -> Any:
    """``value`` (an rdflib term) with the datatype its property's literals were written with, if
    Oxigraph turned it into xsd:integer."""
    from rdflib import Literal, URIRef

    written = datatypes.get(str(predicate))
    if written and isinstance(value, Literal) and str(value.datatype) == XSD + "integer":
        return Literal(str(value), datatype=URIRef(written))
    return value


def recorded_datatypes(directory: Path) -> dict[str, str]:
    path = Path(directory) / DATATYPES_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


# SPARQL's default graph, when it is "the union of all graphs", is their RDF merge: a set of
# triples. Oxigraph's union option joins the graphs as a bag (a triple in two graphs is counted
# twice), so the built store keeps the merge itself in its default graph, and says so in a marker
# file; the engine then queries that graph as it is.
MERGE_UPDATE = "INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"
UNION_MARKER = "icmpd-kg-default-graph-is-union"


def mark_union_default(directory: Path) -> None:
    (directory / UNION_MARKER).write_text(
        "The default graph of this store holds the merge of all its graphs.\n", encoding="utf-8"
    )


def union_is_stored(directory: Path) -> bool:
    return (directory / UNION_MARKER).is_file()
