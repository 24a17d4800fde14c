"""One way to copy a user's model: new tensors for every parameter and buffer (never the user's objects), on a
device and dtype of the caller's choosing, the structure deep-copied around them."""

from __future__ import annotations

import copy
import itertools
from typing import Any

from ..core.errors import InspectError, first_line


def copy_model(
    model: Any,
    device: str,
    *,
    dtype: Any = None,
    values: bool = False,
    zeros: bool = False,
    grad: bool | None = None,
    what: str = "run",
) -> Any:
    """A deep copy whose parameters and buffers are new tensors on `device` (float ones in `dtype` when given) with
    requires_grad as the model's (or `grad`): the model's values (`values`, copied detached, never on the model's own
    device first: a CUDA model costs no GPU memory), or uninitialised (`zeros`: zero) where the values never matter.
    Not `empty_like`: on a meta tensor it runs a Python reference that imports sympy, seconds on the first call."""
    import torch
    from torch import nn

    memo: dict[int, Any] = {}
    for tensor in itertools.chain(model.parameters(), model.buffers()):
        kind = dtype if dtype is not None and tensor.is_floating_point() else tensor.dtype
        if values:
            fresh = tensor.detach().to(device=device, dtype=kind, copy=True)
        else:
            fresh = (torch.zeros if zeros else torch.empty)(tuple(tensor.shape), dtype=kind, device=device)
        if isinstance(tensor, nn.Parameter):
            fresh = nn.Parameter(fresh, requires_grad=tensor.requires_grad if grad is None else grad)
        memo[id(tensor)] = fresh
    try:
        return copy.deepcopy(model, memo)
    except Exception as error:
        said = f"{type(error).__name__}: {first_line(error)}"
        raise InspectError(f"the model cannot be copied for {what}: {said}") from None


def named_tensors(model: Any) -> dict[str, Any]:
    """Every parameter and buffer by every name it has (a shared tensor under each of its names)."""
    return dict(
        itertools.chain(model.named_parameters(remove_duplicate=False), model.named_buffers(remove_duplicate=False))
    )


def materialise(model: Any, device: str = "cpu", *, dtype: Any = None) -> Any:
    """`model` itself (one of ours, built on the meta device) given uninitialised storage on `device`, in place:
    no deep copy (seconds for a 600-block net) and no `to_empty` (its `empty_like` imports sympy on a meta tensor)."""
    import torch
    from torch import nn

    fresh: dict[int, Any] = {}
    for module in model.modules():
        for table in (module._parameters, module._buffers):
            for name, tensor in table.items():
                if tensor is None:
                    continue
                if id(tensor) not in fresh:
                    kind = dtype if dtype is not None and tensor.is_floating_point() else tensor.dtype
                    new = torch.empty(tuple(tensor.shape), dtype=kind, device=device)
                    fresh[id(tensor)] = (
                        nn.Parameter(new, tensor.requires_grad) if isinstance(tensor, nn.Parameter) else new
                    )
                table[name] = fresh[id(tensor)]
    return model
