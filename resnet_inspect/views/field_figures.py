"""The receptive-field figure: every layer's field against the image, and one stage's effective field.

Drawn from `core.receptive_field` (the arithmetic) and, for the heatmap, from
`core.receptive_field_probe.effective_receptive_field` measured by the caller; this module only draws.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..core.receptive_field import Field, receptive_fields
from ..core.shapes import Trace
from .figures import OKABE_ITO, STAGE_COLOURS, _pyplot

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def field_figure(traced: Trace, *, stage: str | None = None, heatmap: Any = None, spread: dict | None = None,
                 unit_field: tuple[float, float, float, float] | None = None) -> Figure:  # fmt: skip
    """Left: the receptive field of every layer (rows; columns when they differ) against the input's side.
    Right, with `heatmap`: the effective receptive field of `stage`'s centre unit (a 2-D map, max 1) with the
    theoretical field `unit_field` (top, left, bottom, right) drawn as a square and the measured spread (±2σ)."""
    plt = _pyplot()
    fields = receptive_fields(traced)
    _, _, height, width = traced.input_shape
    panels = 2 if heatmap is not None else 1
    fig, axes = plt.subplots(1, panels, figsize=(6.4 * panels if panels == 1 else 11.5, 4.4), squeeze=False,
                             gridspec_kw={"width_ratios": [1.35, 1][:panels]})  # fmt: skip
    ax = axes[0][0]
    # the main path: a shortcut's or a gate's field is its block input's, and would draw as a dip
    layers = [layer for layer in traced.layers if not fields[layer.name].is_global
              and not any(side in layer.name.split(".") for side in ("downsample", "se"))]  # fmt: skip
    xs = range(len(layers))
    for name in dict.fromkeys(layer.stage for layer in layers):
        idx = [i for i, layer in enumerate(layers) if layer.stage == name]
        ax.step([i for i in idx], [fields[layers[i].name].h.size for i in idx], where="post",
                color=STAGE_COLOURS[name], lw=2, label=name)  # fmt: skip
    ax.axhline(height, color=OKABE_ITO["black"], ls="--", lw=1)
    ax.text(0, height, f" image height {height} px", va="bottom", ha="left", fontsize=9)
    if width != height:
        ax.axhline(width, color=OKABE_ITO["grey"], ls=":", lw=1)
        ax.text(0, width, f" image width {width} px", va="bottom", ha="left", fontsize=9, color=OKABE_ITO["grey"])
    last = fields[layers[-1].name]
    ax.annotate(f"{last.text()}", (len(layers) - 1, last.h.size), textcoords="offset points", xytext=(-4, 6),
                ha="right", fontsize=9)  # fmt: skip
    if len(layers) < len(traced.layers):
        ax.text(0.99, 0.02, "after the global pool: every output sees the whole image", transform=ax.transAxes,
                ha="right", va="bottom", fontsize=8, color=OKABE_ITO["grey"])  # fmt: skip
    ax.set_xlim(0, max(1, len(xs) - 1))
    ax.set_ylim(0, max(height, width, last.h.size) * 1.08)
    ax.set_xlabel("layer, in execution order")
    ax.set_ylabel("receptive field r (pixels, per axis)")
    ax.set_title(f"{traced.spec.name} at {height}×{width}: how much of the image each layer sees")
    ax.legend(loc="upper left", fontsize=8, frameon=False, ncols=2, bbox_to_anchor=(0, 0.93))
    if heatmap is not None:
        _heatmap_panel(axes[0][1], heatmap, stage or "", unit_field, spread)
    fig.tight_layout()
    return fig


def _heatmap_panel(ax: Any, heatmap: Any, stage: str, unit_field: tuple[float, float, float, float] | None,
                   spread: dict | None) -> None:  # fmt: skip
    from matplotlib.patches import Ellipse, Rectangle

    h, w = heatmap.shape
    image = ax.imshow(heatmap, cmap="magma", vmin=0, vmax=1, origin="upper", interpolation="nearest")
    ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="|∂ unit / ∂ pixel|, max = 1")
    ax.add_patch(Rectangle((-0.5, -0.5), w, h, fill=False, ec=OKABE_ITO["grey"], lw=1, label=f"image {h}×{w}"))
    top, left, bottom, right = unit_field or (0, 0, h - 1, w - 1)
    if unit_field is not None:
        size = f"{bottom - top + 1:.0f}×{right - left + 1:.0f}"
        ax.add_patch(Rectangle((left - 0.5, top - 0.5), right - left + 1, bottom - top + 1, fill=False,
                               ec=OKABE_ITO["sky"], lw=1.5, ls="--", label=f"theoretical field {size}"))  # fmt: skip
    if spread is not None:
        (row, col), (sr, sc) = spread["mean"], spread["std"]
        ax.add_patch(Ellipse((col, row), 4 * sc, 4 * sr, fill=False, ec=OKABE_ITO["yellow"], lw=1.5,
                             label=f"effective: ±2σ, σ = {sr:.0f}×{sc:.0f} px"))  # fmt: skip
    # the whole theoretical field, even where it reaches past the image into the padding
    ax.set_xlim(min(-0.5, left - 2), max(w - 0.5, right + 2))
    ax.set_ylim(max(h - 0.5, bottom + 2), min(-0.5, top - 2))
    ax.set_title(f"effective receptive field of {stage}'s centre unit\n(random init, Luo et al. 2016)")
    ax.set_xlabel("input column (px)")
    ax.set_ylabel("input row (px)")
    ax.legend(loc="lower left", fontsize=8, framealpha=0.8)


def stage_field(traced: Trace, stage: str) -> Field:
    fields = receptive_fields(traced)
    return [fields[layer.name] for layer in traced.layers if layer.stage == stage][-1]
