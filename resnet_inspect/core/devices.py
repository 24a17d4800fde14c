"""Peak compute and memory bandwidth of a few devices, for the roofline. Dense (not 2:4 sparse) peaks.

Peaks are in FLOP/s as vendors state them; the roofline divides by 2 to compare with MACs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .errors import InspectError


@dataclass(frozen=True)
class Device:
    name: str
    peak_tflops: dict[str, float]  # by dtype
    bandwidth_gbs: float
    source: str

    def peak_macs_per_s(self, dtype: str) -> float:
        try:
            return self.peak_tflops[dtype] * 1e12 / 2
        except KeyError:
            raise InspectError(
                f"no {dtype} peak for {self.name}; it has {', '.join(self.peak_tflops)} (or give a peak in TFLOP/s)"
            ) from None


DEVICES: dict[str, Device] = {
    "h100-sxm": Device(
        "NVIDIA H100 SXM",
        {"bfloat16": 989.4, "float16": 989.4, "float32": 66.9},  # float32 without tensor cores
        3350.0,
        "NVIDIA H100 Tensor Core GPU datasheet: BF16/FP16 1,979 TFLOPS with sparsity, FP32 67 TFLOPS, HBM3 3.35 TB/s",
    ),
    "h200": Device(
        "NVIDIA H200 SXM",
        {"bfloat16": 989.4, "float16": 989.4, "float32": 66.9},
        4800.0,
        "NVIDIA H200 Tensor Core GPU datasheet: BF16/FP16 1,979 TFLOPS with sparsity, HBM3e 4.8 TB/s",
    ),
    "a100-sxm": Device(
        "NVIDIA A100 SXM 80GB",
        {"bfloat16": 312.0, "float16": 312.0, "float32": 19.5},
        2039.0,
        "NVIDIA A100 Tensor Core GPU datasheet: BF16/FP16 312 TFLOPS, FP32 19.5 TFLOPS, HBM2e 2,039 GB/s",
    ),
    "laptop-cpu": Device(
        "laptop CPU (8 cores, AVX2, 3 GHz, dual-channel DDR5-5600)",
        {"float32": 0.768},
        89.6,
        "8 cores × 2 FMA units × 8 float32 lanes × 2 FLOP × 3.0 GHz = 768 GFLOP/s; 2 channels × 5600 MT/s × 8 B",
    ),
}


def get_device(name: str) -> Device:
    try:
        return DEVICES[name]
    except KeyError:
        raise InspectError(
            f"unknown hardware {name!r}; use one of {', '.join(DEVICES)}, or give a peak (TFLOP/s) and a bandwidth "
            "(GB/s)"
        ) from None


@dataclass(frozen=True)
class Roof:
    """A roofline: peak multiply-adds per second, memory bandwidth in bytes per second, and what it is."""

    peak_macs_per_s: float
    bandwidth: float
    label: str


def roof(device: str, dtype: str, *, peak_tflops: float | None = None, peak_gbs: float | None = None) -> Roof:
    """`device`'s roof at `dtype`, with either number replaced by a given peak (TFLOP/s) or bandwidth (GB/s)."""
    for label, value in (("peak_tflops", peak_tflops), ("peak_gbs", peak_gbs)):
        if value is not None and not (math.isfinite(value) and value > 0):
            raise InspectError(f"{label} {value} is not valid; it must be a finite number > 0")
    known = get_device(device) if peak_tflops is None or peak_gbs is None else None
    tflops = peak_tflops if peak_tflops is not None else known.peak_macs_per_s(dtype) * 2 / 1e12
    gbs = peak_gbs if peak_gbs is not None else known.bandwidth_gbs
    label = known.name if peak_tflops is None and peak_gbs is None else f"{tflops:g} TFLOP/s and {gbs:g} GB/s"
    return Roof(tflops * 1e12 / 2, gbs * 1e9, label)
