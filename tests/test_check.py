"""`resnet-inspect check`: from-scratch ResNets with one mistake each, a correct one, and checkpoints."""

import json
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

from resnet_inspect import REGISTRY, build_model, get_spec
from resnet_inspect.cli import app
from resnet_inspect.features.check import check_state_dict, compare_model, load_factory

HERE = Path(__file__).resolve().parent
MODELS = HERE / "user_models" / "from_scratch.py"
runner = CliRunner()


def check(factory, *args):
    return runner.invoke(app, ["check", f"{MODELS}:{factory}", *args])


def test_a_correct_independent_resnet18_matches():
    result = check("correct", "--depth", "18", "--format", "json")
    assert result.exit_code == 0, result.stdout
    data = json.loads(result.stdout)
    assert data["verdict"] == "matches" and data["differences"] == [] and "matches" not in data
    assert data["equals"] == "resnet18"
    assert data["shortcut_runs_first_in"] == ["layer2.0", "layer3.0", "layer4.0"]  # the same network
    assert all(stage["same"] for stage in data["stages"])
    # ResNet-18's published count (torchvision's model card), stage by stage summed.
    assert sum(stage["your_params"] for stage in data["stages"]) == 11_689_512
    # said only once proven: every tensor of resnet18 (62 params, 20 × 3 BN buffers less the counters' 20) carried
    # from the model, and the two outputs equal to rounding in float64
    proof = data["proof"]
    assert proof["holds"] and proof["problem"] is None and proof["dtype"] == "float64"
    assert proof["tensors_carried"] == 62 + 2 * 20 and proof["largest_relative_difference"] <= 1e-12


def test_the_proof_is_in_the_verdict_line():
    out = check("correct", "--depth", "18").stdout
    assert "✓ matches resnet18" in out
    assert "Proven: same graph, " in out and "with shared random weights (float64, eval mode)." in out


def test_the_two_shortcut_taps_of_a_pre_activation_net_are_told_apart_in_words():
    from tests.corpus_models import PortedPreResNet

    spec = get_spec("preact_resnet50")
    after = compare_model(PortedPreResNet(shortcut_reads="preact"), spec, (64, 64))
    before = compare_model(PortedPreResNet(shortcut_reads="x"), spec, (64, 64))
    assert after.verdict == "matches" and after.proof.holds
    assert before.verdict == "differs" and before.equals is None
    (difference,) = before.differences
    assert difference.kind == "shortcut" and difference.places == ("layer1.0", "layer2.0", "layer3.0", "layer4.0")
    assert difference.message.startswith(
        "layer1.0: your shortcut reads the block input before its batch norm → relu; the reference's reads it "
        "after its batch norm → relu"
    )


def test_a_graph_that_reads_the_same_but_computes_another_function_does_not_match():
    # x.flip(1) on one identity: no parameter, no module, invisible to the structure; the same weights show it
    from tests.corpus_models import flipped_shortcut_resnet18

    comparison = compare_model(flipped_shortcut_resnet18(), get_spec("resnet18"), (64, 64))
    assert comparison.verdict == "differs" and comparison.equals is None
    (difference,) = comparison.differences
    assert difference.kind == "function" and difference.places == ("model",)
    assert "yet different outputs with the same weights" in difference.message
    assert not comparison.proof.holds and comparison.proof.largest_difference > 1e-3


def test_the_stem_of_a_pre_activation_net_keeps_its_own_bn_relu():
    # the stem ends conv → BN → ReLU and each block pre-activates its own input: the stem's BN is the stem's
    from tests.corpus_models import CoursePreActNet

    comparison = compare_model(CoursePreActNet(), get_spec("preact_resnet18"), (32, 32))
    stem = next(r for r in comparison.records() if r.stage == "stem")
    assert stem.your_params == 3 * 64 * 9 + 2 * 64  # 1,856: the conv and its BN
    assert [d.kind for d in comparison.differences] == ["stem", "head"]
    assert comparison.differences[0].message == (
        "your stem is 3×3 conv p1 3→64, batch norm, relu; the reference's is 7×7 conv /2 p3 3→64, 3×3 max pool /2 p1"
    )


CORPUS = HERE / "corpus_models.py"


def test_without_arch_or_size_a_cifar_resnet20_is_held_against_resnet20_at_32_and_matches():
    result = runner.invoke(app, ["check", f"{CORPUS}:akamaster_resnet20", "--format", "json"])
    assert result.exit_code == 0, result.stdout
    data = json.loads(result.stdout)
    assert (data["arch"], data["verdict"], data["proof"]["holds"]) == ("resnet20", "matches", True)
    assert data["notes"] == [
        "no --arch given: held against resnet20, the named config nearest to your model, at its size 32×32"
    ]
    assert data["stages"][0]["your_out_shape"] == [1, 16, 32, 32]


def test_without_size_a_net_that_fails_at_224_runs_at_the_first_size_it_takes(tmp_path):
    # kuangliu's CIFAR ResNet-18: F.avg_pool2d(out, 4) leaves 7×7 at 224, and its Linear(512) refuses that
    factory = tmp_path / "kl.py"
    factory.write_text(
        f"import sys\nsys.path.insert(0, {str(HERE.parent)!r})\n"
        "from tests.corpus_models import KLBasicBlock, KLResNet\n\n\n"
        "def build():\n    return KLResNet(KLBasicBlock, [2, 2, 2, 2])\n"
    )
    data = json.loads(runner.invoke(app, ["check", f"{factory}:build", "--format", "json"]).stdout)
    assert data["arch"] == "resnet18" and data["equals"] == "resnet18:stem=cifar,num_classes=10"
    assert data["notes"] == [
        "no --arch given: held against resnet18, the named config nearest to your model",
        "no --size given: your model does not run at 224×224, so it ran at 32×32",
    ]


def test_a_model_that_runs_at_no_usual_size_is_told_to_give_one(tmp_path):
    factory = tmp_path / "odd.py"
    factory.write_text(
        "import torch.nn as nn\n\n\nclass Odd(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.conv = nn.Conv2d(3, 8, 3)\n        self.fc = nn.Linear(8 * 35 * 35, 10)\n\n"
        "    def forward(self, x):\n        y = self.conv(x)\n        return self.fc((y + y.flip(1)).flatten(1))\n\n\n"
        "def build():\n    return Odd()\n"
    )
    result = runner.invoke(app, ["check", f"{factory}:build"])
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert line == (
        "resnet-inspect: error: --size is needed: your model runs at none of 224, 32, 64, 96, 28 (at 224×224: "
        "RuntimeError: mat1 and mat2 shapes cannot be multiplied (1x394272 and 9800x10)); give the size it takes, "
        "like 32"
    )


def test_where_no_config_is_exact_the_closest_is_named_with_what_still_differs():
    # Caffe's ResNet-50: stride on the first 1×1 (v1), a max pool with ceil_mode and no padding
    from tests.corpus_models import CASES_BY_ID

    case = CASES_BY_ID["caffe_resnet50"]
    comparison = compare_model(case.build(), get_spec("resnet50"), (case.size, case.size))
    assert comparison.equals is None
    closest = comparison.closest
    assert closest.arch == "resnet50:maxpool_padding=0,stride_in=v1" and closest.tried == 2
    assert [d.kind for d in closest.differences] == ["maxpool"]
    assert comparison.closest_line().startswith(
        "No config of this tool builds your network exactly; the closest, resnet50:maxpool_padding=0,stride_in=v1, "
        "differs only in maxpool: your stem's max pool is 3×3/2 padding 0, ceil_mode; the reference's is 3×3/2 "
        "padding 0"
    )
    data = comparison.document().to_dict()
    assert data["closest"]["arch"] == closest.arch and data["closest"]["candidates_tried"] == 2
    assert [d["kind"] for d in data["closest"]["differences"]] == ["maxpool"]


def test_shared_weights_never_match():
    # one BN module used twice in a block, and the `[Block(...)] * n` slip that repeats one module n times
    from tests.corpus_models import TVBottleneck, tv_resnet18, tv_resnet50

    shared_bn = tv_resnet18()
    shared_bn.layer1[0].bn2 = shared_bn.layer1[0].bn1
    repeated = tv_resnet50()
    repeated.layer1 = torch.nn.Sequential(repeated.layer1[0], *[TVBottleneck(256, 64)] * 2)
    for model, name, said in (
        (shared_bn, "resnet18", "your model uses one tensor, layer1.0.bn1.weight, in 2 places"),
        (repeated, "resnet50", "your model uses one tensor, layer1.1.conv1.weight, in 2 places"),
    ):
        comparison = compare_model(model, get_spec(name), (64, 64))
        assert comparison.verdict == "differs" and [d.kind for d in comparison.differences] == ["function"]
        # a shared tensor counts once in the stage totals, as sum(p.numel() for p in model.parameters()) does
        assert sum(r.your_params for r in comparison.records()) == sum(p.numel() for p in model.parameters())
        assert said in comparison.differences[0].message and "shared weights, fewer parameters" in (
            comparison.differences[0].message
        )


def test_clamp_at_zero_is_a_relu():
    from tests.corpus_models import TVBasicBlock, tv_resnet18

    class ClampBlock(TVBasicBlock):
        def forward(self, x):
            identity = x if self.downsample is None else self.downsample(x)
            out = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
            return (out + identity).clamp(min=0)

    model = tv_resnet18()
    for stage in (model.layer1, model.layer2, model.layer3, model.layer4):
        for block in stage:
            block.__class__ = ClampBlock
    assert compare_model(model, get_spec("resnet18"), (64, 64)).verdict == "matches"


def test_a_plain_network_without_arch_is_not_a_resnet():
    plain = torch.nn.Sequential(
        torch.nn.Conv2d(3, 8, 3),
        torch.nn.ReLU(),
        torch.nn.AdaptiveAvgPool2d(1),
        torch.nn.Flatten(),
        torch.nn.Linear(8, 10),
    )
    from resnet_inspect.features.check import check as check_model

    assert check_model(plain).verdict == "not_a_resnet"


class DetectionFrozenBN(torch.nn.Module):
    """A batch norm with fixed statistics and affine, as detection codebases write one: buffers only, applied as
    x * scale + shift."""

    def __init__(self, channels, eps=1e-5):
        super().__init__()
        self.eps = eps
        for name, value in (("weight", 1.0), ("bias", 0.0), ("running_mean", 0.0), ("running_var", 1.0)):
            self.register_buffer(name, torch.full((channels,), value))

    def forward(self, x):
        scale = self.weight * (self.running_var + self.eps).rsqrt()
        shift = self.bias - self.running_mean * scale
        return x * scale.reshape(1, -1, 1, 1) + shift.reshape(1, -1, 1, 1)


def test_a_frozen_batch_norm_is_named_as_one():
    from tests.corpus_models import tv_resnet18

    comparison = compare_model(tv_resnet18(norm_layer=DetectionFrozenBN), get_spec("resnet18"), (64, 64))
    assert comparison.verdict == "differs" and [d.kind for d in comparison.differences] == ["norm"]
    assert comparison.differences[0].message.startswith(
        "your stem normalises with frozen batch norm (a fixed per-channel scale and shift); the reference with batch "
        "norm"
    )
    # every place it is used, said once: the stem, and each block's main path and projection
    assert comparison.differences[0].places[:3] == ("stem", "layer1.0", "layer1.1")


SMALL_CONFIGS = ["resnet18", "resnet20", "preact_resnet18", "seresnet18", "resnet18d", "resnext50_32x4d"]
NEIGHBOURS = {  # one knob each, every one a different network
    "shortcut": "C",
    "order": "pre",
    "maxpool_padding": 0,
    "se_reduction": 8,
    "stem": "deep",
    "conv_bias": True,
}


@pytest.mark.slow
@pytest.mark.parametrize("name", SMALL_CONFIGS)
def test_our_own_model_matches_itself_and_differs_from_each_one_knob_neighbour(name):
    from resnet_inspect import parse_arch

    size = (32, 32) if name == "resnet20" else (64, 64)
    model = build_model(name)  # random weights of its own; the proof draws others
    itself = compare_model(model, get_spec(name), size)
    assert itself.verdict == "matches" and itself.proof.holds, itself.verdict_line()
    spec = get_spec(name)
    for knob, value in NEIGHBOURS.items():
        try:
            neighbour = parse_arch(f"{name}:{knob}={value}")
        except Exception:
            continue  # a knob this family does not take
        if neighbour == spec:
            continue
        comparison = compare_model(model, neighbour, size)
        assert comparison.verdict == "differs", (name, knob, comparison.verdict_line())


@pytest.mark.parametrize(
    ("factory", "depth", "kind", "message", "equals"),
    [
        (
            "one_by_one",
            "18",
            "block_type",
            "layer1.0: your block is a block of 3×3, 1×1 convs where the reference's is a basic block (two 3×3 convs)",
            None,
        ),
        (
            "projection",
            "18",
            "shortcut",
            "layer1.0: your shortcut is a projection (1×1 conv 64→64, batch norm); the reference's is the identity",
            None,
        ),
        (
            "resnet50_v1",
            "50",
            "stride",
            "layer2.0: stride 2 on the first conv (1×1) where the reference has stride 2 on the second conv (3×3) "
            "(v1 against v1.5) (and in 2 more places: layer3.0, layer4.0)",
            "resnet50:stride_in=v1",
        ),
        ("stem_bias", "18", "bias", "your stem conv has bias; the reference's has none", None),
        (
            "option_a",
            "18",
            "shortcut",
            "layer2.0: your shortcut is option A: subsample and zero-pad the channels (no parameters); the reference's "
            "is a projection (1×1 conv /2 64→128, batch norm) (and in 2 more places: layer3.0, layer4.0)",
            "resnet18:shortcut=A",
        ),
    ],
)
def test_each_mistake_is_found_and_named(factory, depth, kind, message, equals):
    result = check(factory, "--depth", depth, "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["verdict"] == "differs"
    (difference,) = data["differences"]
    assert (difference["kind"], difference["message"]) == (kind, message)
    assert set(difference) == {"kind", "places", "yours", "reference", "message"}
    assert len(difference["places"]) == (3 if "more places" in message else 1)
    assert data["equals"] == equals


def test_rich_report_names_the_first_divergence():
    out = check("one_by_one", "--depth", "18").stdout
    assert "✗ differs from resnet18 in 1 way (block_type); first: layer1.0: your block is a block of 3×3, 1×1" in out
    assert "147,968" in out and "115,200" in out  # layer1's params, the reference's and yours


def test_a_different_depth_is_recognised():
    comparison = compare_model(load_factory(f"{MODELS}:correct"), get_spec(34), (224, 224))
    assert comparison.verdict == "differs" and comparison.equals == "resnet18"
    assert [d.kind for d in comparison.differences] == ["blocks"]


def test_kwargs_and_module_paths(monkeypatch):
    monkeypatch.chdir(HERE)
    args = ["check", "user_models.from_scratch:ten_classes", "--kwargs", '{"num_classes": 10}', "--format", "json"]
    result = runner.invoke(app, [*args, "--depth", "18"])
    assert result.exit_code == 1, result.stderr  # another class count than the reference's is a `head` difference
    data = json.loads(result.stdout)
    assert [d["kind"] for d in data["differences"]] == ["head"] and data["equals"] == "resnet18:num_classes=10"
    assert data["stages"][-1]["your_out_shape"] == [1, 10]
    assert runner.invoke(app, [*args, "--arch", "resnet18:num_classes=10"]).exit_code == 0


@pytest.mark.parametrize(
    ("target", "extra", "message"),
    [
        ("nope.py:x", [], "'nope.py': no such file"),
        (f"{MODELS}:corect", [], "has no 'corect'; did you mean correct"),
        (f"{MODELS}:broken", [], "broken(**{}) failed: RuntimeError: CUDA is required for this model"),
        (f"{MODELS}:NotAModel", [], "NotAModel returned a NotAModel, not a torch.nn.Module"),
        (f"{MODELS}:correct", ["--kwargs", "{num_classes: 10}"], "is not JSON"),
        ("no_such_package.models:resnet", [], "cannot import 'no_such_package.models': ModuleNotFoundError"),
    ],
)
def test_models_that_cannot_be_loaded_exit_2_in_one_line(target, extra, message):
    result = runner.invoke(app, ["check", target, *extra])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr and "Traceback" not in result.stderr


# Configs with knobs that leave weights (or, like stride_in and output_stride, leave none: read back as the config
# whose weights they are).
KNOBBED = ["resnet18:stem=cifar,num_classes=10", "resnet34:shortcut=A", "resnet50:se_reduction=8",
           "resnet18:in_channels=1", "resnet50:shortcut=C", "preact_resnet50:shortcut=C", "preact_resnet18:stem=deep",
           "resnet50:stem=deep", "resnet18:layers=1+1,widths=64+128", "resnet50:stride_in=v1",
           "resnet50:output_stride=8", "resnet101:groups=32,width_per_group=8"]  # fmt: skip


def _shapes(arch: str) -> dict[str, tuple[int, ...]]:
    return {k: tuple(v.shape) for k, v in build_model(arch, device="meta").state_dict().items()}


@pytest.mark.parametrize("arch", [*REGISTRY, *KNOBBED])
def test_a_state_dict_of_any_config_reads_back_as_a_config_with_the_same_weights(arch):
    result = check_state_dict(build_model(arch, device="meta").state_dict(), arch)
    assert result.problems == () and result.verdict == "recognised", result.problems
    assert _shapes(result.recognised_as.split(" = ")[0]) == _shapes(arch)  # the same keys and shapes, to the last
    if arch in REGISTRY:
        assert arch in result.recognised_as.split(" = ")
    # and it says what the weights could not tell
    assert any("cannot say whether the stem has" in note for note in result.notes)
    assert any("cannot say an output_stride" in note for note in result.notes)


@pytest.mark.parametrize("arch", ["resnet20", "preact_resnet18", "seresnet18", "resnet18:stem=cifar,num_classes=10"])
def test_a_saved_checkpoint_of_our_own_reads_back_from_the_command_line(tmp_path, arch):
    path = tmp_path / "weights.pt"
    torch.save(build_model(arch).state_dict(), path)
    result = runner.invoke(app, ["check", str(path), "--format", "json"])
    assert result.exit_code == 0, result.stdout
    data = json.loads(result.stdout)
    assert data["verdict"] == "recognised" and data["recognised_as"] == arch


def test_checkpoint_files(tmp_path):
    model = build_model(18)
    good = tmp_path / "r18.pt"
    torch.save(model.state_dict(), good)
    result = runner.invoke(app, ["check", str(good), "--depth", "18"])
    assert result.exit_code == 0 and "✓" in result.stdout and "resnet18" in result.stdout
    wrong = runner.invoke(app, ["check", str(good), "--depth", "34"])
    assert (
        wrong.exit_code == 1 and "differs from resnet34: layers (2, 2, 2, 2) (reference (3, 4, 6, 3))" in wrong.stdout
    )

    wrapped = tmp_path / "wrapped.pt"
    torch.save({"epoch": 3, "state_dict": {f"module.{k}": v for k, v in model.state_dict().items()}}, wrapped)
    assert runner.invoke(app, ["check", str(wrapped)]).exit_code == 0

    truncated = tmp_path / "truncated.pt"
    state = model.state_dict()
    del state["layer4.1.conv2.weight"]
    torch.save(state, truncated)
    result = runner.invoke(app, ["check", str(truncated), "--format", "json"])
    data = json.loads(result.stdout)
    assert result.exit_code == 1
    assert data["problems"] == ["1 keys the inferred resnet18 needs are missing: layer4.1.conv2.weight"]

    renamed = tmp_path / "renamed.pt"
    torch.save({k.replace("layer", "stage"): v for k, v in model.state_dict().items()}, renamed)
    data = json.loads(runner.invoke(app, ["check", str(renamed), "--format", "json"]).stdout)
    assert data["problems"][0].startswith("no residual blocks: neither layer1.0.conv1.weight")
    assert data["problems"][1].startswith("114 keys look like no ResNet part: stage1.0.conv1.weight")

    pickled = tmp_path / "module.pt"
    torch.save(model, pickled)
    result = runner.invoke(app, ["check", str(pickled)])
    assert result.exit_code == 2
    assert "holds pickled code" in result.stderr and "never unpickled" in result.stderr


def test_malformed_checkpoints_get_a_clear_answer(tmp_path):
    bad_keys = tmp_path / "int_keys.pt"
    torch.save({1: torch.zeros(3)}, bad_keys)
    result = runner.invoke(app, ["check", str(bad_keys)])
    assert result.exit_code == 2 and "is not a state_dict (a mapping of names to tensors)" in result.stderr

    state = build_model(18, device="meta").state_dict()
    flat = dict(state, **{"conv1.weight": torch.empty(64)})
    assert check_state_dict(flat, "flat").problems[0].startswith("its keys look like a ResNet's but do not fit one")
    holes = {k: v for k, v in state.items() if not k.startswith("layer1.0.")}
    problems = check_state_dict(holes, "holes").problems
    assert problems[0] == (
        "its keys look like a ResNet's but do not fit one: layer1.0.conv1.weight, the first "
        "block's, is missing where later blocks' are there"
    )


def test_checkpoint_verdict_ignores_what_weights_cannot_show(tmp_path):
    path = tmp_path / "r50.pt"
    torch.save(build_model(50, device="meta").to_empty(device="cpu").state_dict(), path)
    for arch in ("resnet50:maxpool_padding=0", "resnet50:stride_in=v1"):
        result = runner.invoke(app, ["check", str(path), "--arch", arch])
        assert result.exit_code == 0, result.stdout
    assert "cannot say where the bottleneck's stride is" in result.stdout


@pytest.mark.parametrize(
    ("wrap", "said"),
    [
        (
            lambda s: {"epoch": 3, "state_dict": {f"model.{k}": v for k, v in s.items()}},
            ["read the state_dict nested under 'state_dict'", "stripped the wrapper prefix 'model.' from every key"],
        ),
        (
            lambda s: {f"module._orig_mod.{k}": v for k, v in s.items()},
            ["stripped the wrapper prefix 'module._orig_mod.' from every key"],
        ),
        (
            lambda s: {"model": {f"backbone.{k}": v for k, v in s.items()}, "ema": {}},
            ["read the state_dict nested under 'model'", "stripped the wrapper prefix 'backbone.' from every key"],
        ),
        (
            lambda s: {"ema": {f"net.{k}": v for k, v in s.items()}},
            ["read the state_dict nested under 'ema'", "stripped the wrapper prefix 'net.' from every key"],
        ),
    ],
)
def test_wrapped_checkpoints_are_unwrapped_and_say_how(tmp_path, wrap, said):
    path = tmp_path / "wrapped.pt"
    torch.save(wrap(build_model(18, device="meta").to_empty(device="cpu").state_dict()), path)
    result = runner.invoke(app, ["check", str(path), "--depth", "18", "--format", "json"])
    assert result.exit_code == 0, result.stdout
    data = json.loads(result.stdout)
    assert data["recognised_as"] == "resnet18" and data["notes"][: len(said)] == said
    assert data["checked_by"] == "names and shapes" and data["notes"][-1].startswith("checked by key names and tensor")


def test_checkpoints_without_counters_with_renamed_projections():
    state = build_model(34, device="meta").state_dict()
    old = {k: v for k, v in state.items() if not k.endswith("num_batches_tracked")}
    result = check_state_dict(old, "old")
    assert result.problems == () and result.recognised_as == "resnet34"
    # BNs of ResNet-34: the stem's, two in each of 16 blocks, one in each of 3 projections.
    assert f"no num_batches_tracked buffers ({1 + 2 * 16 + 3} expected): not needed to infer the config" in result.notes
    renamed = {
        k.replace("downsample.0", "shortcut.0").replace("downsample.1", "shortcut.1"): v for k, v in state.items()
    }
    result = check_state_dict(renamed, "kuangliu-style")
    assert result.problems == () and result.recognised_as == "resnet34"
    assert any("`shortcut.0`" in note for note in result.notes)


def test_an_avg_down_shortcut_without_batch_norm_is_inferred():
    state = build_model("resnet50d:shortcut_norm=false", device="meta").state_dict()
    assert not any(".downsample.2." in k for k in state)  # the conv is the shortcut's last op
    result = check_state_dict(state, "avgdown-no-bn")
    assert result.problems == ()
    assert (result.spec.shortcut, result.spec.shortcut_norm, result.spec.stem) == ("avgdown", False, "deep")


def test_equals_is_an_arch_the_model_then_matches():
    first = json.loads(check("option_a", "--depth", "18", "--format", "json").stdout)
    again = check("option_a", "--arch", first["equals"], "--format", "json")
    assert again.exit_code == 0, again.stdout
    data = json.loads(again.stdout)
    assert (data["verdict"], data["equals"], data["differences"]) == ("matches", first["equals"], [])


def test_a_network_without_shortcuts_is_not_a_resnet():
    result = runner.invoke(
        app, ["check", f"{HERE / 'corpus_models.py'}:Plain20", "--arch", "resnet20", "--size", "32", "--format", "json"]
    )
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert (data["verdict"], data["equals"]) == ("not_a_resnet", None)
    assert [d["kind"] for d in data["differences"]] == ["residual"]
    assert (
        "✗ not a ResNet"
        in runner.invoke(
            app, ["check", f"{HERE / 'corpus_models.py'}:Plain20", "--arch", "resnet20", "--size", "32"]
        ).stdout
    )


@pytest.mark.parametrize(
    ("body", "code", "said"),
    [
        ("sys.exit(5)", 2, "called sys.exit(5)"),
        ("sys.exit()", 2, "called sys.exit(None)"),
        ("raise KeyboardInterrupt", 130, "interrupted"),
    ],
)
def test_a_factory_that_exits_or_is_interrupted_gives_one_line_and_our_exit_code(tmp_path, body, code, said):
    source = tmp_path / "exits.py"
    source.write_text(f"import sys\n\n\ndef build():\n    {body}\n")
    result = CliRunner().invoke(app, ["check", f"{source}:build", "--depth", "18"])
    assert result.exit_code == code
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("resnet-inspect: error: ") and said in lines[0]
    assert "Traceback" not in result.output


def test_a_checkpoints_notes_say_either_only_after_the_note_it_refers_to():
    basic = check_state_dict(build_model(18, device="meta").state_dict(), "r18").notes
    bottleneck = check_state_dict(build_model(50, device="meta").state_dict(), "r50").notes
    pool = "a max pool and its padding own no weights: the checkpoint cannot say whether the stem has one"
    assert pool in basic and pool in bottleneck
    assert bottleneck[0].startswith("v1 and v1.5 have the same weights") and not basic[0].startswith("v1 and v1.5")


def test_a_model_that_resizes_its_own_input_is_told_so():
    class Resizing(torch.nn.Module):  # a deployment wrapper: whatever comes in is resized to 224×224 first
        def __init__(self):
            super().__init__()
            self.net = build_model(18)

        def forward(self, x):
            return self.net(torch.nn.functional.interpolate(x, size=(224, 224), mode="bilinear"))

    result = compare_model(Resizing(), get_spec(18), (64, 64))
    assert result.verdict == "differs"
    assert [d.kind for d in result.differences] == ["input"]
    assert "your model resizes its input: its first layer sees 224×224 where the input is 64×64" in (
        result.differences[0].message
    )


def _bad_files(folder):
    import os

    (folder / "mynet.py").write_text("import torch\n\n\ndef build():\n    return torch.nn.Identity()\n")
    (folder / "notes.txt").write_text("weights from the first run\n")
    (folder / "empty.pt").write_bytes(b"")
    (folder / "noise.bin").write_bytes(bytes(range(1, 256)) * 8 + os.urandom(64))
    (folder / "adir").mkdir()
    torch.save(build_model(18, device="meta").to_empty(device="cpu"), folder / "module.pt")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("mynet.py", "'mynet.py' is Python source, not a checkpoint; to check a model, name its factory, like "
                     "mynet.py:build"),
        ("notes.txt", "'notes.txt' is text: torch.save writes a zip archive (or, before torch 1.6, a pickle)"),
        ("empty.pt", "'empty.pt' is empty (0 bytes): not a checkpoint"),
        ("noise.bin", "'noise.bin' is not a checkpoint: torch.save writes a zip archive"),
        ("adir", "'adir' is a directory; give a checkpoint file, or a model as path/to/file.py:factory"),
        ("module.pt", "'module.pt' holds pickled code (a whole module, or objects), which is never unpickled here"),
        ("missing.pt", "'missing.pt': no such file"),
    ],
)  # fmt: skip
def test_each_kind_of_bad_file_is_told_what_it_is(tmp_path, monkeypatch, name, message):
    _bad_files(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["check", name])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1, result.output
    assert message in result.stderr


def test_a_model_reference_to_a_file_that_is_not_python_is_told_so(tmp_path, monkeypatch):
    _bad_files(tmp_path)
    monkeypatch.chdir(tmp_path)
    for target, message in (("notes.txt:build", "'notes.txt' is not a Python file (.py)"),
                            ("mynet.py:bulid", "'mynet.py' has no 'bulid'; did you mean build?")):  # fmt: skip
        result = runner.invoke(app, ["table", "--model", target])
        assert result.exit_code == 2 and message in result.stderr and result.stderr.count("\n") == 1
