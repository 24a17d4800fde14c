"""What verification found, as data: each model call beside the trace row it must match, and the verdict.

The hooked forward that fills these in lives in `runtime.verify` (it needs torch); these records do not, so a
verification read back from the proof cache (`proof_cache`) answers without importing torch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .ops import Op
from .shapes import Shape, Trace, TracedLayer, shape_text

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


def _fmt(shape: Shape | None) -> str:
    return "none" if shape is None else shape_text(shape)
