"""The gradient probe against receptive fields known by hand and from the literature, and the model left alone.

The fields of ResNet-18 and ResNet-50 (v1.5) stage outputs are the published ones (Araujo et al., "Computing
receptive fields of convolutional neural networks", Distill 2019): 43, 99, 211, 435 and 35, 91, 267, 427. The
networks are written here, independently of the package, with narrow widths: a field depends on kernels, strides,
paddings and dilations only, and the probe is a forward and a few backwards, so width is only cost.
"""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from resnet_inspect.core.errors import InspectError
from resnet_inspect.core.receptive_field import centre_unit_span, choose_probe_size
from resnet_inspect.runtime.linearize import linearized_copy
from resnet_inspect.runtime.receptive_field_probe import (
    ProbeResult,
    effective_receptive_field,
    erf_spread,
    probe_receptive_field,
)

STAGES = ["layer1", "layer2", "layer3", "layer4"]


# --- An independent torchvision-style ResNet ------------------------------------------------------------------


def _projection(cin: int, cout: int, stride: int) -> nn.Module | None:
    if stride == 1 and cin == cout:
        return None
    return nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))


class Basic(nn.Module):
    expansion = 1

    def __init__(self, cin: int, planes: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(cin, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)  # shared, as in torchvision: runs twice per block
        self.downsample = _projection(cin, planes, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += x if self.downsample is None else self.downsample(x)
        return self.relu(out)


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, cin: int, planes: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(cin, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)  # v1.5: the stride on the 3×3
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = _projection(cin, planes * 4, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))  # bn3 becomes a passthrough: the += below must not reach conv3's output
        out += x if self.downsample is None else self.downsample(x)
        return self.relu(out)


class ResNet(nn.Module):
    def __init__(self, block: type[Basic | Bottleneck], layers: list[int], width: int = 8) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, width, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        cin = width
        for stage, (count, planes) in enumerate(zip(layers, (width, 2 * width, 4 * width, 8 * width), strict=True)):
            blocks = []
            for index in range(count):
                blocks.append(block(cin, planes, 2 if index == 0 and stage > 0 else 1))
                cin = planes * block.expansion
            setattr(self, f"layer{stage + 1}", nn.Sequential(*blocks))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(cin, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def resnet18(width: int = 8) -> ResNet:
    return ResNet(Basic, [2, 2, 2, 2], width)


def resnet50(width: int = 8) -> ResNet:
    return ResNet(Bottleneck, [3, 4, 6, 3], width)


# (r, j, start) of each stage output; start is 0 all through a torchvision ResNet.
RESNET18_FIELDS = {"layer1": (43, 4, 0.0), "layer2": (99, 8, 0.0), "layer3": (211, 16, 0.0), "layer4": (435, 32, 0.0)}
RESNET50_FIELDS = {"layer1": (35, 4, 0.0), "layer2": (91, 8, 0.0), "layer3": (267, 16, 0.0), "layer4": (427, 32, 0.0)}


def _assert_analytic(result: ProbeResult, field: int, jump: int, start: float = 0.0) -> None:
    """The probe measured the whole field, and exactly where the analytic field of its centre unit lies."""
    assert result.complete, result
    assert result.size == (field, field)
    for axis in (0, 1):
        first, last = centre_unit_span(result.output_size[axis], field, jump, start)
        assert (result.first[axis], result.last[axis]) == (first, last)


# --- Chains of convolutions and pools -------------------------------------------------------------------------


def test_conv_chain_by_hand():
    model = nn.Sequential(
        nn.Conv2d(2, 4, 3, 1, 1),  # r 3, j 1
        nn.ReLU(),
        nn.Conv2d(4, 4, 3, 2, 1),  # r 3 + 2·1 = 5, j 2
        nn.BatchNorm2d(4),
        nn.Conv2d(4, 4, 3, 1, 1),  # r 5 + 2·2 = 9
        nn.Conv2d(4, 4, 3, 1, 2, dilation=2),  # r 9 + 2·2·2 = 17: (K − 1)·D·j
        nn.MaxPool2d(3, 2, 1),  # r 17 + 2·2 = 21, j 4
        nn.Conv2d(4, 4, 3, 1, 1),  # r 21 + 2·4 = 29
        nn.Conv2d(4, 4, 5, 1, 4, dilation=2),  # r 29 + 4·2·4 = 61
    )
    expected = {"0": (3, 1), "2": (5, 2), "4": (9, 2), "5": (17, 2), "6": (21, 4), "7": (29, 4), "8": (61, 4)}
    results = probe_receptive_field(model, (1, 2, 71, 75), list(expected))
    for name, (field, jump) in expected.items():
        _assert_analytic(results[name], field, jump)
        result = results[name]
        assert not result.global_ and result.unit == tuple((n - 1) // 2 for n in result.output_size)


def test_dilated_field_with_holes_counts_its_extent():
    # One 3×3 conv with dilation 4: the unit sees 3 pixels 4 apart on each axis, an extent of 9.
    model = nn.Sequential(nn.Conv2d(1, 1, 3, 1, 4, dilation=4))
    (result,) = probe_receptive_field(model, (1, 1, 21, 21), ["0"]).values()
    assert result.size == (9, 9) and result.first == (6, 6) and not any(result.clipped)
    # At 13×13 it ends 2 pixels from the border, less than its step of 4: the next tap could lie outside, and the
    # probe cannot tell, so it says clipped (here wrongly: a conservative answer, where holes make it ambiguous).
    (result,) = probe_receptive_field(model, (1, 1, 13, 13), ["0"]).values()
    assert result.first == (2, 2) and result.clipped == (True, True)


@pytest.mark.parametrize(
    ("kernel", "stride", "padding", "dilation", "ceil_mode", "size"),
    [
        (3, 2, 1, 1, False, 11),
        (3, 2, 1, 1, True, 10),
        (2, 2, 0, 1, True, 9),
        (3, 2, 0, 1, True, 10),
        (3, 1, 1, 2, False, 9),
        (3, 3, 1, 1, True, 11),
    ],
)
def test_max_pool_becomes_a_mean_over_exactly_its_windows(kernel, stride, padding, dilation, ceil_mode, size):
    pool = nn.MaxPool2d(kernel, stride, padding, dilation, ceil_mode=ceil_mode)
    linear = linearized_copy(nn.Sequential(pool))
    x = torch.rand(1, 1, size, size, dtype=torch.float64, requires_grad=True)
    out = linear(x)
    assert out.shape == pool(x.float()).shape
    for unit in range(out.shape[-1]):  # every output position, the ceil_mode one at the edge included
        (gradient,) = torch.autograd.grad(out[0, 0, 0, unit], x, retain_graph=True)
        window = {unit * stride - padding + t * dilation for t in range(kernel)} & set(range(size))
        assert set(gradient[0, 0].ne(0).any(0).nonzero().flatten().tolist()) == window


# --- Residual blocks: the union of both paths -----------------------------------------------------------------


class Block(nn.Module):
    def __init__(self, main: nn.Module, shortcut: nn.Module) -> None:
        super().__init__()
        self.main, self.shortcut = main, shortcut

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.main(x) + self.shortcut(x))


def test_strided_projection_adds_nothing_to_the_main_path():
    main = nn.Sequential(nn.Conv2d(2, 4, 3, 2, 1), nn.BatchNorm2d(4), nn.ReLU(), nn.Conv2d(4, 4, 3, 1, 1))
    model = Block(main, nn.Sequential(nn.Conv2d(2, 4, 1, 2), nn.BatchNorm2d(4)))
    results = probe_receptive_field(model, (1, 2, 33, 33), ["", "main", "shortcut"])
    _assert_analytic(results["main"], 7, 2)  # 3, then 3 + 2·2
    _assert_analytic(results["shortcut"], 1, 2)
    # "" is the whole model: a spatial output, so its centre unit is probed like any layer's.
    assert (results[""].first, results[""].last) == (results["main"].first, results["main"].last)


def test_union_when_the_shortcut_reaches_further_on_one_side():
    # Main path: two 3×3 convs, unit i sees [i − 2, i + 2]. Shortcut: pad 4 at the top and left, then a valid 5×5
    # conv, unit i sees [i − 4, i]. Neither alone gives the block's field: [i − 4, i + 2], 7 wide.
    main = nn.Sequential(nn.Conv2d(1, 2, 3, 1, 1), nn.ReLU(), nn.Conv2d(2, 2, 3, 1, 1))
    shortcut = nn.Sequential(nn.ZeroPad2d((4, 0, 4, 0)), nn.Conv2d(1, 2, 5))
    results = probe_receptive_field(Block(main, shortcut), (1, 1, 21, 21), ["", "main", "shortcut"])
    assert results["main"].first == (8, 8) and results["main"].last == (12, 12)
    assert results["shortcut"].first == (6, 6) and results["shortcut"].last == (10, 10)
    assert results[""].first == (6, 6) and results[""].last == (12, 12) and results[""].size == (7, 7)
    assert results[""].complete


# --- Functional activations and pools, option-A shortcuts -----------------------------------------------------


class LambdaLayer(nn.Module):
    def __init__(self, fn) -> None:
        super().__init__()
        self.fn = fn

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fn(x)


class CifarBlock(nn.Module):
    """The CIFAR ResNet block as it is often written: functional ReLUs, `+=`, and the paper's option A."""

    def __init__(self, cin: int, planes: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(cin, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut: nn.Module = nn.Sequential()
        if stride != 1 or cin != planes:
            pad = planes // 4
            self.shortcut = LambdaLayer(lambda x: F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, pad, pad), "constant", 0))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += self.shortcut(x)
        return F.relu(out)


class CifarResNet(nn.Module):
    def __init__(self, blocks: int = 3, width: int = 4) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, width, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        cin = width
        for stage, planes in enumerate((width, 2 * width, 4 * width)):
            layer = [CifarBlock(cin if i == 0 else planes, planes, 2 if i == 0 and stage else 1) for i in range(blocks)]
            setattr(self, f"layer{stage + 1}", nn.Sequential(*layer))
            cin = planes
        self.linear = nn.Linear(cin, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer3(self.layer2(self.layer1(out)))
        out = F.avg_pool2d(out, out.size()[3])  # the global pool written as a fixed-size pool
        return self.linear(out.view(out.size(0), -1))


def test_cifar_resnet20_with_functional_relus_and_option_a():
    fields = {"layer1": (15, 1, 0.0), "layer2": (37, 2, 0.0), "layer3": (81, 4, 0.0)}
    size = choose_probe_size(fields)
    results = probe_receptive_field(CifarResNet(), (1, 3, size, size), [*fields, "linear"])
    for name, (field, jump, start) in fields.items():
        _assert_analytic(results[name], field, jump, start)
    assert results["linear"].global_ and results["linear"].unit is None
    # At CIFAR's own 32×32 the last stage sees past the border: clipped.
    assert probe_receptive_field(CifarResNet(), (1, 3, 32, 32), ["layer3"])["layer3"].clipped == (True, True)


class Functional(nn.Module):
    """Every nonlinearity a function call, each one that would hide a path if it were left as it is."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 2, 3, 1, 1)
        self.conv2 = nn.Conv2d(2, 2, 3, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu6(self.conv1(x) * 10)  # zero gradient above 6
        x = F.max_pool2d(x, 3, 2, 1)  # constant input: every window ties, a max would pass one pixel's gradient
        x = torch.sigmoid(x - 100).clamp(0.1, 0.2)  # saturated, then clamped: zero gradient
        x = F.batch_norm(x, torch.zeros(2), torch.ones(2), -torch.ones(2), training=False)  # a negative scale
        x = F.dropout(x)  # training=True by default
        x.relu_()
        return F.leaky_relu(self.conv2(x), inplace=True)


def test_functional_nonlinearities_are_linearized():
    (result,) = probe_receptive_field(Functional(), (1, 1, 17, 17), ["conv2"]).values()
    _assert_analytic(result, 9, 2)  # 3; the pool 3 + 2 = 5, j 2; 5 + 2·2 = 9


def test_linearized_copy_is_linear_and_positive():
    model = CifarResNet(blocks=1)
    linear = linearized_copy(model)
    a, b = (torch.randn(2, 3, 16, 16, dtype=torch.float64) for _ in range(2))
    with torch.no_grad():
        torch.testing.assert_close(linear(a + 2 * b), linear(a) + 2 * linear(b))
        assert bool((linear(torch.ones(1, 3, 16, 16, dtype=torch.float64)) > 0).all())
    assert all(p.dtype == torch.float64 and bool((p >= 0).all()) for p in linear.parameters())
    assert not any(isinstance(m, nn.BatchNorm2d | nn.ReLU | nn.MaxPool2d) for m in linear.modules())
    assert not linear.training


# --- Real ResNets: the published fields -----------------------------------------------------------------------


@pytest.mark.parametrize(("build", "fields"), [(resnet18, RESNET18_FIELDS), (resnet50, RESNET50_FIELDS)])
def test_resnet_stage_fields_match_the_published_ones(build, fields):
    size = choose_probe_size(fields)
    assert size == 449  # the smallest side at which layer4's centre unit sees all of its field
    results = probe_receptive_field(build(), (1, 3, size, size), [*STAGES, "avgpool", "fc"])
    for name in STAGES:
        _assert_analytic(results[name], *fields[name])
    assert results["layer4"].unit == (7, 7) and results["layer4"].output_size == (15, 15)
    for name in ("avgpool", "fc"):  # after the global pool: the whole image, at any size
        assert results[name].global_ and results[name].size == (size, size) and not results[name].complete
    if build is resnet50:  # one pixel less and the centre unit is 6 of 14, at 192: its field starts at −21
        (short,) = probe_receptive_field(build(), (1, 3, size - 1, size - 1), ["layer4"]).values()
        assert short.first == (0, 0) and short.last == (405, 405) and short.clipped == (True, True)


def test_choose_probe_size():
    # ResNet-50's layer4: at 448 the output is 14×14, the centre unit 6 sits at 192 and its field starts at −21.
    assert centre_unit_span(14, 427, 32) == (-21, 405)
    assert centre_unit_span(15, 427, 32) == (11, 437)
    assert choose_probe_size({"layer4": (427, 32, 0.0)}) == 449
    assert choose_probe_size({"layer4": (427, 32, 0.0)}, margin=4) == 449
    assert choose_probe_size({"layer4": (427, 32, 0.0)}, margin=12) == 513
    # With the caller's own output sizes: a conv without padding shifts start and shrinks the map. At 5 the field
    # fills the image, [0, 4], which a probe would report as clipped; at 9 it is [2, 6], one pixel inside.
    valid_conv = {"conv": (5, 2, 2.0)}
    assert choose_probe_size(valid_conv, lambda name, size: (size - 5) // 2 + 1, margin=0) == 5
    assert choose_probe_size(valid_conv, lambda name, size: (size - 5) // 2 + 1) == 9
    with pytest.raises(InspectError, match="no input side up to 100"):
        choose_probe_size({"layer4": (427, 32, 0.0)}, limit=100)


def test_clipping_is_reported_per_axis():
    model = nn.Sequential(nn.Conv2d(1, 1, 3, 1, 1), nn.Conv2d(1, 1, 3, 2, 1), nn.Conv2d(1, 1, 3, 1, 1))  # r 9
    (result,) = probe_receptive_field(model, (1, 1, 7, 31), ["2"]).values()
    assert result.clipped == (True, False) and result.size == (7, 9) and not result.complete
    (result,) = probe_receptive_field(model, (1, 1, 31, 7), ["2"]).values()
    assert result.clipped == (False, True)
    results = probe_receptive_field(resnet18(width=4), (1, 3, 64, 64), STAGES)
    assert results["layer1"].complete and results["layer1"].size == (43, 43)
    assert results["layer2"].clipped == (True, True) and results["layer2"].size == (64, 64)


# --- Global layers --------------------------------------------------------------------------------------------


class SqueezeExcite(nn.Module):
    def __init__(self, channels: int, squeeze: str) -> None:
        super().__init__()
        self.squeeze = squeeze
        self.fc1, self.fc2 = nn.Conv2d(channels, 2, 1), nn.Conv2d(2, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.squeeze == "mean":
            s = x.mean((2, 3), keepdim=True)
        elif self.squeeze == "view":
            s = x.view(x.size(0), x.size(1), -1).mean(-1)[:, :, None, None]
        else:
            s = F.adaptive_max_pool2d(x, 1)
        return x * torch.sigmoid(self.fc2(F.relu(self.fc1(s))))


@pytest.mark.parametrize("squeeze", ["mean", "view", "max"])
def test_squeeze_and_excitation_makes_every_later_layer_global(squeeze):
    model = nn.Sequential(nn.Conv2d(1, 4, 3, 1, 1), SqueezeExcite(4, squeeze), nn.Conv2d(4, 4, 3, 1, 1))
    results = probe_receptive_field(model, (1, 1, 40, 40), ["0", "1", "2"])
    assert results["0"].complete and results["0"].size == (3, 3)
    for name in ("1", "2"):
        assert results[name].global_ and results[name].size == (40, 40) and results[name].first == (0, 0)


def test_spatial_means_of_one_axis_or_of_channels():
    class ChannelMean(nn.Module):  # CBAM's spatial attention: a mean over channels is local
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x * torch.sigmoid(x.mean(1, keepdim=True) + x.amax(1, keepdim=True))

    model = nn.Sequential(nn.Conv2d(1, 4, 3, 1, 1), ChannelMean())
    assert probe_receptive_field(model, (1, 1, 20, 20), ["1"])["1"].complete


# --- Errors and the user's model ------------------------------------------------------------------------------


def test_errors_are_one_line_inspect_errors():
    model = resnet18(width=4)
    with pytest.raises(InspectError, match=r"no layer named 'layer5'.*did you mean layer"):
        probe_receptive_field(model, (1, 3, 32, 32), ["layer5"])
    with pytest.raises(InspectError, match=r"'layer1\.0\.relu' runs 2 times"):
        probe_receptive_field(model, (1, 3, 32, 32), ["layer1.0.relu"])
    with pytest.raises(InspectError, match="input shape"):
        probe_receptive_field(model, (3, 32, 32), ["layer1"])
    with pytest.raises(InspectError, match="forward failed on a 1×5×32×32 input"):
        probe_receptive_field(model, (1, 5, 32, 32), ["layer1"])
    assert probe_receptive_field(model, (1, 3, 32, 32), []) == {}


class Raises(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 1, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.conv(x))
        raise ValueError("this model refuses\nany input")


def _snapshot(model: nn.Module) -> dict:
    return {
        "tensors": {
            name: (t.detach().clone(), t.dtype, t.device, t.requires_grad, id(t))
            for name, t in model.state_dict(keep_vars=True).items()
        },
        "training": {name: m.training for name, m in model.named_modules()},
        "hooks": sum(len(m._forward_hooks) + len(m._forward_pre_hooks) for m in model.modules()),
        "forward": "forward" in vars(model),
    }


def _assert_unchanged(model: nn.Module, before: dict) -> None:
    after = _snapshot(model)
    assert after["training"] == before["training"] and after["hooks"] == before["hooks"] == 0
    assert not after["forward"]
    assert before["tensors"].keys() == after["tensors"].keys()
    for name, (old, *attributes) in before["tensors"].items():
        new, *now = after["tensors"][name]
        assert now == attributes, name
        assert torch.equal(new.reshape(-1).view(torch.uint8), old.reshape(-1).view(torch.uint8)), name  # bits
    assert F.relu(torch.tensor([-1.0])).item() == 0  # no torch-function mode left active


def test_the_model_is_left_exactly_as_it_was():
    model = resnet18(width=4)
    model.train()
    model(torch.randn(2, 3, 32, 32))  # running statistics that are not the defaults
    model.layer2.eval()
    model.fc.weight.requires_grad_(False)
    before, rng = _snapshot(model), torch.get_rng_state()
    probe_receptive_field(model, (1, 3, 64, 64), STAGES)
    linearized_copy(model)
    effective_receptive_field(model, (1, 3, 32, 32), "layer1", samples=2)
    _assert_unchanged(model, before)
    assert torch.equal(torch.get_rng_state(), rng)

    model = Raises()
    before = _snapshot(model)
    with pytest.raises(InspectError, match=r"forward failed on a 1×1×9×9 input: this model refuses$"):
        probe_receptive_field(model, (1, 1, 9, 9), ["conv"])
    with pytest.raises(InspectError, match="forward failed"):
        effective_receptive_field(model, (1, 1, 9, 9), "conv")
    _assert_unchanged(model, before)


def test_works_under_no_grad_and_inference_mode():
    model = nn.Sequential(nn.Conv2d(1, 1, 3, 1, 1), nn.ReLU(), nn.Conv2d(1, 1, 3, 1, 1))
    with torch.no_grad():
        assert probe_receptive_field(model, (1, 1, 9, 9), ["2"])["2"].size == (5, 5)
    with torch.inference_mode():
        assert probe_receptive_field(model, (1, 1, 9, 9), ["2"])["2"].size == (5, 5)


# --- The effective receptive field ----------------------------------------------------------------------------


def test_effective_receptive_field():
    model = resnet18(width=8)
    shape = (1, 3, 64, 64)
    (field,) = probe_receptive_field(model, shape, ["layer1"]).values()
    assert field.complete and field.size == (43, 43)
    heat = effective_receptive_field(model, shape, "layer1", seed=3)
    assert heat.shape == (64, 64) and heat.dtype == torch.float64 and heat.max() == 1
    centre = field.unit[0] * 4  # the centre unit's field is centred on input pixel unit × jump
    assert heat[centre, centre] > 0
    outside = torch.ones(64, 64, dtype=torch.bool)
    outside[field.first[0] : field.last[0] + 1, field.first[1] : field.last[1] + 1] = False
    assert heat[outside].max() == 0  # the real network has the same paths: nothing outside the field
    spread = erf_spread(heat, field)
    assert spread["mass_inside"] == pytest.approx(1)
    assert all(abs(m - centre) < 4 for m in spread["mean"])
    assert all(s < u for s, u in zip(spread["std"], spread["field_std"], strict=True))  # concentrated, not flat
    assert torch.equal(heat, effective_receptive_field(model, shape, "layer1", seed=3))
    assert not torch.equal(heat, effective_receptive_field(model, shape, "layer1", seed=4))


def test_erf_spread_of_known_maps():
    flat = torch.zeros(20, 30)
    flat[2:9, 5:10] = 1  # a uniform 7×5 box
    spread = erf_spread(flat, (2, 5, 8, 9))
    assert spread["mean"] == pytest.approx((5, 7))
    assert spread["std"] == pytest.approx(spread["field_std"]) and spread["std"] == pytest.approx((2, math.sqrt(2)))
    assert spread["mass_inside"] == 1
    assert erf_spread(flat, (2, 5, 8, 6))["mass_inside"] == pytest.approx(2 / 5)
    with pytest.raises(InspectError, match="non-negative"):
        erf_spread(-flat, (2, 5, 8, 9))
