"""The files of ``dist/``, named once: what ``icmpd-kg build`` writes and ``serve`` / ``query`` read.

Importing this module is cheap (no rdflib, no validation stack), so readers of a build need not
load the build machinery to find their files.
"""

from __future__ import annotations

from dataclasses import dataclass

STEM = "icmpd-kg"


@dataclass(frozen=True)
class DumpFormat:
    key: str
    filename: str
    media_type: str
    label: str


DUMPS = (
    DumpFormat("trig", f"{STEM}.trig", "application/trig", "TriG (named graphs)"),
    DumpFormat("nquads", f"{STEM}.nq", "application/n-quads", "N-Quads (named graphs)"),
    DumpFormat("jsonld", f"{STEM}.jsonld", "application/ld+json", "JSON-LD, compacted (named graphs)"),
    DumpFormat("turtle", f"{STEM}.ttl", "text/turtle", "Turtle (all graphs merged)"),
    DumpFormat("ntriples", f"{STEM}.nt", "application/n-triples", "N-Triples (all graphs merged)"),
    DumpFormat("rdfxml", f"{STEM}.rdf", "application/rdf+xml", "RDF/XML (all graphs merged)"),
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
