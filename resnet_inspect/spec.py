"""What a ResNet is, as data: one frozen spec per network, and the convolutions it implies.

Everything else (the analytic trace, the torch model, the tables) is derived from a `ResNetSpec` through
`stem_conv` and `block_plans`, so the two readings of an architecture (the arithmetic and the real model)
cannot drift apart in their structure; only in what they compute from it, which is what verification checks.

This module never imports torch.
"""

from __future__ import annotations

import dataclasses
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


@dataclass(frozen=True)
class ResNetSpec:
    """A ResNet described completely.

    Knob names follow torchvision (`groups`, `width_per_group`) and timm where torchvision has none.
    """

    name: str
    block: BlockKind
    layers: tuple[int, ...]
    widths: tuple[int, ...] = (64, 128, 256, 512)
    stem: Literal["torchvision"] = "torchvision"  # 7×7/2 conv, BN, ReLU, 3×3/2 max pool
    stem_width: int = 64
    # Paper option B: identity where shapes match, else a strided 1×1 conv + BN ("projection").
    shortcut: Literal["conv"] = "conv"
    # Where a bottleneck puts its stride: the first 1×1 (the paper, "v1") or the 3×3 (torchvision, "v1.5").
    stride_in: StrideIn = "v1.5"
    groups: int = 1
    width_per_group: int = 64
    in_channels: int = 3
    num_classes: int = 1000

    def __post_init__(self) -> None:
        if self.block not in EXPANSION:
            raise InspectError(f"block {self.block!r} is not valid; use 'basic' or 'bottleneck'")
        if len(self.layers) != len(self.widths):
            raise InspectError(
                f"layers {list(self.layers)} has {len(self.layers)} stages but widths {list(self.widths)} "
                f"has {len(self.widths)}; give one width per stage"
            )
        if len(self.layers) != 4:
            raise InspectError(f"layers {list(self.layers)} must list 4 stages (layer1..layer4)")
        for label, values in (("layers", self.layers), ("widths", self.widths)):
            if any(v < 1 for v in values):
                raise InspectError(f"{label} {list(values)} must all be ≥ 1")
        for label, value in (
            ("stem_width", self.stem_width),
            ("groups", self.groups),
            ("width_per_group", self.width_per_group),
            ("in_channels", self.in_channels),
            ("num_classes", self.num_classes),
        ):
            if value < 1:
                raise InspectError(f"{label} {value} is not valid; it must be ≥ 1")
        if self.stride_in not in ("v1", "v1.5"):
            raise InspectError(f"stride_in {self.stride_in!r} is not valid; use 'v1' or 'v1.5'")
        if self.block == "basic" and (self.groups != 1 or self.width_per_group != 64):
            raise InspectError(
                f"a basic block supports only groups=1 and width_per_group=64, "
                f"not groups={self.groups}, width_per_group={self.width_per_group}"
            )

    @property
    def expansion(self) -> int:
        """Output channels of a block over its stage width: 1 for basic, 4 for bottleneck blocks."""
        return EXPANSION[self.block]

    @property
    def depth(self) -> int:
        """Weighted layers as the paper counts them: the stem conv, every conv of every block, and fc."""
        convs_per_block = 2 if self.block == "basic" else 3
        return 1 + convs_per_block * sum(self.layers) + 1

    def with_io(self, *, in_channels: int | None = None, num_classes: int | None = None) -> ResNetSpec:
        """The same network with another input channel count or class count."""
        return dataclasses.replace(
            self,
            in_channels=self.in_channels if in_channels is None else in_channels,
            num_classes=self.num_classes if num_classes is None else num_classes,
        )


@dataclass(frozen=True)
class ConvPlan:
    """One convolution of the network, by its torchvision module name."""

    name: str
    in_channels: int
    out_channels: int
    kernel: int
    stride: int
    padding: int
    groups: int = 1
    bias: bool = False


@dataclass(frozen=True)
class BlockPlan:
    """One residual block: its main-path convs in order, each followed by BN, and its projection if any.

    ReLU follows every BN of the main path except the last, which is added to the shortcut first.
    """

    name: str  # "layer2.0"
    stage: str  # "layer2"
    convs: tuple[ConvPlan, ...]
    downsample: ConvPlan | None

    @property
    def in_channels(self) -> int:
        return self.convs[0].in_channels

    @property
    def out_channels(self) -> int:
        return self.convs[-1].out_channels

    @property
    def stride(self) -> int:
        return max(conv.stride for conv in self.convs)


def stem_conv(spec: ResNetSpec) -> ConvPlan:
    return ConvPlan("conv1", spec.in_channels, spec.stem_width, kernel=7, stride=2, padding=3)


# The stem's max pool: 3×3, stride 2, padding 1.
MAXPOOL_KERNEL, MAXPOOL_STRIDE, MAXPOOL_PADDING = 3, 2, 1


def block_plans(spec: ResNetSpec) -> tuple[BlockPlan, ...]:
    """Every residual block in execution order.

    The first block of every stage but the first halves the spatial size; a block whose stride or channel
    count changes the shape gets a projection shortcut.
    """
    plans: list[BlockPlan] = []
    in_channels = spec.stem_width
    for stage_index, (count, width) in enumerate(zip(spec.layers, spec.widths, strict=True)):
        stage = f"layer{stage_index + 1}"
        out_channels = width * spec.expansion
        for index in range(count):
            stride = 2 if stage_index > 0 and index == 0 else 1
            prefix = f"{stage}.{index}"
            convs = _main_path(spec, prefix, in_channels, width, out_channels, stride)
            downsample = None
            if stride != 1 or in_channels != out_channels:
                downsample = ConvPlan(f"{prefix}.downsample.0", in_channels, out_channels, 1, stride, 0)
            plans.append(BlockPlan(prefix, stage, convs, downsample))
            in_channels = out_channels
    return tuple(plans)


def _main_path(
    spec: ResNetSpec, prefix: str, in_channels: int, width: int, out_channels: int, stride: int
) -> tuple[ConvPlan, ...]:
    if spec.block == "basic":
        return (
            ConvPlan(f"{prefix}.conv1", in_channels, width, 3, stride, 1),
            ConvPlan(f"{prefix}.conv2", width, out_channels, 3, 1, 1),
        )
    # torchvision's Bottleneck: the 3×3 runs at width·(width_per_group/64)·groups channels.
    inner = int(width * (spec.width_per_group / 64.0)) * spec.groups
    first_stride, middle_stride = (stride, 1) if spec.stride_in == "v1" else (1, stride)
    return (
        ConvPlan(f"{prefix}.conv1", in_channels, inner, 1, first_stride, 0),
        ConvPlan(f"{prefix}.conv2", inner, inner, 3, middle_stride, 1, groups=spec.groups),
        ConvPlan(f"{prefix}.conv3", inner, out_channels, 1, 1, 0),
    )


# ----------------------------------------------------------------------------------------------- registry

_PAPER_LAYOUTS: dict[int, tuple[BlockKind, tuple[int, ...]]] = {
    18: ("basic", (2, 2, 2, 2)),
    34: ("basic", (3, 4, 6, 3)),
    50: ("bottleneck", (3, 4, 6, 3)),
    101: ("bottleneck", (3, 4, 23, 3)),
    152: ("bottleneck", (3, 8, 36, 3)),
}

REGISTRY: dict[str, ResNetSpec] = {
    f"resnet{depth}": ResNetSpec(name=f"resnet{depth}", block=block, layers=layers)
    for depth, (block, layers) in _PAPER_LAYOUTS.items()
}
DEPTHS: tuple[int, ...] = tuple(_PAPER_LAYOUTS)


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
        raise InspectError(f"unknown architecture {arch!r}; use one of {', '.join(REGISTRY)}") from None


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
