"""The study's progress on stderr: a rich bar in a terminal, a plain line at a steady interval elsewhere.

In a terminal the bar redraws itself; in a log file or pipe a bar is written only when it ends, so a
long study would show nothing for hours. There a line ``emvb study -> OUT: 37/208 replicates (0 failed),
1.20 rep/s, about 2.4 min left`` is printed every :data:`PROGRESS_EVERY` seconds (``--progress-every``)
by a timer, whether or not a replicate finished (a worker compiling shows as a stalled count).
"""

from __future__ import annotations

import sys
import threading
import time

#: Seconds between two progress lines when stderr is not a terminal.
PROGRESS_EVERY = 30.0
#: Seconds to wait for a scheduler without workers to get one before giving up (``--wait-workers``;
#: defined here, not in :mod:`study.runner`, so that building the command line imports no Dask or pandas).
WAIT_WORKERS = 60


class Progress:
    """``with Progress(total, quiet) as p: p.advance(done, failed)``; nothing is shown when ``quiet``.

    ``every``: seconds between plain lines when the stream (default stderr) is not a terminal.
    """

    def __init__(self, total: int, *, quiet: bool, title: str = "emvb study", already: int = 0,
                 already_failed: int = 0, every: float = PROGRESS_EVERY, stream=None):
        self.total = int(total)
        self.done = int(already)
        self.failed = int(already_failed)
        self.quiet = quiet
        self.title = title
        self.every = float(every)
        self.stream = sys.stderr if stream is None else stream
        self.t0 = time.perf_counter()
        self._new = 0
        self._bar = None
        self._task = None
        self._stop = threading.Event()
        self._timer: threading.Thread | None = None

    def __enter__(self) -> Progress:
        if self.quiet:
            return self
        if not _is_terminal(self.stream):
            self._timer = threading.Thread(target=self._lines, name="emvb-progress", daemon=True)
            self._timer.start()
            return self
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
        from rich.progress import Progress as RichProgress

        self._bar = RichProgress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("failed {task.fields[failed]}"), TextColumn("{task.fields[rate]}"),
            TextColumn("left"), TimeRemainingColumn(),
            console=Console(file=self.stream), transient=False,
        )
        self._bar.__enter__()
        self._task = self._bar.add_task(self.title, total=self.total, completed=self.done,
                                        failed=self.failed, rate="")
        return self

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)
        if self._timer is not None:
            self._stop.set()
            self._timer.join()
            if exc[0] is None:
                self._print_line()

    @property
    def rate(self) -> float:
        """Replicates finished per second in this run."""
        return self._new / max(time.perf_counter() - self.t0, 1e-9)

    def line(self) -> str:
        """The plain progress line: done of total, failed, rate and the time left at that rate."""
        rate = self.rate
        left = (f"about {(self.total - self.done) / rate / 60:.1f} min left" if rate > 0
                else "no replicate finished yet in this run")
        return (f"{self.title}: {self.done}/{self.total} replicates ({self.failed} failed), {rate:.2f} rep/s, "
                f"{left}, {time.perf_counter() - self.t0:.0f} s elapsed")

    def _print_line(self) -> None:
        try:
            print(self.line(), file=self.stream, flush=True)
        except (OSError, ValueError):  # the log was closed under us: progress is not worth a failure
            pass

    def _lines(self) -> None:
        while not self._stop.wait(self.every):
            self._print_line()

    def advance(self, done: int, failed: int) -> None:
        """``done`` more replicates finished, ``failed`` of them failed."""
        self.done += done
        self.failed += failed
        self._new += done
        if self._bar is not None:
            self._bar.update(self._task, advance=done, failed=self.failed, rate=f"{self.rate:.2f} rep/s")


def _is_terminal(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
