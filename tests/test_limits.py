"""Each runtime limit is declared once (a field of ServerConfig with its bound, option and help), and
the server's options, the config and the policy are made from that declaration."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from icmpd_kg.cli import main, serve
from icmpd_kg.runtime.config import LIMITS, ServerConfig, query_policy


def test_every_limit_is_an_option_of_serve_with_its_declared_default_and_bound():
    options = {p.name: p for p in serve.params}
    assert set(LIMITS) <= set(options)
    for name, declared in LIMITS.items():
        option = options[name]
        assert option.default == declared.default, name
        assert option.type.min == declared.metadata["limit"]["minimum"], name  # type: ignore[attr-defined]
        assert option.help == declared.metadata["limit"]["help"], name


def test_a_value_below_a_limits_bound_is_a_usage_error_naming_the_option(tmp_path):
    result = CliRunner().invoke(main, ["serve", "--dist", str(tmp_path), "--workers", "0"])
    assert result.exit_code == 2
    assert "--workers" in result.output and "x>=1" in result.output


def test_the_policy_follows_the_config():
    config = ServerConfig(Path("dist"), public_url="http://example.org/", max_rows=7, timeout=3.0)
    policy = query_policy(config)
    assert (policy.max_rows, policy.service_timeout, policy.base_iri) == (7, 3.0, "http://example.org/sparql")
