"""The analytic receptive field: published values, an independent recursion over the real torch modules, the
union rule at an add, global layers, and the JSON and words built on it.

The independent reference walks the *torch model's* windowed modules in the order a forward calls them (seen by
forward pre-hooks, not from our trace or plan) and applies the classic top-down recursion
r_in = (r_out − 1)·S + (K − 1)·D + 1 from one output unit back to the image.
"""

from __future__ import annotations

import json
import re

import pytest
import torch
from torch import nn

from resnet_inspect import get_spec, parse_arch, trace
from resnet_inspect.core.configs import REGISTRY
from resnet_inspect.core.receptive_field import AxisField, receptive_fields
from resnet_inspect.features.receptive_field import explain_field, field_sentence, output_fields

from .oracles import STAGE_FIELDS as PUBLISHED


def stage_sizes(arch: str) -> dict[str, int]:
    spec = parse_arch(arch)
    fields = output_fields(trace(spec, spec.default_size), "stage")
    return {stage: field.h.size for stage, field in fields.items()}


@pytest.mark.parametrize(("arch", "expected"), PUBLISHED.items())
def test_published_stage_fields(arch, expected):
    sizes = stage_sizes(arch)
    assert [sizes[f"layer{i}"] for i in range(1, 5)] == expected


def test_v1_stride_placement_reaches_483():
    assert stage_sizes("resnet50:stride_in=v1")["layer4"] == 483


def _stage_of(module_name: str) -> str | None:
    match = re.match(r"(layer\d+)\.", module_name) or re.match(r"stages\.(\d+)\.", module_name)
    if match is None:
        return "stem"
    if module_name.startswith("stages."):
        return f"layer{int(match.group(1)) + 1}"
    return match.group(1)


def _main_path_windows(arch: str) -> list[tuple[str, tuple[int, int, int, int]]]:
    """(stage, (kernel, stride, padding, dilation)) of every windowed module on the main path, in call order."""
    from resnet_inspect import build_model

    spec = parse_arch(arch)
    model = build_model(spec, device="meta")
    calls: list[tuple[str, tuple[int, int, int, int]]] = []
    handles = []
    for name, module in model.named_modules():
        if any(side in name.split(".") for side in ("downsample", "se")) or not isinstance(
            module, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)
        ):
            continue
        if name.startswith(("fc", "head")):
            continue

        def pre_hook(module, args, name=name):
            as_pair = lambda v: v if isinstance(v, tuple) else (v, v)  # noqa: E731
            k, s, p = as_pair(module.kernel_size)[0], as_pair(module.stride)[0], as_pair(module.padding)[0]
            d = as_pair(getattr(module, "dilation", 1))[0]
            calls.append((_stage_of(name), (k, s, p, d)))

        handles.append(module.register_forward_pre_hook(pre_hook))
    x = torch.empty(1, spec.in_channels, spec.default_size, spec.default_size, device="meta")
    with torch.no_grad():
        model(x)
    for handle in handles:
        handle.remove()
    return calls


def _top_down(windows: list[tuple[int, int, int, int]]) -> tuple[int, int]:
    size, jump = 1, 1
    for k, s, _, d in reversed(windows):
        size = (size - 1) * s + (k - 1) * d + 1
        jump *= s
    return size, jump


@pytest.mark.slow
@pytest.mark.parametrize("arch", sorted(REGISTRY))
def test_every_named_config_equals_a_top_down_recursion_over_the_real_modules(arch):
    calls = _main_path_windows(arch)
    spec = get_spec(arch)
    ours = output_fields(trace(spec, spec.default_size), "stage")
    stages = list(dict.fromkeys(stage for stage, _ in calls))
    assert stages == [s for s in ours if s != "head"]
    for stage in stages:
        end = max(i for i, (s, _) in enumerate(calls) if s == stage)
        size, jump = _top_down([w for _, w in calls[: end + 1]])
        assert ours[stage].size == (size, size), stage
        assert ours[stage].jump == (jump, jump), stage


def test_the_field_does_not_depend_on_the_input_size():
    spec = get_spec("resnet50")
    a = receptive_fields(trace(spec, 224))
    b = receptive_fields(trace(spec, 97, 513))
    assert a == b


def test_dilation_keeps_the_field_with_a_finer_jump():
    plain, dilated = stage_sizes("resnet50"), stage_sizes("resnet50:output_stride=8")
    assert plain == dilated
    fields = output_fields(trace(parse_arch("resnet50:output_stride=8"), 224), "stage")
    assert fields["layer4"].jump == (8, 8)


def test_union_at_an_add_takes_the_wider_path():
    # A main path centred on 0 with r = 5, a shortcut whose field reaches one pixel further right (a 2×2 pool).
    main = AxisField(5, 2, 0.0)
    shortcut = AxisField(4, 2, 0.5).window(1, 1, 0, 1)  # spans −1 … 2
    assert main.union(shortcut) == AxisField(5, 2, 0.0)
    wide = AxisField(6, 2, 1.5)  # spans −1 … 4
    joined = main.union(wide)
    assert (joined.first, joined.last, joined.size, joined.start) == (-2, 4, 7, 1.0)
    with pytest.raises(ValueError):
        main.union(AxisField(5, 4, 0.0))


def test_avg_down_pool_moves_the_shortcut_centre_by_half_a_jump():
    spec = get_spec("resnet50d")
    fields = receptive_fields(trace(spec, 224))
    block_in = fields["layer1.2.relu3"]
    pool = fields["layer2.0.downsample.0"]
    assert pool.h.start == block_in.h.start + 0.5 * block_in.h.jump
    assert pool.h.size == block_in.h.size + block_in.h.jump


def test_global_ops_make_the_rest_global_and_keep_the_convolutional_field():
    spec = get_spec("seresnet50")
    fields = receptive_fields(trace(spec, 224))
    assert not fields["maxpool"].is_global
    assert fields["layer1.0.se.mean"].is_global if "layer1.0.se.mean" in fields else True
    assert fields["layer1.0.conv3"].is_global is False
    assert fields["layer1.0.add"].is_global and fields["fc"].is_global
    plain = receptive_fields(trace(get_spec("resnet50"), 224))
    assert fields["layer4.2.add"].size == plain["layer4.2.add"].size == (427, 427)
    assert fields["fc"].text() == "global"


def test_sentence_names_the_stage_that_sees_more_than_the_image():
    assert field_sentence(trace(get_spec("resnet50"), 224)) == (
        "layer4 sees 427×427 pixels of a 224×224 input: more than the image (layer3 already sees 267×267)"
    )
    assert (
        field_sentence(trace(get_spec("resnet50"), 1024))
        == "layer4 sees 427×427 pixels of a 1024×1024 input: 17% of the image"
    )


def test_sentence_of_an_se_net_gives_the_convolutional_path_and_where_it_turns_global():
    # SE's squeeze makes every field global from the first block on; the sentence still says what the
    # convolutions see (the same as the plain net's) instead of falling back to the stem
    assert field_sentence(trace(get_spec("seresnet50"), 224)) == (
        "layer4's convolutional path sees 427×427 pixels of a 224×224 input: more than the image (layer3 already "
        "sees 267×267); from layer1.0 on, squeeze-and-excitation's global pool makes every output depend on the "
        "whole image"
    )


def test_explain_puts_the_numbers_in():
    lines = explain_field(trace(get_spec("resnet50"), 224), "layer2.0.conv2")
    assert "  r = r_in + (3 − 1)·j_in = 35 + 2·4 = 43" in lines
    assert "  j = j_in·S = 4·2 = 8" in lines
    add = explain_field(trace(get_spec("resnet50"), 224), "layer2.0.add")
    assert any("paths meet" in line and "= 43" in line for line in add)


def test_json_fields_on_every_record():
    from resnet_inspect import analyze

    data = json.loads(analyze(50, 224).to_json())
    layer4 = next(s for s in data["stages"] if s["name"] == "layer4")
    assert layer4["receptive_field"] == [427, 427] and layer4["jump"] == [32, 32] and layer4["rf_start"] == [0, 0]
    assert not layer4["rf_global"]
    assert data["layers"][0]["receptive_field"] == [7, 7] and data["layers"][0]["jump"] == [2, 2]
    head = next(s for s in data["stages"] if s["name"] == "head")
    assert head["rf_global"]
    assert all("receptive_field" in b for b in data["blocks"])


# ------------------------------------------------------------------------------ proof on the real model


@pytest.mark.slow
@pytest.mark.parametrize("arch", sorted(REGISTRY))
def test_the_probe_measures_what_the_arithmetic_says_for_every_named_config(arch):
    from resnet_inspect.features.receptive_field import verify_fields

    verification = verify_fields(parse_arch(arch), points=3, max_side=320)
    assert verification.checks, verification.skipped
    assert [c for c in verification.checks if not c.ok] == []
    # the probe really measured: extents equal the arithmetic's, first pixels too (not merely "both global")
    local = [c for c in verification.checks if not c.analytic.is_global]
    assert local and all(c.measured_size == c.analytic.size for c in local)


def test_a_broken_formula_is_caught_by_the_probe(monkeypatch):
    from resnet_inspect.core import receptive_field as rf
    from resnet_inspect.features.receptive_field import verify_fields

    spec = parse_arch("resnet18")
    assert verify_fields(spec, ["maxpool", "layer1.0.relu2"]).ok

    def forgets_padding(self, kernel, stride, padding, dilation):
        reach = (kernel - 1) * dilation
        return rf.AxisField(self.size + reach * self.jump, self.jump * stride, self.start + reach / 2 * self.jump)

    monkeypatch.setattr(rf.AxisField, "window", forgets_padding)
    broken = verify_fields(spec, ["maxpool", "layer1.0.relu2"])
    assert not broken.ok


def test_a_broken_dilation_rule_is_caught_by_the_probe(monkeypatch):
    from resnet_inspect.core import receptive_field as rf
    from resnet_inspect.features.receptive_field import verify_fields

    spec = parse_arch("resnet18:output_stride=8")
    names = ["layer3.1.relu2"]
    assert verify_fields(spec, names).ok
    honest = rf.AxisField.window
    monkeypatch.setattr(rf.AxisField, "window", lambda self, k, s, p, d: honest(self, k, s, p, 1))
    assert not verify_fields(spec, names).ok


def test_table_verify_rf_and_plot_rf(tmp_path):
    from typer.testing import CliRunner

    from resnet_inspect.cli import app

    result = CliRunner().invoke(
        app, ["table", "--arch", "resnet20", "--level", "stage", "--verify-rf"], env={"COLUMNS": "100"}
    )
    assert result.exit_code == 0, result.output
    assert "receptive fields ✓" in result.output and "layer3.2 " in result.output
    out = tmp_path / "rf.png"
    result = CliRunner().invoke(app, ["plot", "rf", "--arch", "resnet20", "--stage", "layer2", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    bad = CliRunner().invoke(app, ["plot", "rf", "--arch", "resnet20", "--stage", "layer9", "--output", str(out)])
    assert bad.exit_code == 2 and "stage 'layer9' is not valid" in bad.output


def test_effective_field_is_concentrated_inside_the_theoretical_one():
    from resnet_inspect.features.receptive_field import effective_field

    measured = effective_field(parse_arch("resnet20"), 32, 32, "layer2", samples=2)
    assert measured.heatmap.shape == (32, 32) and float(measured.heatmap.max()) == 1.0
    assert measured.spread["mass_inside"] == 1.0
    # Luo et al.: Gaussian-like, well inside the square: its spread is below a flat field's
    assert all(s < f for s, f in zip(measured.spread["std"], measured.spread["field_std"], strict=True))


@pytest.mark.parametrize("columns", [60, 80, 120])
def test_table_rf_columns_fit_and_say_the_field(columns):
    from typer.testing import CliRunner

    from resnet_inspect.cli import app

    result = CliRunner().invoke(
        app, ["table", "--depth", "50", "--level", "stage", "--rf"], env={"COLUMNS": str(columns)}
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(map(len, lines)) <= columns
    layer4 = next(line for line in lines if line.startswith("layer4 ") and "427×427" in line)
    assert "✓" in layer4
    assert "global" in next(line for line in lines if line.startswith("head ") and "✓" in line)
    text = " ".join(result.stdout.split())
    assert "Receptive field: layer4 sees 427×427 pixels of a 224×224 input: more than the image" in text
