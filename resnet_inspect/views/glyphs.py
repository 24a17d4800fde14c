"""The tool's glyphs (×, →, ✓, …) on a stream that cannot say them (PYTHONIOENCODING=ascii, a C locale): each
becomes an ASCII stand-in, for every line printed to stdout and stderr, rich's included."""

from __future__ import annotations

import contextlib
import sys
from typing import Any

# What each glyph the tool prints becomes on a stream that cannot encode it (PYTHONIOENCODING=ascii, a C locale):
# the one place that decides, for every line printed to stdout and stderr, rich's included.
ASCII_GLYPHS = {
    "×": "x",
    "·": "*",
    "→": "->",
    "✓": "ok",
    "✗": "FAIL",
    "−": "-",
    "…": "...",
    "≥": ">=",
    "≤": "<=",
    "–": "-",
    "—": "-",
    "▲": "^",
    "▼": "v",
    "█": "#",
    "▌": "|",
    "•": "*",
    "Δ": "d",
    "÷": "/",
    "∝": "~",
    "⁹": "^9",
    "₂": "2",
}
_ASCII = "resnet_inspect_ascii"  # a codec of its own: click re-wraps a stream whose codec is plain ASCII as UTF-8


def _ascii_codec(name: str) -> Any:
    import codecs

    if name != _ASCII:
        return None
    table = str.maketrans(ASCII_GLYPHS)

    def encode(text: str, errors: str = "strict") -> tuple[bytes, int]:
        return text.translate(table).encode("ascii", "replace"), len(text)

    class Encoder(codecs.IncrementalEncoder):
        def encode(self, text: str, final: bool = False) -> bytes:
            return encode(text)[0]

    return codecs.CodecInfo(
        encode,
        codecs.ascii_decode,
        name=_ASCII,
        incrementalencoder=Encoder,
        incrementaldecoder=codecs.getincrementaldecoder("ascii"),
    )


def ascii_fallback() -> None:
    """Give stdout and stderr ASCII_GLYPHS' stand-ins where their encoding cannot say the tool's glyphs."""
    import codecs

    for stream in (sys.stdout, sys.stderr):
        try:
            "".join(ASCII_GLYPHS).encode(stream.encoding or "utf-8")
        except (UnicodeEncodeError, LookupError):
            if not _ASCII_REGISTERED:
                codecs.register(_ascii_codec)
                _ASCII_REGISTERED.append(True)
            with contextlib.suppress(AttributeError, ValueError, OSError):
                stream.reconfigure(encoding=_ASCII)
        except (AttributeError, TypeError):  # a stream without an encoding (a test's capture): left as it is
            continue


_ASCII_REGISTERED: list[bool] = []
