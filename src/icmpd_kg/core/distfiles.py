"""The files of ``dist/``, named once: what ``icmpd-kg build`` writes and ``serve`` / ``query`` read.

Importing this module is cheap (no rdflib, no validation stack), so readers of a build need not
load the build machinery to find their files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from icmpd_kg.core.formats import BY_KEY

STEM = "icmpd-kg"


@dataclass(frozen=True)
class DumpFormat:
    key: str  # the format's key in icmpd_kg.core.formats
    filename: str
    label: str

    @property
    def media_type(self) -> str:
        return BY_KEY[self.key].media_type


DUMPS = (
    DumpFormat("trig", f"{STEM}.trig", "TriG (named graphs)"),
    DumpFormat("nquads", f"{STEM}.nq", "N-Quads (named graphs)"),
    DumpFormat("jsonld", f"{STEM}.jsonld", "JSON-LD, compacted (named graphs)"),
    DumpFormat("turtle", f"{STEM}.ttl", "Turtle (all graphs merged)"),
    DumpFormat("ntriples", f"{STEM}.nt", "N-Triples (all graphs merged)"),
    DumpFormat("rdfxml", f"{STEM}.rdf", "RDF/XML (all graphs merged)"),
)
QUAD_DUMP = f"{STEM}.nq"
CONTEXT_NAME = f"{STEM}.context.jsonld"
ONTOLOGY_NAME = f"{STEM}-ontology.ttl"
SHAPES_NAME = f"{STEM}-shapes.ttl"
VOID_NAME = "void.ttl"
REPORT_NAME = "validation-report.ttl"
SUMS_NAME = "SHA256SUMS"
MAPPINGS_NAME = f"{STEM}-wikidata.sssom.tsv"
UNLINKED_NAME = "wikidata-unlinked.tsv"
VIEW_NAME = f"{STEM}-wikidata.ttl"
# The dataset (dump and Wikidata view) as an Oxigraph store, for 'serve' and 'query' to open in
# well under a second at any size. A database, not a publication: its bytes differ between builds,
# so it is left out of SHA256SUMS and of the byte-identical comparison of builds.
OXIGRAPH_DIR = "oxigraph"
# The ontology's HTML documentation, one page a language, made by pyLODE at build time so that
# 'serve' only serves a file. Not byte-stable (pyLODE lists the members of a union in the order its
# sets give them), so, like the store, left out of SHA256SUMS and of the byte-identical comparison.
ONTOLOGY_PAGES_DIR = "ontology-pages"
ONTOLOGY_LANGUAGES = ("en", "tr")


def ontology_page(lang: str) -> str:
    return f"{ONTOLOGY_PAGES_DIR}/{lang}.html"


# What 'serve' shows besides the data, written by the build so that a dist/ is served as it was
# built, whatever the checkout beside it holds (the ontology's pages are made from ONTOLOGY_NAME).
SOURCE_NAME = "icmpd-tr.txt"  # the source document, for the quotes' offsets
QUERIES_DIR = "queries"  # the example queries (NAME.rq), the query UI's tabs


def example_queries(dist: Path, lang: str = "en") -> list[dict[str, str]]:
    """The example queries of the build in ``dist``, each named by its title header in ``lang``
    (``# title@tr:``; the English one where there is none), those marked ``# requires: internet``
    last (the query UI opens the first)."""
    from icmpd_kg.core.paths import query_files

    found = []
    for path in query_files(Path(dist) / QUERIES_DIR):
        text = path.read_text(encoding="utf-8")
        head = text.splitlines()[:5]
        title = next(
            (
                line.split(":", 1)[1].strip()
                for wanted in (lang, "en")
                for line in head
                if line.startswith(f"# title@{wanted}:")
            ),
            path.stem,
        )
        found.append({"name": title, "file": path.name, "query": text})
    return found


def missing_for_serving(dist: Path) -> list[str]:
    """The files 'serve' reads from a build that ``dist`` lacks (none for a complete build)."""
    needed = [QUAD_DUMP, ONTOLOGY_NAME, SHAPES_NAME, VOID_NAME, SOURCE_NAME]
    needed += [ontology_page(lang) for lang in ONTOLOGY_LANGUAGES]
    missing = [name for name in needed if not (Path(dist) / name).is_file()]
    return missing + ([QUERIES_DIR + "/"] if not (Path(dist) / QUERIES_DIR).is_dir() else [])


NO_BUILD = "no built graph here; run 'icmpd-kg build' first (or give --dist)"
