"""Hold anyone's ResNet, or a checkpoint, against a reference config, and say in words where it departs.

A model is captured as a dataflow graph (`capture.graph`: every aten op, residual adds and functional ReLUs
included, on a copy of the model) and its ResNet structure recovered (`capture.structure`). The reference is
built and captured the same way at the same input size. The two are compared by structure, stage by stage and
block by block (stage, block index, path), never by spatial size: a CIFAR stem on an otherwise standard net is
one `stem` difference, not a cascade. Each difference has a kind (`KINDS`), a place and both sides in words.
When the model differs, the config it equals (`name:knob=value,…`, what `--arch` takes) is inferred from its
structure, built, captured and compared again, and named only if every layer, shape, parameter and MAC agrees.

A checkpoint is read with `torch.load(weights_only=True)` (never unpickling code) and its config inferred
from key names and tensor shapes, then confirmed by loading it strictly into the inferred model.
"""

from __future__ import annotations

import dataclasses
import difflib
import importlib
import importlib.util
import itertools
import json
import sys
from dataclasses import dataclass
from math import prod
from pathlib import Path
from typing import Any

from ..capture.structure import Structure
from ..core.configs import REGISTRY, arch_string, parse_arch
from ..core.errors import InspectError, first_line
from ..core.shapes import shape_text
from ..core.spec import ResNetSpec, with_knobs


class LoadError(InspectError):
    """The model or checkpoint could not be loaded: exit code 2."""


# --------------------------------------------------------------------------------------------- the model


def load_factory(target: str, kwargs_json: str | None = None) -> Any:
    """`path/to/file.py:factory` or `package.module:factory` → the nn.Module the factory returns."""
    import torch.nn as nn

    source, sep, attribute = target.rpartition(":")
    if not sep or not attribute:
        raise LoadError(f"{target!r} is not a model reference; use path/to/file.py:factory or package.module:factory")
    try:
        kwargs = json.loads(kwargs_json) if kwargs_json else {}
    except json.JSONDecodeError as error:
        raise LoadError(f"factory keyword arguments {kwargs_json!r} is not JSON: {error.msg}") from None
    if not isinstance(kwargs, dict):
        raise LoadError(f"factory keyword arguments {kwargs_json!r} must be a JSON object: '{{\"num_classes\": 10}}'")
    try:
        if source.endswith(".py") or "/" in source:
            path = Path(source)
            if not path.is_file():
                raise LoadError(f"{source!r}: no such file")
            spec = importlib.util.spec_from_file_location(f"_checked_{path.stem}", path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[spec.name] = module
            spec.loader.exec_module(module)
        else:
            if str(Path.cwd()) not in sys.path:
                sys.path.insert(0, str(Path.cwd()))  # as `python -m` and uvicorn do: modules under the working dir
            module = importlib.import_module(source)
    except LoadError:
        raise
    except Exception as error:  # the user's code: any exception is a load failure, said in one line
        raise LoadError(f"cannot import {source!r}: {type(error).__name__}: {first_line(error)}") from error
    factory = getattr(module, attribute, None)
    if factory is None:
        names = [n for n in dir(module) if not n.startswith("_")]
        close = difflib.get_close_matches(attribute, names, n=3)
        raise LoadError(f"{source!r} has no {attribute!r}" + (f"; did you mean {', '.join(close)}?" if close else ""))
    try:
        model = factory(**kwargs)
    except Exception as error:
        raise LoadError(f"{attribute}(**{kwargs}) failed: {type(error).__name__}: {first_line(error)}") from error
    if not isinstance(model, nn.Module):
        raise LoadError(f"{attribute} returned a {type(model).__name__}, not a torch.nn.Module")
    return model


# ----------------------------------------------------------------------------------------- the comparison

KINDS = ("residual", "shortcut", "stem", "maxpool", "blocks", "block_type", "width", "stride", "activation", "norm",
         "order", "dilation", "attention", "head", "input", "bias")  # fmt: skip
VERDICTS = ("matches", "differs", "not_a_resnet")


@dataclass(frozen=True)
class Difference:
    """One way the model departs from the reference: `kind` (one of `KINDS`), where, and both sides in words."""

    kind: str
    where: str  # "stem", "layer2.0", "layer3", "head", "model"
    yours: str
    reference: str
    message: str

    @property
    def words(self) -> str:  # the name the first JSON contract gave the message
        return self.message


@dataclass(frozen=True)
class Comparison:
    reference: ResNetSpec
    yours: Structure
    theirs: Structure  # the reference's, captured the same way
    differences: tuple[Difference, ...]
    verdict: str  # matches, differs, not_a_resnet
    equals: str | None  # a config string `--arch` takes that builds the same network, or None
    probe: str  # how the forward ran
    shortcut_first: tuple[str, ...]  # blocks whose shortcut runs before the main path: the same network
    relu_calls: int
    unknown_ops: tuple[str, ...]  # ops with parameters the capture has no kind for

    @property
    def matches(self) -> bool:
        return self.verdict == "matches"

    def __repr__(self) -> str:
        verdict = {"matches": "matches", "not_a_resnet": "is not a ResNet"}.get(
            self.verdict, f"differs in {len(self.differences)} place(s)"
        )
        first = f"; first: {self.differences[0].message}" if self.differences else ""
        return f"<Comparison with {self.reference.name}: {verdict}{first}>"

    def _repr_html_(self) -> str:
        from ..views.html import check_html  # the drawing lives in views, imported when a notebook asks

        return check_html(self)


def structure_of(model: Any, input_shape: tuple[int, ...]):
    """Capture `model` (never changing it) and recover its ResNet structure: (graph, structure)."""
    from ..capture.graph import capture
    from ..capture.structure import recover

    graph = capture(model, input_shape)
    return graph, recover(graph)


def reference_structure(spec: ResNetSpec, size: tuple[int, int]) -> Structure:
    from ..core.model import build_model

    return structure_of(build_model(spec, device="meta"), (1, spec.in_channels, *size))[1]


def compare_model(model: Any, spec: ResNetSpec, size: tuple[int, int], *, batch: int = 1) -> Comparison:
    """Capture `model` at `size` and hold its structure against `spec`'s, block by block (stage, index, path)."""
    from ..capture.graph import input_channels

    channels = input_channels(model, spec.in_channels)
    graph, yours = structure_of(model, (batch, channels, *size))
    theirs = reference_structure(spec, size)
    differences = compare_structures(yours, theirs)
    if not yours.residual:
        verdict, equals = "not_a_resnet", None
    elif differences:
        verdict, equals = "differs", equal_config(yours, size, prefer=spec.name.split(" ")[0])
    else:
        verdict, equals = "matches", arch_string(spec)
    relu_calls = sum(n.kind == "relu" for n in graph.nodes)
    unknown = tuple(dict.fromkeys(f"{n.aten} in {n.module or 'the model'}" for n in graph.nodes
                                  if n.kind == "other" and n.param_count))  # fmt: skip
    return Comparison(spec, yours, theirs, tuple(differences), verdict, equals, graph.probe,
                      tuple(b.where for b in yours.blocks if b.shortcut_first), relu_calls, unknown)  # fmt: skip


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
    return (f"{a['kernel'][0]}×{a['kernel'][1]}/{a['stride'][0]} padding {a['padding'][0]}"
            + (", ceil_mode" if a.get("ceil_mode") else ""))  # fmt: skip


class _Found:
    """Differences gathered per kind: the first place says it, the count says how many more."""

    def __init__(self) -> None:
        self.first: dict[str, Difference] = {}
        self.count: dict[str, int] = {}

    def add(self, kind: str, where: str, yours: str, reference: str, message: str) -> None:
        self.count[kind] = self.count.get(kind, 0) + 1
        self.first.setdefault(kind, Difference(kind, where, yours, reference, message))

    def result(self) -> list[Difference]:
        out = []
        for kind in KINDS:
            if kind in self.first:
                d = self.first[kind]
                more = self.count[kind] - 1
                if more:
                    d = dataclasses.replace(d, message=f"{d.message} (and in {more} more place{'s' * (more > 1)})")
                out.append(d)
        return out


def compare_structures(yours: Structure, theirs: Structure) -> list[Difference]:
    found = _Found()
    if not yours.residual:
        found.add("residual", "model", "no residual add anywhere",
                  f"a residual add in each of its {len(theirs.blocks)} blocks",
                  "your model adds no shortcut anywhere: a plain network, not a ResNet")  # fmt: skip
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
        found.add("input", "stem", f"resized to {seen}", f"{given} as given",
                  f"your model resizes its input: its first layer sees {seen} where the input is {given}, so its "
                  "sizes and MACs do not follow the input size")  # fmt: skip
    if yours.num_classes != theirs.num_classes:
        said = (f"your classifier has {yours.num_classes} outputs" if yours.num_classes is not None else
                "your model ends without a classifier (its output is not N×classes)")  # fmt: skip
        found.add("head", "head", f"{yours.num_classes} classes" if yours.num_classes else "no classifier",
                  f"{theirs.num_classes} classes", f"{said}; the reference has {theirs.num_classes}")  # fmt: skip
    if (yours.global_pool, _names(yours.head)) != (theirs.global_pool, _names(theirs.head)):
        yours_text, ref_text = ", ".join(x.words() for x in yours.head), ", ".join(x.words() for x in theirs.head)
        found.add("head", "head", yours_text, ref_text, f"your head is {yours_text}; the reference's is {ref_text}")
    same_order = yours.order == theirs.order
    if not same_order:
        found.add("order", "layer1.0", f"{yours.order}-activation blocks", f"{theirs.order}-activation blocks",
                  f"your blocks are {yours.order}-activation (BN → ReLU → conv)" if yours.order == "pre" else
                  "your blocks are post-activation (conv → BN → ReLU, ReLU after the add)")  # fmt: skip
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
    if y_convs != r_convs or bool(y_pool) != bool(r_pool):
        y, r = _stem_words(yours.stem), _stem_words(theirs.stem)
        found.add("stem", "stem", y, r, f"your stem is {y}; the reference's is {r}")
    elif y_pool and r_pool and y_pool[0].attrs != r_pool[0].attrs:
        y, r = _pool_words(y_pool[0]), _pool_words(r_pool[0])
        found.add("maxpool", "stem", y, r, f"your stem's max pool is {y}; the reference's is {r}")
    # Kinds, not counts: a deep stem has three ReLUs where the reference has one, and says so as `stem`.
    y_acts, r_acts = sorted(set(_acts(yours.stem))), sorted(set(_acts(theirs.stem)))
    if (y_acts != r_acts) if same_order else (set(y_acts) - {"relu"}):
        found.add("activation", "stem", ", ".join(y_acts) or "none", ", ".join(r_acts) or "none",
                  f"your stem's activation is {', '.join(y_acts) or 'none'}; the reference's is "
                  f"{', '.join(r_acts) or 'none'}")  # fmt: skip
    y_norms, r_norms = sorted(set(_norms(yours.stem))), sorted(set(_norms(theirs.stem)))
    if same_order and y_norms != r_norms:
        found.add("norm", "stem", ", ".join(y_norms) or "none", ", ".join(r_norms) or "none",
                  f"your stem normalises with {', '.join(y_norms) or 'nothing'}; the reference with "
                  f"{', '.join(r_norms) or 'nothing'}")  # fmt: skip
    y_bias = [dict(x.attrs)["bias"] for x in yours.stem if x.kind == "conv"]
    r_bias = [dict(x.attrs)["bias"] for x in theirs.stem if x.kind == "conv"]
    if any(y_bias) != any(r_bias):
        found.add("bias", "stem", f"bias={any(y_bias)}", f"bias={any(r_bias)}",
                  f"your stem conv {'has' if any(y_bias) else 'has no'} bias; the reference's "
                  f"{'has' if any(r_bias) else 'has none'}")  # fmt: skip


def _compare_blocks(found: _Found, yours: Structure, theirs: Structure, same_order: bool) -> None:
    if yours.layers != theirs.layers:
        y, r = "+".join(map(str, yours.layers)), "+".join(map(str, theirs.layers))
        stages = [f"layer{i + 1}" for i in range(max(len(yours.layers), len(theirs.layers)))
                  if (yours.layers[i:i + 1] or (0,)) != (theirs.layers[i:i + 1] or (0,))]  # fmt: skip
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
                found.add("block_type", yb.where, _block_words(yb.block_type), _block_words(rb.block_type),
                          f"{yb.where}: your block is {_block_words(yb.block_type)} where the reference's is "
                          f"{_block_words(rb.block_type)}")  # fmt: skip
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
        found.add("dilation", where, f"strides {y_str}, dilations {y_dil}", f"strides {r_str}, dilations {r_dil}",
                  f"{where}: your convs are dilated {'/'.join(map(str, y_dil))} with strides "
                  f"{'/'.join(map(str, y_str))}; the reference's {'/'.join(map(str, r_dil))} with "
                  f"{'/'.join(map(str, r_str))}")  # fmt: skip
    elif y_str != r_str:
        y_at = next((i for i, s in enumerate(y_str) if s != 1), None)
        r_at = next((i for i, s in enumerate(r_str) if s != 1), None)

        def said(at, convs):
            if at is None:
                return "no strided conv"
            k = dict(convs[at].attrs)["kernel"][0]
            ordinal = ("first", "second", "third", "fourth")[at] if at < 4 else f"#{at + 1}"
            return f"stride {dict(convs[at].attrs)['stride'][0]} on the {ordinal} conv ({k}×{k})"

        found.add("stride", where, said(y_at, y_convs), said(r_at, r_convs),
                  f"{where}: {said(y_at, y_convs)} where the reference has {said(r_at, r_convs)}"
                  + (" (v1 against v1.5)" if len(y_convs) == 3 and y_at == 0 and r_at == 1 else ""))  # fmt: skip
    y_width = [(c.out_shape[1], a["groups"]) for c, a in zip(y_convs, ya, strict=True)]
    r_width = [(c.out_shape[1], a["groups"]) for c, a in zip(r_convs, ra, strict=True)]
    if y_width != r_width:
        found.add("width", where, "/".join(f"{w}" + (f" g{g}" if g > 1 else "") for w, g in y_width),
                  "/".join(f"{w}" + (f" g{g}" if g > 1 else "") for w, g in r_width),
                  f"{where}: your convs are {'/'.join(str(w) for w, _ in y_width)} channels wide; the reference's "
                  f"{'/'.join(str(w) for w, _ in r_width)}")  # fmt: skip
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
        found.add("activation", where, ", ".join(y_acts) or "none", ", ".join(r_acts) or "none",
                  f"{where}: your block's activations are {', '.join(y_acts) or 'none'}; the reference's "
                  f"{', '.join(r_acts) or 'none'}")  # fmt: skip
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
    if kind == "A":
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
    elif y_norm and r_norm and y_norm != r_norm and same_order:
        found.add("norm", yb.where, ", ".join(y_norm), ", ".join(r_norm),
                  f"{yb.where}: your shortcut normalises with {', '.join(y_norm)}; the reference's with "
                  f"{', '.join(r_norm)}")  # fmt: skip


def _fallback(yours: Structure, theirs: Structure) -> Difference:
    """Structures that differ in a way no rule above names: say where, in the nearest kind."""
    if [x.key for x in yours.stem] != [x.key for x in theirs.stem]:
        return Difference(
            "stem",
            "stem",
            _stem_words(yours.stem),
            _stem_words(theirs.stem),
            "your stem differs from the reference's: " + ", ".join(x.words() for x in yours.stem),
        )
    for yb, rb in zip(yours.blocks, theirs.blocks, strict=False):
        if yb.key() != rb.key():
            main = ", ".join(x.words() for x in yb.main)
            return Difference(
                "block_type",
                yb.where,
                main,
                ", ".join(x.words() for x in rb.main),
                f"{yb.where}: your block ({main}) differs from the reference's",
            )
    return Difference(
        "head",
        "head",
        ", ".join(x.words() for x in yours.head),
        ", ".join(x.words() for x in theirs.head),
        "your head differs from the reference's",
    )


# The config a structure equals, built and captured again to be sure.


def spec_of(structure: Structure, size: tuple[int, int]) -> ResNetSpec | None:
    """The spec whose network has `structure`'s knobs, or None where no knob says what it does."""
    from ..core.plan import se_channels

    if not structure.residual or not structure.blocks or structure.num_classes is None:
        return None
    types = {b.block_type for b in structure.blocks}
    if len(types) != 1 or next(iter(types)) not in ("basic", "bottleneck"):
        return None
    block = next(iter(types))
    expansion = 4 if block == "bottleneck" else 1
    stages = structure.stages
    widths = tuple(s[0].out_shape[1] // expansion for s in stages)
    stem_convs = [dict(x.attrs) for x in structure.stem if x.kind == "conv"]
    kernels = [(a["kernel"][0], a["stride"][0]) for a in stem_convs]
    stem_widths = tuple(x.out_shape[1] for x in structure.stem if x.kind == "conv")
    if kernels == [(7, 2)]:
        stem = "torchvision"
    elif kernels == [(3, 1)]:
        stem = "cifar"
    elif len(kernels) == 3 and all(k == 3 for k, _ in kernels) and kernels[0][1] == 2:
        stem = "deep"
    else:
        return None
    pools = [dict(x.attrs) for x in structure.stem if x.kind == "maxpool"]
    if len(pools) > 1 or (
        pools and (pools[0]["kernel"], pools[0]["stride"], pools[0]["ceil_mode"]) != ((3, 3), (2, 2), False)
    ):
        return None
    padding = pools[0]["padding"][0] if pools else 1
    changing = {b.shortcut_kind for b in structure.blocks if b.in_shape != b.out_shape}
    keeping = {b.shortcut_kind for b in structure.blocks if b.in_shape == b.out_shape}
    if keeping == {"projection"}:
        shortcut = "C"
    elif keeping - {"identity"}:
        return None
    elif changing <= {"projection"}:
        shortcut = "B"
    elif changing == {"A"}:
        shortcut = "A"
    elif "avgdown" in changing and changing <= {"avgdown", "projection"}:
        shortcut = "avgdown"  # a stride-1 block needs no pool: ResNet-D's first projection is a bare 1×1 conv
    else:
        return None
    projections = [b for b in structure.blocks if b.shortcut_kind in ("projection", "avgdown")]
    shortcut_norm = any(x.is_norm for b in projections for x in b.shortcut) if projections else True
    convs = [c for b in structure.blocks for c in b.convs]
    stride_in = "v1.5"
    groups, width_per_group = 1, 64
    if block == "bottleneck":
        first = [dict(b.convs[0].attrs)["stride"][0] for b in structure.blocks]
        stride_in = "v1" if any(s > 1 for s in first) else "v1.5"
        middle = structure.blocks[0].convs[1]
        groups = dict(middle.attrs)["groups"]
        width_per_group = middle.out_shape[1] * 64 // (widths[0] * groups)
    se_reduction = 0
    gates = [b.attention for b in structure.blocks]
    if any(gates):
        hidden = [next((x.out_shape[1] for x in g if x.kind in ("conv", "linear")), 0) for g in gates]
        outs = [b.out_shape[1] for b in structure.blocks]
        candidates = [r for r in (16, 8, 4, 32, round(outs[0] / max(hidden[0], 1))) if r > 0]
        se_reduction = next(
            (r for r in candidates if all(se_channels(c, r) == h for c, h in zip(outs, hidden, strict=True))), 0
        )
        if not se_reduction:
            return None
    output_stride = 0
    if any(dict(c.attrs)["dilation"] != (1, 1) for c in convs):
        last = structure.blocks[-1].out_shape
        output_stride = size[0] // last[2] if last[2] else 0
    try:
        return ResNetSpec(
            name="yours", block=block, layers=structure.layers, widths=widths, stem=stem, stem_widths=stem_widths,
            maxpool=bool(pools), maxpool_padding=padding, shortcut=shortcut, shortcut_norm=shortcut_norm,
            conv_bias=any(dict(c.attrs)["bias"] for c in convs), stride_in=stride_in, groups=groups,
            width_per_group=width_per_group, order=structure.order, se_reduction=se_reduction,
            output_stride=output_stride, in_channels=structure.in_channels, num_classes=structure.num_classes,
        )  # fmt: skip
    except InspectError:
        return None


def equal_config(structure: Structure, size: tuple[int, int], prefer: str | None = None) -> str | None:
    """`name:knob=value,…` whose network, built and captured, has exactly `structure` (layers, shapes, params,
    MACs); None when no config does."""
    spec = spec_of(structure, size)
    if spec is None:
        return None
    text = arch_string(spec, prefer=prefer)
    try:
        built = reference_structure(parse_arch(text), size)
    except InspectError:
        return None
    return text if built.key() == structure.key() else None


def check_stage_records(comparison: Comparison) -> list[dict[str, Any]]:
    """Per stage (stem, layer1…, head): output shape, params and MACs, yours beside the reference's."""
    yours, theirs = _stage_totals(comparison.yours), _stage_totals(comparison.theirs)
    records = []
    for stage in list(dict.fromkeys([*theirs, *yours])):
        r = theirs.get(stage, ((), 0, 0))
        y = yours.get(stage, ((), 0, 0))
        records.append({
            "stage": stage,
            "reference_out": shape_text(r[0]), "your_out": shape_text(y[0]),
            "reference_params": r[1], "your_params": y[1],
            "reference_macs": r[2], "your_macs": y[2],
            "same": r == y,
        })  # fmt: skip
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
    return {k: (tuple(outs[k]), sum(x.params for x in v), sum(x.macs for x in v)) for k, v in groups.items()}


def candidate_specs(in_channels: int, num_classes: int):
    """Every named config with every stride placement, shortcut option and max-pool padding."""
    for base in REGISTRY.values():
        pads = (1, 0) if base.maxpool else (base.maxpool_padding,)  # without a max pool its padding is moot
        for stride_in, shortcut, pad in itertools.product(("v1.5", "v1"), ("B", "A", "C"), pads):
            if stride_in == "v1" and base.block == "basic":
                continue
            if base.shortcut == "avgdown" and shortcut != "B":
                continue
            try:
                yield with_knobs(
                    base,
                    stride_in=stride_in,
                    shortcut=shortcut if base.shortcut != "avgdown" else None,
                    maxpool_padding=pad,
                    in_channels=in_channels,
                    num_classes=num_classes,
                )
            except InspectError:
                continue


# ------------------------------------------------------------------------------------------- checkpoints


@dataclass(frozen=True)
class CheckpointResult:
    path: str
    spec: ResNetSpec | None
    recognised_as: str | None  # a registered name, when the inferred config is one
    notes: tuple[str, ...]
    problems: tuple[str, ...]  # keys that fit no config, or a strict load that failed


# Prefixes that wrappers put before every key: DataParallel/DDP, Lightning's and timm's `model.`,
# torch.compile's `_orig_mod.`, and the `net.`/`backbone.` of detection and training frameworks.
WRAPPER_PREFIXES = ("module.", "model.", "_orig_mod.", "net.", "backbone.")
# Keys under which training loops nest the state_dict (Lightning's `state_dict`, timm's `state_dict_ema`, ...).
NESTING = ("state_dict", "model", "model_state_dict", "ema", "model_ema", "state_dict_ema")
# Other names a projection shortcut goes by (kuangliu's `shortcut.0/1`, `downsample.conv/bn`).
PROJECTION_NAMES = ((".shortcut.", ".downsample."), (".downsample.conv.", ".downsample.0."),
                    (".downsample.bn.", ".downsample.1."))  # fmt: skip


def read_state_dict(path: str) -> dict[str, Any]:
    """The state_dict in a checkpoint file, unwrapped (see `unwrap_state_dict`)."""
    return read_checkpoint(path)[0]


def read_checkpoint(path: str) -> tuple[dict[str, Any], list[str]]:
    """(the state_dict, notes saying what was unwrapped), read with `weights_only=True`: never unpickling code."""
    import pickle

    import torch

    if not Path(path).is_file():
        raise LoadError(f"{path!r}: no such file")
    try:
        loaded = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        raise LoadError(
            f"{path!r} holds pickled code (a whole module, or objects), which is never unpickled here; "
            "save and check model.state_dict() instead"
        ) from error
    except Exception as error:
        raise LoadError(f"cannot read {path!r} as a checkpoint: {type(error).__name__}: {first_line(error)}") from error
    return unwrap_state_dict(loaded, path)


def unwrap_state_dict(loaded: Any, label: str = "the checkpoint") -> tuple[dict[str, Any], list[str]]:
    """The state_dict inside `loaded`: nesting (`state_dict`, `model`, `ema`, …, Lightning's included) and
    wrapper prefixes every key shares (`module.`, `_orig_mod.`, …) taken off, projection keys renamed to
    torchvision's; and notes that say which."""
    import torch

    notes = []
    for _ in range(len(NESTING)):
        if not isinstance(loaded, dict) or any(isinstance(v, torch.Tensor) for v in loaded.values()):
            break
        key = next((k for k in NESTING if isinstance(loaded.get(k), dict)), None)
        if key is None:
            break
        notes.append(f"read the state_dict nested under {key!r}")
        loaded = loaded[key]
    if not isinstance(loaded, dict) or not all(
        isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in loaded.items()
    ):
        raise LoadError(f"{label!r} is not a state_dict (a mapping of names to tensors)")
    state = dict(loaded)
    stripped = []
    for _ in range(len(WRAPPER_PREFIXES) * 2):
        prefix = next((p for p in WRAPPER_PREFIXES if state and all(k.startswith(p) for k in state)), None)
        if prefix is None:
            break
        stripped.append(prefix)
        state = {k.removeprefix(prefix): v for k, v in state.items()}
    if stripped:
        notes.append(f"stripped the wrapper prefix {''.join(stripped)!r} from every key")
    renamed = {}
    for k, v in state.items():
        new = k
        for old, torchvision in PROJECTION_NAMES:
            new = new.replace(old, torchvision)
        renamed[new] = v
    if list(renamed) != list(state):
        notes.append("read projection keys named like `shortcut.0` or `downsample.conv` as torchvision's "
                     "`downsample.0`")  # fmt: skip
    return renamed, notes


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
        name="inferred", block=block, layers=tuple(layers), widths=tuple(widths), stem=stem, stem_widths=stem_widths,
        shortcut=shortcut, shortcut_norm=shortcut_norm, conv_bias=conv_bias, groups=groups,
        width_per_group=width_per_group, in_channels=in_channels, num_classes=num_classes,
    )  # fmt: skip
    if block == "bottleneck":
        notes.append("v1 and v1.5 have the same weights: a checkpoint cannot say where the bottleneck's stride is")
    either = " either" if block == "bottleneck" else ""  # after the stride's note, which says the same of v1/v1.5
    notes.append(f"the max pool's padding owns no weights{either}: a checkpoint cannot say it")
    return spec, notes


def check_checkpoint(path: str) -> CheckpointResult:
    state, notes = read_checkpoint(path)
    return check_state_dict(state, path, unwrapped=notes)


def check_state_dict(state: dict[str, Any], label: str, *, unwrapped: list[str] | None = None) -> CheckpointResult:
    """Infer the config from names and shapes alone (meta tensors will do), then try it strictly.

    The check is by key names and tensor shapes only: weights hold no strides, paddings or activations.
    """
    from ..core.model import build_model

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
        problems.append(f"{len(missing)} keys the inferred {named.name} needs are missing: {', '.join(missing[:4])}"
                        + (" …" if len(missing) > 4 else ""))  # fmt: skip
    if unexpected:
        problems.append(f"{len(unexpected)} keys fit no part of it: {', '.join(unexpected[:4])}"
                        + (" …" if len(unexpected) > 4 else ""))  # fmt: skip
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


# ------------------------------------------------------------------------------------------ JSON contracts


def comparison_record(target: str, comparison: Comparison) -> dict[str, Any]:
    """The JSON contract of `check` on a model: `verdict`, `equals`, `differences` (kind, where, yours,
    reference, message; `words` repeats the message under the name the first contract gave it)."""
    from ..capture.structure import summary

    return {
        "target": target,
        "reference": comparison.reference.name,
        "verdict": comparison.verdict,
        "matches": comparison.matches,
        "equals": comparison.equals,
        "run": comparison.probe,
        "differences": [
            {
                "kind": d.kind,
                "where": d.where,
                "yours": d.yours,
                "reference": d.reference,
                "message": d.message,
                "words": d.message,
            }
            for d in comparison.differences
        ],
        "structure": summary(comparison.yours),
        "shortcut_runs_first_in": list(comparison.shortcut_first),
        "relu_calls_seen": comparison.relu_calls,
        "unrecognised_modules": list(comparison.unknown_ops),
        "stages": check_stage_records(comparison),
    }


def checkpoint_verdict(result: CheckpointResult, reference: ResNetSpec | None) -> str | None:
    """How the checkpoint's config differs from the reference, in words; None when it does not."""
    if reference is None or result.spec is None:
        return None
    skip = {"name", "stride_in", "maxpool_padding", "default_size", "output_stride"}  # no trace in the weights
    fields = [f.name for f in dataclasses.fields(ResNetSpec) if f.name not in skip]
    differ = [f for f in fields if getattr(result.spec, f) != getattr(reference, f)]
    if not differ:
        return None
    return f"differs from {reference.name}: " + ", ".join(
        f"{f} {getattr(result.spec, f)!r} (reference {getattr(reference, f)!r})" for f in differ
    )


def checkpoint_record(target: str, result: CheckpointResult, reference: ResNetSpec | None) -> dict[str, Any]:
    """The JSON contract of `check` on a checkpoint."""
    verdict = checkpoint_verdict(result, reference)
    return {
        "target": target,
        "inferred": dataclasses.asdict(result.spec) if result.spec else None,
        "recognised_as": result.recognised_as,
        "reference": reference.name if reference else None,
        "matches": verdict is None and not result.problems,
        "notes": list(result.notes),
        "checked_by": "names and shapes",
        "problems": list(result.problems) + ([verdict] if verdict else []),
    }
