"""What a ResNet is, as data: one frozen spec per network, validated once, and the one front door for knobs.

Everything else (the op plan, the analytic trace, the torch model, the tables) is derived from a `ResNetSpec`.
`with_knobs` is the only way knobs reach a spec, whether they come from the library (`analyze(50, stem="cifar")`),
from `--arch resnet50:stride_in=v1` or from command-line options: each value is parsed by the field it sets,
the derived defaults follow (a new stem brings its widths, the CIFAR stem drops the max pool), and the result
is validated with one-line errors that name the knob.

This module never imports torch.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import numbers
import re
import typing
import warnings
from dataclasses import dataclass
from typing import Any, Literal

from .errors import InspectError, InspectWarning

BlockKind = Literal["basic", "bottleneck"]
StrideIn = Literal["v1", "v1.5"]
StemKind = Literal["torchvision", "deep", "cifar"]
ShortcutKind = Literal["A", "B", "C", "avgdown"]
Order = Literal["post", "pre"]

EXPANSION: dict[str, int] = {"basic": 1, "bottleneck": 4}
SHORTCUTS: dict[str, str] = {
    "A": "identity; where the shape changes, subsample and zero-pad the channels (no parameters)",
    "B": "identity; where the shape changes, a strided 1×1 conv + BN (projection)",
    "C": "a 1×1 conv + BN projection on every block",
    "avgdown": "identity; where the shape changes, a 2×2 average pool then a 1×1 conv + BN (ResNet-D)",
}
STEMS: dict[str, str] = {
    "torchvision": "one 7×7/2 conv, BN, ReLU, 3×3/2 max pool",
    "deep": "three 3×3 convs (the first /2), each with BN and ReLU, 3×3/2 max pool (ResNet-C/D)",
    "cifar": "one 3×3/1 conv, BN, ReLU, no max pool (the paper's CIFAR nets and most CIFAR tutorials)",
}
ORDERS: dict[str, str] = {
    "post": "conv → BN → ReLU, ReLU after the add (the 2015 paper)",
    "pre": "BN → ReLU → conv, a clean identity path, one BN+ReLU before the pool (He et al. 2016)",
}
STEM_CONVS: dict[str, int] = {"torchvision": 1, "deep": 3, "cifar": 1}
# A stem's own widths when a knob switches to it; the single-conv stems keep the width of the stem they replace.
DEFAULT_STEM_WIDTHS: dict[str, tuple[int, ...]] = {"deep": (32, 32, 64)}
# What a knob's value may also be called.
ALIASES: dict[str, dict[str, str]] = {
    "shortcut": {"conv": "B", "projection": "B", "D": "avgdown", "d": "avgdown", "a": "A", "b": "B", "c": "C"},
    "stride_in": {"1.5": "v1.5", "1": "v1", "V1": "v1", "V1.5": "v1.5"},
    "order": {"preact": "pre", "pre-activation": "pre", "postact": "post"},
}
# Bounds on the size of a network, checked before anything is built: past them the tool would hang or
# allocate without end. Each is far beyond any published ResNet (ResNet-1202 has 600 blocks).
MAX_BLOCKS = 5_000
MAX_STAGES = 16
MAX_CHANNELS = 1 << 16
MAX_CLASSES = 10_000_000


@dataclass(frozen=True)
class ResNetSpec:
    """A ResNet described completely.

    Knob names follow torchvision (`groups`, `width_per_group`, `replace_stride_with_dilation` as
    `output_stride`) and timm where torchvision has none (`stem`, `se_reduction`).
    """

    name: str
    block: BlockKind
    layers: tuple[int, ...]  # blocks per stage: layer1..layerN
    widths: tuple[int, ...] = (64, 128, 256, 512)
    stem: StemKind = "torchvision"
    stem_widths: tuple[int, ...] = (64,)  # one width per stem conv
    maxpool: bool = True  # the stem's 3×3/2 max pool
    maxpool_padding: int = 1
    shortcut: ShortcutKind = "B"
    shortcut_norm: bool = True  # BN after a projection conv (the d2l ResNet and pre-activation nets have none)
    conv_bias: bool = False  # every conv with a bias (the d2l ResNet), though BN follows
    # Where a bottleneck puts its stride: the first 1×1 (the paper, "v1") or the 3×3 (torchvision, "v1.5").
    stride_in: StrideIn = "v1.5"
    groups: int = 1
    width_per_group: int = 64
    order: Order = "post"
    se_reduction: int = 0  # squeeze-and-excitation in every block: channels / this (0: none)
    output_stride: int = 0  # input size / last feature map size; strides replaced by dilation (0: no dilation)
    in_channels: int = 3
    num_classes: int = 1000
    default_size: int = 224  # the input side the network was made for (32 for CIFAR nets)

    def __post_init__(self) -> None:
        _check_choice("block", self.block, EXPANSION)
        _check_choice("stem", self.stem, STEMS)
        _check_choice("shortcut", self.shortcut, SHORTCUTS)
        _check_choice("stride_in", self.stride_in, ("v1", "v1.5"))
        _check_choice("order", self.order, ORDERS)
        if not 1 <= len(self.layers) <= MAX_STAGES:
            raise InspectError(f"layers {_csv(self.layers)} must list 1 to {MAX_STAGES} stages, like 3,4,6,3")
        if sum(self.layers) > MAX_BLOCKS:
            raise InspectError(
                f"layers {_csv(self.layers)} add up to {sum(self.layers):,} blocks; the limit is {MAX_BLOCKS:,}"
            )
        if len(self.widths) != len(self.layers):
            raise InspectError(
                f"widths {_csv(self.widths)} must give one width per stage: {len(self.layers)} for layers "
                f"{_csv(self.layers)}"
            )
        for label, values in (("layers", self.layers), ("widths", self.widths), ("stem_widths", self.stem_widths)):
            if any(v < 1 for v in values):
                raise InspectError(f"{label} {_csv(values)} must all be ≥ 1")
        if len(self.stem_widths) != STEM_CONVS[self.stem]:
            raise InspectError(
                f"stem_widths {_csv(self.stem_widths)} must give {STEM_CONVS[self.stem]} width(s) "
                f"for the {self.stem} stem"
            )
        for label, value, top in (
            ("groups", self.groups, MAX_CHANNELS),
            ("width_per_group", self.width_per_group, MAX_CHANNELS),
            ("in_channels", self.in_channels, MAX_CHANNELS),
            ("num_classes", self.num_classes, MAX_CLASSES),
            ("default_size", self.default_size, 1 << 20),
        ):
            if not 1 <= value <= top:
                raise InspectError(f"{label} {value} is not valid; it must be from 1 to {top:,}")
        channels = [*self.stem_widths, *self.widths, max(self.widths) * self.expansion * self.width_per_group // 64]
        if max(channels) > MAX_CHANNELS:
            raise InspectError(f"a layer of {max(channels):,} channels is past the limit of {MAX_CHANNELS:,}")
        if self.maxpool_padding not in (0, 1):
            raise InspectError(f"maxpool_padding {self.maxpool_padding} is not valid; use 0 or 1")
        if self.se_reduction < 0:
            raise InspectError(f"se_reduction {self.se_reduction} is not valid; use 0 (no SE) or a divisor like 16")
        if self.block == "basic" and (self.groups != 1 or self.width_per_group != 64):
            raise InspectError(
                f"a basic block has no grouped conv: groups={self.groups}, width_per_group={self.width_per_group} "
                "need block=bottleneck (or groups=1, width_per_group=64)"
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
        if self.output_stride:
            natural = self.natural_stride
            valid = [natural >> k for k in range(sum(s > 1 for s in self.stage_strides) + 1)]
            if self.output_stride not in valid:
                raise InspectError(
                    f"output_stride {self.output_stride} is not valid for this network; use one of "
                    f"{', '.join(map(str, sorted(valid)))} (0: no dilation)"
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

    @property
    def stages(self) -> tuple[str, ...]:
        """The residual stages' names: layer1..layerN."""
        return tuple(f"layer{i + 1}" for i in range(len(self.layers)))

    @property
    def stage_strides(self) -> tuple[int, ...]:
        """Each stage's stride before any dilation: the first keeps the size, every later one halves it."""
        return tuple(1 if i == 0 else 2 for i in range(len(self.layers)))

    @property
    def stem_stride(self) -> int:
        return (1 if self.stem == "cifar" else 2) * (2 if self.maxpool else 1)

    @property
    def natural_stride(self) -> int:
        """Input size over the last feature map's size, without dilation (32 for torchvision's ResNets)."""
        stride = self.stem_stride
        for s in self.stage_strides:
            stride *= s
        return stride

    @property
    def stage_dilations(self) -> tuple[tuple[int, int], ...]:
        """Per stage: (its stride, its dilation), torchvision's `replace_stride_with_dilation` for `output_stride`.

        From the last stage back, a strided stage becomes stride 1 with twice the dilation until the network's
        stride is `output_stride`.
        """
        strides = list(self.stage_strides)
        dilate = [False] * len(strides)
        total = self.natural_stride
        for i in reversed(range(len(strides))):
            if self.output_stride and total > self.output_stride and strides[i] > 1:
                dilate[i], total = True, total // strides[i]
        out, dilation = [], 1
        for stride, dilated in zip(strides, dilate, strict=True):
            if dilated:
                dilation *= stride
                stride = 1
            out.append((stride, dilation))
        return tuple(out)

    def with_io(self, *, in_channels: int | None = None, num_classes: int | None = None) -> ResNetSpec:
        """The same network with another input channel count or class count."""
        return dataclasses.replace(
            self,
            in_channels=self.in_channels if in_channels is None else in_channels,
            num_classes=self.num_classes if num_classes is None else num_classes,
        )


def paper_stage_name(stage: str) -> str:
    """The paper's name for a stage (Table 1): stem → conv1, layerN → conv(N+1)_x, head → fc."""
    if stage.startswith("layer") and stage[5:].isdigit():
        return f"conv{int(stage[5:]) + 1}_x"
    return {"stem": "conv1", "head": "fc"}.get(stage, stage)


def stage_names(spec: ResNetSpec) -> tuple[str, ...]:
    """Every stage of `spec` in order: stem, layer1..layerN, head."""
    return ("stem", *spec.stages, "head")


def _csv(values: tuple[int, ...]) -> str:
    return ",".join(str(v) for v in values)


def _check_choice(label: str, value: object, valid) -> None:
    if value not in valid:
        raise InspectError(f"{label} {value!r} is not valid; use one of {', '.join(map(str, valid))}")


# --------------------------------------------------------------------------------------------- the knobs

KNOB_FIELDS: dict[str, dataclasses.Field] = {f.name: f for f in dataclasses.fields(ResNetSpec) if f.name != "name"}
# What each knob does, in a line: the command line's help, and anything else that lists the knobs.
KNOB_HELP: dict[str, str] = {
    "block": "basic or bottleneck blocks.",
    "layers": "Blocks per stage, any number of stages: 3,4,6,3.",
    "widths": "Stage widths, one per stage: 64,128,256,512.",
    "stride_in": "Bottleneck stride on the first 1×1 (v1) or the 3×3 (v1.5).",
    "stem": "torchvision (7×7/2), deep (three 3×3) or cifar (3×3/1).",
    "stem_widths": "Widths of the stem convs, like 32,32,64 (deep).",
    "maxpool": "The stem's max pool.",
    "maxpool_padding": "The stem max pool's padding: 1 or 0.",
    "shortcut": "A (zero-pad), B (projection where shapes change), C (projection everywhere), avgdown.",
    "order": "post (conv→BN→ReLU) or pre (pre-activation).",
    "se_reduction": "Squeeze-and-excitation reduction (16); 0: none.",
    "output_stride": "8 or 16: strides of the last stages become dilation.",
    "groups": "Groups of the bottleneck 3×3 (ResNeXt's cardinality).",
    "width_per_group": "Channels per group at width 64 (128: wide).",
    "in_channels": "Input channels (3 for RGB, 1 for grey).",
    "num_classes": "Classes of the final linear layer.",
}
_TRUTH = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}


@functools.cache
def _field_types() -> dict[str, Any]:
    return typing.get_type_hints(ResNetSpec)  # evaluates every annotation: once, not per knob


def knob_type(key: str) -> Any:
    """The type a knob's value takes (`int`, `bool`, `tuple[int, ...]`; `str` for the named choices)."""
    kind = _field_types()[key]
    return str if typing.get_origin(kind) is typing.Literal else kind


def parse_knob(key: str, value: Any) -> Any:
    """A knob's value as its field's type: `"3,4,6,3"` or `"3+4+6+3"` → (3, 4, 6, 3), `"false"` → False, …"""
    if key not in KNOB_FIELDS:
        raise InspectError(f"{key!r} is not a knob; knob=value pairs take: {', '.join(KNOB_FIELDS)}")
    kind = _field_types()[key]
    text = str(value).strip()
    try:
        if kind is bool:
            if isinstance(value, bool):
                return value
            return _TRUTH[text.lower()]
        if kind is int:
            if isinstance(value, bool):
                raise ValueError(value)
            return value if isinstance(value, int) else int(text)
        if typing.get_origin(kind) is tuple:
            if isinstance(value, tuple | list):
                return tuple(int(v) for v in value)
            return tuple(int(v) for v in re.split(r"[,+]", text))
    except (ValueError, KeyError):
        example = {bool: "true or false", int: "a whole number"}.get(kind, "whole numbers like 3,4,6,3")
        raise InspectError(f"{key} {text!r} is not valid; give {example}") from None
    return ALIASES.get(key, {}).get(text, text)


def with_knobs(base: ResNetSpec, knobs: dict[str, Any] | None = None, **more: Any) -> ResNetSpec:
    """`base` with the knobs that are not None changed, validated, and named after what changed.

    Values may be typed or text (as a command line gives them). Switching the stem brings that stem's widths
    (the CIFAR stem also drops the max pool), switching to pre-activation drops the BN after a projection,
    unless those knobs are given too.
    """
    given = {k: parse_knob(k, v) for k, v in {**(knobs or {}), **more}.items() if v is not None}
    changes = {k: v for k, v in given.items() if getattr(base, k) != v}
    if "stem" in changes:
        stem = changes["stem"]  # an unknown stem is refused by the spec itself, below
        given.setdefault("stem_widths", DEFAULT_STEM_WIDTHS.get(stem, (base.stem_widths[-1],)))
        given.setdefault("maxpool", stem != "cifar")
    if changes.get("order") == "pre":
        given.setdefault("shortcut_norm", False)
    asked = {k: v for k, v in given.items() if getattr(base, k) != v and k in {**(knobs or {}), **more}}
    changes = {k: v for k, v in given.items() if getattr(base, k) != v}
    if not changes:
        return base
    shown = [f"{k}={_knob_text(v)}" for k, v in changes.items() if k not in ("in_channels", "num_classes")]
    name = f"{base.name} with {', '.join(shown)}" if shown else base.name
    spec = dataclasses.replace(base, name=name, **changes)
    for message in idle_knobs(spec, asked):
        warnings.warn(message, InspectWarning, stacklevel=2)
    return spec


def idle_knobs(spec: ResNetSpec, asked: dict[str, Any]) -> list[str]:
    """What the knobs in `asked` do not change on `spec`, one line each (knobs that cannot apply at all, like
    groups on a basic block, are refused by the spec instead)."""
    idle = []
    if "stride_in" in asked and spec.block == "basic":
        idle.append(
            f"stride_in={asked['stride_in']} does nothing on basic blocks: they have no 1×1 conv to take "
            "the stride (it places a bottleneck's stride)"
        )
    if "maxpool_padding" in asked and not spec.maxpool:
        idle.append(f"maxpool_padding={asked['maxpool_padding']} does nothing: this network has no max pool")
    return idle


def _knob_text(value: Any) -> str:
    if isinstance(value, tuple):
        return "+".join(map(str, value))
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def knob_changes(base: ResNetSpec, spec: ResNetSpec) -> dict[str, Any]:
    """The knobs that turn `base` into `spec`, in field order."""
    return {k: getattr(spec, k) for k in KNOB_FIELDS if getattr(spec, k) != getattr(base, k) and k != "default_size"}


def knobs_text(changes: dict[str, Any]) -> str:
    """`stride_in=v1,layers=2+2+2+2`: knobs as `--arch name:…` takes them."""
    return ",".join(f"{k}={_knob_text(v)}" for k, v in changes.items())


# ------------------------------------------------------------------------------------------------ inputs

_SIZE = re.compile(r"^\s*(\d+)\s*(?:[x×X*]\s*(\d+)\s*)?$")
MAX_SIZE = 1 << 20


def parse_size(text: str | int | tuple[int, int]) -> tuple[int, int]:
    """`"512"` or 512 → (512, 512); `"480x640"` or (480, 640) → (480, 640), height × width."""
    if isinstance(text, tuple | list) and len(text) == 2:
        if not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in text):
            raise InspectError(f"size {tuple(text)!r} is not valid; give (height, width) as two whole numbers")
        height, width = (int(v) for v in text)
    elif isinstance(text, numbers.Integral) and not isinstance(text, bool):
        height = width = int(text)
    elif not isinstance(text, str):
        raise InspectError(
            f'size {text!r} is not valid; use a positive integer like 224, HxW like "480x640" or a (height, width) pair'
        )
    else:
        match = _SIZE.match(str(text))
        if match is None:
            raise InspectError(f"size {text!r} is not valid; use a positive integer like 224, or HxW like 480x640")
        height = int(match.group(1))
        width = int(match.group(2)) if match.group(2) is not None else height
    if not (1 <= height <= MAX_SIZE and 1 <= width <= MAX_SIZE):
        raise InspectError(f"size {text!r} is not valid; height and width must be from 1 to {MAX_SIZE:,}")
    return height, width


def parse_ints(label: str, text: str, example: str = "3,4,6,3") -> tuple[int, ...]:
    """`"3,4,6,3"` → (3, 4, 6, 3), or an error naming `label` that shows `example`."""
    try:
        return tuple(int(part) for part in str(text).split(","))
    except ValueError:
        raise InspectError(
            f"{label} {text!r} is not valid; give whole numbers separated by commas, like {example}"
        ) from None
