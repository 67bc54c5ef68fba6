"""A Ctrl-C while the ``emvb`` command starts prints one line, not a traceback (imported first by ``emvb``).

Start-up (importing numpy, numba, the package; about a second) happens before :func:`cli.main.main`
can install its handling, so a Ctrl-C there would reach the interpreter as an uncaught
``KeyboardInterrupt`` and print a traceback of whatever was being imported. When this process is
the ``emvb`` command (the console script, or ``python -m emvb.cli``: told by ``sys.orig_argv``, which
exists from the interpreter's start), :func:`install` replaces ``sys.excepthook`` so that an uncaught
``KeyboardInterrupt`` (or an error raised while handling one, as an import interrupted half-way
may give) prints ``emvb: interrupted; nothing written`` and exits with status 130, as
:func:`cli.main.main` does for a Ctrl-C inside a command. Any other uncaught exception is printed
as before; a program that merely imports ``emvb`` is left alone.

An import interrupted half-way can also leave an open file behind, whose ``ResourceWarning`` Python
reports as an "Exception ignored" message while the interrupt unwinds, before the hook runs (seen
with ``PYTHONWARNINGS=error``). So the command holds such reports (``sys.unraisablehook``) and prints
them when it exits normally (:mod:`atexit`); an interrupted start-up drops them with the traceback.
"""

from __future__ import annotations

import atexit
import os
import sys

#: Exit status of an interrupted command: 128 + SIGINT, as cli.main returns.
INTERRUPTED = 130


def is_the_command(argv: list[str]) -> bool:
    """Whether the interpreter's own arguments ``argv`` (``sys.orig_argv``) run the ``emvb`` command."""
    if len(argv) > 1 and os.path.basename(argv[1]).removesuffix(".exe") in ("emvb", "emvb-script.py"):
        return True
    return any(a == "-m" and b == "emvb.cli" for a, b in zip(argv, argv[1:], strict=False))


def _interrupted(exc: BaseException | None) -> bool:
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def _hook(kind, value, tb, previous=sys.excepthook):
    if not _interrupted(value):
        previous(kind, value, tb)
        return
    try:
        sys.stdout.flush()
    except Exception:  # noqa: BLE001 - a closed stdout must not turn this into a traceback
        pass
    sys.stderr.write("emvb: interrupted; nothing written\n")
    sys.stderr.flush()
    os._exit(INTERRUPTED)  # the interpreter would re-raise SIGINT on itself; the command's status is 130


def _release(held: list, report) -> None:
    sys.unraisablehook = report
    for unraisable in held:
        report(unraisable)


def install() -> None:
    """Replace ``sys.excepthook`` and hold ``sys.unraisablehook``'s reports (module note) if this process is
    the ``emvb`` command."""
    if is_the_command(list(getattr(sys, "orig_argv", []))) and sys.excepthook is sys.__excepthook__:
        sys.excepthook = _hook
        held: list = []
        atexit.register(_release, held, sys.unraisablehook)
        sys.unraisablehook = held.append


install()
