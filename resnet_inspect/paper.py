"""The paper's Table 1 (He et al., 2015, "Deep Residual Learning for Image Recognition"), computed.

Every cell comes from the specs and the analytic trace; the paper's printed FLOPs row is kept only to say
where the computed row differs from it, and why.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from .shapes import trace
from .spec import DEPTHS, PAPER_STAGE_NAMES, ResNetSpec, block_plans, customize, get_spec

# Table 1's last row as printed, in multiply-adds ×10^9: the reference the computed row is compared with.
PRINTED_GMACS: dict[int, float] = {18: 1.8, 34: 3.6, 50: 3.8, 101: 7.6, 152: 11.3}
PAPER_SIZE = (224, 224)


@dataclass(frozen=True)
class PaperRow:
    name: str  # the paper's: conv1, conv2_x, …
    output: str  # "56×56"
    cells: tuple[tuple[str, ...], ...]  # per depth, the lines of its cell


@dataclass(frozen=True)
class PaperTable:
    size: tuple[int, int]
    depths: tuple[int, ...]
    specs: tuple[ResNetSpec, ...]
    rows: tuple[PaperRow, ...]
    macs: tuple[int, ...]  # per depth: conv + linear
    footnotes: tuple[str, ...]

    @property
    def gmacs_row(self) -> tuple[str, ...]:
        return tuple(f"{m / 1e9:.1f}×10⁹" for m in self.macs)


def _block_lines(spec: ResNetSpec, stage: str) -> tuple[str, ...]:
    plans = [plan for plan in block_plans(spec) if plan.stage == stage]
    convs = [f"{c.kernel}×{c.kernel}, {c.out_channels}" for c in plans[0].convs]
    lines = [f"[{convs[0]}", *(f" {c}" for c in convs[1:-1]), f" {convs[-1]}] ×{len(plans)}"]
    groups = max(c.groups for c in plans[0].convs)
    if groups > 1:
        lines[-1] += f", C={groups}"
    return tuple(lines)


def paper_table(size: tuple[int, int] = PAPER_SIZE, *, stride_in: str = "v1", shortcut: str = "B") -> PaperTable:
    """Table 1 at `size`, with the paper's stride placement (v1) and a shortcut option for the 18/34 columns.

    The paper compares options A, B and C on the basic-block networks; its bottleneck networks use B.
    """
    specs = tuple(
        customize(base, stride_in=stride_in, shortcut=shortcut if base.block == "basic" else "B")
        for base in (get_spec(d) for d in DEPTHS)
    )
    traces = [trace(spec, *size) for spec in specs]
    first = traces[0]

    def hw(shape: tuple[int, ...]) -> str:
        return f"{shape[2]}×{shape[3]}"

    stem = [layer for layer in first.layers if layer.stage == "stem"]
    stem_conv, maxpool = stem[0], stem[-1]
    (kh, kw), stride = stem_conv.kernel, stem_conv.stride[0]
    rows = [
        PaperRow(
            PAPER_STAGE_NAMES["stem"],
            hw(stem_conv.out_shape),
            tuple((f"{kh}×{kw}, {stem_conv.out_shape[1]}, stride {stride}",) for _ in specs),
        )
    ]
    for i, stage in enumerate(("layer1", "layer2", "layer3", "layer4")):
        pool = (f"{maxpool.kernel[0]}×{maxpool.kernel[1]} max pool, stride {maxpool.stride[0]}",) if i == 0 else ()
        rows.append(
            PaperRow(
                PAPER_STAGE_NAMES[stage],
                hw(first.stage_output(stage)),
                tuple((*pool, *_block_lines(spec, stage)) for spec in specs),
            )
        )
    rows.append(PaperRow("", "1×1", tuple((f"average pool, {spec.num_classes}-d fc, softmax",) for spec in specs)))
    macs = tuple(t.macs for t in traces)
    return PaperTable(size, DEPTHS, specs, tuple(rows), macs, _footnotes(size, specs, macs, shortcut, stride_in))


def _footnotes(
    size: tuple[int, int], specs: tuple[ResNetSpec, ...], macs: tuple[int, ...], shortcut: str, stride_in: str
) -> tuple[str, ...]:
    notes = [
        f"FLOPs as in the paper: multiply-adds of the conv and fc layers, ×10⁹ (the 'GMACs' of this tool), "
        f"at {size[0]}×{size[1]}; stride on the {'first 1×1 (v1)' if stride_in == 'v1' else '3×3 (v1.5)'}, "
        f"shortcut option {shortcut} for 18/34 and B for 50/101/152, as in the paper."
    ]
    if size == PAPER_SIZE:
        for depth, spec, m in zip(DEPTHS, specs, macs, strict=True):
            computed, printed = round(m / 1e9, 1), PRINTED_GMACS[depth]
            if computed == printed:
                continue
            why = ""
            if spec.block == "basic" and shortcut != "A":
                option_a = trace(dataclasses.replace(spec, shortcut="A"), *size).macs
                why = (
                    f" Option {shortcut}'s projections add {m - option_a:,} MACs; with option A "
                    f"(`--shortcut A`, identity with zero-padded channels) it reads {option_a / 1e9:.1f}."
                )
            elif computed > printed and int(m / 1e8) / 10 == printed:
                why = f" The printed {printed} is {m / 1e9:.3f} truncated, not rounded."
            notes.append(f"{depth}-layer: computed {m:,} ({m / 1e9:.2f}×10⁹), printed {printed}.{why}")
    else:
        notes.append(f"The paper prints FLOPs only for 224×224; this table is recomputed at {size[0]}×{size[1]}.")
    v15 = [
        (depth, trace(dataclasses.replace(spec, stride_in="v1.5"), *size).macs)
        for depth, spec in zip(DEPTHS, specs, strict=True)
        if spec.block == "bottleneck"
    ]
    if stride_in == "v1":
        notes.append(
            "torchvision's v1.5 (stride on the 3×3) instead: "
            + ", ".join(f"{d}-layer {m / 1e9:.1f}×10⁹" for d, m in v15)
            + "; the 3×3 then runs at the halved size, the 1×1 before it at the full one."
        )
    return tuple(notes)


def to_markdown(table: PaperTable) -> str:
    header = ["layer name", "output size", *(f"{d}-layer" for d in table.depths)]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] * len(header)) + "|"]
    for row in table.rows:
        cells = ["<br>".join(cell) for cell in row.cells]
        lines.append("| " + " | ".join([row.name, row.output, *cells]) + " |")
    lines.append("| " + " | ".join(["FLOPs", "", *table.gmacs_row]) + " |")
    lines += ["", *(f"{i}. {note}" for i, note in enumerate(table.footnotes, start=1))]
    return "\n".join(lines) + "\n"
