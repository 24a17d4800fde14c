"""The analytic trace against the real model, through forward hooks."""

import dataclasses

import pytest
import torch

from resnet_inspect import analyze, build_model, get_spec, trace
from resnet_inspect.runtime.verify import HookError, observe, record_calls, verify

SIZES = [(224, 224), (225, 225), (97, 161), (32, 32), (1, 1), (512, 384)]


@pytest.mark.parametrize("depth", [18, 34, 50, 101, 152])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_trace_equals_hooked_model(depth, size):
    t = trace(get_spec(depth), *size, batch=3)
    result = verify(t, build_model(depth, device="meta"))
    assert result.ok, result.problems[:3]
    assert len(result.checks) == len(t.layers) and not result.unexpected
    assert [c.observed.name for c in result.checks] == [layer.name for layer in t.layers]
    assert all(c.observed_out_shape == c.traced.out_shape for c in result.checks)


@pytest.mark.parametrize("depth", [18, 50])
def test_empty_batch_probe_sees_what_a_full_meta_forward_sees(depth):
    t = trace(get_spec(depth), 200, 136, batch=2)
    empty = observe(build_model(depth, device="meta"), t.input_shape)
    meta = observe(build_model(depth, device="meta"), t.input_shape, probe="meta")
    assert [o.name for o in empty] == [o.name for o in meta]
    assert all(e.in_shape[0] == e.out_shape[0] == 0 for e in empty)
    assert [e.out_shape[1:] for e in empty] == [m.out_shape[1:] for m in meta]
    assert [m.out_shape for m in meta] == [layer.out_shape for layer in t.layers]


def test_real_cpu_forward_agrees_too():
    t = trace(get_spec(18), 64, 48, batch=2)
    model = build_model(18)
    with record_calls(model) as seen, torch.no_grad():
        model.eval()(torch.zeros(t.input_shape))
    assert [o.out_shape for o in seen] == [layer.out_shape for layer in t.layers]


def test_a_wrong_max_pool_padding_is_caught_and_named():
    model = build_model(50, device="meta")
    model.maxpool = torch.nn.MaxPool2d(3, 2, padding=0)
    result = analyze(50, 224, model=model)
    assert not result.verified
    assert result.problems[0] == "maxpool: shape 1×64×56×56 by the formula, 1×64×55×55 in the model"
    bad = [row.name for row in result.rows if not row.verified]
    assert bad[0] == "maxpool"
    # 55×55 through layer1; layer2's stride rounds 55 and 56 alike to 28, so from its 3×3 on the shapes agree again.
    assert "layer1.2.relu3" in bad and "layer2.0.relu1" in bad
    assert "layer2.0.conv2" not in bad and result.rows[-1].verified


def test_a_forward_that_fails_part_way_is_compared_as_far_as_it_got():
    # layer3.0's 3×3 padded by 0: 13×13 that cannot be added to the shortcut's 14×14.
    model = build_model(50, device="meta")
    model.layer3[0].conv2 = torch.nn.Conv2d(256, 256, 3, stride=2, padding=0, bias=False, device="meta")
    with pytest.raises(HookError, match=r"after \d+ layers \(last: .*layer3\.0\.downsample\.1\)") as failure:
        observe(model, (1, 3, 224, 224))
    assert failure.value.observed[-1].name == "layer3.0.downsample.1"

    result = analyze(50, 224, model=model)
    assert not result.verified
    assert result.problems[0] == "layer3.0.conv2: shape 1×256×14×14 by the formula, 1×256×13×13 in the model"
    assert "layer3.0.add: the model never ran this layer" in result.problems
    assert result.problems[-1].startswith("model: the forward pass failed after")


def test_extra_params_are_caught():
    model = build_model(18, device="meta")
    conv = model.conv1
    model.conv1 = torch.nn.Conv2d(3, 64, 7, 2, 3, bias=True, device="meta")
    assert conv.weight.shape == model.conv1.weight.shape
    result = analyze(18, 64, model=model)
    assert not result.verified
    assert "conv1: 9,408 params by the formula, 9,472 in the model" in result.problems


def test_hooks_are_removed_and_mode_restored():
    model = build_model(18, device="meta").train()
    observe(model, (1, 3, 32, 32))
    assert model.training
    assert all(not m._forward_hooks for m in model.modules())


def test_spec_and_model_agree_for_v1_stride():
    spec = dataclasses.replace(get_spec(101), stride_in="v1")
    assert analyze(spec, 160).verified
