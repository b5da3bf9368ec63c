"""Provenance: W3C Web Annotation selectors that tie each fact graph to the words of the source.

Offsets are in Unicode code points of the source file's text (UTF-8 decoded, nothing normalised),
``start`` counted from 0 and ``end`` exclusive, as the Web Annotation Data Model defines
TextPositionSelector. A TextQuoteSelector carries the same words with a little context.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from rdflib import RDF, Graph, Literal, URIRef

from icmpd_kg.errors import QuoteError
from icmpd_kg.namespaces import ID, OA

CONTEXT_CHARS = 24


def read_source(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def locate(text: str, quote: str, occurrence: int = 1) -> tuple[int, int]:
    """Return (start, end) of the ``occurrence``-th appearance of ``quote`` in ``text``.

    Any run of white space in ``quote`` matches any run of white space in the text (the source
    has no-break spaces where a writer would type plain ones); the selector then records the
    source's own characters, ``text[start:end]``, never the typed quote.
    """
    words = quote.split()
    if not words:
        raise QuoteError("an empty quote selects nothing")
    pattern = re.compile(r"\s+".join(re.escape(word) for word in words))
    spans = [m.span() for m in pattern.finditer(text)]
    if not spans:
        raise QuoteError(f"quote not found in the source: {quote!r}")
    if occurrence < 1 or occurrence > len(spans):
        raise QuoteError(f"quote {quote!r} occurs {len(spans)} time(s); occurrence {occurrence} asked")
    return spans[occurrence - 1]


def annotation_iri(slug: str) -> URIRef:
    return ID[f"annotation/{slug}"]


def fact_iri(slug: str) -> URIRef:
    return ID[f"fact/{slug}"]


def _turtle_string(value: str) -> str:
    return Literal(value).n3()


def annotation_turtle(slug: str, text: str, quote: str, occurrence: int = 1,
                      source: str = "source:icmpd-tr") -> str:
    """The Turtle block of one annotation: fact graph ``slug`` is stated by ``quote`` in the source."""
    start, end = locate(text, quote, occurrence)
    prefix = text[max(0, start - CONTEXT_CHARS):start]
    suffix = text[end:end + CONTEXT_CHARS]
    base = str(annotation_iri(slug))
    return "\n".join([
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
    ])


@dataclass(frozen=True)
class SelectorProblem:
    focus: URIRef
    message: str


def check_selectors(graph: Graph, text: str) -> list[SelectorProblem]:
    """Check every selector of every annotation target against the source text.

    Position selectors must cut the same words out of the text as the quote selector beside them
    states; quote selectors must match the text at their position, prefix and suffix included.
    """
    problems: list[SelectorProblem] = []
    for target in sorted(set(graph.objects(None, OA.hasTarget))):
        quotes = [s for s in graph.objects(target, OA.hasSelector) if (s, RDF.type, OA.TextQuoteSelector) in graph]
        positions = [s for s in graph.objects(target, OA.hasSelector)
                     if (s, RDF.type, OA.TextPositionSelector) in graph]
        for pos in positions:
            try:
                start = int(graph.value(pos, OA.start))
                end = int(graph.value(pos, OA.end))
            except (TypeError, ValueError):
                problems.append(SelectorProblem(pos, "position selector lacks an integer oa:start or oa:end"))
                continue
            if not 0 <= start <= end <= len(text):
                problems.append(SelectorProblem(
                    pos, f"offsets {start}..{end} fall outside the source ({len(text)} code points)"))
                continue
            cut = text[start:end]
            for q in quotes:
                exact = str(graph.value(q, OA.exact) or "")
                if exact != cut:
                    problems.append(SelectorProblem(
                        q, f"quote {exact!r} differs from the source at {start}..{end}: {cut!r}"))
                    continue
                prefix = graph.value(q, OA.prefix)
                if prefix is not None and not text[:start].endswith(str(prefix)):
                    problems.append(SelectorProblem(q, f"prefix {str(prefix)!r} does not precede offset {start}"))
                suffix = graph.value(q, OA.suffix)
                if suffix is not None and not text[end:].startswith(str(suffix)):
                    problems.append(SelectorProblem(q, f"suffix {str(suffix)!r} does not follow offset {end}"))
    return problems
