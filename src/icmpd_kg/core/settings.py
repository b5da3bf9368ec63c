"""Every process-wide setting of a library that the project changes, in one place, each with its restore.

rdflib keeps three settings for the whole process; the project needs each set one way, and pySHACL
sets one of them back behind our back (``rdflib.NORMALIZE_LITERALS`` is True again after every
validation). As pySHACL's own ``monkey`` module does, they are changed here and nowhere else:

- ``rdflib.NORMALIZE_LITERALS``: False wherever terms are read to be answered or written, so a
  literal keeps the lexical form its source gave it (``"+19"^^xsd:decimal``, Wikibase's amounts;
  ``"1.0E6"``). ``literals_as_written`` sets it for a block and restores the previous value;
  ``for_queries`` sets it for a process that answers queries (the command line, the server and its
  workers).
- ``rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS``: False wherever rdflib evaluates SPARQL
  (``for_queries``, and while pySHACL validates): a graph named in ``FROM`` names a graph of the
  store; rdflib would otherwise download it. (The memory store's engine takes ``FROM`` out of every
  query before rdflib sees it.)

Nothing here runs at import: the entry points (``cli.main``, ``web.app.create_app``, the query
worker's main) and the blocks that need a setting set it; importing any module of the package
leaves the process as it was (``tests/test_settings.py`` imports each in a fresh interpreter).
The one process-wide setting outside rdflib, multiprocessing's forkserver preload (what each query
worker's parent imports once), is set by ``workers.WorkerPool`` when it starts.
- rdflib's default SPARQL processor plugin: ``icmpd_kg.validation.reference.PreparingProcessor`` while pySHACL
  validates (``sparql_processor``), rdflib's own again afterwards.
- rdflib's registry of custom SPARQL functions: the project's functions (``ikgfn:``), registered
  once, by ``sparql_functions``; they answer only to their own IRIs, so nothing else changes.

``preserved`` takes a snapshot of all three and puts it back, around code (pySHACL) that changes them.

Logging: ``root_logging_kept`` undoes what an import does to the root logger (pyLODE's). And one
setting of rdflib's logging: ``quiet_ill_typed_literals`` keeps rdflib from printing a
warning with a traceback for each literal whose form is not of its datatype (``"9 Mart
2017"^^xsd:date``): the project reports such a literal as a validation result, or answers it as
written. The command line and each query worker set it for their process.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import rdflib
import rdflib.plugins.sparql
from rdflib import plugin
from rdflib.query import Processor

RDFLIB_PROCESSOR = ("rdflib.plugins.sparql.processor", "SPARQLProcessor")


@dataclass(frozen=True)
class Snapshot:
    normalize_literals: bool
    load_graphs: bool
    processor: tuple[str, str]


_processor = RDFLIB_PROCESSOR  # which class rdflib's "sparql" processor plugin names now


def snapshot() -> Snapshot:
    return Snapshot(
        bool(rdflib.NORMALIZE_LITERALS), bool(rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS), _processor
    )


def _register_processor(module: str, name: str) -> None:
    global _processor
    plugin.register("sparql", Processor, module, name)
    _processor = (module, name)


def restore(saved: Snapshot) -> None:
    rdflib.NORMALIZE_LITERALS = saved.normalize_literals
    rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = saved.load_graphs
    if _processor != saved.processor:
        _register_processor(*saved.processor)


def for_queries() -> Snapshot:
    """Settings of a process that answers queries; returns what they were, for ``restore``."""
    saved = snapshot()
    rdflib.NORMALIZE_LITERALS = False
    rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False
    return saved


@contextmanager
def preserved() -> Iterator[None]:
    """Whatever the block changes of these settings is undone when it ends."""
    saved = snapshot()
    try:
        yield
    finally:
        restore(saved)


@contextmanager
def literals_as_written() -> Iterator[None]:
    """Terms made in the block keep their lexical forms (no normalisation)."""
    saved = snapshot()
    rdflib.NORMALIZE_LITERALS = False
    try:
        yield
    finally:
        restore(saved)


@contextmanager
def sparql_processor(module: str, name: str) -> Iterator[None]:
    """rdflib's default SPARQL processor is ``module.name`` while the block runs, and a graph named
    in a query's FROM is never downloaded meanwhile."""
    with preserved():
        _register_processor(module, name)
        rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False
        yield


def sparql_functions(functions: dict) -> None:
    """Register ``functions`` (IRI -> callable) in rdflib's process-wide function registry."""
    from rdflib.plugins.sparql.operators import register_custom_function

    for uri, func in functions.items():
        register_custom_function(uri, func, override=True)


@contextmanager
def root_logging_kept() -> Iterator[None]:
    """The root logger's handlers and level as they were before the block: pyLODE's import calls
    ``logging.basicConfig(level=logging.DEBUG)`` (``pylode/profiles/supermodel/loader.py``) and its
    module-level ``logging.info`` calls give the root logger a handler where it has none, after
    which every library's debug and info lines went to stderr (``build`` printed asyncio's selector
    and pyLODE's pickle loading)."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    if not handlers:  # basicConfig, and logging.info's implicit one, do nothing where there is one
        root.addHandler(logging.NullHandler())
    try:
        yield
    finally:
        for handler in [h for h in root.handlers if h not in handlers]:
            root.removeHandler(handler)
        root.setLevel(level)  # (a basicConfig with force=True would still have its way meanwhile)


def quiet_ill_typed_literals() -> None:
    """rdflib's term module logs only errors: its warning for an ill-typed literal carries a
    traceback, which a user of the command line must never see for bad data."""
    logging.getLogger("rdflib.term").setLevel(logging.ERROR)
