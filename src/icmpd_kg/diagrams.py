"""Layouts for the pictures the pages draw as inline SVG (from templates, no script, no CDN): the
home page's timeline, an entity's neighbourhood and the ontology's classes and properties.

Each function only places things; the templates draw them. Coordinates are rounded, so a page is
the same bytes every time.
"""

from __future__ import annotations

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

    @property
    def short(self) -> str:
        return self.label if len(self.label) <= 34 else self.label[:33] + "…"

    @property
    def middle(self) -> tuple[float, float]:
        return round((self.source.x + self.target.x) / 2, 1), round((self.source.y + self.target.y) / 2, 1)


@dataclass
class Diagram:
    width: int
    height: int
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)


def _on_circle(
    nodes: list[Node], cx: float, cy: float, rx: float, ry: float, start: float = -math.pi / 2
) -> None:
    for i, node in enumerate(nodes):
        angle = start + 2 * math.pi * i / max(1, len(nodes))
        node.x, node.y = round(cx + rx * math.cos(angle), 1), round(cy + ry * math.sin(angle), 1)


def neighbourhood(centre: Node, links: list[tuple[str, str | None, Node, bool]], limit: int = 14) -> Diagram:
    """``centre`` in the middle, its neighbours around it: each link is (property label, property
    href, neighbour, outgoing). At most ``limit`` neighbours; the caption says when more exist."""
    shown = links[:limit]
    width, height = 760, 420 if len(shown) > 6 else 320
    diagram = Diagram(width, height)
    centre.x, centre.y, centre.kind = width / 2, height / 2, "centre"
    neighbours = [n for _, _, n, _ in shown]
    _on_circle(neighbours, width / 2, height / 2, width / 2 - 110, height / 2 - 40)
    diagram.nodes = [centre, *neighbours]
    for label, href, node, outgoing in shown:
        node.kind = node.kind or ("out" if outgoing else "in")
        diagram.edges.append(Edge(centre, node, label, href) if outgoing else Edge(node, centre, label, href))
    return diagram


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
    """The ontology's classes on an ellipse, each relation (domain → range, or subclass → class)
    an arrow labelled with its property."""
    width, height = 980, 640
    diagram = Diagram(width, height, nodes=classes)
    _on_circle(classes, width / 2, height / 2, width / 2 - 130, height / 2 - 50)
    for source, target, label, href, kind in relations:
        diagram.edges.append(Edge(source, target, label, href, kind))
    return diagram
