"""Measured time per stage and per block of the real model, on the CPU or a CUDA device.

The forward pass runs as segments (the stem, every block, the head) with a timestamp between segments:
CUDA events recorded on the stream and read after one synchronisation, or `time.perf_counter` on the CPU,
where every op runs to completion before the next. Warm-up runs first, then `repeats` timed passes; each
segment reports its median and spread over the passes. A plain forward is timed the same way, so the
segments can be held to the whole.

Before anything heavy runs the work is bounded: its forward passes (two per warm-up and per timed pass: the
segments, then the plain forward) times the MACs of one, at the rate one 3×3 convolution reaches on this device,
must fit in `max_seconds`. That rate flatters a whole network (1×1 convolutions, BN and ReLU run slower), so the
estimate is made again from the first real forward and holds the rest of the run to the same bound.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ..core.budget import MAX_SECONDS
from ..core.errors import InspectError
from ..core.shapes import shape_text, trace
from ..core.spec import ResNetSpec, stage_names
from ..records import Line, Result, Section
from ..records.vocabulary import ProfileBlockRecord, ProfileDocument, ProfileStageRecord

TORCH_DTYPES = ("float32", "float16", "bfloat16")
DEVICES = ("cpu", "cuda", "auto")
CALIBRATION_CHANNELS, CALIBRATION_SIZE = 64, 56  # layer1's 3×3 convolution of the paper's 224 network
CALIBRATION_SECONDS = 0.1
CALIBRATION_BASIS = "the rate of one 3×3 convolution here; a whole network runs slower"


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
    max_seconds: float | None = None  # the bound its estimates fit
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
            max_seconds=self.max_seconds,
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

    _check_device_name(device)
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise InspectError("device cuda: no CUDA device is available here; use cpu or auto")
    return device


def _check_device_name(device: str) -> None:
    if device not in DEVICES:
        raise InspectError(f"device {device!r} is not valid; use cpu, cuda or auto")


def check_request(dtype: str, batch: int, repeats: int, warmup: int, device: str, max_seconds: float | None) -> None:
    """A usage error in any of the arguments, raised from plain values before torch is imported."""
    from ..core.budget import MAX_PASSES

    if dtype not in TORCH_DTYPES:
        raise InspectError(f"dtype {dtype!r} is not valid for timing; use one of {', '.join(TORCH_DTYPES)}")
    for label, value, least in (("batch", batch, 1), ("repeats", repeats, 1), ("warmup", warmup, 0)):
        if not least <= value <= MAX_PASSES:
            raise InspectError(f"{label} {value} is not valid; it must be from {least} to {MAX_PASSES:,}")
    _check_device_name(device)
    if max_seconds is not None and not 0 < max_seconds < float("inf"):
        raise InspectError(f"max_seconds {max_seconds:g} is not valid; it must be a positive number of seconds")


@dataclass(frozen=True)
class Estimate:
    """What a run will cost: `forwards` passes of `gmacs_per_forward` at `gmacs_per_s`, seen on `basis`."""

    forwards: int
    gmacs_per_forward: float
    gmacs_per_s: float
    basis: str  # where the rate was measured, in words

    @property
    def seconds(self) -> float:
        return self.forwards * self.gmacs_per_forward / self.gmacs_per_s if self.gmacs_per_s else float("inf")

    def check(self, what: str, max_seconds: float | None) -> None:
        """Refuse the run when it would pass `max_seconds`, saying how the estimate was made."""
        if max_seconds is None or self.seconds <= max_seconds:
            return
        raise InspectError(
            f"max_seconds {max_seconds:g} must be at least {self.seconds:,.0f} for {what}: "
            f"{self.forwards} forward passes of {self.gmacs_per_forward:,.1f} GMACs at "
            f"{self.gmacs_per_s:,.1f} GMAC/s ({self.basis}); "
            "raise it, or use fewer repeats or warm-up passes, a smaller batch or size"
        )

    def words(self) -> str:
        seconds = self.seconds
        return f"about {seconds:,.0f} s" if seconds >= 1 else "under a second"


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
    max_seconds: float | None = MAX_SECONDS,
    progress: Callable[..., None] | None = None,
) -> Profile:
    """Time the real model (random weights, random input) segment by segment; see the module docstring.

    `progress(step, note)` is called with 0 and the estimate's words before the first pass, then with 1 after
    each warm-up and each timed pass (`warmup + repeats` in all)."""
    check_request(dtype, batch, repeats, warmup, device, max_seconds)
    traced = trace(spec, *size, batch=batch)
    import torch

    from ..core.budget import check_memory
    from ..core.memory import dtype_bytes, peak_inference
    from ..runtime.model import build_model

    device = resolve_device(device)
    torch_dtype = getattr(torch, dtype)
    # Weights, then the largest set of activations alive at once (the input included), before any is allocated.
    needed = traced.params * dtype_bytes(dtype) + peak_inference(traced, dtype).bytes
    what = f"timing {spec.name} on a {'×'.join(map(str, traced.input_shape))} {dtype} batch"
    check_memory(
        what,
        needed,
        (f"cuda: {torch.cuda.get_device_name()}", torch.cuda.mem_get_info()[0]) if device == "cuda" else None,
    )
    cuda = device == "cuda"
    forwards = 2 * (warmup + repeats) + (1 if cuda else 0)  # segments and plain forward; the peak's pass
    gmacs = traced.macs_conv_linear / 1e9
    try:
        estimate = Estimate(forwards, gmacs, _calibrate(device, torch_dtype, cuda), CALIBRATION_BASIS)
        if max_seconds is not None and estimate.seconds > max_seconds:  # a busy moment may have slowed it: again
            estimate = max(
                estimate,
                Estimate(forwards, gmacs, _calibrate(device, torch_dtype, cuda), CALIBRATION_BASIS),
                key=lambda e: e.gmacs_per_s,
            )
    except RuntimeError as error:
        raise _cannot_run(device, dtype, error) from None
    estimate.check(what, max_seconds)
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

    if progress is not None:
        progress(0, estimate.words())

    def first_forward(seconds: float) -> None:
        """The same bound again, now from the real network's rate."""
        rate = gmacs / seconds if seconds else float("inf")
        measured = Estimate(forwards, gmacs, rate, "the rate of the first forward")
        measured.check(what, max_seconds)
        if progress is not None:
            progress(0, measured.words())

    try:
        samples, whole, peak = _run(segments, whole_fn, x, warmup, repeats, cuda, progress, first_forward)
    except RuntimeError as error:  # a dtype or kernel the device does not have
        raise _cannot_run(device, dtype, error) from None

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
        max_seconds,
    )


def _cannot_run(device: str, dtype: str, error: RuntimeError) -> InspectError:
    from ..core.errors import first_line

    return InspectError(f"the model could not run as asked ({device}, {dtype}): {first_line(error)}")


def _calibrate(device: str, dtype, cuda: bool) -> float:
    """GMAC/s of one 3×3 convolution of layer1 (64 channels at 56×56) here: the fastest run in a tenth of a
    second, the first left out (it sets up the kernel)."""
    import torch

    n, size = CALIBRATION_CHANNELS, CALIBRATION_SIZE
    with torch.inference_mode():
        weight = torch.randn(n, n, 3, 3, device=device, dtype=dtype)
        x = torch.randn(1, n, size, size, device=device, dtype=dtype)
        seconds: list[float] = []
        started = time.perf_counter()
        while len(seconds) < 3 or time.perf_counter() - started < CALIBRATION_SECONDS:
            seconds.append(_timed_whole(lambda t: torch.nn.functional.conv2d(t, weight, padding=1), x, cuda) / 1e3)
    fastest = min(seconds[1:])
    return n * n * 9 * size * size / fastest / 1e9 if fastest > 0 else float("inf")


def _run(segments, whole_fn, x, warmup: int, repeats: int, cuda: bool, progress, first_forward):
    """Warm up, measure the peak (CUDA), then time every segment and the whole model `repeats` times.
    `first_forward(seconds)` hears how long the first plain forward took, and may stop the run."""
    import torch

    samples: dict[str, list[float]] = {name: [] for name, _, _ in segments}
    whole: list[float] = []
    peak = None
    with torch.inference_mode():
        for i in range(warmup):
            _chain(segments, x)
            seconds = _timed_whole(whole_fn, x, cuda) / 1e3
            if i == 0:
                first_forward(seconds)
            if progress is not None:
                progress(1)
        if cuda:
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
            before = torch.cuda.memory_allocated()
            whole_fn(x)
            torch.cuda.synchronize()
            peak = torch.cuda.max_memory_allocated() - before
        for i in range(repeats):
            for name, ms in _timed_chain(segments, x, cuda).items():
                samples[name].append(ms)
            whole.append(_timed_whole(whole_fn, x, cuda))
            if i == 0 and warmup == 0:
                first_forward(whole[0] / 1e3)
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
