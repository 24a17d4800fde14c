"""Every named config as data: built, traced, hook-verified and counted, and held against published numbers
and independent implementations."""

import dataclasses

import pytest
import torch

from resnet_inspect import REGISTRY, InspectError, analyze, build_model, get_spec, trace
from resnet_inspect.core.spec import with_knobs as customize
from resnet_inspect.runtime.counting import count_by_forward

from .oracles import TIMM_MACS, TIMM_PARAMS, TORCHVISION_MACS, TORCHVISION_PARAMS
from .reference_variants import D2lResNet18, FastaiStyleXResNet, TimmStyleResNet


@pytest.mark.slow
@pytest.mark.parametrize("name", list(REGISTRY))
@pytest.mark.parametrize("size", [(224, 224), (97, 130)], ids=["224", "97x130"])
def test_every_named_config_is_verified(name, size):
    result = analyze(name, size, batch=2)
    assert result.verified, result.problems[:3]
    assert result.verification.model_params == result.params
    assert result.macs_conv_linear == trace(get_spec(name), *size, batch=2).macs_conv_linear


# Published parameter counts and MACs at 224 (torchvision's and timm's model cards: tests/oracles.py).
PUBLISHED = {
    name: ((TORCHVISION_PARAMS | TIMM_PARAMS)[name], (TORCHVISION_MACS | TIMM_MACS)[name])
    for name in (
        "resnet50d",
        "resnext50_32x4d",
        "resnext101_32x8d",
        "resnext101_64x4d",
        "wide_resnet50_2",
        "wide_resnet101_2",
    )
}


@pytest.mark.parametrize("name", PUBLISHED)
def test_published_params_and_macs(name):
    result = analyze(name, 224)
    assert (result.params, result.macs_conv_linear) == PUBLISHED[name]


@pytest.mark.parametrize(("depth", "macs"), [(50, 3_857_973_248), (101, 7_570_194_432), (152, 11_282_415_616)])
def test_v1_stride_costs(depth, macs):
    spec = customize(get_spec(depth), stride_in="v1")
    result = analyze(spec, 224)
    assert result.verified and result.macs_conv_linear == macs
    assert result.params == analyze(depth, 224).params  # same weights, different compute


def test_maxpool_padding_zero():
    t = trace(customize(get_spec(50), maxpool_padding=0), 224)
    assert t.layer("maxpool").out_shape[2:] == (55, 55)
    assert [t.stage_output(s)[2] for s in ("layer1", "layer2", "layer3", "layer4")] == [55, 28, 14, 7]


def test_d2l_resnet18_for_fashion_mnist():
    t = trace(get_spec("d2l_resnet18"), 96)
    assert [t.stage_output(s)[1:] for s in ("stem", "layer1", "layer2", "layer3", "layer4")] == [
        (64, 24, 24),
        (64, 24, 24),
        (128, 12, 12),
        (256, 6, 6),
        (512, 3, 3),
    ]
    assert t.output_shape == (1, 10)
    assert t.params == 11_178_378
    reference = D2lResNet18()
    assert sum(p.numel() for p in reference.parameters()) == 11_178_378
    ours = sum(count_by_forward(build_model("d2l_resnet18"), (1, 1, 96, 96)).values())
    theirs = sum(count_by_forward(reference, (1, 1, 96, 96)).values())
    assert ours == theirs


@pytest.mark.parametrize("depth", [18, 50])
def test_xresnet_matches_fastai_layout(depth):
    expansion = 1 if depth < 50 else 4
    reference = FastaiStyleXResNet(expansion, get_spec(depth).layers)
    ours = build_model(f"xresnet{depth}")
    assert sum(p.numel() for p in ours.parameters()) == sum(p.numel() for p in reference.parameters())
    shape = (1, 3, 96, 80)
    assert sum(count_by_forward(ours, shape).values()) == sum(count_by_forward(reference, shape).values())
    with torch.no_grad():
        assert ours.eval()(torch.zeros(shape)).shape == reference.eval()(torch.zeros(shape)).shape


@pytest.mark.parametrize(
    ("name", "knobs"),
    [
        ("resnet50d", dict(deep_stem=True, avg_down=True)),
        ("resnet18d", dict(deep_stem=True, avg_down=True)),
        ("resnext50_32x4d", dict(groups=32, base_width=4)),
        ("wide_resnet50_2", dict(base_width=128)),
    ],
)
def test_timm_layout_state_dicts_load_and_compute_the_same(name, knobs):
    spec = get_spec(name)
    torch.manual_seed(0)
    reference = TimmStyleResNet(spec.layers, spec.block == "bottleneck", **knobs).eval()
    ours = build_model(spec).eval()
    theirs = reference.state_dict()
    assert {k: v.shape for k, v in ours.state_dict().items()} == {k: v.shape for k, v in theirs.items()}
    ours.load_state_dict(theirs, strict=True)
    x = torch.randn(1, 3, 67, 75)  # odd sizes: the ceil-mode average pool's edge windows matter
    with torch.no_grad():
        torch.testing.assert_close(ours(x), reference(x), rtol=1e-5, atol=1e-5)


def test_option_a_and_c_shortcuts():
    a = analyze(customize(get_spec(34), shortcut="A"), 224)
    assert a.verified
    # B's three projections (1×1 conv + BN) at layer2..4: 8,448 + 33,280 + 132,096 parameters
    assert a.params == 21_797_672 - 173_824
    assert a.macs_conv_linear == 3_663_761_408 - 19_267_584
    assert round(a.macs_conv_linear / 1e9, 1) == 3.6  # the paper's printed 34-layer FLOPs
    c = analyze(customize(get_spec(18), shortcut="C"), 64)
    assert c.verified
    assert sum(".downsample.0" in row.name for row in c.rows) == 8  # every block projects


def test_custom_network_from_knobs():
    spec = customize(
        get_spec(50), block="bottleneck", layers=(2, 3, 4, 2), widths=(32, 64, 128, 256), groups=8, width_per_group=8
    )
    assert spec.name.startswith("resnet50 with layers=2+3+4+2")
    result = analyze(spec, (100, 140))
    assert result.verified
    assert result.rows[-2].traced.in_shape[1] == 1024


@pytest.mark.parametrize(
    ("knobs", "message"),
    [
        (dict(groups=32), "a basic block has no grouped conv: groups=32"),
        (dict(layers=(2, 2, 2)), "widths 64,128,256,512 must give one width per stage: 3"),
        (dict(widths=(64, 128)), "widths 64,128 must give one width per stage"),
        (dict(stride_in="v2"), "stride_in 'v2' is not valid"),
        (dict(shortcut="E"), "shortcut 'E' is not valid; use one of A, B, C, avgdown"),
        (dict(stem="deep"), "stem_widths 64 must give 3 width(s) for the deep stem"),
        (dict(maxpool_padding=2), "maxpool_padding 2 is not valid"),
    ],
)
def test_invalid_combinations_are_refused(knobs, message):
    with pytest.raises(InspectError, match=message.replace("(", r"\(").replace(")", r"\)")):
        dataclasses.replace(get_spec(18), **knobs)


def test_width_not_divisible_into_groups():
    with pytest.raises(InspectError, match="stage width 100 × width_per_group 4 / 64 is not a whole number"):
        dataclasses.replace(get_spec(50), widths=(100, 128, 256, 512), groups=32, width_per_group=4)


def test_option_a_cannot_shrink_channels():
    with pytest.raises(InspectError, match="shortcut A zero-pads channels"):
        dataclasses.replace(get_spec(18), widths=(64, 32, 256, 512), shortcut="A")
