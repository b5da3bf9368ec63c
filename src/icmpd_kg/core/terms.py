"""RDF terms between the two libraries that hold them: Oxigraph's (``pyoxigraph``) and rdflib's,
each literal kept as written (never normalised on the way)."""

from __future__ import annotations

from typing import Any

from rdflib import BNode, Literal, URIRef

from icmpd_kg.core.errors import ProtocolError

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def to_rdflib(term: Any) -> Any:
    """An Oxigraph term (or ``None``) as rdflib's."""
    import pyoxigraph as ox

    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        # as the store writes it, whatever rdflib's process-wide NORMALIZE_LITERALS says
        return Literal(
            term.value, datatype=None if datatype == XSD_STRING else URIRef(datatype), normalize=False
        )
    raise ProtocolError(400, "RDF-star triple terms cannot be returned by this endpoint")


def to_oxigraph(term: Any) -> Any:
    """An rdflib term as Oxigraph's."""
    import pyoxigraph as ox

    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")
