"""A second process that runs calls while this one carries on: ``emvb run``'s bootstrap tests beside its
compile, and half of its figures and ``results.nc`` beside the other half.

Compiling the PyMC models for nutpie is Python (numba's typing), one core for several seconds; the
bootstrap tests are numba code between Python steps. On threads of one process they contend for the
interpreter lock and slow each other down; in two processes each has a core. A :class:`Worker` is one
spawned process that runs the calls :meth:`Worker.submit` sends it, one after another in the order
sent; :meth:`Call.result` waits for a call's value, which is the same as calling the function here (the
same code and seeds).

A spawned process, not a forked one: the parent may have threads (the progress display, thread pools),
and forking a process with threads can deadlock the child. The child imports what it needs (about 1 s
on one core, while the parent works). Calls and values travel pickled through ``multiprocessing`` queues, whose
feeder threads send in the background: submitting never waits for the child to be free.

Warnings a call raises are raised again in the parent, in order, with their category; an exception
is raised in the parent as it was in the child. When the parent leaves the ``with`` block by an
exception (a Ctrl-C included), the child is terminated, so nothing runs on. The child ignores Ctrl-C
from its start (the parent ends it), so that it never prints a traceback of its own; the parent ignores
it only for the moment of starting the child.
"""

from __future__ import annotations

import multiprocessing
import pickle
import queue
import signal
import traceback
import warnings
from collections.abc import Callable

from ..files.interrupt import sigint_ignored

#: Seconds between checks that the child is still alive while waiting for a value.
POLL = 0.2


def _run(job: bytes) -> tuple:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fn, args, kwargs = pickle.loads(job)
            value, error = fn(*args, **kwargs), None
        except BaseException as e:  # sent to the parent, which raises it
            value, error = None, e
    return value, error, [(w.category, str(w.message)) for w in caught]


def _serve(jobs, values) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        job = jobs.get()
        value, error, found = _run(job)
        try:  # pickled here, not in the queue's feeder thread, so that a failure is sent rather than lost
            payload = pickle.dumps((value, error, found))
        except Exception as e:  # a value or exception that does not pickle: send its text
            payload = pickle.dumps((None, RuntimeError("".join(traceback.format_exception_only(e))), found))
        values.put(payload)


class Call:
    """One call sent to a :class:`Worker`; :meth:`result` gives its value."""

    def __init__(self, worker: Worker, index: int):
        self._worker, self._index = worker, index

    def result(self):
        """The call's value (waits); its warnings re-raised here; its exception raised here."""
        value, error, found = self._worker._value(self._index)
        for category, message in found:
            warnings.warn(message, category, stacklevel=2)
        if error is not None:
            raise error
        return value


class Worker:
    """A spawned process running the calls :meth:`submit` sends it, in order; a context manager that ends
    it on exit (terminated, idle or not)."""

    def __init__(self):
        ctx = multiprocessing.get_context("spawn")
        self._jobs, self._values = ctx.Queue(), ctx.Queue()
        self._process = ctx.Process(target=_serve, args=(self._jobs, self._values), daemon=True)
        with sigint_ignored():  # the child inherits it: a Ctrl-C while it starts up prints nothing there
            self._process.start()
        self._sent, self._received, self._kept = 0, 0, {}

    def submit(self, fn: Callable, *args, **kwargs) -> Call:
        """Run ``fn(*args, **kwargs)`` in the child after the calls sent before (``fn`` importable by
        name, arguments and value picklable)."""
        self._jobs.put(pickle.dumps((fn, args, kwargs)))  # here, so that what does not pickle fails here
        self._sent += 1
        return Call(self, self._sent - 1)

    def _value(self, index: int) -> tuple:
        while self._received <= index:
            try:
                self._kept[self._received] = pickle.loads(self._values.get(timeout=POLL))
            except queue.Empty:
                if not self._process.is_alive():
                    code = self._process.exitcode
                    raise RuntimeError(f"the second process ended without a result (exit code {code})") from None
                continue
            self._received += 1
        return self._kept.pop(index)

    def stop(self) -> None:
        """End the child (terminated: a call still running is abandoned; an idle child has nothing to
        finish, and its interpreter's own shutdown would cost the caller most of a second) and release
        its resources."""
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()
        for q in (self._jobs, self._values):
            q.close()
            q.cancel_join_thread()  # data still buffered for a dead child must not keep this process waiting

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
