"""Closed-form output sizes: their spelling, their valid range, and held against real forwards of every config."""

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from resnet_inspect import InspectError, get_spec
from resnet_inspect.core.closed_form import AxisForm, Counter, closed_forms, jump_words
from resnet_inspect.core.configs import REGISTRY, parse_arch
from resnet_inspect.features.table import analyze
from resnet_inspect.runtime.model import build_model
from resnet_inspect.runtime.verify import observe

# Sizes across the range: odd, prime, powers of two, just past a multiple of 32, and non-square.
SAMPLE_SIZES = [(37, 53), (97, 1021), (224, 225), (257, 256), (480, 640), (1009, 31)]


def _window(x: int, kernel: int, stride: int, padding: int, dilation: int = 1) -> int:
    """PyTorch's documented Conv2d/MaxPool2d output size, written out here on its own."""
    return math.floor((x + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1


@settings(max_examples=200, deadline=None)
@given(
    chain=st.lists(
        st.tuples(st.integers(1, 7), st.integers(1, 4), st.integers(0, 3), st.integers(1, 3)), min_size=1, max_size=5
    ),
    x=st.integers(1, 5000),
)
def test_a_chain_of_windows_collapses_to_one_floor(chain, x):
    form, value = AxisForm.identity(), x
    for kernel, stride, padding, dilation in chain:
        form = form.then(2 * padding - dilation * (kernel - 1) - 1, stride, 1)
        value = _window(value, kernel, stride, padding, dilation)
    assert form(x) == value
    assert form.divisor == math.prod(stride for _, stride, _, _ in chain)


@pytest.mark.parametrize(
    ("form", "python", "pretty"),
    [
        (AxisForm(2, 1), "ceil(H/2)", "⌈H/2⌉"),  # the 7×7/2 p3 stem: floor((H − 1)/2) + 1
        (AxisForm(32, 31), "ceil(H/32)", "⌈H/32⌉"),
        (AxisForm(4, -1), "floor((H - 1)/4)", "⌊(H − 1)/4⌋"),  # a stem max pool without padding
        (AxisForm(32, 0), "floor(H/32)", "⌊H/32⌋"),
        (AxisForm(8, 3), "floor((H + 3)/8)", "⌊(H + 3)/8⌋"),
        (AxisForm(1, 0), "H", "H"),
        (AxisForm(1, -2), "H - 2", "H − 2"),
        (AxisForm(0, 1), "1", "1"),
    ],
)
def test_spellings(form, python, pretty):
    assert form.text("H") == python
    assert form.text("H", pretty=True) == pretty
    # The Python spelling means what it says.
    for x in (1, 2, 31, 32, 33, 224, 225, 1021):
        assert eval(python, {"ceil": math.ceil, "floor": math.floor, "H": x}) == form(x)


TORCHVISION_STYLE = [name for name, spec in REGISTRY.items() if spec.stem != "cifar" and not spec.output_stride]


@pytest.mark.parametrize("name", TORCHVISION_STYLE)
def test_layer4_of_torchvision_style_resnets_is_ceil_h_over_32(name):
    forms = closed_forms(get_spec(name))
    last = [layer for layer in forms.layers if layer.stage == "layer4"][-1]
    assert last.expr() == ("ceil(H/32)", "ceil(W/32)")
    assert last.size_text() == "⌈H/32⌉×⌈W/32⌉"
    assert forms.layers[0].expr() == ("ceil(H/2)", "ceil(W/2)")
    assert (forms.min_height, forms.min_width) == (1, 1)


def test_cifar_nets_end_at_ceil_h_over_4():
    forms = closed_forms(get_spec("resnet56"))
    assert [layer for layer in forms.layers if layer.stage == "layer3"][-1].expr() == ("ceil(H/4)", "ceil(W/4)")


@pytest.mark.slow
@pytest.mark.parametrize("name", list(REGISTRY))
def test_closed_forms_equal_a_real_forward(name):
    spec = get_spec(name)
    forms = closed_forms(spec)
    model = build_model(spec, device="meta")
    sizes = [(forms.min_height, forms.min_width), *SAMPLE_SIZES]
    if name in ("resnet1202", "preact_resnet1001"):
        sizes = sizes[:3]  # hundreds of blocks: a few sizes say as much
    for h, w in sizes:
        seen = [
            (o.name, tuple(o.out_shape[2:]) if len(o.out_shape) == 4 else None)
            for o in observe(model, (1, spec.in_channels, h, w))
        ]
        assert seen == [(layer.name, layer.size(h, w)) for layer in forms.layers], (name, h, w)


def test_the_valid_range_is_where_the_model_runs():
    # A stem max pool without padding: floor((ceil(H/2) − 3)/2) + 1 = floor((H − 1)/4) must be ≥ 1, so H ≥ 5.
    spec = parse_arch("resnet18:maxpool_padding=0")
    forms = closed_forms(spec)
    assert (forms.min_height, forms.min_width) == (5, 5)
    assert forms.layer("maxpool").expr() == ("floor((H - 1)/4)", "floor((W - 1)/4)")
    model = build_model(spec).eval()
    with torch.no_grad():
        assert model(torch.zeros(1, 3, 5, 7)).shape == (1, 1000)
        with pytest.raises(RuntimeError):
            model(torch.zeros(1, 3, 4, 7))


def test_dilation_keeps_the_size():
    forms = closed_forms(parse_arch("resnet50:output_stride=8"))
    assert [layer for layer in forms.layers if layer.stage == "layer4"][-1].expr() == ("ceil(H/8)", "ceil(W/8)")


@pytest.mark.parametrize(
    "name", ["resnet50", "resnext50_32x4d", "seresnet18", "preact_resnet18", "resnet50d", "resnet20", "d2l_resnet18"]
)
def test_counts_equal_fvcore_rules_per_layer_at_every_sampled_size(name):
    spec = get_spec(name)
    counter = Counter(closed_forms(spec))
    model = build_model(spec, device="meta")
    for (h, w), batch in zip(
        [(spec.default_size, spec.default_size), *SAMPLE_SIZES], [1, 3, 1, 2, 1, 1, 5], strict=True
    ):
        analysis = analyze(spec, (h, w), batch=batch, model=model)  # the hooked model's shapes, fvcore's rules
        ours = counter.layers(h, w, batch)
        assert [(n, y, p, f) for n, _, y, p, _, f in ours] == [
            (r.name, r.check.observed_out_shape, r.check.observed.params, r.macs_fvcore) for r in analysis.rows
        ], (name, h, w)
        total = counter.totals([(h, w)], batch)[0]
        assert (total.params, total.macs_conv_linear, total.macs_fvcore) == (
            analysis.params,
            analysis.macs_conv_linear,
            analysis.macs_fvcore,
        )


def test_counts_equal_fvcores_own_forward():
    from resnet_inspect.runtime.counting import count_by_forward

    spec = get_spec(50)
    ours = {name: fvcore for name, *_, fvcore in Counter(closed_forms(spec)).layers(61, 47, 2)}
    assert count_by_forward(build_model(spec), (2, 3, 61, 47)) == ours


def test_totals_stay_exact_past_int64():
    # At the largest input and a large batch the MACs pass 2^63: Python ints take over.
    spec = get_spec(152)
    side = 1 << 20
    total = Counter(closed_forms(spec)).totals([(side, side)], 1024)[0]
    one = Counter(closed_forms(spec)).totals([(side, side)], 1)[0]
    assert total.macs_conv_linear == 1024 * one.macs_conv_linear > 2**63


def test_jump_words_name_the_stage_and_its_rounding():
    forms = closed_forms(get_spec(50))
    assert jump_words(forms, (224, 224), (225, 225)).startswith(
        "224×224→225×225: layer4 7×7→8×8 because ceil(H/32) and ceil(W/32) (also layer3 14×14→15×15"
    )
    assert jump_words(forms, (224, 224), (224, 225), pretty=True).startswith(
        "224×224→224×225: layer4 7×7→7×8 because ⌈W/32⌉"
    )
    assert (
        jump_words(forms, (226, 226), (227, 227))
        == "226×226→227×227: conv1 113×113→114×114 because ceil(H/2) and ceil(W/2)"
    )


def test_a_ceil_mode_pool_that_may_drop_its_last_window_has_no_closed_form():
    import dataclasses

    from resnet_inspect.core.plan import plan

    spec = get_spec("resnet18d")
    units = list(plan(spec))
    i = next(i for i, unit in enumerate(units) if unit.name == "layer2.0")  # its shortcut: a 2×2 ceil_mode pool
    units[i] = dataclasses.replace(
        units[i], ops=tuple(dataclasses.replace(op, padding=1) if op.kind == "downpool" else op for op in units[i].ops)
    )
    with pytest.raises(InspectError, match="ceil_mode pool"):
        closed_forms(spec, tuple(units))


@pytest.mark.parametrize("name", ["resnet50", "resnet20", "seresnet18", "preact_resnet18"])
def test_the_batch_is_a_factor_checked_not_assumed(name):
    # totals_by_batch scales batch 1 by each batch; the rules counted at each batch on their own agree exactly
    counter = Counter(closed_forms(get_spec(name)))
    sizes = [(32, 32), (224, 224), (225, 193)]
    scaled = counter.totals_by_batch(sizes, (1, 3, 7, 20_001))
    for batch in (1, 3, 7, 20_001):
        assert scaled[batch] == counter.totals(sizes, batch)
