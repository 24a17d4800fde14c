"""`table --model` and `analyze(model)` on any nn.Module: totals held to `sum(p.numel())` and torch's own
FlopCounterMode for every corpus model, conv shapes to a real forward's, and the user's model left alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

from resnet_inspect import analyze
from resnet_inspect.cli import app
from tests import corpus_models as corpus
from tests.test_check_corpus import _mixed_modes, assert_same, snapshot, torch_numbers

runner = CliRunner()
HERE = Path(__file__).resolve().parent


@pytest.mark.parametrize("case", corpus.CASES, ids=lambda c: c.id)
def test_totals_and_shapes_of_every_corpus_model(case):
    with torch.device("meta"):
        model = case.build()
    channels = 1 if "input" in case.kinds else 3
    params, flops, convs, out = torch_numbers(model, channels, case.size)
    analysis = analyze(model, case.size)
    assert analysis.params_total == params and analysis.params == params  # every parameter read once
    assert 2 * analysis.macs_conv_linear == flops
    assert sorted(r.out_shape for r in analysis.rows if r.op.startswith("conv")) == sorted(y for _, y in convs)
    assert analysis.rows[-1].out_shape == out
    assert analysis.resnet_like == (case.verdict != "not_a_resnet")
    assert not analysis.problems  # every conv and pool's output size is the formula's


@pytest.mark.parametrize(
    "case_id",
    ["akamaster_resnet20", "timm_resnet34", "kuangliu_preact_resnet18", "timm_seresnet50", "flat_modulelist_resnet18"],
)
def test_fvcore_total_equals_fvcores_own_count_on_the_model(case_id):
    # fvcore's FlopCountAnalysis traces the model with torch.jit and counts aten ops by its handles; the capture sees
    # dispatched ops instead (AdaptiveAvgPool2d(1) runs as aten.mean, which fvcore would not count): each must be
    # counted as fvcore counts the op the user wrote.
    from fvcore.nn import FlopCountAnalysis

    case = corpus.CASES_BY_ID[case_id]
    model = case.build().eval()
    with torch.no_grad():
        counted = FlopCountAnalysis(model, torch.zeros(1, 3, case.size, case.size))
        counted.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
        total = counted.total()
    assert analyze(model, case.size).macs_fvcore == total


def test_ops_without_a_rule_are_listed_by_name():
    analysis = analyze(corpus.detectron2_r50_gn(), 64)
    assert len(analysis.uncounted) == 53 and analysis.uncounted[0] == "group norm (32) in stem.conv1.norm"
    assert all(r.macs_fvcore is None for r in analysis.rows if r.op.startswith("group norm"))


def test_analyze_leaves_the_model_as_it_was():
    model = _mixed_modes(corpus.CASES_BY_ID["blog_float64_resnet18"].build())
    before = snapshot(model)
    analyze(model, 224)
    assert_same(before, snapshot(model))


def test_table_model_command():
    target = f"{HERE / 'user_models' / 'from_scratch.py'}:correct"
    result = runner.invoke(app, ["table", "--model", target, "--format", "json", "--level", "stage"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    # ResNet-18 at 224: torchvision's published 11,689,512 parameters and 1.814 GMACs.
    totals = data["totals"]
    assert (totals["params"], totals["macs_conv_linear"], data["resnet_like"]) == (11_689_512, 1_814_073_344, True)
    assert [row["name"] for row in data["stages"]] == ["stem", "layer1", "layer2", "layer3", "layer4", "head"]
    assert sum(row["params"] for row in data["stages"]) == 11_689_512 == data["params_read_by_the_forward"]
    assert data["arch"] == target and data["input"] == [1, 3, 224, 224] and data["spec"] is None
    plain = runner.invoke(
        app, ["table", "--model", f"{HERE / 'corpus_models.py'}:Plain20", "--size", "32", "--format", "json"]
    )
    flat = json.loads(plain.stdout)
    assert flat["resnet_like"] is False and {row["stage"] for row in flat["layers"]} == {None}
    assert flat["blocks"] == flat["stages"] == []
    missing = runner.invoke(app, ["table", "--model", "nope.py:x"])
    assert missing.exit_code == 2 and missing.stderr.count("\n") == 1 and "'nope.py': no such file" in missing.stderr
