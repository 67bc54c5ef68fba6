"""Writing results safely: settle every output before computing, never overwrite an input, never half-write.

**Before any computation** a command claims its outputs with :func:`claimed` (the CLI does this
for every command that declares ``OUTPUT``: see :mod:`cli.main`). For each output that

- refuses a path that is, contains, or is inside an input (:func:`refuse_overlap`), ``--force`` or not;
- refuses what cannot or must not be written (:func:`check_writable`): an existing path without
  ``force``; with ``force``, an existing path of the other kind (a folder where a file is written, or
  a file where a folder is) and a folder that holds the current folder or the home folder; a place
  where no file can be created (``/proc``, a read-only folder: found by creating and removing a
  temporary file there);
- creates missing parent folders (removed again if nothing was written), takes the output's lock
  (:func:`files.lock.output_lock`: a second run writing the same output is refused, naming the
  first), and removes temporaries that dead runs left (:func:`files.lock.remove_stale`).

**Writing.** (netCDF: :func:`files.netcdf.atomic_write_netcdf`, built on :func:`atomic_write`.)
Every output goes to a temporary name ``.NAME.PID.TOKEN.tmp`` in the same folder and is
renamed into place, which is atomic on POSIX, so an interrupted run leaves either the old output or
the new one; after a Ctrl-C nothing is renamed into place (:func:`files.interrupt.raise_if_interrupted`);
temporaries of dead runs beside it are removed first.
Temporary files and folders are created with ``os.open``/``os.mkdir`` and an explicit mode, so they
get the ordinary permissions the user's umask gives (``tempfile`` makes them private, 0600/0700)
without the process-wide ``os.umask`` round trip that reading the umask would need.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path

from ..models.errors import EmvbError
from .interrupt import raise_if_interrupted
from .lock import output_lock, remove_stale

#: Attempts at a fresh temporary name before giving up (names have 64 random bits).
_TMP_ATTEMPTS = 100
#: Outputs renamed into place by this process, in order (the CLI words its interrupt message by it).
_COMMITTED: list[Path] = []


def committed() -> tuple[Path, ...]:
    """Outputs this process has renamed into place so far."""
    return tuple(_COMMITTED)


def _holds_where_we_are(path: Path) -> str | None:
    """``"the current folder"`` or ``"your home folder"`` if replacing ``path`` would delete it, else None."""
    real = Path(os.path.realpath(path))
    places = [("the current folder", Path.cwd())]
    with contextlib.suppress(RuntimeError, KeyError):  # no home folder known
        places.append(("your home folder", Path.home()))
    for what, where in places:
        if Path(os.path.realpath(where)).is_relative_to(real):
            return what
    return None


def _existing_ancestor(path: Path) -> Path:
    anc = path.absolute().parent
    while not os.path.lexists(anc):
        anc = anc.parent
    return anc


def check_writable(path, force: bool, *, folder: bool | None = None) -> Path:
    """Refuse an output that cannot or must not be written (module note); return it as a :class:`Path`.

    ``folder`` says whether the output is a folder (:func:`atomic_dir`) or a file; None checks no kind.
    """
    path = Path(path)
    if path.name in ("", ".", ".."):
        raise EmvbError(f"{path}: names no file or folder to write; give a new name")
    if os.path.lexists(path):
        if not force:
            raise EmvbError(f"{path}: already exists; pass --force to overwrite it")
        if path.is_dir() and folder is False:
            raise EmvbError(f"{path}: is a folder; this output is a file: give a file name")
        if folder is True and not path.is_dir():
            raise EmvbError(f"{path}: is a file; this output is a folder: give a folder name")
        if folder is not False and path.is_dir() and (held := _holds_where_we_are(path)):
            raise EmvbError(f"{path}: holds {held}; refusing to replace it, --force or not")
    anc = _existing_ancestor(path)
    if not anc.is_dir():
        raise EmvbError(f"{anc}: is not a folder, so {path} cannot be written")
    try:
        probe = _make_temp(anc / (path.name if anc == path.absolute().parent else "probe"), _new_file)
    except OSError as e:
        raise EmvbError(f"{path}: cannot be written: creating a file in {anc} failed ({e.strerror})") from None
    probe.unlink()
    return path


def refuse_overlap(path, inputs: Iterable) -> None:
    """Refuse an output ``path`` that is, contains, or is inside one of ``inputs`` (None entries skipped)."""
    out = Path(os.path.realpath(path))
    for given in inputs:
        if given is None:
            continue
        inp = Path(os.path.realpath(given))
        same = out == inp or (out.exists() and inp.exists() and os.path.samefile(out, inp))
        if same:
            what = "is the input"
        elif inp.is_relative_to(out):
            what = "contains the input"
        elif out.is_relative_to(inp):
            what = "is inside the input"
        else:
            continue
        raise EmvbError(f"{path}: {what} {given}; an output never replaces an input (--force or not): "
                        "choose another --out")


@contextlib.contextmanager
def claimed(outputs: Iterable[tuple], *, force: bool, inputs: Iterable = ()):
    """Settle the outputs before computing (module note); hold their locks for the block.

    ``outputs`` are ``(path, folder)`` pairs; ``inputs`` the files the command reads. Yields the
    output paths. Parent folders created here are removed again on leaving if they are still empty.
    """
    inputs = list(inputs)
    pairs = [(Path(p), folder) for p, folder in outputs]
    for path, folder in pairs:
        refuse_overlap(path, inputs)
        check_writable(path, force, folder=folder)
    with contextlib.ExitStack() as stack:
        for path, folder in pairs:
            stack.enter_context(parents_made(path))
            stack.enter_context(output_lock(path))
            remove_stale(path)
            check_writable(path, force, folder=folder)  # a dead run's output may have been restored
        yield [p for p, _ in pairs]


@contextlib.contextmanager
def parents_made(path):
    """Create the missing parent folders of ``path`` for the block; on leaving, remove those still empty
    (a command that failed before writing leaves no empty folder behind)."""
    path = Path(path)
    parents = path.absolute().parents
    created = []
    for p in reversed(parents[:parents.index(_existing_ancestor(path))]):
        try:
            p.mkdir()
            created.append(p)
        except FileExistsError:  # another process made it meanwhile: not ours to remove
            continue
        except OSError as e:
            raise EmvbError(f"{path}: cannot be written: creating the folder {p} failed ({e.strerror})") from None
    try:
        yield
    finally:
        for p in reversed(created):  # deepest first
            with contextlib.suppress(OSError):
                p.rmdir()  # only if still empty


def _temp_name(path: Path, kind: str = "tmp") -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(8)}.{kind}")


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


def _failed(path: Path, e: OSError, tmp: Path | None = None) -> EmvbError:
    """One line naming the output (the file inside an output folder, by its final name) and the cause."""
    name = str(path)
    if tmp is not None and e.filename and str(e.filename).startswith(str(tmp) + os.sep):
        name = str(path / os.path.relpath(e.filename, tmp))
    return EmvbError(f"{name}: writing failed ({e.strerror or e})")


def _commit(path: Path, make: Callable[[Path], None], writer: Callable[[Path], None],
            put: Callable[[Path], None], discard: Callable[[Path], None], folder: bool) -> Path:
    """Make a temporary beside ``path`` with ``make``, fill it with ``writer`` and ``put`` it in place; on any
    failure ``discard`` it. Nothing is put in place after a Ctrl-C; an ``OSError`` becomes one line."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale(path)  # library callers too: no litter of dead runs beside what we write
        tmp = _make_temp(path, make)
    except OSError as e:
        raise _failed(path, e) from None
    try:
        writer(tmp)
        raise_if_interrupted()
        put(tmp)
    except OSError as e:
        discard(tmp)
        raise _failed(path, e, tmp if folder else None) from None
    except EmvbError as e:  # a file inside failed (atomic_write): name it by its final place, not the temporary's
        discard(tmp)
        if not folder:
            raise
        raise EmvbError(str(e).replace(str(tmp), str(path))) from None
    except BaseException:
        discard(tmp)
        raise
    _COMMITTED.append(path)
    return path


def atomic_write(path, writer: Callable[[Path], None]) -> Path:
    """Call ``writer(tmp_path)`` then rename ``tmp_path`` to ``path`` (atomic on one filesystem).

    Nothing is renamed into place after a Ctrl-C; an ``OSError`` becomes a one-line :class:`EmvbError`.
    """
    path = Path(path)
    return _commit(path, _new_file, writer, lambda tmp: os.replace(tmp, path),
                   lambda tmp: tmp.unlink(missing_ok=True), folder=False)


def atomic_write_text(path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically."""
    return atomic_write(path, lambda p: p.write_text(text))


def atomic_dir(path, writer: Callable[[Path], None], force: bool) -> Path:
    """Build a whole output folder under a temporary name, then move it into place.

    ``writer(tmp_dir)`` fills the folder. An existing ``path`` is refused unless ``force`` (and
    then :func:`check_writable` decides), and is only replaced once the new folder is complete.
    Nothing is moved into place after a Ctrl-C.
    """
    path = check_writable(path, force, folder=True)

    def put(tmp: Path) -> None:
        if path.exists():
            old = _temp_name(path, "old")
            os.replace(path, old)  # a run killed here leaves .old; files.lock.remove_stale puts it back
            os.replace(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, path)

    return _commit(path, lambda p: os.mkdir(p, 0o777),  # mode & ~umask, like mkdir(1)
                   writer, put, lambda tmp: shutil.rmtree(tmp, ignore_errors=True), folder=True)
