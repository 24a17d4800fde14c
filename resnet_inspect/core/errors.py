"""The one error type of the library, and how any exception is said in one line."""

from __future__ import annotations


class InspectError(ValueError):
    """A bad request: an unknown config, a size that is not a size, an impossible combination of knobs.

    The message is one line that names the bad value and says what would be valid. It speaks of arguments
    and knobs (`depth`, `stride_in`), never of command-line flags: the CLI prints it as it is and exits 2.
    """


class OutputError(InspectError):
    """The request was fine, but its output could not be written: a full disk, a reader that left, a file that
    vanished. One line, naming what was being written; the CLI exits 1 (a runtime failure, not a bad request)."""


class InspectWarning(UserWarning):
    """A request that runs but does not do what it seems to ask: a knob that changes nothing on this network.

    One line, naming the knob; the CLI prints it on stderr as `resnet-inspect: warning: …`.
    """


def first_line(error: BaseException) -> str:
    """An exception's message cut to its first line, or its type's name when it has none."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
