"""Published numbers, each written once, with where it was published. Tests hold the tool to these; nothing in
the package reads them (a number the tool prints is always computed).

Parameter counts are torch's `sum(p.numel())`; MACs are conv + linear multiply-accumulates at 224×224 (what
torchvision's model cards call GFLOPS, printed there to two decimals; the exact counts below are those cards'
numbers to the last MAC, as fvcore and torch's FlopCounterMode count them).
"""

from __future__ import annotations

# torchvision's model cards (torchvision.models, "Table of all available classification weights").
TORCHVISION_PARAMS = {
    "resnet18": 11_689_512,
    "resnet34": 21_797_672,
    "resnet50": 25_557_032,
    "resnet101": 44_549_160,
    "resnet152": 60_192_808,
    "resnext50_32x4d": 25_028_904,
    "resnext101_32x8d": 88_791_336,
    "resnext101_64x4d": 83_455_272,
    "wide_resnet50_2": 68_883_240,
    "wide_resnet101_2": 126_886_696,
}
TORCHVISION_MACS = {
    "resnet18": 1_814_073_344,
    "resnet34": 3_663_761_408,
    "resnet50": 4_089_184_256,
    "resnet101": 7_801_405_440,
    "resnet152": 11_513_626_624,
    "resnext50_32x4d": 4_230_479_872,
    "resnext101_32x8d": 16_414_015_488,
    "resnext101_64x4d": 15_460_270_080,
    "wide_resnet50_2": 11_398_021_120,
    "wide_resnet101_2": 22_753_050_624,
}
# By the paper's depth, for the tests that speak of depths.
DEPTH_PARAMS = {
    int(name[6:]): TORCHVISION_PARAMS[name] for name in ("resnet18", "resnet34", "resnet50", "resnet101", "resnet152")
}
DEPTH_MACS = {depth: TORCHVISION_MACS[f"resnet{depth}"] for depth in DEPTH_PARAMS}

# timm's model cards (resnet50d: He et al. 2019's ResNet-50-D; seresnet50: Hu et al. 2018).
TIMM_PARAMS = {"resnet50d": 25_576_264, "seresnet50": 28_088_024}
TIMM_MACS = {"resnet50d": 4_328_824_832}

# He et al. 2015, Table 6: the CIFAR-10 nets, with batch norm's weight and bias (printed in millions: 0.27M, …; the
# exact counts follow from the paper's description and are computed from first principles in test_corpus_models).
CIFAR_PARAMS = {"resnet20": 269_722, "resnet32": 464_154, "resnet56": 853_018}

# Receptive fields at the outputs of layer1..layer4 (google-research/receptive_field for torchvision's ResNet-50 and
# ResNet-18; TF-slim's resnet_v1_50, the paper's v1 stride placement, reaches 483 at its last block).
STAGE_FIELDS = {"resnet50": [35, 91, 267, 427], "resnet18": [43, 99, 211, 435]}
V1_LAST_FIELD = 483
