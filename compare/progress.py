"""Stages of a long command: timed always, shown with rich unless quiet.

``with stages.stage("EM fit"):`` records the wall time of the block under that name; the display
(on stderr, so stdout stays clean for results) shows a spinner while the stage runs and its time
when it ends.
"""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager


class Stages:
    """Record the time of each named stage; display them unless ``quiet``."""

    def __init__(self, quiet: bool = False, title: str = "emvb"):
        self.timings: dict[str, float] = {}
        self.quiet = quiet
        self._console = None
        if not quiet:
            from rich.console import Console

            self._console = Console(file=sys.stderr, highlight=False)
            self._console.print(f"[bold]{title}[/bold]")

    @contextmanager
    def stage(self, name: str, key: str | None = None):
        """Time the block; ``key`` is the name used in ``timings`` (default: ``name``)."""
        t0 = time.perf_counter()
        if self._console is None:
            try:
                yield
            finally:
                self.timings[key or name] = time.perf_counter() - t0
            return
        with self._console.status(f"{name} ...", spinner="dots"):
            try:
                yield
            except BaseException:
                self._console.print(f"  [red]x[/red] {name} (failed after {time.perf_counter() - t0:.1f} s)")
                raise
            finally:
                self.timings[key or name] = time.perf_counter() - t0
        self._console.print(f"  [green]v[/green] {name:<44} {self.timings[key or name]:7.1f} s")

    def note(self, text: str) -> None:
        if self._console is not None:
            self._console.print(f"    {text}")

    @property
    def total(self) -> float:
        return float(sum(self.timings.values()))
