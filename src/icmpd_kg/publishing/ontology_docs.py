"""The ontology's HTML documentation, by pyLODE, one language at a time.

pyLODE prints every label and definition it finds, so a bilingual ontology comes out with the two
languages run together ("statedevlet"). The page is made from a copy of the ontology that keeps
only the literals in the chosen language (and untagged ones), with each term's CURIE added to its
label so that readers see the name they will write in SPARQL.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from rdflib import RDFS, Graph, Literal, URIRef

from icmpd_kg.core.distfiles import ONTOLOGY_LANGUAGES, ONTOLOGY_NAME, ontology_page
from icmpd_kg.core.namespaces import IKG, bind_prefixes

OTHER_LANGUAGE_LINK = {"en": ("tr", "Türkçe"), "tr": ("en", "English")}


def one_language(ontology: Graph, lang: str) -> Graph:
    """``ontology`` with the literals of other languages left out and CURIEs added to our labels."""
    # only the project's prefixes: pyLODE tries every bound prefix on every term of the ontology
    view = bind_prefixes(Graph(bind_namespaces="none"))
    namespace = str(IKG._NS)
    for s, p, o in ontology:
        if isinstance(o, Literal) and o.language and o.language.split("-")[0] != lang:
            continue
        if (
            p == RDFS.label
            and isinstance(s, URIRef)
            and str(s).startswith(namespace)
            and isinstance(o, Literal)
        ):
            o = Literal(f"{o} (ikg:{str(s)[len(namespace) :]})", lang=o.language)
        view.add((s, p, o))
    return view


def write_pages(dist: Path) -> None:
    """The pages of every language into ``dist`` (at build time: pyLODE takes a second a page)."""
    for lang in ONTOLOGY_LANGUAGES:
        target = Path(dist) / ontology_page(lang)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(ontology_html(Path(dist) / ONTOLOGY_NAME, lang), encoding="utf-8")


def ontology_html(ontology_file: Path, lang: str) -> str:
    if lang not in ONTOLOGY_LANGUAGES:
        available = ", ".join(ONTOLOGY_LANGUAGES)
        raise ValueError(f"no ontology documentation in {lang!r} (available: {available})")
    return _page(Path(ontology_file).read_bytes(), lang)


@functools.lru_cache(maxsize=len(ONTOLOGY_LANGUAGES))
def _page(ontology: bytes, lang: str) -> str:
    """One page, made once per process for one text of the ontology: pyLODE takes a second a page
    (it reads its background ontologies again for each), and a process that builds twice, as the
    tests do, gets the same page for the same ontology."""
    from icmpd_kg.core import settings
    from icmpd_kg.core.errors import require

    # pyLODE's import sets the root logger to DEBUG with a handler, and its module-level
    # logging.info() while it makes a page gives the root logger a handler where it has none
    with settings.root_logging_kept():
        OntPub = require("pylode", "build", "The ontology's documentation").OntPub  # noqa: N806 - pyLODE's class
        page = OntPub(ontology=one_language(Graph().parse(data=ontology, format="turtle"), lang)).make_html()
    other, name = OTHER_LANGUAGE_LINK[lang]
    switch = (
        f'<p class="language-switch"><a href="/">icmpd-kg</a> · <a href="/sparql">SPARQL</a> · '
        f'<a href="?lang={other}" hreflang="{other}" lang="{other}">{name}</a></p>'
    )
    page = page.replace("<html>", f'<html lang="{lang}">', 1).replace("<body>", f"<body>\n{switch}", 1)
    return anchor_every_term(page)


# pyLODE names a term's section by the term's local name, or, where the term's label is not its
# local name, by "label(ikg:LocalName)": a hash IRI (…/ontology#Project) then found no anchor.
_LABELLED_SECTION = re.compile(r'<[A-Za-z][A-Za-z0-9]*\b[^>]*?\bid="[^"]*\(ikg:([A-Za-z0-9_]+)\)"')


def anchor_every_term(page: str) -> str:
    """The page with an anchor named by each term's local name before its section, where pyLODE gave
    it none: every term IRI of the ontology lands on its definition."""
    present = set(re.findall(r'\bid="([^"]+)"', page))

    def anchored(match: re.Match) -> str:
        name = match.group(1)
        if name in present:
            return match.group(0)
        present.add(name)
        return f'<span id="{name}"></span>' + match.group(0)

    return _LABELLED_SECTION.sub(anchored, page)
