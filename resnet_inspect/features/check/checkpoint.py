"""Which config a state_dict was saved from: inferred from key names and tensor shapes alone, then confirmed by
loading it strictly into the inferred model. Weights hold no strides, paddings or activations: what they cannot say
is said."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

from ...capture.load import read_checkpoint, unwrap_state_dict
from ...core.configs import REGISTRY
from ...core.errors import InspectError
from ...core.spec import ResNetSpec
from ...records import Line, Result, Section
from ...records.vocabulary import CheckpointDocument, Verdict


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
        skip = {"name", *UNKNOWABLE}  # no trace in the weights
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


# What a state_dict cannot say: these knobs own no weight. The inferred config takes a named config's value for them
# where one has the same weights, else the spec's defaults; `_unknowable_notes` says which the weights left open.
UNKNOWABLE = ("stride_in", "maxpool", "maxpool_padding", "output_stride", "default_size")


@dataclass(frozen=True)
class _Layout:
    """Where a layout keeps each part: torchvision's (and timm's ResNet-D, SE) or timm's resnetv2 (pre-activation)."""

    order: str
    block: str  # "{stage}" 0-based, "{index}"
    stem_single: str
    stem_deep: str  # the deep stem's first conv; its others are at +3 and +6
    projection: tuple[str, str]  # (conv, its norm) under a block's downsample, for a stride on the conv
    avgdown: tuple[str, str] | None  # the same after an average pool, where the names say it
    head: str


_POST = _Layout("post", "layer{stage1}.{index}", "conv1", "conv1.0", ("downsample.0", "downsample.1"),
                ("downsample.1", "downsample.2"), "fc")  # fmt: skip
_PRE = _Layout("pre", "stages.{stage}.blocks.{index}", "stem.conv", "stem.conv1.0", ("downsample.conv",
               "downsample.norm"), None, "head.fc")  # fmt: skip


def infer_spec(state: dict[str, Any]) -> tuple[ResNetSpec, list[str]]:
    """The config a state_dict in torchvision's or timm's layout was saved from, from its key names and shapes,
    with the knobs the weights cannot tell taken from a named config of the same weights where there is one."""
    shapes = {k: tuple(v.shape) for k, v in state.items()}
    layout = _PRE if "stages.0.blocks.0.conv1.weight" in shapes else _POST

    def block(stage: int, index: int) -> str:
        return layout.block.format(stage=stage, stage1=stage + 1, index=index)

    if f"{block(0, 0)}.conv1.weight" not in shapes:
        if any(re.match(r"(layer\d+|stages\.\d+\.blocks)\.\d+\.conv1\.weight$", k) for k in shapes):
            raise InspectError(f"its keys look like a ResNet's but do not fit one: {block(0, 0)}.conv1.weight, the "
                               "first block's, is missing where later blocks' are there")  # fmt: skip
        raise InspectError("no residual blocks: neither layer1.0.conv1.weight (torchvision's layout) nor "
                           "stages.0.blocks.0.conv1.weight (timm's resnetv2) is in it")  # fmt: skip
    stem, stem_widths, in_channels, conv_bias = _stem(shapes, layout)
    counts = []
    while f"{block(len(counts), 0)}.conv1.weight" in shapes:
        counts.append(len({k.split(".conv1.")[0] for k in shapes if k.startswith(block(len(counts), 0)[:-1])
                           and k.endswith(".conv1.weight")}))  # fmt: skip
    kind = "bottleneck" if f"{block(0, 0)}.conv3.weight" in shapes else "basic"
    widths, groups, width_per_group = [], 1, 64
    for s in range(len(counts)):
        out = shapes[f"{block(s, 0)}.conv{3 if kind == 'bottleneck' else 2}.weight"][0]
        widths.append(out // (4 if kind == "bottleneck" else 1))
        if kind == "bottleneck":
            inner, per_group = shapes[f"{block(s, 0)}.conv2.weight"][:2]
            groups = inner // per_group
            width_per_group = inner * 64 // (groups * widths[-1])
    shortcut, shortcut_norm = _shortcut(shapes, layout, block, counts, [stem_widths[-1], *widths], kind)
    se = _se_reduction(shapes, block, counts, [w * (4 if kind == "bottleneck" else 1) for w in widths])
    head = f"{layout.head}.weight"
    if head not in shapes:
        raise InspectError(f"no classifier: {head} is missing")
    spec = ResNetSpec(name="inferred", block=kind, layers=tuple(counts), widths=tuple(widths), stem=stem,
                      stem_widths=stem_widths, maxpool=stem != "cifar", shortcut=shortcut,
                      shortcut_norm=shortcut_norm, conv_bias=conv_bias, groups=groups,
                      width_per_group=width_per_group, order=layout.order, se_reduction=se,
                      in_channels=in_channels, num_classes=shapes[head][0])  # fmt: skip
    named = _same_weights(spec)
    return named, _unknowable_notes(named, layout)


def _stem(shapes: dict[str, tuple], layout: _Layout) -> tuple[str, tuple[int, ...], int, bool]:
    """(stem kind, its widths, input channels, whether its convs have a bias)."""
    single, deep = f"{layout.stem_single}.weight", f"{layout.stem_deep}.weight"
    if deep in shapes:
        base = layout.stem_deep.rsplit(".", 1)[0]
        widths = tuple(shapes[f"{base}.{i}.weight"][0] for i in (0, 3, 6) if f"{base}.{i}.weight" in shapes)
        return "deep", widths, shapes[deep][1], f"{base}.0.bias" in shapes
    if single not in shapes:
        raise InspectError(f"no stem: neither {single} nor {deep} (a deep stem) is in it")
    kernel = shapes[single][2:]
    stems = {(7, 7): "torchvision", (3, 3): "cifar"}
    if kernel not in stems:
        raise InspectError(f"{single}: a {kernel[0]}×{kernel[1]} stem conv fits no stem this tool builds (7×7 or 3×3)")
    return stems[kernel], (shapes[single][0],), shapes[single][1], f"{layout.stem_single}.bias" in shapes


def _shortcut(shapes, layout: _Layout, block, counts: list[int], channels: list[int], kind: str) -> tuple[str, bool]:
    """The spec's shortcut option and whether its projections have a norm, from the downsample keys."""
    expansion = 4 if kind == "bottleneck" else 1
    found, norms = set(), []
    for s, count in enumerate(counts):
        for j in range(count):
            at = f"{block(s, j)}."
            pooled = layout.avgdown is not None and len(shapes.get(f"{at}{layout.avgdown[0]}.weight", ())) == 4
            conv, norm = layout.avgdown if pooled else layout.projection
            if len(shapes.get(f"{at}{conv}.weight", ())) == 4:
                found.add("C" if j > 0 else "avgdown" if pooled else "B")
                norms.append(f"{at}{norm}.weight" in shapes)
            elif j == 0 and (s > 0 or channels[s] != channels[s + 1] * expansion):
                found.add("A")
    shortcut = next((o for o in ("C", "avgdown", "A") if o in found), "B")
    return shortcut, all(norms) if norms else layout.order == "post"


def _se_reduction(shapes, block, counts: list[int], outs: list[int]) -> int:
    """The squeeze-and-excitation reduction whose channel rule gives every block's squeeze width (0: no SE)."""
    from ...core.plan import se_channels

    squeezed = [(outs[s], shapes[f"{block(s, j)}.se.fc1.weight"][0]) for s, count in enumerate(counts)
                for j in range(count) if f"{block(s, j)}.se.fc1.weight" in shapes]  # fmt: skip
    if not squeezed:
        return 0
    for reduction in (16, 8, 4, 32, 2, 64, 1):
        if all(se_channels(c, reduction) == hidden for c, hidden in squeezed):
            return reduction
    raise InspectError(f"squeeze-and-excitation widths {sorted({h for _, h in squeezed})} fit no reduction of "
                       "timm's rule (a multiple of 8 near channels / reduction)")  # fmt: skip


def _knowable(spec: ResNetSpec) -> ResNetSpec:
    """`spec` with what its weights cannot say set to the defaults: two specs with the same weights compare equal."""
    return dataclasses.replace(spec, name="", **_DEFAULTS)


_DEFAULTS = {f.name: f.default for f in dataclasses.fields(ResNetSpec) if f.name in UNKNOWABLE}


def _same_weights(spec: ResNetSpec) -> ResNetSpec:
    """`spec` named after the configs with exactly its weights (`resnet50d = xresnet50`), their values taken for
    the knobs weights cannot tell; or after the shortest knobs on a named config that give it (`--arch` text)."""
    from ...core.configs import arch_string

    same = [(name, cfg) for name, cfg in REGISTRY.items() if _knowable(cfg) == _knowable(spec)]
    if same:
        return dataclasses.replace(same[0][1], name=" = ".join(name for name, _ in same))
    return dataclasses.replace(spec, name=arch_string(spec))


def _unknowable_notes(spec: ResNetSpec, layout: _Layout) -> list[str]:
    notes = []
    if spec.block == "bottleneck":
        notes.append("v1 and v1.5 have the same weights: a checkpoint cannot say where the bottleneck's stride is")
    if len(spec.stem_widths) == 1:
        notes.append("a stem conv's stride owns no weight: the checkpoint cannot say it (7×7 read as /2, 3×3 as /1)")
    notes.append("a max pool and its padding own no weights: the checkpoint cannot say whether the stem has one")
    notes.append("dilation owns no weight: the checkpoint cannot say an output_stride")
    if layout is _PRE and spec.shortcut in ("B", "C"):
        notes.append("timm's resnetv2 names its shortcut pool like its conv: a checkpoint cannot tell avgdown from B")
    return notes


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
    named = spec
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
    return CheckpointResult(path, named, named.name if not problems else None, tuple(notes), tuple(problems))


def _unfit_keys(state: dict[str, Any]) -> list[str]:
    known = ("conv1.", "bn1.", "layer", "fc.", "stem.", "stages.", "norm.", "head.")
    odd = [k for k in state if not k.startswith(known)]
    return [f"{len(odd)} keys look like no ResNet part: {', '.join(odd[:4])}"] if odd else []
