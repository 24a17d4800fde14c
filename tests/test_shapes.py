"""The output-size formula and the analytic trace: pure integer arithmetic, held against torch and the paper."""

import subprocess
import sys

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from resnet_inspect import InspectError, conv_output_size, get_spec, parse_size, trace
from resnet_inspect.core.plan import blocks as block_plans


@settings(max_examples=150, deadline=None)
@given(
    size=st.integers(1, 80),
    kernel=st.integers(1, 9),
    stride=st.integers(1, 4),
    padding=st.integers(0, 4),
)
def test_formula_matches_torch_conv_and_pool(size, kernel, stride, padding):
    # torch refuses padding beyond half the kernel for pooling, and windows larger than the padded input.
    if size + 2 * padding < kernel:
        with pytest.raises(InspectError):
            conv_output_size(size, kernel, stride, padding)
        return
    expected = conv_output_size(size, kernel, stride, padding)
    x = torch.empty(1, 1, size, size + 1)
    conv = torch.nn.functional.conv2d(x, torch.empty(1, 1, kernel, kernel), stride=stride, padding=padding)
    assert conv.shape[2] == expected
    assert conv.shape[3] == conv_output_size(size + 1, kernel, stride, padding)
    if padding <= kernel // 2:
        pooled = torch.nn.functional.max_pool2d(x, kernel, stride, padding)
        assert pooled.shape[2] == expected


def test_formula_written_out():
    # O = floor((I − K + 2P) / S) + 1
    assert conv_output_size(224, 7, 2, 3) == 112  # floor(221 / 2) + 1
    assert conv_output_size(112, 3, 2, 1) == 56
    assert conv_output_size(56, 1, 2, 0) == 28
    assert conv_output_size(225, 7, 2, 3) == 113
    assert conv_output_size(7, 3, 2, 1) == 4


def _stage_outputs(t):
    """(channels, height, width) after the max pool and after each stage."""
    return {layer.stage: layer.out_shape[1:] for layer in t.layers}  # the last layer of each stage wins


def test_resnet50_at_512_published_listing():
    t = trace(get_spec(50), 512)
    assert t.layer("conv1").out_shape == (1, 64, 256, 256)
    assert t.layer("maxpool").out_shape == (1, 64, 128, 128)
    stages = _stage_outputs(t)
    assert stages["layer1"] == (256, 128, 128)
    assert stages["layer2"] == (512, 64, 64)
    assert stages["layer3"] == (1024, 32, 32)
    assert stages["layer4"] == (2048, 16, 16)
    assert t.layer("fc").in_shape == (1, 2048) and t.output_shape == (1, 1000)


def test_resnet34_at_224_published_listing():
    t = trace(get_spec(34), 224)
    stages = _stage_outputs(t)
    assert t.layer("maxpool").out_shape == (1, 64, 56, 56)
    assert stages["layer1"] == (64, 56, 56)
    assert stages["layer2"] == (128, 28, 28)
    assert stages["layer3"] == (256, 14, 14)
    assert stages["layer4"] == (512, 7, 7)


def test_non_square_and_odd_sizes():
    t = trace(get_spec(18), 480, 640)
    assert _stage_outputs(t)["layer4"] == (512, 15, 20)
    t = trace(get_spec(50), 225)
    assert _stage_outputs(t)["layer4"] == (2048, 8, 8)
    t = trace(get_spec(50), 1)
    assert _stage_outputs(t)["layer4"] == (2048, 1, 1)


def test_one_row_per_leaf_call_with_torchvision_names():
    t = trace(get_spec(50), 224)
    names = [layer.name for layer in t.layers]
    assert names[:4] == ["conv1", "bn1", "relu", "maxpool"]
    assert names[4:16] == [
        "layer1.0.conv1",
        "layer1.0.bn1",
        "layer1.0.relu1",
        "layer1.0.conv2",
        "layer1.0.bn2",
        "layer1.0.relu2",
        "layer1.0.conv3",
        "layer1.0.bn3",
        "layer1.0.downsample.0",
        "layer1.0.downsample.1",
        "layer1.0.add",
        "layer1.0.relu3",
    ]
    assert names[-2:] == ["avgpool", "fc"]
    assert len(names) == len(set(names))
    # 4 stem + 16 blocks × 10 + 4 projections × 2 + 2 head
    assert len(names) == 4 + 16 * 10 + 4 * 2 + 2


def test_layer_arithmetic_by_hand():
    t = trace(get_spec(50), 224)
    conv = t.layer("layer2.0.conv2")  # v1.5: the 3×3 carries the stride
    assert (conv.kernel, conv.stride, conv.padding) == ((3, 3), (2, 2), (1, 1))
    assert conv.in_shape == (1, 128, 56, 56) and conv.out_shape == (1, 128, 28, 28)
    assert conv.params == 128 * 128 * 3 * 3 == 147_456
    assert conv.macs_conv_linear == 147_456 * 28 * 28 == 115_605_504
    assert t.layer("layer2.0.bn2").params == 256
    assert t.layer("fc").params == 2048 * 1000 + 1000
    assert t.layer("fc").macs_conv_linear == 2048 * 1000
    assert t.layer("conv1").out_elements == 64 * 112 * 112


def test_batch_scales_macs_not_params():
    one, eight = trace(get_spec(18), 96), trace(get_spec(18), 96, batch=8)
    assert eight.macs_conv_linear == 8 * one.macs_conv_linear
    assert eight.params == one.params
    assert eight.input_shape == (8, 3, 96, 96)


@pytest.mark.parametrize("depth", [18, 34, 50, 101, 152])
def test_paper_depth_counts_weighted_layers(depth):
    assert get_spec(depth).depth == depth


def test_v1_moves_the_stride_to_the_first_conv():
    import dataclasses

    v1 = dataclasses.replace(get_spec(50), stride_in="v1")
    first = next(plan for plan in block_plans(v1) if plan.name == "layer2.0")
    assert [conv.stride for conv in first.convs] == [2, 1, 1]
    assert trace(v1, 224).macs_conv_linear == 3_857_973_248  # the paper's placement is cheaper: its 3×3 runs at 28×28


def test_parse_size():
    assert parse_size("512") == (512, 512)
    assert parse_size("480x640") == (480, 640)
    assert parse_size("480×640") == (480, 640)
    for bad in ["0", "-3", "abc", "480x", "x640", "12.5", "", "480x0"]:
        with pytest.raises(InspectError, match="size"):
            parse_size(bad)


def test_spec_validation_names_the_value():
    import dataclasses

    spec = get_spec(18)
    with pytest.raises(InspectError, match="groups=32"):
        dataclasses.replace(spec, groups=32)
    with pytest.raises(InspectError, match="widths 64,128,256,512 must give one width per stage: 3 for layers 2,2,2"):
        dataclasses.replace(spec, layers=(2, 2, 2))
    with pytest.raises(InspectError, match="layers  must list 1 to 16 stages"):
        dataclasses.replace(spec, layers=(), widths=())
    with pytest.raises(InspectError, match="depth 42"):
        get_spec(42)
    with pytest.raises(InspectError, match="'resnet7'"):
        get_spec("resnet7")


def test_analytic_path_never_imports_torch():
    code = (
        "import sys; import resnet_inspect as r; import resnet_inspect.features.table, resnet_inspect.cli;"
        "t = r.trace(r.get_spec(152), 4096); assert t.params == 60192808;"
        "bad = [m for m in ('torch', 'pandas', 'matplotlib', 'fvcore') if m in sys.modules];"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
