"""Comparisons: block designs, networks side by side, block-by-block diffs, and size sweeps."""

import csv
import io
import json

import pytest
import torch
from typer.testing import CliRunner

from resnet_inspect import InspectError, analyze, build_model, get_spec, parse_arch, trace
from resnet_inspect.core.memory import activation_bytes
from resnet_inspect.features.blocks import compare_blocks
from resnet_inspect.features.compare import compare_networks, diff_networks
from resnet_inspect.features.sweep import parse_sizes, sweep
from resnet_inspect.runtime.verify import record_calls

from .cli import invoke

runner = CliRunner()


def test_the_well_known_block_comparison():
    c = compare_blocks()
    basic, bottleneck = c.designs
    assert (basic.conv_params, basic.macs_conv_linear) == (73_728, 231_211_008)
    assert (bottleneck.conv_params, bottleneck.macs_conv_linear) == (69_632, 218_365_952)
    assert (basic.in_channels, bottleneck.in_channels) == (64, 256)
    expected = (64 * 64 * 9 * 2 - 2 * 256 * 64 - 64 * 64 * 9) * 56 * 56
    assert basic.macs_conv_linear - bottleneck.macs_conv_linear == expected == 12_845_056
    assert c.difference_formula() == "(64·64·9 + 64·64·9 − 256·64 − 64·64·9 − 64·256)·56·56 = 12,845,056"
    assert basic.analysis.verified and bottleneck.analysis.verified


def test_resnext_block_divides_its_3x3_by_the_groups():
    c = compare_blocks(64, 56, groups=32, width_per_group=4)
    bottleneck, resnext = c.designs[1], c.designs[2]
    dense = next(conv for conv in bottleneck.convs if conv.name == "block.conv2")
    grouped = next(conv for conv in resnext.convs if conv.name == "block.conv2")
    assert grouped.groups == 32 and grouped.in_shape[1] == 128  # 64·4/64·32 channels
    assert grouped.macs_conv_linear == 128 * 128 * 9 * 56 * 56 // 32
    assert dense.macs_conv_linear == 64 * 64 * 9 * 56 * 56
    assert resnext.analysis.verified


def test_first_block_of_a_stage_has_its_projection():
    c = compare_blocks(128, 56, stride=2)
    basic, bottleneck = c.designs
    assert [conv.name for conv in basic.convs] == ["block.conv1", "block.conv2", "block.downsample.0"]
    assert basic.convs[-1].out_shape == (1, 128, 28, 28)
    assert bottleneck.in_channels == 256 and bottleneck.out_channels == 512
    assert all(d.analysis.verified for d in c.designs)


def test_block_taken_from_a_network():
    c = compare_blocks(depth=50, stage="layer3")
    assert c.channels == 256 and c.size == (14, 14)
    repeated = ("layer3.1.conv1", "layer3.1.conv2", "layer3.1.conv3")
    assert c.designs[1].macs_conv_linear == sum(r.macs_conv_linear for r in analyze(50, 224).rows if r.name in repeated)
    with pytest.raises(InspectError, match="stage 'layer5'"):
        compare_blocks(depth=50, stage="layer5")
    with pytest.raises(InspectError, match="stride 3 is not valid"):
        compare_blocks(stride=3)


def test_networks_side_by_side_sum_to_their_totals():
    comparison = compare_networks([18, 50], (224, 224))
    document = comparison.to_dict()
    for a, network in zip(comparison, document["networks"], strict=True):
        stages, total = network["stages"], network["totals"]
        assert network["arch"] == a.spec.name and network["input"] == [1, 3, 224, 224]
        assert sum(r["params"] for r in stages) == total["params"] == a.params
        assert sum(r["macs_conv_linear"] for r in stages) == total["macs_conv_linear"] == a.macs_conv_linear
        for convention in ("conv_linear", "fvcore"):
            assert sum(r[f"macs_share_{convention}"] for r in stages) == pytest.approx(1, abs=1e-5)
        # the same stage records `table` writes for the same network: one vocabulary
        assert stages == a.to_dict()["stages"] and total == a.to_dict()["totals"]


def test_v1_against_v15_block_by_block():
    v1, v15 = analyze(parse_arch("resnet50:stride_in=v1"), 224), analyze(50, 224)
    differences = diff_networks(v1, v15).blocks
    assert [block for block, _ in differences] == ["layer2.0", "layer3.0", "layer4.0"]
    per_block = [sum(d.macs_conv_linear_delta for d in ds) for _, ds in differences]
    assert per_block == [77_070_336] * 3
    assert v15.macs_conv_linear - v1.macs_conv_linear == 231_211_008
    assert diff_networks(v15, analyze(50, 224)).blocks == ()


def test_sweep_shows_the_rounding_staircase():
    points = sweep(get_spec(50), "224,225,256")
    records = points.to_dict()["points"]
    assert [p.macs_conv_linear for p in points] == [4_089_184_256, 4_626_713_792, 5_340_348_416]
    assert [r["final_map"] for r in records] == [[7, 7], [8, 8], [8, 8]]
    assert [r["jump"] for r in records] == [False, True, False]
    assert all(p.verified for p in points) and not points.failures


def test_sweep_batches_label_per_sample_and_per_batch():
    points = sweep(get_spec(18), [(64, 64)], batches=(1, 4), dtype="float16")
    document = points.to_dict()
    one, four = document["points"]
    assert document["dtype"] == "float16"
    assert four["activation_bytes"] == 4 * one["activation_bytes"]
    assert four["activation_bytes_per_sample"] == one["activation_bytes_per_sample"]
    assert four["macs_conv_linear"] == 4 * one["macs_conv_linear"]


def test_activation_bytes_match_a_real_forward():
    model = build_model(18).eval()
    with record_calls(model) as seen, torch.no_grad():
        model(torch.zeros(2, 3, 64, 48))
    allocated = sum(torch.Size(o.out_shape).numel() for o in seen if o.module_type != "ReLU")
    assert activation_bytes(trace(get_spec(18), 64, 48, batch=2), "float32") == 4 * allocated


def test_parse_sizes():
    assert parse_sizes("32:128:32") == [(32, 32), (64, 64), (96, 96), (128, 128)]
    assert parse_sizes("224,480x640") == [(224, 224), (480, 640)]
    for bad in ["32:16:8", "0:10:1", "a:b:c", "32:64:0"]:
        with pytest.raises(InspectError, match="sizes"):
            parse_sizes(bad)
    for bad in ["224,,480", ",", "224,"]:  # a doubled or trailing comma is a typo, not a shorter list
        with pytest.raises(InspectError, match="has an empty item; give sizes separated by single commas"):
            parse_sizes(bad)


def test_arch_lists_refuse_empty_items():
    from resnet_inspect.core.configs import split_archs

    assert split_archs("resnet50:stride_in=v1,shortcut=A,18") == ["resnet50:stride_in=v1,shortcut=A", "18"]
    for bad in ["resnet18,,50", "resnet18,", ",50"]:
        with pytest.raises(InspectError, match="has an empty item; separate the networks by single commas"):
            split_archs(bad)


def test_cli_blocks():
    result = invoke("blocks")
    assert result.exit_code == 0
    assert "= 12,845,056 MACs" in result.stdout and "the bottleneck saves 12,845,056 MACs" in result.stdout
    data = json.loads(invoke("blocks", "--groups", "32", "--format", "json").stdout)
    assert [d["design"] for d in data["designs"]] == ["basic", "bottleneck", "resnext 32×4d"]
    assert data["designs"][0]["macs_conv_linear"] == 231_211_008
    assert invoke("blocks", "--stride", "3").exit_code == 2


def test_cli_compare_and_diff():
    data = json.loads(invoke("compare", "--depths", "18,34", "--format", "json").stdout)
    assert [n["arch"] for n in data["networks"]] == ["resnet18", "resnet34"]
    out = invoke("compare", "--diff", "resnet50:stride_in=v1", "resnet50").stdout
    assert "3 blocks differ; B − A: +0 params, +231,211,008 MACs" in out
    csv_out = invoke("compare", "--archs", "resnet50,resnet50:stride_in=v1,shortcut=A", "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(csv_out)))
    assert list(rows[0])[:7] == ["arch", "name", "stage", "op", "in_shape", "out_shape", "params"]
    mine = [row for row in rows if row["arch"] == "resnet50 with stride_in=v1, shortcut=A"]
    assert len(mine) == 6 and sum(int(row["params"]) for row in mine) == 22_780_456
    assert mine[0]["out_shape"] == "1×64×56×56"
    bad = invoke("compare", "--archs", "resnet50:bogus=1")
    assert bad.exit_code == 2 and "is not a knob" in bad.stderr


def test_cli_sweep():
    result = invoke("sweep", "--sizes", "224,225", "--format", "json")
    data = json.loads(result.stdout)["points"]
    assert [r["macs_conv_linear"] for r in data] == [4_089_184_256, 4_626_713_792] and data[1]["jump"] is True
    assert "▲" in invoke("sweep", "--sizes", "220:230:1").stdout
    assert invoke("sweep", "--dtype", "float8").exit_code == 2
    assert invoke("sweep", "--sizes", "1:100000:1").exit_code == 2


def test_jumps_are_marked_for_every_batch_size():
    points = sweep(get_spec(50), parse_sizes("31:34:1"), batches=(1, 2))
    records = points.records()
    assert [(r.size, r.batch) for r in records if r.jump] == [((33, 33), 1), ((33, 33), 2)]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["blocks", "--groups", "0"], "--groups 0 is not valid"),
        (["blocks", "--channels", "100", "--groups", "32"], "stage width 100 × width_per_group 4 / 64"),
        (["blocks", "--channels", "0"], "--channels 0 is not valid"),
        (["compare", "--archs", ","], "--archs ',' has an empty item"),
        (["compare", "--depths", " "], "--depths ' ' names no network"),
        (["plot", "depths", "--archs", ",", "--output", "x.png"], "--archs ',' has an empty item"),
        (["plot", "roofline", "--peak-tflops", "0", "--output", "x.png"], "--peak-tflops 0.0 is not valid"),
        (["plot", "stages", "--batch", "0", "--output", "x.png"], "--batch 0 is not valid"),
        (["paper", "--shortcut", "avgdown"], "--shortcut 'avgdown' is not valid for the paper's table"),
    ],
)
def test_comparison_and_plot_inputs_are_checked(args, message):
    result = invoke(*args)
    assert result.exit_code == 2
    assert message in result.stderr and result.stderr.count("\n") == 1


def test_knobs_after_a_colon_parse_strictly():
    assert parse_arch("resnet18:conv_bias=yes").conv_bias is True
    assert parse_arch("resnet18:shortcut=a").shortcut == "A"
    assert parse_arch("resnet50:stem=deep").stem_widths == (32, 32, 64)
    with pytest.raises(InspectError, match="conv_bias 'ture'"):
        parse_arch("resnet18:conv_bias=ture")
    data = json.loads(invoke("compare", "--depths", "50:stride_in=v1,shortcut=A,18", "--format", "json").stdout)
    assert sorted(n["arch"] for n in data["networks"]) == ["resnet18", "resnet50 with stride_in=v1, shortcut=A"]


def test_roofline_with_given_peaks(tmp_path):
    out = tmp_path / "roof.png"
    result = invoke(
        "plot", "roofline", "--device", "unknown", "--peak-tflops", "10", "--peak-gbs", "100", "--output", str(out)
    )
    assert result.exit_code == 0 and out.exists()


def test_blocks_from_a_named_config_include_its_own_block():
    data = json.loads(invoke("blocks", "--arch", "resnext50_32x4d", "--stage", "layer3", "--format", "json").stdout)
    assert [d["design"] for d in data["designs"]] == ["basic", "bottleneck", "resnext 32×4d"]
    resnext = data["designs"][2]
    layer3 = analyze("resnext50_32x4d", 224)
    repeated = [r for r in layer3.rows if r.traced.block == "layer3.1" and r.traced.kind == "conv"]
    assert resnext["macs_conv_linear"] == sum(r.macs_fvcore for r in repeated)  # the block as the network has it
    assert "wide ×2" in invoke("blocks", "--arch", "wide_resnet50_2").stdout


def test_diff_lists_only_layers_that_differ():
    differences = diff_networks(analyze(34, 224), analyze(parse_arch("resnet34:shortcut=A"), 224))
    changed = [record.layer for record in differences.records()]
    assert changed == [
        f"layer{s}.0.{name}" for s in (2, 3, 4) for name in ("downsample.0", "downsample.1", "downsample")
    ]


def test_a_sweep_over_batches_says_sizes_and_batches_apart():
    out = invoke("sweep", "--depth", "18", "--sizes", "32", "--batch", "1,2,3", env={"COLUMNS": "120"}).stdout
    assert "resnet18 over 1 input size × 3 batches" in out
    assert "resnet18 over 2 input sizes\n" in invoke("sweep", "--depth", "18", "--sizes", "32,64").stdout
