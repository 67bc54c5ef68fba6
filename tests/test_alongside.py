"""compare/alongside.py: a call in a second process gives its value, its exception and its warnings here,
and is ended when the caller leaves."""

from __future__ import annotations

import math
import operator
import time
import warnings

import pytest

from emvb.compare.alongside import start


def test_the_value_comes_back():
    assert start(operator.add, 2, 40).result() == 42


def test_the_exception_is_raised_here():
    with pytest.raises(ValueError, match="math domain error"):
        start(math.sqrt, -1.0).result()


def test_the_warnings_are_raised_here_with_their_category():
    with pytest.warns(RuntimeWarning, match="from the second process"):
        assert start(warnings.warn, "from the second process", RuntimeWarning).result() is None


def test_leaving_the_block_ends_the_process():
    t0 = time.perf_counter()
    with pytest.raises(KeyError):
        with start(time.sleep, 60) as running:
            raise KeyError("the caller fails")
    assert time.perf_counter() - t0 < 30 and not running._process.is_alive()
