"""A report's chart as inline SVG, drawn by pygal on the server (no script, nothing fetched from a CDN)."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree

import pygal
from pygal.style import CleanStyle

from .base import Chart

__all__ = ["render_svg"]

_SVG = "{http://www.w3.org/2000/svg}"

_KINDS: dict[str, Any] = {
    "bar": lambda: pygal.Bar(),
    "stacked_bar": lambda: pygal.StackedBar(),
    "horizontal_bar": lambda: pygal.HorizontalBar(),
    "line": lambda: pygal.Line(),
}


def render_svg(chart: Chart, width: int = 900, height: int = 360, nonce: str = "") -> str:
    """The chart as an <svg> element to embed in a page; an empty chart says there is no data.

    pygal styles the chart with an inline <style>: the page's Content-Security-Policy nonce lets it apply.
    """
    graph = _KINDS[chart.kind]()
    graph.config(
        js=[],  # pygal's default loads a tooltip script from a CDN; Closeloop ships no such script
        disable_xml_declaration=True,
        title=chart.title,
        y_title=chart.y_title or None,
        width=width,
        height=height,
        style=CleanStyle,
        explicit_size=False,
        x_label_rotation=30 if len(chart.x_labels) > 6 else 0,
        show_minor_x_labels=True,
        truncate_label=-1,
        no_data_text="No data for this period",
        allow_interruptions=True,
        legend_at_bottom=True,
    )
    # pygal draws a horizontal bar chart bottom-up: reverse it so the first row is on top, as in the table
    flip = chart.kind == "horizontal_bar"
    graph.x_labels = list(reversed(chart.x_labels)) if flip else chart.x_labels
    for name, values in chart.series:
        graph.add(name, list(reversed(values)) if flip else values)
    tree = graph.render_tree()
    # With no script files pygal still writes an inline config script for its tooltips: not needed.
    # Its tooltip (shown by that script) is hidden with a style attribute the page's policy would ignore.
    for parent in tree.iter():
        for child in [c for c in parent if c.tag in ("script", _SVG + "script")
                      or "tooltip-overlay" in c.get("class", "").split()]:
            parent.remove(child)
    for style in [*tree.iter("style"), *tree.iter(_SVG + "style")]:
        if nonce:
            style.set("nonce", nonce)
    return ElementTree.tostring(tree, encoding="unicode")
