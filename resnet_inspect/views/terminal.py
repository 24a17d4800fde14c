"""The terminal views of every result: an analysis's layer table grouped by stage and its per-stage summary, the
catalog, the paper's tables, block designs, comparisons, sweeps, profiles and checks; each fitted to its console
by `fit.Fitted`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.console import Group
from rich.table import Table
from rich.text import Text

from ..core.memory import LayerMemory, Peak
from ..core.receptive_field import Field
from ..core.shapes import shape_text
from ..core.spec import paper_stage_name as paper_stage
from ..core.spec import stage_names
from ..core.words import counted, share
from ..records.vocabulary import Level
from .fit import Cell, Col, Fitted, Num, compact
from .formats import channels_text, size_text

if TYPE_CHECKING:  # the results drawn here; each is read through what it exposes, never imported at run time
    from ..features.blocks import BlockComparison
    from ..features.catalog import CatalogEntry
    from ..features.check import CheckpointResult, Comparison
    from ..features.compare import NetworkComparison, NetworkDiff
    from ..features.cross_check import CrossCheck
    from ..features.model_table import ModelAnalysis
    from ..features.paper import PaperTable
    from ..features.profile import Profile
    from ..features.rows import Row
    from ..features.sweep import Sweep
    from ..features.table import Analysis, MemoryView, Table

_STAGE_STYLES = ("bold green", "bold yellow", "bold magenta", "bold blue", "bold red")


CHECK = Text("✓", style="green")
CROSS = Text("✗", style="bold red")


def mark(ok: bool) -> Text:
    return CHECK if ok else CROSS


def stage_style(stage: str, default: str = "") -> str:
    """stem cyan, head white, and the residual stages in turn through five colours."""
    if stage == "stem":
        return "bold cyan"
    if stage == "head":
        return "bold white"
    if stage.startswith("layer") and stage[5:].isdigit():
        return _STAGE_STYLES[(int(stage[5:]) - 1) % len(_STAGE_STYLES)]
    return default


def _size_cell(row: Row) -> Text:
    text = Text(size_text(row.in_shape, row.out_shape))
    if not row.verified and len(row.layers) == 1:
        observed = row.layers[0].check.observed_out_shape
        if observed is not None and observed != row.out_shape:
            text.append(f" (model: {'×'.join(str(d) for d in observed[1:])})", style="bold red")
    return text


def _share(value: int, total: int) -> str:
    return f"{100 * value / total:.1f}%" if total else "—"


def layer_table(
    analysis: Analysis,
    level: Level | str = Level.layer,
    *,
    flops: bool = False,
    memory: dict[str, LayerMemory] | None = None,
    symbolic: dict[str, str] | None = None,
    fields: dict[str, Field] | None = None,
) -> Fitted:
    """One row per layer (or block, or stage), fitted to the terminal it is printed on.

    With `symbolic` (row name → its output size as a closed form in H and W), a last column shows it. With
    `fields` (layer name → receptive field), the field, jump and first centre of each row's output.

    With `memory` (from `memory.layer_memory`), the share columns give way to bytes moved and MACs per byte.
    """
    level = Level(level)
    unit, scale = ("FLOPs", 2) if flops else ("MACs", 1)
    shares = (
        [Col("Moved", "right", 2), Col("MACs/B", "right", 3)]
        if memory
        else [Col(f"%{unit}", "right", 2), Col("%Params", "right", 3)]
    )
    columns = [
        Col(level.value.title()),
        Col("Op", fold=True, min_width=6, max_width=16),
        Col("Channels", "right", 1),
        Col("Size", fold=True, min_width=5, max_width=13),
        Col("Params", "right"),
        Col(unit, "right"),
        *shares,
        Col("✓", "center"),
    ]
    if fields is not None:
        columns += [Col("RF", "right"), Col("Jump", "right", 1), Col("Start", "right", 2)]
    if symbolic is not None:
        columns.append(Col("Closed form", fold=True, min_width=8))
    table_rows = analysis.grouped(level)
    cells, styles, sections = [], [], []
    for i, row in enumerate(table_rows):
        first_of_stage = i == 0 or table_rows[i - 1].stage != row.stage
        last_of_stage = i == len(table_rows) - 1 or table_rows[i + 1].stage != row.stage
        if level is Level.layer and first_of_stage:
            cells.append([Text(f"{row.stage} ({paper_stage(row.stage)})", style=stage_style(row.stage, "bold"))])
            styles.append(None)
            sections.append(False)
        cells.append(
            [
                Text(row.name, style="" if level is Level.layer else stage_style(row.stage, "")),
                row.op,
                channels_text(row.in_shape, row.out_shape),
                _size_cell(row),
                Num.count(row.params),
                Num.count(row.macs_fvcore * scale),
                *(
                    _memory_cells(row, memory)
                    if memory
                    else (_share(row.macs_fvcore, analysis.macs_fvcore), _share(row.params, analysis.params))
                ),
                mark(row.verified),
                *(_field_cells(fields[row.last]) if fields is not None else ()),
                *((symbolic.get(row.name, ""),) if symbolic is not None else ()),
            ]
        )
        styles.append(None if row.verified else "red")
        sections.append(last_of_stage and level is not Level.stage)
    caption = (
        f"{'FLOPs = 2 × MACs; MACs' if flops else 'MACs'}: fvcore's count per layer, batch norm and avg pool "
        "included (see totals)"
    )
    if memory:
        caption += "\nMoved: weights + inputs read + outputs written; MACs/B: conv + linear MACs per byte moved"
    title = f"{analysis.spec.name} · input {shape_text(analysis.input_shape)} (N×C×H×W) · {level.value}s"
    return Fitted(columns, cells, title=title, caption=caption, row_styles=styles, sections=sections)


def _field_cells(field: Field) -> tuple[str, str, str]:
    """A row's field `427×427` (or `global`), its jump `32`, its first centre `0`; per axis where they differ."""

    def pair(h: float, w: float) -> str:
        h, w = (int(v) if v == int(v) else v for v in (h, w))
        return f"{h}" if h == w else f"{h},{w}"

    return field.text(), pair(*field.jump), pair(*field.start)


def _record_field_cells(record) -> tuple[str, str, str]:
    """A record's field, jump and start as `_field_cells` writes them; `?` where the op's field is unknown."""
    if record.receptive_field is None:
        return "?", "?", "?"
    (h, w), jump, start = record.receptive_field, record.jump, record.rf_start

    def pair(a: float, b: float) -> str:
        a, b = (int(v) if v == int(v) else v for v in (a, b))
        return f"{a}" if a == b else f"{a},{b}"

    return ("global" if record.rf_global else f"{h}×{w}"), pair(*jump), pair(*start)


def _memory_cells(row: Row, memory: dict[str, LayerMemory]) -> tuple[str, str]:
    moved = sum(memory[layer.name].bytes_moved for layer in row.layers)
    return _bytes(moved), f"{row.macs_conv_linear / moved:.1f}" if moved else "—"


def memory_summary(peak: Peak, training_bytes: int, dtype: str) -> Text:
    text = Text()
    text.append(f"Activations at {dtype}: ", style="bold")
    text.append(
        f"{_bytes(peak.bytes)} alive at once at most in inference (during {peak.at}); "
        f"{_bytes(training_bytes)} kept for a training step's backward pass\n"
    )
    return text


def _bar(share: float, width: int = 12) -> str:
    cells = share * width
    full = int(cells)
    return "█" * full + ("▌" if cells - full >= 0.5 else "")


def stage_summary(analysis: Analysis, *, flops: bool = False) -> Fitted:
    """Where the compute and the parameters sit, titled with what the shares say (`summary.headline`)."""
    unit, scale = ("FLOPs (2×MACs)", 2) if flops else ("MACs", 1)
    cells = []
    for row in analysis.grouped(Level.stage):
        p_share = share(row.params, analysis.params)
        m_share = share(row.macs_conv_linear, analysis.macs_conv_linear)
        cells.append(
            [
                Text(row.name, style=stage_style(row.name, "")),
                paper_stage(row.name),
                shape_text(row.out_shape[1:]),
                Num.count(row.params),
                f"{100 * p_share:.1f}%",
                Text(_bar(p_share), style="blue"),
                Num.count(row.macs_conv_linear * scale),
                f"{100 * m_share:.1f}%",
                Text(_bar(m_share), style="yellow"),
            ]
        )
    columns = [
        Col("Stage"),
        Col("Paper", priority=2),
        Col("Output", priority=1),
        Col("Params", "right"),
        Col("%Params", "right"),
        Col("", priority=3),
        Col(f"{unit}, conv+linear", "right"),
        Col(f"%{unit.split(' ')[0]}", "right"),
        Col("", priority=3),
    ]
    return Fitted(columns, cells, title=f"Per stage: {analysis.headline}")


def totals(analysis: Analysis, *, flops: bool = False) -> Text:
    text = Text()
    for line in analysis.totals_lines(flops=flops):
        text.append(line + "\n")
    if analysis.verified:
        text.append("✓ every layer's shape, parameters and MACs agree: formula, hooked model and fvcore\n", "green")
    else:
        text.append(f"✗ {len(analysis.problems)} disagreements between the formula and the model:\n", "bold red")
        for problem in analysis.problems:
            text.append(f"  {problem}\n", "red")
    return text


def cross_checks(checks: Sequence[CrossCheck]) -> Text:
    text = Text("Cross-check of the totals by independent counters:\n", style="bold")
    for check in checks:
        text.append(
            f"  {check.line()}\n",
            style="green" if check.ok and check.counted is not None else ("dim" if check.ok else "bold red"),
        )
    return text


def table_view(
    analysis: Analysis,
    level: Level | str = Level.layer,
    *,
    flops: bool = False,
    width: int | None = None,
    memory: MemoryView | None = None,
    checks: Sequence[CrossCheck] = (),
    symbolic: dict[str, str] | None = None,
    fields: bool = False,
) -> Group:
    """The layer table, the stage summary with what the last stage sees, the totals, and the memory summary and
    cross-checks when given. `fields`: receptive-field columns in the layer table.

    The tables fit whatever they are printed on (`width` is kept for callers that pass it; it is not needed).
    """
    fields_ = analysis.fields if fields else None
    parts = [
        layer_table(
            analysis, level, flops=flops, memory=memory.layers if memory else None, symbolic=symbolic, fields=fields_
        ),
        "",
        stage_summary(analysis, flops=flops),
        "",
        totals(analysis, flops=flops),
    ]
    parts[3:3] = ["", Text(f"Receptive field: {analysis.field_sentence}")]
    if memory:
        parts.append(memory_summary(memory.peak, memory.training_bytes, memory.dtype))
    if checks:
        parts.append(cross_checks(checks))
    return Group(*parts)


def catalog_table(entries: Sequence[CatalogEntry]) -> Fitted:
    columns = [
        Col("Arch"),
        Col("Design", fold=True, priority=2, max_width=24),
        Col("Size", "right", 1),
        Col("Params", "right"),
        Col("MACs", "right"),
        Col("GMACs", "right", 3),
        Col("✓", "center"),
    ]
    cells = [
        [
            e.name,
            e.design,
            e.size,
            Num.count(e.params),
            Num.count(e.macs_conv_linear),
            f"{e.macs_conv_linear / 1e9:,.2f}",
            mark(e.verified),
        ]
        for e in entries
    ]
    return Fitted(
        columns,
        cells,
        title="Named configs, each at its input size",
        caption="MACs: conv + linear (the paper's and torchvision's count); each row verified against its model",
    )


def paper_view(result: PaperTable) -> Group:
    columns = [
        Col("layer name", fold=True, max_width=10, short="layer"),
        Col("output size", priority=1, fold=True, max_width=11, short="size"),
        *(Col(f"{depth}-layer", fold=True, short=str(depth)) for depth in result.depths),
    ]
    cells = [[row.name, row.output, *("\n".join(cell) for cell in row.cells)] for row in result.rows]
    cells.append([Text(result.total_label, style="bold"), "", *(Text(v, style="bold") for v in result.totals)])
    table = Fitted(columns, cells, title=result.title, sections=[True] * len(cells))
    notes = Text()
    for i, note in enumerate(result.footnotes, start=1):
        notes.append(f"{i}. {note}\n", style="dim" if i == 1 else "")
    return Group(table, notes)


# ----------------------------------------------------------------------------------------- comparisons


def blocks_view(comparison: BlockComparison) -> Group:
    h, w = comparison.size
    cells, sections = [], []
    for design in comparison.designs:
        for i, conv in enumerate(design.convs):
            kernel = f"{conv.kernel[0]}×{conv.kernel[1]}" + (f" /{conv.stride[0]}" if conv.stride[0] > 1 else "")
            kernel += f" g{conv.groups}" if conv.groups > 1 else ""
            channels = (
                channels_text(conv.in_shape, conv.out_shape)
                if conv.in_shape[1] != conv.out_shape[1]
                else f"{conv.out_shape[1]}"
            )
            cells.append(
                [
                    Text(design.label, style="bold") if i == 0 else "",
                    conv.name.removeprefix("block."),
                    kernel,
                    channels,
                    size_text(conv.in_shape, conv.out_shape),
                    Num.count(conv.params),
                    Num.count(conv.macs_conv_linear),
                ]
            )
            sections.append(False)
        cells.append(
            [
                "",
                Text("total", style="bold"),
                "",
                "",
                "",
                Num.count(design.conv_params, "bold"),
                Num.count(design.macs_conv_linear, "bold"),
            ]
        )
        sections.append(True)
    columns = [
        Col("Design"),
        Col("Conv"),
        Col("Kernel", priority=2),
        Col("Channels", "right", 1),
        Col("Size", fold=True, priority=3),
        Col("Params", "right"),
        Col("MACs", "right"),
    ]
    table = Fitted(
        columns,
        cells,
        sections=sections,
        title=f"Block designs at {comparison.place}"
        + (", stride 2 (first block of a stage)" if comparison.stride == 2 else ""),
        caption="convs only: batch norm adds the summary's params with BN",
    )
    base = comparison.designs[0]
    summary = Fitted(
        [
            Col("Design"),
            Col("Channels", priority=2),
            Col("Conv params", "right", 1),
            Col("Params+BN", "right", 3),
            Col("MACs", "right"),
            Col("MACs ×basic", "right"),
            Col("Params ×basic", "right", 2),
            Col("✓", "center"),
        ],
        [
            [
                d.label,
                f"{d.in_channels}→{d.out_channels}",
                Num.count(d.conv_params),
                Num.count(d.params),
                Num.count(d.macs_conv_linear),
                f"{d.macs_conv_linear / base.macs_conv_linear:.3f}",
                f"{d.conv_params / base.conv_params:.3f}",
                mark(d.analysis.verified),
            ]
            for d in comparison.designs
        ],
    )
    delta = base.macs_conv_linear - comparison.designs[1].macs_conv_linear
    words = Text()
    words.append(f"basic − bottleneck: {comparison.difference_formula()} MACs", style="bold")
    words.append(
        f"\nthe bottleneck {'saves' if delta > 0 else 'costs'} {abs(delta):,} MACs "
        f"({abs(delta) / base.macs_conv_linear:.1%}) while carrying "
        f"{comparison.designs[1].out_channels // base.out_channels}× "
        f"the channels ({comparison.designs[1].out_channels} against {base.out_channels}) at {h}×{w}"
    )
    return Group(table, "", summary, words)


def compare_view(analyses: Sequence[Analysis], size: tuple[int, int]) -> Group:
    """Two tables, parameters then MACs, one column per network (and its share): where each network keeps what."""
    stage_rows = [{r.name: r for r in a.grouped(Level.stage)} for a in analyses]
    tables: list = []
    for metric, unit in (("params", "Params"), ("macs", "MACs, conv + linear,")):
        columns = [Col("Stage"), Col("Paper", priority=3)]
        for a in analyses:
            columns += [Col(a.spec.name, "right"), Col("%", "right", 2)]
        cells = []
        for stage in dict.fromkeys(s for a in analyses for s in stage_names(a.spec)):
            row_cells: list[Cell] = [Text(stage, style=stage_style(stage, "")), paper_stage(stage)]
            for a, by_stage in zip(analyses, stage_rows, strict=True):
                r = by_stage.get(stage)
                if r is None:
                    row_cells += ["—", ""]
                    continue
                value, total = (r.params, a.params) if metric == "params" else (r.macs_conv_linear, a.macs_conv_linear)
                row_cells += [Num.count(value), f"{100 * share(value, total):.1f}%"]
            cells.append(row_cells)
        total_cells: list[Cell] = [Text("total", style="bold"), ""]
        for a in analyses:
            total_cells += [Num.count(a.params if metric == "params" else a.macs_conv_linear, "bold"), ""]
        cells.append(total_cells)
        tables.append(
            Fitted(
                columns, cells, title=f"{unit} per stage at {size[0]}×{size[1]}, with each stage's share of its network"
            )
        )
        tables.append("")
    verdict = Text("✓ every network verified against its model", "green")
    if not all(a.verified for a in analyses):
        verdict = Text("✗ " + ", ".join(a.spec.name for a in analyses if not a.verified) + " disagree", "bold red")
    return Group(*tables[:-1], verdict)


def diff_view(diff: NetworkDiff) -> Group:
    differences, a, b = diff.blocks, diff.a, diff.b
    cells, sections = [], []
    for block, layer_diffs in differences:
        for i, d in enumerate(layer_diffs):
            cells.append(
                [
                    block if i == 0 else "",
                    d.name.removeprefix(f"{block}."),
                    d.side("a"),
                    d.side("b"),
                    Num.count(d.params_delta, signed=True) if d.params_delta else "",
                    Num.count(d.macs_conv_linear_delta, signed=True) if d.macs_conv_linear_delta else "",
                ]
            )
            sections.append(i == len(layer_diffs) - 1)
    columns = [
        Col("Block"),
        Col("Layer"),
        Col("A", fold=True, max_width=20),
        Col("B", fold=True, max_width=20),
        Col("Δ params", "right", 1),
        Col("Δ MACs", "right"),
    ]
    table = Fitted(
        columns,
        cells,
        sections=sections,
        title=f"A = {a.spec.name}  ·  B = {b.spec.name}  ·  input {'×'.join(map(str, a.input_shape))}",
    )
    dm, dp = b.macs_conv_linear - a.macs_conv_linear, b.params - a.params
    text = Text()
    if not differences:
        text.append("A and B are the same network at this size.\n", "green")
    else:
        costly = [(blk, sum(d.macs_conv_linear_delta for d in ds)) for blk, ds in differences]
        costly = [(blk, m) for blk, m in costly if m]
        text.append(f"{len(differences)} blocks differ; B − A: {dp:+,} params, {dm:+,} MACs (conv + linear)", "bold")
        if costly:
            text.append("\nper block: " + ", ".join(f"{blk} {m:+,}" for blk, m in costly))
    return Group(table, text)


JUMPS_SHOWN = 8  # jump explanations under a terminal sweep; --format json gives each one's cause


def sweep_view(result: Sweep) -> Group:
    records = result.records()
    columns = [
        Col("Size"),
        Col("Batch", "right", 3),
        Col("Final map", priority=1),
        Col("MACs", "right"),
        Col("MACs/pixel", "right", 2),
        Col(""),
        Col("Act./batch", "right", 2),
        Col("Act./sample", "right", 3),
        Col("✓", "center"),
    ]
    cells = [
        [
            shape_text(r.size),
            str(r.batch),
            shape_text(r.final_map),
            Num.count(r.macs_conv_linear),
            Num(
                r.macs_conv_linear_per_pixel,
                f"{r.macs_conv_linear_per_pixel:,.1f}",
                compact(r.macs_conv_linear_per_pixel),
            ),
            Text("▲", style="bold yellow") if r.jump else "",
            _bytes(r.activation_bytes),
            _bytes(r.activation_bytes_per_sample),
            mark(r.verified),
        ]
        for r in records
    ]
    table = Fitted(
        columns,
        cells,
        title=f"{result.spec.name} over {_points_words(records)}",
        row_styles=["yellow" if r.jump else None for r in records],
        caption=f"▲ marks a size whose MACs per pixel rise more than {result.jump_threshold:.0%} over the "
        f"previous one; activations: every layer output that allocates a tensor, {result.dtype}; MACs: "
        "conv + linear",
    )
    causes = [r.jump_cause for r in records if r.jump_cause]
    words = Text("".join(f"▲ {cause}\n" for cause in causes[:JUMPS_SHOWN]))
    if len(causes) > JUMPS_SHOWN:
        more = len(causes) - JUMPS_SHOWN
        words.append(f"… {counted(more, 'more jump')}: --format json gives each one's cause\n", style="dim")
    return Group(table, words) if causes else Group(table)


def _bytes(n: int) -> str:
    for unit, size in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= size:
            return f"{n / size:,.1f} {unit}"
    return f"{n} B"


def profile_view(result: Profile, level: Level | str = Level.stage) -> Group:
    stages = result.records("stage")
    blocks = None if Level(level) is Level.stage else result.records("block")
    n, _, h, w = result.input_shape
    columns = [
        Col("Stage"),
        Col("Paper", priority=3),
        Col("Time (ms)", "right"),
        Col("min–max", "right", 2),
        Col("% time", "right"),
        Col("% MACs", "right"),
        Col("", priority=2),
        Col("GMAC/s", "right", 1),
    ]
    cells = []
    for r in stages:
        gap = r.time_share - r.macs_share_conv_linear
        marker = Text(
            "▲ slower than its MACs" if gap > 0.05 else "▼ faster" if gap < -0.05 else "",
            style="yellow" if gap > 0.05 else "cyan",
        )
        cells.append(
            [
                Text(r.stage, style=stage_style(r.stage, "")),
                paper_stage(r.stage),
                f"{r.median_ms:,.3f}",
                f"{r.min_ms:,.3f}–{r.max_ms:,.3f}",
                f"{100 * r.time_share:.1f}%",
                f"{100 * r.macs_share_conv_linear:.1f}%",
                marker,
                f"{r.gmacs_conv_linear_per_s:,.1f}",
            ]
        )
    title = (
        f"{result.spec.name} at {h}×{w}, batch {n}, {result.dtype}"
        + (", channels-last" if result.channels_last else "")
        + (", compiled" if result.compiled else "")
        + f" on {result.device}"
    )
    parts: list = [
        Fitted(
            columns,
            cells,
            title=title,
            caption=f"median of {len(result.whole.samples)} timed passes (min–max); MACs: conv + linear",
        )
    ]
    if blocks is not None:
        parts.append(
            Fitted(
                [
                    Col("Block"),
                    Col("Time (ms)", "right"),
                    Col("min–max", "right", 2),
                    Col("MACs", "right", 1),
                    Col("GMAC/s", "right", 1),
                ],
                [
                    [
                        r.block,
                        f"{r.median_ms:,.3f}",
                        f"{r.min_ms:,.3f}–{r.max_ms:,.3f}",
                        Num.count(r.macs_conv_linear),
                        f"{r.gmacs_conv_linear_per_s:,.1f}",
                    ]
                    for r in blocks
                ],
                title="Per block",
            )
        )
    text = Text()
    text.append(
        f"whole model {result.whole.median:,.3f} ms ({result.gmacs_conv_linear_per_s:,.1f} GMAC/s); "
        f"the segments add up to {result.segments_ms:,.3f} ms\n"
    )
    text.append(result.headline() + "\n", style="bold")
    if result.peak_memory_bytes is not None:
        text.append(
            f"peak activation memory: {_bytes(result.peak_memory_bytes)} measured by "
            "torch.cuda.max_memory_allocated (with the allocator's rounding and cuDNN's workspace), "
            f"{_bytes(result.analytic_peak_bytes)} of activations alive at once by the analysis\n"
        )
    else:
        text.append(
            f"peak activation memory by the analysis: {_bytes(result.analytic_peak_bytes)} (measured only on CUDA)\n",
            style="dim",
        )
    parts.append(text)
    return Group(*parts)


def _points_words(records) -> str:
    """`5 input sizes`, or `1 input size × 5 batches`: what a sweep's rows range over."""
    sizes = len({tuple(r.size) for r in records})
    batches = len({r.batch for r in records})
    return counted(sizes, "input size") + (f" × {counted(batches, 'batch', 'batches')}" if batches > 1 else "")


# ----------------------------------------------------------------------------------------------- check


def check_view(comparison: Comparison) -> Group:
    stages = comparison.records()
    parts: list = []
    verdict = Text()
    name = comparison.reference.name
    if comparison.verdict == "matches":
        verdict.append(f"✓ matches {name}", style="bold green")
        verdict.append(
            ": the same stem, blocks, shortcuts, activations and head, with the same shapes, params and MACs\n"
        )
        if comparison.proof is not None:
            verdict.append(f"Proven: {comparison.proof.words()}.\n")
            for note in comparison.proof.notes:
                verdict.append(note + ".\n", style="dim")
    elif comparison.verdict == "unproven":
        verdict.append(f"? {comparison.verdict_line()}\n", style="bold yellow")
    elif comparison.verdict == "not_a_resnet":
        verdict.append("✗ not a ResNet", style="bold red")
        verdict.append(
            f": no residual add anywhere (every shortcut is missing); nothing to hold against {name} block by block\n"
        )
    else:
        kinds = ", ".join(d.kind for d in comparison.differences)
        verdict.append(
            f"✗ differs from {name} in {counted(len(comparison.differences), 'way')} ({kinds}); first: ",
            style="bold red",
        )
        verdict.append(comparison.differences[0].message + "\n", style="bold")
    if comparison.equals and comparison.verdict == "differs":
        verdict.append(
            f"Your model equals {comparison.equals} (built and checked: the same graph, op for op, and the same "
            "outputs with the same weights).\n",
            style="bold yellow",
        )
    elif comparison.verdict == "differs" and comparison.closest is not None:
        verdict.append(comparison.closest_line() + "\n", style="yellow")
    elif comparison.verdict == "differs":
        verdict.append("No config of this tool builds your network exactly.\n", style="yellow")
    parts.append(verdict)
    columns = [
        Col("Stage"),
        Col("Output (ref)", priority=2),
        Col("Output (yours)", priority=1),
        Col("Params (ref)", "right", 3),
        Col("Params (yours)", "right"),
        Col("MACs (ref)", "right", 3),
        Col("MACs (yours)", "right"),
    ]
    cells = []
    for r in stages:
        style = "" if r.same else "bold red"
        ref_out, your_out = shape_text(r.reference_out_shape[1:]), shape_text(r.your_out_shape[1:])
        cells.append(
            [
                Text(r.stage, style=stage_style(r.stage, "")),
                ref_out,
                Text(your_out, style=style if your_out != ref_out else ""),
                Num.count(r.reference_params),
                Num.count(r.your_params, style if r.your_params != r.reference_params else ""),
                Num.count(r.reference_macs_conv_linear),
                Num.count(
                    r.your_macs_conv_linear, style if r.your_macs_conv_linear != r.reference_macs_conv_linear else ""
                ),
            ]
        )
    table = Fitted(columns, cells, title="Per stage: yours against the reference")
    parts.append(table)
    notes = Text()
    for d in comparison.differences:
        notes.append(f"  • [{d.kind}] {d.message}\n", style="red")
    if comparison.shortcut_first:
        notes.append(
            f"Your blocks run the shortcut before the main path ({', '.join(comparison.shortcut_first[:4])}"
            f"{' …' if len(comparison.shortcut_first) > 4 else ''}): the same network, not a difference.\n",
            style="dim",
        )
    notes.append(
        f"Run: {comparison.probe}, on a copy of your model (yours is not touched); every tensor op seen, "
        f"{counted(comparison.relu_calls, 'ReLU call')} among them.\n",
        style="dim",
    )
    if comparison.unknown_ops:
        notes.append(
            f"Not compared (ops with parameters of no known kind): {', '.join(comparison.unknown_ops[:5])}\n",
            style="yellow",
        )
    parts.append(notes)
    return Group(*parts)


def checkpoint_view(result: CheckpointResult) -> Text:
    reference, verdict = result.reference, result.difference()
    text = Text()
    if result.spec is None:
        text.append(f"✗ {result.path}: not a ResNet state_dict this tool can read\n", style="bold red")
    elif result.problems:
        text.append(
            f"✗ {result.path}: laid out like {result.spec.name}, but it does not load into it strictly\n",
            style="bold red",
        )
    else:
        name = result.recognised_as or "a config of its own"
        text.append(f"✓ {result.path}: {name}", style="bold green")
        text.append(f" ({result.design}); loads strictly, key for key and shape for shape\n")
    for problem in result.problems:
        text.append(f"  • {problem}\n", style="red")
    if verdict:
        text.append(f"✗ {verdict}\n", style="bold red")
    elif reference is not None and result.spec is not None and not result.problems:
        text.append(f"✓ the same architecture as {reference.name}\n", style="green")
    for note in result.notes:
        text.append(f"note: {note}\n", style="dim")
    return text


# ------------------------------------------------------------------------------------------ table --model


def model_table_view(
    analysis: ModelAnalysis, level: Level | str = Level.layer, *, flops: bool = False, fields: bool = False
) -> Group:
    """`table --model`: any model's ops (or blocks, stages), with totals and what could not be counted."""
    layer_rows = Level(level) is Level.layer or not analysis.resnet_like
    records = analysis.records(level)
    layout = (
        "ResNet-like: " + "+".join(map(str, analysis.structure.layers)) + " blocks"
        if analysis.resnet_like
        else "no residual add: flat"
    )
    n, _, h, w = analysis.input_shape
    names = ("Layer", "Op", "Input", "Output") if layer_rows else (Level(level).value.title(), "Output")
    wide = {
        "Layer": Col("Layer"),
        "Op": Col("Op", fold=True, max_width=16),
        "Input": Col("Input", priority=2),
        "Output": Col("Output", priority=1),
    }
    unit, scale = ("FLOPs", 2) if flops else ("MACs", 1)
    columns = [wide.get(name, Col(name)) for name in names]
    columns += [
        Col("Params", "right"),
        Col(f"{unit}, conv+linear", "right"),
        Col(f"{unit}, fvcore", "right", 3),
        Col("✓", "center"),
    ]
    if fields:
        columns += [Col("RF", "right"), Col("Jump", "right", 1), Col("Start", "right", 2)]
    cells, sections, styles = [], [], []
    for i, r in enumerate(records):
        fv = Text("not counted", style="yellow") if r.macs_fvcore is None else Num.count(r.macs_fvcore * scale)
        out = shape_text(r.out_shape[1:])
        named = [r.name, r.op, shape_text(r.in_shape[1:]), out] if layer_rows else [r.name, out]
        cells.append(
            [
                *named,
                Num.count(r.params),
                Num.count(r.macs_conv_linear * scale),
                fv,
                mark(r.verified),
                *(_record_field_cells(r) if fields else ()),
            ]
        )
        styles.append(None if r.verified else "red")
        following = records[i + 1].stage if i + 1 < len(records) else None
        sections.append(i == len(records) - 1 or (layer_rows and following != r.stage))
    cells.append(
        [
            Text("total", style="bold"),
            *[""] * (len(names) - 1),
            Num.count(analysis.params_total, "bold"),
            Num.count(analysis.macs_conv_linear * scale, "bold"),
            Num.count(analysis.macs_fvcore * scale, "bold"),
            mark(analysis.verified),
        ]
    )
    sections.append(False)
    styles.append(None)
    table = Fitted(
        columns, cells, title=f"Your model at {h}×{w}, batch {n} ({layout})", sections=sections, row_styles=styles
    )
    notes = Text()
    notes.append(
        f"Run: {analysis.probe}, {analysis.dtype}, on a copy of your model (yours is not touched).\n", style="dim"
    )
    if analysis.unused_params:
        notes.append(f"{analysis.unused_params:,} parameters are never read by the forward.\n", style="yellow")
    if analysis.uncounted:
        notes.append(
            f"Not counted (no rule for their kind): {', '.join(analysis.uncounted[:6])}"
            f"{' …' if len(analysis.uncounted) > 6 else ''}\n",
            style="yellow",
        )
    for problem in analysis.problems[:5]:
        notes.append(f"✗ {problem}\n", style="bold red")
    return Group(table, notes)


# ---------------------------------------------------------------------------------- one view per command


def table_result_view(result: Table) -> Group:
    """`table`: a named network's layers, stages, totals and whatever the options added; or a model's."""
    if result.of_model:
        return model_table_view(result.analysis, result.level, flops=result.flops, fields=result.fields)
    return table_view(
        result.analysis,
        result.level,
        flops=result.flops,
        memory=result.memory,
        checks=result.cross_checks,
        symbolic=result.closed_forms,
        fields=result.fields,
    )


def comparison_view(result: NetworkComparison | NetworkDiff) -> Group:
    """`compare`: networks stage by stage, or (`--diff`) two of them block by block."""
    if hasattr(result, "blocks"):
        return diff_view(result)
    return compare_view(result.analyses, result.size)


def check_result_view(result: Comparison | CheckpointResult) -> Group | Text:
    """`check`: a model held against the reference, or what a checkpoint was saved from."""
    return checkpoint_view(result) if hasattr(result, "path") else check_view(result)
