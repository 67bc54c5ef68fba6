"""The wall time of each stage of a long computation, recorded under a key.

``with stages.stage("EM fit", "em"):`` records the block's time in ``stages.timings["em"]`` (the name
when no key is given), whether the block ends or raises; results.nc and report.md keep those timings.
:class:`Stages` shows nothing: the command line's display (:class:`cli.progress.ShownStages`, a spinner on
stderr) is the same recorder with a console, so compare/ and report/ never import the command line.
"""

from __future__ import annotations

import time
from contextlib import contextmanager


class Stages:
    """Record the time of each named stage; :meth:`note` lines go nowhere (a display subclass shows them)."""

    def __init__(self):
        self.timings: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str, key: str | None = None):
        """Time the block; ``key`` is the name used in ``timings`` (default: ``name``)."""
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.timings[key or name] = time.perf_counter() - t0

    def note(self, text: str) -> None:
        """A line for whoever watches the stages (nobody, here)."""

    @property
    def total(self) -> float:
        return float(sum(self.timings.values()))
