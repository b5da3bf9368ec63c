"""The request readers of /sparql as tables, without a server (QLever's habit): what each request asks
(SPARQL 1.1 Protocol §2.1 and §2.2), and each refusal with its status."""

from __future__ import annotations

import pytest

from icmpd_kg.core.errors import ProtocolError
from icmpd_kg.web.sparql import Call, read_get, read_post

Q = "SELECT * WHERE { ?s ?p ?o }"
FORM = "application/x-www-form-urlencoded"

GETS = [
    (b"", None, Call()),
    (b"query=ASK%7B%7D", None, Call("ASK{}")),
    (
        b"query=ASK%7B%7D&default-graph-uri=urn%3Ag1&named-graph-uri=urn%3Ag2&named-graph-uri=urn%3Ag3",
        None,
        Call("ASK{}", None, ["urn:g1"], ["urn:g2", "urn:g3"]),
    ),
    (b"query=ASK%7B%7D&format=json", None, Call("ASK{}", format="json")),
    (b"query=ASK%7B%3Chttp%3A%2F%2Fx%2F%C4%9F%3E%7D", None, Call("ASK{<http://x/ğ>}")),
    (b"query=", None, Call("")),  # an empty query reaches the parser, which names the problem
]

GET_REFUSALS = [
    (b"query=a&query=b", None, 400, "more than one 'query'"),
    (b"update=INSERT+DATA+%7B%7D", None, 403, "disabled"),
    (b"update=INSERT+DATA+%7B%7D", "key", 405, "POST it"),
    (b"query=%FF", None, 400, "not UTF-8"),
    (b"query=\xff", None, 400, "not UTF-8"),
]

POSTS = [
    ("application/sparql-query", b"", Q.encode(), Call(Q)),
    (
        "application/sparql-query",
        b"default-graph-uri=urn%3Ag1&format=csv",
        Q.encode(),
        Call(Q, None, ["urn:g1"], [], "csv"),
    ),
    ("application/sparql-update", b"", b"CLEAR ALL", Call(None, "CLEAR ALL")),
    (FORM, b"", b"query=ASK%7B%7D&named-graph-uri=urn%3Ag2", Call("ASK{}", None, [], ["urn:g2"])),
    (FORM, b"format=tsv", b"query=ASK%7B%7D", Call("ASK{}", format="tsv")),
    (FORM, b"format=tsv", b"query=ASK%7B%7D&format=xml", Call("ASK{}", format="xml")),  # the body's wins
    (FORM, b"", b"update=CLEAR+ALL", Call(None, "CLEAR ALL")),
]

POST_REFUSALS = [
    (FORM, b"", b"", 400, "exactly one"),
    (FORM, b"", b"query=a&update=b", 400, "exactly one"),
    (FORM, b"", b"query=a&query=b", 400, "exactly one"),
    ("text/plain", b"", Q.encode(), 415, "application/sparql-query"),
    ("application/sparql-query", b"", b"\xff", 400, "not UTF-8"),
    (FORM, b"", b"query=%C3", 400, "not UTF-8"),
]


@pytest.mark.parametrize(("query_string", "key", "expected"), GETS)
def test_get(query_string, key, expected):
    assert read_get(query_string, key) == expected


@pytest.mark.parametrize(("query_string", "key", "status", "says"), GET_REFUSALS)
def test_get_refused(query_string, key, status, says):
    with pytest.raises(ProtocolError) as refused:
        read_get(query_string, key)
    assert refused.value.status == status and says in refused.value.message


@pytest.mark.parametrize(("content_type", "query_string", "body", "expected"), POSTS)
def test_post(content_type, query_string, body, expected):
    assert read_post(query_string, content_type, body) == expected


@pytest.mark.parametrize(("content_type", "query_string", "body", "status", "says"), POST_REFUSALS)
def test_post_refused(content_type, query_string, body, status, says):
    with pytest.raises(ProtocolError) as refused:
        read_post(query_string, content_type, body)
    assert refused.value.status == status and says in refused.value.message
