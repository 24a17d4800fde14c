"""Multiply-adds per layer by fvcore's counting rules, without running the model.

fvcore counts one multiply-add as one "flop": what this project calls a MAC. Its rules (`fvcore.nn.jit_handles`)
are pure functions of the shapes of an op's inputs and outputs, read from TorchScript values. Here they are
fed the shapes the hooked model reported, through a small stand-in for those values, so the count is
fvcore's own, for the model's own shapes, at a cost that does not grow with the input size.

`count_by_forward` is the reference path: fvcore's `FlopCountAnalysis` on a real traced forward (slow and
memory-hungry at large sizes); the tests hold the two paths equal number for number. `torch_flop_counter_flops`
is a third, independent path: torch's own `FlopCounterMode`, which counts 2 FLOPs per MAC.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .shapes import Shape
from .verify import ObservedLayer

# The aten op each kind of leaf module emits when traced, which is how fvcore picks its rule. Ops with no
# rule (max pool, average pool, ReLU, add, pad) count 0, as in FlopCountAnalysis, which skips them.
ATEN_OP: dict[str, str] = {
    "conv": "aten::_convolution",
    "bn": "aten::batch_norm",
    "relu": "aten::relu_",
    "maxpool": "aten::max_pool2d",
    "downpool": "aten::avg_pool2d",
    "add": "aten::add",
    "avgpool": "aten::adaptive_avg_pool2d",
    "linear": "aten::linear",
}


class _ShapeValue:
    """Quacks like the `torch._C.Value` an fvcore handle reads: a tensor with a known shape, or a constant."""

    def __init__(self, shape: Sequence[int] | None = None, constant: Any = None) -> None:
        self._shape = None if shape is None else list(shape)
        self._constant = constant

    def isCompleteTensor(self) -> bool:
        return self._shape is not None

    def type(self) -> _ShapeValue:
        return self

    def sizes(self) -> list[int]:
        return list(self._shape or [])

    def toIValue(self) -> Any:
        return self._constant


def _op_inputs(kind: str, in_shape: Shape, weight_shape: Shape | None) -> list[_ShapeValue]:
    """The op's argument list in aten's order, with only what fvcore's rules read filled in."""
    x = _ShapeValue(in_shape)
    w = _ShapeValue(weight_shape)
    none = _ShapeValue()
    if kind == "conv":
        # input, weight, bias, stride, padding, dilation, transposed, output_padding, groups,
        # benchmark, deterministic, cudnn_enabled, allow_tf32
        return [x, w, none, none, none, none, _ShapeValue(constant=False), *[none] * 6]
    if kind == "bn":
        # input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn_enabled
        return [x, w, w, none, none, _ShapeValue(constant=False), none, none, none]
    if kind == "linear":
        return [x, w, none]
    return [x]


def _default_handles() -> dict[str, Callable]:
    from fvcore.nn.flop_count import _DEFAULT_SUPPORTED_OPS  # the table FlopCountAnalysis starts from

    return dict(_DEFAULT_SUPPORTED_OPS)


@dataclass(frozen=True)
class LayerCount:
    name: str
    op: str  # the aten op fvcore's rule is keyed by
    macs: int  # fvcore's count: multiply-adds (fvcore's "flops")


def count_layers(observed: Sequence[ObservedLayer], batch: int | None = None) -> list[LayerCount]:
    """fvcore's count for every observed call, eval mode, from shapes alone.

    `batch` replaces the observed batch size: an empty-batch probe records N = 0, and the count is for
    the batch the user asked about.
    """
    handles = _default_handles()
    counts = []
    for layer in observed:
        op = ATEN_OP.get(layer.kind, f"<{layer.module_type}>")
        handle = handles.get(op)
        macs = 0
        if handle is not None:
            in_shape, out_shape = layer.in_shape, layer.out_shape
            if batch is not None:
                in_shape, out_shape = (batch, *in_shape[1:]), (batch, *out_shape[1:])
            result = handle(_op_inputs(layer.kind, in_shape, layer.weight_shape), [_ShapeValue(out_shape)])
            macs = sum(result.values()) if hasattr(result, "values") else result
        counts.append(LayerCount(layer.name, op, int(macs)))
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
