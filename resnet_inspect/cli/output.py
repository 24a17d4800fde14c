"""Where a command's result goes: the terminal (rich, fitted to its width), or its JSON document or its records as
CSV or Markdown, to stdout or whole to --output; the notes beside it on stderr; exit 1 when it found a failure."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from ..core.errors import InspectError
from ..views.console import console, progress, say
from .boundary import require

__all__ = ["Format", "output_path", "prepare_output", "present", "progress", "say", "write"]


class Format(StrEnum):
    rich = "rich"
    csv = "csv"
    json = "json"
    markdown = "markdown"


SUFFIX_FORMAT = {".json": Format.json, ".csv": Format.csv, ".md": Format.markdown, ".markdown": Format.markdown}
TEXT_FORMATS = (Format.json, Format.csv, Format.markdown)


def prepare_output(fmt: Format | None, output: Path | None) -> Format:
    """The format to write (from --format, else --output's suffix, else rich), refused early when it cannot be."""
    inferred = SUFFIX_FORMAT.get(output.suffix.lower()) if output is not None else None
    if fmt is Format.rich and output is not None:
        raise InspectError("--format rich goes to the terminal only; with --output use --format csv|json|markdown")
    if output is not None and inferred is None and fmt is None:
        raise InspectError(
            f"cannot tell a format from --output {str(output)!r}; name the file .json, .csv or .md, "
            "or give --format csv|json|markdown"
        )
    if fmt is not None and inferred is not None and fmt is not inferred:
        raise InspectError(
            f"--format {fmt.value} and --output {str(output)!r} disagree; name the file "
            f"{next(s for s, f in SUFFIX_FORMAT.items() if f is fmt)} or drop --format"
        )
    if output is not None:
        from ..files import check_output_path

        check_output_path(output, "--output")
    return fmt or inferred or Format.rich


def output_path(text: str | Path) -> Path:
    """--output as typed: an empty path or one ending in a separator names a directory (Path() would hide both).
    A default (a Path already) comes through here too."""
    text = os.fspath(text)
    if not text.strip():
        raise typer.BadParameter(f"{text!r} is empty; give a file path, like results.json")
    if text.endswith(os.sep) or (os.altsep and text.endswith(os.altsep)):
        raise typer.BadParameter(f"{text!r} ends in {text[-1]!r}, so it names a directory; give a file path")
    return Path(text)


def present(
    result: Any,
    fmt: Format,
    output: Path | None,
    view: Callable[[Any], Any],
    *,
    markdown: Callable[[], str] | None = None,
    csv: Callable[[], str] | None = None,
    beside: tuple[str, ...] = (),
) -> None:
    """Show `result`: `view(result)` on the terminal, or its document (json), its records (csv, markdown; or the
    given text); then on stderr what the terminal view would have shown (`beside`, for text formats) and the
    result's notes; then exit 1 with its first failure, if any."""
    from ..records.serialize import records_csv, records_markdown

    if fmt is Format.rich:
        terminal = console()
        if terminal.is_terminal:
            terminal.print(view(result))
        else:
            with terminal.capture() as captured:  # piped: the lines without the blanks rich pads them with
                terminal.print(view(result))
            sys.stdout.write("".join(line.rstrip() + "\n" for line in captured.get().splitlines()))
    else:
        texts = {
            Format.json: result.to_json,
            Format.csv: csv or (lambda: records_csv(result.records())),
            Format.markdown: markdown or (lambda: records_markdown(result.records())),
        }
        write(texts[fmt](), output)
    for note in (*(beside if fmt is not Format.rich else ()), *getattr(result, "notes", ())):
        say(note)
    for failure in result.failures[:1]:
        require(False, failure)


def write(body: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(body)
        return
    from ..files import write_text

    write_text(output, body, "--output")  # every OSError comes back as a one-line InspectError
    typer.echo(f"wrote {output} ({len(body.encode()):,} bytes)", err=True)
