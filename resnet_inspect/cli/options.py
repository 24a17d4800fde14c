"""The options commands share, the network every knob describes, and the one rule for options that would do
nothing: each is refused where it would be ignored, in one line that says why (`IDLE`)."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from ..core.configs import DEPTHS, parse_arch
from ..core.errors import InspectError
from ..core.spec import KNOB_HELP, ResNetSpec, knob_type, with_knobs
from .output import Format, output_path

Size = Annotated[str | None, typer.Option(help="Input size: 224, or HxW such as 480x640 (default: the config's).")]
Batch = Annotated[int, typer.Option(help="Batch size N (MACs scale with it).")]
FormatOption = Annotated[
    Format | None,
    typer.Option("--format", help="rich (terminal), csv, json or markdown. Default: rich, or from --output's suffix."),
]
Output = Annotated[Path | None, typer.Option(help="Write to this file (whole or not at all).", parser=output_path)]
Depth = Annotated[int | None, typer.Option(help="ResNet depth from the paper: 18, 34, 50, 101 or 152 (default 50).")]
Arch = Annotated[
    str | None,
    typer.Option(
        help="A named config instead of --depth, knobs after a colon "
        "(resnet50:stride_in=v1); `resnet-inspect archs` lists them."
    ),
]
DType = Annotated[str, typer.Option(help="Bytes per value: float32, float16 (fp16, half), bfloat16, float64, int8.")]
# Every knob the spec takes after --arch's colon is an option too, as text parsed by the knob's own field (so a bad
# value is refused in the spec's words); --maxpool/--no-maxpool a switch. Its help is the spec's line for it.
_METAVAR = {int: "<int>", str: "<text>"}  # a tuple knob's numbers: "<n,n,…>"
KNOBS: dict[str, Any] = {
    name: Annotated[bool | None, typer.Option(f"--{name}/--no-{name}", help=text)]
    if name == "maxpool"
    else Annotated[str | None, typer.Option(help=text, metavar=_METAVAR.get(knob_type(name), "<n,n,…>"))]
    for name, text in KNOB_HELP.items()
}
NETWORK = ("depth", "arch", *KNOBS)  # the options that describe the network


def network(depth: int | None = None, arch: str | None = None, **knobs: Any) -> ResNetSpec:
    """The spec the options describe: a named config or paper depth, with any knobs changed."""
    if arch is not None and depth is not None:
        raise InspectError(f"give --arch or --depth, not both (--arch {arch}, --depth {depth})")
    if arch is None and depth is not None and depth not in DEPTHS:
        raise InspectError(f"--depth {depth} is not valid; use one of {', '.join(map(str, DEPTHS))}")
    return with_knobs(parse_arch(arch if arch is not None else depth or 50), knobs)


def network_options(command: Callable) -> Callable:
    """Give a command --depth, --arch and every knob; it receives the spec they describe as `spec` (and, if it
    has a parameter `network_given`, whether any of them was set)."""
    signature = inspect.signature(command, eval_str=True)
    own = [p for p in signature.parameters.values() if p.name not in ("spec", "network_given")]
    names = {"depth": Depth, "arch": Arch, **KNOBS}
    knobs = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=annotation)
        for name, annotation in names.items()
    ]

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        refuse_idle(_command_name(command), kwargs, {p.name: p.default for p in own})
        chosen = {name: kwargs.pop(name) for name in names}
        if "network_given" in signature.parameters:
            kwargs["network_given"] = any(value is not None for value in chosen.values())
        return command(*args, spec=network(**chosen), **kwargs)

    arguments = [p for p in own if p.default is p.empty]
    options = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own if p.default is not p.empty]
    wrapper.__signature__ = inspect.Signature(arguments + knobs[:2] + options + knobs[2:])  # type: ignore[attr-defined]
    return wrapper


# ---------------------------------------------------------------------------------------- idle options


@dataclass(frozen=True)
class Idle:
    """Options of a command that do nothing while `when` holds of its parameters: refused then, saying `why`."""

    options: tuple[str, ...]
    when: Callable[[dict[str, Any]], bool]
    why: str


_MODEL = lambda p: p.get("model") is not None  # noqa: E731
# command → the cases where some of its options would do nothing. Every (command, option) pair is either here
# or changes the result: tests/test_options.py holds each one to that.
IDLE: dict[str, tuple[Idle, ...]] = {
    "table": (
        Idle(NETWORK, _MODEL, "your model is the network"),
        Idle(
            ("cross_check", "verify_rf", "symbolic"),
            _MODEL,
            "these proofs run on the configs this tool builds, not yet on a model of yours",
        ),
        Idle(("kwargs",), lambda p: p.get("model") is None, "it passes keyword arguments to a --model factory"),
        Idle(("dtype",), lambda p: not p.get("memory"), "it sets the bytes per value of --memory"),
    ),
    "sweep": (),
    "compare": (
        Idle(("depths", "archs"), lambda p: p.get("diff") is not None, "--diff compares its two configs on its own"),
        Idle(("depths",), lambda p: p.get("archs") is not None, "--archs names the networks already"),
    ),
    "blocks": (
        Idle(
            ("size", "channels"),
            lambda p: p.get("depth") is not None or p.get("arch") is not None,
            "with --depth/--arch the block's width and size come from that network's --stage (see --input-size)",
        ),
        Idle(
            ("stage", "input_size"),
            lambda p: p.get("depth") is None and p.get("arch") is None,
            "they pick a stage of --depth/--arch; without one, give the block's own --channels and --size",
        ),
        Idle(
            ("width_per_group",),
            lambda p: p.get("groups") is None and p.get("depth") is None and p.get("arch") is None,
            "it sizes the ResNeXt block that --groups adds",
        ),
    ),
    "plot shapes": (
        Idle(
            ("num_classes",), lambda p: True, "the feature map is drawn to the last stage; the classes are the head's"
        ),
    ),
    "plot block": (
        Idle(
            ("in_channels", "num_classes"),
            lambda p: True,
            "a stage's blocks read neither the image's channels nor the classes",
        ),
    ),
    "plot rf": (
        Idle(
            ("in_channels", "num_classes"),
            lambda p: True,
            "a receptive field depends on neither the image's channels nor the classes",
        ),
    ),
    "check": (
        Idle(
            ("kwargs",),
            lambda p: ":" not in str(p.get("target", "")),
            "it passes keyword arguments to a model factory (path/to/file.py:factory), not to a checkpoint",
        ),
    ),
}


def _command_name(command: Callable) -> str:
    """How IDLE names a command: `table`, or `plot shapes` for a kind of plot."""
    return f"plot {command.__name__}" if command.__module__.endswith(".plot") else command.__name__


def given(params: dict[str, Any], defaults: dict[str, Any]) -> list[str]:
    """The options in `params` set to something else than their default (a network option's is None)."""
    return [name for name, value in params.items() if value != defaults.get(name)]


def refuse_idle(command: str | Callable, params: dict[str, Any], defaults: dict[str, Any] | None = None) -> None:
    """Refuse, in one line, an option the user set that `command` would ignore with these parameters."""
    if callable(command):
        defaults = {p.name: p.default for p in inspect.signature(command).parameters.values()}
        command = _command_name(command)
    changed = set(given(params, defaults or {}))
    for rule in IDLE.get(command, ()):
        typed = [name for name in rule.options if name in changed]
        if typed and rule.when(params):
            flag = "--" + typed[0].replace("_", "-")
            raise InspectError(f"{flag} does nothing here: {rule.why}")


def size_of(spec: ResNetSpec, size: str | None) -> tuple[int, int]:
    from ..core.spec import parse_size

    return parse_size(size if size is not None else spec.default_size)
