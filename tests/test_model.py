"""The real model: torchvision's parameter counts, names and state_dict layout, and its numerics."""

import pytest
import torch

from resnet_inspect import build_model, get_spec, trace
from resnet_inspect.runtime.model import ResNet

from .oracles import DEPTH_PARAMS as TORCHVISION_PARAMS
from .reference_resnet import ReferenceResNet


@pytest.mark.parametrize("depth", TORCHVISION_PARAMS)
def test_parameter_counts_equal_torchvision(depth):
    model = build_model(depth, device="meta")
    assert sum(p.numel() for p in model.parameters()) == TORCHVISION_PARAMS[depth]
    assert trace(get_spec(depth), 224).params == TORCHVISION_PARAMS[depth]


@pytest.mark.parametrize("depth", TORCHVISION_PARAMS)
def test_state_dict_is_torchvision_layout_both_ways(depth):
    ours = build_model(depth, device="meta").state_dict()
    reference = ReferenceResNet(depth).to("meta").state_dict()
    assert list(ours) == list(reference)  # same keys, same order
    assert {k: tuple(v.shape) for k, v in ours.items()} == {k: tuple(v.shape) for k, v in reference.items()}


@pytest.mark.parametrize("depth", [18, 50])
def test_loaded_weights_give_the_reference_outputs(depth):
    torch.manual_seed(0)
    reference = ReferenceResNet(depth, in_channels=1, num_classes=10).eval()
    for module in reference.modules():  # non-trivial running statistics, so batch norm is really exercised
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.1, 0.1)
            module.running_var.uniform_(0.5, 1.5)
    ours = build_model(depth, in_channels=1, num_classes=10).eval()
    ours.load_state_dict(reference.state_dict(), strict=True)
    x = torch.randn(2, 1, 64, 80)
    with torch.no_grad():
        torch.testing.assert_close(ours(x), reference(x), rtol=1e-5, atol=1e-5)


def test_io_knobs_and_spec_identity():
    model = build_model("resnet34", in_channels=1, num_classes=10, device="meta")
    assert isinstance(model, ResNet)
    assert model.conv1.weight.shape == (64, 1, 7, 7)
    assert model.fc.weight.shape == (10, 512)
    assert model.spec.in_channels == 1 and model.spec.num_classes == 10


def test_fresh_model_is_initialised_like_torchvision():
    model = build_model(18)
    assert torch.all(model.bn1.weight == 1) and torch.all(model.bn1.bias == 0)
    # kaiming_normal_(fan_out): std = sqrt(2 / (64·7·7)) ≈ 0.0286
    assert model.conv1.weight.std().item() == pytest.approx((2 / (64 * 49)) ** 0.5, rel=0.1)
