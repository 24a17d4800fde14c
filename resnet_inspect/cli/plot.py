"""`resnet-inspect plot KIND`: one subcommand per kind of figure, each with only the options it reads, drawing
from the same verified results the tables show. Every figure is written whole (PNG, SVG or PDF by --output's
suffix), or not at all."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from ..core.configs import split_archs
from ..core.errors import InspectError
from ..core.spec import ResNetSpec, parse_size
from .boundary import OneLineErrors
from .options import Batch, DType, Size, network_options, size_of
from .output import output_path, progress

app = typer.Typer(
    cls=OneLineErrors,
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    help="Draw a figure from the same verified numbers the tables show, to a PNG, SVG or PDF file.",
)

FigureFile = Annotated[Path, typer.Option("--output", help="The figure file: .png, .svg or .pdf.", parser=output_path)]
Dpi = Annotated[int, typer.Option(help="Dots per inch for PNG.")]
FigSize = Annotated[str | None, typer.Option(help="W,H in inches, or column (3.5 in wide) or slide (10×5.6).")]
Log = Annotated[bool, typer.Option("--log", help="Logarithmic axes.")]
Stage = Annotated[str | None, typer.Option(help="The stage (layer1..layerN) to draw.")]


def draw(output: Path, dpi: int, figsize: str | None, figure: Callable[[], Any]) -> None:
    """Refuse a bad file, dpi or size before any work; then draw, and write the figure whole."""
    from ..files import check_output_path
    from ..views import figures

    if output.suffix.lower() not in figures.SUFFIXES:
        raise InspectError(f"--output {str(output)!r}: name the figure .png, .svg or .pdf")
    if not 10 <= dpi <= 1200:
        raise InspectError(f"--dpi {dpi} is not valid; use 10 to 1200")
    figures.parse_figsize(figsize)
    check_output_path(output, "--output")
    figures.save(figure(), output, dpi=dpi, label="--output")
    typer.echo(f"wrote {output} ({output.stat().st_size:,} bytes)", err=True)


def _analysis(spec: ResNetSpec, size: str | None, batch: int):
    from ..features.table import analyze

    return analyze(spec, size_of(spec, size), batch=batch)


@app.command()
@network_options
def stages(
    spec: ResNetSpec,
    output: FigureFile = Path("figure.png"),
    size: Size = None,
    batch: Batch = 1,
    dpi: Dpi = 200,
    figsize: FigSize = None,
) -> None:
    """Each stage's share of MACs and parameters."""
    from ..views import figures

    draw(output, dpi, figsize, lambda: figures.stages_figure(_analysis(spec, size, batch), figsize=figsize))


@app.command()
@network_options
def layers(
    spec: ResNetSpec,
    output: FigureFile = Path("figure.png"),
    size: Size = None,
    batch: Batch = 1,
    log: Log = False,
    dpi: Dpi = 200,
    figsize: FigSize = None,
) -> None:
    """MACs and parameters of every conv and linear layer."""
    from ..views import figures

    draw(output, dpi, figsize, lambda: figures.layers_figure(_analysis(spec, size, batch), log=log, figsize=figsize))


@app.command()
@network_options
def shapes(
    spec: ResNetSpec,
    output: FigureFile = Path("figure.png"),
    size: Size = None,
    batch: Batch = 1,
    dpi: Dpi = 200,
    figsize: FigSize = None,
) -> None:
    """The feature map's side and channels through the network."""
    from ..views import figures

    draw(output, dpi, figsize, lambda: figures.shapes_figure(_analysis(spec, size, batch), figsize=figsize))


@app.command()
def depths(
    archs: Annotated[str | None, typer.Option(help="The networks (default: 18,34,50,101,152).")] = None,
    output: FigureFile = Path("figure.png"),
    size: Size = None,
    batch: Batch = 1,
    dpi: Dpi = 200,
    figsize: FigSize = None,
) -> None:
    """Parameters and MACs per stage across networks."""
    from ..features.compare import compare_networks
    from ..views import figures

    names = split_archs(archs, "--archs") if archs is not None else [f"resnet{d}" for d in (18, 34, 50, 101, 152)]
    draw(
        output,
        dpi,
        figsize,
        lambda: figures.depths_figure(
            compare_networks(names, parse_size(size or 224), batch=batch).analyses, figsize=figsize
        ),
    )


@app.command()
def blocks(
    channels: Annotated[int, typer.Option(help="Stage width.")] = 64,
    size: Annotated[str | None, typer.Option(help="The block's input size (56).")] = None,
    stride: Annotated[int, typer.Option(help="1 or 2.")] = 1,
    groups: Annotated[int | None, typer.Option(help="Add a ResNeXt block with this many groups.")] = None,
    block_size: Annotated[str | None, typer.Option(hidden=True)] = None,  # the spelling before --size
    block_groups: Annotated[int | None, typer.Option(hidden=True)] = None,  # the spelling before --groups
    output: FigureFile = Path("figure.png"),
    batch: Batch = 1,
    dpi: Dpi = 200,
    figsize: FigSize = None,
) -> None:
    """Block designs' MACs and parameters, conv by conv (the options of `blocks`)."""
    from ..features.blocks import compare_blocks
    from ..views import figures

    hw, groups = parse_size(size or block_size or "56"), groups if groups is not None else block_groups
    draw(
        output,
        dpi,
        figsize,
        lambda: figures.blocks_figure(
            compare_blocks(channels, hw, stride=stride, groups=groups, batch=batch), figsize=figsize
        ),
    )


@app.command()
@network_options
def sweep(
    spec: ResNetSpec,
    sizes: Annotated[str, typer.Option(help="start:stop:step or a list.")] = "32:1024:16",
    output: FigureFile = Path("figure.png"),
    batch: Batch = 1,
    dtype: DType = "float32",
    log: Log = False,
    dpi: Dpi = 200,
    figsize: FigSize = None,
) -> None:
    """MACs, activation memory and MACs per pixel over input sizes; each jump marked with the stage whose map
    steps."""
    from ..features.sweep import parse_sizes
    from ..features.sweep import sweep as run
    from ..views import figures

    def figure() -> Any:
        size_list = parse_sizes(sizes)
        with progress(len(size_list)) as advance:
            result = run(spec, size_list, batches=(batch,), dtype=dtype, progress=advance)
        return figures.sweep_figure(result, log=log, figsize=figsize)

    draw(output, dpi, figsize, figure)


@app.command()
@network_options
def roofline(
    spec: ResNetSpec,
    hardware: Annotated[
        str,
        typer.Option(
            "--hardware", "--device", help="The device whose roof it is: h100-sxm, h200, a100-sxm or laptop-cpu."
        ),
    ] = "h100-sxm",
    peak_tflops: Annotated[float | None, typer.Option(help="Peak TFLOP/s instead of --hardware's.")] = None,
    peak_gbs: Annotated[float | None, typer.Option(help="Bandwidth GB/s instead of --hardware's.")] = None,
    output: FigureFile = Path("figure.png"),
    size: Size = None,
    batch: Batch = 1,
    dtype: DType = "float32",
    dpi: Dpi = 200,
    figsize: FigSize = None,
) -> None:
    """Every conv and linear layer on a device's roofline."""
    from ..core.devices import roof
    from ..core.memory import canonical_dtype, layer_memory
    from ..views import figures

    dtype = canonical_dtype(dtype)
    limits = roof(hardware, dtype, peak_tflops=peak_tflops, peak_gbs=peak_gbs)  # an unknown device: before any work

    def figure() -> Any:
        analysis = _analysis(spec, size, batch)
        return figures.roofline_figure(
            analysis,
            layer_memory(analysis.trace, dtype),
            peak_macs_per_s=limits.peak_macs_per_s,
            bandwidth=limits.bandwidth,
            device=limits.label,
            dtype=dtype,
            figsize=figsize,
        )

    draw(output, dpi, figsize, figure)


@app.command()
@network_options
def diagram(
    spec: ResNetSpec,
    output: FigureFile = Path("figure.png"),
    size: Size = None,
    batch: Batch = 1,
    dpi: Dpi = 200,
    figsize: FigSize = None,
) -> None:
    """The network as the paper's Figure 3: a column, blocks collapsed per stage."""
    from ..features.architecture import network_diagram
    from ..views import diagrams

    draw(
        output,
        dpi,
        figsize,
        lambda: diagrams.network_figure(network_diagram(spec, size_of(spec, size), batch=batch), figsize=figsize),
    )


@app.command()
@network_options
def block(
    spec: ResNetSpec,
    network_given: bool,
    stage: Stage = None,
    output: FigureFile = Path("figure.png"),
    size: Size = None,
    dpi: Dpi = 200,
    figsize: FigSize = None,
) -> None:
    """Blocks op by op as the paper's Figure 5: its basic and bottleneck blocks, or with --depth/--arch (or any
    knob) that network's blocks of --stage (layer1 by default)."""
    from ..features.architecture import block_diagrams, paper_blocks
    from ..views import diagrams

    if stage is None and not network_given:  # no --depth, --arch or knob: the paper's own blocks
        hw = parse_size(size or 224)
        title = f"Basic and bottleneck blocks (the paper's Figure 5), {hw[0]}×{hw[1]} input"
        return draw(output, dpi, figsize, lambda: diagrams.block_figure(paper_blocks(hw), figsize=figsize, title=title))
    stage, (h, w) = stage or spec.stages[0], size_of(spec, size)
    draw(
        output,
        dpi,
        figsize,
        lambda: diagrams.block_figure(
            block_diagrams(spec, stage, (h, w)),
            figsize=figsize,
            title=f"{spec.name}: the blocks of {stage} at {h}×{w} input",
        ),
    )


@app.command()
@network_options
def rf(
    spec: ResNetSpec,
    stage: Annotated[
        str | None,
        typer.Option(
            help="The stage whose effective field is drawn (default: the last; 'none' for the field per layer alone)."
        ),
    ] = None,
    output: FigureFile = Path("figure.png"),
    size: Size = None,
    dpi: Dpi = 200,
    figsize: FigSize = None,
) -> None:
    """The receptive field of every layer, and a stage's measured effective field (Luo et al. 2016)."""
    from ..core.shapes import trace
    from ..features.receptive_field import effective_field
    from ..views.field_figures import field_figure

    h, w = size_of(spec, size)
    measured = (lambda: None) if stage == "none" else (lambda: effective_field(spec, h, w, stage))
    draw(output, dpi, figsize, lambda: field_figure(trace(spec, h, w), effective=measured(), figsize=figsize))
