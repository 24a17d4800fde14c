"""Against the real torchvision and timm models, where those import (not beside CI's torch build).

They hold the strongest form of the compatibility claims: their state_dicts load into ours strictly and the
two compute the same outputs.
"""

import pytest
import torch

from resnet_inspect import analyze, build_model

torchvision = pytest.importorskip("torchvision", reason="torchvision does not import beside this torch build")

TORCHVISION = [
    "resnet18",
    "resnet34",
    "resnet50",
    "resnet101",
    "resnet152",
    "resnext50_32x4d",
    "resnext101_32x8d",
    "resnext101_64x4d",
    "wide_resnet50_2",
    "wide_resnet101_2",
]


@pytest.mark.parametrize("name", TORCHVISION)
def test_torchvision_state_dict_loads_and_computes_the_same(name):
    reference = getattr(torchvision.models, name)().eval()
    ours = build_model(name).eval()
    ours.load_state_dict(reference.state_dict(), strict=True)
    x = torch.randn(1, 3, 64, 80)
    with torch.no_grad():
        torch.testing.assert_close(ours(x), reference(x), rtol=1e-4, atol=1e-4)
    assert analyze(name, 224).params == sum(p.numel() for p in reference.parameters())


@pytest.mark.parametrize("name", ["resnet18d", "resnet50d", "resnet101d"])
def test_timm_resnet_d_loads_and_computes_the_same(name):
    timm = pytest.importorskip("timm")
    reference = timm.create_model(name, pretrained=False).eval()
    ours = build_model(name).eval()
    state = {k.replace("act1.", "relu."): v for k, v in reference.state_dict().items()}
    ours.load_state_dict(state, strict=True)
    x = torch.randn(1, 3, 67, 75)
    with torch.no_grad():
        torch.testing.assert_close(ours(x), reference(x), rtol=1e-4, atol=1e-4)
