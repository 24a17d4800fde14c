"""The few torch modules a ResNet needs that torch has no module for, so that a forward hook sees each op."""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn


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
    """The paper's option A: keep every `stride`-th pixel and append zero channels. No parameters."""

    def __init__(self, stride: int, extra_channels: int) -> None:
        super().__init__()
        self.stride = stride
        self.extra_channels = extra_channels

    def forward(self, x: Tensor) -> Tensor:
        if self.stride > 1:
            x = x[:, :, :: self.stride, :: self.stride]
        return F.pad(x, (0, 0, 0, 0, 0, self.extra_channels))
