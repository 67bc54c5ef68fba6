"""Printed estimates keep the digits that tell them apart at any offset (``emvb em``'s table,
``MixtureParams``); ``--json`` keeps every bit already."""

from __future__ import annotations

import pytest

from emvb import em
from emvb.cli.em import format_table
from emvb.models import DEFAULT_TRUTH, MixtureParams, simulate
from emvb.models.params import resolved


@pytest.mark.parametrize("offset", [0.0, 1e6, 1e12])
def test_em_table_resolves_each_estimate_and_interval_to_a_tenth_of_its_se(offset):
    x = simulate(DEFAULT_TRUTH, 1000, seed=3).values + offset
    res = em.fit(x)
    ci = res.ci(0.95)
    rows = {line.split()[0]: line for line in format_table(res, "x").splitlines()[2:6]}
    for k in ("mu1", "mu2"):
        name, est, se, lo, hi = rows[k].replace("[", "").replace("]", "").replace(",", "").split()
        se_k = getattr(res.se, k)
        # rounding to d significant digits errs by at most half a unit of the last digit (< 0.1 SE here)
        assert abs(float(est) - getattr(res.params, k)) <= 0.05 * se_k
        assert abs(float(lo) - ci[k][0]) <= 0.05 * se_k and abs(float(hi) - ci[k][1]) <= 0.05 * se_k
        assert float(lo) < float(est) < float(hi)


def test_mixture_params_show_the_means_to_a_thousandth_of_sigma():
    p = MixtureParams(0.3, 1e12 + 5, 1e12 + 15, 2.0)
    text = str(p)
    mu1 = float(text.split("mu1=")[1].split(",")[0])
    mu2 = float(text.split("mu2=")[1].split(",")[0])
    assert abs(mu1 - p.mu1) <= 1e-3 and abs(mu2 - p.mu2) <= 1e-3 and mu2 - mu1 == pytest.approx(10, abs=2e-3)
    assert str(DEFAULT_TRUTH) == "pi1=0.3, mu1=5, mu2=15, sigma=2"  # ordinary numbers print as before
    assert resolved(0.1 + 0.2, 1e-300) == f"{0.1 + 0.2:.17g}"  # never more than float64's 17 digits
