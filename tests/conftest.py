"""Shared fixtures. Paths come from icmpd_kg.paths or from this file, never the working directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from icmpd_kg.export import build
from icmpd_kg.graph import KnowledgeGraph
from icmpd_kg.validate import validate

TESTS_DIR = Path(__file__).resolve().parent
REPO = TESTS_DIR.parent
SHARED_SOURCE = REPO.parent / "shared" / "source" / "icmpd-tr.txt"


@pytest.fixture(scope="session")
def kg() -> KnowledgeGraph:
    return KnowledgeGraph.load()


@pytest.fixture(scope="session")
def union(kg):
    return kg.union


@pytest.fixture(scope="session")
def report(kg):
    return validate(kg)


@pytest.fixture(scope="session")
def dist(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("build") / "dist"
    build(out)
    return out
