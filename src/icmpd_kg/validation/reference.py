"""The reference engine: pySHACL, as the project runs it (no inference, SHACL Core and
SHACL-SPARQL, each constraint's query prepared once), its report read as findings; and the shapes
checked against SHACL-SHACL."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, cast

from rdflib import RDF, Graph, Literal, URIRef
from rdflib.plugins.sparql.processor import SPARQLProcessor
from rdflib.term import Node

from icmpd_kg.core import settings
from icmpd_kg.core.errors import IcmpdKgError
from icmpd_kg.core.namespaces import SH
from icmpd_kg.validation.native import Finding, result_path
from icmpd_kg.validation.report import named_shape


def template_regex(template: str) -> re.Pattern:
    parts = re.split(r"\{[?$]\w+\}", template)
    return re.compile(".*?".join(re.escape(p) for p in parts), re.DOTALL)


def _result_messages(report: Graph, result: Node, shapes: Graph, shape: Node | None) -> dict[str | None, str]:
    """The result's messages by language. pyshacl fills SHACL-SPARQL message templates as plain
    strings, dropping the language tag; it is recovered from the template each one matches, and
    put back on the report graph."""
    messages: dict[str | None, str] = {}
    templates = [m for m in shapes.objects(shape, SH.message) if isinstance(m, Literal)] if shape else []
    for m in list(report.objects(result, SH.resultMessage)):
        lang = m.language if isinstance(m, Literal) else None
        if lang is None:
            lang = next((t.language for t in templates if template_regex(str(t)).fullmatch(str(m))), None)
            if lang is not None:
                report.remove((result, SH.resultMessage, m))
                report.add((result, SH.resultMessage, Literal(str(m), lang=lang)))
        messages[lang] = str(m)
    return messages


@lru_cache(maxsize=256)
def _translated(text: str, base: str | None, namespaces: tuple[tuple[str, str], ...]) -> Any:
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery

    return translateQuery(parseQuery(text), base, dict(namespaces))


class PreparingProcessor(SPARQLProcessor):
    """rdflib's SPARQL processor, analysing each distinct query text once. pySHACL hands a
    SHACL-SPARQL constraint to rdflib as text once per focus node, and rdflib parses it again every
    time: with the constraint's PREFIX lines about 40 ms, three quarters of the whole validation.
    A prepared query evaluated with other bindings is what rdflib's ``prepareQuery`` is for."""

    def query(  # type: ignore[override]
        self,
        strOrQuery: Any,  # noqa: N803 - rdflib's parameter names
        initBindings: Any = None,  # noqa: N803
        initNs: Any = None,  # noqa: N803
        base: str | None = None,
        DEBUG: bool = False,  # noqa: N803
    ) -> Any:
        if isinstance(strOrQuery, str):
            strOrQuery = _translated(strOrQuery, base, tuple(sorted((initNs or {}).items())))
        return super().query(strOrQuery, initBindings or {}, initNs, base, DEBUG)


def prepared_sparql():
    """rdflib's default SPARQL processor is ``PreparingProcessor`` while this lasts (pySHACL offers no
    way to pass one); the two answer alike, so other code running meanwhile is not affected. Every
    rdflib setting pySHACL changes meanwhile (it sets ``NORMALIZE_LITERALS`` back to True) is restored."""
    return settings.sparql_processor(__name__, "PreparingProcessor")


def run_shacl(data: Graph, shapes: Graph | str) -> tuple[bool, Graph, str]:
    """pySHACL as the project runs it: no inference; SHACL Core and SHACL-SPARQL (both SHACL
    itself), without the Advanced Features (rules, functions, custom targets: the shapes use none,
    and pySHACL's ``advanced`` mode costs a fifth more time); each constraint's query prepared once.
    Returns (conforms, report graph, report text)."""
    import pyshacl

    with prepared_sparql():
        conforms, report, text = pyshacl.validate(
            data_graph=data, shacl_graph=shapes, inference="none", advanced=False, allow_warnings=False
        )
    if not isinstance(report, Graph):
        raise IcmpdKgError(f"the shapes cannot be applied: {report}")
    return bool(conforms), report, str(text)


def pyshacl_findings(data: Graph, shapes: Graph) -> list[Finding]:
    """The reference engine: pySHACL's report, as findings. pySHACL fills SHACL-SPARQL message
    templates as plain strings; their language is recovered from the template each one matches."""
    _, report, _ = run_shacl(data, shapes)
    report_node = next(report.subjects(RDF.type, SH.ValidationReport))
    found = []
    # Only the report's own results: sh:detail nests the results behind an sh:node failure.
    for r in report.objects(report_node, SH.result):
        shape = cast(Node, report.value(r, SH.sourceShape))
        found.append(
            Finding(
                focus=cast(Node, report.value(r, SH.focusNode)),
                path=result_path(report.value(r, SH.resultPath), shapes.value(shape, SH.path)),
                value=report.value(r, SH.value),
                shape=shape,
                messages=tuple(
                    Literal(text, lang=lang)
                    for lang, text in _result_messages(report, r, shapes, named_shape(shapes, shape)).items()
                ),
                severity=cast(URIRef, report.value(r, SH.resultSeverity)) or SH.Violation,
                component=cast(URIRef, report.value(r, SH.sourceConstraintComponent)),
                constraint=report.value(r, SH.sourceConstraint),
            )
        )
    return found


def meta_validate_shapes(shapes: Graph) -> tuple[bool, str]:
    """Check the shapes graph against SHACL-SHACL, the W3C shapes for shapes (bundled by pyshacl)."""
    from pyshacl.entrypoints import meta_validate

    conforms, _, text = meta_validate(shapes)
    return bool(conforms), text
