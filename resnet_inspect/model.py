"""The real PyTorch model, built from the same spec as the trace, with torchvision's module names.

A state_dict of `torchvision.models.resnetN()` loads into `build_model(N)` strictly, key for key and shape for
shape. Two departures from torchvision, neither of which owns a parameter or a buffer: every ReLU call has a
module of its own (`relu1`, `relu2`, … where torchvision reuses one `relu`), and the residual add is a module
(`add`), so that a forward hook sees each of them once and a trace row matches exactly one call.
"""

from __future__ import annotations

import contextlib

import torch
from torch import Tensor, nn

from .spec import (
    MAXPOOL_KERNEL,
    MAXPOOL_PADDING,
    MAXPOOL_STRIDE,
    BlockPlan,
    ConvPlan,
    ResNetSpec,
    block_plans,
    get_spec,
    stem_conv,
)


def _conv(plan: ConvPlan) -> nn.Conv2d:
    return nn.Conv2d(
        plan.in_channels,
        plan.out_channels,
        kernel_size=plan.kernel,
        stride=plan.stride,
        padding=plan.padding,
        groups=plan.groups,
        bias=plan.bias,
    )


class ResidualAdd(nn.Module):
    """`residual + shortcut`, as a module so that hooks see it."""

    def forward(self, residual: Tensor, shortcut: Tensor) -> Tensor:
        return residual + shortcut


class ResidualBlock(nn.Module):
    """A basic (two 3×3 convs) or bottleneck (1×1, 3×3, 1×1) block, as its plan says.

    Modules: conv1, bn1, relu1, …, convK, bnK, [downsample.0 (conv), downsample.1 (BN)], add, reluK.
    """

    def __init__(self, plan: BlockPlan) -> None:
        super().__init__()
        self.depth = len(plan.convs)
        for i, conv in enumerate(plan.convs, start=1):
            self.add_module(f"conv{i}", _conv(conv))
            self.add_module(f"bn{i}", nn.BatchNorm2d(conv.out_channels))
            if i < self.depth:
                self.add_module(f"relu{i}", nn.ReLU(inplace=True))
        self.downsample: nn.Module | None = None
        if plan.downsample is not None:
            self.downsample = nn.Sequential(_conv(plan.downsample), nn.BatchNorm2d(plan.downsample.out_channels))
        self.add = ResidualAdd()
        self.add_module(f"relu{self.depth}", nn.ReLU(inplace=True))

    def forward(self, x: Tensor) -> Tensor:
        out = x
        for i in range(1, self.depth + 1):
            out = getattr(self, f"bn{i}")(getattr(self, f"conv{i}")(out))
            if i < self.depth:
                out = getattr(self, f"relu{i}")(out)
        shortcut = x if self.downsample is None else self.downsample(x)
        out = self.add(out, shortcut)
        return getattr(self, f"relu{self.depth}")(out)


class ResNet(nn.Module):
    def __init__(self, spec: ResNetSpec) -> None:
        super().__init__()
        self.spec = spec
        stem = stem_conv(spec)
        self.conv1 = _conv(stem)
        self.bn1 = nn.BatchNorm2d(stem.out_channels)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=MAXPOOL_KERNEL, stride=MAXPOOL_STRIDE, padding=MAXPOOL_PADDING)
        plans = block_plans(spec)
        for stage in ("layer1", "layer2", "layer3", "layer4"):
            blocks = [ResidualBlock(plan) for plan in plans if plan.stage == stage]
            self.add_module(stage, nn.Sequential(*blocks))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(plans[-1].out_channels, spec.num_classes)
        self._init_weights()

    def _init_weights(self) -> None:
        # torchvision's initialisation, so a freshly built model behaves like theirs. Meta tensors hold no
        # values to initialise (and their random-init kernels cost a torch._dynamo import).
        if self.conv1.weight.is_meta:
            return
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(module, nn.BatchNorm2d):
                nn.init.constant_(module.weight, 1)
                nn.init.constant_(module.bias, 0)

    def forward(self, x: Tensor) -> Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
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
