"""A real browser (Debian's Chromium, driven by Playwright) runs an example query in the UI
with every request to anything but 127.0.0.1 blocked."""

from __future__ import annotations

import re
import shutil
from contextlib import contextmanager

import pytest

from icmpd_kg.core import paths

pytestmark = pytest.mark.skipif(
    shutil.which("chromium") is None or paths.YASGUI_DIR is None,
    reason="needs Debian's chromium and the npm-installed YASGUI assets",
)


@contextmanager
def new_page():
    """A page of a fresh headless Chromium, closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = _browser(p)
        try:
            yield browser.new_page()
        finally:
            browser.close()


def _browser(p):
    return p.chromium.launch(
        executable_path=shutil.which("chromium"),
        headless=True,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    )


def test_query_ui_runs_an_example_offline(server):
    from playwright.sync_api import sync_playwright

    outside: list[str] = []
    with sync_playwright() as p:
        browser = _browser(p)
        try:
            page = browser.new_page()

            def guard(route):
                if route.request.url.startswith(("http://127.0.0.1", "data:", "blob:")):
                    return route.continue_()
                outside.append(route.request.url)
                return route.abort()

            page.route("**/*", guard)
            page.goto(server + "/sparql", wait_until="load")
            page.wait_for_function("window.yasgui !== undefined", timeout=20000)
            names = page.eval_on_selector_all(
                ".tabPanel, .tab a, li[role=presentation] a", "els => els.map(e => e.textContent)"
            )
            assert any("When and on whose initiative was ICMPD founded?" in n for n in names), names
            page.evaluate("window.yasgui.getTab().query()")
            page.wait_for_selector(".yasr table tbody tr", timeout=20000)
            text = page.inner_text(".yasr table tbody")
            assert "Switzerland" in text and "Austria" in text
        finally:
            browser.close()
    assert outside == [], f"the UI tried to reach: {outside}"


def test_a_shared_link_opens_its_query_and_edits_survive_a_reload(server):
    from urllib.parse import quote

    from playwright.sync_api import sync_playwright

    shared = "SELECT ?n WHERE { VALUES ?n { 42 } }"
    with sync_playwright() as p:
        browser = _browser(p)
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(server + "/sparql#query=" + quote(shared), wait_until="load")
            page.wait_for_function("window.yasgui !== undefined", timeout=20000)
            assert page.evaluate("window.yasgui.getTab().getYasqe().getValue()") == shared
            page.wait_for_selector(".yasr table tbody tr", timeout=20000)  # the link's query ran
            assert "42" in page.inner_text(".yasr table tbody")
            tabs = page.evaluate("Object.keys(window.yasgui._tabs).length")
            assert tabs >= 2  # the examples are there too, beside the link's tab

            edited = "ASK { ?s ?p ?o } # edited"
            page.evaluate(f"window.yasgui.getTab().getYasqe().setValue({edited!r})")
            page.wait_for_timeout(300)  # YASGUI stores on change; give it its debounce
            page.goto(server + "/sparql", wait_until="load")
            page.wait_for_function("window.yasgui !== undefined", timeout=20000)
            values = page.evaluate(
                "Object.values(window.yasgui._tabs).map(t => t.getYasqe ? "
                "(t.getYasqe() ? t.getYasqe().getValue() : t.persistentJson.yasqe.value) : '')"
            )
            assert edited in values
            assert (
                page.evaluate("Object.keys(window.yasgui._tabs).length") == tabs
            )  # examples not added twice
            assert [e for e in errors if "Content Security Policy" in e] == []
        finally:
            browser.close()


def test_a_cut_result_is_said_in_the_ui(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = _browser(p)
        try:
            page = browser.new_page()
            page.goto(server + "/sparql", wait_until="load")
            page.wait_for_function("window.yasgui !== undefined", timeout=20000)
            assert page.is_hidden("#cut")
            page.evaluate(
                "const t = window.yasgui.getTab(); "
                "t.getYasqe().setValue('SELECT ?s ?p ?o WHERE { ?s ?p ?o }'); t.query()"
            )
            page.wait_for_selector("#cut:not([hidden])", timeout=20000)
            assert "cut at 50 rows" in page.inner_text("#cut")  # the test server's --max-rows
        finally:
            browser.close()


def test_result_links_open_this_servers_pages(server):
    """Query-UI results linked to https://w3id.org/icmpd-kg/…, which does not resolve until the
    redirects are live: they open this server's /id/ pages, the IRI kept in the title."""
    from urllib.parse import quote

    query = "SELECT ?s WHERE { VALUES ?s { <https://w3id.org/icmpd-kg/id/state/turkey> } }"
    with new_page() as page:
        page.goto(server + "/sparql#query=" + quote(query), wait_until="load")
        page.wait_for_selector(".yasr table tbody tr a", timeout=20000)
        page.wait_for_function(
            "[...document.querySelectorAll('.yasr table tbody a')].every(a => !a.href.startsWith('https://w3id.org/'))",
            timeout=10000,
        )
        link = page.locator(".yasr table tbody a").first
        assert link.get_attribute("href") == server + "/id/state/turkey"
        assert link.get_attribute("title") == "https://w3id.org/icmpd-kg/id/state/turkey"
        with page.context.expect_page() as opened:  # YASR opens result links in a new tab
            link.click()
        landed = opened.value
        landed.wait_for_load_state("load")
        assert landed.url == server + "/id/state/turkey" and "Türkiye" in landed.content()


def test_a_shared_link_pasted_into_an_open_page_opens_its_query(server):
    from urllib.parse import quote

    shared = "SELECT ?n WHERE { VALUES ?n { 7 } }"
    with new_page() as page:
        page.goto(server + "/sparql", wait_until="load")
        page.wait_for_function("window.yasgui !== undefined", timeout=20000)
        page.evaluate(f"window.location.hash = 'query=' + {quote(shared)!r}")
        page.wait_for_function(f"window.yasgui.getTab().getYasqe().getValue() === {shared!r}", timeout=10000)


def test_a_reader_finds_a_resource_by_a_folded_name(server):
    with new_page() as page:
        page.goto(server + "/id/organisation/icmpd", wait_until="load")
        page.fill("header form.search input[name=q]", "isvicre")  # İsviçre, typed without its letters
        page.press("header form.search input[name=q]", "Enter")
        page.wait_for_selector("ol.results a", timeout=10000)
        page.click("ol.results a >> nth=0")
        page.wait_for_url("**/id/state/switzerland", timeout=10000)


def test_the_query_ui_speaks_turkish_and_switches_to_english(server):
    """Turkish readers got English query tabs and no switch on /sparql."""
    with new_page() as page:
        page.goto(server + "/sparql?lang=tr", wait_until="load")
        page.wait_for_function("window.yasgui !== undefined", timeout=20000)
        names = page.evaluate("Object.values(window.yasgui._tabs).map(t => t.getName())")
        assert "ICMPD ne zaman ve kimin inisiyatifiyle kuruldu?" in names
        page.click("a.language-switch")
        page.wait_for_url("**lang=en", timeout=10000)
        page.wait_for_function("window.yasgui !== undefined", timeout=20000)
        names = page.evaluate("Object.values(window.yasgui._tabs).map(t => t.getName())")
        assert "When and on whose initiative was ICMPD founded?" in names


@pytest.mark.parametrize(
    "path", ["/id/organisation/icmpd", "/id/state/turkey", "/id/project/pact", "/search?q=proje"]
)
def test_pages_fit_a_phones_width(server, path):
    """Statement tables overflowed a phone's width: at 390 px the page itself never scrolls sideways
    (a wide table scrolls inside its own box)."""
    with new_page() as page:
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(server + path + ("&" if "?" in path else "?") + "lang=en", wait_until="load")
        assert page.locator("main table, main ol").count() >= 1
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width} px wide at a phone's 390"


def test_the_class_diagrams_labels_are_readable_at_full_zoom(server):
    """The class diagram was scaled down to the page's width: its labels were about 6 px high."""
    with new_page() as page:
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(server + "/ontology/diagram?lang=en", wait_until="load")
        heights = page.evaluate(
            "[...document.querySelectorAll('svg.diagram text')].slice(0, 20)"
            ".map(t => t.getBoundingClientRect().height)"
        )
        assert heights and min(heights) >= 9, heights


@pytest.mark.parametrize(
    ("view", "query", "drawn"),
    [
        (
            "BarChart",
            "SELECT ?status (COUNT(?p) AS ?n) WHERE { ?p a ikg:Project ; ikg:status ?status } "
            "GROUP BY ?status",
            "svg.barchart rect.bar",
        ),
        ("Timeline", "SELECT ?when ?what WHERE { ?what ikg:endDate ?when }", "svg.timeline circle.event"),
        (
            "Graph",
            "SELECT ?project ?unit WHERE { ?project ikg:implementingUnit ?unit }",
            "svg.graph circle.node",
        ),
    ],
)
def test_defaultview_draws_the_results_as_wdqs_does(server, view, query, drawn):
    """WDQS users pick a view with #defaultView:; the UI draws a bar chart, a timeline or a graph of
    the results, offline, chosen by that comment."""
    from urllib.parse import quote

    text = f"#defaultView:{view}\nPREFIX ikg: <https://w3id.org/icmpd-kg/ontology#>\n{query}"
    with new_page() as page:
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(server + "/sparql?lang=en#query=" + quote(text), wait_until="load")
        page.wait_for_selector(drawn, timeout=20000)
        assert page.locator(drawn).count() >= 1
        assert [e for e in errors if "plugin" in e.lower()] == []


VIEW_MARKS = {
    "barchart": "svg.barchart rect.bar",
    "timeline": "svg.timeline circle.event",
    "graph": "svg.graph circle.node",
}


@pytest.mark.parametrize(
    "example",
    [
        q.name
        for q in paths.query_files()
        if re.search(r"^#\s*defaultView:", q.read_text(encoding="utf-8"), re.M)
    ],
)
def test_example_queries_open_in_their_view(server, example):
    """The examples that ask for a picture (#defaultView:) get it drawn from their real results."""
    from urllib.parse import quote

    text = (paths.QUERIES_DIR / example).read_text(encoding="utf-8")
    view = re.search(r"^#\s*defaultView:\s*(\w+)", text, re.M)[1].lower()
    with new_page() as page:
        page.goto(server + "/sparql?lang=en#query=" + quote(text), wait_until="load")
        page.wait_for_selector(VIEW_MARKS[view], timeout=20000)
        assert page.locator(VIEW_MARKS[view]).count() >= 1
