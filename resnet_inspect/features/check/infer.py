"""The config a captured structure equals: its knobs read off the structure, built, captured and compared again."""

from __future__ import annotations

import itertools
from typing import Any, NamedTuple

from ...capture.structure import Structure
from ...core.configs import REGISTRY, arch_string, parse_arch
from ...core.errors import InspectError
from ...core.spec import ResNetSpec, with_knobs


def structure_of(model: Any, input_shape: tuple[int, ...], *, owned: bool = False):
    """Capture `model` (never changing it, unless `owned`: see `capture`) and recover its ResNet structure:
    (graph, structure)."""
    from ...capture.graph import capture
    from ...capture.structure import recover

    graph = capture(model, input_shape, owned=owned)
    return graph, recover(graph)


class ReferenceCapture(NamedTuple):
    graph: Any
    structure: Structure
    model: Any  # the network itself, with uninitialised weights on the CPU: the function check fills them


def reference_capture(spec: ResNetSpec, size: tuple[int, int]) -> ReferenceCapture:
    """`spec`'s network built without initialising a weight, captured and recovered."""
    import torch

    from ...runtime.copying import materialise
    from ...runtime.model import build_model

    model = materialise(build_model(spec, device="meta"), dtype=torch.float64)  # as the function check runs it
    graph, structure = structure_of(model, (1, spec.in_channels, *size), owned=True)
    return ReferenceCapture(graph, structure, model)


def reference_structure(spec: ResNetSpec, size: tuple[int, int]) -> Structure:
    return reference_capture(spec, size)[1]


def spec_of(structure: Structure, size: tuple[int, int], *, lenient: bool = False) -> ResNetSpec | None:
    """The spec whose network has `structure`'s knobs, or None where no knob says what it does; `lenient`: the
    nearest knob instead (a stem of other convs, a max pool with ceil_mode, an unknown shortcut), for
    `closest_config`."""
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
    elif lenient:
        stem, stem_widths = ("cifar" if kernels[:1] == [(3, 1)] else "torchvision"), stem_widths[-1:]
    else:
        return None
    pools = [dict(x.attrs) for x in structure.stem if x.kind == "maxpool"]
    if not lenient and (
        len(pools) > 1
        or (pools and (pools[0]["kernel"], pools[0]["stride"], pools[0]["ceil_mode"]) != ((3, 3), (2, 2), False))
    ):
        return None
    padding = pools[0]["padding"][0] if pools else 1
    if padding not in (0, 1):
        padding = 1
    changing = {b.shortcut_kind for b in structure.blocks if b.in_shape != b.out_shape}
    keeping = {b.shortcut_kind for b in structure.blocks if b.in_shape == b.out_shape}
    if keeping == {"projection"}:
        shortcut = "C"
    elif keeping - {"identity"} and lenient:
        shortcut = "B"
    elif keeping - {"identity"}:
        return None
    elif changing <= {"projection"}:
        shortcut = "B"
    elif changing == {"zero-pad"}:
        shortcut = "A"
    elif "avgdown" in changing and changing <= {"avgdown", "projection"}:
        shortcut = "avgdown"  # a stride-1 block needs no pool: ResNet-D's first projection is a bare 1×1 conv
    elif lenient:
        shortcut = "B"
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
        if not se_reduction and not lenient:
            return None
        se_reduction = se_reduction or 16
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


def equal_config(
    structure: Structure, size: tuple[int, int], prefer: str | None = None, *, model: Any = None, graph: Any = None
) -> str | None:
    """`name:knob=value,…` whose network, built and captured, has exactly `structure` (layers, shapes, params,
    MACs) and, given the `model` and its `graph`, computes the same function (`proof.prove`); None when no config
    does."""
    from .proof import prove

    spec = spec_of(structure, size)
    if spec is None:
        return None
    text = arch_string(spec, prefer=prefer)
    try:
        built = reference_capture(parse_arch(text), size)
    except InspectError:
        return None
    if built.structure.key() != structure.key():
        return None
    if model is not None and not prove(model, (graph, structure), built).holds:
        return None
    return text


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


def _stem_kind(structure: Structure) -> str:
    kernels = [(dict(x.attrs)["kernel"][0], dict(x.attrs)["stride"][0]) for x in structure.stem if x.kind == "conv"]
    if kernels == [(7, 2)]:
        return "torchvision"
    if kernels == [(3, 1)]:
        return "cifar"
    if len(kernels) == 3 and kernels[0] == (3, 2):
        return "deep"
    return "other"


def nearest_named(structure: Structure) -> str:
    """The named config closest to `structure` by what it shows at a glance: block kind, blocks per stage, stage
    widths, stem, order, gates, cardinality, input channels, conv biases and classes (ties: the registry's
    order). Analytic: nothing is built."""

    def distance(spec: ResNetSpec) -> int:
        expansion = 4 if spec.block == "bottleneck" else 1
        kinds = {b.block_type for b in structure.blocks}
        widths = [stage[-1].out_shape[1] for stage in structure.stages]
        d = 6 * (kinds != {spec.block})
        d += sum(abs(a - b) for a, b in itertools.zip_longest(structure.layers, spec.layers, fillvalue=0))
        d += 2 * sum(a != b for a, b in itertools.zip_longest(widths, [w * expansion for w in spec.widths]))
        d += 4 * (_stem_kind(structure) != spec.stem) + 4 * (structure.order != spec.order)
        d += 2 * (any(b.attention for b in structure.blocks) != bool(spec.se_reduction))
        first = structure.blocks[0].convs if structure.blocks else ()
        if spec.block == "bottleneck" and len(first) == 3:  # ResNeXt's cardinality and a wide net's inner width
            inner = spec.widths[0] * spec.width_per_group // 64 * spec.groups
            d += 2 * (first[1].out_shape[1] != inner) + 2 * (dict(first[1].attrs)["groups"] != spec.groups)
        bias = any(dict(c.attrs)["bias"] for b in structure.blocks for c in b.convs)
        d += 2 * (structure.in_channels != spec.in_channels) + 2 * (bias != spec.conv_bias)
        return d + (structure.num_classes != spec.num_classes)

    return min(REGISTRY, key=lambda name: distance(REGISTRY[name]))
