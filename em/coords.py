"""The coordinates EM iterates in: standardised data, unconstrained parameters.

EM runs on the standardised data ``xs`` of :mod:`models.scaling` (so its sums never cancel
catastrophically and all parameters are O(1), which also makes SQUAREM's step lengths
scale-free). The iterate is stored unconstrained, ``u = (logit pi1, mu1_s, mu2_s, log sigma_s)``
(Varadhan & Roland 2008 extrapolate in such a space), and ``logit pi1 = log N1 - log N2`` keeps full
precision when a component is tiny. :func:`params` and :func:`trace_params` map ``u`` back to the
data's units through the :class:`~models.scaling.Scaling`.
"""

from __future__ import annotations

import math

import numpy as np

from ..models.params import MixtureParams
from ..models.scaling import Scaling


def expit(v: float) -> float:
    """``1 / (1 + exp(-v))`` without overflow."""
    if v >= 0:
        return 1.0 / (1.0 + math.exp(-v))
    t = math.exp(v)
    return t / (1.0 + t)


def to_u(p_std: MixtureParams) -> np.ndarray:
    """Standardised params -> ``u = (logit pi1, mu1, mu2, log sigma)``."""
    return np.array([math.log(p_std.pi1) - math.log1p(-p_std.pi1), p_std.mu1, p_std.mu2, math.log(p_std.sigma)])


def from_u(u) -> MixtureParams:
    """``u`` -> standardised params (raises ParamError if pi1 rounds to 0 or 1)."""
    return MixtureParams(expit(float(u[0])), float(u[1]), float(u[2]), math.exp(float(u[3])))


def params(scaling: Scaling, u) -> MixtureParams:
    """``u`` -> params in the data's units (raises ParamError if degenerate)."""
    return scaling.params_from_std(from_u(u))


def start_u(scaling: Scaling, p: MixtureParams) -> np.ndarray:
    """Params in the data's units -> ``u``."""
    return to_u(scaling.params_to_std(p))


def trace_params(scaling: Scaling, trace_u: np.ndarray) -> np.ndarray:
    """Rows of ``u`` -> rows of ``(pi1, mu1, mu2, sigma)`` in the data's units, unvalidated (for traces)."""
    u = np.atleast_2d(np.asarray(trace_u, dtype=float))
    pi1 = np.array([expit(float(v)) for v in u[:, 0]])
    return np.column_stack([pi1, scaling.unstandardize(u[:, 1]), scaling.unstandardize(u[:, 2]),
                            scaling.scale * np.exp(u[:, 3])])
