"""Curated mappings to Wikidata, kept as an SSSOM table and read into their own named graph.

``data/mappings/wikidata.sssom.tsv`` is the curated source: SSSOM (Simple Standard for Sharing
Ontology Mappings), one row per link with its justification, confidence, author and date, parsed
with the ``sssom`` library. Loading turns each row into the triple it states (``owl:sameAs`` for
resources, ``skos:exactMatch`` for vocabulary terms and concepts) in the editorial graph
``graph:wikidata-links``, attributed to the editors; rows whose object is ``sssom:NoTermFound``
say that no item exists and state nothing.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rdflib import DCTERMS, PROV, RDF, RDFS, Dataset, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from icmpd_kg import paths
from icmpd_kg.errors import InputFileError
from icmpd_kg.namespaces import ID, IKG

LINKS_GRAPH = ID["graph/wikidata-links"]
EDITORS = ID["agent/icmpd-kg-editors"]
NO_TERM_FOUND = "https://w3id.org/sssom/NoTermFound"
SSSOM_SUFFIX = ".sssom.tsv"


def read_table(path: Path):  # -> sssom.util.MappingSetDataFrame
    """The SSSOM table, parsed and checked by the ``sssom`` library; errors name the file."""
    from sssom.parsers import parse_sssom_table

    logging.getLogger("sssom").setLevel(logging.ERROR)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            return parse_sssom_table(str(path))
    except Exception as exc:  # noqa: BLE001 - sssom and pandas raise many kinds; each names the file
        raise InputFileError(path, f"not a valid SSSOM table: {exc}") from None


def mapping_rows(path: Path) -> list[dict]:
    msdf = read_table(path)
    rows = []
    for number, row in enumerate(msdf.df.to_dict("records"), start=1):
        expanded = {}
        for column in ("subject_id", "predicate_id", "object_id"):
            value = str(row.get(column) or "")
            try:
                expanded[column] = msdf.converter.expand_strict(value) if ":" in value else value
            except Exception:  # noqa: BLE001 - an unknown prefix
                raise InputFileError(
                    path, f"mapping {number}: {column} {value!r} uses a prefix the curie_map does not define"
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
