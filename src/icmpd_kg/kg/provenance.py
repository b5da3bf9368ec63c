"""Provenance: W3C Web Annotation selectors that tie each fact graph to the words of the source.

Offsets are in Unicode code points of the source file's text (UTF-8 decoded, nothing normalised),
``start`` counted from 0 and ``end`` exclusive, as the Web Annotation Data Model defines
TextPositionSelector. A TextQuoteSelector carries the same words with a little context.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from rdflib import RDF, RDFS, SKOS, XSD, Literal, URIRef
from rdflib.term import Node

from icmpd_kg.core.errors import QuoteError
from icmpd_kg.core.namespaces import ID, IKG, OA
from icmpd_kg.core.turkish import fold_case, spaces
from icmpd_kg.kg.quads import Quads

CONTEXT_CHARS = 24


def read_source(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# What a writer types for the source's typographic characters: an apostrophe for ’, quotes for “ ”,
# a hyphen for – — (the selector then records the source's own characters).
TYPED_AS = {"'": "'’‘ʼ", '"': '"“”„', "-": "-–—"}
_CLASS = {typed: "[" + re.escape(chars) + "]" for typed, chars in TYPED_AS.items()}
for _typed, _chars in TYPED_AS.items():
    for _char in _chars:
        _CLASS[_char] = _CLASS[_typed]


def _pattern(word: str) -> str:
    return "".join(_CLASS.get(char, re.escape(char)) for char in word)


def occurrences(text: str, quote: str) -> list[tuple[int, int]]:
    """Every (start, end) of ``quote`` in ``text``, any run of white space matching any other, and a
    typed apostrophe, quote or hyphen matching the source's typographic one."""
    words = quote.split()
    if not words:
        return []
    return [m.span() for m in re.finditer(r"\s+".join(_pattern(word) for word in words), text)]


def near_match(text: str, quote: str) -> str | None:
    """The words of the source that ``quote`` nearly is (without case and Turkish diacritics), for a
    hint when it is not found as typed."""
    from icmpd_kg.core.turkish import fold

    wanted = fold(quote)
    if not wanted:
        return None
    words = list(re.finditer(r"\S+", text))
    size = len(quote.split())
    for i in range(len(words) - size + 1):
        start, end = words[i].start(), words[i + size - 1].end()
        if fold(text[start:end]) == wanted:
            return text[start:end]
    return None


def locate(text: str, quote: str, occurrence: int = 1) -> tuple[int, int]:
    """Return (start, end) of the ``occurrence``-th appearance of ``quote`` in ``text``.

    Any run of white space in ``quote`` matches any run of white space in the text (the source
    has no-break spaces where a writer would type plain ones); the selector then records the
    source's own characters, ``text[start:end]``, never the typed quote.
    """
    if not quote.split():
        raise QuoteError("an empty quote selects nothing")
    spans = occurrences(text, quote)
    if not spans:
        near = near_match(text, quote)
        hint = f"; the source has {near!r}, which differs in case or letters" if near else ""
        raise QuoteError(f"quote not found in the source: {quote!r}{hint}")
    if occurrence < 1 or occurrence > len(spans):
        raise QuoteError(f"quote {quote!r} occurs {len(spans)} time(s); occurrence {occurrence} asked")
    return spans[occurrence - 1]


def annotation_iri(slug: str) -> URIRef:
    return ID[f"annotation/{slug}"]


def _turtle_string(value: str) -> str:
    return Literal(value).n3()


def annotation_turtle(
    slug: str, text: str, quote: str, occurrence: int = 1, source: str = "source:icmpd-tr"
) -> str:
    """The Turtle block of one annotation: fact graph ``slug`` is stated by ``quote`` in the source."""
    start, end = locate(text, quote, occurrence)
    prefix = text[max(0, start - CONTEXT_CHARS) : start]
    suffix = text[end : end + CONTEXT_CHARS]
    base = str(annotation_iri(slug))
    return "\n".join(
        [
            f"annotation:{slug} a oa:Annotation ;",
            "    oa:motivatedBy oa:describing ;",
            f"    oa:hasBody fact:{slug} ;",
            f"    oa:hasTarget <{base}#target> .",
            f"<{base}#target> a oa:SpecificResource ;",
            f"    oa:hasSource {source} ;",
            f"    oa:hasSelector <{base}#quote> , <{base}#position> .",
            f"<{base}#quote> a oa:TextQuoteSelector ;",
            f"    oa:exact {_turtle_string(text[start:end])} ;",
            f"    oa:prefix {_turtle_string(prefix)} ;",
            f"    oa:suffix {_turtle_string(suffix)} .",
            f"<{base}#position> a oa:TextPositionSelector ;",
            f'    oa:start "{start}"^^xsd:nonNegativeInteger ;',
            f'    oa:end "{end}"^^xsd:nonNegativeInteger .',
        ]
    )


@dataclass(frozen=True)
class SelectorProblem:
    focus: Node
    message: str


def check_selectors(data: Quads, text: str) -> list[SelectorProblem]:
    """Check every selector of every annotation target against the source text.

    Position selectors must cut the same words out of the text as the quote selector beside them
    states; quote selectors must match the text at their position, prefix and suffix included.
    """
    problems: list[SelectorProblem] = []
    for target in sorted({o for _, o in data.pairs(OA.hasTarget)}):
        selectors = data.objects(target, OA.hasSelector)
        quotes = [s for s in selectors if data.has(s, RDF.type, OA.TextQuoteSelector)]
        positions = [s for s in selectors if data.has(s, RDF.type, OA.TextPositionSelector)]
        for pos in positions:
            try:
                start = int(cast(Literal, data.value(pos, OA.start)))
                end = int(cast(Literal, data.value(pos, OA.end)))
            except (TypeError, ValueError):
                problems.append(SelectorProblem(pos, "position selector lacks an integer oa:start or oa:end"))
                continue
            if not 0 <= start <= end <= len(text):
                problems.append(
                    SelectorProblem(
                        pos, f"offsets {start}..{end} fall outside the source ({len(text)} code points)"
                    )
                )
                continue
            cut = text[start:end]
            for q in quotes:
                exact = str(data.value(q, OA.exact) or "")
                if exact != cut:
                    problems.append(
                        SelectorProblem(
                            q, f"quote {exact!r} differs from the source at {start}..{end}: {cut!r}"
                        )
                    )
                    continue
                prefix = data.value(q, OA.prefix)
                if prefix is not None and not text[:start].endswith(str(prefix)):
                    problems.append(
                        SelectorProblem(q, f"prefix {str(prefix)!r} does not precede offset {start}")
                    )
                suffix = data.value(q, OA.suffix)
                if suffix is not None and not text[end:].startswith(str(suffix)):
                    problems.append(
                        SelectorProblem(q, f"suffix {str(suffix)!r} does not follow offset {end}")
                    )
    return problems


# ---------------------------------------------------------------------------------------------
# Facts against their quotes: a fact graph says only what its words say
# ---------------------------------------------------------------------------------------------

TURKISH_MONTHS = (
    "Ocak",
    "Şubat",
    "Mart",
    "Nisan",
    "Mayıs",
    "Haziran",
    "Temmuz",
    "Ağustos",
    "Eylül",
    "Ekim",
    "Kasım",
    "Aralık",
)
INTEGER_TYPES = frozenset(
    XSD[name]
    for name in (
        "integer",
        "int",
        "long",
        "short",
        "byte",
        "nonNegativeInteger",
        "positiveInteger",
        "nonPositiveInteger",
        "negativeInteger",
        "unsignedInt",
        "unsignedLong",
        "unsignedShort",
        "unsignedByte",
        "decimal",
    )
)
# Properties by which the source names a resource (its words for it).
NAMING_PROPERTIES = (RDFS.label, SKOS.altLabel, IKG.acronym)


def written_forms(value: Literal) -> list[str]:
    """The ways Turkish text writes this literal's value: dates as 09.03.2017, 9 Mart 2017,
    31 Mart 2017, Temmuz 2019 or 2019 yılı Temmuz; anything else as its lexical form."""
    lexical = str(value)
    if value.datatype == XSD.date and re.fullmatch(r"\d{4}-\d{2}-\d{2}", lexical):
        year, month, day = lexical.split("-")
        name = TURKISH_MONTHS[int(month) - 1]
        return [
            lexical,
            f"{day}.{month}.{year}",
            f"{int(day)}.{int(month)}.{year}",
            f"{day} {name} {year}",
            f"{int(day)} {name} {year}",
            f"{year} yılı {name} {int(day)}",
        ]
    if value.datatype == XSD.gYearMonth and re.fullmatch(r"\d{4}-\d{2}", lexical):
        year, month = lexical.split("-")
        name = TURKISH_MONTHS[int(month) - 1]
        return [lexical, f"{name} {year}", f"{year} yılı {name}", f"{month}.{year}"]
    return [lexical]


def literal_in_quote(value: Literal, quote: str) -> bool:
    text = spaces(quote)
    if value.datatype in INTEGER_TYPES or value.datatype == XSD.gYear:
        number = str(value).lstrip("+")
        return re.search(rf"(?<![0-9]){re.escape(number)}(?![0-9])", text) is not None
    return any(spaces(form) in text for form in written_forms(value))


@dataclass(frozen=True)
class QuoteMismatch:
    graph: Node
    value: Node
    is_literal: bool
    detail: str


def body_selectors(data: Quads) -> Iterator[tuple[Node, Node]]:
    """(fact graph, selector) for every selector of every annotation's target."""
    for annotation, body in data.pairs(OA.hasBody):
        for target in data.objects(annotation, OA.hasTarget):
            for selector in data.objects(target, OA.hasSelector):
                yield body, selector


def fact_quotes(data: Quads) -> dict[Node, str]:
    """Fact graph -> the exact words of its annotations' quote selectors (joined, if several)."""
    quotes: dict[Node, str] = {}
    for body, selector in body_selectors(data):
        exact = data.value(selector, OA.exact)
        if exact is not None and isinstance(body, URIRef):
            quotes[body] = f"{quotes[body]} … {exact}" if body in quotes else str(exact)
    return quotes


def _names(data: Quads, facts: dict) -> dict[Node, set[str]]:
    """What the fact graphs name each resource: one pass over each fact graph (asking the union
    per fact graph would read the property's triples across all graphs every time)."""
    names: dict[Node, set[str]] = {}
    for name in facts:
        for s, p, o in data.graphs[name]:
            if p in NAMING_PROPERTIES:
                names.setdefault(s, set()).add(str(o))
    return names


def check_facts_against_quotes(data: Quads) -> list[QuoteMismatch]:
    """Every literal a fact graph states is found in its quote, and every resource it is about is
    named there, unless the source names that resource nowhere (a node the editors introduce)."""
    quotes = fact_quotes(data)
    facts = {name: triples for name, triples in data.named().items() if name in quotes}
    names = _names(data, facts)
    problems: list[QuoteMismatch] = []
    for name in sorted(facts):
        triples, quote = facts[name], quotes[name]
        nodes: set[Node] = set()
        for s, p, o in sorted(set(triples)):
            nodes.add(s)
            if isinstance(o, Literal):
                if not literal_in_quote(o, quote):
                    problems.append(QuoteMismatch(name, o, True, f"{o.n3()} is not in the quote {quote!r}"))
            elif p != RDF.type:
                nodes.add(o)
        folded = fold_case(quote)
        for node in sorted(n for n in nodes if isinstance(n, URIRef)):
            words = set(names.get(node, set()))
            if not str(node).startswith(str(ID)):
                words.add(str(node))  # an outside IRI, such as a website, is named by itself
            if words and not any(fold_case(word) in folded for word in words):
                known = ", ".join(sorted(repr(w) for w in words))
                problems.append(
                    QuoteMismatch(
                        name,
                        node,
                        False,
                        f"<{node}> is named {known} in the source, but not in the quote {quote!r}",
                    )
                )
    return problems
