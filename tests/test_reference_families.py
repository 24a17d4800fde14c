"""The reference families of `reference_families.py` against published facts: parameter counts, MACs, shapes.

Big nets are built on the meta device (counting needs no memory); real forwards run only on small nets/inputs.
"""

import pytest
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from .oracles import DEPTH_PARAMS as TORCHVISION_PARAMS
from .reference_families import (
    cifar_resnet,
    dilated_resnet,
    leaf_records,
    make_divisible,
    param_count,
    preact_resnet_cifar,
    preact_resnet_timm,
    se_resnet_timm,
)
from .reference_resnet import ReferenceResNet


def _meta(build, *args, **kwargs) -> nn.Module:
    with torch.device("meta"):
        return build(*args, **kwargs)


def _conv_linear_macs(records) -> int:
    return sum(r["macs"] for r in records)


def _by_name(records) -> dict[str, dict]:
    return {r["name"]: r for r in records}


# --- (a) CIFAR ResNet, He et al. 2015 Table 6 ------------------------------------------------------------------

CIFAR_TABLE6 = {3: 0.27, 5: 0.46, 7: 0.66, 9: 0.85, 18: 1.7, 200: 19.4}  # n -> millions of parameters


@pytest.mark.parametrize("n", CIFAR_TABLE6)
def test_cifar_resnet_params_match_table6(n):
    params = param_count(_meta(cifar_resnet, n))  # BN affine parameters included
    digits = 1 if CIFAR_TABLE6[n] >= 1 else 2
    assert round(params / 1e6, digits) == CIFAR_TABLE6[n]


def test_cifar_resnet_depth_is_6n_plus_2_weighted_layers():
    model = _meta(cifar_resnet, 9)
    weighted = [m for m in model.modules() if isinstance(m, nn.Conv2d | nn.Linear)]
    assert len(weighted) == 6 * 9 + 2  # option A shortcuts add no weighted layer


def test_cifar_resnet20_forward_and_final_map():
    torch.manual_seed(0)
    model = cifar_resnet(3)
    records = leaf_records(model, (4, 3, 32, 32))  # one real eval-mode forward on a random batch
    by_name = _by_name(records)
    assert by_name["layer3.2.bn2"]["out_shape"] == (4, 64, 8, 8)
    assert by_name["layer2.0.shortcut"]["out_shape"] == (4, 32, 16, 16)  # option A: subsample + zero channels
    assert by_name["layer2.0.shortcut"]["params"] == 0
    assert records[-1]["name"] == "linear" and records[-1]["out_shape"] == (4, 10)
    assert sum(r["params"] for r in records) == param_count(model) == 269_722
    with_identity = _by_name(leaf_records(_meta(cifar_resnet, 3), (1, 3, 32, 32), include_passthrough=True))
    assert "layer1.0.shortcut" not in by_name and with_identity["layer1.0.shortcut"]["out_shape"] == (1, 16, 32, 32)


def test_cifar_option_a_shortcut_is_subsampled_input_with_zero_channels():
    block = cifar_resnet(3).layer3[0]
    x = torch.randn(2, 32, 16, 16)
    y = block.shortcut(x)
    assert y.shape == (2, 64, 8, 8)
    assert torch.equal(y[:, 16:48], x[:, :, ::2, ::2])
    assert not y[:, :16].any() and not y[:, 48:].any()


# --- (b) timm resnetv2_* -------------------------------------------------------------------------------------


def test_resnetv2_50_params_match_timm():
    assert param_count(_meta(preact_resnet_timm, 50)) == 25_549_352


def test_resnetv2_50_macs_match_timm_model_card():
    records = leaf_records(_meta(preact_resnet_timm, 50), (1, 3, 224, 224))
    assert round(_conv_linear_macs(records) / 1e9, 1) == 4.1  # resnetv2_50.a1h_in1k: 4.1 GMACs
    assert records[-2]["name"] == "head.fc" and records[-2]["out_shape"] == (1, 1000, 1, 1)


@pytest.mark.parametrize(("depth", "projections"), [(18, 3), (34, 3), (50, 4), (101, 4), (152, 4)])
def test_resnetv2_stem_has_no_norm_and_projections_are_bare_convs(depth, projections):
    model = _meta(preact_resnet_timm, depth)
    assert [name for name, _ in model.stem.named_children()] == ["conv", "pool"]
    names = [n for n, _ in model.named_modules()]
    downsamples = [n for n in names if n.endswith("downsample.conv")]
    assert len(downsamples) == projections
    assert ("stages.0.blocks.0.downsample.conv" in downsamples) == (depth >= 50)  # 64 → 256 in bottleneck nets
    assert not any(n.endswith("downsample.norm") for n in names)
    assert isinstance(model.head.fc, nn.Conv2d) and model.head.fc.bias is not None


def test_resnetv2_projection_reads_the_preactivated_input():
    torch.manual_seed(0)
    model = preact_resnet_timm(18, num_classes=5).eval()
    block = model.stages[1].blocks[0]
    seen = {}
    block.norm1.register_forward_hook(lambda m, i, o: seen.__setitem__("preact", o.clone()))
    block.downsample.conv.register_forward_hook(lambda m, i, o: seen.__setitem__("proj_in", i[0].clone()))
    with torch.no_grad():
        out = model(torch.randn(2, 3, 32, 32))
    assert out.shape == (2, 5)
    assert torch.equal(seen["preact"], seen["proj_in"]) and (seen["preact"] >= 0).all()


# --- (c) CIFAR pre-activation ResNet-164 / 1001, He et al. 2016 --------------------------------------------------


@pytest.mark.parametrize(("depth", "millions"), [(164, 1.7), (1001, 10.2)])
def test_preact_cifar_params_match_paper_without_bn(depth, millions):
    model = _meta(preact_resnet_cifar, depth)
    assert round(param_count(model, bn_affine=False) / 1e6, 1) == millions
    weighted = [m for m in model.modules() if isinstance(m, nn.Conv2d | nn.Linear)]
    assert len(weighted) == depth + 3  # 9n+2 layers plus the three projection shortcuts


def test_preact_cifar_164_forward_and_stride_placement():
    torch.manual_seed(0)
    model = preact_resnet_cifar(164).eval()
    with torch.no_grad():
        logits = model(torch.randn(2, 3, 32, 32))
    assert logits.shape == (2, 10) and torch.isfinite(logits).all()
    # the same layout at n = 2 (depth 20) keeps the shape checks cheap
    on_1x1 = _by_name(leaf_records(_meta(preact_resnet_cifar, 20), (2, 3, 32, 32)))
    on_3x3 = _by_name(leaf_records(_meta(preact_resnet_cifar, 20, stride_on_first_1x1=False), (2, 3, 32, 32)))
    assert on_1x1["layer2.0.conv1"]["out_shape"] == (2, 32, 16, 16)
    assert on_3x3["layer2.0.conv1"]["out_shape"] == (2, 32, 32, 32)
    assert on_1x1["layer3.1.conv3"]["out_shape"] == on_3x3["layer3.1.conv3"]["out_shape"] == (2, 256, 8, 8)
    assert on_1x1["layer1.0.shortcut.0"]["out_shape"] == (2, 64, 32, 32)  # 16 → 64 projects in stage 1 too


# --- (d) timm seresnet* ------------------------------------------------------------------------------------------


def test_seresnet50_params_and_macs_match_timm():
    model = _meta(se_resnet_timm, 50)
    assert param_count(model) == 28_088_024
    assert round(_conv_linear_macs(leaf_records(model, (1, 3, 224, 224))) / 1e9, 1) == 4.1


@pytest.mark.parametrize(("channels", "rd"), [(64, 8), (128, 8), (256, 16), (512, 32), (1024, 64), (2048, 128)])
def test_se_reduction_channels(channels, rd):
    assert make_divisible(channels / 16, 8, round_limit=0.0) == make_divisible(channels / 16, 8) == rd


def test_seresnet18_forward_has_se_after_last_bn_of_every_block():
    torch.manual_seed(0)
    model = se_resnet_timm(18, num_classes=7)
    records = leaf_records(model, (2, 3, 32, 32))  # one real forward
    assert records[-1]["name"] == "fc" and records[-1]["out_shape"] == (2, 7)
    names = [r["name"] for r in records]
    for i in range(1, 5):
        for j in range(2):
            block = f"layer{i}.{j}"
            order = [names.index(f"{block}.{s}") for s in ("bn2", "se.fc1", "se.act", "se.fc2", "se.gate", "act2")]
            assert order == sorted(order)
    assert model.layer1[0].se.fc1.out_channels == 8 and model.layer4[0].se.fc1.bias is not None


# --- (e) dilated ResNet --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", TORCHVISION_PARAMS)
@pytest.mark.parametrize("output_stride", [8, 16, 32])
def test_dilated_resnet_keeps_torchvision_params(depth, output_stride):
    assert param_count(_meta(dilated_resnet, depth, output_stride)) == TORCHVISION_PARAMS[depth]


def test_dilated_resnet_keeps_torchvision_state_dict_layout():
    ours = _meta(dilated_resnet, 50, 8).state_dict()
    ref = ReferenceResNet(50).to("meta").state_dict()
    assert {k: tuple(v.shape) for k, v in ours.items()} == {k: tuple(v.shape) for k, v in ref.items()}


@pytest.mark.parametrize(("output_stride", "side"), [(8, 64), (16, 32), (32, 16)])
def test_dilated_resnet50_layer4_map_at_512(output_stride, side):
    records = _by_name(leaf_records(_meta(dilated_resnet, 50, output_stride), (1, 3, 512, 512)))
    assert records["layer4.2.bn3"]["out_shape"] == (1, 2048, side, side)


def test_dilated_resnet50_plain_is_torchvision_4_09_gmacs():
    records = leaf_records(_meta(dilated_resnet, 50, 32), (1, 3, 224, 224))
    assert _conv_linear_macs(records) == 4_089_184_256  # torchvision resnet50: 4.09 GFLOPS (MACs) at 224


def test_dilated_dilations_follow_torchvision_replace_stride_with_dilation():
    bottle = _meta(dilated_resnet, 50, 8)
    assert [b.conv2.dilation[0] for b in bottle.layer3] == [1, 2, 2, 2, 2, 2]
    assert [b.conv2.dilation[0] for b in bottle.layer4] == [2, 4, 4]
    assert all(b.conv2.padding == b.conv2.dilation for b in [*bottle.layer3, *bottle.layer4])
    assert bottle.layer3[0].downsample[0].stride == (1, 1) and bottle.layer4[0].conv2.stride == (1, 1)
    basic16 = _meta(dilated_resnet, 18, 16)  # timm BasicBlock: conv1 = first (previous) dilation, conv2 = stage's
    assert [(b.conv1.dilation[0], b.conv2.dilation[0]) for b in basic16.layer3] == [(1, 1), (1, 1)]
    assert [(b.conv1.dilation[0], b.conv2.dilation[0]) for b in basic16.layer4] == [(1, 2), (2, 2)]
    basic8 = _meta(dilated_resnet, 34, 8)
    assert [(b.conv1.dilation[0], b.conv2.dilation[0]) for b in basic8.layer3] == [(1, 2)] + [(2, 2)] * 5
    assert [(b.conv1.dilation[0], b.conv2.dilation[0]) for b in basic8.layer4] == [(2, 4), (4, 4), (4, 4)]
    assert basic8.layer4[0].downsample[0].stride == (1, 1) and basic8.layer4[0].conv1.stride == (1, 1)


def test_dilated_resnet18_forward_at_output_stride_8():
    torch.manual_seed(0)
    model = dilated_resnet(18, 8, num_classes=3).eval()
    with torch.no_grad():
        assert model.forward_features(torch.randn(2, 3, 48, 48)).shape == (2, 512, 6, 6)


# --- leaf_records itself ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "args", "shape"),
    [
        (cifar_resnet, (3,), (2, 3, 32, 32)),
        (preact_resnet_cifar, (20,), (2, 3, 32, 32)),
        (se_resnet_timm, (18,), (2, 3, 64, 64)),
        (preact_resnet_timm, (50,), (2, 3, 64, 64)),
        (dilated_resnet, (34, 8), (2, 3, 64, 64)),
    ],
    ids=["resnet20", "preact20", "seresnet18", "resnetv2_50", "dilated34_os8"],
)
def test_leaf_records_macs_and_params_agree_with_torch(build, args, shape):
    model = _meta(build, *args).eval()
    records = leaf_records(model, shape)
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        model(torch.empty(shape, device="meta"))
    counts = counter.get_flop_counts()["Global"]
    assert set(counts) <= {torch.ops.aten.convolution, torch.ops.aten.addmm}
    assert _conv_linear_macs(records) * 2 == sum(counts.values())  # FLOPs = 2 × MACs
    assert sum(r["params"] for r in records) == param_count(model)
