"""The kinds of `resnet-inspect plot`: one entry each, from the command's options to a matplotlib Figure.

A new kind is one function taking `PlotOptions` and one line in `PLOTS`; the command, its help and its
checks read the table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .cli_support import network, progress, size_of, split_archs
from .core.errors import InspectError
from .core.spec import ResNetSpec, parse_size

if TYPE_CHECKING:
    from matplotlib.figure import Figure


@dataclass(frozen=True)
class PlotOptions:
    """Everything `plot` was given; each kind reads what it needs."""

    spec: ResNetSpec
    size: str | None
    batch: int
    archs: str | None
    sizes: str
    log: bool
    dtype: str
    channels: int
    block_size: str
    stride: int
    block_groups: int | None
    device: str
    peak_tflops: float | None
    peak_gbs: float | None
    stage: str | None
    figsize: str | None

    @property
    def hw(self) -> tuple[int, int]:
        return size_of(self.spec, self.size)

    def analysis(self) -> Any:
        from .features.table import analyze

        return analyze(self.spec, self.hw, batch=self.batch)


@dataclass(frozen=True)
class PlotKind:
    draw: Callable[[PlotOptions], Figure]
    help: str  # what it draws, for `plot --help`
    log: bool = False  # takes --log
    stage: bool = False  # takes --stage


def _stages(o: PlotOptions) -> Figure:
    from .views import figures

    return figures.stages_figure(o.analysis(), figsize=o.figsize)


def _layers(o: PlotOptions) -> Figure:
    from .views import figures

    return figures.layers_figure(o.analysis(), log=o.log, figsize=o.figsize)


def _shapes(o: PlotOptions) -> Figure:
    from .views import figures

    return figures.shapes_figure(o.analysis(), figsize=o.figsize)


def _depths(o: PlotOptions) -> Figure:
    from .features.table import analyze
    from .views import figures

    names = split_archs(o.archs) if o.archs is not None else [f"resnet{d}" for d in (18, 34, 50, 101, 152)]
    analyses = [analyze(name, parse_size(o.size or 224), batch=o.batch) for name in names]
    return figures.depths_figure(analyses, figsize=o.figsize)


def _blocks(o: PlotOptions) -> Figure:
    from .features.blocks import compare_blocks
    from .views import figures

    return figures.blocks_figure(compare_blocks(o.channels, parse_size(o.block_size), stride=o.stride,
                                                groups=o.block_groups, batch=o.batch), figsize=o.figsize)  # fmt: skip


def _sweep(o: PlotOptions) -> Figure:
    from .features.sweep import parse_sizes, sweep
    from .views import figures

    size_list = parse_sizes(o.sizes)
    with progress(len(size_list)) as advance:
        result = sweep(o.spec, size_list, batches=(o.batch,), dtype=o.dtype, progress=advance)
    return figures.sweep_figure(result, log=o.log, figsize=o.figsize)


def _roofline(o: PlotOptions) -> Figure:
    from .core.devices import roof
    from .core.memory import layer_memory
    from .views import figures

    analysis = o.analysis()
    limits = roof(o.device, o.dtype, peak_tflops=o.peak_tflops, peak_gbs=o.peak_gbs)
    return figures.roofline_figure(analysis, layer_memory(analysis.trace, o.dtype),
                                   peak_macs_per_s=limits.peak_macs_per_s, bandwidth=limits.bandwidth,
                                   device=limits.label, dtype=o.dtype, figsize=o.figsize)  # fmt: skip


def _diagram(o: PlotOptions) -> Figure:
    from .features.architecture import network_diagram
    from .views import diagrams

    return diagrams.network_figure(network_diagram(o.spec, o.hw, batch=o.batch), figsize=o.figsize)


def _block(o: PlotOptions) -> Figure:
    from .features.architecture import block_diagrams, paper_blocks
    from .views import diagrams

    if o.stage is None and o.spec == network():
        size = parse_size(o.size or 224)
        return diagrams.block_figure(paper_blocks(size), figsize=o.figsize,
                                     title=f"Basic and bottleneck blocks (the paper's Figure 5), "
                                           f"{size[0]}×{size[1]} input")  # fmt: skip
    stage = o.stage or o.spec.stages[0]
    h, w = o.hw
    return diagrams.block_figure(block_diagrams(o.spec, stage, (h, w)), figsize=o.figsize,
                                 title=f"{o.spec.name}: the blocks of {stage} at {h}×{w} input")  # fmt: skip


def _rf(o: PlotOptions) -> Figure:
    from .core.shapes import trace
    from .features.receptive_field import effective_field
    from .views.field_figures import field_figure

    traced = trace(o.spec, *o.hw)
    stage = o.stage or [layer.stage for layer in traced.layers if layer.stage != "head"][-1]
    if stage == "none":
        return field_figure(traced, figsize=o.figsize)
    measured = effective_field(o.spec, *o.hw, stage)
    return field_figure(traced, stage=stage, heatmap=measured.heatmap.numpy(), spread=measured.spread,
                        unit_field=measured.unit_field, figsize=o.figsize)  # fmt: skip


PLOTS: dict[str, PlotKind] = {
    "stages": PlotKind(_stages, "each stage's share of MACs and parameters"),
    "layers": PlotKind(_layers, "MACs and parameters of every conv and linear layer", log=True),
    "depths": PlotKind(_depths, "parameters and MACs per stage across networks (--archs)"),
    "blocks": PlotKind(_blocks, "block designs' MACs and parameters, conv by conv"),
    "sweep": PlotKind(_sweep, "MACs, activation memory and MACs per pixel over input sizes (--sizes); each "
                      "jump marked with the stage whose map steps", log=True),
    "shapes": PlotKind(_shapes, "the feature map's side and channels through the network"),
    "roofline": PlotKind(_roofline, "every conv and linear layer on a device's roofline (--device)"),
    "diagram": PlotKind(_diagram, "the network as the paper's Figure 3: a column, blocks collapsed per stage"),
    "block": PlotKind(
        _block,
        "blocks op by op as the paper's Figure 5 (basic vs bottleneck, or --arch and --stage: that stage's)",
        stage=True,
    ),
    "rf": PlotKind(_rf, "the receptive field of every layer, and a stage's measured effective field", stage=True),
}


def draw(kind: str, options: PlotOptions) -> Figure:
    """The figure of `kind`, after refusing options that kind would ignore."""
    entry = PLOTS[kind]
    if options.log and not entry.log:
        takes = ", ".join(name for name, k in PLOTS.items() if k.log)
        raise InspectError(f"--log does nothing for plot {kind}; it applies to {takes}")
    if options.stage is not None and not entry.stage:
        takes = ", ".join(name for name, k in PLOTS.items() if k.stage)
        raise InspectError(f"--stage does nothing for plot {kind}; it applies to {takes}")
    return entry.draw(options)
