"""What every `resnet-inspect` command shares: the one error boundary, output formats, and the network options.

`OneLineErrors.main` turns every library error into one line on stderr: exit 2 for a bad request or a model
that cannot be loaded, exit 1 for a check that failed. Commands never catch errors.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import os
import re
import sys
import warnings
from collections.abc import Callable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
import typer.core

from .core.budget import MEMORY_ENV
from .core.configs import DEPTHS, parse_arch
from .core.errors import InspectError, InspectWarning
from .core.spec import ResNetSpec, parse_size, with_knobs

PROG = "resnet-inspect"
PIPE_WIDTH = 140


class CheckFailed(Exception):
    """A check that ran and found a disagreement: one line, exit code 1."""


class OneLineErrors(typer.core.TyperGroup):
    """Usage errors, library errors and failed checks as one plain line (`resnet-inspect: error: …`)."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        ascii_fallback()
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("always", InspectWarning)
                warnings.showwarning = _one_line_warnings(warnings.showwarning)
                code = super().main(*args, standalone_mode=False, **kwargs)
            sys.stdout.flush()  # here, not at exit, where a closed pipe or a full disk could only be reported raw
        except BrokenPipeError:  # `… | head -1`: the reader has left; quiet, and exit 1 as typer does mid-command
            _quiet_stdout()
            sys.exit(1)
        except typer.TyperException as error:
            if type(error).__name__ == "NoArgsIsHelpError":  # a bare `resnet-inspect`: help, not an error
                typer.echo(error.ctx.get_help())
                sys.exit(0)
            fail(error.format_message(), error.exit_code)
        except typer.Abort:
            fail("aborted", 1)
        except InspectError as error:  # LoadError included
            fail(self.as_flags(str(error)), 2)
        except CheckFailed as error:
            typer.echo(f"{PROG}: check failed: {error}", err=True)
            sys.exit(1)
        except MemoryError:
            fail(f"out of memory; use a smaller network, batch or size ({MEMORY_ENV} may be set too high)", 2)
        except RuntimeError as error:  # torch's allocator says it so: the budget was raised past the machine
            if type(error).__name__ != "OutOfMemoryError" and "can't allocate memory" not in str(error):
                raise
            fail(f"out of memory; use a smaller network, batch or size ({MEMORY_ENV} may be set too high)", 2)
        except SystemExit as error:  # ours (a reader that left, a signal) stand; a user's factory or forward's do not
            if _raised_by_us(error):
                raise
            fail(f"the model's code called sys.exit({error.code!r}) instead of returning a model or an output", 2)
        except OSError as error:  # stdout on a full disk (`> /dev/full`), a terminal gone; else a file, named
            reason = " ".join((error.strerror or str(error)).split())
            fail(f"{error.filename!r}: {reason}" if error.filename else f"cannot write the output: {reason}", 2)
        if code == 130:  # typer's answer to Ctrl-C (KeyboardInterrupt): the shell's convention, 128 + SIGINT
            fail("interrupted", 130)
        sys.exit(code if isinstance(code, int) else 0)


    def as_flags(self, message: str) -> str:
        """A library message that opens with an argument's name (`batch 0 is not valid`) names its flag instead."""
        match = _NAMED_VALUE.match(message)
        names = {p.name for command in self.commands.values() for p in command.params}
        if match is None or match.group(1) not in names:
            return message
        return "--" + match.group(1).replace("_", "-") + message[match.end(1) :]


_NAMED_VALUE = re.compile(r"^([a-z][a-z_]*)(?:=| \S+ (?:is not valid|must|gives|lists|names|add up|and ))")


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
    framework under it (typer, its click included, exits 1 when the reader of stdout has left), not by a user's
    code."""
    tb = error.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None:
        return True
    where = str(Path(tb.tb_frame.f_code.co_filename).resolve())
    ours = (Path(__file__), Path(typer.__file__))
    return any(where.startswith(str(path.resolve().parent)) for path in ours)


def say(line: str, *, err: bool = True) -> None:
    """A note beside the output (stderr by default): wrapped to the terminal's width when it goes to a terminal,
    one line when piped or logged, so a grep still finds it whole."""
    import shutil
    import textwrap

    stream = sys.stderr if err else sys.stdout
    if not stream.isatty():
        typer.echo(line, err=err)
        return
    for part in textwrap.wrap(line, shutil.get_terminal_size().columns, subsequent_indent="  ") or [""]:
        typer.echo(part, err=err)


def fail(message: str, code: int = 2) -> None:
    _flush(sys.stdout)  # what was printed before the error comes first, and a failed flush is not left for exit
    typer.echo(f"{PROG}: error: {message}", err=True)
    sys.exit(code)


def _flush(stream: Any) -> None:
    try:
        stream.flush()
    except BrokenPipeError:
        _quiet_stdout()
    except (OSError, ValueError):
        _quiet_stdout()  # the error is said once, by the caller; Python must not say it again at exit


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so that nothing left in its buffer is written (or fails) at exit."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


# What each glyph the tool prints becomes on a stream that cannot encode it (PYTHONIOENCODING=ascii, a C locale):
# the one place that decides, for every line printed to stdout and stderr, rich's included.
ASCII_GLYPHS = {
    "×": "x", "·": "*", "→": "->", "✓": "ok", "✗": "FAIL", "−": "-", "…": "...", "≥": ">=", "≤": "<=", "–": "-",
    "—": "-", "▲": "^", "▼": "v", "█": "#", "▌": "|", "•": "*", "Δ": "d", "÷": "/", "∝": "~", "⁹": "^9", "₂": "2",
}  # fmt: skip
_ASCII = "resnet_inspect_ascii"  # a codec of its own: click re-wraps a stream whose codec is plain ASCII as UTF-8


def _ascii_codec(name: str) -> Any:
    import codecs

    if name != _ASCII:
        return None
    table = str.maketrans(ASCII_GLYPHS)

    def encode(text: str, errors: str = "strict") -> tuple[bytes, int]:
        return text.translate(table).encode("ascii", "replace"), len(text)

    class Encoder(codecs.IncrementalEncoder):
        def encode(self, text: str, final: bool = False) -> bytes:
            return encode(text)[0]

    return codecs.CodecInfo(encode, codecs.ascii_decode, name=_ASCII, incrementalencoder=Encoder,
                            incrementaldecoder=codecs.getincrementaldecoder("ascii"))  # fmt: skip


def ascii_fallback() -> None:
    """Give stdout and stderr ASCII_GLYPHS' stand-ins where their encoding cannot say the tool's glyphs."""
    import codecs

    for stream in (sys.stdout, sys.stderr):
        try:
            "".join(ASCII_GLYPHS).encode(stream.encoding or "utf-8")
        except (UnicodeEncodeError, LookupError):
            if not _ASCII_REGISTERED:
                codecs.register(_ascii_codec)
                _ASCII_REGISTERED.append(True)
            with contextlib.suppress(AttributeError, ValueError, OSError):
                stream.reconfigure(encoding=_ASCII)
        except (AttributeError, TypeError):  # a stream without an encoding (a test's capture): left as it is
            continue


_ASCII_REGISTERED: list[bool] = []


# ------------------------------------------------------------------------------------------------ output


class Format(StrEnum):
    rich = "rich"
    csv = "csv"
    json = "json"
    markdown = "markdown"


SUFFIX_FORMAT = {".json": Format.json, ".csv": Format.csv, ".md": Format.markdown, ".markdown": Format.markdown}
TEXT_FORMATS = (Format.json, Format.csv, Format.markdown)


def prepare_output(fmt: Format | None, output: Path | None, available=TEXT_FORMATS) -> Format:
    """The format to write (from --format, else --output's suffix, else rich), refused early when unavailable."""
    inferred = SUFFIX_FORMAT.get(output.suffix.lower()) if output is not None else None
    if fmt is Format.rich and output is not None:
        raise InspectError("--format rich goes to the terminal only; with --output use --format csv|json|markdown")
    if output is not None and inferred is None and fmt in (None, Format.rich):
        raise InspectError(f"cannot tell a format from --output {str(output)!r}; name the file .json, .csv or .md, "
                           "or give --format csv|json|markdown")  # fmt: skip
    if fmt is not None and inferred is not None and fmt is not inferred:
        raise InspectError(f"--format {fmt.value} and --output {str(output)!r} disagree; name the file "
                           f"{next(s for s, f in SUFFIX_FORMAT.items() if f is fmt)} or drop --format")  # fmt: skip
    fmt = fmt or inferred or Format.rich
    if fmt is Format.rich and output is not None:
        raise InspectError("--format rich goes to the terminal only; with --output use --format csv|json|markdown")
    if fmt is not Format.rich and fmt not in available:
        raise InspectError(f"--format {fmt.value} is not available here; use rich or "
                           + " or ".join(f.value for f in available))  # fmt: skip
    if output is not None:
        check_writable(output)
    return fmt


def check_writable(output: Path) -> None:
    """Refuse, in one line, an --output the tool could not write, before any work is done."""
    from .files import check_output_path

    check_output_path(output, "--output")


def output_path(text: str | Path) -> Path:
    """--output as typed: an empty path or one ending in a separator names a directory (Path() would hide both).
    A default (a Path already) comes through here too."""
    text = os.fspath(text)
    if not text.strip():
        raise typer.BadParameter(f"{text!r} is empty; give a file path, like results.json")
    if text.endswith(os.sep) or (os.altsep and text.endswith(os.altsep)):
        raise typer.BadParameter(f"{text!r} ends in {text[-1]!r}, so it names a directory; give a file path")
    return Path(text)


def terminal():
    from rich.console import Console

    console = Console()
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console = Console(width=PIPE_WIDTH)  # piped to a file: rich's 80 columns would cut the table
    return console


def show(fmt: Format, output: Path | None, rich: Callable[[Any], Any], **texts: Callable[[], str]) -> None:
    """Print the rich view (given the console), or the text of `fmt` to stdout or (whole) to --output."""
    if fmt is Format.rich:
        console = terminal()
        if console.is_terminal:
            console.print(rich(console))
            return
        with console.capture() as captured:  # piped: the lines without the blanks rich pads them with
            console.print(rich(console))
        sys.stdout.write("".join(line.rstrip() + "\n" for line in captured.get().splitlines()))
        return
    body = texts[fmt.value]()
    if output is None:
        sys.stdout.write(body)
        return
    from .files import write_text

    write_text(output, body, "--output")  # every OSError comes back as a one-line InspectError
    typer.echo(f"wrote {output} ({len(body.encode()):,} bytes)", err=True)


def show_result(fmt: Format, output: Path | None, rich: Callable[[Any], Any], result: Any) -> None:
    """A result's rich view, or its document as JSON, or its flat records as CSV or Markdown."""
    from .records.serialize import records_csv, records_markdown

    show(fmt, output, rich, json=result.to_json, csv=lambda: records_csv(result.records()),
         markdown=lambda: records_markdown(result.records()))  # fmt: skip


@contextlib.contextmanager
def progress(total: int, minimum: int = 100) -> Iterator[Callable[[int], None]]:
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


# ------------------------------------------------------------------------------------- shared options

Size = Annotated[str | None, typer.Option(help="Input size: 224, or HxW such as 480x640 (default: the config's).")]
Batch = Annotated[int, typer.Option(help="Batch size N (MACs scale with it).")]
FormatOption = Annotated[
    Format | None,
    typer.Option("--format", help="rich (terminal), csv, json or markdown. Default: rich, or from --output's suffix."),
]
Output = Annotated[Path | None, typer.Option(help="Write to this file (whole or not at all).", parser=output_path)]
Depth = Annotated[int | None, typer.Option(help="ResNet depth from the paper: 18, 34, 50, 101 or 152 (default 50).")]
Arch = Annotated[str | None, typer.Option(help="A named config instead of --depth, knobs after a colon "
                                               "(resnet50:stride_in=v1); `resnet-inspect archs` lists them.")]
KNOBS: dict[str, Any] = {
    "block": Annotated[str | None, typer.Option(help="basic or bottleneck blocks.")],
    "layers": Annotated[str | None, typer.Option(help="Blocks per stage, any number of stages: 3,4,6,3.")],
    "widths": Annotated[str | None, typer.Option(help="Stage widths, one per stage: 64,128,256,512.")],
    "stride_in": Annotated[str | None, typer.Option(help="Bottleneck stride on the first 1×1 (v1) or the 3×3 (v1.5).")],
    "stem": Annotated[str | None, typer.Option(help="torchvision (7×7/2), deep (three 3×3) or cifar (3×3/1).")],
    "stem_widths": Annotated[str | None, typer.Option(help="Widths of the stem convs, like 32,32,64 (deep).")],
    "maxpool": Annotated[bool | None, typer.Option("--maxpool/--no-maxpool", help="The stem's max pool.")],
    "maxpool_padding": Annotated[int | None, typer.Option(help="The stem max pool's padding: 1 or 0.")],
    "shortcut": Annotated[str | None, typer.Option(help="A (zero-pad), B (projection where shapes change), "
                                                        "C (projection everywhere), avgdown.")],
    "order": Annotated[str | None, typer.Option(help="post (conv→BN→ReLU) or pre (pre-activation).")],
    "se_reduction": Annotated[int | None, typer.Option(help="Squeeze-and-excitation reduction (16); 0: none.")],
    "output_stride": Annotated[int | None, typer.Option(help="8 or 16: strides of the last stages become dilation.")],
    "groups": Annotated[int | None, typer.Option(help="Groups of the bottleneck 3×3 (ResNeXt's cardinality).")],
    "width_per_group": Annotated[int | None, typer.Option(help="Channels per group at width 64 (128: wide).")],
    "in_channels": Annotated[int | None, typer.Option(help="Input channels (3 for RGB, 1 for grey).")],
    "num_classes": Annotated[int | None, typer.Option(help="Classes of the final linear layer.")],
}  # fmt: skip


def network(depth: int | None = None, arch: str | None = None, **knobs: Any) -> ResNetSpec:
    """The spec the options describe: a named config or paper depth, with any knobs changed."""
    if arch is not None and depth is not None:
        raise InspectError(f"give --arch or --depth, not both (--arch {arch}, --depth {depth})")
    if arch is None and depth is not None and depth not in DEPTHS:
        raise InspectError(f"--depth {depth} is not valid; use one of {', '.join(map(str, DEPTHS))}")
    return with_knobs(parse_arch(arch if arch is not None else depth or 50), knobs)


def network_options(command: Callable) -> Callable:
    """Give a command --depth, --arch and every knob; it receives the spec they describe as `spec`."""
    own = [p for p in inspect.signature(command, eval_str=True).parameters.values() if p.name != "spec"]
    names = {"depth": Depth, "arch": Arch, **KNOBS}
    knobs = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=annotation)
             for name, annotation in names.items()]  # fmt: skip

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return command(*args, spec=network(**{name: kwargs.pop(name) for name in names}), **kwargs)

    arguments = [p for p in own if p.default is p.empty]
    options = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own if p.default is not p.empty]
    wrapper.__signature__ = inspect.Signature(arguments + knobs[:2] + options + knobs[2:])  # type: ignore[attr-defined]
    return wrapper


def size_of(spec: ResNetSpec, size: str | None) -> tuple[int, int]:
    return parse_size(size if size is not None else spec.default_size)


def split_archs(text: str, label: str = "--archs") -> list[str]:
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


def require(verified: bool, message: str) -> None:
    if not verified:
        raise CheckFailed(message)
