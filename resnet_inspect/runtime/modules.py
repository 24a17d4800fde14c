"""The torch module of every op kind: the few a ResNet needs that torch has no module for (so that a forward hook
sees each op), and the one door from an op of the plan to its module (`make_module`) and back (`kind_of_module`).

The op table (`core.ops.KINDS`) names each kind's module and the arguments the op gives it; this is where the
name becomes a class.
"""

from __future__ import annotations

import functools
from typing import Any

import torch.nn.functional as F
from torch import Tensor, nn

from ..core.ops import KINDS, Op


def module_class(kind: str) -> type[nn.Module]:
    """The class that computes op kind `kind`: torch.nn's, or one of this module's."""
    name = KINDS[kind].module
    return getattr(nn, name, None) or globals()[name]


def make_module(op: Op) -> nn.Module:
    """The torch module that computes `op`."""
    args, kwargs = KINDS[op.kind].arguments(op)
    return module_class(op.kind)(*args, **kwargs)


@functools.cache
def _classes() -> tuple[tuple[type, str], ...]:
    return tuple((module_class(kind), kind) for kind in KINDS)


def kind_of_module(module: Any) -> str:
    """What a torch module computes, as an op kind (subclasses count as their base), or "other"."""
    return next((kind for cls, kind in _classes() if isinstance(module, cls)), "other")


class ResidualAdd(nn.Module):
    """`residual + shortcut`, as a module so that hooks see it."""

    def forward(self, residual: Tensor, shortcut: Tensor) -> Tensor:
        return residual + shortcut


class Scale(nn.Module):
    """`x · gate`, the gate broadcast over H×W: how squeeze-and-excitation applies its channel weights."""

    def forward(self, x: Tensor, gate: Tensor) -> Tensor:
        return x * gate


class SpatialMean(nn.Module):
    """The mean over H×W, kept 4-D: squeeze-and-excitation's squeeze, as timm writes it (`x.mean((2, 3))`)."""

    def forward(self, x: Tensor) -> Tensor:
        return x.mean((2, 3), keepdim=True)


class ZeroPadShortcut(nn.Module):
    """The paper's option A: keep every `stride`-th pixel and append zero channels. No parameters.

    `before` of the zero channels go before the input's instead (the paper does not say where they go; a popular
    CIFAR ResNet puts half on each side): the same network with its channels relabelled."""

    def __init__(self, stride: int, extra_channels: int, before: int = 0) -> None:
        super().__init__()
        self.stride = stride
        self.extra_channels = extra_channels
        self.before = before

    def forward(self, x: Tensor) -> Tensor:
        if self.stride > 1:
            x = x[:, :, :: self.stride, :: self.stride]
        return F.pad(x, (0, 0, 0, 0, self.before, self.extra_channels - self.before))
