"""The named configs: every ResNet of the paper and the well-known variants, as data, each with a line of words.

`parse_arch("resnet50:stride_in=v1,shortcut=A")` is how a name and knobs become a spec, and `arch_string(spec)`
writes any spec back in that form, so `check` can name the config a model equals in words `--arch` accepts.

This module never imports torch.
"""

from __future__ import annotations

import difflib
import warnings

from .errors import InspectError, InspectWarning
from .spec import KNOB_FIELDS, BlockKind, ResNetSpec, knob_changes, knobs_text, with_knobs

_PAPER_LAYOUTS: dict[int, tuple[BlockKind, tuple[int, ...]]] = {
    18: ("basic", (2, 2, 2, 2)),
    34: ("basic", (3, 4, 6, 3)),
    50: ("bottleneck", (3, 4, 6, 3)),
    101: ("bottleneck", (3, 4, 23, 3)),
    152: ("bottleneck", (3, 8, 36, 3)),
}
DEPTHS: tuple[int, ...] = tuple(_PAPER_LAYOUTS)
# The paper's CIFAR-10 nets (Section 4.2, Table 6): 6n + 2 layers, n basic blocks in each of three stages.
CIFAR_DEPTHS: dict[int, int] = {20: 3, 32: 5, 44: 7, 56: 9, 110: 18, 1202: 200}
# The pre-activation paper's CIFAR nets (He et al. 2016): 9n + 2 layers, n bottlenecks in each of three stages.
PREACT_CIFAR_DEPTHS: dict[int, int] = {164: 18, 1001: 111}


def _base(depth: int, name: str | None = None, **knobs) -> ResNetSpec:
    block, layers = _PAPER_LAYOUTS[depth]
    return ResNetSpec(name=name or f"resnet{depth}", block=block, layers=layers, **knobs)


_CIFAR = dict(widths=(16, 32, 64), stem="cifar", stem_widths=(16,), maxpool=False, num_classes=10, default_size=32)
# ResNet-D (Bag of Tricks, He et al. 2019): the deep stem of ResNet-C and an average-pooled shortcut.
_RESNET_D = dict(stem="deep", stem_widths=(32, 32, 64), shortcut="avgdown")
# Pre-activation (timm's resnetv2_*, with batch norm): no BN in the stem, projections without BN.
_PREACT = dict(order="pre", shortcut_norm=False)

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
    **{
        f"resnet{d}": ResNetSpec(f"resnet{d}", "basic", (n, n, n), shortcut="A", **_CIFAR)
        for d, n in CIFAR_DEPTHS.items()
    },
    **{f"preact_resnet{d}": _base(d, f"preact_resnet{d}", **_PREACT) for d in DEPTHS},
    **{
        f"preact_resnet{d}": ResNetSpec(
            f"preact_resnet{d}", "bottleneck", (n, n, n), stride_in="v1", **_CIFAR, **_PREACT
        )
        for d, n in PREACT_CIFAR_DEPTHS.items()
    },
    **{f"seresnet{d}": _base(d, f"seresnet{d}", se_reduction=16) for d in DEPTHS},
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
    **{
        f"resnet{d}": f"the paper's CIFAR-10 ResNet-{d} (Table 6): 3 stages of {n} basic blocks, option A"
        for d, n in CIFAR_DEPTHS.items()
    },
    **{
        f"preact_resnet{d}": f"pre-activation ResNet-{d} (He et al. 2016), timm's resnetv2_{d} layout with BN"
        for d in DEPTHS
    },
    **{
        f"preact_resnet{d}": f"pre-activation CIFAR ResNet-{d} (He et al. 2016): 3 stages of {n} bottlenecks"
        for d, n in PREACT_CIFAR_DEPTHS.items()
    },
    **{f"seresnet{d}": f"squeeze-and-excitation ResNet-{d} (Hu et al. 2018), timm's seresnet{d}" for d in DEPTHS},
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
        return REGISTRY[str(arch).strip()]
    except KeyError:
        close = difflib.get_close_matches(str(arch), REGISTRY, n=3)
        hint = f"did you mean {', '.join(close)}? " if close else ""
        raise InspectError(
            f"unknown architecture {arch!r}; {hint}`resnet-inspect archs` (or `resnet_inspect.archs()`) lists them all"
        ) from None


def parse_arch(text: str | int | ResNetSpec) -> ResNetSpec:
    """A named config or depth, optionally with knobs: `resnet50`, `50`, `resnet50:stride_in=v1,shortcut=A`.

    Tuple knobs take `+` between their numbers (`resnet50:layers=2+2+2+2`), since `,` separates knobs.
    """
    if isinstance(text, ResNetSpec):
        return text
    name, _, knobs = str(text).partition(":")
    base = get_spec(name.strip())
    changes: dict[str, str] = {}
    for item in filter(str.strip, knobs.split(",")) if knobs else ():
        key, eq, value = (part.strip() for part in item.partition("="))
        if not eq:
            raise InspectError(f"{item.strip()!r} in {text!r} is not a knob=value, like stride_in=v1")
        changes[key] = value
    return with_knobs(base, changes)


def arch_string(spec: ResNetSpec, prefer: str | None = None) -> str:
    """The shortest `name:knob=value,…` that `parse_arch` turns into `spec`'s network (on a tie, on `prefer`).

    A knob that another one implies (the CIFAR stem drops the max pool) is left out; one that a derived default
    would otherwise change (a CIFAR stem that keeps its max pool) is said.
    """
    if REGISTRY.get(spec.name) == spec:
        return spec.name
    # The search tries knobs a config may ignore (stride_in on a basic block): it asks, it does not warn.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InspectWarning)
        candidates = []
        for name, base in REGISTRY.items():
            changes = knob_changes(base, spec)
            for _ in range(len(KNOB_FIELDS)):
                try:
                    extra = knob_changes(parse_arch(_text(name, changes)), spec)
                except InspectError:
                    changes = None
                    break
                if not extra:
                    break
                changes = {k: ({**changes, **extra})[k] for k in KNOB_FIELDS if k in changes or k in extra}
            else:
                changes = None
            if changes is None:
                continue
            for key in list(changes):
                fewer = {k: v for k, v in changes.items() if k != key}
                try:
                    if not knob_changes(parse_arch(_text(name, fewer)), spec):
                        changes = fewer
                except InspectError:
                    pass
            text = _text(name, changes)
            candidates.append((len(changes), name != prefer, len(text), text))
    return min(candidates)[3]


def _text(name: str, changes: dict) -> str:
    return f"{name}:{knobs_text(changes)}" if changes else name


def split_archs(text: str, label: str = "archs") -> list[str]:
    """`resnet50,resnet50:stride_in=v1,shortcut=A,18` → each arch (or depth) with its knobs."""
    parts = text.split(",")
    if len(parts) > 1 and not all(part.strip() for part in parts):
        raise InspectError(
            f"{label} {text!r} has an empty item; separate the networks by single commas, like resnet18,50"
        )
    out: list[str] = []
    for part in parts:
        if "=" in part and ":" not in part and out:
            out[-1] += "," + part  # another knob of the previous arch
        else:
            out.append(part)
    archs = [p.strip() for p in out if p.strip()]
    if not archs:
        raise InspectError(f"{label} {text!r} names no network; give names like resnet18,resnet50 or depths like 18,50")
    return archs
