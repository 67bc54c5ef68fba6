"""Parametric bootstrap SEs agree with Louis' SEs within Monte-Carlo and asymptotic error."""

from __future__ import annotations

import numpy as np
import pytest

from emvb import em
from emvb.models import MixtureParams, simulate


def test_bootstrap_se_matches_louis():
    x = simulate(MixtureParams(0.3, 5.0, 15.0, 2.0), 2000, 21).values
    r = em.fit(x, n_init=3)
    b = em.bootstrap(x, r, n_boot=200, seed=1)
    assert b.estimates.shape == (200, 4) and b.n_converged == 200
    # An SD from B replicates has relative MC error ~ 1/sqrt(2(B-1)) = 5%; 4 of those (20%) covers the
    # MC error with room for the O(1/sqrt(N)) difference between the two SE estimators at N = 2000.
    ratio = b.se.to_array() / r.se.to_array()
    assert np.all(np.abs(ratio - 1.0) < 4.0 / np.sqrt(2 * (200 - 1))), ratio
    # the replicates are centred on the estimate they were drawn from (within 4 of their SEs)
    z = (b.estimates.mean(axis=0) - r.params.to_array()) / (b.se.to_array() / np.sqrt(200))
    assert np.all(np.abs(z) < 4.0), z


def test_bootstrap_is_reproducible_and_checks_its_input():
    x = simulate(MixtureParams(0.3, 5.0, 15.0, 2.0), 300, 22).values
    r = em.fit(x, n_init=2)
    a = em.bootstrap(x, r, n_boot=5, seed=7)
    b = em.bootstrap(x, r, n_boot=5, seed=7)
    c = em.bootstrap(x, r, n_boot=5, seed=8)
    np.testing.assert_array_equal(a.estimates, b.estimates)
    assert not np.array_equal(a.estimates, c.estimates)
    with pytest.raises(ValueError, match="points"):
        em.bootstrap(x[:100], r, n_boot=5, seed=7)
