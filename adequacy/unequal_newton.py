"""Newton's method for the constrained unequal-variance fit (docs/methods.md §9.2, "Reaching the maximum").

Near one normal the unequal-sd likelihood has maxima on long, nearly flat ridges (mixtures that match the
data's first moments and differ only in the third and fourth): EM's rate there is within 1e-4 of 1, and
even SQUAREM creeps, 10,000 iterations still 5e-3 short of a maximum that Newton's method reaches in a
few steps. Each step needs the gradient and the Hessian of the log-likelihood in
``u = (logit pi1, mu1, mu2, log s1, log s2)`` (standardised data), exact and in one compiled pass. With
``a_k = log pi_k - log s_k - z_k^2 / 2``, ``z_k = (x - mu_k) / s_k`` and responsibilities ``r_k``::

    grad = sum_i (r_1 g_1 + r_2 g_2),    H = sum_i (r_1 B_1 + r_2 B_2 + r_1 r_2 d d^T),   d = g_1 - g_2

(Louis 1982: the second term is the conditional variance of the complete-data score), where ``g_k`` and
``B_k`` are the gradient and Hessian of ``a_k``: ``g_1 = (pi2, z_1/s_1, 0, z_1^2 - 1, 0)``, ``g_2 = (-pi1,
0, z_2/s_2, 0, z_2^2 - 1)``, ``B_k`` with ``-pi1 pi2`` at (logit, logit), ``-1/s_k^2`` at (mu_k, mu_k),
``-2 z_k / s_k`` at (mu_k, log s_k) and ``-2 z_k^2`` at (log s_k, log s_k).

On Hathaway's bound ``|log s1 - log s2| = -log c``, when the gradient points out of the constraint set,
the step is taken in the bound's own coordinates ``(logit pi1, mu1, mu2, mean log sd)`` (the ratio held).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from ..models.density import LOG_SQRT_2PI


@numba.njit(cache=True, nogil=True, error_model="numpy")
def project(u, half):
    """Pull ``|log s1 - log s2|`` back to at most ``2 half`` about the mean log sd (an extrapolated
    point may leave the constraint set)."""
    d = u[3] - u[4]
    if abs(d) > 2.0 * half:
        m = 0.5 * (u[3] + u[4])
        sign = 1.0 if d > 0 else -1.0
        u[3] = m + sign * half
        u[4] = m - sign * half
    return u


#: Newton steps at most per call; each step halved at most HALVINGS times until L does not fall.
NEWTON_STEPS, HALVINGS = 20, 10


@numba.njit(cache=True, nogil=True, error_model="numpy", fastmath={"reassoc", "contract", "nsz"})
def loglik_grad_hess(xs, u):
    """``(L, grad, H)`` of the unequal-variance log-likelihood of ``xs`` at ``u`` (module note)."""
    pi1 = 1.0 / (1.0 + math.exp(-u[0]))
    lp1, lp2 = -math.log1p(math.exp(-u[0])), -math.log1p(math.exp(u[0]))
    e1, e2 = math.exp(-u[3]), math.exp(-u[4])
    ll = n1 = m1 = m2 = q1 = q2 = 0.0
    # sums of w d_j d_k (w = r1 r2, d = (1, z1/s1, -z2/s2, z1^2 - 1, 1 - z2^2)) for j <= k, and of w d_k
    w0 = w1 = w2 = w3 = w4 = 0.0
    w11 = w12 = w13 = w14 = w22 = w23 = w24 = w33 = w34 = w44 = 0.0
    for i in range(xs.size):
        z1 = (xs[i] - u[1]) * e1
        z2 = (xs[i] - u[2]) * e2
        a1 = lp1 - u[3] - 0.5 * z1 * z1
        a2 = lp2 - u[4] - 0.5 * z2 * z2
        t = math.exp(-abs(a1 - a2))
        ll += max(a1, a2) + math.log1p(t)
        r1 = 1.0 / (1.0 + t) if a1 >= a2 else t / (1.0 + t)
        r2 = 1.0 - r1
        d1, d2, d3, d4 = z1 * e1, -z2 * e2, z1 * z1 - 1.0, 1.0 - z2 * z2
        n1 += r1
        m1 += r1 * z1
        m2 += r2 * z2
        q1 += r1 * z1 * z1
        q2 += r2 * z2 * z2
        w = r1 * r2
        w0 += w
        w1 += w * d1
        w2 += w * d2
        w3 += w * d3
        w4 += w * d4
        w11 += w * d1 * d1
        w12 += w * d1 * d2
        w13 += w * d1 * d3
        w14 += w * d1 * d4
        w22 += w * d2 * d2
        w23 += w * d2 * d3
        w24 += w * d2 * d4
        w33 += w * d3 * d3
        w34 += w * d3 * d4
        w44 += w * d4 * d4
    n = xs.size
    g = np.array([n1 - n * pi1, m1 * e1, m2 * e2, q1 - n1, q2 - (n - n1)])
    h = np.array([[w0 - n * pi1 * (1.0 - pi1), w1, w2, w3, w4],
                  [w1, w11 - n1 * e1 * e1, w12, w13 - 2.0 * m1 * e1, w14],
                  [w2, w12, w22 - (n - n1) * e2 * e2, w23, w24 - 2.0 * m2 * e2],
                  [w3, w13 - 2.0 * m1 * e1, w23, w33 - 2.0 * q1, w34],
                  [w4, w14, w24 - 2.0 * m2 * e2, w34, w44 - 2.0 * q2]])
    return ll - n * LOG_SQRT_2PI, g, h


def _direction(u: np.ndarray, g: np.ndarray, h: np.ndarray, half: float) -> tuple[np.ndarray, bool]:
    """The Newton step ``(-H)^(-1) grad`` and True where ``-H`` is positive definite; elsewhere (a saddle
    region of a ridge) the modified step with each eigenvalue of ``-H`` replaced by its absolute value
    (at least 1e-8 of the largest), an ascent direction, and False (Nocedal & Wright 2006, §3.4). In the
    bound's coordinates when the bound holds the ratio."""
    d = u[3] - u[4]
    sign = 1.0 if d > 0 else -1.0
    j = None
    if abs(d) >= 2.0 * half * (1.0 - 1e-9) and sign * (g[3] - g[4]) > 0.0:  # pushing out of the set
        j = np.zeros((5, 4))
        j[0, 0] = j[1, 1] = j[2, 2] = j[3, 3] = j[4, 3] = 1.0
        g, h = j.T @ g, j.T @ h @ j
    lam, vec = np.linalg.eigh(-h)
    exact = bool(lam[0] > 1e-12 * max(lam[-1], 0.0) > 0.0)
    lam = np.maximum(np.abs(lam), 1e-8 * max(abs(lam[-1]), abs(lam[0]), 1e-300))
    step = vec @ ((vec.T @ g) / lam)
    return (step if j is None else j @ step), exact


def newton_unequal(xs: np.ndarray, u: np.ndarray, ratio_min: float, tol: float) -> tuple[np.ndarray, float, bool]:
    """Newton's method with step halving from ``u`` on standardised data ``xs``: ``(u, L, converged)``.

    Converged once the gain the quadratic model predicts, ``grad' (-H)^(-1) grad / 2``, is at most ``tol``
    (Boyd & Vandenberghe 2004, §9.5: the Newton decrement); not converged where ``-H`` is not positive
    definite at the last point or no halved step keeps ``L`` from falling (then ``u`` is the best point
    reached); steps where it is not are the modified ones of :func:`_direction`.
    """
    half = -0.5 * math.log(ratio_min)
    u = project(np.array(u, dtype=float), half)
    ll, g, h = loglik_grad_hess(xs, u)
    for _ in range(NEWTON_STEPS):
        step, exact = _direction(u, g, h, half)
        if not np.all(np.isfinite(step)):
            return u, ll, False
        if 0.5 * float(g @ step) <= tol:
            return u, ll, exact
        t = 1.0
        for _ in range(HALVINGS):
            v = project(u + t * step, half)
            lv, gv, hv = loglik_grad_hess(xs, v)
            if math.isfinite(lv) and lv >= ll:
                break
            t *= 0.5
        else:
            return u, ll, False
        u, ll, g, h = v, lv, gv, hv
    return u, ll, False
