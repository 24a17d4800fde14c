"""A copy of any torch model made linear and positive, so that a gradient's support is exactly what a unit sees.

Activations and normalisations pass their input on, max pools become window means (as modules and as functions
called in a forward), every weight becomes 1/fan_in and every bias 0: see `linearized_copy`. While the copy runs,
a tensor computed from a pool or reduction over the whole map is marked global (`is_global`), and so is whatever is
computed from it. `receptive_field_probe` differentiates the copy.
"""

from __future__ import annotations

import inspect
import math
import re
import types
from collections.abc import Callable, Iterator, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.overrides import TorchFunctionMode

from .copying import copy_model

DTYPE = torch.float64

# --------------------------------------------------------------------------------------------------------------
# The linearized copy
# --------------------------------------------------------------------------------------------------------------

_ACTIVATION_NAMES = (
    "ReLU",
    "ReLU6",
    "LeakyReLU",
    "PReLU",
    "RReLU",
    "ELU",
    "SELU",
    "CELU",
    "GELU",
    "SiLU",
    "Mish",
    "Hardswish",
    "Hardsigmoid",
    "Sigmoid",
    "Tanh",
    "Hardtanh",
    "Softplus",
    "Softsign",
    "LogSigmoid",
    "Threshold",
    "Hardshrink",
    "Softshrink",
    "Tanhshrink",
)
_ACTIVATIONS = tuple(getattr(nn, name) for name in _ACTIVATION_NAMES if hasattr(nn, name))
NORMS = tuple(
    getattr(nn, name)
    for name in (
        "BatchNorm1d",
        "BatchNorm2d",
        "BatchNorm3d",
        "SyncBatchNorm",
        "InstanceNorm1d",
        "InstanceNorm2d",
        "InstanceNorm3d",
        "GroupNorm",
        "LayerNorm",
        "LocalResponseNorm",
        "RMSNorm",
    )
    if hasattr(nn, name)
)
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
        if isinstance(module, NORMS) or _NORM_CLASS_NAME.fullmatch(kind.__name__):
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
        "relu",
        "relu_",
        "relu6",
        "leaky_relu",
        "leaky_relu_",
        "prelu",
        "rrelu",
        "rrelu_",
        "elu",
        "elu_",
        "selu",
        "celu",
        "gelu",
        "silu",
        "mish",
        "hardswish",
        "hardsigmoid",
        "sigmoid",
        "tanh",
        "hardtanh",
        "hardtanh_",
        "softplus",
        "softsign",
        "logsigmoid",
        "threshold",
        "threshold_",
        "hardshrink",
        "softshrink",
        "tanhshrink",
        "dropout",
        "dropout1d",
        "dropout2d",
        "dropout3d",
        "alpha_dropout",
        "feature_alpha_dropout",
        "batch_norm",
        "instance_norm",
        "layer_norm",
        "group_norm",
        "local_response_norm",
        "rms_norm",
        "normalize",
    )
    passthrough_torch = (
        "relu",
        "relu_",
        "sigmoid",
        "sigmoid_",
        "tanh",
        "tanh_",
        "selu",
        "selu_",
        "celu",
        "celu_",
        "prelu",
        "rrelu",
        "rrelu_",
        "threshold",
        "threshold_",
        "hardshrink",
        "clamp",
        "clamp_",
        "clamp_min",
        "clamp_min_",
        "clamp_max",
        "clamp_max_",
        "clip",
        "clip_",
        "dropout",
        "dropout_",
        "alpha_dropout",
        "alpha_dropout_",
        "feature_dropout",
        "feature_dropout_",
        "feature_alpha_dropout",
        "feature_alpha_dropout_",
        "batch_norm",
        "instance_norm",
        "layer_norm",
        "group_norm",
        "rms_norm",
    )
    passthrough_tensor = (
        "relu",
        "relu_",
        "sigmoid",
        "sigmoid_",
        "tanh",
        "tanh_",
        "clamp",
        "clamp_",
        "clamp_min",
        "clamp_min_",
        "clamp_max",
        "clamp_max_",
        "clip",
        "clip_",
        "hardshrink",
    )
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
    {
        "mean",
        "sum",
        "nansum",
        "nanmean",
        "amax",
        "amin",
        "max",
        "min",
        "std",
        "var",
        "std_mean",
        "var_mean",
        "logsumexp",
        "prod",
        "median",
        "nanmedian",
        "norm",
        "vector_norm",
        "aminmax",
    }
)
_POOL = re.compile(r"(avg|max|lp)_pool(\d)d(_with_indices)?")
_ADAPTIVE_POOL = re.compile(r"adaptive_(avg|max)_pool(\d)d(_with_indices)?")


def is_global(value: object) -> bool:
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
        if inputs and (any(is_global(t) for t in inputs) or _collapses_space(func, args, kwargs, out)):
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
    linear = copy_model(model, "cpu", dtype=DTYPE, values=True, grad=False, what="the probe")
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
