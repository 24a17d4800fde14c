"""Files the tool writes: whole or not at all, and the user's files never changed wrongly."""

from __future__ import annotations

import errno
import os
import re
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import textwrap
import threading
from pathlib import Path

import pytest

from resnet_inspect import files
from resnet_inspect.core.errors import InspectError
from resnet_inspect.files import atomic_path, check_output_path, write_text

ROOT = Path(__file__).resolve().parent.parent


def _permissions_bind() -> bool:
    """False where this process may write a read-only file anyway (root, CAP_DAC_OVERRIDE)."""
    with tempfile.TemporaryDirectory() as directory:
        probe = Path(directory, "probe")
        probe.touch(mode=0o444)
        return not os.access(probe, os.W_OK)


PERMISSIONS_BIND = _permissions_bind()


def leftovers(directory: Path) -> list[str]:
    return sorted(name for name in os.listdir(directory) if name.endswith(".tmp"))


def one_line(error: pytest.ExceptionInfo[InspectError]) -> str:
    message = str(error.value)
    assert "\n" not in message
    assert not re.search(r"(^|\s)--[a-z]", message)  # messages name the path's role, never a CLI flag
    return message


def run_python(code: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, env=env, text=True, timeout=30, **kwargs
    )


def read_fifo(fifo: Path, into: list[bytes], limit: int | None = None) -> threading.Thread:
    def reader() -> None:
        with open(fifo, "rb") as pipe:
            into.append(pipe.read(limit) if limit else pipe.read())

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    return thread


@pytest.fixture
def term_handler():
    """A Python SIGTERM handler that raises, put back as it was afterwards."""

    class Terminated(Exception):
        pass

    def handler(signum: int, frame: object) -> None:
        raise Terminated(signum)

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield handler, Terminated
    finally:
        signal.signal(signal.SIGTERM, previous)


# ---------------------------------------------------------------------------------------------- regular files


def test_new_file_gets_the_text_and_0666_less_the_umask(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    old_umask = os.umask(0o027)
    try:
        write_text(target, '{"a": 1}\n')
    finally:
        os.umask(old_umask)
    assert target.read_text(encoding="utf-8") == '{"a": 1}\n'
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert leftovers(tmp_path) == []


def test_existing_file_is_replaced_whole_and_keeps_mode_0640(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old\n")
    os.chmod(target, 0o640)
    before = target.stat().st_ino
    write_text(target, "név,macs\n")
    assert target.read_text(encoding="utf-8") == "név,macs\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert target.stat().st_ino != before  # renamed over, not rewritten in place
    assert leftovers(tmp_path) == []


def test_existing_file_keeps_owner_and_group_when_root(tmp_path: Path) -> None:
    target = tmp_path / "out.md"
    target.write_text("old\n")
    try:
        os.chown(target, 4242, 4343)
    except PermissionError:
        pytest.skip("giving a file to another owner needs root")
    os.chmod(target, 0o604)
    write_text(target, "new\n")
    st = target.stat()
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (4242, 4343, 0o604)
    assert target.read_text() == "new\n"


def test_atomic_path_commits_what_the_block_wrote(tmp_path: Path) -> None:
    target = tmp_path / "fig.png"
    with atomic_path(target) as tmp:
        assert tmp.parent == tmp_path and tmp != target
        tmp.write_bytes(b"\x89PNG")
        assert not target.exists()
    assert target.read_bytes() == b"\x89PNG"
    assert leftovers(tmp_path) == []


def test_a_name_near_the_limit_still_gets_a_temporary(tmp_path: Path) -> None:
    target = tmp_path / ("n" * 250 + ".json")
    write_text(target, "{}")
    assert target.read_text() == "{}"
    assert leftovers(tmp_path) == []


# ---------------------------------------------------------------------------------------------- failures


def test_failing_block_leaves_target_unchanged_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "fig.svg"
    target.write_text("original")
    with pytest.raises(ValueError, match="boom"), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise ValueError("boom")
    assert target.read_text() == "original"
    assert os.listdir(tmp_path) == ["fig.svg"]


def test_enospc_on_commit_is_one_line_and_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out.json"
    target.write_text("original")

    def full(src: object, dst: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(files.os, "replace", full)
    with pytest.raises(InspectError) as error:
        write_text(target, "new")
    assert one_line(error).startswith("no space left on device writing output ")
    assert str(target) in str(error.value)
    assert isinstance(error.value.__cause__, OSError) and error.value.__cause__.errno == errno.ENOSPC
    assert target.read_text() == "original"
    assert os.listdir(tmp_path) == ["out.json"]


def test_oserror_inside_the_block_becomes_one_line(tmp_path: Path) -> None:
    target = tmp_path / "fig.pdf"
    with pytest.raises(InspectError) as error, atomic_path(target, label="figure"):
        raise PermissionError(errno.EACCES, "Permission denied")
    assert one_line(error).startswith(f"figure {str(target)!r} is not writable")
    assert isinstance(error.value.__cause__, PermissionError)
    assert leftovers(tmp_path) == [] and not target.exists()


# ---------------------------------------------------------------------------------------------- symlinks


def test_symlink_chain_is_written_through_and_stays_a_link(tmp_path: Path) -> None:
    real = tmp_path / "data" / "real.json"
    real.parent.mkdir()
    real.write_text("old")
    os.chmod(real, 0o640)
    first = tmp_path / "first.json"
    second = tmp_path / "second.json"
    first.symlink_to(real)
    second.symlink_to(first)
    write_text(second, "new")
    assert os.path.islink(second) and os.path.islink(first)
    assert os.readlink(second) == str(first)
    assert real.read_text() == "new" and second.read_text() == "new"
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    assert leftovers(tmp_path) == [] and leftovers(real.parent) == []


def test_dangling_symlink_creates_its_target(tmp_path: Path) -> None:
    link = tmp_path / "link.md"
    link.symlink_to(tmp_path / "made.md")
    with atomic_path(link) as tmp:
        tmp.write_text("# made")
    assert os.path.islink(link) and (tmp_path / "made.md").read_text() == "# made"


def test_symlink_loop_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    with pytest.raises(InspectError) as error:
        check_output_path(tmp_path / "a")
    assert "symlink loop" in one_line(error)


# ---------------------------------------------------------------------------------------------- hard links


def test_hard_link_is_kept_and_both_names_see_the_text(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    other = tmp_path / "other-name.json"
    target.write_text("a much longer original text than the new one")
    os.chmod(target, 0o640)
    os.link(target, other)
    inode = target.stat().st_ino
    write_text(target, "short")
    assert target.stat().st_ino == other.stat().st_ino == inode
    assert target.stat().st_nlink == 2
    assert target.read_text() == other.read_text() == "short"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    write_text(other, "grown " * 1000)
    assert target.read_text() == "grown " * 1000
    assert leftovers(tmp_path) == []


def test_hard_link_failure_before_the_copy_leaves_it_untouched(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_text("original")
    os.link(target, tmp_path / "twin.json")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("partial")
        raise RuntimeError
    assert target.read_text() == (tmp_path / "twin.json").read_text() == "original"
    assert leftovers(tmp_path) == []


def test_hard_link_enospc_while_reserving_leaves_it_untouched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out.json"
    target.write_text("original")
    os.link(target, tmp_path / "twin.json")

    def full(fd: int, offset: int, length: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(files.os, "posix_fallocate", full, raising=False)
    with pytest.raises(InspectError) as error:
        write_text(target, "a text longer than the original")
    assert one_line(error).startswith("no space left on device writing")
    assert target.read_text() == (tmp_path / "twin.json").read_text() == "original"
    assert leftovers(tmp_path) == []


def test_signal_during_the_in_place_copy_waits_for_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, term_handler: tuple
) -> None:
    handler, terminated = term_handler
    target = tmp_path / "out.json"
    target.write_text("original")
    os.link(target, tmp_path / "twin.json")
    real_copy = files._copy_fd

    def copy_with_a_signal(src: int, dst: int) -> int:
        os.kill(os.getpid(), signal.SIGTERM)
        half = os.read(src, 3)  # Python runs the handler between these steps: it must only take note
        files._write_all(dst, half)
        return len(half) + real_copy(src, dst)

    monkeypatch.setattr(files, "_copy_fd", copy_with_a_signal)
    with pytest.raises(terminated):
        write_text(target, "new text")
    assert target.read_text() == (tmp_path / "twin.json").read_text() == "new text"
    assert leftovers(tmp_path) == []
    assert signal.getsignal(signal.SIGTERM) is handler


# ---------------------------------------------------------------------------------------------- FIFOs and devices


def test_fifo_is_written_directly_and_stays_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = read_fifo(fifo, got)
    write_text(fifo, "row 1\nrow 2\n")
    reader.join(5)
    assert got == [b"row 1\nrow 2\n"]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert os.listdir(tmp_path) == ["pipe"]


def test_atomic_path_streams_into_a_fifo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spool = tmp_path / "spool"
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = read_fifo(fifo, got)
    with atomic_path(fifo) as tmp:
        assert tmp.parent == spool
        tmp.write_bytes(b"<svg/>")
    reader.join(5)
    assert got == [b"<svg/>"]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert os.listdir(spool) == []


def test_fifo_whose_reader_goes_away_is_a_broken_pipe(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = read_fifo(fifo, got, limit=10)
    with pytest.raises(InspectError) as error:
        write_text(fifo, "x" * (4 << 20))  # more than a pipe holds: the write is still going when the reader leaves
    reader.join(5)
    assert "broken pipe" in one_line(error) and str(fifo) in str(error.value)
    assert error.value.__cause__.errno == errno.EPIPE


def test_dev_null_takes_the_text_and_stays_a_device(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    write_text("/dev/null", "nothing\n")
    with atomic_path("/dev/null") as tmp:
        tmp.write_text("nothing either\n")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert os.listdir(tmp_path) == []


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
def test_dev_full_is_the_no_space_one_liner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with pytest.raises(InspectError) as error:
        write_text("/dev/full", "x")
    assert one_line(error) == "no space left on device writing output '/dev/full'; free some space or give another path"
    assert isinstance(error.value.__cause__, OSError) and error.value.__cause__.errno == errno.ENOSPC
    with (
        pytest.raises(InspectError, match=r"^no space left on device writing output '/dev/full'"),
        atomic_path("/dev/full") as tmp,
    ):
        tmp.write_text("y")
    assert os.listdir(tmp_path) == []


@pytest.mark.skipif(not os.path.exists("/dev/stdout"), reason="no /dev/stdout")
def test_dev_stdout_appends_to_what_stdout_was_redirected_to(tmp_path: Path) -> None:
    log = tmp_path / "log.txt"
    log.write_text("before\n")
    inode = log.stat().st_ino
    with open(log, "a") as out:
        done = run_python(
            """
            from resnet_inspect.files import atomic_path, write_text
            print("printed", flush=False)
            write_text("/dev/stdout", "written\\n")
            with atomic_path("/dev/stdout") as tmp:
                tmp.write_text("figure\\n")
            """,
            stdout=out,
        )
    assert done.returncode == 0
    assert log.read_text() == "before\nprinted\nwritten\nfigure\n"  # not truncated, not replaced
    assert log.stat().st_ino == inode


def test_socket_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.sock"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        with pytest.raises(InspectError) as error:
            check_output_path(path)
    assert "is a socket" in one_line(error)


def test_descriptor_open_for_reading_only_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "in.txt"
    source.write_text("x")
    with open(source) as handle, pytest.raises(InspectError) as error:
        check_output_path(f"/dev/fd/{handle.fileno()}")
    assert "open for reading only" in one_line(error)
    assert source.read_text() == "x"


# ---------------------------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("", "output '' is empty; give a file path"),
        ("sub/", "ends in '/', so it names a directory; give a file path"),
        ("sub", "is a directory; give a file path"),
        ("missing/out.json", "directory '{tmp}/missing' does not exist"),
        ("n" * 300, "the file name is 300 bytes long and this file system allows at most"),
        ("sub/..", "names a directory"),
        ("file.txt/out.json", "is not a directory"),
    ],
)
def test_refused_paths_get_one_line_and_nothing_is_written(tmp_path: Path, name: str, expected: str) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "file.txt").write_text("keep")
    path = os.path.join(tmp_path, name) if name else ""
    for attempt in (check_output_path, lambda p: write_text(p, "x"), lambda p: atomic_path(p).__enter__()):
        with pytest.raises(InspectError) as error:
            attempt(path)
        assert expected.format(tmp=tmp_path) in one_line(error)
        assert repr(path) in str(error.value) or name == ""
    assert sorted(os.listdir(tmp_path)) == ["file.txt", "sub"]
    assert os.listdir(tmp_path / "sub") == [] and (tmp_path / "file.txt").read_text() == "keep"


def test_label_names_the_role_of_the_path(tmp_path: Path) -> None:
    with pytest.raises(InspectError, match=r"^--output '' is empty"):
        check_output_path("", "--output")
    with pytest.raises(InspectError, match=r"^figure .* is a directory"):
        check_output_path(tmp_path, label="figure")


def test_good_paths_pass_and_come_back_as_paths(tmp_path: Path) -> None:
    assert check_output_path(str(tmp_path / "new.json")) == tmp_path / "new.json"
    assert check_output_path("/dev/null") == Path("/dev/null")
    assert os.listdir(tmp_path) == []


@pytest.mark.skipif(not PERMISSIONS_BIND, reason="this process may write read-only files (root)")
def test_unwritable_file_and_directory_are_refused(tmp_path: Path) -> None:
    locked = tmp_path / "locked.json"
    locked.write_text("keep")
    os.chmod(locked, 0o444)
    with pytest.raises(InspectError) as error:
        write_text(locked, "x")
    assert "is not writable" in one_line(error) and locked.read_text() == "keep"
    closed = tmp_path / "closed"
    closed.mkdir()
    os.chmod(closed, 0o555)
    try:
        with pytest.raises(InspectError) as error:
            check_output_path(closed / "out.json")
        assert f"directory {str(closed)!r} is not writable" in one_line(error)
    finally:
        os.chmod(closed, 0o755)


def test_unwritable_reports_come_as_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same refusal where the tests run as root: the permission check says no."""
    monkeypatch.setattr(files, "_access", lambda path, mode: False)
    existing = tmp_path / "locked.json"
    existing.write_text("keep")
    with pytest.raises(InspectError) as error:
        write_text(existing, "x")
    assert one_line(error) == f"output {str(existing)!r} is not writable; change its permissions or give another path"
    with pytest.raises(InspectError) as error:
        check_output_path(tmp_path / "new.json")
    assert f"directory {str(tmp_path)!r} is not writable" in one_line(error)
    assert existing.read_text() == "keep" and os.listdir(tmp_path) == ["locked.json"]


# ---------------------------------------------------------------------------------------------- signals


def test_sigterm_inside_the_block_removes_the_temporary_and_ends_the_process(tmp_path: Path) -> None:
    target = tmp_path / "out.png"
    target.write_text("original")
    done = run_python(
        f"""
        import os, signal, time
        from resnet_inspect.files import atomic_path
        with atomic_path({str(target)!r}) as tmp:
            tmp.write_text("half a figure")
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(10)
        print("not reached")
        """,
        capture_output=True,
    )
    assert done.returncode == -signal.SIGTERM, done.stderr
    assert "not reached" not in done.stdout
    assert os.listdir(tmp_path) == ["out.png"]
    assert target.read_text() == "original"


def test_sigint_inside_the_block_removes_the_temporary_as_keyboardinterrupt(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    done = run_python(
        f"""
        import os, signal, time
        from resnet_inspect.files import atomic_path
        # A shell's background job starts with SIGINT ignored, and a child inherits that: Python's own
        # handler, as in an interactive run.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        try:
            with atomic_path({str(target)!r}) as tmp:
                tmp.write_text("half")
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(10)
        except KeyboardInterrupt:
            print("temporary gone:", not tmp.exists())
            raise
        """,
        capture_output=True,
    )
    assert done.returncode == -signal.SIGINT, done.stderr
    assert "temporary gone: True" in done.stdout
    assert os.listdir(tmp_path) == []


def test_previous_sigterm_handler_is_chained_then_restored(tmp_path: Path, term_handler: tuple) -> None:
    handler, terminated = term_handler
    target = tmp_path / "out.csv"
    with pytest.raises(terminated), atomic_path(target) as tmp:
        assert signal.getsignal(signal.SIGTERM) is not handler  # ours, for the duration of the write
        tmp.write_text("half")
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(1000):  # the handler runs between bytecodes
            pass
    assert signal.getsignal(signal.SIGTERM) is handler
    assert os.listdir(tmp_path) == []
    write_text(target, "whole")
    assert signal.getsignal(signal.SIGTERM) is handler
    assert target.read_text() == "whole"


def test_writes_from_another_thread_install_nothing(tmp_path: Path) -> None:
    before = signal.getsignal(signal.SIGTERM)
    seen: list[object] = []

    def work() -> None:
        with atomic_path(tmp_path / "t.json") as tmp:
            seen.append(signal.getsignal(signal.SIGTERM))
            tmp.write_text("from a thread")

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(5)
    assert seen == [before]
    assert (tmp_path / "t.json").read_text() == "from a thread"
    assert leftovers(tmp_path) == []


# ------------------------------------------------------------------------------ the command line, end to end
# Each case a user met as a traceback: now one line on stderr (or, for a reader that left, nothing), exit 0/1/2.


def run_cli(*args: str, env: dict[str, str] | None = None, **kwargs: object) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    streams = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, **kwargs}
    return subprocess.run(
        [sys.executable, "-m", "resnet_inspect", *args], cwd=ROOT, env=environment, text=True, timeout=120, **streams
    )


def cli(*args: str):
    from typer.testing import CliRunner

    from resnet_inspect.cli import app

    return CliRunner().invoke(app, list(args), catch_exceptions=False)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("", "--output '' is empty; give a file path, like results.json"),
        ("   ", "--output '   ' is empty; give a file path, like results.json"),
        ("results/", "--output 'results/' ends in '/', so it names a directory; give a file path"),
    ],
)
@pytest.mark.parametrize("command", [["table", "--format", "json"], ["plot", "stages"], ["paper", "--format", "json"]])
def test_empty_and_directory_like_outputs_are_refused_before_any_work(path, message, command, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = cli(*command, "--output", path)
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [f"resnet-inspect: error: {message}"]
    assert os.listdir(tmp_path) == []


def test_a_file_name_longer_than_the_file_system_allows(tmp_path: Path) -> None:
    name = "a" * 300 + ".json"
    result = cli("table", "--depth", "18", "--output", str(tmp_path / name))
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"resnet-inspect: error: --output {str(tmp_path / name)!r}: the file name is 305 bytes long and this file "
        "system allows at most 255; give a shorter name"
    )
    figure = cli("plot", "stages", "--depth", "18", "--output", str(tmp_path / ("b" * 300 + ".png")))
    assert figure.exit_code == 2 and "allows at most 255" in figure.stderr and "\n" not in figure.stderr.strip()
    assert os.listdir(tmp_path) == []


FULL = Path("/dev/full")
needs_dev_full = pytest.mark.skipif(
    not (FULL.exists() and stat.S_ISCHR(FULL.stat().st_mode)), reason="no /dev/full character device here"
)


@needs_dev_full
def test_output_onto_dev_full_is_one_line_and_dev_full_stays_a_device() -> None:
    result = cli("table", "--depth", "18", "--format", "csv", "--output", str(FULL))
    assert result.exit_code == 1  # the request was fine: writing it failed
    assert result.stderr.strip() == (
        "resnet-inspect: error: no space left on device writing --output '/dev/full'; free some space or give "
        "another path"
    )
    assert stat.S_ISCHR(FULL.stat().st_mode)  # written into, not replaced by a regular file


@needs_dev_full
def test_stdout_onto_dev_full_is_one_line() -> None:
    with open(FULL, "w") as full:
        result = run_cli("table", "--depth", "18", "--format", "csv", stdout=full)
    assert result.returncode == 1  # the request was fine: writing it failed
    assert result.stderr == "resnet-inspect: error: cannot write the output: no space left on the device\n"


@pytest.mark.parametrize("depth", ["18", "152"])  # a table that fits stdout's buffer, and one that does not
def test_a_reader_that_has_left_ends_the_command_quietly(depth: str) -> None:
    """`resnet-inspect table --format csv | head -1`: the reader is gone before the table is written."""
    process = subprocess.Popen(
        [sys.executable, "-m", "resnet_inspect", "table", "--depth", depth, "--format", "json"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    process.stdout.close()
    _, stderr = process.communicate(timeout=120)
    assert stderr == ""  # no traceback, no "Exception ignored" either
    assert process.returncode == 1


def test_an_ascii_only_stdout_gets_ascii_glyphs() -> None:
    result = run_cli("table", "--depth", "18", "--level", "stage", env={"PYTHONIOENCODING": "ascii"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.isascii() and result.stderr == ""
    assert "layer4 |conv5_x |512x7x7   |8,393,728 |  71.8% |########|" in result.stdout  # ▌ as |, █ as #
    assert "ok every layer's shape, parameters and MACs agree" in result.stdout
    note = run_cli("table", "--depth", "18", "--size", "225", "--format", "csv", env={"PYTHONIOENCODING": "ascii"})
    assert note.returncode == 0 and note.stdout.isascii()
    assert note.stderr.startswith("note: 225x225 is not a multiple of 32: the last feature map is 8x8")
    explain = run_cli("explain", "layer1.0.conv1", "--depth", "18", env={"PYTHONIOENCODING": "ascii"})
    assert "in 1x64x56x56 -> out 1x64x56x56" in explain.stdout and explain.stdout.isascii()


def test_a_bad_mplbackend_does_not_stop_a_figure(tmp_path: Path) -> None:
    target = tmp_path / "stages.png"
    result = run_cli("plot", "stages", "--depth", "18", "--output", str(target), env={"MPLBACKEND": "no-such"})
    assert result.returncode == 0, result.stderr
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_docs_refuse_an_empty_out_folder(tmp_path: Path) -> None:
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "generate.py"), "--out", ""],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env=environment,
    )
    assert result.returncode == 2
    last = result.stderr.strip().splitlines()[-1]
    assert last == "generate.py: error: --out '' is empty; give the docs folder, like docs/"
    assert os.listdir(tmp_path) == []


def _every_command() -> list[list[str]]:
    import typer.main

    from resnet_inspect.cli import app

    root = typer.main.get_command(app)
    plots = root.commands["plot"].commands
    return [[], *([name] for name in root.commands), *(["plot", kind] for kind in plots)]


@pytest.mark.parametrize("command", _every_command(), ids=lambda c: " ".join(c) or "resnet-inspect")
def test_help_onto_a_closed_stdout_or_a_full_disk_is_one_line_and_exit_1(command: list[str]) -> None:
    closed = run_cli(*command, "--help", stdout=None, preexec_fn=lambda: os.close(1))
    assert closed.returncode == 1 and "Traceback" not in closed.stderr
    assert closed.stderr == "resnet-inspect: error: the standard output is closed; nothing can be written to it\n"
    if FULL.exists():
        with open(FULL, "w") as full:
            result = run_cli(*command, "--help", stdout=full)
        assert result.returncode == 1
        assert result.stderr == "resnet-inspect: error: cannot write the output: no space left on the device\n"


def test_a_command_that_writes_a_file_runs_with_stdout_closed(tmp_path: Path) -> None:
    out = tmp_path / "stages.png"
    result = run_cli("plot", "stages", "--depth", "18", "--size", "64", "--output", str(out), stdout=None,
                     preexec_fn=lambda: os.close(1))  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and result.stderr.startswith("wrote ")


@pytest.mark.parametrize(
    "command", [["table", "--depth", "18"], ["paper"], ["check", "docs/examples/my_resnet.py:build"]]
)
def test_a_command_onto_a_closed_stdout_is_one_line_and_exit_1(command: list[str]) -> None:
    result = run_cli(*command, stdout=None, preexec_fn=lambda: os.close(1))
    assert result.returncode == 1
    assert result.stderr.endswith(
        "resnet-inspect: error: the standard output is closed; nothing can be written to it\n"
    )
    assert "Traceback" not in result.stderr
