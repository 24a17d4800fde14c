"""Hold anyone's ResNet against a reference config, and say in words where it departs.

A model is captured as a dataflow graph (`capture.graph`: every aten op, residual adds and functional ReLUs
included, on a copy of the model) and its ResNet structure recovered (`capture.structure`). The reference is
built and captured the same way at the same input size. The two are compared by structure, stage by stage and
block by block (stage, block index, path), never by spatial size: a CIFAR stem on an otherwise standard net is
one `stem` difference, not a cascade. Each difference has a kind (`DifferenceKind`), every place it occurs and
both sides in words. When the model differs, the config it equals (`name:knob=value,…`, what `--arch` takes) is
inferred from its structure (`infer`), built, captured and compared again, and named only if every layer,
shape, parameter and MAC agrees.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from math import prod
from typing import Any, NamedTuple

from ...capture.structure import Structure
from ...core.configs import arch_string, parse_arch
from ...core.errors import InspectError
from ...core.spec import ResNetSpec
from ...core.words import counted
from ...records import Line, Result, Section
from ...records.vocabulary import (
    CheckDocument,
    CheckStageRecord,
    DifferenceKind,
    DifferenceRecord,
    Verdict,
)
from .proof import Proof


@dataclass(frozen=True)
class Difference:
    """One way the model departs from the reference: its kind, every place, both sides in words (at the first
    place)."""

    kind: DifferenceKind
    places: tuple[str, ...]  # "stem", "layer2.0", "layer3", "head", "model"
    yours: str
    reference: str
    message: str

    @property
    def where(self) -> str:
        """The first place."""
        return self.places[0]

    def record(self) -> DifferenceRecord:
        return DifferenceRecord(
            kind=self.kind, places=list(self.places), yours=self.yours, reference=self.reference, message=self.message
        )


@dataclass(frozen=True)
class Comparison(Result):
    reference: ResNetSpec
    yours: Structure
    theirs: Structure  # the reference's, captured the same way
    differences: tuple[Difference, ...]
    verdict: Verdict
    equals: str | None  # a config string `--arch` takes that builds the same network, or None
    probe: str  # how the forward ran
    shortcut_first: tuple[str, ...]  # blocks whose shortcut runs before the main path: the same network
    relu_calls: int
    unknown_ops: tuple[str, ...]  # ops with parameters the capture has no kind for

    target: str = "your model"
    proof: Proof | None = None  # the function check, run where the structures agree
    notes: tuple[str, ...] = ()  # what was chosen for the user: the reference, the size
    closest: Any = None  # `infer.Closest` where no config is exact: the config with the fewest differences

    @property
    def matches(self) -> bool:
        return self.verdict == "matches"

    @property
    def failures(self) -> tuple[str, ...]:
        return () if self.matches else (self.verdict_line(),)

    def verdict_line(self) -> str:
        name = self.reference.name
        if self.verdict == "matches":
            return f"matches {name}" + (f": {self.proof.words()}" if self.proof is not None else "")
        if self.verdict == "not_a_resnet":
            return "not a ResNet: no residual add anywhere"
        if self.verdict == "unproven":
            return f"not proven to match {name}: the same graph, op for op, but {self.proof.problem}"
        kinds = ", ".join(d.kind for d in self.differences)
        return f"differs from {name} in {counted(len(self.differences), 'way')} ({kinds})"

    def closest_line(self) -> str:
        """`No config builds your network exactly; the closest, resnet18:maxpool_padding=0, differs only in …`."""
        c = self.closest
        kinds = ", ".join(d.kind for d in c.differences)
        return (
            f"No config of this tool builds your network exactly; the closest, {c.arch}, differs only in {kinds}: "
            f"{c.differences[0].message} ({counted(c.tried, 'candidate')} tried)"
        )

    def records(self) -> list[CheckStageRecord]:
        """Per stage (stem, layer1…, head): output shape, params and MACs, yours beside the reference's."""
        return check_stage_records(self)

    def document(self) -> CheckDocument:
        """The JSON contract of `check` on a model."""
        from ...capture.structure import summary

        return CheckDocument(
            target=self.target,
            arch=self.reference.name,
            verdict=self.verdict,
            equals=self.equals,
            run=self.probe,
            proof=self.proof.record() if self.proof is not None else None,
            notes=list(self.notes),
            closest=(
                {
                    "arch": self.closest.arch,
                    "differences": [d.record() for d in self.closest.differences],
                    "candidates_tried": self.closest.tried,
                }
                if self.closest is not None
                else None
            ),
            differences=[d.record() for d in self.differences],
            structure=summary(self.yours),
            shortcut_runs_first_in=list(self.shortcut_first),
            relu_calls_seen=self.relu_calls,
            unrecognised_modules=list(self.unknown_ops),
            stages=self.records(),
        )

    def sections(self) -> list[Section]:
        lines = [Line(note, "note") for note in self.notes]
        lines += [Line(("✓ " if self.matches else "✗ ") + self.verdict_line(), "ok" if self.matches else "bad")]
        lines += [Line(f"• {d.message}", "bad") for d in self.differences]
        lines += [Line(note, "note") for note in (self.proof.notes if self.proof is not None else ())]
        if self.equals and not self.matches:
            lines.append(Line(f"Your model equals {self.equals}.", "title"))
        elif self.closest is not None:
            lines.append(Line(self.closest_line(), "note"))
        return [Section(lines=lines), Section("Per stage: yours against the reference", self.records())]

    def __repr__(self) -> str:
        first = f"; first: {self.differences[0].message}" if self.differences else ""
        return f"<Comparison with {self.reference.name}: {self.verdict_line()}{first}>"


def compare_model(
    model: Any,
    spec: ResNetSpec,
    size: tuple[int, int],
    *,
    batch: int = 1,
    target: str = "your model",
    captured: tuple[Any, Structure] | None = None,
    notes: tuple[str, ...] = (),
) -> Comparison:
    """Capture `model` at `size` (or take its `captured` graph and structure) and hold its structure against
    `spec`'s, block by block (stage, index, path); a "matches" only once proven (`proof.prove`). `notes`: what
    the caller chose for the user (a reference, a size), said with the verdict."""
    from ...capture.graph import input_channels
    from .infer import equal_config, reference_capture, structure_of
    from .proof import prove

    channels = input_channels(model, spec.in_channels)
    graph, yours = captured if captured is not None else structure_of(model, (batch, channels, *size))
    reference = reference_capture(spec, size)
    theirs = reference.structure
    differences = compare_structures(yours, theirs)
    proof = closest = None
    if yours.residual and not differences:  # the same structure: said to match only once it computes the same
        proof = prove(model, (graph, yours), reference)
        if not proof.holds and proof.ran:
            said = f"the same graph as the reference, op for op; {proof.problem}"
            differences = [Difference("function", ("model",), proof.problem, "the reference's function", said)]
    if not yours.residual:
        verdict, equals = Verdict.not_a_resnet, None
    elif proof is not None and not proof.ran:
        verdict, equals = Verdict.unproven, None
    elif differences:
        prefer = spec.name.split(" ")[0]
        verdict, equals = Verdict.differs, equal_config(yours, size, prefer=prefer, model=model, graph=graph)
        if equals is None and {d.kind for d in differences} != {"function"}:
            closest = closest_config(yours, size, prefer=prefer)
            if closest is not None and closest.arch == arch_string(spec):
                closest = None  # the reference itself: its differences are the ones already said
    else:
        verdict, equals = Verdict.matches, arch_string(spec)
    relu_calls = sum(n.kind == "relu" for n in graph.nodes)
    unknown = tuple(
        dict.fromkeys(
            f"{n.aten} in {n.module or 'the model'}" for n in graph.nodes if n.kind == "other" and n.param_count
        )
    )
    first = tuple(b.where for b in yours.blocks if b.shortcut_first)
    return Comparison(
        spec,
        yours,
        theirs,
        tuple(differences),
        verdict,
        equals,
        graph.probe,
        first,
        relu_calls,
        unknown,
        target,
        proof,
        notes,
        closest,
    )


class Closest(NamedTuple):
    arch: str  # a config `--arch` takes
    differences: tuple  # what still differs (`diff.Difference`), fewest among the candidates
    tried: int  # candidates built and compared


def closest_config(structure: Structure, size: tuple[int, int], prefer: str | None = None) -> Closest | None:
    """Where no config builds the network exactly: the config with the fewest differences among the knobs read
    leniently off the structure and the nearest named config. Bounded: two candidates, each one capture."""
    from .infer import nearest_named, reference_capture, spec_of

    candidates = []
    lenient = spec_of(structure, size, lenient=True)
    if lenient is not None:
        candidates.append(arch_string(lenient, prefer=prefer))
    candidates.append(nearest_named(structure))
    best: Closest | None = None
    for text in dict.fromkeys(candidates):
        try:
            built = reference_capture(parse_arch(text), size)
        except InspectError:
            continue
        differences = tuple(compare_structures(structure, built.structure))
        if differences and (best is None or len(differences) < len(best.differences)):
            best = Closest(text, differences, len(dict.fromkeys(candidates)))
    return best


# Differences, one per kind, in the order a reader meets them.


def _names(layers) -> list[str]:
    return [x.kind for x in layers]


def _norms(layers) -> list[str]:
    return [x.words() for x in layers if x.is_norm]


def _acts(layers) -> list[str]:
    return [x.words() for x in layers if x.is_act]


def _conv_geometry(layer) -> tuple:
    a = dict(layer.attrs)
    return (a["kernel"], a["stride"], a["padding"], layer.out_shape[1])


def _stem_words(layers) -> str:
    parts = []
    for x in layers:
        a = dict(x.attrs)
        if x.kind == "conv":
            parts.append(f"{a['kernel'][0]}×{a['kernel'][1]}/{a['stride'][0]} conv ({x.out_shape[1]})")
        elif x.kind == "maxpool":
            parts.append(f"{a['kernel'][0]}×{a['kernel'][1]}/{a['stride'][0]} max pool")
    if not parts:
        return "nothing (the first block reads the input)"
    if not any(x.kind == "maxpool" for x in layers):
        parts.append("no max pool")
    return ", ".join(parts)


def _pool_words(layer) -> str:
    a = dict(layer.attrs)
    return f"{a['kernel'][0]}×{a['kernel'][1]}/{a['stride'][0]} padding {a['padding'][0]}" + (
        ", ceil_mode" if a.get("ceil_mode") else ""
    )


class _Found:
    """Differences gathered per kind: the first place says it in words, and every place is listed."""

    def __init__(self) -> None:
        self.first: dict[str, Difference] = {}
        self.places: dict[str, list[str]] = {}

    def add(self, kind: str, where: str, yours: str, reference: str, message: str) -> None:
        places = self.places.setdefault(kind, [])
        if where not in places:
            places.append(where)
        self.first.setdefault(kind, Difference(kind, (where,), yours, reference, message))

    def result(self) -> list[Difference]:
        out = []
        for kind in DifferenceKind:
            if kind in self.first:
                d = self.first[kind]
                places = tuple(self.places[kind])
                more = len(places) - 1
                if more:
                    d = dataclasses.replace(
                        d,
                        places=places,
                        message=f"{d.message} (and in {more} more place{'s' * (more > 1)}: {place_span(places[1:])})",
                    )
                out.append(d)
        return out


def place_span(places: Sequence[str]) -> str:
    """Places said compactly: up to three by name, more as the first–the last and how many (the JSON lists all)."""
    return ", ".join(places) if len(places) <= 3 else f"{places[0]}–{places[-1]}, {len(places)} places"


def compare_structures(yours: Structure, theirs: Structure) -> list[Difference]:
    found = _Found()
    if not yours.residual:
        found.add(
            "residual",
            "model",
            "no residual add anywhere",
            f"a residual add in each of its {len(theirs.blocks)} blocks",
            "your model adds no shortcut anywhere: a plain network, not a ResNet",
        )
        return found.result()
    if yours.in_channels != theirs.in_channels:
        found.add(
            "input",
            "stem",
            f"{yours.in_channels} input channels",
            f"{theirs.in_channels}",
            f"your first conv reads {yours.in_channels} channels; the reference reads {theirs.in_channels}",
        )
    first = (yours.stem or (yours.blocks[0].main if yours.blocks else ()))[:1]
    if first and len(first[0].in_shape) == 4 and tuple(first[0].in_shape[2:]) != tuple(yours.input_size):
        seen, given = "×".join(map(str, first[0].in_shape[2:])), "×".join(map(str, yours.input_size))
        found.add(
            "input",
            "stem",
            f"resized to {seen}",
            f"{given} as given",
            f"your model resizes its input: its first layer sees {seen} where the input is {given}, so its "
            "sizes and MACs do not follow the input size",
        )
    if yours.num_classes != theirs.num_classes:
        said = (
            f"your classifier has {yours.num_classes} outputs"
            if yours.num_classes is not None
            else "your model ends without a classifier (its output is not N×classes)"
        )
        found.add(
            "head",
            "head",
            f"{yours.num_classes} classes" if yours.num_classes else "no classifier",
            f"{theirs.num_classes} classes",
            f"{said}; the reference has {theirs.num_classes}",
        )
    if (yours.global_pool, _names(yours.head)) != (theirs.global_pool, _names(theirs.head)):
        yours_text, ref_text = ", ".join(x.words() for x in yours.head), ", ".join(x.words() for x in theirs.head)
        found.add("head", "head", yours_text, ref_text, f"your head is {yours_text}; the reference's is {ref_text}")
    same_order = yours.order == theirs.order
    if not same_order:
        found.add(
            "order",
            "layer1.0",
            f"{yours.order}-activation blocks",
            f"{theirs.order}-activation blocks",
            f"your blocks are {yours.order}-activation (BN → ReLU → conv)"
            if yours.order == "pre"
            else "your blocks are post-activation (conv → BN → ReLU, ReLU after the add)",
        )
    _compare_stem(found, yours, theirs, same_order)
    _compare_blocks(found, yours, theirs, same_order)
    if same_order and (_norms(yours.tail), _acts(yours.tail)) != (_norms(theirs.tail), _acts(theirs.tail)):
        kind = "norm" if _norms(yours.tail) != _norms(theirs.tail) else "activation"
        y, r = ", ".join(x.words() for x in yours.tail) or "nothing", ", ".join(x.words() for x in theirs.tail)
        found.add(kind, "head", y, r or "nothing", f"before the pool yours has {y}; the reference has {r or 'nothing'}")
    result = found.result()
    if not result and yours.key() != theirs.key():
        result = [_fallback(yours, theirs)]
    return result


def _compare_stem(found: _Found, yours: Structure, theirs: Structure, same_order: bool) -> None:
    y_convs = [_conv_geometry(x) for x in yours.stem if x.kind == "conv"]
    r_convs = [_conv_geometry(x) for x in theirs.stem if x.kind == "conv"]
    y_pool = [x for x in yours.stem if x.kind == "maxpool"]
    r_pool = [x for x in theirs.stem if x.kind == "maxpool"]
    y_acts, r_acts = sorted(set(_acts(yours.stem))), sorted(set(_acts(theirs.stem)))
    y_norms, r_norms = sorted(set(_norms(yours.stem))), sorted(set(_norms(theirs.stem)))
    # A BN-ReLU more or less at the end of the stem is one difference of the stem, not two; and a stem of other
    # convs that also normalises or activates otherwise is one difference, said with every layer of both.
    geometry = y_convs != r_convs or bool(y_pool) != bool(r_pool)
    extras = same_order and (y_acts != r_acts or y_norms != r_norms)
    norm_and_act = (same_order and y_acts != r_acts and y_norms != r_norms) or (geometry and extras)
    if norm_and_act:
        y, r = (", ".join(x.words() for x in s.stem) or "nothing" for s in (yours, theirs))
        found.add("stem", "stem", y, r, f"your stem is {y}; the reference's is {r}")
    elif geometry:
        y, r = _stem_words(yours.stem), _stem_words(theirs.stem)
        found.add("stem", "stem", y, r, f"your stem is {y}; the reference's is {r}")
    elif y_pool and r_pool and y_pool[0].attrs != r_pool[0].attrs:
        y, r = _pool_words(y_pool[0]), _pool_words(r_pool[0])
        found.add("maxpool", "stem", y, r, f"your stem's max pool is {y}; the reference's is {r}")
    # Kinds, not counts: a deep stem has three ReLUs where the reference has one, and says so as `stem`.
    if not norm_and_act and ((y_acts != r_acts) if same_order else (set(y_acts) - {"relu"})):
        found.add(
            "activation",
            "stem",
            ", ".join(y_acts) or "none",
            ", ".join(r_acts) or "none",
            f"your stem's activation is {', '.join(y_acts) or 'none'}; the reference's is "
            f"{', '.join(r_acts) or 'none'}",
        )
    if same_order and y_norms != r_norms and not norm_and_act:
        found.add(
            "norm",
            "stem",
            ", ".join(y_norms) or "none",
            ", ".join(r_norms) or "none",
            f"your stem normalises with {', '.join(y_norms) or 'nothing'}; the reference with "
            f"{', '.join(r_norms) or 'nothing'}",
        )
    y_bias = [dict(x.attrs)["bias"] for x in yours.stem if x.kind == "conv"]
    r_bias = [dict(x.attrs)["bias"] for x in theirs.stem if x.kind == "conv"]
    if any(y_bias) != any(r_bias):
        found.add(
            "bias",
            "stem",
            f"bias={any(y_bias)}",
            f"bias={any(r_bias)}",
            f"your stem conv {'has' if any(y_bias) else 'has no'} bias; the reference's "
            f"{'has' if any(r_bias) else 'has none'}",
        )


def _compare_blocks(found: _Found, yours: Structure, theirs: Structure, same_order: bool) -> None:
    if yours.layers != theirs.layers:
        y, r = "+".join(map(str, yours.layers)), "+".join(map(str, theirs.layers))
        stages = [
            f"layer{i + 1}"
            for i in range(max(len(yours.layers), len(theirs.layers)))
            if (yours.layers[i : i + 1] or (0,)) != (theirs.layers[i : i + 1] or (0,))
        ]
        found.add(
            "blocks",
            stages[0] if stages else "model",
            f"{y} blocks",
            f"{r} blocks",
            f"your stages hold {y} blocks; the reference's hold {r} (differs in {', '.join(stages)})",
        )
    y_stages, r_stages = yours.stages, theirs.stages
    dilated = any(dict(c.attrs)["dilation"] != (1, 1) for b in yours.blocks for c in b.convs)
    for ys, rs in zip(y_stages, r_stages, strict=False):
        for yb, rb in zip(ys, rs, strict=False):
            if yb.block_type != rb.block_type:
                found.add(
                    "block_type",
                    yb.where,
                    _block_words(yb.block_type),
                    _block_words(rb.block_type),
                    f"{yb.where}: your block is {_block_words(yb.block_type)} where the reference's is "
                    f"{_block_words(rb.block_type)}",
                )
                continue
            _compare_block(found, yb, rb, same_order, dilated)


def _block_words(block_type: str) -> str:
    return {"basic": "a basic block (two 3×3 convs)", "bottleneck": "a bottleneck (1×1, 3×3, 1×1 convs)"}.get(
        block_type, "a block of " + ", ".join(f"{k}×{k}" for k in block_type.split("×")) + " convs"
    )


def _compare_block(found: _Found, yb, rb, same_order: bool, dilated: bool) -> None:
    where = yb.where
    y_convs, r_convs = yb.convs, rb.convs
    ya = [dict(c.attrs) for c in y_convs]
    ra = [dict(c.attrs) for c in r_convs]
    y_dil, r_dil = [a["dilation"][0] for a in ya], [a["dilation"][0] for a in ra]
    y_str, r_str = [a["stride"][0] for a in ya], [a["stride"][0] for a in ra]
    if y_dil != r_dil or (y_str != r_str and prod(y_str) != prod(r_str) and dilated):
        found.add(
            "dilation",
            where,
            f"strides {y_str}, dilations {y_dil}",
            f"strides {r_str}, dilations {r_dil}",
            f"{where}: your convs are dilated {'/'.join(map(str, y_dil))} with strides "
            f"{'/'.join(map(str, y_str))}; the reference's {'/'.join(map(str, r_dil))} with "
            f"{'/'.join(map(str, r_str))}",
        )
    elif y_str != r_str:
        y_at = next((i for i, s in enumerate(y_str) if s != 1), None)
        r_at = next((i for i, s in enumerate(r_str) if s != 1), None)

        def said(at, convs):
            if at is None:
                return "no strided conv"
            k = dict(convs[at].attrs)["kernel"][0]
            ordinal = ("first", "second", "third", "fourth")[at] if at < 4 else f"#{at + 1}"
            return f"stride {dict(convs[at].attrs)['stride'][0]} on the {ordinal} conv ({k}×{k})"

        found.add(
            "stride",
            where,
            said(y_at, y_convs),
            said(r_at, r_convs),
            f"{where}: {said(y_at, y_convs)} where the reference has {said(r_at, r_convs)}"
            + (" (v1 against v1.5)" if len(y_convs) == 3 and y_at == 0 and r_at == 1 else ""),
        )
    y_width, r_width = [c.out_shape[1] for c in y_convs], [c.out_shape[1] for c in r_convs]
    y_groups, r_groups = [a["groups"] for a in ya], [a["groups"] for a in ra]
    if y_width != r_width:
        y, r = "/".join(map(str, y_width)), "/".join(map(str, r_width))
        found.add("width", where, y, r, f"{where}: your convs are {y} channels wide; the reference's {r}")
    elif y_groups != r_groups:  # the same widths, split into other groups (ResNeXt's cardinality)
        y, r = "/".join(map(str, y_groups)), "/".join(map(str, r_groups))
        found.add(
            "groups",
            where,
            f"groups {y}",
            f"groups {r}",
            f"{where}: your convs have {y} groups; the reference's {r} (at the same widths, "
            f"{'/'.join(map(str, y_width))} channels)",
        )
    if any(a["bias"] for a in ya) != any(a["bias"] for a in ra):
        found.add(
            "bias",
            where,
            "convs with bias",
            "convs without bias",
            f"{where}: your convs {'have' if any(a['bias'] for a in ya) else 'lack'} a bias before the norm",
        )
    if same_order and _norms(yb.main) != _norms(rb.main):
        y, r = ", ".join(_norms(yb.main)) or "none", ", ".join(_norms(rb.main)) or "none"
        found.add("norm", where, y, r, f"{where}: your block normalises with {y}; the reference with {r}")
    y_acts, r_acts = _acts(yb.main), _acts(rb.main)
    if (y_acts != r_acts) if same_order else (set(y_acts) != set(r_acts)):
        found.add(
            "activation",
            where,
            ", ".join(y_acts) or "none",
            ", ".join(r_acts) or "none",
            f"{where}: your block's activations are {', '.join(y_acts) or 'none'}; the reference's "
            f"{', '.join(r_acts) or 'none'}",
        )
    if same_order and _acts(yb.after_add) != _acts(rb.after_add):
        y, r = ", ".join(_acts(yb.after_add)) or "nothing", ", ".join(_acts(rb.after_add)) or "nothing"
        found.add(
            "activation",
            where,
            f"{y} after the add",
            f"{r} after the add",
            f"{where}: your block applies {y} after the residual add; the reference applies {r}",
        )
    if [x.key for x in yb.attention] != [x.key for x in rb.attention]:
        y, r = _gate_words(yb.attention), _gate_words(rb.attention)
        found.add("attention", where, y, r, f"{where}: your block has {y}; the reference has {r}")
    _compare_shortcut(found, yb, rb, same_order)


def _gate_words(layers) -> str:
    if not layers:
        return "no gate"
    inner = next((x for x in layers if x.kind in ("conv", "linear")), None)
    squeeze = f" to {inner.out_shape[1]} channels" if inner is not None else ""
    return f"a squeeze-and-excitation gate{squeeze} ({', '.join(x.words() for x in layers)})"


def _shortcut_words(block) -> str:
    kind = block.shortcut_kind
    if kind == "identity":
        return "the identity"
    if kind == "zero-pad":
        return "option A: subsample and zero-pad the channels (no parameters)"
    parts = ", ".join(x.words() for x in block.shortcut)
    label = {"projection": "a projection", "avgdown": "an avg-pool projection", "conv": "a conv"}.get(kind, kind)
    return f"{label} ({parts})"


def _compare_shortcut(found: _Found, yb, rb, same_order: bool) -> None:
    y_kind, r_kind = yb.shortcut_kind, rb.shortcut_kind
    # A block that keeps its size where the reference halves it (a dilated stage) has a shortcut that keeps it
    # too: that is the block's `dilation` or `stride`, not its shortcut.
    resampled = yb.out_shape[2] * rb.in_shape[2] != rb.out_shape[2] * yb.in_shape[2]

    def shape(layer):
        return (layer.kind, tuple(kv for kv in layer.attrs if not (resampled and kv[0] == "stride")))

    y_layers = [shape(x) for x in yb.shortcut if not x.is_norm]
    r_layers = [shape(x) for x in rb.shortcut if not x.is_norm]
    y_norm, r_norm = _norms(yb.shortcut), _norms(rb.shortcut)
    if y_kind != r_kind or y_layers != r_layers or (same_order and bool(y_norm) != bool(r_norm)):
        y, r = _shortcut_words(yb), _shortcut_words(rb)
        found.add("shortcut", yb.where, y, r, f"{yb.where}: your shortcut is {y}; the reference's is {r}")
    elif yb.tap != rb.tap and same_order:
        y, r = _tap_words(yb, yb.tap, max(yb.tap, rb.tap)), _tap_words(yb, rb.tap, max(yb.tap, rb.tap))
        found.add(
            "shortcut",
            yb.where,
            f"reads the block input {y}",
            f"reads the block input {r}",
            f"{yb.where}: your shortcut reads the block input {y}; the reference's reads it {r}",
        )
    elif y_norm and r_norm and y_norm != r_norm and same_order:
        found.add(
            "norm",
            yb.where,
            ", ".join(y_norm),
            ", ".join(r_norm),
            f"{yb.where}: your shortcut normalises with {', '.join(y_norm)}; the reference's with {', '.join(r_norm)}",
        )


def _tap_words(block, tap: int, deepest: int) -> str:
    """Where a shortcut branches off, against the main path's first `deepest` layers: `before its batch norm →
    relu`, `after its batch norm → relu`, or between them."""
    layers = [x.words() for x in block.main[:deepest]]
    if tap == 0:
        return f"before its {' → '.join(layers)}"
    if tap >= deepest:
        return f"after its {' → '.join(layers)}"
    return f"after its {' → '.join(layers[:tap])}, before its {' → '.join(layers[tap:])}"


def _fallback(yours: Structure, theirs: Structure) -> Difference:
    """Structures that differ in a way no rule above names: say where, in the nearest kind."""
    if [x.key for x in yours.stem] != [x.key for x in theirs.stem]:
        return Difference(
            "stem",
            ("stem",),
            _stem_words(yours.stem),
            _stem_words(theirs.stem),
            "your stem differs from the reference's: " + ", ".join(x.words() for x in yours.stem),
        )
    for yb, rb in zip(yours.blocks, theirs.blocks, strict=False):
        if yb.key() != rb.key():
            main = ", ".join(x.words() for x in yb.main)
            return Difference(
                "block_type",
                (yb.where,),
                main,
                ", ".join(x.words() for x in rb.main),
                f"{yb.where}: your block ({main}) differs from the reference's",
            )
    return Difference(
        "head",
        ("head",),
        ", ".join(x.words() for x in yours.head),
        ", ".join(x.words() for x in theirs.head),
        "your head differs from the reference's",
    )


def check_stage_records(comparison: Comparison) -> list[CheckStageRecord]:
    """Per stage (stem, layer1…, head): output shape, params and MACs, yours beside the reference's."""
    yours, theirs = _stage_totals(comparison.yours), _stage_totals(comparison.theirs)
    records = []
    for stage in list(dict.fromkeys([*theirs, *yours])):
        r = theirs.get(stage, ((), 0, 0))
        y = yours.get(stage, ((), 0, 0))
        records.append(
            CheckStageRecord(
                stage=stage,
                reference_out_shape=[1, *r[0]] if r[0] else [],
                your_out_shape=[1, *y[0]] if y[0] else [],
                reference_params=r[1],
                your_params=y[1],
                reference_macs_conv_linear=r[2],
                your_macs_conv_linear=y[2],
                same=r == y,
            )
        )
    return records


def _stage_totals(structure: Structure) -> dict[str, tuple[tuple[int, ...], int, int]]:
    """stage → (output shape without the batch, params, MACs conv+linear)."""
    groups: dict[str, list] = {"stem": list(structure.stem)}
    outs: dict[str, tuple[int, ...]] = {"stem": structure.stem[-1].out_shape[1:] if structure.stem else ()}
    for s, blocks in enumerate(structure.stages):
        name = f"layer{s + 1}"
        groups[name] = [x for b in blocks for x in (*b.main, *b.shortcut, *b.attention, *b.after_add)]
        outs[name] = blocks[-1].out_shape[1:]
    groups["head"] = [*structure.tail, *structure.head]
    outs["head"] = structure.head[-1].out_shape[1:] if structure.head else ()
    return {
        k: (tuple(outs[k]), sum(x.first_params for x in v), sum(x.macs_conv_linear for x in v))
        for k, v in groups.items()
    }
