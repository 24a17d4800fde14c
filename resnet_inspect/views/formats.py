"""Text formats: flat records as JSON, CSV or Markdown, and an analysis as a Markdown table with its totals.

These only read results; nothing is computed here.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from ..core.shapes import Shape, shape_text
from ..features.catalog import CatalogEntry
from ..features.paper import PaperTable
from ..features.summary import headline
from ..features.table import Analysis, CrossCheck, Level, MemoryView, rows, share, table_records, to_dict


def records_csv(records: Sequence[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(records[0]) if records else [], lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    return buffer.getvalue()


def records_json(records: Sequence[dict[str, Any]] | dict[str, Any]) -> str:
    return json.dumps(records, indent=2, ensure_ascii=False) + "\n"


def records_markdown(records: Sequence[dict[str, Any]]) -> str:
    """A Markdown table of flat records; integers with thousands separators, numbers right-aligned."""
    if not records:
        return ""
    columns = list(records[0])

    def cell(column: str, value: Any) -> str:
        if isinstance(value, bool):
            if column == "verified":
                return "✓" if value else "✗"
            return "yes" if value else ""
        if isinstance(value, int):
            return f"{value:,}"
        return str(value)

    numeric = [isinstance(records[0][c], int | float) and not isinstance(records[0][c], bool) for c in columns]
    lines = [
        "| " + " | ".join(columns) + " |",
        "|" + "|".join("---:" if n else "---" for n in numeric) + "|",
        *("| " + " | ".join(cell(c, r[c]) for c in columns) + " |" for r in records),
    ]
    return "\n".join(lines) + "\n"


def to_json(
    analysis: Analysis,
    *,
    flops: bool = False,
    cross_checks: Sequence[CrossCheck] = (),
    memory: MemoryView | None = None,
) -> str:
    data = to_dict(analysis, flops=flops, cross_checks=cross_checks, memory=memory)
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def to_csv(
    analysis: Analysis,
    level: Level | str = Level.layer,
    *,
    flops: bool = False,
    memory: MemoryView | None = None,
    symbolic: dict[str, str] | None = None,
) -> str:
    return records_csv(table_records(analysis, level, flops=flops, memory=memory, symbolic=symbolic))


def to_markdown(
    analysis: Analysis,
    level: Level | str = Level.layer,
    *,
    flops: bool = False,
    memory: MemoryView | None = None,
    symbolic: dict[str, str] | None = None,
) -> str:
    unit = "FLOPs (2×MACs)" if flops else "MACs"
    scale = 2 if flops else 1
    moved = {}
    if memory is not None:  # per row: what its layers move, and its conv + linear MACs per byte moved
        moved = {
            r.name: sum(memory.layers[layer.name].bytes_moved for layer in r.layers) for r in rows(analysis, level)
        }
    header = [
        "Layer" if Level(level) is Level.layer else Level(level).value.title(),
        "Op",
        "Channels",
        "Size",
        "Params",
        f"{unit}, fvcore",
        f"% {unit.split(' ')[0]}",
        "% Params",
        *((f"Bytes moved ({memory.dtype})", "MACs/byte") if memory is not None else ()),
        "✓",
        *(["Closed form"] if symbolic is not None else []),
    ]
    closed = ["---"] if symbolic is not None else []
    alignment = ["---"] * 2 + ["---:"] * (len(header) - 3 - len(closed)) + [":---:"] + closed
    lines = [
        f"**{analysis.spec.name}**, input {shape_text(analysis.input_shape)}: {headline(analysis)}",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "|".join(alignment) + "|",
    ]
    for r in rows(analysis, level):
        lines.append(
            "| "
            + " | ".join(
                [
                    f"`{r.name}`",
                    r.op,
                    channels_text(r.in_shape, r.out_shape),
                    size_text(r.in_shape, r.out_shape),
                    f"{r.params:,}",
                    f"{r.macs * scale:,}",
                    f"{100 * share(r.macs, analysis.macs_fvcore):.1f}%",
                    f"{100 * share(r.params, analysis.params):.1f}%",
                    *(
                        (f"{moved[r.name]:,}", f"{r.macs_conv_linear / moved[r.name]:.1f}" if moved[r.name] else "—")
                        if memory is not None
                        else ()
                    ),
                    "✓" if r.verified else "✗",
                    *([symbolic.get(r.name, "")] if symbolic is not None else []),
                ]
            )
            + " |"
        )
    lines += ["", *totals_lines(analysis, flops=flops)]
    if memory is not None:
        lines += [
            f"Peak activations in inference ({memory.dtype}): {memory.peak.bytes:,} bytes, during `{memory.peak.at}`",
            f"Activations kept for training ({memory.dtype}): {memory.training_bytes:,} bytes",
        ]
    return "\n".join(lines) + "\n"


def channels_text(in_shape: Shape, out_shape: Shape) -> str:
    c_in, c_out = in_shape[1], out_shape[1]
    return f"{c_in}→{c_out}" if c_in != c_out else str(c_out)


def size_text(in_shape: Shape, out_shape: Shape) -> str:
    if len(out_shape) < 4:
        return "—"
    before, after = f"{in_shape[2]}×{in_shape[3]}", f"{out_shape[2]}×{out_shape[3]}"
    return before if before == after else f"{before} → {after}"


def totals_lines(analysis: Analysis, *, flops: bool = False) -> list[str]:
    """The totals, in words, with both MAC conventions labelled."""
    scale, unit = (2, "FLOPs (2×MACs)") if flops else (1, "MACs")
    prefix = "GFLOPs" if flops else "GMACs"
    checked = sum(row.verified for row in analysis.rows)
    frozen = analysis.frozen_params
    return [
        f"Params: {analysis.params:,} ({analysis.params / 1e6:.2f} M)"
        + (f"; {analysis.trainable_params:,} trainable, {frozen:,} frozen (requires_grad off)" if frozen else ""),
        f"{unit}, conv + linear (the paper's and torchvision's count): {analysis.macs * scale:,} "
        f"({analysis.macs * scale / 1e9:.2f} {prefix})",
        f"{unit}, all that fvcore counts (+ batch norm, avg pool): {analysis.macs_fvcore * scale:,} "
        f"({analysis.macs_fvcore * scale / 1e9:.2f} {prefix})",
        f"Verified against the hooked model: {checked}/{len(analysis.rows)} layers",
    ]


def cross_check_lines(checks: Sequence[CrossCheck]) -> list[str]:
    lines = []
    for check in checks:
        if check.counted is None:
            lines.append(f"– {check.path}: {check.note}")
        else:
            mark = "✓" if check.ok else "✗"
            lines.append(f"{mark} {check.path}: {check.counted:,} MACs vs {check.reported:,} reported ({check.note})")
    return lines


def catalog_markdown(entries: Sequence[CatalogEntry]) -> str:
    lines = ["| arch | design | size | params | GMACs | ✓ |", "|---|---|---:|---:|---:|:---:|"]
    for e in entries:
        lines.append(f"| `{e.name}` | {e.design} | {e.size} | {e.params:,} | {e.macs / 1e9:.2f} "
                     f"| {'✓' if e.verified else '✗'} |")  # fmt: skip
    return "\n".join(lines) + "\n"


def paper_csv(table: PaperTable) -> str:
    """The paper's table as it is printed, one CSV row per row; a cell's lines joined by "; "."""
    header = ["layer name", "output size", *(f"{d}-layer" for d in table.depths)]
    rows = []
    for row in table.rows:
        cells = ["; ".join(line.strip() for line in cell) for cell in row.cells]
        rows.append(dict(zip(header, [row.name, row.output, *cells], strict=True)))
    rows.append(dict(zip(header, [table.total_label, "", *table.totals], strict=True)))
    return records_csv(rows)


def check_csv(record: dict[str, Any]) -> str:
    """A model's check: its stages, yours beside the reference. A checkpoint's: one row, its verdict."""
    if record.get("stages"):
        return records_csv(record["stages"])
    flat = {key: "; ".join(value) if isinstance(value, list) else value for key, value in record.items()
            if not isinstance(value, dict)}  # fmt: skip
    return records_csv([flat])


def paper_markdown(table: PaperTable) -> str:
    header = ["layer name", "output size", *(f"{d}-layer" for d in table.depths)]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] * len(header)) + "|"]
    for row in table.rows:
        cells = ["<br>".join(cell) for cell in row.cells]
        lines.append("| " + " | ".join([row.name, row.output, *cells]) + " |")
    lines.append("| " + " | ".join([table.total_label, "", *table.totals]) + " |")
    lines += ["", *(f"{i}. {note}" for i, note in enumerate(table.footnotes, start=1))]
    return "\n".join(lines) + "\n"


def check_markdown(record: dict[str, Any]) -> str:
    """A check's verdict, its differences and (for a model) its stages, as Markdown."""
    verdict = record.get("verdict") or ("matches" if record.get("matches") else "differs")
    lines = [f"**{record['target']}** against `{record.get('reference')}`: {verdict}", ""]
    if record.get("equals"):
        lines += [f"Equals `{record['equals']}`.", ""]
    for difference in record.get("differences", []):
        kind = f"[{difference['kind']}] " if "kind" in difference else ""
        lines.append(f"- {kind}{difference['where']}: {difference['words']}")
    for problem in record.get("problems", []):
        lines.append(f"- {problem}")
    if record.get("stages"):
        lines += ["", records_markdown(record["stages"]).rstrip()]
    return "\n".join(lines) + "\n"
