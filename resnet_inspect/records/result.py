"""What every result of the library can do, whatever question it answers.

A result (an analysis, a comparison, a check, a sweep, …) says what it is as a `Document` (`document()`: the JSON
contract), as flat records (`records()`: the CSV and DataFrame rows) and as `Section`s (`sections()`: what a
notebook shows), and which of its checks failed (`failures`). From those, `to_dict`, `to_json`, `to_dataframe`
and `_repr_html_` are the same code for every result.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .base import Document, Record
from .serialize import Section, dataframe, sections_html, to_json


class Result:
    def document(self) -> Document:
        raise NotImplementedError

    def records(self) -> Sequence[Record]:
        raise NotImplementedError

    def sections(self) -> Sequence[Section]:
        return [Section(records=self.records())]

    @property
    def failures(self) -> tuple[str, ...]:
        """What this result found wrong, one line each: a command exits 1 when there is any."""
        return ()

    def to_dict(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The JSON contract of this result (its `document`) as plain values."""
        return self.document(*args, **kwargs).to_dict()

    def to_json(self, *args: Any, **kwargs: Any) -> str:
        return to_json(self.document(*args, **kwargs))

    def to_dataframe(self, *args: Any, columns: Sequence[str] | None = None, **kwargs: Any):
        """The flat records as a pandas DataFrame (pandas imported here, not at start-up), or some `columns`."""
        return dataframe(self.records(*args, **kwargs), columns)

    def _repr_html_(self) -> str:
        return sections_html(self.sections())
