"""Every path the project uses, defined once.

The edited sources (``ontology/``, ``shapes/``, ``data/``) live at the top of the checkout. In a
built wheel they travel inside the package as ``icmpd_kg/_resources/``; this module finds them in
either place, so the command works from a checkout, an editable install and a wheel alike.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # src/icmpd_kg (this file is core/paths.py)


def _resource_root() -> Path:
    bundled = PACKAGE_DIR / "_resources"
    if (bundled / "ontology").is_dir():
        return bundled
    checkout = PACKAGE_DIR.parent.parent  # src/icmpd_kg -> repository root
    if (checkout / "ontology").is_dir():
        return checkout
    raise RuntimeError(f"cannot find the icmpd-kg resources next to {PACKAGE_DIR}")


RESOURCES = _resource_root()

ONTOLOGY_DIR = RESOURCES / "ontology"
ONTOLOGY_FILE = ONTOLOGY_DIR / "icmpd-kg.ttl"
IMPORTS_DIR = ONTOLOGY_DIR / "imports"
CATALOG_FILE = ONTOLOGY_DIR / "catalog-v001.xml"

SHAPES_DIR = RESOURCES / "shapes"
SHAPES_FILE = SHAPES_DIR / "icmpd-kg-shapes.ttl"
SHAPES_EXAMPLES_DIR = SHAPES_DIR / "examples"
WIKIDATA_VIEW_SHAPES_FILE = SHAPES_DIR / "wikidata-view-shapes.ttl"

DATA_DIR = RESOURCES / "data"
QUERIES_DIR = DATA_DIR / "queries"
SOURCE_DIR = DATA_DIR / "source"
SOURCE_FILE = SOURCE_DIR / "icmpd-tr.txt"

DEFAULT_DIST = Path("dist")


def _yasgui_dir() -> Path | None:
    """YASGUI's built assets: ICMPD_KG_YASGUI_DIR, else those a wheel carries, else where `npm ci`
    put them in a checkout (node_modules), if anywhere."""
    override = os.environ.get("ICMPD_KG_YASGUI_DIR")
    if override:
        return Path(override)
    for candidate in (
        PACKAGE_DIR / "_resources" / "yasgui",
        PACKAGE_DIR.parent.parent / "node_modules" / "@triply" / "yasgui" / "build",
    ):
        if (candidate / "yasgui.min.js").is_file():
            return candidate
    return None


YASGUI_DIR = _yasgui_dir()


MAPPINGS_DIR = DATA_DIR / "mappings"
WIKIDATA_MAPPINGS_FILE = MAPPINGS_DIR / "wikidata.sssom.tsv"
WIKIDATA_IDS_FILE = MAPPINGS_DIR / "wikidata-ids.tsv"  # every Wikidata property and item ID the code uses


def data_files(data_dir: Path | None = None) -> list[Path]:
    """The curated data files of ``data_dir`` (the project's data/ by default), in a stable order:
    Turtle and TriG, then the SSSOM mapping tables of its mappings/ folder."""
    folder = Path(data_dir) if data_dir is not None else DATA_DIR
    rdf = sorted(p for p in folder.iterdir() if p.suffix in {".ttl", ".trig"})
    return rdf + sorted((folder / MAPPINGS_DIR.name).glob("*.sssom.tsv"))


def catalog(catalog_file: Path | None = None) -> dict[str, Path]:
    """Ontology IRI -> local file, from the OASIS XML catalog beside the ontology (the format
    Protégé and the OWL API read), so that ``owl:imports`` resolve offline."""
    import xml.etree.ElementTree as ET

    catalog_file = catalog_file or CATALOG_FILE
    ns = "{urn:oasis:names:tc:entity:xmlns:xml:catalog}"
    root = ET.parse(catalog_file).getroot()
    return {
        entry.attrib["name"]: (catalog_file.parent / entry.attrib["uri"]).resolve()
        for entry in root.iter(f"{ns}uri")
    }


def query_needs_internet(path: Path) -> bool:
    """Whether an example query is marked ``# requires: internet`` in its header."""
    return "# requires: internet" in path.read_text(encoding="utf-8").splitlines()[:5]


def query_files(folder: Path = QUERIES_DIR) -> list[Path]:
    """The example queries in ``folder`` by name, those that need the internet last (the query UI
    opens the first)."""
    return sorted(folder.glob("*.rq"), key=lambda p: (query_needs_internet(p), p.name))
