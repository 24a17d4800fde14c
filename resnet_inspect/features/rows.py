"""The rows of an analysis: one per layer, and the same layers summed per block or per stage.

A `LayerRow` is one layer three ways: the formula's account (the trace), the hooked model's, and fvcore's count.
`rows(layers, level)` groups them into `Row`s, which every table, record and figure of an analysis reads.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..core.ops import COUNTED_KINDS, KINDS
from ..core.shapes import Shape, TracedLayer
from ..core.spec import ResNetSpec
from ..records.vocabulary import Level

if TYPE_CHECKING:  # verify imports torch; the analytic path must not pay for it
    from ..core.verification import LayerCheck


@dataclass(frozen=True)
class LayerRow:
    """A layer: the formula's account, the model's, and fvcore's count."""

    traced: TracedLayer
    check: LayerCheck
    macs_fvcore: int  # fvcore's count for this layer (batch norm and average pool included)

    @property
    def name(self) -> str:
        return self.traced.name

    @property
    def macs_conv_linear(self) -> int:
        """The MACs the paper and torchvision count: conv and linear layers only."""
        return self.macs_fvcore if self.traced.kind in COUNTED_KINDS else 0

    @property
    def problems(self) -> tuple[str, ...]:
        found = self.check.problems
        if self.traced.kind in COUNTED_KINDS and self.macs_fvcore != self.traced.macs_conv_linear:
            found += (
                f"{self.name}: {self.traced.macs_conv_linear:,} MACs by the formula, {self.macs_fvcore:,} by fvcore",
            )
        return found

    @property
    def verified(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Row:
    """One row of a table: a layer, or a block or stage summed over its layers."""

    name: str
    stage: str
    op: str  # "conv 3×3 /2 p1", "bottleneck 1×1·3×3·1×1 /2 +proj", "3 × bottleneck"
    in_shape: Shape
    out_shape: Shape
    params: int
    macs_fvcore: int  # fvcore's count (batch norm and average pool included)
    macs_conv_linear: int  # the paper's and torchvision's count
    problems: tuple[str, ...]
    layers: tuple[LayerRow, ...]

    @property
    def verified(self) -> bool:
        return not self.problems

    @property
    def last(self) -> str:
        """The name of its last layer: whose output is the row's."""
        return self.layers[-1].name


def group_op(spec: ResNetSpec, members: Sequence[LayerRow]) -> str:
    """A block or stage in words: `bottleneck 1×1·3×3·1×1 /2 +proj`, `6 × bottleneck`, `conv, batch norm, …`."""
    stage = members[0].traced.stage
    if stage in ("stem", "head"):
        return ", ".join(dict.fromkeys(KINDS[row.traced.kind].words for row in members))
    kind = ("pre-act " if spec.order == "pre" else "") + spec.block
    blocks = list(dict.fromkeys(row.traced.block for row in members))
    if len(blocks) > 1:
        return f"{len(blocks)} × {kind}"
    side_paths = (".downsample.", ".se.")
    convs = [row.traced for row in members if row.traced.kind == "conv" and not any(p in row.name for p in side_paths)]
    text = f"{kind} " + "·".join(f"{c.kernel[0]}×{c.kernel[1]}" for c in convs)
    stride = max(conv.stride[0] for conv in convs)
    if stride != 1:
        text += f" /{stride}"
    dilation = max(conv.dilation[0] for conv in convs)
    if dilation != 1:
        text += f" d{dilation}"
    text += " +SE" if any(".se." in row.name for row in members) else ""
    return text + (" +proj" if any(".downsample." in row.name for row in members) else "")


def summed(name: str, stage: str, op: str, members: Sequence[LayerRow]) -> Row:
    return Row(
        name=name,
        stage=stage,
        op=op,
        in_shape=members[0].traced.in_shape,
        out_shape=members[-1].traced.out_shape,
        params=sum(row.traced.params for row in members),
        macs_fvcore=sum(row.macs_fvcore for row in members),
        macs_conv_linear=sum(row.macs_conv_linear for row in members),
        problems=tuple(p for row in members for p in row.problems),
        layers=tuple(members),
    )


def _grouped(layers: Sequence[LayerRow], key: Callable[[LayerRow], str]) -> dict[str, list[LayerRow]]:
    groups: dict[str, list[LayerRow]] = {}
    for row in layers:
        groups.setdefault(key(row), []).append(row)
    return groups


def rows(spec: ResNetSpec, layers: Sequence[LayerRow], level: Level | str = Level.layer) -> list[Row]:
    """`layers` as rows of one layer each, or summed per block or per stage."""
    level = Level(level)
    if level is Level.layer:
        return [summed(row.name, row.traced.stage, row.traced.label, [row]) for row in layers]
    key = (lambda r: r.traced.block) if level is Level.block else (lambda r: r.traced.stage)
    return [
        summed(name, members[0].traced.stage, group_op(spec, members), members)
        for name, members in _grouped(layers, key).items()
    ]
