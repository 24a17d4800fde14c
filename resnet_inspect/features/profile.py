"""Measured time per stage and per block of the real model, on the CPU or a CUDA device.

The forward pass runs as segments (the stem, every block, the head) with a timestamp between segments:
CUDA events recorded on the stream and read after one synchronisation, or `time.perf_counter` on the CPU,
where every op runs to completion before the next. Warm-up runs first, then `repeats` timed passes; each
segment reports its median and spread over the passes. A plain forward is timed the same way, so the
segments can be held to the whole.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ..core.errors import InspectError
from ..core.shapes import shape_text, trace
from ..core.spec import ResNetSpec, stage_names
from ..records import Line, Result, Section
from ..records.vocabulary import ProfileBlockRecord, ProfileDocument, ProfileStageRecord

TORCH_DTYPES = ("float32", "float16", "bfloat16")


@dataclass(frozen=True)
class Timing:
    """Milliseconds over the timed passes."""

    samples: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def low(self) -> float:
        return min(self.samples)

    @property
    def high(self) -> float:
        return max(self.samples)


@dataclass(frozen=True)
class SegmentProfile:
    name: str  # "stem", "layer1.0", "head"
    stage: str
    timing: Timing
    macs_conv_linear: int  # for the batch


@dataclass(frozen=True)
class Profile(Result):
    spec: ResNetSpec
    input_shape: tuple[int, ...]
    device: str  # "cpu", "cuda: NVIDIA H100 80GB HBM3"
    dtype: str
    channels_last: bool
    compiled: bool
    blocks: tuple[SegmentProfile, ...]
    stages: tuple[SegmentProfile, ...]
    whole: Timing
    peak_memory_bytes: int | None  # measured (CUDA), activations only: peak minus what was allocated before
    analytic_peak_bytes: int = 0  # activations alive at once by the analysis, the input left out (as measured)
    warmup: int = 0  # untimed passes run first
    notes: tuple[str, ...] = field(default=())

    @property
    def macs_conv_linear(self) -> int:
        return sum(s.macs_conv_linear for s in self.stages)

    @property
    def segments_ms(self) -> float:
        return sum(s.timing.median for s in self.stages)

    @property
    def gmacs_conv_linear_per_s(self) -> float:
        """The whole model's rate, over the plain forward's median."""
        return self.macs_conv_linear / (self.whole.median * 1e6) if self.whole.median else 0.0

    def records(self, level: str = "stage") -> list[ProfileStageRecord] | list[ProfileBlockRecord]:
        """One record per stage, or per block (`level="block"`)."""
        if level == "block":
            return [
                ProfileBlockRecord(
                    block=b.name,
                    stage=b.stage,
                    median_ms=round(b.timing.median, 4),
                    min_ms=round(b.timing.low, 4),
                    max_ms=round(b.timing.high, 4),
                    macs_conv_linear=b.macs_conv_linear,
                    gmacs_conv_linear_per_s=_rate(b.macs_conv_linear, b.timing.median),
                )
                for b in self.blocks
            ]
        total_ms = self.segments_ms
        return [
            ProfileStageRecord(
                stage=s.name,
                median_ms=round(s.timing.median, 4),
                min_ms=round(s.timing.low, 4),
                max_ms=round(s.timing.high, 4),
                time_share=round(s.timing.median / total_ms, 4) if total_ms else 0.0,
                macs_conv_linear=s.macs_conv_linear,
                macs_share_conv_linear=round(s.macs_conv_linear / self.macs_conv_linear, 4)
                if self.macs_conv_linear
                else 0.0,
                gmacs_conv_linear_per_s=_rate(s.macs_conv_linear, s.timing.median),
            )
            for s in self.stages
        ]

    def headline(self) -> str:
        """Where time and MACs disagree most, both ways, in words (`headlines.time_headline`)."""
        from .headlines import time_headline

        return time_headline(self.records(), self.gmacs_conv_linear_per_s)

    def document(self) -> ProfileDocument:
        """The JSON contract of `profile`."""
        return ProfileDocument(
            arch=self.spec.name,
            input=self.input_shape,
            device=self.device,
            dtype=self.dtype,
            channels_last=self.channels_last,
            compiled=self.compiled,
            warmup=self.warmup,
            repeats=len(self.whole.samples),
            whole_model_ms=round(self.whole.median, 4),
            segments_ms=round(self.segments_ms, 4),
            gmacs_conv_linear_per_s=round(self.gmacs_conv_linear_per_s, 2),
            peak_activation_bytes_measured=self.peak_memory_bytes,
            peak_activation_bytes_analytic=self.analytic_peak_bytes,
            headline=self.headline(),
            stages=self.records("stage"),
            blocks=self.records("block"),
        )

    def sections(self) -> list[Section]:
        return [
            Section(f"{self.spec.name} on {self.device}", self.records("stage"), lines=[Line(self.headline())]),
            Section("Per block", self.records("block"), folded=True),
        ]

    def __repr__(self) -> str:
        return (
            f"<Profile of {self.spec.name} at {shape_text(self.input_shape)} on {self.device}, {self.dtype}: "
            f"{self.whole.median:,.3f} ms>"
        )


def _rate(macs: int, ms: float) -> float:
    return round(macs / (ms * 1e6), 2) if ms else 0.0


def resolve_device(device: str) -> str:
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise InspectError("device cuda: no CUDA device is available here; use cpu or auto")
    if device not in ("cpu", "cuda"):
        raise InspectError(f"device {device!r} is not valid; use cpu, cuda or auto")
    return device


def profile(
    spec: ResNetSpec,
    size: tuple[int, int],
    *,
    device: str = "auto",
    batch: int = 1,
    dtype: str = "float32",
    channels_last: bool = False,
    warmup: int = 10,
    repeats: int = 10,
    compile: bool = False,
    progress: Callable[[int], None] | None = None,
) -> Profile:
    """Time the real model (random weights, random input) segment by segment; see the module docstring."""
    import torch

    from ..runtime.model import build_model

    if dtype not in TORCH_DTYPES:
        raise InspectError(f"dtype {dtype!r} is not valid for timing; use one of {', '.join(TORCH_DTYPES)}")
    from ..core.budget import MAX_PASSES, check_memory
    from ..core.memory import dtype_bytes, peak_inference

    for label, value, least in (("batch", batch, 1), ("repeats", repeats, 1), ("warmup", warmup, 0)):
        if not least <= value <= MAX_PASSES:
            raise InspectError(f"{label} {value} is not valid; it must be from {least} to {MAX_PASSES:,}")
    device = resolve_device(device)
    torch_dtype = getattr(torch, dtype)
    traced = trace(spec, *size, batch=batch)
    # Weights, then the largest set of activations alive at once (the input included), before any is allocated.
    needed = traced.params * dtype_bytes(dtype) + peak_inference(traced, dtype).bytes
    what = f"timing {spec.name} on a {'×'.join(map(str, traced.input_shape))} {dtype} batch"
    check_memory(
        what,
        needed,
        (f"cuda: {torch.cuda.get_device_name()}", torch.cuda.mem_get_info()[0]) if device == "cuda" else None,
    )
    block_macs: dict[str, int] = {}
    for layer in traced.layers:
        block_macs[layer.block] = block_macs.get(layer.block, 0) + layer.macs_conv_linear

    torch.manual_seed(0)
    model = build_model(spec).eval().to(device=device, dtype=torch_dtype)
    memory_format = torch.channels_last if channels_last else torch.contiguous_format
    model = model.to(memory_format=memory_format)
    x = torch.randn(traced.input_shape, device=device, dtype=torch_dtype).contiguous(memory_format=memory_format)
    segments = model.segments()
    if compile:
        segments = [(name, stage, torch.compile(fn)) for name, stage, fn in segments]
    whole_fn = (lambda t: _chain(segments, t)) if compile else model

    cuda = device == "cuda"
    try:
        samples, whole, peak = _run(segments, whole_fn, x, warmup, repeats, cuda, progress)
    except RuntimeError as error:  # a dtype or kernel the device does not have
        from ..core.errors import first_line

        raise InspectError(f"the model could not run as asked ({device}, {dtype}): {first_line(error)}") from None

    blocks = tuple(
        SegmentProfile(name, stage, Timing(tuple(samples[name])), block_macs.get(name, 0))
        for name, stage, _ in segments
    )
    stages = []
    for stage in stage_names(spec):
        members = [b for b in blocks if b.stage == stage]
        per_pass = tuple(sum(b.timing.samples[i] for b in members) for i in range(repeats))
        stages.append(SegmentProfile(stage, stage, Timing(per_pass), sum(b.macs_conv_linear for b in members)))
    name = "cpu" if not cuda else f"cuda: {torch.cuda.get_device_name()}"
    # The measured peak's baseline already holds the input: leave it out of the analytic live set too.
    analytic = peak_inference(traced, dtype, include_input=False).bytes
    return Profile(
        spec,
        traced.input_shape,
        name,
        dtype,
        channels_last,
        compile,
        blocks,
        tuple(stages),
        Timing(tuple(whole)),
        peak,
        analytic,
        warmup,
    )


def _run(segments, whole_fn, x, warmup: int, repeats: int, cuda: bool, progress):
    """Warm up, measure the peak (CUDA), then time every segment and the whole model `repeats` times."""
    import torch

    samples: dict[str, list[float]] = {name: [] for name, _, _ in segments}
    whole: list[float] = []
    peak = None
    with torch.inference_mode():
        for _ in range(warmup):
            _chain(segments, x)
            whole_fn(x)
        if cuda:
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
            before = torch.cuda.memory_allocated()
            whole_fn(x)
            torch.cuda.synchronize()
            peak = torch.cuda.max_memory_allocated() - before
        for _ in range(repeats):
            for name, ms in _timed_chain(segments, x, cuda).items():
                samples[name].append(ms)
            whole.append(_timed_whole(whole_fn, x, cuda))
            if progress is not None:
                progress(1)
    return samples, whole, peak


def _chain(segments, x):
    for _, _, fn in segments:
        x = fn(x)
    return x


def _timed_chain(segments, x, cuda: bool) -> dict[str, float]:
    import torch

    if cuda:
        events = [torch.cuda.Event(enable_timing=True) for _ in range(len(segments) + 1)]
        events[0].record()
        for (_, _, fn), event in zip(segments, events[1:], strict=True):
            x = fn(x)
            event.record()
        events[-1].synchronize()
        return {name: events[i].elapsed_time(events[i + 1]) for i, (name, _, _) in enumerate(segments)}
    stamps = [time.perf_counter()]
    for _, _, fn in segments:
        x = fn(x)
        stamps.append(time.perf_counter())
    return {name: 1e3 * (stamps[i + 1] - stamps[i]) for i, (name, _, _) in enumerate(segments)}


def _timed_whole(fn, x, cuda: bool) -> float:
    import torch

    if cuda:
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn(x)
        end.record()
        end.synchronize()
        return start.elapsed_time(end)
    start_s = time.perf_counter()
    fn(x)
    return 1e3 * (time.perf_counter() - start_s)
