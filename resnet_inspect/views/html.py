"""HTML for notebooks: results render as tables in Jupyter through their `_repr_html_`, which calls these.

They take records (the same flat dicts JSON, CSV and DataFrames are made of) and return one self-contained
HTML string with inline styles (a notebook has no stylesheet of ours). Every piece of text is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

_TABLE = "border-collapse:collapse;font-variant-numeric:tabular-nums;margin:0.3em 0"
_CELL = "padding:2px 8px;border-bottom:1px solid #ddd"
_OK, _BAD = "color:#1a7f37", "color:#cf222e;font-weight:bold"


def _cell(column: str, value: Any) -> tuple[str, str]:
    """(text, style) of one value: counts with thousands separators on the right, ✓/✗ for verdicts."""
    if isinstance(value, bool):
        if column in ("verified", "same", "matches", "ok"):
            return ("✓", _OK) if value else ("✗", _BAD)
        return ("yes" if value else "", "")
    if isinstance(value, int):
        return f"{value:,}", "text-align:right"
    if isinstance(value, float):
        if column.endswith("_share"):
            return f"{100 * value:.1f}%", "text-align:right"
        return f"{value:,.4g}", "text-align:right"
    if value is None:
        return "—", "text-align:center"
    return str(value), ""


def records_html(
    records: Sequence[dict[str, Any]], *, caption: str | None = None, columns: Sequence[str] | None = None
) -> str:
    """A table of flat records: one row each, a column per key (or per name in `columns`)."""
    if not records:
        return f"<p>{escape(caption or '')} (no rows)</p>"
    names = list(columns) if columns is not None else list(records[0])
    head = "".join(f'<th style="{_CELL};text-align:left">{escape(name)}</th>' for name in names)
    body = []
    for record in records:
        cells = []
        for name in names:
            text, style = _cell(name, record.get(name))
            cells.append(f'<td style="{_CELL};{style}">{escape(text)}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    title = f'<caption style="text-align:left;font-weight:bold">{escape(caption)}</caption>' if caption else ""
    return f'<table style="{_TABLE}">{title}<thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def _lines(lines: Sequence[str], style: str = "") -> str:
    return "".join(f'<div style="{style}">{escape(line)}</div>' for line in lines)


def analysis_html(analysis: Any) -> str:
    """An analysis: its headline, the stage table, the totals, and the blocks and layers folded away."""
    from ..core.shapes import shape_text
    from ..features.receptive_field import field_sentence
    from ..features.summary import headline
    from ..features.table import Level, table_records
    from .formats import totals_lines

    verdict = (
        ("✓ every layer agrees: formula, hooked model and fvcore", _OK)
        if analysis.verified
        else (f"✗ {len(analysis.problems)} disagreements; first: {analysis.problems[0]}", _BAD)
    )
    columns = ["name", "op", "out_shape", "params", "params_share", "macs_conv_linear", "macs_fvcore", "verified"]
    parts = [
        f"<div><b>{escape(analysis.spec.name)}</b> · input {escape(shape_text(analysis.input_shape))} (N×C×H×W)</div>",
        _lines([headline(analysis)], "font-style:italic"),
        records_html(table_records(analysis, Level.stage), caption="Per stage", columns=columns),
        _lines([f"Receptive field: {field_sentence(analysis.trace)}"], "margin:0.3em 0"),
        _lines(totals_lines(analysis)),
        _lines([verdict[0]], verdict[1]),
    ]
    for level in (Level.block, Level.layer):
        records = table_records(analysis, level)
        parts.append(f"<details><summary>{len(records)} {level.value}s</summary>"
                     f"{records_html(records, columns=columns)}</details>")  # fmt: skip
    return '<div class="resnet-inspect">' + "".join(parts) + "</div>"


def networks_html(analyses: Sequence[Any]) -> str:
    """Networks side by side: per stage, params and MACs and their shares of each network."""
    from ..features.compare import network_records

    names = ", ".join(a.spec.name for a in analyses)
    size = "×".join(map(str, analyses[0].input_shape[2:])) if analyses else ""
    verified = all(a.verified for a in analyses)
    verdict = "✓ every network verified against its model" if verified else "✗ some networks disagree"
    table = records_html(network_records(analyses), caption=f"{names} at {size}")
    return f'<div class="resnet-inspect">{table}{_lines([verdict], _OK if verified else _BAD)}</div>'


def blocks_html(comparison: Any) -> str:
    """Block designs at one place, conv by conv, and their totals."""
    from ..features.compare import block_conv_records, block_summary

    return (
        '<div class="resnet-inspect">'
        + records_html(block_summary(comparison), caption=f"Block designs at {comparison.place}")
        + records_html(block_conv_records(comparison), caption="Conv by conv")
        + _lines([f"basic − bottleneck: {comparison.difference_formula()} MACs"])
        + "</div>"
    )


def check_html(comparison: Any) -> str:
    """A check of your model against a reference: the verdict, its differences, and the stages side by side."""
    from ..features.check import check_stage_records

    if comparison.matches:
        verdict = [(f"✓ matches {comparison.reference.name}", _OK)]
    elif comparison.verdict == "not_a_resnet":
        verdict = [("✗ not a ResNet: no residual additions were seen", _BAD)]
    else:
        verdict = [(f"✗ differs from {comparison.reference.name} in {len(comparison.differences)} place(s)", _BAD)]
    verdict += [(f"• {d.message}", _BAD) for d in comparison.differences]
    if comparison.equals:
        verdict.append((f"Your model equals {comparison.equals}.", "font-weight:bold"))
    lines = "".join(_lines([text], style) for text, style in verdict)
    table = records_html(check_stage_records(comparison), caption="Per stage: yours against the reference")
    return f'<div class="resnet-inspect">{lines}{table}</div>'
