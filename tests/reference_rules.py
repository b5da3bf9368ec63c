"""The dataset rules as they were written before validation left rdflib (commit 6de3424): an
oracle. The tests compare what the rules of ``icmpd_kg.validation.rules`` find with what these found, on
every fixture and on mutated real data. Not used by the package."""

from __future__ import annotations

from pathlib import Path
from typing import cast

from rdflib import RDF, Dataset, Graph, Literal, URIRef
from rdflib.term import Node

from icmpd_kg.core.namespaces import ID, IKG, OA, SHAPES, SPDX
from icmpd_kg.core.turkish import fold_case
from icmpd_kg.kg.graph import KnowledgeGraph, default_graph, named_graphs, union
from icmpd_kg.kg.provenance import (
    NAMING_PROPERTIES,
    QuoteMismatch,
    SelectorProblem,
    literal_in_quote,
    read_source,
    sha256_of,
)
from icmpd_kg.validation.rules import PROVENANCE_CLASSES


def check_selectors(graph: Graph, text: str) -> list[SelectorProblem]:
    """Check every selector of every annotation target against the source text.

    Position selectors must cut the same words out of the text as the quote selector beside them
    states; quote selectors must match the text at their position, prefix and suffix included.
    """
    problems: list[SelectorProblem] = []
    for target in sorted(set(graph.objects(None, OA.hasTarget))):
        quotes = [
            s for s in graph.objects(target, OA.hasSelector) if (s, RDF.type, OA.TextQuoteSelector) in graph
        ]
        positions = [
            s
            for s in graph.objects(target, OA.hasSelector)
            if (s, RDF.type, OA.TextPositionSelector) in graph
        ]
        for pos in positions:
            try:
                start = int(cast(Literal, graph.value(pos, OA.start)))
                end = int(cast(Literal, graph.value(pos, OA.end)))
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
                exact = str(graph.value(q, OA.exact) or "")
                if exact != cut:
                    problems.append(
                        SelectorProblem(
                            q, f"quote {exact!r} differs from the source at {start}..{end}: {cut!r}"
                        )
                    )
                    continue
                prefix = graph.value(q, OA.prefix)
                if prefix is not None and not text[:start].endswith(str(prefix)):
                    problems.append(
                        SelectorProblem(q, f"prefix {str(prefix)!r} does not precede offset {start}")
                    )
                suffix = graph.value(q, OA.suffix)
                if suffix is not None and not text[end:].startswith(str(suffix)):
                    problems.append(
                        SelectorProblem(q, f"suffix {str(suffix)!r} does not follow offset {end}")
                    )
    return problems


def fact_quotes(data: Dataset) -> dict[Node, str]:
    """Fact graph -> the exact words of its annotations' quote selectors (joined, if several)."""
    everything = Graph()
    for triple in data.triples((None, None, None)):
        everything.add(triple)
    quotes: dict[Node, str] = {}
    for annotation, body in everything.subject_objects(OA.hasBody):
        for target in everything.objects(annotation, OA.hasTarget):
            for selector in everything.objects(target, OA.hasSelector):
                exact = everything.value(selector, OA.exact)
                if exact is not None and isinstance(body, URIRef):
                    quotes[body] = f"{quotes[body]} … {exact}" if body in quotes else str(exact)
    return quotes


def _names(data: Dataset, facts: dict) -> dict[Node, set[str]]:
    """What the fact graphs name each resource: one pass over the store per naming property (asking
    each fact graph would find the property's triples across all graphs every time)."""
    names: dict[Node, set[str]] = {}
    for prop in NAMING_PROPERTIES:
        for s, _, o, g in data.quads((None, prop, None, None)):
            if g is not None and getattr(g, "identifier", g) in facts:
                names.setdefault(s, set()).add(str(o))
    return names


def check_facts_against_quotes(data: Dataset) -> list[QuoteMismatch]:
    """Every literal a fact graph states is found in its quote, and every resource it is about is
    named there, unless the source names that resource nowhere (a node the editors introduce)."""
    quotes = fact_quotes(data)
    facts = {g.identifier: g for g in data.graphs() if g.identifier in quotes}
    names = _names(data, facts)
    problems: list[QuoteMismatch] = []
    for name in sorted(facts):
        graph, quote = facts[name], quotes[name]
        nodes: set[Node] = set()
        for s, p, o in sorted(graph):
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


def broken_rules(
    kg: KnowledgeGraph, source_file: Path | None
) -> list[tuple[Node, Node | None, URIRef, str | None]]:
    """(focus, value, rule, detail) for each broken dataset rule."""
    data = kg.data
    found: list[tuple[Node, Node | None, URIRef, str | None]] = []
    everything = union(data)
    bodies = set(everything.objects(None, OA.hasBody))
    editorial = set(everything.subjects(RDF.type, IKG.EditorialGraph))
    for name in sorted(named_graphs(data)):
        if name not in bodies and name not in editorial:
            found.append((name, None, SHAPES.GraphHasProvenance, None))
    for body in sorted(bodies):
        if not any(True for _ in data.quads((None, None, None, body))):
            found.append((body, None, SHAPES.FactGraphNotEmpty, None))
    default = default_graph(data)
    for subject in sorted(set(default.subjects())):
        types = set(everything.objects(subject, RDF.type))
        if not types & PROVENANCE_CLASSES:
            predicate = sorted(default.predicates(subject))[0]
            found.append((subject, predicate, SHAPES.DefaultGraphHoldsOnlyProvenance, None))
    if source_file is not None and source_file.is_file():
        digest = sha256_of(source_file)
        for checksum in everything.subjects(RDF.type, SPDX.Checksum):
            recorded = everything.value(checksum, SPDX.checksumValue)
            if recorded is not None and str(recorded).lower() != digest:
                found.append((checksum, recorded, SHAPES.SourceChecksumMatches, f"file has {digest}"))
        text = read_source(source_file)
        for problem in check_selectors(everything, text):
            found.append((problem.focus, None, SHAPES.SelectorMatchesSource, problem.message))
    for mismatch in check_facts_against_quotes(data):
        rule = SHAPES.FactLiteralInQuote if mismatch.is_literal else SHAPES.FactResourceNamedInQuote
        found.append((mismatch.graph, mismatch.value, rule, mismatch.detail))
    return found
