"""One writer per output, and no litter from runs that died.

**Lock.** :func:`output_lock` holds an exclusive ``flock`` on ``.NAME.lock`` beside the output
``NAME`` while a command computes and writes it; a second emvb process asking for the same output
is refused at once with one line naming the process that holds it. The kernel drops the lock when
its holder dies (even by SIGKILL), so a lock can never go stale; the file is removed on release.
Removing a lock file races with a process that has opened it but not yet locked it, so after
locking, the holder checks that the file on disk is still the one it locked, and retries if not.
Where ``fcntl`` does not exist (Windows) there is no lock.

**Stale temporaries.** Outputs are written under ``.NAME.PID.TOKEN.tmp`` and an output being
replaced is moved aside to ``.NAME.PID.TOKEN.old`` (:mod:`files.output`). A process killed
mid-write leaves them behind; :func:`remove_stale` deletes those whose PID is no longer running
(and puts a moved-aside output back if its replacement never arrived). Names of live processes are
left alone.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from pathlib import Path

from ..models.errors import EmvbError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None


def lock_path(path: Path) -> Path:
    """``dir/NAME -> dir/.NAME.lock``."""
    return path.with_name(f".{path.name}.lock")


def _holder(lock: Path) -> str:
    try:
        pid = lock.read_text().strip()
    except OSError:
        pid = ""
    return f"pid {pid}" if pid.isdigit() else "another process"


def _try_lock(lock: Path) -> int | None:
    """An fd holding the lock on the file now at ``lock``, or None if another process holds it."""
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(lock))
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)  # the holder removed it between our open and our lock: take the new one


@contextlib.contextmanager
def output_lock(path):
    """Hold the exclusive lock on output ``path`` for the block; refuse if another process holds it."""
    path = Path(path)
    if fcntl is None:  # pragma: no cover - Windows
        yield
        return
    lock = lock_path(path)
    try:
        fd = _try_lock(lock)
    except OSError as e:
        raise EmvbError(f"{path}: cannot create the lock file {lock.name} ({e.strerror})") from None
    if fd is None:
        raise EmvbError(f"{path}: another emvb run ({_holder(lock)}) is writing it; "
                        "wait for it to finish or choose another --out")
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        with contextlib.suppress(OSError):
            lock.unlink()
        os.close(fd)


def _alive(pid: int) -> bool:
    """Whether process ``pid`` exists (this one included): signal 0 checks without sending anything."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        pass
    return True


def temp_pattern(path: Path) -> re.Pattern:
    """Names of the temporaries and moved-aside outputs of ``path`` (group 1: PID, group 2: kind)."""
    return re.compile(rf"\.{re.escape(path.name)}\.(\d+)\.[0-9a-f]{{16}}\.(tmp|old)")


def remove_stale(path) -> list[Path]:
    """Delete temporaries of ``path`` left by dead processes; restore a moved-aside output if ``path`` is gone.

    Returns the names removed or restored.
    """
    path = Path(path)
    if not path.parent.is_dir():
        return []
    pattern = temp_pattern(path)
    done = []
    for entry in sorted(path.parent.iterdir()):
        m = pattern.fullmatch(entry.name)
        if m is None or _alive(int(m.group(1))):
            continue
        if m.group(2) == "old" and not os.path.lexists(path):
            os.replace(entry, path)  # the replacement never arrived: the previous output is the output
        elif entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                entry.unlink()
        done.append(entry)
    return done
