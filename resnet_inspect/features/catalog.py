"""The named configs in a line each: what they are, and their verified size and cost at one input size."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..core.configs import DESCRIPTIONS, REGISTRY
from ..records import Line, Result, Section
from ..records.vocabulary import CatalogDocument, CatalogRecord
from .table import Analysis, analyze


@dataclass(frozen=True)
class CatalogEntry:
    """A named config in a line: what it is, and its verified size and cost at one input size."""

    name: str
    description: str
    design: str  # "bottleneck 3,4,6,3 · deep stem · avgdown · g32×4"
    input_shape: tuple[int, ...]  # the input the counts are for
    params: int
    macs_conv_linear: int
    macs_fvcore: int
    verified: bool

    @property
    def size(self) -> str:
        """`224×224`: the input size the counts are for."""
        return f"{self.input_shape[2]}×{self.input_shape[3]}"

    def record(self) -> CatalogRecord:
        return CatalogRecord(
            arch=self.name,
            description=self.description,
            design=self.design,
            input=self.input_shape,
            params=self.params,
            macs_conv_linear=self.macs_conv_linear,
            macs_fvcore=self.macs_fvcore,
            verified=self.verified,
        )


@dataclass(frozen=True)
class Catalog(Result):
    """Every named config in a line, each verified."""

    entries: tuple[CatalogEntry, ...]
    cached: tuple[str, ...] = ()  # the words of each verification read back from the proof cache

    @property
    def notes(self) -> list[str]:
        """Said beside the output: how many verifications were read back rather than run."""
        if not self.cached:
            return []
        when = self.cached[0].split(";")[0].removeprefix("cached proof, ")  # "torch 2.13.0, 2026-12-08"
        return [
            f"{len(self.cached)} of {len(self.entries)} configs verified from the proof cache ({when}); "
            "RESNET_INSPECT_CACHE=off proves them again"
        ]

    def records(self) -> list[CatalogRecord]:
        return [entry.record() for entry in self.entries]

    def document(self) -> CatalogDocument:
        return CatalogDocument(configs=self.records())

    @property
    def failures(self) -> tuple[str, ...]:
        bad = [entry.name for entry in self.entries if not entry.verified]
        return (f"{', '.join(bad)} disagree with their models",) if bad else ()

    def sections(self) -> list[Section]:
        verdict = (
            Line("✓ every config verified against its model", "ok")
            if not self.failures
            else Line(f"✗ {self.failures[0]}", "bad")
        )
        return [Section("Named configs", self.records(), lines=[verdict])]

    def __repr__(self) -> str:
        return f"<Catalog of {len(self.entries)} named configs, {'verified' if not self.failures else 'NOT verified'}>"


def design_text(spec) -> str:
    """`bottleneck 3,4,6,3 · deep stem · shortcut avgdown`: what sets a config apart, in a line."""
    parts = [f"{spec.block} {','.join(map(str, spec.layers))}"]
    if spec.order == "pre":
        parts.insert(0, "pre-act")
    if spec.stem != "torchvision":
        parts.append(f"{spec.stem} stem")
    if spec.maxpool != (spec.stem != "cifar"):
        parts.append("max pool" if spec.maxpool else "no max pool")
    if spec.shortcut != "B" or spec.shortcut_norm == (spec.order == "pre"):
        parts.append(f"shortcut {spec.shortcut}" + ("" if spec.shortcut_norm else " no BN"))
    if spec.groups != 1 or spec.width_per_group != 64:
        parts.append(f"{spec.groups}×{spec.width_per_group}d")
    if spec.stride_in != "v1.5" and spec.block == "bottleneck":
        parts.append("stride v1")
    if spec.se_reduction:
        parts.append(f"SE /{spec.se_reduction}")
    if spec.output_stride:
        parts.append(f"output stride {spec.output_stride}")
    if spec.conv_bias:
        parts.append("conv bias")
    if (spec.in_channels, spec.num_classes) != (3, 1000):
        parts.append(f"{spec.in_channels}→{spec.num_classes}")
    return " · ".join(parts)


def catalog(analyses: Sequence[Analysis]) -> Catalog:
    return Catalog(
        tuple(
            CatalogEntry(
                a.spec.name,
                DESCRIPTIONS.get(a.spec.name, ""),
                design_text(a.spec),
                a.input_shape,
                a.params,
                a.macs_conv_linear,
                a.macs_fvcore,
                a.verified,
            )
            for a in analyses
        ),
        tuple(a.cached for a in analyses if a.cached),
    )


def catalog_at(size: tuple[int, int] | None = None, *, progress: Callable[[int], None] | None = None) -> Catalog:
    """Every named config analysed and verified, at `size` or at each config's own default size.

    `progress(1)` is called after each config (a verified analysis costs about 0.1 s: all of them, seconds).
    """
    analyses = []
    for name in REGISTRY:
        analyses.append(analyze(name, size))
        if progress is not None:
            progress(1)
    return catalog(analyses)
