"""Counts said the same way everywhere: `1 size`, `2 sizes`, `1 ReLU call`; `an int`; a part as a share of its whole."""

from __future__ import annotations


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """`count` and `noun`, the noun plural unless the count is one: `counted(3, "size")` → `3 sizes`."""
    return f"{count:,} {noun if count == 1 else plural or noun + 's'}"


def share(value: int | float, total: int | float) -> float:
    """`value` as a fraction of `total` (0 when the total is 0)."""
    return value / total if total else 0.0


def with_article(word: str) -> str:
    """`an int`, `a list`: `word` with the article it takes."""
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"
