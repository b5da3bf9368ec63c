"""Our facts beside Wikidata's, fact by fact, and QuickStatements for what Wikidata lacks.

For every statement of the Wikidata-shaped view whose subject is a linked item, the comparison
asks Wikidata (the Query Service, through the polite client of ``icmpd_kg.wikidata``; or a saved
SPARQL JSON result, the same format, as a snapshot) for the item's truthy values of the same
property, and reports each (item, property) as ``agrees``, ``differs``, ``only ours`` or ``only
Wikidata's``, with both values and both sources. Dates compare at the precision we state them
(a year with a year), quantities as numbers, texts with their language.

QuickStatements (version 1 commands) are written for the ``only ours`` statements, each with its
references: ``S854`` the source's IRI, ``S1683`` the Turkish quotation, ``S407`` Turkish.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from rdflib import Dataset, Literal, URIRef

from icmpd_kg.errors import InputFileError
from icmpd_kg.graph import union
from icmpd_kg.provenance import fact_quotes
from icmpd_kg.wikidata import Client
from icmpd_kg.wikidata_view import WD, Quantity, Statement, Time, _links, statements

WDT = "http://www.wikidata.org/prop/direct/"
P_NS = "http://www.wikidata.org/prop/"
PS_NS = "http://www.wikidata.org/prop/statement/"
AS_OF_SOURCE = {"P2124", "P1128"}  # counts the source gives "bugün" (today): as of its undated date
SOURCE_IRI = "https://w3id.org/icmpd-kg/id/source/icmpd-tr"


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
        return f"{value.amount}" + (f" (at least {value.lower})" if value.lower is not None else "")
    if isinstance(value, Literal) and value.language:
        return f"{value}@{value.language}"
    return str(value)


def _same(ours: Any, theirs: dict[str, str]) -> bool:
    """Whether one of Wikidata's SPARQL JSON terms states our value."""
    value = theirs.get("value", "")
    if isinstance(ours, Time):
        digits = {9: 4, 10: 7, 11: 10}[ours.precision]
        return value[:digits] == str(ours.timestamp)[:digits]
    if isinstance(ours, Quantity):
        try:
            return float(value) == float(ours.amount) or (
                ours.lower is not None and float(value) > ours.lower - 1
            )
        except ValueError:
            return False
    if isinstance(ours, Literal):
        return value == str(ours) and (not ours.language or theirs.get("xml:lang", "") == ours.language)
    return value == str(ours)


def wikidata_query(items: list[str], properties: list[str]) -> str:
    """Wikidata's non-deprecated values of ``properties`` on ``items``, with the date each holds as
    of (qualifier P585, point in time) where Wikidata gives one."""
    values_items = " ".join(f"<{i}>" for i in items)
    rows = " ".join(f"(<{WDT}{p}> <{P_NS}{p}> <{PS_NS}{p}>)" for p in properties)
    return (
        "PREFIX wikibase: <http://wikiba.se/ontology#> "
        f"SELECT ?item ?prop ?value ?when WHERE {{ VALUES ?item {{ {values_items} }} "
        f"VALUES (?prop ?p ?ps) {{ {rows} }} ?item ?p ?statement . "
        "?statement ?ps ?value ; wikibase:rank ?rank . "
        "FILTER (?rank != wikibase:DeprecatedRank) "
        "OPTIONAL { ?statement <http://www.wikidata.org/prop/qualifier/P585> ?when } }"
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
        except KeyError:
            raise InputFileError(where, "every row needs ?item, ?prop and ?value") from None
        value = dict(b["value"])
        if "when" in b:
            value["when"] = b["when"].get("value", "")
        out.setdefault(key, []).append(value)
    return out


def compare(
    data: Dataset, theirs: dict[tuple[str, str], list[dict[str, str]]], their_source: str
) -> list[Row]:
    links = dict(_links(union(data)))
    quotes = fact_quotes(data)
    grouped: dict[tuple[str, str], list[Statement]] = {}
    for s in statements(data):
        linked = links.get(s.subject)
        if linked is not None:
            grouped.setdefault((str(linked), s.prop), []).append(s)
    rows = []
    for item, prop in sorted(set(grouped) | set(theirs)):
        mine = grouped.get((item, prop), [])
        values = theirs.get((item, prop), [])

        def resolved(value: Any) -> Any:
            return links.get(value, value) if isinstance(value, URIRef) else value

        ours_text = "; ".join(_text(resolved(s.value)) for s in mine)
        if mine and prop in AS_OF_SOURCE:
            ours_text += " as of the source (undated; after July 2019)"
        theirs_text = "; ".join(
            v.get("value", "") + (f" as of {v['when'][:10]}" if v.get("when") else "") for v in values
        )
        source = "; ".join(f"{s.fact} “{quotes.get(s.fact, '')}”" for s in mine)
        if not values:
            status = "only ours"
        elif not mine:
            status = "only Wikidata's"
        elif all(any(_same(resolved(s.value), v) for v in values) for s in mine):
            status = "agrees"
        else:
            status = "differs"
        rows.append(Row(item, prop, status, ours_text, theirs_text, source, their_source if values else ""))
    return rows


def fetch(data: Dataset, client: Client) -> dict[str, Any]:
    """Wikidata's values for our linked items and properties, from the Query Service."""
    links = dict(_links(union(data)))
    found = [s for s in statements(data) if s.subject in links]
    items = sorted({str(links[s.subject]) for s in found})
    properties = sorted({s.prop for s in found})
    return client.get_json(client.endpoint, {"query": wikidata_query(items, properties), "format": "json"})


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


def _qs_value(value: Any, links: dict) -> str | None:
    if isinstance(value, URIRef):
        target = links.get(value, value)
        return str(target)[len(str(WD)) :] if str(target).startswith(str(WD)) else None
    if isinstance(value, Time):
        return f"+{value.timestamp}/{value.precision}"
    if isinstance(value, Quantity):
        # "more than 200" has no honest QuickStatements form (no one-sided bound): left out
        return str(value.amount) if value.lower is None else None
    if isinstance(value, Literal) and value.language:
        return f'{value.language}:"{value}"'
    if isinstance(value, Literal):
        return json.dumps(str(value), ensure_ascii=False)
    return None


def quickstatements(data: Dataset, rows: list[Row]) -> str:
    """QuickStatements V1 for the statements Wikidata lacks (``only ours``) on linked items, with
    S854/S1683/S407 references; statements whose value has no Wikidata item are left out."""
    links = dict(_links(union(data)))
    quotes = fact_quotes(data)
    lacking = {(r.item, r.property) for r in rows if r.status == "only ours"}
    lines = []
    for s in statements(data):
        item = links.get(s.subject)
        if item is None or (str(item), s.prop) not in lacking:
            continue
        value = _qs_value(s.value, links)
        if value is None:
            continue
        parts = [str(item)[len(str(WD)) :], s.prop, value]
        for qualifier, qvalue in s.qualifiers:
            rendered = _qs_value(qvalue, links)
            if rendered is not None:
                parts += [qualifier, rendered]
        quote = quotes.get(s.fact, "").replace('"', "'")
        parts += ["S854", f'"{SOURCE_IRI}"', "S1683", f'tr:"{quote}"', "S407", "Q256"]
        lines.append("\t".join(parts))
    return "\n".join(lines) + ("\n" if lines else "")
