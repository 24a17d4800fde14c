"""Words for counts, the same in every message: `1 size`, `2 sizes`, `1 ReLU call`."""

from __future__ import annotations


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """`count` and `noun`, the noun plural unless the count is one: `counted(3, "size")` → `3 sizes`."""
    return f"{count:,} {noun if count == 1 else plural or noun + 's'}"
