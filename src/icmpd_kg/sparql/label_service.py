"""The Wikidata Query Service's label service, rewritten into patterns that every store evaluates.

On WDQS, ``SERVICE wikibase:label { bd:serviceParam wikibase:language "tr,en" . }`` binds, for every
variable ``?x`` of the query, ``?xLabel`` (its label in the first language of the list that has
one, else the entity's own ID, such as ``Q43``), ``?xDescription`` and ``?xAltLabel`` (the alias
labels of that language, joined by ", "); in manual mode the service's body says which variable
gets what (``?x rdfs:label ?name``, ``?x schema:description ?d``, ``?x skos:altLabel ?a``). The
service is evaluated after the other patterns of its group. See the WDQS user manual, "Label
service".

Here the service names no remote endpoint and calls nothing: ``rewrite`` replaces it by ordinary
SPARQL at the end of its group (a chain of ``OPTIONAL`` patterns, one per language, then a ``BIND``
with the fallback), so the labels are part of evaluation: they sort (``ORDER BY``), group, filter
and aggregate like any other variable, on every store. Our translations are tagged ``en-t-tr``
(English, translated from Turkish): after an exact language tag, a label whose tag starts with it
(``LANGMATCHES``) is taken. ``[AUTO_LANGUAGE]`` (filled in by the WDQS user interface) is dropped
as WDQS drops it when it reaches the server; an empty list means ``en``. Helper variables are
named ``?ikglabel_…`` and left out of ``SELECT *``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

WIKIBASE_LABEL = "http://wikiba.se/ontology#label"
WIKIBASE_LANGUAGE = "http://wikiba.se/ontology#language"
SERVICE_PARAM = "http://www.bigdata.com/rdf#serviceParam"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS_ALT_LABEL = "http://www.w3.org/2004/02/skos/core#altLabel"
SCHEMA_DESCRIPTIONS = ("http://schema.org/description", "https://schema.org/description")
DEFAULT_LANGUAGES = ("en",)
AUTO_LANGUAGE = "[AUTO_LANGUAGE]"
HELPER = "ikglabel_"  # the prefix of the rewrite's own variables
SUFFIXES = (("AltLabel", "alt"), ("Label", "label"), ("Description", "description"))
KIND_OF_PREDICATE = {RDFS_LABEL: "label", SKOS_ALT_LABEL: "alt"} | {
    iri: "description" for iri in SCHEMA_DESCRIPTIONS
}
PREDICATE_OF_KIND = {"label": RDFS_LABEL, "description": SCHEMA_DESCRIPTIONS[0], "alt": SKOS_ALT_LABEL}


class LabelServiceError(ValueError):
    """A label service body this rewrite cannot read (the message says what and where)."""


@dataclass(frozen=True)
class Binding:
    """``target`` gets the ``kind`` (label, description, alt) of ``subject``."""

    subject: str  # variable name, without '?'
    kind: str
    target: str


def languages_of(values: Iterable[str]) -> tuple[str, ...]:
    """The language list of ``wikibase:language "tr,en"`` values, in order, without repeats."""
    found: list[str] = []
    for value in values:
        for code in value.split(","):
            code = code.strip().lower()
            if code and code != AUTO_LANGUAGE.lower() and code not in found:
                found.append(code)
    return tuple(found) or DEFAULT_LANGUAGES


def automatic_bindings(variables: Iterable[str]) -> list[Binding]:
    """Automatic mode: every ``?xLabel``, ``?xDescription`` and ``?xAltLabel`` whose ``?x`` the query has."""
    names = set(variables)
    out = []
    for name in sorted(names):
        for suffix, kind in SUFFIXES:
            if name.endswith(suffix) and len(name) > len(suffix):
                if name[: -len(suffix)] in names:
                    out.append(Binding(name[: -len(suffix)], kind, name))
                break
    return out


def _string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


UNBOUND = "urn:x-icmpd-kg:label-service:unbound"  # an IRI with no label: what an unbound ?x looks up
LINKS = "(<http://www.w3.org/2002/07/owl#sameAs>|<http://www.w3.org/2004/02/skos/core#exactMatch>)"


def patterns(binding: Binding, languages: tuple[str, ...]) -> str:
    """SPARQL for one binding, row by row as WDQS labels: the first language with a value wins; an
    item linked from the graph's own resources (``owl:sameAs``, ``skos:exactMatch``) is named by
    their labels where it has none of its own in that language; labels fall back to the ID; an
    unbound ``?x`` gets nothing. ``?x`` is looked up through a copy bound to an IRI that has no
    label when ``?x`` is unbound (a pattern with ``?x`` itself would bind it, joining the row with
    every labelled resource)."""
    x, target = "?" + binding.subject, "?" + binding.target
    predicate = f"<{PREDICATE_OF_KIND[binding.kind]}>"
    helper = f"?{HELPER}{binding.target}"
    subject = f"?{HELPER}s_{binding.target}"
    parts = [f"BIND(COALESCE({x}, <{UNBOUND}>) AS {subject})"]
    if binding.kind == "alt":
        # WDQS gives the aliases of the first language that has any, joined by ", ", tagged with
        # the language of the first of them
        values = []
        for n, lang in enumerate(languages):
            joined, tag, each = f"{helper}_{n}", f"{helper}_lang{n}", f"{helper}_a{n}"
            parts.append(
                f'OPTIONAL {{ SELECT {subject} (GROUP_CONCAT({each}; separator=", ") AS {joined}) '
                f"(SAMPLE(LANG({each})) AS {tag}) "
                f"WHERE {{ {subject} {predicate} {each} "
                f"FILTER(LANGMATCHES(LANG({each}), {_string(lang)})) }} "
                f"GROUP BY {subject} }}"
            )
            values.append(f"STRLANG(STR({joined}), {tag})")
        parts.append(f"BIND(COALESCE({', '.join(values)}) AS {target})")
        return "\n".join(parts)
    for lang in languages:
        exact, matches = f"LANG({{v}}) = {_string(lang)}", f"LANGMATCHES(LANG({{v}}), {_string(lang)})"
        for test in (exact, matches):
            parts.append(f"OPTIONAL {{ {subject} {predicate} {helper} FILTER({test.format(v=helper)}) }}")
        if binding.kind == "label":  # the names of the graph's resources linked to the item
            each = f"?{HELPER}l_{binding.target}"
            parts.append(
                f"OPTIONAL {{ SELECT {subject} (MIN({each}) AS {helper}) WHERE {{ "
                f"?{HELPER}r_{binding.target} {LINKS} {subject} ; {predicate} {each} "
                f"FILTER({matches.format(v=each)}) }} GROUP BY {subject} }}"
            )
    fallback = (
        f', IF(isIRI({x}), REPLACE(STR({x}), "^.*[/#]", ""), STR({x}))' if binding.kind == "label" else ""
    )
    parts.append(f"BIND(COALESCE({helper}{fallback}) AS {target})")
    return "\n".join(parts)


def without_helpers(variables: list[str]) -> list[int]:
    """Positions of the variables a ``SELECT *`` should show (the rewrite's helpers left out)."""
    return [i for i, v in enumerate(variables) if not v.startswith(HELPER)]


_VARIABLE = re.compile(r"^[?$]")


def manual_bindings(triples: list[tuple[str, str, str]]) -> list[Binding]:
    """Manual mode: ``?x rdfs:label ?name`` (and schema:description, skos:altLabel) in the body."""
    out = []
    for subject, predicate, obj in triples:
        if subject == SERVICE_PARAM:
            continue
        kind = KIND_OF_PREDICATE.get(predicate)
        if kind is None:
            raise LabelServiceError(
                f"the label service knows rdfs:label, schema:description and skos:altLabel, not <{predicate}>"
            )
        if not (_VARIABLE.match(subject) and _VARIABLE.match(obj)):
            raise LabelServiceError(
                "in the label service, write ?entity rdfs:label ?variable (two variables)"
            )
        out.append(Binding(subject[1:], kind, obj[1:]))
    return out
