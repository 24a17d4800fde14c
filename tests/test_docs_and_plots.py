"""Figures and the generated docs: the committed docs must be exactly what the code generates."""

import struct
import subprocess
import sys
from pathlib import Path

import pytest
import torch
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


HAND_WRITTEN = {Path("api.md")}  # its examples are run by tests/test_api_docs.py instead


def test_every_generated_markdown_file_equals_the_committed_one(regenerated):
    generated = sorted(p.relative_to(regenerated) for p in regenerated.rglob("*.md"))
    committed = sorted(
        p.relative_to(ROOT / "docs")
        for p in (ROOT / "docs").rglob("*.md")
        if p.relative_to(ROOT / "docs") not in HAND_WRITTEN
    )
    assert generated == committed, "docs/ is stale: run `python docs/generate.py`"
    for relative in generated:
        assert (regenerated / relative).read_text() == (ROOT / "docs" / relative).read_text(), (
            f"docs/{relative} differs from what the code generates: run `python docs/generate.py`"
        )


def test_figures_exist_with_the_committed_dimensions(regenerated):
    figures = sorted(p.name for p in (regenerated / "figures").glob("*.png"))
    assert figures == sorted(p.name for p in (ROOT / "docs" / "figures").glob("*.png"))
    assert len(figures) == 11
    for name in figures:
        fresh, committed = regenerated / "figures" / name, ROOT / "docs" / "figures" / name
        assert png_size(fresh) == png_size(committed)
        assert fresh.stat().st_size > 20_000  # a drawn figure, not an empty canvas
    assert png_size(regenerated / "figures" / "resnet152_layers.png") == (1650, 975)  # 11×6.5 in at 150 dpi


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
        ("blocks", ["--groups", "32"], (1100, 480)),
        ("sweep", ["--sizes", "32:256:16"], (1000, 750)),
        ("shapes", ["--size", "480x640", "--depth", "18"], (1000, 480)),
        ("roofline", ["--hardware", "a100-sxm", "--dtype", "float16", "--batch", "64"], (900, 650)),
        ("block", [], (775, 604)),
    ],
)
def test_plot_kinds(tmp_path, kind, args, size):
    out = tmp_path / f"{kind}.png"
    result = runner.invoke(app, ["plot", kind, "--output", str(out), "--dpi", "100", *args])
    assert result.exit_code == 0, result.stderr
    assert png_size(out) == size
    assert [p.name for p in tmp_path.iterdir()] == [f"{kind}.png"]


# Small, quick arguments for each kind: every kind must write all three formats.
QUICK = {
    "stages": ["--depth", "18"],
    "layers": ["--depth", "18", "--log"],
    "depths": ["--archs", "resnet18,resnet34"],
    "blocks": [],
    "sweep": ["--sizes", "32:96:32", "--depth", "18"],
    "shapes": ["--depth", "18"],
    "roofline": ["--depth", "18"],
    "diagram": ["--arch", "resnet20"],
    "block": ["--arch", "seresnet18", "--stage", "layer2"],
    "rf": ["--arch", "resnet20", "--stage", "none"],
}
SVG = "{http://www.w3.org/2000/svg}"


def test_every_plot_kind_is_tested():
    from resnet_inspect.cli.plot import app as plots

    assert set(QUICK) == {command.name or command.callback.__name__ for command in plots.registered_commands}


@pytest.mark.parametrize("kind", list(QUICK))
def test_every_plot_kind_writes_valid_png_svg_and_pdf(tmp_path, kind):
    import xml.etree.ElementTree as ET

    for suffix in (".png", ".svg", ".pdf"):
        out = tmp_path / f"{kind}{suffix}"
        result = runner.invoke(
            app, ["plot", kind, *QUICK[kind], "--output", str(out), "--dpi", "50", "--figsize", "6,4"]
        )
        assert result.exit_code == 0, result.stderr
        assert f"wrote {out} ({out.stat().st_size:,} bytes)" in result.stderr
        data = out.read_bytes()
        if suffix == ".png":
            assert png_size(out) == (300, 200)  # 6×4 inches at 50 dpi
        elif suffix == ".svg":
            root = ET.fromstring(data)
            assert root.tag == f"{SVG}svg" and root.get("width") == "432pt" and root.get("height") == "288pt"
            # svg.fonttype 'none': the words are <text>, not glyph outlines
            texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
            glyphs = [e for e in root.iter() if (e.get("id") or "").startswith("DejaVu")]
            assert len(texts) > 5 and not glyphs, texts[:5]
        else:
            assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")


@pytest.mark.parametrize(
    ("figsize", "size"),
    [("column", (700, 525)), ("slide", (2000, 1120)), ("7,4", (1400, 800)), ("3.5,2", (700, 400))],
)
def test_figsize_presets_and_inches(tmp_path, figsize, size):
    out = tmp_path / "stages.png"
    result = runner.invoke(app, ["plot", "stages", "--depth", "18", "--figsize", figsize, "--output", str(out)])
    assert result.exit_code == 0, result.stderr
    assert png_size(out) == size  # at the default 200 dpi


def test_a_figsize_too_small_for_the_labels_is_one_line_not_a_matplotlib_warning(tmp_path):
    out = tmp_path / "stages.png"
    result = runner.invoke(app, ["plot", "stages", "--depth", "18", "--figsize", "1,1", "--output", str(out)])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "resnet-inspect: error: figsize 1,1 is too small for this figure: its labels leave the axes no room; "
        "give a larger one"
    ]
    assert not out.exists()


def test_roofline_ridge_is_rounded_to_three_significant_figures(tmp_path):
    # laptop-cpu: 0.768 TFLOP/s = 384 GMAC/s over 89.6 GB/s = 4.2857… MACs per byte, not "4".
    out = tmp_path / "roof.svg"
    result = runner.invoke(app, ["plot", "roofline", "--device", "laptop-cpu", "--depth", "18", "--output", str(out)])
    assert result.exit_code == 0, result.stderr
    assert "ridge: 4.29 MACs/byte" in out.read_text()


def test_axes_start_at_zero_and_log_is_applied():
    from resnet_inspect.core.configs import get_spec
    from resnet_inspect.features.sweep import sweep
    from resnet_inspect.views import figures

    points = sweep(get_spec(18), [(32, 32), (64, 64), (65, 65), (96, 96)])
    linear = figures.sweep_figure(points)
    assert [ax.get_ylim()[0] for ax in linear.axes] == [0, 0, 0]
    # Three panels, each with its own y axis: MACs, activation memory, MACs per pixel.
    assert [ax.get_ylabel().split("\n")[0] for ax in linear.axes] == ["GMACs", "activations", "thousand MACs"]
    logarithmic = figures.sweep_figure(points, log=True)
    assert {ax.get_yscale() for ax in logarithmic.axes} == {"log"} and logarithmic.axes[-1].get_xscale() == "log"
    for fig in (linear, logarithmic):
        figures._pyplot().close(fig)


def test_shapes_start_at_the_input():
    from resnet_inspect.features.table import analyze
    from resnet_inspect.views import figures

    fig = figures.shapes_figure(analyze(18, (480, 640)))
    ax = fig.axes[0]
    first = ax.get_lines()[0].get_ydata()[0]
    assert first == 480 and "640" in [t.get_text() for t in ax.get_yticklabels()]
    figures._pyplot().close(fig)


def test_stage_headline_is_computed_from_the_bars():
    from resnet_inspect.features.table import analyze
    from resnet_inspect.views import figures

    # ResNet-152's layer3: the first block 131,072 + 589,824 + 262,144 + 524,288 (projection) + 5,120 (BN), and 35
    # more of 262,144 + 589,824 + 262,144 + 3,072: 40,613,888 of the 60,192,808 parameters, 67.5%.
    fig = figures.stages_figure(analyze(152, 224))
    title = fig.axes[0].get_title().replace("\n", " ")
    assert "layer3 holds 70% of the MACs and 67% of the parameters" in title
    figures._pyplot().close(fig)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["plot", "stages", "--output", "fig.gif"], "name the figure .png, .svg or .pdf"),
        (["plot", "pie", "--output", "fig.png"], "plot has no 'pie'; use one of stages, layers, shapes"),
        (["plot", "stages", "--output", "/nonexistent/fig.png"], "does not exist"),
        (["plot", "stages", "--output", "fig.png", "--dpi", "0"], "--dpi 0 is not valid"),
        (["plot", "stages", "--output", "fig.png", "--figsize", "wide"], "--figsize 'wide' is not valid"),
        (["plot", "stages", "--output", "fig.png", "--figsize", "0,3"], "inches from 1 to 60"),
        (
            ["plot", "stages", "--output", "fig.png", "--log"],
            "--log is not an option of plot stages; it applies to plot layers, plot sweep",
        ),
        (
            ["plot", "diagram", "--output", "fig.png", "--stage", "layer1"],
            "--stage is not an option of plot diagram; it applies to plot block, plot rf",
        ),
        (["plot", "block", "--output", "fig.png", "--stage", "layer9"], "stage 'layer9' is not valid for resnet50"),
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


@pytest.fixture(scope="module")
def drawn():
    """Each chart kind's figure function with its data, for a network small enough to draw quickly."""
    from resnet_inspect.core.configs import get_spec
    from resnet_inspect.core.memory import layer_memory
    from resnet_inspect.features.blocks import compare_blocks
    from resnet_inspect.features.sweep import sweep
    from resnet_inspect.features.table import analyze
    from resnet_inspect.views import figures
    from resnet_inspect.views.field_figures import field_figure

    r18, r34, se = analyze(18, 224), analyze(34, 224), analyze("seresnet50", 224)
    rows = torch.arange(224, dtype=torch.float64)
    bump = torch.exp(-((rows[:, None] - 112) ** 2 + (rows[None, :] - 112) ** 2) / (2 * 40**2)).numpy()
    points = sweep(get_spec(18), [(32, 32), (64, 64), (65, 65)])
    blocks = compare_blocks(64, 56, groups=32)
    return {
        "stages": lambda size: figures.stages_figure(r18, figsize=size),
        "layers": lambda size: figures.layers_figure(r34, figsize=size),
        "depths": lambda size: figures.depths_figure([r18, r34], figsize=size),
        "blocks": lambda size: figures.blocks_figure(blocks, figsize=size),
        "sweep": lambda size: figures.sweep_figure(points, figsize=size),
        "shapes": lambda size: figures.shapes_figure(r18, figsize=size),
        # a made-up effective field (a Gaussian bump): the figure's layout does not depend on what was measured
        "rf": lambda size: field_figure(
            se.trace,
            stage="layer4",
            heatmap=bump,
            spread={"mean": (112, 112), "std": (40, 40)},
            unit_field=(-101, -101, 325, 325),
            figsize=size,
        ),
        "rf-alone": lambda size: field_figure(r18.trace, figsize=size),
        "roofline": lambda size: figures.roofline_figure(
            r18,
            layer_memory(r18.trace, "float32"),
            peak_macs_per_s=384e9,
            bandwidth=89.6e9,
            device="a laptop",
            dtype="float32",
            figsize=size,
        ),
    }


@pytest.mark.slow
@pytest.mark.parametrize("figsize", [None, "column", "slide", "7,5"])
@pytest.mark.parametrize(
    "kind", ["stages", "layers", "depths", "blocks", "sweep", "shapes", "roofline", "rf", "rf-alone"]
)
def test_no_label_is_cut_off_or_drawn_over_another(drawn, kind, figsize):
    import warnings

    from resnet_inspect.views import figures

    from .figure_checks import text_problems

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # constrained layout that gives up ("axes sizes collapsed") warns
        fig = drawn[kind](figsize)
        assert text_problems(fig) == []
    figures._pyplot().close(fig)


@pytest.mark.parametrize(("args", "message"), [([], None), (["--hardware", "tpu"], "unknown hardware")])
def test_plot_without_output_writes_figure_png_or_names_the_bad_option(tmp_path, monkeypatch, args, message):
    # The README's `plot block --arch seresnet50 --stage layer3` names no --output: the default file is written.
    monkeypatch.chdir(tmp_path)
    kind = "roofline" if args else "block"
    result = runner.invoke(app, ["plot", kind, "--arch", "resnet20", *args] + ([] if args else ["--stage", "layer2"]))
    if message is None:
        assert result.exit_code == 0, result.stderr
        assert png_size(tmp_path / "figure.png")[0] > 500
    else:
        assert result.exit_code == 2 and message in result.stderr and result.stderr.count("\n") == 1
        assert not (tmp_path / "figure.png").exists()
