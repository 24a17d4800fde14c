"""Every example line of the README runs as written, in a folder holding only what the repository ships (the
files under docs/examples/), and the output the README shows is the output the tool gives."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .cli import invoke

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
BLOCKS = re.findall(r"```(?:bash|)\n(.+?)\n```", README, flags=re.S)[2:]  # the first two: install and test
LINES = [line.removeprefix("$ ") for block in BLOCKS for line in block.splitlines()
         if line.startswith(("resnet-inspect ", "$ resnet-inspect "))]  # fmt: skip
# The lines that make an example's input (the checkpoint `check weights.pt` reads): run first, once.
SETUP = [line for block in BLOCKS for line in block.splitlines() if line.startswith("python docs/examples/")]
# The one example that shows a check finding differences: `check` exits 1 then, as the README says it does.
FAILING = {"resnet-inspect check docs/examples/cifar_resnet.py:ResNet18 --depth 18 --size 32"}


def command(line: str) -> list[str]:
    return shlex.split(line.split("  #")[0])


def test_the_readme_has_its_examples():
    assert len(LINES) >= 25 and any("check weights.pt" in line for line in LINES) and SETUP
    assert {" ".join(command(line)) for line in LINES} >= FAILING


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """A clean folder with what the repository ships for the examples (docs/examples/)."""
    here = tmp_path_factory.mktemp("readme")
    shutil.copytree(ROOT / "docs" / "examples", here / "docs" / "examples")
    for line in SETUP:  # as the README runs them: a script of the repository's, from its root
        subprocess.run([sys.executable, *command(line)[1:]], cwd=here, check=True, capture_output=True, text=True)
    return here


@pytest.mark.parametrize("line", LINES)
def test_every_example_line_runs(line, folder, monkeypatch):
    monkeypatch.chdir(folder)
    args = command(line)
    result = invoke(*args[1:])
    expected = 1 if " ".join(args) in FAILING else 0
    assert result.exit_code == expected, (line, result.output[-2000:])


def test_the_shown_check_output_is_the_tools(folder, monkeypatch):
    monkeypatch.chdir(folder)
    shown = README.split("$ resnet-inspect check docs/examples/cifar_resnet.py:ResNet18 --depth 18 --size 32\n")[1]
    shown = " ".join(shown.split("```")[0].split())
    result = invoke("check", "docs/examples/cifar_resnet.py:ResNet18", "--depth", "18", "--size", "32",
                    env={"COLUMNS": "200"})  # fmt: skip
    assert shown in " ".join(result.stdout.split())
