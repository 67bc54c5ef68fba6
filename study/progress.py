"""The study's progress bar (rich, on stderr): replicates done and failed, rate and time left."""

from __future__ import annotations

import sys
import time


class Progress:
    """``with Progress(total, quiet) as p: p.advance(done, failed)``; nothing is shown when ``quiet``."""

    def __init__(self, total: int, *, quiet: bool, title: str = "emvb study", already: int = 0,
                 already_failed: int = 0):
        self.total = int(total)
        self.done = int(already)
        self.failed = int(already_failed)
        self.quiet = quiet
        self.title = title
        self.t0 = time.perf_counter()
        self._new = 0
        self._bar = None
        self._task = None

    def __enter__(self) -> Progress:
        if not self.quiet:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
            from rich.progress import Progress as RichProgress

            self._bar = RichProgress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                TextColumn("failed {task.fields[failed]}"), TextColumn("{task.fields[rate]}"),
                TextColumn("left"), TimeRemainingColumn(),
                console=Console(file=sys.stderr), transient=False,
            )
            self._bar.__enter__()
            self._task = self._bar.add_task(self.title, total=self.total, completed=self.done,
                                            failed=self.failed, rate="")
        return self

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)

    @property
    def rate(self) -> float:
        """Replicates finished per second in this run."""
        return self._new / max(time.perf_counter() - self.t0, 1e-9)

    def advance(self, done: int, failed: int) -> None:
        """``done`` more replicates finished, ``failed`` of them failed."""
        self.done += done
        self.failed += failed
        self._new += done
        if self._bar is not None:
            self._bar.update(self._task, advance=done, failed=self.failed, rate=f"{self.rate:.2f} rep/s")
