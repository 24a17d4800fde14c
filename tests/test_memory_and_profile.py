"""Analytic memory and intensity against hand arithmetic and PyTorch's own accounting; measured time."""

import json
import subprocess
import sys

import pytest
import torch
from typer.testing import CliRunner

from resnet_inspect import InspectError, build_model, get_spec, parse_arch, trace
from resnet_inspect.cli import app
from resnet_inspect.core.memory import layer_memory, peak_inference, training_storage
from resnet_inspect.features import profile as profile_module
from resnet_inspect.features.profile import profile

runner = CliRunner()
CUDA = torch.cuda.is_available()


def test_bytes_and_intensity_of_hand_computed_layers():
    layers = {m.name: m for m in layer_memory(trace(get_spec(50), 224), "float32")}
    conv1 = layers["conv1"]
    assert (conv1.weight_bytes, conv1.input_bytes, conv1.output_bytes) == (
        9408 * 4,
        3 * 224 * 224 * 4,
        64 * 112 * 112 * 4,
    )
    assert conv1.intensity == pytest.approx(118_013_952 / (37_632 + 602_112 + 3_211_264))
    fc = layers["fc"]
    assert fc.weight_bytes == 2_049_000 * 4 and fc.input_bytes == 2048 * 4 and fc.output_bytes == 1000 * 4
    add = layers["layer1.0.add"]
    assert add.input_bytes == 2 * 256 * 56 * 56 * 4 and add.macs_conv_linear == 0  # reads the residual and the shortcut
    assert layers["layer1.0.relu3"].output_bytes == 0  # in place
    half = {m.name: m for m in layer_memory(trace(get_spec(50), 224), "bfloat16")}
    assert half["conv1"].bytes_moved * 2 == conv1.bytes_moved


def test_peak_inference_worked_examples():
    # ResNet-18 at 32×32: the stem's conv output and batch-norm output are alive together, 2 × 64×16×16 floats.
    # (The input is freed once conv1 has read it; every later pair or triple of tensors is smaller.)
    peak = peak_inference(trace(get_spec(18), 32), "float32")
    assert (peak.bytes, peak.at, peak.live) == (2 * 64 * 16 * 16 * 4, "bn1", ("bn1", "conv1"))
    # ResNet-50 at 224: in layer1.0's projection, the residual (bn3), the shortcut conv and its batch norm are
    # alive at once: 3 × 256×56×56 floats.
    peak = peak_inference(trace(get_spec(50), 224), "float32")
    assert peak.bytes == 3 * 256 * 56 * 56 * 4 and peak.at == "layer1.0.downsample.1"


@pytest.mark.parametrize("arch", ["resnet18", "resnet50d", "resnet34:shortcut=A", "d2l_resnet18", "resnext50_32x4d"])
def test_training_storage_equals_what_autograd_saves(arch):
    spec = parse_arch(arch)
    model = build_model(spec).train()
    weights = {t.untyped_storage().data_ptr() for t in [*model.parameters(), *model.buffers()]}
    saved: dict[int, int] = {}

    def pack(tensor):
        storage = tensor.untyped_storage()
        if storage.data_ptr() not in weights:
            saved[storage.data_ptr()] = storage.nbytes()
        return tensor

    shape = (2, spec.in_channels, 65, 47)
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        model(torch.randn(shape))
    assert training_storage(trace(spec, 65, 47, batch=2), "float32") == sum(saved.values())


def test_unknown_dtype():
    with pytest.raises(InspectError, match="dtype 'float8'"):
        layer_memory(trace(get_spec(18), 32), "float8")


def _check_profile(p, repeats):
    records = [r.to_dict() for r in p.records()]
    assert [r["stage"] for r in records] == ["stem", "layer1", "layer2", "layer3", "layer4", "head"]
    assert all(len(s.timing.samples) == repeats and min(s.timing.samples) > 0 for s in p.stages)
    traced = trace(p.spec, *p.input_shape[2:], batch=p.input_shape[0])
    assert sum(r["macs_conv_linear"] for r in records) == p.macs_conv_linear == traced.macs_conv_linear
    assert sum(r["time_share"] for r in records) == pytest.approx(1, abs=0.01)
    # Structure, not a ratio of two noisy timings (that failed about one run in three on a loaded machine):
    # every timing is positive, and the stages' medians are what `segments_ms` adds up.
    assert p.whole.median > 0 and len(p.whole.samples) == repeats
    assert p.segments_ms == pytest.approx(sum(s.timing.median for s in p.stages))


def test_profile_on_cpu():
    p = profile(get_spec(18), (64, 64), device="cpu", repeats=3, warmup=1)
    _check_profile(p, 3)
    assert p.device == "cpu" and p.peak_memory_bytes is None
    assert len(p.blocks) == 1 + 8 + 1


@pytest.mark.skipif(not CUDA, reason="no CUDA device here: the CUDA timing and memory path runs where one is")
def test_profile_on_cuda_and_measured_peak_memory():
    spec = get_spec(50)
    p = profile(spec, (224, 224), device="cuda", batch=32, dtype="float16", repeats=10, warmup=20)
    _check_profile(p, 10)
    assert p.device.startswith("cuda")
    analytic = peak_inference(trace(spec, 224, 224, batch=32), "float16", include_input=False).bytes
    # The caching allocator rounds blocks up and cuDNN may take a workspace: the measurement sits near the live set.
    assert 0.9 * analytic <= p.peak_memory_bytes <= 1.6 * analytic, (p.peak_memory_bytes, analytic)


def test_profile_cli_json():
    result = runner.invoke(
        app,
        [
            "profile",
            "--depth",
            "18",
            "--size",
            "64",
            "--device",
            "cpu",
            "--repeats",
            "2",
            "--warmup",
            "1",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert [s["stage"] for s in data["stages"]] == ["stem", "layer1", "layer2", "layer3", "layer4", "head"]
    assert len(data["blocks"]) == 10 and data["whole_model_ms"] > 0
    assert data["peak_activation_bytes_analytic"] == 2 * 64 * 32 * 32 * 4  # conv1 + bn1 outputs at 64×64 input
    assert data["headline"].split(" takes ")[0] in {"stem", "layer1", "layer2", "layer3", "layer4", "head"}


@pytest.mark.skipif(CUDA, reason="this machine has CUDA")
def test_profile_cli_without_cuda():
    result = runner.invoke(app, ["profile", "--device", "cuda"])
    assert result.exit_code == 2
    assert "device cuda: no CUDA device is available here" in result.stderr


def test_profile_usage_errors_come_before_torch_loads():
    # Each bad argument is refused from its plain value: the interpreter never imports torch to say so.
    script = (
        "import sys\n"
        "from resnet_inspect.core.errors import InspectError\n"
        "from resnet_inspect.core.configs import get_spec\n"
        "from resnet_inspect.features.profile import profile\n"
        "for bad in ({'batch': 0}, {'repeats': 0}, {'warmup': -1}, {'dtype': 'float8'}, {'device': 'tpu'},\n"
        "            {'max_seconds': 0.0}, {'max_seconds': float('inf')}):\n"
        "    try:\n"
        "        profile(get_spec(18), (64, 64), **bad)\n"
        "    except InspectError as error:\n"
        "        print(str(error).split()[0])\n"
        "print('torch' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["batch", "repeats", "warmup", "dtype", "device", "max_seconds", "max_seconds", "False"]


def test_profile_refuses_a_run_past_its_bound_before_it_starts():
    spec = get_spec(50)
    gmacs = trace(spec, 1024, 1024, batch=8).macs_conv_linear / 1e9
    with pytest.raises(InspectError) as caught:
        profile(spec, (1024, 1024), device="cpu", batch=8, warmup=5, repeats=10, max_seconds=1)
    message = str(caught.value)
    assert message.startswith("max_seconds 1 must be at least ")
    assert f"30 forward passes of {gmacs:,.1f} GMACs" in message and "one 3×3 convolution" in message
    # The CLI names its flag.
    result = runner.invoke(app, ["profile", "--depth", "50", "--size", "1024", "--batch", "8", "--max-seconds", "1"])
    assert result.exit_code == 2 and result.stderr.startswith("resnet-inspect: error: --max-seconds 1 must be at least")


def test_profile_holds_the_run_to_its_bound_from_the_first_forward(monkeypatch):
    # A convolution that looked infinitely fast lets the run start; the first real forward's rate stops it.
    monkeypatch.setattr(profile_module, "_calibrate", lambda *args: float("inf"))
    steps = []
    with pytest.raises(InspectError, match=r"^max_seconds 1e-06 must be at least .*the rate of the first forward"):
        profile(get_spec(18), (64, 64), device="cpu", warmup=2, repeats=3, max_seconds=1e-6, progress=_record(steps))
    assert steps == [(0, "under a second")]  # the estimate was shown, then no pass counted as done


def test_profile_reports_its_estimate_then_every_pass():
    steps = []
    profile(get_spec(18), (64, 64), device="cpu", warmup=2, repeats=3, progress=_record(steps))
    assert steps[0][0] == 0 and steps[0][1] is not None  # the estimate, before any pass
    assert sum(step for step, _ in steps) == 2 + 3
    assert [note for _, note in steps if note is not None][-1].endswith(("s", "second"))


def _record(steps):
    return lambda step, note=None: steps.append((step, note))


def test_table_memory_columns():
    data = json.loads(runner.invoke(app, ["table", "--depth", "50", "--memory", "--format", "json"]).stdout)
    assert data["memory"] == {
        "dtype": "float32",
        "peak_inference_bytes": 3 * 256 * 56 * 56 * 4,
        "peak_during": "layer1.0.downsample.1",
        "training_storage_bytes": training_storage(trace(get_spec(50), 224)),
    }
    conv1 = data["layers"][0]
    assert conv1["weight_bytes"] == 37_632 and conv1["macs_conv_linear_per_byte"] == pytest.approx(30.645, abs=1e-3)
    out = runner.invoke(app, ["table", "--memory", "--level", "stage"]).stdout
    assert "MACs/B" in out and "alive at once at most in inference" in out
