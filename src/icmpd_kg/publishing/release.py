"""A release: a versioned, checksummed archive of a fresh build, with the metadata repositories and
catalogues read (``icmpd-kg release --version X.Y.Z``).

The archive ``icmpd-kg-X.Y.Z.tar.gz`` holds, under ``icmpd-kg-X.Y.Z/``, everything ``build``
writes except the Oxigraph store (a database, rebuilt from the N-Quads by ``build`` or ``load``) and
pyLODE's HTML pages (not the same bytes from one build to the next; ``build`` makes them again),
built with the version stamped in the VoID description (``dcat:version``, ``owl:versionIRI``), and:

- ``ro-crate-metadata.json``: RO-Crate 1.1 (every file with its media type, size and SHA-256);
- ``datacite.json``: the DataCite Metadata Schema 4 properties of the dataset (a DOI is given by the
  repository it is deposited in, e.g. Zenodo);
- ``CITATION.cff`` with this version and date, ``LICENSE`` (code) and ``LICENSE-DATA.md`` (data);
- ``CHANGELOG.md`` with the unreleased section named for this version.

Beside it, ``icmpd-kg-X.Y.Z.tar.gz.sha256``. The date is the release's (``--date``, by default the
date of the checkout's last commit), and every member's time is that date: two releases of the
same commit are byte-identical.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import mimetypes
import re
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import date as Date
from datetime import datetime, timezone
from pathlib import Path

from icmpd_kg.core import paths
from icmpd_kg.core.atomic import write_file_atomically
from icmpd_kg.core.distfiles import ONTOLOGY_PAGES_DIR, OXIGRAPH_DIR, STEM
from icmpd_kg.core.errors import IcmpdKgError
from icmpd_kg.core.formats import by_extension
from icmpd_kg.core.namespaces import BASE
from icmpd_kg.store.spec import StoreSpec

VERSION = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)")
LICENSE_DATA = "https://creativecommons.org/licenses/by/4.0/"
TITLE = {
    "en": "icmpd-kg: a linked-data knowledge graph of ICMPD and its work in Turkey",
    "tr": "icmpd-kg: ICMPD ve Türkiye'deki çalışmaları hakkında bağlantılı veri bilgi grafı",
}
DESCRIPTION = (
    "Every fact of a Turkish source text about the International Centre for Migration Policy "
    "Development (ICMPD) and its work in Turkey, each traced to the words that state it (W3C Web "
    "Annotation), modelled with a small migration-governance ontology, validated with SHACL, linked "
    "to Wikidata, in Turtle, TriG, N-Triples, N-Quads, RDF/XML and JSON-LD."
)
REPOSITORY_FILES = ("LICENSE", "LICENSE-DATA.md", "README.md")  # README: what it is, how to use it


@dataclass(frozen=True)
class Release:
    archive: Path
    checksum: str
    members: list[str]


def check_version(version: str) -> None:
    if not VERSION.fullmatch(version):
        raise IcmpdKgError(f"version {version!r}: give MAJOR.MINOR.PATCH (semantic versioning), e.g. 1.0.0")


def release_date(given: str | None) -> Date:
    """``given`` (YYYY-MM-DD), else the date of the checkout's last commit."""
    if given is not None:
        try:
            return Date.fromisoformat(given)
        except ValueError:
            raise IcmpdKgError(f"--date {given!r}: give a date as YYYY-MM-DD") from None
    try:
        done = subprocess.run(
            ["git", "-C", str(paths.RESOURCES), "log", "-1", "--format=%cs"],
            capture_output=True,
            text=True,
            check=True,
        )
        return Date.fromisoformat(done.stdout.strip())
    except (OSError, subprocess.CalledProcessError, ValueError):
        raise IcmpdKgError("no git history here to date the release: give --date YYYY-MM-DD") from None


# Files of a release whose extension says less than they are: DataCite's own JSON (not JSON-LD; its
# registered media type), the citation file (YAML), the checksums (text).
RELEASE_MEDIA_TYPES = {
    "datacite.json": "application/vnd.datacite.datacite+json",
    "CITATION.cff": "application/yaml",
    "SHA256SUMS": "text/plain",
}


def media_type(name: str) -> str:
    if name in RELEASE_MEDIA_TYPES:
        return RELEASE_MEDIA_TYPES[name]
    found = by_extension(name)
    if found is not None:
        return found.media_type
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def citation(version: str, day: Date) -> bytes:
    """The repository's CITATION.cff with this version and date."""
    text = (paths.RESOURCES / "CITATION.cff").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^version: .*$", f'version: "{version}"', text)
    text = re.sub(r"(?m)^date-released: .*$", f'date-released: "{day.isoformat()}"', text)
    return text.encode("utf-8")


def changelog(version: str, day: Date) -> bytes:
    """The CHANGELOG with its unreleased section named for this release (refused when there is
    none: a release says what changed)."""
    text = (paths.RESOURCES / "CHANGELOG.md").read_text(encoding="utf-8")
    if f"## [{version}]" in text:  # a version is released once (checked before anything is built)
        raise IcmpdKgError(
            f"version {version} is released already (CHANGELOG.md has a section for it): release the "
            "changes under [Unreleased] as a new version"
        )
    if "## [Unreleased]" not in text:
        raise IcmpdKgError(f"CHANGELOG.md has no [Unreleased] section to release as {version}")
    return text.replace("## [Unreleased]", f"## [{version}] - {day.isoformat()}", 1).encode("utf-8")


def ro_crate(files: dict[str, bytes], version: str, day: Date) -> bytes:
    """RO-Crate 1.1 metadata for the release's files."""
    parts = [
        {
            "@id": name,
            "@type": "File",
            "name": name,
            "encodingFormat": media_type(name),
            "contentSize": str(len(data)),
            "sha256": hashlib.sha256(data).hexdigest(),
        }
        for name, data in sorted(files.items())
    ]
    graph = [
        {
            "@id": "ro-crate-metadata.json",
            "@type": "CreativeWork",
            "conformsTo": {"@id": "https://w3id.org/ro/crate/1.1"},
            "about": {"@id": "./"},
        },
        {
            "@id": "./",
            "@type": "Dataset",
            "name": TITLE["en"],
            "alternateName": TITLE["tr"],
            "description": DESCRIPTION,
            "version": version,
            "datePublished": day.isoformat(),
            "license": {"@id": LICENSE_DATA},
            "url": BASE,
            "identifier": f"{BASE}dataset/{version}",
            "inLanguage": ["tr", "en"],
            "author": {"@id": "#icmpd-kg-contributors"},
            "hasPart": [{"@id": p["@id"]} for p in parts],
        },
        {"@id": "#icmpd-kg-contributors", "@type": "Organization", "name": "icmpd-kg contributors"},
        {"@id": LICENSE_DATA, "@type": "CreativeWork", "name": "CC BY 4.0", "identifier": "CC-BY-4.0"},
        *parts,
    ]
    crate = {"@context": "https://w3id.org/ro/crate/1.1/context", "@graph": graph}
    return (json.dumps(crate, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def datacite(files: dict[str, bytes], version: str, day: Date) -> bytes:
    """The DataCite Metadata Schema 4 properties (as the DataCite REST API's JSON attributes)."""
    record = {
        "schemaVersion": "http://datacite.org/schema/kernel-4",
        "types": {"resourceTypeGeneral": "Dataset", "resourceType": "Knowledge graph"},
        "titles": [{"title": TITLE["en"], "lang": "en"}, {"title": TITLE["tr"], "lang": "tr"}],
        "creators": [{"name": "icmpd-kg contributors", "nameType": "Organizational"}],
        "publisher": {"name": "icmpd-kg"},
        "publicationYear": str(day.year),
        "dates": [{"date": day.isoformat(), "dateType": "Issued"}],
        "version": version,
        "language": "tr",
        "descriptions": [{"description": DESCRIPTION, "descriptionType": "Abstract", "lang": "en"}],
        "subjects": [
            {"subject": s} for s in ("linked data", "knowledge graph", "migration governance", "ICMPD")
        ],
        "rightsList": [
            {
                "rights": "Creative Commons Attribution 4.0 International",
                "rightsUri": LICENSE_DATA,
                "rightsIdentifier": "cc-by-4.0",
                "rightsIdentifierScheme": "SPDX",
            }
        ],
        "alternateIdentifiers": [
            {"alternateIdentifier": f"{BASE}dataset/{version}", "alternateIdentifierType": "URL"}
        ],
        "url": BASE,
        "formats": sorted({media_type(n) for n in files}),
        "sizes": [f"{sum(len(d) for d in files.values())} bytes", f"{len(files)} files"],
    }
    return (json.dumps(record, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def _tar_gz(root: str, files: dict[str, bytes], day: Date) -> bytes:
    """A tar.gz whose bytes depend only on ``files`` and ``day``: members sorted, owned by 0:0,
    mode 0644, dated ``day``; gzip's own header dated ``day`` too."""
    stamp = int(datetime(day.year, day.month, day.day, tzinfo=timezone.utc).timestamp())
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in sorted(files.items()):
            info = tarfile.TarInfo(f"{root}/{name}")
            info.size, info.mtime, info.mode = len(data), stamp, 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(data))
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=stamp, compresslevel=9, filename="") as gz:
        gz.write(raw.getvalue())
    return out.getvalue()


def release(version: str, out: Path, day: str | None = None, data_files: list[Path] | None = None) -> Release:
    """Build afresh with ``version`` stamped, and write the archive and its checksum into ``out``.
    Refused, with nothing written, for a malformed version, an archive of that version already in
    ``out``, or a graph that does not conform."""
    from icmpd_kg.publishing.build import build

    check_version(version)
    when = release_date(day)
    changelog(version, when)  # refused before anything is built: a version the CHANGELOG has released
    out = Path(out)
    name = f"{STEM}-{version}.tar.gz"
    if (out / name).exists():
        raise IcmpdKgError(f"{out / name} exists already: a version is released once")
    with tempfile.TemporaryDirectory(prefix="icmpd-kg-release-") as work:
        dist = Path(work) / "dist"
        build(dist, data_files=data_files, store=StoreSpec("memory"), version=version)
        files = {
            p.relative_to(dist).as_posix(): p.read_bytes()
            for p in sorted(dist.rglob("*"))
            if p.is_file() and p.relative_to(dist).parts[0] not in (OXIGRAPH_DIR, ONTOLOGY_PAGES_DIR)
        }
    files["CITATION.cff"] = citation(version, when)
    files["CHANGELOG.md"] = changelog(version, when)
    for extra in REPOSITORY_FILES:
        files[extra] = (paths.RESOURCES / extra).read_bytes()
    files["datacite.json"] = datacite(files, version, when)
    files["ro-crate-metadata.json"] = ro_crate(files, version, when)
    archive = _tar_gz(f"{STEM}-{version}", files, when)
    checksum = hashlib.sha256(archive).hexdigest()
    out.mkdir(parents=True, exist_ok=True)
    staged = {name: archive, f"{name}.sha256": f"{checksum}  {name}\n".encode()}
    for member, data in staged.items():  # each file whole or not at all
        write_file_atomically(out / member, data)
    return Release(out / name, checksum, sorted(files))
