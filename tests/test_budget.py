"""Every piece of work is bounded before it starts: a one-line error that names the limit, never an allocator's
traceback, a hang, or hundreds of disagreement rows."""

import pytest
import torch

import resnet_inspect.runtime.model
from resnet_inspect.core import budget
from resnet_inspect.core.errors import InspectError

from .cli import invoke

RESNET50_PARAMS, RESNET50_FC = 25_557_032, 2048 * 1000 + 1000  # torchvision's count, and its fc layer's
GIB = 2**30


@pytest.fixture(autouse=True)
def sixteen_gib(monkeypatch):
    monkeypatch.setenv("RESNET_INSPECT_MAX_GIB", "16")  # the same limit on every machine


def one_error_line(result) -> str:
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("resnet-inspect: error: ")
    return lines[0].removeprefix("resnet-inspect: error: ")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["table", "--num-classes", "1000000000000"], "--num-classes 1000000000000 is not valid; it must be from 1 to"),
        (["table", "--in-channels", "1000000000000"], "--in-channels 1000000000000 is not valid; it must be from 1 to"),
        (["table", "--widths", "1000000000000,1,1,1"], "channels is past the limit of 65,536"),
        (["table", "--stem-widths", "1000000000000"], "a layer of 1,000,000,000,000 channels is past the limit"),
        (["table", "--width-per-group", "1000000000000"], "--width-per-group 1000000000000 is not valid"),
        (["blocks", "--channels", "1000000000000"], "--channels 1,000,000,000,000 is not valid; the bottleneck"),
        (["blocks", "--channels", "16385"], "a layer may have at most 65,536: use at most 16,384"),
        (["blocks", "--size", "1000000000"], "size '1000000000' is not valid; height and width must be from 1 to"),
        (["compare", "--depths", "18", "--size", "1000000000"], "size '1000000000' is not valid"),
        (["table", "--size", "1000000000", "--cross-check"], "size '1000000000' is not valid"),
        (["table", "--size", "1000000000"], "size '1000000000' is not valid"),
        (["sweep", "--sizes", "1000000000"], "--sizes '1000000000' is not valid"),  # the flag given, not --size
        (["sweep", "--sizes", "1:1000000000"], "gives 1,000,000,000 sizes; sweep at most 50,000"),
        (
            ["sweep", "--sizes", "1:500", "--batch", ",".join(["1"] * 101)],
            "sizes × batches = 500 × 101 = 50,500 is past the limit of 50,000; sweep fewer sizes or batches at once",
        ),
        (["table", "--layers", "5000,1", "--widths", "64,128"], "add up to 5,001 blocks; the limit is 5,000"),
        (["table", "--layers", "1000000000"], "add up to 1,000,000,000 blocks; the limit is 5,000"),  # cap first
        (
            ["profile", "--depth", "18", "--size", "32", "--repeats", "1001"],
            "--repeats 1001 is not valid; it must be from 1 to 1,000",
        ),
        (["profile", "--depth", "18", "--size", "32", "--warmup", "100000"], "--warmup 100000 is not valid"),
    ],
)
def test_huge_values_are_one_line(args, message):
    assert message in one_error_line(invoke(*args))


def test_parameters_past_the_memory_limit_are_refused_before_a_module_is_built(monkeypatch):
    def no_model(*args, **kwargs):
        raise AssertionError("a model was built")

    monkeypatch.setattr(resnet_inspect.runtime.model, "build_model", no_model)
    params = RESNET50_PARAMS - RESNET50_FC + 2048 * 10**7 + 10**7  # the fc layer of 10^7 classes, by hand
    assert one_error_line(invoke("table", "--num-classes", "10000000")) == (
        f"storage for the model's {params:,} parameters needs {params * 4 / GIB:,.1f} GiB, more than the 16.0 GiB "
        "RESNET_INSPECT_MAX_GIB allows; use a smaller network, batch or size, or raise RESNET_INSPECT_MAX_GIB"
    )


def test_the_limit_defaults_to_this_machines_memory(monkeypatch):
    import os

    monkeypatch.delenv("RESNET_INSPECT_MAX_GIB")
    assert budget.memory_limit() == os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    message = one_error_line(invoke("table", "--block", "basic", "--widths", "65536,65536,65536,65536"))
    assert "GiB of this machine's memory; use a smaller network, batch or size, or set RESNET_INSPECT_MAX_GIB" in (
        message
    )


@pytest.mark.parametrize("text", ["abc", "0", "-1", "nan", "inf"])
def test_a_bad_memory_limit_is_one_line(monkeypatch, text):
    monkeypatch.setenv("RESNET_INSPECT_MAX_GIB", text)
    assert one_error_line(invoke("table", "--depth", "18")) == (
        f"RESNET_INSPECT_MAX_GIB={text!r} is not valid; give a positive number of GiB, like 64"
    )


def test_a_raised_limit_lets_a_model_through(monkeypatch):
    monkeypatch.setenv("RESNET_INSPECT_MAX_GIB", "0.001")
    assert "storage for the model's 11,689,512 parameters needs" in one_error_line(invoke("table", "--depth", "18"))
    monkeypatch.setenv("RESNET_INSPECT_MAX_GIB", "1")
    assert invoke("table", "--depth", "18", "--format", "json").exit_code == 0


def test_a_user_model_past_the_limit_is_refused_before_its_storage(monkeypatch):
    """The probe's own check, for models that come without a spec: from the meta model's shapes."""
    from resnet_inspect.runtime.verify import materialize_empty

    with torch.device("meta"):
        model = torch.nn.Linear(2**16, 2**16)  # 2^32 + 2^16 parameters: 16 GiB and 256 KiB in float32
    with pytest.raises(InspectError, match=r"^storage for the model's 4,295,032,832 parameters needs 16.0 GiB"):
        materialize_empty(model, torch.device("cpu"))
    assert model.weight.is_meta  # nothing was allocated


def test_the_cross_check_names_torchs_tensor_limit_instead_of_disagreeing():
    values = 1_000_000 * 64 * 524_288 * 524_288  # the stem conv's output: batch × 64 × (size / 2)²
    assert one_error_line(invoke("table", "--size", "1048576", "--batch", "1000000", "--cross-check")) == (
        "the cross-check (torch's FlopCounterMode runs the whole batch on the meta device): a "
        f"1000000×64×524288×524288 tensor holds {values:,} values, past torch's limit of 2**63 − 1 bytes per tensor "
        "(4 bytes a value); use a smaller batch or size"
    )


def test_torchs_tensor_limit_is_the_one_the_budget_names():
    largest = (2**63 - 1) // 4  # float32 values in 2^63 − 1 bytes
    budget.check_tensor("x", (largest,), 4)
    torch.empty((largest,), device="meta")
    with pytest.raises(InspectError, match="past torch's limit"):
        budget.check_tensor("x", (largest + 1,), 4)
    with pytest.raises(RuntimeError, match="Storage size calculation overflowed"):
        torch.empty((largest + 1,), device="meta")


def test_profile_checks_memory_before_it_builds_anything(monkeypatch):
    def no_model(*args, **kwargs):
        raise AssertionError("a model was built")

    monkeypatch.setattr(resnet_inspect.runtime.model, "build_model", no_model)
    message = one_error_line(invoke("profile", "--batch", "512", "--size", "4096", "--device", "cpu"))
    assert message.startswith("timing resnet50 on a 512×3×4096×4096 float32 batch needs ")
    assert message.endswith(
        " GiB, more than the 16.0 GiB RESNET_INSPECT_MAX_GIB allows; use a smaller network, "
        "batch or size, or raise RESNET_INSPECT_MAX_GIB"
    )
    needed = float(message.split(" needs ")[1].split(" GiB")[0].replace(",", ""))
    assert needed > 512 * 3 * 4096 * 4096 * 4 / GIB  # at least the input itself


def test_the_empty_batch_probe_stays_within_torchs_limit_at_every_size_the_caps_allow():
    """torch lays out an N = 0 tensor with strides: C × H × W values must fit its bytes per tensor (float64 too)."""
    from resnet_inspect.core.spec import MAX_CHANNELS, MAX_SIZE

    assert MAX_CHANNELS * MAX_SIZE * MAX_SIZE * 8 <= budget.TORCH_MAX_BYTES
    with torch.device("meta"):
        conv = torch.nn.Conv2d(3, MAX_CHANNELS, 3, padding=1)
    out = conv(torch.empty((0, 3, MAX_SIZE, MAX_SIZE), device="meta"))
    assert tuple(out.shape) == (0, MAX_CHANNELS, MAX_SIZE, MAX_SIZE)


def test_capturing_a_user_model_checks_the_copy_fits_in_memory(monkeypatch):
    # check copies the user's model with real storage: a model larger than the limit is refused in one line,
    # before any allocation (the model here lives on the meta device, so it costs nothing to build).
    from torch import nn

    from resnet_inspect.capture import graph

    monkeypatch.setenv("RESNET_INSPECT_MAX_GIB", "1")
    huge = nn.Sequential(nn.Linear(100_000, 10_000, device="meta"))  # 1e9 params, 4 GB in float32
    with pytest.raises(InspectError, match=r"1,000,010,000 parameters needs 3\.7 GiB, more than the 1\.0 GiB"):
        graph.fresh_copy(huge, "cpu", zeros=False)
