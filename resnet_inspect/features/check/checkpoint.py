"""Which config a state_dict was saved from: inferred from key names and tensor shapes alone, then confirmed by
loading it strictly into the inferred model. Weights hold no strides, paddings or activations: what they cannot say
is said."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from ...capture.load import read_checkpoint, unwrap_state_dict
from ...core.configs import REGISTRY
from ...core.errors import InspectError
from ...core.spec import ResNetSpec
from ...records import Line, Result, Section
from ...records.vocabulary import CheckpointDocument, Verdict
from .infer import candidate_specs


@dataclass(frozen=True)
class CheckpointResult(Result):
    path: str
    spec: ResNetSpec | None
    recognised_as: str | None  # a registered name, when the inferred config is one
    notes: tuple[str, ...]
    problems: tuple[str, ...]  # keys that fit no config, or a strict load that failed
    reference: ResNetSpec | None = None  # the config it is held against, if any

    @property
    def design(self) -> str:
        """What sets the inferred config apart, in a line (`catalog.design_text`)."""
        from ..catalog import design_text

        return design_text(self.spec) if self.spec is not None else "no config"

    def difference(self) -> str | None:
        """How the checkpoint's config differs from the reference, in words; None when it does not."""
        if self.reference is None or self.spec is None:
            return None
        skip = {"name", "stride_in", "maxpool_padding", "default_size", "output_stride"}  # no trace in the weights
        fields = [f.name for f in dataclasses.fields(ResNetSpec) if f.name not in skip]
        differ = [f for f in fields if getattr(self.spec, f) != getattr(self.reference, f)]
        if not differ:
            return None
        return f"differs from {self.reference.name}: " + ", ".join(
            f"{f} {getattr(self.spec, f)!r} (reference {getattr(self.reference, f)!r})" for f in differ
        )

    @property
    def verdict(self) -> Verdict:
        """matches (the reference's architecture), recognised (no reference: it loads strictly into a config),
        differs (it loads, into another config than the reference), or not_a_resnet."""
        if self.spec is None or self.problems:
            return Verdict.not_a_resnet
        if self.reference is None:
            return Verdict.recognised
        return Verdict.differs if self.difference() else Verdict.matches

    @property
    def failures(self) -> tuple[str, ...]:
        if self.verdict in ("matches", "recognised"):
            return ()
        return ((self.difference() or (self.problems or ("not a ResNet state_dict",))[0]),)

    def document(self) -> CheckpointDocument:
        """The JSON contract of `check` on a checkpoint."""
        difference = self.difference()
        return CheckpointDocument(
            target=self.path,
            verdict=self.verdict,
            arch=self.reference.name if self.reference else None,
            inferred=dataclasses.asdict(self.spec) if self.spec else None,
            recognised_as=self.recognised_as,
            notes=list(self.notes),
            checked_by="names and shapes",
            problems=list(self.problems) + ([difference] if difference else []),
        )

    def records(self) -> list[CheckpointDocument]:
        return [self.document()]

    def sections(self) -> list[Section]:
        ok = not self.failures
        said = f"{'✓' if ok else '✗'} {self.path}: {self.verdict}" + (
            f" as {self.recognised_as}" if self.recognised_as else ""
        )
        return [
            Section(
                lines=[
                    Line(said, "ok" if ok else "bad"),
                    *(Line(f"• {p}", "bad") for p in self.document().problems),
                    *(Line(f"note: {n}", "note") for n in self.notes),
                ]
            )
        ]

    def __repr__(self) -> str:
        return f"<CheckpointResult {self.path}: {self.verdict}" + (
            f" ({self.recognised_as})>" if self.recognised_as else ">"
        )


def infer_spec(state: dict[str, Any]) -> tuple[ResNetSpec, list[str]]:
    """The config a torchvision/timm-layout state_dict was saved from."""
    notes = []
    shapes = {k: tuple(v.shape) for k, v in state.items()}
    if "conv1.weight" in shapes:
        stem, stem_widths = "torchvision", (shapes["conv1.weight"][0],)
        in_channels = shapes["conv1.weight"][1]
    elif "conv1.0.weight" in shapes:
        stem = "deep"
        stem_widths = tuple(shapes[f"conv1.{i}.weight"][0] for i in (0, 3, 6) if f"conv1.{i}.weight" in shapes)
        in_channels = shapes["conv1.0.weight"][1]
    else:
        raise InspectError("no stem: neither conv1.weight (torchvision) nor conv1.0.weight (deep stem) is in it")
    layers, widths = [], []
    block = "bottleneck" if any(k.endswith(".conv3.weight") for k in shapes) else "basic"
    groups, width_per_group = 1, 64
    shortcuts = set()
    for stage in range(1, 5):
        count = len({k.split(".")[1] for k in shapes if k.startswith(f"layer{stage}.") and k.endswith(".conv1.weight")})
        if count == 0:
            raise InspectError(f"no blocks under layer{stage}: keys like layer{stage}.0.conv1.weight are missing")
        layers.append(count)
        last = f"layer{stage}.0"
        out = shapes[f"{last}.conv{3 if block == 'bottleneck' else 2}.weight"][0]
        width = out // (4 if block == "bottleneck" else 1)
        widths.append(width)
        if block == "bottleneck":
            inner, per_group = shapes[f"{last}.conv2.weight"][0], shapes[f"{last}.conv2.weight"][1]
            groups = inner // per_group
            width_per_group = inner // groups * 64 // width
        for index in range(count):
            keys = [k for k in shapes if k.startswith(f"layer{stage}.{index}.downsample.")]
            if (
                f"layer{stage}.{index}.downsample.1.weight" in shapes
                and len(shapes[f"layer{stage}.{index}.downsample.1.weight"]) == 4
            ):
                shortcuts.add("avgdown")
            elif keys:
                shortcuts.add("C" if index > 0 else "B")
            elif index == 0 and (stage > 1 or out != stem_widths[-1]):
                shortcuts.add("A")
    shortcut = "C" if "C" in shortcuts else "avgdown" if "avgdown" in shortcuts else "A" if "A" in shortcuts else "B"
    conv_bias = "conv1.bias" in shapes or "conv1.0.bias" in shapes
    # A projection's conv is `downsample.0` (or `.1` after ResNet-D's pool); its norm, if any, is the next index.
    convs = [k for k, v in shapes.items() if ".downsample." in k and k.endswith(".weight") and len(v) == 4]
    shortcut_norm = not convs or any(
        k.rsplit(".", 2)[0] + f".{int(k.rsplit('.', 2)[1]) + 1}.weight" in shapes for k in convs
    )
    if "fc.weight" not in shapes:
        raise InspectError("no classifier: fc.weight is missing")
    num_classes = shapes["fc.weight"][0]
    spec = ResNetSpec(
        name="inferred",
        block=block,
        layers=tuple(layers),
        widths=tuple(widths),
        stem=stem,
        stem_widths=stem_widths,
        shortcut=shortcut,
        shortcut_norm=shortcut_norm,
        conv_bias=conv_bias,
        groups=groups,
        width_per_group=width_per_group,
        in_channels=in_channels,
        num_classes=num_classes,
    )
    if block == "bottleneck":
        notes.append("v1 and v1.5 have the same weights: a checkpoint cannot say where the bottleneck's stride is")
    either = " either" if block == "bottleneck" else ""  # after the stride's note, which says the same of v1/v1.5
    notes.append(f"the max pool's padding owns no weights{either}: a checkpoint cannot say it")
    return spec, notes


def check_checkpoint(path: str, reference: ResNetSpec | None = None) -> CheckpointResult:
    state, notes = read_checkpoint(path)
    return dataclasses.replace(check_state_dict(state, path, unwrapped=notes), reference=reference)


def check_state_dict(state: dict[str, Any], label: str, *, unwrapped: list[str] | None = None) -> CheckpointResult:
    """Infer the config from names and shapes alone (meta tensors will do), then try it strictly.

    The check is by key names and tensor shapes only: weights hold no strides, paddings or activations.
    """
    from ...runtime.model import build_model

    path = label
    if unwrapped is None:
        state, unwrapped = unwrap_state_dict(state, label)
    try:
        spec, notes = infer_spec(state)
    except InspectError as error:
        return CheckpointResult(path, None, None, (), (str(error), *_unfit_keys(state)))
    except (KeyError, IndexError, ZeroDivisionError, ValueError) as error:
        # Keys that look like a ResNet's with shapes that cannot be one (a 1-D conv weight, a block missing).
        said = f"key {error}" if isinstance(error, KeyError) else str(error) or type(error).__name__
        return CheckpointResult(
            path, None, None, (), (f"its keys look like a ResNet's but do not fit one: {said}", *_unfit_keys(state))
        )
    notes = [*unwrapped, *notes]
    recognised = _registered_name(spec)
    named = dataclasses.replace(spec, name=recognised or "inferred")
    model = build_model(named, device="meta")
    expected = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    found = {k: tuple(v.shape) for k, v in state.items()}
    problems = []
    counters = [k for k in expected if k.endswith("num_batches_tracked") and k not in found]
    if counters:  # torch before 0.4.1 saved none; they count steps and say nothing of the architecture
        notes.append(f"no num_batches_tracked buffers ({len(counters)} expected): not needed to infer the config")
        expected = {k: v for k, v in expected.items() if k not in counters}
    missing = [k for k in expected if k not in found]
    unexpected = [k for k in found if k not in expected]
    mismatched = [k for k in expected if k in found and expected[k] != found[k]]
    if missing:
        problems.append(
            f"{len(missing)} keys the inferred {named.name} needs are missing: {', '.join(missing[:4])}"
            + (" …" if len(missing) > 4 else "")
        )
    if unexpected:
        problems.append(
            f"{len(unexpected)} keys fit no part of it: {', '.join(unexpected[:4])}"
            + (" …" if len(unexpected) > 4 else "")
        )
    for k in mismatched[:4]:
        problems.append(f"{k}: shape {found[k]} where the inferred {named.name} has {expected[k]}")
    notes.append("checked by key names and tensor shapes only: a checkpoint holds no strides, paddings or activations")
    return CheckpointResult(path, named, recognised if not problems else None, tuple(notes), tuple(problems))


def _registered_name(spec: ResNetSpec) -> str | None:
    """The registered names of `spec` ("resnet50d = xresnet50"), or a named config with knobs."""
    same = [
        name
        for name, candidate in REGISTRY.items()
        if dataclasses.replace(candidate, name="inferred", stride_in=spec.stride_in) == spec
    ]
    if same:
        return " = ".join(same)
    for candidate in candidate_specs(spec.in_channels, spec.num_classes):
        if dataclasses.replace(candidate, name="inferred", stride_in=spec.stride_in) == spec:
            return candidate.name
    return None


def _unfit_keys(state: dict[str, Any]) -> list[str]:
    known = ("conv1.", "bn1.", "layer1.", "layer2.", "layer3.", "layer4.", "fc.")
    odd = [k for k in state if not k.startswith(known)]
    return [f"{len(odd)} keys look like no ResNet part: {', '.join(odd[:4])}"] if odd else []
