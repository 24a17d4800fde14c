"""The analytic trace: every leaf op of a ResNet with its shapes, parameters and multiply-adds, from ints alone.

One function, `conv_output_size`, holds the output-size formula; every size in every table comes from it.
This module never imports torch: it is the independent reading that the hooked model is checked against.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod
from typing import Literal

from .spec import (
    MAXPOOL_KERNEL,
    MAXPOOL_PADDING,
    MAXPOOL_STRIDE,
    ConvPlan,
    InspectError,
    ResNetSpec,
    block_plans,
    stem_conv,
)

LayerKind = Literal["conv", "bn", "relu", "maxpool", "add", "avgpool", "linear"]
Shape = tuple[int, ...]


def conv_output_size(size: int, kernel: int, stride: int, padding: int) -> int:
    """O = floor((I − K + 2P) / S) + 1, for a convolution or pooling window along one axis."""
    if stride < 1:
        raise InspectError(f"stride {stride} is not valid; it must be ≥ 1")
    out = (size - kernel + 2 * padding) // stride + 1
    if out < 1:
        raise InspectError(f"input of size {size} is too small for a {kernel}×{kernel} window with padding {padding}")
    return out


@dataclass(frozen=True)
class TracedLayer:
    """One leaf op, as the arithmetic says it must be.

    `macs` are multiply-accumulates of the op's defining product (conv and linear); ops without one
    (batch norm, ReLU, pooling, the residual add) have 0 here. fvcore's wider convention is counted
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


class _Tracer:
    """Walks a spec in execution order, carrying the current activation shape."""

    def __init__(self, spec: ResNetSpec, input_shape: Shape) -> None:
        self.spec = spec
        self.shape = input_shape
        self.layers: list[TracedLayer] = []

    def _emit(self, name: str, kind: LayerKind, stage: str, block: str, out_shape: Shape, **fields) -> None:
        self.layers.append(
            TracedLayer(name, kind, stage, block, self.shape, out_shape, **{"params": 0, "macs": 0, **fields})
        )
        self.shape = out_shape

    def conv(self, plan: ConvPlan, stage: str, block: str) -> None:
        n, c, h, w = self.shape
        if c != plan.in_channels:
            raise AssertionError(f"{plan.name}: spec wires {plan.in_channels} input channels to {c}")
        out_h = conv_output_size(h, plan.kernel, plan.stride, plan.padding)
        out_w = conv_output_size(w, plan.kernel, plan.stride, plan.padding)
        weights = plan.out_channels * (plan.in_channels // plan.groups) * plan.kernel**2
        self._emit(
            plan.name,
            "conv",
            stage,
            block,
            (n, plan.out_channels, out_h, out_w),
            params=weights + (plan.out_channels if plan.bias else 0),
            # Every output element is one dot product over (C_in / groups)·K·K inputs.
            macs=n * out_h * out_w * weights,
            kernel=(plan.kernel, plan.kernel),
            stride=(plan.stride, plan.stride),
            padding=(plan.padding, plan.padding),
            groups=plan.groups,
        )

    def bn(self, name: str, stage: str, block: str) -> None:
        self._emit(name, "bn", stage, block, self.shape, params=2 * self.shape[1])

    def relu(self, name: str, stage: str, block: str) -> None:
        self._emit(name, "relu", stage, block, self.shape)

    def maxpool(self, name: str, stage: str, block: str) -> None:
        n, c, h, w = self.shape
        k, s, p = MAXPOOL_KERNEL, MAXPOOL_STRIDE, MAXPOOL_PADDING
        out = (n, c, conv_output_size(h, k, s, p), conv_output_size(w, k, s, p))
        self._emit(name, "maxpool", stage, block, out, kernel=(k, k), stride=(s, s), padding=(p, p))

    def add(self, name: str, stage: str, block: str, shortcut_shape: Shape) -> None:
        if shortcut_shape != self.shape:
            raise AssertionError(f"{name}: residual {self.shape} cannot be added to shortcut {shortcut_shape}")
        self._emit(name, "add", stage, block, self.shape)

    def avgpool(self, name: str, stage: str, block: str) -> None:
        n, c, h, w = self.shape
        self._emit(name, "avgpool", stage, block, (n, c, 1, 1), kernel=(h, w))

    def linear(self, name: str, stage: str, block: str, out_features: int) -> None:
        n, in_features = self.shape[0], prod(self.shape[1:])
        self.shape = (n, in_features)  # the flatten before fc
        self._emit(
            name,
            "linear",
            stage,
            block,
            (n, out_features),
            params=in_features * out_features + out_features,
            macs=n * in_features * out_features,
        )


def trace(spec: ResNetSpec, height: int, width: int | None = None, *, batch: int = 1) -> Trace:
    """The analytic trace of `spec` on a batch of `batch` images of `height`×`width` pixels."""
    width = height if width is None else width
    for label, value in (("height", height), ("width", width), ("batch", batch)):
        if value < 1:
            raise InspectError(f"{label} {value} is not valid; it must be ≥ 1")
    input_shape = (batch, spec.in_channels, height, width)
    t = _Tracer(spec, input_shape)

    t.conv(stem_conv(spec), "stem", "stem")
    t.bn("bn1", "stem", "stem")
    t.relu("relu", "stem", "stem")
    t.maxpool("maxpool", "stem", "stem")

    for block in block_plans(spec):
        block_input = t.shape
        last = len(block.convs)
        for i, conv in enumerate(block.convs, start=1):
            t.conv(conv, block.stage, block.name)
            t.bn(f"{block.name}.bn{i}", block.stage, block.name)
            if i < last:
                t.relu(f"{block.name}.relu{i}", block.stage, block.name)
        residual = t.shape
        shortcut = block_input
        if block.downsample is not None:
            t.shape = block_input
            t.conv(block.downsample, block.stage, block.name)
            t.bn(f"{block.name}.downsample.1", block.stage, block.name)
            shortcut = t.shape
        t.shape = residual
        t.add(f"{block.name}.add", block.stage, block.name, shortcut)
        t.relu(f"{block.name}.relu{last}", block.stage, block.name)

    t.avgpool("avgpool", "head", "head")
    t.linear("fc", "head", "head", spec.num_classes)
    return Trace(spec, input_shape, tuple(t.layers))
