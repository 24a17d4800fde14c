"""The receptive field of a real torch model, measured by gradients: the proof side of the analytic field.

Two measurements, both on a copy of the model (the model given is never changed, not even its RNG's state):

`probe_receptive_field` measures the *theoretical* field. `linearized_copy` makes the copy linear and positive:
activations and normalisations pass their input on, max pools become window means, every weight is the same
positive number and every bias is zero. In such a network the derivative of an output unit with respect to an
input pixel is a sum over the paths that join them of products of positive numbers: it is nonzero exactly when a
path exists, whatever the weights were. So the support of d(unit)/d(input) *is* the set of pixels the unit sees,
and its extent along each axis is the receptive field size that r_out = r_in + (K − 1)·D·j_in predicts, as long as
the whole field lies inside the image (see below).

`effective_receptive_field` measures the *effective* field of Luo et al. 2016 ("Understanding the effective
receptive field in deep convolutional neural networks"): on a randomly initialised copy with its real
nonlinearities, the mean magnitude of d(unit)/d(input) over random inputs, which is Gaussian-like and concentrated
well inside the theoretical square; `erf_spread` summarises it.

Conventions. Positions are pixel indices (row i of the input sits at i), bounds are inclusive, pairs are
(rows, columns). The probed unit is the *centre unit* of the layer's output: for an output of h×w positions, the
one at ((h − 1) // 2, (w − 1) // 2), i.e. the middle one for an odd size and the one above and left of the middle
for an even size. Its value is summed over channels (and the batch).

Clipping. The analytic size counts every position of the field, including those that fall outside the image on
the zero padding; the probe can only see pixels that exist. When the centre unit's field does not fit in the
image, the measured support is cut at the border and `ProbeResult.clipped` says so on that axis: the true field is
larger, and the caller should probe a larger input. A large input is not enough by itself: the centre unit of an
even-sized output sits up to one jump (stride product) off the middle, so ResNet-50's layer4 (field 427, jump 32)
is still clipped at 448×448 and first fits at 449×449 (ResNet-18's, 435, too). `choose_probe_size` finds the
smallest input side at which every requested field fits, from the analytic (field, jump, start) of each layer.

Global layers. After a global pool (adaptive average pool, `x.mean((2, 3))`, a squeeze-and-excitation gate) a
unit depends on every pixel, at every input size: no input is large enough. Such results have `global_=True`;
so does any layer whose output has no spatial axes (the classifier), whose whole output is differentiated. This
is seen as the forward runs: a reduction (mean, sum, max, …) over an axis ≥ 2, an adaptive pool that shrinks its
input, or a pool whose output is 1×1 marks its result, and whatever is computed from a marked tensor is marked.
Positions mixed by matrix products (attention over flattened positions) are not recognised: such a layer reads
as clipped on every side, at any size.

Cost: one forward of the float64 linearized copy and one backward per layer (the graph is kept between them).
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from ..core.errors import InspectError, first_line
from ..core.receptive_field import centre_index
from ..core.words import with_article
from .copying import copy_model
from .linearize import DTYPE, NORMS, is_global, linearized_copy

__all__ = [
    "ProbeResult",
    "effective_receptive_field",
    "erf_spread",
    "probe_receptive_field",
]

ERF_SAMPLES = 8  # random inputs averaged by `effective_receptive_field` unless told otherwise


@dataclass(frozen=True)
class ProbeResult:
    """The measured support of one layer's centre unit on the input image; pairs are (rows, columns).

    `size` is last − first + 1 on each axis (the extent: a dilated field with holes counts its holes, as the
    analytic formula does). `clipped` says the support reaches the image border on that axis, so the field goes on
    outside the image and the true size is larger: probe a larger input. (Where the support has gaps of g − 1
    pixels, as behind a dilated convolution, "reaches the border" means "ends fewer than g pixels from it".)
    `global_` says the unit depends on the whole image whatever its size: no input is large enough.
    `unit` and `output_size` are the output position probed and the output's spatial size (None when the output
    has no spatial axes).
    """

    size: tuple[int, int]
    first: tuple[int, int]
    last: tuple[int, int]
    clipped: tuple[bool, bool]
    global_: bool = False
    unit: tuple[int, int] | None = None
    output_size: tuple[int, int] | None = None

    @property
    def complete(self) -> bool:
        """Whether `size` is the whole receptive field: nothing clipped and nothing global."""
        return not self.global_ and not any(self.clipped)


# --------------------------------------------------------------------------------------------------------------
# Running a copy with hooks
# --------------------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _autograd_on() -> Iterator[None]:
    """Gradients on, even when the caller runs inside `torch.no_grad()` or `torch.inference_mode()`."""
    with torch.inference_mode(False), torch.enable_grad():
        yield


def _check_shape(input_shape: Sequence[int]) -> tuple[int, int, int, int]:
    shape = tuple(input_shape)
    if len(shape) != 4 or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in shape):
        raise InspectError(f"input shape {shape} is not valid; it must be four positive ints (N, C, H, W)")
    return shape  # type: ignore[return-value]


def _check_layer_names(model: nn.Module, layer_names: Sequence[str] | str) -> list[str]:
    names = [layer_names] if isinstance(layer_names, str) else list(layer_names)
    known = dict(model.named_modules())
    for name in names:
        if name not in known:
            close = difflib.get_close_matches(name, list(known), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else "; names are those of model.named_modules()"
            raise InspectError(f"no layer named {name!r} in the model{hint}")
    return list(dict.fromkeys(names))


class _Stop(BaseException):
    """Raised by a hook to end a forward once the output wanted is in hand (a BaseException, so that a forward
    that catches Exception does not swallow it)."""


def _capture(store: list[tuple[object, bool]], stop: bool, module: nn.Module, args: tuple, output: object) -> object:
    """A forward hook: keep the output (and whether it is global), and hand a copy on, so that what runs next in
    place (`out += identity` after a batch norm that is now a passthrough) cannot change the tensor kept."""
    store.append((output, is_global(output)))
    if stop:
        raise _Stop
    return output.clone() if isinstance(output, Tensor) else None


def _forward_with_hooks(
    model: nn.Module, names: list[str], image: Tensor, *, stop_at: str | None = None
) -> dict[str, list[tuple[object, bool]]]:
    """Run `model` on `image` and return what each named module output, call by call. With `stop_at` the forward
    ends at that module's first call: for a module known to run once, after every other named one."""
    modules = dict(model.named_modules())
    captured: dict[str, list[tuple[object, bool]]] = {name: [] for name in names}
    hooks = [functools.partial(_capture, captured[name], name == stop_at) for name in names]
    handles = [modules[name].register_forward_hook(hook) for name, hook in zip(names, hooks, strict=True)]
    try:
        model(image.clone())  # a clone: the model may work in place on its input
    except _Stop:
        pass
    except Exception as error:
        shape = "×".join(map(str, image.shape))
        raise InspectError(f"the model's forward failed on a {shape} input: {first_line(error)}") from error
    finally:
        for handle in handles:
            handle.remove()
    return captured


def _single_output(captured: dict[str, list[tuple[object, bool]]], name: str) -> tuple[Tensor, bool]:
    calls = captured[name]
    if not calls:
        raise InspectError(f"layer {name!r} did not run in the model's forward")
    if len(calls) > 1:
        raise InspectError(
            f"layer {name!r} runs {len(calls)} times in one forward, so it has no single receptive field; "
            "name a module that runs once"
        )
    output, is_global = calls[0]
    if not isinstance(output, Tensor):
        raise InspectError(f"layer {name!r} returns {with_article(type(output).__name__)}, not a tensor")
    if not output.requires_grad:
        raise InspectError(f"layer {name!r} does not depend on the input")
    return output, is_global


def _centre_unit(output: Tensor) -> tuple[tuple[int, int] | None, tuple[int, int] | None, Tensor]:
    """The centre unit of an (N, C, H, W) output, summed over channels and batch; a whole non-spatial output."""
    if output.ndim != 4:
        return None, None, output.sum()
    h, w = output.shape[-2:]
    unit = (centre_index(h), centre_index(w))
    return unit, (h, w), output[:, :, unit[0], unit[1]].sum()


def _axis(positions: list[int], length: int) -> tuple[int, int, bool]:
    first, last = positions[0], positions[-1]
    step = max((b - a for a, b in itertools.pairwise(positions)), default=1)
    return first, last, first < step or length - 1 - last < step


def probe_receptive_field(
    model: nn.Module,
    input_shape: tuple[int, int, int, int],
    layer_names: Sequence[str],
    *,
    stop_after: str | None = None,
) -> dict[str, ProbeResult]:
    """The receptive field of each named layer's centre unit, measured on `linearized_copy(model)`.

    `layer_names` are dotted names as in `model.named_modules()` ("" is the whole model); each must name a module
    that runs once per forward. One forward of an all-ones input of `input_shape` (N = 1 is cheapest; the field
    does not depend on it), then one backward per layer of the centre unit summed over channels and batch; the
    support is where the input gradient, summed over batch and channels, is nonzero. Pick the input size with
    `choose_probe_size` so that nothing is clipped (see the module's docstring); check `ProbeResult.complete`.
    With `stop_after` (one of the names, the last to run) the forward ends there: the rest of the network costs
    nothing. The model is not changed. Raises InspectError for an unknown name or a forward that fails.
    """
    shape = _check_shape(input_shape)
    names = _check_layer_names(model, layer_names)
    if not names:
        return {}
    with _autograd_on():
        linear = linearized_copy(model)
        image = torch.ones(shape, dtype=DTYPE, requires_grad=True)
        captured = _forward_with_hooks(linear, names, image, stop_at=stop_after)
        outputs = {name: _single_output(captured, name) for name in names}
        results: dict[str, ProbeResult] = {}
        for position, name in enumerate(names):
            output, is_global = outputs[name]
            unit, output_size, target = _centre_unit(output)
            keep = position < len(names) - 1
            (gradient,) = torch.autograd.grad(target, image, retain_graph=keep, allow_unused=True)
            support = torch.zeros(shape[2:], dtype=torch.bool) if gradient is None else gradient.ne(0).any(0).any(0)
            if not support.any():
                raise InspectError(f"layer {name!r} does not depend on the input")
            rows = _axis(support.any(1).nonzero().flatten().tolist(), shape[2])
            cols = _axis(support.any(0).nonzero().flatten().tolist(), shape[3])
            results[name] = ProbeResult(
                size=(rows[1] - rows[0] + 1, cols[1] - cols[0] + 1),
                first=(rows[0], cols[0]),
                last=(rows[1], cols[1]),
                clipped=(rows[2], cols[2]),
                global_=is_global or output_size is None,
                unit=unit,
                output_size=output_size,
            )
    return results


# --------------------------------------------------------------------------------------------------------------
# Picking the input size
# --------------------------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------------------------
# The effective receptive field (Luo et al. 2016)
# --------------------------------------------------------------------------------------------------------------


def _randomize(model: nn.Module, seed: int) -> None:
    """Kaiming-normal weights (fan_in, ReLU gain) and zero biases for every conv and linear layer; norms reset (BN:
    running mean 0, variance 1, weight 1, bias 0). The global RNG is forked: its state is left as it was."""
    with torch.random.fork_rng(devices=[]), torch.no_grad():
        torch.manual_seed(seed)
        for module in model.modules():
            weight = getattr(module, "weight", None)
            if isinstance(module, nn.modules.conv._ConvNd | nn.Linear) and isinstance(weight, nn.Parameter):
                nn.init.kaiming_normal_(weight, mode="fan_in", nonlinearity="relu")
                if isinstance(module.bias, nn.Parameter):
                    module.bias.zero_()
            elif isinstance(module, NORMS) and hasattr(module, "reset_parameters"):
                module.reset_parameters()


def effective_receptive_field(
    model: nn.Module,
    input_shape: tuple[int, int, int, int],
    layer_name: str,
    *,
    seed: int = 0,
    samples: int = ERF_SAMPLES,
) -> Tensor:
    """Luo et al.'s effective receptive field of `layer_name`'s centre unit: an H×W float64 map, maximum 1.

    On a copy of the model (CPU, float64, eval, real nonlinearities and max pools) re-initialised from `seed`
    (see `_randomize`): the magnitude of d(centre unit, summed over channels)/d(input), summed over the input's
    channels, averaged over `samples` standard-normal inputs of `input_shape` (default 8; each of N images counts,
    so N × samples images in all), divided by its maximum. Deterministic for a given seed. Zero outside the
    theoretical field; compare the two with `erf_spread`. The model and the global RNG are left as they were.
    """
    shape = _check_shape(input_shape)
    (name,) = _check_layer_names(model, [layer_name])
    if samples < 1:
        raise InspectError(f"samples {samples} is not valid; it must be ≥ 1")
    heat = torch.zeros(shape[2:], dtype=DTYPE)
    with _autograd_on():
        duplicate = copy_model(model, "cpu", dtype=DTYPE, values=True, grad=False, what="the probe").eval()
        _randomize(duplicate, seed)
        generator = torch.Generator().manual_seed(seed)
        for sample in range(samples):
            image = torch.randn(shape, generator=generator, dtype=DTYPE).requires_grad_()
            captured = _forward_with_hooks(
                duplicate, [name], image, stop_at=name if sample > 0 else None
            )  # the first checks for reuse
            output, _ = _single_output(captured, name)
            (gradient,) = torch.autograd.grad(_centre_unit(output)[2], image, allow_unused=True)
            if gradient is not None:
                heat += gradient.abs().sum((0, 1))
    peak = heat.max()
    if peak <= 0:
        raise InspectError(f"layer {name!r} has a zero input gradient on every sample; try another seed")
    return heat / peak


def erf_spread(heatmap: Tensor, field: ProbeResult | tuple[int, int, int, int]) -> dict[str, object]:
    """How an effective receptive field spreads, against the theoretical field `field`.

    `field` is a ProbeResult (its first/last) or (top, left, bottom, right), inclusive. Returns:
    "mean": the heatmap's centre of mass (row, col); "std": its standard deviation along each axis, in pixels;
    "field_std": the standard deviation of a uniform square over the field, √((r² − 1)/12), what a flat field would
    give; "mass_inside": the fraction of the heatmap's total inside the field (1 when the field is right).
    A Gaussian-like ERF has std well below field_std (Luo et al.: it grows like √depth, the field like depth).
    """
    heat = heatmap.detach().to(device="cpu", dtype=DTYPE)
    if heat.ndim != 2 or bool((heat < 0).any()) or not heat.sum() > 0:
        raise InspectError("the heatmap must be a 2-D map of non-negative values with a positive total")
    if isinstance(field, ProbeResult):
        top, left, bottom, right = (*field.first, *field.last)
    else:
        top, left, bottom, right = field
    total = heat.sum()

    def moments(weights: Tensor) -> tuple[float, float]:
        positions = torch.arange(len(weights), dtype=DTYPE)
        mean = (weights * positions).sum()
        return float(mean), float((weights * (positions - mean) ** 2).sum().sqrt())

    (row_mean, row_std), (col_mean, col_std) = moments(heat.sum(1) / total), moments(heat.sum(0) / total)
    inside = heat[max(top, 0) : bottom + 1, max(left, 0) : right + 1].sum() / total
    return {
        "mean": (row_mean, col_mean),
        "std": (row_std, col_std),
        "field_std": tuple(math.sqrt(((b - a + 1) ** 2 - 1) / 12) for a, b in ((top, bottom), (left, right))),
        "mass_inside": min(1.0, float(inside)),  # summation order can put it a rounding above 1
    }
