"""``validate`` refuses, in the user's numbers and before any fit, an estimate float64 cannot check, and
checks every estimate inside the bounds without a numpy warning."""

from __future__ import annotations

import warnings

import pytest

from emvb.geometry.validate import ESTIMATE_STD_MAX, validate
from emvb.models import DEFAULT_TRUTH, MixtureParams, simulate
from emvb.models.errors import ParamError
from emvb.models.scaling import Scaling

X = simulate(DEFAULT_TRUTH, 300, seed=12)
SC = Scaling.of(X.values)


@pytest.mark.parametrize("estimate, match", [
    (MixtureParams(1e-300, 5, 15, 2), r"pi1 = 1e-300: 1 - pi1 is 1 in float64"),
    (MixtureParams(0.3, 1e300, 15, 2), r"mu1 = 1e\+300 \(.* IQR from the median\)"),
    (MixtureParams(0.3, 5, 15, 1e-300), r"sigma = 1e-300"),
])
def test_an_estimate_float64_cannot_check_is_refused_naming_the_given_value(estimate, match):
    with pytest.raises(ParamError, match=match):
        validate(X, estimate)


def test_estimates_at_the_bounds_are_checked_without_warnings():
    edge_mu = SC.center - 0.9 * ESTIMATE_STD_MAX * SC.scale
    edge_sigma = 1.1 * SC.scale / ESTIMATE_STD_MAX
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for est in (MixtureParams(1e-15, 5, 15, 2), MixtureParams(0.3, edge_mu, 15, 2),
                    MixtureParams(0.3, 5, 15, edge_sigma)):
            v = validate(X, est, n_init=2)
            assert v.verdict == "not_a_max" and not v.tests["stationary"], est
