"""compare/alongside.py: calls in a second process give their values, exceptions and warnings here, in
the order sent, and the process is ended when the caller leaves."""

from __future__ import annotations

import math
import operator
import os
import pickle
import threading
import time
import warnings

import pytest

from emvb.compare.alongside import Worker


@pytest.fixture(scope="module")
def worker():
    with Worker() as w:
        yield w


def test_values_come_back_whatever_order_they_are_asked_for(worker):
    first, second = worker.submit(operator.add, 2, 40), worker.submit(operator.mul, 6, 7)
    assert second.result() == 42 and first.result() == 42
    assert worker.submit(str.upper, "after").result() == "AFTER"  # the process serves on


def test_the_exception_is_raised_here(worker):
    with pytest.raises(ValueError, match="math domain error"):
        worker.submit(math.sqrt, -1.0).result()
    assert worker.submit(math.sqrt, 4.0).result() == 2.0  # and the process serves on


def test_the_warnings_are_raised_here_with_their_category(worker):
    with pytest.warns(RuntimeWarning, match="from the second process"):
        assert worker.submit(warnings.warn, "from the second process", RuntimeWarning).result() is None


def test_a_value_that_does_not_pickle_is_an_error_here(worker):
    with pytest.raises(RuntimeError, match="pickle"):
        worker.submit(threading.Lock).result()


def test_an_argument_that_does_not_pickle_fails_at_submit(worker):
    with pytest.raises((TypeError, pickle.PicklingError)):
        worker.submit(id, threading.Lock())
    assert worker.submit(abs, -3).result() == 3


def test_a_process_that_dies_is_an_error_not_a_wait():
    with Worker() as w:
        with pytest.raises(RuntimeError, match="exit code 3"):
            w.submit(os._exit, 3).result()


def test_leaving_the_block_ends_the_running_call():
    t0 = time.perf_counter()
    with pytest.raises(KeyError):
        with Worker() as w:
            w.submit(time.sleep, 60)
            raise KeyError("the caller fails")
    assert time.perf_counter() - t0 < 30 and w._process.exitcode is not None  # terminated, not slept out
