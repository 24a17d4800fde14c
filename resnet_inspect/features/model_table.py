"""The table for any `nn.Module`: every op a forward runs, with its shapes, parameters and multiply-adds.

`analyze_model(model, size)` captures one forward of a copy of the model (`capture.graph`: functional ops and
residual adds included, the user's object untouched) and counts each op by the rule its kind states in
`core.ops.KINDS` (fvcore's rules). Ops of a kind the table has no rule for are listed by name, never counted
as zero in silence. When the structure is ResNet-like (`capture.structure`) rows are grouped into stem, stages
and head; otherwise the table is flat. A windowed op's output size is recomputed by the one formula,
`core.ops.conv_output_size`, and each row says whether the model agreed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..capture.graph import Graph, Node, macs_of
from ..capture.structure import Structure
from ..core.errors import InspectError
from ..core.ops import KINDS, Op, conv_output_size
from ..core.shapes import shape_text
from ..core.spec import parse_size

# The op table's kind for each captured kind it has a rule for.
_RULE: dict[str, str] = {"conv": "conv", "bn": "bn", "relu": "relu", "sigmoid": "sigmoid", "maxpool": "maxpool",
                         "downpool": "downpool", "avgpool": "avgpool", "mean": "mean", "pad": "pad", "add": "add",
                         "mul": "mul", "linear": "linear", "view": "flatten"}  # fmt: skip
SHOWN = ("conv", "bn", "gn", "ln", "relu", "act", "sigmoid", "maxpool", "downpool", "avgpool", "mean", "pad", "cat",
         "add", "mul", "linear", "other", "bias")  # fmt: skip


@dataclass(frozen=True)
class ModelRow:
    name: str  # the module that ran it, and the op when a module runs several
    op: str  # words: "conv 3×3 /2 p1", "add", "GroupNorm(32)"
    stage: str | None  # stem, layer1…, head; None when the model is not ResNet-like
    block: str | None
    in_shape: tuple[int, ...]
    out_shape: tuple[int, ...]
    params: int  # parameters first read by this op (a shared parameter counts once)
    macs_conv_linear: int  # the paper's convention
    macs: int | None  # fvcore's rule for its kind; None: no rule (listed, not counted)
    formula_ok: bool | None  # a windowed op's output size against the formula; None where there is none


@dataclass(frozen=True)
class ModelAnalysis:
    input_shape: tuple[int, ...]
    rows: tuple[ModelRow, ...]
    params_total: int  # sum(p.numel()) over the model's parameters
    structure: Structure
    probe: str
    dtype: str

    @property
    def params(self) -> int:
        return sum(r.params for r in self.rows)

    @property
    def macs(self) -> int:
        return sum(r.macs_conv_linear for r in self.rows)

    @property
    def macs_fvcore(self) -> int:
        return sum(r.macs or 0 for r in self.rows)

    @property
    def uncounted(self) -> tuple[str, ...]:
        """Ops of a kind with no counting rule, by name (`native_group_norm in layer1.0.bn1`)."""
        return tuple(f"{r.op} in {r.name}" for r in self.rows if r.macs is None)

    @property
    def unused_params(self) -> int:
        """Parameters no op of the forward read."""
        return self.params_total - self.params

    @property
    def resnet_like(self) -> bool:
        return self.structure.residual

    @property
    def problems(self) -> tuple[str, ...]:
        return tuple(f"{r.name}: output {shape_text(r.out_shape[1:])} is not what the formula gives"
                     for r in self.rows if r.formula_ok is False)  # fmt: skip


def analyze_model(model: Any, size: int | str | tuple[int, int] | None = None, *, batch: int = 1,
                  in_channels: int | None = None) -> ModelAnalysis:  # fmt: skip
    """Shapes, parameters and MACs of every op of `model` at `size` (224 by default), batch `batch`."""
    import torch.nn as nn

    from ..capture.graph import capture, input_channels
    from ..capture.structure import recover

    if not isinstance(model, nn.Module):
        raise InspectError(f"model is a {type(model).__name__}, not a torch.nn.Module")
    if batch < 1:
        raise InspectError(f"batch {batch} is not valid; it must be ≥ 1")
    height, width = parse_size(224 if size is None else size)
    channels = in_channels or input_channels(model)
    graph = capture(model, (1, channels, height, width))
    structure = recover(graph)
    rows = _rows(graph, structure, batch)
    return ModelAnalysis((batch, channels, height, width), rows, sum(graph.param_names.values()), structure,
                         graph.probe, graph.dtype)  # fmt: skip


def _places(structure: Structure) -> dict[int, tuple[str, str]]:
    """Graph node → (stage, block) from the recovered structure."""
    places: dict[int, tuple[str, str]] = {}
    if not structure.residual:
        return places
    for x in structure.stem:
        places[x.index] = ("stem", "stem")
    for b in structure.blocks:
        stage = f"layer{b.stage + 1}"
        for x in (*b.main, *b.shortcut, *b.attention, *b.after_add):
            places[x.index] = (stage, b.where)
        for i in (b.add_index, *b.shortcut_nodes):
            places[i] = (stage, b.where)
    for x in (*structure.tail, *structure.head):
        places[x.index] = ("head", "head")
    return places


def _rows(graph: Graph, structure: Structure, batch: int) -> tuple[ModelRow, ...]:
    places = _places(structure)
    read: set[str] = set()
    rows = []
    per_module: dict[str, int] = {}
    for node in graph.nodes:
        if node.kind not in SHOWN and not (node.kind == "view" and _flattens(node)):
            continue
        per_module[node.module] = per_module.get(node.module, 0) + 1
    seen_in_module: dict[str, int] = {}
    stage, block = ("stem", "stem") if structure.residual else (None, None)
    for node in graph.nodes:
        fresh = [p for p in node.params if p in graph.param_names and p not in read]
        read.update(fresh)
        shown = node.kind in SHOWN or (node.kind == "view" and _flattens(node))
        if not shown and not fresh:
            continue
        if node.index in places:
            stage, block = places[node.index]
        elif structure.residual and node.index > max(places, default=-1):
            stage, block = "head", "head"
        seen_in_module[node.module] = seen_in_module.get(node.module, 0) + 1
        name = node.module or "(model)"
        if per_module.get(node.module, 0) > 1:
            name = f"{name} ({node.aten})"
        in_shape, out_shape = _batched(node.in_shape, batch), _batched(node.out_shape, batch)
        rule = _rule_of(node)
        macs = None
        if rule is not None:
            macs = KINDS[rule.kind].count_fvcore(rule, in_shape, out_shape)
        rows.append(ModelRow(name, _words(node), stage, block, in_shape, out_shape,
                             sum(graph.param_names[p] for p in fresh), macs_of(node) * batch, macs,
                             _formula_ok(node)))  # fmt: skip
    return tuple(rows)


def _batched(shape: tuple[int, ...], batch: int) -> tuple[int, ...]:
    return (batch, *shape[1:]) if shape else shape


def _flattens(node: Node) -> bool:
    return len(node.in_shape) == 4 and len(node.out_shape) == 2


def _rule_of(node: Node) -> Op | None:
    """The op table's op for a captured node, when the table has a rule for its kind (square windows)."""
    kind = _RULE.get(node.kind)
    if kind is None or (kind == "flatten" and not _flattens(node)):
        return None
    a = node.attrs
    cin = node.in_shape[1] if len(node.in_shape) > 1 else 0
    cout = node.out_shape[1] if len(node.out_shape) > 1 else 0
    if kind == "conv":
        if a["kernel"][0] != a["kernel"][1]:
            return None
        return Op(node.module, "conv", a["in_channels"], a["out_channels"], a["kernel"][0], a["stride"][0],
                  a["padding"][0], a["dilation"][0], a["groups"], a["bias"])  # fmt: skip
    if kind in ("maxpool", "downpool"):
        if a["kernel"][0] != a["kernel"][1]:
            return None
        return Op(node.module, kind, cin, cout, a["kernel"][0], a["stride"][0], a["padding"][0],
                  ceil_mode=a.get("ceil_mode", False))  # fmt: skip
    if kind == "avgpool" and a.get("output_size") != (1, 1):
        return None
    if kind == "linear":
        return Op(node.module, "linear", node.in_shape[-1], node.out_shape[-1], bias=node.aten == "addmm")
    if kind in ("add", "mul") and len(node.in_shapes) != 2:
        return None
    return Op(node.module, kind, cin, cout)


def _words(node: Node) -> str:
    a = node.attrs
    if node.kind in ("conv", "maxpool", "downpool"):
        k, s = a["kernel"], a["stride"]
        p, d = a["padding"], a.get("dilation", (1, 1))
        word = {"conv": "conv", "maxpool": "max pool", "downpool": "avg pool"}[node.kind]
        text = f"{word} {k[0]}×{k[1]}" + (f" /{s[0]}" if s[0] != 1 else "") + (f" p{p[0]}" if p[0] else "")
        text += (f" d{d[0]}" if d[0] != 1 else "") + (f" g{a['groups']}" if a.get("groups", 1) != 1 else "")
        return text + (" ceil" if a.get("ceil_mode") else "")
    if node.kind == "gn":
        return f"group norm ({a.get('groups')})"
    if node.kind == "act":
        return a.get("name", node.aten)
    if node.kind == "view":
        return "flatten"
    if node.kind in _RULE:
        return KINDS[_RULE[node.kind]].words
    return node.aten


def _formula_ok(node: Node) -> bool | None:
    if node.kind not in ("conv", "maxpool", "downpool") or len(node.in_shape) != 4:
        return None
    a = node.attrs
    try:
        expected = tuple(
            conv_output_size(node.in_shape[2 + i], a["kernel"][i], a["stride"][i], a["padding"][i],
                             dilation=a.get("dilation", (1, 1))[i], ceil_mode=a.get("ceil_mode", False))
            for i in (0, 1)
        )  # fmt: skip
    except InspectError:
        return False
    return expected == tuple(node.out_shape[2:])


def model_table_records(analysis: ModelAnalysis, level: str = "layer") -> list[dict[str, Any]]:
    """Flat records (JSON, CSV, Markdown): one per op, or summed per block or stage."""
    if level == "layer" or not analysis.resnet_like:
        return [{"name": r.name, "op": r.op, "stage": r.stage, "block": r.block,
                 "input": shape_text(r.in_shape[1:]), "output": shape_text(r.out_shape[1:]), "params": r.params,
                 "macs_conv_linear": r.macs_conv_linear, "macs_fvcore": r.macs,
                 "formula": {True: "✓", False: "✗", None: ""}[r.formula_ok]} for r in analysis.rows]  # fmt: skip
    groups: dict[str, dict[str, Any]] = {}
    for r in analysis.rows:
        key = r.stage if level == "stage" else r.block
        g = groups.setdefault(key, {"name": key, "output": "", "params": 0, "macs_conv_linear": 0, "macs_fvcore": 0})
        g["output"] = shape_text(r.out_shape[1:])
        g["params"] += r.params
        g["macs_conv_linear"] += r.macs_conv_linear
        g["macs_fvcore"] += r.macs or 0
    return list(groups.values())


def model_summary(analysis: ModelAnalysis) -> dict[str, Any]:
    return {
        "input": shape_text(analysis.input_shape),
        "run": analysis.probe,
        "dtype": analysis.dtype,
        "resnet_like": analysis.resnet_like,
        "layers": list(analysis.structure.layers),
        "params": analysis.params_total,
        "params_read_by_the_forward": analysis.params,
        "macs_conv_linear": analysis.macs,
        "macs_fvcore": analysis.macs_fvcore,
        "not_counted": list(analysis.uncounted),
        "problems": list(analysis.problems),
    }
