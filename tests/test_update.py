"""SPARQL Update: refused unless the server was started with a key, and then only for holders of it."""

from __future__ import annotations

import httpx
import pytest

from .conftest import live_server

KEY = "test-key-Ğ"[:8]
JSON = {"Accept": "application/sparql-results+json"}
ASK = {"query": "ASK { <urn:x:a> <urn:x:b> <urn:x:c> }"}


@pytest.fixture(scope="module")
def keyed_server(dist):
    with live_server(dist, env={"ICMPD_KG_UPDATE_KEY": KEY}) as base:
        yield base


def test_update_needs_the_key(keyed_server):
    insert = "INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }"
    assert httpx.post(keyed_server + "/sparql", data={"update": insert}).status_code == 403
    wrong = httpx.post(keyed_server + "/sparql", data={"update": insert}, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 403
    assert httpx.get(keyed_server + "/sparql", params=ASK, headers=JSON).json()["boolean"] is False
    ok = httpx.post(keyed_server + "/sparql", content=insert.encode(),
                    headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/sparql-update"})
    assert ok.status_code == 204, ok.text
    # every worker sees it: ask more often than there are workers
    assert all(httpx.get(keyed_server + "/sparql", params=ASK, headers=JSON).json()["boolean"] for _ in range(4))


def test_load_is_refused_even_with_the_key(keyed_server):
    r = httpx.post(keyed_server + "/sparql", data={"update": "LOAD <http://127.0.0.1:9/x>"},
                   headers={"Authorization": f"Bearer {KEY}"})
    assert r.status_code == 403 and "LOAD" in r.json()["message"]


def test_update_by_get_is_refused(keyed_server):
    r = httpx.get(keyed_server + "/sparql", params={"update": "CLEAR ALL"}, headers={"Authorization": f"Bearer {KEY}"})
    assert r.status_code == 405
