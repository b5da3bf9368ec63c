"""The maintainer script and the command's help: they are used by people, so they are tested."""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner
from rdflib import Dataset, Literal, Namespace, URIRef

from icmpd_kg.cli import main
from icmpd_kg.namespaces import PREFIXES
from icmpd_kg.paths import SOURCE_FILE

from .conftest import REPO

OA = Namespace("http://www.w3.org/ns/oa#")


def test_annotate_expands_a_placeholder_into_a_web_annotation(tmp_path):
    quote = "1993 yılında kurulan"
    data = tmp_path / "facts.trig"
    prefixes = "".join(
        f"@prefix {p}: <{ns}> .\n" for p, ns in PREFIXES.items()
    )  # as the data files declare them
    data.write_text(prefixes + f"#@prov icmpd-founding | {quote}\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "annotate.py"), str(data)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    text = data.read_text(encoding="utf-8")
    assert "#@prov" not in text
    ds = Dataset()
    ds.parse(data=text, format="trig")
    [exact] = list(ds.objects(None, OA.exact))
    [start] = list(ds.objects(None, OA.start))
    [end] = list(ds.objects(None, OA.end))
    source = SOURCE_FILE.read_text(encoding="utf-8")
    assert exact == Literal(quote) and source[int(start) : int(end)] == quote
    assert URIRef("https://w3id.org/icmpd-kg/id/fact/icmpd-founding") in set(ds.objects(None, OA.hasBody))


def test_serve_help_names_every_runtime_option():
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0
    for option in (
        "--store",
        "--timeout",
        "--workers",
        "--fast-budget",
        "--client-share",
        "--memory-limit",
        "--allow-service",
        "--update-key",
        "--max-rows",
        "--public-url",
    ):
        assert option in result.output, option
