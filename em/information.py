"""Score and information matrices of the shared-sigma mixture at any ``theta``.

Order of parameters: ``(pi1, mu1, mu2, sigma)``. For a point ``x`` with label ``k`` the complete-data
score ``S_k`` and minus the complete-data Hessian ``B_k`` are (docs/methods.md §2)::

    S_k = ( [k=1]/pi1 - [k=2]/(1-pi1),  [k=1](x-mu1)/s2,  [k=2](x-mu2)/s2,  -1/sigma + (x-mu_k)^2/sigma^3 )
    B_k: pi1,pi1 = [k=1]/pi1^2 + [k=2]/(1-pi1)^2;  mu_j,mu_j = [k=j]/s2;
         mu_j,sigma = [k=j] 2(x-mu_j)/sigma^3;    sigma,sigma = -1/s2 + 3(x-mu_k)^2/sigma^4

The observed-data score is ``s(x) = sum_k r_k S_k`` and Louis' identity (Louis 1982, JRSS-B
44:226-233) gives the observed information, exact at any ``theta`` (not only at the MLE)::

    I_obs = sum_i [ sum_k r_ik B_ik - ( sum_k r_ik S_ik S_ik^T - s_i s_i^T ) ]

For two labels the bracketed conditional covariance is ``r_i1 r_i2 (S_i1 - S_i2)(S_i1 - S_i2)^T``,
which is how it is computed here (no difference of two large sums). It equals minus the Hessian
of the log-likelihood. The empirical information ``sum_i s_i s_i^T``
(the outer product of gradients) is only asymptotically equal to it at the MLE; never use the
complete-data information ``sum_i sum_k r_ik B_ik`` alone (it ignores the missing labels and
gives SEs that are too small).

``observed_information``, ``score`` and ``complete_information`` use one compiled pass that
accumulates 15 sums (:func:`information_sums`); tests/information_numpy.py computes the same matrices
with arrays, the reference the tests hold the compiled pass to.
"""

from __future__ import annotations

import numba
import numpy as np

from ..models.fused_pass import _BLOCK, _SHIFTER_BITS, _exp_neg_abs_compiled  # noqa: F401 - global of the compiled loop
from ..models.params import MixtureParams


def _info_loop(x, ell, mu1, mu2, sigma):
    s2 = sigma * sigma
    b = (mu1 - mu2) / s2
    mid = 0.5 * (mu1 + mu2)  # eta centred at the midpoint: no cancellation for data far from 0
    dmu = mu2 - mu1
    poly = np.empty(_BLOCK)
    scale = np.empty(_BLOCK)
    scale_bits = scale.view(np.int64)
    n1 = n2 = a1 = a2 = q = 0.0
    w0 = wd1 = wd2 = wg = wd1d1 = wd1d2 = wd1g = wd2d2 = wd2g = wgg = 0.0
    for start in range(0, x.size, _BLOCK):
        m = min(_BLOCK, x.size - start)
        _exp_neg_abs_compiled(x, start, m, ell, b, mid, poly, scale)  # t = exp(-|eta|), vectorised
        for j in range(m):
            scale_bits[j] = (scale_bits[j] - _SHIFTER_BITS + 1023) << 52
        for j in range(m):
            xi = x[start + j]
            d1 = xi - mu1
            d2 = xi - mu2
            t = poly[j] * scale[j]
            big = 1.0 / (1.0 + t)
            small = t * big
            pos = ell + b * (xi - mid) > 0.0
            r1 = big if pos else small
            r2 = small if pos else big
            w = big * small  # r1 r2, exact in both tails
            g = dmu * (d1 + d2)  # d1^2 - d2^2 without cancellation
            n1 += r1
            n2 += r2
            a1 += r1 * d1
            a2 += r2 * d2
            q += r1 * d1 * d1 + r2 * d2 * d2
            w0 += w
            wd1 += w * d1
            wd2 += w * d2
            wg += w * g
            wd1d1 += w * d1 * d1
            wd1d2 += w * d1 * d2
            wd1g += w * d1 * g
            wd2d2 += w * d2 * d2
            wd2g += w * d2 * g
            wgg += w * g * g
    return (n1, n2, a1, a2, q, w0, wd1, wd2, wg, wd1d1, wd1d2, wd1g, wd2d2, wd2g, wgg)


_info_compiled = numba.njit(cache=True, fastmath={"reassoc", "contract", "nsz"}, error_model="numpy",
                            nogil=True)(_info_loop)


def information_sums(x, params: MixtureParams) -> np.ndarray:
    """One pass: ``[N1, N2, A1, A2, Q, W, Wd1, Wd2, Wg, Wd1d1, Wd1d2, Wd1g, Wd2d2, Wd2g, Wgg]``.

    ``N_k = sum r_k``, ``A_k = sum r_k d_k``, ``Q = sum r1 d1^2 + r2 d2^2``; ``W.. = sum w (...)`` with
    ``w = r1 r2``, ``d_k = x - mu_k`` and ``g = d1^2 - d2^2``: everything the score, ``I_oc`` and the
    missing information need.
    """
    x = np.ascontiguousarray(x, dtype=float)
    p = params
    ell = float(np.log(p.pi1) - np.log1p(-p.pi1))
    return np.array(_info_compiled(x, ell, p.mu1, p.mu2, p.sigma))


_UPPER = np.triu_indices(4, 1)  # built once: np.triu_indices costs more than the rest of _matrices


def _matrices(sums: np.ndarray, n: int, p: MixtureParams):
    n1, n2, a1, a2, q, w0, wd1, wd2, wg, wd1d1, wd1d2, wd1g, wd2d2, wd2g, wgg = sums
    pi2 = 1.0 - p.pi1
    s2 = p.sigma**2
    s3 = s2 * p.sigma
    grad = np.array([n1 / p.pi1 - n2 / pi2, a1 / s2, a2 / s2, -n / p.sigma + q / s3])
    ioc = np.zeros((4, 4))
    ioc[0, 0] = n1 / p.pi1**2 + n2 / pi2**2
    ioc[1, 1] = n1 / s2
    ioc[2, 2] = n2 / s2
    ioc[1, 3] = ioc[3, 1] = 2.0 * a1 / s3
    ioc[2, 3] = ioc[3, 2] = 2.0 * a2 / s3
    ioc[3, 3] = -n / s2 + 3.0 * q / (s2 * s2)
    # missing information sum_i w_i D_i D_i^T, D = S1 - S2 = (c0, d1/s2, -d2/s2, g/sigma^3)
    c0 = 1.0 / (p.pi1 * pi2)
    m = np.empty((4, 4))
    m[0, 0] = c0 * c0 * w0
    m[0, 1] = c0 * wd1 / s2
    m[0, 2] = -c0 * wd2 / s2
    m[0, 3] = c0 * wg / s3
    m[1, 1] = wd1d1 / (s2 * s2)
    m[1, 2] = -wd1d2 / (s2 * s2)
    m[1, 3] = wd1g / (s2 * s3)
    m[2, 2] = wd2d2 / (s2 * s2)
    m[2, 3] = -wd2g / (s2 * s3)
    m[3, 3] = wgg / (s3 * s3)
    m[_UPPER[1], _UPPER[0]] = m[_UPPER]
    return grad, ioc, m


def score(x, params: MixtureParams) -> np.ndarray:
    """Gradient of the total log-likelihood ``sum_i s_i``, order (pi1, mu1, mu2, sigma)::

        ( N1/pi1 - N2/(1-pi1),  A1/s2,  A2/s2,  -N/sigma + Q/sigma^3 )
    """
    x = np.asarray(x, dtype=float)
    return _matrices(information_sums(x, params), x.size, params)[0]


def complete_information(x, params: MixtureParams) -> np.ndarray:
    """Expected complete-data information ``I_oc = sum_i sum_k r_ik B_ik`` (4, 4).

    EM's linear rate is the largest eigenvalue of ``I - I_oc^{-1} I_obs`` (the fraction of missing
    information, docs/methods.md §2).
    """
    x = np.asarray(x, dtype=float)
    return _matrices(information_sums(x, params), x.size, params)[1]


def score_and_information(x, params: MixtureParams) -> tuple[np.ndarray, np.ndarray]:
    """:func:`score` and :func:`observed_information` from one pass over ``x`` (Newton's method needs both)."""
    x = np.asarray(x, dtype=float)
    grad, ioc, m = _matrices(information_sums(x, params), x.size, params)
    return grad, ioc - m


def observed_information(x, params: MixtureParams) -> np.ndarray:
    """Louis' observed information ``I_obs = I_oc - sum_i r_i1 r_i2 D_i D_i^T`` (4, 4), exact at any
    theta; ``D_i = S_i1 - S_i2``. Equals minus the Hessian of the log-likelihood (module note)."""
    x = np.asarray(x, dtype=float)
    _, ioc, m = _matrices(information_sums(x, params), x.size, params)
    return ioc - m
