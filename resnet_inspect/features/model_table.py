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
from math import prod
from typing import Any

from ..capture.graph import Graph, Node, macs_of
from ..capture.receptive_field import graph_fields
from ..capture.structure import Structure
from ..core.errors import InspectError
from ..core.memory import dtype_bytes
from ..core.ops import KINDS, Op, conv_output_size
from ..core.receptive_field import Field
from ..core.shapes import shape_text
from ..core.spec import parse_size
from ..core.words import share, with_article
from ..records import Line, Result, Section
from ..records.vocabulary import MACS_NOTE, GroupRecord, LayerRecord, Level, TableDocument, TotalsRecord
from .receptive_field import field_record

# The op table's kind for each captured kind it has a rule for.
_RULE: dict[str, str] = {
    "conv": "conv",
    "bn": "bn",
    "relu": "relu",
    "sigmoid": "sigmoid",
    "maxpool": "maxpool",
    "downpool": "downpool",
    "avgpool": "avgpool",
    "mean": "mean",
    "pad": "pad",
    "add": "add",
    "mul": "mul",
    "linear": "linear",
    "view": "flatten",
}
SHOWN = (
    "conv",
    "bn",
    "gn",
    "ln",
    "relu",
    "act",
    "sigmoid",
    "maxpool",
    "downpool",
    "avgpool",
    "mean",
    "pad",
    "cat",
    "add",
    "mul",
    "linear",
    "other",
    "bias",
)


@dataclass(frozen=True)
class ModelRow:
    name: str  # the module that ran it, and the op when a module runs several
    op: str  # words: "conv 3×3 /2 p1", "add", "GroupNorm(32)"
    kind: str  # what the capture calls it: conv, bn, relu, add, linear, view, …
    stage: str | None  # stem, layer1…, head; None when the model is not ResNet-like
    block: str | None
    in_shape: tuple[int, ...]
    out_shape: tuple[int, ...]
    params: int  # parameters first read by this op (a shared parameter counts once)
    macs_conv_linear: int  # the paper's convention
    macs_fvcore: int | None  # fvcore's rule for its kind; None: no rule (listed, not counted)
    formula_ok: bool | None  # a windowed op's output size against the formula; None where there is none
    window: dict[str, Any]  # kernel, stride, padding, dilation, groups of a windowed op (empty otherwise)
    field: Field | None  # its receptive field; None where an op's effect on positions is unknown

    @property
    def verified(self) -> bool:
        return self.formula_ok is not False


@dataclass(frozen=True)
class ModelAnalysis(Result):
    """The table of any model: its ops as rows, the same records and document as `table` of a named network."""

    name: str  # the model as the user named it (`file.py:factory`), or its class
    input_shape: tuple[int, ...]
    rows: tuple[ModelRow, ...]
    params_total: int  # sum(p.numel()) over the model's parameters
    frozen_params: int  # those with requires_grad off
    structure: Structure
    probe: str
    dtype: str

    @property
    def params(self) -> int:
        """Parameters some op of the forward read (what the rows add up to)."""
        return sum(r.params for r in self.rows)

    @property
    def macs_conv_linear(self) -> int:
        return sum(r.macs_conv_linear for r in self.rows)

    @property
    def macs_fvcore(self) -> int:
        return sum(r.macs_fvcore or 0 for r in self.rows)

    @property
    def uncounted(self) -> tuple[str, ...]:
        """Ops of a kind with no counting rule, by name (`native_group_norm in layer1.0.bn1`)."""
        return tuple(f"{r.op} in {r.name}" for r in self.rows if r.macs_fvcore is None)

    @property
    def unused_params(self) -> int:
        """Parameters no op of the forward read."""
        return self.params_total - self.params

    @property
    def resnet_like(self) -> bool:
        return self.structure.residual

    @property
    def problems(self) -> tuple[str, ...]:
        return tuple(
            f"{r.name}: output {shape_text(r.out_shape[1:])} is not what the formula gives"
            for r in self.rows
            if r.formula_ok is False
        )

    @property
    def verified(self) -> bool:
        return not self.problems

    @property
    def failures(self) -> tuple[str, ...]:
        if not self.problems:
            return ()
        return (f"{len(self.problems)} outputs disagree with the formula (first: {self.problems[0]})",)

    # ------------------------------------------------------------------------------------------ records

    def _shares(self, params: int, macs_conv_linear: int, macs_fvcore: int | None) -> dict[str, float | None]:
        return {
            "params_share": round(share(params, self.params), 6),
            "macs_share_conv_linear": round(share(macs_conv_linear, self.macs_conv_linear), 6),
            "macs_share_fvcore": None if macs_fvcore is None else round(share(macs_fvcore, self.macs_fvcore), 6),
        }

    def grouped(self, level: Level | str) -> list[tuple[str, str, list[ModelRow]]]:
        """(name, stage, rows) per block or stage; empty for a model that is not ResNet-like."""
        if not self.resnet_like:
            return []
        groups: dict[str, list[ModelRow]] = {}
        for r in self.rows:
            groups.setdefault(r.stage if Level(level) is Level.stage else r.block, []).append(r)
        return [(name, members[0].stage, members) for name, members in groups.items()]

    def records(
        self, level: Level | str = Level.layer, *, flops: bool = False, memory: str | None = None
    ) -> list[LayerRecord] | list[GroupRecord]:
        """One record per op (`level` layer, or any level for a model that is not ResNet-like), block or stage;
        `memory`: a dtype, for the bytes each row moves."""
        if Level(level) is Level.layer or not self.resnet_like:
            return [self._layer_record(r, flops, memory) for r in self.rows]
        return [
            self._group_record(name, stage, members, level, flops, memory)
            for name, stage, members in self.grouped(level)
        ]

    def _layer_record(self, r: ModelRow, flops: bool, memory: str | None) -> LayerRecord:
        w = r.window
        extra = {}
        if memory is not None:
            itemsize = dtype_bytes(memory)
            weights, read, written = r.params * itemsize, prod(r.in_shape) * itemsize, prod(r.out_shape) * itemsize
            moved = weights + read + written
            extra = {
                "weight_bytes": weights,
                "input_bytes": read,
                "output_bytes": written,
                "bytes_moved": moved,
                "macs_conv_linear_per_byte": round(r.macs_conv_linear / moved, 4) if moved else 0.0,
            }
        return LayerRecord(
            name=r.name,
            stage=r.stage,
            block=r.block,
            kind=r.kind,
            op=r.op,
            kernel=w.get("kernel"),
            stride=w.get("stride"),
            padding=w.get("padding"),
            dilation=w.get("dilation"),
            groups=w.get("groups", 1),
            in_shape=r.in_shape,
            out_shape=r.out_shape,
            out_elements=prod(r.out_shape),
            out_size_expr=None,
            params=r.params,
            macs_conv_linear=r.macs_conv_linear,
            macs_fvcore=r.macs_fvcore,
            **self._shares(r.params, r.macs_conv_linear, r.macs_fvcore),
            **_flops(flops, r),
            verified=r.verified,
            **(field_record(r.field) if r.field is not None else _NO_FIELD),
            **extra,
        )

    def _group_record(
        self, name: str, stage: str, members: list[ModelRow], level: Level | str, flops: bool, memory: str | None
    ) -> GroupRecord:
        params = sum(r.params for r in members)
        cl = sum(r.macs_conv_linear for r in members)
        fv = sum(r.macs_fvcore or 0 for r in members)
        extra = {}
        if memory is not None:
            moved = sum(self._layer_record(r, False, memory).bytes_moved for r in members)
            extra = {"bytes_moved": moved, "macs_conv_linear_per_byte": round(cl / moved, 4) if moved else 0.0}
        last = members[-1]
        return GroupRecord(
            name=name,
            stage=stage,
            op=self._group_words(name, stage, members, level),
            in_shape=members[0].in_shape,
            out_shape=last.out_shape,
            params=params,
            macs_conv_linear=cl,
            macs_fvcore=fv,
            **self._shares(params, cl, fv),
            **({"flops_conv_linear": 2 * cl, "flops_fvcore": 2 * fv} if flops else {}),
            verified=all(r.verified for r in members),
            **(field_record(last.field) if last.field is not None else _NO_FIELD),
            out_size_expr=None,
            **extra,
        )

    def _group_words(self, name: str, stage: str, members: list[ModelRow], level: Level | str) -> str:
        if stage in ("stem", "head"):
            return ", ".join(dict.fromkeys(r.op.split(" ")[0] for r in members))
        blocks = [b for b in self.structure.blocks if (b.where == name or f"layer{b.stage + 1}" == name)]
        kinds = list(dict.fromkeys(b.block_type for b in blocks))
        words = "/".join(("pre-act " if self.structure.order == "pre" else "") + k for k in kinds)
        return f"{len(blocks)} × {words}" if Level(level) is Level.stage else words

    def totals(self, *, flops: bool = False) -> TotalsRecord:
        cl, fv = self.macs_conv_linear, self.macs_fvcore
        return TotalsRecord(
            params=self.params,
            model_params=self.params_total,
            trainable_params=self.params_total - self.frozen_params,
            frozen_params=self.frozen_params,
            macs_conv_linear=cl,
            macs_fvcore=fv,
            **({"flops_conv_linear": 2 * cl, "flops_fvcore": 2 * fv} if flops else {}),
            verified=self.verified,
        )

    def document(self, *, flops: bool = False, memory: str | None = None) -> TableDocument:
        return TableDocument(
            arch=self.name,
            input=self.input_shape,
            spec=None,
            units=MACS_NOTE,
            layers=self.records(Level.layer, flops=flops, memory=memory),
            blocks=self.records(Level.block, flops=flops) if self.resnet_like else [],
            stages=self.records(Level.stage, flops=flops) if self.resnet_like else [],
            totals=self.totals(flops=flops),
            problems=list(self.problems),
            run=self.probe,
            dtype=self.dtype,
            resnet_like=self.resnet_like,
            params_read_by_the_forward=self.params,
            not_counted=list(self.uncounted),
        )

    def sections(self) -> list[Section]:
        columns = ["name", "op", "out_shape", "params", "macs_conv_linear", "macs_fvcore", "verified"]
        level = Level.stage if self.resnet_like else Level.layer
        return [
            Section(
                f"{self.name} at {shape_text(self.input_shape)}",
                self.records(level),
                columns,
                [Line(f"Run: {self.probe}, {self.dtype}, on a copy of your model (yours is not touched)", "note")],
            )
        ]

    def __repr__(self) -> str:
        layout = "+".join(map(str, self.structure.layers)) + " blocks" if self.resnet_like else "not ResNet-like"
        return (
            f"<ModelAnalysis of {self.name} at input {shape_text(self.input_shape)}: {len(self.rows)} ops, "
            f"{layout}; params {self.params_total:,}; MACs {self.macs_conv_linear:,} conv + linear, "
            f"{self.macs_fvcore:,} fvcore>"
        )


_NO_FIELD = {"receptive_field": None, "jump": None, "rf_start": None, "rf_global": None}


def _flops(flops: bool, r: ModelRow) -> dict[str, int | None]:
    if not flops:
        return {}
    return {
        "flops_conv_linear": 2 * r.macs_conv_linear,
        "flops_fvcore": None if r.macs_fvcore is None else 2 * r.macs_fvcore,
    }


def analyze_model(
    model: Any,
    size: int | str | tuple[int, int] | None = None,
    *,
    batch: int = 1,
    in_channels: int | None = None,
    name: str | None = None,
) -> ModelAnalysis:
    """Shapes, parameters and MACs of every op of `model` at `size` (224 by default), batch `batch`."""
    import torch.nn as nn

    from ..capture.graph import capture, input_channels
    from ..capture.structure import recover

    if not isinstance(model, nn.Module):
        raise InspectError(f"model is {with_article(type(model).__name__)}, not a torch.nn.Module")
    if batch < 1:
        raise InspectError(f"batch {batch} is not valid; it must be ≥ 1")
    height, width = parse_size(224 if size is None else size)
    channels = in_channels or input_channels(model)
    graph = capture(model, (1, channels, height, width))
    structure = recover(graph)
    rows = _rows(graph, structure, batch)
    frozen = sum(p.numel() for p in model.parameters() if not p.requires_grad)
    return ModelAnalysis(
        name or type(model).__name__,
        (batch, channels, height, width),
        rows,
        sum(graph.param_names.values()),
        frozen,
        structure,
        graph.probe,
        graph.dtype,
    )


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
    fields = graph_fields(graph)
    first_reads = graph.first_reads()
    rows = []
    per_module: dict[str, int] = {}
    for node in graph.nodes:
        if node.kind not in SHOWN and not (node.kind == "view" and _flattens(node)):
            continue
        per_module[node.module] = per_module.get(node.module, 0) + 1
    seen_in_module: dict[str, int] = {}
    stage, block = ("stem", "stem") if structure.residual else (None, None)
    for node in graph.nodes:
        fresh = first_reads[node.index]
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
        rows.append(
            ModelRow(
                name,
                _words(node),
                node.kind,
                stage,
                block,
                in_shape,
                out_shape,
                sum(graph.param_names[p] for p in fresh),
                macs_of(node) * batch,
                macs,
                _formula_ok(node),
                _window(node),
                fields.get(node.index),
            )
        )
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
        return Op(
            node.module,
            "conv",
            a["in_channels"],
            a["out_channels"],
            a["kernel"][0],
            a["stride"][0],
            a["padding"][0],
            a["dilation"][0],
            a["groups"],
            a["bias"],
        )
    if kind in ("maxpool", "downpool"):
        if a["kernel"][0] != a["kernel"][1]:
            return None
        return Op(
            node.module,
            kind,
            cin,
            cout,
            a["kernel"][0],
            a["stride"][0],
            a["padding"][0],
            ceil_mode=a.get("ceil_mode", False),
        )
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
            conv_output_size(
                node.in_shape[2 + i],
                a["kernel"][i],
                a["stride"][i],
                a["padding"][i],
                dilation=a.get("dilation", (1, 1))[i],
                ceil_mode=a.get("ceil_mode", False),
            )
            for i in (0, 1)
        )
    except InspectError:
        return False
    return expected == tuple(node.out_shape[2:])


def _window(node: Node) -> dict[str, Any]:
    """A windowed op's kernel, stride, padding, dilation and groups, as a layer record holds them."""
    if node.kind not in ("conv", "maxpool", "downpool"):
        return {}
    a = node.attrs
    return {
        "kernel": a["kernel"],
        "stride": a["stride"],
        "padding": a["padding"],
        "dilation": a.get("dilation", (1, 1)),
        "groups": a.get("groups", 1),
    }
