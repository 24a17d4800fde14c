"""One layer's arithmetic written out with its numbers: the output size, the parameters, the MACs."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from ..core.errors import InspectError
from ..core.ops import KINDS
from ..core.shapes import shape_text
from ..records import Line, Result, Section
from ..records.vocabulary import ExplainDocument, LayerRecord
from .receptive_field import explain_field
from .rows import LayerRow
from .table import Analysis


@dataclass(frozen=True)
class Explanation(Result):
    """One layer of an analysis, its arithmetic written out line by line."""

    analysis: Analysis
    layer: LayerRecord
    lines: tuple[str, ...]

    def records(self) -> list[LayerRecord]:
        return [self.layer]

    def document(self) -> ExplainDocument:
        return ExplainDocument(
            arch=self.analysis.spec.name, input=self.analysis.input_shape, layer=self.layer, lines=list(self.lines)
        )

    @property
    def failures(self) -> tuple[str, ...]:
        return () if self.layer.verified else (f"{self.layer.name}: {'; '.join(self.layer.problems or ())}",)

    def sections(self) -> list[Section]:
        return [Section(lines=[Line(line) for line in self.lines])]

    def markdown(self) -> str:
        """The layer's row, then its arithmetic as a code block."""
        from ..records.serialize import records_markdown

        columns = ["name", "op", "in_shape", "out_shape", "params", "macs_conv_linear", "macs_fvcore", "verified"]
        return records_markdown([self.layer], columns) + "\n```\n" + "\n".join(self.lines) + "\n```\n"

    def __repr__(self) -> str:
        return "\n".join(self.lines)


def explanation(analysis: Analysis, name: str) -> Explanation:
    """The layer `name` of `analysis` with its arithmetic (`explain`) and its table record."""
    row = find_row(analysis, name)
    layer = next(r for r in analysis.records() if r.name == row.name)
    return Explanation(analysis, layer, tuple(explain(analysis, name)))


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
        *_closed_form_lines(analysis, t.name),
        *KINDS[t.kind].explain(t.op, t.in_shape, t.out_shape),
    ]
    observed, model_layer = row.check.observed_out_shape, row.check.observed
    seen = f"out {shape_text(observed)}, {model_layer.params:,} params" if model_layer and observed else "not run"
    verdict = "✓ all agree" if row.verified else "✗ " + "; ".join(row.problems)
    lines.append(f"hooked model: {seen} · fvcore: {row.macs_fvcore:,} MACs   {verdict}")
    return lines + explain_field(analysis.trace, name)


def _closed_form_lines(analysis: Analysis, name: str) -> list[str]:
    """The layer's output size at every input size, as a closed form in H and W, and where it holds."""
    from ..core.closed_form import closed_forms

    try:
        forms = closed_forms(analysis.spec)
    except InspectError:
        return []
    layer = forms.layer(name)
    if layer.height is None:
        return []
    return [
        f"at any input H×W from {forms.range_text}: out {layer.channels}×{layer.size_text()} "
        f"(= {layer.expr()[0]} × {layer.expr()[1]})"
    ]
