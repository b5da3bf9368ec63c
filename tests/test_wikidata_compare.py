"""`icmpd-kg compare wikidata` and `export quickstatements`, from a snapshot file and from a stand-in
Query Service on 127.0.0.1 (SPARQL 1.1 JSON results). The snapshot (tests/data/) is a small
hand-made result in that format, not a copy of Wikidata: it agrees on some facts, differs on one
(20 members where the source says 19) and lacks the rest."""

from __future__ import annotations

import csv
import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from click.testing import CliRunner

from icmpd_kg.cli import main

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
    assert differs["ours"] == "19 as of the source (undated; after July 2019)"
    assert differs["theirs"] == "20 as of 2024-01-01"
    assert "fact/icmpd-member-states" in differs["our_source"] and "19 devlet üyedir" in differs["our_source"]
    assert differs["their_source"] == "Wikidata snapshot wikidata-snapshot.json"
    turkey = rows[(Q + "Q43", "P463")]
    assert turkey["status"] == "only ours" and turkey["ours"] == Q + "Q498496"


def test_quickstatements_only_for_what_wikidata_lacks_with_references():
    result = run("export", "quickstatements", "--snapshot", str(SNAPSHOT))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    turkey = [line for line in lines if line.startswith("Q43\tP463\t")]
    # the quotation keeps the source's own characters, no-break spaces included
    assert turkey == [
        'Q43\tP463\tQ498496\tP580\t+2018-05-15T00:00:00Z/11\tP1545\t"17"\tS854\t'
        '"https://w3id.org/icmpd-kg/id/source/icmpd-tr"\tS1683\ttr:"Türkiye\xa009.03.2017 tarih ve '
        "6993 sayılı Kanun ile "
        "(Resmi gazete sayı: 30024, tarih 31 Mart 2017) ICMPD’nin kuruluş anlaşmasına dahil olmuş "
        "ve\xa015 Mayıs 2018 "
        'tarihinde 17. Üyesi olarak ICMPD’ye katılmıştır"\tS407\tQ256'
    ]
    assert not any("\tP31\t" in line or "\tP2124\t" in line or "\tP1128\t" in line for line in lines)
    assert all(line.endswith("\tS407\tQ256") for line in lines)


def test_live_comparison_asks_the_query_service_and_agrees_with_the_snapshot(tmp_path):
    seen: list[str] = []

    class StandIn(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            seen.append(parse_qs(urlparse(self.path).query)["query"][0])
            body = SNAPSHOT.read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        live = run(
            "compare",
            "wikidata",
            "--endpoint",
            f"http://127.0.0.1:{server.server_address[1]}/sparql",
            "--cache",
            str(tmp_path / "c"),
            "--format",
            "json",
        )
    finally:
        server.shutdown()
        server.server_close()
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
