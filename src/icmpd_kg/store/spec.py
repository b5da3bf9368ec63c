"""Where the data is: ``--store`` parsed once into a ``StoreSpec`` (``memory``, ``oxigraph:DIR`` or
``sparql:URL``), and what each kind of store can do, asked of the spec rather than switched on its
kind wherever it matters (which engine opens it is ``sparql.backends.open_backend``'s one table)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path

KINDS = ("memory", "oxigraph", "sparql")
# What a query worker of the memory store imports before it starts (its parsers), beside what
# every worker imports (``runtime.pool.PRELOAD``).
MEMORY_PRELOAD = (
    "icmpd_kg.store.memory",
    "rdflib.plugins.parsers.nquads",
    "rdflib.plugins.parsers.notation3",
)


class DefaultGraphRefused(ValueError):
    """A default graph this store cannot give (a remote server keeps its own)."""


@dataclass(frozen=True)
class StoreSpec:
    """``memory`` (the built dump, read by rdflib), ``oxigraph:DIR`` (a store on disk) or
    ``sparql:URL`` (another SPARQL server); ``default_graph`` is ``union`` or ``stored``, or None
    for the store's own (memory: union)."""

    kind: str
    location: str = ""
    default_graph: str | None = None

    @classmethod
    def parse(cls, text: str) -> StoreSpec:
        kind, _, location = text.partition(":")
        if kind == "memory" and not location:
            return cls("memory")
        if kind == "oxigraph" and location:
            return cls("oxigraph", str(Path(location)))
        if kind == "sparql" and location.startswith(("http:", "https:")):
            return cls("sparql", location)
        raise ValueError(f"unknown store {text!r}: give 'memory', 'oxigraph:DIR' or 'sparql:URL'")

    def __str__(self) -> str:
        return self.kind + (f":{self.location}" if self.location else "")

    @property
    def local(self) -> bool:
        """Held by this process (built, loaded and updated here), not another server's."""
        return self.kind != "sparql"

    @property
    def on_disk(self) -> bool:
        """A store directory, copied cheaply (a checkpoint) for an update."""
        return self.kind == "oxigraph"

    @property
    def cacheable(self) -> bool:
        """Whether its answers may be kept: it changes only by this server's updates (another
        server's may change at any time)."""
        return self.local

    @property
    def preload_modules(self) -> tuple[str, ...]:
        """What a query worker imports before it starts, beyond what every worker does."""
        return MEMORY_PRELOAD if self.kind == "memory" else ()

    @property
    def copy_suffix(self) -> str:
        """The suffix of an update's copy: a store directory, or an N-Quads dump."""
        return "store" if self.on_disk else "nq"

    def exists(self) -> bool:
        """Whether there is a store where it says (the memory store and a remote server: always)."""
        from icmpd_kg.store.oxigraph import is_store

        return not self.on_disk or is_store(self.location)

    def with_default_graph(self, mode: str) -> StoreSpec:
        """This store queried with the default graph ``mode``: refused (ValueError) for a remote
        server, which keeps its own (``DefaultGraphRefused``), and (InputFileError) for a store on disk
        that keeps no union."""
        if not self.local:
            raise DefaultGraphRefused("the remote server keeps its own default graph")
        if self.on_disk and self.exists():
            from icmpd_kg.store.oxigraph import require_default_graph

            require_default_graph(Path(self.location), mode)
        return replace(self, default_graph=mode)

    def copy_at(self, location: Path) -> StoreSpec:
        """The same store at ``location``, a copy of it (an update's checkpoint), queried alike."""
        return replace(self, location=str(location))


def default_store(dist: Path) -> StoreSpec:
    """The built Oxigraph store when the build wrote one, else (a release unpacked, which carries
    none) the dump in memory, said in the log. A store folder that is there but not a store (its
    CURRENT file gone) is refused: serving the dump instead would hide a broken build."""
    from icmpd_kg.core.distfiles import OXIGRAPH_DIR
    from icmpd_kg.core.errors import IcmpdKgError
    from icmpd_kg.store.oxigraph import is_store

    store = Path(dist) / OXIGRAPH_DIR
    if is_store(store):
        return StoreSpec("oxigraph", str(store))
    if store.exists():
        raise IcmpdKgError(
            f"{store} is not a readable Oxigraph store (its CURRENT file is missing): run "
            "'icmpd-kg build' again, or give --store memory to serve the dump"
        )
    logging.getLogger("icmpd_kg.server").warning(
        "%s has no Oxigraph store: the dump is read into memory (slower; 'icmpd-kg build' writes one)", dist
    )
    return StoreSpec("memory")
