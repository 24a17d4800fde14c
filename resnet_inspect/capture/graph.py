"""One forward of a copy of any model, recorded as a dataflow graph of aten ops.

Forward hooks see modules; a residual `out += x`, a functional `F.relu`, an `F.pad` shortcut or a `view` are no
modules. A `TorchDispatchMode` (what torch's own `FlopCounterMode` is built on) sees every aten op instead,
with the tensors it read and wrote: each output tensor is remembered (by identity) as the node that made it,
so each node knows which nodes' outputs it read. Global module hooks (the mechanism of
`torch.utils.module_tracker.ModuleTracker`, kept as an ordered stack here so the innermost module is known,
and modules built inside `forward` are named after their parent) say which module issued each op.

The forward runs on a copy of the model whose parameters and buffers are fresh uninitialised tensors (their
values never matter), in eval mode, on the cheapest input that works: an empty batch (N = 0) on the CPU, where
every kernel checks shapes and computes nothing; then one sample on the meta device (for `x.view(x.size(0), -1)`,
which an empty batch cannot do); then one sample of zeros on the CPU (for code that reads values). The
user's model is only read: its parameters, buffers, dtype, device and every submodule's `training` stay as
they were, also when its forward raises.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from math import prod
from typing import Any

from ..core.errors import InspectError, first_line

INPUT = -1  # the graph input, as a producer

Shape = tuple[int, ...]


class CaptureError(InspectError):
    """The model could not be run on any probe input: it cannot be loaded as a ResNet."""


@dataclass(frozen=True)
class Node:
    """One aten op of the forward.

    `inputs` are the nodes (or `INPUT`) whose outputs it read, activations only; `params` the parameters and
    buffers it read, directly or through a transpose (`fc.weight` reaches `addmm` as `t(fc.weight)`).
    """

    index: int
    kind: str  # conv, bn, gn, ln, relu, act, sigmoid, maxpool, downpool, avgpool, mean, pad, slice, cat, add,
    # mul, view, linear, const, other
    aten: str  # the aten op's name: "convolution", "add_", …
    inputs: tuple[int, ...]
    params: tuple[str, ...]
    param_count: int  # elements of the parameters (not buffers) it read
    in_shapes: tuple[Shape, ...]
    out_shape: Shape
    module: str  # the innermost module running when the op ran ("" for the model itself)
    module_type: str
    attrs: dict[str, Any] = field(default_factory=dict)

    @property
    def in_shape(self) -> Shape:
        return self.in_shapes[0] if self.in_shapes else ()


@dataclass(frozen=True)
class Graph:
    nodes: tuple[Node, ...]
    input_shape: Shape  # batch 1
    output: int  # the node whose output the model returned (the first tensor of it)
    probe: str  # how the forward ran, in words
    dtype: str
    param_names: dict[str, int]  # every parameter of the model → elements
    param_sizes: dict[str, int] = field(default_factory=dict)  # every parameter and buffer, by each name → elements

    def first_reads(self) -> dict[int, tuple[str, ...]]:
        """Node index → the parameters it is the first to read, in execution order: a tensor shared by several
        ops (tied weights, one module called twice) is counted once, at its first use."""
        seen: set[str] = set()
        first: dict[int, tuple[str, ...]] = {}
        for node in self.nodes:
            fresh = tuple(p for p in node.params if p in self.param_names and p not in seen)
            seen.update(fresh)
            first[node.index] = fresh
        return first

    def consumers(self) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {}
        for node in self.nodes:
            for i in node.inputs:
                out.setdefault(i, []).append(node.index)
        return out


# --------------------------------------------------------------------------------------------- the ops

_KIND_OF: dict[str, str] = {
    **dict.fromkeys(
        (
            "convolution",
            "_convolution",
            "conv2d",
            "mkldnn_convolution",
            "cudnn_convolution",
            "_slow_conv2d_forward",
            "thnn_conv2d",
        ),
        "conv",
    ),
    **dict.fromkeys(
        (
            "_native_batch_norm_legit_no_training",
            "native_batch_norm",
            "_native_batch_norm_legit",
            "batch_norm",
            "_batch_norm_impl_index",
            "cudnn_batch_norm",
            "miopen_batch_norm",
            "_batch_norm_with_update",
            "_batch_norm_no_update",
        ),
        "bn",
    ),
    "native_group_norm": "gn",
    "native_layer_norm": "ln",
    **dict.fromkeys(("relu", "relu_"), "relu"),
    **dict.fromkeys(
        (
            "leaky_relu",
            "leaky_relu_",
            "gelu",
            "gelu_",
            "silu",
            "silu_",
            "hardtanh",
            "hardtanh_",
            "elu",
            "elu_",
            "selu",
            "selu_",
            "mish",
            "mish_",
            "hardswish",
            "hardswish_",
            "tanh",
            "tanh_",
            "prelu",
            "_prelu_kernel",
            "softplus",
            "celu",
            "celu_",
            "rrelu_with_noise",
            "hardsigmoid",
            "hardsigmoid_",
            "threshold",
            "threshold_",
            "clamp_min",
            "clamp_min_",
            "clamp",
            "clamp_",
        ),
        "act",
    ),
    **dict.fromkeys(("sigmoid", "sigmoid_"), "sigmoid"),
    **dict.fromkeys(("max_pool2d_with_indices", "max_pool2d"), "maxpool"),
    "avg_pool2d": "downpool",
    **dict.fromkeys(("_adaptive_avg_pool2d", "adaptive_avg_pool2d", "adaptive_max_pool2d"), "avgpool"),
    "mean": "mean",
    "constant_pad_nd": "pad",
    "slice": "slice",
    "cat": "cat",
    **dict.fromkeys(("add", "add_"), "add"),
    **dict.fromkeys(("mul", "mul_"), "mul"),
    **dict.fromkeys(
        (
            "view",
            "_unsafe_view",
            "reshape",
            "flatten",
            "squeeze",
            "squeeze_",
            "unsqueeze",
            "permute",
            "transpose",
            "t",
            "expand",
            "select",
            "as_strided",
            "unflatten",
        ),
        "view",
    ),
    **dict.fromkeys(("addmm", "mm", "linear", "matmul", "bmm", "baddbmm"), "linear"),
    **dict.fromkeys(
        (
            "zeros",
            "zeros_like",
            "empty",
            "empty_like",
            "full",
            "full_like",
            "ones",
            "ones_like",
            "new_zeros",
            "new_empty",
            "new_full",
            "new_ones",
            "scalar_tensor",
        ),
        "const",
    ),
}
# Ops that hand their input on unchanged (a copy, a dtype cast, a detach): no node, the input's producer stays.
_PASSTHROUGH = {
    "clone",
    "contiguous",
    "detach",
    "detach_",
    "alias",
    "_to_copy",
    "lift_fresh",
    "lift_fresh_copy",
    "copy",
    "dropout",
    "native_dropout",
    "feature_dropout",
    "_assert_tensor_metadata",
}


def _pair(value: Any, default: int = 0) -> tuple[int, int]:
    if value is None or (isinstance(value, list | tuple) and not value):
        return (default, default)
    if isinstance(value, list | tuple):
        return (int(value[0]), int(value[-1]))
    return (int(value), int(value))


def _attrs(kind: str, name: str, args: tuple, kwargs: dict, out_shape: Shape) -> dict[str, Any]:
    """The op's window and settings, from its aten arguments (positional as the schema orders them)."""
    a = list(args)
    if kind == "conv":
        weight = a[1]
        stride, padding, dilation = (a[3], a[4], a[5]) if len(a) > 5 else ((1,), (0,), (1,))
        groups = a[8] if len(a) > 8 else 1
        return {
            "kernel": tuple(weight.shape[2:]),
            "stride": _pair(stride, 1),
            "padding": _pair(padding),
            "dilation": _pair(dilation, 1),
            "groups": int(groups),
            "bias": a[2] is not None,
            "in_channels": int(weight.shape[1]) * int(groups),
            "out_channels": int(weight.shape[0]),
        }
    if kind == "maxpool":
        kernel = _pair(a[1])
        stride = _pair(a[2]) if len(a) > 2 and a[2] else kernel
        return {
            "kernel": kernel,
            "stride": stride,
            "padding": _pair(a[3] if len(a) > 3 else 0),
            "dilation": _pair(a[4] if len(a) > 4 else 1, 1),
            "ceil_mode": bool(a[5]) if len(a) > 5 else False,
        }
    if kind == "downpool":
        kernel = _pair(a[1])
        stride = _pair(a[2]) if len(a) > 2 and a[2] else kernel
        return {
            "kernel": kernel,
            "stride": stride,
            "padding": _pair(a[3] if len(a) > 3 else 0),
            "ceil_mode": bool(a[4]) if len(a) > 4 else False,
            "count_include_pad": bool(a[5]) if len(a) > 5 else True,
        }
    if kind == "avgpool":
        return {"output_size": _pair(a[1], 1), "max": name.startswith("adaptive_max")}
    if kind == "mean":
        dims = a[1] if len(a) > 1 else kwargs.get("dim")
        return {"dims": tuple(int(d) for d in dims) if isinstance(dims, list | tuple) else dims}
    if kind == "pad":
        return {"pad": tuple(int(p) for p in a[1]), "value": float(a[2]) if len(a) > 2 else 0.0}
    if kind == "slice":
        return {
            "dim": int(a[1]) if len(a) > 1 else 0,
            "start": a[2] if len(a) > 2 else None,
            "end": a[3] if len(a) > 3 else None,
            "step": int(a[4]) if len(a) > 4 else 1,
        }
    if kind == "gn":
        return {"groups": int(a[6]) if len(a) > 6 else None}
    if kind == "act":
        base = name.rstrip("_")
        extra: dict[str, Any] = {"name": {"hardtanh": "relu6?", "clamp_min": "relu?"}.get(base, base)}
        if base == "leaky_relu":
            extra["negative_slope"] = float(a[1]) if len(a) > 1 else 0.01
        if base == "hardtanh":
            low, high = (float(a[1]) if len(a) > 1 else -1.0), (float(a[2]) if len(a) > 2 else 1.0)
            extra["name"] = "relu6" if (low, high) == (0.0, 6.0) else f"hardtanh({low:g}, {high:g})"
        if base in ("clamp_min", "threshold"):
            extra["name"] = "relu" if all(float(v) == 0 for v in a[1:3] if isinstance(v, int | float)) else base
        if base == "clamp":  # x.clamp(min=0) is a ReLU, x.clamp(0, 6) a ReLU6
            low = a[1] if len(a) > 1 else kwargs.get("min")
            high = a[2] if len(a) > 2 else kwargs.get("max")
            bounds = tuple(None if v is None else float(v) for v in (low, high))
            named = {(0.0, None): "relu", (0.0, 6.0): "relu6"}
            extra["name"] = named.get(bounds, f"clamp({', '.join('' if v is None else f'{v:g}' for v in bounds)})")
        return extra
    if kind == "cat":
        return {"dim": int(a[1]) if len(a) > 1 else int(kwargs.get("dim", 0))}
    return {}


# ---------------------------------------------------------------------------------------------- the run


def input_channels(model: Any, default: int = 3) -> int:
    """The channels the model's first conv reads (`default` when it has none, or a lazy one not yet built)."""
    import torch.nn as nn

    first = next((m for m in model.modules() if isinstance(m, nn.Conv2d)), None)
    return first.in_channels if first is not None and first.in_channels else default


def model_dtype(model: Any):
    import torch

    return next(
        (t.dtype for t in itertools.chain(model.parameters(), model.buffers()) if t.is_floating_point()), torch.float32
    )


def capture(model: Any, input_shape: Shape, *, owned: bool = False) -> Graph:
    """Record one forward of a copy of `model` on an input of `input_shape` (its batch is ignored: 1).

    `owned`: the model is one of ours, with storage on the CPU, that the caller gives up: it runs as it is, on
    an empty batch, with no copy made."""
    errors = []
    for probe in ("empty-batch",) if owned else ("empty-batch", "meta", "cpu"):
        try:
            return _capture(model, tuple(input_shape[1:]), probe, owned=owned)
        except CaptureError:
            raise
        except Exception as error:  # the user's forward: whatever it raises is one probe that failed
            errors.append(f"{probe}: {type(error).__name__}: {first_line(error)}")
    said = [e.split(": ", 1)[1] for e in errors]
    reasons = said[0] if len(set(said)) == 1 else "; ".join(errors)  # one reason said once
    shape = "×".join(map(str, (1, *input_shape[1:])))
    error = CaptureError(f"the model does not run on a {shape} input: {reasons}")
    error.reason = said[-1]  # the plainest: a real forward of one sample (or the only probe tried)
    raise error


def fresh_copy(model: Any, device: str, zeros: bool) -> Any:
    """A deep copy whose parameters and buffers are new tensors on `device` (never the user's objects)."""
    from torch.nn.parameter import UninitializedTensorMixin

    from ..core.budget import check_parameters
    from ..runtime.copying import copy_model

    tensors = list(itertools.chain(model.parameters(), model.buffers()))
    if any(isinstance(tensor, UninitializedTensorMixin) for tensor in tensors):
        raise CaptureError("the model has lazy layers that were never run; run it once before checking it")
    if device != "meta":  # the copy gets real storage: as much as the user's model holds
        check_parameters(sum(t.numel() for t in model.parameters()), sum(t.numel() * t.element_size() for t in tensors))
    try:
        return copy_model(model, device, zeros=zeros, what="it to be run").eval()
    except InspectError as error:
        raise CaptureError(str(error)) from None


def _capture(model: Any, sample_shape: Shape, probe: str, *, owned: bool = False) -> Graph:
    import torch

    dtype = model_dtype(model)
    device = "meta" if probe == "meta" else "cpu"
    twin = model.eval() if owned else fresh_copy(model, device, zeros=probe == "cpu")
    names: dict[int, str] = {}
    for n, m in twin.named_modules(remove_duplicate=False):
        names.setdefault(id(m), n)
    params: dict[int, tuple[str, int]] = {}
    for n, p in twin.named_parameters(remove_duplicate=False):
        params.setdefault(id(p), (n, p.numel()))
    for n, b in twin.named_buffers(remove_duplicate=False):
        params.setdefault(id(b), (n, 0))
    batch = 0 if probe == "empty-batch" else 1
    x = torch.zeros((batch, *sample_shape), dtype=dtype, device=device)
    recorder = _Recorder(params, x)
    stack: list[tuple[str, str]] = [("", type(twin).__name__)]

    def enter(module, args):
        name = names.get(id(module))
        if name is None:  # built inside a parent's forward: named after it
            parent = stack[-1][0]
            name = f"{parent}.<{type(module).__name__}>" if parent else f"<{type(module).__name__}>"
        stack.append((name, type(module).__name__))

    def leave(module, args, output):
        if len(stack) > 1:
            stack.pop()

    recorder.stack = stack
    from torch.nn.modules.module import register_module_forward_hook, register_module_forward_pre_hook

    handles = [register_module_forward_pre_hook(enter), register_module_forward_hook(leave)]
    try:
        with torch.no_grad(), _one_op_batch_norm(), recorder:
            stack[:] = [("", type(twin).__name__)]
            out = twin(x)
    finally:
        for handle in handles:
            handle.remove()
    first = next(tensors_in(out), None)
    if first is None:
        raise CaptureError("the model's forward returned no tensor")
    output = recorder.producer.get(id(first), INPUT)
    nodes = tuple(_unbatch(n) if batch == 0 else n for n in recorder.nodes)
    words = {"empty-batch": "CPU, empty batch", "meta": "meta device", "cpu": "CPU, one sample of zeros"}[probe]
    total = {}
    for n, p in model.named_parameters():
        total[n] = p.numel()

    from ..runtime.copying import named_tensors

    sizes = {n: t.numel() for n, t in named_tensors(twin).items()}
    return Graph(nodes, (1, *sample_shape), output, words, str(dtype).removeprefix("torch."), total, sizes)


def _unbatch(node: Node) -> Node:
    """Shapes recorded on an empty batch, as for one sample."""

    def one(shape: Shape) -> Shape:
        return (1, *shape[1:]) if shape and shape[0] == 0 else shape

    import dataclasses

    return dataclasses.replace(node, in_shapes=tuple(one(s) for s in node.in_shapes), out_shape=one(node.out_shape))


def tensors_in(value: Any) -> Iterator[Any]:
    """Every tensor in a (nested) value, in order: a forward's output, an op's arguments."""
    import torch
    from torch.utils._pytree import tree_flatten

    for leaf in tree_flatten(value)[0]:
        if isinstance(leaf, torch.Tensor):
            yield leaf


def _make_recorder_class():
    from torch.utils._python_dispatch import TorchDispatchMode

    class Recorder(TorchDispatchMode):
        def __init__(self, params: dict[int, tuple[str, int]], x: Any) -> None:
            super().__init__()
            self.params = params
            self.elements = {name: count for name, count in params.values()}  # a name → its elements, in O(1)
            self.derived: dict[int, tuple[str, ...]] = {}  # tensors computed from parameters only (t(weight))
            self.producer: dict[int, int] = {id(x): INPUT}
            self.keep: list[Any] = [x]  # every tensor seen stays alive, so no id is reused during the run
            self.nodes: list[Node] = []
            self.stack: list[tuple[str, str]] = []

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            kwargs = kwargs or {}
            args = _resolve_empty_view(func, args)
            out = func(*args, **kwargs)
            self._record(func, args, kwargs, out)
            return out

        def _record(self, func, args, kwargs, out) -> None:
            name = func.overloadpacket.__name__
            ins, param_names = [], []
            shapes = []
            for t in tensors_in((args, kwargs)):
                if id(t) in self.params:
                    param_names.append(self.params[id(t)][0])
                elif id(t) in self.derived:
                    param_names.extend(self.derived[id(t)])
                elif id(t) in self.producer:
                    ins.append(self.producer[id(t)])
                    shapes.append(tuple(t.shape))
            outs = list(tensors_in(out))
            self.keep.extend(outs)
            if not outs:
                return
            if not ins and param_names:
                for o in outs:
                    self.derived[id(o)] = tuple(dict.fromkeys(param_names))
                return
            kind = _KIND_OF.get(name, "other")
            if kind == "const" and name.startswith("empty"):
                return  # uninitialised scratch memory (a kernel's decomposition): never data
            out_shape = tuple(outs[0].shape)
            if ins and (name in _PASSTHROUGH or (kind in ("view", "slice") and out_shape == shapes[0])):
                for o in outs:
                    self.producer[id(o)] = ins[0]
                return
            if kind == "add" and len(ins) < 2:
                kind = "bias" if param_names else "other"  # x + constant or x + parameter: not a residual add
            module, module_type = self.stack[-1] if self.stack else ("", "")
            attrs = _attrs(kind, name, tuple(args), kwargs, out_shape)
            if kind == "mean" and module_type == "AdaptiveAvgPool2d":
                # torch runs AdaptiveAvgPool2d(1) as aten.mean; it is still the module fvcore counts (1 per input)
                kind, attrs = "avgpool", {"output_size": tuple(out_shape[2:4]) or (1, 1), "max": False}
            seen = dict.fromkeys(param_names)
            count = sum(self.elements[n] for n in seen if n in self.elements)
            node = Node(
                len(self.nodes),
                kind,
                name,
                tuple(ins),
                tuple(seen),
                count,
                tuple(shapes),
                out_shape,
                module,
                module_type,
                attrs,
            )
            self.nodes.append(node)
            for o in outs:
                self.producer[id(o)] = node.index

    # `TorchDispatchMode` wraps `__torch_dispatch__` to keep torch.compile out of it, which imports
    # torch._dynamo on the first op: seconds, as long as importing torch. Nothing here is compiled, so the
    # wrapper is told it is already done (the attribute it caches its result in).
    raw = Recorder.__torch_dispatch__
    setattr(getattr(raw, "__wrapped__", raw), "__dynamo_disable", getattr(raw, "__wrapped__", raw))
    return Recorder


def _one_op_batch_norm():
    """Batch norm in eval mode as the one aten op it is, whatever the batch.

    On an empty batch `F.batch_norm` skips its kernel and hands back a clone, a scale and a shift of scratch
    memory, where no batch norm is left to see. `_native_batch_norm_legit_no_training` is the op it runs on
    any other batch, and it takes N = 0 as well.
    """
    import torch
    import torch.nn.functional as F
    from torch.overrides import TorchFunctionMode

    class OneOp(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            kwargs = kwargs or {}
            if func is F.batch_norm:
                bound = dict(
                    zip(
                        ("input", "running_mean", "running_var", "weight", "bias", "training", "momentum", "eps"),
                        args,
                        strict=False,
                    ),
                    **kwargs,
                )
                if not bound.get("training", False) and bound.get("running_mean") is not None:
                    return torch.ops.aten._native_batch_norm_legit_no_training(
                        bound["input"],
                        bound.get("weight"),
                        bound.get("bias"),
                        bound["running_mean"],
                        bound["running_var"],
                        bound.get("momentum", 0.1),
                        bound.get("eps", 1e-5),
                    )[0]
            return func(*args, **kwargs)

    return OneOp()


def _resolve_empty_view(func, args: tuple) -> tuple:
    """`x.view(x.size(0), -1)` on an empty batch: the -1 is what it would be for any batch.

    On N = 0 the -1 is ambiguous and torch refuses; the model means "the rest of the sample", which is the
    sample's elements over the other sizes given.
    """
    if func.overloadpacket.__name__ not in ("view", "_unsafe_view", "reshape") or len(args) < 2:
        return args
    x, shape = args[0], args[1]
    if x.numel() or not x.dim() or x.shape[0] != 0 or not isinstance(shape, list | tuple) or -1 not in shape:
        return args
    if not shape or shape[0] != 0 or list(shape).count(-1) != 1:
        return args
    known = prod(int(s) for s in shape[1:] if s != -1)
    rest = prod(x.shape[1:])
    if not known or rest % known:
        return args
    return (x, [rest // known if s == -1 else s for s in shape], *args[2:])


_RECORDER: list[Any] = []


def _Recorder(params, x):
    if not _RECORDER:
        _RECORDER.append(_make_recorder_class())
    return _RECORDER[0](params, x)


def macs_of(node: Node) -> int:
    """Multiply-adds of a conv or linear node (the paper's convention); 0 for every other op."""
    if node.kind == "conv":
        kh, kw = node.attrs["kernel"]
        return prod(node.out_shape) * node.attrs["in_channels"] // node.attrs["groups"] * kh * kw
    if node.kind == "linear":
        return prod(node.out_shape) * (node.in_shape[-1] if node.in_shape else 0)
    return 0
