"""The model's math, defined once: responsibilities, per-point log density, total log-likelihood.

Because sigma is shared, the quadratic terms cancel and the responsibility of component 1 is a
logistic function of x (docs/methods.md §1)::

    eta(x) = logit(pi1) + (mu1 - mu2) (x - (mu1 + mu2)/2) / sigma^2
    r1(x)  = sigmoid(eta(x))
    log p(x) = a2(x) + softplus(eta(x)) = a1(x) + softplus(-eta(x))

with ``a_k(x) = log pi_k + log N(x | mu_k, sigma^2)`` (so ``eta = a1 - a2``). We add ``softplus`` of
a non-positive argument to the dominant term, which keeps full relative precision even for points
50 sigma from both means or components 10^6 apart (no -inf, no overflow, no cancellation of two huge
terms).
"""

from __future__ import annotations

import numpy as np

from .params import MixtureParams

LOG_SQRT_2PI = 0.5 * np.log(2.0 * np.pi)


def softplus(e):
    """``log(1 + exp(e))`` computed as ``max(e, 0) + log1p(exp(-|e|))``, finite for any finite ``e``."""
    e = np.asarray(e, dtype=float)
    return np.maximum(e, 0.0) + np.log1p(np.exp(-np.abs(e)))


def logit(p):
    """``log(p / (1 - p))``."""
    return np.log(p) - np.log1p(-p)


def eta(x, params: MixtureParams):
    """Log-odds of component 1 given x: ``logit(pi1) + (mu1 - mu2)(x - (mu1 + mu2)/2) / sigma^2``."""
    x = np.asarray(x, dtype=float)
    s2 = params.sigma**2
    return logit(params.pi1) + (params.mu1 - params.mu2) * (x - 0.5 * (params.mu1 + params.mu2)) / s2


def responsibilities(x, params: MixtureParams):
    """``r1(x) = P(z = 1 | x) = sigmoid(eta(x))``, computed without overflow."""
    e = eta(x, params)
    # sigmoid(e) = exp(-softplus(-e)): exact in both tails.
    return np.exp(-softplus(-e))


def component_logpdf(x, mu: float, sigma: float):
    """``log N(x | mu, sigma^2) = -(x - mu)^2 / (2 sigma^2) - log sigma - log sqrt(2 pi)``."""
    z = (np.asarray(x, dtype=float) - mu) / sigma
    return -0.5 * z * z - np.log(sigma) - LOG_SQRT_2PI


def logpdf(x, params: MixtureParams):
    """Per-point log density ``log(pi1 N(x|mu1,s2) + (1-pi1) N(x|mu2,s2))``.

    Computed as ``a_k + softplus(-|eta|)`` with ``k`` the dominant component (see the module note).
    """
    x = np.asarray(x, dtype=float)
    e = eta(x, params)
    a1 = np.log(params.pi1) + component_logpdf(x, params.mu1, params.sigma)
    a2 = np.log1p(-params.pi1) + component_logpdf(x, params.mu2, params.sigma)
    return np.where(e > 0, a1, a2) + np.log1p(np.exp(-np.abs(e)))


def loglik(x, params: MixtureParams) -> float:
    """Total log-likelihood ``sum_i log p(x_i | params)``."""
    return float(np.sum(logpdf(x, params)))


def pdf(x, params: MixtureParams):
    """Mixture density ``exp(logpdf)`` (for plots)."""
    return np.exp(logpdf(x, params))
