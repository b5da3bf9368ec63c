"""Wikidata links: curated as SSSOM, read into their own editorial graph, published by the build."""

from __future__ import annotations

import pytest
from rdflib import OWL, SKOS, URIRef

from icmpd_kg.core import paths
from icmpd_kg.core.errors import InputFileError
from icmpd_kg.kg.graph import named_graphs, parse_file
from icmpd_kg.kg.mappings import LINKS_GRAPH, mapping_rows

WD = "http://www.wikidata.org/entity/"
ID = "https://w3id.org/icmpd-kg/id/"


def test_every_row_is_a_documented_manual_curation():
    rows = mapping_rows(paths.WIKIDATA_MAPPINGS_FILE)
    assert rows, "the curated table is empty"
    header = paths.WIKIDATA_MAPPINGS_FILE.read_text(encoding="utf-8")
    version = header.split("# mapping_set_version: ", 1)[1].split("\n", 1)[0].strip()
    for row in rows:
        where = row["subject_id"]
        assert row["mapping_justification"] == "semapv:ManualMappingCuration", where
        assert row["author_id"] == "agent:icmpd-kg-editors", where
        # curated after the source entered the repository, and no later than the table's version
        assert "2026-11-24" <= str(row["mapping_date"]) <= version, where
        assert 0 < float(row["confidence"]) <= 1, where
        assert row["predicate_id"] in (str(OWL.sameAs), str(SKOS.exactMatch), str(SKOS.closeMatch)), where
        if row["predicate_id"] == str(SKOS.closeMatch):  # a link that is not identity says why
            assert len(str(row.get("comment") or "")) > 40, where


def test_links_graph_states_exactly_the_table(kg):
    rows = {
        (URIRef(r["subject_id"]), URIRef(r["predicate_id"]), URIRef(r["object_id"]))
        for r in mapping_rows(paths.WIKIDATA_MAPPINGS_FILE)
    }
    graph = named_graphs(kg.data)[LINKS_GRAPH]
    assert set(graph) == rows
    # individuals are owl:sameAs an item, vocabulary terms and concepts skos:exactMatch or closeMatch
    for s, p, _ in graph:
        is_term = str(s).startswith("https://w3id.org/icmpd-kg/ontology#") or "/concept/" in str(s)
        assert p in ((SKOS.exactMatch, SKOS.closeMatch) if is_term else (OWL.sameAs,)), (s, p)
    assert (URIRef(ID + "concept/region/eurasia"), SKOS.closeMatch, URIRef(WD + "Q5401")) in graph
    assert (URIRef(ID + "state/turkey"), OWL.sameAs, URIRef(WD + "Q43")) in graph


def test_a_table_with_an_unknown_prefix_is_refused_with_the_file_named(tmp_path):
    bad = tmp_path / "bad.sssom.tsv"
    text = paths.WIKIDATA_MAPPINGS_FILE.read_text(encoding="utf-8")
    bad.write_text(text.replace("state:turkey\t", "staat:turkey\t"), encoding="utf-8")
    with pytest.raises(InputFileError) as caught:
        parse_file(bad)
    assert "bad.sssom.tsv" in str(caught.value) and "staat:turkey" in str(caught.value)


def test_build_publishes_the_table_and_the_unlinked(dist):
    assert (dist / "icmpd-kg-wikidata.sssom.tsv").read_bytes() == paths.WIKIDATA_MAPPINGS_FILE.read_bytes()
    unlinked = (dist / "wikidata-unlinked.tsv").read_text(encoding="utf-8").splitlines()
    subjects = {line.split("\t")[0] for line in unlinked[1:]}
    for name in (
        "organisation/gigm",
        "organisation/ministry-of-family-labour-and-social-services",
        "gazette/resmi-gazete",
        "concept/region/western-balkans",
        "unit/ankara-office",
        "project/mind",
        "law/turkey-6993",
    ):
        assert ID + name in subjects, name
    for name in ("organisation/icmpd", "state/turkey", "place/ankara", "concept/region/europe"):
        assert ID + name not in subjects, name
    assert len([s for s in subjects if "/project/" in s]) == 8


def test_entity_page_and_dump_show_the_link(site):
    page = site.get("/id/organisation/icmpd", headers={"Accept": "text/html"})
    assert f'href="{WD}Q498496"' in page.text
    region = site.get("/id/concept/region/africa?lang=en", headers={"Accept": "text/html"})
    assert f"{WD}Q15" in region.text
    table = site.get("/dumps/icmpd-kg-wikidata.sssom.tsv")
    assert table.status_code == 200 and table.headers["content-type"].startswith("text/tab-separated-values")
    assert "wd:Q498496" in table.text


def test_the_table_reads_as_the_sssom_library_reads_it():
    """The project reads SSSOM/TSV with PyYAML and csv; the sssom library (the reference) finds the
    same rows, the same expanded identifiers and the same metadata."""
    from sssom.parsers import parse_sssom_table

    from icmpd_kg.kg.mappings import read_table

    reference = parse_sssom_table(str(paths.WIKIDATA_MAPPINGS_FILE))
    theirs = [
        {
            c: reference.converter.expand(str(r[c])) or str(r[c])
            for c in ("subject_id", "predicate_id", "object_id")
        }
        for r in reference.df.to_dict("records")
    ]
    ours = [
        {c: r[c] for c in ("subject_id", "predicate_id", "object_id")}
        for r in mapping_rows(paths.WIKIDATA_MAPPINGS_FILE)
    ]
    key = lambda r: tuple(r.values())  # noqa: E731 - sssom sorts the rows its own way
    assert sorted(ours, key=key) == sorted(theirs, key=key)
    table = read_table(paths.WIKIDATA_MAPPINGS_FILE)
    assert table.metadata["mapping_set_id"] == str(reference.metadata["mapping_set_id"])


def test_reading_the_table_imports_no_data_frame_library():
    import subprocess
    import sys

    code = (
        "import sys\nfrom icmpd_kg.kg.mappings import to_dataset\nfrom icmpd_kg.core import paths\n"
        "to_dataset(paths.WIKIDATA_MAPPINGS_FILE)\n"
        "print(sorted(m for m in ('pandas', 'sssom', 'numpy', 'linkml_runtime') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize(
    "name,edit,expected",
    [
        ("bad-yaml", lambda t: t.replace("# curie_map:", "# curie_map: [", 1), "YAML header"),
        ("no-object", lambda t: t.replace("\tobject_id\t", "\tobject\t", 1), "no column object_id"),
    ],
)
def test_a_broken_table_is_refused_with_the_file_named(tmp_path, name, edit, expected):
    bad = tmp_path / f"{name}.sssom.tsv"
    bad.write_text(edit(paths.WIKIDATA_MAPPINGS_FILE.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(InputFileError) as caught:
        parse_file(bad)
    assert f"{name}.sssom.tsv" in str(caught.value) and expected in str(caught.value)
