"""A curator's commands on a copy of the data: a fact added from a quote, checked, built and served
with its quote; words not in the source, repeated words and a taken slug refused, nothing written."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Dataset, Namespace, URIRef

from icmpd_kg.cli import main
from icmpd_kg.core import paths
from icmpd_kg.store.spec import StoreSpec

OA = Namespace("http://www.w3.org/ns/oa#")
FACT = "https://w3id.org/icmpd-kg/id/fact/"
SOURCE = paths.SOURCE_FILE.read_text(encoding="utf-8")
STAFF = "ICMPD’ye bugün Türkiye de dahil olmak üzere 19 devlet üyedir ve 200’ün üzerinde çalışanı vardır"


@pytest.fixture
def data(tmp_path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(paths.DATA_DIR, copy, ignore=shutil.ignore_patterns("queries"))
    return copy


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.trig"))}


def annotation_of(file: Path, slug: str) -> tuple[str, int, int]:
    ds = Dataset()
    ds.parse(file, format="trig")
    [annotation] = ds.subjects(OA.hasBody, URIRef(FACT + slug))
    [target] = ds.objects(annotation, OA.hasTarget)
    selectors = list(ds.objects(target, OA.hasSelector))
    exact = next(str(o) for s in selectors for o in ds.objects(s, OA.exact))
    start = next(int(o) for s in selectors for o in ds.objects(s, OA.start))
    end = next(int(o) for s in selectors for o in ds.objects(s, OA.end))
    return exact, start, end


def test_a_fact_is_added_checked_built_and_served_with_its_quote(data, tmp_path):
    added = run("fact", "new", "icmpd-staff-size", "--quote", STAFF, "--data-dir", str(data))
    assert added.exit_code == 0, added.output
    # placed beside the facts of the neighbouring words (the members and the UN status: icmpd.trig)
    exact, start, end = annotation_of(data / "icmpd.trig", "icmpd-staff-size")
    assert exact == SOURCE[start:end] and " ".join(exact.split()) == STAFF  # the source's own spaces
    # an annotation whose fact graph states nothing is a violation until the curator fills it
    empty = run("fact", "check", "icmpd-staff-size", "--data-dir", str(data))
    assert empty.exit_code == 1 and "ikgsh:FactGraphNotEmpty" in empty.output, empty.output
    # the curator states what the words say: ICMPD has more than 200 staff
    text = (data / "icmpd.trig").read_text(encoding="utf-8")
    text = text.replace(
        "    # the triples these words state\n",
        '    organisation:icmpd rdfs:comment "200’ün üzerinde çalışanı vardır"@tr .\n',
    )
    (data / "icmpd.trig").write_text(text, encoding="utf-8")
    checked = run("fact", "check", "icmpd-staff-size", "--data-dir", str(data))
    assert checked.exit_code == 0, checked.output
    shown = run("fact", "show", "icmpd-staff-size", "--data-dir", str(data))
    assert (
        shown.exit_code == 0
        and f"[{STAFF}]" in " ".join(shown.output.split())
        and "rdfs:comment" in shown.output
    )
    out = tmp_path / "dist"
    from icmpd_kg.publishing.build import build

    build(out, data_files=paths.data_files(data), store=StoreSpec("memory"))
    import httpx

    from .conftest import serving

    query = (
        "PREFIX oa: <http://www.w3.org/ns/oa#> SELECT ?exact ?comment WHERE { "
        f"?a oa:hasBody <{FACT}icmpd-staff-size> ; oa:hasTarget/oa:hasSelector/oa:exact ?exact . "
        f"GRAPH <{FACT}icmpd-staff-size> {{ ?s <http://www.w3.org/2000/01/rdf-schema#comment> ?comment }} }}"
    )
    with serving(out) as served:
        answer = httpx.get(
            served.base + "/sparql", params={"query": query}, headers={"Accept": "text/csv"}, timeout=30
        )
    assert answer.status_code == 200, answer.text
    assert answer.text.splitlines()[1:] == [f"{exact},200’ün üzerinde çalışanı vardır"]


def test_a_statement_the_words_do_not_make_is_reported_by_check(data):
    assert run("fact", "new", "icmpd-staff-size", "--quote", STAFF, "--data-dir", str(data)).exit_code == 0
    text = (data / "icmpd.trig").read_text(encoding="utf-8")
    text = text.replace(
        "    # the triples these words state\n", '    organisation:icmpd rdfs:comment "300 çalışan"@tr .\n'
    )
    (data / "icmpd.trig").write_text(text, encoding="utf-8")
    checked = run("fact", "check", "icmpd-staff-size", "--data-dir", str(data))
    assert checked.exit_code == 1 and "ikgsh:FactLiteralInQuote" in checked.output


def test_plain_spaces_find_the_sources_no_break_spaces(data):
    typed = "Destek (SIDEM)"  # the source has a no-break space before the parenthesis
    assert "Destek\xa0(SIDEM)" in SOURCE
    added = run("fact", "new", "sidem-name", "--quote", typed, "--data-dir", str(data))
    assert added.exit_code == 0, added.output
    exact, start, end = annotation_of(data / "projects.trig", "sidem-name")
    assert exact == "Destek\xa0(SIDEM)" == SOURCE[start:end]


def test_a_quote_across_lines_is_found_and_its_comment_stays_one_line(data):
    # the end of one paragraph of the source and the start of the next
    first, second = SOURCE.split("\n\n")[1:3]
    quote = " ".join(first.split()[-3:] + second.split()[:2])
    added = run("fact", "new", "across-paragraphs", "--quote", quote, "--data-dir", str(data))
    assert added.exit_code == 0, added.output
    target = next(p for p in data.glob("*.trig") if "across-paragraphs" in p.read_text(encoding="utf-8"))
    exact, start, end = annotation_of(target, "across-paragraphs")
    assert "\n" in exact and exact == SOURCE[start:end]


@pytest.mark.parametrize(
    "args,expected",
    [
        (["missing-words", "--quote", "Birleşmiş Milletler"], "not found in the source"),
        (["turkey-again", "--quote", "Türkiye"], "occur 7 times in the source; say which with --occurrence"),
        (["icmpd-founding", "--quote", "1993 yılında kurulan"], "exists already"),
        (["Bad Slug", "--quote", STAFF], "use lower-case letters, digits and hyphens"),
        (["too-far", "--quote", "Türkiye", "--occurrence", "9"], "occurs 7 time(s); occurrence 9 asked"),
    ],
)
def test_refusals_name_the_problem_and_write_nothing(data, args, expected):
    before = digests(data)
    refused = run("fact", "new", *args, "--data-dir", str(data))
    assert refused.exit_code == 2 and expected in refused.output and "Traceback" not in refused.output
    assert digests(data) == before


def test_check_and_show_of_an_unknown_fact_are_clear(data):
    for command in ("check", "show"):
        result = run("fact", command, "no-such-fact", "--data-dir", str(data))
        assert result.exit_code == 2 and "no fact 'no-such-fact'" in result.output


def test_a_typed_apostrophe_finds_the_sources_and_a_near_miss_is_hinted(data):
    """Typing ' for the source's ’ said "quote not found" with no hint of the near match."""
    typed = STAFF.replace("’", "'")
    added = run("fact", "new", "icmpd-staff-typed", "--quote", typed, "--data-dir", str(data))
    assert added.exit_code == 0, added.output
    exact, start, end = annotation_of(data / "icmpd.trig", "icmpd-staff-typed")
    assert exact == SOURCE[start:end] and "’" in exact  # the source's own characters are recorded
    missed = run("fact", "new", "near", "--quote", "turkiye'de goc politikalarinin", "--data-dir", str(data))
    assert missed.exit_code == 2 and "the source has 'Türkiye’de Göç Politikalarının'" in missed.output
