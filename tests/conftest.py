"""Shared test helpers: the CLI in a fresh interpreter, with every warning an error.

No numpy/xarray/ArviZ warning may reach a user in a normal run, so the CLI runs with
``PYTHONWARNINGS=error``: a warning anywhere fails the test that meets it (a warning upstream
gives on correct use is silenced in sampling/known_warnings.py, with its trigger tested).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def cli_env() -> dict:
    """The environment of every CLI test: warnings are errors."""
    return dict(os.environ, PYTHONWARNINGS="error")


def run_cli(*args, cwd=None, timeout=600) -> subprocess.CompletedProcess:
    """Run ``emvb ARGS`` in a fresh interpreter, as a user would; returns the completed process."""
    return subprocess.run(
        [sys.executable, "-m", "emvb.cli", *map(str, args)],
        capture_output=True, text=True, cwd=cwd or ROOT, env=cli_env(), timeout=timeout,
    )


def start_cli(*args, cwd=None) -> subprocess.Popen:
    """Start ``emvb ARGS`` in its own session (a Ctrl-C reaches its whole process group, as in a terminal)."""
    return subprocess.Popen([sys.executable, "-m", "emvb.cli", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=cwd or ROOT, env=cli_env(),
                            start_new_session=True)


_MANY = """
import contextlib, io, json, sys, time, traceback
from emvb.cli.main import main
out = []
for argv in json.loads(sys.argv[1]):
    o, e = io.StringIO(), io.StringIO()
    t0 = time.monotonic()
    with contextlib.redirect_stdout(o), contextlib.redirect_stderr(e):
        try:
            code = main(argv)
        except SystemExit as x:
            code = x.code
        except BaseException:
            traceback.print_exc()
            code = "traceback"
    out.append({"argv": argv, "code": code, "stdout": o.getvalue(), "stderr": e.getvalue(),
                "seconds": time.monotonic() - t0})
print(json.dumps(out))
"""


def run_cli_many(argvs, cwd=None, timeout=600, silent=False) -> list[dict]:
    """Run several ``emvb`` command lines one after the other in ONE fresh interpreter (for refusals that
    stop before any computation, and for commands whose imports would otherwise be paid once each: a new
    interpreter costs seconds apiece); returns per command ``code`` (exit status, or "traceback"), ``stdout``,
    ``stderr`` and ``seconds`` (its own wall time, without the interpreter's start). Each command's stdout and
    stderr are what Python wrote to them; ``silent=True`` also asserts that nothing else reached the process's
    stderr (a library writing to file descriptor 2 directly, as a separate ``emvb`` process would show it)."""
    r = subprocess.run([sys.executable, "-c", _MANY, json.dumps([[str(a) for a in argv] for argv in argvs])],
                       capture_output=True, text=True, cwd=cwd or ROOT, env=cli_env(), timeout=timeout)
    assert r.returncode == 0, r.stderr
    assert not silent or r.stderr == "", r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def cli():
    return run_cli
