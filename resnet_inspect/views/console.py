"""The console the terminal views are printed on: fitted to a terminal, wide enough in a pipe; notes beside the
output that wrap on a terminal and stay one line in a log; a progress bar only where someone is watching."""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import textwrap
from collections.abc import Callable, Iterator

import typer

PIPE_WIDTH = 140  # piped to a file: rich's 80 columns would cut the tables


def console():
    """rich's console for stdout: the terminal's width, or PIPE_WIDTH in a pipe (unless COLUMNS says)."""
    from rich.console import Console

    out = Console()
    if not out.is_terminal and "COLUMNS" not in os.environ:
        out = Console(width=PIPE_WIDTH)
    return out


def say(line: str, *, err: bool = True) -> None:
    """A note beside the output (stderr by default): wrapped to the terminal's width when it goes to a terminal,
    one line when piped or logged, so a grep still finds it whole."""
    stream = sys.stderr if err else sys.stdout
    if not stream.isatty():
        typer.echo(line, err=err)
        return
    for part in textwrap.wrap(line, shutil.get_terminal_size().columns, subsequent_indent="  ") or [""]:
        typer.echo(part, err=err)


@contextlib.contextmanager
def progress(total: int, minimum: int = 100, label: str = "working") -> Iterator[Callable[..., None]]:
    """A transient progress bar on stderr for `minimum` steps or more (when stderr is a terminal); else a no-op.

    It yields `advance(step, note=None)`: `step` more done; a `note` (an estimate: "about 40 s") follows the
    label until the next note."""
    from rich.console import Console

    terminal = Console(stderr=True)
    if total < minimum or not terminal.is_terminal:
        yield lambda step, note=None: None
        return
    from rich.progress import Progress

    with Progress(console=terminal, transient=True) as bar:
        task = bar.add_task(label, total=total)

        def advance(step: int, note: str | None = None) -> None:
            bar.update(task, advance=step, **({"description": f"{label} ({note})"} if note else {}))

        yield advance
