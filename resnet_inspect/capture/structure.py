"""The ResNet in a dataflow graph: stem, stages, blocks (main path, shortcut, the add and what follows), head.

A residual add is an add of two 4-D tensors of one shape, both computed from the same earlier tensor. Its
block input is their latest common ancestor; the side with the convs is the main path, the other the shortcut
(nothing: the identity; a 1×1 conv, maybe after an average pool: a projection; no parameters but more
channels: option A's zero-padding, however written). What runs between one block's add and the next block's
input is that block's activation after the add (post-activation), or the next block's shared BN-ReLU
(pre-activation). What precedes the first block is the stem; what follows the last add is the head, from
the global pool on. Stages start where a block changes channels or size.

Nothing here depends on module names or on the order in which a forward computes the two paths.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..records.vocabulary import BlockShortcut
from .graph import INPUT, Graph, Node, macs_of

NORMS = ("bn", "gn", "ln", "affine")  # affine: a per-channel scale and shift from buffers (a frozen batch norm)
ACTS = ("relu", "act")
WINDOWED = ("conv", "maxpool", "downpool")


@dataclass(frozen=True)
class Layer:
    """One op of the structure, as comparable between two models (no names in `key`)."""

    kind: str  # conv, bn, gn, relu, act:leaky_relu(0.1), sigmoid, maxpool, downpool, avgpool, pad, linear, …
    attrs: tuple  # the window and settings that make two ops the same op
    in_shape: tuple[int, ...]
    out_shape: tuple[int, ...]
    params: int
    macs_conv_linear: int
    module: str  # the user's module path, for words only
    index: int = -1  # the graph node it came from
    # the elements of the parameters this op is the first to read: a tensor shared by several ops (tied weights,
    # one module called twice) counts once, at its first use, in the totals; `params` (in the key) counts per op
    first_params: int = 0

    @property
    def key(self) -> tuple:
        return (self.kind, self.attrs, self.in_shape[1:], self.out_shape[1:], self.params, self.macs_conv_linear)

    @property
    def is_norm(self) -> bool:
        return self.kind in NORMS

    @property
    def is_act(self) -> bool:
        return self.kind == "relu" or self.kind.startswith("act:")

    def words(self) -> str:
        a = dict(self.attrs)
        if self.kind == "conv":
            k, s, p, d, g = a["kernel"], a["stride"], a["padding"], a["dilation"], a["groups"]
            text = f"{k[0]}×{k[1]} conv" + (f" /{s[0]}" if s[0] != 1 else "") + (f" p{p[0]}" if p[0] else "")
            text += (f" d{d[0]}" if d[0] != 1 else "") + (f" g{g}" if g != 1 else "")
            text += f" {self.in_shape[1]}→{self.out_shape[1]}" + (" +bias" if a["bias"] else "")
            return text
        if self.kind in ("maxpool", "downpool"):
            k, s, p = a["kernel"], a["stride"], a["padding"]
            word = "max" if self.kind == "maxpool" else "avg"
            return f"{k[0]}×{k[1]} {word} pool /{s[0]} p{p[0]}" + (" ceil" if a.get("ceil_mode") else "")
        if self.kind == "linear":
            return f"linear {a['in']}→{a['out']}" + ("" if a.get("bias") else " no bias")
        if self.kind in NORMS:
            return {
                "bn": "batch norm",
                "gn": f"GroupNorm({a.get('groups')})",
                "ln": "layer norm",
                "affine": "frozen batch norm (a fixed per-channel scale and shift)",
            }[self.kind]
        if self.kind.startswith("act:"):
            return self.kind[4:]
        return self.kind


def _layer(node: Node, affine: frozenset[int] = frozenset(), first: dict[int, int] | None = None) -> Layer:
    a = node.attrs
    kind = "affine" if node.index in affine else node.kind
    attrs: tuple = ()
    if kind == "conv":
        attrs = tuple((k, a[k]) for k in ("kernel", "stride", "padding", "dilation", "groups", "bias"))
    elif kind == "maxpool":
        attrs = tuple((k, a[k]) for k in ("kernel", "stride", "padding", "ceil_mode"))
    elif kind == "downpool":
        attrs = tuple((k, a[k]) for k in ("kernel", "stride", "padding", "ceil_mode", "count_include_pad"))
    elif kind == "gn":
        attrs = (("groups", a.get("groups")),)
    elif kind == "act":
        kind = "act:" + a.get("name", node.aten) + (f"({a['negative_slope']:g})" if "negative_slope" in a else "")
        if kind == "act:relu":
            kind = "relu"
    elif kind == "linear":
        attrs = (
            ("in", node.in_shape[-1] if node.in_shape else 0),
            ("out", node.out_shape[-1]),
            ("bias", node.aten in ("addmm", "linear", "baddbmm") or len(node.params) > 1),
        )
    elif kind == "pad":
        attrs = (("pad", a["pad"]),)
    own = node.param_count if first is None else first.get(node.index, 0)
    return Layer(
        kind, attrs, node.in_shape, node.out_shape, node.param_count, macs_of(node), node.module, node.index, own
    )


def _linear_from_conv(layer: Layer) -> Layer:
    """A 1×1 conv on a 1×1 map (timm's `fc` in resnetv2) is a linear layer."""
    a = dict(layer.attrs)
    attrs = (("in", layer.in_shape[1]), ("out", layer.out_shape[1]), ("bias", a["bias"]))
    return Layer(
        "linear",
        attrs,
        layer.in_shape[:2],
        layer.out_shape[:2],
        layer.params,
        layer.macs_conv_linear,
        layer.module,
        layer.index,
        layer.first_params,
    )


@dataclass(frozen=True)
class Block:
    stage: int  # 0-based
    index: int  # within its stage
    main: tuple[Layer, ...]  # the main path, pre-activation included, attention excluded
    shortcut: tuple[Layer, ...]  # what the shortcut computes (empty: the identity)
    shortcut_kind: BlockShortcut
    attention: tuple[Layer, ...]  # a squeeze-and-excitation (or other) gate on the main path
    after_add: tuple[Layer, ...]  # what follows the add before the next block (post-activation: the ReLU)
    in_shape: tuple[int, ...]
    out_shape: tuple[int, ...]
    pre: bool  # the main path starts with a norm (pre-activation)
    module: str  # the user's module of the add, for words
    shortcut_first: bool = False  # the forward computes the shortcut before the main path (the same network)
    add_index: int = -1  # the graph node of the residual add
    shortcut_nodes: tuple[int, ...] = ()  # the graph nodes of the shortcut as written (before canonical zero-pad)
    # Where the shortcut branches off: after the first `tap` layers of `main` (0: it reads the block input). A
    # pre-activation projection that reads relu(bn1(x)) (He et al. 2016, timm) has tap 2; one that reads x, 0.
    tap: int = 0

    @property
    def where(self) -> str:
        return f"layer{self.stage + 1}.{self.index}"

    @property
    def convs(self) -> tuple[Layer, ...]:
        return tuple(x for x in self.main if x.kind == "conv")

    @property
    def kernels(self) -> tuple[int, ...]:
        return tuple(dict(c.attrs)["kernel"][0] for c in self.convs)

    @property
    def block_type(self) -> str:
        return {(3, 3): "basic", (1, 3, 1): "bottleneck"}.get(self.kernels, "×".join(map(str, self.kernels)))

    def key(self) -> tuple:
        return (
            tuple(x.key for x in self.main),
            tuple(x.key for x in self.shortcut),
            tuple(x.key for x in self.attention),
            tuple(x.key for x in self.after_add),
            self.tap,
        )


@dataclass(frozen=True)
class Structure:
    residual: bool  # any residual add at all
    stem: tuple[Layer, ...]
    blocks: tuple[Block, ...]
    tail: tuple[Layer, ...]  # after the last block's add and its activation, before the head (a final BN-ReLU)
    head: tuple[Layer, ...]  # the global pool on
    global_pool: bool  # the head starts with a pool over the whole map
    in_channels: int
    input_size: tuple[int, int]
    num_classes: int | None
    order: str  # post or pre: what most blocks do

    @property
    def stages(self) -> tuple[tuple[Block, ...], ...]:
        out: list[list[Block]] = []
        for block in self.blocks:
            if block.stage == len(out):
                out.append([])
            out[-1].append(block)
        return tuple(tuple(s) for s in out)

    @property
    def layers(self) -> tuple[int, ...]:
        return tuple(len(s) for s in self.stages)

    def key(self) -> tuple:
        return (
            tuple(x.key for x in self.stem),
            tuple((b.stage, b.index, b.key()) for b in self.blocks),
            tuple(x.key for x in self.tail),
            tuple(x.key for x in self.head),
            self.in_channels,
            self.num_classes,
        )


# ------------------------------------------------------------------------------------------ recovery


def _is_residual_add(node: Node) -> bool:
    return (
        node.kind == "add"
        and len(node.inputs) == 2
        and node.inputs[0] != node.inputs[1]
        and len(node.in_shapes) == 2
        and len(node.in_shapes[0]) == 4
        and node.in_shapes[0] == node.in_shapes[1]
    )


def _bit(i: int) -> int:
    return 1 << (i + 1)  # INPUT (-1) is bit 0


def _members(mask: int) -> list[int]:
    """The node indices in a bitset, in order: one step per member, not per bit (a 600-block net has 3,600)."""
    out = []
    while mask:
        low = mask & -mask
        out.append(low.bit_length() - 2)
        mask ^= low
    return out


def _latest(mask: int) -> int:
    """The highest node index in a non-empty bitset."""
    return mask.bit_length() - 2


def recover(graph: Graph) -> Structure:
    nodes = graph.nodes
    anc: list[int] = []  # ancestors of each node, itself included, as a bitset
    for node in nodes:
        mask = _bit(node.index)
        for i in node.inputs:
            mask |= anc[i] if i != INPUT else 1
        anc.append(mask)

    def ancestors(i: int) -> int:
        return 1 if i == INPUT else anc[i]

    in_channels, size = graph.input_shape[1], tuple(graph.input_shape[2:4])
    out_node = nodes[graph.output] if graph.output != INPUT else None
    num_classes = out_node.out_shape[1] if out_node is not None and len(out_node.out_shape) == 2 else None
    lived = ancestors(graph.output)  # ops that reach the output; the rest (a discarded branch) are not the net
    first_reads = {i: sum(graph.param_names[p] for p in names) for i, names in graph.first_reads().items()}
    affine = _affine(graph)
    adds = [n for n in nodes if _is_residual_add(n) and lived & _bit(n.index)]
    if not adds:
        layers = tuple(_layer(n, affine, first_reads) for n in nodes if _kept(n) and lived & _bit(n.index))
        stem, head, global_pool = _split_head(layers)
        return Structure(False, stem, (), (), head, global_pool, in_channels, size, num_classes, "post")

    raw = []
    for add in adds:
        a, b = add.inputs
        common = ancestors(a) & ancestors(b)
        lca = _latest(common)
        lca_mask = ancestors(lca)
        side_a = _members(ancestors(a) & ~lca_mask)
        side_b = _members(ancestors(b) & ~lca_mask)
        raw.append((add, lca, side_a, side_b))

    blocks_raw = []
    previous_end = INPUT
    for add, lca, side_a, side_b in raw:
        between = [i for i in _members(ancestors(lca) & ~ancestors(previous_end)) if i != INPUT]
        blocks_raw.append((add, lca, side_a, side_b, between))
        previous_end = add.index
    after_last = [i for i in _members(lived & ~ancestors(adds[-1].index)) if i != INPUT]

    def layers_of(indices) -> list[Layer]:
        return [_layer(nodes[i], affine, first_reads) for i in sorted(indices) if _kept(nodes[i])]

    # Pre-activation when the main paths start with a norm or the gaps between blocks hold one.
    votes = 0
    parsed = []
    for k, (add, lca, side_a, side_b, between) in enumerate(blocks_raw):
        main_idx, short_idx = _main_and_shortcut(nodes, side_a, side_b)
        gate_idx = _attention(nodes, main_idx, anc)
        main_layers = layers_of(i for i in main_idx if i not in gate_idx)
        gap = layers_of(between)
        pre = bool(main_layers and main_layers[0].is_norm) or (k > 0 and any(x.is_norm for x in gap))
        votes += 1 if pre else -1
        first = bool(short_idx) and min(short_idx) < min((i for i in main_idx if i not in gate_idx), default=0)
        parsed.append((add, lca, main_layers, layers_of(short_idx), layers_of(gate_idx), gap, first))
    order = "pre" if votes > 0 else "post"

    stem: list[Layer] = []
    blocks: list[Block] = []
    for k, (add, lca, main_layers, short_layers, gate_layers, gap, first) in enumerate(parsed):
        shared: list[Layer] = []
        if k == 0:
            stem = gap
            # The stem's trailing BN-ReLU is the first block's pre-activation when the block has none of its own
            # (its shortcut reads after it, as in He et al. 2016); a block that starts with its own norm leaves
            # the stem whole, and its identity then reads the stem's ReLU.
            if order == "pre" and not (main_layers and main_layers[0].is_norm):
                cut = len(stem)
                while (
                    cut
                    and (stem[cut - 1].is_norm or stem[cut - 1].is_act)
                    and any(x.kind in WINDOWED for x in stem[: cut - 1])
                ):
                    cut -= 1
                if cut < len(stem) and any(x.is_norm for x in stem[cut:]):
                    stem, shared = stem[:cut], stem[cut:]
        elif order == "pre":
            shared = gap
        else:
            blocks[-1] = _with_after(blocks[-1], gap)
        block_in = nodes[lca].out_shape if lca != INPUT else graph.input_shape
        if (k > 0 and order == "pre" and shared) or (k == 0 and shared):
            block_in = shared[0].in_shape
        main = tuple(shared + main_layers)
        kind = _shortcut_kind(short_layers, block_in, add.out_shape)
        written = tuple(x.index for x in short_layers)
        if kind is BlockShortcut.zero_pad:  # zero-padding however written (F.pad, a lambda, cat of zeros): one op
            short_layers = [
                Layer(
                    "zero-pad",
                    (),
                    tuple(block_in),
                    tuple(add.out_shape),
                    0,
                    0,
                    short_layers[0].module if short_layers else add.module,
                )
            ]
        blocks.append(
            Block(
                0,
                0,
                main,
                tuple(short_layers),
                kind,
                tuple(gate_layers),
                (),
                tuple(block_in),
                tuple(add.out_shape),
                bool(main and main[0].is_norm),
                add.module,
                first,
                add.index,
                written,
                len(shared),
            )
        )

    tail_layers = layers_of(after_last)
    pre_head, head, global_pool = _split_head(tuple(tail_layers))
    tail: tuple[Layer, ...] = ()
    if order == "post":
        blocks[-1] = _with_after(blocks[-1], list(pre_head))
    else:
        tail = pre_head
    return Structure(True, tuple(stem), _number(blocks), tail, head, global_pool, in_channels, size, num_classes, order)


def _affine(graph: Graph) -> frozenset[int]:
    """`x * scale + shift` with both from parameters or buffers (detectron2's and torchvision's FrozenBatchNorm2d,
    a BN folded by hand): the mul nodes whose output a parameter add shifts. What a frozen BN computes is a BN's
    eval-mode function, with no trainable parameters."""
    consumers = graph.consumers()
    return frozenset(
        n.index
        for n in graph.nodes
        if n.kind == "mul"
        and len(n.inputs) == 1
        and n.params
        and any(graph.nodes[c].kind == "bias" for c in consumers.get(n.index, []))
    )


def _with_after(block: Block, gap: list[Layer]) -> Block:
    import dataclasses

    return dataclasses.replace(block, after_add=tuple(gap))


def _number(blocks: list[Block]) -> tuple[Block, ...]:
    """Stages start at the first block and wherever a block changes channels or size."""
    import dataclasses

    out, stage, index = [], -1, 0
    for k, block in enumerate(blocks):
        if k == 0 or block.in_shape[1:] != block.out_shape[1:]:
            stage, index = stage + 1, 0
        out.append(dataclasses.replace(block, stage=stage, index=index))
        index += 1
    return tuple(out)


def _kept(node: Node) -> bool:
    """Ops that make the network what it is; views, slices and constants are how it is written."""
    return node.kind not in ("view", "slice", "const", "other", "bias") or (node.kind == "other" and node.param_count)


def _main_and_shortcut(nodes, side_a: list[int], side_b: list[int]) -> tuple[list[int], list[int]]:
    def weight(side):
        return (sum(nodes[i].kind == "conv" for i in side), len(side))

    return (side_a, side_b) if weight(side_a) >= weight(side_b) else (side_b, side_a)


def _attention(nodes, main: list[int], anc: list[int]) -> set[int]:
    """A gate on the main path: `x * g` where g (N, C, 1, 1) or (N, C) is computed from x by a global pool."""
    inside = set(main)
    gate: set[int] = set()
    for i in main:
        node = nodes[i]
        if node.kind != "mul" or len(node.inputs) != 2:
            continue
        a, b = node.inputs
        shapes = node.in_shapes
        if len(shapes) != 2:
            continue
        for x, g in ((a, b), (b, a)):
            if x == g or g == INPUT:
                continue
            x_anc = anc[x] if x != INPUT else 1
            part = {j for j in _members(anc[g] & ~x_anc) if j in inside}
            if any(nodes[j].kind in ("mean", "avgpool", "downpool") for j in part):
                gate |= part | {i}
                break
    return gate


def _shortcut_kind(layers: list[Layer], in_shape, out_shape) -> BlockShortcut:
    convs = [x for x in layers if x.kind == "conv"]
    if not layers:
        return BlockShortcut.identity if tuple(in_shape) == tuple(out_shape) else BlockShortcut.other
    if convs:
        if len(convs) > 1 or dict(convs[0].attrs)["kernel"] != (1, 1):
            return BlockShortcut.conv
        if any(x.kind == "downpool" for x in layers):
            return BlockShortcut.avgdown
        return BlockShortcut.projection
    if not any(x.params for x in layers) and out_shape[1] >= in_shape[1]:
        return BlockShortcut.zero_pad
    return BlockShortcut.other


def _split_head(layers: tuple[Layer, ...]) -> tuple[tuple[Layer, ...], tuple[Layer, ...], bool]:
    """(before the head, the head, whether it starts with a global pool): the head starts at the pool that
    leaves 1×1 maps (or at the first linear layer)."""
    layers = tuple(layers)
    for i, x in enumerate(layers):
        if (
            x.kind in ("avgpool", "mean", "downpool", "maxpool")
            and len(x.out_shape) >= 2
            and (len(x.out_shape) == 2 or tuple(x.out_shape[2:]) == (1, 1))
        ):
            covers = x.kind in ("avgpool", "mean") or tuple(dict(x.attrs)["kernel"]) >= tuple(x.in_shape[2:4])
            head = tuple(
                _linear_from_conv(y) if y.kind == "conv" and tuple(y.in_shape[2:]) == (1, 1) else y
                for y in layers[i + 1 :]
            )
            return layers[:i], (_global(x), *head) if covers else (x, *head), covers
        if x.kind == "linear":
            return layers[:i], layers[i:], False
    return layers, (), False


def _global(layer: Layer) -> Layer:
    """Every pool over the whole last map (`AdaptiveAvgPool2d(1)`, `x.mean((2, 3))`, `F.avg_pool2d(x, 4)` at
    4×4) is the same global average pool."""
    return Layer("avgpool", (), layer.in_shape, (*layer.in_shape[:2], 1, 1), 0, 0, layer.module, layer.index)


def summary(structure: Structure) -> dict[str, Any]:
    """The recovered structure in a few words, for JSON."""
    return {
        "residual": structure.residual,
        "order": structure.order,
        "layers": list(structure.layers),
        "stem": [x.words() for x in structure.stem],
        "head": [x.words() for x in structure.head],
        "num_classes": structure.num_classes,
    }
