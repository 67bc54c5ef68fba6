"""Ctrl-C stops a run, even inside libraries that catch it, and nothing is written after it.

nutpie and PyMC catch ``KeyboardInterrupt`` while sampling and return the draws made so far, so a
Ctrl-C would otherwise let a run carry on with truncated chains and write a report built on them.
Inside :func:`interrupts_stop`, SIGINT still raises ``KeyboardInterrupt`` where it lands, and also
sets a flag that outlives whatever catches the exception: leaving the block after an interrupt,
normally or by another exception (a library failing on the truncated state it kept), raises
``KeyboardInterrupt``, and :func:`raise_if_interrupted` (which
:mod:`files.output` calls before it renames any output into place) raises it wherever it is asked.

Use: the CLI runs every command inside ``interrupts_stop()`` (:func:`cli.main.main`), and code that
calls a library known to swallow Ctrl-C wraps that call in it too (:func:`sampling.sample.sample`),
so library users get the same behaviour. The blocks nest; only the outermost one installs the
handler, and only in the main thread over Python's default handler (a caller's own SIGINT handler,
or SIGINT ignored, is left alone).
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager


class _State:
    """Whether SIGINT arrived inside the outermost open block, and how deeply blocks are nested."""

    interrupted = False
    depth = 0


def _on_sigint(signum, frame):
    _State.interrupted = True
    raise KeyboardInterrupt


def interrupted() -> bool:
    """Whether SIGINT arrived inside the open (or the last) :func:`interrupts_stop` block."""
    return _State.interrupted


def raise_if_interrupted() -> None:
    """Raise ``KeyboardInterrupt`` if SIGINT arrived inside the open :func:`interrupts_stop` block (if any)."""
    if _State.interrupted and _State.depth > 0:
        raise KeyboardInterrupt


@contextmanager
def interrupts_stop():
    """Make a Ctrl-C inside the block stop it, even if a library catches the ``KeyboardInterrupt``."""
    install = (_State.depth == 0 and threading.current_thread() is threading.main_thread()
               and signal.getsignal(signal.SIGINT) is signal.default_int_handler)
    if _State.depth == 0:
        _State.interrupted = False
    previous = signal.signal(signal.SIGINT, _on_sigint) if install else None
    _State.depth += 1
    try:
        yield
    except Exception as e:
        if _State.interrupted:  # a library caught the Ctrl-C, then failed on what it had left (PyMC does)
            raise KeyboardInterrupt from e
        raise
    finally:
        _State.depth -= 1
        if install:
            signal.signal(signal.SIGINT, previous)
    if _State.interrupted:
        raise KeyboardInterrupt


@contextmanager
def sigint_ignored():
    """Ignore SIGINT inside the block (in the main thread; elsewhere signals cannot be set). A child process
    started inside inherits it, so a Ctrl-C while the child starts up prints nothing there: its parent, which
    handles the Ctrl-C, ends it (:mod:`compare.alongside`, the study's Dask workers)."""
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
    try:
        yield
    finally:
        if main:
            signal.signal(signal.SIGINT, previous)
