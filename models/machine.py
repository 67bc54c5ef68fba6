"""The machine as emvb sees it: how many cores this process may use."""

from __future__ import annotations

import os


def available_cores() -> int:
    """Cores this process may use: its CPU affinity where the OS has one (Linux), else ``os.cpu_count()``,
    at least 1 (``os.cpu_count()`` may be None). Read at each call, so a changed affinity counts."""
    affinity = getattr(os, "sched_getaffinity", None)
    if affinity is not None:
        return max(1, len(affinity(0)))
    return max(1, os.cpu_count() or 1)
