"""The data as a list of quads, indexed for the dataset rules: built in one pass from what
Oxigraph's parser reads (no rdflib graph, whose parser and store cost more than the whole
validation at 10^5 triples), or from an rdflib dataset already in memory.

Terms are rdflib's (the rules compare them with the project's namespaces and print them as
rdflib does); each distinct term is converted once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from rdflib import Dataset, Graph
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.term import Node

from icmpd_kg.core.terms import to_rdflib

Triple = tuple[Node, Node, Node]


class Quads:
    """Every quad of a dataset, grouped by graph (``None`` is the default graph), with the union's
    subject-predicate and predicate indexes that the dataset rules read."""

    def __init__(self, quads: Iterable[tuple[Node, Node, Node, Node | None]]):
        self.graphs: dict[Node | None, list[Triple]] = defaultdict(list)
        self._sp: dict[Node, dict[Node, list[Node]]] = defaultdict(lambda: defaultdict(list))
        self._by_p: dict[Node, list[tuple[Node, Node]]] = defaultdict(list)
        seen: set[Triple] = set()
        for s, p, o, g in quads:
            self.graphs[g].append((s, p, o))
            if (s, p, o) not in seen:  # the union is a set of triples
                seen.add((s, p, o))
                self._sp[s][p].append(o)
                self._by_p[p].append((s, o))

    @classmethod
    def from_oxigraph(cls, quads: Iterable[Any]) -> Quads:
        import pyoxigraph as ox

        cache: dict[Any, Any] = {}

        def term(t: Any) -> Any:
            found = cache.get(t)
            if found is None:
                found = cache[t] = to_rdflib(t)
            return found

        return cls(
            (
                term(q.subject),
                term(q.predicate),
                term(q.object),
                None if isinstance(q.graph_name, ox.DefaultGraph) else term(q.graph_name),
            )
            for q in quads
        )

    @classmethod
    def from_dataset(cls, data: Dataset) -> Quads:
        def name(g: Any) -> Node | None:
            identifier = g.identifier if isinstance(g, Graph) else g
            return None if identifier in (None, DATASET_DEFAULT_GRAPH_ID) else identifier

        return cls((s, p, o, name(g)) for s, p, o, g in data.quads((None, None, None, None)))

    def named(self) -> dict[Node, list[Triple]]:
        """The non-empty named graphs by name."""
        return {g: triples for g, triples in self.graphs.items() if g is not None and triples}

    def default(self) -> list[Triple]:
        return self.graphs.get(None, [])

    def objects(self, subject: Node, predicate: Node) -> list[Node]:
        found = self._sp.get(subject)
        return list(found.get(predicate, ())) if found else []

    def value(self, subject: Node, predicate: Node) -> Node | None:
        found = self.objects(subject, predicate)
        return found[0] if found else None

    def subjects(self, predicate: Node, obj: Node) -> Iterator[Node]:
        return (s for s, o in self._by_p.get(predicate, ()) if o == obj)

    def pairs(self, predicate: Node) -> list[tuple[Node, Node]]:
        """(subject, object) of every triple with ``predicate``, in the union."""
        return list(self._by_p.get(predicate, ()))

    def has(self, subject: Node, predicate: Node, obj: Node) -> bool:
        return obj in self.objects(subject, predicate)


# Read by Oxigraph; the other formats (JSON-LD, whose contexts rdflib resolves as the build does,
# N3, SSSOM) go through rdflib's reader, graph.parse_file.
OXIGRAPH_READS = frozenset({"turtle", "ntriples", "trig", "nquads", "rdfxml"})


def oxigraph_quads(data: Dataset) -> list[Any]:
    """An rdflib dataset's quads as Oxigraph quads (the default graph as Oxigraph's)."""
    import pyoxigraph as ox

    from icmpd_kg.core.terms import to_oxigraph

    def graph(g: Any) -> Any:
        identifier = g.identifier if isinstance(g, Graph) else g
        if identifier in (None, DATASET_DEFAULT_GRAPH_ID):
            return ox.DefaultGraph()
        return to_oxigraph(identifier)

    return [
        ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), graph(g))
        for s, p, o, g in data.quads((None, None, None, None))
    ]


def read_quads(files: Iterable[Path]) -> list[Any]:
    """Every quad of ``files``, triple formats in the default graph, blank nodes kept apart per
    file. An unreadable file is an ``InputFileError`` naming it (and the line, where known)."""
    import pyoxigraph as ox

    from icmpd_kg.core.errors import InputFileError
    from icmpd_kg.core.formats import by_extension
    from icmpd_kg.kg.graph import format_of, parse_file

    found: list[Any] = []
    for path in (Path(f) for f in files):
        format_of(path)  # an unknown extension is refused, as by every reader
        if not path.is_file():
            raise InputFileError(path, "no such file")
        fmt = by_extension(path.name)
        if path.name.lower().endswith(".sssom.tsv") or fmt is None or fmt.key not in OXIGRAPH_READS:
            found.extend(oxigraph_quads(parse_file(path)))
            continue
        data = path.read_bytes()
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputFileError(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
        try:
            found.extend(
                ox.parse(
                    data,
                    getattr(ox.RdfFormat, str(fmt.oxigraph)),
                    base_iri=path.resolve().as_uri(),
                    rename_blank_nodes=True,
                )
            )
        except SyntaxError as exc:
            raise InputFileError(path, f"syntax error: {exc.msg}", line=exc.lineno) from None
    return found
