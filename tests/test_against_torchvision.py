"""Against the real torchvision and timm models, where they are installed (never a dependency).

They hold the strongest form of the compatibility claims: their state_dicts load into ours strictly and the
two compute the same outputs.

torchvision's compiled ops fail to load beside a torch build they were not made for (`torchvision::nms does not
exist`), but its model code is plain Python: `pip install torchvision==0.28.0 --no-deps` beside torch 2.13, and
these tests import `torchvision.models.resnet` through bare packages, without running torchvision's `__init__`.
"""

import importlib
import importlib.util
import sys
import types

import pytest
import torch

from resnet_inspect import analyze, build_model


@pytest.fixture(scope="module")
def torchvision_resnets():
    """torchvision's `models.resnet` module, its packages' `__init__` skipped; sys.modules restored after."""
    found = importlib.util.find_spec("torchvision")
    if found is None or not found.submodule_search_locations:
        pytest.skip("torchvision is not installed (pip install torchvision==0.28.0 --no-deps)")
    root = found.submodule_search_locations[0]
    packages = {"torchvision": root, "torchvision.models": f"{root}/models", "torchvision.ops": f"{root}/ops"}
    saved = {name: sys.modules.get(name) for name in sys.modules if name.startswith("torchvision")}
    for name, path in packages.items():
        bare = types.ModuleType(name)
        bare.__path__ = [path]
        sys.modules[name] = bare
    try:
        yield importlib.import_module("torchvision.models.resnet")
    finally:
        for name in [n for n in sys.modules if n.startswith("torchvision")]:
            del sys.modules[name]
        sys.modules.update({name: module for name, module in saved.items() if module is not None})


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
def test_torchvision_state_dict_loads_and_computes_the_same(name, torchvision_resnets):
    reference = getattr(torchvision_resnets, name)().eval()
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
