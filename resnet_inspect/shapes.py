"""The analytic trace: every leaf op of a ResNet with its shapes, parameters and multiply-adds, from ints alone.

One function, `conv_output_size`, holds the output-size formula; every size in every table comes from it.
This module never imports torch: it is the independent reading that the hooked model is checked against.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod

from .spec import BlockPlan, InspectError, Op, OpKind, ResNetSpec, block_plans, head_ops, stem_ops

LayerKind = OpKind
Shape = tuple[int, ...]


def shape_text(shape: Shape) -> str:
    """(1, 64, 56, 56) → "1×64×56×56": how every table and message writes a shape."""
    return "×".join(str(d) for d in shape)


def conv_output_size(size: int, kernel: int, stride: int, padding: int, *, ceil_mode: bool = False) -> int:
    """O = floor((I − K + 2P) / S) + 1, for a convolution or pooling window along one axis.

    With `ceil_mode` (pooling only) the division rounds up, as long as the last window still starts inside
    the input or its left padding (PyTorch's rule).
    """
    if stride < 1:
        raise InspectError(f"stride {stride} is not valid; it must be ≥ 1")
    span = size - kernel + 2 * padding
    out = (span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    if out < 1:
        raise InspectError(f"input of size {size} is too small for a {kernel}×{kernel} window with padding {padding}")
    return out


@dataclass(frozen=True)
class TracedLayer:
    """One leaf op, as the arithmetic says it must be.

    `macs` are multiply-accumulates of the op's defining product (conv and linear); ops without one
    (batch norm, ReLU, pooling, padding, the residual add) have 0 here. fvcore's wider convention is counted
    separately, in `counting`.
    """

    name: str  # torchvision-style module path: "layer2.0.conv2"
    kind: LayerKind
    stage: str  # "stem", "layer1".."layer4", "head"
    block: str  # "stem", "layer2.0", "head"
    in_shape: Shape
    out_shape: Shape
    params: int
    macs: int
    kernel: tuple[int, int] | None = None
    stride: tuple[int, int] | None = None
    padding: tuple[int, int] | None = None
    groups: int = 1
    inputs: tuple[str, ...] = ()  # the layers whose outputs this one reads ("input": the network's input)

    @property
    def out_elements(self) -> int:
        return prod(self.out_shape)


@dataclass(frozen=True)
class Trace:
    spec: ResNetSpec
    input_shape: Shape  # (N, C, H, W)
    layers: tuple[TracedLayer, ...]

    @property
    def params(self) -> int:
        return sum(layer.params for layer in self.layers)

    @property
    def macs(self) -> int:
        """Conv + linear multiply-accumulates: the paper's and torchvision's "FLOPs"."""
        return sum(layer.macs for layer in self.layers)

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


def trace_op(op: Op, in_shape: Shape) -> tuple[Shape, int, int]:
    """(output shape, parameters, MACs) of one op on an input of `in_shape`."""
    n, c = in_shape[0], in_shape[1]
    if c != op.in_channels and op.kind != "linear":
        raise AssertionError(f"{op.name}: the plan wires {op.in_channels} input channels to {c}")
    match op.kind:
        case "conv":
            h, w = (conv_output_size(d, op.kernel, op.stride, op.padding) for d in in_shape[2:])
            weights = op.out_channels * (op.in_channels // op.groups) * op.kernel**2
            # Every output element is one dot product over (C_in / groups)·K·K inputs.
            return (n, op.out_channels, h, w), weights + (op.out_channels if op.bias else 0), n * h * w * weights
        case "maxpool" | "downpool":
            h, w = (conv_output_size(d, op.kernel, op.stride, op.padding, ceil_mode=op.ceil_mode) for d in in_shape[2:])
            return (n, c, h, w), 0, 0
        case "pad":
            # Option A: keep every stride-th pixel (ceil(H / S) of them), zero-pad the new channels.
            h, w = (-(-d // op.stride) for d in in_shape[2:])
            return (n, op.out_channels, h, w), 0, 0
        case "bn":
            return in_shape, 2 * c, 0
        case "avgpool":
            return (n, c, 1, 1), 0, 0
        case "linear":
            features = prod(in_shape[1:])
            if features != op.in_channels:
                raise AssertionError(f"{op.name}: the plan expects {op.in_channels} features, gets {features}")
            return (n, op.out_channels), features * op.out_channels + op.out_channels, n * features * op.out_channels
        case _:  # relu, add
            return in_shape, 0, 0


def _window(op: Op, in_shape: Shape) -> dict:
    if op.kind in ("conv", "maxpool", "downpool"):
        return {
            "kernel": (op.kernel, op.kernel),
            "stride": (op.stride, op.stride),
            "padding": (op.padding, op.padding),
            "groups": op.groups,
        }
    if op.kind == "avgpool":
        return {"kernel": tuple(in_shape[2:4])}
    if op.kind == "pad":
        return {"stride": (op.stride, op.stride)}
    return {}


# A value flowing through the trace: its shape and the layer that produced it ("input": the network's input).
Tensor = tuple[Shape, str]
INPUT = "input"


class _Tracer:
    def __init__(self) -> None:
        self.layers: list[TracedLayer] = []

    def run(self, ops: tuple[Op, ...], x: Tensor, stage: str, block: str, prefix: str = "") -> Tensor:
        shape, source = x
        for op in ops:
            if op.kind == "linear":
                shape = (shape[0], prod(shape[1:]))  # the flatten before fc: a view
            out, params, macs = trace_op(op, shape)
            name = prefix + op.name
            self.layers.append(
                TracedLayer(
                    name, op.kind, stage, block, shape, out, params, macs, inputs=(source,), **_window(op, shape)
                )
            )
            shape, source = out, name
        return shape, source

    def block(self, plan: BlockPlan, x: Tensor) -> Tensor:
        prefix = f"{plan.name}."
        residual = self.run(plan.main, x, plan.stage, plan.name, prefix)
        shortcut = self.run(plan.shortcut, x, plan.stage, plan.name, prefix)
        if residual[0] != shortcut[0]:
            raise InspectError(
                f"{plan.name}: the residual {'×'.join(map(str, residual[0]))} cannot be added to the shortcut "
                f"{'×'.join(map(str, shortcut[0]))}"
            )
        add = prefix + plan.add.name
        self.layers.append(
            TracedLayer(add, "add", plan.stage, plan.name, residual[0], residual[0], 0, 0,
                        inputs=(residual[1], shortcut[1]))
        )  # fmt: skip
        return self.run((plan.out_relu,), (residual[0], add), plan.stage, plan.name, prefix)


def trace(spec: ResNetSpec, height: int, width: int | None = None, *, batch: int = 1) -> Trace:
    """The analytic trace of `spec` on a batch of `batch` images of `height`×`width` pixels."""
    width = height if width is None else width
    for label, value in (("height", height), ("width", width), ("batch", batch)):
        if value < 1:
            raise InspectError(f"{label} {value} is not valid; it must be ≥ 1")
    input_shape = (batch, spec.in_channels, height, width)
    tracer = _Tracer()
    x = tracer.run(stem_ops(spec), (input_shape, INPUT), "stem", "stem")
    for plan in block_plans(spec):
        x = tracer.block(plan, x)
    tracer.run(head_ops(spec), x, "head", "head")
    return Trace(spec, input_shape, tuple(tracer.layers))


def trace_block(spec: ResNetSpec, plan: BlockPlan, height: int, width: int, *, batch: int = 1) -> Trace:
    """The analytic trace of one block on its own, on an input of its in-channels at `height`×`width`."""
    input_shape = (batch, plan.in_channels, height, width)
    tracer = _Tracer()
    tracer.block(plan, (input_shape, INPUT))
    return Trace(spec, input_shape, tuple(tracer.layers))
