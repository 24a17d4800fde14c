"""Tables that take the width they are given: every count whole and every column where they fit; on a narrow
terminal the least important columns go first, then counts turn compact (3 significant digits), and words wrap only
as a last resort. A number is never cut and ✓ never dropped. Every terminal view is built from these."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich import box
from rich.cells import cell_len
from rich.table import Table
from rich.text import Text


@dataclass(frozen=True)
class Num:
    """A count in a table cell: written whole (`25,557,032`) or, on a narrow terminal, compact (`25.6M`)."""

    value: int | float
    exact: str
    short: str
    style: str = ""

    @classmethod
    def count(cls, value: int, style: str = "", signed: bool = False) -> Num:
        return cls(value, f"{value:+,}" if signed else f"{value:,}", compact(value, signed), style)


@dataclass(frozen=True)
class Col:
    """A column: its header, and how readily it goes when the terminal is narrow.

    `priority` 0 is always shown (names, ✓); on a narrow terminal the highest priority goes first. `fold` lets
    words (never numbers) wrap onto more lines, the last resort before a table is wider than the terminal.
    """

    header: str
    justify: str = "left"
    priority: int = 0
    fold: bool = False
    min_width: int = 0
    max_width: int = 0  # a folding column wraps its words past this width (0: only when it must)
    short: str = ""  # the header on a terminal too narrow for `header`


Cell = str | Text | Num


class Fitted:
    """A table that takes the width it is given: exact counts and every column when they fit; else the least
    important columns go, then counts turn compact (3 significant digits); words wrap only as a last resort.

    A rich renderable: it fits whatever console or width it is printed to, so every command fits alike.
    """

    def __init__(
        self,
        columns: Sequence[Col],
        rows: Sequence[Sequence[Cell]],
        *,
        title: str | Text | None = None,
        caption: str | None = None,
        row_styles: Sequence[str | None] | None = None,
        sections: Sequence[bool] | None = None,
        show_header: bool = True,
    ) -> None:
        self.columns, self.rows = list(columns), [list(r) + [""] * (len(columns) - len(r)) for r in rows]
        self.title, self.caption, self.show_header = title, caption, show_header
        self.row_styles = list(row_styles) if row_styles is not None else [None] * len(self.rows)
        self.sections = list(sections) if sections is not None else [False] * len(self.rows)

    def _header(self, index: int, tight: bool) -> str:
        column = self.columns[index]
        return (column.short or column.header) if tight else column.header

    def _widths(self, index: int, compact_: bool, capped: bool = True, tight: bool = False) -> tuple[int, int]:
        """The column's natural width and its narrowest (words wrapped) width."""
        column = self.columns[index]
        texts = [_plain(row[index], compact_) for row in self.rows]
        header = self._header(index, tight) if self.show_header else ""
        natural = max([cell_len(header), column.min_width, *(cell_len(t) for t in texts)])
        if not column.fold:
            return natural, natural
        words = [w for t in [header, *texts] for w in t.split()]
        narrowest = max([column.min_width, *(cell_len(w) for w in words)])
        return (min(natural, max(column.max_width, narrowest)) if column.max_width and capped else natural), narrowest

    def layout(self, width: int) -> tuple[list[int], bool, bool, bool]:
        """For `width` cells: the columns shown, whether counts are compact, whether long text wraps, and whether
        the table is tight (one space between columns, short headers)."""
        levels = sorted({c.priority for c in self.columns if c.priority > 0}, reverse=True)
        has_numbers = any(isinstance(row[i], Num) for row in self.rows for i in range(len(self.columns)))
        drops = [10**9, *levels]
        # (drop columns with priority ≥ this, compact, wrap long text): everything on one line if it fits; then
        # text wraps; exact counts are worth a low-priority column: drop the last one, then round, then drop more.
        attempts = [(drops[0], False, False), *((drop, False, True) for drop in drops[:2])]
        attempts += [(drop, True, True) for drop in drops] if has_numbers else [(d, False, True) for d in drops[2:]]

        def measure(shown: list[int], compact_: bool, capped: bool, tight: bool) -> tuple[int, int]:
            sizes = [self._widths(i, compact_, capped, tight) for i in shown]
            # Between columns: a column's right padding and the box's blank rule; tight, the rule alone.
            gaps = (1 if tight else 2) * (len(shown) - 1)
            return sum(s[0] for s in sizes) + gaps, sum(s[1] for s in sizes) + gaps

        tried = []
        for drop, compact_, capped in attempts:
            shown = [i for i, c in enumerate(self.columns) if c.priority < drop]
            if measure(shown, compact_, capped, False)[0] <= width:
                return shown, compact_, capped, False
            tried.append((shown, compact_))
        for shown, compact_ in tried:  # words wrapped down to their longest; tight before a column goes
            for tight in (False, True):
                if measure(shown, compact_, True, tight)[1] <= width:
                    return shown, compact_, True, tight
        return tried[-1][0], tried[-1][1], True, True

    def table(self, width: int) -> Table:
        shown, compact_, capped, tight = self.layout(width)
        hidden = [self.columns[i].header for i in range(len(self.columns)) if i not in shown]
        notes = [self.caption] if self.caption else []
        if named := list(dict.fromkeys(h for h in hidden if h)):
            notes.append(f"Hidden to fit: {', '.join(named)}; widen the terminal to see them")
        if compact_:
            notes.append("Rounded to fit: widen the terminal, or use --format csv, for exact counts")
        table = Table(
            title=self.title,
            title_style="bold",
            header_style="bold",
            box=box.SIMPLE_HEAD,
            pad_edge=False,
            show_edge=False,
            padding=(0, 0 if tight else 1, 0, 0),
            show_header=self.show_header,
            caption="\n".join(notes) or None,
        )
        for i in shown:
            column = self.columns[i]
            natural, narrowest = self._widths(i, compact_, capped, tight)
            table.add_column(
                self._header(i, tight),
                justify=column.justify,
                no_wrap=not column.fold,  # type: ignore[arg-type]
                overflow="fold",
                min_width=narrowest,
                max_width=natural if column.fold else None,
            )
        for row, style, section in zip(self.rows, self.row_styles, self.sections, strict=True):
            table.add_row(*(_cell(row[i], compact_) for i in shown), style=style, end_section=section)
        return table

    def __rich_console__(self, console, options):
        yield self.table(options.max_width)

    def __rich_measure__(self, console, options):
        from rich.measure import Measurement

        return Measurement.get(console, options, self.table(options.max_width))


def _plain(cell: Cell, compact_: bool) -> str:
    if isinstance(cell, Num):
        return cell.short if compact_ else cell.exact
    return cell.plain if isinstance(cell, Text) else cell


def _cell(cell: Cell, compact_: bool) -> str | Text:
    if isinstance(cell, Num):
        return Text(cell.short if compact_ else cell.exact, style=cell.style)
    return cell


def compact(value: int | float, signed: bool = False) -> str:
    """1,234,567 → 1.23M: three significant digits, for terminals too narrow for exact counts."""
    sign = "+" if signed and value > 0 else "-" if value < 0 else ""
    units = ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "K"))
    for i, (divisor, suffix) in enumerate(units):
        if abs(value) >= divisor:
            text = f"{abs(value) / divisor:.3g}"
            if "e" in text and i > 0:  # 999,950 rounds to 1000K: the next unit up says it as 1M
                divisor, suffix = units[i - 1]
                text = f"{abs(value) / divisor:.3g}"
            elif "e" in text:
                text = f"{abs(value) / divisor:,.0f}"
            return sign + text + suffix
    return sign + (f"{abs(value):,}" if isinstance(value, int) else f"{abs(value):.3g}")
