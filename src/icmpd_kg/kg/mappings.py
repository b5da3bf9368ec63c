"""Curated mappings to Wikidata, kept as an SSSOM table and read into their own named graph.

``data/mappings/wikidata.sssom.tsv`` is the curated source: SSSOM (Simple Standard for Sharing
Ontology Mappings), one row per link with its justification, confidence, author and date, read as
the SSSOM/TSV format is written (a YAML header, then a table; no data-frame library). Loading
turns each row into the triple it states (``owl:sameAs`` for resources, ``skos:exactMatch`` for
vocabulary terms and concepts) in the editorial graph ``graph:wikidata-links``, attributed to the
editors; rows whose object is ``sssom:NoTermFound`` say that no item exists and state nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rdflib import DCTERMS, PROV, RDF, RDFS, Dataset, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from icmpd_kg.core import paths
from icmpd_kg.core.errors import InputFileError
from icmpd_kg.core.namespaces import ID, IKG

LINKS_GRAPH = ID["graph/wikidata-links"]
EDITORS = ID["agent/icmpd-kg-editors"]
NO_TERM_FOUND = "https://w3id.org/sssom/NoTermFound"
SSSOM_SUFFIX = ".sssom.tsv"


# SSSOM's built-in prefixes (SSSOM specification, "Built-in prefixes"): a table may use them
# without declaring them in its curie_map.
BUILT_IN_PREFIXES = {
    "sssom": "https://w3id.org/sssom/",
    "owl": "http://www.w3.org/2002/07/owl#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "semapv": "https://w3id.org/semapv/vocab/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "linkml": "https://w3id.org/linkml/",
    "dcterms": "http://purl.org/dc/terms/",
    "pav": "http://purl.org/pav/",
}
REQUIRED_COLUMNS = ("subject_id", "predicate_id", "object_id", "mapping_justification")


@dataclass(frozen=True)
class Table:
    """An SSSOM table as written: its metadata (the YAML header) and its rows."""

    metadata: dict
    rows: list[dict[str, str]]
    first_row_line: int

    @property
    def prefixes(self) -> dict[str, str]:
        declared = self.metadata.get("curie_map") or {}
        return {**BUILT_IN_PREFIXES, **{str(k): str(v) for k, v in declared.items()}}


def read_table(path: Path) -> Table:
    """The SSSOM table in its TSV form: the commented YAML header (``# key: value`` lines) and a
    tab-separated table. Read with PyYAML and the csv module (no data frames); errors name the file
    and, where known, the line. The ``sssom`` library checks the table in the test suite."""
    import csv

    import yaml

    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise InputFileError(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    header = 0
    while header < len(lines) and lines[header].startswith("#"):
        header += 1
    try:
        metadata = yaml.safe_load("\n".join(line[1:] for line in lines[:header])) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputFileError(
            path,
            f"the YAML header is not valid: {getattr(exc, 'problem', exc)}",
            line=mark.line + 1 if mark else None,
        ) from None
    if not isinstance(metadata, dict) or not isinstance(metadata.get("curie_map", {}), dict):
        raise InputFileError(path, "the YAML header must be a mapping, with curie_map a mapping of prefixes")
    reader = csv.DictReader(lines[header:], delimiter="\t")
    missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise InputFileError(
            path, f"not a valid SSSOM table: no column {', '.join(missing)}", line=header + 1
        )
    rows = [{k: v or "" for k, v in row.items() if k is not None} for row in reader]
    return Table(metadata=metadata, rows=rows, first_row_line=header + 2)


def expand(curie: str, prefixes: dict[str, str]) -> str:
    """A CURIE of the table as an IRI (an IRI stays as it is); KeyError for an unknown prefix."""
    if curie.startswith(("http://", "https://")):
        return curie
    prefix, _, local = curie.partition(":")
    return prefixes[prefix] + local


def mapping_rows(path: Path) -> list[dict]:
    table = read_table(path)
    prefixes = table.prefixes
    rows = []
    for number, row in enumerate(table.rows, start=1):
        expanded = {}
        for column in ("subject_id", "predicate_id", "object_id"):
            value = row.get(column, "")
            try:
                expanded[column] = expand(value, prefixes) if ":" in value else value
            except KeyError:
                raise InputFileError(
                    path,
                    f"mapping {number}: {column} {value!r} uses a prefix the curie_map does not define",
                    line=table.first_row_line + number - 1,
                ) from None
        rows.append({**row, **expanded})
    return rows


def to_dataset(path: Path) -> Dataset:
    """The mappings of one SSSOM file as a dataset: the links in ``graph:wikidata-links``, the
    graph's description (an editorial graph) in the default graph."""
    ds = Dataset()
    links = ds.graph(LINKS_GRAPH)
    for row in mapping_rows(path):
        if row["object_id"] == NO_TERM_FOUND:
            continue
        links.add((URIRef(row["subject_id"]), URIRef(row["predicate_id"]), URIRef(row["object_id"])))
    default = ds.graph(DATASET_DEFAULT_GRAPH_ID)
    default.add((LINKS_GRAPH, RDF.type, IKG.EditorialGraph))
    default.add((LINKS_GRAPH, RDFS.label, Literal("Wikidata bağlantıları", lang="tr")))
    default.add((LINKS_GRAPH, RDFS.label, Literal("Wikidata links", lang="en")))
    default.add(
        (
            LINKS_GRAPH,
            DCTERMS.description,
            Literal(
                "Links to Wikidata items curated by the icmpd-kg editors (owl:sameAs for resources, "
                "skos:exactMatch "
                "for vocabulary terms and concepts), read from the SSSOM table "
                "data/mappings/wikidata.sssom.tsv. "
                "Knowledge from outside the source.",
                lang="en",
            ),
        )
    )
    default.add(
        (
            LINKS_GRAPH,
            DCTERMS.description,
            Literal(
                "icmpd-kg editörlerince seçilmiş Wikidata bağlantıları (kaynaklar için owl:sameAs, "
                "sözlük terimleri ve "
                "kavramlar için skos:exactMatch); data/mappings/wikidata.sssom.tsv SSSOM tablosundan okunur. "
                "Kaynağın dışından gelen bilgidir.",
                lang="tr",
            ),
        )
    )
    default.add((LINKS_GRAPH, PROV.wasAttributedTo, EDITORS))
    return ds


@dataclass(frozen=True)
class WikidataId:
    """One row of ``data/mappings/wikidata-ids.tsv``: a Wikidata property or item the code uses."""

    id: str
    kind: str  # property, item
    label: str
    datatype: str  # a property's Wikibase datatype (wikibase-item, time, quantity, …)
    role: str  # statement, qualifier, reference, item
    compared: str  # for statement properties: 'one value' or 'each value'
    evidence: str


@lru_cache(maxsize=4)
def wikidata_ids(path: Path = paths.WIKIDATA_IDS_FILE) -> dict[str, WikidataId]:
    """The verified identifiers, by ID; a row that is not complete is an error that names its line."""
    out: dict[str, WikidataId] = {}
    lines = path.read_text(encoding="utf-8").splitlines()
    rows = [(n, line) for n, line in enumerate(lines, start=1) if line and not line.startswith("#")]
    header = rows[0][1].split("\t") if rows else []
    if header != list(WikidataId.__dataclass_fields__):
        raise InputFileError(path, f"the header must be {', '.join(WikidataId.__dataclass_fields__)}")
    for number, line in rows[1:]:
        cells = line.split("\t")
        if len(cells) != len(header) or not re.fullmatch(r"[PQ][1-9][0-9]*", cells[0]) or not cells[-1]:
            raise InputFileError(
                path, f"line {number}: needs {len(header)} cells, a P or Q ID and its evidence"
            )
        out[cells[0]] = WikidataId(*cells)
    return out
