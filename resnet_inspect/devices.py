"""Peak compute and memory bandwidth of a few devices, for the roofline. Dense (not 2:4 sparse) peaks.

Peaks are in FLOP/s as vendors state them; the roofline divides by 2 to compare with MACs.
"""

from __future__ import annotations

from dataclasses import dataclass

from .spec import InspectError


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
                f"no {dtype} peak for {self.name}; it has {', '.join(self.peak_tflops)} (or give --peak-tflops)"
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
            f"unknown device {name!r}; use one of {', '.join(DEVICES)}, or --peak-tflops and --peak-gbs"
        ) from None
