"""Content negotiation on its own (RFC 9110 §12): no server, no engine."""

from __future__ import annotations

import pytest

from icmpd_kg.core.errors import ProtocolError
from icmpd_kg.sparql.negotiation import choose_format, negotiate, parse_accept
from icmpd_kg.web.linked_data import choose_language


def test_accept_is_read_with_its_q_values():
    assert parse_accept("text/html;q=0.5, application/json") == [
        ("text/html", 0.5),
        ("application/json", 1.0),
    ]
    assert parse_accept(None) == parse_accept("  ") == [("*/*", 1.0)]
    assert parse_accept("TEXT/Turtle; charset=utf-8; q=0.7") == [("text/turtle", 0.7)]
    # a q outside 0..1 is clamped, an unreadable one is 0 (not acceptable), empty ranges are skipped
    assert parse_accept("a/b;q=7, c/d;q=x, ,e/f") == [("a/b", 1.0), ("c/d", 0.0), ("e/f", 1.0)]


@pytest.mark.parametrize(
    "accept, offered, chosen",
    [
        ("text/turtle, application/rdf+xml;q=0.9", ["application/rdf+xml", "text/turtle"], "text/turtle"),
        ("*/*", ["application/rdf+xml", "text/turtle"], "application/rdf+xml"),  # ties: server order
        ("text/*;q=0.3, text/turtle;q=0", ["text/turtle", "text/csv"], "text/csv"),  # most specific wins
        ("text/turtle;q=0", ["text/turtle"], None),  # q=0: not acceptable
        ("image/png", ["text/turtle"], None),
        ("application/json;q=0.2, */*;q=0.1", ["text/turtle", "application/json"], "application/json"),
    ],
)
def test_the_preferred_offer_is_chosen(accept, offered, chosen):
    assert negotiate(accept, offered) == chosen


def test_a_query_form_gets_a_format_it_has():
    assert choose_format("SELECT", None, None) == "application/sparql-results+json"
    assert choose_format("CONSTRUCT", None, None) == "text/turtle"
    assert choose_format("SELECT", "text/csv", None) == "text/csv"
    # the generic type is answered as asked, with the body of the format it stands for
    assert choose_format("SELECT", "application/json", None) == "application/json"
    assert choose_format("CONSTRUCT", "application/json", None) == "application/json"
    assert choose_format("SELECT", "application/sparql-results+json, application/json", None) == (
        "application/sparql-results+json"
    )
    # ?format= wins over Accept; a client's own name for a format yields to Accept
    assert choose_format("SELECT", "text/csv", "json") == "application/sparql-results+json"
    assert choose_format("CONSTRUCT", "text/turtle", "rdf+xml") == "application/rdf+xml"
    assert choose_format("SELECT", "text/csv", "no-such-format") == "text/csv"


def test_a_format_a_query_form_lacks_is_406_naming_what_is_available():
    with pytest.raises(ProtocolError) as csv_for_ask:
        choose_format("ASK", None, "csv")  # the CSV results format defines no boolean
    assert csv_for_ask.value.status == 406 and "application/sparql-results+json" in csv_for_ask.value.message
    with pytest.raises(ProtocolError) as nothing:
        choose_format("SELECT", "image/png", None)
    assert nothing.value.status == 406 and "image/png" in nothing.value.message


@pytest.mark.parametrize(
    "header, param, language",
    [
        ("en-GB,en;q=0.9,tr;q=0.8", None, "en"),
        ("tr-TR, en;q=0.9", None, "tr"),
        ("de, fr;q=0.5", None, "tr"),  # neither offered: Turkish, the source's language
        ("en;q=0.1, tr;q=0.2", None, "tr"),
        ("en", "tr", "tr"),  # the lang parameter first
        (None, None, "tr"),
    ],
)
def test_the_page_language_is_read_by_the_same_parser(header, param, language):
    assert choose_language(header, param) == language
