"""Data at any scale: one standardisation (models/scaling.py), EM equivariant to 1e-9 under x -> a x + b.

The expected values are exact: the standardisation is checked against rational arithmetic
(``fractions.Fraction``), and EM's results on ``a x + b`` against the affine image of its results
on ``x`` (mixture fits are location-scale equivariant; the delta method is exact for an affine map).
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from emvb import em
from emvb.models import MixtureParams, check_values, simulate
from emvb.models.errors import DataError
from emvb.models.priors import Priors
from emvb.models.scaling import MAX_STANDARDISED, Scaling, mean_sd

SCALES = (1e-200, 1e-6, 1.0, 1e6, 1e200)
#: The issue's bar for x vs a x + b; measured errors are ~1e-15 (rounding of a x + b itself).
EQUIVARIANCE_RTOL = 1e-9


def exact_standardised(x, sc: Scaling) -> np.ndarray:
    return np.array([float((Fraction(v) - Fraction(sc.center)) / Fraction(sc.scale)) for v in x])


def test_center_and_scale_are_order_statistics_exactly_equivariant():
    x = simulate(n=1001, seed=1).values
    sc = Scaling.of(x)
    s = np.sort(x)
    assert sc.center == s[500] and sc.scale == s[750] - s[250]
    for a in (2.0**-600, 2.0**-20, 2.0**500):  # powers of two: a x is exact, so the images are too
        sa = Scaling.of(a * x)
        assert (sa.center, sa.scale) == (a * sc.center, a * sc.scale)
        np.testing.assert_array_equal(sa.standardize(a * x), sc.standardize(x))


def test_standardising_is_exact_and_overflow_free_near_the_largest_floats():
    # median -1.4e308, values up to +1.5e308: x - c overflows, (x/2 - c/2)/(k/2) does not
    x = np.array([-1.5e308] * 4 + [-1.45e308, -1.4e308, -1.35e308, -1.3e308] + [1.5e308] * 3)
    with np.errstate(all="raise"):
        sc, xs = Scaling.standardized(x)
    assert np.all(np.isfinite(xs))
    np.testing.assert_allclose(xs, exact_standardised(x, sc), rtol=2 ** -51, atol=0)
    wide = 1.79e308 * np.linspace(-1.0, 1.0, 11)  # the IQR itself overflows: half of it is the scale
    sc = Scaling.of(wide)
    assert sc.scale == 0.5 * wide[8] - 0.5 * wide[2]
    np.testing.assert_allclose(sc.standardize(wide), exact_standardised(wide, sc), rtol=2 ** -51, atol=0)


def test_ties_fall_back_to_the_range_and_extreme_spans_are_refused_by_the_one_check():
    x = np.array([0.0] * 20 + [1.0, 2.0])  # more than half tied: IQR 0
    assert Scaling.of(x) == Scaling(0.0, 2.0)
    y = np.concatenate([simulate(n=100, seed=2).values, [1e120]])
    with pytest.raises(DataError, match=r"^f\.csv: the values reach .* interquartile ranges .* at most 1e\+100$"):
        Scaling.of(y, "f.csv")
    with pytest.raises(DataError, match=r"^f\.csv: the values reach"):  # inspect and every fit call this
        check_values(y, "f.csv")
    check_values(np.concatenate([simulate(n=100, seed=2).values, [0.5 * MAX_STANDARDISED]]), "ok")


@pytest.mark.parametrize("a", [1e-300, 1e300])
def test_mean_sd_and_default_priors_without_overflow(a):
    x = simulate(n=500, seed=3).values
    m, s = mean_sd(a * x)
    assert m == pytest.approx(a * x.mean(), rel=1e-13) and s == pytest.approx(a * x.std(ddof=1), rel=1e-13)
    pri = Priors.default_for(a * x)
    assert pri.mu_sd == pytest.approx(2 * a * x.std(ddof=1), rel=1e-13)


def test_parameter_covariance_and_prior_maps_are_the_change_of_variables():
    sc = Scaling(10.0, 4.0)
    p = MixtureParams(0.3, 2.0, 30.0, 5.0)
    ps = sc.params_to_std(p)
    assert ps.to_array().tolist() == [0.3, -2.0, 5.0, 1.25] and sc.params_from_std(ps) == p
    cov_s = np.arange(16.0).reshape(4, 4)
    J = np.diag([1.0, 4.0, 4.0, 4.0])
    np.testing.assert_array_equal(sc.cov_from_std(cov_s), J @ cov_s @ J)
    assert sc.loglik_from_std(-100.0, 50) == -100.0 - 50 * math.log(4.0)
    pri = sc.priors_to_std(Priors(1.0, 1.0, 14.0, 8.0, 6.0))
    assert (pri.mu_mean, pri.mu_sd, pri.sigma_sd) == (1.0, 2.0, 1.5)
    assert sc.priors_to_std(Priors.flat()) == Priors.flat()


@pytest.mark.parametrize("truth", [MixtureParams(0.3, 5.0, 15.0, 2.0), MixtureParams(0.3, 0.0, 1.5, 1.0)])
def test_em_on_a_x_plus_b_is_the_affine_image_of_em_on_x(truth):
    x = simulate(truth, 2000, 7).values
    base = em.fit(x)
    for a in SCALES:
        b = -3.7 * a  # a shift on the data's own scale (a shift of 1 would erase data scaled by 1e-200)
        r = em.fit(a * x + b)
        p = base.params
        expect = np.array([p.pi1, a * p.mu1 + b, a * p.mu2 + b, a * p.sigma])
        np.testing.assert_allclose(r.params.to_array(), expect, rtol=EQUIVARIANCE_RTOL)
        np.testing.assert_allclose(r.se.to_array(), base.se.to_array() * [1, a, a, a], rtol=EQUIVARIANCE_RTOL)
        np.testing.assert_allclose(r.cov_std, base.cov_std, rtol=EQUIVARIANCE_RTOL, atol=0)
        if 1e-100 < a < 1e100:  # beyond, entries of the covariance in data units under/overflow
            np.testing.assert_allclose(r.cov, base.cov * np.outer([1, a, a, a], [1, a, a, a]),
                                       rtol=EQUIVARIANCE_RTOL)
        assert r.loglik == pytest.approx(base.loglik - x.size * math.log(a), rel=EQUIVARIANCE_RTOL)
        assert r.converged == base.converged and r.n_iter == base.n_iter


def test_em_finds_the_maximum_that_gives_a_far_outlier_its_own_component():
    """1e6 points and one at 1e12 (issue 12): the best split of the bulk is 2e7 log-likelihood units
    below the maximum whose small component holds the outlier alone."""
    x = np.append(simulate(n=999_999, seed=1).values, 1e12)
    r = em.fit(x)
    assert r.converged and r.params.mu2 == pytest.approx(1e12, rel=1e-12)
    assert (1 - r.params.pi1) * x.size == pytest.approx(1.0, rel=1e-6)  # one point's worth of weight
    others = [o.loglik for o in r.runs.optima[1:]]
    assert others and r.loglik - max(others) > 1e7
    kinds = {s.kind for s in r.runs.starts if s.optimum == 0}
    assert "largest point alone" in kinds


def test_em_sums_do_not_depend_on_where_the_data_sit_in_memory():
    """The fused passes use reassociated (SIMD) sums; their order must not depend on the array's
    alignment, or the same data could fit differently from run to run (README "Reproducibility")."""
    from emvb.em.coords import start_u
    from emvb.em.information import information_sums
    from emvb.em.kernel import sums_numba

    x = simulate(MixtureParams(0.3, 0.0, 1.5, 1.0), 10_001, 9).values
    sc, xs = Scaling.standardized(x)
    u = start_u(sc, MixtureParams(0.3, 0.1, 1.4, 0.9))
    p = sc.params_to_std(MixtureParams(0.3, 0.1, 1.4, 0.9))
    buf = np.empty(xs.size + 16)
    results = set()
    for offset in range(8):  # 8 alignments of 8-byte floats: every position within a 64-byte line
        view = buf[offset:offset + xs.size]
        view[:] = xs
        results.add((sums_numba(view, u).tobytes(), information_sums(view, p).tobytes(),
                     sc.standardize(x).tobytes()))
    assert len(results) == 1
