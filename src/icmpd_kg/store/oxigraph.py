"""Oxigraph stores on disk: the one ``build`` writes into ``dist/``, and bulk loading of any RDF
files (``icmpd-kg load FILE... --into oxigraph:DIR``) for benchmarks and for larger data.

Loading does not validate: it is for data that is already known to be good (or for measuring).
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any, cast

from icmpd_kg.core.errors import InputFileError, UnsupportedFormatError
from icmpd_kg.core.formats import by_extension, rdf_extensions


class _Reading:
    """A binary file that reports how many bytes the parser has read (for a progress bar), the
    first ``reported`` of them excepted (a pass before this one told them already); the file is
    parsed in one pass, so blank nodes keep their identity across the whole file."""

    def __init__(self, handle, progress: Callable[[int], None] | None, reported: int = 0):
        self.handle, self.progress, self.unreported_from = handle, progress, reported
        self.read_so_far = 0

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        if self.progress and data:
            before, self.read_so_far = self.read_so_far, self.read_so_far + len(data)
            new = self.read_so_far - max(before, self.unreported_from)
            if new > 0:
                self.progress(new)
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


# --- how a store keeps its default graph --------------------------------------------------------------
#
# SPARQL's default graph, when it is "the union of all graphs", is their RDF merge: a set of triples.
# Oxigraph's union option joins the graphs as a bag (a triple stated in two graphs matches twice), so
# a store whose default graph is the union keeps the merge itself, in a graph of its own that no
# query names or lists (UNION_GRAPH): every way data gets in (build, load, update) keeps it whole.
# A store made with ``--default-graph stored`` keeps no merge: its default graph is the one stored,
# as the standard's dataset has it.

UNION_GRAPH = "urn:x-icmpd-kg:union-of-all-graphs"
SETTINGS_FILE = "icmpd-kg-store.json"
LITERALS_FILE = "icmpd-kg-literals.tsv"
PARSER_BUFFER_FULL = "Reached the buffer maximal size"  # Oxigraph's MemoryError for a token past 16 MiB
SIDE_FILES = (SETTINGS_FILE, LITERALS_FILE)  # what a copy of the store takes along
DEFAULT_GRAPH_MODES = ("union", "stored")
REBUILD_UNION = (
    f"DROP SILENT GRAPH <{UNION_GRAPH}> ; INSERT {{ GRAPH <{UNION_GRAPH}> {{ ?s ?p ?o }} }} "
    "WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
)


def is_store(directory: Path | str) -> bool:
    """Whether an Oxigraph store is at ``directory`` (RocksDB's CURRENT file names its manifest)."""
    return (Path(directory) / "CURRENT").is_file()


def default_graph_mode(directory: Path) -> str:
    """``union`` or ``stored``: how the store at ``directory`` keeps its default graph (a store made
    by another tool, without our settings, keeps it as stored)."""
    path = Path(directory) / SETTINGS_FILE
    if not path.is_file():
        return "stored"
    try:
        mode = json.loads(path.read_text(encoding="utf-8")).get("default_graph", "stored")
    except (OSError, ValueError, AttributeError) as exc:
        raise InputFileError(
            path, f"the store's settings cannot be read ({exc}); load the store anew"
        ) from None
    if mode not in DEFAULT_GRAPH_MODES:
        raise InputFileError(
            path, f"unknown default graph {mode!r} (known: {', '.join(DEFAULT_GRAPH_MODES)})"
        )
    return mode


def _write_settings(directory: Path, mode: str) -> None:
    (Path(directory) / SETTINGS_FILE).write_text(
        json.dumps({"default_graph": mode}, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )


def checkpoint(source: Path, target: Path) -> None:
    """A copy of the store at ``source`` in ``target`` (hard links, cheap), with the store's own
    files (settings, written literal forms)."""
    import pyoxigraph as ox

    ox.Store.read_only(str(source)).backup(str(target))
    for name in SIDE_FILES:
        if (Path(source) / name).is_file():
            shutil.copy(Path(source) / name, Path(target) / name)


def require_default_graph(directory: Path, mode: str) -> None:
    """Refuse, naming the store, a union default graph the store does not keep."""
    if mode == "union" and default_graph_mode(directory) == "stored":
        raise InputFileError(
            directory,
            "this store keeps no union of its graphs (it was loaded with --default-graph stored): "
            "query it with --default-graph stored, or load it again without that option",
        )


# --- literals as written ---------------------------------------------------------------------------------
#
# Oxigraph keeps typed literals by value: "1.0"^^xsd:decimal comes back as "1", "+19" as "19",
# "0"^^xsd:boolean as "false", the subtypes of xsd:integer as xsd:integer (and its parser writes
# language tags in lower case, "en-GB" as "en-gb", which RDF 1.1 allows: tags compare without case).
# Every store records, for each literal whose form the store changes, the form it was written in
# (LITERALS_FILE), and the engine answers with that form, in SELECT rows and graphs alike. Where
# two written forms have one value in the store ("1.0" and "1.00", or "-5"^^xsd:negativeInteger and
# "-5"^^xsd:integer), Oxigraph holds one term: that one is answered in the store's form.

XSD = "http://www.w3.org/2001/XMLSchema#"
_CANONICAL_INTEGER = re.compile(r"(0|-?[1-9][0-9]*)\Z")
_SUBJECT, _PREDICATE = "urn:x-icmpd-kg:s", "urn:x-icmpd-kg:p"


def _key(literal: Any) -> tuple[str, str, str | None]:
    return (literal.value, literal.datatype.value, literal.language)


def parse_literal(text: str) -> Any:
    """A literal written in N-Triples."""
    import pyoxigraph as ox

    line = f"<{_SUBJECT}> <{_PREDICATE}> {text} .".encode()
    return next(iter(ox.parse(line, ox.RdfFormat.N_TRIPLES))).object


class LiteralForms:
    """Written forms of the literals an Oxigraph store changes: the store's form (N-Triples) ->
    the written form (None once two differ) and how many statements were written with it."""

    def __init__(self, entries: dict[str, list[Any]] | None = None):
        import pyoxigraph as ox

        self.entries: dict[str, list[Any]] = entries or {}
        self._probe = ox.Store()
        self._seen: dict[tuple[str, str, str | None], Any] = {}

    @classmethod
    def read(cls, directory: Path) -> LiteralForms:
        path = Path(directory) / LITERALS_FILE
        entries: dict[str, list[Any]] = {}
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                stored, written, count = line.split("\t")
                entries[stored] = [written or None, int(count)]
        return cls(entries)

    def write(self, directory: Path) -> None:
        lines = [f"{k}\t{w or ''}\t{n}\n" for k, (w, n) in sorted(self.entries.items())]
        (Path(directory) / LITERALS_FILE).write_text("".join(lines), encoding="utf-8")

    def stored_form(self, literal: Any) -> Any:
        """The term Oxigraph makes of ``literal`` (asked of a store in memory, remembered)."""
        import pyoxigraph as ox

        datatype = literal.datatype.value
        if literal.language:  # Oxigraph's parser has lower-cased the tag already (RDF 1.1 allows it)
            return literal
        if not datatype.startswith(XSD) or datatype == XSD + "string":
            return literal
        elif datatype == XSD + "integer" and _CANONICAL_INTEGER.match(literal.value):
            return literal
        key = _key(literal)
        found = self._seen.get(key)
        if found is None:
            s, p = ox.NamedNode(_SUBJECT), ox.NamedNode(_PREDICATE)
            self._probe.add(ox.Quad(s, p, literal))
            found = next(iter(self._probe.quads_for_pattern(s, p, None))).object
            self._probe.remove(ox.Quad(s, p, found))
            if len(self._seen) > 100_000:
                self._seen.clear()
            self._seen[key] = found
        return found

    def _note(self, stored: str, written: str | None, count: int) -> None:
        """``count`` statements whose value the store keeps as ``stored`` were written ``written``."""
        entry = self.entries.setdefault(stored, [written, 0])
        if entry[0] != written:
            entry[0] = None
        entry[1] += count

    def observe(self, literal: Any) -> None:
        stored = self.stored_form(literal)
        if stored is not literal and stored != literal:
            self._note(str(stored), str(literal), 1)

    def add(self, other: LiteralForms) -> None:
        """The forms ``other`` noted, as if this had noted them itself."""
        for stored, (written, count) in other.entries.items():
            self._note(stored, written, count)

    def settle(self, store: Any) -> None:
        """Give up a written form where the store holds more statements with the value than were
        written in that form (the value was also written otherwise, or added by an update)."""
        import pyoxigraph as ox

        merge = ox.NamedNode(UNION_GRAPH)
        for stored, entry in self.entries.items():
            if entry[0] is None:
                continue
            term = parse_literal(stored)
            held = sum(1 for q in store.quads_for_pattern(None, None, term) if q.graph_name != merge)
            if held > entry[1]:
                entry[0] = None

    def written(self) -> dict[Any, Any]:
        """The store's form of a literal -> the literal as written (both Oxigraph terms)."""
        return {
            parse_literal(stored): parse_literal(written)
            for stored, (written, _) in self.entries.items()
            if written is not None
        }


# --- putting data in ------------------------------------------------------------------------------------


def _add(store: Any, quads: Iterable[Any], forms: LiteralForms, union: bool, where: str) -> None:
    """Add ``quads`` (and, for a union store, each to the merge), noting their literals' forms."""
    import pyoxigraph as ox

    merge = ox.NamedNode(UNION_GRAPH)

    def stream() -> Iterator[Any]:
        for quad in quads:
            if quad.graph_name == merge:
                raise InputFileError(where, f"the graph name {UNION_GRAPH} is reserved for the store's union")
            if isinstance(quad.object, ox.Literal):
                forms.observe(quad.object)
            yield quad
            if union:
                yield ox.Quad(quad.subject, quad.predicate, quad.object, merge)

    store.bulk_extend(stream())


# What the lean load's pass looks for in N-Triples or N-Quads: a typed literal (its "^^", which no
# escape can spell), an escape (\u, \U: it could spell any IRI, the union's name among them) and a
# blank node ("_:"). Each is sought from its first byte, which bytes.find finds at memchr's speed (a
# two-byte search read 180 MB in 0.16 s, the first byte alone in 0.01 s).
_TYPED_OR_ESCAPE = ((b"^", (b"^",)), (b"\\", (b"u", b"U")))
_BLANK = ((b"_", (b":",)),)
_BLOCK = 1 << 24  # bytes of the file read at a time by the lean load's pass


def _occurrences(block: bytes, pairs: tuple[tuple[bytes, tuple[bytes, ...]], ...]) -> Iterator[int]:
    """Where in ``block`` a first byte of ``pairs`` is followed by one of its second bytes."""
    for first, seconds in pairs:
        at = block.find(first)
        while at >= 0:
            if block[at + 1 : at + 2] in seconds:
                yield at
            at = block.find(first, at + 1)


def _noteworthy_lines(block: bytes) -> bytes:
    """The whole lines of ``block`` that hold a typed literal or an escape, each once, in order."""
    spans: set[tuple[int, int]] = set()
    for at in _occurrences(block, _TYPED_OR_ESCAPE):
        end = block.find(b"\n", at)
        spans.add((block.rfind(b"\n", 0, at) + 1, len(block) if end < 0 else end + 1))
    return b"".join(block[start:end] for start, end in sorted(spans))


def _bulk_loaded(
    store: Any, path: Path, fmt: Any, forms: LiteralForms, progress: Callable[[int], None] | None = None
) -> tuple[bool, int]:
    """Load a line-based file (N-Triples, N-Quads) by Oxigraph's own bulk loader (its parsing on
    several threads, no quad through Python), after one pass that notes the literals' written forms;
    False, having loaded and noted nothing, where the file needs ``_add``'s pass: blank nodes (which
    that pass keeps apart per file) or the reserved name of the store's union.

    The pass reads the file in blocks at C speed and gives the parser only the lines where a typed
    literal or an escape may be (``_noteworthy_lines``): every statement of these formats is
    on lines of its own, and a line without them holds no literal whose form Oxigraph changes and no
    name the pass must see. A block that holds "_:" or the union's name anywhere (even inside a
    literal) sends the file to the Python pass, and so does a syntax error in the lines it parses (so
    that the error names its line in the whole file); one in the other lines is the bulk loader's to
    report, with the same line and column (``load`` writes into a copy: nothing is half-loaded).
    ``progress`` is told the bytes of the pass; the bytes told are returned beside."""
    import pyoxigraph as ox

    if fmt not in (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS):
        return False, 0
    literal, merge = ox.Literal, ox.NamedNode(UNION_GRAPH)
    merge_bytes, base = UNION_GRAPH.encode(), path.resolve().as_uri()
    seen = LiteralForms()  # this file's forms only (as few as the forms the store changes), added after
    told = 0
    with path.open("rb") as handle:
        rest = b""
        while True:
            data = handle.read(_BLOCK)
            if progress and data:
                progress(len(data))
            told += len(data)
            block = rest + data
            cut = block.rfind(b"\n") + 1 if data else len(block)
            block, rest = block[:cut], block[cut:]
            if merge_bytes in block or next(_occurrences(block, _BLANK), None) is not None:
                return False, told
            lines = _noteworthy_lines(block)
            try:
                for quad in ox.parse(lines, fmt, base_iri=base) if lines else ():
                    if quad.graph_name == merge:  # spelled with escapes
                        return False, told
                    if type(quad.object) is literal:
                        seen.observe(quad.object)
            except (SyntaxError, MemoryError):  # the Python pass names its line in the whole file
                return False, told
            if not data:
                break
    store.bulk_load(path=str(path), format=fmt, base_iri=base)
    forms.add(seen)
    return True, told


def count_quads(store: Any, union: bool = True) -> int:
    """Quads in the store, its own union graph left out (a store without one: no query for it)."""
    import pyoxigraph as ox

    if not union:
        return len(store)
    merged = list(store.query(f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{UNION_GRAPH}> {{ ?s ?p ?o }} }}"))
    return len(store) - int(cast(ox.Literal, merged[0]["n"]).value)


def load_files(
    directory: Path,
    files: Iterable[Path],
    progress: Callable[[int], None] | None = None,
    graph: str | None = None,
    default_graph: str | None = None,
) -> int:
    """Load ``files`` into the Oxigraph store at ``directory`` (created if needed); triples of files
    without graphs go to ``graph`` (default: the default graph). ``default_graph`` (``union`` or
    ``stored``) is how a new store keeps its default graph; an existing store keeps its own.
    ``progress`` is told the bytes read. Returns the number of quads in the store. A file that
    cannot be parsed is named with the parser's message."""
    import pyoxigraph as ox

    files = [Path(f) for f in files]
    for path in files:
        if not path.is_file():
            raise InputFileError(path, "no such file")
        _format(path)
    directory = Path(directory)
    existing = is_store(directory)
    mode = default_graph_mode(directory) if existing else (default_graph or "union")
    if existing and default_graph is not None and default_graph != mode:
        raise InputFileError(
            directory,
            f"this store keeps its default graph as {mode!r}; load into it without --default-graph, "
            "or into a new store",
        )
    store = ox.Store(str(directory))
    forms = LiteralForms.read(directory)
    to_graph = ox.NamedNode(graph) if graph else None
    try:
        for path in files:
            fmt = _format(path)
            try:
                # the stored default graph needs no merge: Oxigraph's bulk loader, where the file allows
                reported = 0
                if mode == "stored" and to_graph is None:
                    loaded, reported = _bulk_loaded(store, path, fmt, forms, progress)
                    if loaded:
                        continue
                with path.open("rb") as handle:
                    reading = cast("IO[bytes]", _Reading(handle, progress, reported))
                    quads: Iterable[Any] = ox.parse(
                        reading, fmt, base_iri=path.resolve().as_uri(), rename_blank_nodes=True
                    )
                    if to_graph is not None:
                        quads = (
                            ox.Quad(q.subject, q.predicate, q.object, to_graph)
                            if isinstance(q.graph_name, ox.DefaultGraph)
                            else q
                            for q in quads
                        )
                    _add(store, quads, forms, mode == "union", str(path))
            except SyntaxError as exc:
                # Oxigraph's loader from a path names the file again, "(NAME, line N)": said once
                said = re.sub(rf" \({re.escape(path.name)}, (line \d+)\)$", r" (\1)", str(exc))
                raise InputFileError(path, f"cannot parse: {said}") from None
            except MemoryError as exc:  # Oxigraph's parser holds a token (a literal, an IRI) in 16 MiB
                if not str(exc).startswith(PARSER_BUFFER_FULL):
                    raise
                raise InputFileError(
                    path, f"cannot parse: a term or comment is longer than the parser reads ({exc})"
                ) from None
        store.flush()
    finally:
        del store
    # The rest only reads, from a read-only opening: a store left open for writing goes on compacting
    # what the bulk loader wrote, in the background, and grew by half on disk while it was read here.
    reader = ox.Store.read_only(str(directory))
    try:
        forms.settle(reader)
        forms.write(directory)
        _write_settings(directory, mode)
        return count_quads(reader, mode == "union")
    finally:
        del reader


def write_dist_store(directory: Path, nquads: bytes, view_turtle: bytes, view_graph: str) -> None:
    """The built dataset as an Oxigraph store whose default graph is the union: the N-Quads dump,
    and the Wikidata-shaped view in its own named graph."""
    import pyoxigraph as ox

    store = ox.Store(str(directory))
    forms = LiteralForms()
    view = ox.NamedNode(view_graph)
    _add(store, ox.parse(nquads, ox.RdfFormat.N_QUADS, rename_blank_nodes=True), forms, True, "the dump")
    _add(
        store,
        (
            ox.Quad(t.subject, t.predicate, t.object, view)
            for t in ox.parse(view_turtle, ox.RdfFormat.TURTLE, rename_blank_nodes=True)
        ),
        forms,
        True,
        "the Wikidata view",
    )
    forms.settle(store)
    store.flush()
    store.optimize()
    del store
    forms.write(Path(directory))
    _write_settings(Path(directory), "union")


def after_update(directory: Path | None, store: Any, mode: str) -> LiteralForms | None:
    """What an update leaves to do: the merge made again (a union store), the written forms checked
    against what the store now holds (returned, for a store on disk)."""
    if mode == "union":
        store.update(REBUILD_UNION)
    if directory is None:
        return None
    forms = LiteralForms.read(directory)
    forms.settle(store)
    forms.write(directory)
    return forms
