"""Wikidata: a polite HTTP client and reconciliation of unlinked resources.

The client follows Wikimedia's API etiquette: a descriptive User-Agent with contact information,
one request at a time with a minimum interval, retries with exponential backoff on 429 and 5xx
that honour ``Retry-After``, and an on-disk cache so that a rerun asks nothing twice. When the
service cannot be reached it raises ``WikidataUnavailable`` (the command line prints one line).

Reconciliation (``icmpd-kg link wikidata``) searches, for every record of a linkable kind without a
curated link, Wikidata's ``wbsearchentities`` by its Turkish and English labels and acronyms, keeps
the candidates whose type (``wdt:P31/wdt:P279*``, asked of the Query Service) fits the kind and,
for Turkish institutions, laws and gazettes, whose country (``wdt:P17``) is Turkey, scores
them by label similarity, and writes the suggestions as an SSSOM table
(``semapv:LexicalMatching``, the score as confidence) for the editors to review. It never writes
to the curated table.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager as ContextManager
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import httpx
from rdflib import OWL, RDF, RDFS, SKOS, Graph, Literal, URIRef

from icmpd_kg import __version__
from icmpd_kg.core.atomic import write_file_atomically
from icmpd_kg.core.errors import WikidataUnavailable
from icmpd_kg.core.namespaces import ID, IKG
from icmpd_kg.core.turkish import similarity

log = logging.getLogger(__name__)

API = "https://www.wikidata.org/w/api.php"
ENDPOINT = "https://query.wikidata.org/sparql"
ENTITY = "http://www.wikidata.org/entity/"
USER_AGENT = (
    f"icmpd-kg/{__version__} (https://w3id.org/icmpd-kg/; linked-data reconciliation of a "
    "knowledge graph about ICMPD) httpx"
)
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass
class Client:
    """A polite client of the Wikidata API and Query Service (or stand-ins at other addresses)."""

    api: str = API
    endpoint: str = ENDPOINT
    cache_dir: Path | None = None
    min_interval: float = 1.0
    retries: int = 4
    backoff: float = 1.0
    timeout: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    requests_made: int = 0
    _last: float = field(default=0.0, repr=False)
    _http: httpx.Client | None = field(default=None, repr=False)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections kept open to the services."""
        if self._http is not None:
            self._http.close()
            self._http = None

    def _connections(self) -> httpx.Client:
        """One connection pool for every request (kept alive between them): a new connection and
        TLS set-up per request cost the service and this process alike."""
        if self._http is None:
            self._http = httpx.Client(timeout=self.timeout)
        return self._http

    def _cache_file(self, url: str, params: dict[str, str]) -> Path | None:
        if self.cache_dir is None:
            return None
        key = hashlib.sha256(json.dumps([url, sorted(params.items())]).encode("utf-8")).hexdigest()
        return self.cache_dir / f"{key}.json"

    def get_json(self, url: str, params: dict[str, str]) -> Any:
        cached = self._cache_file(url, params)
        if cached is not None and cached.is_file():
            return json.loads(cached.read_text(encoding="utf-8"))
        data = self._fetch(url, params)
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            write_file_atomically(cached, json.dumps(data, ensure_ascii=False).encode("utf-8"))
        return data

    def _wait_turn(self) -> None:
        wait = self._last + self.min_interval - time.monotonic()
        if wait > 0:
            self.sleep(wait)
        self._last = time.monotonic()

    def _fetch(self, url: str, params: dict[str, str]) -> Any:
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json, application/sparql-results+json"}
        for attempt in range(self.retries + 1):
            self._wait_turn()
            self.requests_made += 1
            try:
                response = self._connections().get(url, params=params, headers=headers)
            except httpx.HTTPError as exc:
                # A refused connection means nothing listens there: one more try, not the full backoff.
                if attempt == self.retries or (isinstance(exc, httpx.ConnectError) and attempt >= 1):
                    raise WikidataUnavailable(
                        f"cannot reach {url}: {exc} (are you offline? use --api/--endpoint "
                        "to point at another service)"
                    ) from None
                self.sleep(self.backoff * 2**attempt)
                continue
            if response.status_code in RETRY_STATUSES and attempt < self.retries:
                delay = retry_after(response.headers.get("retry-after")) or self.backoff * 2**attempt
                log.info("%s answered %s; retrying in %.1f s", url, response.status_code, delay)
                self.sleep(delay)
                continue
            if response.status_code != 200:
                raise WikidataUnavailable(f"{url} answered {response.status_code}: {response.text[:200]}")
            try:
                return response.json()
            except ValueError:
                raise WikidataUnavailable(f"{url} did not answer JSON: {response.text[:200]!r}") from None
        raise WikidataUnavailable(f"{url} kept failing after {self.retries + 1} attempts")

    def search(self, text: str, language: str) -> list[dict[str, Any]]:
        """``wbsearchentities``: items whose label or alias matches ``text`` in ``language``."""
        data = self.get_json(
            self.api,
            {
                "action": "wbsearchentities",
                "search": text,
                "language": language,
                "uselang": language,
                "type": "item",
                "limit": "10",
                "format": "json",
            },
        )
        if "error" in data:
            raise WikidataUnavailable(f"{self.api}: {data['error'].get('info', data['error'])}")
        return list(data.get("search", []))

    def in_country(self, item: str, country: str) -> bool:
        """Whether ``item``'s country (``wdt:P17``) is ``country``."""
        query = (
            "PREFIX wd: <http://www.wikidata.org/entity/> PREFIX wdt: <http://www.wikidata.org/prop/direct/> "
            f"ASK {{ wd:{item} wdt:P17 wd:{country} }}"
        )
        return bool(self.get_json(self.endpoint, {"query": query, "format": "json"}).get("boolean"))

    def is_instance_of(self, item: str, classes: list[str]) -> bool:
        """Whether ``item`` is an instance of one of ``classes`` along ``wdt:P31/wdt:P279*``."""
        values = " ".join(f"wd:{c}" for c in classes)
        query = (
            "PREFIX wd: <http://www.wikidata.org/entity/> PREFIX wdt: <http://www.wikidata.org/prop/direct/> "
            f"ASK {{ VALUES ?class {{ {values} }} wd:{item} wdt:P31/wdt:P279* ?class }}"
        )
        data = self.get_json(self.endpoint, {"query": query, "format": "json"})
        return bool(data.get("boolean"))


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date (RFC 9110)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


# Kinds of record and the Wikidata classes their items must be instances of: taken from the
# curated class links (data/mappings/wikidata.sssom.tsv), never written here.
KIND_CLASSES = {"project": IKG.Project, "law": IKG.Law, "organisation": IKG.IntergovernmentalOrganisation}
LINKABLE_KINDS = ("organisation", "state", "place", "concept/region", "project", "law", "gazette", "unit")


@dataclass(frozen=True)
class Suggestion:
    subject: str
    subject_label: str
    item: str
    item_label: str
    score: float


def unlinked(merged: Graph) -> list[tuple[URIRef, list[str]]]:
    """Records of linkable kinds without a Wikidata link, with the names to search them by."""
    out = []
    for kind in LINKABLE_KINDS:
        prefix = f"{ID}{kind}/"
        for s in sorted(
            {
                s
                for s in merged.subjects(RDFS.label)
                if isinstance(s, URIRef) and str(s).startswith(prefix) and "#" not in str(s)
            }
        ):
            if any(
                str(o).startswith(ENTITY) for p in (OWL.sameAs, SKOS.exactMatch) for o in merged.objects(s, p)
            ):
                continue
            names = [
                str(o)
                for p in (RDFS.label, SKOS.altLabel, IKG.acronym)
                for o in sorted(merged.objects(s, p))
                if isinstance(o, Literal)
            ]
            out.append((s, names))
    return out


def _language(name: str, merged: Graph, subject: URIRef) -> str:
    for p in (RDFS.label, SKOS.altLabel):
        for o in merged.objects(subject, p):
            if isinstance(o, Literal) and str(o) == name and o.language:
                return o.language.split("-")[0]
    return "tr"


def class_items(merged: Graph) -> dict[str, list[str]]:
    """Kind → the Wikidata items of its class, from the curated class links."""
    out: dict[str, list[str]] = {}
    for kind, cls in KIND_CLASSES.items():
        items = [
            str(o)[len(ENTITY) :] for o in merged.objects(cls, SKOS.exactMatch) if str(o).startswith(ENTITY)
        ]
        if items:
            out[kind] = items
    return out


def reconcile(
    merged: Graph,
    client: Client,
    threshold: float = 0.6,
    progress: Callable[[list], ContextManager[Iterable]] | None = None,
) -> list[Suggestion]:
    """Candidates for every unlinked record, best first per record, above ``threshold``.
    ``progress`` wraps the list of records (``click.progressbar`` on the command line)."""
    classes = class_items(merged)
    turkey = next(
        (
            str(o)[len(ENTITY) :]
            for o in merged.objects(ID["state/turkey"], OWL.sameAs)
            if str(o).startswith(ENTITY)
        ),
        None,
    )
    todo = unlinked(merged)
    suggestions: list[Suggestion] = []
    with progress(todo) if progress else contextlib.nullcontext(todo) as records:
        for subject, names in records:
            kind = str(subject)[len(str(ID)) :].rsplit("/", 1)[0]
            best: dict[str, Suggestion] = {}
            for name in names:
                for language in sorted({_language(name, merged, subject), "en"}):
                    for hit in client.search(name, language):
                        item, label = str(hit.get("id", "")), str(hit.get("label", ""))
                        if not item.startswith("Q"):
                            continue
                        score = max(
                            similarity(name, label),
                            max((similarity(name, a) for a in hit.get("aliases", []) or []), default=0.0),
                        )
                        if score < threshold or (item in best and best[item].score >= score):
                            continue
                        best[item] = Suggestion(str(subject), name, item, label, round(score, 3))
            for item in sorted(best, key=lambda i: (-best[i].score, i)):
                if kind in classes and not client.is_instance_of(item, classes[kind]):
                    continue
                # Turkish institutions, laws and gazettes: the item's country must be Turkey.
                national = kind in ("law", "gazette") or (subject, RDF.type, IKG.PublicInstitution) in merged
                if national and turkey is not None and not client.in_country(item, turkey):
                    continue
                suggestions.append(best[item])
    return suggestions


def suggestions_table(suggestions: list[Suggestion], date: str) -> str:
    """The suggestions as an SSSOM table for review (written and checked by the ``sssom`` library)."""
    import io

    from icmpd_kg.core.errors import require

    what = "Writing the SSSOM table of suggestions"
    pd = require("pandas", "wikidata", what)
    Converter = require("curies", "wikidata", what).Converter  # noqa: N806 - a class
    MappingSetDataFrame = require("sssom.util", "wikidata", what).MappingSetDataFrame  # noqa: N806
    write_table = require("sssom.writers", "wikidata", what).write_table

    prefixes = {
        "icmpdkg": str(ID),
        "wd": ENTITY,
        "skos": str(SKOS),
        "semapv": "https://w3id.org/semapv/vocab/",
        "agent": f"{ID}agent/",
    }
    rows = [
        {
            "subject_id": "icmpdkg:" + s.subject[len(str(ID)) :],
            "subject_label": s.subject_label,
            "predicate_id": "skos:exactMatch",
            "object_id": "wd:" + s.item,
            "object_label": s.item_label,
            "mapping_justification": "semapv:LexicalMatching",
            "confidence": s.score,
            "mapping_tool": f"icmpd-kg link wikidata {__version__}",
            "mapping_date": date,
        }
        for s in suggestions
    ]
    columns = [
        "subject_id",
        "subject_label",
        "predicate_id",
        "object_id",
        "object_label",
        "mapping_justification",
        "confidence",
        "mapping_tool",
        "mapping_date",
    ]
    metadata = {
        "mapping_set_id": "https://w3id.org/icmpd-kg/mappings/wikidata-suggestions",
        "license": "https://creativecommons.org/licenses/by/4.0/",
        "mapping_set_description": "Candidate Wikidata items for icmpd-kg records without a curated link, "
        "found by label search and type filtering; to be reviewed, not used.",
    }
    msdf = MappingSetDataFrame(
        df=pd.DataFrame(rows, columns=columns),
        converter=Converter.from_prefix_map(prefixes),
        metadata=metadata,
    )
    out = io.StringIO()
    write_table(msdf, out)
    return out.getvalue()


def load_merged() -> Graph:
    """The curated data, links included, as one graph to reconcile."""
    from icmpd_kg.kg.graph import KnowledgeGraph

    return KnowledgeGraph.load().union
