"""Files the tool writes are written whole or not at all, and the user's files are never changed wrongly.

What happens depends on what the path names, resolved when the write starts:

- a regular file, or nothing yet: the bytes go to a temporary file beside it, are fsynced, and the temporary is
  renamed over the path. An existing file keeps its permission bits (and, where allowed, its owner and group); a
  new one gets 0o666 less the umask.
- a symlink (or a chain of them): the same, on the file the chain ends at; the link stays a link.
- a regular file with more than one hard link: the bytes go whole to a temporary first, then are copied into the
  file in place, so that every name of it sees them (see `write_text` for what that trades away).
- a FIFO, a character device (/dev/null, a terminal) or another non-regular file: written directly, no temporary
  (a stream cannot be taken back: if the write fails part-way, its reader has seen part of it).
  /dev/stdout, /dev/stderr, /dev/fd/N and /proc/self/fd/N write to that open descriptor, at its offset, as a
  shell does: they never truncate or replace what stdout was redirected to.

While a temporary exists, SIGTERM and SIGINT remove it before the process ends (main thread only). Every OSError
becomes a one-line `InspectError` that names the path, with the OSError as its cause.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import signal
import stat
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from .core.errors import InspectError, OutputError

__all__ = ["atomic_path", "check_output_path", "write_text"]

_Kind = Literal["replace", "inplace", "stream", "descriptor"]
_CHUNK = 1 << 20
_STD_PATHS = {"/dev/stdin": 0, "/dev/stdout": 1, "/dev/stderr": 2}
_FD_PATH = re.compile(r"/dev/fd/(\d+)|/proc/(?:self|thread-self|(\d+))/fd/(\d+)")


@dataclass(frozen=True)
class _Target:
    given: str  # the path as the caller gave it: what messages name
    label: str
    kind: _Kind
    final: str  # where the bytes go: the symlink chain resolved (replace, inplace); the path itself (stream)
    fd: int = -1  # the open descriptor a /dev/stdout-like path names (descriptor)

    @property
    def what(self) -> str:
        return f"{self.label} {self.given!r}"


# ---------------------------------------------------------------------------------------------- public


def check_output_path(path: str | os.PathLike[str], label: str = "output") -> Path:
    """Refuse, with a one-line `InspectError`, a path the tool could not write; return it as a `Path`.

    Refused: an empty path, one that ends in a separator or names a directory, one whose directory does not exist,
    a name longer than the file system allows, a file or directory that is not writable, a read-only file system,
    a socket, a closed descriptor (/dev/fd/N). Call it before the expensive work; `write_text` and `atomic_path`
    check again when they write. `label` names the path's role in messages ("output", "--output", ...).
    """
    return Path(_resolve(path, label).given)


def write_text(path: str | os.PathLike[str], text: str, label: str = "output") -> None:
    """Write `text` (UTF-8) to `path`, whole or not at all; see the module docstring for what each kind of path gets.

    A regular file with more than one hard link is written in place, to keep the links: the whole text goes to a
    temporary file first (a failure there leaves the file untouched), space for it is reserved where the file system
    can, and only then is it copied over the file's bytes and the file cut to length, with SIGTERM and SIGINT held
    off during the copy. That copy is not atomic: a reader may see it half-done, and a crash, SIGKILL or I/O error
    in the middle of it leaves the file part new, part old. Replacing the file instead would be atomic but would cut
    it off from its other names, which then keep the old text.

    Raises `InspectError` (one line, naming the path; the OSError chained as its cause).
    """
    target = _resolve(path, label)
    data = text.encode("utf-8")
    if target.kind in ("stream", "descriptor"):
        with _translated(target):
            _into_target(target, lambda fd: _write_all(fd, data))
        return
    with _atomic(target) as tmp:
        _write_file(str(tmp), data)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], label: str = "output") -> Iterator[Path]:
    """A temporary path for the caller to write (e.g. with `savefig`), put into `path` only if the block succeeds.

    On success the temporary is renamed over `path` (a regular file, a new one, or a symlink's final target, with
    the modes of `write_text`), copied into it in place (a file with several hard links) or streamed into it (a FIFO,
    a device, /dev/stdout). If the block raises, or SIGTERM or SIGINT arrives, the temporary is removed and `path`
    is left as it was. OSErrors, from the block or from putting the file in place, become one-line `InspectError`s.
    """
    target = _resolve(path, label)
    with _atomic(target) as tmp:
        yield tmp


# ---------------------------------------------------------------------------------------------- resolving


def _resolve(path: str | os.PathLike[str], label: str) -> _Target:
    given = os.fspath(path)
    if not isinstance(given, str):
        given = os.fsdecode(given)
    what = f"{label} {given!r}"
    if not given:
        raise InspectError(f"{what} is empty; give a file path, like results.json")
    if "\0" in given:
        raise InspectError(f"{what} contains a NUL character; give a file path without one")
    if given.endswith(os.sep) or (os.altsep and given.endswith(os.altsep)):
        raise InspectError(f"{what} ends in {given[-1]!r}, so it names a directory; give a file path")
    if os.path.basename(given) in (".", ".."):
        raise InspectError(f"{what} names a directory; give a file path")
    fd = _descriptor_number(given)
    if fd is not None:
        return _descriptor_target(given, label, fd)
    _check_name(what, os.path.basename(given), os.path.dirname(given) or os.curdir)
    try:
        st: os.stat_result | None = os.stat(given)
    except FileNotFoundError:
        st = None
    except OSError as error:
        raise _inspect_error(error, what) from error

    if st is not None and stat.S_ISDIR(st.st_mode):
        raise InspectError(f"{what} is a directory; give a file path, like {os.path.join(given, 'results.json')!r}")
    if st is not None and not stat.S_ISREG(st.st_mode):
        if stat.S_ISSOCK(st.st_mode):
            raise InspectError(f"{what} is a socket; give a file, a FIFO or a device")
        if not _access(given, os.W_OK):
            raise InspectError(f"{what} is not writable; change its permissions or give another path")
        return _Target(given, label, "stream", given)

    final = os.path.realpath(given)
    directory = os.path.dirname(final)
    linked = os.path.islink(given)
    shown = directory if linked else (os.path.dirname(given) or os.curdir)
    if st is None:
        if not os.path.isdir(directory):
            via = f" (where the symlink points: {final!r})" if linked else ""
            raise InspectError(
                f"{what}: directory {shown!r} does not exist{via}; create it or give a path in an existing directory"
            )
        if linked:
            _check_name(what, os.path.basename(final), directory)
    if _read_only(directory):
        raise InspectError(f"{what} is on a read-only file system; give a path on a writable one")
    if st is not None and not _access(final, os.W_OK):
        raise InspectError(f"{what} is not writable; change its permissions or give another path")
    if st is not None and st.st_nlink > 1:
        return _Target(given, label, "inplace", final)
    if not _access(directory, os.W_OK | os.X_OK):
        raise InspectError(
            f"{what}: directory {shown!r} is not writable, so the file cannot be written whole; "
            "give a path in a writable directory"
        )
    return _Target(given, label, "replace", final)


def _descriptor_number(path: str) -> int | None:
    """The open descriptor /dev/stdout, /dev/fd/N or /proc/self/fd/N name, written at its offset as a shell does."""
    if os.name != "posix":
        return None
    normal = os.path.normpath(os.path.abspath(path))
    if normal in _STD_PATHS:
        return _STD_PATHS[normal]
    match = _FD_PATH.fullmatch(normal)
    if match is None or (match[2] is not None and int(match[2]) != os.getpid()):
        return None
    return int(match[1] if match[1] is not None else match[3])


def _descriptor_target(given: str, label: str, fd: int) -> _Target:
    import fcntl

    what = f"{label} {given!r}"
    try:
        flags = fcntl.fcntl(fd, fcntl.F_GETFL)
        st = os.fstat(fd)
    except OSError as error:
        raise InspectError(f"{what}: file descriptor {fd} is not open; give a file path") from error
    if flags & os.O_ACCMODE == os.O_RDONLY:
        raise InspectError(f"{what}: file descriptor {fd} is open for reading only; give a file path")
    if stat.S_ISDIR(st.st_mode):
        raise InspectError(f"{what}: file descriptor {fd} is a directory; give a file path")
    return _Target(given, label, "descriptor", given, fd)


def _check_name(what: str, name: str, directory: str) -> None:
    size = len(os.fsencode(name))
    limit = _name_max(directory)
    if size > limit:
        raise InspectError(
            f"{what}: the file name is {size} bytes long and this file system allows at most {limit}; "
            "give a shorter name"
        )


def _name_max(directory: str) -> int:
    try:
        limit = os.pathconf(directory, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):
        return 255
    return limit if limit and limit > 0 else 255


def _access(path: str, mode: int) -> bool:
    return os.access(path, mode, effective_ids=os.access in os.supports_effective_ids)


def _read_only(directory: str) -> bool:
    try:
        return bool(os.statvfs(directory).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
        return False


# ---------------------------------------------------------------------------------------------- writing


@contextlib.contextmanager
def _atomic(target: _Target) -> Iterator[Path]:
    directory = _temp_directory(target)
    tmp: str | None = None
    with _cleanup_on_signal():
        try:
            with _translated(target):
                tmp = _make_temp(directory, os.path.basename(target.final))
                yield Path(tmp)
                _commit(target, tmp)
        finally:
            if tmp is not None:
                _remove(tmp)


def _temp_directory(target: _Target) -> str:
    if target.kind == "replace":
        return os.path.dirname(target.final)  # the same file system, so that the rename is atomic
    if target.kind == "inplace":
        directory = os.path.dirname(target.final)
        if _access(directory, os.W_OK | os.X_OK) and not _read_only(directory):
            return directory
    return tempfile.gettempdir()  # never /dev: a stream's temporary goes where temporaries go


def _make_temp(directory: str, name: str) -> str:
    suffix = os.path.splitext(name)[1]
    if len(os.fsencode(suffix)) > 16:
        suffix = ""
    room = _name_max(directory) - len(os.fsencode(suffix)) - len("..01234567.tmp")
    stem = os.fsdecode(os.fsencode(name)[: max(room, 1)])
    for _ in range(100):
        tmp = os.path.join(directory, f".{stem}.{secrets.token_hex(4)}{suffix}.tmp")
        with _signals_held():  # created and registered for removal as one step
            try:
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
            except FileExistsError:
                continue
            _ACTIVE.add(tmp)
        os.close(fd)
        return tmp
    raise FileExistsError(errno.EEXIST, "no free temporary file name", directory)


def _commit(target: _Target, tmp: str) -> None:
    if target.kind in ("stream", "descriptor"):
        _into_target(target, lambda fd: _copy_file(tmp, fd))
        return
    if target.kind == "replace":
        try:
            st: os.stat_result | None = os.stat(target.final)
        except FileNotFoundError:
            st = None
        if st is None or st.st_nlink == 1 or not stat.S_ISREG(st.st_mode):
            _fsync_file(tmp)
            _set_metadata(tmp, st)
            with _signals_held():
                os.replace(tmp, target.final)
                _ACTIVE.discard(tmp)
            _fsync_directory(os.path.dirname(target.final))
            return
        # a hard link appeared since the write began: keep it
    _copy_in_place(tmp, target.final)


def _set_metadata(tmp: str, st: os.stat_result | None) -> None:
    if st is None:
        os.chmod(tmp, 0o666 & ~_umask())
        return
    mine = os.stat(tmp)
    if (mine.st_uid, mine.st_gid) != (st.st_uid, st.st_gid):  # before chmod: chown clears set-id bits
        try:
            os.chown(tmp, st.st_uid, st.st_gid)  # root, or the file's owner already
        except OSError:
            with contextlib.suppress(OSError):
                os.chown(tmp, -1, st.st_gid)  # a group the user is in
    os.chmod(tmp, stat.S_IMODE(st.st_mode))


def _umask() -> int:
    with (
        contextlib.suppress(OSError, ValueError, StopIteration),
        open("/proc/self/status", encoding="ascii", errors="replace") as status,
    ):
        return int(next(line for line in status if line.startswith("Umask:")).split()[1], 8)
    umask = os.umask(0o022)  # no /proc: read it the racy way, at once putting it back
    os.umask(umask)
    return umask


def _copy_in_place(tmp: str, final: str) -> None:
    size = os.stat(tmp).st_size
    src = os.open(tmp, os.O_RDONLY)
    try:
        dst = os.open(final, os.O_WRONLY | getattr(os, "O_CLOEXEC", 0))
        try:
            old = os.fstat(dst).st_size
            _reserve(dst, old, size)
            with _signals_held():
                _copy_fd(src, dst)
                os.ftruncate(dst, size)
            os.fsync(dst)
        finally:
            os.close(dst)
    finally:
        os.close(src)


def _reserve(fd: int, old: int, size: int) -> None:
    """Claim the blocks the file grows into before its bytes change, so that ENOSPC comes while it is untouched."""
    if size <= old or not hasattr(os, "posix_fallocate"):
        return
    try:
        os.posix_fallocate(fd, old, size - old)
    except OSError as error:
        if error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            with contextlib.suppress(OSError):
                os.ftruncate(fd, old)
            raise
        # EINVAL, EOPNOTSUPP: the file system cannot reserve; the copy finds out


def _into_target(target: _Target, fill: Callable[[int], None]) -> None:
    if target.kind == "descriptor":
        for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
            with contextlib.suppress(AttributeError, ValueError, OSError):
                if stream is not None and stream.fileno() == target.fd:
                    stream.flush()  # what Python printed before comes before
        fill(target.fd)
        return
    fd = os.open(target.final, os.O_WRONLY | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        fill(fd)
    finally:
        os.close(fd)


def _write_file(path: str, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0))
    try:
        _write_all(fd, data)
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view[:_CHUNK]) :]


def _copy_fd(src: int, dst: int) -> int:
    total = 0
    while chunk := os.read(src, _CHUNK):
        _write_all(dst, chunk)
        total += len(chunk)
    return total


def _copy_file(path: str, dst: int) -> None:
    src = os.open(path, os.O_RDONLY)
    try:
        _copy_fd(src, dst)
    finally:
        os.close(src)


def _fsync_file(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_directory(directory: str) -> None:
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _remove(tmp: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(tmp)
    _ACTIVE.discard(tmp)


# ---------------------------------------------------------------------------------------------- errors


@contextlib.contextmanager
def _translated(target: _Target) -> Iterator[None]:
    try:
        yield
    except OSError as error:
        raise _inspect_error(error, target.what, OutputError) from error


def _inspect_error(error: OSError, what: str, kind: type[InspectError] = InspectError) -> InspectError:
    """The OSError in one line. A path that cannot be written is a bad request (InspectError, exit 2) whenever it is
    found; a full disk, a closed pipe or any other failure while writing is `kind` (OutputError: exit 1)."""
    code = error.errno
    if code == errno.ENOSPC:
        return kind(f"no space left on device writing {what}; free some space or give another path")
    if code == errno.EDQUOT:
        return kind(f"disk quota exceeded writing {what}; free some space or give another path")
    if code == errno.EPIPE:
        return kind(f"{what} was closed by its reader before the output was written (broken pipe)")
    if code == errno.ENAMETOOLONG:
        return InspectError(f"{what} is too long a path for the file system; give a shorter one")
    if code in (errno.EACCES, errno.EPERM):
        return InspectError(f"{what} is not writable (permission denied); give a path in a directory you may write")
    if code == errno.EROFS:
        return InspectError(f"{what} is on a read-only file system; give a path on a writable one")
    if code == errno.ENOENT:
        return InspectError(f"{what}: its directory does not exist; give a path in an existing directory")
    if code == errno.ENOTDIR:
        return InspectError(f"{what}: a part of the path before the name is not a directory; give a path in one")
    if code == errno.EISDIR:
        return InspectError(f"{what} is a directory; give a file path")
    if code == errno.ELOOP:
        return InspectError(f"{what} is a symlink loop; give a path that leads to a file")
    if code == errno.EFBIG:
        return kind(f"{what}: the output is larger than the file system allows; give another path")
    if code == errno.ENXIO:
        return InspectError(f"{what} cannot be opened for writing (no reader or device); give a file path")
    reason = " ".join((error.strerror or "").split()) or type(error).__name__
    return kind(f"cannot write {what}: {reason}")


# ---------------------------------------------------------------------------------------------- signals
# While a temporary exists, SIGTERM and SIGINT remove it first. Handlers go in only from the main thread (the only
# one Python lets set them), around the outermost write, and come out after it; a handler that was there before is
# called in turn (SIGINT's default raises KeyboardInterrupt, whose unwinding removes the temporary); where the
# previous disposition was the default, the temporaries are removed and the signal is raised again with it, so the
# process ends as it would have. SIG_IGN and handlers set outside Python are left alone.

_ACTIVE: set[str] = set()
_previous: dict[int, Any] = {}
_held: list[int] = []  # signals that came in while held, to act on after
_state = {"depth": 0, "holding": 0}
_lock = threading.Lock()
_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGINT") if hasattr(signal, name))


@contextlib.contextmanager
def _cleanup_on_signal() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield  # a main-thread write in progress still removes this thread's temporaries too
        return
    if _state["depth"] == 0:
        _install()
    _state["depth"] += 1
    try:
        yield
    finally:
        _state["depth"] -= 1
        if _state["depth"] == 0:
            _uninstall()


def _install() -> None:
    for signum in _SIGNALS:
        try:
            previous = signal.getsignal(signum)
            if previous is None or previous == signal.SIG_IGN:
                continue
            signal.signal(signum, _on_signal)
        except (ValueError, OSError):  # not the main interpreter
            continue
        _previous[signum] = previous


def _uninstall() -> None:
    for signum, previous in list(_previous.items()):
        with contextlib.suppress(ValueError, OSError):
            if signal.getsignal(signum) is _on_signal:  # one set during the write stays
                signal.signal(signum, previous)
    _previous.clear()


def _on_signal(signum: int, frame: Any) -> None:
    if _state["holding"]:
        _held.append(signum)
        return
    previous = _previous.get(signum, signal.SIG_DFL)
    if callable(previous):
        previous(signum, frame)  # if it raises, unwinding the write removes the temporary
        return
    for tmp in list(_ACTIVE):
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    _ACTIVE.clear()
    _uninstall()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)
    raise SystemExit(128 + signum)  # only if the signal is blocked and did not end the process


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGTERM and SIGINT off a few steps that must not be cut in two; act on them after."""
    with _lock:
        _state["holding"] += 1
    try:
        yield
    finally:
        with _lock:
            _state["holding"] -= 1
            pending = _held[:1] if not _state["holding"] else []
            if pending:
                _held.clear()
        if pending:
            if threading.current_thread() is threading.main_thread():
                _on_signal(pending[0], None)
            else:
                os.kill(os.getpid(), pending[0])  # for the main thread's handler
