"""Loading: files into one RDF dataset, and the views of it the rest of the code works on.

Facts live in named graphs (one per span of source text, see data/README.md); the default
graph holds provenance. ``union`` merges every graph into one, which is what SHACL validation,
the Turtle/N-Triples/RDF-XML dumps and a plain SPARQL user see.
"""

from __future__ import annotations

import functools
import json
import xml.sax
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import OWL, RDF, RDFS, Dataset, Graph
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.plugins.parsers.notation3 import BadSyntax
from rdflib.term import IdentifiedNode, Node

from icmpd_kg.core import paths
from icmpd_kg.core.errors import InputFileError, UnsupportedFormatError
from icmpd_kg.core.formats import by_extension, rdf_extensions
from icmpd_kg.core.namespaces import bind_prefixes
from icmpd_kg.core.settings import literals_as_written


def format_of(path: Path) -> tuple[str, bool]:
    if path.name.lower().endswith(".sssom.tsv"):
        return "sssom", True
    found = by_extension(path.name)
    if found is None or found.rdflib is None:
        known = ", ".join(sorted(rdf_extensions()) + [".sssom.tsv"])
        raise UnsupportedFormatError(f"{path}: unknown RDF file extension {path.suffix!r} (known: {known})")
    return found.rdflib, found.kind == "dataset"


def _line_of_ntriples_error(path: Path, fmt: str) -> int | None:
    """rdflib's N-Triples/N-Quads errors carry no line: find the first line that fails alone."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            Dataset().parse(data=line + "\n", format=fmt)
        except Exception:  # noqa: BLE001 - any failure marks the line
            return number
    return None


def parse_file(path: Path) -> Dataset:
    """Parse one file into a fresh dataset; triple formats go to the default graph."""
    path = Path(path)
    fmt, quads = format_of(path)
    if not path.is_file():
        raise InputFileError(path, "no such file")
    if fmt == "sssom":
        from icmpd_kg.kg.mappings import to_dataset

        return to_dataset(path)
    target = Dataset()
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputFileError(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    try:
        with literals_as_written():  # "+19"^^xsd:decimal stays as the file writes it
            if quads:
                target.parse(data=text, format=fmt, publicID=path.resolve().as_uri())
            else:
                target.graph(DATASET_DEFAULT_GRAPH_ID).parse(
                    data=text, format=fmt, publicID=path.resolve().as_uri()
                )
    except BadSyntax as exc:
        raise InputFileError(path, f"syntax error: {exc._why}", line=exc.lines + 1) from None
    except xml.sax.SAXParseException as exc:
        raise InputFileError(
            path, f"XML syntax error: {exc.getMessage()}", line=exc.getLineNumber()
        ) from None
    except json.JSONDecodeError as exc:
        raise InputFileError(path, f"JSON syntax error: {exc.msg}", line=exc.lineno) from None
    except Exception as exc:  # rdflib raises many kinds; each still names the file
        line = _line_of_ntriples_error(path, fmt) if fmt in ("nt", "nquads") else None
        raise InputFileError(path, f"cannot parse as {fmt}: {exc}", line=line) from None
    return target


def merge(datasets: Iterable[Dataset]) -> Dataset:
    merged = bind_prefixes(Dataset())
    for ds in datasets:
        for s, p, o, g in ds.quads((None, None, None, None)):
            name = g.identifier if isinstance(g, Graph) else g
            if name is None or name == DATASET_DEFAULT_GRAPH_ID:
                name = DATASET_DEFAULT_GRAPH_ID
            merged.graph(name).add((s, p, o))
    return merged


def load_dataset(files: Iterable[Path]) -> Dataset:
    return merge(parse_file(Path(f)) for f in files)


def load_graph(files: Iterable[Path]) -> Graph:
    return union(load_dataset(files))


class ReadOnlyGraph(Graph):
    """A graph shared by everyone in the process (the parsed ontology and shapes): its triples
    cannot be changed; copy it (``load_graph_cached``) to change it."""

    def add(self, triple):  # type: ignore[override]
        raise TypeError("this graph is shared and read-only; copy it to change it")

    def addN(self, quads):  # type: ignore[override]  # noqa: N802 - rdflib's name
        raise TypeError("this graph is shared and read-only; copy it to change it")

    def remove(self, triple):  # type: ignore[override]
        raise TypeError("this graph is shared and read-only; copy it to change it")


@functools.lru_cache(maxsize=64)
def _cached_graph(files: tuple[tuple[Path, int, int], ...]) -> Graph:
    graph = load_graph(path for path, _, _ in files)
    graph.__class__ = ReadOnlyGraph  # filled; from now on only read
    return graph


def load_graph_cached(files: Iterable[Path]) -> Graph:
    """``load_graph`` for the project's own sources (ontology, imports, shapes), parsed once per
    process while the files are unchanged (the key holds each file's size and modification time).
    Callers get a copy, so changing it never changes the cache."""
    copy = bind_prefixes(Graph())
    for triple in _shared_graph(files):
        copy.add(triple)
    return copy


def _shared_graph(files: Iterable[Path]) -> Graph:
    """The cached graph itself: read it, never change it."""
    return _cached_graph(tuple((Path(f), Path(f).stat().st_mtime_ns, Path(f).stat().st_size) for f in files))


def union(ds: Dataset) -> Graph:
    """Every triple of every graph of ``ds`` in one graph."""
    g = bind_prefixes(Graph())
    for s, p, o, _ in ds.quads((None, None, None, None)):
        g.add((s, p, o))
    return g


def named_graphs(ds: Dataset) -> dict[IdentifiedNode, Graph]:
    """The non-empty named graphs of ``ds`` by name (the default graph left out)."""
    return {g.identifier: g for g in ds.graphs() if g.identifier != DATASET_DEFAULT_GRAPH_ID and len(g) > 0}


def default_graph(ds: Dataset) -> Graph:
    return ds.graph(DATASET_DEFAULT_GRAPH_ID)


IS_ONTOLOGY = (str(RDF.type), str(OWL.Ontology))


def ontology_closure(root: Path | None = None, catalog_file: Path | None = None) -> list[Path]:
    """The ontology file and every file its ``owl:imports`` reach, transitively, resolved through
    the catalog; an import the catalog cannot resolve is an error that names it."""
    root = Path(root or paths.ONTOLOGY_FILE)
    where = paths.catalog(catalog_file)
    order: list[Path] = []
    pending = [root]
    while pending:
        path = pending.pop(0)
        if path in order:
            continue
        order.append(path)
        for imported in _imports(path, path.stat().st_mtime_ns):
            target = where.get(imported)
            if target is None:
                raise InputFileError(
                    path,
                    f"owl:imports <{imported}> has no local copy in {catalog_file or paths.CATALOG_FILE}",
                )
            pending.append(target)
    return order


@dataclass
class KnowledgeGraph:
    """The project's graph: ontology (with imports), data (a dataset), shapes."""

    data: Dataset
    ontology: Graph
    shapes: Graph
    data_files: list[Path] = field(default_factory=list)

    @classmethod
    def load(cls, data_files: Iterable[Path] | None = None) -> KnowledgeGraph:
        files = list(data_files) if data_files else paths.data_files()
        return cls(  # the ontology: the process's shared, read-only graph; the shapes: a copy
            data=load_dataset(files),  # (pySHACL adds its own triples to the shapes it is given)
            ontology=_shared_graph(ontology_closure()),
            shapes=load_graph_cached([paths.SHAPES_FILE]),
            data_files=files,
        )

    @property
    def union(self) -> Graph:
        return union(self.data)

    def validation_graph(self) -> Graph:
        """What SHACL validates: the union of the data, the ontology itself, and the class hierarchy
        (``rdfs:subClassOf`` between named classes) of every ontology it imports. Nothing is
        inferred, so ``sh:class`` is satisfied by stated types only."""
        g = self.union
        for triple in _schema_triples(schema_ntriples()):
            g.add(triple)
        return g

    def schema_view(self) -> Graph:
        return schema_view()


def schema_view() -> Graph:
    """The ontology itself and the class hierarchy (``rdfs:subClassOf`` between named classes) of
    everything it imports: what SHACL sees beside the data (``schema_ntriples``, in rdflib)."""
    g = bind_prefixes(Graph())
    for triple in _schema_triples(schema_ntriples()):
        g.add(triple)
    return g


@functools.lru_cache(maxsize=4)
def _schema_triples(ntriples: bytes) -> tuple[tuple[Node, Node, Node], ...]:
    """The schema view's triples, parsed by rdflib once per process for one text of the schema."""
    with literals_as_written():
        return tuple(Graph().parse(data=ntriples, format="nt"))


@functools.lru_cache(maxsize=64)
def _imports(path: Path, mtime_ns: int) -> tuple[str, ...]:
    """The ``owl:imports`` of the ontologies a file declares, once per process while it is unchanged."""
    triples = _oxigraph_triples(path, mtime_ns)
    ontologies = {t.subject for t in triples if (t.predicate.value, t.object.value) == IS_ONTOLOGY}
    return tuple(
        sorted(
            t.object.value
            for t in triples
            if t.subject in ontologies and t.predicate.value == str(OWL.imports)
        )
    )


@functools.lru_cache(maxsize=64)
def _oxigraph_triples(path: Path, mtime_ns: int) -> list:
    """The triples of one of the project's own RDF files (the ontology and its imports), read by
    Oxigraph once per process while the file is unchanged."""
    import pyoxigraph as ox

    found = by_extension(path.name)
    if found is None or found.oxigraph is None:
        raise UnsupportedFormatError(f"{path}: unknown RDF file extension {path.suffix!r}")
    try:
        return [
            ox.Triple(q.subject, q.predicate, q.object)
            for q in ox.parse(path=str(path), format=getattr(ox.RdfFormat, found.oxigraph))
        ]
    except SyntaxError as exc:
        raise InputFileError(path, f"syntax error: {exc.msg}", line=exc.lineno) from None


def schema_ntriples() -> bytes:
    """``schema_view`` as N-Triples, read by Oxigraph: the ontology itself and the rdfs:subClassOf
    triples between named classes of every file it imports."""
    closure = ontology_closure()
    return _schema_ntriples(tuple((path, path.stat().st_mtime_ns) for path in closure))


@functools.lru_cache(maxsize=4)
def _schema_ntriples(closure: tuple[tuple[Path, int], ...]) -> bytes:
    """``schema_ntriples`` of the files of an ontology's closure (with their times of change)."""
    import pyoxigraph as ox

    own = _oxigraph_triples(*closure[0])
    sub = str(RDFS.subClassOf)
    hierarchy = [
        t
        for path, mtime_ns in closure
        for t in _oxigraph_triples(path, mtime_ns)
        if t.predicate.value == sub
        and isinstance(t.subject, ox.NamedNode)
        and isinstance(t.object, ox.NamedNode)
    ]
    return ox.serialize(dict.fromkeys([*own, *hierarchy]), format=ox.RdfFormat.N_TRIPLES) or b""


def shapes_graph() -> Graph:
    """The project's shapes, parsed once per process: read them, never change them (pySHACL, which
    adds triples to the shapes it is given, gets a copy: ``KnowledgeGraph.shapes``)."""
    return _shared_graph([paths.SHAPES_FILE])
