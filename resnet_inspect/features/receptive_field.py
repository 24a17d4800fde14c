"""How much of the image each layer sees: the analytic field per layer, block and stage, in words and JSON, and its
proof on the real model by gradient support.

The arithmetic is `core.receptive_field`; the measurement `runtime.receptive_field_probe`. `verify_fields` holds one
to the other: it builds the network narrow (the field does not depend on widths or groups), picks an input on
which every probed unit's field fits inside the image, and compares each layer's measured extent and position with
the analytic ones.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..core.errors import InspectError
from ..core.plan import INPUT
from ..core.receptive_field import INPUT_FIELD, Field, global_in_body, receptive_fields
from ..core.shapes import Trace, TracedLayer, trace
from ..core.spec import ResNetSpec, with_knobs

PROBE_WIDTH = 1  # channels per stage in the narrow copy the probe runs on
PROBE_MAX_SIDE = 640  # the largest probe input: a layer whose field needs more is not probed (and is named)
PROBE_BUDGET_BYTES = 1 << 30  # activations the probe may keep for its backward pass
PROBE_POINTS = 8  # block outputs probed at most (one backward pass each)


def field_record(field: Field) -> dict[str, Any]:
    """The JSON fields of one layer, block or stage: [h, w] each; `rf_global` once it sees the whole map."""
    return {
        "receptive_field": list(field.size),
        "jump": list(field.jump),
        "rf_start": [_number(s) for s in field.start],
        "rf_global": field.is_global,
    }


def _number(value: float) -> int | float:
    return int(value) if value == int(value) else value


def output_fields(traced: Trace, key: str) -> dict[str, Field]:
    """The field at the output of each block (`key="block"`) or stage (`key="stage"`): its last layer's."""
    fields = receptive_fields(traced)
    return {getattr(layer, key): fields[layer.name] for layer in traced.layers}


def field_sentence(traced: Trace, fields: dict[str, Field] | None = None) -> str:
    """One sentence on the stages' fields against the image: `layer4 sees 427×427 pixels of a 224×224 input: more
    than the image (layer3 already sees 267×267)`. Where a global op inside the body (squeeze-and-excitation's
    mean) makes the fields global, the sentence gives the convolutional path's and says where it turns global."""
    _, _, height, width = traced.input_shape
    fields = receptive_fields(traced) if fields is None else fields
    stage_fields = {layer.stage: fields[layer.name] for layer in traced.layers if layer.stage != "head"}
    stages = list(stage_fields.items())
    last_stage, last = stages[-1]
    text = f"{last.h.size}×{last.w.size}"
    path = "'s convolutional path" if last.is_global else ""
    sentence = f"{last_stage}{path} sees {text} pixels of a {height}×{width} input"
    covering = [stage for stage, field in stages if field.h.size >= height and field.w.size >= width]
    if not covering:
        sentence += f": {last.h.size * last.w.size / (height * width):.0%} of the image"
    else:
        sentence += ": more than the image" if last.size != (height, width) else ": exactly the image"
        if covering[0] != last_stage:
            first = stage_fields[covering[0]]
            sentence += f" ({covering[0]} already sees {first.h.size}×{first.w.size})"
    if (turn := global_in_body(traced, fields)) is not None:
        block, what = turn
        sentence += f"; from {block} on, {what} makes every output depend on the whole image"
    return sentence


def explain_field(traced: Trace, name: str) -> list[str]:
    """The recurrence for layer `name`, numbers put in: r' = r + (K − 1)·D·j, j' = j·S, start' = …"""
    fields = {INPUT: INPUT_FIELD} | receptive_fields(traced)
    layer = traced.layer(name)
    before = [fields[source] for source in layer.inputs]
    after = fields[name]
    lines = ["receptive field, per axis (r: pixels seen, j: pixels between neighbouring outputs, start: first centre)"]
    if len(before) > 1:
        parts = " ∪ ".join(f"{f.h.size} from {s}" for f, s in zip(before, layer.inputs, strict=True))
        lines.append(f"  paths meet: r = union of {parts} = {after.h.size}")
    if after.is_global and not any(f.is_global for f in before):
        lines.append(
            f"  every output reads the whole map: the field is global from here on "
            f"(the convolutional path's is {after.h.size}×{after.w.size})"
        )
        return lines
    if len(before) == 1 and layer.kernel:
        field = before[0]
        (k, _), (s, _), (p, _) = layer.kernel, layer.stride or (1, 1), layer.padding or (0, 0)
        d = (layer.dilation or (1, 1))[0]
        reach = f"({k} − 1)·{d}" if d != 1 else f"({k} − 1)"
        lines += [
            f"  r = r_in + {reach}·j_in = {field.h.size} + {(k - 1) * d}·{field.h.jump} = {after.h.size}",
            f"  j = j_in·S = {field.h.jump}·{s} = {after.h.jump}",
            f"  start = start_in + ({reach}/2 − P)·j_in = {_number(field.h.start)} + "
            f"({_number((k - 1) * d / 2)} − {p})·{field.h.jump} = {_number(after.h.start)}",
        ]
    elif len(before) == 1:
        lines.append(
            f"  {layer.kind} reads {layer.inputs[0]} position by position: r = {after.h.size}, "
            f"j = {after.h.jump}, start = {_number(after.h.start)} (unchanged)"
        )
    _, _, height, width = traced.input_shape
    if after.is_global:
        lines.append(
            f"  global: every output depends on the whole {height}×{width} image "
            f"(convolutional path {after.h.size}×{after.w.size})"
        )
    elif after.covers(height, width):
        lines.append(f"  {after.text()} is more than the {height}×{width} image: a unit sees zero padding")
    return lines


# ------------------------------------------------------------------------------------------------- the proof


@dataclass(frozen=True)
class FieldCheck:
    """One layer's field by the arithmetic and by the probe on the real (narrowed) model."""

    name: str  # the module probed: "maxpool", "layer2.0" (a block's output), "fc"
    analytic: Field
    measured_size: tuple[int, int] | None  # None where the measured field is global
    measured_first: tuple[int, int] | None
    expected_first: tuple[float, float]
    measured_global: bool

    @property
    def ok(self) -> bool:
        if self.analytic.is_global or self.measured_global:
            return self.analytic.is_global == self.measured_global
        return self.measured_size == self.analytic.size and self.measured_first == self.expected_first


@dataclass(frozen=True)
class FieldVerification:
    spec: ResNetSpec
    probe_side: int
    checks: tuple[FieldCheck, ...]
    skipped: tuple[str, ...]  # layers whose fields need an input larger than PROBE_MAX_SIDE

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)


def narrow(spec: ResNetSpec, width: int = PROBE_WIDTH) -> ResNetSpec:
    """`spec` with few channels and no groups: the same windows, strides and wiring, so the same fields."""
    knobs: dict[str, Any] = {
        "widths": (width,) * len(spec.widths),
        "stem_widths": (width,) * len(spec.stem_widths),
        "groups": 1,
        "width_per_group": 64,
        "num_classes": 2,
        "in_channels": 1,
    }
    if spec.shortcut == "A":  # zero-padding needs widths that never shrink: keep their growth, scaled down
        knobs["widths"] = tuple(max(1, w * width // spec.widths[0]) for w in spec.widths)
        knobs["stem_widths"] = (max(1, spec.stem_widths[-1] * width // spec.widths[0]),)
    return with_knobs(spec, knobs)


def _probed_layers(traced: Trace, names: Sequence[str] | None) -> list[TracedLayer]:
    if names is None:  # every block's output, and the stem's and head's
        last: dict[str, TracedLayer] = {}
        for layer in traced.layers:
            last[layer.block] = layer
        return list(last.values())
    wanted = set(names)
    return [layer for layer in traced.layers if layer.name in wanted]


def verify_fields(
    spec: ResNetSpec,
    names: Sequence[str] | None = None,
    *,
    max_side: int = PROBE_MAX_SIDE,
    budget_bytes: int = PROBE_BUDGET_BYTES,
    points: int = PROBE_POINTS,
) -> FieldVerification:
    """Measure the field of block outputs (or of the layers `names`) on a narrow float64 copy of the real model and
    hold it to the arithmetic: the same extent and the same first pixel on both axes; global where global.

    The probe input is the smallest square on which every probed centre unit's field lies inside the image
    (`choose_probe_size`). Layers qualify in execution order while that square stays within `max_side` and the
    activations up to them within `budget_bytes`; the rest are listed in `skipped`. Without `names`, at most
    `points` of the qualifying block outputs are probed (one backward pass each): every stage's last, the last
    that qualifies, and others spread evenly between.
    """
    import functools

    import torch

    from ..core.receptive_field import centre_unit_span, choose_probe_size
    from ..runtime.model import build_model
    from ..runtime.receptive_field_probe import probe_receptive_field

    small = narrow(spec)

    @functools.cache
    def traced_at(side: int) -> Trace:
        return trace(small, side)

    fields = receptive_fields(traced_at(spec.default_size))

    def out_side(name: str, side: int) -> int:
        return traced_at(side).layer(name).out_shape[2]

    layers = traced_at(spec.default_size).layers
    order = {layer.name: i for i, layer in enumerate(layers)}
    candidates = _probed_layers(traced_at(spec.default_size), names)

    @functools.cache
    def needed(i: int) -> int | None:
        """The probe side candidate i needs, or None past `max_side` or the memory budget."""
        layer = candidates[i]
        field = fields[layer.name]
        side = 1
        if field.is_global:  # no size is large enough; it needs what the local fields before it need
            before = [j for j in range(i) if not fields[candidates[j].name].is_global]
            if before and (side := needed(before[-1])) is None:
                return None
        else:
            try:
                side = choose_probe_size(
                    {layer.name: (field.h.size, field.h.jump, field.h.start)}, out_side, limit=max_side
                )
            except InspectError:
                return None
        # float64 activations up to this layer, kept for the backward pass (a few copies each: clones, BN, ReLU)
        cost = 8 * 3 * sum(x.out_elements for x in traced_at(side).layers[: order[layer.name] + 1])
        return side if cost <= budget_bytes else None

    # Fields and costs grow along the network: the layers that qualify are a prefix, found by bisection.
    low, high = 0, len(candidates)
    while low < high:
        middle = (low + high) // 2
        if needed(middle) is None:
            high = middle
        else:
            low = middle + 1
    probed = list(candidates[:low])
    skipped = tuple(layer.name for layer in candidates[low:])
    if not probed:
        raise InspectError(f"no layer of {spec.name} has a field that fits a {max_side}×{max_side} probe")
    if names is None and len(probed) > points:
        probed = _spread(probed, points)
    side = max(needed(candidates.index(layer)) for layer in probed)
    model = build_model(_truncated(small, probed[-1])).to(torch.float64)
    block_ends = {layer.name for layer in _probed_layers(traced_at(spec.default_size), None)}
    targets = [_module_name(layer, block_ends) for layer in probed]
    measured = probe_receptive_field(model, (1, small.in_channels, side, side), targets, stop_after=targets[-1])
    checks = []
    for layer, target in zip(probed, targets, strict=True):
        field, result = fields[layer.name], measured[target]
        first = (
            tuple(
                centre_unit_span(out_side(layer.name, side), axis.size, axis.jump, axis.start)[0]
                for axis in (field.h, field.w)
            )
            if len(layer.out_shape) == 4
            else (0.0, 0.0)
        )
        checks.append(
            FieldCheck(
                target,
                field,
                None if result.global_ else result.size,
                None if result.global_ else result.first,
                first,
                result.global_,
            )
        )
    return FieldVerification(spec, side, tuple(checks), skipped)


def _truncated(spec: ResNetSpec, last: TracedLayer) -> ResNetSpec:
    """`spec` cut short after `last`'s block (one block in each later stage): the layers up to `last`, and so
    their fields, are the same; the probe's forward stops there anyway, and a short network builds fast."""
    stages = list(dict.fromkeys(spec.stages))
    if last.stage not in stages:
        return spec
    index = stages.index(last.stage)
    kept = int(last.block.rsplit(".", 1)[-1]) + 1
    layers = (*spec.layers[:index], kept, *(1 for _ in spec.layers[index + 1 :]))
    return dataclasses.replace(spec, layers=layers) if layers != spec.layers else spec


def _spread(layers: list[TracedLayer], points: int) -> list[TracedLayer]:
    """Stage ends and the last layer, then evenly spaced others, up to `points`, in execution order."""
    ends = {layer.stage: i for i, layer in enumerate(layers)}
    chosen = set(list(ends.values())[-(points - 1) :]) | {len(layers) - 1}
    step = len(layers) / points
    for k in range(points):
        if len(chosen) >= points:
            break
        chosen.add(int(k * step))
    return [layers[i] for i in sorted(chosen)]


def _module_name(layer: TracedLayer, block_ends: set[str]) -> str:
    """The module whose output is `layer`'s: a block's module for the block's last op, else the op's own."""
    return layer.block if layer.name in block_ends and layer.stage not in ("stem", "head") else layer.name


# ------------------------------------------------------------------------------------ the effective field

ERF_MAX_SIDE = 1024  # the effective field is measured by real float64 forwards and backwards
ERF_CHANNELS = 16


@dataclass(frozen=True)
class EffectiveField:
    """Luo et al.'s effective field of one stage's centre unit, against its theoretical square."""

    stage: str
    heatmap: Any  # H×W tensor, max 1
    unit_field: tuple[float, float, float, float]  # theoretical: top, left, bottom, right (inclusive)
    spread: dict[str, Any]  # erf_spread: mean, std, field_std, mass_inside
    channels: int  # per stage, in the copy measured


def effective_field(
    spec: ResNetSpec,
    height: int,
    width: int,
    stage: str | None = None,
    *,
    samples: int = 4,
    seed: int = 0,
    channels: int = ERF_CHANNELS,
) -> EffectiveField:
    """Measure `stage`'s (by default the last residual stage's) effective receptive field on a randomly initialised
    copy of `spec` at `height`×`width`, with `channels` per stage: the map's shape follows from the windows and the
    depth (Luo et al.: a Gaussian whose spread grows like √depth), and a narrow copy measures it in seconds rather
    than minutes."""
    import torch

    from ..core.receptive_field import centre_unit_span
    from ..runtime.model import build_model
    from ..runtime.receptive_field_probe import effective_receptive_field, erf_spread

    if max(height, width) > ERF_MAX_SIDE:
        raise InspectError(
            f"size {height}×{width} is too large for the effective field (real forwards and "
            f"backwards in float64); use at most {ERF_MAX_SIDE}×{ERF_MAX_SIDE}"
        )
    traced = trace(spec, height, width)
    stages = [s for s in dict.fromkeys(layer.stage for layer in traced.layers) if s != "head"]
    stage = stages[-1] if stage is None else stage
    if stage not in stages:
        raise InspectError(f"stage {stage!r} is not valid; pick one of {', '.join(stages)}")
    last = [layer for layer in traced.layers if layer.stage == stage][-1]
    field = receptive_fields(traced)[last.name]
    block_ends = {layer.name for layer in _probed_layers(traced, None)}
    model = build_model(narrow(spec, channels).with_io(in_channels=spec.in_channels, num_classes=2))
    heat = effective_receptive_field(
        model.to(torch.float64),
        (1, spec.in_channels, height, width),
        _module_name(last, block_ends),
        seed=seed,
        samples=samples,
    )
    top, bottom = centre_unit_span(last.out_shape[2], field.h.size, field.h.jump, field.h.start)
    left, right = centre_unit_span(last.out_shape[3], field.w.size, field.w.jump, field.w.start)
    box = (top, left, bottom, right)
    spread = erf_spread(heat, tuple(int(v) for v in (max(top, 0), max(left, 0), bottom, right)))
    return EffectiveField(stage, heat, box, spread, channels)


def verification_lines(verification: FieldVerification) -> list[str]:
    """The proof in words: one line of ✓ layers, one per disagreement, one for what could not be probed."""
    good = [
        c.name + (" (global)" if c.analytic.is_global else f" {c.analytic.text()}") for c in verification.checks if c.ok
    ]
    side = verification.probe_side
    lines = []
    if good:
        lines.append(
            f"receptive fields ✓ equal the gradient support on the real model ({side}×{side} probe, "
            f"linearized narrow copy): {', '.join(good)}"
        )
    for check in verification.checks:
        if not check.ok:
            measured = (
                "global"
                if check.measured_global
                else (f"{check.measured_size[0]}×{check.measured_size[1]} from pixel {check.measured_first}")
            )
            lines.append(
                f"✗ {check.name}: the arithmetic says {check.analytic.text()} from pixel "
                f"{tuple(_number(v) for v in check.expected_first)}, the model {measured}"
            )
    if verification.skipped:
        lines.append(
            f"not probed: {', '.join(verification.skipped[:3])}{'…' if len(verification.skipped) > 3 else ''}"
            f" ({len(verification.skipped)} layers whose fields need a probe larger than "
            f"{PROBE_MAX_SIDE}×{PROBE_MAX_SIDE} or {PROBE_BUDGET_BYTES >> 30} GiB)"
        )
    return lines
