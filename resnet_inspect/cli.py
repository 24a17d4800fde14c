"""The `resnet-inspect` command line: parse, call one library function, render, write.

Every bad input ends in one line on stderr naming the value and what is valid, and exit code 2;
a model that disagrees with the formula ends in exit code 1.
"""

from __future__ import annotations

import os
import sys
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
import typer.core

from .report import Level
from .spec import DEPTHS, REGISTRY, InspectError, ResNetSpec, get_spec, parse_size

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


def fail(message: str, code: int = 2) -> None:
    typer.echo(f"{PROG}: error: {message}", err=True)
    sys.exit(code)


def resolve_spec(depth: int, arch: str | None) -> ResNetSpec:
    if arch is not None:
        return get_spec(arch)
    if depth not in DEPTHS:
        raise InspectError(f"--depth {depth} is not valid; use one of {', '.join(map(str, DEPTHS))}")
    return get_spec(depth)


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


def write_atomically(output: Path, text: str) -> None:
    """Write the whole file or nothing: a temporary file beside it, renamed over it when complete."""
    fd, tmp = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".tmp", dir=output.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, output)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@app.command()
def table(
    depth: Annotated[int, typer.Option(help="ResNet depth from the paper: 18, 34, 50, 101 or 152.")] = 50,
    arch: Annotated[str | None, typer.Option(help=f"A named config instead of --depth: {', '.join(REGISTRY)}.")] = None,
    size: Annotated[str, typer.Option(help="Input size: 224, or HxW such as 480x640.")] = "224",
    batch: Annotated[int, typer.Option(help="Batch size N (MACs scale with it).")] = 1,
    in_channels: Annotated[int, typer.Option(help="Input channels (3 for RGB, 1 for grey).")] = 3,
    num_classes: Annotated[int, typer.Option(help="Classes of the final linear layer.")] = 1000,
    level: Annotated[Level, typer.Option(help="One row per layer, block or stage.")] = Level.layer,
    fmt: Annotated[
        Format | None,
        typer.Option(
            "--format",
            help="rich (terminal), csv, json or markdown. Default: rich, or from --output's suffix.",
        ),
    ] = None,
    output: Annotated[Path | None, typer.Option(help="Write to this file (whole or not at all).")] = None,
    flops: Annotated[bool, typer.Option("--flops", help="Show FLOPs = 2 × MACs instead of MACs.")] = False,
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
        spec = resolve_spec(depth, arch)
        height, width = parse_size(size)
        for label, value in (
            ("--batch", batch),
            ("--in-channels", in_channels),
            ("--num-classes", num_classes),
        ):
            if value < 1:
                raise InspectError(f"{label} {value} is not valid; it must be ≥ 1")
        fmt = resolve_format(fmt, output)
        if output is not None:
            check_writable(output)
        analysis = analyze(spec, (height, width), batch=batch, in_channels=in_channels, num_classes=num_classes)
        note = report.size_note(analysis)
    except InspectError as error:
        fail(str(error))
    checks = count_again(analysis) if cross_check else []

    if fmt is Format.rich:
        from rich.console import Console

        from .render import report as rich_report

        console = Console()
        if not console.is_terminal and "COLUMNS" not in os.environ:
            console = Console(width=PIPE_WIDTH)  # piped to a file: rich's 80 columns would cut the table
        console.print(rich_report(analysis, level, flops=flops, width=console.width))
        if checks:
            from .render import cross_checks

            console.print(cross_checks(checks))
    else:
        for line in report.cross_check_lines(checks):
            typer.echo(line, err=True)
        text = {
            Format.json: lambda: report.to_json(analysis, flops=flops, cross_checks=checks),
            Format.csv: lambda: report.to_csv(analysis, level, flops=flops),
            Format.markdown: lambda: report.to_markdown(analysis, level, flops=flops),
        }[fmt]()
        if output is None:
            sys.stdout.write(text)
        else:
            try:
                write_atomically(output, text)
            except OSError as error:
                fail(f"cannot write --output {str(output)!r}: {error.strerror or error}")
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


def main() -> None:
    app()
