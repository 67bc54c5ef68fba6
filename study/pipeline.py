"""One ``emvb study`` run end to end: refuse or resume the folder, run what is missing on Dask,
rebuild the outputs.

A folder holds one study: its store (:mod:`study.store`) records the settings it was started with,
and the same command run again resumes it (finished replicates are not redone). Different settings
are refused unless ``force``, which starts afresh. A study with nothing left to run only rebuilds
its outputs, without starting any worker.
"""

from __future__ import annotations

import os
import shutil
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from ..models.errors import EmvbError
from ..models.machine import available_cores
from .folder import OUTPUTS, write_outputs
from .progress import PROGRESS_EVERY, WAIT_WORKERS, Progress
from .runner import RunOutcome, dask_client, plan, run_tasks, total_replicates
from .settings import StudySettings
from .store import STORE_NAME, Store


@dataclass(frozen=True)
class StudyRun:
    """What one run did: replicates recorded now and failed among them, recorded in total, tasks lost."""

    out: Path
    recorded: int
    failed: int
    total: int
    lost: tuple[str, ...]


def check_folder(out: Path, settings: StudySettings, force: bool) -> set | None:
    """Refuse a folder that holds another study (unless ``force``) or is not a study; when it holds this
    study already (a resume), the replicates it has recorded, else None."""
    if out.exists() and not out.is_dir():
        raise EmvbError(f"{out}: exists and is not a folder")
    existing = next(p for p in (out, *out.absolute().parents) if p.exists())
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise EmvbError(f"{out}: cannot be written ({existing} is not a writable folder)")
    store = out / STORE_NAME
    if store.exists():
        with Store(store) as s:
            stored, done = s.get_meta("settings"), s.done()
        if stored is not None and not force:
            diff = settings.differences(StudySettings.from_dict(stored))
            if diff:
                raise EmvbError(f"{out}: holds a study with other settings ({'; '.join(diff)} as given vs stored); "
                                "pass --force to start afresh")
        return done if stored is not None and not force else None
    if out.exists() and any(out.iterdir()) and not force:
        raise EmvbError(f"{out}: exists and holds no study; pass --force to write the study there")
    return None


def _clear(out: Path) -> None:
    for name in (STORE_NAME, STORE_NAME + "-wal", STORE_NAME + "-shm", *OUTPUTS):
        p = out / name
        shutil.rmtree(p) if p.is_dir() else p.unlink(missing_ok=True)


def run_study(settings: StudySettings, out, *, workers: int | None = None, scheduler: str | None = None,
              quiet: bool = False, force: bool = False, command: str = "", wait_workers: float = WAIT_WORKERS,
              progress_every: float = PROGRESS_EVERY) -> StudyRun:
    """Run (or resume) the study in ``out`` and write its outputs; see the module note."""
    from importlib.metadata import version

    out = Path(out)
    recorded = check_folder(out, settings, force)
    resuming = recorded is not None
    todo = plan(settings, recorded or frozenset())
    outcome = RunOutcome(0, 0, ())
    with ExitStack() as stack:
        # Connect before touching the folder: an unreachable scheduler leaves nothing behind.
        client = (stack.enter_context(dask_client(workers or available_cores(), scheduler, quiet, wait_workers))
                  if todo else None)
        out.mkdir(parents=True, exist_ok=True)
        if not resuming:
            _clear(out)
        store = stack.enter_context(Store(out / STORE_NAME))
        if not resuming:
            store.set_meta(settings=settings.to_dict(), emvb_version=version("emvb"))
        if todo:
            done, failed = store.counts()
            with Progress(total_replicates(settings), quiet=quiet, title=f"emvb study -> {out}", already=done,
                          already_failed=failed, every=progress_every) as progress:
                outcome = run_tasks(settings, store, client, progress)
        write_outputs(out, store, settings, command=command)
        total, _ = store.counts()
    return StudyRun(out, outcome.recorded, outcome.failed, total, outcome.lost)
