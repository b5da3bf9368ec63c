"""A curator's commands: from a quote of the source to a validated fact graph, without Python or
offsets written by hand (``icmpd-kg fact new|show|check``).

``new`` finds the words in the source (any run of white space matches any other, so a typed space
finds the source's no-break space; the selector keeps the source's own characters), and appends to
the data file the annotation with both selectors and an empty fact graph for the curator to fill.
The file is chosen as the one that holds the fact graphs of the neighbouring words of the source;
it is rewritten atomically, and only if the result still parses.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from rdflib import Dataset, Graph, URIRef
from rdflib.term import Node

from icmpd_kg.core import paths
from icmpd_kg.core.atomic import write_file_atomically
from icmpd_kg.core.errors import IcmpdKgError, InputFileError
from icmpd_kg.core.namespaces import ID, OA, bind_prefixes
from icmpd_kg.kg.graph import shapes_graph
from icmpd_kg.kg.provenance import (
    CONTEXT_CHARS,
    annotation_iri,
    annotation_turtle,
    body_selectors,
    locate,
    occurrences,
    read_source,
)
from icmpd_kg.kg.quads import Quads, read_quads
from icmpd_kg.validation.report import Report, Result, report_of, show
from icmpd_kg.validation.rules import rule_findings
from icmpd_kg.validation.validate import validate_quads

FACT = ID["fact/"]
SLUG_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")
# What an appended block needs declared in its file (the data files all declare these).
NEEDED_PREFIXES = ("fact", "annotation", "oa", "source", "xsd")


@dataclass(frozen=True)
class Where:
    """A data folder: its RDF files and its source text."""

    data_dir: Path

    @property
    def files(self) -> list[Path]:
        return paths.data_files(self.data_dir)

    @property
    def source_file(self) -> Path:
        return self.data_dir / "source" / paths.SOURCE_FILE.name

    def read(self) -> Reading:
        return Reading({path: read_quads([path]) for path in self.files})


@dataclass
class Reading:
    """A data folder read once: each file's quads, and the index of them all."""

    by_file: dict[Path, list[Any]]

    @cached_property
    def quads(self) -> list[Any]:
        return [q for quads in self.by_file.values() for q in quads]

    @cached_property
    def data(self) -> Quads:
        return Quads.from_oxigraph(self.quads)

    def file_of(self, graph: Node) -> Path | None:
        """The TriG file that holds named graph ``graph``."""
        for path, quads in self.by_file.items():
            if path.suffix == ".trig" and any(
                getattr(q.graph_name, "value", None) == str(graph) for q in quads
            ):
                return path
        return None

    def require(self, slug: str, where: Where) -> None:
        data = self.data
        if fact_iri(slug) not in data.graphs and fact_iri(slug) not in {o for _, o in data.pairs(OA.hasBody)}:
            raise IcmpdKgError(f"no fact {slug!r} in {where.data_dir}")


def fact_iri(slug: str) -> URIRef:
    return URIRef(f"{FACT}{slug}")


def _check_slug(slug: str) -> None:
    if not slug or set(slug) - SLUG_CHARS or slug.startswith("-") or slug.endswith("-"):
        raise IcmpdKgError(
            f"slug {slug!r}: use lower-case letters, digits and hyphens (e.g. project-pact-end)"
        )


def _positions(data: Quads) -> list[tuple[int, Node]]:
    """(start offset, fact graph) of every annotation's position selector."""
    found = []
    for body, selector in body_selectors(data):
        start = data.value(selector, OA.start)
        if start is not None:
            found.append((int(str(start)), body))
    return sorted(found, key=lambda p: (p[0], str(p[1])))


def choose_file(start: int, reading: Reading) -> Path:
    """The data file holding the fact graph of the nearest annotated words before ``start`` (or
    after it, at the top of the source)."""
    positions = _positions(reading.data)
    if not positions:
        raise IcmpdKgError("no annotated fact yet to place the new one beside: give --file")
    before = [p for p in positions if p[0] <= start]
    _, graph = before[-1] if before else positions[0]
    found = reading.file_of(graph)
    if found is None:
        raise IcmpdKgError(f"the fact graph beside the quote ({graph}) is in no TriG file: give --file")
    return found


def new_fact(
    slug: str, quote: str, occurrence: int | None = None, file: Path | None = None, where: Where | None = None
) -> tuple[Path, int, int]:
    """Append fact graph ``slug``'s annotation and an empty fact graph to a data file; returns the
    file and the quote's offsets. Refused, with nothing written, when the slug exists, the words are
    not in the source, or occur more than once and no ``occurrence`` is given."""
    where = where or Where(paths.DATA_DIR)
    _check_slug(slug)
    text = read_source(where.source_file)
    if occurrence is None:
        count = len(occurrences(text, quote))
        if count > 1:
            raise IcmpdKgError(
                f"the words occur {count} times in the source; say which with --occurrence 1..{count}"
            )
    start, end = locate(text, quote, occurrence or 1)
    reading = where.read()
    data = reading.data
    taken = {str(g) for g in data.named()} | {str(s) for s, _ in data.pairs(OA.hasBody)}
    if str(fact_iri(slug)) in taken or str(annotation_iri(slug)) in taken:
        raise IcmpdKgError(f"fact {slug!r} exists already")
    target = Path(file) if file is not None else choose_file(start, reading)
    if not target.is_file() or target.suffix != ".trig":
        raise InputFileError(target, "not a TriG data file")
    block = "\n".join(
        [
            "",
            f"# {' '.join(text[start:end].split())[:100]}",  # one line, whatever the quote spans
            f"fact:{slug} {{",
            "    # the triples these words state",
            "}",
            annotation_turtle(slug, text, quote, occurrence or 1),
            "",
        ]
    )
    old = target.read_text(encoding="utf-8")
    missing = [p for p in NEEDED_PREFIXES if f"@prefix {p}:" not in old]
    if missing:
        raise InputFileError(target, f"declares no prefix {', '.join(missing)}; the new block needs them")
    new = old.rstrip("\n") + "\n" + block
    try:
        Dataset().parse(data=new, format="trig", publicID=target.resolve().as_uri())
    except Exception as exc:  # noqa: BLE001 - never write what does not parse
        raise InputFileError(target, f"the file would not parse with the new block: {exc}") from None
    write_file_atomically(target, new.encode("utf-8"))
    return target, start, end


@dataclass
class FactView:
    slug: str
    quote: str
    context: str
    start: int
    end: int
    triples: list[str]
    results: list[Result]

    def as_text(self) -> str:
        lines = [f"fact:{self.slug}  (source offsets {self.start}..{self.end})", "", f"  {self.context}", ""]
        lines += [f"  {t}" for t in self.triples] or ["  (no triples yet)"]
        lines += ["", f"Conforms: {'yes' if not self.results else 'no'} ({len(self.results)} results)"]
        lines += ["", *[r.as_text() for r in self.results]] if self.results else []
        return "\n".join(lines)


def _about(report: Report, slug: str, nodes: set[str]) -> list[Result]:
    """The results about the fact: its graph, its annotation and selectors, what it states."""
    own = (f"fact:{slug}", f"<{fact_iri(slug)}>", f"<{annotation_iri(slug)}")
    return [r for r in report.results if r.focus.startswith(own) or r.focus in nodes]


def check_fact(
    slug: str, where: Where | None = None, reading: Reading | None = None, rules: list[URIRef] | None = None
) -> tuple[Report, list[Result]]:
    """Validate the data (the native engine: well under a second) and keep what concerns ``slug``;
    with ``rules`` (shape IRIs of dataset rules), only those rules run, and no SHACL."""
    where = where or Where(paths.DATA_DIR)
    reading = reading or where.read()
    reading.require(slug, where)
    if rules is None:
        report = validate_quads(reading.quads, where.source_file)
    else:
        shapes = shapes_graph()
        report = report_of(rule_findings(reading.data, shapes, where.source_file, only=rules), shapes)
    nm = bind_prefixes(Graph())
    nodes = {show(s, nm) or "" for s, _, _ in reading.data.graphs.get(fact_iri(slug), [])}
    return report, _about(report, slug, nodes)


def show_fact(slug: str, where: Where | None = None) -> FactView:
    where = where or Where(paths.DATA_DIR)
    reading = where.read()
    reading.require(slug, where)
    data = reading.data
    text = read_source(where.source_file)
    start = end = 0
    quote = ""
    for body, selector in body_selectors(data):
        if body == fact_iri(slug):
            at, to = data.value(selector, OA.start), data.value(selector, OA.end)
            if at is not None and to is not None:
                start, end = int(str(at)), int(str(to))
            if data.value(selector, OA.exact) is not None:
                quote = str(data.value(selector, OA.exact))
    before, after = text[max(0, start - 2 * CONTEXT_CHARS) : start], text[end : end + 2 * CONTEXT_CHARS]
    context = f"…{before}[{text[start:end]}]{after}…"
    nm = bind_prefixes(Graph()).namespace_manager
    triples = sorted(
        f"{s.n3(nm)} {p.n3(nm)} {o.n3(nm)} ." for s, p, o in set(data.graphs.get(fact_iri(slug), []))
    )
    _, results = check_fact(slug, where, reading)
    return FactView(slug, quote, " ".join(context.split()), start, end, triples, results)
