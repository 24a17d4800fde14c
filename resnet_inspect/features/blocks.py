"""Block designs side by side at one place: basic against bottleneck (and ResNeXt), conv by conv.

Each design is traced on its own and its hooked module verified (`table.analyze_trace`); the comparison says
itself as conv records, design records and the MAC difference written out as weights × output positions.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ..core.configs import get_spec
from ..core.errors import InspectError
from ..core.plan import block as block_plan
from ..core.shapes import TracedLayer, trace, trace_block
from ..core.spec import MAX_CHANNELS, ResNetSpec
from ..records import Line, Result, Section
from ..records.vocabulary import BlockConvRecord, BlockDesignRecord, BlocksDocument
from .table import Analysis, analyze_trace


@dataclass(frozen=True)
class BlockDesign:
    """One block design at the compared place, traced and hook-verified on its own."""

    label: str  # "basic", "bottleneck", "resnext 32×4d"
    analysis: Analysis

    @property
    def convs(self) -> list[TracedLayer]:
        return [row.traced for row in self.analysis.rows if row.traced.kind == "conv"]

    @property
    def conv_params(self) -> int:
        return sum(conv.params for conv in self.convs)

    @property
    def params(self) -> int:
        """Conv and batch-norm parameters."""
        return self.analysis.params

    @property
    def macs_conv_linear(self) -> int:
        return self.analysis.macs_conv_linear

    @property
    def in_channels(self) -> int:
        return self.analysis.input_shape[1]

    @property
    def out_channels(self) -> int:
        return self.analysis.rows[-1].traced.out_shape[1]


@dataclass(frozen=True)
class BlockComparison(Result):
    channels: int
    size: tuple[int, int]
    stride: int
    place: str  # where the block sits, in words
    designs: tuple[BlockDesign, ...]

    def __repr__(self) -> str:
        designs = "; ".join(
            f"{d.label} {d.macs_conv_linear:,} MACs, {d.conv_params:,} conv params" for d in self.designs
        )
        return f"<BlockComparison at {self.place}: {designs}>"

    def convs(self) -> list[BlockConvRecord]:
        return [
            BlockConvRecord(
                design=design.label,
                layer=conv.name.removeprefix("block."),
                kernel=conv.kernel,
                stride=conv.stride,
                groups=conv.groups,
                in_shape=conv.in_shape,
                out_shape=conv.out_shape,
                params=conv.params,
                macs_conv_linear=conv.macs_conv_linear,
            )
            for design in self.designs
            for conv in design.convs
        ]

    def records(self) -> list[BlockDesignRecord]:
        base = self.designs[0]
        return [
            BlockDesignRecord(
                design=d.label,
                in_channels=d.in_channels,
                out_channels=d.out_channels,
                conv_params=d.conv_params,
                params=d.params,
                macs_conv_linear=d.macs_conv_linear,
                macs_conv_linear_vs_basic=round(d.macs_conv_linear / base.macs_conv_linear, 4),
                conv_params_vs_basic=round(d.conv_params / base.conv_params, 4),
                verified=d.analysis.verified,
            )
            for d in self.designs
        ]

    def document(self) -> BlocksDocument:
        return BlocksDocument(
            place=self.place,
            size=self.size,
            stride=self.stride,
            convs=self.convs(),
            designs=self.records(),
            basic_minus_bottleneck=self.difference_formula(),
        )

    @property
    def failures(self) -> tuple[str, ...]:
        bad = [d.label for d in self.designs if not d.analysis.verified]
        return (f"the {', '.join(bad)} block disagrees with its hooked module",) if bad else ()

    def sections(self) -> list[Section]:
        return [
            Section(f"Block designs at {self.place}", self.records()),
            Section(
                "Conv by conv", self.convs(), lines=[Line(f"basic − bottleneck: {self.difference_formula()} MACs")]
            ),
        ]

    def difference_formula(self, a: int = 0, b: int = 1) -> str:
        """The MAC difference between designs a and b, written out as weights × output positions."""
        first, second = self.designs[a], self.designs[b]

        def terms(design: BlockDesign) -> list[tuple[str, int]]:
            out = []
            for conv in design.convs:
                c_in = conv.in_shape[1] // conv.groups
                kernel = "" if conv.kernel == (1, 1) else f"·{conv.kernel[0] * conv.kernel[1]}"
                out.append((f"{c_in}·{conv.out_shape[1]}{kernel}", conv.out_shape[2] * conv.out_shape[3]))
            return out

        left, right = terms(first), terms(second)
        positions = {p for _, p in left + right}
        delta = first.macs_conv_linear - second.macs_conv_linear
        n = first.analysis.input_shape[0]
        batch = f"·{n}" if n != 1 else ""
        if len(positions) == 1:
            h, w = first.convs[-1].out_shape[2:]
            expression = " + ".join(t for t, _ in left) + " − " + " − ".join(t for t, _ in right)
            return f"({expression})·{h}·{w}{batch} = {delta:,}"
        expression = " + ".join(f"{t}·{p}" for t, p in left) + " − " + " − ".join(f"{t}·{p}" for t, p in right)
        return f"({expression}){batch} = {delta:,}"


def _verified_block(
    spec: ResNetSpec, label: str, in_channels: int, width: int, stride: int, size: tuple[int, int], batch: int
) -> BlockDesign:
    from collections import OrderedDict

    import torch
    from torch import nn

    from ..runtime.model import ResidualBlock

    plan = block_plan(spec, "block", "block", in_channels, width, stride)
    traced = trace_block(spec, plan, *size, batch=batch)
    with torch.device("meta"):  # no weights to allocate or initialise: the hooks need shapes only
        model = nn.Sequential(OrderedDict(block=ResidualBlock(plan)))
    return BlockDesign(label, analyze_trace(traced, model))


def compare_blocks(
    channels: int = 64,
    size: int | tuple[int, int] = 56,
    *,
    stride: int = 1,
    groups: int | None = None,
    width_per_group: int | None = None,
    depth: int | ResNetSpec | None = None,
    stage: str | None = None,
    input_size: int | tuple[int, int] = 224,
    batch: int = 1,
) -> BlockComparison:
    """Basic against bottleneck (and ResNeXt when `groups` is given) at stage width `channels` and `size`.

    The basic block runs at `channels` in and out; the bottleneck carries 4× the channels and squeezes them to
    `channels` for its 3×3. With `stride=2` each is the first block of a stage, with its projection shortcut.
    `depth` (a paper depth or any spec) and `stage` take width and size from that network at `input_size`.
    """
    if stride not in (1, 2):
        raise InspectError(f"stride {stride} is not valid; use 1 (a repeated block) or 2 (a stage's first block)")
    height, width = (size, size) if isinstance(size, int) else size
    place = f"stage width {channels} at {height}×{width}"
    if depth is not None or stage is not None:
        net = depth if isinstance(depth, ResNetSpec) else get_spec(depth or 50)
        if (net.groups, net.width_per_group) != (1, 64) and groups is None and width_per_group is None:
            groups, width_per_group = net.groups, net.width_per_group  # the network's own grouped block too
        stage = stage or "layer1"
        if stage not in net.stages:
            raise InspectError(f"stage {stage!r} is not valid for {net.name}; use one of {', '.join(net.stages)}")
        index = net.stages.index(stage)
        channels = net.widths[index]
        ih, iw = (input_size, input_size) if isinstance(input_size, int) else input_size
        t = trace(net, ih, iw)
        first_block = next(layer.block for layer in t.layers if layer.stage == stage)
        block_input = t.layer(f"{first_block}.conv1").in_shape if stride == 2 else t.stage_output(stage)
        if stride == 2 and index == 0:
            raise InspectError("stride 2 is not valid for layer1, which has no strided block; use 1 or another stage")
        height, width = block_input[2], block_input[3]
        place = f"{net.name} {stage} ({'first' if stride == 2 else 'a repeated'} block) at {ih}×{iw} input"
    for label, value in (("channels", channels), ("batch", batch)):
        if value < 1:
            raise InspectError(f"{label} {value} is not valid; it must be ≥ 1")
    if channels * 4 > MAX_CHANNELS:  # the bottleneck carries 4× the stage width
        raise InspectError(
            f"channels {channels:,} is not valid; the bottleneck beside it carries 4× that, and a "
            f"layer may have at most {MAX_CHANNELS:,}: use at most {MAX_CHANNELS // 4:,}"
        )
    basic, bottleneck = get_spec(18), get_spec(50)
    designs = [
        _verified_block(
            basic, "basic", channels if stride == 1 else channels // 2 or 1, channels, stride, (height, width), batch
        ),
        _verified_block(
            bottleneck,
            "bottleneck",
            channels * 4 if stride == 1 else channels * 2,
            channels,
            stride,
            (height, width),
            batch,
        ),
    ]
    if groups is not None or width_per_group is not None:
        g = 32 if groups is None else groups
        wpg = 4 if width_per_group is None else width_per_group
        for label, value in (("groups", g), ("width_per_group", wpg)):
            if value < 1:
                raise InspectError(f"{label} {value} is not valid; it must be ≥ 1")
        # The spec checks that the grouped 3×3 gets a whole number of channels per group at this width.
        resnext = dataclasses.replace(bottleneck, groups=g, width_per_group=wpg, widths=(channels,) * 4)
        label = f"resnext {g}×{wpg}d" if g > 1 else f"wide ×{wpg // 64}" if wpg % 64 == 0 else f"width {wpg}/64"
        designs.append(
            _verified_block(
                resnext, label, channels * 4 if stride == 1 else channels * 2, channels, stride, (height, width), batch
            )
        )
    return BlockComparison(channels, (height, width), stride, place, tuple(designs))
