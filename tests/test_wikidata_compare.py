"""`icmpd-kg compare wikidata` and `export quickstatements`, from a snapshot file and from a stand-in
Query Service on 127.0.0.1 (SPARQL 1.1 JSON results). The snapshot (tests/data/) is a small
hand-made result in that format, not a copy of Wikidata: it agrees on some facts, differs on one
(20 members where the source says 19) and lacks the rest."""

from __future__ import annotations

import csv
import io
import json
import re
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from click.testing import CliRunner

from icmpd_kg.cli import main

from .standin import serve

pytestmark = pytest.mark.slow  # the fast tier leaves it out (see pyproject's markers)

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
    from datetime import datetime, timezone

    from icmpd_kg import __version__

    today = datetime.now(timezone.utc).date().isoformat()
    lines = result.output.splitlines()
    turkey = [line for line in lines if line.startswith("Q43\tP463\t")]
    # the quotation as an editor searches for it: the source's no-break spaces as plain spaces; S813
    # the day the reference URL was checked; an edit summary naming the project and its release
    summary = (
        f" /* icmpd-kg {__version__}: sourced facts from https://w3id.org/icmpd-kg/"
        " (the Turkish source quoted) */"
    )
    assert turkey == [
        'Q43\tP463\tQ498496\tP580\t+2018-05-15T00:00:00Z/11\tP1545\t"17"\tS854\t'
        f'"{release}"\tS813\t+{today}T00:00:00Z/11\tS1683\ttr:"Türkiye 09.03.2017 tarih ve '
        "6993 sayılı Kanun ile "
        "(Resmi gazete sayı: 30024, tarih 31 Mart 2017) ICMPD’nin kuruluş anlaşmasına dahil olmuş "
        "ve 15 Mayıs 2018 "
        'tarihinde 17. Üyesi olarak ICMPD’ye katılmıştır"\tS407\tQ256' + summary
    ]
    # P31 agrees, P2124 differs (an editor's call): neither proposed; no employees, no official name
    assert not any(f"\t{p}\t" in line for line in lines for p in ("P31", "P2124", "P1128", "P1448", "P571"))
    assert all(line.endswith("\tS407\tQ256" + summary) and f'\tS854\t"{release}"\t' in line for line in lines)
    assert "\xa0" not in result.output


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
    assert "P585" in seen[0] and "wikibase:rank ?rank" in seen[0] and "owl#sameAs" in seen[0]
    # each item is asked only for the properties we hold for it: Turkey for P463, not for ICMPD's
    asked = set(
        re.findall(
            r"\(<(http://www.wikidata.org/entity/Q\d+)> <http://www.wikidata.org/prop/direct/(P\d+)>", seen[0]
        )
    )
    assert (
        (f"{Q}Q43", "P463") in asked and (f"{Q}Q43", "P571") not in asked and (f"{Q}Q498496", "P571") in asked
    )
    snapshot = run("compare", "wikidata", "--snapshot", str(SNAPSHOT), "--format", "json")
    strip = [{k: v for k, v in r.items() if k != "their_source"} for r in json.loads(live.output)]
    assert strip == [{k: v for k, v in r.items() if k != "their_source"} for r in json.loads(snapshot.output)]


def test_a_snapshot_that_is_not_sparql_json_is_refused(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"rows": []}', encoding="utf-8")
    result = run("compare", "wikidata", "--snapshot", str(bad))
    assert result.exit_code == 2 and "bad.json" in result.output and "results.bindings" in result.output


def _with(extra: list[dict], tmp_path: Path, drop: tuple[str, ...] = ()) -> Path:
    """The snapshot with ``extra`` rows and without the rows of the properties in ``drop``."""
    snapshot = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    snapshot["results"]["bindings"] = [
        b
        for b in snapshot["results"]["bindings"]
        if not b["prop"]["value"].endswith(tuple("/" + p for p in drop))
    ] + extra
    path = tmp_path / "changed.json"
    path.write_text(json.dumps(snapshot), encoding="utf-8")
    return path


def _row(item: str, prop: str, value: dict, **extra: str) -> dict:
    row = {
        "item": {"type": "uri", "value": Q + item},
        "prop": {"type": "uri", "value": "http://www.wikidata.org/prop/direct/" + prop},
        "value": value,
    }
    for name, term in extra.items():
        row[name] = {"type": "uri", "value": term}
    return row


def test_a_value_wikidata_deprecated_is_neither_agreed_nor_proposed_again(tmp_path):
    deprecated = _row(
        "Q43",
        "P463",
        {"type": "uri", "value": Q + "Q498496"},
        rank="http://wikiba.se/ontology#DeprecatedRank",
    )
    held = _with([deprecated], tmp_path)
    rows = rows_of(run("compare", "wikidata", "--snapshot", str(held), "--format", "csv"))
    assert rows[(Q + "Q43", "P463")]["status"] == "deprecated on Wikidata"
    assert "(deprecated)" in rows[(Q + "Q43", "P463")]["theirs"]
    proposed = run("export", "quickstatements", "--snapshot", str(held), "--no-reference-check")
    assert proposed.exit_code == 0 and "Q43\tP463\t" not in proposed.output


def test_a_redirected_item_is_followed_and_said(tmp_path):
    moved = _row("Q43", "P463", {"type": "uri", "value": Q + "Q498496"}, redirect=Q + "Q999999999")
    rows = rows_of(run("compare", "wikidata", "--snapshot", str(_with([moved], tmp_path)), "--format", "csv"))
    row = rows[(Q + "Q43", "P463")]
    assert row["status"] == "agrees" and f"redirects to {Q}Q999999999" in row["their_source"]


def test_websites_compare_as_urls_and_a_missing_one_is_handed_over(tmp_path):
    slash = _row("Q498496", "P856", {"type": "uri", "value": "HTTPS://WWW.ICMPD.ORG"})
    rows = rows_of(
        run("compare", "wikidata", "--snapshot", str(_with([slash], tmp_path, ("P856",))), "--format", "csv")
    )
    assert (
        rows[(Q + "Q498496", "P856")]["status"] == "agrees"
    )  # one website, not "only ours" and "only theirs"
    lacking = _with([], tmp_path, ("P856",))
    proposed = run("export", "quickstatements", "--snapshot", str(lacking), "--no-reference-check")
    [line] = [line for line in proposed.output.splitlines() if "\tP856\t" in line]
    assert line.startswith('Q498496\tP856\t"https://www.icmpd.org/"\tS854\t')
    assert "\tS813\t" not in line  # nothing was checked, so nothing is said retrieved


def test_un_observer_status_held_as_the_general_assembly_is_not_proposed_again(tmp_path):
    assembly = _row("Q498496", "P10624", {"type": "uri", "value": Q + "Q47423"})
    held = _with([assembly], tmp_path, ("P10624",))
    rows = rows_of(run("compare", "wikidata", "--snapshot", str(held), "--format", "csv"))
    assert rows[(Q + "Q498496", "P10624")]["status"] == "agrees"
    proposed = run("export", "quickstatements", "--snapshot", str(held), "--no-reference-check")
    assert "\tP10624\t" not in proposed.output


def test_a_non_ascii_reference_url_is_written_as_it_is():
    url = "https://example.org/Göç/sürüm"
    result = run(
        "export",
        "quickstatements",
        "--snapshot",
        str(SNAPSHOT),
        "--reference-url",
        url,
        "--no-reference-check",
    )
    assert result.exit_code == 0 and f'\tS854\t"{url}"\t' in result.output and "\\u00" not in result.output
