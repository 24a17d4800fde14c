"""The paper's tables (He et al., 2015, "Deep Residual Learning for Image Recognition"), computed.

Table 1 (the ImageNet nets, with their FLOPs row) and Table 6 (the CIFAR-10 nets, with their parameter
counts). Every cell comes from the specs and the analytic trace; the paper's printed numbers are kept only to
say where the computed ones differ from them, and why. Each footnote is computed from the numbers it cites.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..core.configs import CIFAR_DEPTHS, DEPTHS, get_spec
from ..core.errors import InspectError
from ..core.plan import blocks as block_plans
from ..core.shapes import Trace, trace
from ..core.spec import ALIASES, ResNetSpec, paper_stage_name, with_knobs
from ..records import Line, Result, Section
from ..records.vocabulary import PaperDocument, PaperNetworkRecord, PaperRowRecord

# Table 1's last row as printed, in multiply-adds ×10^9: the reference the computed row is compared with.
PRINTED_GMACS: dict[int, float] = {18: 1.8, 34: 3.6, 50: 3.8, 101: 7.6, 152: 11.3}
# Table 6's parameter counts as printed, in millions.
PRINTED_CIFAR_PARAMS: dict[int, float] = {20: 0.27, 32: 0.46, 44: 0.66, 56: 0.85, 110: 1.7, 1202: 19.4}
PAPER_SIZE = (224, 224)
CIFAR_SIZE = (32, 32)


@dataclass(frozen=True)
class PaperRow:
    name: str  # the paper's: conv1, conv2_x, …
    output: str  # "56×56"
    cells: tuple[tuple[str, ...], ...]  # per depth, the lines of its cell


@dataclass(frozen=True)
class PaperTable(Result):
    title: str
    size: tuple[int, int]
    depths: tuple[int, ...]
    specs: tuple[ResNetSpec, ...]
    rows: tuple[PaperRow, ...]
    total_label: str  # "FLOPs" (Table 1) or "params" (Table 6)
    totals: tuple[str, ...]  # per depth, the bottom row
    macs_conv_linear: tuple[int, ...]  # per depth
    params: tuple[int, ...]
    footnotes: tuple[str, ...]

    def networks(self) -> list[PaperNetworkRecord]:
        return [
            PaperNetworkRecord(depth=d, arch=spec.name, params=p, macs_conv_linear=m, total=total)
            for d, spec, p, m, total in zip(
                self.depths, self.specs, self.params, self.macs_conv_linear, self.totals, strict=True
            )
        ]

    def records(self) -> list[PaperRowRecord]:
        return [
            PaperRowRecord(name=row.name, output=row.output, cells=[list(cell) for cell in row.cells])
            for row in self.rows
        ]

    def document(self) -> PaperDocument:
        """The JSON contract of `paper`."""
        return PaperDocument(
            title=self.title,
            input=[1, self.specs[0].in_channels, *self.size],
            total_label=self.total_label,
            networks=self.networks(),
            rows=self.records(),
            footnotes=list(self.footnotes),
        )

    def sections(self) -> list[Section]:
        rows = [
            {
                "layer name": row.name,
                "output size": row.output,
                **{
                    f"{d}-layer": " ".join(line.strip() for line in cell)
                    for d, cell in zip(self.depths, row.cells, strict=True)
                },
            }
            for row in self.rows
        ]
        rows.append(
            {
                "layer name": self.total_label,
                "output size": "",
                **{f"{d}-layer": t for d, t in zip(self.depths, self.totals, strict=True)},
            }
        )
        return [
            Section(
                self.title, rows, lines=[Line(f"{i}. {note}", "note") for i, note in enumerate(self.footnotes, start=1)]
            )
        ]

    def __repr__(self) -> str:
        totals = ", ".join(f"{d}-layer {t}" for d, t in zip(self.depths, self.totals, strict=True))
        return f"<PaperTable {self.title}: {totals}>"


def _block_lines(spec: ResNetSpec, stage: str) -> tuple[str, ...]:
    plans = [plan for plan in block_plans(spec) if plan.stage == stage]
    convs = [f"{c.kernel}×{c.kernel}, {c.out_channels}" for c in plans[0].convs]
    lines = [f"[{convs[0]}", *(f" {c}" for c in convs[1:-1]), f" {convs[-1]}] ×{len(plans)}"]
    groups = max(c.groups for c in plans[0].convs)
    if groups > 1:
        lines[-1] += f", C={groups}"
    return tuple(lines)


def _rows(specs: tuple[ResNetSpec, ...], traces: list[Trace]) -> tuple[PaperRow, ...]:
    first = traces[0]

    def hw(shape: tuple[int, ...]) -> str:
        return f"{shape[2]}×{shape[3]}"

    stem = [layer for layer in first.layers if layer.stage == "stem"]
    stem_conv, pool = stem[0], next((layer for layer in stem if layer.kind == "maxpool"), None)
    (kh, kw), stride = stem_conv.kernel, stem_conv.stride[0]
    conv_text = f"{kh}×{kw}, {stem_conv.out_shape[1]}" + (f", stride {stride}" if stride != 1 else "")
    rows = [PaperRow(paper_stage_name("stem"), hw(stem_conv.out_shape), tuple((conv_text,) for _ in specs))]
    for i, stage in enumerate(specs[0].stages):
        pooled = (f"{pool.kernel[0]}×{pool.kernel[1]} max pool, stride {pool.stride[0]}",) if pool and i == 0 else ()
        rows.append(
            PaperRow(
                paper_stage_name(stage),
                hw(first.stage_output(stage)),
                tuple((*pooled, *_block_lines(spec, stage)) for spec in specs),
            )
        )
    rows.append(PaperRow("", "1×1", tuple((f"average pool, {spec.num_classes}-d fc, softmax",) for spec in specs)))
    return tuple(rows)


def paper_table(size: tuple[int, int] = PAPER_SIZE, *, stride_in: str = "v1", shortcut: str = "A") -> PaperTable:
    """Table 1 at `size`, with the paper's stride placement (v1) and a shortcut option for the 18/34 columns.

    The paper compares options A, B and C on the basic-block networks; its FLOPs for 18 and 34 layers are
    option A's (identity shortcuts, zero-padded), and its bottleneck networks use B.
    """
    shortcut = ALIASES["shortcut"].get(shortcut, shortcut)
    if shortcut not in ("A", "B", "C"):
        raise InspectError(f"shortcut {shortcut!r} is not valid for the paper's table; use A, B or C")
    bases = [get_spec(d) for d in DEPTHS]  # stride_in places a bottleneck's stride: basic nets do without it
    specs = tuple(
        with_knobs(base, shortcut=shortcut)
        if base.block == "basic"
        else with_knobs(base, stride_in=stride_in, shortcut="B")
        for base in bases
    )
    traces = [trace(spec, *size) for spec in specs]
    macs = tuple(t.macs_conv_linear for t in traces)
    return PaperTable(
        f"Table 1 of He et al. (2015), computed at {size[0]}×{size[1]}",
        size,
        DEPTHS,
        specs,
        _rows(specs, traces),
        "FLOPs",
        tuple(f"{m / 1e9:.1f}×10⁹" for m in macs),
        macs,
        tuple(t.params for t in traces),
        _footnotes(size, specs, macs, shortcut, stride_in),
    )


def _footnotes(
    size: tuple[int, int], specs: tuple[ResNetSpec, ...], macs: tuple[int, ...], shortcut: str, stride_in: str
) -> tuple[str, ...]:
    paper_like = shortcut == "A" and stride_in == "v1"
    notes = [
        f"FLOPs counted as the paper counts them: multiply-adds of the conv and fc layers, ×10⁹ (the 'GMACs' of "
        f"this tool), at {size[0]}×{size[1]}; stride on the {'first 1×1 (v1)' if stride_in == 'v1' else '3×3 (v1.5)'}, "
        f"shortcut option {shortcut} for 18/34 and B for 50/101/152"
        + (
            ", as the paper's FLOPs assume."
            if paper_like
            else "; the paper's FLOPs assume v1, option A for 18/34 and B for 50/101/152."
        )
    ]
    if size == PAPER_SIZE:
        # the entries the computation reproduces, as the paper's own rounding: "101-layer 7.570 → 7.6"
        rounded = [
            f"{d}-layer {m / 1e9:.3f} → {PRINTED_GMACS[d]}"
            for d, m in zip(DEPTHS, macs, strict=True)
            if round(m / 1e9, 1) == PRINTED_GMACS[d] and m / 1e9 != PRINTED_GMACS[d]
        ]
        for depth, spec, m in zip(DEPTHS, specs, macs, strict=True):
            computed, printed = round(m / 1e9, 1), PRINTED_GMACS[depth]
            if computed == printed:
                continue
            why = ""
            if spec.block == "basic" and shortcut != "A":
                option_a = trace(replace(spec, shortcut="A"), *size).macs_conv_linear
                why = (
                    f" Option {shortcut}'s projections add {m - option_a:,} MACs; with option A (identity with "
                    f"zero-padded channels) it reads {option_a / 1e9:.1f}."
                )
            elif spec.block == "bottleneck" and stride_in != "v1":
                v1 = trace(replace(spec, stride_in="v1"), *size).macs_conv_linear
                even_so = "" if round(v1 / 1e9, 1) == printed else f" ({v1 / 1e9:.3f}, printed {printed} even so)"
                why = (
                    f" v1.5's 3×3 at the full size adds {m - v1:,} MACs; with the paper's v1 it reads "
                    f"{v1 / 1e9:.1f}{even_so}."
                )
            elif spec.block == "bottleneck":
                others = f" ({', '.join(rounded)})" if rounded else ""
                why = (
                    f" {m / 1e9:.3f} rounds to {computed}; the paper rounds its other entries{others}, so "
                    "rounding does not explain the printed value."
                )
            notes.append(f"{depth}-layer: computed {m:,} ({m / 1e9:.3f}×10⁹), printed {printed}.{why}")
    else:
        notes.append(f"The paper prints FLOPs only for 224×224; this table is recomputed at {size[0]}×{size[1]}.")
    if stride_in == "v1":
        v15 = [
            (depth, trace(replace(spec, stride_in="v1.5"), *size).macs_conv_linear)
            for depth, spec in zip(DEPTHS, specs, strict=True)
            if spec.block == "bottleneck"
        ]
        notes.append(
            "torchvision's v1.5 (stride on the 3×3) instead: "
            + ", ".join(f"{d}-layer {m / 1e9:.1f}×10⁹" for d, m in v15)
            + "; the 3×3 then runs at the halved size, the 1×1 before it at the full one."
        )
    return tuple(notes)


def cifar_table(size: tuple[int, int] = CIFAR_SIZE) -> PaperTable:
    """Table 6's networks (Section 4.2): 6n + 2 layers, option A, with their parameters computed."""
    specs = tuple(get_spec(f"resnet{depth}") for depth in CIFAR_DEPTHS)
    traces = [trace(spec, *size) for spec in specs]
    params = tuple(t.params for t in traces)
    notes = [
        f"The paper's CIFAR-10 nets at {size[0]}×{size[1]}: a 3×3 conv, three stages of n basic blocks at 16, "
        "32 and 64 filters, option A shortcuts, global average pool, 10-way fc. Parameters include batch "
        "norm's scale and shift (Table 6's 19.4M for ResNet-1202 holds only with them)."
    ]
    for depth, count in zip(CIFAR_DEPTHS, params, strict=True):
        printed = PRINTED_CIFAR_PARAMS[depth]
        shown = _millions(count, printed)
        if shown != printed:
            notes.append(f"{depth}-layer: computed {count:,} ({shown}M), printed {printed}M.")
    without_bn = [t.params - sum(layer.params for layer in t.layers if layer.kind == "bn") for t in traces]
    notes.append(
        "Without batch norm: "
        + ", ".join(f"{d}-layer {p / 1e6:.2f}M" for d, p in zip(CIFAR_DEPTHS, without_bn, strict=True))
        + "."
    )
    return PaperTable(
        f"Table 6 of He et al. (2015): the CIFAR-10 nets, computed at {size[0]}×{size[1]}",
        size,
        tuple(CIFAR_DEPTHS),
        specs,
        _rows(specs, traces),
        "params",
        tuple(f"{_millions(p, PRINTED_CIFAR_PARAMS[d])}M" for d, p in zip(CIFAR_DEPTHS, params, strict=True)),
        tuple(t.macs_conv_linear for t in traces),
        params,
        tuple(notes),
    )


def _millions(count: int, printed: float) -> float:
    """`count` in millions, rounded to as many decimals as the paper printed."""
    decimals = len(str(printed).partition(".")[2])
    return round(count / 1e6, decimals)
