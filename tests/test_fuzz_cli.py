"""Property tests over the knob space and the command-line grammar: whatever is asked, the answer is a result or
one line, never a traceback; exit codes are 0, 1 or 2 only; a file written is whole, or not there at all.

Arguments are drawn from a grammar of valid and invalid values (small sizes and networks, so that every
example stays cheap). `derandomize=True`: the same examples on every run, so CI is reproducible.
"""

import csv
import io
import json
import os
import tempfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from resnet_inspect.cli import app
from resnet_inspect.core.configs import REGISTRY
from resnet_inspect.core.errors import InspectError
from resnet_inspect.features.table import analyze

FUZZ = settings(max_examples=50, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])

# Networks of at most 16 blocks (the cost of an example grows with the blocks), and names that are not networks.
ARCHS = [name for name, spec in REGISTRY.items() if sum(spec.layers) <= 16]
BAD_ARCHS = ["resnet7", "resnet18:bogus=1", "resnet18:layers=0", "resnet18:stride_in=v3", ":", "", "resnet50:groups=0"]
SIZES = ["32", "33", "40", "64", "17x45", "1", "4", "7", "0", "-3", "abc", "32x", "x32", "1048577", "", "2x2x2"]
INTS = ["0", "1", "2", "3", "4", "8", "16", "-1", "abc", "", "1000000000000", "1.5"]


def option(name: str, values: list[str]) -> st.SearchStrategy[list[str]]:
    return st.sampled_from(values).map(lambda value: [name, value])


def flag(*names: str) -> st.SearchStrategy[list[str]]:
    return st.sampled_from([[n] for n in names])


KNOB_OPTIONS = [
    option("--depth", ["18", "34", "50", "42", "abc"]),
    option("--arch", ARCHS + BAD_ARCHS),
    option("--block", ["basic", "bottleneck", "dense"]),
    option("--layers", ["1", "1,1", "2,1,1", "1,1,1,1,1", "0,1", "a,b", "", "1+1"]),
    option("--widths", ["8", "8,16", "8,16,32", "16,8", "0,8", "x"]),
    option("--stride-in", ["v1", "v1.5", "1.5", "v3"]),
    option("--stem", ["torchvision", "deep", "cifar", "tiny"]),
    option("--stem-widths", ["8", "8,8,16", "0", "8,8"]),
    flag("--maxpool", "--no-maxpool"),
    option("--maxpool-padding", ["0", "1", "2"]),
    option("--shortcut", ["A", "B", "C", "avgdown", "D", "Z"]),
    option("--order", ["post", "pre", "sideways"]),
    option("--se-reduction", ["0", "4", "16", "-1"]),
    option("--output-stride", ["0", "8", "16", "7"]),
    option("--groups", ["1", "2", "32", "0"]),
    option("--width-per-group", ["4", "64", "3", "0"]),
    option("--in-channels", ["1", "3", "0", "100000"]),
    option("--num-classes", ["1", "10", "0"]),
]
OUTPUTS = ["out.json", "out.csv", "out.md", "out.txt", "", "sub/", "missing/out.json", "out.png"]


def arguments(*groups: st.SearchStrategy[list[str]], max_size: int = 5) -> st.SearchStrategy[list[str]]:
    return st.lists(st.one_of(*groups), max_size=max_size).map(lambda parts: [a for part in parts for a in part])


OUTPUT_OPTIONS = [
    option("--format", ["rich", "csv", "json", "markdown", "xml"]),
    option("--output", OUTPUTS),
]
TABLE = arguments(
    *KNOB_OPTIONS,
    option("--size", SIZES),
    option("--batch", INTS),
    option("--level", ["layer", "block", "stage", "row"]),
    flag("--flops", "--memory"),
    option("--dtype", ["float32", "bf16", "int4"]),
    *OUTPUT_OPTIONS,
)
# `archs` verifies every named config (seconds): drawn here only with a size it must refuse first.
ARCHS_COMMAND = st.tuples(option("--size", ["0", "abc", "-1", "", "1048577"]), arguments(*OUTPUT_OPTIONS, max_size=2))
ARCHS_COMMAND = ARCHS_COMMAND.map(lambda t: [*t[1], *t[0]])
PAPER = arguments(
    option("--size", SIZES),
    flag("--cifar"),
    option("--stride-in", ["v1", "v1.5", "v2"]),
    option("--shortcut", ["A", "B", "C", "E"]),
    *OUTPUT_OPTIONS,
)
LAYER = st.sampled_from(["layer1.0.conv1", "conv1", "fc", "layer4.1.conv2", "layer9.0.conv1", ""])
EXPLAIN = arguments(*KNOB_OPTIONS, option("--size", SIZES), option("--batch", INTS), max_size=3)
BLOCKS = arguments(
    option("--channels", [*INTS, "64", "16384", "16385"]),
    option("--size", SIZES),
    option("--stride", ["1", "2", "3"]),
    option("--groups", INTS),
    option("--width-per-group", INTS),
    option("--depth", ["18", "50", "7"]),
    option("--arch", ["resnet20", "resnet18", "nope"]),
    option("--stage", ["layer1", "layer2", "layer3", "layer5", "stem"]),
    option("--input-size", SIZES),
    option("--batch", INTS),
    *OUTPUT_OPTIONS,
)
DIFF = st.tuples(st.sampled_from(ARCHS[:4] + BAD_ARCHS[:2]), st.sampled_from(ARCHS[:4]))
COMPARE = arguments(
    option("--depths", ["18", "18,34", "18,42", "", ",", "abc"]),
    option("--archs", ["resnet18,resnet20", "resnet18:stride_in=v1,shortcut=A", "nope", ""]),
    DIFF.map(lambda pair: ["--diff", *pair]),
    option("--size", SIZES),
    option("--batch", INTS),
    *OUTPUT_OPTIONS,
)
SWEEP_SIZES = ["32:64:16", "32,33,40", "64:32", "1:3", "32:40:0", "a:b", "", "32x48", "1:1000000000", "0"]
SWEEP = arguments(
    *KNOB_OPTIONS,
    option("--sizes", SWEEP_SIZES),
    option("--batch", ["1", "1,2", "0", "1,-1", "a"]),
    option("--dtype", ["float32", "fp16", "float8"]),
    *OUTPUT_OPTIONS,
)
COMMANDS = st.one_of(
    TABLE.map(lambda a: ["table", *a]),
    ARCHS_COMMAND.map(lambda a: ["archs", *a]),
    PAPER.map(lambda a: ["paper", *a]),
    st.tuples(LAYER, EXPLAIN).map(lambda t: ["explain", t[0], *t[1]]),
    BLOCKS.map(lambda a: ["blocks", *a]),
    COMPARE.map(lambda a: ["compare", *a]),
    SWEEP.map(lambda a: ["sweep", *a]),
)


def check_file(path: str) -> None:
    """A file the command wrote parses whole as what its suffix says."""
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    if path.endswith(".json"):
        json.loads(text)
    elif path.endswith(".csv"):
        rows = list(csv.reader(io.StringIO(text)))
        assert rows and all(len(row) == len(rows[0]) for row in rows), path
    else:
        assert text.endswith("\n"), path


@FUZZ
@given(COMMANDS)
def test_any_command_line_gives_a_result_or_one_line(args):
    with tempfile.TemporaryDirectory() as directory:
        os.mkdir(os.path.join(directory, "sub"))
        args = [os.path.join(directory, a) if a in OUTPUTS and a else a for a in args]
        result = CliRunner().invoke(app, args)
        assert result.exception is None or isinstance(result.exception, SystemExit), (args, result.exception)
        assert result.exit_code in (0, 1, 2), (args, result.exit_code, result.output)
        assert "Traceback" not in result.output, args
        if result.exit_code == 2:
            lines = result.stderr.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("resnet-inspect: error: "), (args, result.stderr)
        for root, _, names in os.walk(directory):
            for name in names:
                assert not name.endswith(".tmp"), (args, name)  # no temporary left behind
                check_file(os.path.join(root, name))


KNOBS = st.fixed_dictionaries(
    {},
    optional={
        "block": st.sampled_from(["basic", "bottleneck"]),
        "layers": st.lists(st.integers(1, 2), min_size=1, max_size=4).map(tuple),
        "stride_in": st.sampled_from(["v1", "v1.5"]),
        "stem": st.sampled_from(["torchvision", "deep", "cifar"]),
        "maxpool": st.booleans(),
        "maxpool_padding": st.integers(0, 1),
        "shortcut": st.sampled_from(["A", "B", "C", "avgdown"]),
        "order": st.sampled_from(["post", "pre"]),
        "se_reduction": st.sampled_from([0, 4, 16]),
        "output_stride": st.sampled_from([0, 4, 8, 16]),
        "groups": st.sampled_from([1, 2, 4]),
        "width_per_group": st.sampled_from([4, 16, 64]),
        "in_channels": st.integers(1, 4),
        "num_classes": st.integers(1, 20),
    },
)


@FUZZ
@given(
    st.sampled_from(ARCHS),
    KNOBS,
    st.one_of(st.integers(1, 96), st.tuples(st.integers(1, 96), st.integers(1, 96))),
    st.integers(1, 3),
)
def test_any_knobs_give_a_verified_analysis_or_one_line(arch, knobs, size, batch):
    """Every spec the validation accepts, at every size it accepts, is one the real model agrees with."""
    if "layers" in knobs:
        knobs["widths"] = tuple(8 * 2**i for i in range(len(knobs["layers"])))
    try:
        analysis = analyze(arch, size, batch=batch, **knobs)
    except InspectError as error:
        assert "\n" not in str(error)
        return
    assert analysis.verified, (arch, knobs, size, analysis.problems[:3])
