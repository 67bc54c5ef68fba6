"""Warnings of PyMC, the samplers and ArviZ that emvb silences, each named, with why.

Every filter is keyed on the warning's message text, so it silently stops matching when upstream
rewords it. :data:`KNOWN` is the one list of them; ``tests/test_known_warnings.py`` triggers each
upstream and checks that it still occurs and that :func:`silenced` still catches it.
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class Known:
    """A warning we silence: a regular expression matched against its message, its category, and why."""

    message: str
    category: type[Warning]
    why: str


KNOWN: dict[str, Known] = {
    "full_adapt_experimental": Known(
        "QuadPotentialFullAdapt is an experimental feature", UserWarning,
        "PyMC flags dense mass-matrix adaptation as experimental on every run; the choice is deliberate "
        "(sampling.sample) and recorded in the posterior's mass_matrix attribute"),
    "fork_with_threads": Known(
        r"This process .* is multi-threaded, use of fork\(\)", DeprecationWarning,
        "Python 3.12 warns when forking a process that has threads (numba's, or nutpie's from an earlier "
        "call); PyMC's Linux workers are forked by design and only run the sampler"),
    "chain_longer_than_draw": Known(
        "Found chain dimension to be longer than draw dimension", UserWarning,
        "ArviZ guesses that dimensions are misnamed when a posterior has fewer draws than chains, as a short "
        "run (--draws below the chains of a start group) rightly does; nutpie names the dimensions itself"),
    "kde_single_value": Known(
        "Your data appears to have a single value or no finite values", UserWarning,
        "ArviZ's KDE of a chain whose every draw is the same value (a stuck chain) has no density; "
        "report.figures.trace_plot silences it only for such a chain, marks the chain's value with a line and "
        "names the chain in the title, and the report's convergence table flags it by R-hat and ESS"),
}


@contextmanager
def silenced(*names: str):
    """Ignore the named :data:`KNOWN` warnings inside the block (forked workers inherit the filters)."""
    with warnings.catch_warnings():
        for name in names:
            k = KNOWN[name]
            warnings.filterwarnings("ignore", message=k.message, category=k.category)
        yield
