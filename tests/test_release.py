"""A release: a versioned, checksummed archive that RO-Crate and DataCite readers take, the same
bytes twice, refused when it would be wrong."""

from __future__ import annotations

import datetime
import hashlib
import json
import tarfile

import pytest
import yaml
from click.testing import CliRunner
from rdflib import OWL, Graph, Literal, URIRef

from icmpd_kg.cli import main
from icmpd_kg.core.namespaces import DATASET, DCAT_VERSION

VERSION = "0.2.0"
DAY = "2026-11-30"


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    out = tmp_path_factory.mktemp("releases")
    result = CliRunner().invoke(main, ["release", "--version", VERSION, "--date", DAY, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def members(archive) -> dict[str, bytes]:
    with tarfile.open(archive) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}


def test_the_archive_and_its_checksum(released):
    archive = released / f"icmpd-kg-{VERSION}.tar.gz"
    digest, name = (released / f"{archive.name}.sha256").read_text().split()
    assert name == archive.name and digest == hashlib.sha256(archive.read_bytes()).hexdigest()
    found = members(archive)
    root = f"icmpd-kg-{VERSION}/"
    assert all(n.startswith(root) for n in found)
    names = {n[len(root) :] for n in found}
    for needed in ("icmpd-kg.ttl", "icmpd-kg.jsonld", "icmpd-kg.nq", "void.ttl", "ro-crate-metadata.json"):
        assert needed in names
    assert {"datacite.json", "CITATION.cff", "LICENSE", "LICENSE-DATA.md", "CHANGELOG.md"} <= names
    assert not any(n.startswith(("oxigraph/", "ontology-pages/")) for n in names), "rebuilt, not shipped"
    midnight = int(datetime.datetime.fromisoformat(DAY).replace(tzinfo=datetime.timezone.utc).timestamp())
    with tarfile.open(archive) as tar:
        assert {(m.uid, m.gid, m.mtime) for m in tar.getmembers()} == {(0, 0, midnight)}


def test_two_releases_of_the_same_commit_are_byte_identical(released, tmp_path):
    result = CliRunner().invoke(
        main, ["release", "--version", VERSION, "--date", DAY, "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    name = f"icmpd-kg-{VERSION}.tar.gz"
    assert (tmp_path / name).read_bytes() == (released / name).read_bytes()


def test_ro_crate_is_read_by_ro_crate_py_and_lists_every_file(released, tmp_path):
    from rocrate.rocrate import ROCrate

    with tarfile.open(released / f"icmpd-kg-{VERSION}.tar.gz") as tar:
        tar.extractall(tmp_path, filter="data")
    folder = tmp_path / f"icmpd-kg-{VERSION}"
    crate = ROCrate(folder)
    assert crate.root_dataset["version"] == VERSION and crate.root_dataset["datePublished"] == DAY
    assert crate.root_dataset["license"].id == "https://creativecommons.org/licenses/by/4.0/"
    listed = {e.id for e in crate.data_entities}
    on_disk = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert listed == on_disk - {"ro-crate-metadata.json"}
    for entity in crate.data_entities:
        data = (folder / entity.id).read_bytes()
        assert entity["sha256"] == hashlib.sha256(data).hexdigest() and int(entity["contentSize"]) == len(
            data
        )
    assert crate.get("icmpd-kg.ttl")["encodingFormat"] == "text/turtle"


def test_version_in_void_citation_datacite_and_changelog(released):
    found = members(released / f"icmpd-kg-{VERSION}.tar.gz")
    root = f"icmpd-kg-{VERSION}/"
    void = Graph().parse(data=found[root + "void.ttl"], format="turtle")
    assert (DATASET, DCAT_VERSION, Literal(VERSION)) in void
    assert (DATASET, OWL.versionIRI, URIRef(f"https://w3id.org/icmpd-kg/dataset/{VERSION}")) in void
    ontology = Graph().parse(data=found[root + "icmpd-kg-ontology.ttl"], format="turtle")
    assert next(ontology.objects(None, OWL.versionIRI), None) is not None
    cff = yaml.safe_load(found[root + "CITATION.cff"])
    assert cff["version"] == VERSION and str(cff["date-released"]) == DAY and cff["license"] == "CC-BY-4.0"
    record = json.loads(found[root + "datacite.json"])
    assert record["version"] == VERSION and record["publicationYear"] == "2026"
    assert record["types"]["resourceTypeGeneral"] == "Dataset"
    assert {"rightsIdentifier": "cc-by-4.0"}.items() <= record["rightsList"][0].items()
    assert f"## [{VERSION}] - {DAY}" in found[root + "CHANGELOG.md"].decode("utf-8")


@pytest.mark.parametrize(
    "args,expected",
    [
        (["--version", "1.0"], "MAJOR.MINOR.PATCH"),
        (["--version", "1.0.0", "--date", "30.11.2026"], "YYYY-MM-DD"),
        (["--version", "0.1.0"], "0.1.0 is released already"),  # the CHANGELOG has its section
    ],
)
def test_a_wrong_release_is_refused_with_nothing_written(tmp_path, args, expected):
    result = CliRunner().invoke(main, ["release", *args, "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and expected in result.output
    assert not (tmp_path / "out").exists()


def test_a_version_is_released_once(released):
    before = {p.name: p.read_bytes() for p in released.iterdir()}
    result = CliRunner().invoke(
        main, ["release", "--version", VERSION, "--date", DAY, "--out", str(released)]
    )
    assert result.exit_code == 2 and "exists already" in result.output
    assert {p.name: p.read_bytes() for p in released.iterdir()} == before


def test_the_archive_is_readable_by_others_and_carries_a_readme(released):
    """The archive was written with mkstemp's mode 0600 and had no README."""
    import stat
    import tarfile

    [archive] = released.glob("*.tar.gz")
    assert stat.S_IMODE(archive.stat().st_mode) & 0o044 == 0o044
    with tarfile.open(archive) as tar:
        names = [m.name.split("/", 1)[1] for m in tar.getmembers()]
    assert "README.md" in names


def test_the_crate_types_each_file_as_what_it_is(released):
    """datacite.json was typed JSON-LD in the RO-Crate (it is DataCite's own JSON)."""
    import json
    import tarfile

    [archive] = released.glob("*.tar.gz")
    with tarfile.open(archive) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith("ro-crate-metadata.json"))
        crate = json.load(tar.extractfile(member))  # type: ignore[arg-type]
    formats = {e["@id"]: e.get("encodingFormat") for e in crate["@graph"] if e.get("@type") == "File"}
    assert formats["datacite.json"] == "application/vnd.datacite.datacite+json"
    assert formats["CITATION.cff"] == "application/yaml"
    assert formats["icmpd-kg.jsonld"] == "application/ld+json"
