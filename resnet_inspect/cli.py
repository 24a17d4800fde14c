"""The `resnet-inspect` command line: one function per command, each parsing its options, calling one feature
and handing the result to a view.

Errors are not caught here: `cli_support.OneLineErrors` is the one boundary; the shared options and output
handling live there too.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from .cli_plots import PLOTS
from .cli_support import (
    Arch,
    Batch,
    Depth,
    Format,
    FormatOption,
    OneLineErrors,
    Output,
    Size,
    network,
    network_options,
    output_path,
    prepare_output,
    progress,
    require,
    say,
    show,
    show_result,
    size_of,
    split_archs,
)
from .core.configs import parse_arch
from .core.errors import InspectError
from .core.memory import canonical_dtype
from .core.spec import ResNetSpec, parse_size
from .features.rows import Level
from .records.serialize import records_csv

app = typer.Typer(
    cls=OneLineErrors,
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="See exactly what a ResNet does at a given input size: shapes, parameters and multiply-adds, "
    "layer by layer, checked against the real PyTorch model.",
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"resnet-inspect {version('resnet-inspect')}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Keeps `table` a named subcommand while it is the only one."""


DType = Annotated[str, typer.Option(help="Bytes per value: float32, float16 (fp16, half), bfloat16, float64, int8.")]


@app.command()
@network_options
def table(
    spec: ResNetSpec,
    size: Size = None,
    batch: Batch = 1,
    level: Annotated[Level, typer.Option(help="One row per layer, block or stage.")] = Level.layer,
    fmt: FormatOption = None,
    output: Output = None,
    flops: Annotated[bool, typer.Option("--flops", help="Show FLOPs = 2 × MACs instead of MACs.")] = False,
    memory: Annotated[
        bool, typer.Option("--memory", help="Bytes moved and MACs per byte per row; peak and training activations.")
    ] = False,
    dtype: DType = "float32",
    cross_check_: Annotated[
        bool,
        typer.Option("--cross-check", help="Count the totals again with torch's FlopCounterMode and (up to "
                     "1024×1024) fvcore's FlopCountAnalysis on a real forward."),
    ] = False,
    rf: Annotated[
        bool, typer.Option("--rf", help="Receptive field, jump and first centre of each row's output (pixels).")
    ] = False,
    verify_rf: Annotated[
        bool,
        typer.Option("--verify-rf", help="Prove the receptive fields on the real model: the gradient support of "
                     "block outputs' centre units on a linearized narrow copy (seconds)."),
    ] = False,
    model: Annotated[
        str | None, typer.Option(help="Any model instead: path/to/file.py:factory or package.module:factory.")
    ] = None,
    kwargs: Annotated[str | None, typer.Option(help="JSON keyword arguments for the --model factory.")] = None,
    symbolic: Annotated[
        bool,
        typer.Option(
            "--symbolic",
            help="A column with each row's output size as a closed form in H and W, "
            "proven equal to PyTorch's own symbolic shapes at every input size.",
        ),
    ] = False,
) -> None:
    """Layer-by-layer shapes, parameters and MACs of a ResNet at one input size, verified against the model."""
    from .features.cross_check import cross_check
    from .features.table import analyze, closed_form_cells, memory_view, size_note
    from .views import formats, terminal

    fmt = prepare_output(fmt, output)
    if model is not None:
        return _table_of_model(model, kwargs, size, batch, level, fmt, output, flops)
    analysis = analyze(spec, size_of(spec, size), batch=batch)
    memory_view_ = memory_view(analysis.trace, canonical_dtype(dtype)) if memory else None
    checks = cross_check(analysis) if cross_check_ else []
    cells = closed_form_cells(analysis, level) if symbolic else None
    if fmt is not Format.rich:
        for check in checks:
            say(check.line())
    show(fmt, output, lambda console: terminal.table_view(analysis, level, flops=flops, width=console.width,
                                                          memory=memory_view_, checks=checks, symbolic=cells,
                                                          fields=rf),
         json=lambda: analysis.to_json(flops=flops, cross_checks=checks, memory=memory_view_),
         csv=lambda: formats.records_csv(analysis.records(level, flops=flops, memory=memory_view_)),
         markdown=lambda: formats.to_markdown(analysis, level, flops=flops, memory=memory_view_,
                                              symbolic=cells))  # fmt: skip
    if note := size_note(analysis):
        say(note)
    if verify_rf:
        from .features.receptive_field import verification_lines, verify_fields

        fields = verify_fields(analysis.spec)
        for line in verification_lines(fields):
            say(line, err=fmt is not Format.rich)
        require(fields.ok, "the receptive field measured on the model differs from the arithmetic")
    if symbolic:
        from .runtime.symbolic import verify_symbolic

        proof = verify_symbolic(spec)
        say(proof.summary)
        require(proof.ok, f"the closed forms disagree with PyTorch's shapes: {(proof.failures or ('',))[0]}")
    for check in checks:
        if not check.ok:
            require(False, f"{check.path} counts {check.counted:,} MACs, not {check.reported:,}")
    require(analysis.verified, f"{len(analysis.problems)} disagreements between the formula and the model "
                               f"(first: {analysis.problems[:1]})")  # fmt: skip


def _table_of_model(target: str, kwargs: str | None, size, batch: int, level, fmt, output, flops: bool) -> None:
    from .capture.load import load_factory
    from .features.model_table import analyze_model
    from .views import formats, terminal

    analysis = analyze_model(load_factory(target, kwargs), size, batch=batch, name=target)
    records = analysis.records(level, flops=flops)
    show(fmt, output, lambda console: terminal.model_table_view(analysis, level, flops=flops),
         json=lambda: analysis.to_json(flops=flops), csv=lambda: formats.records_csv(records),
         markdown=lambda: formats.records_markdown(records))  # fmt: skip
    for failure in analysis.failures:
        require(False, failure)


@app.command()
def archs(size: Size = None, fmt: FormatOption = None, output: Output = None) -> None:
    """Every named config, with its parameters and MACs at its own size (or one size), each verified."""
    from .features.catalog import catalog_at
    from .views import formats, terminal

    fmt = prepare_output(fmt, output)
    result = catalog_at(parse_size(size) if size is not None else None)
    show(fmt, output, lambda console: terminal.catalog_table(result.entries), json=result.to_json,
         csv=lambda: formats.records_csv(result.records()),
         markdown=lambda: formats.catalog_markdown(result.entries))  # fmt: skip
    for failure in result.failures:
        require(False, failure)


@app.command()
def paper(
    size: Size = None,
    cifar: Annotated[bool, typer.Option("--cifar", help="The CIFAR-10 nets of Table 6 instead of Table 1.")] = False,
    stride_in: Annotated[str, typer.Option(help="v1 (the paper: stride on the first 1×1) or v1.5.")] = "v1",
    shortcut: Annotated[
        str, typer.Option(help="Table 1's option for the 18/34 columns: A (the paper's FLOPs), B or C.")
    ] = "A",
    fmt: FormatOption = None,
    output: Output = None,
) -> None:
    """The paper's Table 1 (or its CIFAR Table 6), computed: output sizes, blocks, FLOPs and parameters."""
    from .features.paper import cifar_table, paper_table
    from .views import formats, terminal

    if cifar and (stride_in, shortcut) != ("v1", "A"):  # Table 6's nets have basic blocks and option A only
        raise InspectError("--stride-in and --shortcut apply to Table 1; Table 6 (--cifar) is the paper's option A "
                           "nets, which have no bottleneck: for others use table --arch resnet56:shortcut=B")
    fmt = prepare_output(fmt, output)
    result = (cifar_table(parse_size(size or 32)) if cifar
              else paper_table(parse_size(size or 224), stride_in=stride_in, shortcut=shortcut))  # fmt: skip
    show(fmt, output, lambda console: terminal.paper_view(result),
         json=result.to_json, markdown=lambda: formats.paper_markdown(result),
         csv=lambda: formats.paper_csv(result))  # fmt: skip


@app.command()
@network_options
def explain(
    layer: Annotated[str, typer.Argument(help="A layer name from the table, like layer2.0.conv2.")],
    spec: ResNetSpec,
    size: Size = None,
    batch: Batch = 1,
    fmt: FormatOption = None,
    output: Output = None,
) -> None:
    """One layer's arithmetic with the numbers put in: output size, parameters, MACs, and fvcore's count."""
    from .features.explain import explanation
    from .features.table import analyze

    fmt = prepare_output(fmt, output)
    result = explanation(analyze(spec, size_of(spec, size), batch=batch), layer)
    show(fmt, output, lambda console: "\n".join(result.lines), json=result.to_json,
         csv=lambda: records_csv(result.records()), markdown=result.markdown)  # fmt: skip
    for failure in result.failures:
        require(False, failure)


@app.command()
def blocks(
    channels: Annotated[int, typer.Option(help="Stage width: the basic block's channels, the bottleneck's 3×3.")] = 64,
    size: Annotated[str, typer.Option(help="The block's input size: 56, or HxW.")] = "56",
    stride: Annotated[int, typer.Option(help="1: a repeated block; 2: a stage's first block.")] = 1,
    groups: Annotated[int | None, typer.Option(help="Add a ResNeXt block with this many groups (default 32).")] = None,
    width_per_group: Annotated[int | None, typer.Option(help="The ResNeXt block's width per group (4).")] = None,
    depth: Depth = None,
    arch: Arch = None,
    stage: Annotated[str | None, typer.Option(help="layer1..layerN of --depth/--arch: its width and size.")] = None,
    input_size: Annotated[str, typer.Option(help="The network's input size, with --depth/--arch.")] = "224",
    batch: Batch = 1,
    fmt: FormatOption = None,
    output: Output = None,
) -> None:
    """Basic against bottleneck (and ResNeXt) blocks at one place, conv by conv, with the arithmetic shown."""
    from .features.blocks import compare_blocks
    from .views import formats, terminal

    fmt = prepare_output(fmt, output)
    source = network(depth, arch) if depth is not None or arch is not None else None
    result = compare_blocks(channels, parse_size(size), stride=stride, groups=groups, width_per_group=width_per_group,
                            depth=source, stage=stage, input_size=parse_size(input_size), batch=batch)  # fmt: skip
    show(fmt, output, lambda console: terminal.blocks_view(result), json=result.to_json,
         csv=lambda: formats.records_csv(result.convs()),
         markdown=lambda: formats.records_markdown(result.convs()) + "\n" + formats.records_markdown(result.records())
         + f"\nbasic − bottleneck: {result.difference_formula()} MACs\n")  # fmt: skip
    for failure in result.failures:
        require(False, failure)


@app.command()
def compare(
    depths: Annotated[str | None, typer.Option(help="Paper depths side by side, like 18,34,50,101,152.")] = None,
    archs: Annotated[str | None, typer.Option(help="Named configs side by side: resnet50,resnet50d.")] = None,
    diff: Annotated[tuple[str, str] | None, typer.Option(help="Two configs, block by block.")] = None,
    size: Size = None,
    batch: Batch = 1,
    fmt: FormatOption = None,
    output: Output = None,
) -> None:
    """Networks stage by stage (params and MACs and their shares), or two configs block by block (--diff)."""
    from .features.compare import compare_networks, diff_networks
    from .views import terminal

    fmt = prepare_output(fmt, output)
    if diff is not None and (depths or archs):
        raise InspectError("--diff compares two configs on its own; drop --depths/--archs")
    names = list(diff) if diff is not None else split_archs(archs, "--archs") if archs else split_archs(
        depths or "18,34,50,101,152", "--depths")  # fmt: skip
    specs = [parse_arch(name) for name in names]
    hw = parse_size(size) if size is not None else parse_size(specs[0].default_size)
    analyses = compare_networks(specs, hw, batch=batch)
    result = diff_networks(*analyses) if diff is not None else analyses
    view = (lambda console: terminal.diff_view(result)) if diff is not None else (
        lambda console: terminal.compare_view(analyses, hw))  # fmt: skip
    show_result(fmt, output, view, result)
    for failure in result.failures:
        require(False, failure)


@app.command()
@network_options
def sweep(
    spec: ResNetSpec,
    sizes: Annotated[str, typer.Option(help="start:stop:step (stop included), or a list: 224,480x640.")] = "32:1024:32",
    batch: Annotated[str, typer.Option(help="Batch size, or a list to sweep activation memory: 1,8,64.")] = "1",
    dtype: DType = "float32",
    fmt: FormatOption = None,
    output: Output = None,
) -> None:
    """One network over many input sizes: final feature map, MACs, MACs per pixel, activation memory."""
    from .core.spec import parse_ints
    from .features.sweep import parse_sizes
    from .features.sweep import sweep as run_sweep
    from .views import terminal

    fmt = prepare_output(fmt, output)
    size_list, dtype = parse_sizes(sizes), canonical_dtype(dtype)
    with progress(len(size_list)) as advance:
        result = run_sweep(spec, size_list, batches=parse_ints("batch", batch), dtype=dtype, progress=advance)
    show_result(fmt, output, lambda console: terminal.sweep_view(result), result)
    if result.points:
        say(f"verified by: {result.verified_by}")
    if fmt is Format.rich:
        causes = [r.jump_cause for r in result.records() if r.jump_cause]
        for cause in causes[:JUMPS_SHOWN]:
            say(f"▲ {cause}")
        if len(causes) > JUMPS_SHOWN:
            more = len(causes) - JUMPS_SHOWN
            say(f"… {more} more jump{'s' * (more > 1)}: --format json gives each one's cause")
    for failure in result.failures:
        require(False, failure)


JUMPS_SHOWN = 8  # jump explanations printed under a terminal sweep


PlotKind = StrEnum("PlotKind", {name: name for name in PLOTS})  # type: ignore[misc]


@app.command()
@network_options
def plot(
    kind: Annotated[PlotKind, typer.Argument(help="; ".join(f"{name}: {k.help}" for name, k in PLOTS.items()))],
    spec: ResNetSpec,
    output: Annotated[
        Path, typer.Option(help="The figure file: .png, .svg or .pdf.", parser=output_path)
    ] = Path("figure.png"),
    size: Size = None,
    batch: Batch = 1,
    archs: Annotated[str | None, typer.Option(help="depths: the networks (default: 18..152).")] = None,
    sizes: Annotated[str, typer.Option(help="sweep: start:stop:step or a list.")] = "32:1024:16",
    log: Annotated[bool, typer.Option("--log", help="sweep and layers: logarithmic axes.")] = False,
    dtype: DType = "float32",
    channels: Annotated[int, typer.Option(help="blocks: stage width.")] = 64,
    block_size: Annotated[str, typer.Option(help="blocks: the block's input size.")] = "56",
    stride: Annotated[int, typer.Option(help="blocks: 1 or 2.")] = 1,
    block_groups: Annotated[int | None, typer.Option(help="blocks: add a ResNeXt block with this many groups.")] = None,
    stage: Annotated[
        str | None,
        typer.Option(
            help="block: this stage's blocks (layer1..layerN) of --depth/--arch; with neither, the paper's basic "
            "and bottleneck blocks. rf: the stage whose effective field is drawn (default: the last; 'none' for "
            "the field per layer alone)."
        ),
    ] = None,
    device: Annotated[str, typer.Option(help="roofline: h100-sxm, h200, a100-sxm or laptop-cpu.")] = "h100-sxm",
    peak_tflops: Annotated[float | None, typer.Option(help="roofline: peak TFLOP/s instead of --device's.")] = None,
    peak_gbs: Annotated[float | None, typer.Option(help="roofline: bandwidth GB/s instead of --device's.")] = None,
    figsize: Annotated[
        str | None, typer.Option(help="W,H in inches, or column (3.5 in wide) or slide (10×5.6).")
    ] = None,
    dpi: Annotated[int, typer.Option(help="Dots per inch for PNG.")] = 200,
) -> None:
    """Draw a figure from the same verified numbers the tables show, to a PNG, SVG or PDF file."""
    from .cli_plots import PlotOptions, draw
    from .cli_support import check_writable
    from .views import figures

    if output.suffix.lower() not in figures.SUFFIXES:
        raise InspectError(f"--output {str(output)!r}: name the figure .png, .svg or .pdf")
    if not 10 <= dpi <= 1200:
        raise InspectError(f"--dpi {dpi} is not valid; use 10 to 1200")
    figures.parse_figsize(figsize)  # a bad size is refused before any work
    check_writable(output)
    figure = draw(kind.value, PlotOptions(spec, size, batch, archs, sizes, log, canonical_dtype(dtype), channels,
                                          block_size, stride, block_groups, device, peak_tflops, peak_gbs, stage,
                                          figsize))  # fmt: skip
    figures.save(figure, output, dpi=dpi, label="--output")
    typer.echo(f"wrote {output} ({output.stat().st_size:,} bytes)", err=True)


@app.command("profile")
@network_options
def profile_command(
    spec: ResNetSpec,
    size: Size = None,
    batch: Batch = 1,
    device: Annotated[str, typer.Option(help="cpu, cuda, or auto (CUDA when present).")] = "auto",
    dtype: Annotated[str, typer.Option(help="float32, float16 or bfloat16.")] = "float32",
    channels_last: Annotated[bool, typer.Option("--channels-last", help="NHWC memory format.")] = False,
    warmup: Annotated[int, typer.Option(help="Untimed passes first (GPU clocks and caches settle).")] = 10,
    repeats: Annotated[int, typer.Option(help="Timed passes; medians and spreads are over these.")] = 10,
    compile: Annotated[bool, typer.Option("--compile", help="Time torch.compile'd segments instead.")] = False,
    level: Annotated[Level, typer.Option(help="stage or block rows (layer: as block).")] = Level.stage,
    fmt: FormatOption = None,
    output: Output = None,
) -> None:
    """Time the real model per stage and per block; time shares against MAC shares, and GMAC/s."""
    from .features.profile import profile
    from .views import formats, terminal

    fmt = prepare_output(fmt, output)
    hw, dtype = size_of(spec, size), canonical_dtype(dtype)
    with progress(repeats, minimum=1) as advance:
        try:
            result = profile(spec, hw, device=device, batch=batch, dtype=dtype, channels_last=channels_last,
                             warmup=warmup, repeats=repeats, compile=compile, progress=advance)  # fmt: skip
        except RuntimeError as error:  # a dtype or kernel the device does not have
            from .core.errors import first_line

            raise InspectError(f"the model could not run as asked ({device}, {dtype}): {first_line(error)}") from None
    rows_ = result.records("stage" if level is Level.stage else "block")
    show(fmt, output, lambda console: terminal.profile_view(result, level), json=result.to_json,
         csv=lambda: formats.records_csv(rows_), markdown=lambda: formats.records_markdown(rows_))  # fmt: skip


@app.command()
def check(
    target: Annotated[
        str, typer.Argument(help="path/to/file.py:factory or package.module:factory (a model), or a checkpoint.")
    ],
    depth: Depth = None,
    arch: Arch = None,
    size: Size = None,
    kwargs: Annotated[str | None, typer.Option(help="JSON keyword arguments for the factory.")] = None,
    fmt: FormatOption = None,
    output: Output = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show the traceback when loading fails.")] = False,
) -> None:
    """Hold your ResNet implementation (or a checkpoint) against a reference config, and say where it departs."""
    from .features.check import Comparison, LoadError
    from .features.check import check as check_target
    from .views import formats, terminal

    fmt = prepare_output(fmt, output)
    reference = network(depth, arch) if (depth or arch) else None
    try:
        result = check_target(target, reference, size, kwargs=kwargs)
    except LoadError:
        if debug:
            import traceback

            traceback.print_exc()
        raise
    view = terminal.check_view if isinstance(result, Comparison) else terminal.checkpoint_view
    show(fmt, output, lambda console: view(result), json=result.to_json,
         csv=lambda: formats.records_csv(result.records()),
         markdown=lambda: formats.check_markdown(result.to_dict()))  # fmt: skip
    if result.failures:
        raise typer.Exit(1)


def main() -> None:
    app()
