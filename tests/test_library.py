"""The library as a notebook user meets it, and the CLI's small courtesies: sizes, DataFrames, frozen
parameters, warnings for knobs that do nothing, --version, -h, dtype aliases, "wrote PATH (N bytes)"."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from typer.testing import CliRunner

from resnet_inspect import InspectError, analyze, build_model
from resnet_inspect.cli import app
from resnet_inspect.core.errors import InspectWarning

runner = CliRunner()


def halvings(side: int, times: int = 5) -> int:
    """A side after the stem conv, the max pool and three strided stages: each rounds up, (s + 1) // 2."""
    for _ in range(times):
        side = (side + 1) // 2
    return side


@pytest.mark.parametrize("size", ["480x640", "480X640", "480×640", (480, 640), [480, 640], (np.int64(480), 640)])
def test_sizes_as_text_or_pairs(size):
    assert analyze(18, size).input_shape == (1, 3, 480, 640)


@pytest.mark.parametrize("size", ["480x", "big", (480, "640"), (480.0, 640), 2.5, (1, 2, 3), True, "0x3"])
def test_bad_sizes_are_one_line_errors(size):
    with pytest.raises(InspectError) as error:
        analyze(18, size)
    assert "size" in str(error.value) and "\n" not in str(error.value)


def test_dataframe_has_numeric_shapes_and_selects_columns():
    frame = analyze(50, (480, 640)).to_dataframe("stage", columns=["name", "out_c", "out_h", "out_w", "params"])
    assert list(frame.columns) == ["name", "out_c", "out_h", "out_w", "params"]
    layer4 = frame.set_index("name").loc["layer4"]
    assert (layer4.out_c, layer4.out_h, layer4.out_w) == (2048, halvings(480), halvings(640)) == (2048, 15, 20)
    assert str(frame.out_h.dtype) == "Int64" and frame.set_index("name").out_h.isna()["head"]
    full = analyze(50, (480, 640)).to_dataframe("stage")
    assert {"out_shape", "out_c", "macs_conv_linear", "macs_fvcore"} <= set(full.columns)
    with pytest.raises(InspectError, match="'nope' are not columns"):
        analyze(18, 64).to_dataframe(columns=["name", "nope"])


def test_trainable_and_frozen_parameters_of_a_fine_tuning_model():
    model = build_model("resnet18")
    for name, parameter in model.named_parameters():
        if not name.startswith(("layer4.", "fc.")):
            parameter.requires_grad_(False)
    flags = [p.requires_grad for p in model.parameters()]
    frozen = sum(p.numel() for n, p in model.named_parameters() if not n.startswith(("layer4.", "fc.")))
    a = analyze("resnet18", 64, model=model)
    assert [p.requires_grad for p in model.parameters()] == flags  # the user's model is left as it was
    assert a.verified and (a.frozen_params, a.trainable_params) == (frozen, 11_689_512 - frozen)
    assert f"{11_689_512 - frozen:,} trainable, {frozen:,} frozen" in repr(a)
    from resnet_inspect.features.table import totals_lines

    totals = a.to_dict()["totals"]
    assert (totals["trainable_params"], totals["frozen_params"]) == (11_689_512 - frozen, frozen)
    assert totals_lines(a)[0].endswith(f"{11_689_512 - frozen:,} trainable, {frozen:,} frozen (requires_grad off)")
    plain = analyze("resnet18", 64)
    assert plain.frozen_params == 0 and "frozen" not in totals_lines(plain)[0] and "frozen" not in repr(plain)


def test_a_knob_that_does_nothing_warns_once_in_one_line():
    with pytest.warns(InspectWarning, match="stride_in=v1 does nothing on basic blocks"):
        analyze(18, 64, stride_in="v1")
    with pytest.warns(InspectWarning, match="maxpool_padding=0 does nothing"):
        analyze("resnet20:maxpool_padding=0")  # the CIFAR stem has no max pool
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        analyze(50, 64, stride_in="v1")  # a bottleneck's stride does move
    result = runner.invoke(app, ["table", "--depth", "18", "--size", "64", "--stride-in", "v1", "--format", "json"])
    assert result.exit_code == 0
    lines = result.stderr.splitlines()
    assert lines == [
        "resnet-inspect: warning: stride_in=v1 does nothing on basic blocks: they have no 1×1 conv to "
        "take the stride (it places a bottleneck's stride)"
    ]
    quiet = runner.invoke(app, ["paper", "--format", "json"])  # Table 1's v1 applies to its bottleneck columns
    assert quiet.exit_code == 0 and "warning" not in quiet.stderr


def test_groups_on_a_basic_block_is_refused():
    result = runner.invoke(app, ["table", "--depth", "18", "--groups", "32"])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert "basic block has no grouped conv" in result.stderr


def test_version_help_dtype_aliases_wrote_line_and_conflicts(tmp_path):
    version = runner.invoke(app, ["--version"])
    assert version.exit_code == 0 and version.stdout.startswith("resnet-inspect ")
    assert runner.invoke(app, ["table", "-h"]).stdout.startswith("Usage:")
    memory = {}
    for alias in ("fp16", "half", "float16", "bf16", "bfloat16"):
        result = runner.invoke(
            app, ["table", "--depth", "18", "--size", "64", "--memory", "--dtype", alias, "--format", "json"]
        )
        assert result.exit_code == 0, result.output
        memory[alias] = json.loads(result.stdout)["memory"]
    assert memory["fp16"] == memory["half"] == memory["float16"] and memory["bf16"]["dtype"] == "bfloat16"
    out = tmp_path / "r18.csv"
    result = runner.invoke(app, ["table", "--depth", "18", "--size", "64", "--output", str(out)])
    assert result.stderr.strip() == f"wrote {out} ({out.stat().st_size:,} bytes)"
    conflict = runner.invoke(app, ["table", "--format", "csv", "--output", str(tmp_path / "x.json")])
    assert conflict.exit_code == 2 and "disagree" in conflict.stderr and not (tmp_path / "x.json").exists()
    upper = runner.invoke(app, ["table", "--depth", "18", "--size", "64X96", "--format", "json"])
    assert json.loads(upper.stdout)["input"] == [1, 3, 64, 96]
