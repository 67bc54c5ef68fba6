"""Internal standardisation and the unconstrained parametrisation EM iterates in.

EM runs on ``xs = (x - c) / s`` (``c`` the mean, ``s`` the sd of the data; docs/methods.md §1), so its
sums never cancel catastrophically for data far from 0 and all parameters are O(1), which also
makes SQUAREM's step lengths scale-free. The iterate is stored unconstrained,
``u = (logit pi1, mu1_s, mu2_s, log sigma_s)`` (Varadhan & Roland 2008 extrapolate in such a space),
and ``logit pi1 = log N1 - log N2`` keeps full precision when a component is tiny.

Mapping back: ``mu = c + s mu_s``, ``sigma = s sigma_s``, and the log-likelihood of the original data is
``L(x) = L_s(xs) - N log s`` (the Jacobian of the change of variables).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np

from ..models.errors import DataError
from ..models.params import MixtureParams


def _standardize_loop(x, out):
    n = x.size
    total = 0.0
    for i in range(n):
        total += x[i]
    c = total / n
    ss = 0.0
    for i in range(n):
        d = x[i] - c
        out[i] = d
        ss += d * d
    s = math.sqrt(ss / n)
    if s > 0.0:
        inv = 1.0 / s
        for i in range(n):
            out[i] *= inv
    return c, s


_standardize = numba.njit(cache=True, fastmath={"reassoc", "contract", "nsz"}, error_model="numpy",
                          nogil=True)(_standardize_loop)


def expit(v: float) -> float:
    """``1 / (1 + exp(-v))`` without overflow."""
    if v >= 0:
        return 1.0 / (1.0 + math.exp(-v))
    t = math.exp(v)
    return t / (1.0 + t)


@dataclass(frozen=True)
class Scaling:
    """Affine map ``xs = (x - center) / scale`` of the data."""

    center: float
    scale: float

    @classmethod
    def of(cls, x: np.ndarray) -> Scaling:
        """Mean and (population) sd of ``x``; refuses constant data."""
        return cls.standardized(x)[0]

    @classmethod
    def standardized(cls, x: np.ndarray) -> tuple[Scaling, np.ndarray]:
        """``(Scaling.of(x), standardised x)`` in three compiled passes and one new array (memory).

        Any ``center`` and ``scale`` would do as long as the same ones map back, so the mean and the
        two-pass (centred) sd need no more than ordinary accuracy.
        """
        x = np.ascontiguousarray(x, dtype=float)
        xs = np.empty_like(x)
        c, s = _standardize(x, xs)
        if not (s > 0.0 and math.isfinite(s)):
            raise DataError("data have zero spread: a mixture cannot be fitted")
        return cls(c, s), xs

    def standardize(self, x: np.ndarray) -> np.ndarray:
        return (np.asarray(x, dtype=float) - self.center) / self.scale

    def to_u(self, p: MixtureParams) -> np.ndarray:
        """Original-scale params -> unconstrained standardised ``u``."""
        return np.array([
            math.log(p.pi1) - math.log1p(-p.pi1),
            (p.mu1 - self.center) / self.scale,
            (p.mu2 - self.center) / self.scale,
            math.log(p.sigma / self.scale),
        ])

    def from_u(self, u) -> MixtureParams:
        """Unconstrained standardised ``u`` -> original-scale params (raises ParamError if degenerate)."""
        return MixtureParams(
            expit(float(u[0])),
            self.center + self.scale * float(u[1]),
            self.center + self.scale * float(u[2]),
            self.scale * math.exp(float(u[3])),
        )

    def u_to_array(self, u) -> np.ndarray:
        """Like :meth:`from_u` but as a plain array and without validation (for traces)."""
        return np.array([expit(float(u[0])), self.center + self.scale * u[1],
                         self.center + self.scale * u[2], self.scale * math.exp(float(u[3]))])

    def loglik(self, loglik_std: float, n: int) -> float:
        """Original-scale log-likelihood from the standardised one: ``L_s - n log(scale)``."""
        return loglik_std - n * math.log(self.scale)
