"""Shared test helpers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args, cwd=None, timeout=600) -> subprocess.CompletedProcess:
    """Run ``emvb ARGS`` in a fresh interpreter, as a user would; returns the completed process."""
    env = dict(os.environ, PYTHONWARNINGS="error")
    return subprocess.run(
        [sys.executable, "-m", "emvb.cli", *map(str, args)],
        capture_output=True, text=True, cwd=cwd or ROOT, env=env, timeout=timeout,
    )


@pytest.fixture(scope="session")
def cli():
    return run_cli
