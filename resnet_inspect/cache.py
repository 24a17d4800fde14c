"""What the tool proved once it need not prove again: verifications of a named network, kept on disk.

A verification (every layer of the trace held against the hooked model, `core.verification`) depends on the
spec, the input shape, the probe, this package's source, and the versions of torch and fvcore. All of them are
in the key: a hash of every source file of the package (an editable install that changes invalidates it), the
two versions read from the installed distributions (without importing torch), the spec's every field. A hit
answers without importing torch, and says so.

The entries live in the platform's user cache folder (`$XDG_CACHE_HOME/resnet-inspect`, else
`~/.cache/resnet-inspect`); `RESNET_INSPECT_CACHE` names another folder, or `off` turns the cache off. At most
`MAX_ENTRIES` are kept (the oldest go first). Each is written to a temporary file and renamed into place, so a
reader sees a whole entry or none, also with writers at once; an entry that does not parse, or whose key or
format is not this one's, or that changed since it was written (each carries a digest of itself), is ignored
(and rewritten), never trusted. Only networks built from a spec are cached: a user's model or file never is.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
import os
import re
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from .core.shapes import Trace
from .core.verification import ObservedLayer, Verification, compare

CACHE_ENV = "RESNET_INSPECT_CACHE"
FORMAT = 2  # the layout of an entry; another layout is never read
MAX_ENTRIES = 2_000
ENTRY = re.compile(r"^[0-9a-f]{64}\.json$")  # only files named so are entries (and only they are ever pruned)


def folder() -> Path | None:
    """Where entries live, or None when the cache is off."""
    given = os.environ.get(CACHE_ENV, "").strip()
    if given.lower() in ("off", "0", "no", "false"):
        return None
    if given:
        return Path(given).expanduser()
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    if not base or not os.path.isabs(base):  # the XDG spec: a relative value is ignored
        base = str(Path.home() / ".cache")
    return Path(base) / "resnet-inspect"


@cache
def source_hash() -> str:
    """A hash of every Python source file of this package, path and bytes."""
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@cache
def versions() -> dict[str, str]:
    """torch's and fvcore's installed versions, read from their metadata (torch is not imported)."""
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in ("torch", "fvcore"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "none"
    return found


def key(traced: Trace, probe: str) -> str:
    """Everything a verification of `traced` depends on, hashed."""
    what = {
        "format": FORMAT,
        "source": source_hash(),
        "versions": versions(),
        "spec": dataclasses.asdict(traced.spec),
        "input": list(traced.input_shape),
        "probe": probe,
    }
    return hashlib.sha256(json.dumps(what, sort_keys=True, default=str).encode()).hexdigest()


@dataclasses.dataclass(frozen=True)
class Cached:
    """A verification read back, and where it came from."""

    verification: Verification
    created: str  # the day it was proven, ISO
    torch: str  # torch's version then

    def words(self) -> str:
        return f"cached proof, torch {self.torch}, {self.created}; --no-cache (cache=False) to recheck"


def load(traced: Trace, probe: str) -> Cached | None:
    """The cached verification of `traced`, or None (off, absent, corrupt, another key or format)."""
    where = folder()
    if where is None:
        return None
    name = key(traced, probe)
    path = where / f"{name}.json"
    try:
        entry = json.loads(path.read_text())
        if entry.get("format") != FORMAT or entry.get("key") != name or entry.get("digest") != _digest(entry):
            return None  # another layout, another question's entry, or changed since it was written
        observed = [_observed(o) for o in entry["observed"]]
        verification = compare(traced, observed, int(entry["model_params"]), None)
        if not verification.ok:
            return None  # only proofs that held are written: one that does not hold is not one of ours
        return Cached(verification, str(entry["created"]), str(entry["torch"]))
    except Exception:  # missing, half-written, foreign, nested past recursion: proven again, never trusted
        return None


def store(traced: Trace, probe: str, verification: Verification) -> None:
    """Keep a verification that held (a failed one is said, not cached); a cache that cannot be written is no
    error: the answer stands without it."""
    where = folder()
    if where is None or not verification.ok or verification.frozen_params:
        return
    name = key(traced, probe)
    observed = [c.observed for c in verification.checks if c.observed is not None]
    entry: dict[str, Any] = {
        "format": FORMAT,
        "key": name,
        "created": datetime.date.today().isoformat(),
        "torch": versions()["torch"],
        "model_params": verification.model_params,
        "observed": [_plain(o) for o in observed],
    }
    entry["digest"] = _digest(entry)
    temporary = None
    try:
        where.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=where, prefix=f".{name}.", suffix=".tmp")
        with os.fdopen(handle, "w") as out:
            json.dump(entry, out)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # as any file the user writes (mkstemp's is 0600)
        os.replace(temporary, where / f"{name}.json")  # atomic: a reader sees the old entry or the new one
        temporary = None
        _prune(where)
    except OSError:
        return
    finally:
        if temporary is not None:  # a write that failed (a full disk) leaves nothing behind
            Path(temporary).unlink(missing_ok=True)


def _digest(entry: dict[str, Any]) -> str:
    """A hash of an entry's contents, less the digest itself: an entry changed after it was written is not read."""
    body = {k: v for k, v in entry.items() if k != "digest"}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def _prune(where: Path) -> None:
    entries = sorted((p for p in where.iterdir() if ENTRY.match(p.name)), key=lambda p: p.stat().st_mtime)
    for path in entries[: max(0, len(entries) - MAX_ENTRIES)]:
        path.unlink(missing_ok=True)


def _plain(layer: ObservedLayer) -> dict[str, Any]:
    return {
        "name": layer.name,
        "module_type": layer.module_type,
        "in_shape": list(layer.in_shape),
        "out_shape": list(layer.out_shape),
        "params": layer.params,
        "weight_shape": None if layer.weight_shape is None else list(layer.weight_shape),
        "kind": layer.kind,
        "window": None if layer.window is None else list(layer.window),
    }


def _observed(entry: dict[str, Any]) -> ObservedLayer:
    weight, window = entry["weight_shape"], entry["window"]
    return ObservedLayer(
        name=str(entry["name"]),
        module_type=str(entry["module_type"]),
        in_shape=tuple(int(v) for v in entry["in_shape"]),
        out_shape=tuple(int(v) for v in entry["out_shape"]),
        params=int(entry["params"]),
        weight_shape=None if weight is None else tuple(int(v) for v in weight),
        kind=str(entry["kind"]),
        window=None if window is None else (*(int(v) for v in window[:4]), bool(window[4])),
    )
