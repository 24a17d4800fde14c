"""How much of the image each layer sees: receptive field r, jump j and start, per axis, from the trace alone.

Along one axis, a layer's output unit i is centred on input position start + i·j (pixel indices: row 0 of the
input sits at 0) and depends on the r input positions around it. The input itself has r = 1, j = 1, start = 0. A
window of kernel K, stride S, padding P and dilation D maps (r, j, start) to

    r' = r + (K − 1)·D·j        j' = j·S        start' = start + ((K − 1)/2·D − P)·j

(per-channel ops and the option-A subsample, a 1×1 window of stride S, fit the same rule). Where paths meet (the
residual add, squeeze-and-excitation's scale) the field is the union of the incoming ones: the smallest interval
holding each path's, so a shortcut that reaches further on one side widens it. An op that sees its whole input
map (a global pool, SE's squeeze) makes every later field *global*: it depends on every pixel at any input size.
Such layers keep the field of their convolutional path (`Field.size` etc.) with `is_global` set, and a table
says "global" beside it.

The fields do not depend on the input size; how they compare with it (a field larger than the image sees zero
padding) does. This module never imports torch; `receptive_field_probe` measures the same numbers on the real
model by gradients.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from .errors import InspectError
from .ops import KINDS
from .plan import INPUT
from .shapes import Trace, TracedLayer

__all__ = [
    "INPUT_FIELD",
    "AxisField",
    "Field",
    "centre_index",
    "centre_unit_span",
    "choose_probe_size",
    "global_in_body",
    "receptive_fields",
    "step",
]


@dataclass(frozen=True)
class AxisField:
    """r, j and start along one axis. `start` is a multiple of ½ (a 2×2 average pool centres between pixels), which
    a float holds exactly."""

    size: int  # r: input positions one output unit depends on (including any that fall on padding)
    jump: int  # j: input positions between neighbouring output units (the product of the strides)
    start: float  # the input position the first output unit is centred on; negative: in the padding

    @property
    def first(self) -> float:
        """The first input position of output unit 0's field (inclusive)."""
        return self.start - (self.size - 1) / 2

    @property
    def last(self) -> float:
        return self.start + (self.size - 1) / 2

    def window(self, kernel: int, stride: int, padding: int, dilation: int) -> AxisField:
        """The field after a window of `kernel`, `stride`, `padding`, `dilation` along this axis."""
        reach = (kernel - 1) * dilation
        return AxisField(
            self.size + reach * self.jump, self.jump * stride, self.start + (reach / 2 - padding) * self.jump
        )

    def union(self, other: AxisField) -> AxisField:
        """The smallest field holding both (two paths that meet at an add); their jumps must agree."""
        if other.jump != self.jump:
            raise ValueError(f"paths with jumps {self.jump} and {other.jump} cannot meet")
        first, last = min(self.first, other.first), max(self.last, other.last)
        return AxisField(int(last - first) + 1, self.jump, (first + last) / 2)


@dataclass(frozen=True)
class Field:
    """The receptive field of one layer's output: (rows, columns), and whether it became global."""

    h: AxisField
    w: AxisField
    is_global: bool = False

    @property
    def size(self) -> tuple[int, int]:
        return self.h.size, self.w.size

    @property
    def jump(self) -> tuple[int, int]:
        return self.h.jump, self.w.jump

    @property
    def start(self) -> tuple[float, float]:
        return self.h.start, self.w.start

    def text(self) -> str:
        """`427×427`, or `global` once a layer sees the whole map."""
        return "global" if self.is_global else f"{self.h.size}×{self.w.size}"

    def covers(self, height: int, width: int) -> bool:
        """Whether one unit sees at least as many positions as the image has, along both axes."""
        return self.is_global or (self.h.size >= height and self.w.size >= width)


INPUT_FIELD = Field(AxisField(1, 1, 0.0), AxisField(1, 1, 0.0))


def step(layer: TracedLayer, inputs: Iterable[Field]) -> Field:
    """The field of `layer`'s output from the fields of the layers it reads."""
    incoming = list(inputs)
    first = incoming[0]
    h, w = first.h, first.w
    for other in incoming[1:]:
        h, w = h.union(other.h), w.union(other.w)
    is_global = any(field.is_global for field in incoming)
    rule = KINDS[layer.kind]
    if rule.global_view or rule.flattens_input:
        return Field(h, w, True)
    kernel, stride = layer.kernel or (1, 1), layer.stride or (1, 1)
    padding, dilation = layer.padding or (0, 0), layer.dilation or (1, 1)
    return Field(
        h.window(kernel[0], stride[0], padding[0], dilation[0]),
        w.window(kernel[1], stride[1], padding[1], dilation[1]),
        is_global,
    )


def receptive_fields(trace: Trace) -> dict[str, Field]:
    """Every layer's field, by layer name, in execution order."""
    fields: dict[str, Field] = {INPUT: INPUT_FIELD}
    for layer in trace.layers:
        fields[layer.name] = step(layer, (fields[name] for name in layer.inputs))
    del fields[INPUT]
    return fields


def global_in_body(trace: Trace, fields: dict[str, Field]) -> tuple[str, str] | None:
    """Where a global op before the head (squeeze-and-excitation's mean) first makes the fields (`receptive_fields`
    of `trace`) global: its block and what it is, or None. Global spreads forward, so the first global layer is
    the op itself."""
    layer = next((x for x in trace.layers if x.stage != "head" and fields[x.name].is_global), None)
    if layer is None:
        return None
    return layer.block, "squeeze-and-excitation's global pool" if layer.kind == "mean" else f"the {layer.kind}"


# ------------------------------------------------------------------------------------ sizing a probe
# Where the probe (`runtime.receptive_field_probe`) looks, and how large its input must be: plain arithmetic.


def centre_index(output_size: int) -> int:
    """The index the probe uses along an output axis of `output_size` positions: (output_size − 1) // 2."""
    return (output_size - 1) // 2


def centre_unit_span(output_size: int, field: int, jump: int, start: float = 0.0) -> tuple[float, float]:
    """First and last input position (inclusive) of the analytic field of the probe's centre unit, on one axis.

    `field`, `jump` and `start` are the layer's analytic r, j and start in pixel-index coordinates: output unit i
    is centred on input position start + i·j (start = 0 at the input; then start_out = start_in +
    ((K − 1)/2·D − P)·j_in; 0 all the way through torchvision's ResNets). The field is centred there, r wide.
    When it lies within [0, size − 1], a complete probe measures exactly this span.
    """
    centre = start + centre_index(output_size) * jump
    half = (field - 1) / 2
    return centre - half, centre + half


def choose_probe_size(
    fields: Mapping[str, tuple[int, int, float]],
    output_size: Callable[[str, int], int] | None = None,
    *,
    margin: int = 1,
    limit: int = 8192,
) -> int:
    """The smallest input side at which the centre unit of every layer sees its whole analytic field in-image
    (with `margin` pixels to spare), so that `probe_receptive_field` measures every field whole.

    `fields` maps a layer to its analytic (r, j, start) along the axis (see `centre_unit_span`);
    `output_size(name, size)` is that layer's output length for an input of length `size`, from the caller's shape
    arithmetic. Without it, ceil(size / j) is assumed: true when every stride-s layer maps n to ceil(n / s), as
    with "same" padding, which covers torchvision's ResNets. `margin` is the number of pixels left free between
    the field and the border on each side. The default, 1, is the least at which the probe can tell that nothing
    is cut (a support that touches the border reads as clipped); behind a dilation that leaves holes of g − 1
    pixels it takes g, and more helps where a floor in some layer's output size drops edge pixels. Use the same
    side for H and W, or call once per axis. Raises InspectError when nothing up to `limit` fits.
    """

    def length(name: str, size: int) -> int:
        return output_size(name, size) if output_size is not None else -(-size // fields[name][1])

    smallest = max([1, *(r + 2 * margin for r, _, _ in fields.values())])
    for size in range(smallest, limit + 1):
        spans = (centre_unit_span(length(name, size), *fields[name]) for name in fields)
        if all(first >= margin and last <= size - 1 - margin for first, last in spans):
            return size
    raise InspectError(f"no input side up to {limit} holds every centre unit's field")
