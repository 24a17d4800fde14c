"""A network as its architecture diagram, as plain records: the paper's Figure 3 column (`NetworkDiagram`, each
stage's run of identical blocks one `BlockGroup`) and its Figure 5 blocks (`BlockDiagram`), every drawn op a
`DiagramNode`. `features.architecture` builds them from the trace; `views.diagrams` draws them."""

from __future__ import annotations

from dataclasses import dataclass

from ..core.shapes import Shape, shape_text
from ..core.spec import ResNetSpec
from .vocabulary import BlockShortcut


@dataclass(frozen=True)
class DiagramNode:
    """One drawn op (or, in the network column, a few ops drawn as one box)."""

    name: str  # the module path of its (first) op: "layer2.0.conv2"
    kind: str  # the op kind, or "se" for a collapsed squeeze-and-excitation
    text: str  # "3×3 conv, 128, /2" (column) or "3×3, 128, /2" (block)
    out_shape: Shape
    inputs: tuple[str, ...] = ()  # module paths it reads; "input" for the network's (or the block's) input


@dataclass(frozen=True)
class BlockGroup:
    """A run of identical consecutive blocks of one stage, drawn once with its count."""

    stage: str
    first: str  # "layer3.0"
    count: int
    nodes: tuple[DiagramNode, ...]  # the main path's convs (and SE), in order
    shortcut: BlockShortcut
    shortcut_nodes: tuple[DiagramNode, ...]  # the shortcut's ops, empty for the identity
    in_shape: Shape
    out_shape: Shape


@dataclass(frozen=True)
class NetworkDiagram:
    spec: ResNetSpec
    input_shape: Shape
    stem: tuple[DiagramNode, ...]
    groups: tuple[BlockGroup, ...]
    head: tuple[DiagramNode, ...]

    @property
    def pre_activation(self) -> bool:
        return self.spec.order == "pre"

    def stage_blocks(self, stage: str) -> int:
        return sum(group.count for group in self.groups if group.stage == stage)


@dataclass(frozen=True)
class BlockDiagram:
    """One residual block with every op: main path in order, the shortcut's ops, and what each reads."""

    label: str  # "resnet50 layer1.1 (a repeated block)"
    block: str  # "layer1.1"
    nodes: tuple[DiagramNode, ...]  # the main path in execution order (BN, ReLU, SE, the add included)
    shortcut: BlockShortcut
    shortcut_nodes: tuple[DiagramNode, ...]
    in_shape: Shape
    out_shape: Shape
    order: str  # "post" or "pre"


def shape_words(shape: Shape) -> str:
    """A tensor on an edge, without the batch of one: "256×56×56"."""
    return shape_text(shape[1:] if shape[0] == 1 else shape)
