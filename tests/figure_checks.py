"""Checks on a drawn figure that a reader would otherwise catch by eye: text cut off at the edge, text on text."""

from __future__ import annotations

import itertools
from typing import Any


def text_problems(fig: Any, *, slack: float = 1.0) -> list[str]:
    """Every text drawn outside the figure, and every pair of texts that overlap (in pixels, `slack` allowed)."""
    from matplotlib.text import Text

    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    width, height = fig.canvas.get_width_height()
    # Tick labels exist for ticks outside the view too; only those matplotlib draws count.
    ticks, drawn = set(), set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                ticks |= {id(tick.label1), id(tick.label2)}
            for tick in axis._update_ticks() if axis.get_visible() and ax.get_visible() and ax.axison else ():
                drawn |= {id(label) for label in (tick.label1, tick.label2) if label.get_visible()}
    boxes = []
    for text in fig.findobj(Text):
        if not text.get_visible() or not text.get_text().strip() or (id(text) in ticks and id(text) not in drawn):
            continue
        box = text.get_window_extent(renderer)
        if box.width == 0 or box.height == 0:
            continue
        boxes.append((text.get_text().replace("\n", " "), box))
    problems = []
    for label, box in boxes:
        if box.x0 < -slack or box.y0 < -slack or box.x1 > width + slack or box.y1 > height + slack:
            problems.append(f"cut off: {label!r}")
    for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2):
        overlap_x = min(box_a.x1, box_b.x1) - max(box_a.x0, box_b.x0)
        overlap_y = min(box_a.y1, box_b.y1) - max(box_a.y0, box_b.y0)
        if overlap_x > slack and overlap_y > slack:
            problems.append(f"overlap: {a!r} and {b!r}")
    return problems
