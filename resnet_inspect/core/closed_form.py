"""Every layer's output size as an exact closed form in the input height H and width W: `ceil(H/32)`.

Each windowed op maps a side y to floor((y + a) / s) + b (a conv or pool: a = 2P − D·(K − 1) − 1, b = 1, the one
formula of `ops.conv_output_size`; rounding up is a floor with s − 1 added), and for integers z and positive a, b

    floor(floor(z / a) / b) = floor(z / (a·b))   and   floor(z / a) + k = floor((z + k·a) / a)

so any chain of them collapses, exactly and for every integer input, to one step floor((x + C) / S). That is the
whole normal form: `AxisForm(S, C)`. Two forms are the same function of x exactly when their (S, C) are equal,
which is how the two inputs of a residual add are proven to agree at every size. Printing picks the shortest of
the equal spellings (`ceil(H/32)` rather than `floor((H + 31)/32)`).

Each form is non-decreasing in x, so a layer keeps ≥ 1 pixel exactly from x = S − C on: the valid range is
the largest of those minima (and the input-size cap of `spec.MAX_SIZE`).

The one exception is a pool with `ceil_mode` whose last window may start in its padding (PyTorch then drops
it): that is not a single floor step, and is refused with the reason; the networks here never build one.

No torch, no sympy: plain integers.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from math import prod
from typing import Any

from .errors import InspectError
from .ops import KINDS, Op
from .plan import INPUT, Unit, plan
from .spec import MAX_SIZE, ResNetSpec


@dataclass(frozen=True, order=True)
class AxisForm:
    """floor((x + offset) / divisor) for an input side x; `divisor` 0 means the constant `offset` (a global pool)."""

    divisor: int
    offset: int

    @classmethod
    def identity(cls) -> AxisForm:
        return cls(1, 0)

    @classmethod
    def constant(cls, value: int) -> AxisForm:
        return cls(0, value)

    @property
    def is_constant(self) -> bool:
        return self.divisor == 0

    def __call__(self, x: int) -> int:
        return self.offset if self.is_constant else (x + self.offset) // self.divisor

    def then(self, add: int, divide: int, plus: int = 0) -> AxisForm:
        """This form followed by y ↦ floor((y + add) / divide) + plus, collapsed (see the module docstring)."""
        if self.is_constant:
            return AxisForm.constant((self.offset + add) // divide + plus)
        return AxisForm(self.divisor * divide, self.offset + self.divisor * (add + plus * divide))

    @property
    def minimum(self) -> int:
        """The smallest input side ≥ 1 that leaves at least one pixel here."""
        if self.is_constant:
            return 1 if self.offset >= 1 else MAX_SIZE + 1
        return max(1, self.divisor - self.offset)

    def _spellings(self) -> list[tuple[int, int, str, int, int]]:
        """(terms, size, rounding, numerator offset, addend) of every short spelling of this form."""
        s, c = self.divisor, self.offset
        found = []
        for rounding, shift in (("floor", 0), ("ceil", s - 1)):
            # rounding((x + a) / s) + k == floor((x + a + shift + k·s) / s): a + shift + k·s = c, |a| < s
            for k in {(c - shift) // s, (c - shift) // s + 1}:
                a = c - shift - k * s
                if abs(a) < s:
                    found.append(((a != 0) + (k != 0), abs(a) + abs(k), rounding, a, k))
        return sorted(found, key=lambda f: (f[0], f[1], f[2] != "floor"))

    def text(self, var: str = "H", *, pretty: bool = False) -> str:
        """`ceil(H/32)`, `floor((H - 1)/4)`, `H`, `1` (Python syntax); with `pretty`, `⌈H/32⌉`, `⌊(H − 1)/4⌋`."""
        minus = " − " if pretty else " - "
        if self.is_constant:
            return str(self.offset)
        if self.divisor == 1:
            c = self.offset
            return var if c == 0 else f"{var} + {c}" if c > 0 else f"{var}{minus}{-c}"
        _, _, rounding, a, k = self._spellings()[0]
        inner = var if a == 0 else f"({var} + {a})" if a > 0 else f"({var}{minus}{-a})"
        core = f"{inner}/{self.divisor}"
        brackets = {"ceil": "⌈⌉", "floor": "⌊⌋"}[rounding] if pretty else f"{rounding}()"
        core = f"{brackets[:-1]}{core}{brackets[-1]}"
        return core if k == 0 else f"{core} + {k}" if k > 0 else f"{core}{minus}{-k}"

    def __str__(self) -> str:
        return self.text()


@dataclass(frozen=True)
class LayerForm:
    """One layer's output as closed forms: channels and, for a 4-D output, its height and width."""

    name: str
    kind: str
    stage: str
    block: str
    channels: int
    height: AxisForm | None  # None: a 2-D output (flatten, linear)
    width: AxisForm | None
    in_height: AxisForm | None
    in_width: AxisForm | None
    op: Op

    def shapes(self, h: int, w: int, batch: int = 1) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """(input shape as the op reads it, output shape) at an H×W input: the trace's shapes, from the forms."""
        if self.in_height is None or self.in_width is None or KINDS[self.kind].flattens_input:
            in_shape: tuple[int, ...] = (batch, self.op.in_channels)
        else:
            in_shape = (batch, self.op.in_channels, self.in_height(h), self.in_width(w))
        if self.height is None or self.width is None:
            return in_shape, (batch, self.channels)
        return in_shape, (batch, self.channels, self.height(h), self.width(w))

    def size(self, h: int, w: int) -> tuple[int, int] | None:
        if self.height is None or self.width is None:
            return None
        return self.height(h), self.width(w)

    def expr(self, *, pretty: bool = False) -> tuple[str, ...]:
        """One string per spatial axis (`("ceil(H/32)", "ceil(W/32)")`); empty for a 2-D output."""
        if self.height is None or self.width is None:
            return ()
        return self.height.text("H", pretty=pretty), self.width.text("W", pretty=pretty)

    def size_text(self, *, pretty: bool = True) -> str:
        """`⌈H/32⌉×⌈W/32⌉`, or `—` for a 2-D output."""
        return "×".join(self.expr(pretty=pretty)) or "—"


@dataclass(frozen=True)
class ClosedForms:
    """Every layer's closed forms, in execution order, and the input sizes where the network is valid."""

    spec: ResNetSpec
    layers: tuple[LayerForm, ...]
    min_height: int
    min_width: int
    max_size: int = MAX_SIZE

    def layer(self, name: str) -> LayerForm:
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(name)

    def valid(self, h: int, w: int) -> bool:
        return self.min_height <= h <= self.max_size and self.min_width <= w <= self.max_size

    @property
    def range_text(self) -> str:
        """`1×1 to 1048576×1048576`: the smallest valid input to the largest the tool takes."""
        return f"{self.min_height}×{self.min_width} to {self.max_size}×{self.max_size}"


def _spatial_step(op: Op, form: AxisForm) -> AxisForm:
    """One op's output side from its input side, as a collapsed form (the kind's shape rule, per axis)."""
    rule = KINDS[op.kind]
    if rule.global_view:
        return AxisForm.constant(1)
    if rule.window:
        extent = op.dilation * (op.kernel - 1) + 1
        span = 2 * op.padding - extent  # floor((I + 2P − D·(K − 1) − 1) / S) + 1
        if not op.ceil_mode:
            return form.then(span, op.stride, 1)
        if op.padding >= extent - op.stride + 1:
            # Only then can PyTorch's ceil_mode rule drop a last window that starts in the padding.
            raise InspectError(
                f"{op.name}: a ceil_mode pool whose last window may start in its padding has no single closed form"
            )
        return form.then(span + op.stride - 1, op.stride, 1)
    if op.kind == "pad":  # option A keeps every stride-th pixel: ceil(I / S) of them
        return form.then(op.stride - 1, op.stride)
    return form


@functools.cache
def closed_forms(spec: ResNetSpec, units: tuple[Unit, ...] | None = None) -> ClosedForms:
    """The closed forms of every layer of `spec` (of `units`, its plan by default: a test may pass a wrong one)."""
    units = plan(spec) if units is None else units
    layers: list[LayerForm] = []
    x: tuple[AxisForm, AxisForm] | None = (AxisForm.identity(), AxisForm.identity())
    for unit in units:
        forms: dict[str, tuple[AxisForm, AxisForm] | None] = {INPUT: x}
        for op, reads in unit.wiring():
            inputs = [forms[r] for r in reads]
            first = inputs[0]
            if first is None or KINDS[op.kind].flattens_input or op.kind == "flatten":
                out = None  # a 2-D output: no spatial axes
            elif len(inputs) > 1:  # element by element, the second broadcast over the first (the SE gate)
                second = inputs[1]
                one = AxisForm.constant(1)
                if second is None or any(b != a and b != one for a, b in zip(first, second, strict=True)):
                    shown = ", ".join(
                        "×".join(f.text(v) for f, v in zip(i, "HW", strict=True)) if i else "2-D" for i in inputs
                    )
                    raise InspectError(
                        f"{unit.prefix}{op.name}: its inputs ({shown}) differ at some sizes; "
                        "the network is valid at no closed range"
                    )
                out = first
            else:
                out = (_spatial_step(op, first[0]), _spatial_step(op, first[1]))
            layers.append(
                LayerForm(
                    unit.prefix + op.name,
                    op.kind,
                    unit.stage,
                    unit.label,
                    op.out_channels,
                    *(out or (None, None)),
                    *(first or (None, None)),
                    op,
                )
            )
            forms[op.name] = out
        x = forms[unit.wiring()[-1][0].name]
    spatial = [f for layer in layers for f in (layer.height, layer.width) if f is not None]
    min_h = max([1, *(f.minimum for f in spatial[0::2])])
    min_w = max([1, *(f.minimum for f in spatial[1::2])])
    if max(min_h, min_w) > MAX_SIZE:
        raise InspectError(f"{spec.name} leaves no pixel at any input size up to {MAX_SIZE:,}")
    return ClosedForms(spec, tuple(layers), min_h, min_w)


def feature_maps(forms: ClosedForms) -> list[tuple[str, AxisForm, AxisForm]]:
    """The network's distinct feature-map sizes, coarsest first, each named by the last stage it is the output of
    (`layer4`), or by the first layer that has it when no stage ends on it (`conv1`)."""
    named: dict[tuple[AxisForm, AxisForm], str] = {}
    last_of_stage = {layer.stage: layer for layer in forms.layers}
    for layer in forms.layers:
        if layer.height is not None and layer.width is not None and not layer.height.is_constant:
            named.setdefault((layer.height, layer.width), layer.name)
    for stage, layer in last_of_stage.items():
        if layer.height is not None and layer.width is not None and (layer.height, layer.width) in named:
            named[(layer.height, layer.width)] = stage
    return sorted(((label, h, w) for (h, w), label in named.items()), key=lambda m: (-m[1].divisor, -m[2].divisor))


def map_changes(
    forms: ClosedForms, before: tuple[int, int], after: tuple[int, int], *, pretty: bool = False
) -> list[tuple[str, str, tuple[str, ...]]]:
    """Between two input sizes, the feature maps that change: (name, "7×7→8×8", the roundings that step: one per
    axis that changes), coarsest first."""
    causes = []
    for label, h, w in feature_maps(forms):
        old, new = (h(before[0]), w(before[1])), (h(after[0]), w(after[1]))
        if old != new:
            axes = ((h, "H", old[0], new[0]), (w, "W", old[1], new[1]))
            rounding = tuple(f.text(v, pretty=pretty) for f, v, a, b in axes if a != b)
            causes.append((label, f"{old[0]}×{old[1]}→{new[0]}×{new[1]}", rounding))
    return causes


def jump_words(forms: ClosedForms, before: tuple[int, int], after: tuple[int, int], *, pretty: bool = False) -> str:
    """`224×224→225×225: layer4 7×7→8×8 because ceil(H/32) and ceil(W/32) (also layer3 14×14→15×15, …)`."""
    causes = map_changes(forms, before, after, pretty=pretty)
    size = f"{before[0]}×{before[1]}→{after[0]}×{after[1]}"
    if not causes:
        return f"{size}: no feature map changes size"
    (label, change, rounding), *rest = causes
    also = f" (also {', '.join(f'{name} {c}' for name, c, _ in rest)})" if rest else ""
    return f"{size}: {label} {change} because {' and '.join(rounding)}{also}"


# --------------------------------------------------------------------------------------------- counting


@dataclass(frozen=True)
class SizeCounts:
    """A network's totals at one input size and batch, from the closed forms and the op table's count rules."""

    size: tuple[int, int]
    batch: int
    params: int
    macs_conv_linear: int  # the paper's
    macs_fvcore: int  # fvcore's rules
    activation_elements: int  # every layer output that allocates a tensor (an in-place op writes over its input)
    final_map: tuple[int, int]  # the last residual add's output


class Counter:
    """Counts at any size in microseconds: layers that compute the same thing on the same forms are counted once.

    Two layers share a signature when their ops differ only in name and wiring and their input and output sizes
    have the same closed forms (the repeated blocks of a stage): the op table's rules (`ops.KINDS`) are applied
    once per signature and size, then multiplied by how many layers share it, so every count is the rules' own.
    """

    def __init__(self, forms: ClosedForms) -> None:
        self.forms = forms
        groups: dict[tuple, list[LayerForm]] = {}
        for layer in forms.layers:
            key = (_unnamed(layer.op), layer.in_height, layer.in_width, layer.height, layer.width)
            groups.setdefault(key, []).append(layer)
        self._groups = [(members[0], len(members)) for members in groups.values()]
        adds = [layer for layer in forms.layers if layer.kind == "add" and layer.height is not None]
        self._final = adds[-1] if adds else next(layer for layer in reversed(forms.layers) if layer.height)

    def layers(
        self, h: int, w: int, batch: int = 1
    ) -> list[tuple[str, tuple[int, ...], tuple[int, ...], int, int, int]]:
        """Per layer: (name, input shape, output shape, params, MACs, fvcore's MACs), by the op table's rules."""
        rows = []
        for layer in self.forms.layers:
            x, y = layer.shapes(h, w, batch)
            rule = KINDS[layer.kind]
            rows.append(
                (
                    layer.name,
                    x,
                    y,
                    rule.params(layer.op, x),
                    rule.macs_conv_linear(layer.op, x, y),
                    rule.count_fvcore(layer.op, x, y),
                )
            )
        return rows

    def totals(self, sizes: Sequence[tuple[int, int]], batch: int = 1) -> list[SizeCounts]:
        """The totals at every size, the rules evaluated once per signature over all sizes together.

        The rules are plain arithmetic on shapes, so they take arrays of exact integers (int64, or Python ints
        where int64 could overflow) where a trace gives them ints.
        """
        if not sizes:
            return []
        import numpy as np

        # int64 is exact when every total stays below 2^63 (all terms are non-negative, so no partial sum or
        # product exceeds its total); a float64 pass bounds them first, with a factor 2 to spare. Past the
        # bound, Python ints take over.
        bound = self._sums(np.array(sizes, dtype=np.float64), batch)
        exact = np.int64 if max(float(v.max()) for v in bound) < 2.0**61 else object
        params, macs, fvcore, elements = self._sums(np.array(sizes, dtype=exact), batch)
        finals = [self._final.size(h, w) or (1, 1) for h, w in sizes]
        return [
            SizeCounts(size, batch, int(p), int(m), int(f), int(e), final)
            for size, p, m, f, e, final in zip(sizes, params, macs, fvcore, elements, finals, strict=True)
        ]

    def totals_by_batch(self, sizes: Sequence[tuple[int, int]], batches: Sequence[int]) -> dict[int, list[SizeCounts]]:
        """`totals` at every batch: every count rule is per sample, so the batch is a factor on MACs and
        elements (parameters stay), checked once against the rules at batch 2 rather than assumed; where it
        did not hold, each batch would be counted on its own."""
        import dataclasses

        one, two = self.totals(sizes, 1), self.totals(sizes, 2)
        linear = all(
            (b.params, b.macs_conv_linear, b.macs_fvcore, b.activation_elements)
            == (a.params, 2 * a.macs_conv_linear, 2 * a.macs_fvcore, 2 * a.activation_elements)
            for a, b in zip(one, two, strict=True)
        )
        if not linear:
            return {batch: self.totals(sizes, batch) for batch in batches}
        return {
            batch: [
                dataclasses.replace(
                    a,
                    batch=batch,
                    macs_conv_linear=a.macs_conv_linear * batch,
                    macs_fvcore=a.macs_fvcore * batch,
                    activation_elements=a.activation_elements * batch,
                )
                for a in one
            ]
            for batch in batches
        }

    def _sums(self, sizes: Any, batch: int) -> tuple[Any, Any, Any, Any]:
        """(params, MACs, fvcore's MACs, allocated elements), each an array over `sizes` (an n×2 array)."""
        heights, widths = sizes[:, 0], sizes[:, 1]
        totals = [sizes[:, 0] * 0 for _ in range(4)]
        for layer, times in self._groups:
            x, y = layer.shapes(heights, widths, batch)
            rule = KINDS[layer.kind]
            totals[0] += times * rule.params(layer.op, x)
            totals[1] += times * rule.macs_conv_linear(layer.op, x, y)
            totals[2] += times * rule.count_fvcore(layer.op, x, y)
            if not rule.in_place:
                totals[3] += times * prod(y)
        return totals[0], totals[1], totals[2], totals[3]


def _unnamed(op: Op) -> Op:
    return replace(op, name="", inputs=())
