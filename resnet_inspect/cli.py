"""The `resnet-inspect` command line: parse, call one library function, render, write.

Every bad input ends in one line on stderr naming the value and what is valid, and exit code 2;
a model that disagrees with the formula ends in exit code 1.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import inspect
import os
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
import typer.core
import typer.main

from .report import Level
from .shapes import trace
from .spec import (
    DEFAULT_STEM_WIDTHS,
    DEPTHS,
    REGISTRY,
    SHORTCUT_ALIASES,
    InspectError,
    ResNetSpec,
    customize,
    first_line,
    get_spec,
    parse_arch,
    parse_ints,
    parse_size,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from rich.console import Console

PROG = "resnet-inspect"
PIPE_WIDTH = 140


class OneLineErrors(typer.core.TyperGroup):
    """Usage errors as one plain line (`resnet-inspect: error: …`), not a framed panel."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except typer.TyperException as error:
            if type(error).__name__ == "NoArgsIsHelpError":  # a bare `resnet-inspect`: help, not an error
                typer.echo(error.ctx.get_help())
                sys.exit(0)
            fail(error.format_message(), error.exit_code)
        except typer.Abort:
            fail("aborted", 1)
        sys.exit(code if isinstance(code, int) else 0)


app = typer.Typer(
    cls=OneLineErrors,
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    help="See exactly what a ResNet does at a given input size: shapes, parameters and multiply-adds, "
    "layer by layer, checked against the real PyTorch model.",
)


@app.callback()
def _root() -> None:
    """Keeps `table` a named subcommand while it is the only one."""


class Format(StrEnum):
    rich = "rich"
    csv = "csv"
    json = "json"
    markdown = "markdown"


SUFFIX_FORMAT = {
    ".json": Format.json,
    ".csv": Format.csv,
    ".md": Format.markdown,
    ".markdown": Format.markdown,
}


def at_least_one(label: str, value: int) -> None:
    if value < 1:
        raise InspectError(f"{label} {value} is not valid; it must be ≥ 1")


def fail(message: str, code: int = 2) -> None:
    typer.echo(f"{PROG}: error: {message}", err=True)
    sys.exit(code)


# ------------------------------------------------------------------------------------- shared options

Depth = Annotated[int | None, typer.Option(help="ResNet depth from the paper: 18, 34, 50, 101 or 152 (default 50).")]
Arch = Annotated[str | None, typer.Option(help="A named config instead of --depth; `resnet-inspect archs` lists them.")]
Size = Annotated[str, typer.Option(help="Input size: 224, or HxW such as 480x640.")]
Block = Annotated[str | None, typer.Option(help="Custom network: basic or bottleneck blocks.")]
Layers = Annotated[str | None, typer.Option(help="Custom network: blocks per stage, like 3,4,6,3.")]
Widths = Annotated[str | None, typer.Option(help="Custom network: stage widths, like 64,128,256,512.")]
StrideIn = Annotated[
    str | None, typer.Option(help="Bottleneck stride on the first 1×1 (v1, the paper) or the 3×3 (v1.5).")
]
MaxpoolPadding = Annotated[int | None, typer.Option(help="The stem max pool's padding: 1 (torchvision) or 0.")]
Stem = Annotated[str | None, typer.Option(help="torchvision (one 7×7/2 conv) or deep (three 3×3 convs).")]
StemWidths = Annotated[str | None, typer.Option(help="Widths of the stem convs, like 32,32,64 for the deep stem.")]
Shortcut = Annotated[
    str | None,
    typer.Option(help="A (zero-pad identity), B (projection where shapes change), C (projection everywhere), avgdown."),
]
Groups = Annotated[int | None, typer.Option(help="Groups of the bottleneck 3×3 (ResNeXt's cardinality).")]
WidthPerGroup = Annotated[
    int | None, typer.Option(help="Channels per group at stage width 64 (64: ResNet, 128: wide).")
]
InChannels = Annotated[int | None, typer.Option(help="Input channels (3 for RGB, 1 for grey).")]
NumClasses = Annotated[int | None, typer.Option(help="Classes of the final linear layer.")]
Batch = Annotated[int, typer.Option(help="Batch size N (MACs scale with it).")]
FormatOption = Annotated[
    Format | None,
    typer.Option("--format", help="rich (terminal), csv, json or markdown. Default: rich, or from --output's suffix."),
]
Output = Annotated[Path | None, typer.Option(help="Write to this file (whole or not at all).")]


def network(
    depth: int | None = None,
    arch: str | None = None,
    *,
    block: str | None = None,
    layers: str | None = None,
    widths: str | None = None,
    stride_in: str | None = None,
    maxpool_padding: int | None = None,
    stem: str | None = None,
    stem_widths: str | None = None,
    shortcut: str | None = None,
    groups: int | None = None,
    width_per_group: int | None = None,
    in_channels: int | None = None,
    num_classes: int | None = None,
) -> ResNetSpec:
    """The spec the options describe: a named config or paper depth, with any knobs changed."""
    if arch is not None and depth is not None:
        raise InspectError(f"give --arch or --depth, not both (--arch {arch}, --depth {depth})")
    if arch is None and depth is not None and depth not in DEPTHS:
        raise InspectError(f"--depth {depth} is not valid; use one of {', '.join(map(str, DEPTHS))}")
    for label, value in (
        ("--in-channels", in_channels),
        ("--num-classes", num_classes),
        ("--groups", groups),
        ("--width-per-group", width_per_group),
    ):
        if value is not None:
            at_least_one(label, value)
    base = parse_arch(arch) if arch is not None else get_spec(depth or 50)
    if stem is not None and stem_widths is None and stem != base.stem:
        stem_widths = ",".join(map(str, DEFAULT_STEM_WIDTHS.get(stem, base.stem_widths)))
    return customize(
        base,
        block=block,
        layers=parse_ints("--layers", layers) if layers is not None else None,
        widths=parse_ints("--widths", widths) if widths is not None else None,
        stride_in=stride_in,
        maxpool_padding=maxpool_padding,
        stem=stem,
        stem_widths=parse_ints("--stem-widths", stem_widths) if stem_widths is not None else None,
        shortcut=SHORTCUT_ALIASES.get(shortcut, shortcut) if shortcut is not None else None,
        groups=groups,
        width_per_group=width_per_group,
        in_channels=in_channels,
        num_classes=num_classes,
    )


KNOBS: dict[str, Any] = {
    "depth": Depth,
    "arch": Arch,
    "block": Block,
    "layers": Layers,
    "widths": Widths,
    "stride_in": StrideIn,
    "maxpool_padding": MaxpoolPadding,
    "stem": Stem,
    "stem_widths": StemWidths,
    "shortcut": Shortcut,
    "groups": Groups,
    "width_per_group": WidthPerGroup,
    "in_channels": InChannels,
    "num_classes": NumClasses,
}


def network_options(command: Callable) -> Callable:
    """Give a command every network option (--depth, --arch and the knobs); it receives the spec they describe.

    Typer reads a command's signature, so the wrapper shows the command's own parameters (less `spec`) followed
    by the knobs; a bad knob ends in one line and exit 2 before the command runs.
    """
    own = [p for p in inspect.signature(command, eval_str=True).parameters.values() if p.name != "spec"]
    knobs = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=annotation)
             for name, annotation in KNOBS.items()]  # fmt: skip

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        chosen = {name: kwargs.pop(name) for name in KNOBS}
        try:
            spec = network(**chosen)
        except InspectError as error:
            fail(str(error))
        return command(*args, spec=spec, **kwargs)

    # Arguments first, then --depth and --arch, the command's own options, and the knobs.
    arguments = [p for p in own if p.default is p.empty]
    options = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own if p.default is not p.empty]
    wrapper.__signature__ = inspect.Signature(arguments + knobs[:2] + options + knobs[2:])  # type: ignore[attr-defined]
    return wrapper


def resolve_format(fmt: Format | None, output: Path | None) -> Format:
    if fmt is None:
        if output is None:
            return Format.rich
        inferred = SUFFIX_FORMAT.get(output.suffix.lower())
        if inferred is None:
            raise InspectError(
                f"cannot tell a format from --output {str(output)!r}; name the file .json, .csv or .md, "
                "or give --format csv|json|markdown"
            )
        return inferred
    if fmt is Format.rich and output is not None:
        raise InspectError("--format rich goes to the terminal only; with --output use --format csv|json|markdown")
    return fmt


def check_writable(output: Path) -> None:
    parent = output.parent if str(output.parent) else Path(".")
    if output.is_dir():
        raise InspectError(f"--output {str(output)!r} is a directory; give a file path")
    if not parent.is_dir():
        raise InspectError(f"--output {str(output)!r}: directory {str(parent)!r} does not exist")
    if not os.access(parent, os.W_OK) or (output.exists() and not os.access(output, os.W_OK)):
        raise InspectError(f"--output {str(output)!r} is not writable")


def terminal() -> Console:
    from rich.console import Console

    console = Console()
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console = Console(width=PIPE_WIDTH)  # piped to a file: rich's 80 columns would cut the table
    return console


def emit(fmt: Format, output: Path | None, text: Callable[[Format], str]) -> None:
    """Print or write (atomically) the text of a non-rich format."""
    from .files import write_text

    body = text(fmt)
    if output is None:
        sys.stdout.write(body)
        return
    try:
        write_text(output, body)
    except OSError as error:
        fail(f"cannot write --output {str(output)!r}: {error.strerror or error}")


def emit_records(fmt: Format, output: Path | None, records: list[dict[str, Any]]) -> None:
    """Flat records as JSON, CSV or Markdown."""
    from .report import records_csv, records_json, records_markdown

    writer = {Format.json: records_json, Format.csv: records_csv, Format.markdown: records_markdown}[fmt]
    emit(fmt, output, lambda f: writer(records))


def prepare_output(fmt: Format | None, output: Path | None) -> Format:
    fmt = resolve_format(fmt, output)
    if output is not None:
        check_writable(output)
    return fmt


# ------------------------------------------------------------------------------------------------ commands


@app.command()
@network_options
def table(
    spec: ResNetSpec,
    size: Size = "224",
    batch: Batch = 1,
    level: Annotated[Level, typer.Option(help="One row per layer, block or stage.")] = Level.layer,
    fmt: FormatOption = None,
    output: Output = None,
    flops: Annotated[bool, typer.Option("--flops", help="Show FLOPs = 2 × MACs instead of MACs.")] = False,
    memory: Annotated[
        bool, typer.Option("--memory", help="Bytes moved and MACs per byte per row; peak and training activations.")
    ] = False,
    dtype: Annotated[str, typer.Option(help="Bytes per value for --memory: float32, float16, bfloat16, …")] = "float32",
    cross_check: Annotated[
        bool,
        typer.Option(
            "--cross-check",
            help="Count the totals again with torch's FlopCounterMode and (up to 1024×1024) fvcore's "
            "FlopCountAnalysis on a real forward.",
        ),
    ] = False,
) -> None:
    """Layer-by-layer shapes, parameters and MACs of a ResNet at one input size, verified against the model."""
    from . import report
    from .analysis import analyze
    from .analysis import cross_check as count_again

    try:
        height, width = parse_size(size)
        at_least_one("--batch", batch)
        fmt = prepare_output(fmt, output)
        analysis = analyze(spec, (height, width), batch=batch)
        note = report.size_note(analysis)
        memory_view = report.memory_view(analysis, dtype) if memory else None
    except InspectError as error:
        fail(str(error))
    checks = count_again(analysis) if cross_check else []

    if fmt is Format.rich:
        from .render import cross_checks, memory_summary
        from .render import report as rich_report

        console = terminal()
        layers = memory_view.layers if memory_view else None
        console.print(rich_report(analysis, level, flops=flops, width=console.width, memory=layers))
        if memory_view:
            console.print(memory_summary(memory_view.peak, memory_view.training_bytes, dtype))
        if checks:
            console.print(cross_checks(checks))
    else:
        for line in report.cross_check_lines(checks):
            typer.echo(line, err=True)
        emit(
            fmt,
            output,
            lambda f: {
                Format.json: lambda: report.to_json(analysis, flops=flops, cross_checks=checks, memory=memory_view),
                Format.csv: lambda: report.to_csv(analysis, level, flops=flops),
                Format.markdown: lambda: report.to_markdown(analysis, level, flops=flops),
            }[f](),
        )
    if note:
        typer.echo(note, err=True)
    if not all(check.ok for check in checks):
        failed = next(check for check in checks if not check.ok)
        typer.echo(
            f"{PROG}: check failed: {failed.path} counts {failed.counted:,} MACs, not {failed.reported:,}", err=True
        )
        raise typer.Exit(1)
    if not analysis.verified:
        typer.echo(
            f"{PROG}: check failed: {len(analysis.problems)} disagreements between the formula and the model "
            f"(first: {analysis.problems[0]})",
            err=True,
        )
        raise typer.Exit(1)


@app.command()
def archs(
    size: Size = "224",
    fmt: FormatOption = None,
    output: Output = None,
) -> None:
    """Every named config, with its parameters and MACs at one size, each verified against its model."""
    from .analysis import analyze
    from .report import catalog, catalog_markdown, catalog_records, records_csv, records_json

    try:
        height, width = parse_size(size)
        fmt = prepare_output(fmt, output)
        analyses = [analyze(name, (height, width)) for name in REGISTRY]
    except InspectError as error:
        fail(str(error))
    entries = catalog(analyses)
    if fmt is Format.rich:
        from .render import catalog_table

        terminal().print(catalog_table(entries, (height, width)))
    else:
        emit(fmt, output, lambda f: {Format.json: lambda: records_json(catalog_records(entries)),
                                      Format.csv: lambda: records_csv(catalog_records(entries)),
                                      Format.markdown: lambda: catalog_markdown(entries)}[f]())  # fmt: skip
    if not all(entry.verified for entry in entries):
        bad = [entry.name for entry in entries if not entry.verified]
        typer.echo(f"{PROG}: check failed: {', '.join(bad)} disagree with their models", err=True)
        raise typer.Exit(1)


@app.command()
def paper(
    size: Size = "224",
    stride_in: Annotated[
        str, typer.Option(help="v1 (the paper: stride on the first 1×1) or v1.5 (torchvision).")
    ] = "v1",
    shortcut: Annotated[
        str,
        typer.Option(
            help="The paper's shortcut option for the 18/34 columns: A, B or C (50/101/152 use B, as it does)."
        ),
    ] = "B",
    fmt: FormatOption = None,
    output: Output = None,
) -> None:
    """The paper's Table 1 for all five depths, computed: output sizes, blocks, and the FLOPs (multiply-adds) row."""
    from .paper import paper_table, to_markdown

    try:
        height, width = parse_size(size)
        fmt = prepare_output(fmt, output)
        if fmt in (Format.csv, Format.json):
            raise InspectError(f"--format {fmt.value} is not available for the paper table; use rich or markdown")
        shortcut = SHORTCUT_ALIASES.get(shortcut, shortcut)
        if shortcut not in ("A", "B", "C"):
            raise InspectError(f"--shortcut {shortcut!r} is not valid for the paper's table; use A, B or C")
        result = paper_table((height, width), stride_in=stride_in, shortcut=shortcut)
    except InspectError as error:
        fail(str(error))
    if fmt is Format.rich:
        from .render import paper_table as rich_paper_table

        terminal().print(rich_paper_table(result))
    else:
        emit(fmt, output, lambda f: to_markdown(result))


@app.command()
@network_options
def explain(
    layer: Annotated[str, typer.Argument(help="A layer name from the table, like layer2.0.conv2.")],
    spec: ResNetSpec,
    size: Size = "224",
    batch: Batch = 1,
) -> None:
    """One layer's arithmetic with the numbers put in: output size, parameters, MACs, and fvcore's count."""
    from .analysis import analyze
    from .explain import explain as explain_layer

    try:
        at_least_one("--batch", batch)
        analysis = analyze(spec, parse_size(size), batch=batch)
        lines = explain_layer(analysis, layer)
    except InspectError as error:
        fail(str(error))
    for line in lines:
        typer.echo(line)
    if not analysis.verified:
        raise typer.Exit(1)


@app.command()
def blocks(
    channels: Annotated[
        int, typer.Option(help="Stage width: the basic block's channels, the bottleneck's 3×3 width.")
    ] = 64,
    size: Annotated[str, typer.Option(help="The block's input size: 56, or HxW.")] = "56",
    stride: Annotated[
        int, typer.Option(help="1: a repeated block; 2: a stage's first block, with its projection.")
    ] = 1,
    groups: Annotated[int | None, typer.Option(help="Add a ResNeXt block with this many groups (default 32).")] = None,
    width_per_group: Annotated[
        int | None, typer.Option(help="The ResNeXt block's width per group (default 4).")
    ] = None,
    depth: Annotated[int | None, typer.Option(help="Take width and size from this network's --stage instead.")] = None,
    arch: Annotated[str | None, typer.Option(help="Or from this named config's --stage (knobs allowed).")] = None,
    stage: Annotated[str | None, typer.Option(help="layer1..layer4, with --depth or --arch.")] = None,
    input_size: Annotated[str, typer.Option(help="The network's input size, with --depth/--arch and --stage.")] = "224",
    batch: Batch = 1,
    fmt: FormatOption = None,
    output: Output = None,
) -> None:
    """Basic against bottleneck (and ResNeXt) blocks at one place, conv by conv, with the arithmetic shown."""
    from .compare import block_records, block_summary, compare_blocks
    from .report import records_csv, records_json, records_markdown

    try:
        fmt = prepare_output(fmt, output)
        source = network(depth, arch) if depth is not None or arch is not None else None
        comparison = compare_blocks(
            channels, parse_size(size), stride=stride, groups=groups, width_per_group=width_per_group,
            depth=source, stage=stage, input_size=parse_size(input_size), batch=batch,
        )  # fmt: skip
    except InspectError as error:
        fail(str(error))
    if fmt is Format.rich:
        from .render import blocks_view

        terminal().print(blocks_view(comparison))
    else:
        convs, summary = block_records(comparison), block_summary(comparison)
        emit(fmt, output, lambda f: {
            Format.json: lambda: records_json({"place": comparison.place, "convs": convs, "designs": summary,
                                               "basic_minus_bottleneck": comparison.difference_formula()}),
            Format.csv: lambda: records_csv(convs),
            Format.markdown: lambda: records_markdown(convs) + "\n" + records_markdown(summary)
            + f"\nbasic − bottleneck: {comparison.difference_formula()} MACs\n",
        }[f]())  # fmt: skip
    if not all(d.analysis.verified for d in comparison.designs):
        typer.echo(f"{PROG}: check failed: a block disagrees with its hooked module", err=True)
        raise typer.Exit(1)


@app.command()
def compare(
    depths: Annotated[str | None, typer.Option(help="Paper depths side by side, like 18,34,50,101,152.")] = None,
    archs: Annotated[
        str | None,
        typer.Option(help="Named configs side by side, like resnet50,resnet50d (knobs: resnet50:stride_in=v1)."),
    ] = None,
    diff: Annotated[
        tuple[str, str] | None, typer.Option(help="Two configs, block by block: --diff resnet50:stride_in=v1 resnet50.")
    ] = None,
    size: Size = "224",
    batch: Batch = 1,
    fmt: FormatOption = None,
    output: Output = None,
) -> None:
    """Networks stage by stage (params and MACs and their shares), or two configs block by block (--diff)."""
    from .compare import compare_networks, diff_networks, diff_records, network_records
    from .spec import parse_arch

    try:
        fmt = prepare_output(fmt, output)
        hw = parse_size(size)
        at_least_one("--batch", batch)
        if diff is not None:
            if depths or archs:
                raise InspectError("--diff compares two configs on its own; drop --depths/--archs")
            specs = [parse_arch(text) for text in diff]
        elif archs:
            specs = [parse_arch(text) for text in _split_archs(archs, "--archs")]
        else:
            specs = [parse_arch(text) for text in _split_archs(depths or "18,34,50,101,152", "--depths")]
        analyses = compare_networks(specs, hw, batch=batch)
    except InspectError as error:
        fail(str(error))
    if diff is not None:
        differences = diff_networks(*analyses)
        records, view = diff_records(differences), lambda: render.diff_view(differences, *analyses)
    else:
        records, view = network_records(analyses), lambda: render.compare_view(analyses, hw)
    if fmt is Format.rich:
        from . import render  # read by the view closures

        terminal().print(view())
    else:
        emit_records(fmt, output, records)
    if not all(a.verified for a in analyses):
        bad = [a.spec.name for a in analyses if not a.verified]
        typer.echo(f"{PROG}: check failed: {', '.join(bad)} disagree with their models", err=True)
        raise typer.Exit(1)


def _split_archs(text: str, label: str = "--archs") -> list[str]:
    """`resnet50,resnet50:stride_in=v1,shortcut=A,18` → each arch (or depth) with its knobs."""
    out: list[str] = []
    for part in text.split(","):
        if "=" in part and ":" not in part and out:
            out[-1] += "," + part  # another knob of the previous arch
        else:
            out.append(part)
    archs = [p.strip() for p in out if p.strip()]
    if not archs:
        raise InspectError(f"{label} {text!r} names no network; give names like resnet18,resnet50 or depths like 18,50")
    return archs


@app.command()
@network_options
def sweep(
    spec: ResNetSpec,
    sizes: Annotated[
        str, typer.Option(help="start:stop:step (stop included), or a list: 224,225,256,480x640.")
    ] = "32:1024:32",
    batch: Annotated[str, typer.Option(help="Batch size, or a list to sweep activation memory: 1,8,64.")] = "1",
    dtype: Annotated[
        str, typer.Option(help="Bytes per activation: float32, float16, bfloat16, float64, int8.")
    ] = "float32",
    fmt: FormatOption = None,
    output: Output = None,
) -> None:
    """One network over many input sizes: final feature map, MACs, MACs per pixel, activation memory."""
    from .compare import parse_sizes, sweep_records
    from .compare import sweep as run_sweep

    try:
        fmt = prepare_output(fmt, output)
        size_list = parse_sizes(sizes)
        batches = parse_ints("--batch", batch)
        with _progress(len(size_list)) as advance:
            points = run_sweep(spec, size_list, batches=batches, dtype=dtype, progress=advance)
    except InspectError as error:
        fail(str(error))
    records = sweep_records(points, dtype)
    if fmt is Format.rich:
        from .render import sweep_view

        terminal().print(sweep_view(records, spec.name, dtype))
    else:
        emit_records(fmt, output, records)
    if not all(p.verified for p in points):
        typer.echo(f"{PROG}: check failed: some sizes disagree with the model", err=True)
        raise typer.Exit(1)


@contextlib.contextmanager
def _progress(total: int, minimum: int = 100) -> Iterator[Callable[[int], None]]:
    """A transient progress bar on stderr for `minimum` steps or more (when stderr is a terminal); else a no-op."""
    from rich.console import Console

    console = Console(stderr=True)
    if total < minimum or not console.is_terminal:
        yield lambda step: None
        return
    from rich.progress import Progress

    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("working", total=total)
        yield lambda step: bar.advance(task, step)


class PlotKind(StrEnum):
    stages = "stages"
    layers = "layers"
    depths = "depths"
    blocks = "blocks"
    sweep = "sweep"
    shapes = "shapes"
    roofline = "roofline"


@app.command()
@network_options
def plot(
    kind: Annotated[PlotKind, typer.Argument(help="stages, layers, depths, blocks, sweep, shapes or roofline.")],
    spec: ResNetSpec,
    output: Annotated[Path, typer.Option(help="The figure file: .png or .svg.")] = Path("figure.png"),
    size: Size = "224",
    batch: Batch = 1,
    archs: Annotated[
        str | None, typer.Option(help="depths: the networks, like resnet18,resnet50 (default: 18..152).")
    ] = None,
    sizes: Annotated[str, typer.Option(help="sweep: start:stop:step or a list.")] = "32:1024:16",
    log: Annotated[bool, typer.Option("--log", help="sweep: logarithmic axes.")] = False,
    dtype: Annotated[
        str, typer.Option(help="sweep, roofline: the value type (float32, float16, bfloat16).")
    ] = "float32",
    channels: Annotated[int, typer.Option(help="blocks: stage width.")] = 64,
    block_size: Annotated[str, typer.Option(help="blocks: the block's input size.")] = "56",
    stride: Annotated[int, typer.Option(help="blocks: 1 or 2.")] = 1,
    block_groups: Annotated[int | None, typer.Option(help="blocks: add a ResNeXt block with this many groups.")] = None,
    device: Annotated[
        str, typer.Option(help="roofline: a known device (h100-sxm, h200, a100-sxm, laptop-cpu).")
    ] = "h100-sxm",
    peak_tflops: Annotated[float | None, typer.Option(help="roofline: peak TFLOP/s instead of --device's.")] = None,
    peak_gbs: Annotated[
        float | None, typer.Option(help="roofline: memory bandwidth GB/s instead of --device's.")
    ] = None,
    dpi: Annotated[int, typer.Option(help="Dots per inch for PNG.")] = 100,
) -> None:
    """Draw a figure from the same verified numbers the tables show, to a PNG or SVG file."""
    from . import plots
    from .analysis import analyze

    try:
        if output.suffix.lower() not in (".png", ".svg"):
            raise InspectError(f"--output {str(output)!r}: name the figure .png or .svg")
        at_least_one("--batch", batch)
        if not 10 <= dpi <= 1200:
            raise InspectError(f"--dpi {dpi} is not valid; use 10 to 1200")
        check_writable(output)
        if kind is PlotKind.depths:
            from .spec import parse_arch

            names = _split_archs(archs) if archs is not None else [f"resnet{d}" for d in DEPTHS]
            figure = plots.depths_figure([analyze(parse_arch(n), parse_size(size), batch=batch) for n in names])
        elif kind is PlotKind.blocks:
            from .compare import compare_blocks

            figure = plots.blocks_figure(
                compare_blocks(channels, parse_size(block_size), stride=stride, groups=block_groups, batch=batch)
            )
        elif kind is PlotKind.sweep:
            from .compare import parse_sizes
            from .compare import sweep as run_sweep

            size_list = parse_sizes(sizes)
            with _progress(len(size_list)) as advance:
                points = run_sweep(spec, size_list, batches=(batch,), dtype=dtype, progress=advance)
            figure = plots.sweep_figure(points, spec.name, log=log, dtype=dtype)
        elif kind is PlotKind.roofline:
            from .devices import get_device
            from .memory import layer_memory

            analysis = analyze(spec, parse_size(size), batch=batch)
            for label, value in (("--peak-tflops", peak_tflops), ("--peak-gbs", peak_gbs)):
                if value is not None and value <= 0:
                    raise InspectError(f"{label} {value} is not valid; it must be > 0")
            known = get_device(device) if peak_tflops is None or peak_gbs is None else None
            peak = peak_tflops * 1e12 / 2 if peak_tflops is not None else known.peak_macs_per_s(dtype)
            bandwidth = (peak_gbs if peak_gbs is not None else known.bandwidth_gbs) * 1e9
            label = (
                known.name
                if known is not None and peak_tflops is None and peak_gbs is None
                else (
                    f"{peak_tflops or known.peak_tflops[dtype]:g} TFLOP/s and {peak_gbs or known.bandwidth_gbs:g} GB/s"
                )
            )
            figure = plots.roofline_figure(analysis, layer_memory(analysis.trace, dtype), peak_macs_per_s=peak,
                                           bandwidth=bandwidth, device=label, dtype=dtype)  # fmt: skip
        else:
            analysis = analyze(spec, parse_size(size), batch=batch)
            draw = {PlotKind.stages: plots.stages_figure, PlotKind.layers: plots.layers_figure,
                    PlotKind.shapes: plots.shapes_figure}[kind]  # fmt: skip
            figure = draw(analysis)
    except InspectError as error:
        fail(str(error))
    try:
        plots.save(figure, output, dpi=dpi)
    except OSError as error:
        fail(f"cannot write --output {str(output)!r}: {error.strerror or error}")
    typer.echo(f"wrote {output}", err=True)


@app.command()
def docs(
    out: Annotated[Path, typer.Option(help="The docs folder to (re)generate.")] = Path("docs"),
) -> None:
    """Regenerate the docs: figures, Markdown tables, the CLI reference, and the pages that embed them."""
    from .docs import generate

    try:
        if out.exists() and not out.is_dir():
            raise InspectError(f"--out {str(out)!r} is a file; give a folder")
        written = generate(out, typer.main.get_command(app))
    except InspectError as error:
        fail(str(error))
    except OSError as error:
        fail(f"cannot write into --out {str(out)!r}: {error.strerror or error}")
    typer.echo(f"wrote {len(written)} files under {out}", err=True)


@app.command("profile")
@network_options
def profile_command(
    spec: ResNetSpec,
    size: Size = "224",
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
    from .memory import peak_inference
    from .profile import block_records, headline, profile, stage_records
    from .report import records_csv, records_json, records_markdown

    try:
        fmt = prepare_output(fmt, output)
        hw = parse_size(size)
        at_least_one("--batch", batch)
        # The measured peak's baseline already holds the input: leave it out of the analytic live set too.
        peak = peak_inference(trace(spec, *hw, batch=batch), dtype, include_input=False)
        with _progress(repeats, minimum=1) as advance:
            result = profile(spec, hw, device=device, batch=batch, dtype=dtype, channels_last=channels_last,
                             warmup=warmup, repeats=repeats, compile=compile, progress=advance)  # fmt: skip
    except InspectError as error:
        fail(str(error))
    except RuntimeError as error:  # a dtype or kernel the device does not have
        fail(f"the model could not run as asked ({device}, {dtype}): {first_line(error)}", 1)
    stages, blocks = stage_records(result), block_records(result)
    summary = {
        "arch": spec.name,
        "input": list(result.input_shape),
        "device": result.device,
        "dtype": dtype,
        "channels_last": channels_last,
        "compiled": compile,
        "whole_model_ms": round(result.whole.median, 4),
        "segments_ms": round(result.segments_ms, 4),
        "gmacs_per_s": round(result.gmacs_per_s, 2),
        "peak_activation_bytes_measured": result.peak_memory_bytes,
        "peak_activation_bytes_analytic": peak.bytes,
        "headline": headline(result),
    }
    if fmt is Format.rich:
        from .render import profile_view

        terminal().print(profile_view(result, stages, blocks if level is not Level.stage else None, summary))
    else:
        emit(fmt, output, lambda f: {
            Format.json: lambda: records_json({**summary, "stages": stages, "blocks": blocks}),
            Format.csv: lambda: records_csv(stages if level is Level.stage else blocks),
            Format.markdown: lambda: records_markdown(stages if level is Level.stage else blocks),
        }[f]())  # fmt: skip


@app.command()
def check(
    target: Annotated[
        str,
        typer.Argument(help="path/to/file.py:factory or package.module:factory (a model), or a checkpoint file."),
    ],
    depth: Depth = None,
    arch: Arch = None,
    size: Size = "224",
    kwargs: Annotated[str | None, typer.Option(help="JSON keyword arguments for the factory.")] = None,
    fmt: FormatOption = None,
    output: Output = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show the traceback when loading fails.")] = False,
) -> None:
    """Hold your ResNet implementation (or a checkpoint) against a reference config, and say where it departs."""
    from .check import LoadError, check_checkpoint, compare_model, load_factory, stage_records
    from .report import records_json

    is_model = ":" in target and not Path(target).is_file()
    try:
        fmt = prepare_output(fmt, output)
        if fmt in (Format.csv, Format.markdown):
            raise InspectError(f"--format {fmt.value} is not available for check; use rich or json")
        reference = network(depth, arch) if (is_model or depth or arch) else None
        hw = parse_size(size)
        if is_model:
            comparison = compare_model(load_factory(target, kwargs), reference, hw)
        else:
            result = check_checkpoint(target)
    except LoadError as error:
        if debug:
            raise
        fail(str(error), 2)
    except InspectError as error:
        fail(str(error))

    if is_model:
        stages = stage_records(comparison)
        data = {
            "target": target,
            "reference": comparison.reference.name,
            "matches": comparison.matches,
            "equals": comparison.equals,
            "run": comparison.probe,
            "differences": [{"where": d.where, "words": d.words} for d in comparison.differences],
            "shortcut_runs_first_in": list(comparison.moved_shortcuts),
            "relu_calls_seen": comparison.other_relu_calls,
            "unrecognised_modules": list(comparison.unknown_modules),
            "stages": stages,
        }
        if fmt is Format.rich:
            from .render import check_view

            terminal().print(check_view(comparison, stages))
        else:
            emit(fmt, output, lambda f: records_json(data))
        if not comparison.matches:
            raise typer.Exit(1)
        return

    verdict = _checkpoint_verdict(result, reference)
    data = {
        "target": target,
        "inferred": dataclasses.asdict(result.spec) if result.spec else None,
        "recognised_as": result.recognised_as,
        "reference": reference.name if reference else None,
        "matches": verdict is None and not result.problems,
        "notes": list(result.notes),
        "problems": list(result.problems) + ([verdict] if verdict else []),
    }
    if fmt is Format.rich:
        from .render import checkpoint_view

        terminal().print(checkpoint_view(result, reference, verdict))
    else:
        emit(fmt, output, lambda f: records_json(data))
    if result.problems or verdict or result.spec is None:
        raise typer.Exit(1)


def _checkpoint_verdict(result, reference: ResNetSpec | None) -> str | None:
    """How the checkpoint's config differs from the reference, in words; None when it does not."""
    if reference is None or result.spec is None:
        return None
    skip = {"name", "stride_in", "maxpool_padding"}  # neither leaves a trace in the weights
    fields = [f.name for f in dataclasses.fields(ResNetSpec) if f.name not in skip]
    differ = [f for f in fields if getattr(result.spec, f) != getattr(reference, f)]
    if not differ:
        return None
    return (
        "differs from "
        + reference.name
        + ": "
        + ", ".join(f"{f} {getattr(result.spec, f)!r} (reference {getattr(reference, f)!r})" for f in differ)
    )


def main() -> None:
    app()
