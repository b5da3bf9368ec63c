"""`icmpd-kg compare wikidata` and `export quickstatements`, from a snapshot file and from a stand-in
Query Service on 127.0.0.1 (SPARQL 1.1 JSON results). The snapshot (tests/data/) is a small
hand-made result in that format, not a copy of Wikidata: it agrees on some facts, differs on one
(20 members where the source says 19) and lacks the rest."""

from __future__ import annotations

import csv
import io
import json
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from click.testing import CliRunner

from icmpd_kg.cli import main

from .standin import serve

SNAPSHOT = Path(__file__).resolve().parent / "data" / "wikidata-snapshot.json"
Q = "http://www.wikidata.org/entity/"


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def rows_of(result) -> dict[tuple[str, str], dict[str, str]]:
    return {(r["item"], r["property"]): r for r in csv.DictReader(io.StringIO(result.output))}


def test_compare_reports_every_status_with_both_values_and_sources():
    result = run("compare", "wikidata", "--snapshot", str(SNAPSHOT), "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = rows_of(result)
    assert rows[(Q + "Q498496", "P31")]["status"] == "agrees"
    assert rows[(Q + "Q498496", "P571")]["status"] == "agrees"  # 1993 at year precision
    differs = rows[(Q + "Q498496", "P2124")]
    assert differs["status"] == "differs"
    assert differs["ours"] == "19 as of the source's date (unknown, not before 2019-07)"
    assert differs["theirs"] == "20 as of 2024-01-01"
    assert "fact/icmpd-member-states" in differs["our_source"] and "19 devlet üyedir" in differs["our_source"]
    assert differs["their_source"] == "Wikidata snapshot wikidata-snapshot.json"
    turkey = rows[(Q + "Q43", "P463")]
    assert turkey["status"] == "only ours" and turkey["ours"] == Q + "Q498496"


@contextmanager
def page(status: int):
    """A web page on 127.0.0.1 answering ``status``: a reference URL that resolves (200) or not."""

    class Page(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

    with serve(Page) as base:
        yield base + "/release"


def test_quickstatements_only_for_what_wikidata_lacks_with_references():
    with page(200) as release:
        result = run("export", "quickstatements", "--snapshot", str(SNAPSHOT), "--reference-url", release)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    turkey = [line for line in lines if line.startswith("Q43\tP463\t")]
    # the quotation keeps the source's own characters, no-break spaces included
    assert turkey == [
        'Q43\tP463\tQ498496\tP580\t+2018-05-15T00:00:00Z/11\tP1545\t"17"\tS854\t'
        f'"{release}"\tS1683\ttr:"Türkiye\xa009.03.2017 tarih ve '
        "6993 sayılı Kanun ile "
        "(Resmi gazete sayı: 30024, tarih 31 Mart 2017) ICMPD’nin kuruluş anlaşmasına dahil olmuş "
        "ve\xa015 Mayıs 2018 "
        'tarihinde 17. Üyesi olarak ICMPD’ye katılmıştır"\tS407\tQ256'
    ]
    # P31 agrees, P2124 differs (an editor's call): neither proposed; no employees, no official name
    assert not any(f"\t{p}\t" in line for line in lines for p in ("P31", "P2124", "P1128", "P1448", "P571"))
    assert all(line.endswith("\tS407\tQ256") and f'\tS854\t"{release}"\t' in line for line in lines)


def test_a_partly_held_property_gets_exactly_its_missing_values(tmp_path):
    """Wikidata holds one of ICMPD's operating areas (Europe) and its short name in English: the
    comparison reports each value, and the hand-off proposes the four other areas, not Europe, and
    no short name (an acronym is the same string in every language)."""
    snapshot = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    for prop, value in (
        ("P2541", {"type": "uri", "value": Q + "Q46"}),
        ("P1813", {"type": "literal", "value": "ICMPD", "xml:lang": "en"}),
    ):
        snapshot["results"]["bindings"].append(
            {
                "item": {"type": "uri", "value": Q + "Q498496"},
                "prop": {"type": "uri", "value": "http://www.wikidata.org/prop/direct/" + prop},
                "value": value,
            }
        )
    held = tmp_path / "held.json"
    held.write_text(json.dumps(snapshot), encoding="utf-8")
    report = run("compare", "wikidata", "--snapshot", str(held), "--format", "json")
    assert report.exit_code == 0, report.output
    areas = {r["ours"]: r["status"] for r in json.loads(report.output) if r["property"] == "P2541"}
    assert areas[Q + "Q46"] == "agrees"
    assert [areas[Q + q] for q in ("Q15", "Q27275", "Q12585", "Q7204")] == ["only ours"] * 4
    short = [r for r in json.loads(report.output) if r["property"] == "P1813"]
    assert [r["status"] for r in short] == ["agrees"]
    result = run("export", "quickstatements", "--snapshot", str(held), "--no-reference-check")
    assert result.exit_code == 0, result.output
    proposed = sorted(line.split("\t")[2] for line in result.output.splitlines() if "\tP2541\t" in line)
    assert proposed == ["Q12585", "Q15", "Q27275", "Q7204"]
    assert "\tP1813\t" not in result.output


def test_the_member_count_of_today_is_handed_over_with_its_date_bounds(tmp_path):
    """Where Wikidata has no member count, the hand-off states 19 as of an unknown date not before
    July 2019 (P585 somevalue, P1319 at month precision, unknown day written 00 as Wikibase stores it)."""
    snapshot = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    snapshot["results"]["bindings"] = [
        b for b in snapshot["results"]["bindings"] if not b["prop"]["value"].endswith("/P2124")
    ]
    lacking = tmp_path / "lacking.json"
    lacking.write_text(json.dumps(snapshot), encoding="utf-8")
    result = run("export", "quickstatements", "--snapshot", str(lacking), "--no-reference-check")
    [line] = [line for line in result.output.splitlines() if "\tP2124\t" in line]
    assert line.startswith("Q498496\tP2124\t19\tP585\tsomevalue\tP1319\t+2019-07-00T00:00:00Z/10\tS854\t")


@pytest.mark.parametrize("status", [404, None])
def test_a_reference_that_does_not_resolve_is_refused_in_one_line(status):
    if status is None:  # nothing listens there
        from tests.conftest import free_port

        url = f"http://127.0.0.1:{free_port()}/release"
        result = run("export", "quickstatements", "--snapshot", str(SNAPSHOT), "--reference-url", url)
    else:
        with page(status) as url:
            result = run("export", "quickstatements", "--snapshot", str(SNAPSHOT), "--reference-url", url)
    assert result.exit_code == 2
    [message] = result.output.strip().splitlines()
    assert url in message and "does not resolve" in message and "--no-reference-check" in message
    assert "Traceback" not in result.output


def test_live_comparison_asks_the_query_service_and_agrees_with_the_snapshot(tmp_path):
    from .standin import fixed_endpoint

    with fixed_endpoint(SNAPSHOT.read_bytes()) as (url, seen):
        live = run(
            "compare", "wikidata", "--endpoint", url, "--cache", str(tmp_path / "c"), "--format", "json"
        )
    assert live.exit_code == 0, live.output
    assert len(seen) == 1 and f"<{Q}Q43>" in seen[0] and "<http://www.wikidata.org/prop/P463>" in seen[0]
    assert "P585" in seen[0] and "DeprecatedRank" in seen[0]
    snapshot = run("compare", "wikidata", "--snapshot", str(SNAPSHOT), "--format", "json")
    strip = [{k: v for k, v in r.items() if k != "their_source"} for r in json.loads(live.output)]
    assert strip == [{k: v for k, v in r.items() if k != "their_source"} for r in json.loads(snapshot.output)]


def test_a_snapshot_that_is_not_sparql_json_is_refused(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"rows": []}', encoding="utf-8")
    result = run("compare", "wikidata", "--snapshot", str(bad))
    assert result.exit_code == 2 and "bad.json" in result.output and "results.bindings" in result.output
