"""The table: a network traced at one input size, held against the hooked real model, and counted by fvcore's rules.

`analyze` returns an `Analysis`: one row per layer, each with the formula's account, the model's and fvcore's
count. `rows` sums them per block or stage, `to_dict` is the JSON contract, `table_records` the flat records
that CSV, Markdown and DataFrames share. Drawing lives in `views`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from math import prod
from typing import TYPE_CHECKING, Any

from ..core.configs import parse_arch
from ..core.errors import InspectError
from ..core.memory import LayerMemory, Peak
from ..core.ops import COUNTED_KINDS, KINDS
from ..core.receptive_field import receptive_fields
from ..core.shapes import Shape, Trace, TracedLayer, shape_text, trace
from ..core.spec import ResNetSpec, parse_size, with_knobs
from .receptive_field import field_record

if TYPE_CHECKING:  # verify imports torch; the CLI's --help and the analytic path must not pay for it
    from ..core.verify import LayerCheck, Probe, Verification


@dataclass(frozen=True)
class LayerRow:
    """A layer: the formula's account, the model's, and fvcore's count."""

    traced: TracedLayer
    check: LayerCheck
    macs: int  # fvcore's count for this layer (batch norm and average pool included)

    @property
    def name(self) -> str:
        return self.traced.name

    @property
    def macs_conv_linear(self) -> int:
        """The MACs the paper and torchvision count: conv and linear layers only."""
        return self.macs if self.traced.kind in COUNTED_KINDS else 0

    @property
    def problems(self) -> tuple[str, ...]:
        found = self.check.problems
        if self.traced.kind in COUNTED_KINDS and self.macs != self.traced.macs:
            found += (f"{self.name}: {self.traced.macs:,} MACs by the formula, {self.macs:,} by fvcore",)
        return found

    @property
    def verified(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Analysis:
    spec: ResNetSpec
    input_shape: Shape
    rows: tuple[LayerRow, ...]
    verification: Verification
    probe: Probe

    @property
    def params(self) -> int:
        return sum(row.traced.params for row in self.rows)

    @property
    def frozen_params(self) -> int:
        """The model's parameters with requires_grad off: 0 for a model built from the spec."""
        return self.verification.frozen_params

    @property
    def trainable_params(self) -> int:
        return self.verification.model_params - self.frozen_params

    @property
    def macs(self) -> int:
        """Conv + linear MACs: the paper's and torchvision's "FLOPs"."""
        return sum(row.macs_conv_linear for row in self.rows)

    @property
    def macs_fvcore(self) -> int:
        """Every MAC fvcore counts: conv and linear, plus batch norm (2 per element) and average pooling."""
        return sum(row.macs for row in self.rows)

    @property
    def problems(self) -> tuple[str, ...]:
        found = [p for row in self.rows for p in row.problems]
        found += self.verification.model_problems
        if self.verification.model_params != self.params:
            found.append(f"model: {self.verification.model_params:,} params in all, {self.params:,} by the formula")
        return tuple(found)

    @property
    def verified(self) -> bool:
        return not self.problems

    @property
    def trace(self) -> Trace:
        return Trace(self.spec, self.input_shape, tuple(row.traced for row in self.rows))

    def __repr__(self) -> str:
        # A few lines, not the 200,000 characters of every row: the rows are in to_dataframe and the views.
        from .summary import headline

        frozen = f" ({self.trainable_params:,} trainable, {self.frozen_params:,} frozen)" if self.frozen_params else ""
        return (
            f"<Analysis of {self.spec.name} at input {shape_text(self.input_shape)}: {len(self.rows)} layers, "
            f"{'verified' if self.verified else f'{len(self.problems)} disagreements'}\n"
            f" params {self.params:,}{frozen}; MACs {self.macs:,} conv + linear, {self.macs_fvcore:,} fvcore\n"
            f" {headline(self)}>"
        )

    def _repr_html_(self) -> str:
        # Jupyter asks the object itself; the drawing lives in views (imported only when a notebook asks).
        from ..views.html import analysis_html

        return analysis_html(self)


def analyze(
    arch: ResNetSpec | str | int = 50,
    size: int | str | tuple[int, int] | None = None,
    *,
    batch: int = 1,
    model: Any = None,
    probe: Probe = "empty-batch",
    **knobs: Any,
) -> Analysis:
    """Trace `arch` at `size`, verify it against the real model, count it.

    `arch` is a spec, a config (`"resnet50"`, `"resnet50:stride_in=v1"`) or a paper depth; `size` an int, a
    `"480x640"` string or a (height, width) pair, by default the config's own (224, or 32 for CIFAR nets);
    `knobs` change the config (`analyze(18, 32, stem="cifar", num_classes=10)`). `model` replaces the model
    built from the spec: to hold another implementation against the trace. An `nn.Module` as `arch` is
    captured as it is, whatever it is (`features.model_table.analyze_model`).
    """
    from ..core.model import build_model

    if hasattr(arch, "named_parameters") and callable(arch):
        from .model_table import analyze_model

        return analyze_model(arch, size, batch=batch)

    spec = with_knobs(parse_arch(arch), knobs)
    height, width = parse_size(spec.default_size if size is None else size)
    if batch < 1:
        raise InspectError(f"batch {batch} is not valid; it must be ≥ 1")
    traced = trace(spec, height, width, batch=batch)
    if model is None:  # from the trace's ints, before a module is built: the probe gives its weights storage
        from ..core.budget import check_parameters

        check_parameters(traced.params, traced.params * 4)
    if model is not None:  # the user's: run a copy, never the model itself (the probe gives weights new storage)
        from ..capture.graph import fresh_copy

        model = fresh_copy(model, "meta", zeros=False)
    return analyze_trace(traced, model if model is not None else build_model(spec, device="meta"), probe=probe)


def analyze_trace(traced: Trace, model: Any, *, probe: Probe = "empty-batch") -> Analysis:
    """Verify `traced` against `model` (whose leaf calls must follow it one for one) and count it with fvcore.

    A model reused across calls is materialized once: sweeping many sizes costs one small forward each.
    """
    from ..core.counting import count_layers
    from ..core.verify import verify

    if probe == "meta":  # the whole batch, laid out on the meta device: within torch's bytes per tensor
        check_tensors("the meta probe", traced)
    verification = verify(traced, model, probe=probe)
    observed = [check.observed for check in verification.checks if check.observed is not None]
    macs = {count.name: count.macs for count in count_layers(observed, batch=traced.input_shape[0])}
    rows = tuple(
        LayerRow(check.traced, check, macs.get(check.observed.name, 0) if check.observed else 0)
        for check in verification.checks
    )
    return Analysis(traced.spec, traced.input_shape, rows, verification, probe)


def check_tensors(what: str, traced: Trace, itemsize: int = 4) -> None:
    """Refuse, before torch is asked, a trace whose largest tensor torch cannot lay out (see core.budget)."""
    from ..core.budget import check_tensor

    check_tensor(what, max((traced.input_shape, *(layer.out_shape for layer in traced.layers)), key=prod), itemsize)


# A real forward for fvcore's FlopCountAnalysis costs time and memory in proportion to the input; above this
# many input values (batch × channels × height × width: an RGB 1024×1024 image) the cross-check skips it.
FORWARD_INPUT_LIMIT = 3 * 1024 * 1024


@dataclass(frozen=True)
class CrossCheck:
    """A total counted again by an independent path, beside the value the analysis reports."""

    path: str
    reported: int  # what the analysis says, in MACs
    counted: int | None  # what the other path says, in MACs; None when skipped
    note: str = ""
    layers_agree: bool = True  # for a path that counts per layer: every layer equal too

    @property
    def ok(self) -> bool:
        return self.counted is None or (self.counted == self.reported and self.layers_agree)


def cross_check(analysis: Analysis) -> list[CrossCheck]:
    """Count the totals again with torch's FlopCounterMode and, at moderate sizes, fvcore's real forward.

    FlopCounterMode runs on the meta device (conv and matmul only; it counts 2 FLOPs per MAC). fvcore's
    FlopCountAnalysis traces a real forward of zeros on the CPU and must agree layer by layer.
    """
    from ..core.counting import count_by_forward, torch_flop_counter_flops
    from ..core.model import build_model

    check_tensors("the cross-check (torch's FlopCounterMode runs the whole batch on the meta device)", analysis.trace)
    flops = torch_flop_counter_flops(build_model(analysis.spec, device="meta"), analysis.input_shape)
    checks = [
        CrossCheck(
            "torch FlopCounterMode, conv + linear (FLOPs ÷ 2)",
            analysis.macs,
            flops // 2,
            f"{flops:,} FLOPs" + ("" if flops % 2 == 0 else ", an odd number"),
        )
    ]
    n, c, height, width = analysis.input_shape
    fvcore_path = "fvcore FlopCountAnalysis, real forward, all layers"
    if n * c * height * width > FORWARD_INPUT_LIMIT:
        checks.append(
            CrossCheck(fvcore_path, analysis.macs_fvcore, None,
                       f"skipped above {FORWARD_INPUT_LIMIT:,} input values (an RGB 1024×1024 image)")
        )  # fmt: skip
        return checks
    from ..core.budget import check_memory
    from ..core.memory import peak_inference

    check_memory("the cross-check's real forward (fvcore)",
                 analysis.params * 4 + peak_inference(analysis.trace, "float32").bytes)  # fmt: skip
    by_module = count_by_forward(build_model(analysis.spec), analysis.input_shape)
    differing = [row.name for row in analysis.rows if by_module.get(row.name, 0) != row.macs]
    checks.append(
        CrossCheck(
            fvcore_path,
            analysis.macs_fvcore,
            sum(by_module.values()),
            f"layers that differ: {', '.join(differing[:3])}" if differing else "every layer equal",
            layers_agree=not differing,
        )
    )
    return checks


# ------------------------------------------------------------------------------------------- rows and records


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


def _group_op(spec: ResNetSpec, members: list[LayerRow]) -> str:
    """A block or stage in words: `bottleneck 1×1·3×3·1×1 /2 +proj`, `6 × bottleneck`, `conv, batch norm, …`."""
    stage = members[0].traced.stage
    if stage in ("stem", "head"):
        return ", ".join(dict.fromkeys(KINDS[row.traced.kind].words for row in members))
    kind = ("pre-act " if spec.order == "pre" else "") + spec.block
    blocks = list(dict.fromkeys(row.traced.block for row in members))
    if len(blocks) > 1:
        return f"{len(blocks)} × {kind}"
    side_paths = (".downsample.", ".se.")
    convs = [row.traced for row in members if row.traced.kind == "conv" and not any(p in row.name for p in side_paths)]
    text = f"{kind} " + "·".join(f"{c.kernel[0]}×{c.kernel[1]}" for c in convs)
    stride = max(conv.stride[0] for conv in convs)
    if stride != 1:
        text += f" /{stride}"
    dilation = max(conv.dilation[0] for conv in convs)
    if dilation != 1:
        text += f" d{dilation}"
    text += " +SE" if any(".se." in row.name for row in members) else ""
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
        return [_summed(row.name, row.traced.stage, row.traced.label, [row]) for row in analysis.rows]
    key = (lambda r: r.traced.block) if level is Level.block else (lambda r: r.traced.stage)
    return [
        _summed(name, members[0].traced.stage, _group_op(analysis.spec, members), members)
        for name, members in _grouped(analysis, key).items()
    ]


MACS_NOTE = (
    "MACs are multiply-accumulates (the paper's and fvcore's 'FLOPs'). At every level (layer, block, stage, "
    "totals) 'macs_conv_linear' is the paper's and torchvision's count (conv and linear layers only) and "
    "'macs_fvcore' all that fvcore counts (batch norm as 2 per element in eval mode, average pooling as 1 per "
    "input element, besides conv and linear). With --flops, 'flops_conv_linear' and 'flops_fvcore' = 2 × MACs."
)
MAC_KEYS = ("macs_conv_linear", "macs_fvcore")


def share(value: int, total: int) -> float:
    """`value` as a fraction of `total` (0 when the total is 0)."""
    return value / total if total else 0.0


@dataclass(frozen=True)
class MemoryView:
    """The analytic memory of an analysis at one dtype: per layer, the inference peak, training storage."""

    dtype: str
    layers: dict[str, LayerMemory]
    peak: Peak
    training_bytes: int


def memory_view(analysis: Analysis, dtype: str = "float32") -> MemoryView:
    from ..core.memory import layer_memory, peak_inference, training_storage

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
    fields = receptive_fields(analysis.trace)

    def with_flops(record: dict[str, Any], macs_keys: tuple[str, ...]) -> dict[str, Any]:
        if flops:
            for key in macs_keys:
                record[key.replace("macs", "flops")] = record[key] * scale
        return record

    exprs = out_size_exprs(analysis.spec)
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
            "dilation": list(t.dilation) if t.dilation else None,
            "groups": t.groups,
            "in_shape": list(t.in_shape),
            "out_shape": list(t.out_shape),
            "out_elements": t.out_elements,
            "out_size_expr": exprs.get(t.name),
            "params": t.params,
            "macs_conv_linear": row.macs_conv_linear,
            "macs_fvcore": row.macs,
            "verified": row.verified,
        } | field_record(fields[t.name])
        if memory is not None:
            m = memory.layers[t.name]
            record |= {"weight_bytes": m.weight_bytes, "input_bytes": m.input_bytes, "output_bytes": m.output_bytes,
                       "macs_per_byte": round(m.intensity, 4)}  # fmt: skip
        if not row.verified:
            observed = row.check.observed_out_shape
            record["model_out_shape"] = list(observed) if observed else None
            record["problems"] = list(row.problems)
        layers.append(with_flops(record, MAC_KEYS))

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
                    "macs_conv_linear": r.macs_conv_linear,
                    "macs_fvcore": r.macs,
                    "verified": r.verified,
                }
                | field_record(fields[r.layers[-1].name]),
                MAC_KEYS,
            )
            for r in rows(analysis, level)
        ]

    totals = with_flops(
        {
            "params": analysis.params,
            "model_params": analysis.verification.model_params,
            "trainable_params": analysis.trainable_params,
            "frozen_params": analysis.frozen_params,
            "macs_conv_linear": analysis.macs,
            "macs_fvcore": analysis.macs_fvcore,
            "verified": analysis.verified,
        },
        MAC_KEYS,
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


def out_size_exprs(spec: ResNetSpec, *, pretty: bool = False) -> dict[str, list[str]]:
    """Layer name → its output size per axis as a closed form in H and W (`["ceil(H/32)", "ceil(W/32)"]`; empty
    for a 2-D output); no entries for a network without closed forms."""
    from ..core.closed_form import closed_forms

    try:
        forms = closed_forms(spec)
    except InspectError:
        return {}
    return {layer.name: list(layer.expr(pretty=pretty)) for layer in forms.layers}


def closed_form_cells(analysis: Analysis, level: Level | str, *, pretty: bool = True) -> dict[str, str]:
    """Row name → its output size as a closed form (`⌈H/32⌉×⌈W/32⌉`, or `ceil(H/32)×ceil(W/32)` without `pretty`):
    a block's or stage's is its last layer's."""
    exprs = out_size_exprs(analysis.spec, pretty=pretty)
    return {r.name: "×".join(exprs.get(r.layers[-1].name, [])) or "—" for r in rows(analysis, level)}


def cross_check_record(check: CrossCheck) -> dict[str, Any]:
    return {
        "path": check.path,
        "reported_macs": check.reported,
        "counted_macs": check.counted,
        "ok": check.ok,
        "note": check.note,
    }


def table_records(
    analysis: Analysis,
    level: Level | str,
    *,
    flops: bool = False,
    memory: MemoryView | None = None,
    symbolic: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Flat records for CSV, Markdown and DataFrames: one per row, units in the column names.

    With `memory`, each row also has the bytes its layers move and its conv + linear MACs per byte moved; with
    `symbolic` (`closed_form_cells`), its output size as a closed form.
    """
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
                **shape_columns(r.out_shape),
                "params": r.params,
                f"{unit}_fvcore": r.macs * scale,
                f"{unit}_conv_linear": r.macs_conv_linear * scale,
                f"{unit}_share": round(share(r.macs, analysis.macs_fvcore), 6),
                "params_share": round(share(r.params, analysis.params), 6),
                "verified": r.verified,
            }
        )
        if memory is not None:
            moved = sum(memory.layers[layer.name].bytes_moved for layer in r.layers)
            records[-1] |= {f"bytes_moved_{memory.dtype}": moved,
                            "macs_per_byte": round(r.macs_conv_linear / moved, 4) if moved else 0.0}  # fmt: skip
        if symbolic is not None:
            records[-1]["out_size_expr"] = symbolic.get(r.name, "")
    return records


def shape_columns(shape: Shape) -> dict[str, int | None]:
    """An output shape as numbers a DataFrame can sort and plot: channels, height, width (None past the pool)."""
    return {"out_c": shape[1], "out_h": shape[2] if len(shape) > 2 else None,
            "out_w": shape[3] if len(shape) > 3 else None}  # fmt: skip


def to_dataframe(
    analysis: Analysis,
    level: Level | str = Level.layer,
    *,
    flops: bool = False,
    memory: MemoryView | None = None,
    columns: Sequence[str] | None = None,
):
    """The rows as a pandas DataFrame (pandas is imported here, not at start-up), all columns or `columns`."""
    import pandas as pd

    records = table_records(analysis, level, flops=flops, memory=memory)
    if columns is not None:
        columns = [columns] if isinstance(columns, str) else list(columns)
        if unknown := [c for c in columns if c not in records[0]]:
            raise InspectError(f"columns {', '.join(map(repr, unknown))} are not columns of the table; "
                               f"use any of {', '.join(records[0])}")  # fmt: skip
        records = [{c: r[c] for c in columns} for r in records]
    frame = pd.DataFrame.from_records(records)
    for column in ("out_h", "out_w"):  # whole numbers, missing after the pool: not floats with NaN
        if column in frame:
            frame[column] = frame[column].astype("Int64")
    return frame


def size_note(analysis: Analysis) -> str | None:
    """For a size that is not a multiple of the network's stride (32 for torchvision's ResNets): what the rounding
    of its halvings costs, against the multiple below."""
    _, _, height, width = analysis.input_shape
    step = analysis.spec.output_stride or analysis.spec.natural_stride
    if step == 1 or (height % step == 0 and width % step == 0) or min(height, width) < step:
        return None  # below one step there is no smaller multiple to hold it against
    base_h, base_w = height // step * step, width // step * step
    try:
        base = trace(analysis.spec, base_h, base_w)
    except InspectError:
        return None  # the multiple below is too small for the network
    last = next(r.traced.out_shape for r in reversed(analysis.rows) if r.traced.kind == "add")
    base_last = next(layer.out_shape for layer in reversed(base.layers) if layer.kind == "add")
    change = analysis.macs / analysis.input_shape[0] / base.macs - 1
    return (
        f"note: {height}×{width} is not a multiple of {step}: the last feature map is {last[2]}×{last[3]} "
        f"({base_last[2]}×{base_last[3]} at {base_h}×{base_w}), {change:+.1%} MACs per image"
    )
