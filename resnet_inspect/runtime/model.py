"""The real PyTorch model, built op for op from the same plan as the trace, with torchvision's module names.

A state_dict of `torchvision.models.resnetN()` loads into `build_model(N)` strictly, key for key and shape for
shape (one of timm's `resnetNd` into `build_model("resnetNd")`, `seresnetN` into `"seresnetN"` and
`resnetv2_N` into `"preact_resnetN"`). Departures from those, none of which owns a parameter or a buffer:
every ReLU call has a module of its own (`relu1`, `relu2`, … where torchvision reuses one `relu`), and the
residual add, squeeze-and-excitation's mean and scale are modules, so that a forward hook sees each of them
once and a trace row matches exactly one call.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import torch
from torch import Tensor, nn

from ..core.configs import parse_arch
from ..core.ops import KINDS
from ..core.plan import INPUT, Unit, plan
from ..core.spec import ResNetSpec
from .modules import make_module


def _attach(root: nn.Module, path: str, module: nn.Module) -> None:
    """Register `module` under its dotted `path` (`conv1.3` goes into a Sequential `conv1`)."""
    *parents, leaf = path.split(".")
    node = root
    for part in parents:
        child = getattr(node, part, None)
        if child is None:
            child = nn.Sequential()
            node.add_module(part, child)
        node = child
    node.add_module(leaf, module)


class UnitModule(nn.Module):
    """The stem, a residual block or the head: runs its plan's ops, each reading the outputs its wiring names.

    Modules are registered under their names and looked up at call time, so a module swapped in by name
    (`block.conv2 = …`) is the one that runs. A value is dropped after its last reader, as a hand-written
    forward would, so that measured memory matches the analytic peak.
    """

    def __init__(self, unit: Unit) -> None:
        super().__init__()
        wiring = unit.wiring()
        for op, _ in wiring:
            _attach(self, op.name, make_module(op))
        last_read = {name: i for i, (_, reads) in enumerate(wiring) for name in reads}
        self._steps = tuple(
            (op.name, reads, tuple(r for r in set(reads) if last_read[r] == i)) for i, (op, reads) in enumerate(wiring)
        )

    def forward(self, x: Tensor) -> Tensor:
        values = {INPUT: x}
        for name, reads, done in self._steps:
            out = self.get_submodule(name)(*(values[r] for r in reads))
            for r in done:
                del values[r]
            values[name] = out
        return out


ResidualBlock = UnitModule  # one residual block's module


class ResNet(nn.Module):
    def __init__(self, spec: ResNetSpec) -> None:
        super().__init__()
        self.spec = spec
        # (module, unit, stage, whether it reads its input flattened), in execution order
        self._steps: list[tuple[str, str, str, bool]] = []
        for unit in plan(spec):
            if unit.name:
                _attach(self, unit.name, UnitModule(unit))
                self._steps.append((unit.name, unit.label, unit.stage, False))
            else:  # stem and head ops hang off the model itself, as in torchvision
                for op, _ in unit.wiring():
                    _attach(self, op.name, make_module(op))
                    self._steps.append((op.name, unit.label, unit.stage, KINDS[op.kind].flattens_input))
        self._init_weights()

    def _init_weights(self) -> None:
        # torchvision's initialisation, so a freshly built model behaves like theirs. Meta tensors hold no
        # values to initialise (and their random-init kernels cost a torch._dynamo import).
        if next(self.parameters()).is_meta:
            return
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(module, nn.BatchNorm2d):
                nn.init.constant_(module.weight, 1)
                nn.init.constant_(module.bias, 0)

    def forward(self, x: Tensor) -> Tensor:
        for name, _, _, flatten in self._steps:
            x = self.get_submodule(name)(torch.flatten(x, 1) if flatten else x)
        return x

    def segments(self) -> list[tuple[str, str, Callable[[Tensor], Tensor]]]:
        """(unit, stage, callable) for the stem, every block and the head, in execution order: to time each."""
        units: dict[str, tuple[str, list[tuple[str, bool]]]] = {}
        for name, unit, stage, flatten in self._steps:
            units.setdefault(unit, (stage, []))[1].append((name, flatten))

        def run(steps: list[tuple[str, bool]]) -> Callable[[Tensor], Tensor]:
            def segment(x: Tensor) -> Tensor:
                for name, flatten in steps:
                    x = self.get_submodule(name)(torch.flatten(x, 1) if flatten else x)
                return x

            return segment

        return [(unit, stage, run(steps)) for unit, (stage, steps) in units.items()]


def build_model(
    arch: ResNetSpec | str | int = 50,
    *,
    in_channels: int | None = None,
    num_classes: int | None = None,
    device: torch.device | str | None = None,
) -> ResNet:
    """Build the network `arch` (a spec, a config like "resnet50" or "resnet50:stride_in=v1", or a paper depth).

    `device="meta"` builds it without allocating or initialising a single weight.
    """
    spec = parse_arch(arch).with_io(in_channels=in_channels, num_classes=num_classes)
    if device is None or torch.device(device).type != "meta":
        from ..core.budget import check_parameters

        with torch.device("meta"):  # its shapes first, without storage: refused before a byte is allocated
            params = sum(p.numel() for p in ResNet(spec).parameters())
        check_parameters(params, params * 4)
    with torch.device(device) if device is not None else contextlib.nullcontext():
        return ResNet(spec)
