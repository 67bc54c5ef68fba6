"""Writing results safely: never overwrite silently, never leave a half-written file.

Every output goes to a temporary name in the same folder and is renamed into place, which is
atomic on POSIX, so an interrupted run leaves either the old file or the new one.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from .errors import EmvbError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def check_writable(path, force: bool) -> Path:
    """Refuse an existing ``path`` unless ``force``; return it as a :class:`Path`."""
    path = Path(path)
    if path.exists() and not force:
        raise EmvbError(f"{path}: already exists; pass --force to overwrite it")
    if path.parent != Path("") and path.parent.exists() and not path.parent.is_dir():
        raise EmvbError(f"{path.parent}: is not a folder")
    return path


def atomic_write(path, writer: Callable[[Path], None]) -> Path:
    """Call ``writer(tmp_path)`` then rename ``tmp_path`` to ``path`` (atomic on one filesystem)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp)
    try:
        writer(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; results are ordinary files
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
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    try:
        writer(tmp)
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes 0700
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
