"""The named configs in a line each: what they are, and their verified size and cost at one input size."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..core.configs import DESCRIPTIONS, REGISTRY
from .table import Analysis, analyze


@dataclass(frozen=True)
class CatalogEntry:
    """A named config in a line: what it is, and its verified size and cost at one input size."""

    name: str
    description: str
    design: str  # "bottleneck 3,4,6,3 · deep stem · avgdown · g32×4"
    size: str  # "224×224": the input size the counts are for
    params: int
    macs: int  # conv + linear
    macs_fvcore: int
    verified: bool


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


def catalog(analyses: Sequence[Analysis]) -> list[CatalogEntry]:


    return [
        CatalogEntry(
            a.spec.name,
            DESCRIPTIONS.get(a.spec.name, ""),
            design_text(a.spec),
            f"{a.input_shape[2]}×{a.input_shape[3]}",
            a.params,
            a.macs,
            a.macs_fvcore,
            a.verified,
        )
        for a in analyses
    ]


def catalog_records(entries: Sequence[CatalogEntry]) -> list[dict[str, Any]]:
    # The dataclass's `macs` is conv + linear; in JSON both conventions are named (`macs_conv_linear`).
    return [{("macs_conv_linear" if k == "macs" else k): v for k, v in dataclasses.asdict(entry).items()}
            for entry in entries]  # fmt: skip


def catalog_at(size: tuple[int, int] | None = None) -> list[CatalogEntry]:
    """Every named config analysed and verified, at `size` or at each config's own default size."""
    return catalog([analyze(name, size) for name in REGISTRY])
