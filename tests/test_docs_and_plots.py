"""Figures and the generated docs: the committed docs must be exactly what the code generates."""

import struct
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from resnet_inspect.cli import app

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def _load_generator():
    import importlib.util

    spec = importlib.util.spec_from_file_location("docs_generate", ROOT / "docs" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.generate


generate = _load_generator()


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", header[16:24])


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    out = tmp_path_factory.mktemp("docs")
    generate(out)
    return out


def test_every_generated_markdown_file_equals_the_committed_one(regenerated):
    generated = sorted(p.relative_to(regenerated) for p in regenerated.rglob("*.md"))
    committed = sorted(p.relative_to(ROOT / "docs") for p in (ROOT / "docs").rglob("*.md"))
    assert generated == committed, "docs/ is stale: run `python docs/generate.py`"
    for relative in generated:
        assert (regenerated / relative).read_text() == (ROOT / "docs" / relative).read_text(), (
            f"docs/{relative} differs from what the code generates: run `python docs/generate.py`"
        )


def test_figures_exist_with_the_committed_dimensions(regenerated):
    figures = sorted(p.name for p in (regenerated / "figures").glob("*.png"))
    assert figures == sorted(p.name for p in (ROOT / "docs" / "figures").glob("*.png"))
    assert len(figures) == 7
    for name in figures:
        fresh, committed = regenerated / "figures" / name, ROOT / "docs" / "figures" / name
        assert png_size(fresh) == png_size(committed)
        assert fresh.stat().st_size > 20_000  # a drawn figure, not an empty canvas
    assert png_size(regenerated / "figures" / "resnet152_layers.png") == (1100, 650)


def test_pages_refer_only_to_files_that_exist():
    import re

    pages = list((ROOT / "docs").rglob("*.md"))
    assert pages
    for page in pages:
        for target in re.findall(r"\]\(([^)#]+)\)", page.read_text()):
            assert (page.parent / target).exists(), f"{page.name} links to missing {target}"


@pytest.mark.parametrize(
    ("kind", "args", "size"),
    [
        ("stages", ["--depth", "50"], (800, 450)),
        ("layers", ["--depth", "152"], (1100, 650)),
        ("depths", [], (1100, 480)),
        ("blocks", ["--block-groups", "32"], (1100, 480)),
        ("sweep", ["--sizes", "32:256:16"], (1000, 650)),
        ("shapes", ["--size", "480x640", "--depth", "18"], (1000, 480)),
        ("roofline", ["--device", "a100-sxm", "--dtype", "float16", "--batch", "64"], (900, 550)),
    ],
)
def test_plot_kinds(tmp_path, kind, args, size):
    out = tmp_path / f"{kind}.png"
    result = runner.invoke(app, ["plot", kind, "--output", str(out), "--dpi", "100", *args])
    assert result.exit_code == 0, result.stderr
    assert png_size(out) == size
    assert [p.name for p in tmp_path.iterdir()] == [f"{kind}.png"]


def test_plot_svg_and_dpi(tmp_path):
    svg = tmp_path / "stages.svg"
    assert runner.invoke(app, ["plot", "stages", "--output", str(svg)]).exit_code == 0
    assert svg.read_text().lstrip().startswith("<?xml") and "resnet50 at 224×224" in svg.read_text()
    png = tmp_path / "stages.png"
    assert runner.invoke(app, ["plot", "stages", "--output", str(png)]).exit_code == 0
    assert png_size(png) == (1600, 900)  # 200 dpi by default
    pdf = tmp_path / "stages.pdf"
    assert runner.invoke(app, ["plot", "stages", "--output", str(pdf)]).exit_code == 0
    assert pdf.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["plot", "stages", "--output", "fig.gif"], "name the figure .png, .svg or .pdf"),
        (["plot", "pie", "--output", "fig.png"], "'pie' is not one of"),
        (["plot", "stages", "--output", "/nonexistent/fig.png"], "does not exist"),
        (["plot", "stages", "--output", "fig.png", "--dpi", "0"], "--dpi 0 is not valid"),
    ],
)
def test_plot_errors(args, message):
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in result.stderr and result.stderr.count("\n") == 1


def test_matplotlib_and_pandas_stay_out_of_the_table_command():
    code = (
        "import sys; from resnet_inspect.cli import app; from typer.testing import CliRunner;"
        "r = CliRunner().invoke(app, ['table', '--format', 'json']); assert r.exit_code == 0, r.output;"
        "bad = [m for m in ('matplotlib', 'pandas') if m in sys.modules]; assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
