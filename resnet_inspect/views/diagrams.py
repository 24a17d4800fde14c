"""Architecture diagrams: the paper's Figure 3 (the network as a column) and Figure 5 (blocks, op by op).

Both are laid out in inches on a `_Canvas` first and drawn afterwards, so a diagram knows its natural size
before it draws; `figsize` then scales the whole drawing, fonts included, to fit. Shortcuts are drawn as in
the paper: a solid line for the identity, a dotted line for a projection; option A's zero-padding is dashed
with a square mark, ResNet-D's avg-down dash-dotted with a triangle. Every label comes from
`features.architecture`, which reads the plan and the trace.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..core.spec import paper_stage_name
from ..records.diagram import BlockDiagram, BlockGroup, DiagramNode, NetworkDiagram, shape_words
from .figures import OKABE_ITO, STAGE_COLOURS, FigSize, _pyplot, parse_figsize

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# How each shortcut is drawn: (line style, mark at its middle, words for the legend).
SHORTCUT_STYLE = {
    "identity": ("-", None, "identity shortcut"),
    "projection": (":", None, "projection shortcut (1×1 conv)"),
    "zero-pad": ("--", "s", "zero-padding shortcut (option A)"),
    "avgdown": ("-.", "^", "avg pool, then 1×1 conv (avg-down)"),
}
BOX_FACE = {
    "conv": "white",
    "linear": "white",
    "se": "#FBF6C4",
    "maxpool": "#E6E6E6",
    "avgpool": "#E6E6E6",
    "mean": "#E6E6E6",
    "downpool": "#E6E6E6",
    "pad": "#E6E6E6",
    "bn": "#DCEEF9",
    "relu": "#F6E3C2",
    "sigmoid": "#F6E3C2",
}
FONT = 8.0  # points, at natural size
SMALL = 7.0


@dataclass
class _Canvas:
    """Shapes in inches, y downwards; `render` draws them at a scale."""

    items: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    width: float = 0.0
    height: float = 0.0
    breaks: list[float] = field(default_factory=list)  # where the drawing may continue in a new column
    top: float = 0.55  # the room above the drawing for the title

    def _grow(self, x: float, y: float) -> None:
        self.width, self.height = max(self.width, x), max(self.height, y)

    def box(self, x: float, y: float, w: float, h: float, text: str, face: str = "white", size: float = FONT) -> None:
        self.items.append(("box", {"x": x, "y": y, "w": w, "h": h, "text": text, "face": face, "size": size}))
        self._grow(x + w / 2, y + h / 2)

    def circle(self, x: float, y: float, r: float, text: str) -> None:
        self.items.append(("circle", {"x": x, "y": y, "r": r, "text": text}))

    def text(self, x: float, y: float, text: str, size: float = SMALL, **style: Any) -> None:
        self.items.append(("text", {"x": x, "y": y, "text": text, "size": size, **style}))

    def line(
        self,
        points: Sequence[tuple[float, float]],
        style: str = "-",
        *,
        arrow: bool = False,
        mark: str | None = None,
        mark_at: tuple[float, float] | None = None,
        width: float = 1.0,
    ) -> None:
        """A polyline; `mark` drawn at `mark_at`, or in the middle of its longest run."""
        if mark and mark_at is None:
            segments = list(itertools.pairwise(points))
            (x0, y0), (x1, y1) = max(segments, key=lambda s: abs(s[1][1] - s[0][1]) + abs(s[1][0] - s[0][0]))
            mark_at = ((x0 + x1) / 2, (y0 + y1) / 2)
        self.items.append(
            (
                "line",
                {
                    "points": list(points),
                    "style": style,
                    "arrow": arrow,
                    "mark": mark,
                    "mark_at": mark_at,
                    "width": width,
                },
            )
        )
        for x, y in points:
            self._grow(x, y)

    def band(self, x0: float, y0: float, x1: float, y1: float, colour: str) -> None:
        self.items.append(("band", {"x0": x0, "y0": y0, "x1": x1, "y1": y1, "colour": colour}))

    def _columns(self, cuts: Sequence[float]) -> _Canvas:
        """The drawing cut at the heights `cuts` into columns side by side, each starting below the title."""
        starts = [0.0, *cuts]
        step = self.width + 0.15

        def column(y: float) -> int:
            return sum(1 for cut in cuts if y >= cut - 1e-9)

        def moved(c: int, x: float, y: float) -> tuple[float, float]:
            return x + c * step, y if c == 0 else y - starts[c] + self.top

        out = _Canvas(breaks=[], top=self.top)
        for kind, item in self.items:
            item = dict(item)
            if kind == "line":
                pieces: list[tuple[int, list[tuple[float, float]]]] = []
                for (x0, y0), (x1, y1) in itertools.pairwise(item["points"]):
                    # An edge running across a cut ends at the foot of one column and goes on at the top of the next.
                    inner = [cut for cut in cuts if min(y0, y1) < cut < max(y0, y1)] if x0 == x1 else []
                    for a, b in itertools.pairwise([y0, *inner, y1]):
                        c = column(min(a, b))
                        if pieces and pieces[-1][0] == c and pieces[-1][1][-1] == (x0, a):
                            pieces[-1][1].append((x1, b))
                        else:
                            pieces.append((c, [(x0, a), (x1, b)]))
                for i, (c, points) in enumerate(pieces):
                    mark_at = item["mark_at"] if item["mark"] and column(item["mark_at"][1]) == c else None
                    out.items.append(
                        (
                            "line",
                            {
                                **item,
                                "points": [moved(c, *p) for p in points],
                                "arrow": item["arrow"] and i == len(pieces) - 1,
                                "mark": item["mark"] if mark_at else None,
                                "mark_at": moved(c, *mark_at) if mark_at else None,
                            },
                        )
                    )
                    out._grow(*moved(c, max(p[0] for p in points), max(p[1] for p in points)))
                continue
            if kind == "band":
                c = column(item["y0"])
                item["x0"], item["y0"] = moved(c, item["x0"], item["y0"])
                item["x1"], item["y1"] = moved(c, item["x1"], item["y1"])
                out._grow(item["x1"], item["y1"])
            else:
                c = column(item["y"])
                item["x"], item["y"] = moved(c, item["x"], item["y"])
                out._grow(item["x"] + item.get("w", 0) / 2, item["y"] + item.get("h", 0) / 2)
            out.items.append((kind, item))
        out.width = max(out.width, len(starts) * step - 0.15)
        return out

    def _reflowed(self, width: float, height: float, margin: float) -> _Canvas:
        """The arrangement in columns (cut at `breaks`) that draws largest in a `width` × `height` figure."""
        best, best_scale = self, min(width / (self.width + margin), height / (self.height + margin))
        if not self.breaks:
            return best
        for k in range(1, min(len(self.breaks), 6) + 1):
            for cuts in itertools.combinations(sorted(self.breaks), k):
                bounds = [0.0, *cuts, self.height]
                tallest = max(b - a + (self.top if i else 0) for i, (a, b) in enumerate(itertools.pairwise(bounds)))
                scale = min(width / ((k + 1) * (self.width + 0.15) + margin), height / (tallest + margin))
                if scale > best_scale * 1.05:
                    best, best_scale = self._columns(cuts), scale
        return best

    def render(self, figsize: FigSize, title: str, margin: float = 0.15) -> Figure:
        from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

        parsed = parse_figsize(figsize)
        # A figure wider than the drawing's own shape (a slide) gets the column cut into columns side by side.
        drawing = self._reflowed(*parsed, margin) if parsed is not None and parsed[1] is not None else self
        natural = (drawing.width + margin, drawing.height + margin)
        if parsed is None:
            size, scale = natural, 1.0
        else:
            width, height = parsed
            scale = width / natural[0] if height is None else min(width / natural[0], height / natural[1])
            size = (width, natural[1] * scale if height is None else height)
        plt = _pyplot(size[0])
        fig = plt.figure(figsize=size)
        # The drawing at `scale`, centred in the figure.
        w, h = natural[0] * scale / size[0], natural[1] * scale / size[1]
        ax = fig.add_axes((((1 - w) / 2), (1 - h) / 2, w, h))
        ax.set_xlim(0, natural[0])
        ax.set_ylim(natural[1], 0)
        ax.set_axis_off()
        for kind, item in drawing.items:
            if kind == "band":
                ax.add_patch(
                    FancyBboxPatch(
                        (item["x0"], item["y0"]),
                        item["x1"] - item["x0"],
                        item["y1"] - item["y0"],
                        boxstyle="round,pad=0,rounding_size=0.08",
                        facecolor=item["colour"],
                        alpha=0.18,
                        linewidth=0,
                        zorder=0,
                    )
                )
            elif kind == "box":
                x, y, bw, bh = item["x"], item["y"], item["w"], item["h"]
                ax.add_patch(
                    FancyBboxPatch(
                        (x - bw / 2, y - bh / 2),
                        bw,
                        bh,
                        boxstyle="round,pad=0,rounding_size=0.05",
                        facecolor=item["face"],
                        edgecolor=OKABE_ITO["black"],
                        linewidth=0.8 * scale,
                        zorder=2,
                    )
                )
                ax.text(x, y, item["text"], ha="center", va="center", fontsize=item["size"] * scale, zorder=3)
            elif kind == "circle":
                ax.add_patch(
                    Circle(
                        (item["x"], item["y"]),
                        item["r"],
                        facecolor="white",
                        edgecolor=OKABE_ITO["black"],
                        linewidth=0.8 * scale,
                        zorder=2,
                    )
                )
                ax.text(
                    item["x"],
                    item["y"],
                    item["text"],
                    ha="center",
                    va="center_baseline",
                    fontsize=FONT * scale,
                    zorder=3,
                )
            elif kind == "text":
                style = {k: v for k, v in item.items() if k not in ("x", "y", "text", "size")}
                ax.text(
                    item["x"],
                    item["y"],
                    item["text"],
                    fontsize=item["size"] * scale,
                    zorder=3,
                    **{"va": "center", **style},
                )
            elif kind == "line":
                xs, ys = zip(*item["points"], strict=True)
                if item["arrow"]:
                    ax.plot(
                        xs,
                        ys,
                        linestyle=item["style"],
                        color=OKABE_ITO["black"],
                        linewidth=item["width"] * scale,
                        zorder=1,
                        solid_capstyle="butt",
                    )
                    ax.add_patch(
                        FancyArrowPatch(
                            item["points"][-2],
                            item["points"][-1],
                            arrowstyle="-|>",
                            mutation_scale=8 * scale,
                            linewidth=0,
                            color=OKABE_ITO["black"],
                            shrinkA=0,
                            shrinkB=0,
                            zorder=1,
                        )
                    )
                else:
                    ax.plot(
                        xs,
                        ys,
                        linestyle=item["style"],
                        color=OKABE_ITO["black"],
                        linewidth=item["width"] * scale,
                        zorder=1,
                    )
                if item["mark"]:
                    ax.plot(
                        *([v] for v in item["mark_at"]),
                        marker=item["mark"],
                        markersize=6 * scale,
                        markerfacecolor="white",
                        markeredgecolor=OKABE_ITO["black"],
                        zorder=3,
                    )
        fig.suptitle(title, fontsize=(FONT + 2) * scale, y=1 - 0.06 / size[1], va="top")
        return fig


def _legend(canvas: _Canvas, x: float, y: float, kinds: Sequence[str], notes: Sequence[str]) -> float:
    """Line samples for the shortcut kinds drawn, then the notes; returns the y below them."""
    for kind in kinds:
        style, mark, words = SHORTCUT_STYLE[kind]
        canvas.line([(x, y), (x + 0.45, y)], style, mark=mark)
        canvas.text(x + 0.55, y, words)
        y += 0.2
    for note in notes:
        canvas.text(x, y, note)
        y += 0.2
    return y


def _arc(canvas: _Canvas, top: tuple[float, float], bottom: tuple[float, float], side_x: float, kind: str) -> None:
    """A shortcut from `top` (a point on the main path) round by `side_x` into `bottom` (the add's edge)."""
    style, mark, _ = SHORTCUT_STYLE[kind]
    canvas.line([top, (side_x, top[1]), (side_x, bottom[1]), bottom], style, arrow=True, mark=mark)


# ------------------------------------------------------------------------------------------ Figure 3


# The column, in inches: shape labels end at LABEL_X, boxes are centred at CENTRE, shortcuts run down at ARC_X.
STAGE_X, LABEL_X, BOX_W, BOX_H, EDGE, ADD_R = 0.1, 1.55, 1.7, 0.28, 0.32, 0.09
CENTRE = LABEL_X + 0.12 + BOX_W / 2
ARC_X = CENTRE + BOX_W / 2 + 0.2
COUNT_X, NOTE_X = ARC_X + 0.3, ARC_X + 0.6  # "×35", then what the shortcut is


def network_figure(diagram: NetworkDiagram, *, figsize: FigSize = None) -> Figure:
    """The paper's Figure 3 for any config: stem, each stage's runs of identical blocks (×N), head.

    Every edge carries the shape of the tensor on it at the diagram's input size; each run of blocks shows its
    shortcut (solid identity, dotted projection, dashed zero-pad, dash-dotted avg-down) and its count.
    """
    canvas = _Canvas()
    y = 0.55  # below the title
    top_of: dict[str, float] = {}  # where each section's band starts: the middle of its first edge

    def edge(shape: tuple[int, ...], *, to: float | None = None) -> float:
        """An edge down from `y`, labelled with `shape` on the left; returns its middle."""
        nonlocal y
        end = y + EDGE if to is None else to
        canvas.line([(CENTRE, y), (CENTRE, end)], arrow=True)
        middle = (y + end) / 2
        canvas.text(LABEL_X, middle, shape_words(shape), ha="right")
        y = end
        return middle

    def box(node: DiagramNode) -> None:
        nonlocal y
        canvas.box(CENTRE, y + BOX_H / 2, BOX_W, BOX_H, node.text, BOX_FACE.get(node.kind, "white"))
        y += BOX_H

    canvas.box(CENTRE, y + BOX_H / 2, BOX_W, BOX_H, "image", "#E6E6E6")
    y += BOX_H
    shape = diagram.input_shape
    for node in diagram.stem:
        top_of.setdefault("stem", edge(shape))
        box(node)
        shape = node.out_shape
    drawn_kinds: list[str] = []
    for group in diagram.groups:
        branch = edge(shape)
        top_of.setdefault(group.stage, branch)
        group_top = y
        for i, node in enumerate(group.nodes):
            if i:
                edge(group.nodes[i - 1].out_shape)
            box(node)
        edge(group.nodes[-1].out_shape, to=y + EDGE - ADD_R)
        add_y = y + ADD_R
        canvas.circle(CENTRE, add_y, ADD_R, "+")
        y = add_y + ADD_R
        _arc(canvas, (CENTRE, branch), (CENTRE + ADD_R, add_y), ARC_X, group.shortcut)
        if group.shortcut not in drawn_kinds:
            drawn_kinds.append(group.shortcut)
        words = [n.text for n in group.shortcut_nodes] or ["identity"]
        canvas.text(NOTE_X, (branch + add_y) / 2, "\n".join(words), size=SMALL, ha="left")
        canvas.text(COUNT_X, (group_top + add_y) / 2, f"×{group.count}", size=FONT + 3, ha="center", fontweight="bold")
        shape = group.out_shape
    for node in diagram.head:
        top_of.setdefault("head", edge(shape))
        box(node)
        shape = node.out_shape
    end = edge(shape)
    canvas.text(CENTRE, y + 0.12, "output", ha="center")
    y += 0.25
    # Bands from each section's first edge to the next section's: stem, the stages, head.
    sections = [s for s in ("stem", *dict.fromkeys(g.stage for g in diagram.groups), "head") if s in top_of]
    longest = max(
        (len(line) for g in diagram.groups for n in g.shortcut_nodes for line in n.text.split("\n")), default=8
    )
    right = NOTE_X + max(longest, 8) * SMALL * 0.6 / 72 + 0.1
    canvas.breaks = [top_of[stage] for stage in sections[1:]]
    for i, stage in enumerate(sections):
        low = top_of[stage]
        high = top_of[sections[i + 1]] if i + 1 < len(sections) else end
        canvas.band(0.02, low, right, high, STAGE_COLOURS[stage])
        count = diagram.stage_blocks(stage)
        paper = paper_stage_name(stage)
        words = (
            stage
            + (f"\n({paper})" if paper != stage else "")
            + (f"\n{count} block{'s' if count != 1 else ''}" if count else "")
        )
        # At the band's top left, clear of the shapes (right-aligned at LABEL_X) on the same rows.
        canvas.text(STAGE_X, low + 0.08, words, size=SMALL, ha="left", va="top", fontweight="bold")
    canvas._grow(right, y)
    order = (
        "BN and ReLU before every conv (pre-activation; not drawn)"
        if diagram.pre_activation
        else "BN after every conv, ReLU after BN and after each add (not drawn)"
    )
    y = _legend(canvas, 0.1, y + 0.15, drawn_kinds, ["+ adds the shortcut to the block's output", order])
    canvas._grow(right, y)
    n, _, height, width = diagram.input_shape
    size = f"{height}×{width}" + (f", batch {n}" if n != 1 else "")
    return canvas.render(figsize, f"{diagram.spec.name} at {size}")


# ------------------------------------------------------------------------------------------ Figure 5


B_LEFT, B_W, B_SMALL_W, B_H, B_SMALL_H, B_EDGE, SIDE_W = 0.45, 1.5, 0.9, 0.28, 0.22, 0.2, 1.35
B_CENTRE = B_LEFT + B_W / 2
B_SIDE = B_CENTRE + B_W / 2 + 0.25 + SIDE_W / 2
COLUMN_W = B_SIDE + SIDE_W / 2 + 0.25


def _block_column(canvas: _Canvas, diagram: BlockDiagram, x0: float, y0: float) -> float:
    """One block, op by op, from `y0` in the column starting at `x0`; returns the y below it."""
    centre, side = x0 + B_CENTRE, x0 + B_SIDE
    import textwrap

    title = textwrap.fill(diagram.label, 44)
    canvas.text(x0 + COLUMN_W / 2 - 0.1, y0, title, size=FONT, ha="center", va="top", fontweight="bold")
    y = y0 + 0.2 * (title.count("\n") + 1) + 0.15
    canvas.text(centre, y, shape_words(diagram.in_shape), ha="center")
    y += 0.1
    below: dict[str, float] = {}  # where each op's output leaves it
    block_input = y
    centre_y: dict[str, float] = {}
    previous: DiagramNode | None = None
    for node in diagram.nodes:
        start = y
        y += B_EDGE
        canvas.line([(centre, start), (centre, y)], arrow=True)
        if node.kind in ("add", "mul"):
            r = 0.09
            canvas.circle(centre, y + r, r, "+" if node.kind == "add" else "×")
            centre_y[node.name] = y + r
            y += 2 * r
        else:
            small = node.kind in ("bn", "relu", "sigmoid")
            height = B_SMALL_H if small else B_H
            face = BOX_FACE["se"] if ".se." in node.name and not small else BOX_FACE.get(node.kind, "white")
            canvas.box(
                centre,
                y + height / 2,
                B_SMALL_W if small else B_W,
                height,
                node.text,
                face,
                size=SMALL if small else FONT,
            )
            y += height
        below[node.name] = y + B_EDGE / 2
        # Inputs beyond the op before it: the shortcut into the add (right), SE's gated branch into its scale (left).
        extra = [source for source in node.inputs if previous is None or source != previous.name]
        if extra and node.kind == "mul":
            x, target, start_y = x0 + 0.15, centre_y[node.name], below.get(extra[0], block_input)
            canvas.line([(centre, start_y), (x, start_y), (x, target), (centre - 0.09, target)], arrow=True)
            canvas.text(
                x + 0.05,
                (start_y + target) / 2,
                "squeeze-and-excitation",
                size=SMALL,
                rotation=90,
                ha="left",
                va="center",
            )
        elif extra and node.kind == "add":
            _shortcut(
                canvas,
                diagram,
                centre,
                side,
                below.get(source_of_shortcut(diagram, extra[0]), block_input),
                centre_y[node.name],
            )
        previous = node
    end = y
    y += B_EDGE + 0.05
    canvas.line([(centre, end), (centre, y)], arrow=True)
    canvas.text(centre, y + 0.1, shape_words(diagram.out_shape), ha="center")
    canvas._grow(x0 + COLUMN_W, y + 0.2)
    return y + 0.25


def source_of_shortcut(diagram: BlockDiagram, into_add: str) -> str:
    """The op whose output the shortcut starts from: the block's input, or (pre-activation) its first ReLU."""
    return diagram.shortcut_nodes[0].inputs[0] if diagram.shortcut_nodes else into_add


def _shortcut(canvas: _Canvas, diagram: BlockDiagram, centre: float, side: float, top: float, add: float) -> None:
    """The shortcut from `top` round the right into the add at `add`, its ops spaced along the way down."""
    step = (add - top) / (len(diagram.shortcut_nodes) + 1)
    for i, node in enumerate(diagram.shortcut_nodes, start=1):
        small = node.kind in ("bn", "relu")
        canvas.box(
            side,
            top + i * step,
            SIDE_W * (0.7 if small else 1),
            B_SMALL_H if small else B_H,
            node.text,
            BOX_FACE.get(node.kind, "white"),
            size=SMALL if small else FONT,
        )
    style, mark, _ = SHORTCUT_STYLE[diagram.shortcut]
    # The mark on the first, horizontal run: the vertical one holds the boxes.
    canvas.line(
        [(centre, top), (side, top), (side, add), (centre + 0.09, add)],
        style,
        arrow=True,
        mark=mark,
        mark_at=((centre + side) / 2, top),
    )


def block_figure(diagrams: Sequence[BlockDiagram], *, title: str, figsize: FigSize = None) -> Figure:
    """Blocks side by side, every op in the order the plan wires it (pre-activation: BN and ReLU first)."""
    canvas = _Canvas()
    bottom = 0.0
    for i, diagram in enumerate(diagrams):
        bottom = max(bottom, _block_column(canvas, diagram, i * COLUMN_W, 0.5))
    kinds = list(dict.fromkeys(d.shortcut for d in diagrams))
    _legend(canvas, 0.1, bottom + 0.1, kinds, [])
    return canvas.render(figsize, title)


def block_group_words(group: BlockGroup) -> str:
    """ "layer3.1 ×35": a group as the text tests and captions name it."""
    return f"{group.first} ×{group.count}"
