"""docs/api.md is a specification: every Python example on it runs, asserts included, in a fresh namespace."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parents[1] / "docs" / "api.md"
EXAMPLES = re.findall(r"```python\n(.+?)\n```", PAGE.read_text(), flags=re.S)


def test_the_page_has_examples():
    assert len(EXAMPLES) >= 4


@pytest.mark.parametrize("index", range(len(EXAMPLES)))
def test_every_example_runs(index):
    exec(compile(EXAMPLES[index], f"docs/api.md example {index + 1}", "exec"), {"__name__": "example"})


def test_importing_the_library_imports_no_torch():
    code = "import sys, resnet_inspect as ri; ri.SCHEMA_VERSION; assert 'torch' not in sys.modules, 'torch'"
    subprocess.run([sys.executable, "-c", code], check=True)
