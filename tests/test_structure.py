"""The package's structure: no module imports, directly or through others, one that imports it back
(imports inside functions count too)."""

from __future__ import annotations

import ast
from pathlib import Path

import icmpd_kg

PACKAGE = Path(icmpd_kg.__file__).resolve().parent


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


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
