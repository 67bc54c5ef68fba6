"""The test reference for emvb.adequacy.unequal: the unequal-variance mixture's log density with numpy arrays,
which the compiled constrained-EM pass (its log-likelihood) is held to."""

from __future__ import annotations

import math

import numpy as np

from emvb.adequacy.unequal import UnequalParams
from emvb.models.density import component_logpdf, softplus


def logpdf_unequal(x, p: UnequalParams) -> np.ndarray:
    """Per-point ``log(pi1 N(x|mu1,sigma1^2) + (1-pi1) N(x|mu2,sigma2^2)) = a2 + softplus(a1 - a2)`` with
    ``a_k = log pi_k + log N(x | mu_k, sigma_k^2)``."""
    a1 = math.log(p.pi1) + component_logpdf(x, p.mu1, p.sigma1)
    a2 = math.log1p(-p.pi1) + component_logpdf(x, p.mu2, p.sigma2)
    return a2 + softplus(a1 - a2)
