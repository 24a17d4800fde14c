"""Bounds on the work one request may ask for, checked from ints before anything is allocated or looped over.

- torch's own limit: a tensor's storage size in bytes is an int64, so no tensor may hold more than 2**63 − 1
  bytes; past it torch cannot even lay out a meta tensor ("Storage size calculation overflowed"). Fixed.
- memory: real storage (a model's parameters, a real forward's activations) must fit in `memory_limit()`:
  this machine's physical memory, or `RESNET_INSPECT_MAX_GIB` GiB when set (to go past it on purpose, or to
  hold the tool to less).
- counts: the points of a sweep (sizes × batches), the passes of a measurement.
- time: a measurement (`profile`) estimated to run past `MAX_SECONDS` by default.

Each check raises a one-line `InspectError` that names the limit and how to go past it where that is legitimate.
No torch here: callers give the numbers, from the trace or from a meta model's shapes.
"""

from __future__ import annotations

import os

from .errors import InspectError

TORCH_MAX_BYTES = 2**63 - 1
MEMORY_ENV = "RESNET_INSPECT_MAX_GIB"
# Sizes × batches in one sweep: each costs microseconds on the closed forms; the cap keeps a typo (1:10000000:1)
# from filling memory with records.
MAX_POINTS = 50_000
MAX_PASSES = 1_000  # warm-up passes, and timed passes, of one measurement
MAX_SECONDS = 120.0  # one measurement's estimated run, by default; a caller raises it on purpose
GIB = 1 << 30


def memory_limit() -> int:
    """Bytes of real storage one request may take: `RESNET_INSPECT_MAX_GIB`, else this machine's memory."""
    text = os.environ.get(MEMORY_ENV, "").strip()
    if text:
        try:
            gib = float(text)
        except ValueError:
            gib = float("nan")
        if not 0 < gib < float("inf"):
            raise InspectError(f"{MEMORY_ENV}={text!r} is not valid; give a positive number of GiB, like 64")
        return int(gib * GIB)
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 16 * GIB  # no way to ask: a laptop's worth


def check_memory(what: str, nbytes: int, device: tuple[str, int] | None = None) -> None:
    """Refuse `nbytes` of real storage for `what`: past `memory_limit()`, or past a device's (name, free bytes)."""
    if device is not None:
        name, free = device
        if nbytes > free:
            raise InspectError(
                f"{what} needs {_gib(nbytes)} GiB, more than the {_gib(free)} GiB free on {name}; "
                "use a smaller network, batch or size"
            )
        return
    limit = memory_limit()
    if nbytes > limit:
        given = bool(os.environ.get(MEMORY_ENV, "").strip())
        source = f"{MEMORY_ENV} allows" if given else "of this machine's memory"
        how = f"raise {MEMORY_ENV}" if given else f"set {MEMORY_ENV} (GiB) to allow more"
        raise InspectError(
            f"{what} needs {_gib(nbytes)} GiB, more than the {_gib(limit)} GiB {source}; "
            f"use a smaller network, batch or size, or {how}"
        )


def check_parameters(params: int, nbytes: int) -> None:
    """Refuse real storage for a model's parameters (and buffers) past `memory_limit()`."""
    check_memory(f"storage for the model's {params:,} parameters", nbytes)


def check_tensor(what: str, shape: tuple[int, ...], itemsize: int) -> None:
    """Refuse a tensor torch cannot lay out: more than 2**63 − 1 bytes."""
    values = _values(shape)
    if values * itemsize > TORCH_MAX_BYTES:
        shown = "×".join(map(str, shape))
        raise InspectError(
            f"{what}: a {shown} tensor holds {values:,} values, past torch's limit of 2**63 − 1 "
            f"bytes per tensor ({itemsize} bytes a value); use a smaller batch or size"
        )


def check_trace_tensors(what: str, traced, itemsize: int = 4) -> None:
    """Refuse, before torch is asked, a trace (`core.shapes.Trace`) whose largest tensor torch cannot lay out."""
    largest = max((traced.input_shape, *(layer.out_shape for layer in traced.layers)), key=lambda s: _values(s))
    check_tensor(what, largest, itemsize)


def _values(shape: tuple[int, ...]) -> int:
    values = 1
    for d in shape:
        values *= d
    return values


def check_count(label: str, count: int, limit: int, hint: str) -> None:
    if count > limit:
        raise InspectError(f"{label} {count:,} is past the limit of {limit:,}; {hint}")


def _gib(nbytes: int) -> str:
    value = nbytes / GIB
    return f"{value:,.1f}" if value >= 0.1 else f"{value:.3g}"
