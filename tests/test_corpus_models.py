"""The corpus of user-written ResNets (`tests/corpus_models.py`) checked on its own terms, without the tool.

Every model builds and runs a real forward on a batch of 2 at its size; a `matches` model has the published
parameter count of its reference and one residual add per reference block; a `not_a_resnet` model does no
residual add at all (seen by a TorchDispatchMode counting `aten.add` on two same-shape 4-D tensors); several
`differs` models have the parameter count their `equals` config is known to have.
"""

from __future__ import annotations

import pytest
import torch
from torch.utils._python_dispatch import TorchDispatchMode

from tests import corpus_models as corpus
from tests.oracles import CIFAR_PARAMS, TORCHVISION_PARAMS

CASES = corpus.CASES

CIFAR = {"resnet20", "resnet32", "resnet44", "resnet56", "resnet110", "resnet1202"}
IMAGENET = {f"resnet{d}" for d in (18, 34, 50, 101, 152)}
PREACT = {"preact_resnet18", "preact_resnet50"}  # timm's resnetv2 layout: conv-only stem, final BN-ReLU

# Published totals (tests/oracles.py: torchvision's model cards; the paper's CIFAR nets, with BN's weight and bias,
# computed below from first principles as well).
PUBLISHED = {**{k: TORCHVISION_PARAMS[k] for k in ("resnet18", "resnet34", "resnet50")}, **CIFAR_PARAMS}
# Pre-activation ResNet-50 from ResNet-50's count: no stem BN (−2·64), no BN on the four projections
# (−2·(256+512+1024+2048)), a final BN (+2·2048), and each stage's first block normalising its input's channels
# where the post-activation one normalised its 4w outputs (2·((64+256+512+1024) − (256+512+1024+2048))).
PUBLISHED["preact_resnet50"] = (
    TORCHVISION_PARAMS["resnet50"] - 2 * 64 - 2 * 3840 + 2 * 2048 + 2 * ((64 + 256 + 512 + 1024) - 3840)
)
BLOCKS = {"resnet18": 8, "resnet34": 16, "resnet50": 16, "resnet20": 9, "resnet32": 15, "resnet56": 27}
BLOCKS |= {"preact_resnet18": 8, "preact_resnet50": 16}

# Parameter counts of `differs` models that follow from published ones: timm's model cards (seresnet50,
# resnet50d), torchvision's (wide_resnet50_2), kuangliu's ResNet18/PreActResNet18 for CIFAR-10, and
# arithmetic on the reference for the one-knob changes (shown alongside).
KNOWN_PARAMS = {
    "timm_seresnet50": 28_088_024,
    "bag_of_tricks_resnet50d": 25_576_264,
    "torchvision_wide_resnet50_2": 68_883_240,
    "kuangliu_resnet18": 11_173_962,
    "kuangliu_preact_resnet18": 11_171_146,
    "weiaicunzai_resnet50_cifar100": 23_705_252,  # kuangliu's CIFAR ResNet50 (23,520,842) with 100 classes
    "basic_blocks_called_resnet50": 21_797_672,  # resnet34
    "resnet20_option_b": 269_722 + (16 * 32 + 2 * 32) + (32 * 64 + 2 * 64),
    "extra_block_layer3": 11_689_512 + 2 * 256 * 256 * 9 + 2 * 2 * 256,
    "missing_block_layer2_resnet34": 21_797_672 - 2 * 128 * 128 * 9 - 2 * 2 * 128,
    "projection_every_block": 11_689_512 + sum(2 * c + c * c for c in (64, 64, 128, 256, 512)),  # 1×1 + BN
    "torch7_resnet18_shortcut_a": 11_689_512 - (64 * 128 + 256) - (128 * 256 + 512) - (256 * 512 + 1024),
    "patched_mnist_resnet18": 11_689_512 - 2 * 64 * 7 * 7,
    "patched_cifar_resnet18_kept_maxpool": 11_173_962,
    "lightning_resnet50_100_classes": 25_557_032 - 2048 * 900 - 900,
    "no_relu_after_add": 11_689_512,
    "leaky_stem_resnet34": 21_797_672,
    "torchvision_dilated_resnet50_os8": 25_557_032,  # dilation owns no weights
    "v1_bottleneck_foreign_names": 25_557_032,
    "maxpool_without_padding": 11_689_512,
    "caffe_resnet50": 25_557_032,
    "detectron2_r50_groupnorm": 25_557_032,  # GroupNorm has BN's affine weight and bias, and no buffers
}

# Classes where the head differs and `equals` does not spell them out.
HEAD_CLASSES = {"kuangliu_preact_resnet18": 10, "d2l_resnet18": 10, "course_preact18_bn_relu_stem": 10}


def paper_cifar_params(n: int, classes: int = 10) -> int:
    """The paper's 6n+2 CIFAR ResNet with option A: convs, BN weight+bias, fc."""
    convs = 3 * 16 * 9 + 2 * n * 16 * 16 * 9
    convs += 16 * 32 * 9 + (2 * n - 1) * 32 * 32 * 9 + 32 * 64 * 9 + (2 * n - 1) * 64 * 64 * 9
    bns = 2 * (16 * (2 * n + 1) + 32 * 2 * n + 64 * 2 * n)
    return convs + bns + 64 * classes + classes


def test_paper_cifar_counts_from_first_principles():
    assert [paper_cifar_params(n) for n in (3, 5, 9)] == [
        PUBLISHED["resnet20"],
        PUBLISHED["resnet32"],
        PUBLISHED["resnet56"],
    ]


class ResidualAdds(TorchDispatchMode):
    """Counts elementwise adds of two same-shape 4-D tensors: a residual add (`out += x`, `y + x`)."""

    def __init__(self):
        super().__init__()
        self.count = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if func.overloadpacket in (torch.ops.aten.add, torch.ops.aten.add_) and len(args) >= 2:
            a, b = args[0], args[1]
            if isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor) and a.dim() == 4 and a.shape == b.shape:
                self.count += 1
        return func(*args, **(kwargs or {}))


_RUNS: dict[str, dict] = {}


def run(case) -> dict:
    """Build once, count parameters, run one forward on a batch of 2 and count residual adds."""
    if case.id not in _RUNS:
        torch.manual_seed(0)
        model = case.build().eval()
        params = sum(p.numel() for p in model.parameters())
        first = next(model.parameters())
        in_channels = next(m for m in model.modules() if isinstance(m, torch.nn.Conv2d)).in_channels
        x = torch.randn(2, in_channels, case.size, case.size, dtype=first.dtype)
        with torch.no_grad(), ResidualAdds() as adds:
            out = model(x)
        _RUNS[case.id] = {
            "shape": tuple(out.shape),
            "params": params,
            "adds": adds.count,
            "finite": bool(torch.isfinite(out).all()),
            "dtype": out.dtype,
            "in": in_channels,
        }
    return _RUNS[case.id]


def expected_classes(case) -> int:
    if case.equals and "num_classes=" in case.equals:
        return int(case.equals.split("num_classes=")[1].split(",")[0])
    if case.id in HEAD_CLASSES:
        return HEAD_CLASSES[case.id]
    assert "head" not in case.kinds, f"{case.id}: say its class count in HEAD_CLASSES"
    return 10 if case.reference in CIFAR else 1000


ids = [case.id for case in CASES]


def test_the_corpus_is_well_formed():
    assert 25 <= len(CASES) <= 40
    assert len(set(ids)) == len(ids), "case ids must be unique"
    for case in CASES:
        assert case.verdict in corpus.VERDICTS, case.id
        assert case.kinds <= corpus.KINDS, (case.id, case.kinds - corpus.KINDS)
        assert case.reference in CIFAR | IMAGENET | PREACT, case.id
        assert case.note and "\n" not in case.note, case.id
        if case.verdict == "matches":
            assert case.kinds == frozenset() and case.equals == case.reference, case.id
        elif case.verdict == "not_a_resnet":
            assert case.kinds == frozenset({"residual"}) and case.equals is None, case.id
        else:
            assert case.kinds and "residual" not in case.kinds, case.id
            assert case.equals != case.reference, case.id
    verdicts = [case.verdict for case in CASES]
    assert verdicts.count("matches") >= 3 and verdicts.count("not_a_resnet") >= 1


def test_every_difference_kind_but_residual_appears_in_some_differs_case():
    seen = set().union(*(case.kinds for case in CASES if case.verdict == "differs"))
    assert seen == corpus.KINDS - {"residual"}


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_builds_and_runs(case):
    result = run(case)
    assert result["shape"] == (2, expected_classes(case))
    assert result["finite"]
    assert result["in"] == (1 if "input" in case.kinds else 3)


@pytest.mark.parametrize("case", [c for c in CASES if c.verdict == "matches"], ids=lambda c: c.id)
def test_a_match_has_the_references_parameters_and_one_add_per_block(case):
    result = run(case)
    assert result["params"] == PUBLISHED[case.reference]
    assert result["adds"] == BLOCKS[case.reference]


@pytest.mark.parametrize("case", [c for c in CASES if c.verdict == "not_a_resnet"], ids=lambda c: c.id)
def test_not_a_resnet_adds_nothing(case):
    assert run(case)["adds"] == 0


# Residual blocks where a `differs` model has other than its reference's count.
OTHER_BLOCK_COUNTS = {"extra_block_layer3": 9, "missing_block_layer2_resnet34": 15, "yunjey_tutorial_resnet": 6}


@pytest.mark.parametrize("case", [c for c in CASES if c.verdict == "differs"], ids=lambda c: c.id)
def test_a_resnet_that_differs_adds_once_per_block(case):
    assert run(case)["adds"] == OTHER_BLOCK_COUNTS.get(case.id, BLOCKS[case.reference])


@pytest.mark.parametrize("case_id", KNOWN_PARAMS)
def test_known_parameter_counts(case_id):
    assert run(corpus.CASES_BY_ID[case_id])["params"] == KNOWN_PARAMS[case_id]


def test_the_float64_model_runs_in_float64():
    assert run(corpus.CASES_BY_ID["blog_float64_resnet18"])["dtype"] == torch.float64


def test_the_dispatch_counter_sees_a_residual_add():
    """The counter itself: one add of two 4-D maps counts, a broadcast bias add and a 2-D add do not."""
    x = torch.randn(2, 4, 3, 3)
    with ResidualAdds() as adds:
        _ = x + x
        _ = x + torch.randn(4, 1, 1)
        _ = torch.randn(2, 3) + torch.randn(2, 3)
    assert adds.count == 1


def _modules(case_id, kind):
    return [m for m in corpus.CASES_BY_ID[case_id].build().modules() if isinstance(m, kind)]


def test_the_structural_claims_hold():
    """What the cases say about strides, pools, norms, dilation and gates, read off the modules."""
    conv, pool = torch.nn.Conv2d, torch.nn.MaxPool2d
    # v1: no 3×3 conv has stride 2 (the stride is on the 1×1s); v1.5: three 3×3s do.
    for case_id in ("v1_bottleneck_foreign_names", "caffe_resnet50"):
        assert not [c for c in _modules(case_id, conv) if c.kernel_size == (3, 3) and c.stride == (2, 2)]
    assert len([c for c in _modules("table_resnet50", conv) if c.kernel_size == (3, 3) and c.stride == (2, 2)]) == 3
    # The max pools: no padding; Caffe's no padding but ceil mode; the reference's 3×3/2 padding 1.
    (plain,) = _modules("maxpool_without_padding", pool)
    (caffe,) = _modules("caffe_resnet50", pool)
    assert (plain.kernel_size, plain.stride, plain.padding, plain.ceil_mode) == (3, 2, 0, False)
    assert (caffe.kernel_size, caffe.stride, caffe.padding, caffe.ceil_mode) == (3, 2, 0, True)
    # torchvision's dilation: layer3 2 from its second block, layer4 2 then 4 (the first block keeps the previous).
    dilations = [c.dilation[0] for c in _modules("torchvision_dilated_resnet50_os8", conv) if c.kernel_size == (3, 3)]
    assert dilations == [1] * 3 + [1] * 4 + [1] + [2] * 5 + [2] + [4] * 2
    # GroupNorm(32) everywhere, no BatchNorm.
    norms = _modules("detectron2_r50_groupnorm", torch.nn.GroupNorm)
    assert len(norms) == 53 and all(n.num_groups == 32 for n in norms)
    assert not _modules("detectron2_r50_groupnorm", torch.nn.BatchNorm2d)
    # One gate per block; timm rounds 64/16 up to 8 channels, senet.pytorch takes 64 // 16 = 4.
    assert len(_modules("timm_seresnet50", torch.nn.Sigmoid)) == 16
    se18 = _modules("senet_pytorch_se_resnet18", torch.nn.Linear)
    assert len(_modules("senet_pytorch_se_resnet18", torch.nn.Sigmoid)) == 8 and se18[0].out_features == 4
    # The LeakyReLU is in the stem only.
    assert len(_modules("leaky_stem_resnet34", torch.nn.LeakyReLU)) == 1
    # Wide: the layer1 bottleneck 3×3 is 128 wide, not 64.
    wide = _modules("torchvision_wide_resnet50_2", conv)
    assert next(c.out_channels for c in wide if c.kernel_size == (3, 3)) == 128


KNOWN_NAMES = (
    {f"resnet{d}" for d in (18, 34, 50, 101, 152, 20, 32, 44, 56, 110, 1202)}
    | {f"{family}{d}" for family in ("preact_resnet", "seresnet") for d in (18, 34, 50, 101, 152)}
    | {"resnet50d", "wide_resnet50_2", "d2l_resnet18"}
)
KNOBS = {
    "stem",
    "maxpool",
    "maxpool_padding",
    "stride_in",
    "shortcut",
    "order",
    "se_reduction",
    "output_stride",
    "layers",
    "widths",
    "num_classes",
    "in_channels",
    "block",
}


@pytest.mark.parametrize("case", [c for c in CASES if c.equals], ids=lambda c: c.id)
def test_equals_is_a_config_string(case):
    name, _, knobs = case.equals.partition(":")
    assert name in KNOWN_NAMES
    for item in filter(None, knobs.split(",")):
        key, eq, value = item.partition("=")
        assert eq and key in KNOBS and value, item
