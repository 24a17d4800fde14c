"""One call that does the whole job: trace a spec, build and hook its model, count it, and check it all.

`analyze` returns plain records. Aggregation and export live in `report`, drawing in `render`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .shapes import Shape, Trace, TracedLayer, trace
from .spec import ResNetSpec, get_spec

if TYPE_CHECKING:  # verify imports torch; the CLI's --help and the analytic path must not pay for it
    from .verify import LayerCheck, Probe, Verification

# Layers whose MACs the formula and fvcore both define; they must agree to the last multiply-add.
COUNTED_KINDS = ("conv", "linear")


@dataclass(frozen=True)
class LayerRow:
    """A layer: the formula's account, the model's, and fvcore's count."""

    traced: TracedLayer
    check: LayerCheck
    macs: int  # fvcore's count for this layer (batch norm and average pool included)

    @property
    def name(self) -> str:
        return self.traced.name

    @property
    def macs_conv_linear(self) -> int:
        """The MACs the paper and torchvision count: conv and linear layers only."""
        return self.macs if self.traced.kind in COUNTED_KINDS else 0

    @property
    def problems(self) -> tuple[str, ...]:
        found = self.check.problems
        if self.traced.kind in COUNTED_KINDS and self.macs != self.traced.macs:
            found += (f"{self.name}: {self.traced.macs:,} MACs by the formula, {self.macs:,} by fvcore",)
        return found

    @property
    def verified(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Analysis:
    spec: ResNetSpec
    input_shape: Shape
    rows: tuple[LayerRow, ...]
    verification: Verification
    probe: Probe

    @property
    def params(self) -> int:
        return sum(row.traced.params for row in self.rows)

    @property
    def macs(self) -> int:
        """Conv + linear MACs: the paper's and torchvision's "FLOPs"."""
        return sum(row.macs_conv_linear for row in self.rows)

    @property
    def macs_fvcore(self) -> int:
        """Every MAC fvcore counts: conv and linear, plus batch norm (2 per element) and average pooling."""
        return sum(row.macs for row in self.rows)

    @property
    def problems(self) -> tuple[str, ...]:
        found = [p for row in self.rows for p in row.problems]
        found += self.verification.model_problems
        if self.verification.model_params != self.params:
            found.append(f"model: {self.verification.model_params:,} params in all, {self.params:,} by the formula")
        return tuple(found)

    @property
    def verified(self) -> bool:
        return not self.problems

    @property
    def trace(self) -> Trace:
        return Trace(self.spec, self.input_shape, tuple(row.traced for row in self.rows))


def analyze(
    arch: ResNetSpec | str | int = 50,
    size: int | tuple[int, int] = 224,
    *,
    batch: int = 1,
    in_channels: int | None = None,
    num_classes: int | None = None,
    model: Any = None,
    probe: Probe = "empty-batch",
) -> Analysis:
    """Trace `arch` at `size` (an int, or (height, width)), verify it against the real model, count it.

    `model` replaces the model built from the spec: to hold another implementation against the trace.
    """
    from .model import build_model

    spec = arch if isinstance(arch, ResNetSpec) else get_spec(arch)
    spec = spec.with_io(in_channels=in_channels, num_classes=num_classes)
    height, width = (size, size) if isinstance(size, int) else size
    traced = trace(spec, height, width, batch=batch)
    return analyze_trace(traced, model if model is not None else build_model(spec, device="meta"), probe=probe)


def analyze_trace(traced: Trace, model: Any, *, probe: Probe = "empty-batch") -> Analysis:
    """Verify `traced` against `model` (whose leaf calls must follow it one for one) and count it with fvcore.

    A model reused across calls is materialized once: sweeping many sizes costs one small forward each.
    """
    from .counting import count_layers
    from .verify import verify

    verification = verify(traced, model, probe=probe)
    observed = [check.observed for check in verification.checks if check.observed is not None]
    macs = {count.name: count.macs for count in count_layers(observed, batch=traced.input_shape[0])}
    rows = tuple(
        LayerRow(check.traced, check, macs.get(check.observed.name, 0) if check.observed else 0)
        for check in verification.checks
    )
    return Analysis(traced.spec, traced.input_shape, rows, verification, probe)


# A real forward for fvcore's FlopCountAnalysis costs time and memory in proportion to the input; above this
# many input values (batch × channels × height × width: an RGB 1024×1024 image) the cross-check skips it.
FORWARD_INPUT_LIMIT = 3 * 1024 * 1024


@dataclass(frozen=True)
class CrossCheck:
    """A total counted again by an independent path, beside the value the analysis reports."""

    path: str
    reported: int  # what the analysis says, in MACs
    counted: int | None  # what the other path says, in MACs; None when skipped
    note: str = ""
    layers_agree: bool = True  # for a path that counts per layer: every layer equal too

    @property
    def ok(self) -> bool:
        return self.counted is None or (self.counted == self.reported and self.layers_agree)


def cross_check(analysis: Analysis) -> list[CrossCheck]:
    """Count the totals again with torch's FlopCounterMode and, at moderate sizes, fvcore's real forward.

    FlopCounterMode runs on the meta device (conv and matmul only; it counts 2 FLOPs per MAC). fvcore's
    FlopCountAnalysis traces a real forward of zeros on the CPU and must agree layer by layer.
    """
    from .counting import count_by_forward, torch_flop_counter_flops
    from .model import build_model

    flops = torch_flop_counter_flops(build_model(analysis.spec, device="meta"), analysis.input_shape)
    checks = [
        CrossCheck(
            "torch FlopCounterMode, conv + linear (FLOPs ÷ 2)",
            analysis.macs,
            flops // 2,
            f"{flops:,} FLOPs" + ("" if flops % 2 == 0 else ", an odd number"),
        )
    ]
    n, c, height, width = analysis.input_shape
    fvcore_path = "fvcore FlopCountAnalysis, real forward, all layers"
    if n * c * height * width > FORWARD_INPUT_LIMIT:
        checks.append(
            CrossCheck(fvcore_path, analysis.macs_fvcore, None,
                       f"skipped above {FORWARD_INPUT_LIMIT:,} input values (an RGB 1024×1024 image)")
        )  # fmt: skip
        return checks
    by_module = count_by_forward(build_model(analysis.spec), analysis.input_shape)
    differing = [row.name for row in analysis.rows if by_module.get(row.name, 0) != row.macs]
    checks.append(
        CrossCheck(
            fvcore_path,
            analysis.macs_fvcore,
            sum(by_module.values()),
            f"layers that differ: {', '.join(differing[:3])}" if differing else "every layer equal",
            layers_agree=not differing,
        )
    )
    return checks
