"""One network over many input sizes (and batches): final feature map, MACs, MACs per pixel, activation memory.

A sweep evaluates the closed forms (`core.closed_form`, exact at every size by construction) with the op table's
count rules at every size, and runs the hooked model layer by layer at a few of them; a network without closed
forms is traced and hook-verified size by size. Where MACs per pixel jump, the closed forms say which rounding
stepped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..core.budget import MAX_POINTS
from ..core.errors import InspectError
from ..core.memory import activation_bytes, dtype_bytes
from ..core.shapes import shape_text, trace
from ..core.spec import ResNetSpec, parse_size
from ..core.words import counted
from ..records import Line, Result, Section
from ..records.vocabulary import SweepDocument, SweepPointRecord
from .table import analyze_trace

JUMP = 0.05  # a rise of more than 5% in MACs per pixel from one size to the next is marked
MAX_SIZES = MAX_POINTS  # sizes in one sweep: at one batch, as many as sizes × batches
HOOKED_SIZES = 8  # sizes of an analytic sweep also run through the hooked model, layer by layer


def parse_sizes(text: str) -> list[tuple[int, int]]:
    """`32:1024:32` (start:stop:step, stop included) or `224,225,256,480x640`."""

    text = str(text).strip()
    if ":" in text:
        parts = text.split(":")
        try:
            start, stop, step = (int(p) for p in parts) if len(parts) == 3 else (*map(int, parts), 1)
        except ValueError:
            raise InspectError(f"sizes {text!r} is not valid; use start:stop:step like 32:1024:32") from None
        if start < 1 or stop < start or step < 1:
            raise InspectError(f"sizes {text!r} is not valid; need 1 ≤ start ≤ stop and step ≥ 1")
        count = (stop - start) // step + 1
        if count > MAX_SIZES:
            raise InspectError(f"sizes {text!r} gives {count:,} sizes; sweep at most {MAX_SIZES:,}")
        return [_one_size(v) for v in range(start, stop + 1, step)]
    parts = text.split(",")
    if len(parts) > 1 and not all(part.strip() for part in parts):
        raise InspectError(f"sizes {text!r} has an empty item; give sizes separated by single commas, like 224,256,480")
    if len(parts) > MAX_SIZES:
        raise InspectError(f"sizes {text[:40]!r}… lists {len(parts):,} sizes; sweep at most {MAX_SIZES:,}")
    return [_one_size(part) for part in parts]


def _one_size(value: str | int) -> tuple[int, int]:
    """One size of a sweep: refused as one of `sizes` (the CLI names it --sizes), not as `size` (--size)."""
    try:
        return parse_size(value)
    except InspectError as error:
        message = str(error)
        named = f"sizes {message.removeprefix('size ')}" if message.startswith("size ") else message
        raise InspectError(named) from None


@dataclass(frozen=True)
class SweepPoint:
    size: tuple[int, int]
    batch: int
    final_map: tuple[int, int]
    params: int
    macs_conv_linear: int  # for the batch
    macs_fvcore: int
    activation_bytes: int  # per batch
    verified: bool
    verified_by: str = "hooked model at this size"

    @property
    def macs_conv_linear_per_pixel(self) -> float:
        return self.macs_conv_linear / self.batch / (self.size[0] * self.size[1])


@dataclass(frozen=True)
class Sweep(Result):
    """The points of a sweep, size by size (then batch by batch), and what they were verified by.

    A sequence of `SweepPoint`s (`len`, indexing, iteration); `records()` adds where MACs per pixel jump and why.
    """

    spec: ResNetSpec
    dtype: str
    points: tuple[SweepPoint, ...]
    forms: Any = None  # the network's closed forms (`core.closed_form`), None for a network without them

    def __iter__(self):
        return iter(self.points)

    def __len__(self) -> int:
        return len(self.points)

    def __getitem__(self, index: int) -> SweepPoint:
        return self.points[index]

    jump_threshold: float = JUMP  # a rise in MACs per pixel past this fraction is a jump

    @property
    def verified_by(self) -> str:
        return self.points[0].verified_by if self.points else "nothing: no sizes"

    @property
    def failures(self) -> tuple[str, ...]:
        return () if all(p.verified for p in self.points) else ("some sizes disagree with the model",)

    @property
    def notes(self) -> list[str]:
        return [f"verified by: {self.verified_by}"] if self.points else []

    def causes(self) -> dict[int, JumpCause]:
        """Each jump's cause, by index into the points (none for a network without closed forms)."""
        return jump_causes(self.points, self.spec, self.forms)

    def records(self) -> list[SweepPointRecord]:
        from ..core.closed_form import jump_words

        jumped = jumps(self.points)
        return [
            SweepPointRecord(
                size=p.size,
                batch=p.batch,
                final_map=p.final_map,
                params=p.params,
                macs_conv_linear=p.macs_conv_linear,
                macs_fvcore=p.macs_fvcore,
                macs_conv_linear_per_pixel=round(p.macs_conv_linear_per_pixel, 1),
                activation_bytes=p.activation_bytes,
                activation_bytes_per_sample=p.activation_bytes // p.batch,
                jump=i in jumped,
                jump_cause=jump_words(self.forms, jumped[i].size, p.size) if i in jumped and self.forms else None,
                verified=p.verified,
            )
            for i, p in enumerate(self.points)
        ]

    def document(self) -> SweepDocument:
        return SweepDocument(arch=self.spec.name, dtype=self.dtype, verified_by=self.verified_by, points=self.records())

    def sections(self) -> list[Section]:
        return [
            Section(
                f"{self.spec.name} over {len(self.points)} sizes",
                self.records(),
                lines=[Line(f"verified by: {self.verified_by}", "note")],
            )
        ]

    def __repr__(self) -> str:
        first, last = (self.points[0].size, self.points[-1].size) if self.points else ((0, 0), (0, 0))
        return (
            f"<Sweep of {self.spec.name}: {len(self.points)} points, {shape_text(first)} to {shape_text(last)}, "
            f"{'verified' if not self.failures else 'NOT verified'}>"
        )


def sweep(
    spec: ResNetSpec | str | int,
    sizes: Sequence[tuple[int, int]] | str,
    *,
    batches: Sequence[int] = (1,),
    dtype: str = "float32",
    progress: Callable[[int], None] | None = None,
    analytic: bool = True,
) -> Sweep:
    """Every size (and batch), counted; size by size, then batch by batch.

    `spec` is a spec, a config or a depth; `sizes` a list of (H, W) or text (`"32:1024:32"`, `"224,480x640"`).
    Analytic (the default): every size is evaluated on the closed forms (`core.closed_form`, exact for every
    size by construction) with the op table's count rules, and the hooked model is run layer by layer at a few
    of the sizes (`HOOKED_SIZES`: the first, the last, and a spread between), each layer's shapes and counts
    held equal to the closed forms' there. `analytic=False` traces and hook-verifies every size.
    """
    from ..core.budget import check_count
    from ..core.closed_form import closed_forms
    from ..core.configs import parse_arch
    from ..core.memory import canonical_dtype

    spec = parse_arch(spec)
    sizes = parse_sizes(sizes) if isinstance(sizes, str) else [parse_size(size) for size in sizes]
    dtype = canonical_dtype(dtype)  # an unknown dtype is refused before any work
    for batch in batches:
        if batch < 1:
            raise InspectError(f"batch {batch} is not valid; it must be ≥ 1")
    check_count(
        f"sizes × batches = {len(sizes):,} × {len(batches):,} =",
        len(sizes) * len(batches),
        MAX_POINTS,
        "sweep fewer sizes or batches at once",
    )
    try:
        forms = closed_forms(spec)
    except InspectError:
        forms = None  # a network without closed forms is swept size by size
    if not analytic or forms is None:
        return Sweep(spec, dtype, tuple(_sweep_per_size(spec, sizes, batches, dtype, progress)), forms)
    for size in sizes:
        if not forms.valid(*size):
            trace(spec, *size)  # refused with the trace's own one-line reason
            raise InspectError(f"size {size[0]}×{size[1]} is outside {spec.name}'s range, {forms.range_text}")
    return Sweep(spec, dtype, tuple(_sweep_analytic(spec, forms, list(sizes), batches, dtype, progress)), forms)


def hooked_sample(sizes: Sequence[tuple[int, int]], count: int = HOOKED_SIZES) -> list[tuple[int, int]]:
    """The first, the last and evenly spread sizes of a sweep (and its first non-square one), at most `count`."""
    if len(sizes) <= count:
        return list(dict.fromkeys(sizes))
    picks = [sizes[round(i * (len(sizes) - 1) / (count - 2))] for i in range(count - 1)]
    picks.append(next((s for s in sizes if s[0] != s[1]), sizes[len(sizes) // 2 + 1]))
    return list(dict.fromkeys(picks))


def analytic_disagreements(spec: ResNetSpec, forms: Any, size: tuple[int, int], batch: int, model: Any) -> list[str]:
    """The hooked model at one size against the closed forms and count rules, layer by layer: what differs."""
    from ..core.closed_form import Counter

    a = analyze_trace(trace(spec, *size, batch=batch), model)
    found = list(a.problems)
    rows = Counter(forms).layers(*size, batch)
    if len(rows) != len(a.rows):
        return [*found, f"{len(rows)} layers by the closed forms, {len(a.rows)} by the hooked model"]
    for (name, _, y, params, macs, fvcore), row in zip(rows, a.rows, strict=True):
        observed, seen = row.check.observed_out_shape, row.check.observed
        expected = (row.name, observed, seen.params if seen else None, row.macs_conv_linear, row.macs_fvcore)
        if (name, y, params, macs, fvcore) != expected:
            found.append(
                f"{name} at {size[0]}×{size[1]}: closed form {shape_text(y)}, {params:,} params, "
                f"{fvcore:,} MACs; hooked model {shape_text(observed) if observed else 'none'}, "
                f"{row.macs_fvcore:,} MACs"
            )
    if (
        not found
        and activation_bytes(a.trace, "float32") != 4 * Counter(forms).totals([size], batch)[0].activation_elements
    ):
        found.append(f"activation bytes at {size[0]}×{size[1]} differ between the closed forms and the trace")
    return found


def _sweep_analytic(
    spec: ResNetSpec,
    forms: Any,
    sizes: list[tuple[int, int]],
    batches: Sequence[int],
    dtype: str,
    progress: Callable[[int], None] | None,
) -> list[SweepPoint]:
    from ..core.closed_form import Counter
    from ..runtime.model import build_model

    model = build_model(spec, device="meta")
    sample = hooked_sample(sizes)
    problems = [p for size in sample for p in analytic_disagreements(spec, forms, size, batches[0], model)]
    verified = not problems
    shown = ", ".join(f"{h}×{w}" for h, w in sample)
    how = f"closed forms; hooked model layer by layer at {counted(len(sample), 'size')} ({shown})"
    counter, width = Counter(forms), dtype_bytes(dtype)
    by_batch = counter.totals_by_batch(sizes, batches)
    points = []
    for i, size in enumerate(sizes):
        for batch in batches:
            c = by_batch[batch][i]
            points.append(
                SweepPoint(
                    size,
                    batch,
                    c.final_map,
                    c.params,
                    c.macs_conv_linear,
                    c.macs_fvcore,
                    c.activation_elements * width,
                    verified,
                    how,
                )
            )
    if progress is not None:
        progress(len(sizes))
    return points


def _sweep_per_size(
    spec: ResNetSpec,
    sizes: Sequence[tuple[int, int]],
    batches: Sequence[int],
    dtype: str,
    progress: Callable[[int], None] | None,
) -> list[SweepPoint]:
    """Every size traced and hook-verified against one reused model, and counted."""
    from ..runtime.model import build_model

    model = build_model(spec, device="meta")
    points = []
    for size in sizes:
        for batch in batches:
            a = analyze_trace(trace(spec, *size, batch=batch), model)
            last = next(row.traced.out_shape for row in reversed(a.rows) if row.traced.kind == "add")
            points.append(
                SweepPoint(
                    size,
                    batch,
                    (last[2], last[3]),
                    a.params,
                    a.macs_conv_linear,
                    a.macs_fvcore,
                    activation_bytes(a.trace, dtype),
                    a.verified,
                )
            )
        if progress is not None:
            progress(1)
    return points


def jumps(points: Sequence[SweepPoint]) -> dict[int, SweepPoint]:
    """The points whose MACs per pixel rise more than `JUMP` over the previous size's (at the same batch), by
    index, each with that previous point."""
    found = {}
    previous: dict[int, SweepPoint] = {}  # the last point of each batch size: points come size by size
    for i, p in enumerate(points):
        before = previous.get(p.batch)
        if before is not None and p.macs_conv_linear_per_pixel > before.macs_conv_linear_per_pixel * (1 + JUMP):
            found[i] = before
        previous[p.batch] = p
    return found


@dataclass(frozen=True)
class JumpCause:
    """The coarsest feature map whose size steps at a jump, and the rounding that steps it."""

    feature_map: str  # a stage ("layer4") or, where no stage ends on that map, a layer ("conv1")
    stage: str
    rounding: str  # pretty: ⌈H/32⌉


def jump_causes(points: Sequence[SweepPoint], spec: ResNetSpec, forms: Any = None) -> dict[int, JumpCause]:
    """Each jump's cause, by index into `points`, from the network's closed forms (`core.closed_form`); none for a
    network without them."""
    from ..core.closed_form import closed_forms, map_changes

    if forms is None:
        try:
            forms = closed_forms(spec)
        except InspectError:
            return {}
    stage_of = {name: layer.stage for layer in forms.layers for name in (layer.name, layer.stage)}
    causes = {}
    for i, before in jumps(points).items():
        changes = map_changes(forms, before.size, points[i].size, pretty=True)
        if changes:
            label, _, roundings = changes[0]
            causes[i] = JumpCause(label, stage_of.get(label, label), roundings[0])
    return causes
