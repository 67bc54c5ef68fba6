"""Run one call in a second process while this one carries on: ``emvb run``'s bootstrap tests beside its compile.

Compiling the PyMC models for nutpie is Python (numba's typing), one core for several seconds; the
bootstrap tests are numba code between Python steps. On threads of one process they contend for the
interpreter lock and slow each other down; in two processes each has a core. :func:`start` runs a
function in a fresh (spawned) process; :meth:`Alongside.result` waits for its value, which is the
same as calling the function here (the same code and seeds).

A spawned process, not a forked one: the parent may have threads (the progress display, thread pools),
and forking a process with threads can deadlock the child. The child imports what it needs (about 1 s
on one core, while the parent works).

Warnings the child raises are raised again in the parent, in order, with their category; an exception
is raised in the parent as it was in the child. If the parent leaves :meth:`Alongside.result` or the
``with`` block by an exception (a Ctrl-C included), the child is terminated, so nothing runs on.
"""

from __future__ import annotations

import multiprocessing
import traceback
import warnings
from collections.abc import Callable


def _child(conn, fn: Callable, args: tuple, kwargs: dict) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value, error = fn(*args, **kwargs), None
        except BaseException as e:  # sent to the parent, which raises it (a Ctrl-C included)
            value, error = None, e
    found = [(w.category, str(w.message)) for w in caught]
    try:
        conn.send((value, error, found))
    except Exception as e:  # an exception that does not pickle: send its text
        conn.send((None, RuntimeError("".join(traceback.format_exception_only(e))), found))
    conn.close()


class Alongside:
    """A call running in a second process (:func:`start`); a context manager that stops it on exit."""

    def __init__(self, fn: Callable, args: tuple, kwargs: dict):
        ctx = multiprocessing.get_context("spawn")
        self._conn, child_conn = ctx.Pipe(duplex=False)
        self._process = ctx.Process(target=_child, args=(child_conn, fn, args, kwargs), daemon=True)
        self._process.start()
        child_conn.close()

    def result(self):
        """The call's value (waits); its warnings re-raised here; its exception raised here."""
        try:
            value, error, found = self._conn.recv()
        except EOFError:
            code = self._process.exitcode if not self._process.is_alive() else None
            raise RuntimeError(f"the second process ended without a result (exit code {code})") from None
        finally:
            self.stop()
        for category, message in found:
            warnings.warn(message, category, stacklevel=2)
        if error is not None:
            raise error
        return value

    def stop(self) -> None:
        """End the child (terminated if still running) and release its resources."""
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()
        self._conn.close()

    def __enter__(self) -> Alongside:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start(fn: Callable, *args, **kwargs) -> Alongside:
    """Start ``fn(*args, **kwargs)`` in a spawned process (``fn`` importable by name, arguments picklable)."""
    return Alongside(fn, args, kwargs)
