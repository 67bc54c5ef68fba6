"""The stages of a long command shown with rich on stderr (so stdout stays clean for results).

:class:`ShownStages` is :class:`compare.stages.Stages` (the same ``timings``) with a display: a spinner
while a stage runs, its time when it ends, and the failure when it raises; ``quiet`` shows nothing.
"""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager

from ..compare.stages import Stages


class ShownStages(Stages):
    """Record the time of each named stage; display them unless ``quiet``."""

    def __init__(self, quiet: bool = False, title: str = "emvb"):
        super().__init__()
        self.quiet = quiet
        self._console = None
        if not quiet:
            from rich.console import Console

            self._console = Console(file=sys.stderr, highlight=False)
            self._console.print(f"[bold]{title}[/bold]")

    @contextmanager
    def stage(self, name: str, key: str | None = None):
        """Time the block (:meth:`compare.stages.Stages.stage`) with a spinner while it runs."""
        if self._console is None:
            with super().stage(name, key):
                yield
            return
        t0 = time.perf_counter()
        with self._console.status(f"{name} ...", spinner="dots"):
            try:
                with super().stage(name, key):
                    yield
            except BaseException:
                self._console.print(f"  [red]x[/red] {name} (failed after {time.perf_counter() - t0:.1f} s)")
                raise
        self._console.print(f"  [green]v[/green] {name:<44} {self.timings[key or name]:7.1f} s")

    def note(self, text: str) -> None:
        if self._console is not None:
            self._console.print(f"    {text}")
