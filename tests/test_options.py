"""One rule for options: every option a command (or a plot kind) accepts either changes what it writes, or is
refused in one line that names it and says why (cli/options.py's IDLE table). Tried for every pair.

For each command, a base invocation; for each of its options, a value. The option must change the output (the JSON
document, the CSV, the figure's bytes; for `profile`, its document less the timings), or be refused with exit 2 and
one line that names the flag, where IDLE says it would do nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer.main

from resnet_inspect.cli import app
from resnet_inspect.cli.options import IDLE

from .cli import invoke

HERE = Path(__file__).parent
MODEL = f"{HERE / 'user_models' / 'from_scratch.py'}:correct"
TEN = f"{HERE / 'user_models' / 'from_scratch.py'}:ten_classes"  # a factory that takes num_classes
# The positional arguments, each with a base in which it differs.
POSITIONAL = {
    ("explain", "layer"): ["layer1.0.bn1", "--size", "64", "--format", "json"],
    ("check", "target"): [f"{HERE / 'user_models' / 'from_scratch.py'}:one_by_one", "--size", "64", "--format", "json"],
}

# The network every command that takes --depth/--arch/knobs is given, and a value of each network option that
# changes it.
NETWORK = {
    "depth": ["--depth", "18"], "arch": ["--arch", "resnet50d"], "block": ["--block", "basic"],
    "layers": ["--layers", "2,2,2,2"], "widths": ["--widths", "32,64,128,256"], "stride_in": ["--stride-in", "v1"],
    "stem": ["--stem", "deep"], "stem_widths": ["--stem-widths", "32"], "maxpool": ["--no-maxpool"],
    "maxpool_padding": ["--maxpool-padding", "0"], "shortcut": ["--shortcut", "C"], "order": ["--order", "pre"],
    "se_reduction": ["--se-reduction", "16"], "output_stride": ["--output-stride", "16"],
    "groups": ["--groups", "32"], "width_per_group": ["--width-per-group", "128"],
    "in_channels": ["--in-channels", "1"], "num_classes": ["--num-classes", "10"],
}  # fmt: skip
FIGURE = ["--dpi", "30"]
# Every knob reaches the network through one decorator (cli/options.network_options): all of them are tried on
# `table`; elsewhere these, which show the spec arrives and meet the kinds that ignore classes or channels.
FEW = {k: NETWORK[k] for k in ("arch", "layers", "in_channels", "num_classes")}
# command → (base arguments, {option: its value's arguments})
CASES: dict[str, tuple[list[str], dict[str, list[str]]]] = {
    "table": (["--size", "64", "--format", "json"], {
        **NETWORK, "size": ["--size", "96"], "batch": ["--batch", "2"],
        "level": ["--level", "stage", "--format", "csv"],
        "fmt": ["--format", "csv"], "output": None, "flops": ["--flops"], "memory": ["--memory"],
        "dtype": ["--memory", "--dtype", "bf16"], "cross_check": ["--cross-check"], "rf": ["--rf", "--format", "rich"],
        "verify_rf": ["--verify-rf"], "model": ["--model", MODEL], "kwargs": ["--model", TEN, "--kwargs",
                                                                             '{"num_classes": 10}'],
        "symbolic": ["--symbolic", "--format", "markdown"], "no_cache": ["--no-cache"],
    }),
    "archs": (["--size", "32", "--format", "json"], {"size": ["--size", "48"], "fmt": ["--format", "csv"],
                                                      "output": None}),
    "paper": (["--format", "json"], {"size": ["--size", "256"], "cifar": ["--cifar"], "stride_in": ["--stride-in",
              "v1.5"], "shortcut": ["--shortcut", "B"], "fmt": ["--format", "csv"], "output": None}),
    "explain": (["layer1.0.conv1", "--size", "64", "--format", "json"], {
        **FEW, "layer": None, "size": ["--size", "96"], "batch": ["--batch", "2"],
        "fmt": ["--format", "csv"], "output": None,
    }),
    "blocks": (["--format", "json"], {
        "channels": ["--channels", "128"], "size": ["--size", "28"], "stride": ["--stride", "2"],
        "groups": ["--groups", "32"], "width_per_group": ["--groups", "32", "--width-per-group", "8"],
        "depth": ["--depth", "18"], "arch": ["--arch", "resnet50"], "stage": ["--depth", "50", "--stage", "layer3"],
        "input_size": ["--depth", "50", "--input-size", "448"], "batch": ["--batch", "2"],
        "fmt": ["--format", "csv"], "output": None,
    }),
    "compare": (["--size", "64", "--format", "json"], {
        "depths": ["--depths", "18,50"], "archs": ["--archs", "resnet18,resnet50d"],
        "diff": ["--diff", "resnet18", "resnet34"], "size": ["--size", "96"], "batch": ["--batch", "2"],
        "fmt": ["--format", "csv"], "output": None,
    }),
    "sweep": (["--sizes", "64,96", "--format", "json"], {
        **FEW, "sizes": ["--sizes", "64,128"], "batch": ["--batch", "1,2"], "dtype": ["--dtype", "bf16"],
        "fmt": ["--format", "csv"], "output": None,
    }),
    "profile": (["--size", "32", "--repeats", "1", "--warmup", "0", "--format", "json"], {
        **FEW, "size": ["--size", "40"],
        "batch": ["--batch", "2"], "device": None, "dtype": ["--dtype", "bfloat16"],
        "channels_last": ["--channels-last"], "warmup": ["--warmup", "1"], "repeats": ["--repeats", "2"],
        "max_seconds": ["--max-seconds", "1000"], "compile": None,
        "level": ["--level", "block", "--format", "csv"], "fmt": ["--format", "csv"],
        "output": None,
    }),
    "check": ([TEN, "--size", "64", "--format", "json"], {
        "target": None, "depth": ["--depth", "34"],
        "arch": ["--arch", "resnet18:num_classes=10"], "size": ["--size", "96"],
        "kwargs": ["--kwargs", '{"num_classes": 10}'], "fmt": ["--format", "csv"], "output": None, "debug": None,
    }),
}  # fmt: skip
# Options that change what a run does in a way its output cannot show on this machine, each with the reason, and
# tested elsewhere: not a hole in the rule, a limit of what one CPU run can see.
UNSEEN = {
    ("profile", "device"): "auto is the CPU on a machine without CUDA (test_memory_and_profile runs it on CUDA)",
    ("profile", "compile"): "compiling takes minutes on the CPU; the document says compiled (test_memory_and_profile)",
    ("check", "debug"): "it prints the traceback of a model that fails to load (test_check)",
}
# Every plot kind: its base, and a value of each of its own options.
PLOTS: dict[str, tuple[list[str], dict[str, list[str]]]] = {
    "stages": (["--size", "64"], {**FEW, "size": ["--size", "96"], "batch": ["--batch", "2"]}),
    "layers": (["--size", "64"], {**FEW, "size": ["--size", "96"], "batch": ["--batch", "2"],
                                                   "log": ["--log"]}),
    "shapes": (["--size", "64"], {**FEW, "size": ["--size", "96"], "batch": ["--batch", "2"]}),
    "depths": (["--archs", "resnet18,resnet34", "--size", "64"], {"archs": ["--archs", "resnet18,resnet50"],
               "size": ["--size", "96"], "batch": ["--batch", "2"]}),
    "blocks": ([], {"channels": ["--channels", "128"], "size": ["--size", "28"], "stride": ["--stride", "2"],
                    "groups": ["--groups", "32"], "block_size": ["--block-size", "28"],
                    "block_groups": ["--block-groups", "32"], "batch": ["--batch", "2"]}),
    "sweep": (["--sizes", "64,96"], {**FEW, "sizes": ["--sizes", "64,128"],
              "batch": ["--batch", "2"], "dtype": ["--dtype", "bf16"], "log": ["--log"]}),
    "roofline": (["--size", "64"], {**FEW, "hardware": ["--hardware", "a100-sxm"],
                 "peak_tflops": ["--peak-tflops", "100"], "peak_gbs": ["--peak-gbs", "500"], "size": ["--size", "96"],
                 "batch": ["--batch", "2"], "dtype": ["--dtype", "bf16"]}),
    "diagram": (["--size", "64"], {**FEW, "size": ["--size", "96"], "batch": ["--batch", "2"]}),
    "block": (["--stage", "layer1", "--size", "64"], {**FEW, "stage": ["--stage", "layer2"],
                                                  "size": ["--size", "96"]}),
    "rf": (["--stage", "none", "--size", "64"], {**FEW, "stage": ["--stage", "layer1"], "size": ["--size", "96"]}),
}  # fmt: skip
COMMON_PLOT = {"output", "dpi", "figsize"}  # every kind's: tested in test_docs_and_plots (file, resolution, size)


def accepted(path: list[str]) -> list[str]:
    command = typer.main.get_command(app)
    for name in path:
        command = command.commands[name]
    return [p.name for p in command.params if p.name != "help"]


def refusal(command: str, option: str, args: list[str]) -> str | None:
    """The line IDLE says for `option` with these parameters, or None where the option applies."""
    return next((rule.why for rule in IDLE.get(command, ()) if option in rule.options), None)


def test_every_option_of_every_command_is_in_the_table():
    knobs = set(NETWORK) - set(FEW)  # tried on `table` alone (see FEW)
    for command, (_, options) in CASES.items():
        taken = set(accepted([command]))
        networked = "stem" in taken and command != "table"  # the commands that take every knob
        assert set(options) == (taken - knobs if networked else taken), command
    for kind, (_, options) in PLOTS.items():
        taken = set(accepted(["plot", kind]))
        assert set(options) | COMMON_PLOT == (taken - knobs if "stem" in taken else taken), kind
    assert set(CASES) | {"plot"} == set(typer.main.get_command(app).commands)


TIMINGS = ("_ms", "time_share", "gmacs_conv_linear_per_s", "headline")


def _untimed(value):
    if isinstance(value, dict):
        return {k: _untimed(v) for k, v in value.items() if not k.endswith(TIMINGS)}
    return [_untimed(v) for v in value] if isinstance(value, list) else value


def _document(command: str, result) -> str:
    """What a run wrote: stdout, and the notes beside it (for profile, its document less what the clock says)."""
    if command != "profile":
        return result.stdout + result.stderr
    if result.stdout.lstrip().startswith("{"):
        return json.dumps(_untimed(json.loads(result.stdout)))
    return "\n".join(line.split(",")[0] for line in result.stdout.splitlines())  # csv: the rows' names


def _outcome(args: list[str], command: str):
    result = invoke(*args)
    return result, _document(command, result) if result.exit_code in (0, 1) else None


_BASES: dict = {}


def _base(key, run):
    """A base run, once per command: every option of it is held to the same output."""
    if key not in _BASES:
        _BASES[key] = run()
    return _BASES[key]


PAIRS = [(c, o) for c, (_, options) in CASES.items() for o in options if options[o] is not None or (c, o) in POSITIONAL]


@pytest.mark.parametrize(("command", "option"), PAIRS, ids=[f"{c}-{o}" for c, o in PAIRS])
def test_every_option_changes_the_output_or_is_refused(command, option):
    base, options = CASES[command]
    _, before = _base(command, lambda: _outcome([command, *base], command))
    assert before is not None, command
    changed = POSITIONAL.get((command, option)) or [*base, *options[option]]
    result, after = _outcome([command, *changed], command)
    flag = "--" + option.replace("_", "-")
    if result.exit_code == 2 and flag in result.stderr:  # refused, by the IDLE table: one line that says why
        assert result.stderr.count("\n") == 1, (command, option, result.stderr)
        assert refusal(command, option, changed) is not None, (command, option, result.stderr)
        return
    if result.exit_code == 2:  # a valid error of the network the option made (a layer that is not in it)
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.output, result.output
        return
    assert result.exit_code in (0, 1), (command, option, result.output[-500:])
    assert after != before, f"{command} {' '.join(options[option])} writes what {command} alone writes"


PLOT_PAIRS = [(k, o) for k, (_, options) in PLOTS.items() for o in options]


@pytest.mark.parametrize(("kind", "option"), PLOT_PAIRS, ids=[f"{k}-{o}" for k, o in PLOT_PAIRS])
def test_every_plot_option_changes_the_figure_or_is_refused(kind, option, tmp_path):
    base, options = PLOTS[kind]

    def draw(extra: list[str], out: Path):
        return invoke("plot", kind, *base, *extra, *FIGURE, "--output", str(out)), out

    first, out = _base(("plot", kind), lambda: draw([], tmp_path / "base.png"))
    assert first.exit_code == 0, (kind, first.output[-500:])
    before = _base(("plot bytes", kind), out.read_bytes)
    result, out = draw(options[option], tmp_path / "changed.png")
    flag = "--" + option.replace("_", "-")
    if result.exit_code == 2 and flag in result.stderr:  # refused, by the IDLE table
        assert result.stderr.count("\n") == 1, (kind, option, result.stderr)
        assert refusal(f"plot {kind}", option, base + options[option]) is not None, (kind, option, result.stderr)
        return
    if result.exit_code == 2:  # a valid error of the network the option made
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.output, result.output
        return
    assert result.exit_code == 0, (kind, option, result.output[-500:])
    assert out.read_bytes() != before, f"plot {kind} {' '.join(options[option])} draws what plot {kind} alone draws"


def test_what_one_cpu_run_cannot_show_is_named():
    unseen = {(c, o) for c, (_, options) in CASES.items() for o, v in options.items()
              if v is None and o != "output" and (c, o) not in POSITIONAL}  # fmt: skip
    assert unseen == set(UNSEEN)
