"""The one error boundary: every failure of a command is one plain line on stderr and an exit code.

Exit 2 for a bad request (a usage error, an `InspectError`, a model that cannot be loaded), 1 for a check that
failed or an output that could not be written (a closed stdout, a reader that left, a full disk), 130 for Ctrl-C.
Commands never catch errors; the library's messages name arguments (`batch 0 is not valid`), and `as_flags`
turns those names into the flags the user typed (`--batch 0 is not valid`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer
import typer.core

from ..core.budget import MEMORY_ENV
from ..core.errors import InspectError, InspectWarning, OutputError
from ..views.glyphs import ascii_fallback

PROG = "resnet-inspect"
OUT_OF_MEMORY = f"out of memory; use a smaller network, batch or size ({MEMORY_ENV} may be set too high)"


class CheckFailed(Exception):
    """A check that ran and found a disagreement: one line, exit code 1."""


class OneLineErrors(typer.core.TyperGroup):
    """Usage errors, library errors and failed checks as one plain line (`resnet-inspect: error: …`)."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        if sys.stderr is None:  # `2>&-`: no line could say what went wrong; errors become the exit code alone
            sys.stderr = open(os.devnull, "w")  # noqa: SIM115  (for the process's life)
        if sys.stdout is None:  # `>&-`: a command that writes only files (plot) still runs; printing fails in one line
            sys.stdout = _ClosedStdout()
        ascii_fallback()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("always", InspectWarning)
                warnings.showwarning = _one_line_warnings(warnings.showwarning)
                code = super().main(*args, standalone_mode=False, **kwargs)
            sys.stdout.flush()  # here, not at exit, where a closed pipe or a full disk could only be reported raw
        except typer.TyperException as error:
            if type(error).__name__ == "NoArgsIsHelpError":  # a bare `resnet-inspect`: help, not an error
                typer.echo(error.ctx.get_help())
                sys.exit(0)
            fail(_our_words(error.format_message(), error), error.exit_code)
        except typer.Abort:
            fail("aborted", 1)
        except OutputError as error:
            fail(str(error), 1)
        except InspectError as error:  # LoadError included
            if "--debug" in (args[0] if args and args[0] is not None else sys.argv[1:]) and error.__cause__:
                import traceback  # `check --debug`: how the user's code failed, before the one line

                traceback.print_exception(error.__cause__)
            fail(self.as_flags(str(error)), 2)
        except CheckFailed as error:
            _flush(sys.stdout)
            typer.echo(f"{PROG}: check failed: {error}", err=True)
            sys.exit(1)
        except MemoryError:
            fail(OUT_OF_MEMORY, 2)
        except RuntimeError as error:  # torch's allocator says it so: the budget was raised past the machine
            if type(error).__name__ != "OutOfMemoryError" and "can't allocate memory" not in str(error):
                raise
            fail(OUT_OF_MEMORY, 2)
        except SystemExit as error:  # ours (a signal) stand; a user's factory or forward's do not
            if _raised_by_us(error):
                raise
            fail(f"the model's code called sys.exit({error.code!r}) instead of returning a model or an output", 2)
        except OSError as error:  # stdout: a reader that left (`| head -1`), a full disk (`> /dev/full`)
            if error.filename:
                fail(f"{error.filename!r}: {' '.join((error.strerror or str(error)).split())}", 1)
            fail(output_failure(error), 1)
        if code == 130:  # typer's answer to Ctrl-C (KeyboardInterrupt): the shell's convention, 128 + SIGINT
            fail("interrupted", 130)
        sys.exit(code if isinstance(code, int) else 0)

    def as_flags(self, message: str) -> str:
        """A library message that opens with an argument's name (`batch 0 is not valid`) names its flag instead."""
        match = _NAMED_VALUE.match(message)
        names = {p.name for command in _commands(self) for p in command.params}
        if match is None or match.group(1) not in names:
            return message
        return "--" + match.group(1).replace("_", "-") + message[match.end(1) :]


def _commands(group: Any) -> list[Any]:
    out = []
    for command in group.commands.values():
        out.append(command)
        if hasattr(command, "commands"):
            out.extend(_commands(command))
    return out


_NAMED_VALUE = re.compile(
    r"^([a-z][a-z_]*)(?:=| does not apply| is needed| \S+ (?:is not valid|must|gives|lists|names|add up|and ))"
)
_CHOICE = re.compile(
    r"^Invalid value for '(?P<flag>[^']+)': (?:Value error, )?'(?P<value>.*)' is not one of "
    r"(?P<choices>.+?)\.?$"
)

_TYPED = re.compile(r"^Invalid value for '(?P<flag>[^']+)': Input should be a valid (?P<type>integer|number)\b")


def _our_words(message: str, error: Any = None) -> str:
    """click's "Invalid value for '--level': 'x' is not one of 'layer', 'block'." in the tool's own words; an
    option another subcommand of the same group takes, said with where it applies."""
    if type(error).__name__ == "NoSuchOption" and getattr(error, "ctx", None) is not None:
        return _elsewhere(error.option_name, error.ctx) or message
    unknown = re.match(r"^No such command '(.+)'\.$", message)
    if unknown and getattr(error, "ctx", None) is not None:
        import difflib

        names = list(error.ctx.command.commands)
        close = difflib.get_close_matches(unknown.group(1), names, n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        return f"{error.ctx.command_path} has no {unknown.group(1)!r}; {hint}use one of {', '.join(names)}"
    typed = _TYPED.match(message)
    cause = getattr(error, "__cause__", None)
    if typed and hasattr(cause, "errors"):  # typer's pydantic: "Input should be a valid integer, unable to …"
        given = next((e.get("input") for e in cause.errors() if "input" in e), None)
        if given is not None:
            wanted = "a whole number" if typed.group("type") == "integer" else "a number"
            return f"{typed.group('flag')} {given!r} is not valid; give {wanted}"
    match = _CHOICE.match(message)
    if match is None:
        ours = re.match(r"^Invalid value for '(?P<flag>[^']+)': (?P<said>'.*)$", message)  # our BadParameter's words
        return f"{ours.group('flag')} {ours.group('said')}" if ours else message
    choices = ", ".join(c.strip().strip("'") for c in match.group("choices").split(","))
    return f"{match.group('flag')} {match.group('value')!r} is not valid; use one of {choices}"


def _elsewhere(flag: str, ctx: Any) -> str | None:
    """`--log is not an option of plot stages; it applies to plot layers, plot sweep`, or None."""
    parent = ctx.parent
    if parent is None or not hasattr(parent.command, "commands"):
        return None
    here = f"{parent.info_name} {ctx.info_name}"
    takers = [
        f"{parent.info_name} {name}"
        for name, command in parent.command.commands.items()
        if any(flag in param.opts for param in command.params)
    ]
    return f"{flag} is not an option of {here}; it applies to {', '.join(takers)}" if takers else None


class _ClosedStdout:
    """Stands in for a closed stdout: nothing written to it is lost in silence, every write fails as EBADF."""

    encoding, errors = "utf-8", "strict"

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "the standard output is closed")

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        raise OSError(errno.EBADF, "the standard output is closed")


def output_failure(error: OSError) -> str:
    if error.errno == errno.EBADF:
        return "the standard output is closed; nothing can be written to it"
    if error.errno == errno.EPIPE or isinstance(error, BrokenPipeError):
        return "the output's reader left before it was all written (a closed pipe)"
    if error.errno == errno.ENOSPC:
        return "cannot write the output: no space left on the device"
    return f"cannot write the output: {' '.join((error.strerror or str(error)).split())}"


def _one_line_warnings(previous: Callable[..., None]) -> Callable[..., None]:
    """A knob that does nothing, as one line on stderr; any other warning as Python shows it."""

    def show(message: Any, category: type[Warning], *args: Any, **kwargs: Any) -> None:
        if issubclass(category, InspectWarning):
            typer.echo(f"{PROG}: warning: {message}", err=True)
        else:
            previous(message, category, *args, **kwargs)

    return show


def _raised_by_us(error: BaseException) -> bool:
    """Whether sys.exit was called (the innermost frame of `error`'s traceback) by this package or by the CLI
    framework under it (typer, its click included), not by a user's code."""
    tb = error.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None:
        return True
    where = str(Path(tb.tb_frame.f_code.co_filename).resolve())
    ours = (Path(__file__).parent.parent, Path(typer.__file__).parent)
    return any(where.startswith(str(path.resolve())) for path in ours)


def fail(message: str, code: int = 2) -> None:
    _flush(sys.stdout)  # what was printed before the error comes first, and a failed flush is not left for exit
    typer.echo(f"{PROG}: error: {message}", err=True)
    sys.exit(code)


def _flush(stream: Any) -> None:
    try:
        stream.flush()
    except (OSError, ValueError):
        _quiet_stdout()  # the error is said once, by the caller; Python must not say it again at exit


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so that nothing left in its buffer is written (or fails) at exit."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def require(ok: bool, message: str) -> None:
    if not ok:
        raise CheckFailed(message)
