"""The maintainer script and the command's help: they are used by people, so they are tested."""

from __future__ import annotations

from click.testing import CliRunner
from rdflib import Namespace

from icmpd_kg.cli import main

OA = Namespace("http://www.w3.org/ns/oa#")


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
