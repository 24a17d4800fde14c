"""The `resnet-inspect` command line: a command table (`commands.COMMANDS`, `plot`'s sub-app), one error boundary
(`boundary.OneLineErrors`), and where results go (`output.present`). Commands parse and make one library call."""

from __future__ import annotations

from typing import Annotated

import typer

from . import commands, plot
from .boundary import OneLineErrors

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


for command in commands.COMMANDS:
    app.command(command.__name__)(command)
app.add_typer(plot.app, name="plot")


def main() -> None:
    app()
