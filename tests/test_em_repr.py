"""``print(emvb.fit_em(x))`` is short (estimate, SE, log-likelihood, iterations, convergence); ``detail()``
holds the rest."""

from __future__ import annotations

import re

import emvb


def test_repr_is_one_short_line_of_the_numbers_that_matter_and_detail_has_the_rest():
    r = emvb.fit_em(emvb.simulate(emvb.models.DEFAULT_TRUTH, 400, seed=2))
    text = repr(r)
    assert str(r) == text and "\n" not in text and len(text) < 250, text
    shown = dict(re.findall(r"(pi1|mu1|mu2|sigma)=([-0-9.e+]+) \(SE", text))
    for k, v in r.params.to_dict().items():
        assert abs(float(shown[k]) - v) <= 0.05 * getattr(r.se, k)  # to a tenth of the SE
        assert f"(SE {getattr(r.se, k):.3g})" in text
    assert f"loglik={r.loglik:.6f}" in text and f"n_iter={r.n_iter}" in text and f"converged={r.converged}" in text
    assert "array" not in text and "Trace" not in text  # neither the covariance nor the trace
    detail = r.detail()
    assert detail.startswith(text) and r.sha256 in detail and f"{r.cov[1, 1]:.6e}" in detail
    assert f"{len(r.runs)} start(s)" in detail
