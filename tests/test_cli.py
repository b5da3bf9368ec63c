"""The command line: exit codes, messages on bad input, help and version."""

from __future__ import annotations

import json
import sys

import pytest
from click.testing import CliRunner

from icmpd_kg import __version__
from icmpd_kg.cli import main

from .conftest import REPO

EXAMPLES = REPO / "shapes" / "examples"


@pytest.fixture()
def run():
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(main, list(args), catch_exceptions=False)

    return invoke


def test_version(run):
    result = run("--version")
    assert result.exit_code == 0 and __version__ in result.output


@pytest.mark.parametrize("command", [[], ["validate"], ["build"], ["query"]])
def test_help(run, command):
    result = run(*command, "--help")
    assert result.exit_code == 0
    assert "Usage:" in result.output


def test_validate_shipped_data_conforms(run):
    result = run("validate")
    assert result.exit_code == 0, result.output
    assert "Conforms: yes" in result.output


def test_validate_bad_fixture_exits_1_with_report(run):
    result = run("validate", str(EXAMPLES / "LawBeforeGazette-invalid-01.ttl"))
    assert result.exit_code == 1
    assert "after the gazette issue that published it" in result.output
    assert "focus node:" in result.output and "ikgsh:LawBeforeGazette" in result.output


def test_validate_engines_print_the_same_report(run):
    fixture = str(EXAMPLES / "LawBeforeGazette-invalid-01.ttl")
    native = run("validate", "--format", "json", fixture)
    reference = run("validate", "--format", "json", "--engine", "pyshacl", fixture)
    assert native.exit_code == reference.exit_code == 1
    assert json.loads(native.output) == json.loads(reference.output)
    wrong = CliRunner().invoke(main, ["validate", "--engine", "jena", fixture])
    assert wrong.exit_code == 2 and "'jena' is not one of" in wrong.output


def test_validate_turtle_report_is_shacl_and_parses(run):
    from rdflib import Graph

    from icmpd_kg.core.namespaces import SH

    fixture = str(EXAMPLES / "QuantityValueShape-invalid-01.ttl")
    report = Graph().parse(data=run("validate", "--format", "turtle", fixture).output, format="turtle")
    [node] = report.subjects(SH.conforms, None)
    results = list(report.objects(node, SH.result))
    assert results and all(report.value(r, SH.focusNode) is not None for r in results)
    assert all(report.value(r, SH.sourceShape) is not None for r in results)
    assert {m.language for r in results for m in report.objects(r, SH.resultMessage)} == {"en", "tr"}


def test_validate_json_and_turtle_formats(run):
    fixture = str(EXAMPLES / "AcronymPatternShape-invalid-01.ttl")
    data = json.loads(run("validate", "--format", "json", fixture).output)
    assert data["conforms"] is False
    assert any(
        r["shape"] == "ikgsh:AcronymPatternShape" and r["path"] == "ikg:acronym" for r in data["results"]
    )
    turtle = run("validate", "--format", "turtle", fixture).output
    assert "sh:ValidationReport" in turtle and "sh:conforms false" in turtle


def test_syntax_error_names_file_and_line(run, tmp_path):
    bad = tmp_path / "broken.ttl"
    bad.write_text(
        '@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:d ex:e "unclosed .\n', encoding="utf-8"
    )
    result = CliRunner().invoke(main, ["validate", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}:3" in result.output
    assert "Traceback" not in result.output


def test_ntriples_error_names_the_line(run, tmp_path):
    bad = tmp_path / "broken.nt"
    bad.write_text("<http://a> <http://b> <http://c> .\n<http://a> <http://b> oops .\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(bad)])
    assert result.exit_code == 2 and f"{bad}:2" in result.output


@pytest.mark.parametrize(
    "name,content,expected",
    [
        ("missing.ttl", None, "no such file"),
        ("data.csv", "a,b\n", "unknown RDF file extension"),
        ("latin1.ttl", b"\xff\xfe<a> <b> <c> .", "not UTF-8"),
    ],
)
def test_unreadable_input_exits_2(tmp_path, name, content, expected):
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content)
    elif isinstance(content, bytes):
        path.write_bytes(content)
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2
    assert expected in result.output and "Traceback" not in result.output


def test_build_and_query(run, tmp_path):
    out = tmp_path / "dist"
    result = run("build", "--out", str(out))
    assert result.exit_code == 0 and "conforms" in result.output
    table = run(
        "query", "--dist", str(out), "SELECT ?a WHERE { ?p a ikg:Project ; ikg:acronym ?a } ORDER BY ?a"
    )
    assert table.exit_code == 0 and '"FRIT"' in table.output and "8 row(s)" in table.output
    as_csv = run(
        "query", "--dist", str(out), "--format", "csv", "SELECT ?a WHERE { project:pact ikg:acronym ?a }"
    )
    assert as_csv.output.splitlines() == ["a", "PACT"]
    as_json = json.loads(
        run(
            "query", "--dist", str(out), "--format", "json", 'ASK { state:turkey rdfs:label "Türkiye"@tr }'
        ).output
    )
    assert as_json["boolean"] is True
    graph = run("query", "--dist", str(out), "CONSTRUCT { ?s ikg:acronym ?a } WHERE { ?s ikg:acronym ?a }")
    assert "ikg:acronym" in graph.output


def test_query_syntax_error_has_position(run, tmp_path):
    out = tmp_path / "dist"
    run("build", "--out", str(out))
    result = CliRunner().invoke(main, ["query", "--dist", str(out), "SELECT ?x WHERE { ?x ?y }"])
    assert result.exit_code == 2
    assert "line 1, column" in result.output


def test_query_without_build_says_what_to_do(tmp_path):
    result = CliRunner().invoke(main, ["query", "--dist", str(tmp_path / "nothing"), "ASK {}"])
    assert result.exit_code == 2 and "icmpd-kg build" in result.output


def test_build_refuses_nonconformant_data(tmp_path, monkeypatch):
    from icmpd_kg.core import paths

    monkeypatch.setattr(paths, "data_files", lambda: [EXAMPLES / "ProjectStatusShape-invalid-01.ttl"])
    result = CliRunner().invoke(main, ["build", "--out", str(tmp_path / "dist")])
    assert result.exit_code == 1
    assert not (tmp_path / "dist").exists()


@pytest.mark.slow
def test_build_store_option(tmp_path):
    """--store memory writes no store; --store oxigraph:DIR writes it there, and query reads it."""
    bare, elsewhere = tmp_path / "bare", tmp_path / "elsewhere" / "store"
    assert CliRunner().invoke(main, ["build", "--out", str(bare), "--store", "memory"]).exit_code == 0
    assert not (bare / "oxigraph").exists() and (bare / "icmpd-kg.nq").is_file()
    answer = CliRunner().invoke(main, ["query", "--dist", str(bare), "ASK { ?s ?p ?o }"])
    assert answer.exit_code == 0 and answer.output.strip() == "true"  # the memory store, from the dump
    assert (
        CliRunner()
        .invoke(main, ["build", "--out", str(tmp_path / "d"), "--store", f"oxigraph:{elsewhere}"])
        .exit_code
        == 0
    )
    assert (elsewhere / "CURRENT").is_file() and not (tmp_path / "d" / "oxigraph").exists()
    answer = CliRunner().invoke(
        main,
        [
            "query",
            "--store",
            f"oxigraph:{elsewhere}",
            "--format",
            "csv",
            "SELECT (COUNT(*) AS ?n) WHERE { ?p a ikg:Project }",
        ],
    )
    assert answer.exit_code == 0 and answer.output.splitlines()[1] == "8"
    wrong = CliRunner().invoke(main, ["build", "--out", str(bare), "--store", "sparql:http://127.0.0.1:9/"])
    assert wrong.exit_code == 2 and "publish" in wrong.output


def test_serve_on_a_port_in_use_is_one_clear_line(dist):
    import socket

    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["serve", "--dist", str(dist), "--port", str(port)])
    assert result.exit_code == 2
    assert (
        result.output.strip() == f"icmpd-kg: error: cannot listen on 127.0.0.1:{port}: Address already in use"
    )


def test_the_listening_socket_gets_connections_without_nagles_delay():
    """serve binds its socket itself (web.protocol.listen); the event loop turns Nagle's algorithm
    off only on sockets made with TCP's protocol number, and with it on every answer waited 40 ms
    for the client's delayed ACK (183 requests a second instead of 6,000)."""
    import asyncio
    import socket

    from icmpd_kg.web.guard import listen

    async def accepted_nodelay() -> int:
        sock = listen("127.0.0.1", 0)
        found: asyncio.Future = asyncio.get_running_loop().create_future()

        def connected(reader, writer):
            found.set_result(
                writer.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
            )
            writer.close()

        server = await asyncio.start_server(connected, sock=sock)
        try:
            _, client = await asyncio.open_connection("127.0.0.1", sock.getsockname()[1])
            value = await asyncio.wait_for(found, 5)
            client.close()
            return value
        finally:
            server.close()

    assert asyncio.run(accepted_nodelay()) != 0


def test_an_ill_typed_literal_is_a_result_not_a_traceback():
    """rdflib warns with a traceback when it reads "9 Mart 2017"^^xsd:date; the command says only
    what SHACL finds (as a user runs it, in a process of its own)."""
    import subprocess
    import sys

    fixture = EXAMPLES / "LawDateShape-invalid-02.ttl"
    done = subprocess.run(
        [sys.executable, "-m", "icmpd_kg", "validate", str(fixture)], capture_output=True, text=True
    )
    assert done.returncode == 1, done.stderr
    assert "LawDateShape" in done.stdout
    assert "Traceback" not in done.stderr + done.stdout and "Failed to convert" not in done.stderr


def test_query_with_wdqs_is_some_value_and_an_unknown_function(dist):
    known = CliRunner().invoke(
        main,
        [
            "query",
            "--dist",
            str(dist),
            "--format",
            "csv",
            "SELECT ?s WHERE { ?s pq:P585 ?when FILTER(wikibase:isSomeValue(?when)) }",
        ],
    )
    assert known.exit_code == 0 and len(known.output.splitlines()) == 2, known.output
    unknown = CliRunner().invoke(
        main,
        ["query", "--dist", str(dist), "SELECT ?s WHERE { ?s pq:P585 ?w FILTER(wikibase:isSomeValu(?w)) }"],
    )
    assert unknown.exit_code == 2 and "unknown function" in unknown.output
    assert "Traceback" not in unknown.output


CROSS_JOIN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }"


@pytest.mark.parametrize(
    ("limits", "query", "said"),
    [
        (["--timeout", "1"], CROSS_JOIN, "ran past --timeout (1 s)"),
        (
            ["--memory-limit", "256", "--timeout", "120"],
            "SELECT * WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f } ORDER BY ?a ?c ?e",
            "needed more than --memory-limit (256 MB)",
        ),
    ],
)
def test_query_is_held_to_the_endpoints_limits(dist, limits, query, said):
    """A cross-join typo once grew `icmpd-kg query` to 23 GB with no message: it now stops with one."""
    import subprocess
    import time

    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "icmpd_kg", "query", "--dist", str(dist), *limits, query],
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
    )
    assert done.returncode == 2 and said in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and time.monotonic() - started < 90


def test_query_says_when_it_cut_the_answer(dist):
    cut = CliRunner().invoke(
        main,
        ["query", "--dist", str(dist), "--max-rows", "3", "--format", "csv", "SELECT ?s WHERE { ?s ?p ?o }"],
    )
    assert cut.exit_code == 0 and len(cut.stdout.splitlines()) == 4  # the header and three rows
    assert "cut at 3 rows (--max-rows)" in cut.stderr


def test_a_store_without_its_current_file_is_refused_not_replaced(dist, tmp_path):
    """A dist/oxigraph folder missing its CURRENT file was served silently from the dump in memory."""
    import shutil

    broken = tmp_path / "dist"
    shutil.copytree(dist, broken)
    (broken / "oxigraph" / "CURRENT").unlink()
    result = CliRunner().invoke(main, ["query", "--dist", str(broken), "ASK { ?s ?p ?o }"])
    assert result.exit_code == 2 and "CURRENT file is missing" in result.output
    assert "Traceback" not in result.output
    served = subprocess_serve(broken)
    assert served.returncode == 2 and "CURRENT file is missing" in served.stderr


def subprocess_serve(dist):
    import subprocess

    return subprocess.run(
        [sys.executable, "-m", "icmpd_kg", "serve", "--dist", str(dist), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("command", [["build"], ["release", "--version", "9.9.9"]])
def test_an_output_folder_that_cannot_be_written_is_one_line(tmp_path, command):
    """`build --out` or `release --out` where a file stands (or on a read-only disk) printed a traceback."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    result = CliRunner().invoke(main, [*command, "--out", str(blocker / "out")])
    assert result.exit_code == 2 and "cannot be written" in result.output, result.output
    assert "Traceback" not in result.output and blocker.read_text(encoding="utf-8") == "not a folder"


def test_a_wrong_query_file_is_named_in_the_error(dist, tmp_path):
    """`query --file` with a query the engine refuses says which file holds it, in one line."""
    bad = tmp_path / "broken-query.rq"
    bad.write_text("SELECT ?x WHERE { ?x ?y }\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["query", "--dist", str(dist), "--file", str(bad)])
    assert result.exit_code == 2
    assert f"icmpd-kg: error ({bad}):" in result.output
    assert "Traceback" not in result.output
