"""The stores a query runs on, behind one protocol (``Backend``): Oxigraph's native engine over an
on-disk store, rdflib's engine over the dump in memory, and another SPARQL server over HTTP; and the
store specification (``StoreSpec``) the command line and the server name them by.
"""

from __future__ import annotations

import time
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from rdflib import Dataset, Literal, URIRef, Variable
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID, Graph

from icmpd_kg.core import settings
from icmpd_kg.core.errors import ProtocolError
from icmpd_kg.core.namespaces import QUERY_PREFIXES
from icmpd_kg.core.terms import to_oxigraph, to_rdflib
from icmpd_kg.sparql.query_text import (
    USER_AGENT,
    Scan,
    _oxigraph_syntax_message,
    _syntax_message,
    prefix_lines,
    tokens,
)
from icmpd_kg.sparql.results import Answer, answer_from_json, capped
from icmpd_kg.store.spec import StoreSpec


class Backend(Protocol):
    """A store's SPARQL engine. ``evaluate`` gets the text to run (SERVICE patterns already answered)
    and the scan of the query as written (its form, prologue and FROM clauses)."""

    name: str

    def evaluate(
        self,
        text: str,
        scanned: Scan,
        default_graphs: list[str],
        named_graphs: list[str],
        limit: int,
        deadline: float,
        base: str | None = None,
        native: bool = False,
    ) -> Answer: ...

    def update(self, text: str, base: str | None = None) -> None: ...

    def close(self) -> None: ...


def oxigraph_functions() -> dict[Any, Any]:
    """The project's extension functions (``icmpd_kg.sparql.functions``) for Oxigraph's engine: the same
    Python functions, given the terms' lexical values; an error leaves the result unbound."""
    import pyoxigraph as ox

    from icmpd_kg.core.namespaces import IS_SOME_VALUE
    from icmpd_kg.sparql.functions import FUNCTIONS, iri, is_some_value

    def adapt(func):
        def call(*args):
            try:
                value = func(*[a.value for a in args])
            except Exception:  # noqa: BLE001 - a SPARQL expression error: the result is unbound
                return None
            return to_oxigraph(Literal(value))

        return call

    def some_value(*args):
        if len(args) != 1:
            return None
        [term] = args
        kind = (
            "iri"
            if isinstance(term, ox.NamedNode)
            else "blank"
            if isinstance(term, ox.BlankNode)
            else "literal"
        )
        return to_oxigraph(Literal(is_some_value(kind, term.value)))

    return {ox.NamedNode(str(iri(f))): adapt(f) for f in FUNCTIONS} | {
        ox.NamedNode(str(IS_SOME_VALUE)): some_value
    }


def query_constant_forms(scanned: Scan) -> tuple[dict[Any, Any], frozenset[str]]:
    """The typed literals the query writes that Oxigraph changes (it keeps ``"-3"^^xsd:negativeInteger``
    as ``-3``, an xsd:integer, in a query's constants as in the data): the store's form -> the form
    written; and the variables given such a value by the query itself (``VALUES``, ``BIND(literal
    AS ?v)``, ``(literal AS ?v)``), whose answers are mended with them."""
    toks = scanned.tokens
    if not any(t.value == "^" for t in toks):
        return {}, frozenset()
    import pyoxigraph as ox

    from icmpd_kg.sparql.query_text import _resolve
    from icmpd_kg.store.oxigraph import LiteralForms

    probe = LiteralForms()
    found: dict[Any, Any] = {}
    literal_ends: set[int] = set()
    for i in range(len(toks) - 3):
        string, hat1, hat2, datatype = toks[i : i + 4]
        if not (
            string.kind == "string" and hat1.value == hat2.value == "^" and datatype.kind in ("iri", "pname")
        ):
            continue
        quote = 3 if string.value[:3] in ('"""', "'''") else 1
        lexical = string.value[quote:-quote]
        if "\\" in lexical:  # an escaped form: left as Oxigraph gives it
            continue
        try:
            iri = _resolve(datatype, scanned.prefixes, scanned.base)
        except ProtocolError:
            continue
        if iri is None:
            continue
        written = ox.Literal(lexical, datatype=ox.NamedNode(iri))
        try:
            stored = probe.stored_form(written)
        except (ValueError, TypeError):
            continue
        if stored != written:
            found.setdefault(stored, written)
            literal_ends.add(i + 3)
    from icmpd_kg.sparql.query_text import assigned_variables

    return found, assigned_variables(toks, lambda i: i - 1 in literal_ends)


def without_merge(text: str, scanned: Scan) -> str | None:
    """``text`` with a filter after each ``GRAPH ?g { … }``, ``FILTER(?g != <merge>)``: the store's
    merge of its graphs (``store.UNION_GRAPH``) is no graph of the data. The filter stands in the
    group that holds the pattern, where ``?g`` is bound in every solution (the pattern binds it), so
    it refuses exactly the merge's; Oxigraph still plans the group as one (a group of its own
    around the pattern kept it from starting at the pattern: 600 ms instead of 1 ms). A pattern
    that names the merge itself (``GRAPH <urn:x-icmpd-kg:…>``) is made to name no graph. None when
    a ``GRAPH ?g`` holds a sub-select: Oxigraph binds no ``?g`` around one (pyoxigraph 0.5), so no
    filter on ``?g`` can tell the merge's solutions from the others there (the W3C tests subquery01,
    03, 04 and 05 found it)."""
    from icmpd_kg.sparql.query_text import _resolve
    from icmpd_kg.store.oxigraph import UNION_GRAPH

    toks = tokens(text)
    inserts: list[tuple[int, str]] = []
    for i, tok in enumerate(toks[:-2]):
        if not (tok.kind == "word" and tok.value.upper() == "GRAPH"):
            continue
        name = toks[i + 1]
        if name.kind in ("iri", "pname") and _resolve(name, scanned.prefixes, scanned.base) == UNION_GRAPH:
            at = name.end - 1 if name.kind == "iri" else name.end  # inside <…>, or after a local name
            inserts.append((at, "-is-no-graph-of-the-data"))  # a name no graph has
            continue
        if name.kind != "var" or toks[i + 2].kind != "open":
            continue
        depth = 0
        for close in toks[i + 2 :]:
            depth += {"open": 1, "close": -1}.get(close.kind, 0)
            if close.kind == "word" and close.value.upper() == "SELECT":
                return None
            if depth == 0:
                inserts.append((close.end, f" FILTER({toks[i + 1].value} != <{UNION_GRAPH}>)"))
                break
    for at, piece in sorted(inserts, reverse=True):
        text = text[:at] + piece + text[at:]
    return text


class OxigraphBackend:
    """Oxigraph's native SPARQL engine over an on-disk store (read-only) or an in-memory one.

    ``default_graph`` is ``union`` (the merge of all graphs, which the store keeps: see
    ``store.py``) or ``stored`` (the standard's dataset: the default graph as stored). Literals are
    answered as they were written (``store.LiteralForms``)."""

    name = "oxigraph"

    def __init__(
        self,
        store: Any,
        default_graph: str = "union",
        written: dict[Any, Any] | None = None,
        directory: Path | None = None,
    ):
        import pyoxigraph as ox

        from icmpd_kg.store.oxigraph import UNION_GRAPH

        self.store = store
        self.default_graph = default_graph
        self._use_forms(written or {})
        self.directory = directory
        self.functions = oxigraph_functions()
        self._merge = ox.NamedNode(UNION_GRAPH)
        self._merged = store.contains_named_graph(self._merge)
        if default_graph == "union" and not self._merged and any(True for _ in store.named_graphs()):
            raise ValueError("this store keeps no union of its graphs: open it with default_graph='stored'")

    @classmethod
    def open(
        cls, directory: Path, read_only: bool = True, default_graph: str | None = None
    ) -> OxigraphBackend:
        import pyoxigraph as ox

        from icmpd_kg.core.errors import InputFileError
        from icmpd_kg.store.oxigraph import is_store

        if not is_store(directory):
            raise InputFileError(
                directory, "no Oxigraph store here; run 'icmpd-kg build' or 'icmpd-kg load' first"
            )
        from icmpd_kg.store.oxigraph import LiteralForms, default_graph_mode, require_default_graph

        mode = default_graph or default_graph_mode(Path(directory))
        require_default_graph(Path(directory), mode)
        store = ox.Store.read_only(str(directory)) if read_only else ox.Store(str(directory))
        return cls(store, mode, LiteralForms.read(Path(directory)).written(), Path(directory))

    def _dataset(
        self, text: str, default_graphs: list[str], named_graphs: list[str], scanned: Scan
    ) -> tuple[str, dict]:
        """The text to run and the dataset to run it on. The store's own merge is left out of
        ``GRAPH ?g``: each such pattern is given a filter that refuses it (``without_merge``), not a
        list of every other graph, which Oxigraph would then read graph by graph (a query for the
        fact graph that states something took 0.5 s with the 9,383 graphs of 10^6 triples, 3 ms
        with the filter)."""
        import pyoxigraph as ox

        if default_graphs or named_graphs:  # the protocol's parameters win over FROM / FROM NAMED
            return text, {
                "default_graph": [ox.NamedNode(u) for u in default_graphs],
                "named_graphs": [ox.NamedNode(u) for u in named_graphs],
            }
        if scanned.has_dataset_clause or not self._merged:  # FROM / FROM NAMED name graphs of this store
            return text, {}
        default = self._merge if self.default_graph == "union" else ox.DefaultGraph()
        if not scanned.uses_graph:
            return text, {"default_graph": [default]}
        filtered = without_merge(text, scanned)
        if filtered is None:  # the slow, correct way: every named graph but the merge, listed
            graphs = [g for g in self.store.named_graphs() if g != self._merge]
            return text, {"default_graph": [default], "named_graphs": graphs}
        return filtered, {"default_graph": [default]}

    def _use_forms(self, written: dict[Any, Any]) -> None:
        """``written``: the store's form of a literal -> the literal as written (Oxigraph terms)."""
        self.written = written
        # for values the query computes, only the forms that keep their datatype: a computed 1 may
        # be written "1.0" where the data writes it so, never the data's "1"^^xsd:positiveInteger
        self.written_lexically = {k: v for k, v in written.items() if v.datatype == k.datatype}

    def evaluate(
        self,
        text: str,
        scanned: Scan,
        default_graphs: list[str],
        named_graphs: list[str],
        limit: int,
        deadline: float,
        base: str | None = None,
        native: bool = False,
    ) -> Answer:
        """The answer, its literals in their written forms; with ``native``, in Oxigraph's terms."""
        import pyoxigraph as ox

        try:
            run, dataset = self._dataset(text, default_graphs, named_graphs, scanned)
            result = self.store.query(
                run,
                base_iri=base,
                prefixes=scanned.predeclared,
                custom_functions=self.functions if scanned.calls_functions else None,
                **dataset,
            )
            if isinstance(result, ox.QueryBoolean):
                return Answer("ASK", boolean=bool(result))
            forms = self.written
            if isinstance(result, ox.QuerySolutions):
                variables = [v.value for v in result.variables]
                solutions, truncated = capped(result, limit)
                constants, given = query_constant_forms(scanned)
                if forms or constants:
                    # a value the query computed is answered as Oxigraph gives it (COUNT's 1 is no
                    # written "1"^^xsd:positiveInteger); one matched in the data, as it was written;
                    # one the query itself wrote (VALUES, BIND of a literal), as the query wrote it
                    mine = {**self.written_lexically, **constants}
                    each = [
                        (mine if v in given else self.written_lexically) if v in scanned.computed else forms
                        for v in variables
                    ]
                    rows = [tuple(f.get(t, t) for f, t in zip(each, s, strict=True)) for s in solutions]
                else:
                    rows = [tuple(s) for s in solutions]
                if not native:
                    rows = [tuple(map(to_rdflib, row)) for row in rows]
                return Answer("SELECT", variables, rows, truncated=truncated, native=native)
            found, truncated = capped(result, limit)
            convert = (lambda t: t) if native else to_rdflib
            triples = [
                (convert(t.subject), convert(t.predicate), convert(forms.get(t.object, t.object)))
                for t in found
            ]
            return Answer(scanned.form or "CONSTRUCT", triples=triples, truncated=truncated, native=native)
        except SyntaxError as exc:
            raise ProtocolError(400, _oxigraph_syntax_message(str(exc), text)) from None
        except (ValueError, TypeError) as exc:
            raise ProtocolError(400, f"SPARQL evaluation failed: {exc}") from None
        except RuntimeError as exc:
            if "custom function" in str(exc) and "is not supported" in str(exc):
                raise ProtocolError(400, f"SPARQL error: unknown function: {exc}") from None
            raise

    def update(self, text: str, base: str | None = None) -> None:
        from icmpd_kg.store.oxigraph import after_update

        keeps_union = self._merged or self.default_graph == "union"
        if self._merged:  # the update sees the graphs as stored; the merge is made again after it
            self.store.remove_graph(self._merge)
        try:
            self.store.update(text, base_iri=base, prefixes=QUERY_PREFIXES, custom_functions=self.functions)
        except SyntaxError as exc:
            raise ProtocolError(400, _oxigraph_syntax_message(str(exc), text, "SPARQL Update")) from None
        except (ValueError, TypeError) as exc:
            raise ProtocolError(400, f"SPARQL Update failed: {exc}") from None
        finally:
            forms = after_update(self.directory, self.store, "union" if keeps_union else "stored")
            self._merged = keeps_union
            if forms is not None:
                self._use_forms(forms.written())
        self.store.flush()

    def close(self) -> None:
        self.store = None


def _values_keep_their_variables(tree: Any) -> None:
    """rdflib gives a ``VALUES`` block no variables (``_vars`` empty), and its OPTIONAL then drops
    every row whose optional part matches for some other value (RDFLib/rdflib#2332: ``VALUES ?x
    { … } OPTIONAL { ?x rdfs:label ?l }`` answers nothing). The block's variables are set here."""
    from rdflib.plugins.sparql.algebra import traverse
    from rdflib.plugins.sparql.parserutils import CompValue

    def visit(node: Any) -> None:
        if isinstance(node, CompValue) and node.name == "ToMultiSet":
            inner = node.get("p")
            if isinstance(inner, CompValue) and inner.name == "values":
                names = {v for row in inner.get("res") or [] for v in row}
                node._vars = set(node.get("_vars") or set()) | names
                inner._vars = set(inner.get("_vars") or set()) | names

    traverse(tree, visitPost=visit)


class RdflibBackend:
    """rdflib's SPARQL engine over an rdflib ``Dataset`` in memory (the project's functions registered).
    ``default_graph``: ``union`` (rdflib's union of all graphs, a set) or ``stored``."""

    name = "memory"

    def __init__(self, data: Dataset, default_graph: str = "union"):
        from icmpd_kg.sparql.functions import register_with_rdflib

        register_with_rdflib()  # whatever the dataset, the functions answer
        self.data = data
        self.data.default_union = default_graph == "union"
        self._view: Dataset | None = None

    @staticmethod
    @lru_cache(maxsize=256)
    def _translated(text: str, base: str | None = None) -> Any:
        from pyparsing import ParseException
        from rdflib.plugins.sparql.algebra import translateQuery
        from rdflib.plugins.sparql.parser import parseQuery

        try:
            query = translateQuery(parseQuery(text), base=base, initNs=QUERY_PREFIXES)
        except ParseException as exc:
            raise ProtocolError(400, _syntax_message(exc)) from None
        except Exception as exc:  # noqa: BLE001 - rdflib raises plain Exceptions for bad queries
            raise ProtocolError(400, f"SPARQL error: {exc}") from None
        _values_keep_their_variables(query.algebra)
        # FROM / FROM NAMED are taken out of the query: they select graphs of the store (below)
        clauses = query.algebra.get("datasetClause") or []
        query.algebra["datasetClause"] = None
        return (
            query,
            [str(c.default) for c in clauses if c.get("default") is not None],
            [str(c.named) for c in clauses if c.get("named") is not None],
        )

    def view(self, default_uris: list[str], named_uris: list[str]) -> Dataset:
        """The dataset a request describes (SPARQL 1.1 Protocol §2.1.4), copied from graphs of the
        store; a graph the store does not hold is empty. The store itself is never changed."""
        if not default_uris and not named_uris:
            return self.data
        from icmpd_kg.store.memory import new_dataset

        # One view per backend, emptied and filled again (a dataset is costly to make per query).
        if self._view is None:
            self._view = new_dataset(default_union=False)
        view = self._view
        for graph in list(view.graphs()):
            view.remove_graph(graph)
        view.remove((None, None, None))  # type: ignore[arg-type]
        default = view.graph(DATASET_DEFAULT_GRAPH_ID)
        for uri in default_uris:
            for s, p, o, _ in self.data.quads((None, None, None, URIRef(uri))):  # type: ignore[arg-type]
                default.add((s, p, o))
        for uri in named_uris:
            target = view.graph(URIRef(uri))
            for s, p, o, _ in self.data.quads((None, None, None, URIRef(uri))):  # type: ignore[arg-type]
                target.add((s, p, o))
        return view

    def evaluate(
        self,
        text: str,
        scanned: Scan,
        default_graphs: list[str],
        named_graphs: list[str],
        limit: int,
        deadline: float,
        base: str | None = None,
        native: bool = False,
    ) -> Answer:
        """The query's constants and the answer's literals keep their lexical forms, whatever the
        process's rdflib setting (``"01"^^xsd:integer`` is not ``"1"``)."""
        with settings.literals_as_written():
            return self._evaluate(text, default_graphs, named_graphs, limit, deadline, base)

    def _evaluate(
        self,
        text: str,
        default_graphs: list[str],
        named_graphs: list[str],
        limit: int,
        deadline: float,
        base: str | None = None,
    ) -> Answer:
        from rdflib.plugins.sparql.evaluate import evalQuery
        from rdflib.plugins.sparql.processor import SPARQLResult

        query, from_default, from_named = self._translated(text, base)
        if not default_graphs and not named_graphs:  # the protocol's parameters win over FROM
            default_graphs, named_graphs = from_default, from_named
        try:
            result = SPARQLResult(evalQuery(self.view(default_graphs, named_graphs), query, {}))
            if result.type == "ASK":
                return Answer("ASK", boolean=bool(result.askAnswer))
            if result.type == "SELECT":
                variables = [str(v) for v in result.vars or []]
                names = [Variable(v) for v in variables]
                rows, truncated = capped(
                    (tuple(binding.get(v) for v in names) for binding in result.bindings), limit
                )
                return Answer("SELECT", variables, rows, truncated=truncated)
            triples = list(result.graph) if result.graph is not None else []
            triples.sort()
            return Answer(result.type, triples=triples[:limit], truncated=len(triples) > limit)
        except (ProtocolError, MemoryError):  # past the memory limit: the worker says so (not "failed: ")
            raise
        except Exception as exc:  # noqa: BLE001 - rdflib reports evaluation errors in many types
            raise ProtocolError(400, f"SPARQL evaluation failed: {exc}") from None

    def update(self, text: str, base: str | None = None) -> None:
        import warnings

        from pyparsing import ParseException
        from rdflib import ConjunctiveGraph

        # rdflib 7 Dataset.update does not insert into the default graph (RDFLib/rdflib#2019, canary in
        # tests/test_upstream.py);
        # a ConjunctiveGraph over the same store, its default context the dataset's default graph,
        # runs updates correctly, GRAPH clauses included.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            graph = ConjunctiveGraph(store=self.data.store, identifier=DATASET_DEFAULT_GRAPH_ID)
        try:
            from rdflib.plugins.sparql.processor import prepareUpdate

            with settings.literals_as_written():  # INSERT DATA keeps the forms it writes
                graph.update(prepareUpdate(text, initNs=QUERY_PREFIXES, base=base))
        except ParseException as exc:
            raise ProtocolError(400, _syntax_message(exc)) from None
        except MemoryError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise ProtocolError(400, f"SPARQL Update failed: {exc}") from None

    def close(self) -> None:
        pass


class RemoteBackend:
    """Another SPARQL 1.1 Protocol server (Virtuoso, Fuseki, GraphDB, QLever, an Oxigraph server …)."""

    name = "sparql"

    def __init__(self, endpoint: str, auth: Any = None):
        import httpx

        self.endpoint = endpoint
        self.client = httpx.Client(headers={"User-Agent": USER_AGENT}, auth=auth, follow_redirects=False)

    def evaluate(
        self,
        text: str,
        scanned: Scan,
        default_graphs: list[str],
        named_graphs: list[str],
        limit: int,
        deadline: float,
        base: str | None = None,
        native: bool = False,
    ) -> Answer:
        import httpx

        params: list[tuple[str, str | int | float | bool | None]] = [
            ("default-graph-uri", u) for u in default_graphs
        ]
        params += [("named-graph-uri", u) for u in named_graphs]
        graph_form = scanned.form in ("CONSTRUCT", "DESCRIBE")
        accept = (
            "application/n-triples, text/plain;q=0.9" if graph_form else "application/sparql-results+json"
        )
        body = prefix_lines(scanned, base) + text[len(scanned.prologue) :]
        try:
            response = self.client.post(
                self.endpoint,
                params=params,
                data={"query": body},
                headers={"Accept": accept},
                timeout=max(0.1, deadline - time.monotonic()),
            )
        except httpx.HTTPError as exc:
            raise ProtocolError(502, f"the store at {self.endpoint} did not answer: {exc}") from None
        if response.status_code >= 400:
            raise ProtocolError(
                400 if response.status_code < 500 else 502,
                f"the store at {self.endpoint} answered {response.status_code}: {response.text[:500]}",
            )
        if graph_form:
            graph = Graph().parse(data=response.content, format="nt")
            triples = sorted(graph)
            return Answer(
                scanned.form or "CONSTRUCT", triples=triples[:limit], truncated=len(triples) > limit
            )
        return answer_from_json(response.content, limit)

    def update(self, text: str, base: str | None = None) -> None:
        raise ProtocolError(
            403, f"updates go to the store itself ({self.endpoint}), not through this endpoint"
        )

    def close(self) -> None:
        self.client.close()


# --- stores -------------------------------------------------------------------------------------------


def open_backend(
    spec: StoreSpec,
    dist: Path | None = None,
    snapshot: Path | None = None,
    read_only: bool = True,
    auth: Any = None,
) -> Backend:
    """The backend for ``spec``; ``memory`` reads ``snapshot`` (N-Quads) if given, else the build
    in ``dist``."""
    if spec.on_disk:
        return OxigraphBackend.open(
            Path(spec.location), read_only=read_only, default_graph=spec.default_graph
        )
    if not spec.local:  # the remote server has its own default graph
        return RemoteBackend(spec.location, auth=auth)
    from icmpd_kg.store.memory import load_built, load_quads

    data = load_quads(snapshot) if snapshot is not None else load_built(Path(dist or "."))
    return RdflibBackend(data, spec.default_graph or "union")
