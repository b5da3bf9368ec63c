"""Build: validate, then write every standard serialisation, a VoID/DCAT description, the
validation report and SHA-256 sums, byte-identical on every run and atomically (a failed build
leaves the previous output directory as it was).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import DCAT, DCTERMS, OWL, RDF, RDFS, VOID, XSD, Dataset, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.term import Node

from icmpd_kg import __version__
from icmpd_kg.core import paths
from icmpd_kg.core.atomic import swap_directory
from icmpd_kg.core.errors import IcmpdKgError, NonConformantError, ProtocolError
from icmpd_kg.core.namespaces import BASE, DATASET, DCAT_VERSION, ID, PREFIXES, SD, SPDX, bind_prefixes
from icmpd_kg.core.settings import literals_as_written
from icmpd_kg.kg.graph import KnowledgeGraph, union
from icmpd_kg.publishing.jsonld import compact, line_safe, sorted_nquads
from icmpd_kg.publishing.jsonld import context as jsonld_context
from icmpd_kg.publishing.jsonld import dumps as jsonld_dumps
from icmpd_kg.store.spec import StoreSpec
from icmpd_kg.validation.report import Report
from icmpd_kg.validation.validate import validate

SOURCE = ID["source/icmpd-tr"]
LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")
DUMPS_BASE = BASE + "dumps/"
SPARQL_ENDPOINT = URIRef(BASE + "sparql")
IANA = "https://www.iana.org/assignments/media-types/"


from icmpd_kg.core.distfiles import (  # noqa: E402 - the names of dist/, defined once
    CONTEXT_NAME,
    DUMPS,
    MAPPINGS_NAME,
    ONTOLOGY_NAME,
    OXIGRAPH_DIR,
    QUAD_DUMP,
    QUERIES_DIR,
    REPORT_NAME,
    SHAPES_NAME,
    SOURCE_NAME,
    SUMS_NAME,
    UNLINKED_NAME,
    VIEW_NAME,
    VOID_NAME,
    DumpFormat,
)

# ---------------------------------------------------------------------------------------------
# Deterministic serialisation
# ---------------------------------------------------------------------------------------------


def _sorted_graph(graph: Graph) -> Graph:
    """A copy whose triples were inserted in sorted order, so serialisers walk them in that order."""
    out = bind_prefixes(Graph())
    for triple in sorted(graph):
        out.add(triple)
    return out


def context(ontology: Graph) -> dict:
    return jsonld_context(ontology)


def to_ntriples(graph: Graph) -> str:
    return sorted_nquads(graph)


def to_nquads(ds: Dataset) -> str:
    return sorted_nquads(ds)


def to_jsonld(ds: Dataset, ontology: Graph, nquads: str | None = None) -> str:
    """Compacted JSON-LD with the project context inline (short terms, language maps, typed
    dates), made by pyld from canonically sorted N-Quads (``nquads``, if already made)."""
    sorted_quads = nquads if nquads is not None else to_nquads(ds)
    return jsonld_dumps(compact(sorted_quads, context(ontology), first=str(ID["organisation/icmpd"])))


def _oxigraph(
    nquads: str, fmt: ox.RdfFormat, as_triples: bool = False, prefixes: dict[str, str] | None = None
) -> str:
    """Serialise with pyoxigraph, fed in (graph, subject, predicate, object) order: its writers
    keep input order, so sorted input gives byte-identical output."""
    quads = sorted(
        ox.parse(nquads, format=ox.RdfFormat.N_QUADS),
        key=lambda q: (str(q.graph_name), str(q.subject), str(q.predicate), str(q.object)),
    )
    items = [q.triple for q in quads] if as_triples else quads
    return (
        ox.serialize(items, format=fmt, prefixes=dict(sorted((prefixes or PREFIXES).items()))) or b""
    ).decode("utf-8")


def serialize_dump(
    fmt: DumpFormat, ds: Dataset, ontology: Graph, nquads: str | None = None, merged: Graph | None = None
) -> str:
    """One dump of ``ds``; ``nquads`` (its sorted N-Quads) and ``merged`` (the sorted union of its
    graphs) are made here unless the caller made them once for every dump."""
    if fmt.key in ("trig", "nquads", "jsonld"):
        nquads = nquads if nquads is not None else to_nquads(ds)
        if fmt.key == "trig":
            return _oxigraph(nquads, ox.RdfFormat.TRIG)
        if fmt.key == "nquads":
            return line_safe(nquads)
        return to_jsonld(ds, ontology, nquads)
    merged = merged if merged is not None else _sorted_graph(union(ds))
    if fmt.key == "turtle":
        return merged.serialize(format="turtle")
    if fmt.key == "ntriples":
        return line_safe(to_ntriples(merged))
    if fmt.key == "rdfxml":
        from icmpd_kg.sparql.writers import xml_safe

        written = _oxigraph(to_ntriples(merged), ox.RdfFormat.RDF_XML, as_triples=True).encode("utf-8")
        try:
            return xml_safe(written, advice="").decode("utf-8")
        except ProtocolError as exc:
            raise IcmpdKgError(
                f"the RDF/XML dump cannot be written: {exc.message.replace('the answer', 'the data')}"
            ) from None
    raise ValueError(fmt.key)


# ---------------------------------------------------------------------------------------------
# Dataset description
# ---------------------------------------------------------------------------------------------


def dataset_metadata(version: str | None = None) -> Graph:
    """The few statements every dump carries about itself: what it is, its licence and source; a
    release's ``version`` as DCAT's version and a version IRI."""
    g = bind_prefixes(Graph())
    g.add((DATASET, RDF.type, VOID.Dataset))
    g.add((DATASET, RDF.type, DCAT.Dataset))
    g.add((DATASET, DCTERMS.title, Literal("ICMPD knowledge graph", lang="en")))
    g.add((DATASET, DCTERMS.title, Literal("ICMPD bilgi grafı", lang="tr")))
    g.add((DATASET, RDFS.label, Literal("ICMPD knowledge graph", lang="en")))
    g.add((DATASET, RDFS.label, Literal("ICMPD bilgi grafı", lang="tr")))
    g.add(
        (
            DATASET,
            DCTERMS.description,
            Literal(
                "Every fact of a Turkish source text about the International Centre for Migration Policy "
                "Development (ICMPD) and its work in Turkey, each traced to the words that state it.",
                lang="en",
            ),
        )
    )
    g.add(
        (
            DATASET,
            DCTERMS.description,
            Literal(
                "ICMPD ve Türkiye'deki çalışmaları hakkındaki Türkçe bir kaynak metnin bütün "
                "olguları; her biri "
                "onu belirten sözlere bağlanmıştır.",
                lang="tr",
            ),
        )
    )
    g.add((DATASET, DCTERMS.license, LICENSE))
    g.add((DATASET, DCTERMS.source, SOURCE))
    g.add((DATASET, DCTERMS.creator, ID["agent/icmpd-kg-editors"]))
    g.add((DATASET, OWL.versionInfo, Literal(version or __version__)))
    if version is not None:
        g.add((DATASET, DCAT_VERSION, Literal(version)))
        g.add((DATASET, OWL.versionIRI, URIRef(f"{BASE}dataset/{version}")))
    g.add((DATASET, DCTERMS.conformsTo, URIRef(BASE + "shapes")))
    return g


def publishable(kg: KnowledgeGraph, version: str | None = None) -> Dataset:
    """The data as published: the curated dataset plus its own metadata in the default graph."""
    ds = bind_prefixes(Dataset())
    for s, p, o, g in kg.data.quads((None, None, None, None)):
        ds.graph(g.identifier if isinstance(g, Graph) else g).add((s, p, o))
    default = ds.graph(DATASET_DEFAULT_GRAPH_ID)
    for triple in dataset_metadata(version):
        default.add(triple)
    return ds


def _slug(term: Node, nm) -> str:
    return nm.normalizeUri(term).replace(":", "-").strip("<>").replace("/", "-").replace("#", "-")


def void_description(
    published: Dataset, files: dict[str, bytes], merged: Graph | None = None, version: str | None = None
) -> Graph:
    """The dataset's VoID description; ``merged`` is the union of ``published``'s graphs when the
    caller has made it already."""
    g = dataset_metadata(version)
    merged = merged if merged is not None else union(published)
    nm = bind_prefixes(Graph()).namespace_manager
    g.add((DATASET, VOID.triples, Literal(len(merged))))
    subjects = set(merged.subjects())
    g.add((DATASET, VOID.distinctSubjects, Literal(len(subjects))))
    g.add((DATASET, VOID.distinctObjects, Literal(len(set(merged.objects())))))
    g.add((DATASET, VOID.entities, Literal(len({s for s in subjects if str(s).startswith(str(ID))}))))
    g.add((DATASET, VOID.uriSpace, Literal(str(ID))))
    g.add((DATASET, VOID.sparqlEndpoint, SPARQL_ENDPOINT))
    g.add((DATASET, VOID.rootResource, ID["organisation/icmpd"]))
    for vocab in ("ikg", "org", "schema", "skos", "prov", "oa", "dcterms", "time", "spdx"):
        g.add((DATASET, VOID.vocabulary, URIRef(PREFIXES[vocab])))
    classes = sorted(set(merged.objects(None, RDF.type)))
    properties = sorted(set(merged.predicates()))
    g.add((DATASET, VOID.classes, Literal(len(classes))))
    g.add((DATASET, VOID.properties, Literal(len(properties))))
    for cls in classes:
        part = URIRef(f"{DATASET}/class/{_slug(cls, nm)}")
        g.add((DATASET, VOID.classPartition, part))
        g.add((part, VOID["class"], cls))
        g.add((part, VOID.entities, Literal(len(set(merged.subjects(RDF.type, cls))))))
    for prop in properties:
        part = URIRef(f"{DATASET}/property/{_slug(prop, nm)}")
        g.add((DATASET, VOID.propertyPartition, part))
        g.add((part, VOID.property, prop))
        g.add((part, VOID.triples, Literal(len(set(merged.triples((None, prop, None)))))))
    named = sorted(
        {c.identifier for c in published.graphs() if c.identifier != DATASET_DEFAULT_GRAPH_ID and len(c)}
    )
    g.add((DATASET, SD.namedGraph, URIRef(f"{DATASET}/graphs")))  # one node lists the graph count
    g.add((URIRef(f"{DATASET}/graphs"), VOID.triples, Literal(len(named))))
    if VIEW_NAME in files:  # what the endpoint's default graph holds: the dataset and its Wikidata view
        view = Graph().parse(data=files[VIEW_NAME].decode("utf-8"), format="turtle")
        served, wikidata = URIRef(f"{DATASET}/endpoint-default-graph"), URIRef(f"{DATASET}/wikidata-view")
        g.add((wikidata, RDF.type, VOID.Dataset))
        g.add((wikidata, VOID.triples, Literal(len(view))))
        g.add(
            (
                wikidata,
                DCTERMS.title,
                Literal("The dataset's facts in Wikidata's shape (Wikibase RDF)", lang="en"),
            )
        )
        g.add((wikidata, DCTERMS.source, DATASET))
        g.add((served, RDF.type, VOID.Dataset))
        g.add((served, VOID.subset, DATASET))
        g.add((served, VOID.subset, wikidata))
        g.add((served, VOID.sparqlEndpoint, SPARQL_ENDPOINT))
        g.add((served, VOID.triples, Literal(len(set(merged) | set(view)))))
        g.add(
            (
                served,
                DCTERMS.description,
                Literal(
                    "The SPARQL endpoint's default graph: the merge of this dataset's graphs and its "
                    "Wikidata-shaped view (graph:wikidata-view), triples that both state counted once.",
                    lang="en",
                ),
            )
        )
    for fmt in DUMPS:
        url = URIRef(DUMPS_BASE + fmt.filename)
        dist = URIRef(f"{DATASET}/distribution/{fmt.key}")
        data = files[fmt.filename]
        g.add((DATASET, VOID.dataDump, url))
        g.add((DATASET, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCTERMS.title, Literal(fmt.label, lang="en")))
        g.add((dist, DCAT.downloadURL, url))
        g.add((dist, DCAT.accessURL, url))
        g.add((dist, DCAT.mediaType, URIRef(IANA + fmt.media_type)))
        g.add((dist, DCTERMS.format, Literal(fmt.media_type)))
        g.add((dist, DCAT.byteSize, Literal(len(data), datatype=XSD.nonNegativeInteger)))
        g.add((dist, DCTERMS.license, LICENSE))
        checksum = URIRef(f"{dist}#sha256")
        g.add((dist, SPDX.checksum, checksum))
        g.add((checksum, RDF.type, SPDX.Checksum))
        g.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        g.add(
            (checksum, SPDX.checksumValue, Literal(hashlib.sha256(data).hexdigest(), datatype=XSD.hexBinary))
        )
    return g


def wikidata_view_turtle(kg: KnowledgeGraph, reference_url: str | None = None) -> str:
    """The Wikidata-shaped view as Turtle, byte-identical on every run; refused if its own shapes
    (shapes/wikidata-view-shapes.ttl) do not accept it. ``reference_url`` is every reference's P854."""
    from icmpd_kg.validation.reference import run_shacl
    from icmpd_kg.wikidata.view import PREFIXES as VIEW_PREFIXES
    from icmpd_kg.wikidata.view import view

    graph = view(kg.data, reference_url)
    conforms, _, text = run_shacl(graph, str(paths.WIKIDATA_VIEW_SHAPES_FILE))
    if not conforms:
        raise NonConformantError(
            f"the Wikidata view does not conform to its shapes; nothing was written:\n{text}"
        )
    prefixes = {**{k: v for k, v in PREFIXES.items() if k in ("rdf", "rdfs", "xsd", "prov")}, **VIEW_PREFIXES}
    return _oxigraph(to_ntriples(graph), ox.RdfFormat.TURTLE, as_triples=True, prefixes=prefixes)


def unlinked_report(merged: Graph) -> str:
    """A TSV of the records of linkable kinds that have no Wikidata link yet, with their labels."""
    from icmpd_kg.wikidata.client import unlinked

    rows = ["subject_id\tsubject_label_tr\tsubject_label_en\tstatus"]
    for subject, _ in unlinked(merged):
        labels = {
            (o.language or "").split("-")[0]: str(o)
            for o in sorted(merged.objects(subject, RDFS.label))
            if isinstance(o, Literal)
        }
        rows.append(
            f"{subject}\t{labels.get('tr', '')}\t{labels.get('en', '')}\tno verified Wikidata item yet"
        )
    return "\n".join(rows) + "\n"


# ---------------------------------------------------------------------------------------------
# Build
# ---------------------------------------------------------------------------------------------


@dataclass
class BuildResult:
    out: Path
    files: list[str]
    report: Report
    triples: int


def render(
    kg: KnowledgeGraph, report: Report, reference_url: str | None = None, version: str | None = None
) -> tuple[dict[str, bytes], int]:
    """Every output file's name and bytes, and the number of triples published; nothing touches the
    disk here. The published dataset, its sorted N-Quads and the union of its graphs are made once."""
    published = publishable(kg, version)
    merged = _sorted_graph(union(published))
    nquads = to_nquads(published)
    files: dict[str, bytes] = {}
    for fmt in DUMPS:
        files[fmt.filename] = serialize_dump(fmt, published, kg.ontology, nquads, merged).encode("utf-8")
    files[CONTEXT_NAME] = jsonld_dumps(context(kg.ontology)).encode("utf-8")
    files[ONTOLOGY_NAME] = paths.ONTOLOGY_FILE.read_bytes()
    files[MAPPINGS_NAME] = paths.WIKIDATA_MAPPINGS_FILE.read_bytes()
    files[UNLINKED_NAME] = unlinked_report(merged).encode("utf-8")
    files[VIEW_NAME] = wikidata_view_turtle(kg, reference_url).encode("utf-8")
    files[SHAPES_NAME] = paths.SHAPES_FILE.read_bytes()
    files[VOID_NAME] = (
        _sorted_graph(void_description(published, files, merged, version))
        .serialize(format="turtle")
        .encode("utf-8")
    )
    files[REPORT_NAME] = report.as_turtle().encode("utf-8")
    files[SOURCE_NAME] = paths.SOURCE_FILE.read_bytes()
    for query in paths.query_files():
        files[f"{QUERIES_DIR}/{query.name}"] = query.read_bytes()
    sums = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in sorted(files.items()))
    files[SUMS_NAME] = sums.encode("utf-8")
    return files, len(merged)


def write_atomically(out: Path, files: dict[str, bytes], also: Callable[[Path], None] | None = None) -> None:
    """Write into a fresh sibling directory (and let ``also`` add to it), then swap it in; on any
    failure ``out`` is untouched."""
    with swap_directory(Path(out)) as staging:
        staging.mkdir(mode=0o755)
        for name, data in files.items():
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
            (staging / name).write_bytes(data)
        if also is not None:
            also(staging)
        staging.chmod(0o755)  # readable by a web server's account, like the files in it


def replace_store(target: Path, nquads: bytes, view: bytes) -> None:
    """Write the dataset as an Oxigraph store at ``target``, replacing what is there only once the
    new store is complete."""
    from icmpd_kg.core.namespaces import VIEW_GRAPH
    from icmpd_kg.store.oxigraph import write_dist_store

    with swap_directory(Path(target)) as staging:
        write_dist_store(staging, nquads, view, str(VIEW_GRAPH))


def build(
    out: Path = paths.DEFAULT_DIST,
    data_files: list[Path] | None = None,
    store: StoreSpec | None = None,
    reference_url: str | None = None,
    version: str | None = None,
) -> BuildResult:
    """Validate and write ``out``; ``store`` is where the Oxigraph store goes: None for
    ``out/oxigraph``, ``memory`` for none, or another directory (``oxigraph:DIR``);
    ``reference_url`` is the reference URL (P854) of the Wikidata view's statements. Literals are
    read and written in the lexical forms the data gives them, whatever the process's setting."""
    with literals_as_written():
        kg = KnowledgeGraph.load(data_files)
        report = validate(kg)
        if not report.conforms:
            raise NonConformantError(
                f"the graph does not conform ({len(report.results)} results); nothing was written to {out}",
                report,
            )
        files, triples = render(kg, report, reference_url, version)

        def in_dist(staging: Path) -> None:
            from icmpd_kg.core.namespaces import VIEW_GRAPH
            from icmpd_kg.publishing.ontology_docs import write_pages
            from icmpd_kg.store.oxigraph import write_dist_store

            write_pages(staging)
            if store is None:
                write_dist_store(staging / OXIGRAPH_DIR, files[QUAD_DUMP], files[VIEW_NAME], str(VIEW_GRAPH))

        write_atomically(Path(out), files, also=in_dist)
        if store is not None and store.on_disk:
            replace_store(Path(store.location), files[QUAD_DUMP], files[VIEW_NAME])
        return BuildResult(out=Path(out), files=sorted(files), report=report, triples=triples)
