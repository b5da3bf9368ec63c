"""SPARQL Update: refused unless the server was started with a key, and then only for holders of it."""

from __future__ import annotations

import time

import httpx
import pytest

from .conftest import live_server

KEY = "test-key-Ğ"  # not ASCII: the client sends it in UTF-8 (AUTH below)
AUTH = {"Authorization": f"Bearer {KEY}".encode()}
JSON = {"Accept": "application/sparql-results+json"}
ASK = {"query": "ASK { <urn:x:a> <urn:x:b> <urn:x:c> }"}


@pytest.fixture(scope="module")
def keyed_server(dist):
    with live_server(dist, env={"ICMPD_KG_UPDATE_KEY": KEY}) as base:
        yield base


def test_update_needs_the_key(keyed_server):
    insert = "INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }"
    assert httpx.post(keyed_server + "/sparql", data={"update": insert}).status_code == 403
    wrong = httpx.post(
        keyed_server + "/sparql", data={"update": insert}, headers={"Authorization": "Bearer nope"}
    )
    assert wrong.status_code == 403
    cut = httpx.post(
        keyed_server + "/sparql", data={"update": insert}, headers={"Authorization": "Bearer test-key-"}
    )
    assert cut.status_code == 403  # the key without its last letter
    assert httpx.get(keyed_server + "/sparql", params=ASK, headers=JSON).json()["boolean"] is False
    ok = httpx.post(
        keyed_server + "/sparql",
        content=insert.encode(),
        headers={**AUTH, "Content-Type": "application/sparql-update"},
    )
    assert ok.status_code == 204, ok.text
    # every worker sees it: ask more often than there are workers
    assert all(
        httpx.get(keyed_server + "/sparql", params=ASK, headers=JSON).json()["boolean"] for _ in range(4)
    )


def test_load_is_refused_even_with_the_key(keyed_server):
    r = httpx.post(keyed_server + "/sparql", data={"update": "LOAD <http://127.0.0.1:9/x>"}, headers=AUTH)
    assert r.status_code == 403 and "LOAD" in r.json()["message"]


def test_update_by_get_is_refused(keyed_server):
    r = httpx.get(keyed_server + "/sparql", params={"update": "CLEAR ALL"}, headers=AUTH)
    assert r.status_code == 405


@pytest.mark.parametrize("store", ["oxigraph", "memory"])
def test_an_accepted_update_is_kept_not_replayed(dist, store):
    """An update (here with a SERVICE call) is applied once, to a new copy of the store; workers
    started after it, even after every worker was killed, see its result, and the SERVICE is not
    called again."""
    import os
    import signal
    import time

    from .conftest import serving
    from .standin import stand_in_endpoint

    with stand_in_endpoint('<urn:x:s> <urn:x:p> "from the service" .') as remote:
        args = ["--allow-service", remote.url] + (["--store", "memory"] if store == "memory" else [])
        with serving(dist, *args, env={"ICMPD_KG_UPDATE_KEY": KEY}) as served:
            update = (
                f"INSERT {{ <urn:x:kept> <urn:x:value> ?o }} "
                f"WHERE {{ SERVICE <{remote.url}> {{ ?s ?p ?o }} }}"
            )
            ok = httpx.post(served.base + "/sparql", data={"update": update}, headers=AUTH, timeout=60)
            assert ok.status_code == 204, ok.text
            query = {"query": "SELECT ?o WHERE { <urn:x:kept> <urn:x:value> ?o }"}
            # the first query waits for workers on the new copy: the server's timeout governs, not httpx's
            assert httpx.get(served.base + "/sparql", params=query, headers=JSON, timeout=60).json()[
                "results"
            ]["bindings"]
            # replacing the old workers started each missing one once (there were 15 for 4 before)
            deadline = time.monotonic() + 30
            while httpx.get(served.base + "/health").json()["starting"] and time.monotonic() < deadline:
                time.sleep(0.1)
            assert len(served.worker_pids()) <= 2 + 2 + 1  # fast lane + spares + the one the query started
            for pid in served.worker_pids():
                os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + 30
            while httpx.get(served.base + "/health").json()["idle"] < 2 and time.monotonic() < deadline:
                time.sleep(0.1)
            for _ in range(4):  # more often than there are workers
                rows = httpx.get(served.base + "/sparql", params=query, headers=JSON, timeout=60).json()[
                    "results"
                ]["bindings"]
                assert [r["o"]["value"] for r in rows] == ["from the service"]
            bad = httpx.post(
                served.base + "/sparql",
                data={"update": "INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:b> } }"},
                headers=AUTH,
            )
            assert bad.status_code == 400  # a syntax error: refused, the store unchanged
            assert httpx.get(served.base + "/sparql", params=query, headers=JSON).json()["results"][
                "bindings"
            ]
    assert len(remote.calls) == 1


def test_a_refused_update_leaves_the_next_one_working(keyed_server):
    """A syntax error (400) must not leave its half-made copy of the store behind: the next valid
    update is accepted, and a LOAD is still refused with 403 (not a 500)."""
    bad = httpx.post(keyed_server + "/sparql", data={"update": "INSERT DATA { <urn:x:p"}, headers=AUTH)
    assert bad.status_code == 400, bad.text
    load = httpx.post(keyed_server + "/sparql", data={"update": "LOAD <http://127.0.0.1:9/x>"}, headers=AUTH)
    assert load.status_code == 403
    insert = "INSERT DATA { <urn:x:after> <urn:x:a> <urn:x:refusal> }"
    ok = httpx.post(keyed_server + "/sparql", data={"update": insert}, headers=AUTH)
    assert ok.status_code == 204, ok.text
    again = httpx.post(keyed_server + "/sparql", data={"update": "DELETE WHERE { <urn:x:p"}, headers=AUTH)
    assert again.status_code == 400
    ask = {"query": "ASK { <urn:x:after> <urn:x:a> <urn:x:refusal> }"}
    assert httpx.get(keyed_server + "/sparql", params=ask, headers=JSON).json()["boolean"] is True
    assert httpx.post(keyed_server + "/sparql", data={"update": insert}, headers=AUTH).status_code == 204


def test_the_service_description_names_update_only_when_it_is_enabled(keyed_server, dist):
    from rdflib import Graph, URIRef

    from .conftest import live_server

    sd = "http://www.w3.org/ns/sparql-service-description#"
    update = URIRef(sd + "SPARQL11Update")
    described = httpx.get(keyed_server + "/sparql", headers={"Accept": "text/turtle"})
    assert update in set(
        Graph().parse(data=described.text, format="turtle").objects(None, URIRef(sd + "supportedLanguage"))
    )
    with live_server(dist) as plain:
        described = httpx.get(plain + "/sparql", headers={"Accept": "text/turtle"})
    languages = set(
        Graph().parse(data=described.text, format="turtle").objects(None, URIRef(sd + "supportedLanguage"))
    )
    assert URIRef(sd + "SPARQL11Query") in languages and update not in languages


def test_old_store_copies_go_once_no_worker_reads_them(dist, tmp_path):
    """Each accepted update made a copy of the store that stayed until the server stopped (a small
    disk was full after 14 updates): now only the copies workers still read are kept."""
    with live_server(dist, env={"ICMPD_KG_UPDATE_KEY": KEY, "TMPDIR": str(tmp_path)}) as base:
        for n in range(4):
            insert = f"INSERT DATA {{ <urn:x:copy> <urn:x:n> {n} }}"
            assert httpx.post(base + "/sparql", data={"update": insert}, headers=AUTH).status_code == 204
            # the workers of the old copy are replaced; ask until a new one answers
            assert (
                httpx.get(base + "/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers=JSON).status_code
                == 200
            )
        [state] = list(tmp_path.glob("icmpd-kg-updates-*"))
        copies = sorted(p.name for p in state.iterdir())
        assert copies == ["generation-4.store"], copies


def test_waiting_for_another_update_is_part_of_the_timeout():
    """An update waits for the one under way within its own --timeout (it answered after 21 s with
    --timeout 5)."""
    import asyncio
    import time

    from icmpd_kg.core.errors import QueryTimeout
    from icmpd_kg.runtime.pool import WorkerPool
    from icmpd_kg.runtime.worker_main import Source
    from icmpd_kg.sparql.query_text import Policy
    from icmpd_kg.store.spec import StoreSpec

    async def scenario() -> float:
        pool = WorkerPool(Source(StoreSpec("oxigraph", "/nonexistent")), Policy())
        pool._update_lock = asyncio.Lock()
        await pool._update_lock.acquire()  # an update under way that does not end
        started = time.monotonic()
        with pytest.raises(QueryTimeout):
            await pool.update("INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }", 0.3)
        return time.monotonic() - started

    assert asyncio.run(scenario()) < 5


def test_an_update_is_held_to_the_per_query_memory_limit(dist):
    """With --memory-limit 100 an update's process reached 396 MB and was accepted: it is stopped,
    answered 400, and nothing changes."""
    update = "INSERT { ?a <urn:x:crossed> ?c } WHERE { ?a ?b ?x . ?c ?d ?y }"
    with live_server(dist, "--memory-limit", "100", env={"ICMPD_KG_UPDATE_KEY": KEY}) as base:
        r = httpx.post(base + "/sparql", data={"update": update}, headers=AUTH, timeout=120)
        assert r.status_code == 400 and "more memory than the per-query limit (100 MB)" in r.json()["message"]
        asked = httpx.get(base + "/sparql", params={"query": "ASK { ?a <urn:x:crossed> ?c }"}, headers=JSON)
        assert asked.json()["boolean"] is False


def test_the_update_folder_of_a_killed_server_is_removed_by_the_next(dist, tmp_path):
    """SIGKILL (the OOM killer's way) leaves a server's update folder behind; the next server
    removes the folders of servers that are gone as it starts, without waiting for an update."""
    orphan = tmp_path / "icmpd-kg-updates-999999999-x1"
    (orphan / "generation-1.store").mkdir(parents=True)
    with live_server(dist, env={"ICMPD_KG_UPDATE_KEY": KEY, "TMPDIR": str(tmp_path)}) as base:
        for _ in range(100):  # removed beside the start, on the pool's own threads
            if not orphan.exists():
                break
            time.sleep(0.05)
        assert not orphan.exists()
        insert = "INSERT DATA { <urn:x:o> <urn:x:o> <urn:x:o> }"
        assert httpx.post(base + "/sparql", data={"update": insert}, headers=AUTH).status_code == 204
        assert not orphan.exists()
        assert [p.name.split("-")[3] for p in tmp_path.glob("icmpd-kg-updates-*")]  # its own, by its pid


def test_after_an_update_the_default_graph_is_still_the_one_asked_for(dist):
    """A server started with --default-graph stored answers over the stored default graph before an
    update and after it (the update's copy is queried as the store it copies, not as a union)."""
    fact_in_a_named_graph = {"query": "ASK { ?s a <https://w3id.org/icmpd-kg/ontology#Project> }"}
    with live_server(dist, "--default-graph", "stored", env={"ICMPD_KG_UPDATE_KEY": KEY}) as base:
        assert (
            httpx.get(base + "/sparql", params=fact_in_a_named_graph, headers=JSON).json()["boolean"] is False
        )
        insert = "INSERT DATA { GRAPH <urn:x:g> { <urn:x:a> <urn:x:b> <urn:x:c> } }"
        ok = httpx.post(base + "/sparql", data={"update": insert}, headers=AUTH)
        assert ok.status_code == 204, ok.text
        for _ in range(4):  # every worker, on the copy
            answer = httpx.get(base + "/sparql", params=fact_in_a_named_graph, headers=JSON).json()
            assert answer["boolean"] is False
            assert httpx.get(base + "/sparql", params=ASK, headers=JSON).json()["boolean"] is False
