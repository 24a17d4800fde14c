"""The one-sentence headlines, each computed from the numbers it speaks of, never a fixed sentence.

`headline`: where a network keeps its compute and its parameters, from its stage shares. A fixed sentence
("compute sits early, parameters late") is false for many networks: ResNet-152 at 224×224 keeps 70% of its MACs and
68% of its parameters in layer3, ResNet-18's MACs are flat across its stages. Every title and summary line that
speaks of the distribution comes from it (the tables' at one decimal, the figures' rounded). `time_headline`:
where measured time and MACs disagree most.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..core.shapes import Trace
from ..core.words import share

# Residual stages whose largest share is at most this many times their smallest are "flat": ResNet-18's MACs
# (1.13×) are, ResNet-50's (2.19×) are not.
FLAT_RATIO = 1.25


@dataclass(frozen=True)
class StageShares:
    """Each stage's share of the conv + linear MACs and of the parameters, stem and head included."""

    stages: tuple[str, ...]
    macs_conv_linear: tuple[float, ...]
    params: tuple[float, ...]
    residual: tuple[str, ...]  # layer1..layerN, the stages that "flat" is about

    def top(self, of: str) -> tuple[str, float]:
        values = self.macs_conv_linear if of == "macs" else self.params
        best = max(range(len(values)), key=values.__getitem__)
        return self.stages[best], values[best]

    def flat(self, of: str) -> tuple[float, float] | None:
        """The smallest and largest residual-stage share when they are within FLAT_RATIO, else None."""
        values = self.macs_conv_linear if of == "macs" else self.params
        own = [v for stage, v in zip(self.stages, values, strict=True) if stage in self.residual]
        if len(own) < 2 or min(own) <= 0 or max(own) > FLAT_RATIO * min(own):
            return None
        return min(own), max(own)


def stage_shares(source: Trace | Any) -> StageShares:
    """The shares of a trace, or of an analysis (its trace: the counts it verified), without torch."""
    traced = source if isinstance(source, Trace) else source.trace
    macs: dict[str, int] = {}
    params: dict[str, int] = {}
    for layer in traced.layers:  # TracedLayer.macs_conv_linear counts conv and linear only: the paper's convention
        macs[layer.stage] = macs.get(layer.stage, 0) + layer.macs_conv_linear
        params[layer.stage] = params.get(layer.stage, 0) + layer.params
    total_macs, total_params = sum(macs.values()), sum(params.values())
    return StageShares(
        tuple(macs),
        tuple(share(m, total_macs) for m in macs.values()),
        tuple(share(p, total_params) for p in params.values()),
        traced.spec.stages,
    )


def share_text(fraction: float, decimals: int = 1) -> str:
    """A share as the tables print it: one decimal (or `decimals`)."""
    return f"{100 * fraction:.{decimals}f}%"


def headline(source: Trace | Any, *, decimals: int = 1, flat: bool = True) -> str:
    """`layer3 holds 70.5% of the MACs and 68.3% of the parameters`, or which stage holds the most of each;
    and (with `flat`) whether MACs or parameters are flat across the residual stages."""
    percent = functools.partial(share_text, decimals=decimals)
    shares = stage_shares(source)
    (mac_stage, mac_share), (param_stage, param_share) = shares.top("macs"), shares.top("params")
    if mac_stage == param_stage:
        text = f"{mac_stage} holds {percent(mac_share)} of the MACs and {percent(param_share)} of the parameters"
    else:
        text = (
            f"{mac_stage} holds the most MACs ({percent(mac_share)}), "
            f"{param_stage} the most parameters ({percent(param_share)})"
        )
    first, last = shares.residual[0], shares.residual[-1]
    for of, words in (("macs", "MACs"), ("params", "parameters")) if flat else ():
        if (span := shares.flat(of)) is not None:
            text += f"; {words} are flat across {first}–{last} ({percent(span[0])}–{percent(span[1])} each)"
    return text


def time_headline(stages: Sequence[Any], rate: float) -> str:
    """Where measured time and MACs disagree most, both ways: from profile stage records (`time_share`,
    `macs_share_conv_linear`, `gmacs_conv_linear_per_s`) and the whole model's rate in GMAC/s."""
    slow = max(stages, key=lambda r: r.time_share - r.macs_share_conv_linear)
    fast = min(stages, key=lambda r: r.time_share - r.macs_share_conv_linear)
    return (
        f"{slow.stage} takes {slow.time_share:.0%} of the time for {slow.macs_share_conv_linear:.0%} of the MACs "
        f"({slow.gmacs_conv_linear_per_s:,.0f} GMAC/s); {fast.stage} {fast.time_share:.0%} for "
        f"{fast.macs_share_conv_linear:.0%} ({fast.gmacs_conv_linear_per_s:,.0f} GMAC/s); the whole model "
        f"{rate:,.0f} GMAC/s"
    )
