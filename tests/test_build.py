"""Build: dumps parse back (with rdflib and with independent parsers), determinism, atomicity."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from pyld import jsonld
from rdflib import VOID, BNode, Dataset, Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from icmpd_kg.core.distfiles import ONTOLOGY_PAGES_DIR, OXIGRAPH_DIR
from icmpd_kg.core.errors import NonConformantError
from icmpd_kg.kg.graph import union
from icmpd_kg.publishing.build import DUMPS, build, publishable

from .conftest import REPO

QUAD_DUMPS = [d for d in DUMPS if d.key in ("trig", "nquads", "jsonld")]
TRIPLE_DUMPS = [d for d in DUMPS if d.key in ("turtle", "ntriples", "rdfxml")]
OX_FORMATS = {
    "trig": ox.RdfFormat.TRIG,
    "nquads": ox.RdfFormat.N_QUADS,
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "jsonld": ox.RdfFormat.JSON_LD,
}


@pytest.fixture(scope="module")
def published(kg) -> Dataset:
    return publishable(kg)


def quads_set(ds: Dataset) -> dict:
    out: dict = {}
    for s, p, o, g in ds.quads((None, None, None, None)):
        name = g.identifier if isinstance(g, Graph) else g
        out.setdefault(str(name) if name != DATASET_DEFAULT_GRAPH_ID else "", Graph()).add((s, p, o))
    return out


@pytest.mark.parametrize("fmt", QUAD_DUMPS, ids=lambda f: f.key)
def test_quad_dump_parses_back_with_same_graphs(dist, published, fmt):
    ds = Dataset()
    ds.parse(dist / fmt.filename, format={"trig": "trig", "nquads": "nquads", "jsonld": "json-ld"}[fmt.key])
    got, want = quads_set(ds), quads_set(published)
    assert sorted(got) == sorted(want)
    for name in want:
        assert isomorphic(got[name], want[name]), name


@pytest.mark.parametrize("fmt", TRIPLE_DUMPS, ids=lambda f: f.key)
def test_triple_dump_parses_back_isomorphic(dist, published, fmt):
    g = Graph().parse(
        dist / fmt.filename, format={"turtle": "turtle", "ntriples": "nt", "rdfxml": "xml"}[fmt.key]
    )
    assert isomorphic(g, union(published))


@pytest.mark.parametrize("fmt", DUMPS, ids=lambda f: f.key)
def test_every_dump_parses_with_oxigraph(dist, published, fmt):
    """An independent parser (Oxigraph, in Rust) reads every dump and counts the same triples."""
    parsed = list(ox.parse(path=str(dist / fmt.filename), format=OX_FORMATS[fmt.key]))
    expected = (
        len(union(published)) if fmt in TRIPLE_DUMPS else len(list(published.quads((None, None, None, None))))
    )
    distinct = (
        {(str(q.subject), str(q.predicate), str(q.object)) for q in parsed}
        if fmt in TRIPLE_DUMPS
        else {(str(q.subject), str(q.predicate), str(q.object), str(q.graph_name)) for q in parsed}
    )
    assert len(distinct) == expected


def test_jsonld_expands_with_pyld_to_the_same_quads(dist, published):
    doc = json.loads((dist / "icmpd-kg.jsonld").read_text(encoding="utf-8"))
    nquads = jsonld.to_rdf(doc, {"format": "application/n-quads"})
    ds = Dataset().parse(data=nquads, format="nquads")
    # quads, not len(ds): a triple stated in two graphs (a fact and an editorial reading) is two quads
    assert len(list(ds.quads((None, None, None, None)))) == len(
        list(published.quads((None, None, None, None)))
    )


def test_context_file_matches_inline_context(dist):
    doc = json.loads((dist / "icmpd-kg.jsonld").read_text(encoding="utf-8"))
    ctx = json.loads((dist / "icmpd-kg.context.jsonld").read_text(encoding="utf-8"))
    assert doc["@context"] == ctx["@context"]
    assert ctx["@context"]["ikg"] == "https://w3id.org/icmpd-kg/ontology#"


@pytest.mark.slow
def test_build_is_byte_identical_across_processes(dist, tmp_path):
    """A second build in a new process, with another hash seed, writes the same bytes."""
    other = tmp_path / "again"
    env = {"PYTHONHASHSEED": "4242", "PATH": ""}
    subprocess.run(
        [sys.executable, "-c", f"from icmpd_kg.publishing.build import build; build({str(other)!r})"],
        check=True,
        env=env,
        cwd=tmp_path,
    )
    assert sorted(p.name for p in dist.iterdir()) == sorted(p.name for p in other.iterdir())
    # a database: same content, not the same bytes (see distfiles)
    assert store_quads(dist / OXIGRAPH_DIR) == store_quads(other / OXIGRAPH_DIR)
    # a database, and pyLODE's pages (not byte-stable, see distfiles): out of the comparison
    unstable = (OXIGRAPH_DIR, ONTOLOGY_PAGES_DIR)
    files = sorted(
        str(p.relative_to(dist)) for p in dist.rglob("*") if p.is_file() and not set(unstable) & set(p.parts)
    )
    assert files == sorted(
        str(p.relative_to(other))
        for p in other.rglob("*")
        if p.is_file() and not set(unstable) & set(p.parts)
    )
    for lang in ("en", "tr"):  # the pages are there, in their language
        assert f'<html lang="{lang}">' in (dist / ONTOLOGY_PAGES_DIR / f"{lang}.html").read_text(
            encoding="utf-8"
        )
    assert "queries/founding.rq" in files and "icmpd-tr.txt" in files
    for name in files:
        assert (dist / name).read_bytes() == (other / name).read_bytes(), name


def store_quads(directory: Path) -> set[str]:
    import pyoxigraph as ox

    return {str(q) for q in ox.Store.read_only(str(directory))}


def test_the_store_holds_the_dump_the_view_and_their_merge(dist):
    """The Oxigraph store in dist/ has every quad of the N-Quads dump, the Wikidata view as its own
    graph, and in a graph of its own the merge of all graphs (SPARQL's union default graph, a set)."""
    import pyoxigraph as ox

    from icmpd_kg.store.oxigraph import UNION_GRAPH, LiteralForms, default_graph_mode

    forms = LiteralForms()  # the store keeps literals by value: compare in the store's form

    def as_stored(q):
        o = forms.stored_form(q.object) if isinstance(q.object, ox.Literal) else q.object
        return str(ox.Quad(q.subject, q.predicate, o, q.graph_name))

    dump = {as_stored(q) for q in ox.parse(path=str(dist / "icmpd-kg.nq"), format=ox.RdfFormat.N_QUADS)}
    view_graph = ox.NamedNode("https://w3id.org/icmpd-kg/id/graph/wikidata-view")
    view = {
        as_stored(ox.Quad(t.subject, t.predicate, t.object, view_graph))
        for t in ox.parse(path=str(dist / "icmpd-kg-wikidata.ttl"), format=ox.RdfFormat.TURTLE)
    }
    merge = ox.NamedNode(UNION_GRAPH)
    store = ox.Store.read_only(str(dist / OXIGRAPH_DIR))
    stated = {str(q) for q in store if q.graph_name != merge}
    assert stated == dump | view
    merged = [
        str(ox.Triple(q.subject, q.predicate, q.object))
        for q in store.quads_for_pattern(None, None, None, merge)
    ]
    assert sorted(merged) == sorted(
        {str(ox.Triple(q.subject, q.predicate, q.object)) for q in store if q.graph_name != merge}
    )
    assert default_graph_mode(dist / OXIGRAPH_DIR) == "union"


def test_the_store_answers_every_literal_as_written(dist):
    """One term, one form: every statement's literal comes back from the Oxigraph store as the dump
    and the view write it, in SELECT rows and in CONSTRUCT alike; where two written forms have one
    value in the store (listed in its literal file), the store's form."""
    from icmpd_kg.core.terms import to_oxigraph, to_rdflib
    from icmpd_kg.sparql.engine import Engine, StoreSpec, open_backend
    from icmpd_kg.store.oxigraph import LITERALS_FILE, LiteralForms

    ambiguous = {
        line.split("\t")[0]
        for line in (dist / OXIGRAPH_DIR / LITERALS_FILE).read_text().splitlines()
        if not line.split("\t")[1]
    }
    oxigraph = Engine(open_backend(StoreSpec("oxigraph", str(dist / OXIGRAPH_DIR)), dist))
    memory = Engine(open_backend(StoreSpec("memory"), dist))
    query = "SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o FILTER(isLITERAL(?o)) }"
    construct = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(isLITERAL(?o)) }"
    written = {(s, p, o) for s, p, o in memory.query(query).rows if not isinstance(s, BNode)}
    answered = {(s, p, o) for s, p, o in oxigraph.query(query).rows if not isinstance(s, BNode)}
    graph = {t for t in oxigraph.query(construct).triples if not isinstance(t[0], BNode)}
    assert answered == graph
    forms = LiteralForms()
    for s, p, o in written - answered:  # only values written in two forms, given in the store's form
        stored = forms.stored_form(to_oxigraph(o))
        assert str(stored) in ambiguous, o
        assert (s, p, to_rdflib(stored)) in answered
    assert len(written - answered) < len(written) / 50
    plus = [o for *_, o in answered if str(o).startswith("+")]
    assert plus and all(str(o.datatype).endswith("#decimal") for o in plus)  # the view's "+19"
    subtypes = {str(o.datatype).rsplit("#", 1)[1] for *_, o in answered if o.datatype}
    assert {"nonNegativeInteger", "positiveInteger"} <= subtypes


def test_sha256sums_are_right(dist):
    lines = (dist / "SHA256SUMS").read_text().splitlines()
    unstable = {OXIGRAPH_DIR, ONTOLOGY_PAGES_DIR}  # not byte-stable, so not checksummed (see distfiles)
    published = [p for p in dist.rglob("*") if p.is_file() and not unstable & set(p.relative_to(dist).parts)]
    assert len(lines) == len(published) - 1  # every file but SHA256SUMS itself
    for line in lines:
        digest, name = line.split("  ")
        assert hashlib.sha256((dist / name).read_bytes()).hexdigest() == digest, name


def test_void_dcat_description(dist, published):
    g = Graph().parse(dist / "void.ttl")
    ds = URIRef("https://w3id.org/icmpd-kg/id/dataset/icmpd-kg")
    assert int(g.value(ds, VOID.triples)) == len(union(published))
    assert (
        ds,
        URIRef("http://purl.org/dc/terms/license"),
        URIRef("https://creativecommons.org/licenses/by/4.0/"),
    ) in g
    dumps = {str(o) for o in g.objects(ds, VOID.dataDump)}
    assert {f"https://w3id.org/icmpd-kg/dumps/{d.filename}" for d in DUMPS} == dumps
    project_partition = list(
        g.query("""
        PREFIX void: <http://rdfs.org/ns/void#>
        SELECT ?n WHERE {
          ?ds void:classPartition [ void:class <https://w3id.org/icmpd-kg/ontology#Project> ;
                                    void:entities ?n ]
        }""")
    )
    assert [int(r.n) for r in project_partition] == [8]
    sizes = {
        str(r.url): int(r.size)
        for r in g.query("""
        PREFIX dcat: <http://www.w3.org/ns/dcat#>
        SELECT ?url ?size WHERE { ?d dcat:downloadURL ?url ; dcat:byteSize ?size }""")
    }
    for d in DUMPS:
        assert sizes[f"https://w3id.org/icmpd-kg/dumps/{d.filename}"] == (dist / d.filename).stat().st_size


def test_dumps_carry_license_and_source(dist):
    g = Graph().parse(dist / "icmpd-kg.ttl")
    ds = URIRef("https://w3id.org/icmpd-kg/id/dataset/icmpd-kg")
    assert g.value(ds, URIRef("http://purl.org/dc/terms/license")) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/"
    )
    assert g.value(ds, URIRef("http://purl.org/dc/terms/source")) == URIRef(
        "https://w3id.org/icmpd-kg/id/source/icmpd-tr"
    )


@pytest.mark.slow
def test_nonconformant_build_writes_nothing_and_keeps_previous_output(tmp_path):
    out = tmp_path / "dist"
    build(out)
    before = {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    bad = REPO / "shapes" / "examples" / "AcronymPatternShape-invalid-01.ttl"
    with pytest.raises(NonConformantError):
        build(out, data_files=[bad])
    assert {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"], "no staging directory left behind"


def test_build_into_fresh_directory(tmp_path):
    out = tmp_path / "nested" / "dist"
    result = build(out)
    assert (out / "icmpd-kg.trig").is_file() and result.report.conforms


def test_context_defines_terms_researchers_can_use(dist, kg):
    """Short terms for every ontology property, links as @id, typed dates and numbers, label maps."""
    from rdflib import OWL, RDF

    ctx = json.loads((dist / "icmpd-kg.context.jsonld").read_text(encoding="utf-8"))["@context"]
    for prop in kg.ontology.subjects(RDF.type, OWL.ObjectProperty):
        if str(prop).startswith("https://w3id.org/icmpd-kg/ontology#"):
            name = str(prop).rsplit("#", 1)[1]
            assert ctx[name] == {"@id": f"ikg:{name}", "@type": "@id"}, name
    assert ctx["label"] == {"@id": "rdfs:label", "@container": "@language"}
    assert ctx["foundingYear"]["@type"] == "xsd:gYear"
    assert ctx["exactValue"]["@type"] == "xsd:integer"
    assert ctx["inXSDDate"]["@type"] == "xsd:date"
    doc = json.loads((dist / "icmpd-kg.jsonld").read_text(encoding="utf-8"))
    graphs = {g["@id"]: g["@graph"] for g in doc["@graph"] if "@graph" in g}
    [project] = [n for n in graphs["fact:project-sidem"] if n["@id"] == "project:sidem"]
    assert project["acronym"] == "SIDEM" and project["label"]["tr"].startswith("Türkiye’de Kalkınmaya")
    [start] = [n for n in graphs["fact:turkey-membership"] if n["@id"].endswith("#start")]
    assert start["inXSDDate"] == "2018-05-15"
    [law] = [n for n in graphs["fact:law-6993"] if n["@id"] == "law:turkey-6993"]
    assert law["date_document"] == "2017-03-09"


@pytest.mark.slow
def test_entity_jsonld_is_compact_entity_first_and_the_same_in_every_process(dist):
    """The per-entity JSON-LD of /id/ pages: same bytes in two processes with different hash seeds."""
    import os
    import subprocess
    import sys

    script = (
        "import sys; from icmpd_kg.web.linked_data import load; "
        "from icmpd_kg.publishing.build import ONTOLOGY_NAME; "
        "from pathlib import Path; from rdflib import URIRef; d = Path(sys.argv[1]); "
        "sys.stdout.write(load(d, d / ONTOLOGY_NAME).jsonld(URIRef('https://w3id.org/icmpd-kg/id/project/pact')))"
    )
    outputs = [
        subprocess.run(
            [sys.executable, "-c", script, str(dist)],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    ]
    assert outputs[0] == outputs[1]
    doc = json.loads(outputs[0])
    assert doc["@graph"][0]["@id"] == "project:pact"
    assert doc["@graph"][0]["label"]["en-t-tr"].startswith("Supporting GİGM’s")
    expanded = jsonld.to_rdf(doc, {"format": "application/n-quads"})
    assert (
        '<https://w3id.org/icmpd-kg/id/project/pact> <https://w3id.org/icmpd-kg/ontology#acronym> "PACT"'
        in expanded
    )


@pytest.mark.xfail(
    strict=True,
    reason="Oxigraph stores xsd:integer subtypes as xsd:integer; every store records the written "
    "forms (store.LITERALS_FILE). Strict: this passes, and fails the suite, once it keeps them.",
)
def test_canary_oxigraph_keeps_integer_subtypes():
    import pyoxigraph as ox

    store = ox.Store()
    store.load(
        b'<urn:s> <urn:p> "1"^^<http://www.w3.org/2001/XMLSchema#nonNegativeInteger> .',
        ox.RdfFormat.N_TRIPLES,
    )
    [quad] = list(store)
    assert quad.object.datatype.value.endswith("#nonNegativeInteger")


@pytest.mark.parametrize("store", ["memory", None])
def test_void_says_what_the_endpoints_count_finds(dist, store):
    """VoID counts the dataset (its graphs merged) and, apart, the endpoint's default graph: the
    dataset and its Wikidata view merged; COUNT(*) at the endpoint finds the latter."""
    from rdflib import Literal, Namespace, URIRef

    from icmpd_kg.sparql.engine import open_engine

    void = Namespace("http://rdfs.org/ns/void#")
    g = Graph().parse(dist / "void.ttl")
    dataset = URIRef("https://w3id.org/icmpd-kg/id/dataset/icmpd-kg")
    served = URIRef(str(dataset) + "/endpoint-default-graph")
    view = URIRef(str(dataset) + "/wikidata-view")
    counted = open_engine(dist, store).query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    [[n]] = counted.rows
    assert g.value(served, void.triples) == Literal(int(n))
    assert {dataset, view} == set(g.objects(served, void.subset))
    assert (
        int(g.value(dataset, void.triples))
        < int(n)
        <= int(g.value(dataset, void.triples)) + int(g.value(view, void.triples))
    )
