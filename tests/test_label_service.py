"""The label service's rewrite (label_service.py) against a plain reference, on generated queries over
the Wikidata view, on both local stores: the query is evaluated without the service, then each row
is labelled in Python as WDQS labels (row by row; the first language of the list with a label, exact
tag before a longer one; for an item without one, the labels of the graph's resources linked to it
by owl:sameAs or skos:exactMatch; else the entity's ID; nothing for an unbound value)."""

from __future__ import annotations

import itertools

import pytest
from rdflib import OWL, RDFS, SKOS, BNode, Literal, URIRef

from icmpd_kg.sparql.engine import open_engine

# Patterns over the Wikidata view and the graph: required and optional values, items and our own
# resources, literals, statement nodes, a blank-free unknown value.
pytestmark = pytest.mark.slow  # the fast tier leaves it out (see pyproject's markers)


PATTERNS = {
    "members": "?item wdt:P463 ?org .",
    "areas": "wd:Q498496 wdt:P2541 ?item .",
    "optional-source": "wd:Q43 p:P463 ?item . OPTIONAL { ?item prov:wasDerivedFrom ?r . ?r pr:P248 ?org . }",
    "linked": "?org owl:sameAs ?item .",
    "exact-match": "?org skos:exactMatch ?item .",
    "optional-start": "?item p:P463 ?st . OPTIONAL { ?st pq:P580 ?org . }",
    "titles": "?item wdt:P1476 ?org .",
    "ref-language": "?s prov:wasDerivedFrom ?r . ?r pr:P407 ?item . OPTIONAL { ?item wdt:P31 ?org . }",
}
LANGUAGES = ["en", "tr", "tr,en", "en,tr", "de", "de,tr", "fr,en"]
LABELLED = [("item",), ("org",), ("item", "org")]

CASES = [
    (pattern, languages, labelled)
    for pattern, languages, labelled in itertools.product(PATTERNS, LANGUAGES, LABELLED)
    # a spread of cases, not all 168: every pattern with every language list once
    if (list(PATTERNS).index(pattern) + LANGUAGES.index(languages) + LABELLED.index(labelled)) % 3 == 0
]


def reference_label(graph, term, languages: list[str]):
    """WDQS's label of ``term`` in ``graph`` (the union), written plainly."""
    if term is None:
        return None

    def tagged(candidates, lang: str, exact: bool | None):
        """The candidates in ``lang``: exactly (True), by a longer tag (False), or either (None)."""
        found = sorted(
            (
                c
                for c in candidates
                if isinstance(c, Literal)
                and c.language
                and (
                    (exact is not False and c.language.lower() == lang)
                    or (exact is not True and c.language.lower().startswith(lang + "-"))
                )
            ),
            key=str,
        )
        return found[0] if found else None

    own = list(graph.objects(term, RDFS.label)) if not isinstance(term, Literal) else []
    linked = [
        label
        for link in (OWL.sameAs, SKOS.exactMatch)
        for resource in graph.subjects(link, term)
        for label in graph.objects(resource, RDFS.label)
    ]
    for lang in languages:
        for label in (tagged(own, lang, True), tagged(own, lang, False), tagged(linked, lang, None)):
            if label is not None:
                return label
    if isinstance(term, URIRef):
        return Literal(str(term).replace("#", "/").rsplit("/", 1)[-1])
    if isinstance(term, BNode):
        return None
    return Literal(str(term))


def canonical(row) -> tuple:
    return tuple(None if t is None else (type(t).__name__, str(t), getattr(t, "language", None)) for t in row)


@pytest.fixture(scope="module", params=["memory", "oxigraph"])
def engine(request, dist):
    return open_engine(dist, "memory" if request.param == "memory" else None)


@pytest.fixture(scope="module")
def union(dist):
    from rdflib import Dataset

    data = Dataset(default_union=True)
    data.parse(dist / "icmpd-kg.trig", format="trig")
    data.parse(dist / "icmpd-kg-wikidata.ttl", format="turtle")
    return data


@pytest.mark.parametrize(("pattern", "languages", "labelled"), CASES, ids=lambda v: str(v).replace(" ", ""))
def test_rewrite_labels_as_the_plain_reference(engine, union, pattern, languages, labelled):
    body = PATTERNS[pattern]
    plain = engine.query(f"SELECT ?item ?org WHERE {{ {body} }}")
    expected = sorted(
        canonical(
            (
                item,
                org,
                *(
                    reference_label(union, {"item": item, "org": org}[v], languages.split(","))
                    for v in labelled
                ),
            )
        )
        for item, org in plain.rows
    )
    columns = " ".join(f"?{v}Label" for v in labelled)
    service = f'SERVICE wikibase:label {{ bd:serviceParam wikibase:language "{languages}". }}'
    answer = engine.query(f"SELECT ?item ?org {columns} WHERE {{ {body} {service} }}")
    assert sorted(canonical(row) for row in answer.rows) == expected
    assert len(answer.rows) == len(plain.rows)  # row by row: the labels add no row and lose none


@pytest.mark.parametrize("mode", ["automatic", "manual"])
def test_labels_reach_the_bind_filter_and_group_after_the_service(engine, mode):
    service = (
        'SERVICE wikibase:label { bd:serviceParam wikibase:language "en". }'
        if mode == "automatic"
        else 'SERVICE wikibase:label { bd:serviceParam wikibase:language "en". ?item rdfs:label ?itemLabel }'
    )
    answer = engine.query(
        f"SELECT ?initial (COUNT(?item) AS ?n) WHERE {{ wd:Q498496 wdt:P2541 ?item . {service} "
        "BIND(SUBSTR(STR(?itemLabel), 1, 1) AS ?initial) FILTER(BOUND(?itemLabel)) } "
        "GROUP BY ?initial HAVING (COUNT(?item) >= 1) ORDER BY ?initial"
    )
    groups = {str(initial): int(n) for initial, n in answer.rows}
    assert None not in groups and "None" not in groups
    assert sum(groups.values()) == 5 and groups["L"] == 1  # Eurasia, a close match only, is not an area
