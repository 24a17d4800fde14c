"""The vocabulary of every result: record types declared once (`vocabulary`), the machinery that turns them into
JSON, JSON Schema, CSV, Markdown and HTML (`base`, `serialize`), and what every result can do (`result`).

This layer sits under the features and above `core`; it never imports torch.
"""

from .base import SCHEMA_VERSION, Document, Record, field, json_schema, record
from .result import Result
from .serialize import Line, Section

__all__ = ["SCHEMA_VERSION", "Document", "Line", "Record", "Result", "Section", "field", "json_schema", "record"]
