"""Every kind of op a ResNet is made of, declared once.

`KINDS` maps an op kind ("conv", "bn", "add", …) to everything the rest of the tool needs to know of it: its
output-shape rule, its parameters, its multiply-adds under both conventions (conv + linear, the paper's; and
fvcore's, which adds batch norm and global pooling), what autograd keeps of it, the torch module that
computes it (by name, with the arguments the op gives it: `runtime.modules` builds it), and how a table names
it and `explain` writes it out. The trace, the model builder, the hook verification, counting, memory and the
renderers read this table; a new op kind is one entry here (plus, if torch has no module for it, a small module
in `runtime.modules`) and its tests. fvcore's op → handle table (`fvcore.nn.jit_handles`) is the model.

The one output-size formula is `conv_output_size`. Pure Python: no torch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from math import prod
from typing import Any, Literal

from .errors import InspectError

Shape = tuple[int, ...]


def conv_output_size(
    size: int, kernel: int, stride: int, padding: int, *, dilation: int = 1, ceil_mode: bool = False
) -> int:
    """O = floor((I + 2P − D·(K − 1) − 1) / S) + 1 along one axis: (I − K + 2P) / S + 1 when D = 1.

    With `ceil_mode` (pooling only) the division rounds up, as long as the last window still starts inside
    the input or its left padding (PyTorch's rule).
    """
    if stride < 1:
        raise InspectError(f"stride {stride} is not valid; it must be ≥ 1")
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    out = (span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    if out < 1:
        extent = dilation * (kernel - 1) + 1
        raise InspectError(f"input of size {size} is too small for a {extent}×{extent} window with padding {padding}")
    return out


@dataclass(frozen=True)
class Op:
    """One op of a network, named relative to its block (or to the model for stem and head ops).

    `inputs` names the ops (in the same block) whose outputs this one reads; empty means the op before it in
    its path, or the path's input. `kernel`, `stride`, `padding`, `dilation` and `ceil_mode` describe a conv or
    pooling window (square); `in_channels` and `out_channels` the channels.
    """

    name: str
    kind: str
    in_channels: int
    out_channels: int
    kernel: int = 1
    stride: int = 1
    padding: int = 0
    dilation: int = 1
    groups: int = 1
    bias: bool = False
    ceil_mode: bool = False
    inputs: tuple[str, ...] = ()

    @property
    def rule(self) -> OpKind:
        return KINDS[self.kind]


Saved = Literal["input", "output", "inputs", "nothing"]


@dataclass(frozen=True)
class OpKind:
    """What one kind of op is: shapes, counts, memory, torch module and words. See the module docstring."""

    name: str
    words: str  # how a table names it: "conv", "batch norm"
    out_shape: Callable[[Op, tuple[Shape, ...]], Shape]
    module: str  # the torch module computing it: a class of torch.nn, or of runtime.modules where torch has none
    arguments: Callable[[Op], tuple[tuple, dict[str, Any]]]  # the module's (args, kwargs) for an op
    params: Callable[[Op, Shape], int] = lambda op, x: 0
    macs_conv_linear: Callable[[Op, Shape, Shape], int] = lambda op, x, y: 0  # the paper's count
    macs_fvcore: Callable[[Op, Shape, Shape], int] | None = None  # fvcore's rule; None: the same as `macs`
    paper_counts: bool = False  # the paper (and torchvision) count its multiply-adds: conv and linear
    window: bool = False  # kernel, stride and padding describe it
    ceil_label: bool = False  # its window rounds up; the label says so
    in_place: bool = False  # writes over its input (no new tensor)
    saved: Saved = "nothing"  # what autograd keeps for the backward pass
    extra_saved_bytes: Callable[[Op, Shape], int] = lambda op, y: 0  # beyond activations (indices, statistics)
    global_view: bool = False  # every output sees the whole input map (global pools, SE's squeeze)
    flattens_input: bool = False  # reads its input flattened to (N, features): the view before fc
    # The window a trace row records (kernel, stride, padding, dilation, groups), from the op and its input.
    record: Callable[[Op, Shape], dict[str, Any]] = lambda op, x: _window_record(op) if KINDS[op.kind].window else {}
    explain: Callable[[Op, Shape, Shape], list[str]] = lambda op, x, y: [
        "no parameters and no multiply-adds (fvcore has no rule for it and counts 0)"
    ]

    def count_fvcore(self, op: Op, in_shape: Shape, out_shape: Shape) -> int:
        return (self.macs_fvcore or self.macs_conv_linear)(op, in_shape, out_shape)

    def label(self, op: Op, in_shape: Shape, out_shape: Shape) -> str:
        """The op in a table cell: `conv 3×3 /2 p1`, `avg pool 2×2 /2 ceil`, `zero-pad /2 +64 ch`."""
        if self.window:
            text = f"{self.words} {window_text(op)}"
            return text + " ceil" if self.ceil_label else text
        if self.name == "pad":
            return f"{self.words} /{op.stride} +{op.out_channels - op.in_channels} ch"
        if self.global_view and len(out_shape) == 4:
            return f"{self.words} → 1×1"
        return self.words


def _window_record(op: Op) -> dict[str, Any]:
    return {
        "kernel": (op.kernel, op.kernel),
        "stride": (op.stride, op.stride),
        "padding": (op.padding, op.padding),
        "dilation": (op.dilation, op.dilation),
        "groups": op.groups,
    }


def window_text(op: Op) -> str:
    """`3×3 /2 p1 d2 g32`: the window, with stride, padding, dilation and groups where they are not 1 (or 0)."""
    text = f"{op.kernel}×{op.kernel}"
    if op.stride != 1:
        text += f" /{op.stride}"
    if op.padding:
        text += f" p{op.padding}"
    if op.dilation != 1:
        text += f" d{op.dilation}"
    if op.groups != 1:
        text += f" g{op.groups}"
    return text


# ------------------------------------------------------------------------------------------- shape rules


def _same(op: Op, inputs: tuple[Shape, ...]) -> Shape:
    return inputs[0]


def _windowed(op: Op, inputs: tuple[Shape, ...]) -> Shape:
    n, _, h, w = inputs[0]
    size = [
        conv_output_size(d, op.kernel, op.stride, op.padding, dilation=op.dilation, ceil_mode=op.ceil_mode)
        for d in (h, w)
    ]
    return (n, op.out_channels, *size)


def _to_one(op: Op, inputs: tuple[Shape, ...]) -> Shape:
    return (*inputs[0][:2], 1, 1)


def _subsample(op: Op, inputs: tuple[Shape, ...]) -> Shape:
    # Option A: keep every stride-th pixel (ceil(H / S) of them), zero-pad the new channels.
    n, _, h, w = inputs[0]
    return (n, op.out_channels, -(-h // op.stride), -(-w // op.stride))


def _flatten(op: Op, inputs: tuple[Shape, ...]) -> Shape:
    return (inputs[0][0], prod(inputs[0][1:]))


def _linear(op: Op, inputs: tuple[Shape, ...]) -> Shape:
    return (inputs[0][0], op.out_channels)


def _elementwise(op: Op, inputs: tuple[Shape, ...]) -> Shape:
    """Two inputs combined element by element, the second broadcast over the first (`x · gate`, `a + b`)."""
    first, second = inputs
    if len(first) != len(second) or any(b not in (1, a) for a, b in zip(first, second, strict=True)):
        raise InspectError(f"{op.name}: a {_text(first)} tensor cannot be combined with a {_text(second)} one")
    return first


def _text(shape: Shape) -> str:
    return "×".join(map(str, shape))


# -------------------------------------------------------------------------------------------- counts


def _conv_weights(op: Op) -> int:
    return op.out_channels * (op.in_channels // op.groups) * op.kernel**2


def _conv_params(op: Op, x: Shape) -> int:
    return _conv_weights(op) + (op.out_channels if op.bias else 0)


def _conv_macs(op: Op, x: Shape, y: Shape) -> int:
    # Every output element is one dot product over (C_in / groups)·K·K inputs.
    return prod(y) * (op.in_channels // op.groups) * op.kernel**2


def _linear_macs(op: Op, x: Shape, y: Shape) -> int:
    return prod(x) * op.out_channels


# --------------------------------------------------------------------------------------------- words


def _size_lines(op: Op, x: Shape, y: Shape) -> list[str]:
    rounding = "ceil" if op.ceil_mode else "floor"
    reach = f"{op.dilation}·({op.kernel} − 1) + 1" if op.dilation != 1 else f"{op.kernel}"
    head = "output size, per axis: O = floor((I + 2P − D·(K − 1) − 1) / S) + 1"
    if op.dilation == 1:
        head = "output size, per axis: O = floor((I − K + 2P) / S) + 1"
    lines = [head + (", rounded up (ceil_mode)" if op.ceil_mode else "")]
    for axis, size, out in (("height", x[2], y[2]), ("width ", x[3], y[3])):
        extent = op.dilation * (op.kernel - 1) + 1
        inner = size - extent + 2 * op.padding
        lines.append(
            f"  {axis}: O = {rounding}(({size} − {reach} + 2·{op.padding}) / {op.stride}) + 1 "
            f"= {rounding}({inner} / {op.stride}) + 1 = {out}"
        )
    return lines


def _conv_explain(op: Op, x: Shape, y: Shape) -> list[str]:
    per_group = op.in_channels // op.groups
    weights = _conv_weights(op)
    group_note = f" (C_in/groups = {op.in_channels}/{op.groups})" if op.groups > 1 else ""
    bias = f", + {op.out_channels} bias = {weights + op.out_channels:,}" if op.bias else ""
    return [
        *_size_lines(op, x, y),
        f"params = C_out · C_in/groups · K·K = {op.out_channels} · {per_group} · {op.kernel}·{op.kernel} "
        f"= {weights:,}{group_note}{bias}",
        f"MACs = weights · H_out·W_out · N = {weights:,} · {y[2]}·{y[3]} · {y[0]} = {_conv_macs(op, x, y):,}   "
        "(one multiply-add per weight per output position)",
    ]


def _pool_explain(op: Op, x: Shape, y: Shape) -> list[str]:
    return [*_size_lines(op, x, y), "no parameters; fvcore has no rule for this pooling and counts 0"]


def _bn_explain(op: Op, x: Shape, y: Shape) -> list[str]:
    return [
        f"params = 2 · C = 2 · {op.out_channels} = {2 * op.out_channels:,}   (scale and shift; running mean/var "
        "are buffers)",
        f"fvcore counts batch norm as 2 per output element in eval mode: 2 · {prod(y):,} = {2 * prod(y):,}",
    ]


def _global_pool_explain(op: Op, x: Shape, y: Shape) -> list[str]:
    return [f"global average: fvcore counts 1 per input element: {_text(x)} = {prod(x):,}"]


def _mean_explain(op: Op, x: Shape, y: Shape) -> list[str]:
    return [
        f"the squeeze: the mean over H×W of each of {op.in_channels} channels; fvcore has no rule for `mean` "
        "and counts 0 (it would count an adaptive average pool as 1 per input element)"
    ]


def _pad_explain(op: Op, x: Shape, y: Shape) -> list[str]:
    return [
        f"option A shortcut: x[:, :, ::{op.stride}, ::{op.stride}] then {op.out_channels - op.in_channels} zero "
        "channels: no params, no MACs"
    ]


def _linear_explain(op: Op, x: Shape, y: Shape) -> list[str]:
    features = prod(x[1:])
    return [
        f"params = in · out + out (bias) = {features} · {op.out_channels} + {op.out_channels} "
        f"= {features * op.out_channels + op.out_channels:,}",
        f"MACs = N · in · out = {x[0]} · {features} · {op.out_channels} = {_linear_macs(op, x, y):,}",
    ]


# ----------------------------------------------------------------------------------- the torch modules


def _args(*names: str, keywords: tuple[str, ...] = (), **constants: Any) -> Callable[[Op], tuple[tuple, dict]]:
    """The module's arguments: the op's attributes `names` in order, its attributes `keywords` by name, and
    fixed `constants`."""

    def arguments(op: Op) -> tuple[tuple, dict[str, Any]]:
        return tuple(getattr(op, n) for n in names), {**{k: getattr(op, k) for k in keywords}, **constants}

    return arguments


# -------------------------------------------------------------------------------------------- the table

KINDS: dict[str, OpKind] = {
    kind.name: kind
    for kind in (
        OpKind(
            "conv",
            "conv",
            _windowed,
            "Conv2d",
            _args(
                "in_channels", "out_channels", "kernel", "stride", "padding", "dilation", "groups", keywords=("bias",)
            ),
            params=_conv_params,
            macs_conv_linear=_conv_macs,
            paper_counts=True,
            window=True,
            saved="input",
            explain=_conv_explain,
        ),
        OpKind(
            "bn",
            "batch norm",
            _same,
            "BatchNorm2d",
            _args("out_channels"),
            params=lambda op, x: 2 * op.out_channels,
            macs_fvcore=lambda op, x, y: 2 * prod(y),
            saved="input",
            extra_saved_bytes=lambda op, y: 2 * op.out_channels * 4,  # mean and inverse std, float32
            explain=_bn_explain,
        ),
        OpKind(
            "relu",
            "relu",
            _same,
            "ReLU",
            _args(inplace=True),
            in_place=True,
            saved="output",
        ),
        OpKind(
            "sigmoid",
            "sigmoid",
            _same,
            "Sigmoid",
            _args(),
            saved="output",
        ),
        OpKind(
            "maxpool",
            "max pool",
            _windowed,
            "MaxPool2d",
            _args("kernel", "stride", "padding", keywords=("ceil_mode",)),
            window=True,
            saved="input",
            extra_saved_bytes=lambda op, y: prod(y) * 8,  # int64 indices of the maxima
            explain=_pool_explain,
        ),
        # The average pool on a ResNet-D shortcut (2×2 /2, ceil_mode, padding not counted). fvcore has no rule
        # for aten::avg_pool2d: it counts 0.
        OpKind(
            "downpool",
            "avg pool",
            _windowed,
            "AvgPool2d",
            _args("kernel", "stride", "padding", keywords=("ceil_mode",), count_include_pad=False),
            window=True,
            ceil_label=True,
            saved="input",
            explain=_pool_explain,
        ),
        OpKind(
            "avgpool",
            "avg pool",
            _to_one,
            "AdaptiveAvgPool2d",
            _args(output_size=(1, 1)),
            macs_fvcore=lambda op, x, y: prod(x),
            global_view=True,
            explain=_global_pool_explain,
            record=lambda op, x: {"kernel": tuple(x[2:4])},
        ),
        OpKind(
            "mean",
            "mean",
            _to_one,
            "SpatialMean",
            _args(),
            global_view=True,
            explain=_mean_explain,
        ),
        OpKind(
            "pad",
            "zero-pad",
            _subsample,
            "ZeroPadShortcut",
            lambda op: ((op.stride, op.out_channels - op.in_channels), {}),
            explain=_pad_explain,
            record=lambda op, x: {"stride": (op.stride, op.stride)},
        ),
        OpKind("add", "add shortcut", _elementwise, "ResidualAdd", _args()),
        OpKind("mul", "scale", _elementwise, "Scale", _args(), saved="inputs"),
        OpKind("flatten", "flatten", _flatten, "Flatten", _args()),
        OpKind(
            "linear",
            "linear",
            _linear,
            "Linear",
            _args("in_channels", "out_channels", keywords=("bias",)),
            params=lambda op, x: op.in_channels * op.out_channels + (op.out_channels if op.bias else 0),
            macs_conv_linear=_linear_macs,
            paper_counts=True,
            saved="input",
            explain=_linear_explain,
            flattens_input=True,
        ),
    )
}

# Kinds whose multiply-adds the paper counts; the formula and fvcore must agree on them to the last one.
COUNTED_KINDS: tuple[str, ...] = tuple(name for name, kind in KINDS.items() if kind.paper_counts)
