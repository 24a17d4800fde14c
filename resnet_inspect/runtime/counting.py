"""Multiply-adds per layer by fvcore's counting rules, from the shapes the hooked model reported.

fvcore counts one multiply-add as one "flop": what this project calls a MAC. Its rules are pure functions of an
op's input and output shapes: conv N·C_out·H_out·W_out·(C_in/groups)·K·K, linear N·in·out, batch norm 2 per
element in eval mode, adaptive average pooling 1 per input element, and 0 for everything it has no handle for
(max and average pooling, ReLU, add, mean, sigmoid, mul). Each op kind's entry in `ops.KINDS` states its rule
(`macs_fvcore`); here it is applied to the model's own shapes, so the count costs nothing at any size.

The tests hold these counts equal, layer by layer, to fvcore's own `FlopCountAnalysis` on a real traced forward
(`count_by_forward`), and the totals to torch's `FlopCounterMode` (`torch_flop_counter_flops`, 2 FLOPs per MAC).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..core.ops import KINDS
from ..core.shapes import Shape
from ..core.verification import ObservedLayer


@dataclass(frozen=True)
class LayerCount:
    name: str
    kind: str
    macs_fvcore: int  # fvcore's count: multiply-adds (fvcore's "flops")


def count_layers(observed: Sequence[ObservedLayer], batch: int | None = None) -> list[LayerCount]:
    """fvcore's count for every observed call, eval mode, from shapes alone ("other" modules count 0).

    `batch` replaces the observed batch size: an empty-batch probe records N = 0, and the count is for
    the batch the user asked about.
    """
    counts = []
    for layer in observed:
        macs = 0
        if layer.kind in KINDS:
            in_shape, out_shape = layer.in_shape, layer.out_shape
            if batch is not None:
                in_shape, out_shape = (batch, *in_shape[1:]), (batch, *out_shape[1:])
            macs = KINDS[layer.kind].count_fvcore(layer.op, in_shape, out_shape)
        counts.append(LayerCount(layer.name, layer.kind, int(macs)))
    return counts


def count_by_forward(model: Any, input_shape: Shape) -> dict[str, int]:
    """fvcore's `FlopCountAnalysis` on a real forward of zeros: leaf module name → MACs (eval mode)."""
    import torch
    from fvcore.nn import FlopCountAnalysis

    from .verify import leaf_modules

    model.eval()
    with torch.no_grad():
        analysis = FlopCountAnalysis(model, torch.zeros(input_shape))
        analysis.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
        by_module = analysis.by_module()
    return {name: int(by_module.get(name, 0)) for name, _ in leaf_modules(model)}


def torch_flop_counter_flops(model: Any, input_shape: Shape) -> int:
    """torch's own FlopCounterMode on the meta device. It reports FLOPs = 2 × MACs, conv and matmul only."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    model = model.to_empty(device="meta") if next(model.parameters()).device.type != "meta" else model
    model.eval()
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        model(torch.empty(input_shape, device="meta"))
    return int(counter.get_total_flops())
