"""The pages: the home page's timeline of dated facts, an entity's neighbourhood diagram, the
ontology's diagram, the language switch, and the build in dist/ as what the server shows."""

from __future__ import annotations

import re
import shutil

import pytest
from click.testing import CliRunner

from icmpd_kg.cli import main
from icmpd_kg.core.distfiles import QUERIES_DIR, SOURCE_NAME, example_queries

HTML = {"Accept": "text/html"}


def _links(page: str, inside: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', inside)


def test_home_page_timeline_links_each_dated_fact_to_its_quote(site):
    page = site.get("/?lang=en", headers=HTML).text
    events = re.findall(
        r'<time datetime="([^"]+)">[^<]*</time> —\s*<a href="([^"]+)">[^<]*</a>: <q lang="tr">([^<]+)</q>',
        page,
    )
    dates = [d for d, _, _ in events]
    assert dates == sorted(dates, key=lambda d: d[:4]) and len(events) >= 7
    assert {"1993", "2017-03-09", "2017-03-31", "2018-05-15", "2018", "2019-07"} <= set(dates)
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert {href for _, href, _ in events} <= set(_links(page, svg))  # every dot is a link to its fact
    for _, href, quote in events:
        assert href.startswith("/id/fact/")
        fact = site.get(href, headers=HTML)
        assert fact.status_code == 200 and quote in fact.text.replace("&#39;", "'")
    founding = next(q for d, _, q in events if d == "1993")
    assert "1993" in founding  # the quote holds the words that state the date


def test_entity_page_draws_its_neighbourhood(site):
    page = site.get("/id/organisation/icmpd?lang=en", headers=HTML).text
    svg = page[page.index('<svg class="diagram"') : page.index("</svg>")]
    assert "/id/state/austria" in _links(page, svg) and "/id/state/switzerland" in _links(page, svg)
    assert "founded on the initiative of" in svg
    # the website is a link showing its address, in the statements and in the picture
    assert (
        '<a href="https://www.icmpd.org/" title="https://www.icmpd.org/">https://www.icmpd.org/</a>' in page
    )
    assert "&lt;https://www.icmpd.org/&gt;" not in page


def test_ontology_diagram_shows_classes_and_properties(site):
    page = site.get("/ontology/diagram?lang=en", headers=HTML).text
    rows = re.findall(
        r"<tr><td><a [^>]+>([^<]+)</a></td><td>(?:<a [^>]+>)?([^<]+)(?:</a>)?</td><td><a [^>]+>([^<]+)</a>",
        page,
    )
    assert ("intergovernmental organisation", "has member state", "state") in rows
    assert ("law", "subclass of", "legal instrument") in rows
    svg = page[page.index("<svg") : page.index("</svg>")]
    for cls in ("intergovernmental organisation", "project", "membership", "state"):
        assert f">{cls}</text>" in svg
    assert "Özellikler" in site.get("/ontology/diagram?lang=tr", headers=HTML).text


def test_language_switch_keeps_the_other_parameters(site):
    page = site.get("/id/organisation/icmpd?format=html&lang=en", headers=HTML).text
    switch = re.search(r'<a href="([^"]+)" hreflang="tr" class="language-switch">', page).group(1)
    assert switch.replace("&amp;", "&") == "?format=html&lang=tr"
    turkish = site.get("/id/organisation/icmpd" + switch.replace("&amp;", "&"), headers=HTML)
    assert turkish.headers["content-language"] == "tr"


def test_query_ui_takes_its_examples_from_the_build(site, dist):
    page = site.get("/sparql", headers=HTML).text
    shown = re.search(r'<script type="application/json" id="examples">(.*?)</script>', page, re.S).group(1)
    for example in example_queries(dist):
        assert example["file"] in shown
    assert '"ikg": "https://w3id.org/icmpd-kg/ontology#"' in page  # the prefixes offered to the editor


def test_serve_refuses_a_build_that_lacks_what_it_shows(dist, tmp_path):
    old = tmp_path / "old-dist"
    shutil.copytree(dist, old, ignore=shutil.ignore_patterns("oxigraph"))
    (old / SOURCE_NAME).unlink()
    shutil.rmtree(old / QUERIES_DIR)
    result = CliRunner().invoke(main, ["serve", "--dist", str(old), "--store", "memory"])
    assert result.exit_code != 0
    assert SOURCE_NAME in result.output and QUERIES_DIR in result.output and "build" in result.output


@pytest.mark.parametrize("path", ["/assets/site.css", "/assets/query.js"])
def test_page_assets_are_served(site, path):
    response = site.get(path)
    assert response.status_code == 200 and response.headers["etag"]


@pytest.mark.parametrize(
    "raw",
    [
        "/assets/../cli.py",
        "/assets/..%2fcli.py",
        "/assets/%2e%2e/cli.py",
        "/assets/../../pyproject.toml",
        "/assets/yasgui/../../cli.py",
    ],
)
def test_asset_paths_cannot_leave_their_folder(server, raw):
    """Sent as written (httpx would resolve the dots before sending, so the server never saw them)."""
    import http.client
    from urllib.parse import urlsplit

    where = urlsplit(server)
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=10)
    try:
        connection.request("GET", raw)
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    assert response.status == 404, raw
    assert b"import" not in body and b"[project]" not in body


def test_reading_a_build_does_not_load_the_build_stack(dist):
    """The workers open the store and answer without pySHACL, pyld or the build modules."""
    import subprocess
    import sys

    code = (
        "import sys; from pathlib import Path; from icmpd_kg.sparql.engine import open_engine; "
        f"open_engine(Path({str(dist)!r}), None).query('ASK {{ ?s ?p ?o }}'); "
        "print(sorted(m for m in ('pyshacl', 'pyld', 'owlrl', 'pylode', 'icmpd_kg.validation.validate', "
        "'icmpd_kg.publishing.build') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_every_term_iri_lands_on_its_definition(site, dist):
    """Class and property links went to /ontology%23Name (a JSON 404), and 24 of the ontology's terms
    had no anchor of their own on pyLODE's page (a hash IRI landed at the top of it)."""
    import re

    from rdflib import Graph, URIRef

    from icmpd_kg.core import paths

    terms = sorted(
        {
            str(s).split("#", 1)[1]
            for s in Graph().parse(paths.ONTOLOGY_FILE).subjects()
            if isinstance(s, URIRef) and str(s).startswith("https://w3id.org/icmpd-kg/ontology#")
        }
    )
    for lang in ("en", "tr"):
        page = site.get("/ontology", params={"lang": lang}, headers={"Accept": "text/html"})
        ids = set(re.findall(r'\bid="([^"]+)"', page.text))
        assert page.status_code == 200 and not [t for t in terms if t not in ids], lang
    entity = site.get("/id/project/pact", headers={"Accept": "text/html"}).text
    links = set(re.findall(r'href="(/ontology[^"]*)"', entity))
    assert "/ontology#Project" in links and not [link for link in links if "%23" in link]


def test_a_browser_gets_its_refusals_as_pages_of_the_site(site):
    """404s were JSON for browsers: a client that asks for HTML gets a page of the site saying the same
    (other clients still get {"message": …})."""
    page = site.get("/id/project/nonexistent", headers={"Accept": "text/html,application/xhtml+xml"})
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "no resource" in page.text and '<header class="site">' in page.text
    assert page.headers["content-security-policy"]  # the page's own policy, as every page has
    api = site.get("/id/project/nonexistent", headers={"Accept": "application/json"})
    assert api.status_code == 404 and "no resource" in api.json()["message"]


@pytest.mark.parametrize(
    ("path", "shows"),
    [("/.well-known/void", "void:Dataset"), ("/shapes", "sh:NodeShape"), ("/functions", "fold")],
)
def test_the_dataset_shapes_and_functions_are_pages_for_a_browser(site, path, shows):
    """The site's "dataset", "SHACL" and "SPARQL functions" links showed raw Turtle and raw Markdown."""
    page = site.get(path, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<header class="site">' in page.text and shows in page.text
    raw = site.get(path, headers={"Accept": "*/*"})
    assert raw.status_code == 200 and not raw.headers["content-type"].startswith("text/html")


def test_the_timeline_names_every_event_in_words(site):
    """The timeline mixed labels with raw CURIEs (eli:date_document) for the reused vocabularies' terms."""
    import re

    page = site.get("/", headers={"Accept": "text/html"}).text
    assert "date of document" in page
    assert not re.search(r"\b(eli|dcterms|schema|time|org):[a-z_]+", re.sub(r"<[^>]+>", " ", page))


def test_an_entity_page_keeps_the_wikidata_view_apart(site):
    """Project pages were cluttered by the Wikidata view (full property IRIs, statement nodes): its
    statements are one line with a link, not rows and neighbours of the page."""
    page = site.get("/id/project/pact", headers={"Accept": "text/html", "Accept-Language": "en"}).text
    assert "prop/direct/P1476" not in page and "wikidata/statement/" not in page
    assert "more statements in Wikidata" in page and "/sparql#query=" in page


def test_the_site_has_an_icon(site):
    icon = site.get("/favicon.ico", follow_redirects=True)
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    assert 'href="/assets/favicon.svg"' in site.get("/", headers={"Accept": "text/html"}).text
