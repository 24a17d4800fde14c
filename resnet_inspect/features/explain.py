"""One layer's arithmetic written out with its numbers: the output size, the parameters, the MACs."""

from __future__ import annotations

import difflib

from ..core.errors import InspectError
from ..core.ops import KINDS
from ..core.shapes import shape_text
from .receptive_field import explain_field
from .table import Analysis, LayerRow


def find_row(analysis: Analysis, name: str) -> LayerRow:
    for row in analysis.rows:
        if row.name == name:
            return row
    names = [row.name for row in analysis.rows]
    close = difflib.get_close_matches(name, names, n=5, cutoff=0.6)
    hint = f"close matches: {', '.join(close)}" if close else f"names look like {names[0]}, {names[5]}, {names[-1]}"
    raise InspectError(f"no layer {name!r} in {analysis.spec.name}; {hint}")


def explain(analysis: Analysis, name: str) -> list[str]:
    """The layer `name`'s arithmetic, line by line, with the hooked model's and fvcore's numbers beside it."""
    row = find_row(analysis, name)
    t = row.traced
    lines = [
        f"{t.name} · {t.label} · {analysis.spec.name}, input {shape_text(analysis.input_shape)}",
        f"in {shape_text(t.in_shape)} → out {shape_text(t.out_shape)}",
        *KINDS[t.kind].explain(t.op, t.in_shape, t.out_shape),
    ]
    observed, model_layer = row.check.observed_out_shape, row.check.observed
    seen = f"out {shape_text(observed)}, {model_layer.params:,} params" if model_layer and observed else "not run"
    verdict = "✓ all agree" if row.verified else "✗ " + "; ".join(row.problems)
    lines.append(f"hooked model: {seen} · fvcore: {row.macs:,} MACs   {verdict}")
    return lines + explain_field(analysis.trace, name)
