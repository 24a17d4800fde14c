"""The receptive-field figure: every layer's field against the image, and one stage's effective field.

Drawn from `core.receptive_field` (the arithmetic) and, for the heatmap, from
`runtime.receptive_field_probe.effective_receptive_field` measured by the caller; this module only draws.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..core.receptive_field import global_in_body, receptive_fields
from ..core.shapes import Trace
from .figures import OKABE_ITO, STAGE_COLOURS, FigSize, _figure, _fit_labels, parse_figsize

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def field_figure(
    traced: Trace,
    *,
    effective: Any = None,
    stage: str | None = None,
    heatmap: Any = None,
    spread: dict | None = None,
    unit_field: tuple[float, float, float, float] | None = None,
    figsize: FigSize = None,
) -> Figure:
    """Left: the receptive field of every layer (rows; columns when they differ) against the input's side.
    Right, with `heatmap`: the effective receptive field of `stage`'s centre unit (a 2-D map, max 1) with the
    theoretical field `unit_field` (top, left, bottom, right) drawn as a square and the measured spread (±2σ); or
    all of them from `effective` (a measured `receptive_field.EffectiveField`).
    Narrower than 7 in (a journal column), the two panels are stacked."""
    import textwrap

    if effective is not None:
        stage, heatmap, spread = effective.stage, effective.heatmap.numpy(), effective.spread
        unit_field = effective.unit_field

    fields = receptive_fields(traced)
    _, _, height, width = traced.input_shape
    stacked = False
    if heatmap is None:
        fig, ax = _figure((6.4, 4.4), figsize)
        axes = [ax]
    else:
        parsed = parse_figsize(figsize)
        stacked = parsed is not None and parsed[0] < 7
        default = (6.4, 8.8) if stacked else (11.5, 4.4)
        layout = {"nrows": 2} if stacked else {"ncols": 2, "width_ratios": [1.6, 1]}
        fig, axes = _figure(default, figsize, **layout)
    ax = axes[0]
    # the main path's convolutional field (a shortcut's or a gate's is its block input's, and would draw as a dip);
    # the head sees the whole map and has no field to draw
    layers = [
        layer
        for layer in traced.layers
        if layer.stage != "head" and not any(side in layer.name.split(".") for side in ("downsample", "se"))
    ]
    for name in dict.fromkeys(layer.stage for layer in layers):
        idx = [i for i, layer in enumerate(layers) if layer.stage == name]
        ax.step(
            [i for i in idx],
            [fields[layers[i].name].h.size for i in idx],
            where="post",
            color=STAGE_COLOURS[name],
            lw=2,
            label=name,
        )
    ax.axhline(height, color=OKABE_ITO["black"], ls="--", lw=1)
    ax.text(0, height, f" image height {height} px", va="bottom", ha="left", fontsize="small")
    if width != height:
        ax.axhline(width, color=OKABE_ITO["grey"], ls=":", lw=1)
        ax.text(0, width, f" image width {width} px", va="bottom", ha="left", fontsize="small", color=OKABE_ITO["grey"])
    last = fields[layers[-1].name]
    ax.annotate(
        f"{last.h.size}×{last.w.size}",
        (len(layers) - 1, last.h.size),
        textcoords="offset points",
        xytext=(-4, 6),
        ha="right",
        fontsize="small",
    )
    note = "after the global pool: every output sees the whole image"
    if (turn := global_in_body(traced, fields)) is not None:
        note = f"from {turn[0]} on, {turn[1]} also makes every output see the whole image"
    # kept inside the axes' lower right, where the rising curve never is: wrapped to half the axes' width
    chars = max(24, int(fig.get_figwidth() * (1 if heatmap is None or stacked else 0.55) * 6))
    ax.text(
        0.99,
        0.02,
        textwrap.fill(note, chars),
        transform=ax.transAxes,
        ha="right",
        va="bottom",
        fontsize="x-small",
        color=OKABE_ITO["grey"],
        multialignment="right",
        in_layout=False,
    )
    ax.set_xlim(0, max(1, len(layers) - 1))
    ax.set_ylim(0, max(height, width, last.h.size) * 1.08)
    ax.set_xlabel("layer, in execution order")
    ax.set_ylabel("receptive field r (pixels, per axis)")
    ax.set_title(f"{traced.spec.name} at {height}×{width}: how much of the image each layer sees")
    ax.legend(loc="upper left", fontsize="small", frameon=False, ncols=2, bbox_to_anchor=(0, 0.93))
    if heatmap is not None:
        _heatmap_panel(axes[1], heatmap, stage or "", unit_field, spread, beside=not stacked)
    _fit_labels(fig)
    return fig


def _heatmap_panel(
    ax: Any,
    heatmap: Any,
    stage: str,
    unit_field: tuple[float, float, float, float] | None,
    spread: dict | None,
    *,
    beside: bool = False,
) -> None:
    """The map with its fields drawn on; `beside` another panel, its legend is one row along the figure's foot."""
    from matplotlib.patches import Ellipse, Rectangle

    h, w = heatmap.shape
    image = ax.imshow(heatmap, cmap="magma", vmin=0, vmax=1, origin="upper", interpolation="nearest")
    ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="|∂ unit / ∂ pixel| (max 1)")
    ax.add_patch(Rectangle((-0.5, -0.5), w, h, fill=False, ec=OKABE_ITO["grey"], lw=1, label=f"image {h}×{w}"))
    top, left, bottom, right = unit_field or (0, 0, h - 1, w - 1)
    if unit_field is not None:
        size = f"{bottom - top + 1:.0f}×{right - left + 1:.0f}"
        ax.add_patch(
            Rectangle(
                (left - 0.5, top - 0.5),
                right - left + 1,
                bottom - top + 1,
                fill=False,
                ec=OKABE_ITO["sky"],
                lw=1.5,
                ls="--",
                label=f"theoretical field {size}",
            )
        )
    if spread is not None:
        (row, col), (sr, sc) = spread["mean"], spread["std"]
        ax.add_patch(
            Ellipse(
                (col, row),
                4 * sc,
                4 * sr,
                fill=False,
                ec=OKABE_ITO["yellow"],
                lw=1.5,
                label=f"effective: ±2σ, σ = {sr:.0f}×{sc:.0f} px",
            )
        )
    # the whole theoretical field, even where it reaches past the image into the padding
    ax.set_xlim(min(-0.5, left - 2), max(w - 0.5, right + 2))
    ax.set_ylim(max(h - 0.5, bottom + 2), min(-0.5, top - 2))
    ax.set_title(f"effective receptive field of {stage}'s centre unit (random init, Luo et al. 2016)")
    ax.set_xlabel("input column (px)")
    ax.set_ylabel("input row (px)")
    # under the map, not on it: the map is the result. Beside the field curve, one row across the figure's foot
    # lets the square map take the panel's whole height instead of leaving an empty corner beside its legend.
    if beside:
        handles, labels = ax.get_legend_handles_labels()
        ax.figure.legend(handles, labels, loc="outside lower right", ncols=3, fontsize="small", frameon=False)
    else:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), fontsize="small", frameon=False)
