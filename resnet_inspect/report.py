"""An analysis as rows at a chosen level (layer, block, stage), and as JSON, CSV, Markdown or a DataFrame.

Every number here is read from the analysis; nothing is recomputed. Renderers (`render`) and the CLI take
these rows as they are.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from .analysis import Analysis, CrossCheck, LayerRow
from .memory import LayerMemory, Peak
from .shapes import Shape, TracedLayer, shape_text, trace
from .spec import PAPER_STAGE_NAMES


class Level(StrEnum):
    layer = "layer"
    block = "block"
    stage = "stage"


@dataclass(frozen=True)
class Row:
    """One row of a table: a layer, or a block or stage summed over its layers."""

    name: str
    stage: str
    op: str  # "conv 3×3 /2 p1", "bottleneck 1×1·3×3·1×1 /2 +proj", "3 × bottleneck"
    in_shape: Shape
    out_shape: Shape
    params: int
    macs: int  # fvcore's count (batch norm and average pool included)
    macs_conv_linear: int  # the paper's and torchvision's count
    problems: tuple[str, ...]
    layers: tuple[LayerRow, ...]

    @property
    def verified(self) -> bool:
        return not self.problems


def conv_op(layer: TracedLayer) -> str:
    (kh, kw), (sh, _), (ph, _) = layer.kernel, layer.stride, layer.padding
    text = f"{kh}×{kw}"
    if sh != 1:
        text += f" /{sh}"
    if ph:
        text += f" p{ph}"
    if layer.groups != 1:
        text += f" g{layer.groups}"
    return text


KIND_WORDS = {
    "conv": "conv",
    "bn": "batch norm",
    "relu": "relu",
    "maxpool": "max pool",
    "add": "add shortcut",
    "avgpool": "avg pool",
    "downpool": "avg pool",
    "pad": "zero-pad",
    "linear": "linear",
}


def layer_op(layer: TracedLayer) -> str:
    words = KIND_WORDS[layer.kind]
    if layer.kind in ("conv", "maxpool"):
        return f"{words} {conv_op(layer)}"
    if layer.kind == "downpool":
        return f"{words} {conv_op(layer)} ceil"
    if layer.kind == "pad":
        return f"{words} /{layer.stride[0]} +{layer.out_shape[1] - layer.in_shape[1]} ch"
    if layer.kind == "avgpool":
        return f"{words} → 1×1"
    return words


def _group_op(kind: str, members: list[LayerRow]) -> str:
    """A block or stage in words: `bottleneck 1×1·3×3·1×1 /2 +proj`, `6 × bottleneck`, `conv, batch norm, …`."""
    stage = members[0].traced.stage
    if stage in ("stem", "head"):
        return ", ".join(dict.fromkeys(KIND_WORDS[row.traced.kind] for row in members))
    blocks = list(dict.fromkeys(row.traced.block for row in members))
    if len(blocks) > 1:
        return f"{len(blocks)} × {kind}"
    convs = [row.traced for row in members if row.traced.kind == "conv" and ".downsample." not in row.name]
    text = f"{kind} " + "·".join(f"{c.kernel[0]}×{c.kernel[1]}" for c in convs)
    stride = max(conv.stride[0] for conv in convs)
    if stride != 1:
        text += f" /{stride}"
    return text + (" +proj" if any(".downsample." in row.name for row in members) else "")


def _summed(name: str, stage: str, op: str, rows: list[LayerRow]) -> Row:
    return Row(
        name=name,
        stage=stage,
        op=op,
        in_shape=rows[0].traced.in_shape,
        out_shape=rows[-1].traced.out_shape,
        params=sum(row.traced.params for row in rows),
        macs=sum(row.macs for row in rows),
        macs_conv_linear=sum(row.macs_conv_linear for row in rows),
        problems=tuple(p for row in rows for p in row.problems),
        layers=tuple(rows),
    )


def _grouped(analysis: Analysis, key: Callable[[LayerRow], str]) -> dict[str, list[LayerRow]]:
    groups: dict[str, list[LayerRow]] = {}
    for row in analysis.rows:
        groups.setdefault(key(row), []).append(row)
    return groups


def rows(analysis: Analysis, level: Level | str = Level.layer) -> list[Row]:
    level = Level(level)
    if level is Level.layer:
        return [_summed(row.name, row.traced.stage, layer_op(row.traced), [row]) for row in analysis.rows]
    key = (lambda r: r.traced.block) if level is Level.block else (lambda r: r.traced.stage)
    return [
        _summed(name, members[0].traced.stage, _group_op(analysis.spec.block, members), members)
        for name, members in _grouped(analysis, key).items()
    ]


# ------------------------------------------------------------------------------------------------ export

MACS_NOTE = (
    "MACs are multiply-accumulates (the paper's and fvcore's 'FLOPs'). A layer's 'macs' is fvcore's count "
    "(batch norm counted as 2 per element in eval mode, average pooling as 1 per input element) and its "
    "'macs_conv_linear' the paper's (conv and linear layers only); blocks', stages' and totals' 'macs' sum "
    "the paper's and their 'macs_fvcore' fvcore's. 'flops' = 2 × MACs."
)


def _shares(value: int, total: int) -> float:
    return value / total if total else 0.0


@dataclass(frozen=True)
class MemoryView:
    """The analytic memory of an analysis at one dtype: per layer, the inference peak, training storage."""

    dtype: str
    layers: dict[str, LayerMemory]
    peak: Peak
    training_bytes: int


def memory_view(analysis: Analysis, dtype: str = "float32") -> MemoryView:
    from .memory import layer_memory, peak_inference, training_storage

    traced = analysis.trace
    return MemoryView(
        dtype,
        {m.name: m for m in layer_memory(traced, dtype)},
        peak_inference(traced, dtype),
        training_storage(traced, dtype),
    )


def to_dict(
    analysis: Analysis,
    *,
    flops: bool = False,
    cross_checks: Sequence[CrossCheck] = (),
    memory: MemoryView | None = None,
) -> dict[str, Any]:
    """The JSON contract: every layer, every block, every stage, and the totals."""
    scale = 2 if flops else 1

    def with_flops(record: dict[str, Any], macs_keys: tuple[str, ...]) -> dict[str, Any]:
        if flops:
            for key in macs_keys:
                record[key.replace("macs", "flops")] = record[key] * scale
        return record

    layers = []
    for row in analysis.rows:
        t = row.traced
        record: dict[str, Any] = {
            "name": t.name,
            "stage": t.stage,
            "block": t.block,
            "kind": t.kind,
            "kernel": list(t.kernel) if t.kernel else None,
            "stride": list(t.stride) if t.stride else None,
            "padding": list(t.padding) if t.padding else None,
            "groups": t.groups,
            "in_shape": list(t.in_shape),
            "out_shape": list(t.out_shape),
            "out_elements": t.out_elements,
            "params": t.params,
            "macs": row.macs,
            "macs_conv_linear": row.macs_conv_linear,
            "verified": row.verified,
        }
        if memory is not None:
            m = memory.layers[t.name]
            record |= {"weight_bytes": m.weight_bytes, "input_bytes": m.input_bytes, "output_bytes": m.output_bytes,
                       "macs_per_byte": round(m.intensity, 4)}  # fmt: skip
        if not row.verified:
            observed = row.check.observed_out_shape
            record["model_out_shape"] = list(observed) if observed else None
            record["problems"] = list(row.problems)
        layers.append(with_flops(record, ("macs", "macs_conv_linear")))

    def summary(level: Level) -> list[dict[str, Any]]:
        return [
            with_flops(
                {
                    "name": r.name,
                    "stage": r.stage,
                    "op": r.op,
                    "in_shape": list(r.in_shape),
                    "out_shape": list(r.out_shape),
                    "params": r.params,
                    "macs": r.macs_conv_linear,
                    "macs_fvcore": r.macs,
                    "verified": r.verified,
                },
                ("macs", "macs_fvcore"),
            )
            for r in rows(analysis, level)
        ]

    totals = with_flops(
        {
            "params": analysis.params,
            "model_params": analysis.verification.model_params,
            "macs": analysis.macs,
            "macs_fvcore": analysis.macs_fvcore,
            "verified": analysis.verified,
        },
        ("macs", "macs_fvcore"),
    )
    return (
        {
            "arch": analysis.spec.name,
            "input": list(analysis.input_shape),
            "spec": {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(analysis.spec).items()},
            "units": MACS_NOTE,
            "layers": layers,
            "blocks": summary(Level.block),
            "stages": summary(Level.stage),
            "totals": totals,
            "problems": list(analysis.problems),
        }
        | ({"cross_check": [cross_check_record(check) for check in cross_checks]} if cross_checks else {})
        | (
            {
                "memory": {
                    "dtype": memory.dtype,
                    "peak_inference_bytes": memory.peak.bytes,
                    "peak_during": memory.peak.at,
                    "training_storage_bytes": memory.training_bytes,
                }
            }
            if memory is not None
            else {}
        )
    )


def cross_check_record(check: CrossCheck) -> dict[str, Any]:
    return {
        "path": check.path,
        "reported_macs": check.reported,
        "counted_macs": check.counted,
        "ok": check.ok,
        "note": check.note,
    }


def cross_check_lines(checks: Sequence[CrossCheck]) -> list[str]:
    lines = []
    for check in checks:
        if check.counted is None:
            lines.append(f"– {check.path}: {check.note}")
        else:
            mark = "✓" if check.ok else "✗"
            lines.append(f"{mark} {check.path}: {check.counted:,} MACs vs {check.reported:,} reported ({check.note})")
    return lines


def to_json(
    analysis: Analysis,
    *,
    flops: bool = False,
    cross_checks: Sequence[CrossCheck] = (),
    memory: MemoryView | None = None,
) -> str:
    data = to_dict(analysis, flops=flops, cross_checks=cross_checks, memory=memory)
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def table_records(analysis: Analysis, level: Level | str, *, flops: bool = False) -> list[dict[str, Any]]:
    """Flat records for CSV, Markdown and DataFrames: one per row, units in the column names."""
    unit = "flops" if flops else "macs"
    scale = 2 if flops else 1
    records = []
    for r in rows(analysis, level):
        records.append(
            {
                "name": r.name,
                "stage": r.stage,
                "op": r.op,
                "in_shape": shape_text(r.in_shape),
                "out_shape": shape_text(r.out_shape),
                "params": r.params,
                f"{unit}_fvcore": r.macs * scale,
                f"{unit}_conv_linear": r.macs_conv_linear * scale,
                f"{unit}_share": round(_shares(r.macs, analysis.macs_fvcore), 6),
                "params_share": round(_shares(r.params, analysis.params), 6),
                "verified": r.verified,
            }
        )
    return records


def to_csv(analysis: Analysis, level: Level | str = Level.layer, *, flops: bool = False) -> str:
    return records_csv(table_records(analysis, level, flops=flops))


def to_markdown(analysis: Analysis, level: Level | str = Level.layer, *, flops: bool = False) -> str:
    unit = "FLOPs (2×MACs)" if flops else "MACs"
    scale = 2 if flops else 1
    header = [
        "Layer" if Level(level) is Level.layer else Level(level).value.title(),
        "Op",
        "Channels",
        "Size",
        "Params",
        f"{unit}, fvcore",
        f"% {unit.split(' ')[0]}",
        "% Params",
        "✓",
    ]
    lines = [
        f"**{analysis.spec.name}**, input {shape_text(analysis.input_shape)}",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "|".join(["---"] * 2 + ["---:"] * 6 + [":---:"]) + "|",
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
                    f"{100 * _shares(r.macs, analysis.macs_fvcore):.1f}%",
                    f"{100 * _shares(r.params, analysis.params):.1f}%",
                    "✓" if r.verified else "✗",
                ]
            )
            + " |"
        )
    lines += ["", *totals_lines(analysis, flops=flops)]
    return "\n".join(lines) + "\n"


def to_dataframe(analysis: Analysis, level: Level | str = Level.layer, *, flops: bool = False):
    """The rows as a pandas DataFrame (pandas is imported here, not at start-up)."""
    import pandas as pd

    return pd.DataFrame.from_records(table_records(analysis, level, flops=flops))


# --------------------------------------------------------------------------------------- shared wording


def channels_text(in_shape: Shape, out_shape: Shape) -> str:
    c_in, c_out = in_shape[1], out_shape[1]
    return f"{c_in}→{c_out}" if c_in != c_out else str(c_out)


def size_text(in_shape: Shape, out_shape: Shape) -> str:
    if len(out_shape) < 4:
        return "—"
    before, after = f"{in_shape[2]}×{in_shape[3]}", f"{out_shape[2]}×{out_shape[3]}"
    return before if before == after else f"{before} → {after}"


def paper_stage(stage: str) -> str:
    return PAPER_STAGE_NAMES.get(stage, stage)


def totals_lines(analysis: Analysis, *, flops: bool = False) -> list[str]:
    """The totals, in words, with both MAC conventions labelled."""
    scale, unit = (2, "FLOPs (2×MACs)") if flops else (1, "MACs")
    prefix = "GFLOPs" if flops else "GMACs"
    checked = sum(row.verified for row in analysis.rows)
    return [
        f"Params: {analysis.params:,} ({analysis.params / 1e6:.2f} M)",
        f"{unit}, conv + linear (the paper's and torchvision's count): {analysis.macs * scale:,} "
        f"({analysis.macs * scale / 1e9:.2f} {prefix})",
        f"{unit}, all that fvcore counts (+ batch norm, avg pool): {analysis.macs_fvcore * scale:,} "
        f"({analysis.macs_fvcore * scale / 1e9:.2f} {prefix})",
        f"Verified against the hooked model: {checked}/{len(analysis.rows)} layers",
    ]


def size_note(analysis: Analysis) -> str | None:
    """For a size that is not a multiple of 32: what the rounding of five halvings costs, against the size below."""
    _, _, height, width = analysis.input_shape
    if (height % 32 == 0 and width % 32 == 0) or min(height, width) < 32:
        return None  # below 32 there is no smaller multiple to hold it against
    base_h, base_w = max(32, height // 32 * 32), max(32, width // 32 * 32)
    base = trace(analysis.spec, base_h, base_w)
    last = next(r.traced.out_shape for r in reversed(analysis.rows) if r.traced.kind == "add")
    base_last = next(layer.out_shape for layer in reversed(base.layers) if layer.kind == "add")
    change = analysis.macs / analysis.input_shape[0] / base.macs - 1
    return (
        f"note: {height}×{width} is not a multiple of 32: the last feature map is {last[2]}×{last[3]} "
        f"({base_last[2]}×{base_last[3]} at {base_h}×{base_w}), {change:+.1%} MACs per image"
    )


# ----------------------------------------------------------------------------------------------- catalog


@dataclass(frozen=True)
class CatalogEntry:
    """A named config in a line: what it is, and its verified size and cost at one input size."""

    name: str
    description: str
    design: str  # "bottleneck 3,4,6,3 · deep stem · avgdown · g32×4"
    params: int
    macs: int  # conv + linear
    macs_fvcore: int
    verified: bool


def design_text(spec) -> str:
    parts = [f"{spec.block} {','.join(map(str, spec.layers))}"]
    if spec.stem != "torchvision":
        parts.append(f"{spec.stem} stem")
    if spec.shortcut != "B" or not spec.shortcut_norm:
        parts.append(f"shortcut {spec.shortcut}" + ("" if spec.shortcut_norm else " no BN"))
    if spec.groups != 1 or spec.width_per_group != 64:
        parts.append(f"{spec.groups}×{spec.width_per_group}d")
    if spec.stride_in != "v1.5" and spec.block == "bottleneck":
        parts.append("stride v1")
    if spec.conv_bias:
        parts.append("conv bias")
    if (spec.in_channels, spec.num_classes) != (3, 1000):
        parts.append(f"{spec.in_channels}→{spec.num_classes}")
    return " · ".join(parts)


def catalog(analyses: Sequence[Analysis]) -> list[CatalogEntry]:
    from .spec import DESCRIPTIONS

    return [
        CatalogEntry(
            a.spec.name,
            DESCRIPTIONS.get(a.spec.name, ""),
            design_text(a.spec),
            a.params,
            a.macs,
            a.macs_fvcore,
            a.verified,
        )
        for a in analyses
    ]


def catalog_records(entries: Sequence[CatalogEntry]) -> list[dict[str, Any]]:
    return [dataclasses.asdict(entry) for entry in entries]


def catalog_markdown(entries: Sequence[CatalogEntry]) -> str:
    lines = ["| arch | design | params | GMACs | ✓ |", "|---|---|---:|---:|:---:|"]
    for e in entries:
        lines.append(f"| `{e.name}` | {e.design} | {e.params:,} | {e.macs / 1e9:.2f} | {'✓' if e.verified else '✗'} |")
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------------ plain records


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
