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

import torch
from torch import nn

from ..core.errors import first_line
from ..core.shapes import Shape, Trace
from ..core.verification import LayerCheck, ObservedLayer, Probe, Verification, compare
from .modules import kind_of_module as module_kind

__all__ = ["LayerCheck", "ObservedLayer", "Probe", "Verification", "compare", "observe", "record_calls", "verify"]


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


def verify(trace: Trace, model: nn.Module, *, probe: Probe = "empty-batch") -> Verification:
    """Compare every layer; a forward that fails part-way is compared as far as it got, and says why it stopped."""
    try:
        observed, error = observe(model, trace.input_shape, probe=probe), None
    except HookError as failure:
        observed, error = failure.observed, str(failure)
    verification = compare(trace, observed, sum(p.numel() for p in model.parameters()), error)
    frozen = sum(p.numel() for p in model.parameters() if not p.requires_grad)
    return dataclasses.replace(verification, frozen_params=frozen) if frozen else verification
