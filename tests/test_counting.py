"""MACs by three independent paths: the formula, fvcore's rules on hooked shapes, and real forwards."""

import pytest

from resnet_inspect import analyze, build_model, get_spec, trace
from resnet_inspect.runtime.counting import count_by_forward, count_layers, torch_flop_counter_flops
from resnet_inspect.runtime.verify import observe

# torchvision's published GFLOPS for resnetN at 224, which are conv + linear MACs.
from .oracles import DEPTH_MACS as TORCHVISION_MACS


@pytest.mark.parametrize("depth", TORCHVISION_MACS)
def test_conv_linear_macs_equal_torchvision(depth):
    result = analyze(depth, 224)
    assert result.verified
    assert result.macs_conv_linear == TORCHVISION_MACS[depth]
    assert trace(get_spec(depth), 224).macs_conv_linear == TORCHVISION_MACS[depth]


def test_fvcore_total_for_resnet50_at_224():
    result = analyze(50, 224)
    assert result.macs_fvcore == 4_111_512_576
    # The difference is batch norm (2 per output element, eval mode) and the average pool (1 per input element).
    bn = sum(row.traced.out_elements for row in result.rows if row.traced.kind == "bn")
    assert result.macs_fvcore - result.macs_conv_linear == 2 * bn + 2048 * 7 * 7


@pytest.mark.parametrize(
    ("depth", "size", "batch"),
    [(18, (64, 64), 1), (50, (65, 97), 2), (34, (33, 33), 1), (101, (32, 48), 1), (152, (32, 32), 1)],
)
def test_shape_rules_equal_a_real_flop_count_analysis(depth, size, batch):
    shape = (batch, 3, *size)
    model = build_model(depth)
    by_forward = count_by_forward(model, shape)
    by_shapes = {count.name: count.macs_fvcore for count in count_layers(observe(model, shape), batch=batch)}
    assert by_shapes == by_forward
    assert sum(by_forward.values()) > 0


@pytest.mark.parametrize("depth", [18, 50, 152])
def test_torch_flop_counter_reports_twice_the_macs(depth):
    flops = torch_flop_counter_flops(build_model(depth, device="meta"), (1, 3, 224, 224))
    assert flops == 2 * TORCHVISION_MACS[depth]


def test_torch_flop_counter_at_an_odd_non_square_size_and_batch():
    result = analyze(50, (225, 161), batch=3)
    flops = torch_flop_counter_flops(build_model(50, device="meta"), result.input_shape)
    assert flops == 2 * result.macs_conv_linear


def test_cost_per_layer_does_not_depend_on_probe():
    empty = analyze(18, 320, batch=4)
    meta = analyze(18, 320, batch=4, probe="meta")
    assert [row.macs_fvcore for row in empty.rows] == [row.macs_fvcore for row in meta.rows]


def test_layer_macs_are_fvcores_and_conv_linear_match_the_formula():
    result = analyze(50, 512)
    conv = next(row for row in result.rows if row.name == "layer1.0.conv1")
    assert conv.macs_fvcore == conv.traced.macs_conv_linear == 64 * 64 * 128 * 128 == 67_108_864
    bn = next(row for row in result.rows if row.name == "layer1.0.bn1")
    assert bn.macs_fvcore == 2 * 64 * 128 * 128 and bn.macs_conv_linear == 0
    assert next(row for row in result.rows if row.name == "maxpool").macs_fvcore == 0
