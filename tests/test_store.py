"""Stores made by ``icmpd-kg load`` and changed by updates: the union default graph is a set, the
standard's dataset on request, and every literal comes back as it was written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from icmpd_kg.cli import main
from icmpd_kg.sparql.engine import Engine, OxigraphBackend
from icmpd_kg.store.oxigraph import UNION_GRAPH

XSD = "http://www.w3.org/2001/XMLSchema#"


@pytest.fixture()
def run():
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)

    return invoke


def count(run, store: Path, *options: str, query: str = "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }") -> int:
    result = run("query", "--store", f"oxigraph:{store}", *options, "--format", "json", query)
    assert result.exit_code == 0, result.output
    return int(json.loads(result.output)["results"]["bindings"][0]["n"]["value"])


@pytest.fixture()
def triple(tmp_path) -> Path:
    path = tmp_path / "a.nt"
    path.write_text("<http://example.org/s> <http://example.org/p> <http://example.org/o> .\n")
    return path


def test_the_union_of_graphs_is_a_set(run, tmp_path, triple):
    """One triple stated in the default graph and in a named graph is one triple of the union."""
    store = tmp_path / "store"
    assert run("load", triple, "--into", f"oxigraph:{store}").exit_code == 0
    assert (
        run("load", triple, "--into", f"oxigraph:{store}", "--graph", "http://example.org/g").exit_code == 0
    )
    assert count(run, store) == 1
    assert count(run, store, "--default-graph", "stored") == 1
    graphs = "SELECT (COUNT(DISTINCT ?g) AS ?n) { GRAPH ?g { ?s ?p ?o } }"
    assert count(run, store, query=graphs) == 1  # the store's own merge is no graph of the dataset
    assert count(run, store, query=f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{UNION_GRAPH}> {{ ?s ?p ?o }} }}") == 0


def test_the_standard_dataset_on_request(run, tmp_path, triple):
    """A store loaded with --default-graph stored keeps its default graph as loaded; it cannot
    answer for a union it does not keep, and says so."""
    store = tmp_path / "store"
    loaded = run(
        "load",
        triple,
        "--into",
        f"oxigraph:{store}",
        "--graph",
        "http://example.org/g",
        "--default-graph",
        "stored",
    )
    assert loaded.exit_code == 0, loaded.output
    assert count(run, store) == 0
    assert count(run, store, query="SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }") == 1
    refused = run("query", "--store", f"oxigraph:{store}", "--default-graph", "union", "ASK {}")
    assert refused.exit_code == 2 and "keeps no union" in refused.output
    again = run("load", triple, "--into", f"oxigraph:{store}", "--default-graph", "union")
    assert again.exit_code == 2 and "keeps its default graph as 'stored'" in again.output
    assert count(run, store, query="SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }") == 1  # unchanged


def test_the_reserved_graph_name_is_refused(run, tmp_path):
    data = tmp_path / "bad.nq"
    data.write_text(
        f"<http://example.org/s> <http://example.org/p> <http://example.org/o> <{UNION_GRAPH}> .\n"
    )
    result = run("load", data, "--into", f"oxigraph:{tmp_path / 'store'}")
    assert result.exit_code == 2 and "reserved" in result.output and "bad.nq" in result.output
    assert not (tmp_path / "store").exists()


WRITTEN = {
    "negative": f'"-5"^^<{XSD}negativeInteger>',
    "plus": f'"+19"^^<{XSD}decimal>',
    "zero": f'"0"^^<{XSD}boolean>',
    "double": f'"1.0E0"^^<{XSD}double>',
    "padded": f'"007"^^<{XSD}integer>',
    "tag": '"colour"@en-gb',  # Oxigraph's parser lower-cases tags (RDF 1.1 allows it): en-GB is en-gb
    "time": f'"2019-07-01T00:00:00.000Z"^^<{XSD}dateTime>',
}


def test_loaded_literals_come_back_as_written(run, tmp_path):
    """Oxigraph keeps literals by value; answers, in SELECT rows and in graphs alike, give the form
    the data wrote, while a value the query computes keeps the standard's type (COUNT: xsd:integer)."""
    data = tmp_path / "forms.nt"
    data.write_text(
        "".join(
            f"<http://example.org/{k}> <http://example.org/v> {v} .\n" for k, v in WRITTEN.items()
        ).replace("@en-gb", "@en-GB")
    )
    store = tmp_path / "store"
    assert run("load", data, "--into", f"oxigraph:{store}").exit_code == 0
    backend = OxigraphBackend.open(store)
    engine = Engine(backend)
    rows = engine.query("SELECT ?s ?o (COUNT(*) AS ?n) { ?s ?p ?o } GROUP BY ?s ?o").rows
    assert {str(s).rsplit("/", 1)[1]: o.n3() for s, o, _ in rows} == WRITTEN
    assert all(n.n3() == f'"1"^^<{XSD}integer>' for *_, n in rows)
    triples = engine.query("CONSTRUCT WHERE { ?s ?p ?o }").triples
    assert {str(s).rsplit("/", 1)[1]: o.n3() for s, _, o in triples} == WRITTEN
    assert engine.query(
        'ASK { ?s ?p "-5"^^xsd:negativeInteger FILTER(?s = <http://example.org/negative>) }'
    ).boolean


def test_two_forms_of_one_value_give_the_stores_form(run, tmp_path):
    """ "1.0" and "1.00" are one term in Oxigraph: neither written form can be told apart, so the
    store's form is answered (and not one of them at random)."""
    data = tmp_path / "two.nt"
    data.write_text(
        f'<http://example.org/a> <http://example.org/v> "1.0"^^<{XSD}decimal> .\n'
        f'<http://example.org/b> <http://example.org/v> "1.00"^^<{XSD}decimal> .\n'
        f'<http://example.org/c> <http://example.org/v> "+2"^^<{XSD}decimal> .\n'
    )
    store = tmp_path / "store"
    assert run("load", data, "--into", f"oxigraph:{store}").exit_code == 0
    rows = Engine(OxigraphBackend.open(store)).query("SELECT ?s ?o { ?s ?p ?o }").rows
    assert {str(s).rsplit("/", 1)[1]: str(o) for s, o in rows} == {"a": "1", "b": "1", "c": "+2"}


def test_updates_keep_the_union_a_set(tmp_path, triple, run):
    """Inserted and deleted in named graphs and the default graph, the union follows: a triple
    deleted from one graph stays while another states it, and goes with the last."""
    store = tmp_path / "store"
    assert run("load", triple, "--into", f"oxigraph:{store}").exit_code == 0
    engine = Engine(OxigraphBackend.open(store, read_only=False))
    n = "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"
    t = "<http://example.org/s> <http://example.org/p> <http://example.org/o>"

    def total() -> int:
        return int(engine.query(n).rows[0][0])

    engine.update(f"INSERT DATA {{ GRAPH <http://example.org/g> {{ {t} }} }}")
    assert total() == 1
    engine.update(f"DELETE DATA {{ {t} }}")
    assert total() == 1  # the named graph still states it
    engine.update(f"DELETE DATA {{ GRAPH <http://example.org/g> {{ {t} }} }}")
    assert total() == 0
    engine.update('INSERT DATA { <http://example.org/x> <http://example.org/v> "+3"^^xsd:decimal }')
    assert total() == 1
    # an update's literals are stored by value (the written form is not recorded for them)
    assert str(engine.query("SELECT ?o { <http://example.org/x> ?p ?o }").rows[0][0]) == "3"
    with pytest.raises(Exception, match="Update"):
        engine.update("DELETE DATA { nonsense }")
    assert total() == 1  # a failed update leaves the union whole
    engine.close()


def test_the_merge_is_left_out_of_graph_patterns_by_a_filter_not_a_list(tmp_path):
    """``GRAPH ?g`` never matches the store's merge, wherever the pattern stands (after triples, in
    OPTIONAL, nested), and a pattern that names the merge finds nothing; Oxigraph is given no list
    of the data's graphs (with 9,383 graphs, reading them one by one made a lookup 500 ms)."""
    import pyoxigraph as ox

    from icmpd_kg.sparql.query_text import scan

    nq = tmp_path / "two.nq"
    nq.write_text(
        "<http://e/a> <http://e/p> <http://e/b> <http://e/g1> .\n"
        "<http://e/b> <http://e/p> <http://e/c> <http://e/g2> .\n",
        encoding="utf-8",
    )
    store = tmp_path / "store"
    from icmpd_kg.store.oxigraph import load_files

    load_files(store, [nq])
    backend = OxigraphBackend.open(store)
    engine = Engine(backend)
    graphs = "SELECT DISTINCT ?g WHERE { ?x ?y ?z . GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"
    assert [str(r[0]) for r in engine.query(graphs).rows] == ["http://e/g1", "http://e/g2"]
    nested = (
        "SELECT ?g ?h WHERE { GRAPH ?g { ?a <http://e/p> ?b OPTIONAL { GRAPH ?h { ?b <http://e/p> ?c } } } }"
    )
    assert sorted((str(g), str(h)) for g, h in engine.query(nested).rows) == [
        ("http://e/g1", "http://e/g2"),
        ("http://e/g2", "None"),  # c has no statement: the OPTIONAL part is unbound
    ]
    named = f"PREFIX m: <{UNION_GRAPH[:-6]}> ASK {{ GRAPH m:graphs {{ ?s ?p ?o }} }}"
    assert engine.query(named).boolean is False
    assert engine.query(f"ASK {{ GRAPH <{UNION_GRAPH}> {{ ?s ?p ?o }} }}").boolean is False
    assert engine.query("ASK { GRAPH <http://e/g1> { ?s ?p ?o } }").boolean is True
    _, dataset = backend._dataset(graphs, [], [], scan(graphs))
    assert set(dataset) == {"default_graph"} and dataset["default_graph"] == [ox.NamedNode(UNION_GRAPH)]


# --- the store object and the directory swap ---------------------------------------------------------


def test_a_store_spec_answers_what_its_kind_can_do(tmp_path):
    from icmpd_kg.store.spec import StoreSpec

    memory, disk, remote = (
        StoreSpec.parse(t) for t in ("memory", f"oxigraph:{tmp_path}", "sparql:http://x/q")
    )
    assert [s.local for s in (memory, disk, remote)] == [True, True, False]
    assert [s.cacheable for s in (memory, disk, remote)] == [True, True, False]
    assert "icmpd_kg.store.memory" in memory.preload_modules and not disk.preload_modules
    assert (disk.copy_suffix, memory.copy_suffix) == ("store", "nq")
    assert memory.exists() and not disk.exists()  # an empty folder is no store
    with pytest.raises(ValueError, match="remote server keeps its own default graph"):
        remote.with_default_graph("stored")
    chosen = disk.with_default_graph("stored")
    # an update's copy is queried as the store it copies (the default graph asked for kept)
    assert chosen.copy_at(tmp_path / "copy") == StoreSpec("oxigraph", str(tmp_path / "copy"), "stored")


def test_swap_directory_replaces_whole_or_leaves_the_old_one(tmp_path):
    from icmpd_kg.core.atomic import swap_directory

    target = tmp_path / "out"
    target.mkdir()
    (target / "old.txt").write_text("old")
    with pytest.raises(RuntimeError), swap_directory(target) as new:
        new.mkdir()
        (new / "half.txt").write_text("half")
        raise RuntimeError("refused halfway")
    assert [p.name for p in target.iterdir()] == ["old.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # nothing of the attempt left
    with swap_directory(target) as new:
        new.mkdir()
        (new / "new.txt").write_text("new")
    assert [p.name for p in target.iterdir()] == ["new.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


# --- the lean load: Oxigraph's bulk loader for a stored default graph, kept equal to the Python pass ---


LEAN_CASES = {
    "forms.nq": "".join(
        f"<http://example.org/{k}> <http://example.org/v> {v} <http://example.org/g> .\n"
        for k, v in WRITTEN.items()
    )
    + f'<http://example.org/x> <http://example.org/v> "1.0"^^<{XSD}decimal> .\n'
    + f'<http://example.org/y> <http://example.org/v> "1.00"^^<{XSD}decimal> .  # "+1"^^<{XSD}decimal>\n',
    "blank.nt": '_:b <http://example.org/p> "1.0"^^<http://www.w3.org/2001/XMLSchema#decimal> .\n',
    "comment.nt": f'# <http://example.org/z> <http://example.org/v> "01"^^<{XSD}integer> .\n'
    f'<http://example.org/z> <http://example.org/v> "+1"^^<{XSD}integer> .\n',
    # the pass reads only the lines where a typed literal, an escape or a blank node may be
    "caret-in-a-string.nt": '<http://example.org/a> <http://example.org/v> "x^^y" .\n'
    f'<http://example.org/a> <http://example.org/v> "007"^^<{XSD}integer> .\n',
    "escaped-datatype.nt": "<http://example.org/b> <http://example.org/v> "
    '"01"^^<http://www.w3.org/2001/XMLSchema\\u0023integer> .\n',
    "carriage-returns.nt": f'<http://example.org/c> <http://example.org/v> "+2"^^<{XSD}integer> .\r'
    f'<http://example.org/d> <http://example.org/v> "2.50"^^<{XSD}decimal> .\r\n',
    "blank-in-a-string.nt": '<http://example.org/e> <http://example.org/v> "_:not a node" .\n'
    f'<http://example.org/e> <http://example.org/v> "1.0"^^<{XSD}double> .\n',
    "no-newline-at-the-end.nt": f'<http://example.org/f> <http://example.org/v> "+3"^^<{XSD}integer> .',
}


@pytest.mark.parametrize("name", sorted(LEAN_CASES))
def test_the_lean_load_stores_and_answers_what_the_python_pass_does(tmp_path, monkeypatch, name):
    """``load --default-graph stored`` of N-Triples or N-Quads goes through Oxigraph's bulk loader;
    the same file through the Python pass (the union's path) gives the same quads, the same written
    forms and the same answers."""
    from icmpd_kg.store import oxigraph
    from icmpd_kg.store.oxigraph import LITERALS_FILE, load_files

    data = tmp_path / name
    data.write_text(LEAN_CASES[name], encoding="utf-8")
    lean = load_files(tmp_path / "lean", [data], default_graph="stored")
    monkeypatch.setattr(oxigraph, "_bulk_loaded", lambda *args: (False, 0))
    plain = load_files(tmp_path / "plain", [data], default_graph="stored")
    assert lean == plain
    forms = [(tmp_path / s / LITERALS_FILE).read_text(encoding="utf-8") for s in ("lean", "plain")]
    assert forms[0] == forms[1]
    query = "SELECT ?s ?o ?g { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
    answers = [
        sorted(map(str, Engine(OxigraphBackend.open(tmp_path / s)).query(query).rows))
        for s in ("lean", "plain")
    ]
    if name != "blank.nt":  # blank nodes are named anew by each load
        assert answers[0] == answers[1]


REFUSED_CASES = {
    # the union's reserved name spelled with escapes: only the parser sees it
    "escaped-union-name.nq": '<http://example.org/s> <http://example.org/p> "o" '
    "<urn:x-icmpd-kg:union\\u002Dof-all-graphs> .\n",
    # a syntax error on a line the pass reads, and on one it does not: named at its line in the file
    "bad-typed-line.nt": '<http://example.org/s> <http://example.org/p> "o" .\n' * 3
    + f'<http://example.org/s> <http://example.org/p> "1"^^<{XSD}integer .\n',
    "bad-plain-line.nt": f'<http://example.org/s> <http://example.org/p> "+1"^^<{XSD}integer> .\n' * 3
    + '<http://example.org/s> <http://example.org/p> "o .\n',
}


@pytest.mark.parametrize("name", sorted(REFUSED_CASES))
def test_the_lean_load_refuses_what_the_python_pass_refuses_in_its_words(tmp_path, monkeypatch, name):
    from icmpd_kg.core.errors import InputFileError
    from icmpd_kg.store import oxigraph
    from icmpd_kg.store.oxigraph import load_files

    data = tmp_path / name
    data.write_text(REFUSED_CASES[name], encoding="utf-8")
    with pytest.raises(InputFileError) as lean:
        load_files(tmp_path / "lean", [data], default_graph="stored")
    monkeypatch.setattr(oxigraph, "_bulk_loaded", lambda *args: (False, 0))
    with pytest.raises(InputFileError) as plain:
        load_files(tmp_path / "plain", [data], default_graph="stored")
    assert str(lean.value) == str(plain.value)
    if name.startswith("bad"):
        assert "line 4" in str(lean.value)


@pytest.mark.parametrize("lean", [True, False])
def test_a_term_past_the_parsers_buffer_is_a_clear_error_in_both_passes(tmp_path, monkeypatch, lean):
    """Oxigraph's parser holds a token in at most 16 MiB and raises MemoryError past it: one line,
    never a traceback, and an earlier syntax error still named first (a review found the lean pass
    stopping at the long line, past a bad line it does not read)."""
    from icmpd_kg.core.errors import InputFileError
    from icmpd_kg.store import oxigraph

    if not lean:
        monkeypatch.setattr(oxigraph, "_bulk_loaded", lambda *args: (False, 0))
    long_line = (
        b'<http://example.org/s> <http://example.org/p> "' + b"a" * (1 << 24) + b'"^^<http://e.org/t> .\n'
    )
    bad_first = tmp_path / "bad-first.nt"
    bad_first.write_bytes(b'<http://example.org/s> <http://example.org/p> "o .\n' + long_line)
    with pytest.raises(InputFileError, match="line 1 column"):
        oxigraph.load_files(tmp_path / "one", [bad_first], default_graph="stored")
    too_long = tmp_path / "too-long.nt"
    too_long.write_bytes(long_line)
    with pytest.raises(InputFileError, match="longer than the parser reads"):
        oxigraph.load_files(tmp_path / "two", [too_long], default_graph="stored")


def test_the_lean_load_is_taken_where_the_file_allows(tmp_path, monkeypatch):
    from icmpd_kg.store import oxigraph

    taken = []
    real = oxigraph._bulk_loaded
    monkeypatch.setattr(oxigraph, "_bulk_loaded", lambda *a: taken.append(real(*a)) or taken[-1])
    for name in ("forms.nq", "blank.nt"):
        (tmp_path / name).write_text(LEAN_CASES[name], encoding="utf-8")
        oxigraph.load_files(tmp_path / name.replace(".", "-"), [tmp_path / name], default_graph="stored")
    assert [loaded for loaded, _ in taken] == [True, False]  # blank nodes: the Python pass, apart per file


@pytest.mark.parametrize("name", ["forms.nq", "blank.nt"])
def test_the_progress_bar_counts_each_byte_once(tmp_path, name):
    """A file taken by the lean load, or left by it halfway for the Python pass, moves the bar by its
    size exactly."""
    from icmpd_kg.store.oxigraph import load_files

    data = tmp_path / name
    data.write_text(LEAN_CASES[name] * 2000, encoding="utf-8")  # past the parser's first read
    told: list[int] = []
    load_files(tmp_path / "store", [data], progress=told.append, default_graph="stored")
    assert sum(told) == data.stat().st_size


def test_swap_directory_never_deletes_the_old_one_it_could_not_put_back(tmp_path, monkeypatch):
    from icmpd_kg.core import atomic

    target = tmp_path / "out"
    target.mkdir()
    (target / "old.txt").write_text("old")
    real = atomic.os.replace

    def replace(src, dst):
        if Path(dst) == target and Path(src).name == "out" and ".new-" in str(src):
            target.mkdir()  # another build got there in between
            raise OSError("the new one could not be moved in")
        return real(src, dst)

    monkeypatch.setattr(atomic.os, "replace", replace)
    with pytest.raises(OSError), atomic.swap_directory(target) as new:
        new.mkdir()
    kept = list(tmp_path.glob(".out.old-*/out/old.txt"))
    assert kept and kept[0].read_text() == "old"
