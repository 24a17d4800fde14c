"""Every size at once: PyTorch's symbolic shapes proven equal to the closed forms, and the sweeps built on them."""

import dataclasses
import json

import sympy
import torch
from torch.utils._sympy.functions import FloorDiv, Max
from typer.testing import CliRunner

from resnet_inspect import get_spec
from resnet_inspect.cli import app
from resnet_inspect.core.closed_form import AxisForm, closed_forms
from resnet_inspect.core.plan import plan
from resnet_inspect.features.sweep import analytic_disagreements, parse_sizes, sweep
from resnet_inspect.runtime.model import build_model
from resnet_inspect.runtime.symbolic import _prove_axis, verify_symbolic

runner = CliRunner()


def test_resnet18_is_verified_at_every_size_at_once():
    result = verify_symbolic(get_spec(18))
    assert result.ok and result.method == "symbolic"
    assert result.summary.startswith("✓ every size from 1×1 to 1048576×1048576 verified at once")
    layer4 = [p for p in result.proofs if p.layer == "layer4.1.relu2"]
    # PyTorch's own expression, as its meta kernels compose it: floor((H − 1)/32) + 1 = ceil(H/32).
    assert [(p.axis, p.torch_expr.replace(" ", ""), p.closed, p.method) for p in layer4] == [
        ("H", "(((H-1)//32))+1", "ceil(H/32)", "normal form"),
        ("W", "(((W-1)//32))+1", "ceil(W/32)", "normal form"),
    ]


def _with_stem_padding(spec, padding):
    units = plan(spec)
    stem = units[0]
    conv1 = dataclasses.replace(stem.ops[0], padding=padding)
    return (dataclasses.replace(stem, ops=(conv1, *stem.ops[1:])), *units[1:])


def test_a_wrong_stem_padding_in_the_closed_form_is_caught():
    spec = get_spec(18)
    wrong = closed_forms(spec, _with_stem_padding(spec, 2))  # the model keeps padding 3
    result = verify_symbolic(spec, forms=wrong)
    assert not result.ok
    conv1 = next(p for p in result.proofs if p.layer == "conv1" and p.axis == "H")
    assert conv1.closed == "floor((H - 1)/2)" and not conv1.ok
    # The witness is a real disagreement: the model's conv1 at that height is not what the wrong form says.
    h = conv1.witness
    out = build_model(spec).conv1(torch.zeros(1, 3, h, 64))
    assert out.shape[2] != wrong.layer("conv1").height(h)
    assert "conv1 (H): PyTorch gives" in result.summary


def test_ceil_mode_branches_are_settled_and_reported():
    result = verify_symbolic(get_spec("resnet18d"))
    assert result.ok and result.method == "symbolic"
    # timm's 2×2 ceil_mode pool asks, per axis and stage, whether its last window starts in the padding: never.
    assert len(result.facts) == 6 and all("<" in fact for fact in result.facts)
    assert "6 branch facts proven exhaustively" in result.summary


def test_option_a_is_proven_through_torchs_reference_pad():
    # constant_pad_nd's C++ meta kernel reads a concrete size; torch._refs.constant_pad_nd is symbolic
    result = verify_symbolic(get_spec("resnet20"))
    assert result.ok and result.method == "symbolic" and result.references == ("constant_pad_nd",)
    assert "constant_pad_nd by torch._refs" in result.summary
    assert not verify_symbolic(get_spec("resnet18")).references


def test_a_model_that_needs_a_concrete_size_falls_back_to_per_size_checks_and_says_why():
    spec = get_spec("resnet20")
    model = build_model(spec, device="meta")
    shortcut = model.layer2[0].downsample
    plain = shortcut.forward
    shortcut.forward = lambda x: plain(x) if int(x.shape[-1]) > 0 else x  # a Python branch on a concrete size
    result = verify_symbolic(spec, model=model)
    assert result.ok and result.method == "per size"
    assert "layer2.0" in result.fallback and "not proven for the others" in result.summary
    assert (1, 1) in result.sizes_checked and any(h != w for h, w in result.sizes_checked)


def test_expressions_outside_the_normal_form_are_checked_exhaustively():
    x = sympy.Symbol("u0", integer=True)
    forms = closed_forms(get_spec(18))
    same = _prove_axis("l", "H", Max(FloorDiv(x + 31, 32), 1), x, AxisForm(32, 31), forms)
    assert same.ok and same.method == "exhaustive"
    off_by_one = _prove_axis("l", "H", Max(FloorDiv(x + 30, 32), 1), x, AxisForm(32, 31), forms)
    assert off_by_one.witness == 33  # ceil(33/32) = 2, max(floor(63/32), 1) = 1


# ------------------------------------------------------------------------------------------------ sweeps

SIZES = "224,225,31,32,33,97,1021,480x640,1009x31,257x256"


def _fields(points):
    return [
        (p.size, p.batch, p.final_map, p.params, p.macs_conv_linear, p.macs_fvcore, p.activation_bytes, p.verified)
        for p in points
    ]


def test_analytic_sweep_equals_the_verified_sweep():
    for name in ("resnet50", "resnet50d", "resnet20", "seresnet18"):
        sizes = parse_sizes(SIZES)
        analytic = sweep(get_spec(name), sizes, batches=(1, 3))
        per_size = sweep(get_spec(name), sizes, batches=(1, 3), analytic=False)
        assert _fields(analytic) == _fields(per_size), name
        assert analytic[0].verified_by.startswith("closed forms; hooked model layer by layer at 8 sizes")


def test_the_analytic_sweeps_hooked_sample_catches_wrong_forms():
    spec = get_spec(18)
    wrong = closed_forms(spec, _with_stem_padding(spec, 2))
    found = analytic_disagreements(spec, wrong, (225, 225), 1, build_model(spec, device="meta"))
    assert found and found[0].startswith("conv1 at 225×225: closed form 1×64×112×112")


def test_sweep_records_say_which_rounding_jumps():
    spec = get_spec(50)
    records = sweep(spec, parse_sizes("224:226:1")).records()
    assert [r.jump_cause for r in records][:2] == [
        None,
        "224×224→225×225: layer4 7×7→8×8 because ceil(H/32) and ceil(W/32) (also layer3 14×14→15×15, layer2 "
        "28×28→29×29, layer1 56×56→57×57, conv1 112×112→113×113)",
    ]


def test_cli_sweep_and_table_symbolic():
    result = runner.invoke(app, ["sweep", "--sizes", "224:226:1", "--format", "json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["points"][1]["jump_cause"].startswith("224×224→225×225: layer4 7×7→8×8")
    assert "verified by: closed forms" in result.stderr
    rich = runner.invoke(app, ["sweep", "--sizes", "224:226:1"])
    assert "▲ 224×224→225×225: layer4 7×7→8×8 because ceil(H/32)" in rich.stdout  # under the table it explains

    table = runner.invoke(app, ["table", "--depth", "18", "--symbolic", "--level", "stage"], env={"COLUMNS": "200"})
    assert table.exit_code == 0, table.stderr
    assert "Closed form" in table.stdout and "⌈H/32⌉×⌈W/32⌉" in table.stdout
    assert "every size from 1×1 to 1048576×1048576 verified at once" in table.stderr
    csv = runner.invoke(app, ["table", "--depth", "18", "--symbolic", "--level", "stage", "--format", "csv"])
    assert csv.exit_code == 0 and "verified at once" in csv.stderr
    header, layer4 = csv.stdout.splitlines()[0].split(","), csv.stdout.splitlines()[5].split(",")
    assert layer4[header.index("out_size_expr")] == "ceil(H/32)×ceil(W/32)"
    markdown = runner.invoke(app, ["table", "--depth", "18", "--symbolic", "--format", "markdown"])
    assert "| Closed form |" in markdown.stdout and "| ⌈H/2⌉×⌈W/2⌉ |" in markdown.stdout
    data = json.loads(runner.invoke(app, ["table", "--depth", "18", "--format", "json"]).stdout)
    exprs = {layer["name"]: layer["out_size_expr"] for layer in data["layers"]}
    assert exprs["conv1"] == ["ceil(H/2)", "ceil(W/2)"] and exprs["layer4.1.relu2"] == ["ceil(H/32)", "ceil(W/32)"]
    assert exprs["avgpool"] == ["1", "1"] and exprs["fc"] == []


def test_explain_gives_the_closed_form():
    result = runner.invoke(app, ["explain", "layer4.0.conv2", "--depth", "50", "--size", "225"])
    assert "out 512×⌈H/32⌉×⌈W/32⌉" in result.stdout


def test_sweep_plot_marks_each_jump_in_the_colour_of_the_stage_that_steps():
    from resnet_inspect.views.figures import STAGE_COLOURS, _pyplot, sweep_figure

    spec = get_spec(50)
    points = sweep(spec, parse_sizes("220:260:1"))
    causes = points.causes()
    # 225: layer4 steps 7 → 8 (ceil(H/32)); 241: only layer3 steps 15 → 16 (ceil(H/16)) and layer4 stays 8
    by_size = {points[i].size[0]: (c.feature_map, c.rounding) for i, c in causes.items()}
    assert by_size[225] == ("layer4", "⌈H/32⌉") and by_size[241] == ("layer3", "⌈H/16⌉")
    assert sorted(by_size) == [r.size[0] for r in points.records() if r.jump]
    figure = sweep_figure(points)
    marks = {line.get_label(): line for line in figure.axes[-1].get_lines() if line.get_marker() == "^"}
    assert list(marks) == ["layer4 grows: ⌈H/32⌉", "layer3 grows: ⌈H/16⌉"]  # coarsest first
    assert marks["layer4 grows: ⌈H/32⌉"].get_color() == STAGE_COLOURS["layer4"]
    assert 225 in marks["layer4 grows: ⌈H/32⌉"].get_xdata() and 241 in marks["layer3 grows: ⌈H/16⌉"].get_xdata()
    _pyplot().close(figure)
