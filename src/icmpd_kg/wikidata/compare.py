"""Our facts beside Wikidata's, value by value, and QuickStatements for exactly what Wikidata lacks.

For every statement of the Wikidata-shaped view whose subject is a linked item, the comparison
asks Wikidata (the Query Service, through the polite client of ``icmpd_kg.wikidata.client``; or a saved
SPARQL JSON result, the same format, as a snapshot) for the item's non-deprecated values of the same
property. How a property is compared is said in ``data/mappings/wikidata-ids.tsv``:

- ``one value`` (a founding date, a member count): one row per (item, property), ``agrees``,
  ``differs``, ``only ours`` or ``only Wikidata's``;
- ``each value`` (operating areas, memberships, short names): one row per value, ``agrees``,
  ``only ours`` or ``only Wikidata's``, so that a property Wikidata holds in part gets exactly its
  missing values proposed.

Dates compare at the precision we state them (a year with a year), quantities as numbers, texts
with their language, except short names (P1813): an acronym is the same string in every language.

Wikidata's deprecated values are read too: a value of ours that Wikidata holds only as deprecated
is ``deprecated on Wikidata``, neither agreed with nor proposed again (QuickStatements matches
statements by value and would add our qualifiers and reference to the deprecated one). A redirected
item is followed (Wikidata's ``owl:sameAs``) and the row says so. Websites compare as URLs (scheme
and host without case, no trailing slash). The observer status ICMPD holds "at the UN" (P10624) is
the same value whether Wikidata names the United Nations (Q1065) or its General Assembly (Q47423),
the organ that grants it, so neither is proposed beside the other.

QuickStatements (version 1, one tab-separated command per line) are written for the ``only ours``
values, qualifiers first, then one reference: ``S854`` (a reference URL that resolves: the published
release or the source; checked before anything is written, written as it is), ``S813`` (the day it
was checked; not written when it was not), ``S1683`` (the Turkish quotation, its no-break spaces as
plain ones) and ``S407`` (Turkish); each line ends with an edit summary (``/* … */``) naming the
project and its release. Times are written as Wikibase stores them (unknown month and day as ``00``).
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

from rdflib import Dataset, Literal, URIRef

from icmpd_kg.core.errors import IcmpdKgError, InputFileError
from icmpd_kg.kg.graph import union
from icmpd_kg.kg.mappings import wikidata_ids
from icmpd_kg.kg.provenance import fact_quotes
from icmpd_kg.kg.quads import Quads
from icmpd_kg.wikidata.client import USER_AGENT, Client
from icmpd_kg.wikidata.view import (
    SOURCE,
    WD,
    WDQS_PREFIXES,
    Quantity,
    SomeValue,
    Statement,
    Time,
    links,
    pid,
    statements,
    wd,
)

WDT = WDQS_PREFIXES["wdt"]
P_NS = WDQS_PREFIXES["p"]
PS_NS = WDQS_PREFIXES["ps"]
PQ_NS = WDQS_PREFIXES["pq"]
REFERENCE_HINT = (
    "give --reference-url with the URL of the published release or of the source, "
    "or --no-reference-check to write it anyway"
)
LANGUAGE_NEUTRAL = {"P1813"}  # a short name (an acronym) is the same string in every language
# Values that state the same on Wikidata as ours, by property: UN observer status is granted by the
# General Assembly, so Wikidata's P10624 Q47423 is our "BM gözlemci statüsü" (Q1065) as well.
EQUIVALENT: dict[str, dict[str, set[str]]] = {"P10624": {"Q1065": {"Q47423"}}}
DEPRECATED = "http://wikiba.se/ontology#DeprecatedRank"
OWL_SAME_AS = "http://www.w3.org/2002/07/owl#sameAs"


class UnresolvedReferenceError(IcmpdKgError):
    """The reference URL to hand to Wikidata does not resolve."""


@dataclass(frozen=True)
class Row:
    item: str
    property: str
    status: str
    ours: str
    theirs: str
    our_source: str
    their_source: str


def _text(value: Any) -> str:
    if isinstance(value, Time):
        return f"{value.literal} (precision {value.precision})"
    if isinstance(value, Quantity):
        return str(value.amount)
    if isinstance(value, Literal) and value.language:
        return f"{value}@{value.language}"
    return str(value)


def _url(text: str) -> str:
    """A URL as compared: scheme and host in lower case, no default port, no trailing slash."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(text.strip())
    host = (parts.hostname or "") + (f":{parts.port}" if parts.port and parts.port not in (80, 443) else "")
    return urlunsplit((parts.scheme.lower(), host, parts.path.rstrip("/"), parts.query, ""))


def _same(prop: str, ours: Any, theirs: dict[str, str]) -> bool:
    """Whether one of Wikidata's SPARQL JSON terms states our value."""
    value = theirs.get("value", "")
    if isinstance(ours, URIRef) and str(ours).startswith(str(WD)) and value.startswith(str(WD)):
        mine, other = str(ours)[len(str(WD)) :], value[len(str(WD)) :]
        return other == mine or other in EQUIVALENT.get(prop, {}).get(mine, set())
    if isinstance(ours, URIRef) and wikidata_ids()[prop].datatype == "url":
        return _url(value) == _url(str(ours))
    if isinstance(ours, Time):
        digits = {9: 4, 10: 7, 11: 10}[ours.precision]
        return value.lstrip("+")[:digits] == str(ours.timestamp)[:digits]
    if isinstance(ours, Quantity):
        try:
            return float(value) == float(ours.amount)
        except ValueError:
            return False
    if isinstance(ours, Literal):
        if value != str(ours):
            return False
        return prop in LANGUAGE_NEUTRAL or not ours.language or theirs.get("xml:lang", "") == ours.language
    return value == str(ours)


def wikidata_query(pairs: list[tuple[str, str]]) -> str:
    """Wikidata's values of each (item, property) we hold, with each statement's rank and the date
    it holds as of (qualifier P585, point in time) where Wikidata gives one; a redirected item is
    followed (``owl:sameAs``, as the Query Service writes a redirect) and named in ``?redirect``."""
    rows = " ".join(f"(<{item}> <{WDT}{p}> <{P_NS}{p}> <{PS_NS}{p}>)" for item, p in pairs)
    return (
        "PREFIX wikibase: <http://wikiba.se/ontology#> "
        "SELECT ?item ?redirect ?prop ?value ?when ?rank WHERE { "
        f"VALUES (?item ?prop ?p ?ps) {{ {rows} }} "
        f"OPTIONAL {{ ?item <{OWL_SAME_AS}> ?redirect }} "
        "BIND(COALESCE(?redirect, ?item) AS ?entity) "
        "?entity ?p ?statement . ?statement ?ps ?value ; wikibase:rank ?rank . "
        f"OPTIONAL {{ ?statement <{PQ_NS}P585> ?when }} }}"
    )


def theirs_from(results: dict[str, Any], where: Path | str) -> dict[tuple[str, str], list[dict[str, str]]]:
    try:
        bindings = results["results"]["bindings"]
    except (KeyError, TypeError):
        raise InputFileError(where, "not SPARQL 1.1 JSON results (no results.bindings)") from None
    out: dict[tuple[str, str], list[dict[str, str]]] = {}
    for b in bindings:
        try:
            key = (b["item"]["value"], b["prop"]["value"][len(WDT) :])
            value = dict(b["value"])
        except (KeyError, TypeError):
            raise InputFileError(where, "every row needs ?item, ?prop and ?value") from None
        for extra in ("when", "rank", "redirect"):
            if extra in b:
                value[extra] = b[extra].get("value", "")
        out.setdefault(key, []).append(value)
    return out


def _deprecated(value: dict[str, str]) -> bool:
    return value.get("rank") == DEPRECATED


def _redirects(values: list[dict[str, str]]) -> str:
    targets = sorted({v["redirect"] for v in values if v.get("redirect")})
    return "".join(f"; the item redirects to {t}" for t in targets)


def _their_text(values: list[dict[str, str]]) -> str:
    return "; ".join(
        v.get("value", "")
        + (f"@{v['xml:lang']}" if v.get("xml:lang") else "")
        + (f" as of {v['when'][:10]}" if v.get("when") else "")
        + (" (deprecated)" if _deprecated(v) else "")
        for v in values
    )


def _our_text(prop: str, statements_: list[Statement], resolved: Any) -> str:
    text = "; ".join(_text(resolved(s.value)) for s in statements_)
    as_of = [q for s in statements_ for q in s.qualifiers if q[0] == "P1319"]
    if statements_ and any(isinstance(v, SomeValue) for s in statements_ for _, v in s.qualifiers):
        earliest = as_of[0][1] if as_of else None
        bound = f", not before {earliest.literal}" if isinstance(earliest, Time) else ""
        text += f" as of the source's date (unknown{bound})"
    return text


@dataclass
class Ours:
    """Our statements about linked items, by (item, property), with the links that resolve values."""

    linked: dict
    grouped: dict[tuple[str, str], list[Statement]]

    @classmethod
    def of(cls, data: Dataset) -> Ours:
        linked = links(union(data))
        grouped: dict[tuple[str, str], list[Statement]] = {}
        for s in statements(data):
            if s.subject in linked:
                grouped.setdefault((str(linked[s.subject]), s.prop), []).append(s)
        return cls(linked, grouped)

    def resolved(self, value: Any) -> Any:
        """A value as Wikidata names it (its item, where it has one)."""
        return self.linked.get(value, value) if isinstance(value, URIRef) else value


def compare(
    data: Dataset, theirs: dict[tuple[str, str], list[dict[str, str]]], their_source: str
) -> list[Row]:
    ours = Ours.of(data)
    grouped, resolved = ours.grouped, ours.resolved
    quotes = fact_quotes(Quads.from_dataset(data))
    ids = wikidata_ids()

    def source_of(mine: list[Statement]) -> str:
        return "; ".join(f"{s.fact} “{quotes.get(s.fact, '')}”" for s in mine)

    rows = []
    for item, prop in sorted(set(grouped) | set(theirs)):
        mine = grouped.get((item, prop), [])
        everything = theirs.get((item, prop), [])
        values = [v for v in everything if not _deprecated(v)]
        deprecated = [v for v in everything if _deprecated(v)]
        held_by = their_source + _redirects(everything)
        entry = ids.get(prop)
        if entry is not None and entry.compared == "each value":
            matched: list[dict[str, str]] = []
            for s in mine:
                same = [v for v in values if _same(prop, resolved(s.value), v)]
                old = [v for v in deprecated if _same(prop, resolved(s.value), v)]
                matched += same
                status = "agrees" if same else "deprecated on Wikidata" if old else "only ours"
                rows.append(
                    Row(
                        item,
                        prop,
                        status,
                        _our_text(prop, [s], resolved),
                        _their_text(same or old),
                        source_of([s]),
                        held_by if same or old else "",
                    )
                )
            for v in values:
                if not any(v is m for m in matched):
                    rows.append(Row(item, prop, "only Wikidata's", "", _their_text([v]), "", held_by))
            continue
        if (
            not values
            and mine
            and deprecated
            and all(any(_same(prop, resolved(s.value), v) for v in deprecated) for s in mine)
        ):
            status = "deprecated on Wikidata"
            values = deprecated
        elif not values:
            status = "only ours"
        elif not mine:
            status = "only Wikidata's"
        elif all(any(_same(prop, resolved(s.value), v) for v in values) for s in mine):
            status = "agrees"
        else:
            status = "differs"
        rows.append(
            Row(
                item,
                prop,
                status,
                _our_text(prop, mine, resolved),
                _their_text(values),
                source_of(mine),
                held_by if values else "",
            )
        )
    return rows


def fetch(data: Dataset, client: Client) -> dict[str, Any]:
    """Wikidata's values for our linked items and properties, from the Query Service."""
    grouped = Ours.of(data).grouped
    return client.get_json(client.endpoint, {"query": wikidata_query(sorted(grouped)), "format": "json"})


def as_text(rows: list[Row]) -> str:
    lines = []
    for r in rows:
        lines.append(
            f"{r.item} {r.property}: {r.status}\n  ours:   {r.ours or '—'}\n  theirs: {r.theirs or '—'}"
        )
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.status] = counts.get(r.status, 0) + 1
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    return "\n".join(lines + [f"\n{summary}"]) + "\n"


def as_csv(rows: list[Row]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(Row.__dataclass_fields__), lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow(asdict(r))
    return out.getvalue()


def as_json(rows: list[Row]) -> str:
    return json.dumps([asdict(r) for r in rows], ensure_ascii=False, indent=2) + "\n"


def _qs_value(value: Any, linked: dict, datatype: str = "wikibase-item") -> str | None:
    """A value in QuickStatements V1 syntax (of the property's ``datatype``), or None when Wikidata
    has no item for it."""
    if isinstance(value, URIRef) and datatype == "url":
        return _qs_string(str(value))
    if isinstance(value, URIRef):
        target = linked.get(value, value)
        return str(target)[len(str(WD)) :] if str(target).startswith(str(WD)) else None
    if isinstance(value, Time):
        return f"{value.wikibase_json}/{value.precision}"
    if isinstance(value, Quantity):
        return str(value.amount)
    if isinstance(value, SomeValue):
        return "somevalue"
    if isinstance(value, Literal) and value.language:
        return f'{value.language}:"{_one_line(str(value))}"'
    if isinstance(value, Literal):
        return _qs_string(str(value))
    return None


def _qs_string(text: str) -> str:
    """A string as QuickStatements reads it: between double quotes, its characters as they are
    (QuickStatements decodes no ``\\u`` escape: it would store one literally)."""
    return '"' + _one_line(text) + '"'


def _one_line(text: str) -> str:
    """QuickStatements reads one command per line, cells between tabs: line breaks and tabs in a
    quotation become spaces, and so do no-break spaces (a quotation an editor can search for)."""
    return re.sub(r"[\t\r\n\u00a0\u202f]+", " ", text)


def check_reference(url: str, timeout: float = 10.0) -> None:
    """Raise ``UnresolvedReferenceError`` unless ``url`` resolves (HTTP status below 400 after redirects)."""
    import httpx

    try:
        response = httpx.get(url, follow_redirects=True, timeout=timeout, headers={"User-Agent": USER_AGENT})
    except httpx.HTTPError as exc:
        raise UnresolvedReferenceError(
            f"the reference URL {url} does not resolve ({exc}); {REFERENCE_HINT}"
        ) from None
    if response.status_code >= 400:
        raise UnresolvedReferenceError(
            f"the reference URL {url} does not resolve (HTTP {response.status_code}); {REFERENCE_HINT}"
        )


def quickstatements(
    data: Dataset, rows: list[Row], reference_url: str | None = None, retrieved: date | None = None
) -> str:
    """QuickStatements V1 for the values Wikidata lacks (``only ours``) on linked items, each with
    its qualifiers and one reference (S854, S813 when ``retrieved`` says the day the reference URL
    was checked, S1683, S407) and an edit summary; values without a Wikidata item are left out."""
    from icmpd_kg import __version__

    ours = Ours.of(data)
    linked, resolved = ours.linked, ours.resolved
    quotes = fact_quotes(Quads.from_dataset(data))
    ids = wikidata_ids()
    lacking = {(r.item, r.property, r.ours) for r in rows if r.status == "only ours"}
    reference = reference_url or str(SOURCE)
    summary = (
        f"icmpd-kg {__version__}: sourced facts from https://w3id.org/icmpd-kg/ (the Turkish source quoted)"
    )
    lines = []
    for (item, prop), mine in sorted(ours.grouped.items()):
        each = ids[prop].compared == "each value"
        if not each and (item, prop, _our_text(prop, mine, resolved)) not in lacking:
            continue
        for s in mine:
            if each and (item, prop, _our_text(prop, [s], resolved)) not in lacking:
                continue
            quote = quotes.get(s.fact, "")
            value = _qs_value(s.value, linked, ids[s.prop].datatype)
            if value is None:
                continue
            parts = [item[len(str(WD)) :], s.prop, value]
            for qualifier, qvalue in s.qualifiers:
                rendered = _qs_value(qvalue, linked, ids[qualifier].datatype)
                if rendered is not None:
                    parts += [qualifier, rendered]
            parts += ["S854", _qs_string(reference)]
            if retrieved is not None:
                parts += [
                    pid("P813", "reference").replace("P", "S", 1),
                    f"+{retrieved.isoformat()}T00:00:00Z/11",
                ]
            parts += ["S1683", f'tr:"{_one_line(quote)}"', "S407", str(wd("Q256"))[len(str(WD)) :]]
            lines.append("\t".join(parts) + f" /* {summary} */")
    return "\n".join(lines) + ("\n" if lines else "")
