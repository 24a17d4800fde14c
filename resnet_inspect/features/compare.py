"""Comparisons: block designs at one place, networks stage by stage, two configs block by block, and sizes.

Each comparison is built from verified analyses (the analytic trace held against hooked real modules, and
fvcore's counts) and returns plain records; `frame(records)` turns any of them into a pandas DataFrame. A sweep
over sizes evaluates the closed forms (`core.closed_form`) at every size and runs the hooked model at a few.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..core.budget import MAX_POINTS
from ..core.configs import get_spec
from ..core.errors import InspectError
from ..core.memory import activation_bytes, dtype_bytes
from ..core.plan import block as block_plan
from ..core.shapes import TracedLayer, shape_text, trace, trace_block
from ..core.spec import MAX_CHANNELS, ResNetSpec, parse_size
from .table import Analysis, Level, analyze, analyze_trace, rows

# ------------------------------------------------------------------------------------------ block designs


@dataclass(frozen=True)
class BlockDesign:
    """One block design at the compared place, traced and hook-verified on its own."""

    label: str  # "basic", "bottleneck", "resnext 32×4d"
    analysis: Analysis

    @property
    def convs(self) -> list[TracedLayer]:
        return [row.traced for row in self.analysis.rows if row.traced.kind == "conv"]

    @property
    def conv_params(self) -> int:
        return sum(conv.params for conv in self.convs)

    @property
    def params(self) -> int:
        """Conv and batch-norm parameters."""
        return self.analysis.params

    @property
    def macs(self) -> int:
        return self.analysis.macs

    @property
    def in_channels(self) -> int:
        return self.analysis.input_shape[1]

    @property
    def out_channels(self) -> int:
        return self.analysis.rows[-1].traced.out_shape[1]


@dataclass(frozen=True)
class BlockComparison:
    channels: int
    size: tuple[int, int]
    stride: int
    place: str  # where the block sits, in words
    designs: tuple[BlockDesign, ...]

    def __repr__(self) -> str:
        designs = "; ".join(f"{d.label} {d.macs:,} MACs, {d.conv_params:,} conv params" for d in self.designs)
        return f"<BlockComparison at {self.place}: {designs}>"

    def _repr_html_(self) -> str:
        from ..views.html import blocks_html  # the drawing lives in views, imported when a notebook asks

        return blocks_html(self)

    def difference_formula(self, a: int = 0, b: int = 1) -> str:
        """The MAC difference between designs a and b, written out as weights × output positions."""
        first, second = self.designs[a], self.designs[b]

        def terms(design: BlockDesign) -> list[tuple[str, int]]:
            out = []
            for conv in design.convs:
                c_in = conv.in_shape[1] // conv.groups
                kernel = "" if conv.kernel == (1, 1) else f"·{conv.kernel[0] * conv.kernel[1]}"
                out.append((f"{c_in}·{conv.out_shape[1]}{kernel}", conv.out_shape[2] * conv.out_shape[3]))
            return out

        left, right = terms(first), terms(second)
        positions = {p for _, p in left + right}
        delta = first.macs - second.macs
        n = first.analysis.input_shape[0]
        batch = f"·{n}" if n != 1 else ""
        if len(positions) == 1:
            h, w = first.convs[-1].out_shape[2:]
            expression = " + ".join(t for t, _ in left) + " − " + " − ".join(t for t, _ in right)
            return f"({expression})·{h}·{w}{batch} = {delta:,}"
        expression = " + ".join(f"{t}·{p}" for t, p in left) + " − " + " − ".join(f"{t}·{p}" for t, p in right)
        return f"({expression}){batch} = {delta:,}"


def _verified_block(spec: ResNetSpec, label: str, in_channels: int, width: int, stride: int,
                    size: tuple[int, int], batch: int) -> BlockDesign:  # fmt: skip
    from collections import OrderedDict

    import torch
    from torch import nn

    from ..core.model import ResidualBlock

    plan = block_plan(spec, "block", "block", in_channels, width, stride)
    traced = trace_block(spec, plan, *size, batch=batch)
    with torch.device("meta"):  # no weights to allocate or initialise: the hooks need shapes only
        model = nn.Sequential(OrderedDict(block=ResidualBlock(plan)))
    return BlockDesign(label, analyze_trace(traced, model))


def compare_blocks(
    channels: int = 64,
    size: int | tuple[int, int] = 56,
    *,
    stride: int = 1,
    groups: int | None = None,
    width_per_group: int | None = None,
    depth: int | ResNetSpec | None = None,
    stage: str | None = None,
    input_size: int | tuple[int, int] = 224,
    batch: int = 1,
) -> BlockComparison:
    """Basic against bottleneck (and ResNeXt when `groups` is given) at stage width `channels` and `size`.

    The basic block runs at `channels` in and out; the bottleneck carries 4× the channels and squeezes them to
    `channels` for its 3×3. With `stride=2` each is the first block of a stage, with its projection shortcut.
    `depth` (a paper depth or any spec) and `stage` take width and size from that network at `input_size`.
    """
    if stride not in (1, 2):
        raise InspectError(f"stride {stride} is not valid; use 1 (a repeated block) or 2 (a stage's first block)")
    height, width = (size, size) if isinstance(size, int) else size
    place = f"stage width {channels} at {height}×{width}"
    if depth is not None or stage is not None:
        net = depth if isinstance(depth, ResNetSpec) else get_spec(depth or 50)
        if (net.groups, net.width_per_group) != (1, 64) and groups is None and width_per_group is None:
            groups, width_per_group = net.groups, net.width_per_group  # the network's own grouped block too
        stage = stage or "layer1"
        if stage not in net.stages:
            raise InspectError(f"stage {stage!r} is not valid for {net.name}; use one of {', '.join(net.stages)}")
        index = net.stages.index(stage)
        channels = net.widths[index]
        ih, iw = (input_size, input_size) if isinstance(input_size, int) else input_size
        t = trace(net, ih, iw)
        first_block = next(layer.block for layer in t.layers if layer.stage == stage)
        block_input = t.layer(f"{first_block}.conv1").in_shape if stride == 2 else t.stage_output(stage)
        if stride == 2 and index == 0:
            raise InspectError("layer1 has no strided block; use --stride 1 or another --stage")
        height, width = block_input[2], block_input[3]
        place = f"{net.name} {stage} ({'first' if stride == 2 else 'a repeated'} block) at {ih}×{iw} input"
    for label, value in (("channels", channels), ("batch", batch)):
        if value < 1:
            raise InspectError(f"{label} {value} is not valid; it must be ≥ 1")
    if channels * 4 > MAX_CHANNELS:  # the bottleneck carries 4× the stage width
        raise InspectError(f"channels {channels:,} is not valid; the bottleneck beside it carries 4× that, and a "
                           f"layer may have at most {MAX_CHANNELS:,}: use at most {MAX_CHANNELS // 4:,}")  # fmt: skip
    basic, bottleneck = get_spec(18), get_spec(50)
    designs = [
        _verified_block(basic, "basic", channels if stride == 1 else channels // 2 or 1, channels, stride,
                        (height, width), batch),
        _verified_block(bottleneck, "bottleneck", channels * 4 if stride == 1 else channels * 2, channels, stride,
                        (height, width), batch),
    ]  # fmt: skip
    if groups is not None or width_per_group is not None:
        g = 32 if groups is None else groups
        wpg = 4 if width_per_group is None else width_per_group
        for label, value in (("groups", g), ("width_per_group", wpg)):
            if value < 1:
                raise InspectError(f"{label} {value} is not valid; it must be ≥ 1")
        # The spec checks that the grouped 3×3 gets a whole number of channels per group at this width.
        resnext = dataclasses.replace(bottleneck, groups=g, width_per_group=wpg, widths=(channels,) * 4)
        label = f"resnext {g}×{wpg}d" if g > 1 else f"wide ×{wpg // 64}" if wpg % 64 == 0 else f"width {wpg}/64"
        designs.append(
            _verified_block(resnext, label, channels * 4 if stride == 1 else channels * 2, channels,
                            stride, (height, width), batch)
        )  # fmt: skip
    return BlockComparison(channels, (height, width), stride, place, tuple(designs))


def block_conv_records(comparison: BlockComparison) -> list[dict[str, Any]]:
    records = []
    for design in comparison.designs:
        for conv in design.convs:
            records.append(
                {
                    "design": design.label,
                    "layer": conv.name.removeprefix("block."),
                    "kernel": f"{conv.kernel[0]}×{conv.kernel[1]}",
                    "stride": conv.stride[0],
                    "groups": conv.groups,
                    "in_channels": conv.in_shape[1],
                    "out_channels": conv.out_shape[1],
                    "in_size": f"{conv.in_shape[2]}×{conv.in_shape[3]}",
                    "out_size": f"{conv.out_shape[2]}×{conv.out_shape[3]}",
                    "params": conv.params,
                    "macs_conv_linear": conv.macs,
                }
            )
    return records


def block_summary(comparison: BlockComparison) -> list[dict[str, Any]]:
    base = comparison.designs[0]
    return [
        {
            "design": d.label,
            "channels": f"{d.in_channels}→{d.out_channels}",
            "conv_params": d.conv_params,
            "params_with_bn": d.params,
            "macs_conv_linear": d.macs,
            "macs_vs_basic": round(d.macs / base.macs, 4),
            "params_vs_basic": round(d.conv_params / base.conv_params, 4),
            "verified": d.analysis.verified,
        }
        for d in comparison.designs
    ]


# ----------------------------------------------------------------------------------- networks side by side


class Networks(list):
    """Analyses side by side (a list), shown in a notebook as one table of stages and in a few lines elsewhere."""

    def __repr__(self) -> str:
        return "<Networks " + ", ".join(f"{a.spec.name} ({a.params:,} params, {a.macs:,} MACs)" for a in self) + ">"

    def _repr_html_(self) -> str:
        from ..views.html import networks_html  # the drawing lives in views, imported when a notebook asks

        return networks_html(self)


def compare_networks(specs: Sequence[ResNetSpec], size: tuple[int, int], *, batch: int = 1) -> Networks:
    return Networks(analyze(spec, size, batch=batch) for spec in specs)


def network_records(analyses: Sequence[Analysis]) -> list[dict[str, Any]]:
    """One record per network and stage (and total): params and MACs with their shares of the network's total."""
    records = []
    for a in analyses:
        for r in [*rows(a, Level.stage), None]:
            params = a.params if r is None else r.params
            macs = a.macs if r is None else r.macs_conv_linear
            records.append(
                {
                    "arch": a.spec.name,
                    "stage": "total" if r is None else r.name,
                    "out_shape": shape_text((a.rows[-1].traced.out_shape if r is None else r.out_shape)[1:]),
                    "params": params,
                    "params_share": round(params / a.params, 6),
                    "macs_conv_linear": macs,
                    "macs_share": round(macs / a.macs, 6),
                    "verified": a.verified if r is None else r.verified,
                }
            )
    return records


@dataclass(frozen=True)
class LayerDifference:
    name: str
    a: TracedLayer | None
    b: TracedLayer | None

    @property
    def macs_delta(self) -> int:
        return (self.b.macs if self.b else 0) - (self.a.macs if self.a else 0)

    @property
    def params_delta(self) -> int:
        return (self.b.params if self.b else 0) - (self.a.params if self.a else 0)

    def side(self, which: str) -> str:
        layer = self.a if which == "a" else self.b
        return "—" if layer is None else _layer_words(layer)


def _layer_words(layer: TracedLayer) -> str:
    out = layer.out_shape
    size = f"{out[1]}×{out[2]}×{out[3]}" if len(out) == 4 else str(out[1])
    return f"{layer.label}, out {size}"


def _what_it_is(layer: TracedLayer) -> TracedLayer:
    """A layer without where its input comes from (a shortcut's own name may differ) nor its block's name."""
    op = dataclasses.replace(layer.op, inputs=()) if layer.op else None
    return dataclasses.replace(layer, block="", inputs=(), op=op)


def diff_networks(a: Analysis, b: Analysis) -> list[tuple[str, list[LayerDifference]]]:
    """Block by block, the layers whose op, shape, parameters or MACs differ between two analyses."""
    layers_a = {row.name: row.traced for row in a.rows}
    layers_b = {row.name: row.traced for row in b.rows}
    names = list(dict.fromkeys([*layers_a, *layers_b]))
    by_block: dict[str, list[LayerDifference]] = {}
    for name in names:
        la, lb = layers_a.get(name), layers_b.get(name)
        # What a layer is and does, not where its input came from (a shortcut's own name may differ).
        same = la is not None and lb is not None and _what_it_is(la) == _what_it_is(lb)
        if not same:
            block = (la or lb).block
            by_block.setdefault(block, []).append(LayerDifference(name, la, lb))
    return list(by_block.items())


def diff_records(differences: list[tuple[str, list[LayerDifference]]]) -> list[dict[str, Any]]:
    return [
        {
            "block": block,
            "layer": d.name,
            "a": d.side("a"),
            "b": d.side("b"),
            "params_delta": d.params_delta,
            "macs_delta": d.macs_delta,
        }
        for block, layer_diffs in differences
        for d in layer_diffs
    ]


# --------------------------------------------------------------------------------------------------- sweep

JUMP = 0.05  # a rise of more than 5% in MACs per pixel from one size to the next is marked
MAX_SIZES = MAX_POINTS  # sizes in one sweep: at one batch, as many as sizes × batches
HOOKED_SIZES = 8  # sizes of an analytic sweep also run through the hooked model, layer by layer


def parse_sizes(text: str) -> list[tuple[int, int]]:
    """`32:1024:32` (start:stop:step, stop included) or `224,225,256,480x640`."""

    text = str(text).strip()
    if ":" in text:
        parts = text.split(":")
        try:
            start, stop, step = (int(p) for p in parts) if len(parts) == 3 else (*map(int, parts), 1)
        except ValueError:
            raise InspectError(f"sizes {text!r} is not valid; use start:stop:step like 32:1024:32") from None
        if start < 1 or stop < start or step < 1:
            raise InspectError(f"sizes {text!r} is not valid; need 1 ≤ start ≤ stop and step ≥ 1")
        count = (stop - start) // step + 1
        if count > MAX_SIZES:
            raise InspectError(f"sizes {text!r} gives {count:,} sizes; sweep at most {MAX_SIZES:,}")
        return [_one_size(v) for v in range(start, stop + 1, step)]
    parts = [part for part in text.split(",") if part.strip()]
    if len(parts) > MAX_SIZES:
        raise InspectError(f"sizes {text[:40]!r}… lists {len(parts):,} sizes; sweep at most {MAX_SIZES:,}")
    return [_one_size(part) for part in parts] or [_one_size(text)]


def _one_size(value: str | int) -> tuple[int, int]:
    """One size of a sweep: refused as one of `sizes` (the CLI names it --sizes), not as `size` (--size)."""
    try:
        return parse_size(value)
    except InspectError as error:
        message = str(error)
        named = f"sizes {message.removeprefix('size ')}" if message.startswith("size ") else message
        raise InspectError(named) from None


@dataclass(frozen=True)
class SweepPoint:
    size: tuple[int, int]
    batch: int
    final_map: tuple[int, int]
    params: int
    macs: int  # conv + linear, for the batch
    macs_fvcore: int
    activation_bytes: int  # per batch
    verified: bool
    verified_by: str = "hooked model at this size"

    @property
    def macs_per_pixel(self) -> float:
        return self.macs / self.batch / (self.size[0] * self.size[1])


def sweep(
    spec: ResNetSpec,
    sizes: Sequence[tuple[int, int]],
    *,
    batches: Sequence[int] = (1,),
    dtype: str = "float32",
    progress: Callable[[int], None] | None = None,
    analytic: bool = True,
) -> list[SweepPoint]:
    """Every size (and batch), counted; size by size, then batch by batch.

    Analytic (the default): every size is evaluated on the closed forms (`core.closed_form`, exact for every
    size by construction) with the op table's count rules, and the hooked model is run layer by layer at a few
    of the sizes (`HOOKED_SIZES`: the first, the last, and a spread between), each layer's shapes and counts
    held equal to the closed forms' there. `analytic=False` traces and hook-verifies every size.
    """
    from ..core.budget import check_count
    from ..core.closed_form import closed_forms

    dtype_bytes(dtype)  # an unknown dtype is refused before any work
    for batch in batches:
        if batch < 1:
            raise InspectError(f"batch {batch} is not valid; it must be ≥ 1")
    check_count(f"sizes × batches = {len(sizes):,} × {len(batches):,} =", len(sizes) * len(batches), MAX_POINTS,
                "sweep fewer sizes or batches at once")  # fmt: skip
    if analytic:
        try:
            forms = closed_forms(spec)
        except InspectError:
            analytic = False  # a network without closed forms is swept size by size
    if not analytic:
        return _sweep_per_size(spec, sizes, batches, dtype, progress)
    for size in sizes:
        if not forms.valid(*size):
            trace(spec, *size)  # refused with the trace's own one-line reason
            raise InspectError(f"size {size[0]}×{size[1]} is outside {spec.name}'s range, {forms.range_text}")
    return _sweep_analytic(spec, forms, list(sizes), batches, dtype, progress)


def hooked_sample(sizes: Sequence[tuple[int, int]], count: int = HOOKED_SIZES) -> list[tuple[int, int]]:
    """The first, the last and evenly spread sizes of a sweep (and its first non-square one), at most `count`."""
    if len(sizes) <= count:
        return list(dict.fromkeys(sizes))
    picks = [sizes[round(i * (len(sizes) - 1) / (count - 2))] for i in range(count - 1)]
    picks.append(next((s for s in sizes if s[0] != s[1]), sizes[len(sizes) // 2 + 1]))
    return list(dict.fromkeys(picks))


def analytic_disagreements(spec: ResNetSpec, forms: Any, size: tuple[int, int], batch: int, model: Any) -> list[str]:
    """The hooked model at one size against the closed forms and count rules, layer by layer: what differs."""
    from ..core.closed_form import Counter

    a = analyze_trace(trace(spec, *size, batch=batch), model)
    found = list(a.problems)
    rows = Counter(forms).layers(*size, batch)
    if len(rows) != len(a.rows):
        return [*found, f"{len(rows)} layers by the closed forms, {len(a.rows)} by the hooked model"]
    for (name, _, y, params, macs, fvcore), row in zip(rows, a.rows, strict=True):
        observed, seen = row.check.observed_out_shape, row.check.observed
        expected = (row.name, observed, seen.params if seen else None, row.macs_conv_linear, row.macs)
        if (name, y, params, macs, fvcore) != expected:
            found.append(f"{name} at {size[0]}×{size[1]}: closed form {shape_text(y)}, {params:,} params, "
                         f"{fvcore:,} MACs; hooked model {shape_text(observed) if observed else 'none'}, "
                         f"{row.macs:,} MACs")  # fmt: skip
    if (
        not found
        and activation_bytes(a.trace, "float32") != 4 * Counter(forms).totals([size], batch)[0].activation_elements
    ):
        found.append(f"activation bytes at {size[0]}×{size[1]} differ between the closed forms and the trace")
    return found


def _sweep_analytic(spec: ResNetSpec, forms: Any, sizes: list[tuple[int, int]], batches: Sequence[int], dtype: str,
                    progress: Callable[[int], None] | None) -> list[SweepPoint]:  # fmt: skip
    from ..core.closed_form import Counter
    from ..core.model import build_model

    model = build_model(spec, device="meta")
    sample = hooked_sample(sizes)
    problems = [p for size in sample for p in analytic_disagreements(spec, forms, size, batches[0], model)]
    verified = not problems
    shown = ", ".join(f"{h}×{w}" for h, w in sample)
    how = f"closed forms; hooked model layer by layer at {len(sample)} sizes ({shown})"
    counter, width = Counter(forms), dtype_bytes(dtype)
    by_batch = {batch: counter.totals(sizes, batch) for batch in batches}
    points = []
    for i, size in enumerate(sizes):
        for batch in batches:
            c = by_batch[batch][i]
            points.append(SweepPoint(size, batch, c.final_map, c.params, c.macs, c.macs_fvcore,
                                     c.activation_elements * width, verified, how))  # fmt: skip
    if progress is not None:
        progress(len(sizes))
    return points


def _sweep_per_size(spec: ResNetSpec, sizes: Sequence[tuple[int, int]], batches: Sequence[int], dtype: str,
                    progress: Callable[[int], None] | None) -> list[SweepPoint]:  # fmt: skip
    """Every size traced and hook-verified against one reused model, and counted."""
    from ..core.model import build_model

    model = build_model(spec, device="meta")
    points = []
    for size in sizes:
        for batch in batches:
            a = analyze_trace(trace(spec, *size, batch=batch), model)
            last = next(row.traced.out_shape for row in reversed(a.rows) if row.traced.kind == "add")
            points.append(
                SweepPoint(size, batch, (last[2], last[3]), a.params, a.macs, a.macs_fvcore,
                           activation_bytes(a.trace, dtype), a.verified)
            )  # fmt: skip
        if progress is not None:
            progress(1)
    return points


def jumps(points: Sequence[SweepPoint]) -> dict[int, SweepPoint]:
    """The points whose MACs per pixel rise more than `JUMP` over the previous size's (at the same batch), by
    index, each with that previous point."""
    found = {}
    previous: dict[int, SweepPoint] = {}  # the last point of each batch size: points come size by size
    for i, p in enumerate(points):
        before = previous.get(p.batch)
        if before is not None and p.macs_per_pixel > before.macs_per_pixel * (1 + JUMP):
            found[i] = before
        previous[p.batch] = p
    return found


@dataclass(frozen=True)
class JumpCause:
    """The coarsest feature map whose size steps at a jump, and the rounding that steps it."""

    feature_map: str  # a stage ("layer4") or, where no stage ends on that map, a layer ("conv1")
    stage: str
    rounding: str  # pretty: ⌈H/32⌉


def jump_causes(points: Sequence[SweepPoint], spec: ResNetSpec) -> dict[int, JumpCause]:
    """Each jump's cause, by index into `points`, from the network's closed forms (`core.closed_form`); none for a
    network without them."""
    from ..core.closed_form import closed_forms
    from ..core.closed_form import jump_causes as map_changes

    try:
        forms = closed_forms(spec)
    except InspectError:
        return {}
    stage_of = {name: layer.stage for layer in forms.layers for name in (layer.name, layer.stage)}
    causes = {}
    for i, before in jumps(points).items():
        changes = map_changes(forms, before.size, points[i].size, pretty=True)
        if changes:
            label, _, roundings = changes[0]
            causes[i] = JumpCause(label, stage_of.get(label, label), roundings[0])
    return causes


def sweep_records(points: Sequence[SweepPoint], dtype: str, forms: Any = None) -> list[dict[str, Any]]:
    """One record per point; with the network's closed forms (`forms`), each jump says which rounding stepped."""
    from ..core.closed_form import jump_words

    records = []
    jumped = jumps(points)
    for i, p in enumerate(points):
        before = jumped.get(i)
        jump = before is not None
        records.append(
            {
                "size": f"{p.size[0]}×{p.size[1]}",
                "batch": p.batch,
                "final_map": f"{p.final_map[0]}×{p.final_map[1]}",
                "params": p.params,
                "macs_conv_linear": p.macs,
                "macs_per_pixel": round(p.macs_per_pixel, 1),
                f"activation_bytes_per_batch_{dtype}": p.activation_bytes,
                f"activation_bytes_per_sample_{dtype}": p.activation_bytes // p.batch,
                "jump": bool(jump),
                "verified": p.verified,
            }
        )
        if forms is not None:
            records[-1]["jump_cause"] = jump_words(forms, before.size, p.size) if before is not None else None
    return records


def frame(records: Sequence[dict[str, Any]]):
    """Records as a pandas DataFrame (pandas is imported here, not at start-up)."""
    import pandas as pd

    return pd.DataFrame.from_records(list(records))
