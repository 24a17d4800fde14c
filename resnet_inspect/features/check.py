"""Hold anyone's ResNet, or a checkpoint, against a reference config, and say in words where it departs.

A model is run once with forward hooks; its structural ops (convs, batch norms, pools, the linear layer) in
execution order are aligned with the reference trace's. Residual adds written as `out += identity` are not
modules, so hooks cannot see them: the alignment does not need them. Differences are grouped by the
reference block they fall in and described as a reader would: a 1×1 where a 3×3 belongs, a projection where
the identity belongs, the stride on the wrong conv, a bias before batch norm. A shortcut run before the main
path (rather than after, as torchvision does) is the same network and is not reported as a difference.

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
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.configs import REGISTRY
from ..core.errors import InspectError, first_line
from ..core.shapes import Trace, shape_text, trace
from ..core.spec import ResNetSpec, stage_names, with_knobs

STRUCTURAL = ("conv", "bn", "maxpool", "downpool", "avgpool", "linear")


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


def observe_any(model: Any, input_shape: tuple[int, ...], fallback_size: int = 64):
    """Hook one forward: an empty batch, then the meta device, then real zeros at `fallback_size`.

    Returns (observed layers, the input shape they were run at, how).
    """
    from ..core.verify import HookError, observe

    errors = []
    for probe in ("empty-batch", "meta"):
        try:
            return observe(model, input_shape, probe=probe), input_shape, probe
        except HookError as error:
            errors.append(f"{probe}: {error}")
    import copy

    import torch

    from ..core.verify import capture

    small = (1, input_shape[1], fallback_size, fallback_size)
    try:
        real = copy.deepcopy(model).to_empty(device="cpu") if _on_meta(model) else model
        for p in real.parameters():
            torch.nn.init.normal_(p, std=0.01)
        with capture(real) as seen, torch.no_grad():
            real.eval()(torch.zeros(small))
        return seen, small, f"cpu at {fallback_size}×{fallback_size}"
    except Exception as error:
        errors.append(f"cpu: {first_line(error)}")
        raise LoadError("the model does not run on a ResNet input: " + "; ".join(errors)) from error


def _on_meta(model: Any) -> bool:
    return any(p.is_meta for p in model.parameters())


# ----------------------------------------------------------------------------------------- the alignment


@dataclass(frozen=True)
class Op:
    """A structural op, as comparable between a trace row and a hooked module."""

    kind: str
    kernel: int | None
    stride: int | None
    padding: int | None
    groups: int
    bias: bool
    c_in: int
    c_out: int
    out_hw: tuple[int, ...]
    params: int
    name: str  # the reference's or the user's module name
    macs: int = 0

    @property
    def signature(self) -> tuple:
        return (self.kind, self.kernel, self.stride, self.padding, self.groups, self.bias, self.c_in, self.c_out,
                self.out_hw, self.params)  # fmt: skip

    def words(self) -> str:
        if self.kind == "conv":
            extra = (f" /{self.stride}" if self.stride != 1 else "") + (f" g{self.groups}" if self.groups > 1 else "")
            return f"{self.kernel}×{self.kernel} conv{extra} {self.c_in}→{self.c_out}" + (" +bias" if self.bias else "")
        if self.kind == "bn":
            return f"BN({self.c_out})"
        if self.kind in ("maxpool", "downpool"):
            return f"{self.kernel}×{self.kernel} {'max' if self.kind == 'maxpool' else 'avg'} pool /{self.stride}"
        if self.kind == "avgpool":
            return "global avg pool"
        return f"linear {self.c_in}→{self.c_out}"


def reference_ops(t: Trace) -> list[Op]:
    ops = []
    for layer in t.layers:
        if layer.kind not in STRUCTURAL:
            continue
        bias = layer.kind == "conv" and layer.params > layer.out_shape[1] * (layer.in_shape[1] // layer.groups) * (
            layer.kernel[0] * layer.kernel[1]
        )
        window = layer.kind in ("conv", "maxpool", "downpool")
        ops.append(
            Op(
                layer.kind,
                layer.kernel[0] if window else None,
                layer.stride[0] if window else None,
                layer.padding[0] if window else None,
                layer.groups if layer.kind == "conv" else 1,
                bias,
                layer.in_shape[1],
                layer.out_shape[1],
                tuple(layer.out_shape[2:]),
                layer.params,
                layer.name,
                layer.macs,
            )
        )
    return ops


def user_ops(observed: Sequence, batch: int) -> list[Op]:
    from ..core.counting import count_layers

    macs = {id(o): c.macs for o, c in zip(observed, count_layers(observed, batch=batch), strict=True)}
    ops = []
    for o in observed:
        if o.kind not in STRUCTURAL:
            continue
        kernel, stride, padding, groups, bias = o.window or (None, None, None, 1, False)
        counted = macs[id(o)] if o.kind in ("conv", "linear") else 0
        ops.append(Op(o.kind, kernel, stride, padding, groups, bias, o.in_shape[1], o.out_shape[1],
                      tuple(o.out_shape[2:]), o.params, o.name, counted))  # fmt: skip
    return ops


@dataclass(frozen=True)
class Difference:
    where: str  # the reference block ("layer1.0", "stem", "head")
    words: str
    reference: tuple[Op, ...]
    yours: tuple[Op, ...]


@dataclass(frozen=True)
class Comparison:
    reference: ResNetSpec
    reference_trace: Trace
    ops: tuple[Op, ...]  # yours
    alignment: tuple[tuple[Op | None, Op | None], ...]  # (reference, yours) pairs, None where one has none
    differences: tuple[Difference, ...]
    moved_shortcuts: tuple[str, ...]  # blocks whose shortcut runs before the main path
    probe: str
    other_relu_calls: int
    unknown_modules: tuple[str, ...]
    equals: str | None = None  # the named config yours equals, when it is not the reference

    @property
    def matches(self) -> bool:
        return not self.differences


def _block_of(name: str) -> str:
    parts = name.split(".")
    return ".".join(parts[:2]) if parts[0].startswith("layer") else ("head" if name in ("avgpool", "fc") else "stem")


def align(reference: list[Op], yours: list[Op]) -> list[tuple[Op | None, Op | None]]:
    matcher = difflib.SequenceMatcher(None, [o.signature for o in reference], [o.signature for o in yours],
                                      autojunk=False)  # fmt: skip
    pairs: list[tuple[Op | None, Op | None]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
            pairs += list(zip(reference[i1:i2], yours[j1:j2], strict=True))
        else:
            pairs += [(r, None) for r in reference[i1:i2]] + [(None, y) for y in yours[j1:j2]]
    return pairs


def _normalise_moves(reference: list[Op], yours: list[Op]) -> tuple[list[Op], list[str]]:
    """Move every shortcut that runs before its main path to after it, as the reference orders them.

    For each reference block with a projection, an occurrence in yours of [shortcut ops, main-path ops] (the
    same ops, the other way round) is rewritten as [main-path ops, shortcut ops].
    """
    blocks: dict[str, tuple[list[Op], list[Op]]] = {}
    for op in reference:
        block = _block_of(op.name)
        if block.startswith("layer"):
            main, shortcut = blocks.setdefault(block, ([], []))
            (shortcut if ".downsample" in op.name else main).append(op)
    yours = list(yours)
    moved = []
    start = 0
    for block, (main, shortcut) in blocks.items():
        if not shortcut:
            continue
        wanted = [o.signature for o in shortcut + main]
        width = len(wanted)
        for i in range(start, len(yours) - width + 1):
            if [o.signature for o in yours[i : i + width]] == wanted:
                yours[i : i + width] = yours[i + len(shortcut) : i + width] + yours[i : i + len(shortcut)]
                moved.append(block)
                start = i + width
                break
    return yours, moved


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a.split("."), b.split("."), strict=False):
        if x != y:
            break
        n += 1
    return n


def _assign_blocks(pairs: list[tuple[Op | None, Op | None]]) -> list[str]:
    """The reference block of every pair; an op only yours goes to the neighbouring block whose ops in your
    model share the most of its module name (`units.0.skip.0` belongs with `units.0.conv_a`)."""
    blocks: list[str | None] = [_block_of(r.name) if r is not None else None for r, _ in pairs]
    both = [k for k, (r, y) in enumerate(pairs) if r is not None and y is not None]
    for k, block in enumerate(blocks):
        if block is not None:
            continue
        name = pairs[k][1].name
        before = [j for j in both if j < k]
        after = [j for j in both if j > k]
        options = []
        if before:
            options.append((_common_prefix(name, pairs[before[-1]][1].name), 1, blocks[before[-1]]))
        if after:
            options.append((_common_prefix(name, pairs[after[0]][1].name), 0, blocks[after[0]]))
        blocks[k] = max(options)[2] if options else "stem"
    return blocks


def describe(pairs: list[tuple[Op | None, Op | None]], spec: ResNetSpec) -> list[Difference]:
    """One difference per reference block whose ops are not all equal, in words."""
    by_block: dict[str, list[tuple[Op | None, Op | None]]] = {}
    for block, pair in zip(_assign_blocks(pairs), pairs, strict=True):
        by_block.setdefault(block, []).append(pair)
    return [
        _words(block_pairs, block, spec)
        for block, block_pairs in by_block.items()
        if any(r is None or y is None or r.signature != y.signature for r, y in block_pairs)
    ]


def _words(pairs: list[tuple[Op | None, Op | None]], block: str, spec: ResNetSpec) -> Difference:
    differing = [(r, y) for r, y in pairs if r is None or y is None or r.signature != y.signature]
    refs = tuple(r for r, _ in differing if r is not None)
    yours = tuple(y for _, y in differing if y is not None)
    ref_convs = [r for r, _ in pairs if r is not None and r.kind == "conv" and ".downsample" not in r.name]
    your_convs = [
        y for r, y in pairs if y is not None and y.kind == "conv" and (r is None or ".downsample" not in r.name)
    ]
    your_convs = [y for y in your_convs if not (y in yours and refs == () and y.kernel == 1 and y is yours[0])]

    def said(text: str) -> Difference:
        return Difference(block, text, refs, yours)

    if not refs and yours and yours[0].kind == "conv" and yours[0].kernel == 1:
        parts = "1×1 conv" + (f" /{yours[0].stride}" if yours[0].stride != 1 else "")
        parts += " + BN" if any(o.kind == "bn" for o in yours) else ""
        params = sum(o.params for o in yours)
        return said(
            f"{block}: a projection shortcut ({parts}, {params:,} params) where the reference uses the identity"
        )
    if refs and not yours and all(".downsample" in r.name for r in refs):
        params = sum(o.params for o in refs)
        return said(f"{block}: the identity where the reference has a projection shortcut "
                    f"({refs[0].words()} + BN, {params:,} params)")  # fmt: skip
    if ref_convs and len(ref_convs) == len(your_convs):
        shape_ref = [(c.kernel, c.c_in, c.c_out, c.groups) for c in ref_convs]
        shape_you = [(c.kernel, c.c_in, c.c_out, c.groups) for c in your_convs]
        strides_ref, strides_you = [c.stride for c in ref_convs], [c.stride for c in your_convs]
        if shape_ref == shape_you and strides_ref != strides_you and sorted(strides_ref) == sorted(strides_you):
            yours_at = next(c for c in your_convs if c.stride != 1)
            ref_at = next(c for c in ref_convs if c.stride != 1)
            ordinal = ("first", "second", "third", "fourth")[your_convs.index(yours_at)]
            names = {1: "v1", 3: "v1.5"} if spec.block == "bottleneck" else {}
            mine = f" ({names[yours_at.kernel]})" if yours_at.kernel in names else ""
            theirs = f" ({names[ref_at.kernel]})" if ref_at.kernel in names else ""
            k, r = f"{yours_at.kernel}×{yours_at.kernel}", f"{ref_at.kernel}×{ref_at.kernel}"
            return said(
                f"{block}: stride {yours_at.stride} on the {ordinal} {k} conv{mine} where the reference puts it "
                f"on the {r}{theirs}"
            )
        kernels_ref = [c.kernel for c in ref_convs]
        kernels_you = [c.kernel for c in your_convs]
        if kernels_ref != kernels_you and block.startswith("layer"):
            yours_text = " then a ".join(f"{k}×{k} conv" for k in kernels_you)
            if len(set(kernels_ref)) == 1:
                count = ("one", "two", "three", "four")[len(kernels_ref) - 1]
                ref_text = f"{count} {kernels_ref[0]}×{kernels_ref[0]} convs"
            else:
                ref_text = ", ".join(f"{k}×{k}" for k in kernels_ref) + " convs"
            block_kind = "basic block" if spec.block == "basic" else "bottleneck"
            return said(f"{block}: your block has a {yours_text} where the reference {block_kind} has {ref_text}")
    biased = [(r, y) for r, y in differing if r and y and r.kind == y.kind == "conv" and r.bias != y.bias
              and dataclasses.replace(r, bias=y.bias, params=y.params, name=y.name, macs=y.macs) == y]  # fmt: skip
    if biased and len(biased) == len(differing):
        r, y = biased[0]
        extra = y.params - r.params
        where = r.name if r.name == y.name else f"{r.name} (your {y.name})"
        return said(f"{where}: bias={y.bias} {'adds' if extra > 0 else 'removes'} {abs(extra):,} params"
                    + (f", and {len(biased) - 1} more convs alike" if len(biased) > 1 else ""))  # fmt: skip
    ref_text = ", ".join(o.words() for o in refs)
    your_text = ", ".join(o.words() for o in yours)
    if not yours:
        return said(f"{block}: yours lacks the reference's {ref_text}")
    if not refs:
        return said(f"{block}: yours has an extra {your_text}")
    return said(f"{block}: yours has {your_text} where the reference has {ref_text}")


def compare_model(model: Any, spec: ResNetSpec, size: tuple[int, int], *, batch: int = 1) -> Comparison:
    """Hook `model` once and hold it against `spec` at `size`."""
    in_channels = _input_channels(model, spec.in_channels)
    spec = spec.with_io(in_channels=in_channels)
    observed, shape, probe = observe_any(model, (batch, in_channels, *size))
    num_classes = next((o.out_shape[1] for o in reversed(observed) if o.kind == "linear"), spec.num_classes)
    spec = spec.with_io(num_classes=num_classes)
    reference_trace = trace(spec, *shape[2:], batch=shape[0])
    ref = reference_ops(reference_trace)
    yours = user_ops(observed, shape[0])
    yours, moved = _normalise_moves(ref, yours)
    pairs = align(ref, yours)
    differences = describe(pairs, spec)
    relu_calls = sum(o.kind == "relu" for o in observed)
    unknown = tuple(dict.fromkeys(f"{o.name} ({o.module_type})" for o in observed if o.kind == "other"))
    comparison = Comparison(spec, reference_trace, tuple(yours), tuple(pairs), tuple(differences), tuple(moved),
                            probe, relu_calls, unknown)  # fmt: skip
    if differences:
        equals = find_equal_config(yours, shape, spec)
        comparison = dataclasses.replace(comparison, equals=equals)
    return comparison


def _input_channels(model: Any, default: int) -> int:
    import torch.nn as nn

    first = next((m for m in model.modules() if isinstance(m, nn.Conv2d)), None)
    return first.in_channels if first is not None else default


def candidate_specs(in_channels: int, num_classes: int):
    """Every named config with every stride placement, shortcut option and max-pool padding."""
    for base in REGISTRY.values():
        for stride_in, shortcut, pad in itertools.product(("v1.5", "v1"), ("B", "A", "C"), (1, 0)):
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


def find_equal_config(yours: list[Op], shape: tuple[int, ...], reference: ResNetSpec) -> str | None:
    wanted = [o.signature for o in yours]
    for candidate in candidate_specs(reference.in_channels, reference.num_classes):
        ops = reference_ops(trace(candidate, *shape[2:], batch=shape[0]))
        moved, _ = _normalise_moves(ops, list(yours))
        if [o.signature for o in ops] == [o.signature for o in moved] or [o.signature for o in ops] == wanted:
            return candidate.name
    return None


def check_stage_records(comparison: Comparison) -> list[dict[str, Any]]:
    """Per stage: output shape, params and MACs, yours beside the reference's."""
    records = []
    stage_of_block = {layer.block: layer.stage for layer in comparison.reference_trace.layers}
    current = "stem"
    totals: dict[str, dict[str, Any]] = {}
    for ref, yours in comparison.alignment:
        if ref is not None:
            current = stage_of_block.get(_block_of(ref.name), current)
        entry = totals.setdefault(current, {"ref_params": 0, "your_params": 0, "ref_macs": 0, "your_macs": 0,
                                            "ref_out": None, "your_out": None})  # fmt: skip
        if ref is not None:
            entry["ref_params"] += ref.params
            entry["ref_macs"] += ref.macs
            entry["ref_out"] = (ref.c_out, *ref.out_hw)
        if yours is not None:
            entry["your_params"] += yours.params
            entry["your_macs"] += yours.macs
            entry["your_out"] = (yours.c_out, *yours.out_hw)
    for stage in stage_names(comparison.reference):
        e = totals.get(stage)
        if e is None:
            continue
        records.append(
            {
                "stage": stage,
                "reference_out": shape_text(e["ref_out"] or ()),
                "your_out": shape_text(e["your_out"] or ()),
                "reference_params": e["ref_params"],
                "your_params": e["your_params"],
                "reference_macs": e["ref_macs"],
                "your_macs": e["your_macs"],
                "same": e["ref_params"] == e["your_params"]
                and e["ref_macs"] == e["your_macs"]
                and e["ref_out"] == e["your_out"],
            }
        )
    return records


# ------------------------------------------------------------------------------------------- checkpoints


@dataclass(frozen=True)
class CheckpointResult:
    path: str
    spec: ResNetSpec | None
    recognised_as: str | None  # a registered name, when the inferred config is one
    notes: tuple[str, ...]
    problems: tuple[str, ...]  # keys that fit no config, or a strict load that failed


def read_state_dict(path: str) -> dict[str, Any]:
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
    for key in ("state_dict", "model", "model_state_dict"):
        if isinstance(loaded, dict) and isinstance(loaded.get(key), dict):
            loaded = loaded[key]
            break
    import torch

    if not isinstance(loaded, dict) or not all(
        isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in loaded.items()
    ):
        raise LoadError(f"{path!r} is not a state_dict (a mapping of names to tensors)")
    return {k.removeprefix("module."): v for k, v in loaded.items()}


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
    shortcut_norm = not any(k.endswith("downsample.0.weight") for k in shapes) or any(
        k.endswith("downsample.1.running_mean") or k.endswith("downsample.2.running_mean") for k in shapes
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
    notes.append("the max pool's padding owns no weights either: a checkpoint cannot say it")
    return spec, notes


def check_checkpoint(path: str) -> CheckpointResult:
    return check_state_dict(read_state_dict(path), path)


def check_state_dict(state: dict[str, Any], label: str) -> CheckpointResult:
    """Infer the config from names and shapes alone (meta tensors will do), then try it strictly."""
    from ..core.model import build_model

    path = label
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
    recognised = _registered_name(spec)
    named = dataclasses.replace(spec, name=recognised or "inferred")
    model = build_model(named, device="meta")
    expected = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    found = {k: tuple(v.shape) for k, v in state.items()}
    problems = []
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
    """The JSON contract of `check` on a model."""
    return {
        "target": target,
        "reference": comparison.reference.name,
        "matches": comparison.matches,
        "equals": comparison.equals,
        "run": comparison.probe,
        "differences": [{"where": d.where, "words": d.words} for d in comparison.differences],
        "shortcut_runs_first_in": list(comparison.moved_shortcuts),
        "relu_calls_seen": comparison.other_relu_calls,
        "unrecognised_modules": list(comparison.unknown_modules),
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
    return (
        f"differs from {reference.name}: "
        + ", ".join(f"{f} {getattr(result.spec, f)!r} (reference {getattr(reference, f)!r})" for f in differ)
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
        "problems": list(result.problems) + ([verdict] if verdict else []),
    }
