"""Each example query runs over the built graph and gives the answer the source supports."""

from __future__ import annotations

import re

import pytest

from icmpd_kg.core import paths
from icmpd_kg.sparql.engine import open_engine

from .conftest import by_value, value_of

ID = "https://w3id.org/icmpd-kg/id/"
STORES = ("oxigraph", "memory")


@pytest.fixture(scope="module", params=STORES)
def built(dist, request):
    """Every example query is checked on both stores: Oxigraph's engine and rdflib's."""
    return open_engine(dist, None if request.param == "oxigraph" else "memory")


def answer(built, name):
    return built.query((paths.QUERIES_DIR / f"{name}.rq").read_text(encoding="utf-8")).strings()


def test_every_query_has_bilingual_header():
    for q in paths.query_files():
        head = q.read_text(encoding="utf-8").splitlines()[:3]
        assert head[0].startswith("# title@en: ") and head[1].startswith("# title@tr: "), q.name
        assert head[2].startswith("# answers: "), q.name


def test_example_views_are_views_the_ui_draws():
    """An example that asks for a result view with WDQS's ``#defaultView:`` names one the query UI
    offers (an unknown one would silently fall back to the table)."""
    script = (paths.PACKAGE_DIR / "static" / "query.js").read_text(encoding="utf-8")
    offered = set(re.findall(r"(\w+): \"\1\"", re.search(r"const VIEWS = \{([^}]*)\}", script)[1]))
    assert {"barchart", "timeline", "graph", "table"} <= offered
    asked = {
        q.name: re.findall(r"^#\s*defaultView:\s*(\w+)", q.read_text(encoding="utf-8"), re.M)
        for q in paths.query_files()
    }
    assert sum(map(len, asked.values())) >= 2
    for name, views in asked.items():
        assert all(v.lower() in offered for v in views), name


def test_founding(built):
    rows = answer(built, "founding")
    assert {(r["year"], r["initiatorLabel"]) for r in rows} == {("1993", "Austria"), ("1993", "Switzerland")}


def test_members_in_order(built):
    assert answer(built, "members-in-order") == [
        {"ordinal": "17", "member": ID + "state/turkey", "memberLabel": "Türkiye", "since": "2018-05-15"}
    ]


def test_turkey_accession_chain(built):
    assert answer(built, "turkey-accession-chain") == [
        {
            "lawNumber": "6993",
            "lawDate": "2017-03-09",
            "gazetteIssue": "30024",
            "gazetteDate": "2017-03-31",
            "memberSince": "2018-05-15",
            "ordinal": "17",
        }
    ]


def test_projects_by_status(built):
    rows = {r["statusLabel"]: (r["projects"], r["acronyms"]) for r in answer(built, "projects-by-status")}
    assert rows == {
        "completed": ("2", "MIND, SIDEM"),
        "ongoing": ("6", "FRIT, PACT, SHIFT, SUMMIT, SUPREME, TACSO"),
    }


def test_projects_completed_in_2019(built):
    assert [(r["acronym"], r["end"]) for r in answer(built, "projects-completed-2019")] == [
        ("MIND", "2019-07"),
        ("SIDEM", "2019-07"),
    ]


def test_projects_by_beneficiary_and_theme(built):
    rows = answer(built, "projects-by-beneficiary-and-theme")
    beneficiaries = {r["acronym"]: r.get("beneficiaryLabel") for r in rows if r.get("beneficiaryLabel")}
    assert beneficiaries == {
        "PACT": "Directorate General of Migration Management",
        "SHIFT": "Ministry of Family, Labour and Social Services",
    }
    themes = {(r["acronym"], r["themeLabel"]) for r in rows}
    assert ("PACT", "asylum") in themes and ("SHIFT", "combating trafficking in human beings") in themes
    assert ("FRIT", "entrepreneurship") in themes
    assert {r["acronym"] for r in rows} == {
        "SUPREME",
        "PACT",
        "SHIFT",
        "SUMMIT",
        "TACSO",
        "FRIT",
        "MIND",
        "SIDEM",
    }


def test_where_icmpd_operates(built):
    rows = answer(built, "where-icmpd-operates")
    assert [r["labelTr"] for r in rows] == [
        "Afrika",
        "Orta Asya",
        "Avrasya",
        "Avrupa",
        "Latin Amerika",
        "Ortadoğu",
    ]


def test_source_of_a_fact(built):
    [row] = answer(built, "source-of-a-fact")
    text = paths.SOURCE_FILE.read_text(encoding="utf-8")
    assert row["fact"] == ID + "fact/turkey-membership"
    assert text[int(row["start"]) : int(row["end"])] == row["quote"]
    assert "15 Mayıs 2018" in row["quote"]


def test_member_count_and_turkey(built):
    assert answer(built, "member-count-and-turkey") == [
        {
            "members": "19",
            "sourceDateAfter": "2019-07",
            "member": ID + "state/turkey",
            "since": "2018-05-15",
            "ordinal": "17",
        }
    ]


def test_office_running_the_projects(built):
    [row] = answer(built, "office-running-the-projects")
    assert row["office"] == ID + "unit/ankara-office"
    assert (row["officeLabel"], row["placeLabel"]) == ("Ankara Ofisi", "Ankara")
    assert row["coordinationLabel"] == "Batı Balkanlar ve Türkiye Bölge Koordinatörlüğü"
    assert row["projects"] == "8"
    assert row["acronyms"] == "FRIT, MIND, PACT, SHIFT, SIDEM, SUMMIT, SUPREME, TACSO"


def test_every_query_is_tested():
    """A competency question without a test could silently stop answering. Queries that need the
    internet are tested against a local stand-in (tests/test_server.py) instead."""
    tested = {name[len("test_") :].replace("_", "-") for name in globals() if name.startswith("test_")}
    tested |= {q.stem for q in paths.query_files() if paths.query_needs_internet(q)}
    missing = [
        q.stem
        for q in paths.query_files()
        if q.stem not in tested and q.stem.replace("-2019", "-in-2019") not in tested
    ]
    assert not missing, missing


def test_wikidata_turkey_membership(built):
    [row] = answer(built, "wikidata-turkey-membership")
    assert (value_of(row["start"]), row["ordinal"]) == (value_of("2018-05-15T00:00:00Z"), "17")
    assert "15 Mayıs 2018 tarihinde 17. Üyesi olarak ICMPD’ye katılmıştır" in row["quote"]


@pytest.mark.parametrize(
    "path", [p for p in paths.query_files() if not paths.query_needs_internet(p)], ids=lambda p: p.stem
)
def test_every_example_query_answers_the_same_on_both_stores(dist, path):
    """Oxigraph's native engine and rdflib's give the same rows (typed literals compared by value:
    Oxigraph returns them in canonical form)."""
    text = path.read_text(encoding="utf-8")
    answers = [open_engine(dist, store).query(text) for store in (None, "memory")]
    assert answers[0].variables == answers[1].variables
    oxigraph, memory = [sorted(map(repr, by_value(a.strings()))) for a in answers]
    assert oxigraph == memory and oxigraph, path.name
