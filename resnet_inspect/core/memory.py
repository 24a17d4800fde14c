"""Memory and arithmetic intensity, from the trace alone: bytes per layer, the inference peak, training storage.

- Bytes moved by a layer: its weights, the inputs it reads and the output it writes, at `dtype`.
  Arithmetic intensity = MACs ÷ bytes moved.
- Peak inference memory: the largest set of activation tensors alive at once along the residual graph
  (a block's input stays alive until its shortcut has used it). Every layer's output is a new tensor except
  an in-place ReLU's, which overwrites its input; a tensor is freed after its last reader.
- Training storage: what autograd keeps for the backward pass, by PyTorch's own rules: a conv, batch norm,
  linear or pooling layer keeps its input; an in-place ReLU keeps its output (the same storage as its input);
  max pool also keeps int64 indices; batch norm keeps its per-channel mean and inverse std (float32);
  the residual add and the global average pool keep nothing. Each storage is counted once.

No torch here; the tests hold the training number to what `torch.autograd.graph.saved_tensors_hooks`
sees, and (on CUDA) the inference peak to `torch.cuda.max_memory_allocated`.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod

from .errors import InspectError
from .ops import KINDS
from .shapes import INPUT, Trace

DTYPE_BYTES = {"float32": 4, "float16": 2, "bfloat16": 2, "float64": 8, "int8": 1}
DTYPE_ALIASES = {
    "fp32": "float32",
    "float": "float32",
    "fp16": "float16",
    "half": "float16",
    "bf16": "bfloat16",
    "fp64": "float64",
    "double": "float64",
}


def canonical_dtype(dtype: str) -> str:
    """`fp16`, `half` → `float16`: the dtype's torch name, or an error naming the valid ones."""
    name = DTYPE_ALIASES.get(str(dtype).lower(), str(dtype).lower())
    if name not in DTYPE_BYTES:
        valid = ", ".join([*DTYPE_BYTES, *DTYPE_ALIASES])
        raise InspectError(f"dtype {dtype!r} is not valid; use one of {valid}")
    return name


def dtype_bytes(dtype: str) -> int:
    return DTYPE_BYTES[canonical_dtype(dtype)]


@dataclass(frozen=True)
class LayerMemory:
    name: str
    stage: str
    kind: str
    weight_bytes: int
    input_bytes: int  # read
    output_bytes: int  # written
    macs_conv_linear: int

    @property
    def bytes_moved(self) -> int:
        return self.weight_bytes + self.input_bytes + self.output_bytes

    @property
    def intensity(self) -> float:
        """MACs per byte moved."""
        return self.macs_conv_linear / self.bytes_moved if self.bytes_moved else 0.0


def _shapes(trace: Trace) -> dict[str, tuple[int, ...]]:
    return {INPUT: trace.input_shape, **{layer.name: layer.out_shape for layer in trace.layers}}


def layer_memory(trace: Trace, dtype: str = "float32") -> list[LayerMemory]:
    size = dtype_bytes(dtype)
    shapes = _shapes(trace)
    return [
        LayerMemory(
            layer.name,
            layer.stage,
            layer.kind,
            layer.params * size,
            sum(prod(shapes[i]) for i in layer.inputs) * size,
            0 if KINDS[layer.kind].in_place else prod(layer.out_shape) * size,  # in place: no new tensor
            layer.macs_conv_linear,
        )
        for layer in trace.layers
    ]


def _storage(trace: Trace) -> dict[str, str]:
    """Layer name → the name of the layer whose allocation holds its output (in-place ReLUs share it)."""
    owner = {INPUT: INPUT}
    for layer in trace.layers:
        owner[layer.name] = owner[layer.inputs[0]] if KINDS[layer.kind].in_place else layer.name
    return owner


@dataclass(frozen=True)
class Peak:
    bytes: int
    at: str  # the layer running when the live set is largest
    live: tuple[str, ...]  # the storages alive then, by the layer that allocated them


def peak_inference(trace: Trace, dtype: str = "float32", *, include_input: bool = True) -> Peak:
    """The largest set of activations alive at once in a forward pass (weights excluded).

    `include_input=False` leaves the input out, as a measurement does whose baseline already holds it.
    """
    size = dtype_bytes(dtype)
    owner = _storage(trace)
    shapes = _shapes(trace)
    last_use: dict[str, int] = {}
    for i, layer in enumerate(trace.layers):
        for source in layer.inputs:
            last_use[owner[source]] = i
        last_use.setdefault(owner[layer.name], i)
    last_use[owner[trace.layers[-1].name]] = len(trace.layers)  # the result outlives the pass
    allocated_at = {INPUT: -1, **{layer.name: i for i, layer in enumerate(trace.layers)}}
    # Each storage is alive from its allocation to its last reader: add its bytes over that span with a
    # difference array, so a network of thousands of blocks costs one pass, not one pass per layer.
    n = len(trace.layers)
    spans = {
        s: (max(allocated_at[s], 0), min(last_use.get(s, -1), n - 1))
        for s in set(owner.values())
        if include_input or s != INPUT
    }
    change = [0] * (n + 1)
    for s, (first, last) in spans.items():
        if first <= last:
            change[first] += prod(shapes[s])
            change[last + 1] -= prod(shapes[s])
    best_at, best_total, total = -1, 0, 0
    for i in range(n):
        total += change[i]
        if total > best_total:
            best_at, best_total = i, total
    if best_at < 0:
        return Peak(0, "", ())
    live = sorted(s for s, (first, last) in spans.items() if first <= best_at <= last)
    return Peak(best_total * size, trace.layers[best_at].name, tuple(live))


def training_storage(trace: Trace, dtype: str = "float32") -> int:
    """Bytes of activations autograd keeps for the backward pass (weights excluded)."""
    size = dtype_bytes(dtype)
    owner = _storage(trace)
    shapes = _shapes(trace)
    kept: set[str] = set()
    extra = 0
    for layer in trace.layers:
        rule = KINDS[layer.kind]
        if rule.saved == "input":
            kept.add(owner[layer.inputs[0]])
        elif rule.saved == "inputs":
            kept.update(owner[source] for source in layer.inputs)
        elif rule.saved == "output":
            kept.add(owner[layer.name])
        extra += rule.extra_saved_bytes(layer.op, layer.out_shape)
    return sum(prod(shapes[s]) for s in kept) * size + extra


def activation_bytes(trace: Trace, dtype: str = "float32") -> int:
    """Every layer output that allocates a tensor (an in-place ReLU writes over its input), summed."""
    return sum(m.output_bytes for m in layer_memory(trace, dtype))
