"""Matplotlib figures, drawn from the same verified analyses and records as the tables.

Every function returns a `Figure`; only the CLI saves. Colours are the Okabe–Ito palette (safe for the
common colour-vision deficiencies); units are in every axis label. matplotlib is imported on first use
with the headless Agg backend.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..core.spec import paper_stage_name as paper_stage
from ..core.spec import stage_names
from ..features.table import Analysis, Level, rows

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..core.memory import LayerMemory
    from ..features.compare import BlockComparison, SweepPoint

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


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {
            "figure.dpi": 100,
            "font.size": 10,
            "axes.titlesize": 11,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "svg.hashsalt": "resnet-inspect",  # the same SVG for the same figure
        }
    )
    return plt


def _input_text(analysis: Analysis) -> str:
    n, c, h, w = analysis.input_shape
    return f"{h}×{w}" + (f", batch {n}" if n != 1 else "") + (f", {c} channels" if c != 3 else "")


def _stage_label(stage: str) -> str:
    return f"{stage}\n({paper_stage(stage)})"


def stages_figure(analysis: Analysis) -> Figure:
    """Each stage's share of the MACs beside its share of the parameters."""
    plt = _pyplot()
    stage_rows = rows(analysis, Level.stage)
    macs = [100 * r.macs_conv_linear / analysis.macs for r in stage_rows]
    params = [100 * r.params / analysis.params for r in stage_rows]
    fig, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
    x = range(len(stage_rows))
    width = 0.38
    bars_m = ax.bar([i - width / 2 for i in x], macs, width, color=MACS_COLOUR, label="share of MACs (conv + linear)")
    bars_p = ax.bar([i + width / 2 for i in x], params, width, color=PARAMS_COLOUR, label="share of parameters")
    for bars in (bars_m, bars_p):
        ax.bar_label(bars, fmt="%.1f%%", fontsize=8, padding=2)
    ax.set_xticks(list(x), [_stage_label(r.name) for r in stage_rows])
    ax.set_ylabel("share of the network's total (%)")
    ax.set_ylim(0, max(macs + params) * 1.15)
    ax.legend(frameon=False, loc="upper left")
    ax.set_title(
        f"{analysis.spec.name} at {_input_text(analysis)}: compute sits early, parameters late\n"
        f"{analysis.macs / 1e9:.2f} GMACs, {analysis.params / 1e6:.2f} M parameters in all"
    )
    return fig


def layers_figure(analysis: Analysis) -> Figure:
    """MACs and parameters of every conv and linear layer along the depth, with cumulative shares."""
    plt = _pyplot()
    weighted = [row for row in analysis.rows if row.traced.kind in ("conv", "linear")]
    x = list(range(len(weighted)))
    colours = [STAGE_COLOURS[row.traced.stage] for row in weighted]
    fig, (ax_m, ax_p) = plt.subplots(2, 1, figsize=(11, 6.5), sharex=True, layout="constrained")
    panels = (
        (ax_m, [row.macs / 1e6 for row in weighted], "MACs per layer (millions)", "cumulative share of MACs"),
        (ax_p, [row.traced.params / 1e6 for row in weighted], "parameters per layer (millions)",
         "cumulative share of parameters"),
    )  # fmt: skip
    for ax, values, label, cumulative_label in panels:
        ax.bar(x, values, width=1.0, color=colours, linewidth=0)
        # Log scale where the layers span more than two decades (parameters: the stem's 9K to layer4's 2.4M).
        logarithmic = max(values) / max(min(v for v in values if v > 0), 1e-9) > 100
        ax.set_ylabel(label + (", log scale" if logarithmic else ""))
        if logarithmic:
            ax.set_yscale("log")
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
    handles = [Patch(color=STAGE_COLOURS[s], label=f"{s} ({paper_stage(s)})") for s in present]
    ax_m.legend(handles=handles, ncols=len(handles), loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False,
                fontsize=9)  # fmt: skip
    ax_p.set_xlabel(f"conv and linear layers in execution order ({len(weighted)} of them)")
    ax_p.set_xlim(-0.5, len(weighted) - 0.5)
    fig.suptitle(f"{analysis.spec.name} at {_input_text(analysis)}: MACs and parameters layer by layer")
    return fig


def depths_figure(analyses: Sequence[Analysis]) -> Figure:
    """Stacked parameters and MACs per stage across networks."""
    plt = _pyplot()
    fig, (ax_p, ax_m) = plt.subplots(1, 2, figsize=(11, 4.8), layout="constrained")
    names = [a.spec.name for a in analyses]
    for ax, metric, unit in ((ax_p, "params", "parameters (millions)"), (ax_m, "macs", "GMACs (conv + linear)")):
        bottoms = [0.0] * len(analyses)
        for stage in dict.fromkeys(s for a in analyses for s in stage_names(a.spec)):
            values = []
            for a in analyses:
                r = {row.name: row for row in rows(a, Level.stage)}.get(stage)
                values.append(0.0 if r is None else r.params / 1e6 if metric == "params" else r.macs_conv_linear / 1e9)
            ax.bar(names, values, bottom=bottoms, color=STAGE_COLOURS[stage], label=f"{stage} ({paper_stage(stage)})")
            bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
        for i, total in enumerate(bottoms):
            ax.text(i, total, f"{total:.1f}" if metric == "params" else f"{total:.2f}", ha="center", va="bottom",
                    fontsize=8)  # fmt: skip
        ax.set_ylabel(unit)
        ax.set_ylim(0, max(bottoms) * 1.1)
        ax.tick_params(axis="x", rotation=30 if max(len(n) for n in names) > 9 else 0)
    size = _input_text(analyses[0])
    ax_p.set_title(f"Parameters per stage at {size}")
    ax_m.set_title(f"MACs per stage at {size}")
    handles, labels = ax_m.get_legend_handles_labels()
    # Top to bottom, as the segments are stacked.
    fig.legend(handles[::-1], labels[::-1], loc="outside right center", frameon=False)
    return fig


def blocks_figure(comparison: BlockComparison) -> Figure:
    """Each design's MACs and parameters, conv by conv."""
    plt = _pyplot()
    fig, (ax_m, ax_p) = plt.subplots(1, 2, figsize=(11, 4.8), layout="constrained")
    palette = [OKABE_ITO[c] for c in ("orange", "sky", "green", "blue", "purple", "vermillion")]
    labels = [d.label for d in comparison.designs]
    for ax, metric, unit in ((ax_m, "macs", "MACs (millions)"), (ax_p, "params", "parameters (thousands)")):
        for i, design in enumerate(comparison.designs):
            bottom = 0.0
            for j, conv in enumerate(design.convs):
                value = conv.macs / 1e6 if metric == "macs" else conv.params / 1e3
                kernel = f"{conv.kernel[0]}×{conv.kernel[1]}" + (f" g{conv.groups}" if conv.groups > 1 else "")
                channels = f"{conv.in_shape[1]}→{conv.out_shape[1]}"
                share = value / (design.macs / 1e6 if metric == "macs" else design.conv_params / 1e3)
                ax.bar(i, value, bottom=bottom, color=palette[j % len(palette)], edgecolor="white", width=0.6)
                # A thin segment (ResNeXt's grouped 3×3) gets its kernel only, so the label fits inside the bar.
                if share > 0.03:
                    label = f"{kernel} {channels}" if share > 0.1 and conv.groups == 1 else kernel
                    ax.text(i, bottom + value / 2, label, ha="center", va="center", fontsize=8)
                bottom += value
            ax.text(i, bottom, f"{bottom:,.1f}", ha="center", va="bottom", fontsize=9)
        ax.set_xticks(range(len(labels)), labels)
        ax.set_ylabel(unit)
        top = max(d.macs / 1e6 if metric == "macs" else d.conv_params / 1e3 for d in comparison.designs)
        ax.set_ylim(0, top * 1.12)
    ax_m.set_title("MACs, conv by conv")
    ax_p.set_title("Conv parameters, conv by conv")
    fig.suptitle(f"Block designs at {comparison.place}" + (", stride 2" if comparison.stride == 2 else ""))
    return fig


def sweep_figure(points: Sequence[SweepPoint], name: str, *, log: bool = False, dtype: str = "float32") -> Figure:
    """MACs and MACs per pixel against input size: the rounding staircase."""
    from ..features.compare import JUMP

    plt = _pyplot()
    points = [p for p in points if p.batch == points[0].batch]
    sides = [p.size[0] for p in points]
    fig, (ax_m, ax_px) = plt.subplots(2, 1, figsize=(10, 6.5), sharex=True, layout="constrained")
    ax_m.plot(sides, [p.macs / 1e9 for p in points], color=MACS_COLOUR, marker="o", markersize=3, label="MACs")
    ax_m.set_ylabel("GMACs (conv + linear)")
    mem = ax_m.twinx()
    mem.plot(sides, [p.activation_bytes / 2**20 for p in points], color=PARAMS_COLOUR, linestyle="--",
             label=f"activation memory ({dtype})")  # fmt: skip
    mem.set_ylabel(f"activation memory (MiB, {dtype})")
    mem.spines["right"].set_visible(True)
    lines = ax_m.get_lines() + mem.get_lines()
    ax_m.legend(lines, [line.get_label() for line in lines], frameon=False, loc="upper left")
    per_pixel = [p.macs_per_pixel / 1e3 for p in points]
    ax_px.step(sides, per_pixel, where="mid", color=OKABE_ITO["black"])
    jumps = [i for i in range(1, len(points)) if points[i].macs_per_pixel > points[i - 1].macs_per_pixel * (1 + JUMP)]
    ax_px.plot([sides[i] for i in jumps], [per_pixel[i] for i in jumps], "^", color=OKABE_ITO["orange"],
               label=f"MACs per pixel jump > {JUMP:.0%}")  # fmt: skip
    ax_px.set_ylabel("thousand MACs per input pixel")
    ax_px.set_xlabel("input size (pixels per side)" + (", log scale" if log else ""))
    if jumps:
        ax_px.legend(frameon=False, loc="upper right")
    if log:
        for ax in (ax_m, ax_px):
            ax.set_xscale("log", base=2)
        ax_m.set_yscale("log")
        mem.set_yscale("log")
    batch = points[0].batch
    ax_m.set_title(
        f"{name} from {sides[0]} to {sides[-1]} pixels" + (f", batch {batch}" if batch != 1 else "")
        + ": sizes just past a multiple of 32 cost more per pixel"
    )  # fmt: skip
    return fig


def shapes_figure(analysis: Analysis) -> Figure:
    """The feature map through the network: spatial side and channels after each block."""
    plt = _pyplot()
    points = []  # (label, stage, height, width, channels)
    for r in rows(analysis, Level.block):
        shape = r.out_shape
        if len(shape) == 4:
            points.append((r.name, r.stage, shape[2], shape[3], shape[1]))
    x = list(range(len(points)))
    fig, ax = plt.subplots(figsize=(10, 4.8), layout="constrained")
    lines = ax.step(x, [p[2] for p in points], where="mid", color=MACS_COLOUR, linewidth=2, marker="o",
                    markersize=3, label="feature-map height")  # fmt: skip
    if any(p[2] != p[3] for p in points):
        lines += ax.step(x, [p[3] for p in points], where="mid", color=MACS_COLOUR, linestyle=":",
                         label="feature-map width")  # fmt: skip
    ax.set_yscale("log", base=2)
    ax.set_ylabel("feature-map side (pixels, log₂ scale)")
    twin = ax.twinx()
    lines += twin.step(x, [p[4] for p in points], where="mid", color=PARAMS_COLOUR, linewidth=2, marker="s",
                       markersize=3, label="channels")  # fmt: skip
    twin.set_yscale("log", base=2)
    twin.set_ylabel("channels (log₂ scale)")
    twin.spines["right"].set_visible(True)
    from matplotlib.ticker import NullLocator

    # Ticks at the values that occur, not at powers of two the network never has (56, 28, 14, 7).
    for axis, values in ((ax, {p[2] for p in points} | {p[3] for p in points}), (twin, {p[4] for p in points})):
        axis.set_yticks(sorted(values), [str(v) for v in sorted(values)])
        axis.yaxis.set_minor_locator(NullLocator())
    seen = set()
    ticks, labels = [], []
    for i, (_, stage, h, w, c) in enumerate(points):
        if stage not in seen:
            seen.add(stage)
            if i:
                ax.axvline(i - 0.5, color=OKABE_ITO["grey"], linewidth=0.8, linestyle="--")
        last = i == len(points) - 1 or points[i + 1][1] != stage
        if last:
            ticks.append(i)
            labels.append(f"{_stage_label(stage)}\n{c}×{h}×{w}")
    ax.set_xticks(ticks, labels, fontsize=8)
    ax.set_xlabel("block outputs in execution order (ticks: each stage's output, C×H×W)")
    ax.legend(lines, [line.get_label() for line in lines], frameon=False, loc="center left")
    ax.set_title(f"{analysis.spec.name} at {_input_text(analysis)}: the feature map narrows and deepens")
    return fig


def roofline_figure(
    analysis: Analysis, layers: Sequence[LayerMemory], *, peak_macs_per_s: float, bandwidth: float, device: str,
    dtype: str,
) -> Figure:  # fmt: skip
    """Each conv and linear layer at its arithmetic intensity, on the roofline of a device."""
    plt = _pyplot()
    stage_of = {row.name: row.traced.stage for row in analysis.rows}
    weighted = [m for m in layers if m.macs > 0]
    fig, ax = plt.subplots(figsize=(9, 5.5), layout="constrained")
    intensities = [m.intensity for m in weighted]
    low, high = min(intensities) / 2, max(intensities) * 2
    ridge = peak_macs_per_s / bandwidth
    xs = sorted({low, high, ridge} | set(intensities))
    xs = [x for x in xs if low <= x <= high]
    roof = f"roofline: {bandwidth / 1e9:,.0f} GB/s, {2 * peak_macs_per_s / 1e12:,.1f} TFLOP/s {dtype}"
    ax.plot(xs, [min(peak_macs_per_s, bandwidth * x) / 1e9 for x in xs], color=OKABE_ITO["black"], linewidth=1.5,
            label=roof)  # fmt: skip
    if low <= ridge <= high:
        ax.axvline(ridge, color=OKABE_ITO["grey"], linestyle=":", linewidth=1)
        ax.annotate(f"ridge: {ridge:.0f} MACs/byte", (ridge, peak_macs_per_s / 1e9), textcoords="offset points",
                    xytext=(6, -14), fontsize=8)  # fmt: skip
    largest = max(m.macs for m in weighted)
    for stage in dict.fromkeys(stage_of.values()):
        members = [m for m in weighted if stage_of[m.name] == stage]
        if not members:
            continue
        ax.scatter(
            [m.intensity for m in members],
            [min(peak_macs_per_s, bandwidth * m.intensity) / 1e9 for m in members],
            s=[15 + 135 * m.macs / largest for m in members],
            color=STAGE_COLOURS[stage], edgecolor="white", linewidth=0.5, alpha=0.9,
            label=f"{stage} ({paper_stage(stage)})", zorder=3,
        )  # fmt: skip
    ax.set_xscale("log")
    ax.set_yscale("log")
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}" if v >= 1 else f"{v:g}"))
        axis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("arithmetic intensity (MACs per byte moved: weights + inputs + outputs)")
    ax.set_ylabel("attainable GMAC/s (log scale)")
    free = sum(m.bytes_moved for m in layers if m.macs == 0)
    ax.set_title(
        f"{analysis.spec.name} at {_input_text(analysis)}, {dtype}, on {device}\n"
        f"conv and linear layers, marker area ∝ MACs\n"
        f"(batch norm, ReLU, pooling and adds also move {free / 2**20:,.0f} MiB, at no MACs)",
        fontsize=10,
    )
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    return fig


SUFFIXES = (".png", ".svg", ".pdf")


def save(fig: Any, path: Any, *, dpi: int = 200) -> None:
    """Write the figure whole or not at all, as PNG, SVG or PDF by the path's suffix."""
    from pathlib import Path

    from ..files import atomic_path

    path = Path(path)
    try:
        with atomic_path(path) as tmp:
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
