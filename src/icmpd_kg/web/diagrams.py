"""Layouts for the pictures the pages draw as inline SVG (from templates, no script, no CDN): the
home page's timeline, an entity's neighbourhood and the ontology's classes and properties.

Each function only places things; the templates draw them. The graphs (a neighbourhood, the
classes) are laid out by Graphviz's ``dot`` (through the ``graphviz`` package): boxes that do not
overlap, edges as curves that end in arrowheads, each edge's label where dot puts it, beside its
edge and clear of every other label. Coordinates are rounded, so a page is the same bytes every time.
"""

from __future__ import annotations

import functools
import json
import logging
import math
from dataclasses import dataclass, field


@dataclass
class Node:
    label: str
    href: str | None
    x: float = 0.0
    y: float = 0.0
    title: str = ""
    kind: str = ""  # a CSS class: "centre", "in", "out", "class", "external"
    w: float = 0.0  # the box, as laid out
    h: float = 0.0

    @property
    def short(self) -> str:
        """The label cut to fit its box (the full label is the node's tooltip)."""
        return self.label if len(self.label) <= 30 else self.label[:29] + "…"


@dataclass
class Edge:
    source: Node
    target: Node
    label: str
    href: str | None = None
    kind: str = ""  # a CSS class: "subclass" for subclass arrows
    path: str = ""  # the SVG path of the curve, ending at the arrow's tip
    lx: float = 0.0  # the label's centre
    ly: float = 0.0
    lw: float = 0.0  # the label's width

    @property
    def short(self) -> str:
        return self.label if len(self.label) <= 34 else self.label[:33] + "…"


@dataclass
class Diagram:
    width: int
    height: int
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    note: str = ""  # why nothing is drawn (no Graphviz on the server)


NODE_FONT, EDGE_FONT = 11, 10  # px, as the stylesheet draws them


def _points(pos: str, height: float) -> tuple[list[tuple[float, float]], tuple[float, float] | None]:
    """dot's ``pos`` of an edge: its B-spline's points and the arrow's tip (y turned downwards)."""
    points, tip = [], None
    for part in pos.split():
        if part.startswith(("e,", "s,")):
            x, y = map(float, part[2:].split(","))
            if part[0] == "e":
                tip = (round(x, 1), round(height - y, 1))
            continue
        x, y = map(float, part.split(","))
        points.append((round(x, 1), round(height - y, 1)))
    return points, tip


@functools.cache
def _missing_dot() -> None:
    logging.getLogger("icmpd_kg.web.diagrams").warning(
        "Graphviz's dot is not on PATH: pages are served without their diagrams (install graphviz)"
    )


def laid_out(diagram: Diagram, direction: str = "LR") -> Diagram:
    """``diagram`` with every node, edge and label placed by Graphviz's dot."""
    import graphviz

    g = graphviz.Digraph(
        graph_attr={"rankdir": direction, "nodesep": "0.3", "ranksep": "0.6", "pad": "0.15"},
        node_attr={
            "shape": "box",
            "fontname": "Helvetica",
            "fontsize": str(NODE_FONT),
            "margin": "0.12,0.06",
        },
        edge_attr={"fontname": "Helvetica", "fontsize": str(EDGE_FONT)},
    )
    names = {id(n): f"n{i}" for i, n in enumerate(diagram.nodes)}
    for n in diagram.nodes:
        g.node(names[id(n)], n.short)
    for i, e in enumerate(diagram.edges):
        g.edge(names[id(e.source)], names[id(e.target)], e.short, id=f"e{i}")
    try:
        placed = json.loads(g.pipe(format="json"))
    except graphviz.ExecutableNotFound:
        _missing_dot()
        return Diagram(0, 0, note="Graphviz (dot) is not installed on this server: no diagram")
    _, _, width, height = map(float, placed["bb"].split(","))
    by_name = {o["name"]: o for o in placed.get("objects", [])}
    for n in diagram.nodes:
        o = by_name[names[id(n)]]
        x, y = map(float, o["pos"].split(","))
        n.x, n.y = round(x, 1), round(height - y, 1)
        n.w, n.h = round(float(o["width"]) * 72, 1), round(float(o["height"]) * 72, 1)
    by_id = {o["id"]: o for o in placed.get("edges", [])}  # dot numbers edges its own way: by our ids
    for i, e in enumerate(diagram.edges):
        o = by_id[f"e{i}"]
        points, tip = _points(o["pos"], height)
        curve = " ".join(f"{x},{y}" for x, y in points[1:])
        e.path = f"M{points[0][0]},{points[0][1]} C{curve}" + (f" L{tip[0]},{tip[1]}" if tip else "")
        lx, ly = map(float, o["lp"].split(","))
        e.lx, e.ly = round(lx, 1), round(height - ly, 1)
        e.lw = round(next((op["width"] for op in o.get("_ldraw_", []) if op.get("op") == "T"), 0.0), 1)
    diagram.width, diagram.height = math.ceil(width), math.ceil(height)
    return diagram


def neighbourhood(centre: Node, links: list[tuple[str, str | None, Node, bool]], limit: int = 14) -> Diagram:
    """``centre`` and its neighbours, laid out by dot: those that link to it on one side, those
    it links to on the other. Each link is (property label, property href, neighbour, outgoing). At
    most ``limit`` neighbours; the caption says when more exist."""
    shown = links[:limit]
    diagram = Diagram(0, 0)
    centre.kind = "centre"
    diagram.nodes = [centre, *[n for _, _, n, _ in shown]]
    for label, href, node, outgoing in shown:
        node.kind = node.kind or ("out" if outgoing else "in")
        diagram.edges.append(Edge(centre, node, label, href) if outgoing else Edge(node, centre, label, href))
    return laid_out(diagram)


@dataclass
class Event:
    date: str  # as written: 1993, 2017-…, 2018-05-15
    label: str
    href: str
    quote: str | None = None
    x: float = 0.0
    y: float = 0.0


def timeline(events: list[Event], width: int = 900) -> tuple[Diagram, list[Event], list[tuple[int, float]]]:
    """Events placed on a horizontal axis by date (same-year events stacked); returns the frame,
    the placed events and the year ticks (year, x)."""
    if not events:
        return Diagram(width, 60), [], []

    def when(e: Event) -> float:
        parts = [int(p) for p in e.date[:10].split("-") if p.isdigit()]
        year, month, day = (parts + [7, 1])[:3] if len(parts) < 3 else parts[:3]
        return year + (month - 1) / 12 + (day - 1) / 365

    ordered = sorted(events, key=lambda e: (when(e), e.label))
    first, last = math.floor(when(ordered[0])), math.floor(when(ordered[-1])) + 1
    margin = 40

    def x_of(t: float) -> float:
        return round(margin + (width - 2 * margin) * (t - first) / max(1, last - first), 1)

    stacked: dict[int, int] = {}
    for e in ordered:
        year = math.floor(when(e))
        level = stacked.get(year, 0)
        stacked[year] = level + 1
        e.x, e.y = x_of(when(e)), 70 + 22 * level
    height = 90 + 22 * max(stacked.values())
    step = max(1, (last - first) // 9)
    ticks = [(year, x_of(year)) for year in range(first, last + 1, step)]
    return Diagram(width, height), ordered, ticks


def class_diagram(classes: list[Node], relations: list[tuple[Node, Node, str, str | None, str]]) -> Diagram:
    """The classes laid out by dot, each relation (domain → range, or subclass → class) an arrow
    labelled with its property."""
    diagram = Diagram(0, 0, nodes=classes)
    for source, target, label, href, kind in relations:
        diagram.edges.append(Edge(source, target, label, href, kind))
    return laid_out(diagram)
