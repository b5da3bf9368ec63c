"""Finding a resource by name: the search box of every page, and /search as JSON in the shape of the
Wikidata API's wbsearchentities, Turkish- and English-aware (dotless ı, diacritics folded)."""

from __future__ import annotations

import pytest

from icmpd_kg.web.search import Index


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("isvicre", "/id/state/switzerland"),  # İsviçre, folded
        ("ISVIÇRE", "/id/state/switzerland"),
        ("goc idaresi", "/id/organisation/gigm"),  # Göç İdaresi Genel Müdürlüğü, from the start of a word
        ("Directorate General of Migration", "/id/organisation/gigm"),  # the English name
        ("ICMPD", "/id/organisation/icmpd"),  # the acronym, the whole name first
        ("supreme", "/id/project/supreme"),
    ],
)
def test_a_name_as_typed_finds_its_resource_first(site, typed, found):
    answer = site.get("/search", params={"q": typed, "format": "json"})
    assert answer.status_code == 200
    results = answer.json()["search"]
    assert results and results[0]["url"] == found, [r["url"] for r in results[:5]]
    assert all(r["id"].startswith("https://w3id.org/icmpd-kg/") for r in results)


def test_search_is_a_page_for_a_browser_and_every_page_has_the_box(site):
    page = site.get("/search", params={"q": "ankara"}, headers={"Accept": "text/html"})
    assert page.status_code == 200 and 'href="/id/place/ankara"' in page.text
    home = site.get("/", headers={"Accept": "text/html"}).text
    assert 'action="/search"' in home
    nothing = site.get(
        "/search", params={"q": "zzzz qqqq"}, headers={"Accept": "text/html", "Accept-Language": "en"}
    )
    assert nothing.status_code == 200 and "No resource has this name" in nothing.text


def test_bad_search_input_is_a_clear_refusal(site):
    assert site.get("/search", params={"q": "x", "limit": "many"}).status_code == 400
    assert site.get("/search", params={"q": "x" * 500}).status_code == 400
    assert site.get("/search", params={"q": "", "format": "json"}).json()["search"] == []


def test_ranking_whole_name_then_start_then_word_then_anywhere():
    index = Index(
        [
            ("urn:x:anywhere", "Kankaralı", "tr"),
            ("urn:x:word", "Ofis Ankara Ofisi", "tr"),
            ("urn:x:start", "Ankara Ofisi", "tr"),
            ("urn:x:whole", "Ankara", "tr"),
        ]
    )
    assert [h.iri for h in index.search("ankara", 10)] == [
        "urn:x:whole",
        "urn:x:start",
        "urn:x:word",
        "urn:x:anywhere",
    ]
