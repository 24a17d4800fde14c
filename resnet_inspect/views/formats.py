"""Text formats: flat records as JSON, CSV or Markdown, and an analysis as a Markdown table with its totals.

These only read results; nothing is computed here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..core.shapes import Shape, shape_text
from ..core.words import share
from ..records.serialize import records_csv, records_markdown, to_json
from ..records.vocabulary import Level

if TYPE_CHECKING:
    from ..features.catalog import CatalogEntry
    from ..features.paper import PaperTable
    from ..features.table import Analysis, MemoryView

__all__ = ["records_csv", "records_markdown", "to_json"]


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
        moved = {r.name: memory.moved([layer.name for layer in r.layers]) for r in analysis.grouped(level)}
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
        f"**{analysis.spec.name}**, input {shape_text(analysis.input_shape)}: {analysis.headline}",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "|".join(alignment) + "|",
    ]
    for r in analysis.grouped(level):
        lines.append(
            "| "
            + " | ".join(
                [
                    f"`{r.name}`",
                    r.op,
                    channels_text(r.in_shape, r.out_shape),
                    size_text(r.in_shape, r.out_shape),
                    f"{r.params:,}",
                    f"{r.macs_fvcore * scale:,}",
                    f"{100 * share(r.macs_fvcore, analysis.macs_fvcore):.1f}%",
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
    lines += ["", *analysis.totals_lines(flops=flops)]
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


def catalog_markdown(entries: Sequence[CatalogEntry]) -> str:
    lines = ["| arch | design | size | params | GMACs | ✓ |", "|---|---|---:|---:|---:|:---:|"]
    for e in entries:
        lines.append(
            f"| `{e.name}` | {e.design} | {e.size} | {e.params:,} | {e.macs_conv_linear / 1e9:,.2f} "
            f"| {'✓' if e.verified else '✗'} |"
        )
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


def paper_markdown(table: PaperTable) -> str:
    header = ["layer name", "output size", *(f"{d}-layer" for d in table.depths)]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] * len(header)) + "|"]
    for row in table.rows:
        cells = ["<br>".join(cell) for cell in row.cells]
        lines.append("| " + " | ".join([row.name, row.output, *cells]) + " |")
    lines.append("| " + " | ".join([table.total_label, "", *table.totals]) + " |")
    lines += ["", *(f"{i}. {note}" for i, note in enumerate(table.footnotes, start=1))]
    return "\n".join(lines) + "\n"


def check_markdown(document: dict[str, Any]) -> str:
    """A check's verdict, its differences and (for a model) its stages, as Markdown."""
    against = f" against `{document['arch']}`" if document.get("arch") else ""
    lines = [f"**{document['target']}**{against}: {document['verdict']}", ""]
    if document.get("equals"):
        lines += [f"Equals `{document['equals']}`.", ""]
    for difference in document.get("differences", []):
        lines.append(f"- [{difference['kind']}] {', '.join(difference['places'])}: {difference['message']}")
    for problem in document.get("problems", []):
        lines.append(f"- {problem}")
    if document.get("stages"):
        lines += ["", records_markdown(document["stages"]).rstrip()]
    return "\n".join(lines) + "\n"
