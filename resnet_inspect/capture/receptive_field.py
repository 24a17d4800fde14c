"""The receptive field of every op of a captured graph, by the same recurrence as a planned network's.

`core.receptive_field` gives the rule for a window (conv, pool) and for paths that meet (the union). Here the ops
are aten ops as the capture saw them, so a few more are read: a slice that subsamples an axis (`x[:, :, ::2]`,
an option-A shortcut) is a 1×1 window of that stride starting at the slice's start; a spatial zero-pad moves the
first centre; a flatten, a linear layer and a pool over the whole map make the field global. An op whose effect
on positions is not known (an interpolation, an attention) leaves every field after it unknown (None), never
guessed.
"""

from __future__ import annotations

from ..core.receptive_field import INPUT_FIELD, Field
from .graph import INPUT, Graph, Node

# Ops that keep every position where it is (per element, per channel, or combining aligned maps).
_IN_PLACE = ("bn", "gn", "ln", "relu", "act", "sigmoid", "add", "mul", "cat", "bias")


def _union(fields: list[Field]) -> Field | None:
    first = fields[0]
    h, w = first.h, first.w
    try:
        for other in fields[1:]:
            h, w = h.union(other.h), w.union(other.w)
    except ValueError:  # maps of different resolutions meet: no single field
        return None
    return Field(h, w, any(f.is_global for f in fields))


def _window(field: Field, node: Node) -> Field:
    a = node.attrs
    kernel, stride, padding = a["kernel"], a["stride"], a["padding"]
    dilation = a.get("dilation", (1, 1))
    return Field(
        field.h.window(kernel[0], stride[0], padding[0], dilation[0]),
        field.w.window(kernel[1], stride[1], padding[1], dilation[1]),
        field.is_global,
    )


def _step(node: Node, incoming: list[Field]) -> Field | None:
    field = _union(incoming)
    if field is None:
        return None
    kind, a = node.kind, node.attrs
    if len(node.out_shape) < 4 or kind in ("avgpool", "mean", "linear"):
        return Field(field.h, field.w, True)  # flattened, pooled over the whole map or read whole by a linear layer
    if kind in ("conv", "maxpool", "downpool"):
        return _window(field, node)
    if kind == "slice":
        step, start, dim = a.get("step", 1), a.get("start") or 0, a.get("dim", 0)
        if dim in (2, 3, -1, -2) and isinstance(start, int) and start >= 0:
            axis = field.h if dim in (2, -2) else field.w
            moved = axis.window(1, step, -start, 1)
            return Field(moved, field.w, field.is_global) if dim in (2, -2) else Field(field.h, moved, field.is_global)
        return field if dim in (0, 1) else None
    if kind == "pad":
        pad = (*a.get("pad", ()), 0, 0, 0, 0)
        if pad[0] != pad[1] or pad[2] != pad[3] or min(pad[:4]) < 0:
            return None  # an uneven pad's centre is not the window rule's; not guessed
        return Field(field.h.window(1, 1, pad[2], 1), field.w.window(1, 1, pad[0], 1), field.is_global)
    if kind in _IN_PLACE or kind == "view":
        return field
    return None


def graph_fields(graph: Graph) -> dict[int, Field | None]:
    """Every node's receptive field, by node index (None where an op's effect on positions is unknown)."""
    fields: dict[int, Field | None] = {INPUT: INPUT_FIELD}
    for node in graph.nodes:
        incoming = [fields.get(i) for i in node.inputs]
        if not incoming or any(f is None for f in incoming):
            fields[node.index] = None
            continue
        fields[node.index] = _step(node, incoming)  # type: ignore[arg-type]
    del fields[INPUT]
    return fields
