"""The test reference for emvb.em.information: score and information matrices with numpy arrays.

The same matrices as the compiled pass (:func:`emvb.em.information.information_sums`), from the
complete-data scores of each point, in chunks of 2^16 points (memory O(chunk) for any N); the
formulas are in emvb.em.information's module note (Louis 1982).
"""

from __future__ import annotations

import numpy as np

from emvb.em.steps import e_step
from emvb.models.params import MixtureParams

_CHUNK = 1 << 16


def _chunks(x: np.ndarray):
    for start in range(0, x.size, _CHUNK):
        yield x[start:start + _CHUNK]


def _complete_scores(x: np.ndarray, p: MixtureParams):
    """``r1, r2, S1, S2`` for a chunk: responsibilities and complete-data scores (n, 4)."""
    r1 = e_step(x, p)
    r2 = e_step(x, p.swapped())  # exact where 1 - r1 would round to 0
    s2 = p.sigma**2
    d1 = x - p.mu1
    d2 = x - p.mu2
    n = x.size
    S1 = np.zeros((n, 4))
    S2 = np.zeros((n, 4))
    S1[:, 0] = 1.0 / p.pi1
    S2[:, 0] = -1.0 / (1.0 - p.pi1)
    S1[:, 1] = d1 / s2
    S2[:, 2] = d2 / s2
    S1[:, 3] = -1.0 / p.sigma + d1 * d1 / (s2 * p.sigma)
    S2[:, 3] = -1.0 / p.sigma + d2 * d2 / (s2 * p.sigma)
    return r1, r2, d1, d2, S1, S2


def point_scores(x, params: MixtureParams) -> np.ndarray:
    """Per-point observed-data scores ``s_i = r1_i S_1i + r2_i S_2i``, shape (n, 4)."""
    x = np.asarray(x, dtype=float)
    out = np.empty((x.size, 4))
    for start in range(0, x.size, _CHUNK):
        r1, r2, _, _, S1, S2 = _complete_scores(x[start:start + _CHUNK], params)
        out[start:start + _CHUNK] = r1[:, None] * S1 + r2[:, None] * S2
    return out


def score_numpy(x, params: MixtureParams) -> np.ndarray:
    """Gradient of the total log-likelihood, ``sum_i s_i``, order (pi1, mu1, mu2, sigma)."""
    x = np.asarray(x, dtype=float)
    total = np.zeros(4)
    for xc in _chunks(x):
        r1, r2, _, _, S1, S2 = _complete_scores(xc, params)
        total += r1 @ S1 + r2 @ S2
    return total


def empirical_information(x, params: MixtureParams) -> np.ndarray:
    """Outer product of per-point scores ``sum_i s_i s_i^T`` (4, 4)."""
    x = np.asarray(x, dtype=float)
    total = np.zeros((4, 4))
    for xc in _chunks(x):
        r1, r2, _, _, S1, S2 = _complete_scores(xc, params)
        s = r1[:, None] * S1 + r2[:, None] * S2
        total += s.T @ s
    return total


def complete_information_numpy(x, params: MixtureParams) -> np.ndarray:
    """Expected complete-data information ``sum_i sum_k r_ik B_ik`` (4, 4): ``I_oc`` in Louis' notation.

    EM's linear rate is the largest eigenvalue of ``I - I_oc^{-1} I_obs`` (the fraction of missing
    information, docs/methods.md §2).
    """
    x = np.asarray(x, dtype=float)
    p = params
    s2 = p.sigma**2
    B = np.zeros((4, 4))
    for xc in _chunks(x):
        r1, r2, d1, d2, _, _ = _complete_scores(xc, p)
        n1, n2 = r1.sum(), r2.sum()
        B[0, 0] += n1 / p.pi1**2 + n2 / (1.0 - p.pi1) ** 2
        B[1, 1] += n1 / s2
        B[2, 2] += n2 / s2
        B[1, 3] += 2.0 * (r1 @ d1) / p.sigma**3
        B[2, 3] += 2.0 * (r2 @ d2) / p.sigma**3
        B[3, 3] += -xc.size / s2 + 3.0 * (r1 @ (d1 * d1) + r2 @ (d2 * d2)) / p.sigma**4
    B[3, 1], B[3, 2] = B[1, 3], B[2, 3]
    return B


def observed_information_numpy(x, params: MixtureParams) -> np.ndarray:
    """Louis' observed information ``I_obs`` (4, 4), exact at any theta (see module note).

    ``I_obs = I_oc - sum_i r_i1 r_i2 (S_i1 - S_i2)(S_i1 - S_i2)^T``; the subtracted term is the
    conditional covariance of the complete-data score given x (the missing information).
    """
    x = np.asarray(x, dtype=float)
    missing = np.zeros((4, 4))
    for xc in _chunks(x):
        r1, r2, _, _, S1, S2 = _complete_scores(xc, params)
        delta = S1 - S2
        missing += (delta * (r1 * r2)[:, None]).T @ delta
    info = complete_information_numpy(x, params) - missing
    return 0.5 * (info + info.T)
