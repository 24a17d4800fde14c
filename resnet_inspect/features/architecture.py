"""A network as its architecture diagram: the paper's Figure 3 column and Figure 5 blocks, as plain records.

`network_diagram` reads the analytic trace (the plan's ops with their shapes at an input size) and collapses
each stage's run of identical blocks into one group ("×35"); `block_diagrams` returns the blocks of one stage,
every op in the order the plan wires it. The drawing is `views.diagrams`; nothing here is hard-coded per
network, so a knob that changes the plan changes the diagram. No torch.
"""

from __future__ import annotations

from ..core.configs import get_spec
from ..core.errors import InspectError
from ..core.ops import Op
from ..core.plan import INPUT
from ..core.shapes import TracedLayer, trace
from ..core.spec import ResNetSpec, paper_stage_name
from ..records.diagram import BlockDiagram, BlockGroup, DiagramNode, NetworkDiagram, shape_words
from ..records.vocabulary import BlockShortcut


def shortcut_kind(layers: list[TracedLayer]) -> BlockShortcut:
    """identity, projection (1×1 conv), zero-pad (option A) or avgdown (avg pool, then 1×1 conv)."""
    kinds = {layer.kind for layer in layers if _on_shortcut(layer)}
    if "downpool" in kinds:
        return BlockShortcut.avgdown
    if "pad" in kinds:
        return BlockShortcut.zero_pad
    return BlockShortcut.projection if "conv" in kinds else BlockShortcut.identity


def _on_shortcut(layer: TracedLayer) -> bool:
    return layer.name.removeprefix(f"{layer.block}.").startswith("downsample")


def _relative(layer: TracedLayer) -> str:
    return layer.name.removeprefix(f"{layer.block}.")


def _window(op: Op, *, conv_word: bool) -> str:
    """`3×3 conv, 128, /2, d2, g32` (column) or `3×3, 128, /2` (block): the paper's labels."""
    parts = [f"{op.kernel}×{op.kernel} conv" if conv_word else f"{op.kernel}×{op.kernel}", str(op.out_channels)]
    if op.stride != 1:
        parts.append(f"/{op.stride}")
    if op.dilation != 1:
        parts.append(f"dilation {op.dilation}")
    if op.groups != 1:
        parts.append(f"{op.groups} groups")
    return ", ".join(parts)


def op_text(layer: TracedLayer, *, column: bool) -> str:
    """How a diagram box names an op; `column`: the network diagram's words (with "conv")."""
    op = layer.op
    assert op is not None
    kind = layer.kind
    relative = _relative(layer)
    if kind == "conv" and relative.startswith("se."):
        return f"fc, {op.out_channels} (1×1 conv)"
    if kind == "conv" and layer.stage == "head":
        return f"fc, {op.out_channels} (1×1 conv)"
    if kind == "conv":
        return _window(op, conv_word=column)
    if kind == "maxpool":
        return f"{op.kernel}×{op.kernel} max pool" + (f", /{op.stride}" if op.stride != 1 else "")
    if kind == "downpool":
        return f"{op.kernel}×{op.kernel} avg pool, /{op.stride}"
    if kind == "avgpool":
        return "global avg pool"
    if kind == "linear":
        return f"fc, {op.out_channels}"
    if kind == "pad":
        return f"zero-pad, /{op.stride}, +{op.out_channels - op.in_channels} ch"
    if kind == "mean":
        return "global avg pool"
    return {"bn": "BN", "relu": "ReLU", "sigmoid": "sigmoid", "add": "+", "mul": "×", "flatten": "flatten"}.get(
        kind, kind
    )


def _node(layer: TracedLayer, *, column: bool) -> DiagramNode:
    return DiagramNode(layer.name, layer.kind, op_text(layer, column=column), layer.out_shape, layer.inputs)


def _signature(layers: list[TracedLayer]) -> tuple:
    """What makes two blocks draw the same: their ops (names relative to the block) and shapes."""
    return tuple((layer.op, layer.in_shape, layer.out_shape) for layer in layers)


def _column_nodes(layers: list[TracedLayer]) -> list[DiagramNode]:
    """The boxes of the network column: convs, pools and fc; SE as one box; BN, ReLU, add, flatten left out."""
    nodes: list[DiagramNode] = []
    for layer in layers:
        if _relative(layer).startswith("se."):
            if layer.kind == "mean":
                reduced = next(x.op.out_channels for x in layers if _relative(x) == "se.fc1" and x.op is not None)
                channels = layer.out_shape[1]
                nodes.append(DiagramNode(layer.name, "se", f"SE, {channels}→{reduced}→{channels}", layer.out_shape))
            continue
        if layer.kind in ("conv", "maxpool", "avgpool", "linear", "pad", "downpool"):
            nodes.append(_node(layer, column=True))
    return nodes


def network_diagram(spec: ResNetSpec, size: tuple[int, int], *, batch: int = 1) -> NetworkDiagram:
    """The paper's Figure 3 for `spec` at `size`: stem, each stage's runs of identical blocks, head."""
    traced = trace(spec, *size, batch=batch)
    by_block: dict[str, list[TracedLayer]] = {}
    for layer in traced.layers:
        by_block.setdefault(layer.block, []).append(layer)
    groups: list[BlockGroup] = []
    previous: tuple | None = None
    for block, layers in by_block.items():
        if block in ("stem", "head"):
            continue
        signature = (layers[0].stage, _signature(layers))
        if signature == previous:
            last = groups[-1]
            groups[-1] = BlockGroup(
                last.stage,
                last.first,
                last.count + 1,
                last.nodes,
                last.shortcut,
                last.shortcut_nodes,
                last.in_shape,
                last.out_shape,
            )
            continue
        previous = signature
        main = [layer for layer in layers if not _on_shortcut(layer)]
        side = [layer for layer in layers if _on_shortcut(layer)]
        groups.append(
            BlockGroup(
                layers[0].stage,
                block,
                1,
                tuple(_column_nodes(main)),
                shortcut_kind(layers),
                tuple(_column_nodes(side)),
                layers[0].in_shape,
                layers[-1].out_shape,
            )
        )
    return NetworkDiagram(
        spec,
        traced.input_shape,
        tuple(_column_nodes(by_block["stem"])),
        tuple(groups),
        tuple(_column_nodes(by_block["head"])),
    )


def _block_diagram(label: str, layers: list[TracedLayer], spec: ResNetSpec) -> BlockDiagram:
    main = [_node(layer, column=False) for layer in layers if not _on_shortcut(layer)]
    side = [_node(layer, column=False) for layer in layers if _on_shortcut(layer)]
    return BlockDiagram(
        label,
        layers[0].block,
        tuple(main),
        shortcut_kind(layers),
        tuple(side),
        layers[0].in_shape,
        layers[-1].out_shape,
        spec.order,
    )


def block_diagrams(spec: ResNetSpec, stage: str, size: tuple[int, int]) -> tuple[BlockDiagram, ...]:
    """`stage`'s first block of `spec` at input `size` and, when it differs, the block repeated after it."""
    if stage not in spec.stages:
        raise InspectError(f"stage {stage!r} is not valid for {spec.name}; use one of {', '.join(spec.stages)}")
    traced = trace(spec, *size)
    by_block: dict[str, list[TracedLayer]] = {}
    for layer in traced.layers:
        if layer.stage == stage:
            by_block.setdefault(layer.block, []).append(layer)
    blocks = list(by_block.values())
    paper = paper_stage_name(stage)
    diagrams = [_block_diagram(f"{spec.name} {stage} ({paper}), first block", blocks[0], spec)]
    if len(blocks) > 1 and _signature(blocks[1]) != _signature(blocks[0]):
        more = len(blocks) - 1
        diagrams.append(_block_diagram(f"the {more} block{'s' if more > 1 else ''} after it", blocks[1], spec))
    return tuple(diagrams)


def paper_blocks(size: tuple[int, int] = (224, 224)) -> tuple[BlockDiagram, ...]:
    """The paper's Figure 5: a basic block (ResNet-34) beside a bottleneck (ResNet-50), each a repeated block of
    the first stage (64 channels at 56×56 for a 224×224 input)."""
    diagrams = []
    for name, word in (("resnet34", "basic block"), ("resnet50", "bottleneck block")):
        spec = get_spec(name)
        traced = trace(spec, *size)
        layers = [layer for layer in traced.layers if layer.block == f"{spec.stages[0]}.1"]
        width = layers[0].in_shape[1]
        diagrams.append(_block_diagram(f"{word} ({name}), {width}-d in", layers, spec))
    return tuple(diagrams)


__all__ = [
    "INPUT",
    "BlockDiagram",
    "BlockGroup",
    "DiagramNode",
    "NetworkDiagram",
    "block_diagrams",
    "network_diagram",
    "paper_blocks",
    "shape_words",
]
