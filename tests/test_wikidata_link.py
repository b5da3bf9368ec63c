"""`icmpd-kg link wikidata` over real HTTP against a stand-in for the Wikidata API and Query Service
on 127.0.0.1, answering in their documented formats (wbsearchentities JSON; SPARQL JSON results for
ASK). The items the stand-in serves are synthetic (Q9000000xx), not claims about Wikidata."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
from click.testing import CliRunner

from icmpd_kg.cli import main
from icmpd_kg.core import paths
from icmpd_kg.core.turkish import fold as turkish_fold
from icmpd_kg.wikidata.client import USER_AGENT, Client, load_merged, reconcile, retry_after

pytestmark = pytest.mark.slow  # the fast tier leaves it out (see pyproject's markers)

SEARCH = {
    "Göç İdaresi Genel Müdürlüğü": [
        {"id": "Q900000002", "label": "Göç İdaresi Genel Müdürlüğü", "description": "synthetic stand-in item"}
    ],
    "MIND": [{"id": "Q900000001", "label": "MIND", "description": "synthetic stand-in item, not a project"}],
    "Resmî Gazete": [{"id": "Q900000003", "label": "Resmi Gazete", "aliases": ["Resmî Gazete"]}],
    "Aile, Çalışma ve Sosyal Hizmetler Bakanlığı": [
        {"id": "Q900000004", "label": "Aile, Çalışma ve Sosyal Hizmetler Bakanlığı"}
    ],
}
INSTANCES = {"Q900000002", "Q900000003", "Q900000004"}
IN_TURKEY = {"Q900000002", "Q900000003"}  # the ministry's candidate is, in this test data, elsewhere


class StandIn(BaseHTTPRequestHandler):
    requests: list[dict] = []
    fail_first = 0

    def log_message(self, *args):  # keep test output quiet
        pass

    def do_GET(self):
        url = urlparse(self.path)
        params = {k: v[0] for k, v in parse_qs(url.query).items()}
        StandIn.requests.append({"path": url.path, "params": params, "agent": self.headers.get("User-Agent")})
        if StandIn.fail_first > 0:
            StandIn.fail_first -= 1
            self.send_response(429)
            self.send_header("Retry-After", "1")
            self.end_headers()
            return
        if url.path == "/w/api.php" and params.get("action") == "wbsearchentities":
            body = {
                "searchinfo": {"search": params["search"]},
                "search": SEARCH.get(params["search"], []),
                "success": 1,
            }
            media = "application/json"
        elif url.path == "/sparql":
            query = params["query"]
            if "wdt:P17" in query:  # ASK { wd:Q… wdt:P17 wd:Q43 }
                item = query.split("ASK { wd:")[1].split()[0]
                body = {"head": {}, "boolean": item in IN_TURKEY and query.rstrip().endswith("wd:Q43 }")}
            else:  # ASK { VALUES ?class { … } wd:Q… wdt:P31/wdt:P279* ?class }
                item = query.split("} wd:")[1].split()[0]
                body = {"head": {}, "boolean": item in INSTANCES}
            media = "application/sparql-results+json"
        else:
            self.send_response(404)
            self.end_headers()
            return
        data = json.dumps(body).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", media)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture()
def stand_in():
    StandIn.requests = []
    StandIn.fail_first = 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield base
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def merged():
    return load_merged()


def client_for(base, tmp_path, **kwargs) -> Client:
    return Client(
        api=base + "/w/api.php",
        endpoint=base + "/sparql",
        cache_dir=tmp_path / "cache",
        min_interval=0,
        **kwargs,
    )


def test_reconcile_suggests_typed_matches_only_for_unlinked_records(stand_in, tmp_path, merged):
    suggestions = reconcile(merged, client_for(stand_in, tmp_path))
    found = {(s.subject.rsplit("/", 1)[1], s.item) for s in suggestions}
    assert ("gigm", "Q900000002") in found
    assert ("resmi-gazete", "Q900000003") in found  # matched through the item's alias
    assert not any(item == "Q900000001" for _, item in found), (
        "MIND's candidate is not a project: filtered out"
    )
    assert not any(item == "Q900000004" for _, item in found), "the ministry's candidate is not in Turkey"
    asked = [r["params"]["query"] for r in StandIn.requests if r["path"] == "/sparql"]
    assert any("wd:Q900000004 wdt:P17 wd:Q43" in q for q in asked)
    searched = {r["params"].get("search") for r in StandIn.requests if r["path"] == "/w/api.php"}
    assert "ICMPD" not in searched and "Türkiye" not in searched, "curated records are never searched"
    assert "SUPREME" in searched and "Ankara Ofisi" in searched
    assert all(r["agent"] == USER_AGENT for r in StandIn.requests)
    assert USER_AGENT.startswith("icmpd-kg/") and "https://w3id.org/icmpd-kg/" in USER_AGENT


def test_retry_after_is_honoured(stand_in, tmp_path):
    slept: list[float] = []
    StandIn.fail_first = 2
    client = client_for(stand_in, tmp_path, sleep=slept.append)
    assert client.search("MIND", "en")[0]["id"] == "Q900000001"
    assert slept.count(1.0) == 2 and len(StandIn.requests) == 3


def test_answers_are_cached_on_disk(stand_in, tmp_path, merged):
    reconcile(merged, client_for(stand_in, tmp_path))
    first = len(StandIn.requests)
    again = client_for(stand_in, tmp_path)
    reconcile(merged, again)
    assert first > 0 and again.requests_made == 0 and len(StandIn.requests) == first


def test_command_writes_an_sssom_table_for_review(stand_in, tmp_path):
    from sssom.parsers import parse_sssom_table

    out = tmp_path / "suggestions.sssom.tsv"
    result = CliRunner().invoke(
        main,
        [
            "link",
            "wikidata",
            "--api",
            stand_in + "/w/api.php",
            "--endpoint",
            stand_in + "/sparql",
            "--cache",
            str(tmp_path / "c"),
            "--min-interval",
            "0",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    rows = parse_sssom_table(str(out)).df.to_dict("records")
    gigm = [r for r in rows if r["object_id"] == "wd:Q900000002"]
    assert gigm and gigm[0]["mapping_justification"] == "semapv:LexicalMatching"
    assert float(gigm[0]["confidence"]) == 1.0


def test_command_offline_is_one_clear_line(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = CliRunner().invoke(
        main,
        [
            "link",
            "wikidata",
            "--api",
            f"http://127.0.0.1:{port}/w/api.php",
            "--endpoint",
            f"http://127.0.0.1:{port}/sparql",
            "--cache",
            str(tmp_path / "c"),
            "--min-interval",
            "0",
            "--out",
            str(tmp_path / "s.tsv"),
        ],
    )
    assert result.exit_code == 2
    assert "cannot reach" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "s.tsv").exists()


def test_command_refuses_to_overwrite_the_curated_table():
    result = CliRunner().invoke(main, ["link", "wikidata", "--out", str(paths.WIKIDATA_MAPPINGS_FILE)])
    assert result.exit_code == 2 and "curated" in result.output


def test_turkish_folding_and_retry_after_forms():
    assert turkish_fold("İSTANBUL") == turkish_fold("istanbul") == "istanbul"
    assert turkish_fold("IĞDIR") == turkish_fold("Iğdır") == "igdir"
    assert turkish_fold("Resmî Gazete") == "resmi gazete"
    assert retry_after("3") == 3.0 and retry_after(None) is None and retry_after("soon") is None
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
