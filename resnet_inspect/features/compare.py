"""Networks side by side, stage by stage; and two configs block by block.

Each network is a verified analysis (`table.analyze`); a comparison holds them and says itself with the same
stage and totals records `table` writes, so the same network has the same numbers under the same keys in both.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from ..core.shapes import TracedLayer
from ..core.spec import ResNetSpec
from ..records import Line, Result, Section
from ..records.vocabulary import CompareDocument, DiffDocument, LayerDifferenceRecord, NetworkRecord
from .rows import Level
from .table import Analysis, analyze


@dataclass(frozen=True)
class NetworkComparison(Result):
    """Analyses side by side at one size: where each network keeps its parameters and MACs."""

    analyses: tuple[Analysis, ...]
    size: tuple[int, int]

    def __iter__(self):
        return iter(self.analyses)

    def __len__(self) -> int:
        return len(self.analyses)

    def __getitem__(self, index: int) -> Analysis:
        return self.analyses[index]

    def networks(self) -> list[NetworkRecord]:
        return [
            NetworkRecord(arch=a.spec.name, input=a.input_shape, stages=a.records(Level.stage), totals=a.totals())
            for a in self.analyses
        ]

    def records(self) -> list[dict]:
        """One flat row per network and stage: `arch`, then the stage record as `table` writes it."""
        return [{"arch": a.spec.name, **r.to_dict()} for a in self.analyses for r in a.records(Level.stage)]

    def document(self) -> CompareDocument:
        return CompareDocument(size=self.size, networks=self.networks())

    @property
    def failures(self) -> tuple[str, ...]:
        bad = [a.spec.name for a in self.analyses if not a.verified]
        return (f"{', '.join(bad)} disagree with their models",) if bad else ()

    # The columns a comparison shows: each stage's params and conv + linear MACs with their shares of its network.
    COLUMNS = (
        "arch",
        "name",
        "out_shape",
        "params",
        "params_share",
        "macs_conv_linear",
        "macs_share_conv_linear",
        "verified",
    )

    def sections(self) -> list[Section]:
        names = ", ".join(a.spec.name for a in self.analyses)
        columns = list(self.COLUMNS)
        verdict = (
            Line("✓ every network verified against its model", "ok")
            if not self.failures
            else Line(f"✗ {self.failures[0]}", "bad")
        )
        totals = [
            Line(f"{a.spec.name}: {a.params:,} params, {a.macs_conv_linear:,} MACs (conv + linear)")
            for a in self.analyses
        ]
        return [Section(f"{names} at {self.size[0]}×{self.size[1]}", self.records(), columns, [*totals, verdict])]

    def __repr__(self) -> str:
        return (
            "<NetworkComparison "
            + ", ".join(f"{a.spec.name} ({a.params:,} params, {a.macs_conv_linear:,} MACs)" for a in self.analyses)
            + ">"
        )


def compare_networks(
    specs: Sequence[ResNetSpec | str | int], size: tuple[int, int] | None = None, *, batch: int = 1
) -> NetworkComparison:
    """Each network analysed and verified at `size` (by default the first one's own)."""
    analyses = tuple(analyze(spec, size, batch=batch) for spec in specs)
    return NetworkComparison(analyses, tuple(analyses[0].input_shape[2:]) if analyses else (0, 0))


@dataclass(frozen=True)
class LayerDifference:
    name: str
    a: TracedLayer | None
    b: TracedLayer | None

    @property
    def macs_conv_linear_delta(self) -> int:
        return (self.b.macs_conv_linear if self.b else 0) - (self.a.macs_conv_linear if self.a else 0)

    @property
    def params_delta(self) -> int:
        return (self.b.params if self.b else 0) - (self.a.params if self.a else 0)

    def side(self, which: str) -> str:
        layer = self.a if which == "a" else self.b
        return "—" if layer is None else _layer_words(layer)


def _layer_words(layer: TracedLayer) -> str:
    out = layer.out_shape
    size = f"{out[1]}×{out[2]}×{out[3]}" if len(out) == 4 else str(out[1])
    return f"{layer.label}, out {size}"


def _what_it_is(layer: TracedLayer) -> TracedLayer:
    """A layer without where its input comes from (a shortcut's own name may differ) nor its block's name."""
    op = dataclasses.replace(layer.op, inputs=()) if layer.op else None
    return dataclasses.replace(layer, block="", inputs=(), op=op)


@dataclass(frozen=True)
class NetworkDiff(Result):
    """Two analyses block by block: the layers whose op, shape, parameters or MACs differ."""

    a: Analysis
    b: Analysis
    blocks: tuple[tuple[str, tuple[LayerDifference, ...]], ...]

    def records(self) -> list[LayerDifferenceRecord]:
        return [
            LayerDifferenceRecord(
                block=block,
                layer=d.name,
                a=d.side("a"),
                b=d.side("b"),
                params_delta=d.params_delta,
                macs_conv_linear_delta=d.macs_conv_linear_delta,
            )
            for block, layer_diffs in self.blocks
            for d in layer_diffs
        ]

    def document(self) -> DiffDocument:
        return DiffDocument(
            a=self.a.spec.name, b=self.b.spec.name, size=list(self.a.input_shape[2:]), differences=self.records()
        )

    @property
    def failures(self) -> tuple[str, ...]:
        bad = [a.spec.name for a in (self.a, self.b) if not a.verified]
        return (f"{', '.join(bad)} disagree with their models",) if bad else ()

    def sections(self) -> list[Section]:
        return [Section(f"A = {self.a.spec.name}, B = {self.b.spec.name}", self.records())]

    def __repr__(self) -> str:
        return f"<NetworkDiff {self.a.spec.name} → {self.b.spec.name}: {len(self.blocks)} blocks differ>"


def diff_networks(a: Analysis, b: Analysis) -> NetworkDiff:
    """Block by block, the layers whose op, shape, parameters or MACs differ between two analyses."""
    layers_a = {row.name: row.traced for row in a.rows}
    layers_b = {row.name: row.traced for row in b.rows}
    names = list(dict.fromkeys([*layers_a, *layers_b]))
    by_block: dict[str, list[LayerDifference]] = {}
    for name in names:
        la, lb = layers_a.get(name), layers_b.get(name)
        # What a layer is and does, not where its input came from (a shortcut's own name may differ).
        same = la is not None and lb is not None and _what_it_is(la) == _what_it_is(lb)
        if not same:
            block = (la or lb).block
            by_block.setdefault(block, []).append(LayerDifference(name, la, lb))
    return NetworkDiff(a, b, tuple((block, tuple(diffs)) for block, diffs in by_block.items()))


def compare_names(
    names: str,
    size: int | str | tuple[int, int] | None = None,
    *,
    batch: int = 1,
    diff: tuple[str, str] | None = None,
    label: str = "archs",
) -> NetworkComparison | NetworkDiff:
    """Networks named in text (`"18,34,50"`, `"resnet50,resnet50:stride_in=v1"`) side by side at `size` (the first
    one's own by default), or the two of `diff` block by block."""
    from ..core.configs import parse_arch, split_archs
    from ..core.spec import parse_size

    specs = [parse_arch(name) for name in (list(diff) if diff is not None else split_archs(names, label))]
    hw = parse_size(size if size is not None else specs[0].default_size)
    comparison = compare_networks(specs, hw, batch=batch)
    return diff_networks(*comparison.analyses) if diff is not None else comparison
