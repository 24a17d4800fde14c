"""No title or summary sentence contradicts its table: every claim is parsed back and held against the numbers.

The numbers are the stage sums of the analytic trace (what every table prints, verified elsewhere against the
model), summed here per stage by the test itself.
"""

from __future__ import annotations

import re

import pytest
from rich.console import Console

from resnet_inspect.core.configs import REGISTRY, get_spec
from resnet_inspect.core.shapes import trace
from resnet_inspect.features.headlines import headline

SAME = re.compile(r"^(\w+) holds ([\d.]+)% of the MACs and ([\d.]+)% of the parameters")
SPLIT = re.compile(r"^(\w+) holds the most MACs \(([\d.]+)%\), (\w+) the most parameters \(([\d.]+)%\)")
FLAT = re.compile(r"; (MACs|parameters) are flat across (\w+)–(\w+) \(([\d.]+)%–([\d.]+)% each\)")
FLAT_RATIO = 1.25  # the sentence's meaning of "flat": the largest residual stage at most 1.25× the smallest


def sizes(default: int) -> list[tuple[int, int]]:
    return [(default, default), (2 * default, 2 * default), (3 * default // 2, default)]


def stage_shares(traced) -> tuple[dict[str, float], dict[str, float]]:
    macs: dict[str, int] = {}
    params: dict[str, int] = {}
    for layer in traced.layers:
        counted = layer.macs_conv_linear if layer.kind in ("conv", "linear") else 0
        macs[layer.stage] = macs.get(layer.stage, 0) + counted
        params[layer.stage] = params.get(layer.stage, 0) + layer.params
    total_macs, total_params = sum(macs.values()), sum(params.values())
    return ({s: 100 * m / total_macs for s, m in macs.items()}, {s: 100 * p / total_params for s, p in params.items()})


def assert_top(stage: str, printed: str, shares: dict[str, float]) -> None:
    assert f"{shares[stage]:.1f}" == printed, (stage, printed, shares)
    assert shares[stage] == max(shares.values()), f"{stage} does not hold the most: {shares}"


CASES = [(name, hw) for name in REGISTRY for hw in sizes(get_spec(name).default_size)]


@pytest.mark.parametrize(("name", "hw"), CASES, ids=[f"{n}-{h}x{w}" for n, (h, w) in CASES])
def test_headline_agrees_with_the_stage_numbers(name, hw):
    spec = get_spec(name)
    traced = trace(spec, *hw)
    macs, params = stage_shares(traced)
    sentence = headline(traced)
    if match := SAME.match(sentence):
        assert_top(match.group(1), match.group(2), macs)
        assert_top(match.group(1), match.group(3), params)
    else:
        match = SPLIT.match(sentence)
        assert match is not None, sentence
        assert_top(match.group(1), match.group(2), macs)
        assert_top(match.group(3), match.group(4), params)
        assert match.group(1) != match.group(3)
    claimed = {m.group(1): m for m in FLAT.finditer(sentence)}
    residual = spec.stages
    for words, shares in (("MACs", macs), ("parameters", params)):
        own = [shares[s] for s in residual]
        flat = len(own) > 1 and max(own) <= FLAT_RATIO * min(own)
        assert (words in claimed) == flat, (sentence, own)
        if flat:
            m = claimed[words]
            assert (m.group(2), m.group(3)) == (residual[0], residual[-1])
            assert (m.group(4), m.group(5)) == (f"{min(own):.1f}", f"{max(own):.1f}")


def test_the_issue_s_two_counterexamples_read_true():
    r152 = headline(trace(get_spec("resnet152"), 224, 224))
    assert r152 == "layer3 holds 69.6% of the MACs and 67.5% of the parameters"
    r18 = headline(trace(get_spec("resnet18"), 224, 224))
    assert "MACs are flat across layer1–layer4" in r18 and "early" not in r18


def test_the_terminal_summary_is_titled_with_the_headline():
    from resnet_inspect.features.table import analyze
    from resnet_inspect.views.terminal import stage_summary

    analysis = analyze(152, 224)
    console = Console(width=200, record=True, color_system=None)
    console.print(stage_summary(analysis))
    assert f"Per stage: {headline(analysis)}" in console.export_text()
