"""Notebook views: `_repr_html_` of an analysis, a comparison and a check, rendered by a real browser when one
is installed (chromium, headless), and always parsed by `html.parser`: well-formed, escaped, with the numbers.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from resnet_inspect.core.configs import get_spec
from resnet_inspect.features.blocks import compare_blocks
from resnet_inspect.features.check import compare_model
from resnet_inspect.features.compare import compare_networks
from resnet_inspect.features.table import analyze
from resnet_inspect.records.serialize import records_html

HERE = Path(__file__).parent
VOID = {"meta", "br", "img", "hr", "input", "link"}


class Checker(HTMLParser):
    """Collects the text and checks that every tag closes in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def parsed(html: str) -> Checker:
    checker = Checker()
    checker.feed(html)
    checker.close()
    assert not checker.stack, f"unclosed: {checker.stack}"
    return checker


def user_model(name: str):
    import importlib.util

    spec = importlib.util.spec_from_file_location("from_scratch_html", HERE / "user_models" / "from_scratch.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, name)()


@pytest.fixture(scope="module")
def notebook():
    """What a notebook shows for a table, two comparisons and a check: each object's `_repr_html_`."""
    r50 = analyze(50, 224)
    return {
        "table": r50._repr_html_(),
        "compare": compare_networks([get_spec(18), get_spec(50)], (224, 224))._repr_html_(),
        "blocks": compare_blocks()._repr_html_(),
        "check": compare_model(user_model("one_by_one"), get_spec(18), (224, 224))._repr_html_(),
    }


def test_html_is_well_formed_and_carries_the_numbers(notebook):
    table = " ".join(parsed(notebook["table"]).text)
    # ResNet-50 at 224: 25,557,032 parameters; layer3 does 1,464,336,384 conv + linear MACs (torchvision's counts).
    assert "25,557,032" in table and "1,464,336,384" in table and "✓" in table
    assert "layer3 holds the most MACs (35.8%)" in table
    assert "Receptive field: layer4 sees 427×427 pixels of a 224×224 input" in table  # as under the terminal table
    compare = " ".join(parsed(notebook["compare"]).text)
    assert "11,689,512" in compare and "25,557,032" in compare  # resnet18's and resnet50's totals
    blocks = " ".join(parsed(notebook["blocks"]).text)
    assert "231,211,008" in blocks and "218,365,952" in blocks  # 2·(64·64·9)·56² and (256·64 + 64·64·9 + 64·256)·56²
    check = " ".join(parsed(notebook["check"]).text)
    assert "✗ differs from resnet18 in 1 way (" in check and "• layer1.0: your block" in check


def test_everything_is_escaped():
    html = records_html([{"name": "<script>alert(1)</script>", "note": "a & b"}], caption="<b>x</b>")
    checker = parsed(html)
    assert "script" not in checker.tags and "b" not in checker.tags
    assert "<script>alert(1)</script>" in checker.text and "a & b" in checker.text
    spec = dataclasses.replace(get_spec(18), name='resnet18 "<img src=x onerror=alert(1)>"')
    assert "img" not in parsed(analyze(spec, 64)._repr_html_()).tags


def test_repr_is_a_few_lines():
    a = analyze(152, 224)
    text = repr(a)
    assert len(text.splitlines()) <= 4 and len(text) < 600, text
    assert "60,192,808" in text  # ResNet-152's parameters (torchvision: 60,192,808)


@pytest.mark.skipif(shutil.which("chromium") is None, reason="no headless browser installed (README: development)")
def test_a_real_browser_renders_the_notebook_html(notebook, tmp_path):
    page = tmp_path / "notebook.html"
    page.write_text('<!doctype html><meta charset="utf-8">' + "".join(notebook.values()), encoding="utf-8")
    command = ["chromium", "--headless", "--no-sandbox", "--disable-gpu"]
    dom = subprocess.run([*command, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120).stdout
    # The analysis: stages, and blocks and layers folded away; the networks; the blocks and their convs; the check.
    assert dom.count("<table") == 3 + 1 + 2 + 1
    assert "1,464,336,384" in dom and "✗ differs from resnet18" in dom
    shot = tmp_path / "notebook.png"
    subprocess.run(
        [*command, f"--screenshot={shot}", "--window-size=1200,1600", page.as_uri()],
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
