"""Matplotlib figures, drawn from the same verified analyses and records as the tables.

Every function returns a `Figure`; only the CLI saves. Colours are the Okabe–Ito palette (safe for the
common colour-vision deficiencies); units are in every axis label. matplotlib is imported on first use
with the headless Agg backend.
"""

from __future__ import annotations

import contextlib
import itertools
import warnings
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from ..core.errors import InspectError
from ..core.spec import paper_stage_name as paper_stage
from ..core.spec import stage_names
from ..records.vocabulary import Level

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..core.memory import LayerMemory
    from ..features.blocks import BlockComparison
    from ..features.sweep import Sweep
    from ..features.table import Analysis

# Okabe & Ito (2008), "Color Universal Design".
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "grey": "#999999",
}
_STAGE_CYCLE = ("orange", "sky", "green", "blue", "yellow", "vermillion")


class _StageColours(dict):
    """stem grey, head purple, and the residual stages in turn through the Okabe–Ito colours."""

    def __missing__(self, stage: str) -> str:
        if stage.startswith("layer") and stage[5:].isdigit():
            return OKABE_ITO[_STAGE_CYCLE[(int(stage[5:]) - 1) % len(_STAGE_CYCLE)]]
        return OKABE_ITO["black"]


STAGE_COLOURS = _StageColours(stem=OKABE_ITO["grey"], head=OKABE_ITO["purple"])
MACS_COLOUR, PARAMS_COLOUR = OKABE_ITO["vermillion"], OKABE_ITO["blue"]


FigSize = tuple[float, float] | str | None  # inches, or a preset: "column", "slide"
# A journal column is about 3.5 in wide (its height follows the figure's own shape); a 16:9 slide's body 10×5.6.
FIGSIZE_PRESETS: dict[str, tuple[float, float | None]] = {"column": (3.5, None), "slide": (10.0, 5.6)}
FIGSIZE_LIMITS = (1.0, 60.0)  # inches, each side


def parse_figsize(value: FigSize) -> tuple[float, float | None] | None:
    """`"7,4"`, `(7, 4)`, `"column"` or `"slide"` → (width, height or None for the figure's own aspect)."""
    if value is None:
        return None
    if isinstance(value, str) and value.strip().lower() in FIGSIZE_PRESETS:
        return FIGSIZE_PRESETS[value.strip().lower()]
    try:
        width, height = (float(v) for v in (value.split(",") if isinstance(value, str) else value))
    except (TypeError, ValueError):
        width = height = float("nan")
    low, high = FIGSIZE_LIMITS
    if not (low <= width <= high and low <= height <= high):
        raise InspectError(
            f"figsize {value!r} is not valid; give W,H in inches from {low:g} to {high:g} "
            f"(like 7,4), or {' or '.join(FIGSIZE_PRESETS)}"
        )
    return width, height


def resolve_figsize(value: FigSize, default: tuple[float, float], rows: int = 1) -> tuple[float, float]:
    """The size to draw at: `value` (see `parse_figsize`), or `default`; a preset keeps the default's aspect.

    When the height follows the aspect, never flatter than 4:3 for one row of axes, nor than half the width per
    row for panels stacked in `rows`: each panel's axis labels need the room, most of all in a narrow column.
    """
    parsed = parse_figsize(value)
    if parsed is None:
        return default
    width, height = parsed
    if height is not None:
        return width, height
    return width, max(width * default[1] / default[0], width * (0.75 if rows == 1 else 0.5 * rows))


def font_size(width: float) -> float:
    """Base font size (pt) for a figure `width` inches wide: 10 from 7 in up, down to 7 at a 3.5 in column."""
    return min(10.0, max(7.0, 7.0 + (width - 3.5) * 3.0 / 3.5))


def _pyplot(width: float = 8.0):
    import os

    # Figures only ever go to files, through Agg: MPLBACKEND plays no part here, and an invalid one would make
    # `import matplotlib` itself raise. It is hidden during the import and put back after.
    backend = os.environ.pop("MPLBACKEND", None)
    try:
        import matplotlib
    finally:
        if backend is not None:
            os.environ["MPLBACKEND"] = backend

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt
    from cycler import cycler

    size = font_size(width)
    plt.rcParams.update(
        {
            "figure.dpi": 100,
            "font.size": size,
            "axes.titlesize": size + 1,
            "figure.titlesize": size + 1,
            "axes.labelsize": size,
            "xtick.labelsize": size - 1,
            "ytick.labelsize": size - 1,
            "legend.fontsize": size - 1,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.prop_cycle": cycler(color=[OKABE_ITO[c] for c in (*_STAGE_CYCLE, "purple", "black")]),
            "lines.linewidth": 1.5,
            "svg.fonttype": "none",  # text stays text in SVG: searchable and editable
            "pdf.fonttype": 42,  # TrueType in PDF, editable in an illustrator
            "svg.hashsalt": "resnet-inspect",  # the same SVG for the same figure
        }
    )
    return plt


def _figure(default: tuple[float, float], figsize: FigSize, **subplots: Any):
    """A constrained-layout figure at `figsize` (or `default`), with the fonts sized for its width."""
    size = resolve_figsize(figsize, default, subplots.get("nrows", 1))
    plt = _pyplot(size[0])
    return plt.subplots(figsize=size, layout="constrained", **subplots)


@contextlib.contextmanager
def _layout_fits(fig: Any) -> Iterator[None]:
    """Draw inside: a figure too small for its labels is refused in a line, not drawn with a matplotlib warning."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    if any("constrained_layout not applied" in str(w.message) for w in caught):
        width, height = fig.get_size_inches()
        raise InspectError(
            f"figsize {width:g},{height:g} is too small for this figure: its labels leave the axes no room; "
            "give a larger one"
        )
    for w in caught:  # anything else matplotlib had to say still reaches the user, once
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


def _fit_labels(fig: Any) -> None:
    """Titles and axis labels longer than the room they have, wrapped onto more lines until they fit."""
    import textwrap

    original: dict[int, str] = {}
    for _ in range(6):
        with _layout_fits(fig):
            fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        items = [(fig._suptitle, fig.bbox.width * 0.98)] if fig._suptitle is not None else []
        for ax in fig.axes:
            if not ax.get_visible():
                continue
            box = ax.get_window_extent(renderer)
            # Centred on the axes: as wide as the axes (a little more) and never past either edge of the figure.
            centre = (box.x0 + box.x1) / 2
            room = min(box.width * 1.15, 2 * min(centre, fig.bbox.width - centre) * 0.98)
            items += [(ax.title, room), (ax.xaxis.label, room), (ax.yaxis.label, box.height * 1.05)]
        changed = False
        for text, room in items:
            content = text.get_text()
            if not content or not text.get_visible():
                continue
            extent = text.get_window_extent(renderer)
            length = extent.height if text.get_rotation() % 180 == 90 else extent.width
            if length <= room:
                continue
            # Wrapped again from the text as written, so a line is never broken twice.
            source = original.setdefault(id(text), content)
            longest = max(len(line) for line in content.split("\n"))
            chars = max(8, int(longest * room / length * 0.95))
            wrapped = "\n".join(textwrap.fill(line, chars, break_long_words=False) for line in source.split("\n"))
            if wrapped != content:
                text.set_text(wrapped)
                changed = True
        if not changed:
            return


def _fit_xticklabels(fig: Any, ax: Any, shorter: Sequence[str] | None = None) -> None:
    """Tick labels that touch their neighbours: the `shorter` labels, then a word a line, then slanted, then upright."""

    def touching() -> bool:
        with _layout_fits(fig):
            fig.canvas.draw()
        boxes = [t.get_window_extent() for t in ax.get_xticklabels() if t.get_text()]
        return any(a.x1 + 2 > b.x0 for a, b in itertools.pairwise(boxes))

    if not touching():
        return
    if shorter is not None:
        ax.set_xticks(ax.get_xticks(), list(shorter))
        if not touching():
            return
    labels = [t.get_text() for t in ax.get_xticklabels()]
    if any(" " in label for label in labels):
        ax.set_xticks(ax.get_xticks(), [label.replace(" ", "\n") for label in labels])
        if not touching():
            return
    for rotation in (35, 90):
        for label in ax.get_xticklabels():
            label.set(rotation=rotation, ha="right", rotation_mode="anchor")
        if not touching():
            return


def _input_text(analysis: Analysis) -> str:
    n, c, h, w = analysis.input_shape
    return f"{h}×{w}" + (f", batch {n}" if n != 1 else "") + (f", {c} channels" if c != 3 else "")


def _stage_label(stage: str) -> str:
    return f"{stage}\n({paper_stage(stage)})"


def stages_figure(analysis: Analysis, *, figsize: FigSize = None) -> Figure:
    """Each stage's share of the MACs beside its share of the parameters."""
    stage_rows = analysis.grouped(Level.stage)
    macs = [100 * r.macs_conv_linear / analysis.macs_conv_linear for r in stage_rows]
    params = [100 * r.params / analysis.params for r in stage_rows]
    fig, ax = _figure((8, 4.5), figsize)
    x = range(len(stage_rows))
    width = 0.38
    bars_m = ax.bar([i - width / 2 for i in x], macs, width, color=MACS_COLOUR, label="share of MACs (conv + linear)")
    bars_p = ax.bar([i + width / 2 for i in x], params, width, color=PARAMS_COLOUR, label="share of parameters")
    narrow = fig.get_figwidth() < 6
    for bars in (bars_m, bars_p):
        ax.bar_label(bars, fmt="%.0f%%" if narrow else "%.1f%%", fontsize="x-small", padding=2)
    ax.set_xticks(list(x), [_stage_label(r.name) for r in stage_rows])
    ax.set_ylabel("share of the network's total (%)")
    ax.set_ylim(0, max(macs + params) * 1.18)
    ax.legend(frameon=False, loc="upper left")
    ax.set_title(
        f"{analysis.spec.name} at {_input_text(analysis)}: {analysis.short_headline}\n"
        f"{analysis.macs_conv_linear / 1e9:,.2f} GMACs, {analysis.params / 1e6:,.2f} M parameters in all"
    )
    _fit_xticklabels(fig, ax, [r.name for r in stage_rows])
    _fit_labels(fig)
    return fig


def layers_figure(analysis: Analysis, *, log: bool = False, figsize: FigSize = None) -> Figure:
    """MACs and parameters of every conv and linear layer along the depth, with cumulative shares.

    A panel is on a log scale with `log`, or where its layers span more than two decades (parameters: the
    stem's 9K to layer4's 2.4M).
    """
    weighted = [row for row in analysis.rows if row.traced.kind in ("conv", "linear")]
    x = list(range(len(weighted)))
    colours = [STAGE_COLOURS[row.traced.stage] for row in weighted]
    fig, (ax_m, ax_p) = _figure((11, 6.5), figsize, nrows=2, sharex=True)
    panels = (
        (
            ax_m,
            [row.macs_conv_linear / 1e6 for row in weighted],
            "MACs per layer (millions)",
            "cumulative share of MACs",
        ),
        (
            ax_p,
            [row.traced.params / 1e6 for row in weighted],
            "parameters per layer (millions)",
            "cumulative share of parameters",
        ),
    )
    for ax, values, label, cumulative_label in panels:
        ax.bar(x, values, width=1.0, color=colours, linewidth=0)
        logarithmic = log or max(values) / max(min(v for v in values if v > 0), 1e-9) > 100
        ax.set_ylabel(label + (", log scale" if logarithmic else ""))
        if logarithmic:
            ax.set_yscale("log")
        else:
            ax.set_ylim(bottom=0)
        twin = ax.twinx()
        total, running, curve = sum(values), 0.0, []
        for v in values:
            running += v
            curve.append(100 * running / total)
        twin.plot(x, curve, color=OKABE_ITO["black"], linewidth=1.5)
        twin.set_ylim(0, 102)
        twin.set_ylabel(f"{cumulative_label} (%)")
        twin.spines["right"].set_visible(True)
    from matplotlib.patches import Patch
    from matplotlib.ticker import FuncFormatter

    present = [stage for stage in stage_names(analysis.spec) if any(row.traced.stage == stage for row in weighted)]
    for ax in (ax_m, ax_p):
        for stage in present[1:]:
            first = next(i for i, row in enumerate(weighted) if row.traced.stage == stage)
            ax.axvline(first - 0.5, color=OKABE_ITO["grey"], linewidth=0.8, linestyle="--")
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    # Stage names in a legend, not as ticks: layer1 and layer4 are too narrow to hold a label in ResNet-152.
    narrow = fig.get_figwidth() < 7
    handles = [Patch(color=STAGE_COLOURS[s], label=s if narrow else f"{s} ({paper_stage(s)})") for s in present]
    # One row where the figure is wide enough for every stage (a 6-stage row needs about 10 in), else rows of 3.
    ncols = len(handles) if fig.get_figwidth() >= 10 or len(handles) <= 3 else 3
    ax_m.legend(
        handles=handles, ncols=ncols, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False, fontsize="small"
    )
    ax_p.set_xlabel(f"conv and linear layers in execution order ({len(weighted)} of them)")
    ax_p.set_xlim(-0.5, len(weighted) - 0.5)
    fig.suptitle(f"{analysis.spec.name} at {_input_text(analysis)}: MACs and parameters layer by layer")
    _fit_labels(fig)
    return fig


def depths_figure(analyses: Sequence[Analysis], *, figsize: FigSize = None) -> Figure:
    """Stacked parameters and MACs per stage across networks."""
    fig, (ax_p, ax_m) = _figure((11, 4.8), figsize, ncols=2)
    names = [a.spec.name for a in analyses]
    for ax, metric, unit in ((ax_p, "params", "parameters (millions)"), (ax_m, "macs", "GMACs (conv + linear)")):
        bottoms = [0.0] * len(analyses)
        for stage in dict.fromkeys(s for a in analyses for s in stage_names(a.spec)):
            values = []
            for a in analyses:
                r = {row.name: row for row in a.grouped(Level.stage)}.get(stage)
                values.append(0.0 if r is None else r.params / 1e6 if metric == "params" else r.macs_conv_linear / 1e9)
            ax.bar(names, values, bottom=bottoms, color=STAGE_COLOURS[stage], label=f"{stage} ({paper_stage(stage)})")
            bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
        for i, total in enumerate(bottoms):
            ax.text(
                i,
                total,
                f"{total:.1f}" if metric == "params" else f"{total:.2f}",
                ha="center",
                va="bottom",
                fontsize="x-small",
            )
        ax.set_ylabel(unit)
        ax.set_ylim(0, max(bottoms) * 1.1)
    size = _input_text(analyses[0])
    ax_p.set_title(f"Parameters per stage at {size}")
    ax_m.set_title(f"MACs per stage at {size}")
    handles, labels = ax_m.get_legend_handles_labels()
    # Top to bottom, as the segments are stacked.
    if fig.get_figwidth() < 7:  # no room beside the panels: below them, in rows
        fig.legend(
            handles, [label.split(" ")[0] for label in labels], loc="outside lower center", frameon=False, ncols=3
        )
    else:
        fig.legend(handles[::-1], labels[::-1], loc="outside right center", frameon=False)
    short = [n.removeprefix("resnet") if n.startswith("resnet") and n[6:].isdigit() else n for n in names]
    for ax in (ax_p, ax_m):
        _fit_xticklabels(fig, ax, short if short != names else None)
    _fit_labels(fig)
    return fig


def blocks_figure(comparison: BlockComparison, *, figsize: FigSize = None) -> Figure:
    """Each design's MACs and parameters, conv by conv."""
    fig, (ax_m, ax_p) = _figure((11, 4.8), figsize, ncols=2)
    palette = [OKABE_ITO[c] for c in ("orange", "sky", "green", "blue", "purple", "vermillion")]
    labels = [d.label for d in comparison.designs]
    for ax, metric, unit in ((ax_m, "macs", "MACs (millions)"), (ax_p, "params", "parameters (thousands)")):
        for i, design in enumerate(comparison.designs):
            bottom = 0.0
            for j, conv in enumerate(design.convs):
                value = conv.macs_conv_linear / 1e6 if metric == "macs" else conv.params / 1e3
                kernel = f"{conv.kernel[0]}×{conv.kernel[1]}" + (f" g{conv.groups}" if conv.groups > 1 else "")
                channels = f"{conv.in_shape[1]}→{conv.out_shape[1]}"
                share = value / (design.macs_conv_linear / 1e6 if metric == "macs" else design.conv_params / 1e3)
                ax.bar(i, value, bottom=bottom, color=palette[j % len(palette)], edgecolor="white", width=0.6)
                # A thin segment (ResNeXt's grouped 3×3) gets its kernel only, so the label fits inside the bar.
                if share > 0.03:
                    wide = share > 0.1 and conv.groups == 1 and fig.get_figwidth() >= 7
                    label = f"{kernel} {channels}" if wide else kernel
                    ax.text(i, bottom + value / 2, label, ha="center", va="center", fontsize="x-small")
                bottom += value
            ax.text(i, bottom, f"{bottom:,.1f}", ha="center", va="bottom", fontsize="small")
        ax.set_xticks(range(len(labels)), labels)
        ax.set_ylabel(unit)
        top = max(d.macs_conv_linear / 1e6 if metric == "macs" else d.conv_params / 1e3 for d in comparison.designs)
        ax.set_ylim(0, top * 1.12)
        _fit_xticklabels(fig, ax)
    ax_m.set_title("MACs, conv by conv")
    ax_p.set_title("Conv parameters, conv by conv")
    fig.suptitle(f"Block designs at {comparison.place}" + (", stride 2" if comparison.stride == 2 else ""))
    _fit_labels(fig)
    return fig


def total_stride(spec: Any) -> int:
    """How many input pixels one pixel of the last feature map steps over: the product of the main path's strides."""
    from ..core.plan import blocks, stem

    product = 1
    for stride in [op.stride for op in stem(spec).ops] + [unit.stride for unit in blocks(spec)]:
        product *= stride
    return product


def sweep_figure(result: Sweep, *, log: bool = False, figsize: FigSize = None) -> Figure:
    """MACs, activation memory and MACs per pixel against input size (a sweep's first batch): the staircase.

    Three panels, each with its own y axis from 0: MACs and activation memory both grow with the pixels, so on
    twin axes of one panel their curves would lie on top of each other. With `log`, every axis is logarithmic.
    Jumps in MACs per pixel are marked (the sweep's records say where); where the sweep knows why, in the colour
    of the stage whose feature map steps, one legend entry per map and rounding.
    """
    points, spec, dtype, threshold = result.points, result.spec, result.dtype, result.jump_threshold
    batch = points[0].batch
    causes = {points[i].size: c for i, c in result.causes().items() if points[i].batch == batch}
    jumps_at = {r.size for r in result.records() if r.jump and r.batch == batch}
    points = [p for p in points if p.batch == batch]
    sides = [p.size[0] for p in points]
    fig, (ax_m, ax_mem, ax_px) = _figure((10, 7.5), figsize, nrows=3, sharex=True)
    ax_m.plot(sides, [p.macs_conv_linear / 1e9 for p in points], color=MACS_COLOUR, marker="o", markersize=3)
    ax_m.set_ylabel("GMACs\n(conv + linear)")
    ax_mem.plot(sides, [p.activation_bytes / 2**20 for p in points], color=PARAMS_COLOUR, marker="s", markersize=3)
    ax_mem.set_ylabel(f"activations\n(MiB, {dtype})")
    per_pixel = [p.macs_conv_linear_per_pixel / 1e3 for p in points]
    ax_px.step(sides, per_pixel, where="mid", color=OKABE_ITO["black"])
    jumped = [i for i, p in enumerate(points) if p.size in jumps_at]
    marks: dict[tuple[str, str, str], list[int]] = {}  # (label, colour, stage) → the jumps it marks
    for i in jumped:
        cause = causes.get(points[i].size)
        key = (
            (f"{cause.feature_map} grows: {cause.rounding}", STAGE_COLOURS[cause.stage], cause.stage)
            if cause
            else (f"MACs per pixel jump > {threshold:.0%}", OKABE_ITO["orange"], "")
        )
        marks.setdefault(key, []).append(i)
    order = {stage: i for i, stage in enumerate(stage_names(spec))}
    for (label, colour, _), idx in sorted(marks.items(), key=lambda m: -order.get(m[0][2], -1)):  # coarsest first
        ax_px.plot(
            [sides[i] for i in idx],
            [per_pixel[i] for i in idx],
            "^",
            color=colour,
            label=label,
            markersize=6,
            markeredgecolor=OKABE_ITO["black"],
            markeredgewidth=0.4,
        )
    ax_px.set_ylabel("thousand MACs\nper input pixel")
    ax_px.set_xlabel("input size (pixels per side)" + (", log scale" if log else ""))
    if jumped:  # the staircase runs along the top
        title = f"jumps > {threshold:.0%}: the map that steps" if causes else None
        ax_px.legend(frameon=False, loc="lower right", title=title, title_fontsize="small", fontsize="small")
    for ax in (ax_m, ax_mem, ax_px):
        if log:
            ax.set_yscale("log")
        else:
            ax.set_ylim(0, max(max(line.get_ydata(), default=0) for line in ax.get_lines()) * 1.1)
    if log:
        from matplotlib.ticker import FuncFormatter

        ax_px.set_xscale("log", base=2)
        ax_px.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    stride = total_stride(spec)
    claim = f": sizes just past a multiple of {stride} cost more per pixel" if jumped else ": MACs per input pixel"
    ax_m.set_title(
        f"{spec.name} from {sides[0]} to {sides[-1]} pixels" + (f", batch {batch}" if batch != 1 else "") + claim
    )
    _fit_labels(fig)
    return fig


def shapes_figure(analysis: Analysis, *, figsize: FigSize = None) -> Figure:
    """The feature map through the network, from the input image: side and channels after each stem op and block."""
    _, channels, height, width = analysis.input_shape
    points = [("input", "input", height, width, channels)]  # (label, stage, height, width, channels)
    # The stem op by op (224 → 112 → 56), then each block's output.
    stem = [r.traced for r in analysis.rows if r.traced.stage == "stem" and r.traced.kind in ("conv", "maxpool")]
    blocks = [r for r in analysis.grouped(Level.block) if r.stage != "stem" and len(r.out_shape) == 4]
    for r in [*stem, *blocks]:
        points.append((r.name, r.stage, r.out_shape[2], r.out_shape[3], r.out_shape[1]))
    x = list(range(len(points)))
    fig, ax = _figure((10, 4.8), figsize)
    lines = ax.step(
        x,
        [p[2] for p in points],
        where="mid",
        color=MACS_COLOUR,
        linewidth=2,
        marker="o",
        markersize=3,
        label="feature-map height",
    )
    if any(p[2] != p[3] for p in points):
        lines += ax.step(
            x, [p[3] for p in points], where="mid", color=MACS_COLOUR, linestyle=":", label="feature-map width"
        )
    ax.set_yscale("log", base=2)
    ax.set_ylabel("feature-map side (pixels, log₂ scale)")
    twin = ax.twinx()
    lines += twin.step(
        x,
        [p[4] for p in points],
        where="mid",
        color=PARAMS_COLOUR,
        linewidth=2,
        marker="s",
        markersize=3,
        label="channels",
    )
    twin.set_yscale("log", base=2)
    twin.set_ylabel("channels (log₂ scale)")
    twin.spines["right"].set_visible(True)
    from matplotlib.ticker import NullLocator

    # Ticks at the values that occur, not at powers of two the network never has (224, 56, 28, 14, 7).
    for axis, values in ((ax, {p[2] for p in points} | {p[3] for p in points}), (twin, {p[4] for p in points})):
        axis.set_yticks(sorted(values), [str(v) for v in sorted(values)])
        axis.yaxis.set_minor_locator(NullLocator())
        low, high = min(values), max(values)
        axis.set_ylim(low / 1.3, high * 1.3)
    seen = set()
    ticks, labels, short = [], [], []
    for i, (_, stage, h, w, c) in enumerate(points):
        if stage not in seen:
            seen.add(stage)
            if i:
                ax.axvline(i - 0.5, color=OKABE_ITO["grey"], linewidth=0.8, linestyle="--")
        last = i == len(points) - 1 or points[i + 1][1] != stage
        if last:
            ticks.append(i)
            labels.append(f"{stage if stage == 'input' else _stage_label(stage)}\n{c}×{h}×{w}")
            short.append(stage)
    ax.set_xticks(ticks, labels)
    ax.set_xlabel("the input, the stem's convs and pool, then every block's output (ticks: each stage's output, C×H×W)")
    if fig.get_figwidth() < 7:  # no room above the lines: below the axes
        fig.legend(
            lines, [line.get_label() for line in lines], frameon=False, loc="outside lower center", ncols=len(lines)
        )
    else:
        ax.legend(lines, [line.get_label() for line in lines], frameon=False, loc="upper center", ncols=len(lines))
    ax.set_title(f"{analysis.spec.name} at {_input_text(analysis)}: the feature map narrows and deepens")
    _fit_xticklabels(fig, ax, short)
    _fit_labels(fig)
    return fig


def _significant(value: float, digits: int = 3) -> str:
    """148 → "148", 4.2857 → "4.29", 12.5 → "12.5": the digits that matter, rounded half away from zero."""
    from decimal import ROUND_HALF_UP, Decimal

    if value == 0:
        return "0"
    d = Decimal(repr(value))
    quantum = Decimal(1).scaleb(d.adjusted() - digits + 1)
    text = f"{d.quantize(quantum, rounding=ROUND_HALF_UP):,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def roofline_figure(
    analysis: Analysis,
    layers: Sequence[LayerMemory],
    *,
    peak_macs_per_s: float,
    bandwidth: float,
    device: str,
    dtype: str,
    figsize: FigSize = None,
) -> Figure:
    """Each conv and linear layer at its arithmetic intensity, on the roofline of a device."""
    stage_of = {row.name: row.traced.stage for row in analysis.rows}
    weighted = [m for m in layers if m.macs_conv_linear > 0]
    # Above the ridge every layer sits on the flat roof, one marker over the other: a strip below the roofline
    # gives each stage its own lane at the same intensities, so that no stage hides another.
    fig, (ax, lanes) = _figure((9, 6.5), figsize, nrows=2, sharex=True, gridspec_kw={"height_ratios": (3, 1.4)})
    intensities = [m.intensity for m in weighted]
    ridge = peak_macs_per_s / bandwidth
    # The ridge always in view, with room on both sides: a roof drawn to the plot's edge reads as a frame.
    low, high = min(min(intensities), ridge) / 2, max(max(intensities), ridge) * 2
    xs = sorted({low, high, ridge} | set(intensities))
    roof = f"roofline: {bandwidth / 1e9:,.0f} GB/s, {_significant(2 * peak_macs_per_s / 1e12, 4)} TFLOP/s {dtype}"
    ax.plot(
        xs, [min(peak_macs_per_s, bandwidth * x) / 1e9 for x in xs], color=OKABE_ITO["black"], linewidth=1.5, label=roof
    )
    for axes in (ax, lanes):
        axes.axvline(ridge, color=OKABE_ITO["grey"], linestyle=":", linewidth=1)
    ax.annotate(
        f"ridge: {_significant(ridge)} MACs/byte",
        (ridge, peak_macs_per_s / 1e9),
        textcoords="offset points",
        xytext=(6, -14),
        fontsize="x-small",
    )
    largest = max(m.macs_conv_linear for m in weighted)
    area = min(1.0, fig.get_figwidth() / 9) ** 2  # markers shrink with a narrower figure, as its fonts do
    stages = [stage for stage in dict.fromkeys(stage_of.values()) if any(stage_of[m.name] == stage for m in weighted)]
    for lane, stage in enumerate(stages):
        members = sorted((m for m in weighted if stage_of[m.name] == stage), key=lambda m: -m.macs_conv_linear)
        style = {
            "s": [area * (15 + 135 * m.macs_conv_linear / largest) for m in members],
            "color": STAGE_COLOURS[stage],
            "edgecolor": "white",
            "linewidth": 0.5,
            "alpha": 0.9,
            "zorder": 3,
        }
        ax.scatter(
            [m.intensity for m in members],
            [min(peak_macs_per_s, bandwidth * m.intensity) / 1e9 for m in members],
            label=f"{stage} ({paper_stage(stage)})",
            **style,
        )
        lanes.scatter([m.intensity for m in members], [lane] * len(members), **style)
    lanes.set_yticks(range(len(stages)), stages)
    lanes.set_ylim(len(stages) - 0.5, -0.5)  # the stem on top, in execution order
    lanes.tick_params(axis="y", length=0)
    lanes.spines["left"].set_visible(False)
    lanes.grid(axis="y", color=OKABE_ITO["grey"], linewidth=0.3, alpha=0.5)
    lanes.set_axisbelow(True)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(low, high)
    ax.set_ylim(bandwidth * low / 1e9 / 1.5, peak_macs_per_s / 1e9 * 3)  # headroom above the roof
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}" if v >= 1 else f"{v:g}"))
        axis.set_minor_formatter(NullFormatter())
    ax.tick_params(axis="x", labelbottom=False)
    lanes.set_xlabel("arithmetic intensity (MACs per byte moved: weights + inputs + outputs)")
    ax.set_ylabel("attainable GMAC/s (log scale)")
    free = sum(m.bytes_moved for m in layers if m.macs_conv_linear == 0)
    ax.set_title(
        f"{analysis.spec.name} at {_input_text(analysis)}, {dtype}, on {device}\n"
        f"conv and linear layers, marker area ∝ MACs; below, each stage's layers on their own line\n"
        f"(batch norm, ReLU, pooling and adds also move {free / 2**20:,.0f} MiB, at no MACs)",
        fontsize="medium",
    )
    if fig.get_figwidth() < 6:  # no room inside the axes: below them
        fig.legend(frameon=False, fontsize="x-small", loc="outside lower center", ncols=2)
    else:
        ax.legend(frameon=False, fontsize="x-small", loc="upper left")  # above the slope, where no layer can be
    _fit_labels(fig)
    return fig


SUFFIXES = (".png", ".svg", ".pdf")


def save(fig: Any, path: Any, *, dpi: int = 200, label: str = "output") -> None:
    """Write the figure whole or not at all, as PNG, SVG or PDF by the path's suffix.

    An OSError (a full disk, a name too long) becomes a one-line `InspectError` naming `label` and the path.
    """
    from pathlib import Path

    from ..files import atomic_path

    path = Path(path)
    try:
        with atomic_path(path, label) as tmp, _layout_fits(fig):
            fig.savefig(tmp, dpi=dpi, format=path.suffix.lstrip(".").lower(), metadata=_metadata(path.suffix))
    finally:
        _pyplot().close(fig)


def _metadata(suffix: str) -> dict[str, Any]:
    # No dates or versions in the file: regenerating a figure gives the same bytes on the same matplotlib.
    if suffix.lower() == ".svg":
        return {"Date": None, "Creator": "resnet-inspect"}
    if suffix.lower() == ".pdf":
        return {"CreationDate": None, "ModDate": None, "Creator": "resnet-inspect", "Producer": "resnet-inspect"}
    return {"Software": "resnet-inspect"}
