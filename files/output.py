"""Writing results safely: never overwrite silently, never leave a half-written file.

Every output goes to a temporary name in the same folder and is renamed into place, which is
atomic on POSIX, so an interrupted run leaves either the old file or the new one. Temporary files
and folders are created with ``os.open``/``os.mkdir`` and an explicit mode, so they get the
ordinary permissions the user's umask gives (``tempfile`` makes them private, 0600/0700) without
the process-wide ``os.umask`` round trip that reading the umask would need.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable
from pathlib import Path

from ..models.errors import EmvbError

#: Attempts at a fresh temporary name before giving up (names have 64 random bits).
_TMP_ATTEMPTS = 100


def check_writable(path, force: bool) -> Path:
    """Refuse an existing ``path`` unless ``force``; return it as a :class:`Path`."""
    path = Path(path)
    if path.exists() and not force:
        raise EmvbError(f"{path}: already exists; pass --force to overwrite it")
    if path.parent != Path("") and path.parent.exists() and not path.parent.is_dir():
        raise EmvbError(f"{path.parent}: is not a folder")
    return path


def _temp_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(8)}.tmp")


def _make_temp(path: Path, make: Callable[[Path], None]) -> Path:
    for _ in range(_TMP_ATTEMPTS):
        tmp = _temp_name(path)
        try:
            make(tmp)
            return tmp
        except FileExistsError:
            continue
    raise EmvbError(f"{path.parent}: could not create a temporary name for {path.name}")


def _new_file(tmp: Path) -> None:
    os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))  # mode & ~umask, like open()


def atomic_write(path, writer: Callable[[Path], None]) -> Path:
    """Call ``writer(tmp_path)`` then rename ``tmp_path`` to ``path`` (atomic on one filesystem)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _make_temp(path, _new_file)
    try:
        writer(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically."""
    return atomic_write(path, lambda p: p.write_text(text))


def atomic_dir(path, writer: Callable[[Path], None], force: bool) -> Path:
    """Build a whole output folder under a temporary name, then move it into place.

    ``writer(tmp_dir)`` fills the folder. An existing ``path`` is refused unless ``force``, and is
    only replaced once the new folder is complete.
    """
    path = check_writable(path, force)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _make_temp(path, lambda p: os.mkdir(p, 0o777))  # mode & ~umask, like mkdir(1)
    try:
        writer(tmp)
        if path.exists():
            old = path.with_name(f".{path.name}.old-{os.getpid()}")
            os.replace(path, old)
            os.replace(tmp, path)
            shutil.rmtree(old, ignore_errors=True) if old.is_dir() else old.unlink(missing_ok=True)
        else:
            os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return path
