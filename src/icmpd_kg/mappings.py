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
from pathlib import Path

from rdflib import DCTERMS, PROV, RDF, RDFS, Dataset, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

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
