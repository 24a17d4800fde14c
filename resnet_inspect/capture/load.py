"""A user's files, read as objects: a model from `path/to/file.py:factory` (or `package.module:factory`), a
state_dict from a checkpoint (never unpickling code). Every failure is one `LoadError` line that says what the
file is and what would be valid.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

from ..core.errors import InspectError, first_line
from ..core.words import with_article


class LoadError(InspectError):
    """The model or checkpoint could not be loaded: exit code 2."""


# --------------------------------------------------------------------------------------------- the model


def load_factory(target: str, kwargs_json: str | None = None) -> Any:
    """`path/to/file.py:factory` or `package.module:factory` → the nn.Module the factory returns."""
    import torch.nn as nn

    source, sep, attribute = target.rpartition(":")
    if not sep or not attribute:
        raise LoadError(f"{target!r} is not a model reference; use path/to/file.py:factory or package.module:factory")
    try:
        kwargs = json.loads(kwargs_json) if kwargs_json else {}
    except json.JSONDecodeError as error:
        raise LoadError(f"factory keyword arguments {kwargs_json!r} is not JSON: {error.msg}") from None
    if not isinstance(kwargs, dict):
        raise LoadError(f"factory keyword arguments {kwargs_json!r} must be a JSON object: '{{\"num_classes\": 10}}'")
    try:
        if source.endswith(".py") or "/" in source or Path(source).is_file():
            path = Path(source)
            if path.is_dir():
                raise LoadError(f"{source!r} is a directory; give a Python file: path/to/file.py:factory")
            if not path.is_file():
                raise LoadError(f"{source!r}: no such file")
            if path.suffix != ".py":
                raise LoadError(f"{source!r} is not a Python file (.py); a model is path/to/file.py:factory")
            spec = importlib.util.spec_from_file_location(f"_checked_{path.stem}", path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[spec.name] = module
            spec.loader.exec_module(module)
        else:
            if str(Path.cwd()) not in sys.path:
                sys.path.insert(0, str(Path.cwd()))  # as `python -m` and uvicorn do: modules under the working dir
            module = importlib.import_module(source)
    except LoadError:
        raise
    except Exception as error:  # the user's code: any exception is a load failure, said in one line
        raise LoadError(f"cannot import {source!r}: {type(error).__name__}: {first_line(error)}") from error
    factory = getattr(module, attribute, None)
    if factory is None:
        names = [n for n in dir(module) if not n.startswith("_")]
        close = difflib.get_close_matches(attribute, names, n=3)
        raise LoadError(f"{source!r} has no {attribute!r}" + (f"; did you mean {', '.join(close)}?" if close else ""))
    try:
        model = factory(**kwargs)
    except Exception as error:
        raise LoadError(f"{attribute}(**{kwargs}) failed: {type(error).__name__}: {first_line(error)}") from error
    if not isinstance(model, nn.Module):
        raise LoadError(f"{attribute} returned {with_article(type(model).__name__)}, not a torch.nn.Module")
    return model


# Prefixes that wrappers put before every key: DataParallel/DDP, Lightning's and timm's `model.`,
# torch.compile's `_orig_mod.`, and the `net.`/`backbone.` of detection and training frameworks.
WRAPPER_PREFIXES = ("module.", "model.", "_orig_mod.", "net.", "backbone.")
# Keys under which training loops nest the state_dict (Lightning's `state_dict`, timm's `state_dict_ema`, ...).
NESTING = ("state_dict", "model", "model_state_dict", "ema", "model_ema", "state_dict_ema")
# Other names a projection shortcut goes by (kuangliu's `shortcut.0/1`, `downsample.conv/bn`).
PROJECTION_NAMES = (
    (".shortcut.", ".downsample."),
    (".downsample.conv.", ".downsample.0."),
    (".downsample.bn.", ".downsample.1."),
)


def read_state_dict(path: str) -> dict[str, Any]:
    """The state_dict in a checkpoint file, unwrapped (see `unwrap_state_dict`)."""
    return read_checkpoint(path)[0]


def read_checkpoint(path: str) -> tuple[dict[str, Any], list[str]]:
    """(the state_dict, notes saying what was unwrapped), read with `weights_only=True`: never unpickling code."""
    import pickle

    import torch

    _refuse_what_is_no_checkpoint(Path(path))
    try:
        loaded = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        raise LoadError(
            f"{path!r} holds pickled code (a whole module, or objects), which is never unpickled here; "
            "save and check model.state_dict() instead"
        ) from error
    except Exception as error:
        raise LoadError(f"cannot read {path!r} as a checkpoint: {type(error).__name__}: {first_line(error)}") from error
    return unwrap_state_dict(loaded, path)


# The first bytes of what torch.save writes: a zip archive (torch ≥ 1.6), or a pickle (protocol 2 and later open with
# 0x80) as older torch wrote.
_ZIP, _PICKLE = b"PK\x03\x04", b"\x80"


def _refuse_what_is_no_checkpoint(path: Path) -> None:
    """A directory, an empty file, Python source, other text or bytes torch.save never writes: each told as what it
    is, in one line, before torch is asked to read it."""
    shown = str(path)
    if path.is_dir():
        raise LoadError(f"{shown!r} is a directory; give a checkpoint file, or a model as path/to/file.py:factory")
    if not path.is_file():
        raise LoadError(f"{shown!r}: no such file")
    with path.open("rb") as file:
        head = file.read(4096)
    if not head:
        raise LoadError(f"{shown!r} is empty (0 bytes): not a checkpoint")
    if head.startswith((_ZIP, _PICKLE)):
        return
    if path.suffix == ".py":
        factories = _factories(path)
        hint = f", like {shown}:{factories[0]}" if factories else " (path/to/file.py:factory)"
        raise LoadError(f"{shown!r} is Python source, not a checkpoint; to check a model, name its factory{hint}")
    try:
        head.decode("utf-8")
        text = b"\x00" not in head
    except UnicodeDecodeError:
        text = False
    what = "text" if text else "not a checkpoint"
    raise LoadError(f"{shown!r} is {what}: torch.save writes a zip archive (or, before torch 1.6, a pickle), and "
                    "this is neither")  # fmt: skip


def _factories(path: Path) -> list[str]:
    """The functions and classes a Python file defines at its top level, for a hint (the file is not run)."""
    import ast

    try:
        tree = ast.parse(path.read_text(errors="replace"))
    except SyntaxError:
        return []
    return [n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef) and not n.name.startswith("_")]


def unwrap_state_dict(loaded: Any, label: str = "the checkpoint") -> tuple[dict[str, Any], list[str]]:
    """The state_dict inside `loaded`: nesting (`state_dict`, `model`, `ema`, …, Lightning's included) and
    wrapper prefixes every key shares (`module.`, `_orig_mod.`, …) taken off, projection keys renamed to
    torchvision's; and notes that say which."""
    import torch

    notes = []
    for _ in range(len(NESTING)):
        if not isinstance(loaded, dict) or any(isinstance(v, torch.Tensor) for v in loaded.values()):
            break
        key = next((k for k in NESTING if isinstance(loaded.get(k), dict)), None)
        if key is None:
            break
        notes.append(f"read the state_dict nested under {key!r}")
        loaded = loaded[key]
    if not isinstance(loaded, dict) or not all(
        isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in loaded.items()
    ):
        raise LoadError(f"{label!r} is not a state_dict (a mapping of names to tensors)")
    state = dict(loaded)
    stripped = []
    for _ in range(len(WRAPPER_PREFIXES) * 2):
        prefix = next((p for p in WRAPPER_PREFIXES if state and all(k.startswith(p) for k in state)), None)
        if prefix is None:
            break
        stripped.append(prefix)
        state = {k.removeprefix(prefix): v for k, v in state.items()}
    if stripped:
        notes.append(f"stripped the wrapper prefix {''.join(stripped)!r} from every key")
    if any(k.startswith("stages.") for k in state):  # timm's resnetv2 layout: `downsample.conv` is its own name
        return state, notes
    renamed = {}
    for k, v in state.items():
        new = k
        for old, torchvision in PROJECTION_NAMES:
            new = new.replace(old, torchvision)
        renamed[new] = v
    if list(renamed) != list(state):
        notes.append(
            "read projection keys named like `shortcut.0` or `downsample.conv` as torchvision's `downsample.0`"
        )
    return renamed, notes
