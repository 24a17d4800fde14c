"""Rich renderables for an analysis: the layer table grouped by stage, and the per-stage summary."""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from ..core.memory import LayerMemory, Peak
from ..core.shapes import shape_text
from ..core.spec import paper_stage_name as paper_stage
from ..core.spec import stage_names
from ..features.catalog import CatalogEntry, design_text
from ..features.check import CheckpointResult, Comparison
from ..features.compare import BlockComparison, LayerDifference
from ..features.paper import PaperTable
from ..features.profile import Profile
from ..features.table import Analysis, CrossCheck, Level, MemoryView, Row, rows
from .formats import channels_text, cross_check_lines, size_text, totals_lines

_STAGE_STYLES = ("bold green", "bold yellow", "bold magenta", "bold blue", "bold red")


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


def _fit(cells: list[list], column: int, header: str) -> int:
    """The width column `column` needs to show every cell whole: numbers are never cut short."""
    return max(
        len(header),
        *(Text(cell).cell_len if isinstance(cell, str) else cell.cell_len for cell in (row[column] for row in cells)),
    )


def _compact(value: int) -> str:
    """1,234,567 → 1.23M: three significant digits, for terminals too narrow for exact counts."""
    for divisor, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "K")):
        if abs(value) >= divisor:
            scaled = value / divisor
            return f"{scaled:.3g}{suffix}" if scaled < 1000 else f"{scaled:,.0f}{suffix}"
    return str(value)


def layer_table(
    analysis: Analysis,
    level: Level | str = Level.layer,
    *,
    flops: bool = False,
    compact: bool = False,
    memory: dict[str, LayerMemory] | None = None,
    symbolic: dict[str, str] | None = None,
) -> Table:
    """One row per layer (or block, or stage). `compact` rounds counts to 3 digits, for narrow terminals.

    With `symbolic` (row name → its output size as a closed form in H and W), a last column shows it.

    With `memory` (from `memory.layer_memory`), the share columns give way to bytes moved and MACs per byte.
    """
    level = Level(level)
    number = _compact if compact else "{:,}".format
    unit, scale = ("FLOPs", 2) if flops else ("MACs", 1)
    shape = shape_text(analysis.input_shape)
    table = Table(
        title=f"{analysis.spec.name} · input {shape} (N×C×H×W) · {level.value}s",
        title_style="bold",
        header_style="bold",
        caption=f"{'FLOPs = 2 × MACs; MACs' if flops else 'MACs'}: fvcore's count per layer, "
        "batch norm and avg pool included (see totals)"
        + (
            "\nMoved: weights + inputs read + outputs written; MACs/B: conv + linear MACs per byte moved"
            if memory
            else ""
        )
        + ("\nRounded to fit: widen the terminal, or use --format csv, for exact counts" if compact else ""),
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        padding=(0, 1, 0, 0),  # one space between columns: 120 terminal columns hold every row
    )
    table_rows = rows(analysis, level)
    cells = [
        [
            Text(row.name, style="" if level is Level.layer else stage_style(row.stage, "")),
            row.op,
            channels_text(row.in_shape, row.out_shape),
            _size_cell(row),
            number(row.params),
            number(row.macs * scale),
            *(_memory_cells(row, memory) if memory else
              (_share(row.macs, analysis.macs_fvcore), _share(row.params, analysis.params))),
            Text("✓", style="green") if row.verified else Text("✗", style="bold red"),
        ]
        for row in table_rows
    ]  # fmt: skip
    shares = ["Moved", "MACs/B"] if memory else [f"%{unit}", "%Params"]
    headers = [level.value.title(), "Op", "Channels", "Size", "Params", unit, *shares, "✓"]
    stage_titles = [f"{stage} ({paper_stage(stage)})" for stage in dict.fromkeys(r.stage for r in table_rows)]
    name_width = max(_fit(cells, 0, headers[0]), *(len(t) for t in stage_titles)) if level is Level.layer else None
    table.add_column(headers[0], no_wrap=True, min_width=name_width or _fit(cells, 0, headers[0]))
    table.add_column(headers[1], overflow="fold", min_width=6)
    table.add_column(headers[2], justify="right", no_wrap=True, min_width=_fit(cells, 2, headers[2]))
    table.add_column(headers[3], overflow="fold", min_width=7)
    for column in range(4, 8):
        table.add_column(headers[column], justify="right", no_wrap=True, min_width=_fit(cells, column, headers[column]))
    table.add_column(headers[8], justify="center", no_wrap=True, min_width=1)
    if symbolic is not None:
        table.add_column("Closed form", no_wrap=True)
        cells = [[*row_cells, symbolic.get(row.name, "")] for row, row_cells in zip(table_rows, cells, strict=True)]

    for i, (row, row_cells) in enumerate(zip(table_rows, cells, strict=True)):
        first_of_stage = i == 0 or table_rows[i - 1].stage != row.stage
        last_of_stage = i == len(table_rows) - 1 or table_rows[i + 1].stage != row.stage
        if level is Level.layer and first_of_stage:
            table.add_row(Text(f"{row.stage} ({paper_stage(row.stage)})", style=stage_style(row.stage, "bold")))
        table.add_row(
            *row_cells,
            style=None if row.verified else "red",
            end_section=last_of_stage and level is not Level.stage,
        )
    return table


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


def _bar(share: float, width: int) -> str:
    cells = share * width
    full = int(cells)
    return "█" * full + ("▌" if cells - full >= 0.5 else "")


def stage_summary(analysis: Analysis, *, flops: bool = False, compact: bool = False) -> Table:
    """Where the compute and the parameters sit: compute early, parameters late."""
    number, bar_width = (_compact, 8) if compact else ("{:,}".format, 16)
    unit, scale = ("FLOPs (2×MACs)", 2) if flops else ("MACs", 1)
    table = Table(
        title="Per stage: compute sits early, parameters late",
        title_style="bold",
        header_style="bold",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        padding=(0, 1, 0, 0),
    )
    cells = []
    for row in rows(analysis, Level.stage):
        p_share = row.params / analysis.params if analysis.params else 0.0
        m_share = row.macs_conv_linear / analysis.macs if analysis.macs else 0.0
        cells.append(
            [
                Text(f"{row.name} ({paper_stage(row.name)})", style=stage_style(row.name, "")),
                shape_text(row.out_shape[1:]),
                number(row.params),
                f"{100 * p_share:.1f}%",
                Text(_bar(p_share, bar_width), style="blue"),
                number(row.macs_conv_linear * scale),
                f"{100 * m_share:.1f}%",
                Text(_bar(m_share, bar_width), style="yellow"),
            ]
        )
    headers = ["Stage", "Output", "Params", "%Params", "", f"{unit}, conv+linear", f"%{unit.split(' ')[0]}", ""]
    for column, header in enumerate(headers):
        if header:
            table.add_column(
                header, justify="left" if column < 2 else "right", no_wrap=True, min_width=_fit(cells, column, header)
            )
        else:  # a bar: cropped, never wrapped, when the terminal is narrow
            table.add_column(header, no_wrap=True, overflow="crop")
    for row_cells in cells:
        table.add_row(*row_cells)
    return table


def totals(analysis: Analysis, *, flops: bool = False) -> Text:
    text = Text()
    for line in totals_lines(analysis, flops=flops):
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
    for line, check in zip(cross_check_lines(checks), checks, strict=True):
        text.append(
            f"  {line}\n",
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
) -> Group:
    """The layer table, the stage summary, the totals, and the memory summary and cross-checks when given.

    Counts are rounded only if `width` cannot hold them.
    """
    layers = memory.layers if memory else None
    table = layer_table(analysis, level, flops=flops, memory=layers, symbolic=symbolic)
    if width is not None and _natural_width(table) > width:
        table = layer_table(analysis, level, flops=flops, compact=True, memory=layers, symbolic=symbolic)
    summary = stage_summary(analysis, flops=flops)
    if width is not None and _natural_width(summary) > width:
        summary = stage_summary(analysis, flops=flops, compact=True)
    parts = [table, "", summary, "", totals(analysis, flops=flops)]
    if memory:
        parts.append(memory_summary(memory.peak, memory.training_bytes, memory.dtype))
    if checks:
        parts.append(cross_checks(checks))
    return Group(*parts)


def _natural_width(table: Table) -> int:
    from rich.console import Console
    from rich.measure import Measurement

    console = Console(width=10_000)
    return Measurement.get(console, console.options, table).maximum


def catalog_table(entries: Sequence[CatalogEntry]) -> Table:
    table = Table(
        title="Named configs, each at its input size", title_style="bold", header_style="bold",
        box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1, 0, 0),
        caption="MACs: conv + linear (the paper's and torchvision's count); each row verified against its model",
    )  # fmt: skip
    table.add_column("Arch", no_wrap=True)
    table.add_column("Design", overflow="fold")
    table.add_column("Size", justify="right", no_wrap=True)
    table.add_column("Params", justify="right", no_wrap=True)
    table.add_column("MACs", justify="right", no_wrap=True)
    table.add_column("GMACs", justify="right", no_wrap=True)
    table.add_column("✓", justify="center", no_wrap=True)
    for e in entries:
        table.add_row(
            e.name, e.design, e.size, f"{e.params:,}", f"{e.macs:,}", f"{e.macs / 1e9:.2f}",
            Text("✓", style="green") if e.verified else Text("✗", style="bold red"),
        )  # fmt: skip
    return table


def paper_view(result: PaperTable) -> Group:
    table = Table(
        title=result.title,
        title_style="bold", header_style="bold", show_lines=True, box=box.SIMPLE_HEAD,
    )  # fmt: skip
    table.add_column("layer name", no_wrap=True, min_width=10)
    table.add_column("output size", no_wrap=True, min_width=11)
    for depth in result.depths:
        table.add_column(f"{depth}-layer", overflow="fold")
    for row in result.rows:
        table.add_row(row.name, row.output, *("\n".join(cell) for cell in row.cells))
    table.add_row(Text(result.total_label, style="bold"), "", *(Text(v, style="bold") for v in result.totals))
    notes = Text()
    for i, note in enumerate(result.footnotes, start=1):
        notes.append(f"{i}. {note}\n", style="dim" if i == 1 else "")
    return Group(table, notes)


# ----------------------------------------------------------------------------------------- comparisons


def blocks_view(comparison: BlockComparison) -> Group:
    h, w = comparison.size
    table = Table(
        title=f"Block designs at {comparison.place}"
        + (", stride 2 (first block of a stage)" if comparison.stride == 2 else ""),
        title_style="bold", header_style="bold", box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1, 0, 0),
        caption="convs only: batch norm adds the summary's params with BN",
    )  # fmt: skip
    for header, justify in (("Design", "left"), ("Conv", "left"), ("Kernel", "left"), ("Channels", "right"),
                            ("Size", "left"), ("Params", "right"), ("MACs", "right")):  # fmt: skip
        table.add_column(header, justify=justify, no_wrap=True)
    for design in comparison.designs:
        for i, conv in enumerate(design.convs):
            kernel = f"{conv.kernel[0]}×{conv.kernel[1]}" + (f" /{conv.stride[0]}" if conv.stride[0] > 1 else "")
            kernel += f" g{conv.groups}" if conv.groups > 1 else ""
            table.add_row(
                Text(design.label, style="bold") if i == 0 else "",
                conv.name.removeprefix("block."),
                kernel,
                channels_text(conv.in_shape, conv.out_shape)
                if conv.in_shape[1] != conv.out_shape[1]
                else f"{conv.out_shape[1]}",
                size_text(conv.in_shape, conv.out_shape),
                f"{conv.params:,}",
                f"{conv.macs:,}",
            )
        table.add_row("", Text("total", style="bold"), "", "", "", Text(f"{design.conv_params:,}", style="bold"),
                      Text(f"{design.macs:,}", style="bold"), end_section=True)  # fmt: skip
    summary = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False, padding=(0, 1, 0, 0))
    for header in ("Design", "Channels", "Conv params", "Params with BN", "MACs", "MACs ×basic", "Params ×basic", "✓"):
        summary.add_column(header, justify="left" if header in ("Design", "Channels") else "right", no_wrap=True)
    base = comparison.designs[0]
    for d in comparison.designs:
        summary.add_row(
            d.label, f"{d.in_channels}→{d.out_channels}", f"{d.conv_params:,}", f"{d.params:,}", f"{d.macs:,}",
            f"{d.macs / base.macs:.3f}", f"{d.conv_params / base.conv_params:.3f}",
            Text("✓", style="green") if d.analysis.verified else Text("✗", style="bold red"),
        )  # fmt: skip
    delta = base.macs - comparison.designs[1].macs
    words = Text()
    words.append(f"basic − bottleneck: {comparison.difference_formula()} MACs", style="bold")
    words.append(
        f"\nthe bottleneck {'saves' if delta > 0 else 'costs'} {abs(delta):,} MACs "
        f"({abs(delta) / base.macs:.1%}) while carrying {comparison.designs[1].out_channels // base.out_channels}× "
        f"the channels ({comparison.designs[1].out_channels} against {base.out_channels}) at {h}×{w}"
    )
    return Group(table, summary, words)


def compare_view(analyses: Sequence[Analysis], size: tuple[int, int]) -> Group:
    """Two tables, parameters then MACs, one column per network: where each network keeps what."""
    stage_rows = [{r.name: r for r in rows(a, Level.stage)} for a in analyses]
    tables = []
    for metric, unit in (("params", "M params"), ("macs", "GMACs, conv + linear")):
        table = Table(
            title=f"{unit} per stage at {size[0]}×{size[1]}, with each stage's share of its network",
            title_style="bold", header_style="bold", box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1, 0, 0),
        )  # fmt: skip
        table.add_column("Stage", no_wrap=True)
        for a in analyses:
            table.add_column(a.spec.name, justify="right", no_wrap=True)
        for stage in dict.fromkeys(s for a in analyses for s in stage_names(a.spec)):
            cells = [Text(f"{stage} ({paper_stage(stage)})", style=stage_style(stage, ""))]
            for a, by_stage in zip(analyses, stage_rows, strict=True):
                r = by_stage.get(stage)
                if r is None:
                    cells.append("—")
                    continue
                value, total = (r.params, a.params) if metric == "params" else (r.macs_conv_linear, a.macs)
                scaled = f"{value / 1e6:.2f}" if metric == "params" else f"{value / 1e9:.3f}"
                cells.append(f"{scaled} {100 * value / total:5.1f}%")
            table.add_row(*cells)
        table.add_row(
            Text("total", style="bold"),
            *(Text(f"{a.params / 1e6:.2f}" if metric == "params" else f"{a.macs / 1e9:.3f}", style="bold")
              for a in analyses),
        )  # fmt: skip
        tables.append(table)
    verdict = Text("✓ every network verified against its model; exact counts with --format csv or json", "green")
    if not all(a.verified for a in analyses):
        verdict = Text("✗ " + ", ".join(a.spec.name for a in analyses if not a.verified) + " disagree", "bold red")
    return Group(*tables, verdict)


def diff_view(differences: list[tuple[str, list[LayerDifference]]], a: Analysis, b: Analysis) -> Group:
    table = Table(
        title=f"A = {a.spec.name}  ·  B = {b.spec.name}  ·  input {'×'.join(map(str, a.input_shape))}",
        title_style="bold", header_style="bold", box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1, 0, 0),
    )  # fmt: skip
    for header, justify in (("Block", "left"), ("Layer", "left"), ("A", "left"), ("B", "left"),
                            ("Δ params", "right"), ("Δ MACs", "right")):  # fmt: skip
        table.add_column(header, justify=justify, no_wrap=header not in ("A", "B"), overflow="fold")
    for block, layer_diffs in differences:
        for i, d in enumerate(layer_diffs):
            table.add_row(
                block if i == 0 else "", d.name.removeprefix(f"{block}."), d.side("a"), d.side("b"),
                f"{d.params_delta:+,}" if d.params_delta else "", f"{d.macs_delta:+,}" if d.macs_delta else "",
                end_section=i == len(layer_diffs) - 1,
            )  # fmt: skip
    dm, dp = b.macs - a.macs, b.params - a.params
    text = Text()
    if not differences:
        text.append("A and B are the same network at this size.\n", "green")
    else:
        costly = [(blk, sum(d.macs_delta for d in ds)) for blk, ds in differences]
        costly = [(blk, m) for blk, m in costly if m]
        text.append(f"{len(differences)} blocks differ; B − A: {dp:+,} params, {dm:+,} MACs (conv + linear)", "bold")
        if costly:
            text.append("\nper block: " + ", ".join(f"{blk} {m:+,}" for blk, m in costly))
    return Group(table, text)


def sweep_view(records: Sequence[dict], spec_name: str, dtype: str) -> Table:
    table = Table(
        title=f"{spec_name} over {len(records)} input sizes", title_style="bold", header_style="bold",
        box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1, 0, 0),
        caption=f"▲ marks a size whose MACs per pixel rise more than 5% over the previous one: five halvings "
        f"round up; activations: every layer output that allocates a tensor, {dtype}",
    )  # fmt: skip
    for header in (
        "Size",
        "Batch",
        "Final map",
        "MACs",
        "MACs/pixel",
        "",
        "Activations/batch",
        "Activations/sample",
        "✓",
    ):
        table.add_column(header, justify="left" if header in ("Size", "Final map", "") else "right", no_wrap=True)
    key_batch, key_sample = f"activation_bytes_per_batch_{dtype}", f"activation_bytes_per_sample_{dtype}"
    for r in records:
        table.add_row(
            r["size"], str(r["batch"]), r["final_map"], f"{r['macs']:,}", f"{r['macs_per_pixel']:,.1f}",
            Text("▲", style="bold yellow") if r["jump"] else "", _bytes(r[key_batch]), _bytes(r[key_sample]),
            Text("✓", style="green") if r["verified"] else Text("✗", style="bold red"),
            style="yellow" if r["jump"] else None,
        )  # fmt: skip
    return table


def _bytes(n: int) -> str:
    for unit, size in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= size:
            return f"{n / size:,.1f} {unit}"
    return f"{n} B"


def profile_view(result: Profile, stages: list[dict], blocks: list[dict] | None, summary: dict) -> Group:
    n, _, h, w = result.input_shape
    table = Table(
        title=f"{result.spec.name} at {h}×{w}, batch {n}, {result.dtype}"
        + (", channels-last" if result.channels_last else "") + (", compiled" if result.compiled else "")
        + f" on {result.device}",
        title_style="bold", header_style="bold", box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1, 0, 0),
        caption=f"median of {len(result.whole.samples)} timed passes (min–max); MACs: conv + linear",
    )  # fmt: skip
    for header in ("Stage", "Time (ms)", "min–max", "% time", "% MACs", "", "GMAC/s"):
        table.add_column(header, justify="left" if header in ("Stage", "") else "right", no_wrap=True)
    for r in stages:
        gap = r["time_share"] - r["macs_share"]
        marker = Text("▲ slower than its MACs" if gap > 0.05 else "▼ faster" if gap < -0.05 else "",
                      style="yellow" if gap > 0.05 else "cyan")  # fmt: skip
        table.add_row(
            Text(f"{r['stage']} ({paper_stage(r['stage'])})", style=stage_style(r["stage"], "")),
            f"{r['median_ms']:,.3f}", f"{r['min_ms']:,.3f}–{r['max_ms']:,.3f}", f"{100 * r['time_share']:.1f}%",
            f"{100 * r['macs_share']:.1f}%", marker, f"{r['gmacs_per_s']:,.1f}",
        )  # fmt: skip
    parts: list = [table]
    if blocks is not None:
        detail = Table(title="Per block", title_style="bold", header_style="bold", box=box.SIMPLE_HEAD,
                       pad_edge=False, padding=(0, 1, 0, 0))  # fmt: skip
        for header in ("Block", "Time (ms)", "min–max", "MACs", "GMAC/s"):
            detail.add_column(header, justify="left" if header == "Block" else "right", no_wrap=True)
        for r in blocks:
            detail.add_row(r["block"], f"{r['median_ms']:,.3f}", f"{r['min_ms']:,.3f}–{r['max_ms']:,.3f}",
                           f"{r['macs']:,}", f"{r['gmacs_per_s']:,.1f}")  # fmt: skip
        parts.append(detail)
    text = Text()
    text.append(
        f"whole model {summary['whole_model_ms']:,.3f} ms ({summary['gmacs_per_s']:,.1f} GMAC/s); "
        f"the segments add up to {summary['segments_ms']:,.3f} ms\n"
    )
    text.append(summary["headline"] + "\n", style="bold")
    if summary["peak_activation_bytes_measured"] is not None:
        text.append(
            f"peak activation memory: {_bytes(summary['peak_activation_bytes_measured'])} measured by "
            "torch.cuda.max_memory_allocated (with the allocator's rounding and cuDNN's workspace), "
            f"{_bytes(summary['peak_activation_bytes_analytic'])} of activations alive at once by the analysis\n"
        )
    else:
        text.append(
            f"peak activation memory by the analysis: {_bytes(summary['peak_activation_bytes_analytic'])} "
            "(measured only on CUDA)\n", style="dim",
        )  # fmt: skip
    parts.append(text)
    return Group(*parts)


# ----------------------------------------------------------------------------------------------- check


def check_view(comparison: Comparison, stages: list[dict]) -> Group:
    parts: list = []
    verdict = Text()
    name = comparison.reference.name
    if comparison.verdict == "matches":
        verdict.append(f"✓ matches {name}", style="bold green")
        verdict.append(": the same stem, blocks, shortcuts, activations and head, with the same shapes, params "
                       "and MACs\n")  # fmt: skip
    elif comparison.verdict == "not_a_resnet":
        verdict.append("✗ not a ResNet", style="bold red")
        verdict.append(": no residual add anywhere (every shortcut is missing); nothing to hold against "
                       f"{name} block by block\n")  # fmt: skip
    else:
        kinds = ", ".join(d.kind for d in comparison.differences)
        verdict.append(f"✗ differs from {name} in {len(comparison.differences)} way(s) ({kinds}); first: ",
                       style="bold red")  # fmt: skip
        verdict.append(comparison.differences[0].message + "\n", style="bold")
    if comparison.equals and comparison.verdict == "differs":
        verdict.append(f"Your model equals {comparison.equals} (built and checked: same layers, shapes, params and "
                       "MACs).\n", style="bold yellow")  # fmt: skip
    elif comparison.verdict == "differs":
        verdict.append("No config of this tool builds your network exactly.\n", style="yellow")
    parts.append(verdict)
    table = Table(title="Per stage: yours against the reference", title_style="bold", header_style="bold",
                  box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1, 0, 0))  # fmt: skip
    for header in ("Stage", "Output (ref)", "Output (yours)", "Params (ref)", "Params (yours)", "MACs (ref)",
                   "MACs (yours)"):  # fmt: skip
        table.add_column(header, justify="left" if "Output" in header or header == "Stage" else "right", no_wrap=True)
    for r in stages:
        style = None if r["same"] else "bold red"
        table.add_row(
            Text(f"{r['stage']} ({paper_stage(r['stage'])})", style=stage_style(r["stage"], "")),
            r["reference_out"], Text(r["your_out"], style=style if r["your_out"] != r["reference_out"] else None),
            f"{r['reference_params']:,}",
            Text(f"{r['your_params']:,}", style=style if r["your_params"] != r["reference_params"] else None),
            f"{r['reference_macs']:,}",
            Text(f"{r['your_macs']:,}", style=style if r["your_macs"] != r["reference_macs"] else None),
        )  # fmt: skip
    parts.append(table)
    notes = Text()
    for d in comparison.differences:
        notes.append(f"  • [{d.kind}] {d.message}\n", style="red")
    if comparison.shortcut_first:
        notes.append(f"Your blocks run the shortcut before the main path ({', '.join(comparison.shortcut_first[:4])}"
                     f"{' …' if len(comparison.shortcut_first) > 4 else ''}): the same network, not a difference.\n",
                     style="dim")  # fmt: skip
    notes.append(f"Run: {comparison.probe}, on a copy of your model (yours is not touched); every tensor op seen, "
                 f"{comparison.relu_calls} ReLU calls among them.\n", style="dim")  # fmt: skip
    if comparison.unknown_ops:
        notes.append(f"Not compared (ops with parameters of no known kind): {', '.join(comparison.unknown_ops[:5])}\n",
                     style="yellow")  # fmt: skip
    parts.append(notes)
    return Group(*parts)


def checkpoint_view(result: CheckpointResult, reference, verdict: str | None) -> Text:
    text = Text()
    if result.spec is None:
        text.append(f"✗ {result.path}: not a ResNet state_dict this tool can read\n", style="bold red")
    elif result.problems:
        text.append(f"✗ {result.path}: laid out like {result.spec.name}, but it does not load into it strictly\n",
                    style="bold red")  # fmt: skip
    else:
        name = result.recognised_as or "a config of its own"
        text.append(f"✓ {result.path}: {name}", style="bold green")
        text.append(f" ({design_text(result.spec)}); loads strictly, key for key and shape for shape\n")
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


def model_table_view(analysis, records: list[dict], level: str) -> Group:
    """`table --model`: any model's ops (or blocks, stages), with totals and what could not be counted."""
    layer_rows = level == "layer" or not analysis.resnet_like
    layout = ("ResNet-like: " + "+".join(map(str, analysis.structure.layers)) + " blocks" if analysis.resnet_like
              else "no residual add: flat")  # fmt: skip
    n, _, h, w = analysis.input_shape
    table = Table(title=f"Your model at {h}×{w}, batch {n} ({layout})", title_style="bold", header_style="bold",
                  box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1, 0, 0))  # fmt: skip
    columns = ("Layer", "Op", "Input", "Output") if layer_rows else ("Stage" if level == "stage" else "Block", "Output")
    for header in (*columns, "Params", "MACs, conv+linear", "MACs, fvcore"):
        table.add_column(header, justify="right" if header.startswith(("Params", "MACs")) else "left", no_wrap=True)
    previous = None
    for r in records:
        group = r.get("stage")
        if layer_rows and group != previous and previous is not None:
            table.add_section()
        previous = group
        fv = "not counted" if r["macs_fvcore"] is None else f"{r['macs_fvcore']:,}"
        cells = ((r["name"], r["op"], r["input"], r["output"]) if layer_rows else (r["name"], r["output"]))
        table.add_row(*cells, f"{r['params']:,}", f"{r['macs_conv_linear']:,}",
                      Text(fv, style="yellow" if r["macs_fvcore"] is None else None))  # fmt: skip
    table.add_section()
    blanks = ("",) * (len(columns) - 1)
    table.add_row(Text("total", style="bold"), *blanks, f"{analysis.params_total:,}", f"{analysis.macs:,}",
                  f"{analysis.macs_fvcore:,}")  # fmt: skip
    notes = Text()
    notes.append(f"Run: {analysis.probe}, {analysis.dtype}, on a copy of your model (yours is not touched).\n",
                 style="dim")  # fmt: skip
    if analysis.unused_params:
        notes.append(f"{analysis.unused_params:,} parameters are never read by the forward.\n", style="yellow")
    if analysis.uncounted:
        notes.append(f"Not counted (no rule for their kind): {', '.join(analysis.uncounted[:6])}"
                     f"{' …' if len(analysis.uncounted) > 6 else ''}\n", style="yellow")  # fmt: skip
    for problem in analysis.problems[:5]:
        notes.append(f"✗ {problem}\n", style="bold red")
    return Group(table, notes)
