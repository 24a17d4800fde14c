"""The real PyTorch model, built op for op from the same plan as the trace, with torchvision's module names.

A state_dict of `torchvision.models.resnetN()` loads into `build_model(N)` strictly, key for key and shape for
shape (and one of timm's `resnetNd` into `build_model("resnetNd")`). Two departures from torchvision, neither
of which owns a parameter or a buffer: every ReLU call has a module of its own (`relu1`, `relu2`, … where
torchvision reuses one `relu`), and the residual add is a module (`add`), so that a forward hook sees each of
them once and a trace row matches exactly one call.
"""

from __future__ import annotations

import contextlib

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .spec import BlockPlan, Op, ResNetSpec, block_plans, get_spec, head_ops, stem_ops


class ResidualAdd(nn.Module):
    """`residual + shortcut`, as a module so that hooks see it."""

    def forward(self, residual: Tensor, shortcut: Tensor) -> Tensor:
        return residual + shortcut


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


def make_module(op: Op) -> nn.Module:
    """The torch module that computes `op`."""
    match op.kind:
        case "conv":
            return nn.Conv2d(
                op.in_channels, op.out_channels, op.kernel, op.stride, op.padding, groups=op.groups, bias=op.bias
            )
        case "bn":
            return nn.BatchNorm2d(op.out_channels)
        case "relu":
            return nn.ReLU(inplace=True)
        case "maxpool":
            return nn.MaxPool2d(op.kernel, op.stride, op.padding)
        case "downpool":
            return nn.AvgPool2d(op.kernel, op.stride, op.padding, ceil_mode=op.ceil_mode, count_include_pad=False)
        case "pad":
            return ZeroPadShortcut(op.stride, op.out_channels - op.in_channels)
        case "add":
            return ResidualAdd()
        case "avgpool":
            return nn.AdaptiveAvgPool2d((1, 1))
        case "linear":
            return nn.Linear(op.in_channels, op.out_channels, bias=op.bias)
    raise ValueError(f"no module for op kind {op.kind!r}")


def _attach(root: nn.Module, ops: tuple[Op, ...]) -> tuple[str, ...]:
    """Register each op's module under its dotted name (`conv1.3` goes into a Sequential `conv1`)."""
    for op in ops:
        *parents, leaf = op.name.split(".")
        node = root
        for part in parents:
            child = getattr(node, part, None)
            if child is None:
                child = nn.Sequential()
                node.add_module(part, child)
            node = child
        node.add_module(leaf, make_module(op))
    return tuple(op.name for op in ops)


class ResidualBlock(nn.Module):
    """A basic or bottleneck block, as its plan says: main path and shortcut from the input, add, ReLU."""

    def __init__(self, plan: BlockPlan) -> None:
        super().__init__()
        # Names, not module lists: each module is registered once, under its torchvision name, and looked up
        # at call time, so a module swapped in by name (`block.conv2 = …`) is the one that runs.
        self._main = _attach(self, plan.main)
        self._shortcut = _attach(self, plan.shortcut)
        self._add, self._out_relu = _attach(self, (plan.add, plan.out_relu))

    def forward(self, x: Tensor) -> Tensor:
        out = x
        for name in self._main:
            out = self.get_submodule(name)(out)
        shortcut = x
        for name in self._shortcut:
            shortcut = self.get_submodule(name)(shortcut)
        return self.get_submodule(self._out_relu)(self.get_submodule(self._add)(out, shortcut))


class ResNet(nn.Module):
    def __init__(self, spec: ResNetSpec) -> None:
        super().__init__()
        self.spec = spec
        self._stem = _attach(self, stem_ops(spec))
        plans = block_plans(spec)
        for stage in ("layer1", "layer2", "layer3", "layer4"):
            self.add_module(stage, nn.Sequential(*(ResidualBlock(plan) for plan in plans if plan.stage == stage)))
        _attach(self, head_ops(spec))  # avgpool, fc
        self._init_weights()

    def _init_weights(self) -> None:
        # torchvision's initialisation, so a freshly built model behaves like theirs. Meta tensors hold no
        # values to initialise (and their random-init kernels cost a torch._dynamo import).
        if self.fc.weight.is_meta:
            return
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(module, nn.BatchNorm2d):
                nn.init.constant_(module.weight, 1)
                nn.init.constant_(module.bias, 0)

    def forward(self, x: Tensor) -> Tensor:
        for name in self._stem:
            x = self.get_submodule(name)(x)
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        x = torch.flatten(self.avgpool(x), 1)
        return self.fc(x)


def build_model(
    arch: ResNetSpec | str | int = 50,
    *,
    in_channels: int | None = None,
    num_classes: int | None = None,
    device: torch.device | str | None = None,
) -> ResNet:
    """Build the network `arch` (a spec, a registered name like "resnet50", or a paper depth like 50).

    `device="meta"` builds it without allocating or initialising a single weight.
    """
    spec = arch if isinstance(arch, ResNetSpec) else get_spec(arch)
    spec = spec.with_io(in_channels=in_channels, num_classes=num_classes)
    with torch.device(device) if device is not None else contextlib.nullcontext():
        return ResNet(spec)
