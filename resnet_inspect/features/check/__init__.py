"""Hold anyone's ResNet, or a checkpoint, against a reference config, and say in words where it departs.

`check(target, arch)` takes an `nn.Module`, a `path/to/file.py:factory` (or `package.module:factory`), or a
checkpoint file; a model is compared structure by structure (`diff`, with the config it equals from `infer`),
a checkpoint by its keys and shapes (`checkpoint`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...capture.graph import CaptureError
from ...capture.load import LoadError, load_factory
from ...core.configs import parse_arch
from ...core.spec import ResNetSpec, parse_size
from .checkpoint import CheckpointResult, check_checkpoint, check_state_dict, infer_spec
from .diff import Comparison, Difference, compare_model, compare_structures
from .infer import equal_config, nearest_named, spec_of, structure_of

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
    "nearest_named",
    "spec_of",
]

# Sizes tried, in order, when no --size is given and the model does not run at its reference's: ImageNet's,
# CIFAR's, then the small sizes people train at (STL's 96, MNIST's 28). Bounded: each costs one capture.
FALLBACK_SIZES = (224, 32, 64, 96, 28)


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
    arguments as JSON.

    Without `arch`, a model is held against the named config nearest to it (`infer.nearest_named`), and the
    verdict says so. Without `size`, it runs at its reference's size or, where its forward fails there, at the
    first of `FALLBACK_SIZES` it runs at, and says so."""
    reference = parse_arch(arch) if arch is not None else None
    if isinstance(target, str | Path) and not is_model_target(str(target)):
        return check_checkpoint(str(target), reference)
    name = str(target) if isinstance(target, str) else type(target).__name__
    model = load_factory(str(target), kwargs) if isinstance(target, str) else target
    notes: list[str] = []
    captured, chosen = _capture_at(model, reference, size, notes)
    if reference is None:
        reference = parse_arch(nearest_named(captured[1]))
        note = f"no --arch given: held against {reference.name}, the named config nearest to your model"
        side = reference.default_size
        if size is None and side != chosen[0]:  # then at the size that config was made for, where the model runs
            try:
                captured = structure_of(model, (1, captured[0].input_shape[1], side, side))
            except CaptureError:
                pass
            else:
                chosen, notes[:] = (side, side), []
                note += f", at its size {side}×{side}"
        notes.insert(0, note)
    return compare_model(model, reference, chosen, target=name, captured=captured, notes=tuple(notes))


def _capture_at(model: Any, reference: ResNetSpec | None, size: Any, notes: list[str]):
    """The model captured at `size`, or at the first size it runs at: ((graph, structure), size)."""
    from ...capture.graph import input_channels

    channels = input_channels(model, reference.in_channels if reference is not None else 3)
    if size is not None:
        chosen = parse_size(size)
        return structure_of(model, (1, channels, *chosen)), chosen
    first = reference.default_size if reference is not None else 224
    tried: list[int] = []
    failure = None
    for side in dict.fromkeys((first, *FALLBACK_SIZES)):
        try:
            captured = structure_of(model, (1, channels, side, side))
        except CaptureError as error:
            tried.append(side)
            failure = failure or error
            continue
        if tried:
            said = ", ".join(f"{t}×{t}" for t in tried)
            notes.append(f"no --size given: your model does not run at {said}, so it ran at {side}×{side}")
        return captured, (side, side)
    sizes = ", ".join(str(s) for s in dict.fromkeys((first, *FALLBACK_SIZES)))
    reason = getattr(failure, "reason", str(failure))
    raise CaptureError(
        f"size is needed: your model runs at none of {sizes} (at {first}×{first}: {reason}); give the size it "
        "takes, like 32"
    ) from None
