"""The CLI as a user meets it: output formats, the JSON contract, files, and every kind of bad input."""

import json

import pytest
import torch
from typer.testing import CliRunner

import resnet_inspect.files
import resnet_inspect.runtime.model
from resnet_inspect import get_spec, trace
from resnet_inspect.cli import app

from .cli import invoke

runner = CliRunner()


def table(*args):
    return invoke("table", *args)


def test_default_rich_table():
    result = table("--depth", "50", "--size", "512")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "resnet50 · input 1×3×512×512" in out
    assert "layer2.0.conv2" in out and "conv 3×3 /2 p1" in out and "256×256 → 128×128" in out
    assert "stem (conv1)" in out and "layer4 (conv5_x)" in out
    assert "Params: 25,557,032" in out
    assert "MACs, conv + linear (the paper's and torchvision's count): 21,355,249,664" in out
    assert "Verified against the hooked model: 174/174 layers" in out
    assert "✗" not in out


def test_large_totals_group_their_thousands():
    # ResNet-18 at 8192²: (8192/224)² ≈ 1,337 times its 1.81 GMACs at 224
    out = table("--depth", "18", "--size", "8192").stdout
    assert "conv + linear (the paper's and torchvision's count): 2,425,583,292,416 (2,425.58 GMACs)" in out


def test_json_contract():
    result = table("--depth", "50", "--size", "512", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["arch"] == "resnet50" and data["input"] == [1, 3, 512, 512]
    layer = next(x for x in data["layers"] if x["name"] == "layer1.0.conv1")
    assert {k: layer[k] for k in ("stage", "kind", "kernel", "stride", "padding", "in_shape", "out_shape")} == {
        "stage": "layer1",
        "kind": "conv",
        "kernel": [1, 1],
        "stride": [1, 1],
        "padding": [0, 0],
        "in_shape": [1, 64, 128, 128],
        "out_shape": [1, 64, 128, 128],
    }
    assert (layer["params"], layer["macs_fvcore"], layer["verified"]) == (4096, 67_108_864, True)
    assert [s["name"] for s in data["stages"]] == ["stem", "layer1", "layer2", "layer3", "layer4", "head"]
    assert [s["out_shape"][2:] for s in data["stages"][:5]] == [[128, 128], [128, 128], [64, 64], [32, 32], [16, 16]]
    totals = data["totals"]
    assert totals["params"] == 25_557_032
    conv_linear = [x for x in data["layers"] if x["kind"] in ("conv", "linear")]
    assert totals["macs_conv_linear"] == sum(x["macs_fvcore"] for x in conv_linear)
    assert totals["macs_fvcore"] == sum(x["macs_fvcore"] for x in data["layers"])
    assert sum(s["params"] for s in data["stages"]) == totals["params"]
    assert sum(s["macs_conv_linear"] for s in data["stages"]) == totals["macs_conv_linear"]
    assert sum(b["macs_fvcore"] for b in data["blocks"]) == totals["macs_fvcore"]
    assert "flops" not in totals


def test_json_at_224_reproduces_torchvision_and_fvcore():
    totals = json.loads(table("--format", "json").stdout)["totals"]
    assert (totals["macs_conv_linear"], totals["macs_fvcore"]) == (4_089_184_256, 4_111_512_576)


def test_flops_are_twice_the_macs_and_say_so():
    data = json.loads(table("--depth", "18", "--format", "json", "--flops").stdout)
    assert data["totals"]["flops_conv_linear"] == 2 * data["totals"]["macs_conv_linear"] == 2 * 1_814_073_344
    assert all(x["flops_fvcore"] == 2 * x["macs_fvcore"] for x in data["layers"])
    out = table("--depth", "18", "--flops").stdout
    assert "FLOPs (2×MACs), conv + linear (the paper's and torchvision's count): 3,628,146,688" in out


def test_io_options_non_square_and_batch():
    data = json.loads(
        table(
            "--depth",
            "34",
            "--size",
            "480x640",
            "--batch",
            "4",
            "--in-channels",
            "1",
            "--num-classes",
            "10",
            "--format",
            "json",
        ).stdout
    )
    assert data["input"] == [4, 1, 480, 640]
    assert data["stages"][4]["out_shape"] == [4, 512, 15, 20]
    assert data["layers"][-1]["out_shape"] == [4, 10]
    assert data["totals"]["verified"] is True


@pytest.mark.parametrize(("level", "count"), [("layer", 174), ("block", 18), ("stage", 6)])
def test_levels_in_csv(level, count):
    result = table("--level", level, "--format", "csv")
    lines = result.stdout.strip().splitlines()
    # the same records as the JSON's `layers`, `blocks` or `stages`, lists written joined by ×
    header = "name,stage,block,kind,op,kernel," if level == "layer" else "name,stage,op,in_shape,out_shape,params,"
    assert lines[0].startswith(header)
    assert len(lines) == count + 1
    if level == "stage":
        assert lines[1].startswith("stem,stem,")
        assert lines[4].startswith("layer3,layer3,6 × bottleneck,1×512×28×28,1×1024×14×14,7098368,")


def test_markdown_block_level():
    out = table("--depth", "18", "--level", "block", "--format", "markdown").stdout
    assert "| `layer2.0` | basic 3×3·3×3 /2 +proj | 64→128 | 56×56 → 28×28 | 230,144 |" in out
    assert out.count("\n| `") == 10  # stem, 8 blocks, head


def test_output_file_is_written_whole_and_format_follows_the_suffix(tmp_path):
    target = tmp_path / "r18.json"
    result = table("--depth", "18", "--output", str(target))
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads(target.read_text())["totals"]["params"] == 11_689_512
    assert [p.name for p in tmp_path.iterdir()] == ["r18.json"]  # no temporary left behind
    md = tmp_path / "r18.md"
    table("--depth", "18", "--level", "stage", "--output", str(md))
    assert md.read_text().startswith("**resnet18**")


def test_a_failed_write_leaves_the_old_file_untouched(tmp_path, monkeypatch):
    target = tmp_path / "table.csv"
    target.write_text("old contents\n")

    def replace_on_a_full_disk(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(resnet_inspect.files.os, "replace", replace_on_a_full_disk)
    result = table("--output", str(target))
    assert result.exit_code == 1  # a runtime failure, not a bad request
    assert result.stderr.strip() == (
        f"resnet-inspect: error: no space left on device writing --output {str(target)!r}; "
        "free some space or give another path"
    )
    monkeypatch.undo()
    assert target.read_text() == "old contents\n"
    assert [p.name for p in tmp_path.iterdir()] == ["table.csv"]  # the temporary is gone too


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--depth", "42"], "--depth 42 is not valid; use one of 18, 34, 50, 101, 152"),
        (["--depth", "fifty"], "--depth 'fifty' is not valid; give a whole number"),
        (["--batch", "2.5"], "--batch '2.5' is not valid; give a whole number"),
        (["--arch", "resnet7"], "unknown architecture 'resnet7'"),
        (["--size", "0"], "size '0' is not valid"),
        (["--size", "-5"], "size '-5' is not valid"),
        (["--size", "abc"], "size 'abc' is not valid; use a positive integer like 224, or HxW like 480x640"),
        (["--size", "480x"], "size '480x' is not valid"),
        (["--batch", "0"], "--batch 0 is not valid; it must be ≥ 1"),
        (["--in-channels", "0"], "--in-channels 0 is not valid"),
        (["--level", "row"], "--level 'row' is not valid; use one of layer, block, stage"),
        (["--format", "xml"], "--format 'xml' is not valid; use one of rich, csv, json, markdown"),
        (["--format", "rich", "--output", "t.txt"], "--format rich goes to the terminal only"),
        (["--output", "table.txt"], "cannot tell a format from --output 'table.txt'"),
        (["--output", "/nonexistent-dir/t.json"], "directory '/nonexistent-dir' does not exist"),
        (["--bogus"], "No such option: --bogus"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, message):
    result = table(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("resnet-inspect: error: ")
    assert message in lines[0]


def test_unwritable_output():
    # sysfs refuses new files even to root, who ignores directory permissions.
    result = table("--output", "/sys/resnet-inspect-table.json")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "resnet-inspect: error: --output '/sys/resnet-inspect-table.json' is not writable (permission denied); "
        "give a path in a directory you may write"
    )


def test_output_that_is_a_directory(tmp_path):
    result = table("--output", str(tmp_path), "--format", "json")
    assert result.exit_code == 2 and "is a directory" in result.stderr


def test_sizes_off_the_multiple_of_32_get_a_note():
    result = table("--size", "225", "--format", "json")
    assert result.exit_code == 0
    assert result.stderr.strip() == (
        "note: 225×225 is not a multiple of 32: the last feature map is 8×8 (7×7 at 224×224), +13.1% MACs per image"
    )
    assert json.loads(result.stdout)["totals"]["macs_conv_linear"] == 4_626_713_792
    assert table("--size", "256", "--format", "json").stderr == ""


def test_a_model_that_disagrees_fails_loudly_with_exit_1(monkeypatch):
    real_build = resnet_inspect.runtime.model.build_model

    def build_with_a_mistake(*args, **kwargs):
        model = real_build(*args, **kwargs)
        model.maxpool = torch.nn.MaxPool2d(3, 2, padding=0)
        return model

    monkeypatch.setattr(resnet_inspect.runtime.model, "build_model", build_with_a_mistake)
    result = table("--depth", "50", "--level", "layer")
    assert result.exit_code == 1
    assert "✗" in result.stdout
    assert "112×112 → 56×56 (model: 64×55×55)" in result.stdout
    assert "disagreements between the formula and the model" in result.stdout
    assert result.stderr.startswith("resnet-inspect: check failed: ")
    assert "maxpool: shape 1×64×56×56 by the formula, 1×64×55×55 in the model" in result.stderr

    data = json.loads(table("--depth", "50", "--format", "json").stdout)
    maxpool = next(x for x in data["layers"] if x["name"] == "maxpool")
    assert maxpool["verified"] is False and maxpool["model_out_shape"] == [1, 64, 55, 55]
    assert data["totals"]["verified"] is False


def test_help_and_bare_command():
    assert runner.invoke(app, []).exit_code == 0
    result = runner.invoke(app, ["table", "--help"])
    assert result.exit_code == 0 and "--size" in result.stdout and "--flops" in result.stdout


def test_cross_check_counts_again_with_torch_and_fvcore():
    result = table("--depth", "18", "--size", "96x64", "--batch", "2", "--cross-check", "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    checks = data["cross_check"]
    assert [c["verified"] for c in checks] == [True, True]
    assert [c["convention"] for c in checks] == ["conv_linear", "fvcore"]
    assert checks[0]["counted"] == checks[0]["reported"] == data["totals"]["macs_conv_linear"]
    assert checks[1]["counted"] == checks[1]["reported"] == data["totals"]["macs_fvcore"]
    assert checks[1]["note"] == "every layer equal"
    assert result.stderr.startswith("✓ torch FlopCounterMode")

    big = table("--depth", "18", "--size", "2048", "--cross-check")
    assert big.exit_code == 0
    assert "skipped above 3,145,728 input values (an RGB 1024×1024 image)" in big.stdout


def test_a_cross_check_that_disagrees_exits_1(monkeypatch):
    import resnet_inspect.runtime.counting

    monkeypatch.setattr(resnet_inspect.runtime.counting, "torch_flop_counter_flops", lambda model, shape: 2)
    result = table("--depth", "18", "--size", "64", "--cross-check")
    assert result.exit_code == 1
    assert "✗ torch FlopCounterMode" in result.stdout
    expected = trace(get_spec(18), 64).macs_conv_linear
    assert result.stderr.strip() == (
        f"resnet-inspect: check failed: torch FlopCounterMode, conv + linear (FLOPs ÷ 2) counts 1 MACs, "
        f"not {expected:,}"
    )


def test_a_narrow_terminal_rounds_counts_instead_of_cutting_them():
    result = runner.invoke(app, ["table", "--depth", "152", "--size", "480x640"], env={"COLUMNS": "80"})
    assert result.exit_code == 0
    assert "…" not in result.stdout  # rich's ellipsis would turn 1,420,492,800 into 1,420,…
    assert "Rounded to fit: widen the terminal" in result.stdout
    assert " 723M " in result.stdout  # conv1 at 480×640: 722,534,400 MACs
    wide = runner.invoke(app, ["table", "--depth", "152", "--size", "480x640"], env={"COLUMNS": "160"})
    assert "722,534,400" in wide.stdout and "Rounded" not in wide.stdout


def test_json_layers_carry_both_mac_conventions_and_the_whole_spec():
    data = json.loads(table("--arch", "resnet50d", "--format", "json").stdout)
    bn = next(x for x in data["layers"] if x["kind"] == "bn")
    assert bn["macs_fvcore"] == 2 * bn["out_elements"] and bn["macs_conv_linear"] == 0
    assert sum(x["macs_conv_linear"] for x in data["layers"]) == data["totals"]["macs_conv_linear"] == 4_328_824_832
    assert data["spec"]["stem"] == "deep" and data["spec"]["shortcut"] == "avgdown"
    assert data["spec"]["stem_widths"] == [32, 32, 64]
