"""`check` on the corpus of user-written ResNets (`tests/corpus_models.py`): every verdict, every kind of
difference and every `equals` as the corpus states them; `equals` builds a network with the user's parameters,
multiply-adds (torch's own FlopCounterMode) and conv shapes; and the user's model is left exactly as it was."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from resnet_inspect import build_model, get_spec
from resnet_inspect.core.errors import InspectError
from resnet_inspect.features.check import compare_model
from tests import corpus_models as corpus

_SEEN: dict[str, object] = {}


def checked(case):
    if case.id not in _SEEN:
        _SEEN[case.id] = compare_model(case.build(), get_spec(case.reference), (case.size, case.size))
    return _SEEN[case.id]


@pytest.mark.parametrize("case", corpus.CASES, ids=lambda c: c.id)
def test_every_corpus_model_is_judged_as_the_corpus_says(case):
    comparison = checked(case)
    assert comparison.verdict == case.verdict
    assert {d.kind for d in comparison.differences} == set(case.kinds)
    assert comparison.equals == case.equals
    for d in comparison.differences:
        assert d.message and "\n" not in d.message and d.where


def torch_numbers(model: nn.Module, channels: int, size: int):
    """Parameters, torch's FLOPs, every conv's (weight shape, output shape) sorted, and the output's shape, by a
    forward of one sample in the model's dtype on the meta device (torch's shape functions; nothing computed)."""
    model = model.eval()
    dtype = next(model.parameters()).dtype
    convs = []
    hooks = [
        m.register_forward_hook(lambda m, i, o: convs.append((tuple(m.weight.shape), tuple(o.shape))))
        for m in model.modules()
        if isinstance(m, nn.Conv2d)
    ]
    counter = FlopCounterMode(display=False)
    try:
        with counter, torch.no_grad():
            out = model(torch.zeros(1, channels, size, size, dtype=dtype, device="meta"))
    finally:
        for h in hooks:
            h.remove()
    return sum(p.numel() for p in model.parameters()), counter.get_total_flops(), sorted(convs), tuple(out.shape)


@pytest.mark.parametrize("case", [c for c in corpus.CASES if c.equals], ids=lambda c: c.id)
def test_equals_builds_the_same_numbers(case):
    with torch.device("meta"):  # built without initialising a weight
        model = case.build()
    channels = 1 if "input" in case.kinds else 3
    yours = torch_numbers(model, channels, case.size)
    built = torch_numbers(
        build_model(case.equals, device="meta").to(next(model.parameters()).dtype), channels, case.size
    )
    assert built[:2] == yours[:2] and built[3] == yours[3]
    assert _spatial(built[2]) == _spatial(yours[2])


def _spatial(convs):
    """Convs less those on a 1×1 map with a 1×1 kernel: timm's classifier is one, where others write a Linear."""
    return [(w, y) for w, y in convs if not (w[2:] == (1, 1) and y[2:] == (1, 1))]


# --------------------------------------------------------------------------------- the model is not touched


def snapshot(model: nn.Module):
    tensors = [
        (name, id(t), t.dtype, t.device, t.requires_grad, t.detach().clone())
        for name, t in [*model.named_parameters(), *model.named_buffers()]
    ]
    modes = [(name, m.training) for name, m in model.named_modules()]
    return tensors, modes, type(model).__name__


def assert_same(before, after):
    (tb, mb, nb), (ta, ma, na) = before, after
    assert (mb, nb) == (ma, na)
    assert len(tb) == len(ta)
    for (n1, i1, d1, dev1, g1, v1), (n2, i2, d2, dev2, g2, v2) in zip(tb, ta, strict=True):
        assert (n1, i1, d1, dev1, g1) == (n2, i2, d2, dev2, g2)
        assert torch.equal(v1, v2), n1


def _mixed_modes(model: nn.Module) -> nn.Module:
    model.train()
    for k, m in enumerate(model.modules()):
        if k % 3 == 0:
            m.eval()
    return model


@pytest.mark.parametrize(
    "case_id",
    ["kuangliu_resnet18", "blog_float64_resnet18", "akamaster_resnet20", "timm_resnetv2_preact18", "d2l_resnet18"],
)
def test_check_leaves_the_model_exactly_as_it_was(case_id):
    case = corpus.CASES_BY_ID[case_id]
    torch.manual_seed(0)
    model = _mixed_modes(case.build())
    before = snapshot(model)
    compare_model(model, get_spec(case.reference), (case.size, case.size))
    assert_same(before, snapshot(model))


class Raises(nn.Module):
    """A ResNet-ish model whose forward fails half-way, after its first conv and batch norm have run."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)

    def forward(self, x):
        self.bn(self.conv(x))
        raise RuntimeError("the data loader was supposed to pass a dict")


def test_a_forward_that_raises_leaves_the_model_as_it_was():
    model = _mixed_modes(Raises())
    before = snapshot(model)
    with pytest.raises(
        InspectError, match="does not run on a 1×3×32×32 input: RuntimeError: the data loader was supposed"
    ):
        compare_model(model, get_spec("resnet20"), (32, 32))
    assert_same(before, snapshot(model))


@pytest.mark.parametrize("probe", ["empty-batch", "meta"])
def test_holding_a_users_model_against_a_trace_leaves_it_as_it_was(probe):
    # analyze(arch, model=…) runs the user's implementation against the trace: on a copy, each submodule's mode kept
    from resnet_inspect import analyze

    case = corpus.CASES_BY_ID["timm_resnet34"]
    torch.manual_seed(0)
    model = _mixed_modes(case.build())
    before = snapshot(model)
    analyze(case.reference, case.size, model=model, probe=probe)
    assert_same(before, snapshot(model))
