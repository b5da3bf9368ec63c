"""Content negotiation, RFC 9110 §12: the one parser of Accept-style headers (media ranges, and
language ranges for Accept-Language) and the choice of a query's answer format. Free of HTTP
frameworks and of rdflib, so that it is cheap and tested on its own."""

from __future__ import annotations

from functools import lru_cache

from icmpd_kg.core.errors import ProtocolError
from icmpd_kg.core.formats import GRAPH_ANSWER, RESULTS_ANSWER, alias, serializers

RESULT_FORMATS = {
    **serializers(RESULTS_ANSWER),
    "text/html": "html",
}  # media type -> writer; HTML for browsers
GRAPH_FORMATS = serializers(GRAPH_ANSWER)  # media type -> rdflib graph serializer


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """(media range, q) pairs of an Accept header, RFC 9110 §12.5.1; parameters other than q dropped."""
    if not header or not header.strip():
        return [("*/*", 1.0)]
    ranges = []
    for part in header.split(","):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        if not media:
            continue
        q = 1.0
        for param in pieces[1:]:
            if param.lower().startswith("q="):
                try:
                    q = max(0.0, min(1.0, float(param[2:])))
                except ValueError:
                    q = 0.0
        ranges.append((media, q))
    return ranges


def _quality(media: str, ranges: list[tuple[str, float]]) -> float:
    """The q of the most specific range that matches ``media`` (RFC 9110: most specific wins)."""
    best, best_specificity = 0.0, -1
    kind = media.split("/")[0]
    for rng, q in ranges:
        if rng == media:
            specificity = 2
        elif rng == f"{kind}/*":
            specificity = 1
        elif rng == "*/*":
            specificity = 0
        else:
            continue
        if specificity > best_specificity:
            best, best_specificity = q, specificity
    return best


def negotiate(accept: str | None, offered: list[str]) -> str | None:
    """The offered media type the client prefers (server order breaks ties); None if none is acceptable."""
    ranges = parse_accept(accept)
    scored = [(_quality(m, ranges), -i, m) for i, m in enumerate(offered)]
    q, _, media = max(scored)
    return media if q > 0 else None


@lru_cache(maxsize=512)  # a client sends the same Accept header query after query
def choose_format(kind: str, accept: str | None, override: str | None) -> str:
    """Media type of the response for a query of ``kind`` (SELECT, ASK, CONSTRUCT, DESCRIBE)."""
    graph_result = kind in ("CONSTRUCT", "DESCRIBE")
    a_query = f"{'an' if kind[:1] in 'AEIOU' else 'a'} {kind} query"
    table = GRAPH_FORMATS if graph_result else RESULT_FORMATS
    if kind == "ASK":  # the CSV and TSV results formats define no boolean result
        table = {m: f for m, f in table.items() if f not in ("csv", "tsv")}
    if override:
        wanted = alias(override, graph_result) or override.strip().lower()
        if wanted in table:
            return wanted
        if wanted in RESULT_FORMATS or wanted in GRAPH_FORMATS:  # a known format, but not for this query form
            raise ProtocolError(
                406,
                f"format {override!r} is not available for {a_query}; "
                f"available: {', '.join(sorted(set(table)))}",
            )
        # an unknown value (clients send their own names: "rdf+xml", "turtle-rdf", …) yields to Accept
    offered = [
        m
        for m in table
        if not m.startswith(
            ("application/json", "application/xml", "application/x-", "text/plain", "text/html")
        )
    ]
    offered += [m for m in table if m not in offered]
    media = negotiate(accept, offered)
    if media is None:
        raise ProtocolError(
            406,
            f"none of the requested media types ({accept}) is available for {a_query}; "
            f"available: {', '.join(offered)}",
        )
    return media


@lru_cache(maxsize=256)
def _forms_refused(accept: str | None, override: str | None) -> frozenset[str]:
    """The query forms for which ``accept`` and ``override`` find no format (clients send few Accept
    headers: each is worked out once)."""
    from icmpd_kg.sparql.query_text import QUERY_FORMS  # the text's reader, imported where needed

    refused = set()
    for form in QUERY_FORMS:
        try:
            choose_format(form, accept, override)
        except ProtocolError:
            refused.add(form)
    return frozenset(refused)


def refuse_early(query: str, accept: str | None, override: str | None) -> None:
    """Refuse (406) before any worker sees it a query whose answer no requested format can carry,
    where that is certain: its form read by the quick read (which proves the text holds nothing the
    policy would refuse first), and the refusal exactly the one the engine would give. Every other
    case is left to the engine."""
    refused = _forms_refused(accept, override)
    if not refused:
        return
    from icmpd_kg.sparql.query_text import quick_form

    form = quick_form(query)
    if form is not None and form in refused:
        choose_format(form, accept, override)  # raises the engine's own 406
