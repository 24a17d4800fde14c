"""The new families (the paper's CIFAR nets, pre-activation, SE, dilation) against references written apart.

`reference_families` builds each family as the public code writes it (akamaster's CIFAR nets, timm's resnetv2 and
seresnet, the pre-activation paper's CIFAR nets, torchvision's replace_stride_with_dilation) and imports nothing
of this package. Here every conv, linear and batch norm of the analytic trace must equal the reference's, as a
multiset of (output shape, parameters, MACs): the two may run a projection shortcut before or after the main path.
"""

from collections import Counter

import pytest
import torch

from resnet_inspect import analyze, parse_arch, trace
from tests.reference_families import (
    cifar_resnet,
    dilated_resnet,
    leaf_records,
    preact_resnet_cifar,
    preact_resnet_timm,
    se_resnet_timm,
)

# timm's BatchNormAct2d is a batch norm (its ReLU has no weights); a 1×1-conv classifier counts as the linear it is.
WEIGHTED = {"Conv2d": "conv", "Linear": "conv", "BatchNorm2d": "bn", "BatchNormAct2d": "bn"}


def _key(kind, shape, params, macs):
    if len(shape) == 4 and shape[2:] == (1, 1):
        shape = shape[:2]
    return ("conv" if kind == "linear" else kind, shape, params, macs)


CASES = [
    ("resnet20", lambda: cifar_resnet(3), 32),
    ("resnet56", lambda: cifar_resnet(9), 32),
    ("resnet110", lambda: cifar_resnet(18), 32),
    ("preact_resnet18", lambda: preact_resnet_timm(18), 224),
    ("preact_resnet50", lambda: preact_resnet_timm(50), 160),
    ("preact_resnet164", lambda: preact_resnet_cifar(164), 32),
    ("preact_resnet164:stride_in=v1.5", lambda: preact_resnet_cifar(164, stride_on_first_1x1=False), 32),
    ("seresnet18", lambda: se_resnet_timm(18), 224),
    ("seresnet50", lambda: se_resnet_timm(50), 193),
    ("resnet50:output_stride=8", lambda: dilated_resnet(50, 8), 224),
    ("resnet50:output_stride=16", lambda: dilated_resnet(50, 16), 97),
    ("resnet18:output_stride=8", lambda: dilated_resnet(18, 8), 128),
    ("resnet34:output_stride=16", lambda: dilated_resnet(34, 16), 224),
]


def _theirs(build, size):
    with torch.device("meta"):
        model = build()
    records = leaf_records(model, (1, 3, size, size))
    return model, Counter(
        _key(WEIGHTED[r["cls"]], r["out_shape"], r["params"], r["macs"]) for r in records if r["cls"] in WEIGHTED
    )


@pytest.mark.parametrize(("arch", "build", "size"), CASES, ids=[c[0] for c in CASES])
def test_every_weighted_layer_equals_the_reference(arch, build, size):
    model, theirs = _theirs(build, size)
    ours = trace(parse_arch(arch), size)
    mine = Counter(
        _key(layer.kind, layer.out_shape, layer.params, layer.macs_conv_linear)
        for layer in ours.layers
        if layer.kind in ("conv", "linear", "bn")
    )
    assert mine == theirs
    assert ours.params == sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize(
    ("arch", "build", "params"),
    [
        ("resnet1202", lambda: cifar_resnet(200), 19_421_274),
        ("preact_resnet1001", lambda: preact_resnet_cifar(1001), 10_327_706),
        ("preact_resnet152", lambda: preact_resnet_timm(152), 60_185_128),
        ("seresnet152", lambda: se_resnet_timm(152), 66_821_848),
        ("resnet152:output_stride=8", lambda: dilated_resnet(152, 8), 60_192_808),
    ],
)
def test_deep_nets_have_the_references_parameters(arch, build, params):
    with torch.device("meta"):
        model = build()
    assert sum(p.numel() for p in model.parameters()) == params
    assert trace(parse_arch(arch), 32).params == params


def test_published_numbers():
    # Table 6 (BN included), timm's model cards, torchvision's dilated nets.
    printed = {
        "resnet20": 0.27,
        "resnet32": 0.46,
        "resnet44": 0.66,
        "resnet56": 0.85,
        "resnet110": 1.7,
        "resnet1202": 19.4,
    }
    for name, millions in printed.items():
        decimals = len(str(millions).split(".")[1])
        assert round(trace(parse_arch(name), 32).params / 1e6, decimals) == millions
    assert trace(parse_arch("preact_resnet50"), 224).params == 25_549_352
    se = trace(parse_arch("seresnet50"), 224)
    assert se.params == 28_088_024 and round(se.macs_conv_linear / 1e9, 1) == 4.1
    # The 2016 paper's 1.7M and 10.2M count no batch norm.
    for name, millions in (("preact_resnet164", 1.7), ("preact_resnet1001", 10.2)):
        t = trace(parse_arch(name), 32)
        assert round((t.params - sum(layer.params for layer in t.layers if layer.kind == "bn")) / 1e6, 1) == millions


def test_output_stride_8_gives_64x64_maps_at_512_verified():
    a = analyze("resnet50:output_stride=8", 512)
    assert a.verified
    assert a.trace.stage_output("layer4") == (1, 2048, 64, 64)
    assert a.trace.stage_output("layer3") == (1, 1024, 64, 64)
    conv = a.trace.layer("layer4.1.conv2")
    assert conv.dilation == (4, 4) and conv.padding == (4, 4)
    assert a.trace.layer("layer4.0.conv2").dilation == (2, 2)  # the first block keeps the previous dilation


def test_se_reduction_is_rounded_as_timm_does():
    t = trace(parse_arch("seresnet18"), 224)
    assert [t.layer(f"layer{i}.0.se.fc1").out_shape[1] for i in range(1, 5)] == [8, 8, 16, 32]
    t = trace(parse_arch("seresnet50"), 224)
    assert [t.layer(f"layer{i}.0.se.fc1").out_shape[1] for i in range(1, 5)] == [16, 32, 64, 128]


KNOBBED = [
    "resnet20",
    "preact_resnet18",
    "seresnet18",
    "resnet18:output_stride=8",
    "resnet20:order=pre,se_reduction=4",
    "resnet18:stem=cifar,layers=1+1+1,widths=64+128+256",
    "resnet50d:maxpool=false,order=pre",
]


@pytest.mark.parametrize("arch", KNOBBED)
def test_new_families_verify_against_their_own_models(arch):
    spec = parse_arch(arch)
    a = analyze(spec, spec.default_size)
    assert a.verified, a.problems[:3]


def test_preact_projection_keys_are_timms_resnetv2_names():
    # timm's resnetv2 DownsampleConv: `downsample.conv` (no BN in pre-activation nets); `downsample.pool` only
    # exists in its avg-down variant.
    from resnet_inspect import build_model

    keys = [k for k in build_model("preact_resnet50", device="meta").state_dict() if ".downsample." in k]
    assert keys == [f"stages.{i}.blocks.0.downsample.conv.weight" for i in range(4)]
