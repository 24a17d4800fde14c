"""Hold anyone's ResNet, or a checkpoint, against a reference config, and say in words where it departs.

`check(target, arch)` takes an `nn.Module`, a `path/to/file.py:factory` (or `package.module:factory`), or a
checkpoint file; a model is compared structure by structure (`diff`, with the config it equals from `infer`),
a checkpoint by its keys and shapes (`checkpoint`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...capture.load import LoadError, load_factory
from ...core.configs import parse_arch
from ...core.spec import ResNetSpec, parse_size
from .checkpoint import CheckpointResult, check_checkpoint, check_state_dict, infer_spec
from .diff import Comparison, Difference, compare_model, compare_structures
from .infer import equal_config, spec_of

__all__ = [
    "CheckpointResult",
    "Comparison",
    "Difference",
    "LoadError",
    "check",
    "check_checkpoint",
    "check_state_dict",
    "compare_model",
    "compare_structures",
    "equal_config",
    "infer_spec",
    "is_model_target",
    "load_factory",
    "spec_of",
]

DEFAULT_REFERENCE = "resnet50"


def is_model_target(target: str) -> bool:
    """`file.py:factory` or `package.module:factory` names a model; anything else, a checkpoint file."""
    return ":" in target and not Path(target).is_file()


def check(
    target: Any,
    arch: ResNetSpec | str | int | None = None,
    size: int | str | tuple[int, int] | None = None,
    *,
    kwargs: str | None = None,
) -> Comparison | CheckpointResult:
    """Hold `target` against `arch`: an `nn.Module` or a `file.py:factory` string is captured and compared
    (`Comparison`), any other path is read as a checkpoint (`CheckpointResult`). `kwargs`: the factory's keyword
    arguments as JSON."""
    reference = parse_arch(arch) if arch is not None else None
    if isinstance(target, str | Path) and not is_model_target(str(target)):
        return check_checkpoint(str(target), reference)
    spec = reference or parse_arch(DEFAULT_REFERENCE)
    name = str(target) if isinstance(target, str) else type(target).__name__
    model = load_factory(str(target), kwargs) if isinstance(target, str) else target
    return compare_model(model, spec, parse_size(spec.default_size if size is None else size), target=name)
