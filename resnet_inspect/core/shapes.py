"""The analytic trace: every op of a ResNet with its shapes, parameters and multiply-adds, from ints alone.

Each op's output shape, parameters and MACs come from its kind's entry in `ops.KINDS`; every spatial size
comes from the one formula, `ops.conv_output_size`. This module never imports torch: it is the independent
reading that the hooked model is checked against.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod

from .errors import InspectError
from .ops import KINDS, Op, Shape, conv_output_size
from .plan import INPUT, Unit, plan
from .spec import ResNetSpec

__all__ = ["INPUT", "Shape", "Trace", "TracedLayer", "conv_output_size", "shape_text", "trace", "trace_unit"]


def shape_text(shape: Shape) -> str:
    """(1, 64, 56, 56) → "1×64×56×56": how every table and message writes a shape."""
    return "×".join(str(d) for d in shape)


@dataclass(frozen=True)
class TracedLayer:
    """One op, as the arithmetic says it must be.

    `macs` are multiply-accumulates of the op's defining product (conv and linear); ops without one
    (batch norm, ReLU, pooling, padding, the residual add) have 0 here. fvcore's wider convention is
    `macs_fvcore`.
    """

    name: str  # module path: "layer2.0.conv2"
    kind: str
    stage: str  # "stem", "layer1".."layerN", "head"
    block: str  # "stem", "layer2.0", "head"
    in_shape: Shape
    out_shape: Shape
    params: int
    macs_conv_linear: int
    kernel: tuple[int, int] | None = None
    stride: tuple[int, int] | None = None
    padding: tuple[int, int] | None = None
    groups: int = 1
    inputs: tuple[str, ...] = ()  # the layers whose outputs this one reads ("input": the network's input)
    op: Op | None = None
    dilation: tuple[int, int] | None = None

    @property
    def out_elements(self) -> int:
        return prod(self.out_shape)

    @property
    def macs_fvcore(self) -> int:
        """fvcore's count for this op: conv and linear as `macs`, batch norm 2 per element, global pool 1 per input."""
        return KINDS[self.kind].count_fvcore(self.op, self.in_shape, self.out_shape)

    @property
    def label(self) -> str:
        """The op in a table cell: `conv 3×3 /2 p1`."""
        return KINDS[self.kind].label(self.op, self.in_shape, self.out_shape)


@dataclass(frozen=True)
class Trace:
    spec: ResNetSpec
    input_shape: Shape  # (N, C, H, W)
    layers: tuple[TracedLayer, ...]

    @property
    def params(self) -> int:
        return sum(layer.params for layer in self.layers)

    @property
    def macs_conv_linear(self) -> int:
        """Conv + linear multiply-accumulates: the paper's and torchvision's "FLOPs"."""
        return sum(layer.macs_conv_linear for layer in self.layers)

    @property
    def output_shape(self) -> Shape:
        return self.layers[-1].out_shape

    def layer(self, name: str) -> TracedLayer:
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(name)

    def stage_output(self, stage: str) -> Shape:
        """The output of a stage: its last layer's."""
        return [layer for layer in self.layers if layer.stage == stage][-1].out_shape


def trace_op(op: Op, inputs: tuple[Shape, ...]) -> tuple[Shape, Shape, int, int]:
    """(input shape as the op reads it, output shape, parameters, MACs) of one op."""
    rule = KINDS[op.kind]
    in_shape = inputs[0]
    if rule.flattens_input:
        in_shape = (in_shape[0], prod(in_shape[1:]))
    if in_shape[1] != op.in_channels:
        raise AssertionError(f"{op.name}: the plan wires {op.in_channels} input channels to {in_shape[1]}")
    out = rule.out_shape(op, (in_shape, *inputs[1:]))
    return in_shape, out, rule.params(op, in_shape), rule.macs_conv_linear(op, in_shape, out)


def trace_unit(unit: Unit, x: Shape, source: str = INPUT) -> list[TracedLayer]:
    """The layers of one unit on an input of shape `x` produced by the layer `source`."""
    shapes: dict[str, Shape] = {INPUT: x}
    names = {INPUT: source}
    layers = []
    for op, reads in unit.wiring():
        in_shape, out, params, macs = trace_op(op, tuple(shapes[r] for r in reads))
        name = unit.prefix + op.name
        window = KINDS[op.kind].record(op, in_shape)
        layers.append(
            TracedLayer(
                name,
                op.kind,
                unit.stage,
                unit.label,
                in_shape,
                out,
                params,
                macs,
                inputs=tuple(names[r] for r in reads),
                op=op,
                **window,
            )
        )
        shapes[op.name], names[op.name] = out, name
    return layers


def trace(spec: ResNetSpec, height: int, width: int | None = None, *, batch: int = 1) -> Trace:
    """The analytic trace of `spec` on a batch of `batch` images of `height`×`width` pixels."""
    width = height if width is None else width
    for label, value in (("height", height), ("width", width), ("batch", batch)):
        if value < 1:
            raise InspectError(f"{label} {value} is not valid; it must be ≥ 1")
    input_shape = (batch, spec.in_channels, height, width)
    layers: list[TracedLayer] = []
    x, source = input_shape, INPUT
    for unit in plan(spec):
        layers += trace_unit(unit, x, source)
        x, source = layers[-1].out_shape, layers[-1].name
    return Trace(spec, input_shape, tuple(layers))


def trace_block(spec: ResNetSpec, unit: Unit, height: int, width: int, *, batch: int = 1) -> Trace:
    """The analytic trace of one block on its own, on an input of its in-channels at `height`×`width`."""
    input_shape = (batch, unit.in_channels, height, width)
    return Trace(spec, input_shape, tuple(trace_unit(unit, input_shape)))
