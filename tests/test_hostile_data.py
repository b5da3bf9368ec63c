"""Data a hostile or careless editor may write, served and dumped whole: literals holding every
character that breaks a line for some reader (U+2028, U+2029, U+0085, VT, FF, FS, GS, RS), and a
label that is HTML's comment-and-script opener. The build's N-Quads and N-Triples keep one statement
per line; every page of the resource and of its neighbours answers, and the HTML page stays whole."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from icmpd_kg.core import paths
from icmpd_kg.publishing.jsonld import LINE_BREAKING

TURKEY = "https://w3id.org/icmpd-kg/id/state/turkey"
# the line breakers XML 1.0 can carry (VT, FF, FS, GS and RS it cannot: the build refuses them, below)
XML_LINE_BREAKING = "\x85\u2028\u2029"
ODD = "satır" + XML_LINE_BREAKING + "sonu"
SCRIPTISH = "<!--<script>"


@pytest.fixture(scope="module")
def odd_dist(tmp_path_factory) -> Path:
    from icmpd_kg.publishing.build import build

    root = tmp_path_factory.mktemp("hostile")
    data = root / "data"
    shutil.copytree(paths.DATA_DIR, data)
    editorial = data / "editorial.trig"
    text = editorial.read_text(encoding="utf-8")
    odd = ODD.translate({ord(c): f"\\u{ord(c):04X}" for c in LINE_BREAKING})
    text = text.replace(
        "graph:classification {\n",
        f'graph:classification {{\n    state:turkey rdfs:comment "{odd}"@en , "{SCRIPTISH}"@en .\n',
        1,
    )
    editorial.write_text(text, encoding="utf-8")
    out = root / "dist"
    build(out, data_files=paths.data_files(data))
    return out


@pytest.fixture(scope="module")
def client(odd_dist):
    from starlette.testclient import TestClient

    from icmpd_kg.runtime.config import ServerConfig, query_policy
    from icmpd_kg.runtime.pool import InlineRunner
    from icmpd_kg.sparql.engine import open_engine
    from icmpd_kg.web.app import create_app

    config = ServerConfig(dist=odd_dist)
    engine = open_engine(odd_dist, policy=query_policy(config))
    app = create_app(config, runner=InlineRunner(engine, "oxigraph"))
    with TestClient(app, base_url=config.public_url, follow_redirects=False) as c:
        yield c
    engine.close()


@pytest.mark.parametrize("name", ["icmpd-kg.nq", "icmpd-kg.nt"])
def test_line_dumps_keep_one_statement_per_line(odd_dist, name):
    text = (odd_dist / name).read_text(encoding="utf-8")
    assert not set(LINE_BREAKING) & set(text)
    fmt = ox.RdfFormat.N_QUADS if name.endswith(".nq") else ox.RdfFormat.N_TRIPLES
    statements = list(ox.parse(text.encode("utf-8"), format=fmt))
    assert len(statements) == len(text.splitlines())  # Python's splitlines, the strictest reader
    assert any(isinstance(s.object, ox.Literal) and s.object.value == ODD for s in statements)


@pytest.mark.parametrize("path", ["/id/state/turkey", "/id/organisation/icmpd", "/id/place/ankara"])
@pytest.mark.parametrize(
    "accept", ["text/html", "application/ld+json", "application/n-triples", "text/turtle"]
)
def test_the_resource_and_its_neighbours_answer_whole(client, path, accept):
    r = client.get(path, headers={"Accept": accept})
    assert r.status_code == 200, r.text[:300]
    if accept == "text/html":
        assert r.text.rstrip().endswith("</html>")
        assert "<!--<script>" not in r.text  # neither raw in the page nor in its JSON-LD script
    if accept == "application/n-triples":
        assert len(r.text.splitlines()) == len(list(ox.parse(r.content, format=ox.RdfFormat.N_TRIPLES)))


def test_the_label_is_shown_as_text(client):
    from html.parser import HTMLParser

    seen: list[str] = []

    class Text(HTMLParser):
        def handle_data(self, data):
            seen.append(data)

    page = client.get("/id/state/turkey", headers={"Accept": "text/html"}).text
    Text().feed(page)
    assert any(SCRIPTISH in chunk for chunk in seen)


def test_a_literal_rdfxml_cannot_carry_stops_the_build_with_a_clear_line(tmp_path):
    from icmpd_kg.core.errors import IcmpdKgError
    from icmpd_kg.publishing.build import build

    data = tmp_path / "data"
    shutil.copytree(paths.DATA_DIR, data)
    editorial = data / "editorial.trig"
    text = editorial.read_text(encoding="utf-8")
    editorial.write_text(
        text.replace(
            "graph:classification {\n",
            'graph:classification {\n    state:turkey rdfs:comment "a\\u000Bb"@en .\n',
            1,
        ),
        encoding="utf-8",
    )
    with pytest.raises(IcmpdKgError, match="U\\+000B, which XML 1.0 cannot carry"):
        build(tmp_path / "dist", data_files=paths.data_files(data))
    assert not (tmp_path / "dist").exists()  # nothing written
