"""Finding a resource by name: every label, alternative label and acronym of every resource, folded as
Turkish and English readers type them (``turkish.fold``: İ, I and ı alike, diacritics dropped), in an
index made once per build; matches ranked as the Wikidata API's ``wbsearchentities`` ranks them:
whole name, then the start of a name, then the start of a word, then anywhere; shorter names first."""

from __future__ import annotations

from dataclasses import dataclass

from icmpd_kg.core.turkish import fold

LABELS_QUERY = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX ikg: <https://w3id.org/icmpd-kg/ontology#>
SELECT ?s ?l WHERE {
  ?s rdfs:label|skos:altLabel|ikg:acronym ?l
  FILTER(isIRI(?s) && isLiteral(?l) && STRSTARTS(STR(?s), "https://w3id.org/icmpd-kg/"))
}"""  # the graph's own resources (the Wikidata view repeats some of their names on Wikidata's items)
MAX_RESULTS = 50


@dataclass(frozen=True)
class Hit:
    iri: str
    label: str  # the name that matched, as written
    language: str | None
    rank: tuple[int, int, str]


class Index:
    """The folded names of every resource."""

    def __init__(self, rows: list[tuple[str, str, str | None]]):
        self.entries = sorted({(fold(label), label, iri, lang) for iri, label, lang in rows if fold(label)})

    def search(self, text: str, limit: int = 10) -> list[Hit]:
        wanted = fold(text)
        if not wanted:
            return []
        best: dict[str, Hit] = {}
        for folded, label, iri, lang in self.entries:
            if folded == wanted:
                kind = 0
            elif folded.startswith(wanted):
                kind = 1
            elif f" {wanted}" in f" {folded}":
                kind = 2
            elif wanted in folded:
                kind = 3
            else:
                continue
            hit = Hit(iri, label, lang, (kind, len(folded), label))
            if iri not in best or hit.rank < best[iri].rank:
                best[iri] = hit
        return sorted(best.values(), key=lambda h: (h.rank, h.iri))[: max(1, min(limit, MAX_RESULTS))]
