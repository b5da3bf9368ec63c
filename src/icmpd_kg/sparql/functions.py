"""The project's SPARQL extension functions, on both local engines.

rdflib's engine gets them through rdflib's own ``register_custom_function`` (``settings``: the
process-wide registry), so they answer in BIND, FILTER, ORDER BY and every other expression;
Oxigraph's engine through its ``custom_functions`` (``engine.oxigraph_functions``). rdflib-endpoint's
``DatasetExt`` describes them (``register``) for its ``generate_docs``, which writes their
documentation, served at ``/functions``. Use them as ``FILTER(ikgfn:fold(?label) = "isvicre")``.
(rdflib-endpoint 0.6.3 evaluates the functions it registers in BIND only.)
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

from rdflib import URIRef

from icmpd_kg.core.namespaces import IKGFN, IS_SOME_VALUE
from icmpd_kg.core.turkish import fold as turkish_fold
from icmpd_kg.core.turkish import similarity
from icmpd_kg.kg.provenance import TURKISH_MONTHS

if TYPE_CHECKING:
    from rdflib_endpoint.dataset_ext import DatasetExt

ENGLISH_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def fold(text: str) -> str:
    """Fold text for search the way Turkish needs it: İ and I and ı all to i, ğ to g, ş to s, ç to c,
    ö to o, ü to u, lower case, punctuation to single spaces. SPARQL's LCASE is wrong for Turkish
    (LCASE("I") is "i", not "ı"); compare folded strings instead.

    Args:
        text: Any string, such as a label.

    Returns:
        The folded string.

    ```sparql
    PREFIX ikgfn: <https://w3id.org/icmpd-kg/functions#>
    PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
    SELECT ?thing ?label WHERE {
        ?thing rdfs:label ?label .
        FILTER (CONTAINS(ikgfn:fold(?label), "isvicre"))
    }
    ```

    It answers (among its rows):

    ```text
    ?thing = https://w3id.org/icmpd-kg/id/state/switzerland · ?label = İsviçre
    ```
    """
    return turkish_fold(str(text))


def label_similarity(first: str, second: str) -> float:
    """Similarity of two labels between 0 and 1 after Turkish folding: 1 when they fold to the same
    string. Useful to match our labels with Wikidata's in a federated query.

    Args:
        first: A label.
        second: Another label.

    Returns:
        A number between 0 and 1.

    ```sparql
    PREFIX ikgfn: <https://w3id.org/icmpd-kg/functions#>
    SELECT ?score WHERE { BIND (ikgfn:labelSimilarity("Resmî Gazete", "Resmi gazete") AS ?score) }
    ```

    It answers (among its rows):

    ```text
    ?score = 1.0
    ```
    """
    return similarity(str(first), str(second))


def long_date(date: str, lang: str = "tr") -> str:
    """A date written out as the source writes it: "15 Mayıs 2018" in Turkish, "15 May 2018" in
    English; a year-month ("2019-07") gives "Temmuz 2019" / "July 2019".

    Args:
        date: An xsd:date, xsd:gYearMonth or xsd:dateTime value.
        lang: "tr" (the default) or "en".

    Returns:
        The date in words.

    ```sparql
    PREFIX ikgfn: <https://w3id.org/icmpd-kg/functions#>
    PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
    SELECT ?tr ?en WHERE {
        BIND (ikgfn:longDate("2018-05-15"^^xsd:date, "tr") AS ?tr)
        BIND (ikgfn:longDate("2018-05-15"^^xsd:date, "en") AS ?en)
    }
    ```

    It answers (among its rows):

    ```text
    ?tr = 15 Mayıs 2018 · ?en = 15 May 2018
    ```
    """
    months = {"tr": TURKISH_MONTHS, "en": ENGLISH_MONTHS}.get(str(lang).lower().split("-")[0])
    if months is None:
        raise ValueError(f"longDate: language must be tr or en, not {lang!r}")
    text = str(date)[:10]
    parts = text.split("-")
    try:
        year, month = parts[0], int(parts[1])
        name = months[month - 1]
    except (IndexError, ValueError):
        raise ValueError(f"longDate: not a date, year-month or dateTime: {date!r}") from None
    if len(parts) >= 3 and parts[2]:
        return f"{int(parts[2])} {name} {year}"
    return f"{name} {year}"


FUNCTIONS = (fold, label_similarity, long_date)

# The Wikidata Query Service's own test of an unknown value ("somevalue"), as WDQS queries write it:
# ``FILTER(wikibase:isSomeValue(?when))``. Unknown values are skolem IRIs (RFC 7511's
# ``/.well-known/genid/``; the Wikidata view's and Wikidata's) or, in older dumps, blank nodes.


def is_some_value(kind: str, value: str) -> bool:
    """``wikibase:isSomeValue(?x)``: whether ``?x`` (``kind`` iri, blank or literal) is an unknown value."""
    return kind == "blank" or (kind == "iri" and "/.well-known/genid/" in value)


# Each function's IRI: the name rdflib-endpoint's DatasetExt gives it (snake_case to camelCase; a
# test keeps the two equal). Written out so that Oxigraph's engine needs no rdflib-endpoint import.
NAMES = {fold: "fold", label_similarity: "labelSimilarity", long_date: "longDate"}


def iri(func) -> URIRef:
    return IKGFN[NAMES[func]]


def register(dataset: DatasetExt) -> DatasetExt:
    """Describe every project function on ``dataset`` (in the ikgfn: namespace), as rdflib-endpoint
    wants them for its documentation."""
    for func in FUNCTIONS:
        dataset.extension_function(namespace=IKGFN)(func)
    return dataset


def documentation() -> str:
    """Markdown documentation of the functions, generated by rdflib-endpoint."""
    from rdflib_endpoint.dataset_ext import DatasetExt
    from rdflib_endpoint.gen_docs import generate_docs

    return generate_docs(register(DatasetExt())._custom_functions)


def rdflib_functions() -> dict[URIRef, Callable[..., Any]]:
    """The functions for rdflib's engine: the same Python functions, given the terms' lexical
    values; an error is SPARQL's expression error (FILTER false, BIND unbound)."""
    from rdflib import Literal
    from rdflib.plugins.sparql.sparql import SPARQLError

    def adapt(func: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any) -> Any:
            try:
                return Literal(func(*[str(a) for a in args]))
            except Exception as exc:  # noqa: BLE001 - any failure is the expression's error
                raise SPARQLError(f"{iri(func)}: {exc}") from None

        return call

    def some_value(*args: Any) -> Any:
        from rdflib import BNode, URIRef

        if len(args) != 1:
            raise SPARQLError("wikibase:isSomeValue takes one argument")
        [term] = args
        kind = "iri" if isinstance(term, URIRef) else "blank" if isinstance(term, BNode) else "literal"
        return Literal(is_some_value(kind, str(term)))

    return {iri(f): adapt(f) for f in FUNCTIONS} | {IS_SOME_VALUE: some_value}


@cache
def register_with_rdflib() -> None:
    """The functions in rdflib's registry (in BIND, FILTER and everywhere else an expression goes),
    once per process."""
    from icmpd_kg.core import settings

    settings.sparql_functions(rdflib_functions())
