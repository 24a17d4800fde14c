"""The proof cache: a hit answers without torch and says so; a changed source, a corrupt or foreign entry, and
--no-cache all prove again; writers at once leave one whole entry; the folder stays bounded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from resnet_inspect import cache
from resnet_inspect.core.configs import get_spec
from resnet_inspect.core.shapes import trace
from resnet_inspect.features.table import analyze
from tests.cli import invoke

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def folder(tmp_path, monkeypatch):
    where = tmp_path / "proofs"
    monkeypatch.setenv(cache.CACHE_ENV, str(where))
    return where


def entries(where: Path) -> list[Path]:
    return sorted(where.glob("*.json"))


def test_a_hit_answers_without_torch_and_says_so(folder):
    first = analyze(18, 64)
    assert first.cached is None and len(entries(folder)) == 1
    again = analyze(18, 64)
    assert (
        again.cached
        == f"cached proof, torch {cache.versions()['torch']}, {_day()}; --no-cache (cache=False) to recheck"
    )
    assert [r.to_dict() for r in again.records("layer")] == [r.to_dict() for r in first.records("layer")]
    assert again.verified and again.params == 11_689_512  # torchvision's model card
    code = (
        "import sys; from resnet_inspect import analyze; a = analyze(18, 64); "
        "print(a.cached is not None, 'torch' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ | {"PYTHONPATH": str(ROOT)},
    )
    assert out.stdout.split() == ["True", "False"]


def test_another_size_batch_or_spec_is_another_entry(folder):
    analyze(18, 64)
    analyze(18, 96)
    analyze(18, 64, batch=2)
    analyze("resnet18:stem=cifar", 64)
    assert len(entries(folder)) == 4


def test_a_changed_source_or_torch_misses(folder, monkeypatch):
    analyze(18, 64)
    monkeypatch.setattr(cache, "source_hash", lambda: "an edited checkout")
    assert analyze(18, 64).cached is None
    monkeypatch.setattr(cache, "versions", lambda: {"torch": "9.9.9", "fvcore": "0.1.5"})
    assert analyze(18, 64).cached is None
    assert len(entries(folder)) == 3


@pytest.mark.parametrize(
    "spoil",
    [
        lambda entry: "{ not json",
        lambda entry: "",
        lambda entry: json.dumps(entry | {"key": "0" * 64}),  # another key's entry under this name
        lambda entry: json.dumps(entry | {"format": 99}),
        lambda entry: json.dumps(entry | {"observed": [{"name": "conv1"}]}),
        lambda entry: json.dumps([1, 2, 3]),
        lambda entry: "[" * 100_000,  # nested past Python's recursion limit
        # edited by hand: a layer's kind, its input shape, the model's parameters (each would change the answer)
        lambda entry: json.dumps(
            entry | {"observed": [{**entry["observed"][0], "kind": "bn"}, *entry["observed"][1:]]}
        ),
        lambda entry: json.dumps(
            entry
            | {
                "observed": [
                    *entry["observed"][:-2],
                    {**entry["observed"][-2], "in_shape": [0, 512, 20, 20]},
                    entry["observed"][-1],
                ]
            }
        ),
        lambda entry: json.dumps(entry | {"model_params": 123}),
    ],
)
def test_a_corrupt_or_foreign_entry_is_ignored_and_rebuilt(folder, spoil):
    analyze(18, 64)
    (path,) = entries(folder)
    entry = json.loads(path.read_text())
    path.write_text(spoil(entry))
    again = analyze(18, 64)
    assert again.cached is None and again.verified  # proven again, never trusted
    assert json.loads(path.read_text()) == entry | {"created": json.loads(path.read_text())["created"]}
    assert analyze(18, 64).cached is not None


def _store_and_load(where: str) -> bool:
    os.environ[cache.CACHE_ENV] = where
    analysis = analyze(18, 64, cache=False)
    for _ in range(20):
        cache.store(analysis.trace, "empty-batch", analysis.verification)
    return cache.load(analysis.trace, "empty-batch") is not None


def test_writers_at_once_leave_one_whole_entry(folder):
    with ProcessPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(_store_and_load, [str(folder)] * 4))
    assert results == [True] * 4
    assert len(entries(folder)) == 1 and not list(folder.glob(".*.tmp"))  # no half-written file left behind
    assert analyze(18, 64).cached is not None


def test_the_folder_is_bounded(folder, monkeypatch):
    monkeypatch.setattr(cache, "MAX_ENTRIES", 3)
    for size in (32, 48, 64, 80, 96):
        analyze(18, size)
    assert len(entries(folder)) == 3
    assert analyze(18, 96).cached is not None  # the newest stay


def test_a_failed_write_leaves_nothing_behind(folder, monkeypatch):
    analysis = analyze(18, 64, cache=False)
    for path in entries(folder):
        path.unlink()

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(json, "dump", full)
    cache.store(analysis.trace, "empty-batch", analysis.verification)
    assert list(folder.iterdir()) == []


def test_pruning_touches_only_entries(folder, monkeypatch):
    folder.mkdir(parents=True)
    mine = folder / "notes.json"
    mine.write_text("{}")
    os.utime(mine, (1e9, 1e9))  # older than any entry
    monkeypatch.setattr(cache, "MAX_ENTRIES", 1)
    analyze(18, 64)
    analyze(18, 96)
    assert mine.exists() and len([p for p in entries(folder) if cache.ENTRY.match(p.name)]) == 1


def test_entries_are_readable_as_the_users_files_are(folder):
    analyze(18, 64)
    umask = os.umask(0)
    os.umask(umask)
    assert [p.stat().st_mode & 0o777 for p in entries(folder)] == [0o666 & ~umask]


def test_a_relative_xdg_cache_home_is_ignored(monkeypatch, tmp_path):
    monkeypatch.delenv(cache.CACHE_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/dir")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert cache.folder() == tmp_path / ".cache" / "resnet-inspect"


def test_off_keeps_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.CACHE_ENV, "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    analyze(18, 64)
    assert analyze(18, 64).cached is None and not list(tmp_path.rglob("*.json"))


def test_a_failed_verification_is_never_kept(folder, monkeypatch):
    from resnet_inspect.runtime import verify as verifying

    real = verifying.verify

    def broken(traced, model, **kwargs):
        import dataclasses

        return dataclasses.replace(real(traced, model, **kwargs), error="made to fail")

    monkeypatch.setattr(verifying, "verify", broken)
    assert not analyze(18, 64).verified
    assert entries(folder) == []


def test_no_cache_on_the_command_line_proves_again(folder):
    first = invoke("table", "--depth", "18", "--size", "64")
    assert "Verified against the hooked model: 68/68 layers\n" in first.stdout
    cached = invoke("table", "--depth", "18", "--size", "64")
    assert (
        "68/68 layers (cached proof, torch " in cached.stdout
        and "; --no-cache (cache=False) to recheck)" in cached.stdout
    )
    again = invoke("table", "--depth", "18", "--size", "64", "--no-cache", "--format", "json")
    assert json.loads(again.stdout)["verified_by"] == "the hooked model (empty-batch probe); proven again (--no-cache)"
    refused = invoke("table", "--model", f"{ROOT / 'docs' / 'examples' / 'my_resnet.py'}:build", "--no-cache")
    assert refused.exit_code == 2
    assert "--no-cache does not apply to a model: a model is never answered from the cache" in refused.stderr


def test_archs_says_how_many_configs_it_read_back(folder):
    from resnet_inspect.core.configs import REGISTRY
    from resnet_inspect.features.catalog import catalog_at

    first = catalog_at((32, 32))
    assert first.cached == () and first.notes == []
    again = catalog_at((32, 32))
    assert [e.record() for e in again.entries] == [e.record() for e in first.entries]
    (note,) = again.notes
    assert note.startswith(f"{len(REGISTRY)} of {len(REGISTRY)} configs verified from the proof cache (torch ")
    assert note.endswith("); RESNET_INSPECT_CACHE=off proves them again")


def test_the_key_holds_everything_a_proof_depends_on():
    traced = trace(get_spec(18), 64, 64)
    assert cache.key(traced, "empty-batch") != cache.key(traced, "meta")
    assert cache.key(traced, "empty-batch") == cache.key(trace(get_spec(18), 64, 64), "empty-batch")


def _day() -> str:
    import datetime

    return datetime.date.today().isoformat()
