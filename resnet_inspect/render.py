"""Rich renderables for an analysis: the layer table grouped by stage, and the per-stage summary."""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from .analysis import Analysis, CrossCheck
from .report import Level, Row, channels_text, cross_check_lines, paper_stage, rows, size_text, totals_lines

STAGE_STYLE = {
    "stem": "bold cyan",
    "layer1": "bold green",
    "layer2": "bold yellow",
    "layer3": "bold magenta",
    "layer4": "bold blue",
    "head": "bold white",
}


def _size_cell(row: Row) -> Text:
    text = Text(size_text(row.in_shape, row.out_shape))
    if not row.verified and len(row.layers) == 1:
        observed = row.layers[0].check.observed_out_shape
        if observed is not None and observed != row.out_shape:
            text.append(f" (model: {'×'.join(str(d) for d in observed[1:])})", style="bold red")
    return text


def _share(value: int, total: int) -> str:
    return f"{100 * value / total:.1f}%" if total else "—"


def layer_table(analysis: Analysis, level: Level | str = Level.layer, *, flops: bool = False) -> Table:
    level = Level(level)
    unit = "FLOPs (2×MACs)" if flops else "MACs"
    scale = 2 if flops else 1
    shape = "×".join(str(d) for d in analysis.input_shape)
    table = Table(
        title=f"{analysis.spec.name} · input {shape} (N×C×H×W) · {level.value}s",
        title_style="bold",
        header_style="bold",
        caption=f"{unit}: fvcore's count per layer (conv and linear, plus batch norm and avg pool; see totals)",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        padding=(0, 1, 0, 0),  # one space between columns: 120 terminal columns hold every row
    )
    table_rows = rows(analysis, level)
    table.add_column(level.value.title(), no_wrap=True, min_width=max(len(row.name) for row in table_rows))
    table.add_column("Op", no_wrap=True)
    table.add_column("Channels", justify="right", no_wrap=True)
    table.add_column("Size", no_wrap=True)
    table.add_column("Params", justify="right", no_wrap=True)
    table.add_column(unit.split(" ")[0], justify="right", no_wrap=True)
    table.add_column(f"%{unit.split(' ')[0]}", justify="right", no_wrap=True)
    table.add_column("%Params", justify="right", no_wrap=True)
    table.add_column("✓", justify="center", no_wrap=True)

    for i, row in enumerate(table_rows):
        first_of_stage = i == 0 or table_rows[i - 1].stage != row.stage
        last_of_stage = i == len(table_rows) - 1 or table_rows[i + 1].stage != row.stage
        if level is Level.layer and first_of_stage:
            table.add_row(Text(f"{row.stage} ({paper_stage(row.stage)})", style=STAGE_STYLE.get(row.stage, "bold")))
        style = None if row.verified else "red"
        table.add_row(
            Text(row.name, style="" if level is Level.layer else STAGE_STYLE.get(row.stage, "")),
            row.op,
            channels_text(row.in_shape, row.out_shape),
            _size_cell(row),
            f"{row.params:,}",
            f"{row.macs * scale:,}",
            _share(row.macs, analysis.macs_fvcore),
            _share(row.params, analysis.params),
            Text("✓", style="green") if row.verified else Text("✗", style="bold red"),
            style=style,
            end_section=last_of_stage and level is not Level.stage,
        )
    return table


def _bar(share: float, width: int = 20) -> str:
    cells = share * width
    full = int(cells)
    return "█" * full + ("▌" if cells - full >= 0.5 else "")


def stage_summary(analysis: Analysis, *, flops: bool = False) -> Table:
    """Where the compute and the parameters sit: compute early, parameters late."""
    unit = "FLOPs (2×MACs)" if flops else "MACs"
    scale = 2 if flops else 1
    table = Table(
        title="Per stage: compute sits early, parameters late",
        title_style="bold",
        header_style="bold",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    table.add_column("Stage", no_wrap=True)
    table.add_column("Output", no_wrap=True)
    table.add_column("Params", justify="right", no_wrap=True)
    table.add_column("% Params", no_wrap=True)
    table.add_column(f"{unit}, conv+linear", justify="right", no_wrap=True)
    table.add_column(f"% {unit.split(' ')[0]}", no_wrap=True)
    for row in rows(analysis, Level.stage):
        p_share = row.params / analysis.params if analysis.params else 0.0
        m_share = row.macs_conv_linear / analysis.macs if analysis.macs else 0.0
        table.add_row(
            Text(f"{row.name} ({paper_stage(row.name)})", style=STAGE_STYLE.get(row.name, "")),
            "×".join(str(d) for d in row.out_shape[1:]),
            f"{row.params:,}",
            Text(f"{100 * p_share:5.1f}% ", style="") + Text(_bar(p_share), style="blue"),
            f"{row.macs_conv_linear * scale:,}",
            Text(f"{100 * m_share:5.1f}% ", style="") + Text(_bar(m_share), style="yellow"),
        )
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


def report(analysis: Analysis, level: Level | str = Level.layer, *, flops: bool = False) -> Group:
    return Group(
        layer_table(analysis, level, flops=flops),
        "",
        stage_summary(analysis, flops=flops),
        "",
        totals(analysis, flops=flops),
    )
