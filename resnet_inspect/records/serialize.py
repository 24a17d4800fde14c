"""Records as text: JSON, CSV, Markdown and notebook HTML, the same for every record type and every result.

A result shows itself as `Section`s (a caption, flat records, notes); `sections_html` draws any of them for a
notebook's `_repr_html_`, so a result never needs the views that draw it in a terminal. A list in a flat cell
is written joined by "×" (`[1, 64, 56, 56]` → `1×64×56×56`, `[3, 3]` → `3×3`), as every table writes a shape.

Nothing here imports torch or pandas (`dataframe` imports pandas when called).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any

from .base import Record, plain

Row = dict[str, Any]

# Boolean fields that say whether something agreed: drawn ✓ or ✗, not true or false.
VERDICT_FIELDS = ("verified", "same")


def rows_of(records: Sequence[Record | Row]) -> list[Row]:
    return [r.to_dict() if isinstance(r, Record) else dict(r) for r in records]


def to_json(value: Record | Sequence[Record | Row] | Row) -> str:
    """JSON indented by 2, a list of plain values (a shape, a kernel) on one line: `"in_shape": [1, 64, 56, 56]`."""
    return _dumps(plain(value), "") + "\n"


_encode = json.JSONEncoder(ensure_ascii=False).encode  # one encoder for every value: not one per call
_KEYS: dict[str, str] = {}  # a document repeats its keys in every record: each encoded once


def _dumps(value: Any, indent: str) -> str:
    inner = indent + "  "
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = (f"{inner}{_key(k)}: {_dumps(v, inner)}" for k, v in value.items())
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, list) and value and any(isinstance(v, dict | list) for v in value):
        return "[\n" + ",\n".join(inner + _dumps(v, inner) for v in value) + "\n" + indent + "]"
    if type(value) is int:  # the common leaf (not a bool, whose type is bool): as json writes it
        return str(value)
    return _encode(value)


def _key(key: str) -> str:
    if key not in _KEYS:
        _KEYS[key] = _encode(key)
    return _KEYS[key]


def cell_text(value: Any) -> str:
    """A value in a flat cell (CSV): lists joined by ×, None empty, the rest as str."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "×".join(cell_text(v) for v in value)
    if isinstance(value, float) and value == int(value) and abs(value) < 1e15:
        return str(value)
    return str(value)


def records_csv(records: Sequence[Record | Row]) -> str:
    rows = rows_of(records)
    buffer = io.StringIO()
    columns = list(dict.fromkeys(key for row in rows for key in row))
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: cell_text(v) if isinstance(v, list | tuple) else v for k, v in row.items()} for row in rows)
    return buffer.getvalue()


def _display(column: str, value: Any) -> str:
    if isinstance(value, bool):
        if column in VERDICT_FIELDS:
            return "✓" if value else "✗"
        return "yes" if value else ""
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float) and "share" in column:
        return f"{100 * value:.1f}%"
    if value is None:
        return "—"
    return cell_text(value)


def _numeric(rows: list[Row], column: str) -> bool:
    values = [r.get(column) for r in rows if r.get(column) is not None]
    return bool(values) and all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


def records_markdown(records: Sequence[Record | Row], columns: Sequence[str] | None = None) -> str:
    """A Markdown table of flat records: counts with thousands separators, numbers right-aligned."""
    rows = rows_of(records)
    if not rows:
        return ""
    names = list(columns) if columns is not None else list(dict.fromkeys(k for r in rows for k in r))
    lines = [
        "| " + " | ".join(names) + " |",
        "|" + "|".join("---:" if _numeric(rows, c) else "---" for c in names) + "|",
        *("| " + " | ".join(_display(c, r.get(c)).replace("|", "/") for c in names) + " |" for r in rows),
    ]
    return "\n".join(lines) + "\n"


def dataframe(records: Sequence[Record | Row], columns: Sequence[str] | None = None):
    """Flat records as a pandas DataFrame (pandas is imported here, not at start-up); `columns` picks some."""
    import pandas as pd

    from ..core.errors import InspectError

    rows = rows_of(records)
    if columns is not None:
        columns = [columns] if isinstance(columns, str) else list(columns)
        known = list(dict.fromkeys(k for r in rows for k in r))
        if unknown := [c for c in columns if c not in known]:
            raise InspectError(
                f"columns {', '.join(map(repr, unknown))} are not columns of these records; "
                f"use any of {', '.join(known)}"
            )
        rows = [{c: r.get(c) for c in columns} for r in rows]
    return pd.DataFrame.from_records(rows)


# ------------------------------------------------------------------------------------------- sections


@dataclass(frozen=True)
class Line:
    """A sentence beside the tables: `tone` ok (green), bad (red), note (dim) or plain."""

    text: str
    tone: str = ""


@dataclass(frozen=True)
class Section:
    """What a result shows: a caption, flat records (some columns of them), lines of words; `folded` sections
    open on a click in a notebook."""

    caption: str = ""
    records: Sequence[Record | Row] = ()
    columns: Sequence[str] | None = None
    lines: Sequence[Line] = field(default=())
    folded: bool = False


_TABLE = "border-collapse:collapse;font-variant-numeric:tabular-nums;margin:0.3em 0"
_CELL = "padding:2px 8px;border-bottom:1px solid #ddd"
_TONES = {
    "ok": "color:#1a7f37",
    "bad": "color:#cf222e;font-weight:bold",
    "note": "color:#57606a",
    "title": "font-weight:bold",
    "headline": "font-style:italic",
}


def _html_cell(column: str, value: Any) -> str:
    text = _display(column, value)
    if isinstance(value, bool) and column in VERDICT_FIELDS:
        style = _TONES["ok" if value else "bad"]
    elif isinstance(value, int | float) and not isinstance(value, bool):
        style = "text-align:right"
    elif value is None:
        style = "text-align:center"
    else:
        style = ""
    return f'<td style="{_CELL};{style}">{escape(text)}</td>'


def records_html(records: Sequence[Record | Row], *, caption: str = "", columns: Sequence[str] | None = None) -> str:
    """A table of flat records, one row each, a column per key (or per name in `columns`); every text escaped."""
    rows = rows_of(records)
    if not rows:
        return f"<p>{escape(caption)} (no rows)</p>"
    names = list(columns) if columns is not None else list(dict.fromkeys(k for r in rows for k in r))
    head = "".join(f'<th style="{_CELL};text-align:left">{escape(name)}</th>' for name in names)
    body = "".join("<tr>" + "".join(_html_cell(n, r.get(n)) for n in names) + "</tr>" for r in rows)
    title = f'<caption style="text-align:left;font-weight:bold">{escape(caption)}</caption>' if caption else ""
    return f'<table style="{_TABLE}">{title}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def sections_html(sections: Sequence[Section]) -> str:
    """One self-contained HTML block (inline styles: a notebook has no stylesheet of ours) for a result."""
    parts = []
    for section in sections:
        lines = "".join(f'<div style="{_TONES.get(line.tone, "")}">{escape(line.text)}</div>' for line in section.lines)
        table = (
            records_html(section.records, columns=section.columns, caption="" if section.folded else section.caption)
            if section.records
            else ""
        )
        if section.folded:
            parts.append(f"<details><summary>{escape(section.caption)}</summary>{table}</details>{lines}")
        else:
            parts.append(table + lines)
    return '<div class="resnet-inspect">' + "".join(parts) + "</div>"
