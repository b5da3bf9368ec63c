"""The ontology: closed Python namespace, consistency, closedness, alignment after inference."""

from __future__ import annotations

from pathlib import Path

import owlrl
import pytest
from rdflib import OWL, RDF, RDFS, Graph, URIRef

from icmpd_kg.core import paths
from icmpd_kg.core.namespaces import IKG, ONTOLOGY_IRI, bind_prefixes
from icmpd_kg.kg.graph import load_graph

STANDARD_BUILTINS = (
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "http://www.w3.org/2000/01/rdf-schema#",
    "http://www.w3.org/2002/07/owl#",
    "http://www.w3.org/2001/XMLSchema#",
)

pytestmark = pytest.mark.slow  # the fast tier leaves it out (see pyproject's markers)


def declared_terms(graph: Graph, namespace: str) -> set[URIRef]:
    kinds = (
        OWL.Class,
        OWL.ObjectProperty,
        OWL.DatatypeProperty,
        OWL.AnnotationProperty,
        RDF.Property,
        OWL.NamedIndividual,
        RDFS.Class,
    )
    return {s for k in kinds for s in graph.subjects(RDF.type, k) if str(s).startswith(namespace)}


def test_python_namespace_matches_ontology_file():
    ontology = load_graph([paths.ONTOLOGY_FILE])
    in_file = {str(t) for t in declared_terms(ontology, str(IKG._NS))}
    in_python = {str(IKG._NS) + name for name in IKG.__annotations__}
    assert in_file == in_python, f"only in file: {in_file - in_python}; only in Python: {in_python - in_file}"


def test_closed_namespace_rejects_misspelt_term():
    with pytest.raises(AttributeError):
        IKG.Projekt  # noqa: B018


def test_header(kg):
    g = kg.ontology
    for prop in (
        OWL.versionIRI,
        OWL.versionInfo,
        URIRef("http://purl.org/dc/terms/license"),
        URIRef("http://purl.org/dc/terms/created"),
        URIRef("http://purl.org/vocab/vann/preferredNamespacePrefix"),
    ):
        assert g.value(ONTOLOGY_IRI, prop) is not None, prop
    titles = {t.language for t in g.objects(ONTOLOGY_IRI, URIRef("http://purl.org/dc/terms/title"))}
    assert titles == {"en", "tr"}


WORLD_TYPING = Path(__file__).resolve().parent / "data" / "world-typing.ttl"
OWLRL_ERROR = URIRef("http://www.daml.org/2002/03/agents/agent-ont#ErrorMessage")


def owl_rl_closure(*graphs: Graph) -> Graph:
    """The merge of ``graphs``, closed under OWL RL (owlrl)."""
    g = Graph()
    for graph in graphs:
        for t in graph:
            g.add(t)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(g)
    return g


def owl_rl_errors(closure: Graph) -> list[str]:
    """The inconsistencies an OWL RL reasoner found, as it marks them in its closure."""
    errors = [
        str(closure.value(e, URIRef("http://www.daml.org/2002/03/agents/agent-ont#error")))
        for e in closure.subjects(RDF.type, OWLRL_ERROR)
    ]
    return errors + [str(s) for s in closure.subjects(RDF.type, OWL.Nothing)]


@pytest.fixture(scope="module")
def world() -> Graph:
    return Graph().parse(WORLD_TYPING)


@pytest.fixture(scope="module")
def closure(kg, world) -> Graph:
    """The ontology, the data (its owl:sameAs links to Wikidata included) and schema.org's typing of
    the linked items, closed under OWL RL."""
    return owl_rl_closure(kg.ontology, kg.union, world)


def test_owl_rl_closure_is_consistent_with_the_links_and_the_worlds_typing(closure):
    """The ontology, the data (its owl:sameAs links to Wikidata included) and schema.org's typing of
    the linked items (a country is a schema:Place) are consistent: no disjointness axiom is
    contradicted by what the links make our records be."""
    assert owl_rl_errors(closure) == []


def test_the_reasoner_finds_a_disjointness_the_world_contradicts(closure):
    """The check above can fail: a state declared disjoint from places (as the ontology once did) is
    contradicted by Turkey being Wikidata's country, a schema:Place. (The rules are monotone, so
    closing the closure with the axiom added is closing the inputs with it.)"""
    extra = Graph()
    extra.add((IKG.State, OWL.disjointWith, URIRef("https://schema.org/Place")))
    errors = owl_rl_errors(owl_rl_closure(closure, extra))
    assert errors and any("turkey" in e or "Q43" in e for e in errors), errors


def test_data_uses_only_defined_terms(kg):
    """Closedness: every class and property in the data is declared by the ontology or an import."""
    declared = set()
    for g in (kg.ontology,):
        for kind in (
            OWL.Class,
            OWL.ObjectProperty,
            OWL.DatatypeProperty,
            OWL.AnnotationProperty,
            RDF.Property,
            RDFS.Class,
        ):
            declared |= set(g.subjects(RDF.type, kind))
    data = kg.union
    used_properties = set(data.predicates())
    used_classes = set(data.objects(None, RDF.type))
    undefined = sorted(
        str(t)
        for t in used_properties | used_classes
        if t not in declared and not str(t).startswith(STANDARD_BUILTINS)
    )
    assert undefined == []


def test_org_and_schema_queries_find_members_after_rdfs_inference(kg):
    """A user who only knows W3C ORG or schema.org finds ICMPD's members once RDFS is applied."""
    g = bind_prefixes(Graph())
    for t in kg.ontology:
        g.add(t)
    for t in kg.union:
        g.add(t)
    before_schema = g.query("""
        PREFIX schema: <https://schema.org/>
        SELECT ?member WHERE { ?o a schema:Organization ; schema:member ?member }""")
    assert len(before_schema) == 0, "the data alone must not already use schema.org terms"
    owlrl.DeductiveClosure(owlrl.RDFS_Semantics).expand(g)
    org_members = {
        str(r.member)
        for r in g.query("""
        PREFIX org: <http://www.w3.org/ns/org#>
        SELECT ?member WHERE {
            ?m a org:Membership ; org:organization ?o ; org:member ?member .
            ?o a org:FormalOrganization ; org:hasMember ?member .
        }""")
    }
    schema_members = {
        str(r.member)
        for r in g.query("""
        PREFIX schema: <https://schema.org/>
        SELECT ?member WHERE { ?o a schema:Organization ; schema:member ?member . }""")
    }
    turkey = "https://w3id.org/icmpd-kg/id/state/turkey"
    assert org_members == {turkey}
    assert schema_members == {turkey}


def test_every_term_has_bilingual_label_and_definition(kg):
    ontology = load_graph([paths.ONTOLOGY_FILE])
    for term in declared_terms(ontology, str(IKG._NS)):
        for prop in (RDFS.label, URIRef("http://www.w3.org/2004/02/skos/core#definition")):
            langs = {o.language for o in ontology.objects(term, prop)}
            assert {"tr", "en"} <= langs, f"{term} {prop} has {langs}"


def test_the_shared_ontology_cannot_be_changed_and_a_copy_can(kg):
    """Every KnowledgeGraph of the process shares one parsed ontology (no copy per load: half of an
    invalid fixture's validation time went into copying it); changing it is refused, a copy changes."""
    from icmpd_kg.kg.graph import load_graph_cached, ontology_closure

    triple = (IKG.State, RDFS.comment, URIRef("urn:x-test:changed"))
    with pytest.raises(TypeError, match="read-only"):
        kg.ontology.add(triple)
    assert triple not in kg.ontology
    copy = load_graph_cached(ontology_closure())
    copy.add(triple)
    assert triple in copy and triple not in kg.ontology and len(copy) == len(kg.ontology) + 1


def test_a_reasoner_entails_no_name_the_editors_withhold(kg):
    """RDFS over the ontology, the data and the links states no schema:alternateName beyond those
    graph:derived-acronyms states: "FRIT" (the project's funder) and "TACSO" (a programme) are
    acronyms the source gives, not the projects' names, and a sub-property axiom once entailed them."""
    from rdflib import Namespace

    schema = Namespace("https://schema.org/")
    g = Graph()
    for t in kg.ontology:
        g.add(t)
    for t in kg.union:
        g.add(t)
    stated = set(kg.union.subject_objects(schema.alternateName))
    owlrl.DeductiveClosure(owlrl.RDFS_Semantics).expand(g)
    entailed = set(g.subject_objects(schema.alternateName))
    assert {str(o) for _, o in entailed} >= {"SUPREME", "ICMPD"}
    assert entailed == stated
    assert not {str(o) for _, o in entailed} & {"FRIT", "TACSO"}
