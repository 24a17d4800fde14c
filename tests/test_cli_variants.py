"""`--arch`, the knobs, `archs`, `paper` and `explain` as a user meets them."""

import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from resnet_inspect import REGISTRY
from resnet_inspect.cli import app

from .cli import invoke

runner = CliRunner()


def test_table_takes_arch_and_knobs():
    data = json.loads(invoke("table", "--arch", "resnext50_32x4d", "--format", "json").stdout)
    assert data["arch"] == "resnext50_32x4d" and data["totals"]["params"] == 25_028_904
    v1 = json.loads(invoke("table", "--depth", "50", "--stride-in", "v1", "--format", "json").stdout)
    assert v1["arch"] == "resnet50 with stride_in=v1" and v1["totals"]["macs_conv_linear"] == 3_857_973_248
    custom = json.loads(
        invoke(
            "table",
            "--block",
            "basic",
            "--layers",
            "1,1,1,1",
            "--widths",
            "16,32,64,128",
            "--size",
            "32",
            "--num-classes",
            "10",
            "--format",
            "json",
        ).stdout
    )
    assert custom["spec"]["layers"] == [1, 1, 1, 1] and custom["totals"]["verified"] is True
    assert custom["layers"][-1]["out_shape"] == [1, 10]
    deep = json.loads(invoke("table", "--stem", "deep", "--shortcut", "avgdown", "--format", "json").stdout)
    assert deep["totals"]["params"] == 25_576_264  # ResNet-50-D from knobs
    d2l = json.loads(invoke("table", "--arch", "d2l_resnet18", "--size", "96", "--format", "json").stdout)
    assert d2l["input"] == [1, 1, 96, 96] and d2l["totals"]["params"] == 11_178_378


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--block", "basic", "--groups", "32"], "a basic block has no grouped conv: groups=32"),
        (["--layers", "3,4,6"], "widths 64,128,256,512 must give one width per stage: 3 for layers 3,4,6"),
        (["--layers", "3,four,6,3"], "--layers '3,four,6,3' is not valid"),
        (["--widths", "64,128"], "widths 64,128 must give one width per stage"),
        (
            ["--groups", "32", "--width-per-group", "4", "--widths", "64,128,256,500"],
            "stage width 500 × width_per_group 4",
        ),
        (["--stride-in", "v2"], "--stride-in 'v2' is not valid"),
        (["--shortcut", "E"], "shortcut 'E' is not valid"),
        (["--arch", "resnet51"], "unknown architecture 'resnet51'; did you mean resnet56, resnet50"),
        (["--arch", "resnet50", "--depth", "50"], "give --arch or --depth, not both"),
    ],
)
def test_invalid_networks_are_refused_before_torch_is_imported(tmp_path, args, message):
    # A torch that cannot be imported: the refusal must come from the spec alone.
    fake = tmp_path / "torch"
    fake.mkdir()
    (fake / "__init__.py").write_text("raise ImportError('torch was imported')\n")
    env = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    result = subprocess.run(
        [sys.executable, "-m", "resnet_inspect", "table", *args], capture_output=True, text=True, env=env
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("resnet-inspect: error: ")
    assert message in result.stderr


def test_archs_lists_every_named_config_verified():
    result = invoke("archs", "--format", "json")
    assert result.exit_code == 0
    entries = {e["arch"]: e for e in json.loads(result.stdout)["configs"]}
    assert list(entries) == list(REGISTRY)
    assert entries["resnet50d"]["params"] == 25_576_264 and entries["resnet50d"]["macs_conv_linear"] == 4_328_824_832
    assert entries["wide_resnet101_2"]["params"] == 126_886_696
    assert all(e["verified"] for e in entries.values())
    rich = invoke("archs").stdout
    assert "resnext101_64x4d" in rich and "15,460,270,080" in rich


def test_paper_table_1():
    out = invoke("paper", "--format", "markdown").stdout
    # The paper's FLOPs for 18/34 layers are option A's: the default reproduces 3.6 for ResNet-34.
    assert "| FLOPs |  | 1.8×10⁹ | 3.6×10⁹ | 3.9×10⁹ | 7.6×10⁹ | 11.3×10⁹ |" in out
    assert "| conv2_x | 56×56 | 3×3 max pool, stride 2<br>[3×3, 64<br> 3×3, 64] ×2 |" in out
    assert "[1×1, 64<br> 3×3, 64<br> 1×1, 256] ×3" in out
    assert "shortcut option A for 18/34 and B for 50/101/152, as the paper's FLOPs assume." in out
    # 3.858 rounds to 3.9: the footnote says rounding does not explain the printed 3.8 (the paper rounds 7.570).
    assert "50-layer: computed 3,857,973,248 (3.858×10⁹), printed 3.8. 3.858 rounds to 3.9" in out
    assert "truncated" not in out
    assert "50-layer 4.1×10⁹" in out  # torchvision's v1.5 in the footnote
    option_b = invoke("paper", "--shortcut", "B", "--format", "markdown").stdout
    assert "| FLOPs |  | 1.8×10⁹ | 3.7×10⁹ | 3.9×10⁹ | 7.6×10⁹ | 11.3×10⁹ |" in option_b
    assert "34-layer: computed 3,663,761,408 (3.664×10⁹), printed 3.6" in option_b
    assert "with option A (identity with zero-padded channels) it reads 3.6" in option_b
    assert "the paper's FLOPs assume v1, option A for 18/34 and B for 50/101/152" in option_b
    # the rounding footnote cites the paper's other entries as computed here, never a fixed list
    assert "the paper rounds its other entries (18-layer 1.814 → 1.8, 101-layer 7.570 → 7.6" in option_b
    v15 = invoke("paper", "--stride-in", "v1.5", "--format", "markdown").stdout
    # v1.5 explains its own difference from the printed row, and never blames rounding for it
    assert "101-layer: computed 7,801,405,440 (7.801×10⁹), printed 7.6. v1.5's 3×3 at the full size adds" in v15
    assert "with the paper's v1 it reads 7.6." in v15 and "rounding" not in v15
    cifar = runner.invoke(app, ["paper", "--cifar", "--shortcut", "B"])
    assert cifar.exit_code == 2 and "--shortcut apply to Table 1" in cifar.stderr
    big = invoke("paper", "--size", "512", "--format", "markdown").stdout
    sizes = [line.split(" | ")[1] for line in big.splitlines() if line.startswith("| conv")]
    assert sizes == ["256×256", "128×128", "64×64", "32×32", "16×16"]
    assert "The paper prints FLOPs only for 224×224" in big
    assert "Table 1 of He et al. (2015), computed at 224×224" in invoke("paper").stdout
    data = json.loads(invoke("paper", "--format", "json").stdout)
    assert [n["macs_conv_linear"] for n in data["networks"]][:2] == [1_794_805_760, 3_644_493_824]


def test_paper_table_6_cifar():
    out = invoke("paper", "--cifar", "--format", "markdown").stdout
    assert "| params |  | 0.27M | 0.46M | 0.66M | 0.85M | 1.7M | 19.4M |" in out
    assert "| conv2_x | 32×32 | [3×3, 16<br> 3×3, 16] ×3 |" in out
    data = json.loads(invoke("paper", "--cifar", "--format", "json").stdout)
    assert [n["params"] for n in data["networks"]] == [269_722, 464_154, 658_586, 853_018, 1_727_962, 19_421_274]


def test_explain_shows_the_arithmetic():
    result = invoke("explain", "layer2.0.conv2", "--depth", "50", "--size", "224")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert "  height: O = floor((56 − 3 + 2·1) / 2) + 1 = floor(55 / 2) + 1 = 28" in lines
    assert "params = C_out · C_in/groups · K·K = 128 · 128 · 3·3 = 147,456" in lines
    assert any(
        line.startswith("MACs = weights · H_out·W_out · N = 147,456 · 28·28 · 1 = 115,605,504") for line in lines
    )
    assert any(line.endswith("fvcore: 115,605,504 MACs   ✓ all agree") for line in lines)
    # the receptive field's recurrence follows, numbers put in: layer1 ends at 35 px with a jump of 4
    assert lines[lines.index("  r = r_in + (3 − 1)·j_in = 35 + 2·4 = 43") + 1] == "  j = j_in·S = 4·2 = 8"
    fc = invoke("explain", "fc", "--depth", "18").stdout
    assert "params = in · out + out (bias) = 512 · 1000 + 1000 = 513,000" in fc


def test_explain_unknown_layer_suggests_close_names():
    result = invoke("explain", "layer2.0.conv5", "--depth", "50")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "resnet-inspect: error: no layer 'layer2.0.conv5' in resnet50; close matches: layer2.0.conv3, "
        "layer2.0.conv2, layer2.0.conv1, layer4.0.conv3, layer4.0.conv2"
    )
