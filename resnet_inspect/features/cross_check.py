"""The totals of an analysis counted again by independent counters: torch's FlopCounterMode and fvcore's own
FlopCountAnalysis on a real forward."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..records.vocabulary import CrossCheckRecord

if TYPE_CHECKING:
    from .table import Analysis

# A real forward for fvcore's FlopCountAnalysis costs time and memory in proportion to the input; above this
# many input values (batch × channels × height × width: an RGB 1024×1024 image) the cross-check skips it.
FORWARD_INPUT_LIMIT = 3 * 1024 * 1024


@dataclass(frozen=True)
class CrossCheck:
    """A total counted again by an independent path, beside the value the analysis reports."""

    path: str
    convention: str  # conv_linear or fvcore: which MACs both numbers count
    reported: int  # what the analysis says, in MACs
    counted: int | None  # what the other path says, in MACs; None when skipped
    note: str = ""
    layers_agree: bool = True  # for a path that counts per layer: every layer equal too

    @property
    def ok(self) -> bool:
        return self.counted is None or (self.counted == self.reported and self.layers_agree)

    def record(self) -> CrossCheckRecord:
        return CrossCheckRecord(
            path=self.path,
            convention=self.convention,
            reported=self.reported,
            counted=self.counted,
            verified=self.ok,
            note=self.note,
        )

    def line(self) -> str:
        """The check in one line: `✓ torch FlopCounterMode, …: 4,089,184,256 MACs vs 4,089,184,256 reported (…)`."""
        if self.counted is None:
            return f"– {self.path}: {self.note}"
        mark = "✓" if self.ok else "✗"
        return f"{mark} {self.path}: {self.counted:,} MACs vs {self.reported:,} reported ({self.note})"


def cross_check(analysis: Analysis) -> list[CrossCheck]:
    """Count the totals again with torch's FlopCounterMode and, at moderate sizes, fvcore's real forward.

    FlopCounterMode runs on the meta device (conv and matmul only; it counts 2 FLOPs per MAC). fvcore's
    FlopCountAnalysis traces a real forward of zeros on the CPU and must agree layer by layer.
    """
    from ..core.budget import check_memory, check_trace_tensors
    from ..core.memory import peak_inference
    from ..runtime.counting import count_by_forward, torch_flop_counter_flops
    from ..runtime.model import build_model

    check_trace_tensors(
        "the cross-check (torch's FlopCounterMode runs the whole batch on the meta device)", analysis.trace
    )
    flops = torch_flop_counter_flops(build_model(analysis.spec, device="meta"), analysis.input_shape)
    checks = [
        CrossCheck(
            "torch FlopCounterMode, conv + linear (FLOPs ÷ 2)",
            "conv_linear",
            analysis.macs_conv_linear,
            flops // 2,
            f"{flops:,} FLOPs" + ("" if flops % 2 == 0 else ", an odd number"),
        )
    ]
    n, c, height, width = analysis.input_shape
    fvcore_path = "fvcore FlopCountAnalysis, real forward, all layers"
    if n * c * height * width > FORWARD_INPUT_LIMIT:
        checks.append(
            CrossCheck(
                fvcore_path,
                "fvcore",
                analysis.macs_fvcore,
                None,
                f"skipped above {FORWARD_INPUT_LIMIT:,} input values (an RGB 1024×1024 image)",
            )
        )
        return checks
    check_memory(
        "the cross-check's real forward (fvcore)", analysis.params * 4 + peak_inference(analysis.trace, "float32").bytes
    )
    by_module = count_by_forward(build_model(analysis.spec), analysis.input_shape)
    differing = [row.name for row in analysis.rows if by_module.get(row.name, 0) != row.macs_fvcore]
    checks.append(
        CrossCheck(
            fvcore_path,
            "fvcore",
            analysis.macs_fvcore,
            sum(by_module.values()),
            f"layers that differ: {', '.join(differing[:3])}" if differing else "every layer equal",
            layers_agree=not differing,
        )
    )
    return checks
