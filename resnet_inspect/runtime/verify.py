"""Run the real model with forward hooks and hold what it does against the analytic trace.

The hooked forward runs every leaf module of the model on an *empty batch* (N = 0) on the CPU: each kernel
still validates its input and computes its output shape, but there is nothing to compute or store, so it
costs the same at 64×64 as at 8192×8192. (The meta device would do too, but its batch-norm kernel is a
Python decomposition that imports torch._dynamo on first use: about as long as importing torch itself.)
`probe="meta"` runs the full batch on the meta device instead.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import torch
from torch import nn

from ..core.errors import first_line
from ..core.ops import Op
from ..core.shapes import Shape, Trace, TracedLayer, shape_text
from .modules import kind_of_module as module_kind

Probe = Literal["empty-batch", "meta"]


@dataclass(frozen=True)
class ObservedLayer:
    """One call of one leaf module, as the forward hook saw it."""

    name: str
    module_type: str  # "Conv2d", "BatchNorm2d", …
    in_shape: Shape
    out_shape: Shape
    params: int
    weight_shape: Shape | None
    kind: str = "other"  # the trace's word for it: conv, bn, relu, maxpool, downpool, avgpool, linear, add, pad
    window: tuple[int, int, int, int, bool] | None = None  # kernel, stride, padding, groups, bias (square)

    @property
    def op(self) -> Op:
        """The call as an op of the op table, so the table's rules count it from the model's own shapes."""
        channels_in = self.in_shape[1] if len(self.in_shape) > 1 else 0
        channels_out = self.out_shape[1] if len(self.out_shape) > 1 else 0
        if self.kind == "linear" and self.weight_shape is not None:
            channels_in = self.weight_shape[1]
        kernel, stride, padding, groups, bias = self.window or (1, 1, 0, 1, self.kind == "linear")
        return Op(self.name, self.kind, channels_in, channels_out, kernel, stride, padding, groups=groups, bias=bias)


def _first(value) -> int:
    return int(value[0] if isinstance(value, tuple | list) else value)


def module_window(module: nn.Module) -> tuple[int, int, int, int, bool] | None:
    if isinstance(module, nn.Conv2d):
        padding = module.padding if not isinstance(module.padding, str) else (module.kernel_size[0] // 2,)
        return (
            _first(module.kernel_size),
            _first(module.stride),
            _first(padding),
            module.groups,
            module.bias is not None,
        )
    if isinstance(module, nn.MaxPool2d | nn.AvgPool2d):
        stride = module.stride if module.stride is not None else module.kernel_size
        return (_first(module.kernel_size), _first(stride), _first(module.padding), 1, False)
    return None


def leaf_modules(model: nn.Module) -> Iterator[tuple[str, nn.Module]]:
    for name, module in model.named_modules():
        if name and next(module.children(), None) is None:
            yield name, module


class HookError(RuntimeError):
    """The hooked forward failed; the message says which layers had already run, `observed` holds them."""

    def __init__(self, message: str, observed: list[ObservedLayer]) -> None:
        super().__init__(message)
        self.observed = observed


@contextlib.contextmanager
def record_calls(model: nn.Module) -> Iterator[list[ObservedLayer]]:
    """Record every leaf-module call of `model` while the block runs, in execution order.

    Hooks are removed and the model's train/eval mode restored however the block ends.
    """
    observed: list[ObservedLayer] = []
    handles = []

    def hook(name: str):
        def record(module: nn.Module, inputs: tuple, output: torch.Tensor) -> None:
            weight = getattr(module, "weight", None)
            observed.append(
                ObservedLayer(
                    name=name,
                    module_type=type(module).__name__,
                    in_shape=tuple(inputs[0].shape),
                    out_shape=tuple(output.shape),
                    params=sum(p.numel() for p in module.parameters(recurse=False)),
                    weight_shape=tuple(weight.shape) if isinstance(weight, torch.Tensor) else None,
                    kind=module_kind(module),
                    window=module_window(module),
                )
            )

        return record

    modes = [(module, module.training) for module in model.modules()]  # each submodule's own, not just the top's
    try:
        for name, module in leaf_modules(model):
            handles.append(module.register_forward_hook(hook(name)))
        yield observed
    except Exception as error:
        ran = ", ".join(layer.name for layer in observed[-3:]) or "none"
        raise HookError(
            f"the forward pass failed after {len(observed)} layers (last: {ran}): {first_line(error)}", list(observed)
        ) from error
    finally:
        for handle in handles:
            handle.remove()
        for module, training in modes:
            module.training = training


def observe(model: nn.Module, input_shape: Shape, *, probe: Probe = "empty-batch") -> list[ObservedLayer]:
    """Every leaf-module call of one forward pass of `model` on an input of `input_shape`.

    With the empty-batch probe the recorded shapes have batch 0; `observed_per_sample` says how to read them.
    """
    if probe == "meta":
        device, shape = torch.device("meta"), input_shape
    else:
        device, shape = torch.device("cpu"), (0, *input_shape[1:])
    if any(t.device != device for t in (*model.parameters(), *model.buffers())):
        materialize_empty(model, device)
    with record_calls(model) as observed, torch.inference_mode():
        model.eval()
        model(torch.empty(shape, device=device))
    return observed


def materialize_empty(model: nn.Module, device: torch.device) -> None:
    """Give every parameter and buffer uninitialised storage on `device`, in place.

    An empty batch never reads a weight, so storage is all a forward needs. (`Module.to_empty` does the same
    but goes through a Python reference kernel for meta tensors that imports sympy: a third of a second.)
    """
    from ..core.budget import check_parameters

    moved = [t for t in (*model.parameters(), *model.buffers()) if t.device != device]
    # Shapes only, so far: a meta tensor knows its size without holding it. Refused here, before any storage.
    check_parameters(sum(p.numel() for p in model.parameters()), sum(t.numel() * t.element_size() for t in moved))
    for module in model.modules():
        for name, param in list(module.named_parameters(recurse=False)):
            empty = torch.empty(param.shape, dtype=param.dtype, device=device)
            setattr(module, name, nn.Parameter(empty, requires_grad=param.requires_grad))
        for name, buffer in list(module.named_buffers(recurse=False)):
            module.register_buffer(name, torch.empty(buffer.shape, dtype=buffer.dtype, device=device))


@dataclass(frozen=True)
class LayerCheck:
    """A trace row beside the model call it must match."""

    traced: TracedLayer
    observed: ObservedLayer | None

    @property
    def observed_out_shape(self) -> Shape | None:
        """The model's output shape for the traced batch: an empty-batch probe's N = 0 reads as the trace's N."""
        if self.observed is None:
            return None
        if self.observed.out_shape[0] == 0 and self.observed.in_shape[0] == 0:
            return (self.traced.out_shape[0], *self.observed.out_shape[1:])
        return self.observed.out_shape

    @property
    def problems(self) -> tuple[str, ...]:
        t, o = self.traced, self.observed
        if o is None:
            return (f"{t.name}: the model never ran this layer",)
        found = []
        if o.name != t.name:
            found.append(f"{t.name}: the model ran {o.name} here")
        if o.in_shape[0] != o.out_shape[0]:
            found.append(f"{t.name}: batch {o.in_shape[0]} in but {o.out_shape[0]} out")
        if self.observed_out_shape != t.out_shape:
            found.append(
                f"{t.name}: shape {_fmt(t.out_shape)} by the formula, {_fmt(self.observed_out_shape)} in the model"
            )
        if o.params != t.params:
            found.append(f"{t.name}: {t.params:,} params by the formula, {o.params:,} in the model")
        return tuple(found)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Verification:
    checks: tuple[LayerCheck, ...]
    unexpected: tuple[ObservedLayer, ...]  # model calls the trace has no row for
    model_params: int
    error: str | None = None  # the forward pass failed part-way: what it said
    frozen_params: int = 0  # the model's parameters with requires_grad off (a fine-tuning setup's frozen layers)

    @property
    def ok(self) -> bool:
        return self.error is None and not self.unexpected and all(check.ok for check in self.checks)

    @property
    def model_problems(self) -> tuple[str, ...]:
        """What is wrong beyond single trace rows: calls the trace lacks, a forward that failed part-way."""
        found = [f"{o.name}: the model calls it but the trace has no such layer" for o in self.unexpected]
        if self.error is not None:
            found.append(f"model: {self.error}")
        return tuple(found)

    @property
    def problems(self) -> tuple[str, ...]:
        return tuple(p for check in self.checks for p in check.problems) + self.model_problems


def compare(trace: Trace, observed: list[ObservedLayer], model_params: int, error: str | None = None) -> Verification:
    """Pair trace rows and model calls by position (both are in execution order) and compare them."""
    checks = tuple(
        LayerCheck(traced, observed[i] if i < len(observed) else None) for i, traced in enumerate(trace.layers)
    )
    return Verification(checks, tuple(observed[len(trace.layers) :]), model_params, error)


def verify(trace: Trace, model: nn.Module, *, probe: Probe = "empty-batch") -> Verification:
    """Compare every layer; a forward that fails part-way is compared as far as it got, and says why it stopped."""
    try:
        observed, error = observe(model, trace.input_shape, probe=probe), None
    except HookError as failure:
        observed, error = failure.observed, str(failure)
    verification = compare(trace, observed, sum(p.numel() for p in model.parameters()), error)
    frozen = sum(p.numel() for p in model.parameters() if not p.requires_grad)
    return dataclasses.replace(verification, frozen_params=frozen) if frozen else verification


def _fmt(shape: Shape | None) -> str:
    return "none" if shape is None else shape_text(shape)
