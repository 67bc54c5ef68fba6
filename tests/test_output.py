"""files.output, files.lock, files.interrupt in process: what may be written, one writer per output, dead
runs' litter removed, and nothing renamed into place after a Ctrl-C that a library swallowed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from emvb.files.interrupt import interrupted, interrupts_stop
from emvb.files.lock import lock_path, output_lock, remove_stale
from emvb.files.output import atomic_dir, atomic_write, check_writable, claimed, committed, refuse_overlap
from emvb.models.errors import EmvbError


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_check_writable_refuses_what_must_not_be_replaced(tmp_path, monkeypatch):
    file, folder = tmp_path / "f.txt", tmp_path / "d"
    file.write_text("x")
    folder.mkdir()
    with pytest.raises(EmvbError, match="already exists; pass --force"):
        check_writable(file, force=False)
    with pytest.raises(EmvbError, match="is a folder; this output is a file"):
        check_writable(folder, force=True, folder=False)
    with pytest.raises(EmvbError, match="is a file; this output is a folder"):
        check_writable(file, force=True, folder=True)
    with pytest.raises(EmvbError, match="names no file or folder"):
        check_writable(".", force=True, folder=True)
    assert check_writable(file, force=True, folder=False) == file
    assert check_writable(folder, force=True, folder=True) == check_writable(folder, force=True) == folder
    monkeypatch.chdir(folder)
    for holding_cwd in (folder, tmp_path):
        with pytest.raises(EmvbError, match="holds the current folder"):
            check_writable(holding_cwd, force=True, folder=True)
    assert check_writable(tmp_path / "new" / "deeper" / "out.csv", force=False).name == "out.csv"
    assert _names(tmp_path) == ["d", "f.txt"]  # the probe left nothing, made no folder


def test_refuse_overlap_sees_through_links_and_folders(tmp_path):
    data = tmp_path / "in" / "data.csv"
    data.parent.mkdir()
    data.write_text("x\n")
    refuse_overlap(tmp_path / "out", [data, None])  # unrelated: fine
    for out, what in ((data, "is the input"), (tmp_path / "in", "contains the input"),
                      (tmp_path, "contains the input"), (data / "x", "is inside the input")):
        with pytest.raises(EmvbError, match=what):
            refuse_overlap(out, [data])
    (tmp_path / "sym.csv").symlink_to(data)
    os.link(data, tmp_path / "hard.csv")
    for out in ("sym.csv", "hard.csv"):
        with pytest.raises(EmvbError, match="is the input"):
            refuse_overlap(tmp_path / out, [data])


def test_claimed_locks_and_removes_the_folders_it_made_when_nothing_was_written(tmp_path):
    out = tmp_path / "a" / "b" / "report"
    with claimed([(out, True)], force=False) as paths:
        assert paths == [out] and lock_path(out).read_text().strip() == str(os.getpid())
        with pytest.raises(EmvbError, match=f"another emvb run \\(pid {os.getpid()}\\) is writing it"):
            with output_lock(out):
                pass
    assert _names(tmp_path) == []
    with claimed([(out, True)], force=False):
        atomic_dir(out, lambda tmp: (tmp / "r.md").write_text("r"), force=False)
    assert _names(out.parent) == ["report"] and committed()[-1] == out


_HOLD = """
import sys, time
from emvb.files.lock import output_lock
with output_lock(sys.argv[1]):
    print("locked", flush=True)
    time.sleep(600)
"""


def test_a_lock_held_by_another_process_is_refused_and_freed_when_it_is_killed(tmp_path):
    out = tmp_path / "p.nc"
    holder = subprocess.Popen([sys.executable, "-c", _HOLD, str(out)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(EmvbError, match=f"pid {holder.pid}"):
            with output_lock(out):
                pass
    finally:
        holder.kill()  # SIGKILL: no clean-up runs, the lock file stays
        holder.wait()
    assert lock_path(out).exists()
    with output_lock(out):  # the kernel dropped the dead holder's lock
        pass
    assert not lock_path(out).exists()


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_remove_stale_deletes_dead_runs_temporaries_and_restores_a_moved_aside_output(tmp_path):
    dead, out = _dead_pid(), tmp_path / "rep"
    (tmp_path / f".rep.{dead}.{'a' * 16}.tmp").mkdir()
    (tmp_path / f".rep.{dead}.{'b' * 16}.tmp").write_text("half")
    (tmp_path / f".rep.{os.getpid()}.{'c' * 16}.tmp").write_text("ours, alive")
    (tmp_path / f".rep.{dead}.{'d' * 16}.old").mkdir()
    (tmp_path / f".rep.{dead}.{'d' * 16}.old" / "report.md").write_text("previous")
    (tmp_path / f".other.{dead}.{'e' * 16}.tmp").write_text("another output's")
    assert len(remove_stale(out)) == 3
    assert (out / "report.md").read_text() == "previous"  # the run died between its two renames
    assert _names(tmp_path) == [f".other.{dead}.{'e' * 16}.tmp", f".rep.{os.getpid()}.{'c' * 16}.tmp", "rep"]


def _swallowing_writer(tmp: Path) -> None:
    """What nutpie and PyMC do with a Ctrl-C: catch it and carry on."""
    try:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(5)
    except KeyboardInterrupt:
        pass
    tmp.write_text("built on truncated chains")


@pytest.mark.parametrize("write", ["file", "folder"])
def test_nothing_is_renamed_into_place_after_a_swallowed_ctrl_c(tmp_path, write):
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        with interrupts_stop():
            if write == "file":
                atomic_write(out, _swallowing_writer)
            else:
                atomic_dir(out, lambda tmp: _swallowing_writer(tmp / "r.md"), force=False)
    assert interrupted() and _names(tmp_path) == []
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    with interrupts_stop():  # a new block starts clean
        atomic_write(out, lambda tmp: tmp.write_text("ok"))
    assert not interrupted() and out.read_text() == "ok"
