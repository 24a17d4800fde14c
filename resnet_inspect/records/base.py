"""Record types declared once: each field with what it means and when it is there.

A record is a frozen, keyword-only dataclass whose fields are made with `field(meaning, when=...)`. Everything
that speaks of a record reads those declarations: `to_dict` (the JSON contract, and the CSV, Markdown, HTML and
DataFrame rows), `json_schema` (the published JSON Schema files) and the docs page of every field. A field
with a `when` is optional: it is left out of the dict while its value is None. A `Document` is the top-level
record a command writes, and carries `schema_version`.

Nothing here imports torch, pandas or any other part of the package.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import types
import typing
from collections.abc import Iterator
from typing import Any, ClassVar

# The version of every document's shape. Raised when a key is renamed or removed, or changes meaning; CHANGELOG.md
# says what changed. Version 1 is the shape before this number existed.
SCHEMA_VERSION = 2

_MISSING = dataclasses.MISSING


def field(meaning: str, *, when: str = "", default: Any = _MISSING) -> Any:
    """A record field with what it means; `when` says when it is present (empty: always). Optional fields
    default to None, which leaves them out of `to_dict`."""
    if when and default is _MISSING:
        default = None
    metadata = {"meaning": meaning, "when": when}
    if default is _MISSING:
        return dataclasses.field(metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def record(kind: str, where: str):
    """Declare a record type: a frozen keyword-only dataclass named `kind` in the schemas, written by `where`."""

    def wrap(cls: type) -> type:
        cls = dataclasses.dataclass(frozen=True, kw_only=True)(cls)
        cls.KIND, cls.WHERE = kind, where
        for f in dataclasses.fields(cls):
            if "meaning" not in f.metadata:
                raise TypeError(f"{cls.__name__}.{f.name} has no meaning: declare it with records.field(...)")
        _KINDS[kind] = cls
        return cls

    return wrap


_KINDS: dict[str, type] = {}


class Record:
    """What every record can do; subclasses are declared with `@record(kind, where)`."""

    KIND: ClassVar[str]
    WHERE: ClassVar[str]

    def to_dict(self) -> dict[str, Any]:
        """The record as JSON-ready values: records become dicts, tuples lists, enums their values; optional
        fields that are None are left out."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if value is None and f.metadata["when"]:
                continue
            out[f.name] = plain(value)
        return out


@dataclasses.dataclass(frozen=True, kw_only=True)
class Document(Record):
    """The whole of what one command writes as JSON: a record with the schema's version first."""

    schema_version: int = field("the version of this document's shape (see CHANGELOG.md)", default=SCHEMA_VERSION)


def plain(value: Any) -> Any:
    if isinstance(value, Record):
        return value.to_dict()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return value


# --------------------------------------------------------------------------------------------- schemas


def fields_of(cls: type) -> list[tuple[str, str, str]]:
    """(name, meaning, when) of each field of a record type, in order."""
    return [(f.name, f.metadata["meaning"], f.metadata["when"]) for f in dataclasses.fields(cls)]


def record_types() -> dict[str, type]:
    """Every record type declared so far, by kind."""
    return dict(_KINDS)


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def nested(cls: type) -> Iterator[type]:
    """The record types `cls` holds, directly or deeper, each once, `cls` first."""
    seen: list[type] = []

    def visit(kind: type) -> None:
        if kind in seen:
            return
        seen.append(kind)
        for hint in _hints(kind).values():
            for inner in _types_in(hint):
                if isinstance(inner, type) and issubclass(inner, Record):
                    visit(inner)

    visit(cls)
    return iter(seen)


def _types_in(hint: Any) -> Iterator[Any]:
    yield hint
    for arg in typing.get_args(hint):
        yield from _types_in(arg)


def _schema_of(hint: Any) -> dict[str, Any]:
    if hint is Any or hint is object:
        return {}
    if hint is type(None):
        return {"type": "null"}
    if hint is bool:
        return {"type": "boolean"}
    if hint is int:
        return {"type": "integer"}
    if hint is float:
        return {"type": "number"}
    if hint is str:
        return {"type": "string"}
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return {"enum": [member.value for member in hint]}
    if isinstance(hint, type) and issubclass(hint, Record):
        return {"$ref": f"#/$defs/{hint.KIND}"}
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is typing.Literal:
        return {"enum": list(args)}
    if origin in (typing.Union, types.UnionType):
        return {"anyOf": [_schema_of(a) for a in args]}
    if origin in (list, tuple) or hint in (list, tuple):
        items = [a for a in args if a is not Ellipsis]
        return {"type": "array", **({"items": _schema_of(items[0])} if len(items) == 1 else {})}
    if origin is dict or hint is dict:
        return {"type": "object", **({"additionalProperties": _schema_of(args[1])} if args else {})}
    raise TypeError(f"no JSON Schema for the annotation {hint!r}")


def _object_schema(cls: type) -> dict[str, Any]:
    hints = _hints(cls)
    properties, required = {}, []
    for name, meaning, when in fields_of(cls):
        properties[name] = {**_schema_of(hints[name]), "description": meaning + (f" (present {when})" if when else "")}
        if not when:
            required.append(name)
    return {
        "type": "object",
        "description": f"Written by {cls.WHERE}.",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def json_schema(document: type) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a document type, its nested records under `$defs`."""
    inner = list(nested(document))[1:]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://resnet-inspect.invalid/schemas/{document.KIND}.schema.json",
        "title": f"resnet-inspect {document.KIND} document, schema version {SCHEMA_VERSION}",
        **_object_schema(document),
        "$defs": {kind.KIND: _object_schema(kind) for kind in inner},
    }
