"""The ``icmpd-kg`` command. Each subcommand is a thin wrapper over a plain function."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from icmpd_kg import __version__, paths
from icmpd_kg.errors import EXIT_NONCONFORMANT, IcmpdKgError, NonConformantError


def _fail(exc: IcmpdKgError) -> None:
    click.echo(f"icmpd-kg: error: {exc}", err=True)
    sys.exit(exc.exit_code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="icmpd-kg")
def main() -> None:
    """A linked-data knowledge graph of ICMPD and its work in Turkey: build, validate, query, serve."""


@main.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "turtle", "json"]), default="text", show_default=True,
              help="How to print the validation report.")
def validate(files: tuple[Path, ...], fmt: str) -> None:
    """Validate the ontology and data against the SHACL shapes.

    With no FILES, validates the project's own data (data/*.ttl, data/*.trig and the SSSOM tables
    in data/mappings/). FILES may be Turtle, TriG, N-Triples, N-Quads, RDF/XML, JSON-LD or SSSOM
    TSV. The ontology and the class hierarchy of its imports are always included; nothing is
    inferred. Exit status: 0 conforms, 1 does not conform, 2 unreadable input.
    """
    from icmpd_kg.validate import validate_files

    try:
        report = validate_files(list(files) or None)
    except IcmpdKgError as exc:
        _fail(exc)
    output = {"text": report.as_text, "turtle": report.as_turtle, "json": report.as_json}[fmt]()
    click.echo(output.rstrip("\n"))
    sys.exit(0 if report.conforms else EXIT_NONCONFORMANT)


@main.command()
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=paths.DEFAULT_DIST,
              show_default=True, help="Directory to write the built files to (replaced as a whole).")
def build(out: Path) -> None:
    """Validate, then write every dump, the VoID/DCAT description, the report and SHA-256 sums.

    Refuses to write anything if the graph does not conform (exit 1); a failed build leaves an
    existing output directory untouched.
    """
    from icmpd_kg.export import build as run_build

    try:
        result = run_build(out)
    except NonConformantError as exc:
        if exc.report is not None:
            click.echo(exc.report.as_text(), err=True)
        _fail(exc)
    except IcmpdKgError as exc:
        _fail(exc)
    click.echo(f"built {result.triples} triples into {result.out}/ ({len(result.files)} files); the graph conforms")


@main.group()
def export() -> None:
    """Write views of the graph for other communities."""


@export.command("wikidata")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="File to write the Turtle to (default: standard output).")
def export_wikidata(out: Path | None) -> None:
    """Our facts in the Wikibase RDF format of the Wikidata dumps and Query Service (Turtle).

    Truthy wdt: statements, p:/ps:/pq: statement nodes with ranks, date and quantity value nodes,
    and a reference on every statement (pr:P854 source, pr:P1683 quotation, pr:P407 Turkish).
    'icmpd-kg build' writes the same view to dist/icmpd-kg-wikidata.ttl.
    """
    from icmpd_kg.export import wikidata_view_turtle
    from icmpd_kg.graph import KnowledgeGraph

    try:
        text = wikidata_view_turtle(KnowledgeGraph.load())
    except IcmpdKgError as exc:
        _fail(exc)
    if out is None:
        click.echo(text, nl=False)
        return
    tmp = out.with_name(out.name + ".tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(out)
    except OSError as exc:
        from icmpd_kg.errors import InputFileError

        _fail(InputFileError(out, f"cannot write: {exc.strerror}"))
    click.echo(f"wrote the Wikidata view to {out}", err=True)


def _wikidata_facts(snapshot: Path | None, endpoint: str, cache_dir: Path):
    """(our dataset, comparison rows) from a snapshot file or the live Query Service."""
    import datetime
    import json as _json

    from icmpd_kg.errors import InputFileError
    from icmpd_kg.graph import KnowledgeGraph
    from icmpd_kg.wikidata import Client
    from icmpd_kg.wikidata_compare import compare, fetch, theirs_from

    data = KnowledgeGraph.load().data
    if snapshot is not None:
        try:
            results = _json.loads(snapshot.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputFileError(snapshot, f"cannot read SPARQL JSON results: {exc}") from None
        where: Path | str = snapshot
        label = f"Wikidata snapshot {snapshot.name}"
    else:
        results = fetch(data, Client(endpoint=endpoint, cache_dir=cache_dir))
        where, label = endpoint, f"Wikidata Query Service ({endpoint}), {datetime.date.today().isoformat()}"
    return data, compare(data, theirs_from(results, where), label)


_snapshot_option = click.option(
    "--snapshot", type=click.Path(path_type=Path, exists=True, dir_okay=False), default=None,
    help="Compare with a saved SPARQL JSON result (?item ?prop ?value) instead of asking Wikidata.")
_endpoint_option = click.option("--endpoint", default="https://query.wikidata.org/sparql", show_default=True,
                                help="The Query Service to ask when no --snapshot is given.")
_cache_option = click.option("--cache", "cache_dir", type=click.Path(path_type=Path, file_okay=False),
                             default=Path(".cache/wikidata"), show_default=True, help="Directory of cached answers.")


@main.group()
def compare() -> None:
    """Compare our facts with other datasets."""


@compare.command("wikidata")
@_snapshot_option
@_endpoint_option
@_cache_option
@click.option("--format", "fmt", type=click.Choice(["text", "csv", "json"]), default="text", show_default=True,
              help="Report format.")
def compare_wikidata(snapshot: Path | None, endpoint: str, cache_dir: Path, fmt: str) -> None:
    """Fact by fact: agrees / differs / only ours / only Wikidata's, with both values and sources.

    Covers every statement of the Wikidata-shaped view whose subject has a curated Wikidata link.
    Exit status: 0 reported, 2 Wikidata unreachable or the snapshot unreadable.
    """
    from icmpd_kg.wikidata_compare import as_csv, as_json, as_text

    try:
        _, rows = _wikidata_facts(snapshot, endpoint, cache_dir)
    except IcmpdKgError as exc:
        _fail(exc)
    click.echo({"text": as_text, "csv": as_csv, "json": as_json}[fmt](rows), nl=False)


@export.command("quickstatements")
@_snapshot_option
@_endpoint_option
@_cache_option
def export_quickstatements(snapshot: Path | None, endpoint: str, cache_dir: Path) -> None:
    """QuickStatements (V1) for our sourced facts that Wikidata lacks, with S854/S1683/S407 references.

    Decided by the same comparison as 'icmpd-kg compare wikidata' (live, or from --snapshot); only
    statements about linked items whose values Wikidata can hold are written. Review before use.
    """
    from icmpd_kg.wikidata_compare import quickstatements

    try:
        data, rows = _wikidata_facts(snapshot, endpoint, cache_dir)
    except IcmpdKgError as exc:
        _fail(exc)
    click.echo(quickstatements(data, rows), nl=False)


@main.group()
def link() -> None:
    """Find links from our records to other datasets."""


@link.command("wikidata")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False),
              default=Path("wikidata-suggestions.sssom.tsv"), show_default=True,
              help="SSSOM file to write the suggestions to (never the curated table in data/mappings/).")
@click.option("--api", default="https://www.wikidata.org/w/api.php", show_default=True,
              help="Wikibase action API to search (wbsearchentities).")
@click.option("--endpoint", default="https://query.wikidata.org/sparql", show_default=True,
              help="SPARQL endpoint that answers the type checks (wdt:P31/wdt:P279*).")
@click.option("--cache", "cache_dir", type=click.Path(path_type=Path, file_okay=False),
              default=Path(".cache/wikidata"), show_default=True, help="Directory of cached answers.")
@click.option("--min-interval", type=float, default=1.0, show_default=True,
              help="Seconds between two requests (Wikimedia asks for one request at a time).")
@click.option("--threshold", type=click.FloatRange(0, 1), default=0.6, show_default=True,
              help="Lowest label similarity kept as a suggestion.")
def link_wikidata(out: Path, api: str, endpoint: str, cache_dir: Path, min_interval: float, threshold: float) -> None:
    """Suggest Wikidata items for records without a curated link, as an SSSOM table to review.

    Searches each record's Turkish and English labels and acronyms with wbsearchentities, keeps
    items whose type fits (for projects, laws and organisations, the classes curated in
    data/mappings/wikidata.sssom.tsv), and scores them by label similarity (semapv:LexicalMatching).
    Exit status: 0 written, 2 when the service cannot be reached or the output cannot be written.
    """
    import datetime

    from icmpd_kg.errors import InputFileError
    from icmpd_kg.wikidata import Client, load_merged, reconcile, suggestions_table

    if out.resolve() == paths.WIKIDATA_MAPPINGS_FILE.resolve():
        _fail(InputFileError(out, "refusing to overwrite the curated mappings; write suggestions elsewhere"))
    client = Client(api=api, endpoint=endpoint, cache_dir=cache_dir, min_interval=min_interval)
    try:
        suggestions = reconcile(load_merged(), client, threshold,
                                progress=lambda items: click.progressbar(items, label="searching Wikidata",
                                                                         file=sys.stderr))
    except IcmpdKgError as exc:
        _fail(exc)
    table = suggestions_table(suggestions, datetime.date.today().isoformat())
    try:
        tmp = out.with_name(out.name + ".tmp")
        tmp.write_text(table, encoding="utf-8")
        tmp.replace(out)
    except OSError as exc:
        _fail(InputFileError(out, f"cannot write: {exc.strerror}"))
    click.echo(f"{len(suggestions)} suggestions for review in {out} ({client.requests_made} requests)")


@main.command()
@click.argument("sparql", required=False)
@click.option("--file", "query_file", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="Read the query from this file instead of the argument.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True,
              help="Result format: SELECT/ASK as a table, CSV or SPARQL JSON; CONSTRUCT as Turtle or JSON-LD.")
@click.option("--dist", type=click.Path(path_type=Path, file_okay=False), default=paths.DEFAULT_DIST,
              show_default=True, help="Directory of the built graph (from 'icmpd-kg build').")
def query(sparql: str | None, query_file: Path | None, fmt: str, dist: Path) -> None:
    """Run a SPARQL query over the built graph.

    The project's prefixes (ikg:, organisation:, project:, ...) are predeclared. Named graphs are
    queryable with GRAPH; the default graph is the union of all graphs.
    """
    from icmpd_kg.query import format_result, load_built, run_query

    if (sparql is None) == (query_file is None):
        raise click.UsageError("give a query either as an argument or with --file, not both")
    text = sparql if sparql is not None else query_file.read_text(encoding="utf-8")
    try:
        result = run_query(load_built(dist), text)
    except IcmpdKgError as exc:
        _fail(exc)
    click.echo(format_result(result, fmt).rstrip("\n"))


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option("--public-url", default=None,
              help="Public base URL of this server, used in the service description [default: http://HOST:PORT].")
@click.option("--dist", type=click.Path(path_type=Path, file_okay=False), default=paths.DEFAULT_DIST,
              show_default=True, help="Directory of the built graph (from 'icmpd-kg build').")
@click.option("--timeout", default=10.0, show_default=True, type=click.FloatRange(min=0.1),
              help="Seconds a query may run before it is stopped (answered 503).")
@click.option("--max-rows", default=10_000, show_default=True, type=click.IntRange(min=1),
              help="Most result rows returned; a cut result says so in the X-Result-Truncated header.")
@click.option("--max-query-length", default=100_000, show_default=True, type=click.IntRange(min=1),
              help="Longest query accepted, in characters (longer ones are answered 413).")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(min=1),
              help="Query worker processes.")
@click.option("--allow-service", "allow_service", multiple=True,
              help="SPARQL endpoint that SERVICE may call (repeatable) [default: https://query.wikidata.org/sparql].")
@click.option("--yasgui-dir", type=click.Path(path_type=Path, file_okay=False, exists=True), default=None,
              help="Directory holding yasgui.min.js and yasgui.min.css [default: the checkout's node_modules].")
@click.option("--update-key", envvar="ICMPD_KG_UPDATE_KEY", default=None, show_envvar=True,
              help="Enable SPARQL Update for clients presenting 'Authorization: Bearer KEY' "
                   "[default: updates disabled, answered 403]. Changes live in memory only.")
def serve(host: str, port: int, public_url: str | None, dist: Path, timeout: float, max_rows: int,
          max_query_length: int, workers: int, allow_service: tuple[str, ...], yasgui_dir: Path | None,
          update_key: str | None) -> None:
    """Serve the built graph: SPARQL endpoint and query UI at /sparql, Linked Data under /id/,
    the ontology at /ontology, dumps at /dumps/, VoID at /.well-known/void, health at /health."""
    import uvicorn

    from icmpd_kg.query import QUAD_DUMP
    from icmpd_kg.server import DEFAULT_SERVICE_ALLOWLIST, ServerConfig, create_app

    if not (dist / QUAD_DUMP).is_file():
        _fail(IcmpdKgError(f"{dist / QUAD_DUMP}: no built graph here; run 'icmpd-kg build' first (or give --dist)"))
    config = ServerConfig(dist=dist, public_url=(public_url or f"http://{host}:{port}").rstrip("/"),
                          timeout=timeout, max_rows=max_rows, max_query_length=max_query_length, workers=workers,
                          service_allowlist=allow_service or DEFAULT_SERVICE_ALLOWLIST,
                          yasgui_dir=yasgui_dir or paths.YASGUI_DIR, update_key=update_key)
    uvicorn.run(create_app(config), host=host, port=port, log_level="info")


if __name__ == "__main__":  # pragma: no cover
    main()
