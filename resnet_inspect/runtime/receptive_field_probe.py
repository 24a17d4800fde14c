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
import copy
import difflib
import functools
import inspect
import itertools
import math
import re
import types
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.overrides import TorchFunctionMode

from ..core.errors import InspectError

__all__ = [
    "ProbeResult",
    "centre_index",
    "centre_unit_span",
    "choose_probe_size",
    "effective_receptive_field",
    "erf_spread",
    "linearized_copy",
    "probe_receptive_field",
]

DTYPE = torch.float64
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
# The linearized copy
# --------------------------------------------------------------------------------------------------------------

_ACTIVATION_NAMES = (
    "ReLU", "ReLU6", "LeakyReLU", "PReLU", "RReLU", "ELU", "SELU", "CELU", "GELU", "SiLU", "Mish", "Hardswish",
    "Hardsigmoid", "Sigmoid", "Tanh", "Hardtanh", "Softplus", "Softsign", "LogSigmoid", "Threshold", "Hardshrink",
    "Softshrink", "Tanhshrink",
)  # fmt: skip
_ACTIVATIONS = tuple(getattr(nn, name) for name in _ACTIVATION_NAMES if hasattr(nn, name))
_NORMS = tuple(
    getattr(nn, name)
    for name in ("BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "SyncBatchNorm", "InstanceNorm1d", "InstanceNorm2d",
                 "InstanceNorm3d", "GroupNorm", "LayerNorm", "LocalResponseNorm", "RMSNorm")
    if hasattr(nn, name)
)  # fmt: skip
# Norm classes from elsewhere that subclass none of torch's (torchvision's FrozenBatchNorm2d, timm's LayerNorm2d,
# BatchNormAct2d): matched by name, strictly, so that a "ConvNorm" block keeps its convolution.
_NORM_CLASS_NAME = re.compile(r"(Frozen|Sync|Lazy)?(Batch|Group|Layer|Instance|RMS)Norm(Act)?(\dd)?")
_MAX_POOLS = {nn.MaxPool1d: 1, nn.MaxPool2d: 2, nn.MaxPool3d: 3}
_GLOBAL = "_receptive_field_probe_global"  # set on tensors that depend on the whole image


class _Passthrough(nn.Identity):
    """Stands in for an activation or a normalisation in the linearized copy: its input, passed on.

    A copy (not the same tensor) unless the module replaced worked in place, so that aliasing stays what it was.
    """

    def __init__(self, replaces: str, inplace: bool = False) -> None:
        super().__init__()
        self.replaces = replaces
        self.inplace = inplace

    def forward(self, x: Tensor) -> Tensor:
        return x if self.inplace else x.clone()

    def extra_repr(self) -> str:
        return f"replaces={self.replaces}" + (", inplace=True" if self.inplace else "")


class _WindowMean(nn.Module):
    """Stands in for a max pool: the mean over the same windows (kernel, stride, padding, dilation, ceil_mode).

    Not `nn.AvgPool2d`, which has no dilation; otherwise the same thing for the support: every in-image position
    of a window gets a positive weight, and the positions that a max pool pads with −inf get none.
    """

    def __init__(self, pool: nn.Module, dims: int) -> None:
        super().__init__()
        self.dims = dims
        self.kernel_size, self.stride, self.padding = pool.kernel_size, pool.stride, pool.padding
        self.dilation, self.ceil_mode, self.return_indices = pool.dilation, pool.ceil_mode, pool.return_indices

    def forward(self, x: Tensor) -> Tensor | tuple[Tensor, Tensor]:
        max_pool = (F.max_pool1d, F.max_pool2d, F.max_pool3d)[self.dims - 1]
        arguments = (self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode, self.return_indices)
        return _max_pool_as_mean(max_pool, self.dims, x, *arguments)

    def extra_repr(self) -> str:
        return (
            f"replaces=MaxPool{self.dims}d, kernel_size={self.kernel_size}, stride={self.stride}, "
            f"padding={self.padding}, dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


def _ntuple(value: int | Sequence[int], dims: int) -> tuple[int, ...]:
    if isinstance(value, int):
        return (value,) * dims
    values = tuple(int(v) for v in value)
    return values * dims if len(values) == 1 else values


def _max_pool_as_mean(
    max_pool: Callable[..., object],
    dims: int,
    x: Tensor,
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] | None = None,
    padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """What `max_pool(x, …)` returns, with the maxima replaced by window means (the indices stay the real ones).

    The real pool runs once without gradient (and outside any torch-function mode): it raises what it would
    raise, and gives the output size exactly (ceil_mode's rule included). The means are a depthwise
    convolution of constant weights over the input padded with zeros: `padding` on the left, and on the right as
    much as the last window needs.
    """
    if stride is None or (not isinstance(stride, int) and len(stride) == 0):
        stride = kernel_size
    with torch.no_grad(), torch._C.DisableTorchFunction():
        reference = max_pool(x, kernel_size, stride, padding, dilation, ceil_mode, return_indices)
    values = reference[0] if isinstance(reference, tuple) else reference
    out_size = values.shape[-dims:]
    k, s, p, d = (_ntuple(v, dims) for v in (kernel_size, stride, padding, dilation))
    batched = x.ndim == dims + 2
    y = x if batched else x.unsqueeze(0)
    pad: list[int] = []
    for axis in reversed(range(dims)):  # F.pad takes the last axis first
        needed = (out_size[axis] - 1) * s[axis] + d[axis] * (k[axis] - 1) + 1 - y.shape[2 + axis] - p[axis]
        pad += [p[axis], max(p[axis], needed)]
    channels = y.shape[1]
    weight = y.new_full((channels, 1, *k), 1.0 / math.prod(k))
    conv = (F.conv1d, F.conv2d, F.conv3d)[dims - 1]
    means = conv(F.pad(y, pad), weight, stride=s, dilation=d, groups=channels)
    means = means[(..., *(slice(0, n) for n in out_size))]
    if not batched:
        means = means.squeeze(0)
    return (means, reference[1]) if isinstance(reference, tuple) else means


def _linearize_modules(model: nn.Module) -> None:
    """Replace activations and norms by passthroughs and max pools by window means, in place, keeping names."""
    replaced: dict[int, nn.Module] = {}  # a module shared by two parents gets one shared replacement

    def replacement(module: nn.Module) -> nn.Module | None:
        kind = type(module)
        if isinstance(module, _ACTIVATIONS):
            return _Passthrough(kind.__name__, inplace=bool(getattr(module, "inplace", False)))
        if isinstance(module, _NORMS) or _NORM_CLASS_NAME.fullmatch(kind.__name__):
            return _Passthrough(kind.__name__)
        dims = next((n for pool, n in _MAX_POOLS.items() if isinstance(module, pool)), None)
        return None if dims is None else _WindowMean(module, dims)

    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            if id(child) not in replaced:
                new = replacement(child)
                replaced[id(child)] = child if new is None else new
            if replaced[id(child)] is not child:
                setattr(parent, name, replaced[id(child)])


def _tensors(value: object) -> Iterator[Tensor]:
    if isinstance(value, Tensor):
        yield value
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _tensors(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _tensors(item)


def _first_tensor(args: tuple, kwargs: dict) -> Tensor | None:
    x = args[0] if args else kwargs.get("input", kwargs.get("self"))
    return x if isinstance(x, Tensor) else None


def _passthrough_function(func: Callable[..., object]) -> Callable[..., object]:
    """A handler that makes an elementwise function (an activation, a clamp, a dropout, a norm) the identity."""
    name = getattr(func, "__name__", "")
    try:
        parameters = list(inspect.signature(func).parameters)
    except (TypeError, ValueError):  # a builtin without a signature
        parameters = []
    position = parameters.index("inplace") if "inplace" in parameters else None

    def handler(args: tuple, kwargs: dict) -> object:
        x = _first_tensor(args, kwargs)
        if x is None or not x.is_floating_point():  # a clamp of indices is no activation
            return func(*args, **kwargs)
        inplace = (
            (name.endswith("_") and not name.startswith("__"))
            or bool(kwargs.get("inplace", False))
            or (position is not None and len(args) > position and bool(args[position]))
        )
        return x if inplace else x.clone()

    return handler


def _max_pool_function(func: Callable[..., object], dims: int) -> Callable[..., object]:
    """A handler that makes a functional max pool (max_pool2d, its _with_indices twin, torch.max_pool2d) a mean."""
    always_indices = "with_indices" in getattr(func, "__name__", "")
    max_pool = (F.max_pool1d, F.max_pool2d, F.max_pool3d)[dims - 1]

    def bind(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
        return input, kernel_size, stride, padding, dilation, ceil_mode, return_indices or always_indices

    def handler(args: tuple, kwargs: dict) -> object:
        x, *arguments = bind(*args, **kwargs)
        if not x.is_floating_point():
            return func(*args, **kwargs)
        return _max_pool_as_mean(max_pool, dims, x, *arguments)

    return handler


def _adaptive_max_pool_function(func: Callable[..., object], dims: int) -> Callable[..., object]:
    """A handler that makes an adaptive max pool the adaptive average pool over the same windows."""
    average = (F.adaptive_avg_pool1d, F.adaptive_avg_pool2d, F.adaptive_avg_pool3d)[dims - 1]

    def handler(args: tuple, kwargs: dict) -> object:
        x = _first_tensor(args, kwargs)
        if x is None or not x.is_floating_point():
            return func(*args, **kwargs)
        with torch.no_grad():  # the real pool: its errors, and its indices where it returns them
            reference = func(*args, **kwargs)
        values = average(x, args[1] if len(args) > 1 else kwargs["output_size"])
        return (values, reference[1]) if isinstance(reference, tuple) else values

    return handler


def _max_reduction_function(func: Callable[..., object]) -> Callable[..., object]:
    """A handler that makes max, min, amax and amin over dimensions a mean (a max's gradient picks one element)."""

    def handler(args: tuple, kwargs: dict) -> object:
        x = _first_tensor(args, kwargs)
        rest = args[1:]
        binary = any(isinstance(a, Tensor) for a in rest) or "other" in kwargs
        if x is None or binary or not x.is_floating_point():
            return func(*args, **kwargs)
        dim = kwargs.get("dim", rest[0] if rest else None)
        keepdim = bool(kwargs.get("keepdim", rest[1] if len(rest) > 1 else False))
        if dim is None or (not isinstance(dim, int) and len(dim) == 0):
            return x.mean(dim=None, keepdim=keepdim)
        means = x.mean(dim=dim, keepdim=keepdim)
        if func.__name__ not in ("max", "min"):
            return means
        with torch.no_grad():
            reference = func(*args, **kwargs)
        return type(reference)((means, reference[1]))  # torch.max(x, dim) → (values, indices)

    return handler


def _functions(owner: object, names: Sequence[str]) -> list[Callable[..., object]]:
    return [getattr(owner, name) for name in names if hasattr(owner, name)]


def _handlers() -> dict[object, Callable[[tuple, dict], object]]:
    passthrough_f = (
        "relu", "relu_", "relu6", "leaky_relu", "leaky_relu_", "prelu", "rrelu", "rrelu_", "elu", "elu_", "selu",
        "celu", "gelu", "silu", "mish", "hardswish", "hardsigmoid", "sigmoid", "tanh", "hardtanh", "hardtanh_",
        "softplus", "softsign", "logsigmoid", "threshold", "threshold_", "hardshrink", "softshrink", "tanhshrink",
        "dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout",
        "batch_norm", "instance_norm", "layer_norm", "group_norm", "local_response_norm", "rms_norm", "normalize",
    )  # fmt: skip
    passthrough_torch = (
        "relu", "relu_", "sigmoid", "sigmoid_", "tanh", "tanh_", "selu", "selu_", "celu", "celu_", "prelu", "rrelu",
        "rrelu_", "threshold", "threshold_", "hardshrink", "clamp", "clamp_", "clamp_min", "clamp_min_", "clamp_max",
        "clamp_max_", "clip", "clip_", "dropout", "dropout_", "alpha_dropout", "alpha_dropout_", "feature_dropout",
        "feature_dropout_", "feature_alpha_dropout", "feature_alpha_dropout_", "batch_norm", "instance_norm",
        "layer_norm", "group_norm", "rms_norm",
    )  # fmt: skip
    passthrough_tensor = (
        "relu", "relu_", "sigmoid", "sigmoid_", "tanh", "tanh_", "clamp", "clamp_", "clamp_min", "clamp_min_",
        "clamp_max", "clamp_max_", "clip", "clip_", "hardshrink",
    )  # fmt: skip
    handlers: dict[object, Callable[[tuple, dict], object]] = {}
    for func in [
        *_functions(F, passthrough_f),
        *_functions(torch, passthrough_torch),
        *_functions(Tensor, passthrough_tensor),
    ]:
        handlers[func] = _passthrough_function(func)
    for dims in (1, 2, 3):
        names = (f"max_pool{dims}d", f"max_pool{dims}d_with_indices")
        for func in [*_functions(F, names), *_functions(torch, names)]:
            handlers[func] = _max_pool_function(func, dims)
        names = (f"adaptive_max_pool{dims}d", f"adaptive_max_pool{dims}d_with_indices")
        for func in [*_functions(F, names), *_functions(torch, names)]:
            handlers[func] = _adaptive_max_pool_function(func, dims)
    reductions = ("max", "min", "amax", "amin")
    for func in [*_functions(torch, reductions), *_functions(Tensor, reductions)]:
        handlers[func] = _max_reduction_function(func)
    return handlers


_HANDLERS = _handlers()
_REDUCTIONS = frozenset(
    {"mean", "sum", "nansum", "nanmean", "amax", "amin", "max", "min", "std", "var", "std_mean", "var_mean",
     "logsumexp", "prod", "median", "nanmedian", "norm", "vector_norm", "aminmax"}
)  # fmt: skip
_POOL = re.compile(r"(avg|max|lp)_pool(\d)d(_with_indices)?")
_ADAPTIVE_POOL = re.compile(r"adaptive_(avg|max)_pool(\d)d(_with_indices)?")


def _is_global(value: object) -> bool:
    return isinstance(value, Tensor) and getattr(value, _GLOBAL, False)


def _collapses_space(func: Callable[..., object], args: tuple, kwargs: dict, out: object) -> bool:
    """Whether `func` made each output value depend on a whole spatial axis: a reduction over an axis ≥ 2 (the
    batch and channel axes are 0 and 1), an adaptive pool that shrinks, or a pool whose output is 1 × … × 1."""
    x = _first_tensor(args, kwargs)
    if x is None or x.ndim < 3:
        return False
    name = getattr(func, "__name__", "")
    if name in _REDUCTIONS:
        if any(isinstance(a, Tensor) for a in args[1:]) or "other" in kwargs:
            return False  # torch.max(x, y) is elementwise
        dim = kwargs.get("dim", kwargs.get("axis"))
        position = 2 if name in ("norm", "vector_norm") else 1
        if dim is None and len(args) > position and isinstance(args[position], int | list | tuple):
            dim = None if isinstance(args[position], bool) else args[position]
        dims = [dim] if isinstance(dim, int) else dim
        if not dims:  # None, () or []: every axis
            dims = list(range(x.ndim))
        return any(isinstance(d, int) and d % x.ndim >= 2 and x.shape[d] > 1 for d in dims)
    outputs = list(_tensors(out))
    if not outputs:
        return False
    pool = _ADAPTIVE_POOL.fullmatch(name) or _POOL.fullmatch(name)
    if pool is None:
        return False
    dims = int(pool.group(2))
    before, after = math.prod(x.shape[-dims:]), outputs[0].shape[-dims:]
    if pool.re is _ADAPTIVE_POOL:
        return math.prod(after) < before
    return before > 1 and all(n == 1 for n in after)


class _LinearFunctions(TorchFunctionMode):
    """While active: activations, norms and dropouts called as functions pass their input on, max pools average,
    and every tensor that depends on a whole spatial axis is marked global (and so is everything computed from it).

    A mode sees the outermost call only (`F.relu`, not the `torch.relu` inside it), so each spelling is handled:
    `F.relu`, `torch.relu`, `Tensor.relu`, their in-place forms and `F.relu(x, inplace=True)`.
    """

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        handler = _HANDLERS.get(func)
        out = func(*args, **kwargs) if handler is None else handler(args, kwargs)
        inputs = [t for t in _tensors((args, kwargs)) if t.requires_grad]
        if inputs and (any(_is_global(t) for t in inputs) or _collapses_space(func, args, kwargs, out)):
            targets = list(_tensors(out))
            if out is None and args and isinstance(args[0], Tensor):  # x[...] = y
                targets.append(args[0])
            for tensor in targets:
                if tensor.requires_grad:
                    setattr(tensor, _GLOBAL, True)
        return out


def _forward_linearly(self: nn.Module, *args: object, **kwargs: object) -> object:
    with _LinearFunctions():
        return self._receptive_field_probe_forward(*args, **kwargs)


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _detached_copy(model: nn.Module) -> nn.Module:
    """A deep copy on the CPU in float64 whose parameters need no gradient; the model's tensors are never shared,
    and never copied on their own device first (a CUDA model costs no GPU memory)."""
    try:
        memo: dict[int, object] = {}
        for tensor in itertools.chain(model.parameters(), model.buffers()):
            dtype = DTYPE if tensor.is_floating_point() else None
            clone = tensor.detach().to(device="cpu", dtype=dtype, copy=True)
            memo[id(tensor)] = nn.Parameter(clone, requires_grad=False) if isinstance(tensor, nn.Parameter) else clone
        duplicate = copy.deepcopy(model, memo)
        duplicate.to(device="cpu", dtype=DTYPE)
    except Exception as error:
        raise InspectError(f"the model cannot be copied for the probe: {_first_line(error)}") from error
    for parameter in duplicate.parameters():
        parameter.requires_grad_(False)
    return duplicate


def linearized_copy(model: nn.Module) -> nn.Module:
    """A deep copy of `model`, on the CPU in float64 and in eval mode, that is linear with positive weights.

    - Activation modules (ReLU, GELU, SiLU, Sigmoid, Hardtanh, …) and norm modules (BatchNorm, GroupNorm,
      LayerNorm, …) become passthroughs (`nn.Identity` subclasses). A norm is an affine map per channel in eval,
      but its scale can be negative, and GroupNorm/LayerNorm statistics mix positions; the analytic field counts
      neither.
    - Max pools become window means over the same windows (`_WindowMean`): a max's gradient goes to one element
      of a window, and with constant inputs every element ties.
    - The same, as functions called in a forward (`F.relu`, `torch.sigmoid`, `x.clamp(0, 6)`, `F.max_pool2d`,
      `F.batch_norm`, `F.dropout`, `x.amax((2, 3))`, …), while the copy's forward runs: it runs inside a
      `TorchFunctionMode` that maps them. A passthrough matters even where the input is positive: ReLU6 and
      Hardtanh have zero gradient above their ceiling, sigmoid and tanh saturate.
    - Every weight (any parameter not named `bias`) becomes 1/fan_in, fan_in = numel / shape[0] (1 for a vector);
      every bias becomes 0. Positive weights mean no two paths can cancel, so a derivative is nonzero exactly
      where a path exists; the user's values (signs, pruned zeros) play no part. Not all ones: with 1/fan_in each
      layer averages, activations stay near 1 and the edge of a gradient's support decays like 1/K per layer and
      axis, which float64 resolves for several hundred layers; with ones, values grow like fan_in per layer and
      overflow float64 within a ResNet-50.

    Fed a positive input (the probe feeds ones), every value in a network of convolutions, pools and additions is
    positive, so products such as a squeeze-and-excitation gate cannot cancel either. What this cannot see
    through: a subtraction or division of two input-dependent tensors, buffers with negative entries used as
    weights, `torch.no_grad` inside the forward, and code that does not go through torch functions (TorchScript).

    Call the copy itself: its forward is what runs inside the mode (a submodule called on its own is not).
    The model itself is not touched: not its parameters, buffers, dtype, device, training flags or hooks (the copy
    keeps the hooks, as part of the forward).
    """
    linear = _detached_copy(model)
    _linearize_modules(linear)
    with torch.no_grad():
        for name, parameter in linear.named_parameters():
            if not parameter.is_floating_point():
                continue
            if name.rsplit(".", 1)[-1] == "bias":
                parameter.zero_()
            elif parameter.ndim >= 2:
                parameter.fill_(1.0 / max(1, parameter.numel() // parameter.shape[0]))
            else:
                parameter.fill_(1.0)
    linear.eval()
    linear._receptive_field_probe_forward = linear.forward
    linear.forward = types.MethodType(_forward_linearly, linear)
    return linear


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
    store.append((output, _is_global(output)))
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
        raise InspectError(f"the model's forward failed on a {shape} input: {_first_line(error)}") from error
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
        raise InspectError(f"layer {name!r} returns a {type(output).__name__}, not a tensor")
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


def centre_index(output_size: int) -> int:
    """The index the probe uses along an output axis of `output_size` positions: (output_size − 1) // 2."""
    return (output_size - 1) // 2


def centre_unit_span(output_size: int, field: int, jump: int, start: float = 0.0) -> tuple[float, float]:
    """First and last input position (inclusive) of the analytic field of the probe's centre unit, on one axis.

    `field`, `jump` and `start` are the layer's analytic r, j and start in pixel-index coordinates: output unit i
    is centred on input position start + i·j (start = 0 at the input; then start_out = start_in +
    ((K − 1)/2·D − P)·j_in; 0 all the way through torchvision's ResNets). The field is centred there, r wide.
    When it lies within [0, size − 1], a complete probe measures exactly this span.
    """
    centre = start + centre_index(output_size) * jump
    half = (field - 1) / 2
    return centre - half, centre + half


def choose_probe_size(
    fields: Mapping[str, tuple[int, int, float]],
    output_size: Callable[[str, int], int] | None = None,
    *,
    margin: int = 1,
    limit: int = 8192,
) -> int:
    """The smallest input side at which the centre unit of every layer sees its whole analytic field in-image
    (with `margin` pixels to spare), so that `probe_receptive_field` measures every field whole.

    `fields` maps a layer to its analytic (r, j, start) along the axis (see `centre_unit_span`);
    `output_size(name, size)` is that layer's output length for an input of length `size`, from the caller's shape
    arithmetic. Without it, ceil(size / j) is assumed: true when every stride-s layer maps n to ceil(n / s), as
    with "same" padding, which covers torchvision's ResNets. `margin` is the number of pixels left free between
    the field and the border on each side. The default, 1, is the least at which the probe can tell that nothing
    is cut (a support that touches the border reads as clipped); behind a dilation that leaves holes of g − 1
    pixels it takes g, and more helps where a floor in some layer's output size drops edge pixels. Use the same
    side for H and W, or call once per axis. Raises InspectError when nothing up to `limit` fits.
    """

    def length(name: str, size: int) -> int:
        return output_size(name, size) if output_size is not None else -(-size // fields[name][1])

    smallest = max([1, *(r + 2 * margin for r, _, _ in fields.values())])
    for size in range(smallest, limit + 1):
        spans = (centre_unit_span(length(name, size), *fields[name]) for name in fields)
        if all(first >= margin and last <= size - 1 - margin for first, last in spans):
            return size
    raise InspectError(f"no input side up to {limit} holds every centre unit's field")


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
            elif isinstance(module, _NORMS) and hasattr(module, "reset_parameters"):
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
        duplicate = _detached_copy(model).eval()
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
