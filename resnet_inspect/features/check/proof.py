"""A "matches" that is proven: the two networks compute the same function, not only look alike.

Two structures that compare equal (`Structure.key`) correspond op for op: the stem's layers, each block's main
path, shortcut, gate and what follows its add, the tail and the head, in that order. Through that
correspondence every parameter and buffer an op of the reference reads is taken from the op of the user's model
that sits in its place. Both networks then run on the same random input, in float64 and eval mode, and their
outputs must agree to rounding.

The weights are random (seeded), drawn once on a copy of the user's model and carried into the reference, not
the user's own values: a freshly initialised model (zero-initialised last BN of each block, as torchvision's
`zero_init_residual` does) or a trained one could hide a difference that random weights show. Neither the
user's model nor its tensors are touched: the copy has tensors of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ...capture.graph import Graph
from ...capture.structure import Layer, Structure
from ...core.errors import InspectError, first_line

SEED = 0
# Rounding in float64 through a few hundred layers stays far below this; a different function is far above it.
TOLERANCE = {"float64": 1e-9, "float32": 1e-4}
# The two float64 forwards' bound, in multiply-adds each: about a second on two cores. Past it (a check at
# 2048×2048), the function check runs at the largest of the usual sizes under it, and says so.
MAX_PROOF_MACS = 20_000_000_000
PROOF_SIDES = (224, 128, 64, 32)


@dataclass(frozen=True)
class Proof:
    """What the function check found: how many ops were paired, how far apart the outputs were."""

    ops: int  # layers paired op for op
    tensors: int  # parameters and buffers carried from your model into the reference
    dtype: str  # what the two forwards ran in
    largest_difference: float | None  # max |yours − reference| over the output, relative to max |reference|
    problem: str | None  # why the two do not compute the same thing (None: they do)
    notes: tuple[str, ...] = ()  # what the proof had to align (where option A's zero channels go)
    ran: bool = True  # False: the forwards could not run at all (nothing proven either way)

    @property
    def holds(self) -> bool:
        return self.problem is None

    def words(self) -> str:
        """`same graph, 158 ops; same outputs to 3e-16 with shared random weights (float64, eval mode)`."""
        graph = f"same graph, {self.ops} ops"
        if not self.holds:
            return f"{graph}; {self.problem}"
        closeness = "to the last bit" if self.largest_difference == 0 else f"to {self.largest_difference:.0e}"
        return f"{graph}; same outputs {closeness} with shared random weights ({self.dtype}, eval mode)"

    def record(self) -> dict[str, Any]:
        return {
            "ops_paired": self.ops,
            "tensors_carried": self.tensors,
            "dtype": self.dtype,
            "largest_relative_difference": self.largest_difference,
            "holds": self.holds,
            "problem": self.problem,
            "notes": list(self.notes),
            "ran": self.ran,
        }


def _layers(structure: Structure) -> Iterator[Layer]:
    yield from structure.stem
    for block in structure.blocks:
        yield from (*block.main, *block.shortcut, *block.attention, *block.after_add)
    yield from structure.tail
    yield from structure.head


def correspondence(yours: tuple[Graph, Structure], theirs: tuple[Graph, Structure]) -> dict[str, str]:
    """The reference's tensor name → the tensor of your model in its place, op for op, or an InspectError that
    names the first op whose tensors do not pair."""
    (y_graph, y_structure), (r_graph, r_structure) = yours, theirs
    pairs: dict[str, str] = {}
    y_layers, r_layers = list(_layers(y_structure)), list(_layers(r_structure))
    if len(y_layers) != len(r_layers):
        raise InspectError(f"the structures hold {len(y_layers)} and {len(r_layers)} ops")
    for y, r in zip(y_layers, r_layers, strict=True):
        y_names = y_graph.nodes[y.index].params if y.index >= 0 else ()
        r_names = r_graph.nodes[r.index].params if r.index >= 0 else ()
        y_sizes = [y_graph.param_sizes.get(n) for n in y_names]
        r_sizes = [r_graph.param_sizes.get(n) for n in r_names]
        if sorted(map(str, y_sizes)) != sorted(map(str, r_sizes)):
            raise InspectError(
                f"your {y.words()} in {y.module or 'the model'} reads tensors of {_sizes(y_sizes)} values; the "
                f"reference's reads {_sizes(r_sizes)}"
            )
        # In the order each op read them, among tensors of one size: a BN's weight, bias, mean and variance in
        # aten's order; a linear's weight and bias whichever op (addmm, a 1×1 conv) read them first.
        for size in dict.fromkeys(r_sizes):
            pairs.update(
                zip(
                    [n for n, k in zip(r_names, r_sizes, strict=True) if k == size],
                    [n for n, k in zip(y_names, y_sizes, strict=True) if k == size],
                    strict=True,
                )
            )
    return pairs


def _shared(pairs: dict[str, str]) -> str | None:
    """Where one tensor of your model stands in several places of the reference (a BN module used twice, tied
    conv weights, `[Block(...)] * n`): fewer parameters than the reference, another network."""
    places: dict[str, list[str]] = {}
    for theirs, yours in pairs.items():
        places.setdefault(yours, []).append(theirs)
    many = [(yours, theirs) for yours, theirs in places.items() if len(theirs) > 1]
    if not many:
        return None
    yours, theirs = many[0]
    more = f" (and {len(many) - 1} more tensors shared so)" if len(many) > 1 else ""
    return (
        f"your model uses one tensor, {yours}, in {len(theirs)} places where the reference has one each "
        f"({', '.join(theirs[:3])}{'…' if len(theirs) > 3 else ''}){more}: shared weights, fewer parameters"
    )


def _sizes(sizes: list) -> str:
    return "/".join(f"{k:,}" if isinstance(k, int) else "?" for k in sizes) or "no"


def prove(model: Any, yours: tuple[Graph, Structure], reference: Any) -> Proof:
    """Run `model` and the reference network (`infer.ReferenceCapture`: its graph, structure and model, whose
    weights this fills) with the same random weights on the same random input; see the module."""
    import torch

    from ...capture.graph import tensors_in
    from ...runtime.copying import copy_model, named_tensors

    theirs = (reference.graph, reference.structure)
    reference_model = reference.model
    ops = sum(1 for _ in _layers(yours[1]))
    try:
        pairs = correspondence(yours, theirs)
    except InspectError as error:
        return Proof(ops, 0, "float64", None, f"the weights do not pair op for op: {error}")
    shared = _shared(pairs)
    if shared:
        return Proof(ops, 0, "float64", None, shared)
    read_by_yours = {name for node in yours[0].nodes for name in node.params}
    read_by_theirs = {name for node in theirs[0].nodes for name in node.params}
    unpaired = sorted(read_by_yours - set(pairs.values()))
    if unpaired:
        return Proof(
            ops, 0, "float64", None, f"your model also reads {_names(unpaired)}, which no op of the reference reads"
        )
    missing = sorted(read_by_theirs - set(pairs))
    if missing:
        return Proof(ops, 0, "float64", None, f"the reference's {_names(missing)} have no counterpart in your model")

    from ...core.budget import check_memory

    elements = sum(t.numel() for t in named_tensors(reference_model).values())
    check_memory("the function check (both networks' weights in float64)", 16 * elements)
    full = (1, *yours[0].input_shape[1:])
    reduced, said = _proof_shape(full, theirs[1])
    # float32 only where the user's forward insists on it; the checked size where it does not run at a smaller one
    from ...capture.graph import model_dtype

    own = model_dtype(model)  # last: a forward that casts its input to its own half precision
    attempts = [(reduced, torch.float64, said), (full, torch.float64, ()), (full, torch.float32, ()), (full, own, ())]
    attempts = list(dict.fromkeys(attempts))
    problem = None
    for shape, dtype, notes in attempts:
        name = str(dtype).removeprefix("torch.")
        generator = torch.Generator().manual_seed(SEED)
        try:
            copy = copy_model(model, "cpu", dtype=dtype, zeros=True, what="the function check").eval()
            tensors = named_tensors(copy)
            _randomise(tensors, generator)
            reference = reference_model.to(dtype).eval()  # every tensor its forward reads is filled below
            relabelled = _place_zero_channels(reference, yours, theirs)
            theirs_tensors = named_tensors(reference)
            with torch.no_grad():
                for r_name, y_name in pairs.items():
                    target, source = theirs_tensors[r_name], tensors[y_name]
                    if target.numel() != source.numel():
                        return Proof(
                            ops,
                            0,
                            name,
                            None,
                            f"your {y_name} holds {source.numel():,} values where the reference's {r_name} holds "
                            f"{target.numel():,}",
                        )
                    target.copy_(source.reshape(target.shape))
                x = torch.randn(shape, generator=generator, dtype=dtype)
                out_yours, out_theirs = next(tensors_in(copy(x)), None), reference(x)
        except InspectError:
            raise
        except Exception as error:  # the user's forward: float64 may be refused by code that fixes a dtype
            problem = f"the function check could not run: {type(error).__name__}: {first_line(error)}"
            continue
        if out_yours is None or tuple(out_yours.shape) != tuple(out_theirs.shape):
            said = "no tensor" if out_yours is None else "×".join(map(str, out_yours.shape))
            return Proof(
                ops,
                len(pairs),
                name,
                None,
                f"your output is {said}; the reference's {'×'.join(map(str, out_theirs.shape))}",
            )
        scale = out_theirs.abs().max().item() or 1.0
        difference = (out_yours.to(dtype) - out_theirs).abs().max().item() / scale
        tolerance = TOLERANCE.get(str(out_yours.dtype).removeprefix("torch."), 1e-2)  # 1e-2: a half precision
        if not difference <= tolerance:  # NaN fails too
            return Proof(
                ops,
                len(pairs),
                name,
                difference,
                f"yet different outputs with the same weights (largest difference {difference:.2g} of the output's "
                "scale): an op this tool does not model (a scale, a permutation, a transpose, …) changes what your "
                "model computes",
            )
        return Proof(ops, len(pairs), name, difference, None, (*notes, *_relabelling_note(relabelled)))
    return Proof(ops, len(pairs), "float64", None, problem, ran=False)


def _proof_shape(input_shape: tuple[int, ...], reference: Structure) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """The input the two forwards run on: the checked one, or past `MAX_PROOF_MACS` the largest of `PROOF_SIDES`
    under it (the conv and linear MACs of a ResNet grow with the pixels; the graph they pair does not change)."""
    _, channels, height, width = input_shape
    macs = sum(x.macs_conv_linear for x in _layers(reference))
    if macs <= MAX_PROOF_MACS:
        return (1, channels, height, width), ()
    for side in PROOF_SIDES:
        if side < min(height, width) and macs * side * side / (height * width) <= MAX_PROOF_MACS:
            said = (
                f"the function check ran at {side}×{side}: at {height}×{width} each forward would take "
                f"{macs / 1e9:,.0f} GMACs, past its bound of {MAX_PROOF_MACS / 1e9:.0f} GMACs"
            )
            return (1, channels, side, side), (said,)
    return (1, channels, height, width), ()


def _place_zero_channels(reference: Any, yours: tuple[Graph, Structure], theirs: tuple[Graph, Structure]) -> list:
    """Where your option-A shortcuts put the input's channels among the zeros (`F.pad(x, (0, 0, 0, 0, 8, 8))`),
    the reference's put them too; returns the blocks that moved them, with how many zero channels go first."""
    from ...runtime.modules import ZeroPadShortcut

    moved = []
    for yb, rb in zip(yours[1].blocks, theirs[1].blocks, strict=True):
        if yb.shortcut_kind != "zero-pad":
            continue
        pads = [yours[0].nodes[i].attrs.get("pad", ()) for i in yb.shortcut_nodes if yours[0].nodes[i].kind == "pad"]
        before = pads[0][4] if len(pads) == 1 and len(pads[0]) == 6 else 0
        modules = {theirs[0].nodes[i].module for i in rb.shortcut_nodes}
        for path in modules:
            module = reference.get_submodule(path) if path else None
            if isinstance(module, ZeroPadShortcut) and before:
                module.before = before
                moved.append((yb.where, before, module.extra_channels))
    return moved


def _relabelling_note(moved: list) -> tuple[str, ...]:
    if not moved:
        return ()
    places = ", ".join(where for where, _, _ in moved)
    if all(2 * before == extra for _, before, extra in moved):
        share = "half of their zero channels"
    else:
        share = "; ".join(f"{before} of {extra} zero channels in {where}" for where, before, extra in moved)
    return (
        f"your option-A shortcuts put {share} before the input's ({places}); the "
        "reference's put all after: the same network with its channels relabelled, proven with the reference's "
        "zeros placed as yours",
    )


def _randomise(tensors: dict[str, Any], generator: Any) -> None:
    """Random values a network keeps finite under: weights uniform with variance 1/fan-in, vectors (norm scales
    and shifts, biases, running statistics) in [0.5, 1.5], so that no variance is zero and no scale vanishes.
    Drawn in float32 (uniform float32 draws are 4× faster than float64 normals: 0.1 s for a ResNet-50)."""
    import torch

    seen: set[int] = set()
    with torch.no_grad():
        for tensor in tensors.values():
            if not tensor.is_floating_point() or id(tensor) in seen:
                continue
            seen.add(id(tensor))
            draw = torch.rand(tensor.shape, generator=generator, dtype=torch.float32)
            if tensor.dim() >= 2:
                tensor.copy_((2 * draw - 1) * (3 / max(1, tensor[0].numel())) ** 0.5)
            else:
                tensor.copy_(draw + 0.5)


def _names(names: list[str]) -> str:
    return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
