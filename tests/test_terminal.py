"""Every command's terminal output fits 60, 80 and 120 columns, keeps ✓, and prints every number whole.

A number is whole when it parses back to a value the command's JSON output holds: exactly (`25,557,032`) or,
on a narrow terminal, rounded to the digits it shows (`25.6M`). A cut number (`4,089,18…`), a folded one or a
stray digit matches nothing. Widths are measured in terminal cells (✓, ×, → are one cell each).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.console import Console
from typer.testing import CliRunner

from resnet_inspect.cli import app

runner = CliRunner()
HERE = Path(__file__).parent
WIDTHS = (60, 80, 120)
MODEL = f"{HERE / 'user_models' / 'from_scratch.py'}:correct"

# name: (arguments, whether the output marks verified rows with ✓, whether its floats are reproducible)
COMMANDS = {
    "table-layer": (["table", "--depth", "50"], True, True),
    "table-block": (["table", "--depth", "152", "--level", "block"], True, True),
    "table-stage": (["table", "--depth", "50", "--level", "stage", "--size", "480x640"], True, True),
    "table-memory": (["table", "--depth", "18", "--memory", "--size", "96"], True, True),
    "blocks": (["blocks", "--groups", "32"], True, True),
    "compare": (["compare"], True, True),
    "compare-diff": (["compare", "--diff", "resnet50:stride_in=v1", "resnet50"], False, True),
    "sweep": (["sweep", "--depth", "50", "--sizes", "224,225,480x640,1024"], True, True),
    "paper": (["paper"], False, True),
    "paper-cifar": (["paper", "--cifar"], False, True),
    "archs": (["archs"], True, True),
    "check": (["check", MODEL, "--depth", "18"], True, True),
    "table-model": (["table", "--model", MODEL, "--level", "block"], False, True),
    "profile": (["profile", "--depth", "18", "--size", "32", "--repeats", "2", "--warmup", "1"], False, False),
}

# `archs` over a few configs, the longest names and designs among them: the layout, not the catalog, is tested.
ARCHS = {"resnet18", "resnet50", "resnet1202", "resnext101_32x8d", "preact_resnet1001", "wide_resnet101_2"}


@pytest.fixture
def few_archs(monkeypatch):
    import resnet_inspect.features.catalog as catalog

    monkeypatch.setattr(catalog, "REGISTRY", {k: v for k, v in catalog.REGISTRY.items() if k in ARCHS})


EXACT = re.compile(r"(?<![\w.,])[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d,]|\.\d)")
COMPACT = re.compile(r"(?<![\w.,])[+-]?(\d+(?:\.\d+)?)([KMGT])(?![A-Za-z])")
UNITS = {"K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}


def numbers(data) -> set:
    """Every number in a JSON document, as an absolute value."""
    if isinstance(data, str):  # text with digits in it (`basic 200,200,200`) is written as it is
        return {match.group(0) for match in EXACT.finditer(data)}
    if isinstance(data, bool):
        return set()
    if isinstance(data, int | float):
        return {abs(data)}
    if isinstance(data, dict):
        return set().union(*(numbers(v) for v in data.values())) if data else set()
    if isinstance(data, list):
        return set().union(*(numbers(v) for v in data)) if data else set()
    return set()


def truth(name: str, args: list[str]) -> set:
    """The numbers the rich output may print: the command's own JSON, and the sums its sentences state."""
    if name == "profile":
        return set()
    result = runner.invoke(app, [*args, "--format", "json"])
    data = json.loads(result.stdout)
    values = numbers(data)
    if name == "compare-diff":  # per block and in all: B − A
        blocks: dict[str, list[int]] = {}
        for record in data["differences"]:
            blocks.setdefault(record["block"], [0, 0])
            blocks[record["block"]][0] += record["params_delta"]
            blocks[record["block"]][1] += record["macs_conv_linear_delta"]
        values |= {abs(v) for pair in blocks.values() for v in pair}
        values |= {abs(sum(p for p, _ in blocks.values())), abs(sum(m for _, m in blocks.values()))}
    if name == "blocks":  # "the bottleneck saves N MACs": basic − bottleneck
        designs = data["designs"]
        values.add(abs(designs[0]["macs_conv_linear"] - designs[1]["macs_conv_linear"]))
    return values


def matches_exact(token: str, values: set) -> bool:
    if token in values:
        return True
    values = {v for v in values if not isinstance(v, str)}
    value = abs(float(token.replace(",", "")))
    decimals = len(token.partition(".")[2])
    return any(abs(v - value) <= 0.5 * 10**-decimals + 1e-9 for v in values)


def matches_compact(mantissa: str, unit: str, values: set) -> bool:
    decimals = len(mantissa.partition(".")[2])
    shown, step = float(mantissa) * UNITS[unit], 10**-decimals * UNITS[unit]
    return any(abs(v - shown) <= step / 2 * (1 + 1e-9) for v in values if not isinstance(v, str))


def check_numbers(out: str, values: set, floats: bool) -> None:
    for line in out.splitlines():
        for match in EXACT.finditer(line):
            token = match.group(0)
            if "." in token and not floats:
                continue
            assert matches_exact(token, values), f"{token!r} in {line!r} is not a number the command computed"
        for match in COMPACT.finditer(line):
            assert matches_compact(match.group(1), match.group(2), values), (
                f"{match.group(0)!r} in {line!r} does not round any number the command computed"
            )


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_fits_60_80_and_120_columns(name, few_archs):
    args, marks, floats = COMMANDS[name]
    values = truth(name, args)
    for width in WIDTHS:
        result = runner.invoke(app, args, env={"COLUMNS": str(width)})
        assert result.exit_code == 0, (width, result.output)
        out = result.stdout
        lines = out.splitlines()
        assert lines, name
        too_wide = [line for line in lines if cell_len(line) > width]
        assert not too_wide, f"{name} at {width}: {too_wide[:2]}"
        assert not [line for line in lines if line != line.rstrip()], f"{name} at {width}: trailing spaces"
        assert "…" not in out, f"{name} at {width} cut a cell"
        if marks:
            assert "✓" in out, f"{name} at {width} lost ✓"
        if name.startswith("paper"):  # every depth's column is there, down to its bottom row
            cells = [n["total"] for n in json.loads(runner.invoke(app, [*args, "--format", "json"]).stdout)["networks"]]
            bottom = next(line for line in lines if line.startswith(("FLOPs", "params")))
            assert bottom.split()[1:] == cells, (width, bottom, cells)
        if values:
            # The paper's footnotes cite counts its JSON does not carry (parameters without batch norm).
            table_part = out.split("\n1. ")[0] if name.startswith("paper") else out
            check_numbers(table_part, values, floats)


def test_wide_terminals_show_exact_counts_and_narrow_ones_say_they_round():
    wide = runner.invoke(app, ["table", "--depth", "50", "--level", "stage"], env={"COLUMNS": "120"}).stdout
    assert "1,464,336,384" in wide and "Rounded to fit" not in wide  # layer3's MACs, conv + linear
    narrow = runner.invoke(app, ["table", "--depth", "50", "--level", "stage"], env={"COLUMNS": "60"}).stdout
    assert "Rounded to fit" in narrow and "1.46G" in narrow


def test_compact_forms():
    from resnet_inspect.views.fit import compact

    assert [compact(v) for v in (25_557_032, 4_089_184_256, 9_536, 999, 999_950, 1_000, 123_456_789_012_345)] == [
        "25.6M",
        "4.09G",
        "9.54K",
        "999",
        "1M",
        "1K",
        "123T",
    ]
    assert compact(-12_845_056, signed=True) == "-12.8M" and compact(77_070_336, signed=True) == "+77.1M"


@pytest.mark.parametrize("width", WIDTHS)
def test_views_fit_any_console(width):
    """The views fit the console they are printed on, not only the CLI's: a notebook's or a script's."""
    from resnet_inspect.features.blocks import compare_blocks
    from resnet_inspect.features.table import analyze
    from resnet_inspect.views import terminal

    analysis = analyze(101, 224)
    console = Console(width=width, record=True, color_system=None)
    for view in (
        terminal.table_view(analysis, "block"),
        terminal.stage_summary(analysis),
        terminal.blocks_view(compare_blocks(256, 14, stride=2, groups=32)),
    ):
        console.print(view)
    out = console.export_text()
    assert max(cell_len(line) for line in out.splitlines()) <= width
    assert "✓" in out and "…" not in out


def test_notes_beside_the_output_wrap_on_a_terminal_and_stay_whole_in_a_pipe(monkeypatch):
    import io
    import sys

    from resnet_inspect.cli.output import say

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    note = "✓ every size from 1×1 to 1048576×1048576 verified at once: PyTorch's symbolic shapes of all 70 layers"
    monkeypatch.setenv("COLUMNS", "40")
    for stream, lines in ((Terminal(), None), (io.StringIO(), [note])):
        monkeypatch.setattr(sys, "stderr", stream)
        say(note)
        printed = stream.getvalue().splitlines()
        if lines is None:  # a terminal 40 cells wide: folded at spaces, continued with an indent, nothing lost
            assert len(printed) > 2 and max(map(cell_len, printed)) <= 40
            assert all(line.startswith("  ") for line in printed[1:])
            assert " ".join(line.strip() for line in printed) == note
        else:
            assert printed == lines
