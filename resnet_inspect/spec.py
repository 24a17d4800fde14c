"""What a ResNet is, as data: one frozen spec per network, and the convolutions it implies.

Everything else (the analytic trace, the torch model, the tables) is derived from a `ResNetSpec` through
`stem_conv` and `block_plans`, so the two readings of an architecture (the arithmetic and the real model)
cannot drift apart in their structure; only in what they compute from it, which is what verification checks.

This module never imports torch.
"""

from __future__ import annotations

import dataclasses
import difflib
import itertools
import re
from dataclasses import dataclass
from typing import Literal

BlockKind = Literal["basic", "bottleneck"]
StrideIn = Literal["v1", "v1.5"]

STAGE_NAMES: tuple[str, ...] = ("stem", "layer1", "layer2", "layer3", "layer4", "head")
# The paper's names for the same stages (Table 1), for readers coming from the paper.
PAPER_STAGE_NAMES: dict[str, str] = {
    "stem": "conv1",
    "layer1": "conv2_x",
    "layer2": "conv3_x",
    "layer3": "conv4_x",
    "layer4": "conv5_x",
    "head": "fc",
}
EXPANSION: dict[str, int] = {"basic": 1, "bottleneck": 4}


class InspectError(ValueError):
    """A bad request: an unknown depth, a size that is not a size, an impossible configuration.

    The message is one line that names the bad value and says what would be valid; the CLI prints it
    as it is and exits with code 2.
    """


def first_line(error: BaseException) -> str:
    """An exception's message cut to its first line, or its type's name when it has none."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


ShortcutKind = Literal["A", "B", "C", "avgdown"]
SHORTCUTS: dict[str, str] = {
    "A": "identity; where the shape changes, subsample and zero-pad the channels (no parameters)",
    "B": "identity; where the shape changes, a strided 1×1 conv + BN (projection)",
    "C": "a 1×1 conv + BN projection on every block",
    "avgdown": "identity; where the shape changes, a 2×2 average pool then a 1×1 conv + BN (ResNet-D)",
}
# What a knob's value may also be called, and the stem widths a stem gets when none are given.
SHORTCUT_ALIASES = {"conv": "B", "projection": "B", "D": "avgdown", "d": "avgdown", "a": "A", "b": "B", "c": "C"}
DEFAULT_STEM_WIDTHS: dict[str, tuple[int, ...]] = {"torchvision": (64,), "deep": (32, 32, 64)}
STEMS: dict[str, str] = {
    "torchvision": "one 7×7/2 conv, BN, ReLU, 3×3/2 max pool",
    "deep": "three 3×3 convs (the first /2), each with BN and ReLU, 3×3/2 max pool (ResNet-C/D)",
}


@dataclass(frozen=True)
class ResNetSpec:
    """A ResNet described completely.

    Knob names follow torchvision (`groups`, `width_per_group`) and timm where torchvision has none.
    """

    name: str
    block: BlockKind
    layers: tuple[int, ...]
    widths: tuple[int, ...] = (64, 128, 256, 512)
    stem: Literal["torchvision", "deep"] = "torchvision"
    stem_widths: tuple[int, ...] = (64,)  # one width per stem conv
    maxpool_padding: int = 1
    shortcut: ShortcutKind = "B"
    shortcut_norm: bool = True  # BN after a projection conv (the d2l ResNet has none)
    conv_bias: bool = False  # every conv with a bias (the d2l ResNet), though BN follows
    # Where a bottleneck puts its stride: the first 1×1 (the paper, "v1") or the 3×3 (torchvision, "v1.5").
    stride_in: StrideIn = "v1.5"
    groups: int = 1
    width_per_group: int = 64
    in_channels: int = 3
    num_classes: int = 1000

    def __post_init__(self) -> None:
        _check_choice("block", self.block, EXPANSION)
        _check_choice("stem", self.stem, STEMS)
        _check_choice("shortcut", self.shortcut, SHORTCUTS)
        _check_choice("stride_in", self.stride_in, ("v1", "v1.5"))
        if len(self.layers) != 4:
            raise InspectError(f"layers {_csv(self.layers)} must list 4 stages (layer1..layer4), like 3,4,6,3")
        if len(self.widths) != len(self.layers):
            raise InspectError(f"widths {_csv(self.widths)} must give one width per stage: 4, like 64,128,256,512")
        for label, values in (("layers", self.layers), ("widths", self.widths), ("stem_widths", self.stem_widths)):
            if any(v < 1 for v in values):
                raise InspectError(f"{label} {_csv(values)} must all be ≥ 1")
        stem_convs = {"torchvision": 1, "deep": 3}[self.stem]
        if len(self.stem_widths) != stem_convs:
            raise InspectError(
                f"stem_widths {_csv(self.stem_widths)} must give {stem_convs} width(s) for the {self.stem} stem"
            )
        for label, value in (
            ("groups", self.groups),
            ("width_per_group", self.width_per_group),
            ("in_channels", self.in_channels),
            ("num_classes", self.num_classes),
        ):
            if value < 1:
                raise InspectError(f"{label} {value} is not valid; it must be ≥ 1")
        if self.maxpool_padding not in (0, 1):
            raise InspectError(f"maxpool_padding {self.maxpool_padding} is not valid; use 0 or 1")
        if self.block == "basic" and (self.groups != 1 or self.width_per_group != 64):
            raise InspectError(
                f"a basic block has no grouped conv: groups={self.groups}, width_per_group={self.width_per_group} "
                "need --block bottleneck (or groups=1, width_per_group=64)"
            )
        for width in self.widths:
            if self.block == "bottleneck" and width * self.width_per_group % 64:
                raise InspectError(
                    f"stage width {width} × width_per_group {self.width_per_group} / 64 is not a whole number "
                    "of channels per group; pick widths and width_per_group whose product is a multiple of 64"
                )
        if self.shortcut == "A":
            outs = [self.stem_widths[-1]] + [w * self.expansion for w in self.widths]
            if any(b < a for a, b in itertools.pairwise(outs)):
                raise InspectError(
                    f"shortcut A zero-pads channels, so widths {_csv(self.widths)} must never shrink; use B"
                )

    @property
    def expansion(self) -> int:
        """Output channels of a block over its stage width: 1 for basic, 4 for bottleneck blocks."""
        return EXPANSION[self.block]

    @property
    def depth(self) -> int:
        """Weighted layers as the paper counts them: the stem convs, every main-path conv, and fc."""
        convs_per_block = 2 if self.block == "basic" else 3
        return len(self.stem_widths) + convs_per_block * sum(self.layers) + 1

    def with_io(self, *, in_channels: int | None = None, num_classes: int | None = None) -> ResNetSpec:
        """The same network with another input channel count or class count."""
        return dataclasses.replace(
            self,
            in_channels=self.in_channels if in_channels is None else in_channels,
            num_classes=self.num_classes if num_classes is None else num_classes,
        )


def _csv(values: tuple[int, ...]) -> str:
    return ",".join(str(v) for v in values)


def _check_choice(label: str, value: object, valid) -> None:
    if value not in valid:
        raise InspectError(f"{label} {value!r} is not valid; use one of {', '.join(map(str, valid))}")


# ------------------------------------------------------------------------------------------------ plans

OpKind = Literal["conv", "bn", "relu", "maxpool", "downpool", "pad", "add", "avgpool", "linear"]


@dataclass(frozen=True)
class Op:
    """One leaf op of the network, by its module name relative to its block (or to the model).

    `kernel`, `stride`, `padding` and `ceil_mode` describe a conv or pooling window; `channels` in and out.
    """

    name: str
    kind: OpKind
    in_channels: int
    out_channels: int
    kernel: int = 1
    stride: int = 1
    padding: int = 0
    groups: int = 1
    bias: bool = False
    ceil_mode: bool = False


def _conv(name: str, cin: int, cout: int, kernel: int, stride: int, spec: ResNetSpec, groups: int = 1) -> Op:
    return Op(name, "conv", cin, cout, kernel, stride, kernel // 2, groups, bias=spec.conv_bias)


def _bn(name: str, channels: int) -> Op:
    return Op(name, "bn", channels, channels)


def _relu(name: str, channels: int) -> Op:
    return Op(name, "relu", channels, channels)


@dataclass(frozen=True)
class BlockPlan:
    """One residual block: `main` path and `shortcut` path from the block's input, then add and ReLU.

    Op names are local to the block (`conv2`, `downsample.1`); the block's own name prefixes them.
    """

    name: str  # "layer2.0"
    stage: str  # "layer2"
    main: tuple[Op, ...]
    shortcut: tuple[Op, ...]  # empty: the identity
    add: Op
    out_relu: Op

    @property
    def in_channels(self) -> int:
        return self.main[0].in_channels

    @property
    def out_channels(self) -> int:
        return self.main[-1].out_channels

    @property
    def stride(self) -> int:
        return max(op.stride for op in self.main)

    @property
    def convs(self) -> tuple[Op, ...]:
        return tuple(op for op in self.main if op.kind == "conv")


def stem_ops(spec: ResNetSpec) -> tuple[Op, ...]:
    """The stem, from the image to the max pool, with torchvision's (or for the deep stem, timm's) names."""
    if spec.stem == "torchvision":
        width = spec.stem_widths[0]
        ops = [_conv("conv1", spec.in_channels, width, 7, 2, spec), _bn("bn1", width), _relu("relu", width)]
    else:
        # timm's deep stem: conv1 = Sequential(conv, bn, relu, conv, bn, relu, conv), then bn1 and the ReLU.
        ops, cin = [], spec.in_channels
        for i, width in enumerate(spec.stem_widths):
            ops.append(_conv(f"conv1.{3 * i}", cin, width, 3, 2 if i == 0 else 1, spec))
            if i < len(spec.stem_widths) - 1:
                ops += [_bn(f"conv1.{3 * i + 1}", width), _relu(f"conv1.{3 * i + 2}", width)]
            cin = width
        ops += [_bn("bn1", cin), _relu("relu", cin)]
    width = spec.stem_widths[-1]
    ops.append(Op("maxpool", "maxpool", width, width, kernel=3, stride=2, padding=spec.maxpool_padding))
    return tuple(ops)


def head_ops(spec: ResNetSpec) -> tuple[Op, ...]:
    features = spec.widths[-1] * spec.expansion
    return (
        Op("avgpool", "avgpool", features, features),
        Op("fc", "linear", features, spec.num_classes, bias=True),
    )


def block_plans(spec: ResNetSpec) -> tuple[BlockPlan, ...]:
    """Every residual block in execution order.

    The first block of every stage but the first halves the spatial size.
    """
    plans: list[BlockPlan] = []
    in_channels = spec.stem_widths[-1]
    for stage_index, (count, width) in enumerate(zip(spec.layers, spec.widths, strict=True)):
        stage = f"layer{stage_index + 1}"
        for index in range(count):
            stride = 2 if stage_index > 0 and index == 0 else 1
            plans.append(block_plan(spec, f"{stage}.{index}", stage, in_channels, width, stride))
            in_channels = width * spec.expansion
    return tuple(plans)


def block_plan(spec: ResNetSpec, name: str, stage: str, in_channels: int, width: int, stride: int) -> BlockPlan:
    """One block of `spec`'s design at stage width `width`: the unit `block_plans` repeats."""
    out_channels = width * spec.expansion
    main = _main_path(spec, in_channels, width, out_channels, stride)
    return BlockPlan(
        name,
        stage,
        main,
        _shortcut(spec, in_channels, out_channels, stride),
        Op("add", "add", out_channels, out_channels),
        _relu(f"relu{sum(op.kind == 'conv' for op in main)}", out_channels),
    )


def _main_path(spec: ResNetSpec, cin: int, width: int, cout: int, stride: int) -> tuple[Op, ...]:
    """conv1, bn1, relu1, conv2, bn2, [relu2, conv3, bn3]: every conv but the last is followed by BN and ReLU."""
    if spec.block == "basic":
        convs = [_conv("conv1", cin, width, 3, stride, spec), _conv("conv2", width, cout, 3, 1, spec)]
    else:
        # torchvision's Bottleneck: the 3×3 runs at width·(width_per_group/64)·groups channels.
        inner = width * spec.width_per_group // 64 * spec.groups
        first, middle = (stride, 1) if spec.stride_in == "v1" else (1, stride)
        convs = [
            _conv("conv1", cin, inner, 1, first, spec),
            _conv("conv2", inner, inner, 3, middle, spec, groups=spec.groups),
            _conv("conv3", inner, cout, 1, 1, spec),
        ]
    ops: list[Op] = []
    for i, conv in enumerate(convs, start=1):
        ops += [conv, _bn(f"bn{i}", conv.out_channels)]
        if i < len(convs):
            ops.append(_relu(f"relu{i}", conv.out_channels))
    return tuple(ops)


def _shortcut(spec: ResNetSpec, cin: int, cout: int, stride: int) -> tuple[Op, ...]:
    reshapes = stride != 1 or cin != cout
    if spec.shortcut == "A":
        return (Op("downsample", "pad", cin, cout, stride=stride),) if reshapes else ()
    if not reshapes and spec.shortcut != "C":
        return ()
    if spec.shortcut == "avgdown":
        # timm's names: downsample.0 is the pool (an identity at stride 1), .1 the conv, .2 the BN.
        pool = (Op("downsample.0", "downpool", cin, cin, 2, stride, 0, ceil_mode=True),) if stride != 1 else ()
        conv = _conv("downsample.1", cin, cout, 1, 1, spec)
        return (*pool, conv, *((_bn("downsample.2", cout),) if spec.shortcut_norm else ()))
    conv = _conv("downsample.0", cin, cout, 1, stride, spec)
    return (conv, *((_bn("downsample.1", cout),) if spec.shortcut_norm else ()))


# ----------------------------------------------------------------------------------------------- registry

_PAPER_LAYOUTS: dict[int, tuple[BlockKind, tuple[int, ...]]] = {
    18: ("basic", (2, 2, 2, 2)),
    34: ("basic", (3, 4, 6, 3)),
    50: ("bottleneck", (3, 4, 6, 3)),
    101: ("bottleneck", (3, 4, 23, 3)),
    152: ("bottleneck", (3, 8, 36, 3)),
}
DEPTHS: tuple[int, ...] = tuple(_PAPER_LAYOUTS)


def _base(depth: int, name: str | None = None, **knobs) -> ResNetSpec:
    block, layers = _PAPER_LAYOUTS[depth]
    return ResNetSpec(name=name or f"resnet{depth}", block=block, layers=layers, **knobs)


# ResNet-D (Bag of Tricks, He et al. 2019): the deep stem of ResNet-C and an average-pooled shortcut.
_RESNET_D = dict(stem="deep", stem_widths=(32, 32, 64), shortcut="avgdown")

REGISTRY: dict[str, ResNetSpec] = {
    **{f"resnet{d}": _base(d) for d in DEPTHS},
    **{f"resnet{d}d": _base(d, f"resnet{d}d", **_RESNET_D) for d in DEPTHS},
    # fastai's XResNet: stem ConvLayers (c_in→32 /2, 32→32, 32→64), then in each ResBlock's identity path
    # AvgPool2d(2, ceil_mode=True) before the 1×1 ConvLayer: the same network as ResNet-D.
    **{f"xresnet{d}": _base(d, f"xresnet{d}", **_RESNET_D) for d in DEPTHS},
    "resnext50_32x4d": _base(50, "resnext50_32x4d", groups=32, width_per_group=4),
    "resnext101_32x8d": _base(101, "resnext101_32x8d", groups=32, width_per_group=8),
    "resnext101_64x4d": _base(101, "resnext101_64x4d", groups=64, width_per_group=4),
    "wide_resnet50_2": _base(50, "wide_resnet50_2", width_per_group=128),
    "wide_resnet101_2": _base(101, "wide_resnet101_2", width_per_group=128),
    # Dive into Deep Learning's ResNet-18 for Fashion-MNIST (section 8.6): biased convs, and a bare 1×1 conv
    # (no BN) on the shortcut where the shape changes.
    "d2l_resnet18": _base(18, "d2l_resnet18", conv_bias=True, shortcut_norm=False, in_channels=1, num_classes=10),
}

# What each named config is, in a line, for `archs` and the docs.
DESCRIPTIONS: dict[str, str] = {
    **{f"resnet{d}": f"the paper's {d}-layer ResNet, torchvision's v1.5" for d in DEPTHS},
    **{f"resnet{d}d": "ResNet-D: deep stem, average-pooled projection shortcuts" for d in DEPTHS},
    **{f"xresnet{d}": "fastai's XResNet (same shapes as ResNet-D)" for d in DEPTHS},
    "resnext50_32x4d": "ResNeXt, 32 groups of width 4",
    "resnext101_32x8d": "ResNeXt, 32 groups of width 8",
    "resnext101_64x4d": "ResNeXt, 64 groups of width 4",
    "wide_resnet50_2": "Wide ResNet-50-2: bottlenecks twice as wide",
    "wide_resnet101_2": "Wide ResNet-101-2: bottlenecks twice as wide",
    "d2l_resnet18": "d2l.ai's ResNet-18 for Fashion-MNIST (1 channel, 10 classes)",
}


def get_spec(arch: str | int) -> ResNetSpec:
    """A named config by name (`"resnet50"`) or paper depth (`50`)."""
    if isinstance(arch, int) or str(arch).isdigit():
        depth = int(arch)
        if depth not in _PAPER_LAYOUTS:
            valid = ", ".join(str(d) for d in DEPTHS)
            raise InspectError(f"depth {depth} is not a ResNet of the paper; use one of {valid}")
        return REGISTRY[f"resnet{depth}"]
    try:
        return REGISTRY[arch]
    except KeyError:
        close = difflib.get_close_matches(str(arch), REGISTRY, n=3)
        hint = f"did you mean {', '.join(close)}? " if close else ""
        raise InspectError(f"unknown architecture {arch!r}; {hint}`resnet-inspect archs` lists them all") from None


# ------------------------------------------------------------------------------------------------ inputs

_SIZE = re.compile(r"^\s*(\d+)\s*(?:[x×]\s*(\d+)\s*)?$")


def parse_size(text: str) -> tuple[int, int]:
    """`"512"` → (512, 512); `"480x640"` → (480, 640), height × width."""
    match = _SIZE.match(str(text))
    if match is None:
        raise InspectError(f"size {text!r} is not valid; use a positive integer like 224, or HxW like 480x640")
    height = int(match.group(1))
    width = int(match.group(2)) if match.group(2) is not None else height
    if height < 1 or width < 1:
        raise InspectError(f"size {text!r} is not valid; height and width must be ≥ 1")
    return height, width


def parse_ints(label: str, text: str) -> tuple[int, ...]:
    """`"3,4,6,3"` → (3, 4, 6, 3), or an error naming `label`."""
    try:
        values = tuple(int(part) for part in str(text).split(","))
    except ValueError:
        raise InspectError(
            f"{label} {text!r} is not valid; give whole numbers separated by commas, like 3,4,6,3"
        ) from None
    return values


def customize(base: ResNetSpec, **knobs: object) -> ResNetSpec:
    """`base` with the knobs that are not None changed, named after what changed (`resnet50 with stride_in=v1`)."""
    changes = {key: value for key, value in knobs.items() if value is not None and getattr(base, key) != value}
    if not changes:
        return base
    shown = [
        f"{key}={','.join(map(str, value)) if isinstance(value, tuple) else value}"
        for key, value in changes.items()
        if key not in ("in_channels", "num_classes")
    ]
    name = f"{base.name} with {', '.join(shown)}" if shown else base.name
    return dataclasses.replace(base, name=name, **changes)


def parse_arch(text: str) -> ResNetSpec:
    """A named config or depth, optionally with knobs: `resnet50`, `50`, `resnet50:stride_in=v1,shortcut=A`.

    Tuple knobs take `+` between their numbers (`resnet50:layers=2+2+2+2`), since `,` separates knobs.
    """
    name, _, knobs = str(text).partition(":")
    base = get_spec(name.strip())
    if not knobs:
        return base
    fields = {f.name: f for f in dataclasses.fields(ResNetSpec)}
    changes: dict[str, object] = {}
    for item in knobs.split(","):
        key, eq, value = (part.strip() for part in item.partition("="))
        if not eq or key not in fields or key == "name":
            valid = ", ".join(f for f in fields if f != "name")
            raise InspectError(f"{item.strip()!r} in {text!r} is not a knob=value; knobs: {valid}")
        current = getattr(base, key)
        try:
            if isinstance(current, bool):
                truth = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}
                if value.lower() not in truth:
                    raise ValueError(value)
                changes[key] = truth[value.lower()]
            elif isinstance(current, int):
                changes[key] = int(value)
            elif isinstance(current, tuple):
                changes[key] = tuple(int(v) for v in value.split("+"))
            else:
                changes[key] = SHORTCUT_ALIASES.get(value, value) if key == "shortcut" else value
        except ValueError:
            raise InspectError(f"{key}={value!r} in {text!r} is not valid for {key}") from None
    if "stem" in changes and "stem_widths" not in changes and changes["stem"] != base.stem:
        changes["stem_widths"] = DEFAULT_STEM_WIDTHS.get(str(changes["stem"]), base.stem_widths)
    return customize(base, **changes)
