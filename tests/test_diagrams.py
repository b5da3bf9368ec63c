"""The pictures people read: laid out by Graphviz, no two labels on top of each other, arrowheads,
imported classes drawn and marked, subclass arrows distinct, the same bytes every time."""

from __future__ import annotations

import itertools
import re
import shutil
import xml.etree.ElementTree as ET

import pytest

from icmpd_kg.web.diagrams import EDGE_FONT, Edge, Node, neighbourhood

pytestmark = pytest.mark.skipif(
    shutil.which("dot") is None,
    reason="Graphviz's dot is not installed (Debian's graphviz; .ci/run installs it)",
)
SVG = "{http://www.w3.org/2000/svg}"
PAGES = [
    "/ontology/diagram?lang=en",
    "/ontology/diagram?lang=tr",
    "/id/organisation/icmpd",
    "/id/state/turkey",
    "/id/unit/ankara-office",
]


def svg_of(site, page: str) -> ET.Element:
    html = site.get(page, headers={"Accept": "text/html"}).text
    found = re.search(r'<svg class="diagram".*?</svg>', html, re.S)
    assert found, f"{page} draws no diagram"
    return ET.fromstring(found.group(0).replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1))


def label_boxes(svg: ET.Element) -> list[tuple[str, float, float, float, float]]:
    """(text, left, top, right, bottom) of every node's box and every edge's label."""
    boxes = []
    for rect in svg.iter(f"{SVG}rect"):
        x, y, w, h = (float(rect.get(k)) for k in ("x", "y", "width", "height"))
        boxes.append(("node", x, y, x + w, y + h))
    for text in svg.iter(f"{SVG}text"):
        if text.get("class") == "edge-label":
            x, y, w = float(text.get("x")), float(text.get("y")) - 3.5, float(text.get("data-width"))
            assert w > 0, "every edge label has its width from the layout"
            boxes.append(
                (
                    text.text or "".join(text.itertext()),
                    x - w / 2,
                    y - EDGE_FONT / 2,
                    x + w / 2,
                    y + EDGE_FONT / 2,
                )
            )
    return boxes


def overlaps(boxes) -> list[tuple[str, str]]:
    found = []
    for a, b in itertools.combinations(boxes, 2):
        if min(a[3], b[3]) - max(a[1], b[1]) > 0.5 and min(a[4], b[4]) - max(a[2], b[2]) > 0.5:
            found.append((a[0], b[0]))
    return found


@pytest.mark.parametrize("page", PAGES)
def test_no_two_labels_overlap(site, page):
    svg = svg_of(site, page)
    boxes = label_boxes(svg)
    assert len(boxes) >= 3
    assert overlaps(boxes) == []


@pytest.mark.parametrize("page", PAGES)
def test_every_edge_is_a_curve_with_an_arrowhead(site, page):
    svg = svg_of(site, page)
    paths = [p for g in svg.iter(f"{SVG}g") if "edge" in (g.get("class") or "") for p in g.iter(f"{SVG}path")]
    assert paths and all(
        p.get("marker-end", "").startswith("url(#") and p.get("d", "").startswith("M") for p in paths
    )


def test_the_class_diagram_draws_imported_classes_and_distinct_subclass_arrows(site):
    svg = svg_of(site, "/ontology/diagram?lang=en")
    external = [g for g in svg.iter(f"{SVG}g") if g.get("class") == "node external"]
    names = {"".join(t.itertext()) for g in external for t in g.iter(f"{SVG}text")}
    assert {"org:Organization", "schema:Place"} <= names
    subclass = [g for g in svg.iter(f"{SVG}g") if g.get("class") == "edge subclass"]
    assert subclass and all(
        p.get("marker-end") == "url(#subclass-arrow)" for g in subclass for p in g.iter(f"{SVG}path")
    )
    others = [g for g in svg.iter(f"{SVG}g") if g.get("class") == "edge "]
    assert others and all(p.get("marker-end") == "url(#arrow)" for g in others for p in g.iter(f"{SVG}path"))


def test_the_pictures_are_the_same_bytes_every_time(site):
    for page in PAGES[:3]:
        first = site.get(page, headers={"Accept": "text/html"}).text
        assert re.search(r"<svg.*?</svg>", first, re.S).group(0) == re.search(
            r"<svg.*?</svg>", site.get(page, headers={"Accept": "text/html"}).text, re.S
        ).group(0)


def test_the_overlap_check_catches_labels_placed_on_one_point():
    """The check can fail: labels of edges that share their middle point overlap."""
    centre = Node("centre", None)
    diagram = neighbourhood(
        centre, [(f"property {i}", None, Node(f"neighbour {i}", None), True) for i in range(4)]
    )
    boxes = [(e.label, e.lx - e.lw / 2, e.ly - 5, e.lx + e.lw / 2, e.ly + 5) for e in diagram.edges]
    assert overlaps(boxes) == []
    same = [(label, 10.0, 10.0, 60.0, 20.0) for label, *_ in boxes]
    assert overlaps(same)
    assert all(isinstance(e, Edge) and e.path.startswith("M") for e in diagram.edges)


def _near_box(point: tuple[float, float], node: Node, slack: float = 3.0) -> bool:
    x, y = point
    return (
        node.x - node.w / 2 - slack <= x <= node.x + node.w / 2 + slack
        and node.y - node.h / 2 - slack <= y <= node.y + node.h / 2 + slack
    )


def test_each_arrow_runs_between_its_own_nodes_with_its_own_label(dist):
    """Each edge's curve leaves its source's box and ends at its target's; its label sits by it."""
    from rdflib import Graph

    from icmpd_kg.core.distfiles import ONTOLOGY_NAME
    from icmpd_kg.web.pages import ontology_diagram

    diagram = ontology_diagram(Graph().parse(dist / ONTOLOGY_NAME), "en")
    assert diagram.edges
    for e in diagram.edges:
        numbers = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", e.path)]
        points = list(zip(numbers[::2], numbers[1::2], strict=True))
        assert _near_box(points[0], e.source), (e.label, e.source.label)
        assert _near_box(points[-1], e.target), (e.label, e.target.label)
        curve = [  # points along each cubic Bézier segment of the path
            (
                (1 - t) ** 3 * a[0] + 3 * (1 - t) ** 2 * t * b[0] + 3 * (1 - t) * t**2 * c[0] + t**3 * d[0],
                (1 - t) ** 3 * a[1] + 3 * (1 - t) ** 2 * t * b[1] + 3 * (1 - t) * t**2 * c[1] + t**3 * d[1],
            )
            for i in range(0, len(points) - 3, 3)
            for a, b, c, d in [points[i : i + 4]]
            for t in (k / 20 for k in range(21))
        ]
        nearest = min(((x - e.lx) ** 2 + (y - e.ly) ** 2) ** 0.5 for x, y in curve)
        assert nearest < e.lw / 2 + 40, (e.label, e.source.label, e.target.label)
