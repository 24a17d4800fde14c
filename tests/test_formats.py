"""Every format a command's --help lists works for it, and `--memory` reaches every format of `table`."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from resnet_inspect.cli import app

runner = CliRunner()
HERE = Path(__file__).parent
SMALL = {"resnet18", "resnet50", "resnet20", "resnet1202"}

ARGS = {
    "table": ["table", "--depth", "18", "--size", "64", "--level", "block"],
    "archs": ["archs"],
    "paper": ["paper", "--cifar"],
    "blocks": ["blocks"],
    "compare": ["compare", "--depths", "18,50", "--size", "64"],
    "sweep": ["sweep", "--depth", "18", "--sizes", "64,96"],
    "check": ["check", f"{HERE / 'user_models' / 'from_scratch.py'}:correct", "--depth", "18"],
    "profile": ["profile", "--depth", "18", "--size", "32", "--repeats", "2", "--warmup", "1"],
    "explain": ["explain", "layer2.0.conv2", "--depth", "18", "--size", "64"],
}


@pytest.fixture
def few_archs(monkeypatch):
    """`archs` over four configs (the biggest among them) instead of all: the formats, not the catalog, are tested."""
    import resnet_inspect.features.catalog as catalog

    monkeypatch.setattr(catalog, "REGISTRY", {k: v for k, v in catalog.REGISTRY.items() if k in SMALL})


def listed_formats(command: str) -> list[str]:
    """The formats `resnet-inspect COMMAND --help` lists: `--format <rich|csv|json|markdown>`."""
    match = re.search(r"--format <([a-z|]+)>", runner.invoke(app, [command, "--help"]).stdout)
    assert match is not None, command
    return match.group(1).split("|")


def test_every_command_with_output_lists_formats():
    commands = typer.main.get_command(app).commands
    assert set(ARGS) == {name for name in commands if "--format" in runner.invoke(app, [name, "--help"]).stdout}


@pytest.mark.parametrize("command", list(ARGS))
def test_every_listed_format_works(command, few_archs):
    formats = listed_formats(command)
    assert set(formats) == {"rich", "csv", "json", "markdown"}
    for fmt in formats:
        result = runner.invoke(app, [*ARGS[command], "--format", fmt])
        assert result.exit_code == 0, (command, fmt, result.output)
        out = result.stdout
        if fmt == "json":
            assert json.loads(out)
        elif fmt == "csv":
            rows = list(csv.DictReader(io.StringIO(out)))
            assert rows and all(name for name in rows[0]), (command, out[:200])
        elif fmt == "markdown":
            assert any(line.startswith("|") and "---" in line for line in out.splitlines()), (command, out[:200])
        else:
            assert out.strip()


def test_memory_reaches_csv_and_markdown():
    args = ["table", "--depth", "18", "--size", "64", "--level", "stage", "--memory", "--dtype", "bf16"]
    data = json.loads(runner.invoke(app, [*args, "--format", "json"]).stdout)
    # Bytes a stage moves: every layer's weights, inputs read and outputs written, at 2 bytes a value.
    moved = {}
    for layer in data["layers"]:
        moved[layer["stage"]] = moved.get(layer["stage"], 0) + sum(
            layer[k] for k in ("weight_bytes", "input_bytes", "output_bytes")
        )
    rows = list(csv.DictReader(io.StringIO(runner.invoke(app, [*args, "--format", "csv"]).stdout)))
    assert {r["name"]: int(r["bytes_moved"]) for r in rows} == moved and data["memory"]["dtype"] == "bfloat16"
    markdown = runner.invoke(app, [*args, "--format", "markdown"]).stdout
    assert "Bytes moved (bfloat16)" in markdown and f"| {moved['layer4']:,} |" in markdown
    assert "Peak activations in inference (bfloat16)" in markdown


def test_a_checkpoint_check_is_one_csv_row(tmp_path):
    import torch

    from resnet_inspect import build_model

    path = tmp_path / "r18.pt"
    torch.save(build_model("resnet18").state_dict(), path)
    result = runner.invoke(app, ["check", str(path), "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert result.exit_code == 0 and len(rows) == 1
    assert (rows[0]["recognised_as"], rows[0]["verdict"]) == ("resnet18", "recognised")
