"""The config a captured structure equals: its knobs read off the structure, built, captured and compared again."""

from __future__ import annotations

import itertools
from typing import Any

from ...capture.structure import Structure
from ...core.configs import REGISTRY, arch_string, parse_arch
from ...core.errors import InspectError
from ...core.spec import ResNetSpec, with_knobs


def structure_of(model: Any, input_shape: tuple[int, ...]):
    """Capture `model` (never changing it) and recover its ResNet structure: (graph, structure)."""
    from ...capture.graph import capture
    from ...capture.structure import recover

    graph = capture(model, input_shape)
    return graph, recover(graph)


def reference_structure(spec: ResNetSpec, size: tuple[int, int]) -> Structure:
    from ...runtime.model import build_model

    return structure_of(build_model(spec, device="meta"), (1, spec.in_channels, *size))[1]


def spec_of(structure: Structure, size: tuple[int, int]) -> ResNetSpec | None:
    """The spec whose network has `structure`'s knobs, or None where no knob says what it does."""
    from ...core.plan import se_channels

    if not structure.residual or not structure.blocks or structure.num_classes is None:
        return None
    types = {b.block_type for b in structure.blocks}
    if len(types) != 1 or next(iter(types)) not in ("basic", "bottleneck"):
        return None
    block = next(iter(types))
    expansion = 4 if block == "bottleneck" else 1
    stages = structure.stages
    widths = tuple(s[0].out_shape[1] // expansion for s in stages)
    stem_convs = [dict(x.attrs) for x in structure.stem if x.kind == "conv"]
    kernels = [(a["kernel"][0], a["stride"][0]) for a in stem_convs]
    stem_widths = tuple(x.out_shape[1] for x in structure.stem if x.kind == "conv")
    if kernels == [(7, 2)]:
        stem = "torchvision"
    elif kernels == [(3, 1)]:
        stem = "cifar"
    elif len(kernels) == 3 and all(k == 3 for k, _ in kernels) and kernels[0][1] == 2:
        stem = "deep"
    else:
        return None
    pools = [dict(x.attrs) for x in structure.stem if x.kind == "maxpool"]
    if len(pools) > 1 or (
        pools and (pools[0]["kernel"], pools[0]["stride"], pools[0]["ceil_mode"]) != ((3, 3), (2, 2), False)
    ):
        return None
    padding = pools[0]["padding"][0] if pools else 1
    changing = {b.shortcut_kind for b in structure.blocks if b.in_shape != b.out_shape}
    keeping = {b.shortcut_kind for b in structure.blocks if b.in_shape == b.out_shape}
    if keeping == {"projection"}:
        shortcut = "C"
    elif keeping - {"identity"}:
        return None
    elif changing <= {"projection"}:
        shortcut = "B"
    elif changing == {"zero-pad"}:
        shortcut = "A"
    elif "avgdown" in changing and changing <= {"avgdown", "projection"}:
        shortcut = "avgdown"  # a stride-1 block needs no pool: ResNet-D's first projection is a bare 1×1 conv
    else:
        return None
    projections = [b for b in structure.blocks if b.shortcut_kind in ("projection", "avgdown")]
    shortcut_norm = any(x.is_norm for b in projections for x in b.shortcut) if projections else True
    convs = [c for b in structure.blocks for c in b.convs]
    stride_in = "v1.5"
    groups, width_per_group = 1, 64
    if block == "bottleneck":
        first = [dict(b.convs[0].attrs)["stride"][0] for b in structure.blocks]
        stride_in = "v1" if any(s > 1 for s in first) else "v1.5"
        middle = structure.blocks[0].convs[1]
        groups = dict(middle.attrs)["groups"]
        width_per_group = middle.out_shape[1] * 64 // (widths[0] * groups)
    se_reduction = 0
    gates = [b.attention for b in structure.blocks]
    if any(gates):
        hidden = [next((x.out_shape[1] for x in g if x.kind in ("conv", "linear")), 0) for g in gates]
        outs = [b.out_shape[1] for b in structure.blocks]
        candidates = [r for r in (16, 8, 4, 32, round(outs[0] / max(hidden[0], 1))) if r > 0]
        se_reduction = next(
            (r for r in candidates if all(se_channels(c, r) == h for c, h in zip(outs, hidden, strict=True))), 0
        )
        if not se_reduction:
            return None
    output_stride = 0
    if any(dict(c.attrs)["dilation"] != (1, 1) for c in convs):
        last = structure.blocks[-1].out_shape
        output_stride = size[0] // last[2] if last[2] else 0
    try:
        return ResNetSpec(
            name="yours",
            block=block,
            layers=structure.layers,
            widths=widths,
            stem=stem,
            stem_widths=stem_widths,
            maxpool=bool(pools),
            maxpool_padding=padding,
            shortcut=shortcut,
            shortcut_norm=shortcut_norm,
            conv_bias=any(dict(c.attrs)["bias"] for c in convs),
            stride_in=stride_in,
            groups=groups,
            width_per_group=width_per_group,
            order=structure.order,
            se_reduction=se_reduction,
            output_stride=output_stride,
            in_channels=structure.in_channels,
            num_classes=structure.num_classes,
        )
    except InspectError:
        return None


def equal_config(structure: Structure, size: tuple[int, int], prefer: str | None = None) -> str | None:
    """`name:knob=value,…` whose network, built and captured, has exactly `structure` (layers, shapes, params,
    MACs); None when no config does."""
    spec = spec_of(structure, size)
    if spec is None:
        return None
    text = arch_string(spec, prefer=prefer)
    try:
        built = reference_structure(parse_arch(text), size)
    except InspectError:
        return None
    return text if built.key() == structure.key() else None


def candidate_specs(in_channels: int, num_classes: int):
    """Every named config with every stride placement, shortcut option and max-pool padding."""
    for base in REGISTRY.values():
        pads = (1, 0) if base.maxpool else (base.maxpool_padding,)  # without a max pool its padding is moot
        for stride_in, shortcut, pad in itertools.product(("v1.5", "v1"), ("B", "A", "C"), pads):
            if stride_in == "v1" and base.block == "basic":
                continue
            if base.shortcut == "avgdown" and shortcut != "B":
                continue
            try:
                yield with_knobs(
                    base,
                    stride_in=stride_in,
                    shortcut=shortcut if base.shortcut != "avgdown" else None,
                    maxpool_padding=pad,
                    in_channels=in_channels,
                    num_classes=num_classes,
                )
            except InspectError:
                continue
