"""An optimiser independent of emvb's EM, for checking that ``emvb check``'s fits reach their maxima.

The two-component mixture ``pi1 N(mu1, s1^2) + (1 - pi1) N(mu2, s2^2)`` in the coordinates
``v = (logit pi1, mu1, mu2, m, d)`` with ``log s1 = m + d/2``, ``log s2 = m - d/2``, maximised by
scipy's L-BFGS-B (analytic gradient, box bounds) from many starts:

- unequal sds under Hathaway's ratio constraint ``min/max >= c``:  ``|d| <= -log c`` (a box);
- a shared sigma: ``d`` fixed at 0 (bounds ``[0, 0]``).

Nothing here uses emvb's EM, its starts or its kernels; only numpy and scipy. Used by
tests/test_lrt_maxima.py and benchmarks/lrt_maxima.py.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit, log_expit
from threadpoolctl import threadpool_limits

LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


def negloglik(v: np.ndarray, x: np.ndarray) -> tuple[float, np.ndarray]:
    """``(-L(v), -dL/dv)`` for the mixture in the module note's coordinates."""
    a, mu1, mu2, m, d = v
    ls1, ls2 = m + 0.5 * d, m - 0.5 * d
    z1 = (x - mu1) * math.exp(-ls1)
    z2 = (x - mu2) * math.exp(-ls2)
    a1 = log_expit(a) - ls1 - 0.5 * z1 * z1
    a2 = log_expit(-a) - ls2 - 0.5 * z2 * z2
    lp = np.logaddexp(a1, a2)
    r1 = np.exp(a1 - lp)
    r2 = 1.0 - r1
    g_a = float(np.sum(r1) - x.size * expit(a))
    g_mu1 = float(np.dot(r1, z1)) * math.exp(-ls1)
    g_mu2 = float(np.dot(r2, z2)) * math.exp(-ls2)
    g_ls1 = float(np.dot(r1, z1 * z1 - 1.0))
    g_ls2 = float(np.dot(r2, z2 * z2 - 1.0))
    grad = np.array([g_a, g_mu1, g_mu2, g_ls1 + g_ls2, 0.5 * (g_ls1 - g_ls2)])
    return -(float(np.sum(lp)) - x.size * LOG_SQRT_2PI), -grad


def _v(pi1, mu1, mu2, s1, s2, dmax) -> np.ndarray:
    pi1 = min(max(pi1, 1e-3), 1 - 1e-3)
    d = float(np.clip(math.log(s1) - math.log(s2), -dmax, dmax))
    return np.array([math.log(pi1 / (1 - pi1)), mu1, mu2, 0.5 * (math.log(s1) + math.log(s2)), d])


def starts(z: np.ndarray, dmax: float, rng: np.random.Generator, n_random: int = 10) -> list[np.ndarray]:
    """Starts on standardised data ``z``: splits at quantiles (group means and sds), scale mixtures
    (both means near 0, a narrow and a wide component, either way round), spikes (a component as narrow
    as the constraint allows on each of the 8 smallest and largest points and every 10th order statistic,
    beside N(0, 1)), and random ones."""
    zs = np.sort(z)
    n = zs.size
    out = []
    for q in (0.03, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.97):
        k = min(max(int(round(q * n)), 2), n - 2)
        lo, hi = zs[:k], zs[k:]
        s1, s2 = max(lo.std(), 1e-2), max(hi.std(), 1e-2)
        out.append(_v(q, lo.mean(), hi.mean(), s1, s2, dmax))
        out.append(_v(q, lo.mean(), hi.mean(), 0.5 * (s1 + s2), 0.5 * (s1 + s2), dmax))
    for pi1 in (0.2, 0.5, 0.8):
        for ratio in (0.15, 0.3, 0.6):
            s_wide = 1.0 / math.sqrt(pi1 * ratio**2 + 1.0 - pi1)
            out.append(_v(pi1, -0.05, 0.05, ratio * s_wide, s_wide, dmax))
            out.append(_v(pi1, -0.05, 0.05, s_wide, ratio * s_wide, dmax))
    if dmax > 0:
        ranks = sorted(set(range(8)) | set(range(n - 8, n)) | set(range(0, n, 10)))
        for i in ranks:
            out.append(_v(3.0 / n, zs[i], 0.0, math.exp(-dmax), 1.0, dmax))
    for _ in range(n_random):
        mu = rng.choice(z, 2, replace=False)
        out.append(_v(rng.uniform(0.1, 0.9), mu[0], mu[1], math.exp(rng.uniform(-2, 0.3)),
                      math.exp(rng.uniform(-2, 0.3)), dmax))
    return out


def reference_max(x, *, ratio_min: float | None, seed: int = 0, n_random: int = 10) -> tuple[float, np.ndarray]:
    """The best log-likelihood L-BFGS-B reaches from :func:`starts`, and its ``(pi1, mu1, mu2, s1, s2)``
    in the data's units. ``ratio_min=None`` fits a shared sigma; else unequal sds with
    ``min/max >= ratio_min``."""
    with threadpool_limits(1):  # L-BFGS-B's small BLAS calls are 30x slower when spread over threads
        return _reference_max(x, ratio_min, seed, n_random)


def _reference_max(x, ratio_min, seed, n_random):
    x = np.asarray(x, dtype=float)
    c, s = float(x.mean()), float(x.std())
    z = (x - c) / s
    dmax = 0.0 if ratio_min is None else -math.log(ratio_min)
    bounds = [(-30, 30), (None, None), (None, None), (-12, 5), (-dmax, dmax)]
    best = (math.inf, None)
    runs = []
    for v0 in starts(z, dmax, np.random.default_rng(seed), n_random):
        r = minimize(negloglik, v0, args=(z,), jac=True, method="L-BFGS-B", bounds=bounds,
                     options={"maxiter": 400, "ftol": 1e-13, "gtol": 1e-9})
        runs.append((r.fun, r.x))
    runs.sort(key=lambda t: t[0])
    for f, v in runs[:3]:  # polish the best few from where they stopped
        r = minimize(negloglik, v, args=(z,), jac=True, method="L-BFGS-B", bounds=bounds,
                     options={"maxiter": 5000, "ftol": 1e-15, "gtol": 1e-11, "maxcor": 20})
        if min(r.fun, f) < best[0]:
            best = (r.fun, r.x) if r.fun < f else (f, v)
    f, v = best
    a, mu1, mu2, m, d = v
    p = np.array([expit(a), c + s * mu1, c + s * mu2, s * math.exp(m + 0.5 * d), s * math.exp(m - 0.5 * d)])
    return -f - x.size * math.log(s), p


def loglik(x, p) -> float:
    """The log-likelihood of ``(pi1, mu1, mu2, s1, s2)`` on ``x`` (plain numpy, for cross-checks)."""
    x = np.asarray(x, dtype=float)
    pi1, mu1, mu2, s1, s2 = p
    a1 = math.log(pi1) - math.log(s1) - 0.5 * ((x - mu1) / s1) ** 2
    a2 = math.log1p(-pi1) - math.log(s2) - 0.5 * ((x - mu2) / s2) ** 2
    return float(np.sum(np.logaddexp(a1, a2))) - x.size * LOG_SQRT_2PI


#: The data sets of the maxima check: (family, truth (pi1, mu1, mu2, sigma)), each drawn with n = 500
#: points for seeds 0, 1, ...: one normal, two overlapping components, two separated ones.
FAMILIES = {"normal": (0.5, 0.0, 0.0, 1.0), "overlap": (0.3, 0.0, 1.5, 1.0), "separated": (0.3, 5.0, 15.0, 2.0)}
N_POINTS = 500


def check_shortfalls(family: str, k: int) -> dict:
    """How far short of the maxima found here each fit of ``emvb check`` stops on data set ``k`` of
    ``family`` (positive: emvb lower), and the statistics at the maxima.

    Fits: one normal (closed form), the two-component shared-sigma fit of the data (``em.fit``, 10
    starts, as ``emvb check``), the unequal-sd fit under the ratio constraint (the check's own
    :func:`adequacy.checks.unequal_fit`, used on the data and on every replicate alike), and the shared
    refit of one parametric-bootstrap replicate drawn from the fit (as in every replicate), and the
    two-component fit of one replicate of the components test (one-normal data, as in every replicate).
    """
    from scipy.stats import norm

    from emvb import em
    from emvb.adequacy.checks import one_normal, two_component_loglik
    from emvb.adequacy.levels import NULL_STARTS, SIGMA_RATIO_MIN
    from emvb.adequacy.maxima import best_shared, replicate_starts, shared_loglik, unequal_fit
    from emvb.models.params import MixtureParams
    from emvb.models.scaling import Scaling
    from emvb.models.simulate import draw, simulate

    x = simulate(MixtureParams(*FAMILIES[family]), n=N_POINTS, seed=1000 + k).values
    l1 = one_normal(x)[0]
    ref_1 = float(np.sum(norm.logpdf(x, *norm.fit(x))))
    fit = em.fit(x, n_init=10, seed=k)
    sc, xs = Scaling.standardized(x)
    ls = shared_loglik(x, fit, sc, xs)
    u = unequal_fit(x, fit.params, sc, xs)
    ref_s, _ = reference_max(x, ratio_min=None, seed=k)
    ref_u, pu = reference_max(x, ratio_min=SIGMA_RATIO_MIN, seed=k)
    y, _ = draw(fit.params, N_POINTS, np.random.default_rng([k, 7]))
    sy, ys = Scaling.standardized(y)
    refit = best_shared(y, [fit.params, *replicate_starts(ys, sy, np.random.default_rng(k))], sy, ys)
    ref_y, _ = reference_max(y, ratio_min=None, seed=k)
    rng = np.random.default_rng([k, 8])
    z = rng.normal(0.0, 1.0, N_POINTS)
    lz = two_component_loglik(z, NULL_STARTS, rng)
    ref_z, _ = reference_max(z, ratio_min=None, seed=k)
    return {"family": family, "k": k,
            "one_normal": ref_1 - l1, "shared": ref_s - ls, "unequal": ref_u - u.loglik,
            "replicate_shared": ref_y - refit.loglik, "replicate_components": ref_z - lz,
            "unequal_loglik_check": abs(u.loglik - loglik(x, u.params.to_array())),
            "statistic_at_maxima": 2.0 * (max(ref_u, u.loglik) - max(ref_s, ls)),
            "statistic_check": 2.0 * max(u.loglik - ls, 0.0),
            "ref_ratio": float(min(pu[3:]) / max(pu[3:])), "unequal_iterations": u.n_iter,
            "unequal_converged": u.converged}
