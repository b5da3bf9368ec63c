"""A real browser (Debian's Chromium, driven by Playwright) runs an example query in the UI
with every request to anything but 127.0.0.1 blocked."""

from __future__ import annotations

import shutil

import pytest

from icmpd_kg import paths

from .test_server import server  # noqa: F401 - the same live server fixture

pytestmark = pytest.mark.skipif(shutil.which("chromium") is None or paths.YASGUI_DIR is None,
                                reason="needs Debian's chromium and the npm-installed YASGUI assets")


def test_query_ui_runs_an_example_offline(server):  # noqa: F811
    from playwright.sync_api import sync_playwright

    outside: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                          "--disable-component-update", "--disable-sync", "--no-first-run"])
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
            names = page.eval_on_selector_all(".tabPanel, .tab a, li[role=presentation] a",
                                              "els => els.map(e => e.textContent)")
            assert any("When and on whose initiative was ICMPD founded?" in n for n in names), names
            page.evaluate("window.yasgui.getTab().query()")
            page.wait_for_selector(".yasr table tbody tr", timeout=20000)
            text = page.inner_text(".yasr table tbody")
            assert "Switzerland" in text and "Austria" in text
        finally:
            browser.close()
    assert outside == [], f"the UI tried to reach: {outside}"
