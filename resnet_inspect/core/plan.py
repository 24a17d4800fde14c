"""A spec's network as a plan of ops: the stem, every residual block, the head, each a `Unit` of wired ops.

Both readings of an architecture, the analytic trace and the torch model, are built from these plans, so they
cannot drift apart in structure; only in what they compute from it, which is what verification checks.

Module names follow torchvision (`conv1`, `layer2.0.downsample.0`, `fc`) for post-activation networks and
timm's `resnetv2` (`stem.conv`, `stages.1.blocks.0.norm1`, `head.fc`) for pre-activation ones, so their
state_dicts load. Every op has its own module (each ReLU call, the residual add), so a hook sees each once.

This module never imports torch.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import InspectError
from .ops import Op
from .spec import ResNetSpec

INPUT = "input"  # what an op reads when it reads its unit's input


@dataclass(frozen=True)
class Unit:
    """The stem, one residual block, or the head: ops in execution order, wired by name.

    `name` prefixes the ops' names (`layer2.0.` + `conv2`; empty for the stem and the head, whose op names are
    the model's own). An op reads the op before it unless its `inputs` name others (`INPUT`: the unit's input).
    """

    name: str  # "layer2.0", "stages.1.blocks.0"; "" for the stem and the head
    stage: str  # "stem", "layer1".."layerN", "head"
    ops: tuple[Op, ...]

    @property
    def prefix(self) -> str:
        return f"{self.name}." if self.name else ""

    @property
    def label(self) -> str:
        """What a table calls it: the block's name, or "stem" and "head"."""
        return self.name or self.stage

    def wiring(self) -> list[tuple[Op, tuple[str, ...]]]:
        """Each op with the names of the ops whose outputs it reads (`INPUT` for the unit's input)."""
        wired, previous = [], INPUT
        for op in self.ops:
            wired.append((op, op.inputs or (previous,)))
            previous = op.name
        return wired

    @property
    def in_channels(self) -> int:
        return self.ops[0].in_channels

    @property
    def out_channels(self) -> int:
        return self.ops[-1].out_channels

    @property
    def convs(self) -> tuple[Op, ...]:
        """The main path's convs, in order (neither the shortcut's nor squeeze-and-excitation's)."""
        return tuple(op for op in self.ops if op.kind == "conv" and not op.name.startswith(("downsample", "se.")))

    @property
    def stride(self) -> int:
        return max((op.stride for op in self.convs), default=1)


def _conv(
    name: str,
    cin: int,
    cout: int,
    kernel: int,
    stride: int,
    spec: ResNetSpec,
    *,
    groups: int = 1,
    dilation: int = 1,
    inputs: tuple[str, ...] = (),
) -> Op:
    return Op(
        name, "conv", cin, cout, kernel, stride, kernel // 2 * dilation, dilation, groups, spec.conv_bias, inputs=inputs
    )


def _norm(name: str, channels: int, inputs: tuple[str, ...] = ()) -> Op:
    return Op(name, "bn", channels, channels, inputs=inputs)


def _relu(name: str, channels: int) -> Op:
    return Op(name, "relu", channels, channels)


def stem(spec: ResNetSpec) -> Unit:
    """Image to first stage: the stem convs (with BN and ReLU after each unless pre-activation), the max pool."""
    pre = spec.order == "pre"
    ops: list[Op] = []
    cin = spec.in_channels
    if spec.stem == "deep":
        # timm's deep stem: conv1 = Sequential(conv, bn, relu, conv, bn, relu, conv), then bn1 and the ReLU.
        prefix = "stem.conv1." if pre else "conv1."
        for i, width in enumerate(spec.stem_widths):
            ops.append(_conv(f"{prefix}{3 * i}", cin, width, 3, 2 if i == 0 else 1, spec))
            if i < len(spec.stem_widths) - 1:
                ops += [_norm(f"{prefix}{3 * i + 1}", width), _relu(f"{prefix}{3 * i + 2}", width)]
            cin = width
    else:
        kernel, stride = (3, 1) if spec.stem == "cifar" else (7, 2)
        ops.append(_conv("stem.conv" if pre else "conv1", cin, spec.stem_widths[0], kernel, stride, spec))
    width = spec.stem_widths[-1]
    if not pre:
        ops += [_norm("bn1", width), _relu("relu", width)]
    if spec.maxpool:
        ops.append(
            Op(
                "stem.pool" if pre else "maxpool",
                "maxpool",
                width,
                width,
                kernel=3,
                stride=2,
                padding=spec.maxpool_padding,
            )
        )
    return Unit("", "stem", tuple(ops))


def head(spec: ResNetSpec) -> Unit:
    """Global average pool and the classifier (pre-activation: a last BN + ReLU first, and fc as a 1×1 conv)."""
    features = spec.widths[-1] * spec.expansion
    if spec.order == "pre":
        # timm's resnetv2: `norm` (BN + ReLU) after the last stage; the head's fc is a 1×1 conv with a bias.
        return Unit(
            "",
            "head",
            (
                _norm("norm", features),
                _relu("act", features),
                Op("head.global_pool", "avgpool", features, features),
                Op("head.fc", "conv", features, spec.num_classes, bias=True),
                Op("head.flatten", "flatten", spec.num_classes, spec.num_classes),
            ),
        )
    return Unit(
        "",
        "head",
        (Op("avgpool", "avgpool", features, features), Op("fc", "linear", features, spec.num_classes, bias=True)),
    )


def blocks(spec: ResNetSpec) -> tuple[Unit, ...]:
    """Every residual block in execution order.

    The first block of every stage but the first halves the spatial size, unless `output_stride` turns that
    stride into dilation: then, as torchvision's `replace_stride_with_dilation`, the stage's first block keeps
    the previous dilation on its first 3×3 and every later 3×3 of the stage uses the new one.
    """
    if spec.output_stride and spec.shortcut == "avgdown" and any(d > 1 for _, d in spec.stage_dilations):
        raise InspectError(
            "output_stride with shortcut avgdown is not supported: timm pads its pool 'same'; "
            "use shortcut B or no output_stride"
        )
    units: list[Unit] = []
    in_channels = spec.stem_widths[-1]
    previous_dilation = 1
    for index, (stage, count, width, (stride, dilation)) in enumerate(
        zip(spec.stages, spec.layers, spec.widths, spec.stage_dilations, strict=True)
    ):
        for j in range(count):
            name = f"stages.{index}.blocks.{j}" if spec.order == "pre" else f"{stage}.{j}"
            first = previous_dilation if j == 0 else dilation
            units.append(
                block(
                    spec,
                    name,
                    stage,
                    in_channels,
                    width,
                    stride if j == 0 else 1,
                    first_dilation=first,
                    dilation=dilation,
                )
            )
            in_channels = width * spec.expansion
        previous_dilation = dilation
    return tuple(units)


def plan(spec: ResNetSpec) -> tuple[Unit, ...]:
    """The whole network: stem, blocks, head."""
    return (stem(spec), *blocks(spec), head(spec))


def se_channels(channels: int, reduction: int) -> int:
    """timm's `make_divisible(channels / reduction, 8)` with no round-up limit: a multiple of 8, at least 8."""
    return max(8, int(channels / reduction + 4) // 8 * 8)


def block(
    spec: ResNetSpec,
    name: str,
    stage: str,
    in_channels: int,
    width: int,
    stride: int,
    *,
    first_dilation: int = 1,
    dilation: int = 1,
) -> Unit:
    """One block of `spec`'s design at stage width `width`: the unit `blocks` repeats."""
    out_channels = width * spec.expansion
    pre = spec.order == "pre"
    ops: list[Op] = []
    source = INPUT
    if pre:
        ops += [_norm("norm1", in_channels), _relu("act1", in_channels)]
        source = "act1"
    convs = _convs(spec, in_channels, width, out_channels, stride, first_dilation, dilation)
    for i, conv in enumerate(convs, start=1):
        if pre:
            if i > 1:
                ops += [_norm(f"norm{i}", conv.in_channels), _relu(f"act{i}", conv.in_channels)]
            ops.append(conv)
        else:
            ops += [conv, _norm(f"bn{i}", conv.out_channels)]
            if i < len(convs):
                ops.append(_relu(f"relu{i}", conv.out_channels))
    if spec.se_reduction:
        ops += _squeeze_excite(out_channels, spec.se_reduction, gated=ops[-1].name)
    residual = ops[-1].name
    shortcut = _shortcut(spec, in_channels, out_channels, stride, source)
    ops += shortcut
    ops.append(
        Op("add", "add", out_channels, out_channels, inputs=(residual, shortcut[-1].name if shortcut else INPUT))
    )
    if not pre:
        ops.append(_relu(f"relu{len(convs)}", out_channels))
    return Unit(name, stage, tuple(ops))


def _convs(
    spec: ResNetSpec, cin: int, width: int, cout: int, stride: int, first_dilation: int, dilation: int
) -> list[Op]:
    """The main path's convs; the first conv reads the block's input (pre-activation: its BN + ReLU)."""
    if spec.block == "basic":
        return [
            _conv("conv1", cin, width, 3, stride, spec, dilation=first_dilation),
            _conv("conv2", width, cout, 3, 1, spec, dilation=dilation),
        ]
    # torchvision's Bottleneck: the 3×3 runs at width·(width_per_group/64)·groups channels.
    inner = width * spec.width_per_group // 64 * spec.groups
    first, middle = (stride, 1) if spec.stride_in == "v1" else (1, stride)
    return [
        _conv("conv1", cin, inner, 1, first, spec),
        _conv("conv2", inner, inner, 3, middle, spec, groups=spec.groups, dilation=first_dilation),
        _conv("conv3", inner, cout, 1, 1, spec),
    ]


def _squeeze_excite(channels: int, reduction: int, gated: str) -> list[Op]:
    """timm's SEModule on the residual branch: x · sigmoid(fc2(relu(fc1(mean over H×W of x)))), fc as 1×1 convs."""
    reduced = se_channels(channels, reduction)
    return [
        Op("se.pool", "mean", channels, channels),
        Op("se.fc1", "conv", channels, reduced, bias=True),
        _relu("se.act", reduced),
        Op("se.fc2", "conv", reduced, channels, bias=True),
        Op("se.gate", "sigmoid", channels, channels),
        Op("se.scale", "mul", channels, channels, inputs=(gated, "se.gate")),
    ]


def _shortcut(spec: ResNetSpec, cin: int, cout: int, stride: int, source: str) -> list[Op]:
    """The shortcut path from `source` (the block input, or its pre-activation); empty for the identity.

    Names: torchvision's `downsample.0` (conv) and `.1` (BN); timm's ResNet-D `downsample.0` (pool), `.1`, `.2`;
    timm's resnetv2 `downsample.pool`, `.conv`, `.norm`.
    """
    reshapes = stride != 1 or cin != cout
    if spec.shortcut == "A":
        return [Op("downsample", "pad", cin, cout, stride=stride, inputs=(INPUT,))] if reshapes else []
    if not reshapes and spec.shortcut != "C":
        return []
    pool = spec.shortcut == "avgdown" and stride != 1
    # timm's resnetv2 names each part by its role; torchvision and timm's ResNet-D number them, and ResNet-D keeps
    # the number of a stride-1 pool (an identity there), so the conv is `downsample.1` in every block.
    roles = ("pool", "conv", "norm") if spec.shortcut == "avgdown" else ("conv", "norm")
    names = dict(zip(roles, roles if spec.order == "pre" else map(str, range(3)), strict=False))
    ops: list[Op] = []
    if pool:
        ops.append(
            Op(f"downsample.{names['pool']}", "downpool", cin, cin, 2, stride, 0, ceil_mode=True, inputs=(source,))
        )
    conv_stride = 1 if pool else stride
    ops.append(_conv(f"downsample.{names['conv']}", cin, cout, 1, conv_stride, spec, inputs=() if ops else (source,)))
    if spec.shortcut_norm:
        ops.append(_norm(f"downsample.{names['norm']}", cout))
    return ops
