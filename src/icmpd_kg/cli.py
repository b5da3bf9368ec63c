"""The ``icmpd-kg`` command. Each subcommand is a thin wrapper over a plain function."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from icmpd_kg import __version__
from icmpd_kg.core import paths
from icmpd_kg.core.errors import EXIT_NONCONFORMANT, IcmpdKgError, NonConformantError
from icmpd_kg.runtime.config import limit_option
from icmpd_kg.store.oxigraph import DEFAULT_GRAPH_MODES
from icmpd_kg.store.spec import DefaultGraphRefused, StoreSpec, default_store

if TYPE_CHECKING:
    from rdflib import URIRef


def _unwritable(out: Path, exc: OSError) -> IcmpdKgError:
    """An output folder that cannot be written, said in one line (nothing was changed there)."""
    from icmpd_kg.core.errors import InputFileError

    where = exc.filename or out
    return InputFileError(where, f"cannot be written ({exc.strerror or exc}); nothing was changed in {out}")


def _fail(exc: IcmpdKgError) -> NoReturn:
    click.echo(f"icmpd-kg: error: {exc}", err=True)
    sys.exit(exc.exit_code)


def _write_output(out: Path, text: str) -> None:
    """``text`` into ``out``, whole or not at all; a file that cannot be written is one line, exit 2."""
    from icmpd_kg.core.atomic import write_file_atomically
    from icmpd_kg.core.errors import InputFileError

    try:
        write_file_atomically(out, text.encode("utf-8"))
    except OSError as exc:
        _fail(InputFileError(out, f"cannot write: {exc.strerror}"))


class StoreParam(click.ParamType):
    """A store given on the command line ('memory', 'oxigraph:DIR', 'sparql:URL'), parsed once into a
    ``StoreSpec``, or a usage error naming the option."""

    name = "SPEC"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> StoreSpec:
        if isinstance(value, StoreSpec):
            return value
        try:
            return StoreSpec.parse(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


STORE = StoreParam()


_dist_option = click.option(
    "--dist",
    type=click.Path(path_type=Path, file_okay=False),
    default=paths.DEFAULT_DIST,
    show_default=True,
    help="Directory of the built graph (from 'icmpd-kg build').",
)
_allow_service_option = click.option(
    "--allow-service",
    "allow_service",
    multiple=True,
    help="SPARQL endpoint that SERVICE may call (repeatable) [default: https://query.wikidata.org/sparql].",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="icmpd-kg")
def main() -> None:
    """A linked-data knowledge graph of ICMPD and its work in Turkey: build, validate, query, serve."""
    from icmpd_kg.core import settings

    settings.for_queries()  # a process that answers queries: literals as written, no FROM downloads
    settings.quiet_ill_typed_literals()


@main.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "turtle", "json"]),
    default="text",
    show_default=True,
    help="How to print the validation report.",
)
@click.option(
    "--engine",
    type=click.Choice(["native", "pyshacl"]),
    default="native",
    show_default=True,
    help="SHACL engine: native (the shacl package for SHACL Core, Oxigraph for SHACL-SPARQL: fast) "
    "or pyshacl (the reference; same report, slower).",
)
def validate(files: tuple[Path, ...], fmt: str, engine: str) -> None:
    """Validate the ontology and data against the SHACL shapes.

    With no FILES, validates the project's own data (data/*.ttl, data/*.trig and the SSSOM tables
    in data/mappings/). FILES may be Turtle, TriG, N-Triples, N-Quads, RDF/XML, JSON-LD or SSSOM
    TSV. The ontology and the class hierarchy of its imports are always included; nothing is
    inferred. Exit status: 0 conforms, 1 does not conform, 2 unreadable input.
    """
    from icmpd_kg.validation.validate import validate_files

    try:
        report = validate_files(list(files) or None, engine=engine)
    except IcmpdKgError as exc:
        _fail(exc)
    output = {"text": report.as_text, "turtle": report.as_turtle, "json": report.as_json}[fmt]()
    click.echo(output.rstrip("\n"))
    sys.exit(0 if report.conforms else EXIT_NONCONFORMANT)


_store_option_build = click.option(
    "--store",
    default=None,
    type=STORE,
    help="Where the Oxigraph store goes: 'oxigraph:DIR', or 'memory' for none (serve and query then read "
    "the dump with rdflib) [default: OUT/oxigraph].",
)


_reference_url_option = click.option(
    "--reference-url",
    envvar="ICMPD_KG_REFERENCE_URL",
    default=None,
    metavar="URL",
    help="The reference URL (P854) of every statement handed to Wikidata: the published release "
    "or the source. Also read from ICMPD_KG_REFERENCE_URL. [default: the source's IRI]",
)


@main.command()
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=paths.DEFAULT_DIST,
    show_default=True,
    help="Directory to write the built files to (replaced as a whole).",
)
@_store_option_build
@_reference_url_option
def build(out: Path, store: StoreSpec | None, reference_url: str | None) -> None:
    """Validate, then write every dump, the VoID/DCAT description, the report and SHA-256 sums,
    and the dataset as an Oxigraph store (OUT/oxigraph, which 'serve' and 'query' open).

    Refuses to write anything if the graph does not conform (exit 1); a failed build leaves an
    existing output directory (and store) untouched.
    """
    from icmpd_kg.publishing.build import build as run_build

    if store is not None and not store.local:
        raise click.BadParameter(
            "build writes a local store: give 'memory' or 'oxigraph:DIR' "
            "(use 'icmpd-kg publish' for a SPARQL server)",
            param_hint="--store",
        )
    try:
        result = run_build(out, store=store, reference_url=reference_url)
    except NonConformantError as exc:
        if exc.report is not None:
            click.echo(exc.report.as_text(), err=True)
        _fail(exc)
    except IcmpdKgError as exc:
        _fail(exc)
    except OSError as exc:  # a read-only or full disk, a file where a folder should be
        _fail(_unwritable(out, exc))
    click.echo(
        f"built {result.triples} triples into {result.out}/ ({len(result.files)} files); the graph conforms"
    )


@main.group()
def export() -> None:
    """Write views of the graph for other communities."""


@export.command("wikidata")
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="File to write the Turtle to (default: standard output).",
)
@_reference_url_option
def export_wikidata(out: Path | None, reference_url: str | None) -> None:
    """Our facts in the Wikibase RDF format of the Wikidata dumps and Query Service (Turtle).

    Truthy wdt: statements, p:/ps:/pq: statement nodes with ranks, date and quantity value nodes,
    and a reference on every statement (pr:P854 source, pr:P1683 quotation, pr:P407 Turkish).
    'icmpd-kg build' writes the same view to dist/icmpd-kg-wikidata.ttl.
    """
    from icmpd_kg.kg.graph import KnowledgeGraph
    from icmpd_kg.publishing.build import wikidata_view_turtle

    try:
        text = wikidata_view_turtle(KnowledgeGraph.load(), reference_url)
    except IcmpdKgError as exc:
        _fail(exc)
    if out is None:
        click.echo(text, nl=False)
        return
    _write_output(out, text)
    click.echo(f"wrote the Wikidata view to {out}", err=True)


def _wikidata_facts(snapshot: Path | None, endpoint: str, cache_dir: Path):
    """(our dataset, comparison rows) from a snapshot file or the live Query Service."""
    import datetime
    import json as _json

    from icmpd_kg.core.errors import InputFileError
    from icmpd_kg.kg.graph import KnowledgeGraph
    from icmpd_kg.wikidata.client import Client
    from icmpd_kg.wikidata.compare import compare, fetch, theirs_from

    data = KnowledgeGraph.load().data
    if snapshot is not None:
        try:
            results = _json.loads(snapshot.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputFileError(snapshot, f"cannot read SPARQL JSON results: {exc}") from None
        where: Path | str = snapshot
        label = f"Wikidata snapshot {snapshot.name}"
    else:
        with Client(endpoint=endpoint, cache_dir=cache_dir) as client:
            results = fetch(data, client)
        where, label = endpoint, f"Wikidata Query Service ({endpoint}), {datetime.date.today().isoformat()}"
    return data, compare(data, theirs_from(results, where), label)


_snapshot_option = click.option(
    "--snapshot",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    default=None,
    help="Compare with a saved SPARQL JSON result (?item ?prop ?value) instead of asking Wikidata.",
)
_endpoint_option = click.option(
    "--endpoint",
    default="https://query.wikidata.org/sparql",
    show_default=True,
    help="The Query Service to ask when no --snapshot is given.",
)
_cache_option = click.option(
    "--cache",
    "cache_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path(".cache/wikidata"),
    show_default=True,
    help="Directory of cached answers.",
)


@main.group()
def compare() -> None:
    """Compare our facts with other datasets."""


@compare.command("wikidata")
@_snapshot_option
@_endpoint_option
@_cache_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "csv", "json"]),
    default="text",
    show_default=True,
    help="Report format.",
)
def compare_wikidata(snapshot: Path | None, endpoint: str, cache_dir: Path, fmt: str) -> None:
    """Fact by fact: agrees / differs / only ours / only Wikidata's, with both values and sources.

    Covers every statement of the Wikidata-shaped view whose subject has a curated Wikidata link.
    Exit status: 0 reported, 2 Wikidata unreachable or the snapshot unreadable.
    """
    from icmpd_kg.wikidata.compare import as_csv, as_json, as_text

    try:
        _, rows = _wikidata_facts(snapshot, endpoint, cache_dir)
    except IcmpdKgError as exc:
        _fail(exc)
    click.echo({"text": as_text, "csv": as_csv, "json": as_json}[fmt](rows), nl=False)


@export.command("quickstatements")
@_snapshot_option
@_endpoint_option
@_cache_option
@_reference_url_option
@click.option(
    "--no-reference-check",
    is_flag=True,
    help="Write the reference URL even if it does not resolve (it is checked by default).",
)
def export_quickstatements(
    snapshot: Path | None, endpoint: str, cache_dir: Path, reference_url: str | None, no_reference_check: bool
) -> None:
    """QuickStatements (V1) for our sourced facts that Wikidata lacks, with S854/S813/S1683/S407 references.

    Decided by the same comparison as 'icmpd-kg compare wikidata' (live, or from --snapshot): the
    missing values of partly held properties too. Only statements about linked items whose values
    Wikidata can hold are written. The reference URL must resolve (checked first; exit 2 if it does
    not). Review before use.
    """
    from datetime import datetime, timezone

    from icmpd_kg.wikidata.compare import check_reference, quickstatements
    from icmpd_kg.wikidata.view import SOURCE

    retrieved = None
    try:
        if not no_reference_check:
            check_reference(reference_url or str(SOURCE))
            retrieved = datetime.now(timezone.utc).date()  # the day it was seen to resolve: S813
        data, rows = _wikidata_facts(snapshot, endpoint, cache_dir)
    except IcmpdKgError as exc:
        _fail(exc)
    click.echo(quickstatements(data, rows, reference_url, retrieved), nl=False)


@main.group()
def link() -> None:
    """Find links from our records to other datasets."""


@link.command("wikidata")
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("wikidata-suggestions.sssom.tsv"),
    show_default=True,
    help="SSSOM file to write the suggestions to (never the curated table in data/mappings/).",
)
@click.option(
    "--api",
    default="https://www.wikidata.org/w/api.php",
    show_default=True,
    help="Wikibase action API to search (wbsearchentities).",
)
@click.option(
    "--endpoint",
    default="https://query.wikidata.org/sparql",
    show_default=True,
    help="SPARQL endpoint that answers the type checks (wdt:P31/wdt:P279*).",
)
@click.option(
    "--cache",
    "cache_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path(".cache/wikidata"),
    show_default=True,
    help="Directory of cached answers.",
)
@click.option(
    "--min-interval",
    type=float,
    default=1.0,
    show_default=True,
    help="Seconds between two requests (Wikimedia asks for one request at a time).",
)
@click.option(
    "--threshold",
    type=click.FloatRange(0, 1),
    default=0.6,
    show_default=True,
    help="Lowest label similarity kept as a suggestion.",
)
def link_wikidata(
    out: Path, api: str, endpoint: str, cache_dir: Path, min_interval: float, threshold: float
) -> None:
    """Suggest Wikidata items for records without a curated link, as an SSSOM table to review.

    Searches each record's Turkish and English labels and acronyms with wbsearchentities, keeps
    items whose type fits (for projects, laws and organisations, the classes curated in
    data/mappings/wikidata.sssom.tsv), and scores them by label similarity (semapv:LexicalMatching).
    Exit status: 0 written, 2 when the service cannot be reached or the output cannot be written.
    """
    import datetime

    from icmpd_kg.core.errors import InputFileError
    from icmpd_kg.wikidata.client import Client, load_merged, reconcile, suggestions_table

    if out.resolve() == paths.WIKIDATA_MAPPINGS_FILE.resolve():
        _fail(InputFileError(out, "refusing to overwrite the curated mappings; write suggestions elsewhere"))
    try:
        with Client(api=api, endpoint=endpoint, cache_dir=cache_dir, min_interval=min_interval) as client:
            suggestions = reconcile(
                load_merged(),
                client,
                threshold,
                progress=lambda items: click.progressbar(items, label="searching Wikidata", file=sys.stderr),
            )
    except IcmpdKgError as exc:
        _fail(exc)
    table = suggestions_table(suggestions, datetime.date.today().isoformat())
    _write_output(out, table)
    click.echo(f"{len(suggestions)} suggestions for review in {out} ({client.requests_made} requests)")


def _store_option(help_text: str):
    return click.option("--store", "store", default=None, type=STORE, help=help_text)


def _default_graph_option(help_text: str):
    return click.option(
        "--default-graph",
        "default_graph",
        type=click.Choice(DEFAULT_GRAPH_MODES),
        default=None,
        help=help_text,
    )


_QUERY_DEFAULT_GRAPH = (
    "The query's default graph: 'union', the merge of all graphs (a set), or 'stored', the "
    "default graph as stored (the standard's dataset) [default: as the store keeps it; the build's "
    "and the memory store: union]."
)


def _parse_store(spec: StoreSpec | None, dist: Path, default_graph: str | None = None) -> StoreSpec:
    """The store to query (the build's by default), with the default graph asked for; refused at
    once when the store cannot give it."""
    try:
        spec = default_store(dist) if spec is None else spec
        return spec if default_graph is None else spec.with_default_graph(default_graph)
    except DefaultGraphRefused as exc:
        raise click.BadParameter(str(exc), param_hint="--default-graph") from None
    except IcmpdKgError as exc:
        _fail(exc)


@main.command()
@click.argument("sparql", required=False)
@click.option(
    "--file",
    "query_file",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    help="Read the query from this file instead of the argument.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
    help="Result format: SELECT/ASK as a table, CSV or SPARQL JSON; CONSTRUCT as Turtle or JSON-LD.",
)
@_dist_option
@_store_option(
    "Store to query: 'oxigraph:DIR', 'memory' (the built dump, read by rdflib) or 'sparql:URL' "
    "[default: the build's Oxigraph store, DIST/oxigraph]."
)
@_default_graph_option(_QUERY_DEFAULT_GRAPH)
@_allow_service_option
@limit_option("timeout", default=600.0, help="Seconds the query (and any SERVICE call) may take.")
@click.option(
    "--base",
    default=None,
    metavar="IRI",
    help="Base IRI for the query's relative IRIs when it has no BASE [default: the file's IRI with "
    "--file, none otherwise].",
)
@limit_option(
    "max_rows",
    help="Rows (SELECT) or triples (CONSTRUCT, DESCRIBE) answered at most; a line on stderr says "
    "when the answer was cut.",
)
@click.option(
    "--memory-limit",
    default=2048,
    show_default=True,
    type=click.IntRange(min=64),
    help="MB of memory the command may hold while it answers; past it, it stops with a message.",
)
def query(
    sparql: str | None,
    query_file: Path | None,
    fmt: str,
    dist: Path,
    store: StoreSpec | None,
    default_graph: str | None,
    allow_service: tuple[str, ...],
    timeout: float,
    base: str | None,
    max_rows: int,
    memory_limit: int,
) -> None:
    """Run a SPARQL query over the built graph, through the same engine and policy as the endpoint.

    The project's prefixes (ikg:, organisation:, project:, ...) are predeclared. Named graphs are
    queryable with GRAPH; the default graph is the union of all graphs (--default-graph stored: the
    default graph as stored). FROM names graphs of the
    store (nothing is downloaded), and SERVICE may call only the allowed endpoints.
    Exit status: 0 answered, 2 the query is refused or wrong, or the store cannot be read.
    """
    import time

    from icmpd_kg.core.errors import ProtocolError
    from icmpd_kg.runtime.config import DEFAULT_SERVICE_ALLOWLIST
    from icmpd_kg.sparql.engine import Engine, Policy, open_backend
    from icmpd_kg.sparql.writers import terminal_text

    if (sparql is None) == (query_file is None):
        raise click.UsageError("give a query either as an argument or with --file, not both")
    text = sparql if sparql is not None else query_file.read_text(encoding="utf-8")  # type: ignore[union-attr]
    spec = _parse_store(store, dist, default_graph)
    policy = Policy(
        service_allowlist=allow_service or DEFAULT_SERVICE_ALLOWLIST,
        max_rows=max_rows,
        max_result_bytes=10**12,
        service_timeout=timeout,
        base_iri=base or (query_file.resolve().as_uri() if query_file is not None else None),
    )
    try:
        engine = Engine(open_backend(spec, dist), policy)
        with _bounded(timeout, memory_limit):
            answer = engine.query(text, deadline=time.monotonic() + timeout)
    except ProtocolError as exc:  # the query's own fault: say which file holds it
        where = f" ({query_file})" if query_file is not None else ""
        click.echo(f"icmpd-kg: error{where}: {exc.message}", err=True)
        sys.exit(2)
    except IcmpdKgError as exc:
        _fail(exc)
    click.echo(terminal_text(answer, fmt).rstrip("\n"))
    if answer.truncated:
        what = "rows" if answer.form == "SELECT" else "triples"
        click.echo(
            f"icmpd-kg: the answer was cut at {max_rows} {what} (--max-rows); ask for fewer or raise it",
            err=True,
        )


@contextlib.contextmanager
def _bounded(timeout: float, memory_limit_mb: int) -> Iterator[None]:
    """Hold a query to the endpoint's limits in this process: a watch thread ends the command with a
    message (exit 2) once ``timeout`` seconds have passed or its memory passes ``memory_limit_mb``.
    The engines let go of Python's lock while they work, so the watch runs beside them; an engine
    cannot be stopped midway, so the process ends (nothing was written yet)."""
    import threading

    done = threading.Event()
    deadline = time.monotonic() + timeout

    def resident_mb() -> float:
        try:
            pages = int(Path("/proc/self/statm").read_text().split()[1])
        except (OSError, ValueError, IndexError):
            return 0.0
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20

    def watch() -> None:
        while not done.wait(0.05):
            reason = None
            if time.monotonic() > deadline:
                reason = f"the query ran past --timeout ({timeout:g} s); narrow it, or give more time"
            elif resident_mb() > memory_limit_mb:
                reason = f"the query needed more than --memory-limit ({memory_limit_mb} MB); narrow it"
            if reason is not None:
                sys.stderr.write(f"icmpd-kg: error: {reason}\n")
                sys.stderr.flush()
                os._exit(2)

    watcher = threading.Thread(target=watch, name="icmpd-kg-query-limits", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()


@main.command("load")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--into",
    "into",
    required=True,
    type=STORE,
    metavar="oxigraph:DIR",
    help="The Oxigraph store to load into (created if missing; added to if present).",
)
@click.option(
    "--graph",
    default=None,
    help="Named graph for the triples of files without graphs [default: default graph].",
)
@_default_graph_option(
    "How a new store keeps its default graph: 'union', with the merge of all graphs (a set) "
    "that queries see as their default graph, or 'stored', the default graph as loaded (the "
    "standard's dataset) [default: union; a store loaded into before keeps its own]."
)
def load_command(
    files: tuple[Path, ...], into: StoreSpec, graph: str | None, default_graph: str | None
) -> None:
    """Bulk-load RDF files (N-Quads, N-Triples, Turtle, TriG, RDF/XML, JSON-LD) into an Oxigraph
    store, with a progress bar. Nothing is validated: this is for benchmarks and for more data.

    The store is changed as a whole or not at all: the files are loaded into a copy, which replaces
    the store only when every file has been read. Exit status: 0 loaded, 2 a file could not be read.
    """
    from icmpd_kg.core.atomic import swap_directory
    from icmpd_kg.store.oxigraph import checkpoint, load_files

    if not into.on_disk:
        raise click.BadParameter("give an Oxigraph store, 'oxigraph:DIR'", param_hint="--into")
    target = Path(into.location)
    try:
        with swap_directory(target) as work:
            if into.exists():
                checkpoint(target, work)
            total = sum(p.stat().st_size for p in files if p.is_file())
            with click.progressbar(length=total, label="loading", file=sys.stderr) as bar:
                quads = load_files(work, files, progress=bar.update, graph=graph, default_graph=default_graph)
    except IcmpdKgError as exc:
        _fail(exc)
    except OSError as exc:  # a folder that cannot be made or written
        _fail(_unwritable(target, exc))
    click.echo(f"{quads} quads in {target}")


@main.command()
@click.option(
    "--to",
    "store",
    required=True,
    metavar="URL",
    help="The SPARQL 1.1 Graph Store HTTP Protocol endpoint (e.g. Virtuoso's /sparql-graph-crud-auth, "
    "Fuseki's /DATASET/data).",
)
@_dist_option
@click.option(
    "--auth",
    "scheme",
    type=click.Choice(["none", "basic", "digest", "bearer"]),
    default="none",
    show_default=True,
    help="How to authenticate (Virtuoso's Graph Store uses digest).",
)
@click.option("--user", default=None, help="User name for basic or digest authentication.")
@click.option(
    "--password",
    envvar="ICMPD_KG_PUBLISH_PASSWORD",
    default=None,
    show_envvar=True,
    help="Password for basic or digest authentication.",
)
@click.option(
    "--token",
    envvar="ICMPD_KG_PUBLISH_TOKEN",
    default=None,
    show_envvar=True,
    help="Bearer token (with --auth bearer).",
)
@click.option(
    "--default-graph",
    default=None,
    metavar="IRI",
    help="Put the default graph's triples into this named graph, for Graph Stores that have no "
    "default graph (Virtuoso) [default: the store's default graph].",
)
def publish(
    store: str,
    dist: Path,
    scheme: str,
    user: str | None,
    password: str | None,
    token: str | None,
    default_graph: str | None,
) -> None:
    """Upload the built dataset, every named graph and the default graph, to a SPARQL server that
    speaks the Graph Store HTTP Protocol; each graph is replaced as a whole (PUT).

    Then 'icmpd-kg serve --store sparql:QUERY-URL' puts this endpoint, its policy, query UI and
    Linked Data pages in front of that server. Exit status: 0 published, 2 a graph was refused or
    the server cannot be reached (the message says which graphs were already replaced).
    """
    from icmpd_kg.publishing.graph_store import Auth, graphs_of
    from icmpd_kg.publishing.graph_store import publish as run_publish

    if scheme in ("basic", "digest") and (user is None or password is None):
        raise click.UsageError(f"--auth {scheme} needs --user and --password (or ICMPD_KG_PUBLISH_PASSWORD)")
    if scheme == "bearer" and not token:
        raise click.UsageError("--auth bearer needs --token (or ICMPD_KG_PUBLISH_TOKEN)")
    try:
        total = len(graphs_of(dist))
        with click.progressbar(length=total, label="publishing", file=sys.stderr) as bar:
            done = run_publish(
                dist,
                store,
                Auth(scheme, user, password, token),
                progress=lambda _: bar.update(1),
                default_graph=default_graph,
            )
    except IcmpdKgError as exc:
        _fail(exc)
    click.echo(f"published {len(done)} graphs to {store}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on."
)
@click.option(
    "--public-url",
    default=None,
    help="Public base URL of this server, used in the service description [default: http://HOST:PORT].",
)
@_dist_option
@limit_option("timeout")
@limit_option("max_rows")
@limit_option("max_query_length")
@limit_option("workers")
@_store_option(
    "Store to serve: 'oxigraph:DIR', 'memory' (the built dump, read by rdflib) or 'sparql:URL' "
    "(another SPARQL server, behind this endpoint's policy) [default: DIST/oxigraph]."
)
@_default_graph_option(_QUERY_DEFAULT_GRAPH)
@limit_option("fast_budget")
@limit_option("client_share")
@limit_option("memory_limit_mb")
@limit_option("memory_budget_mb")
@_allow_service_option
@click.option(
    "--yasgui-dir",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    default=None,
    help="Directory holding yasgui.min.js and yasgui.min.css [default: the checkout's node_modules].",
)
@click.option(
    "--update-key",
    envvar="ICMPD_KG_UPDATE_KEY",
    default=None,
    show_envvar=True,
    help="Enable SPARQL Update for clients presenting 'Authorization: Bearer KEY' "
    "[default: updates disabled, answered 403]. Changes go to a copy of the store that lives "
    "as long as the server; the build is never changed.",
)
@limit_option("max_connections")
@click.option(
    "--forwarded-allow-ips",
    default=None,
    metavar="IPS",
    help="Comma-separated addresses of proxies in front of this server whose X-Forwarded-For "
    "(and -Proto) name the client, for per-client shares and the log [default: none: a client is "
    "the address it connects from, and the header is ignored].",
)
@limit_option("client_timeout")
def serve(
    host: str,
    port: int,
    public_url: str | None,
    dist: Path,
    store: StoreSpec | None,
    default_graph: str | None,
    allow_service: tuple[str, ...],
    yasgui_dir: Path | None,
    update_key: str | None,
    forwarded_allow_ips: str | None,
    **limits: Any,
) -> None:
    """Serve the built graph: SPARQL endpoint and query UI at /sparql, Linked Data under /id/,
    the ontology at /ontology, dumps at /dumps/, VoID at /.well-known/void, health at /health."""
    from icmpd_kg.runtime.config import DEFAULT_SERVICE_ALLOWLIST, ServerConfig
    from icmpd_kg.web.serve import check_build, run

    try:
        check_build(dist)
    except IcmpdKgError as exc:
        _fail(exc)
    spec = _parse_store(store, dist, default_graph)
    if not spec.exists():
        _fail(
            IcmpdKgError(f"{spec.location}: no Oxigraph store here; run 'icmpd-kg build' or 'icmpd-kg load'")
        )
    limits["memory_limit_mb"] = limits["memory_limit_mb"] or None  # 0: only the budget's share
    config = ServerConfig(
        dist=dist,
        public_url=public_url or "",
        store=spec,
        service_allowlist=allow_service or DEFAULT_SERVICE_ALLOWLIST,
        yasgui_dir=yasgui_dir or paths.YASGUI_DIR,
        update_key=update_key,
        **limits,
    )
    try:
        started = run(config, host, port, forwarded_allow_ips)
    except IcmpdKgError as exc:
        _fail(exc)
    if not started:
        sys.exit(3)  # as uvicorn does when the app cannot start


@main.command("release")
@click.option("--version", "version", required=True, metavar="X.Y.Z", help="The release's version.")
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("releases"),
    show_default=True,
    help="Where the archive and its checksum go.",
)
@click.option("--date", "day", default=None, metavar="YYYY-MM-DD", help="[default: the last commit's date]")
def release_command(version: str, out: Path, day: str | None) -> None:
    """Build afresh and write icmpd-kg-X.Y.Z.tar.gz (every file of the build but the store, with
    RO-Crate and DataCite metadata, CITATION.cff, the licences and the CHANGELOG) and its SHA-256.
    Two releases of the same commit are byte-identical. See the README for publishing it."""
    from icmpd_kg.publishing.release import release

    try:
        made = release(version, out, day)
    except IcmpdKgError as exc:
        _fail(exc)
    except OSError as exc:
        _fail(_unwritable(out, exc))
    click.echo(f"wrote {made.archive} ({len(made.members)} files), sha256 {made.checksum}")


@main.group()
def fact() -> None:
    """A curator's commands: add a fact from a quote of the source, show it, check it."""


_data_dir_option = click.option(
    "--data-dir",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    default=None,
    help="The data folder (its *.ttl, *.trig, mappings/ and source/) [default: the project's data/].",
)


@fact.command("new")
@click.argument("slug")
@click.option("--quote", required=True, help="The source's words that state the fact (white space as typed).")
@click.option("--occurrence", type=click.IntRange(min=1), default=None, help="Which occurrence, if several.")
@click.option(
    "--file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="The TriG file to add it to [default: the file of the neighbouring words' facts].",
)
@_data_dir_option
def fact_new(slug: str, quote: str, occurrence: int | None, file: Path | None, data_dir: Path | None) -> None:
    """Add fact graph SLUG: its annotation (quote and position selectors, offsets computed from the
    source) and an empty fact graph to fill, appended to a data file atomically. Refused, with
    nothing written, when SLUG exists or the words are not in the source (or occur more than once
    without --occurrence)."""
    from icmpd_kg.curation.facts import Where, new_fact

    try:
        if data_dir is None and file is None and paths.RESOURCES == paths.PACKAGE_DIR / "_resources":
            # installed from a wheel: its data is a copy inside the package, not a curator's files
            raise IcmpdKgError(
                f"no checkout's data here (the installed package's copy is {paths.DATA_DIR}): give "
                "--data-dir with the data folder of a checkout, or run the command in one"
            )
        target, start, end = new_fact(slug, quote, occurrence, file, Where(data_dir or paths.DATA_DIR))
    except IcmpdKgError as exc:
        _fail(exc)
    click.echo(f"added fact:{slug} to {target} (source offsets {start}..{end}); state its triples there")


@fact.command("show")
@click.argument("slug")
@_data_dir_option
def fact_show(slug: str, data_dir: Path | None) -> None:
    """Print fact SLUG's quote in its context, its triples, and what validation says about it."""
    from icmpd_kg.curation.facts import Where, show_fact

    try:
        view = show_fact(slug, Where(data_dir or paths.DATA_DIR))
    except IcmpdKgError as exc:
        _fail(exc)
    click.echo(view.as_text())
    sys.exit(0 if not view.results else EXIT_NONCONFORMANT)


def _rule_shape(_ctx: click.Context, _param: click.Parameter, names: tuple[str, ...]) -> list[URIRef] | None:
    """``--rule NAME``: a dataset rule by its shape's name (``GraphHasProvenance``) or IRI."""
    from icmpd_kg.validation.rules import rule_named

    if not names:
        return None
    try:
        return [rule_named(name) for name in names]
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@fact.command("check")
@click.argument("slug")
@_data_dir_option
@click.option(
    "--rule",
    "rules",
    multiple=True,
    metavar="NAME",
    callback=_rule_shape,
    help="Run only this dataset rule (its shape's name, e.g. FactLiteralInQuote), and no SHACL; "
    "repeatable [default: all of validation].",
)
def fact_check(slug: str, data_dir: Path | None, rules: list[URIRef] | None) -> None:
    """Validate the data and print the results about fact SLUG (its graph, its annotation, what it
    states). Exit 0 when there are none, 1 otherwise, 2 on an error."""
    from icmpd_kg.curation.facts import Where, check_fact

    try:
        _, results = check_fact(slug, Where(data_dir or paths.DATA_DIR), rules=rules)
    except IcmpdKgError as exc:
        _fail(exc)
    if results:
        click.echo(f"fact:{slug}: {len(results)} result(s)\n\n" + "\n\n".join(r.as_text() for r in results))
        sys.exit(EXIT_NONCONFORMANT)
    click.echo(f"fact:{slug}: conforms")


if __name__ == "__main__":  # pragma: no cover
    main()
