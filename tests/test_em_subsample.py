"""EM's starts on a strided subsample of large data, each maximum polished on all data (em.fit's
``start_sample``): the same maximum as every start run on all data for data of the default and
overlap scenarios, and facts that stay true. (Heavy-tailed data, where the best maximum gives a
component to a few extreme points, can differ: docs/methods.md §1.5.)"""

from __future__ import annotations

import math

import numpy as np
import pytest

from emvb import em
from emvb.em.starts import SUBSAMPLE
from emvb.models import MixtureParams, loglik, simulate

#: Above 2 x SUBSAMPLE points the starts run on the subsample; 2.5 x keeps the tests quick.
N = 5 * SUBSAMPLE // 2
#: The stopping rule stops once one EM step gains at most tol * N; with EM's rate r < 1 the remaining
#: climb is at most tol * N * r / (1 - r). r <= 0.99 on these data gives this bound on the shortfall
#: of either fit, and by the quadratic approximation a parameter within sqrt(2 * shortfall) SEs.
SHORTFALL = 1e-10 * N * 100
SE_DISTANCE = math.sqrt(2 * SHORTFALL)


def _data(kind: str) -> np.ndarray:
    truth = {"default": (0.3, 5.0, 15.0, 2.0), "overlap": (0.3, 0.0, 1.5, 1.0)}[kind]
    return np.asarray(simulate(MixtureParams(*truth), N, seed=2026).values)


@pytest.mark.parametrize("kind", ["default", "overlap"])
def test_subsample_starts_reach_the_full_data_best(kind):
    x = _data(kind)
    sub, full = em.fit(x), em.fit(x, start_sample=None)
    assert sub.runs.subsample is not None and full.runs.subsample is None
    assert abs(sub.loglik - full.loglik) <= SHORTFALL
    z = np.abs(sub.params.to_array() - full.params.to_array()) / full.se.to_array()
    assert np.all(z <= SE_DISTANCE), z
    assert sub.converged and full.converged


def test_facts_of_a_subsampled_fit():
    x = _data("default")
    r = em.fit(x)
    m = r.runs.subsample
    assert SUBSAMPLE <= m <= SUBSAMPLE + 2 + N // (N // SUBSAMPLE)  # strided, extremes added
    # the reported log-likelihood and every optimum's are of all data, at the reported parameters
    assert r.loglik == pytest.approx(loglik(x, r.params), rel=1e-12)
    for o in r.runs.optima:
        assert o.loglik == pytest.approx(loglik(x, o.params), rel=1e-9)
    assert [o.loglik for o in r.runs.optima] == sorted((o.loglik for o in r.runs.optima), reverse=True)
    assert sum(o.count for o in r.runs.optima) == len(r.runs) == 10
    # each start's log-likelihood is the subsample's: about m/N of the full-data value
    rec = r.runs.starts[r.runs.best]
    assert rec.optimum == 0 and rec.loglik / r.loglik == pytest.approx(m / N, rel=0.05)
    assert r.trace.loglik[-1] == pytest.approx(r.loglik, rel=1e-12)


def test_heavily_tied_data_fall_back_to_all_points():
    """A strided subsample of these data holds only two distinct values (the likelihood would be
    unbounded on it), so the starts run on all data."""
    x = np.zeros(N)
    x[1::2] = 1.0
    x[-1] = 0.5  # the third distinct value, at a position the stride never visits
    r = em.fit(x, n_init=2)
    assert r.runs.subsample is None


def test_start_sample_is_checked():
    from emvb.models.errors import SettingError

    with pytest.raises(SettingError, match="start_sample"):
        em.fit(np.arange(100.0), start_sample=5)
