"""The server: real clients (SPARQLWrapper, httpx) over real HTTP where a socket, a worker process or
its timeout is what is tested (the ``server`` fixture); routes, negotiation, headers and pages in
this process (the ``site`` fixture, Starlette's TestClient over the same app)."""

from __future__ import annotations

import http.server
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from rdflib import Graph, URIRef
from SPARQLWrapper import CSV, JSON, TSV, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from .conftest import TIMEOUT, live_server

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def wrapper(base, method="GET", fmt=JSON):
    sw = SPARQLWrapper(base + "/sparql")
    sw.setMethod(method)
    sw.setReturnFormat(fmt)
    return sw


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_select_json(server, method):
    sw = wrapper(server, method)
    sw.setQuery(
        "SELECT ?a WHERE { ?p a <https://w3id.org/icmpd-kg/ontology#Project> ; "
        "<https://w3id.org/icmpd-kg/ontology#acronym> ?a } ORDER BY ?a"
    )
    rows = sw.queryAndConvert()["results"]["bindings"]
    assert [r["a"]["value"] for r in rows] == [
        "FRIT",
        "MIND",
        "PACT",
        "SHIFT",
        "SIDEM",
        "SUMMIT",
        "SUPREME",
        "TACSO",
    ]


@pytest.mark.parametrize(
    "fmt,media",
    [
        (XML, "application/sparql-results+xml"),
        (CSV, "text/csv"),
        (TSV, "text/tab-separated-values"),
        (JSON, "application/sparql-results+json"),
    ],
)
def test_select_formats(server, fmt, media):
    sw = wrapper(server, "GET", fmt)
    sw.setQuery(
        "SELECT ?o WHERE { <https://w3id.org/icmpd-kg/id/project/pact> "
        "<https://w3id.org/icmpd-kg/ontology#acronym> ?o }"
    )
    response = sw.query()
    assert response.response.headers["Content-Type"].startswith(media)
    body = response.response.read().decode("utf-8")
    assert "PACT" in body


def test_post_direct_and_turkish_text_intact(site):
    query = 'SELECT ?s WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> "İsviçre"@tr }'
    for kwargs in (
        {"method": "GET", "params": {"query": query}},
        {"method": "POST", "data": {"query": query}},
        {
            "method": "POST",
            "content": query.encode("utf-8"),
            "headers": {"Content-Type": "application/sparql-query"},
        },
    ):
        headers = {"Accept": "application/sparql-results+json", **kwargs.pop("headers", {})}
        r = site.request(url="/sparql", headers=headers, **kwargs)
        assert r.status_code == 200, r.text
        assert r.json()["results"]["bindings"][0]["s"]["value"].endswith("/state/switzerland")


def test_percent_sequence_survives_every_method(site):
    query = 'SELECT ("100%25 ğışİ" AS ?x) WHERE {}'
    for kwargs in (
        {"method": "GET", "params": {"query": query}},
        {"method": "POST", "data": {"query": query}},
        {
            "method": "POST",
            "content": query.encode(),
            "headers": {"Content-Type": "application/sparql-query"},
        },
    ):
        headers = {"Accept": "application/sparql-results+json", **kwargs.pop("headers", {})}
        r = site.request(url="/sparql", headers=headers, **kwargs)
        assert r.json()["results"]["bindings"][0]["x"]["value"] == "100%25 ğışİ"


@pytest.mark.parametrize(
    "accept,media,parser",
    [
        ("text/turtle", "text/turtle", "turtle"),
        ("application/ld+json", "application/ld+json", "json-ld"),
        ("application/n-triples", "application/n-triples", "nt"),
        ("application/rdf+xml", "application/rdf+xml", "xml"),
    ],
)
def test_construct_formats_parse_back(site, accept, media, parser):
    query = (
        "PREFIX ikg: <https://w3id.org/icmpd-kg/ontology#> "
        "CONSTRUCT { ?s ikg:acronym ?a } WHERE { ?s ikg:acronym ?a }"
    )
    r = site.get("/sparql", params={"query": query}, headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].startswith(media)
    assert "Accept" in r.headers["vary"]
    assert len(Graph().parse(data=r.text, format=parser)) == 9


@pytest.mark.parametrize(
    "accept,expected",
    [
        ("text/csv;q=0.5, application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/*", "text/csv"),
        (
            "application/sparql-results+json;q=0.1, text/tab-separated-values;q=0.9",
            "text/tab-separated-values",
        ),
        ("*/*", "application/sparql-results+json"),
        ("text/html, */*;q=0.1", "text/html"),  # a browser: the results as a table
    ],
)
def test_negotiation(site, accept, expected):
    r = site.get("/sparql", params={"query": "SELECT * WHERE { } LIMIT 1"}, headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].startswith(expected)


def test_not_acceptable_and_format_override(site):
    q = {"query": "ASK {}"}
    r = site.get("/sparql", params=q, headers={"Accept": "image/png"})
    assert r.status_code == 406
    r = site.get("/sparql", params={**q, "format": "xml"}, headers={"Accept": "image/png"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/sparql-results+xml")
    r = site.get("/sparql", params={"query": "ASK {}"}, headers={"Accept": "text/csv;q=0, */*"})
    assert not r.headers["content-type"].startswith("text/csv")


def test_malformed_query_is_400_with_position(server):
    r = httpx.get(server + "/sparql", params={"query": "SELECT ?x WHERE {\n  ?x ?y }"})
    assert r.status_code == 400
    assert "line 2, column" in r.json()["message"]
    sw = wrapper(server)
    sw.setQuery("SELEKT * WHERE {}")
    with pytest.raises(QueryBadFormed):
        sw.query()


def test_service_description(site):
    ttl = site.get("/sparql", headers={"Accept": "text/turtle"})
    g = Graph().parse(data=ttl.text, format="turtle")
    assert any("/.well-known/void" in str(o) for o in g.objects())
    assert "https://query.wikidata.org/sparql" in ttl.text
    xml = site.get("/sparql", headers={"Accept": "application/rdf+xml"})
    assert len(Graph().parse(data=xml.text, format="xml")) == len(g)


def test_update_is_forbidden(site):
    r = site.post("/sparql", data={"update": "INSERT DATA { <a:b> <a:c> <a:d> }"})
    assert r.status_code == 403
    r = site.post("/sparql", content=b"CLEAR ALL", headers={"Content-Type": "application/sparql-update"})
    assert r.status_code == 403


def test_query_length_limit_and_row_cap(site):
    r = site.post("/sparql", data={"query": "ASK {}" + " " * 6000})
    assert r.status_code == 413
    r = site.get(
        "/sparql",
        params={"query": "SELECT * WHERE { ?s ?p ?o }"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert r.status_code == 200 and len(r.json()["results"]["bindings"]) == 50
    assert r.headers["x-result-truncated"].startswith("true")
    small = site.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 3"})
    assert "x-result-truncated" not in small.headers


def test_cors(site):
    r = site.get("/sparql", params={"query": "ASK {}"}, headers={"Origin": "https://example.org"})
    assert r.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in r.headers


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):
        _Recorder.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/turtle")
        self.end_headers()
        self.wfile.write(b"<urn:a> <urn:b> <urn:c> .")

    do_POST = do_GET

    def log_message(self, *args):
        pass


def test_no_outbound_requests(server):
    recorder = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=recorder.serve_forever, daemon=True)
    thread.start()
    target = f"http://127.0.0.1:{recorder.server_address[1]}/data"
    try:
        for query in (
            f"SELECT * FROM <{target}> WHERE {{ ?s ?p ?o }}",
            f"SELECT * FROM NAMED <{target}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
            f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}",
            "SELECT * WHERE { SERVICE <file:///etc/passwd> { ?s ?p ?o } }",
        ):
            r = httpx.get(server + "/sparql", params={"query": query})
            assert r.status_code in (200, 400)
            if "SERVICE" in query:
                assert r.status_code == 400 and "not allowed" in r.json()["message"]
        r = httpx.post(server + "/sparql", data={"update": f"LOAD <{target}>"})
        assert r.status_code == 403
        r = httpx.get(
            server + "/sparql",
            params={"query": f"SELECT * FROM <{target}> WHERE {{ ?s ?p ?o }}"},
            headers={"Accept": "application/sparql-results+json"},
        )
        assert r.json()["results"]["bindings"] == []
        time.sleep(0.5)
        assert _Recorder.hits == []
    finally:
        recorder.shutdown()


def test_slow_query_does_not_delay_others_and_times_out(server):
    def slow():
        start = time.monotonic()
        r = httpx.get(server + "/sparql", params={"query": SLOW}, timeout=30)
        return r, time.monotonic() - start

    def ask():
        time.sleep(0.3)
        start = time.monotonic()
        r = httpx.get(server + "/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=30)
        return r, time.monotonic() - start

    with ThreadPoolExecutor(2) as pool:
        slow_future, ask_future = pool.submit(slow), pool.submit(ask)
        slow_response, slow_time = slow_future.result()
        ask_response, ask_time = ask_future.result()
    assert ask_response.status_code == 200 and ask_response.json()["boolean"] is True
    assert slow_response.status_code == 503 and "stopped" in slow_response.json()["message"]
    assert slow_time >= TIMEOUT * 0.9
    assert ask_time < slow_time / 3
    after = httpx.get(server + "/sparql", params={"query": "ASK { ?s ?p ?o }"})
    assert after.status_code == 200


def test_dumps_etag_and_304(site, dist):
    r = site.get("/dumps/icmpd-kg.ttl")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    assert r.content == (dist / "icmpd-kg.ttl").read_bytes()
    assert "last-modified" in r.headers
    again = site.get("/dumps/icmpd-kg.ttl", headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    # If-None-Match compares weakly (RFC 9110 13.1.2): a proxy's W/ form matches too
    weak = site.get("/dumps/icmpd-kg.ttl", headers={"If-None-Match": f'"other", W/{r.headers["etag"]}'})
    assert weak.status_code == 304
    assert site.get("/dumps/icmpd-kg.nq").headers["content-type"].startswith("application/n-quads")
    assert site.get("/dumps/..%2Fsecret").status_code == 404


def test_well_known_void_and_health(site):
    void = site.get("/.well-known/void")
    assert void.status_code == 200 and "void:Dataset" in void.text
    assert site.get("/health").json()["status"] == "ok"


def test_entity_html_page_in_both_languages(server):
    r = httpx.get(
        server + "/id/project/pact", headers={"Accept": "text/html", "Accept-Language": "en-GB,en;q=0.9"}
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    assert "Supporting GİGM’s Institutional Capacity" in page  # English label first
    assert "İltica Alanında GİGM’in Kurumsal Kapasite" in page  # the Turkish title is a statement too
    assert 'href="/id/organisation/gigm"' in page  # links stay on this server
    assert "<mark>" in page and "(PACT)" in page  # the source sentence, the quote marked
    assert '<script type="application/ld+json">' in page
    tr = httpx.get(server + "/id/project/pact", params={"lang": "tr"}, headers={"Accept": "text/html"})
    assert "<title>İltica Alanında" in tr.text and tr.headers["content-language"] == "tr"
    fallback = httpx.get(
        server + "/id/state/turkey", headers={"Accept": "text/html", "Accept-Language": "de"}
    )
    assert "<title>Türkiye" in fallback.text
    assert "Linked from" not in fallback.text and "Bağlantı veren" in fallback.text


@pytest.mark.parametrize(
    "accept,parser",
    [
        ("text/turtle", "turtle"),
        ("application/ld+json", "json-ld"),
        ("application/n-triples", "nt"),
        ("application/rdf+xml", "xml"),
    ],
)
def test_entity_rdf_forms(site, accept, parser):
    r = site.get("/id/membership/turkey-icmpd", headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].startswith(accept)
    g = Graph().parse(data=r.text, format=parser)
    m = URIRef("https://w3id.org/icmpd-kg/id/membership/turkey-icmpd")
    assert (m, URIRef("https://w3id.org/icmpd-kg/ontology#memberOrdinal"), None) in g
    assert any(
        True
        for _ in g.objects(
            URIRef("https://w3id.org/icmpd-kg/id/state/turkey"),
            URIRef("http://www.w3.org/2000/01/rdf-schema#label"),
        )
    )
    assert 'rel="alternate"' in r.headers["link"] and f'type="{accept}"' not in r.headers["link"]
    assert 'type="text/html"' in r.headers["link"]


def test_unknown_resource_is_404_and_fragments_resolve(site):
    assert site.get("/id/project/nonexistent").status_code == 404
    r = site.get("/id/annotation/icmpd-founding", headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and "TextPositionSelector" in r.text


def test_ontology_pages(site):
    page = site.get("/ontology", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "IntergovernmentalOrganisation" in page.text
    ttl = site.get("/ontology", headers={"Accept": "text/turtle"})
    assert ttl.status_code == 200 and len(Graph().parse(data=ttl.text, format="turtle")) > 100


def test_ontology_page_one_language_at_a_time(site):
    """pyLODE used to run the languages together ("statedevlet"); each page now has one, with CURIEs."""
    en = site.get("/ontology?lang=en", headers={"Accept": "text/html"})
    tr = site.get("/ontology", headers={"Accept": "text/html", "Accept-Language": "tr"})
    assert en.headers["content-language"] == "en" and tr.headers["content-language"] == "tr"
    assert "state (ikg:State)" in en.text and "devlet" not in en.text.lower()
    assert "devlet (ikg:State)" in tr.text and "intergovernmental organisation (ikg:" not in tr.text
    assert "statedevlet" not in en.text + tr.text


def _w3id_target(rules: str, path: str, accept: str) -> tuple[str, int] | None:
    """Follow .htaccess as mod_rewrite would for one request: conditions on Accept, first match."""
    import re as _re

    conditions: list[str] = []
    for line in rules.splitlines():
        line = line.strip()
        if line.startswith("RewriteCond %{HTTP_ACCEPT}"):
            conditions.append(line.split(None, 2)[2])
        elif line.startswith("RewriteRule"):
            _, pattern, target, flags = line.split()
            match = _re.search(pattern, path)
            if match and all(_re.search(c, accept) for c in conditions):
                code = int(_re.search(r"R=(\d+)", flags).group(1))
                return _re.sub(
                    r"\$(\d)", lambda m, match=match: match.group(int(m.group(1))) or "", target
                ), code
            conditions = []
    return None


@pytest.mark.parametrize(
    ("path", "accept", "media"),
    [
        ("ontology", "text/turtle", "text/turtle"),
        ("ontology/0.3.0", "application/ld+json", "application/ld+json"),
        ("ontology", "application/rdf+xml", "application/rdf+xml"),
        ("ontology", "text/html", "text/html"),
        ("shapes", "text/turtle", "text/turtle"),
        ("dataset/0.2.0", "text/turtle", "text/turtle"),  # a release's version IRI
        ("id/organisation/icmpd", "text/html", "text/html"),
        ("id/organisation/icmpd", "text/turtle", "text/turtle"),
        ("dumps/icmpd-kg.ttl", "*/*", "text/turtle"),
        ("sparql", "application/sparql-results+json", "application/sparql-results+json"),
    ],
)
def test_w3id_redirects_reach_what_they_promise(server, path, accept, media):
    rules = (Path(__file__).resolve().parent.parent / "w3id" / ".htaccess").read_text(encoding="utf-8")
    found = _w3id_target(rules, path, accept)
    assert found is not None, f"no rule for {path}"
    target, code = found
    assert code in (302, 303, 307) and target.startswith("https://HOST/")
    url = server + target[len("https://HOST") :]
    if path == "sparql":
        url += "?query=ASK%7B%7D"
    response = httpx.get(url, headers={"Accept": accept})
    assert response.status_code == 200, (url, response.status_code)
    assert response.headers["content-type"].startswith(media), (url, response.headers["content-type"])


def test_wikidata_label_service_answers_locally(site):
    """WDQS queries use SERVICE wikibase:label; it names no remote endpoint, so the endpoint answers
    it from its own labels (language order as asked, en finding en-t-tr) and calls nothing."""
    query = """PREFIX wd: <http://www.wikidata.org/entity/> PREFIX wdt: <http://www.wikidata.org/prop/direct/>
        PREFIX wikibase: <http://wikiba.se/ontology#> PREFIX bd: <http://www.bigdata.com/rdf#>
        SELECT ?member ?memberLabel ?org ?orgLabel WHERE {
          ?member wdt:P463 ?org .
          SERVICE wikibase:label { bd:serviceParam wikibase:language "tr,en" . }
        }"""
    rows = site.get(
        "/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"}
    ).json()["results"]["bindings"]
    assert [(r["member"]["value"], r["memberLabel"]["value"], r["orgLabel"]["value"]) for r in rows] == [
        ("http://www.wikidata.org/entity/Q43", "Türkiye", "Uluslararası Göç Politikaları Geliştirme Merkezi")
    ]
    english = site.get(
        "/sparql",
        params={"query": query.replace('"tr,en"', '"en"')},
        headers={"Accept": "application/sparql-results+json"},
    ).json()["results"]["bindings"]
    assert english[0]["memberLabel"] == {"type": "literal", "value": "Turkey", "xml:lang": "en-t-tr"}
    other = site.get(
        "/sparql", params={"query": "SELECT * WHERE { SERVICE <http://example.org/label> { ?s ?p ?o } }"}
    )
    assert other.status_code == 400


def test_federated_example_query_against_a_wikidata_stand_in(dist):
    """The example query that joins our endpoint with Wikidata through SERVICE, run with a stand-in
    Query Service on 127.0.0.1 allowlisted in Wikidata's place (the items and dates it serves are
    test data, not Wikidata's)."""
    from icmpd_kg.core import paths as _paths

    from .standin import INCEPTIONS, stand_in_endpoint

    query = (_paths.QUERIES_DIR / "federated-member-states-in-wikidata.rq").read_text(encoding="utf-8")
    assert "SERVICE <https://query.wikidata.org/sparql>" in query
    with stand_in_endpoint(INCEPTIONS, wdqs_limits=True) as stand_in:
        with live_server(dist, "--allow-service", stand_in.url) as base:
            response = httpx.post(
                base + "/sparql",
                data={"query": query.replace("https://query.wikidata.org/sparql", stand_in.url)},
                headers={"Accept": "application/sparql-results+json"},
                timeout=30,
            )
    assert response.status_code == 200, response.text
    rows = [
        (r["label"]["value"], r["item"]["value"].rsplit("/", 1)[1], r["inception"]["value"][:4])
        for r in response.json()["results"]["bindings"]
    ]
    assert rows == [("Avusturya", "Q40", "1918"), ("Türkiye", "Q43", "1923"), ("İsviçre", "Q39", "1848")]
    assert stand_in.calls and not stand_in.refused, "the stand-in was asked only bound patterns"
    assert all("VALUES (?item)" in call.query for call in stand_in.calls)


def test_service_description_names_formats_by_iri_in_every_syntax(site):
    formats = "http://www.w3.org/ns/formats/"
    nt = site.get("/sparql", headers={"Accept": "application/n-triples"})
    assert nt.status_code == 200 and nt.headers["content-type"].startswith("application/n-triples")
    g = Graph().parse(data=nt.text, format="nt")
    values = set(g.objects(None, URIRef("http://www.w3.org/ns/sparql-service-description#resultFormat")))
    assert values and all(isinstance(v, URIRef) and str(v).startswith(formats) for v in values)
    assert URIRef(formats + "SPARQL_Results_JSON") in values
    languages = set(
        g.objects(None, URIRef("http://www.w3.org/ns/sparql-service-description#supportedLanguage"))
    )
    assert URIRef("http://www.w3.org/ns/sparql-service-description#SPARQL11Query") in languages


def test_sparqlwrapper_construct_as_rdfxml(server):
    from SPARQLWrapper import RDFXML

    sw = wrapper(server)
    sw.setQuery("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 3")
    sw.setReturnFormat(RDFXML)
    graph = sw.query().convert()
    assert len(graph) == 3


def test_unknown_format_value_yields_to_accept(site):
    r = site.get(
        "/sparql",
        params={"query": "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1", "format": "no-such"},
        headers={"Accept": "application/rdf+xml"},
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/rdf+xml")
    r = site.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1", "format": "csv"})
    assert r.status_code == 406  # a known format that a graph cannot be written in


def test_no_cdn_documentation_pages(site):
    for path in ("/docs", "/redoc", "/openapi.json"):
        assert site.get(path).status_code == 404


def test_xml_keeps_a_carriage_return_and_tsv_writes_short_strings(site):
    import xml.etree.ElementTree as ET

    q = {"query": 'SELECT ?x WHERE { BIND("carriage\\rreturn\\nline" AS ?x) }'}
    xml = site.get("/sparql", params=q, headers={"Accept": "application/sparql-results+xml"})
    literal = ET.fromstring(xml.content).find(".//{http://www.w3.org/2005/sparql-results#}literal")
    assert literal is not None and literal.text == "carriage\rreturn\nline"
    tsv = site.get("/sparql", params=q, headers={"Accept": "text/tab-separated-values"})
    assert tsv.text.splitlines()[1] == '"carriage\\rreturn\\nline"'


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/sparql",
        "/id/project/pact",
        "/ontology",
        "/health",
        "/.well-known/void",
        "/dumps/icmpd-kg.ttl",
        "/functions",
    ],
)
def test_head_answers_like_get_without_a_body(site, path):
    get = site.get(path, headers={"Accept": "text/html"})
    head = site.head(path, headers={"Accept": "text/html"})
    assert head.status_code == get.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.headers["x-content-type-options"] == "nosniff"


def test_security_headers_and_allow(site):
    page = site.get("/", headers={"Accept": "text/html"})
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src")).split()[1:]
    assert script_src == ["'self'"]  # no inline script, no eval: the pages' scripts are files
    import re

    for path in ("/", "/sparql", "/id/organisation/icmpd", "/ontology/diagram"):
        body = site.get(path, headers={"Accept": "text/html"}).text
        inline = [
            attrs
            for attrs, text in re.findall(r"<script([^>]*)>(.*?)</script>", body, re.S)
            if "src=" not in attrs
            and "application/json" not in attrs
            and "application/ld+json" not in attrs
            and text.strip()
        ]
        assert inline == [], (path, inline)
    assert page.headers["x-frame-options"] == "DENY" and page.headers["referrer-policy"]
    refused = site.put("/sparql", content=b"ASK {}")
    assert refused.status_code == 405 and {"GET", "POST"} <= {
        m.strip() for m in refused.headers["allow"].split(",")
    }


def test_percent_encoded_bytes_must_be_utf8(site):
    r = site.get("/sparql?query=ASK%20%7B%7D%20%23%FF")
    assert r.status_code == 400 and "UTF-8" in r.json()["message"]
    r = site.post(
        "/sparql",
        content=b"query=ASK%20%7B%7D%23%C3",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 400


def test_source_sentences_are_not_cut_at_turkish_ordinals():
    from rdflib import Dataset

    from icmpd_kg.core.paths import SOURCE_FILE
    from icmpd_kg.web.linked_data import LinkedData

    text = SOURCE_FILE.read_text(encoding="utf-8")
    ld = LinkedData(Dataset(), Graph(), text)
    founding = text.index("1993 yılında kurulan")
    sentence = ld.sentence_around(founding, founding + 20)
    assert sentence.startswith("ICMPD, Türkçe adıyla") and sentence.endswith(
        "25.yılını dolduran bir hükümetlerarası kuruluştur."
    )
    member = text.index("17. Üyesi")
    assert ld.sentence_around(member, member + 9).endswith("17. Üyesi olarak ICMPD’ye katılmıştır.")


def test_a_fact_graph_page_shows_what_it_states_and_its_quote(site):
    page = site.get("/id/fact/turkey-membership", headers={"Accept": "text/html"}, params={"lang": "en"})
    assert page.status_code == 200
    assert "What this graph states" in page.text and "<mark>" in page.text
    assert "annotation/turkey-membership" in page.text  # its annotation, with the offsets
    turtle = site.get("/id/fact/turkey-membership", headers={"Accept": "text/turtle"})
    g = Graph().parse(data=turtle.text, format="turtle")
    member = URIRef("https://w3id.org/icmpd-kg/id/membership/turkey-icmpd")
    assert len(g) > 10 and any(g.triples((member, None, None)))


def test_a_browser_gets_select_results_as_an_html_table(site):
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    r = site.get(
        "/sparql",
        params={
            "query": "SELECT ?p ?label WHERE { ?p a ikg:Project ; rdfs:label ?label } ORDER BY ?label LIMIT 2"
        },
        headers={"Accept": browser},
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "<th>?p</th>" in r.text and 'href="/id/project/' in r.text and r.text.count("<tr>") == 3
    assert "content-security-policy" in r.headers
    plain = site.get("/sparql", params={"query": "ASK {}"}, headers={"Accept": "*/*"})
    assert plain.headers["content-type"].startswith("application/sparql-results+json")


def test_shapes_and_void_in_every_rdf_syntax_dumps_index_and_gzip(site):
    for path in ("/shapes", "/.well-known/void"):
        ld = site.get(path, headers={"Accept": "application/ld+json"})
        assert ld.status_code == 200 and ld.headers["content-type"].startswith("application/ld+json")
        assert len(Graph().parse(data=ld.text, format="json-ld")) > 10
        nt = site.get(path, headers={"Accept": "application/n-triples"})
        assert nt.headers["content-type"].startswith("application/n-triples")
        assert len(Graph().parse(data=nt.text, format="nt")) == len(
            Graph().parse(data=ld.text, format="json-ld")
        )
    index = site.get("/dumps/")
    assert index.status_code == 200 and 'href="icmpd-kg.trig"' in index.text and "SHA256SUMS" in index.text
    zipped = site.get("/dumps/icmpd-kg.nq", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip" and zipped.text.count(" .\n") > 500
    plain = site.get("/dumps/icmpd-kg.nq", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.text == zipped.text


def test_the_endpoint_answers_as_the_pages_do_outside_starlette(site):
    """/sparql is served outside Starlette's middleware: it still compresses, allows CORS, answers
    HEAD and preflights, refuses other methods with Allow, and writes errors as every route does."""
    query = {"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 40"}
    plain = site.get("/sparql", params=query, headers={"Accept": "text/csv", "Accept-Encoding": "identity"})
    zipped = site.get("/sparql", params=query, headers={"Accept": "text/csv", "Accept-Encoding": "gzip"})
    assert len(plain.content) > 1024 and "content-encoding" not in plain.headers
    assert zipped.headers["content-encoding"] == "gzip" and zipped.content == plain.content  # (unzipped)
    assert zipped.headers["vary"] == "Accept, Accept-Encoding"
    assert zipped.headers["x-result-rows"] == "40"
    head = site.head("/sparql", params=query, headers={"Accept": "text/csv", "Accept-Encoding": "identity"})
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(plain.content))
    preflight = site.options(
        "/sparql", headers={"Origin": "https://example.org", "Access-Control-Request-Method": "POST"}
    )
    assert preflight.status_code == 200 and preflight.headers["access-control-allow-origin"] == "*"
    refused = site.delete("/sparql")
    assert refused.status_code == 405 and "POST" in refused.headers["allow"]
    # one shape of error, whoever refuses: the endpoint, a page, a file
    for response in (
        site.get("/sparql", params={"query": "SELEC"}),
        site.get("/id/no-such-thing"),
        site.get("/assets/no-such-asset"),
    ):
        assert response.headers["content-type"].startswith("application/json")
        assert set(response.json()) == {"message"} and response.json()["message"]
        assert response.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"


def test_health_names_the_build_and_says_when_dist_moved_on(dist, tmp_path):
    """A running server kept serving the old build after `icmpd-kg build` rewrote dist/, and nothing
    said so: /health names the build it serves and says when dist/ holds another."""
    import shutil

    from starlette.testclient import TestClient

    from icmpd_kg.runtime.config import ServerConfig, query_policy
    from icmpd_kg.runtime.pool import InlineRunner
    from icmpd_kg.sparql.engine import open_engine
    from icmpd_kg.web.app import create_app

    copy = tmp_path / "dist"
    shutil.copytree(dist, copy)
    config = ServerConfig(dist=copy)
    engine = open_engine(copy, policy=query_policy(config))
    with TestClient(create_app(config, runner=InlineRunner(engine, "oxigraph"))) as client:
        first = client.get("/health").json()
        assert first["build"] and "stale" not in first
        sums = copy / "SHA256SUMS"
        sums.write_text(sums.read_text(encoding="utf-8") + "0" * 64 + "  new-file\n", encoding="utf-8")
        moved = client.get("/health").json()
        assert moved["build"] == first["build"] and "restart" in moved["stale"]
    engine.close()


def test_redirects_point_to_the_public_url_whatever_host_is_sent(site):
    """The trailing-slash redirects took their Location from the Host header a client sent."""
    for path, target in (("/dumps", "/dumps/"), ("/ontology/", "/ontology")):
        r = site.get(path, headers={"Host": "evil.example"})
        assert r.status_code in (301, 307, 308), (path, r.status_code)
        assert r.headers["location"] == "http://127.0.0.1:8000" + target
