"""The package's structure: ten wings on floors, each importing only wings on lower floors (imports
inside functions count too), and no module that imports, directly or through others, one that
imports it back.

The wings, from the ground up:

- ``core``: errors, paths, the files of ``dist/``, formats, namespaces, Turkish folding, atomic
  writes, templates, RDF terms and the process-wide library settings;
- ``kg`` (reading the data: sources, provenance, mappings, quads) and ``store`` (Oxigraph on disk,
  rdflib in memory);
- ``sparql`` (query text, label service, federation, backends, the engine, answers and their
  writers, negotiation, functions), ``validation`` (SHACL and the dataset rules) and ``wikidata``
  (the client, the Wikidata-shaped view, the comparison);
- ``publishing`` (build, JSON-LD, ontology docs, release, Graph Store upload), ``curation`` (the
  curator's fact commands) and ``runtime`` (the worker pool, the worker's main, lanes, answers kept);
- ``web`` (the app, its routers, Linked Data, search, diagrams);
- then ``cli`` and ``__main__``.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import icmpd_kg

PACKAGE = Path(icmpd_kg.__file__).resolve().parent


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def imports() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            graph[name] |= {t for t in targets if t in modules and t != name and t != "icmpd_kg"}
    return graph


def test_no_module_imports_one_that_imports_it_back():
    graph = imports()
    circles = []

    def visit(node: str, path: list[str]) -> None:
        for target in sorted(graph[node]):
            if target in path:
                circles.append(path[path.index(target) :] + [target])
            elif len(path) < 12:
                visit(target, path + [target])

    for start in sorted(graph):
        visit(start, [start])
    assert not circles, sorted({" -> ".join(c) for c in circles})[:5]


FLOORS = {
    "core": 1,
    "kg": 2,
    "store": 2,
    "sparql": 3,
    "validation": 3,
    "wikidata": 3,
    "publishing": 4,
    "curation": 4,
    "runtime": 4,
    "web": 5,
    "cli": 6,
    "__main__": 7,
}


def wing(module: str) -> str:
    return module.split(".")[1] if "." in module else "icmpd_kg"


def wing_imports() -> dict[str, dict[str, list[str]]]:
    """wing -> wing it imports -> the module imports that make the arrow."""
    arrows: dict[str, dict[str, list[str]]] = {}
    for source, targets in imports().items():
        for target in targets:
            if wing(source) != wing(target):
                arrow = f"{source} -> {target}"
                arrows.setdefault(wing(source), {}).setdefault(wing(target), []).append(arrow)
    return arrows


def test_every_module_lives_in_a_wing():
    loose = sorted(m for m in imports() if wing(m) not in FLOORS and m != "icmpd_kg")
    assert not loose, f"modules outside the wings: {loose}"


def test_a_wing_imports_only_wings_on_lower_floors():
    back_up = [
        arrow
        for source, targets in wing_imports().items()
        for target, arrows in targets.items()
        if FLOORS[target] >= FLOORS[source]
        for arrow in arrows
    ]
    assert not back_up, back_up


def test_the_named_wing_rules_hold():
    arrows = wing_imports()
    assert not arrows.get("core"), "core imports no other wing"
    for forbidden in ("web", "runtime", "publishing", "wikidata"):
        assert forbidden not in arrows.get("sparql", {}), arrows["sparql"][forbidden]
    assert "sparql" not in arrows.get("validation", {}), arrows["validation"]["sparql"]
    below_web = {w for w, f in FLOORS.items() if f < FLOORS["web"]}
    assert not [a for w in below_web for a in arrows.get(w, {}).get("web", [])]


def test_the_wings_stand_on_at_most_eight_floors():
    arrows = wing_imports()

    def height(w: str) -> int:
        return 1 + max((height(t) for t in arrows.get(w, {})), default=0)

    assert max(height(w) for w in FLOORS) <= 8
