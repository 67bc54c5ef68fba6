"""The alternative to a shared sigma: a two-component mixture with one sd per component, fitted by a
constrained EM (the design's estimator in :mod:`em` is not touched).

``x ~ pi1 N(mu1, sigma1^2) + (1 - pi1) N(mu2, sigma2^2)``. Its likelihood is unbounded (a component
centred on one data point with ``sigma_k -> 0``), so the fit maximises it under Hathaway's (1985)
ratio constraint ``min(sigma1, sigma2) / max(sigma1, sigma2) >= c`` (``c`` =
:data:`adequacy.levels.SIGMA_RATIO_MIN`), where a maximum exists and is consistent. The constrained
M-step (Hathaway 1986; docs/methods.md, "Is the model adequate?") with ``N_k = sum r_k``,
``S_k = sum r_k (x - mu_k')^2`` and ``n = N_1 + N_2``::

    pi1 = N1 / n,  mu_k' = sum r_k x / N_k,  sigma_k^2 = S_k / N_k          if the ratio holds, else
    sigma2^2 = (S1 / c^2 + S2) / n,  sigma1 = c sigma2      (when S1/N1 < c^2 S2/N2; symmetric otherwise)

The objective is concave in ``log sigma`` and the constraint set is convex, so the boundary solution is
the constrained maximum and EM stays monotone. As in :mod:`em`, EM runs on standardised data, the
per-point log density is the dominant term plus ``log1p(exp(-|a1 - a2|))`` (:mod:`models.density`;
summed as the log of a product per block of 256 points, as in :mod:`em.kernel`),
the M-step uses sums of residuals about the current means. The SQUAREM loop is compiled (numba, no GIL)
because it runs inside every bootstrap replicate; a run is finished by Newton's method
(:mod:`adequacy.unequal_newton`), which reaches the maximum where EM creeps along a flat ridge.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numba
import numpy as np

from ..em.coords import expit
from ..em.kernel import MIN_WEIGHT
from ..models.data import checked_values
from ..models.density import LOG_SQRT_2PI
from ..models.errors import ParamError, SettingError
from ..models.params import MixtureParams
from ..models.scaling import Scaling
from .levels import SIGMA_RATIO_MIN
from .unequal_newton import newton_unequal
from .unequal_newton import project as _project

_BLOCK = 256
# 'reassoc' lets LLVM split the sums into SIMD lanes (as em.kernel); not 'fast' (it assumes no inf/nan).
_JIT = dict(cache=True, nogil=True, error_model="numpy", fastmath={"reassoc", "contract", "nsz"})
STATUS = ("log-likelihood change < tol", "max_iter reached",
          "a component emptied (weight < 1e-6 points)")


@dataclass(frozen=True)
class UnequalParams:
    """``(pi1, mu1, mu2, sigma1, sigma2)``; finite, ``0 < pi1 < 1``, both sds positive."""

    pi1: float
    mu1: float
    mu2: float
    sigma1: float
    sigma2: float

    def __post_init__(self) -> None:
        a = self.to_array()
        if not (np.all(np.isfinite(a)) and 0.0 < self.pi1 < 1.0 and self.sigma1 > 0.0 and self.sigma2 > 0.0):
            raise ParamError(f"not an unequal-variance mixture: {a.tolist()}")

    @classmethod
    def from_shared(cls, p: MixtureParams) -> UnequalParams:
        """The shared-sigma point ``(pi1, mu1, mu2, sigma, sigma)``."""
        return cls(p.pi1, p.mu1, p.mu2, p.sigma, p.sigma)

    def to_array(self) -> np.ndarray:
        return np.array([self.pi1, self.mu1, self.mu2, self.sigma1, self.sigma2], dtype=float)

    @property
    def sigma_ratio(self) -> float:
        """``min(sigma1, sigma2) / max(sigma1, sigma2)``."""
        return min(self.sigma1, self.sigma2) / max(self.sigma1, self.sigma2)

    def to_dict(self) -> dict[str, float]:
        return dict(zip(("pi1", "mu1", "mu2", "sigma1", "sigma2"), self.to_array().tolist(), strict=True))


@dataclass(frozen=True)
class UnequalFit:
    """The best run of :func:`fit_unequal`: estimate, log-likelihood, iterations, why it stopped."""

    params: UnequalParams
    loglik: float
    n_iter: int
    converged: bool
    reason: str
    at_constraint: bool  # the sd ratio sits on Hathaway's bound


@numba.njit(**_JIT)
def _step(xs, u, c2):
    """One pass at ``u = (logit pi1, mu1, mu2, log s1, log s2)``: ``(loglik at u, F(u), ok)``, with
    ``F`` the constrained EM map (module note); ``ok`` is False when a component emptied."""
    n = xs.size
    pi1 = 1.0 / (1.0 + math.exp(-u[0]))
    mu1, mu2 = u[1], u[2]
    lc1 = -math.log1p(math.exp(-u[0])) - u[3]  # log pi1 - log s1
    lc2 = -math.log1p(math.exp(u[0])) - u[4]
    h1 = 0.5 * math.exp(-2.0 * u[3])
    h2 = 0.5 * math.exp(-2.0 * u[4])
    ll = 0.0
    n1 = n2 = sd1 = sq1 = sd2 = sq2 = 0.0
    for start in range(0, n, _BLOCK):
        prod = 1.0  # sum log1p(t) as the log of a product per block: each factor is in (1, 2]
        for i in range(start, min(start + _BLOCK, n)):
            d1 = xs[i] - mu1
            d2 = xs[i] - mu2
            a1 = lc1 - h1 * d1 * d1
            a2 = lc2 - h2 * d2 * d2
            t = math.exp(-abs(a1 - a2))
            big = 1.0 / (1.0 + t)
            if a1 > a2:
                r1, r2, ll = big, t * big, ll + a1
            else:
                r1, r2, ll = t * big, big, ll + a2
            prod *= 1.0 + t
            n1 += r1
            n2 += r2
            sd1 += r1 * d1
            sq1 += r1 * d1 * d1
            sd2 += r2 * d2
            sq2 += r2 * d2 * d2
        ll += math.log(prod)
    ll -= n * LOG_SQRT_2PI
    out = np.empty(5)
    if not (n1 >= MIN_WEIGHT and n2 >= MIN_WEIGHT) or pi1 <= 0.0 or pi1 >= 1.0:
        return ll, out, False
    ss1 = max(sq1 - sd1 * sd1 / n1, 0.0)
    ss2 = max(sq2 - sd2 * sd2 / n2, 0.0)
    v1 = ss1 / n1
    v2 = ss2 / n2
    if v1 < c2 * v2:  # Hathaway's boundary sigma1 = c sigma2
        v2 = (ss1 / c2 + ss2) / n
        v1 = c2 * v2
    elif v2 < c2 * v1:
        v1 = (ss2 / c2 + ss1) / n
        v2 = c2 * v1
    if not (v1 > 0.0 and v2 > 0.0):
        return ll, out, False
    out[0] = math.log(n1) - math.log(n2)
    out[1] = mu1 + sd1 / n1
    out[2] = mu2 + sd2 / n2
    out[3] = 0.5 * math.log(v1)
    out[4] = 0.5 * math.log(v2)
    return ll, out, True


@numba.njit(**_JIT)
def _squarem(xs, u0, c, tol, floor, max_iter):
    """Constrained EM accelerated by SQUAREM with the monotone safeguard, as :mod:`em.iterate`:
    returns ``(u, loglik at u, iterations, status)``, status 0 converged, 1 max_iter, 2 emptied.

    Stops at ``u1 = F(u0)`` once the log-likelihood still to gain, estimated from the EM step's gain
    ``g = L(u1) - L(u0)`` and its rate ``rho = |F(u1) - u1| / |u1 - u0|`` as ``g rho^2 / (1 - rho^2)``
    (linear convergence), is at most ``tol``, or once ``g <= floor`` (the rounding level of ``L``).
    """
    c2 = c * c
    half = -0.5 * math.log(c)
    l0, f0, ok = _step(xs, u0, c2)
    if not ok:
        return u0, l0, 0, 2
    step_max = 1.0
    for it in range(1, max_iter + 1):
        u1 = f0
        l1, u2, ok = _step(xs, u1, c2)
        if not ok:
            return u1, l1, it, 2
        r = u1 - u0
        d = u2 - u1
        gain = l1 - l0
        nr = math.sqrt(np.sum(r * r))
        rho2 = np.sum(d * d) / (nr * nr) if nr > 0.0 else 0.0
        if gain <= floor or (rho2 < 1.0 and gain * rho2 <= tol * (1.0 - rho2)):
            return u1, l1, it, 0
        v = d - r
        nv = math.sqrt(np.sum(v * v))
        alpha = -nr / nv if nv > 0.0 else -np.inf
        alpha = max(min(alpha, -1.0), -step_max)
        ue = _project(u0 - 2.0 * alpha * r + alpha * alpha * v, half)
        le, cand, ok = _step(xs, ue, c2)
        accepted = False
        if ok and math.isfinite(le):
            lc, fc, okc = _step(xs, cand, c2)
            if okc and math.isfinite(lc) and lc >= l0:
                u0, l0, f0 = cand, lc, fc
                accepted = True
        if accepted and alpha == -step_max:
            step_max *= 4.0
        elif not accepted:
            if alpha == -step_max:
                step_max = max(1.0, step_max / 4.0)
            l2, f2, ok = _step(xs, u2, c2)
            if not ok:
                return u2, l2, it, 2
            u0, l0, f0 = u2, l2, f2
    return u0, l0, max_iter, 1


def _to_u(p: UnequalParams, sc: Scaling) -> np.ndarray:
    return np.array([math.log(p.pi1) - math.log1p(-p.pi1), (p.mu1 - sc.center) / sc.scale,
                     (p.mu2 - sc.center) / sc.scale, math.log(p.sigma1 / sc.scale), math.log(p.sigma2 / sc.scale)])


def _from_u(u: np.ndarray, sc: Scaling) -> UnequalParams:
    return UnequalParams(expit(float(u[0])), sc.center + sc.scale * float(u[1]), sc.center + sc.scale * float(u[2]),
                         sc.scale * math.exp(float(u[3])), sc.scale * math.exp(float(u[4])))


#: The rounding level of a log-likelihood summed over ``n`` points, per point: an EM gain at most
#: ``ROUNDING * n`` is noise, and stops the loop whatever the rate.
ROUNDING = 1e-13


def constrained_em(xs: np.ndarray, u0: np.ndarray, ratio_min: float, tol: float, max_iter: int):
    """The compiled constrained SQUAREM from ``u0 = (logit pi1, mu1, mu2, log s1, log s2)`` on standardised
    ``xs``: ``(u, loglik, iterations, status)``, status 0 converged, 1 max_iter, 2 a component emptied.
    With ``ratio_min = 1`` the M-step pools the two sds (``s1^2 = s2^2 = (S1 + S2) / n``): EM for a
    shared sigma, run without any Python between iterations."""
    u0 = np.array(u0, dtype=float)
    return _squarem(xs, u0, float(ratio_min), float(tol), ROUNDING * xs.size, int(max_iter))


def screen_data(xs: np.ndarray, points: int | None) -> np.ndarray:
    """At most about ``points`` evenly spaced order statistics of ``xs`` (all of ``xs`` when None): they keep
    the shape of its density, a cheap ranking of starts."""
    k = 1 if points is None else max(1, xs.size // int(points))
    return xs if k == 1 else np.sort(xs)[k // 2::k]


def fit_unequal(x, starts: Sequence[UnequalParams], *, ratio_min: float = SIGMA_RATIO_MIN, tol: float = 1e-8,
                max_iter: int = 10_000, screen_iter: int = 0, keep: int = 2, screen_points: int | None = None,
                scaling: Scaling | None = None, xs: np.ndarray | None = None) -> UnequalFit:
    """Constrained-EM fit of the unequal-variance mixture from several starts; the best run.

    A start outside the constraint is first pulled onto it (its log sds moved to the bound about their
    mean). With ``screen_iter > 0`` every start first runs that many SQUAREM iterations; the best run
    that converged there and the ``keep`` best that did not go on (from where they stopped) to
    convergence; else every start runs to convergence.
    With ``screen_points``, the screen runs on at most that many evenly spaced order statistics of the
    data (they keep the shape of its density: a cheap ranking of the starts), the rest on all the data.
    A run converges when the log-likelihood it could still gain is estimated at most ``tol`` (see
    :func:`_squarem`); ``max_iter`` (SQUAREM iterations, each up to 4 passes over the data) is a safety
    bound, and a run that meets it is reported ``converged=False``. ``scaling``/``xs`` skip the
    standardisation when the caller has them.
    """
    if not 0.0 < ratio_min <= 1.0:
        raise SettingError(f"ratio_min must be in (0, 1], got {ratio_min!r}")
    if not (tol > 0.0 and math.isfinite(tol)) or int(max_iter) < 1 or int(screen_iter) < 0 or int(keep) < 1:
        raise SettingError(f"fit_unequal needs tol > 0, max_iter >= 1, screen_iter >= 0, keep >= 1; got "
                           f"{tol!r}, {max_iter!r}, {screen_iter!r}, {keep!r}")
    if xs is None or scaling is None:
        values, _ = checked_values(x)
        scaling, xs = Scaling.standardized(values)
    half = -0.5 * math.log(ratio_min)
    runs = [(_project(_to_u(p, scaling), half), -math.inf, 0, 1) for p in starts]
    if screen_iter > 0 and len(runs) > keep:
        sub = screen_data(xs, screen_points)
        runs = [constrained_em(sub, u, ratio_min, tol, screen_iter) for u, *_ in runs]
        runs.sort(key=lambda r: -r[1] if math.isfinite(r[1]) else math.inf)
        # a run that converged in the screen is at a (lower, often) maximum already, while a slower one may
        # be climbing to a higher one: the best finished run, and the ``keep`` best unfinished ones, go on
        runs = [r for r in runs if r[3] != 1][:1] + _distinct([r for r in runs if r[3] == 1], keep)
        if sub is not xs:  # ranked on the order statistics: every kept run goes on on all the data
            runs = [(u, -math.inf, it, 1) for u, _, it, _ in runs]
    # a run that emptied a component is finished; the others go on from where they stopped (a run EM calls
    # converged, too: on a flat ridge EM's rate estimate can stop it short, and Newton checks in one pass)
    runs = [r if r[3] == 2 else _polish(xs, r, ratio_min, tol, max_iter) for r in runs]
    u, ll, it, status = max(runs, key=lambda r: r[1] if math.isfinite(r[1]) else -math.inf)
    params = _from_u(u, scaling)
    at = bool(params.sigma_ratio <= ratio_min * (1.0 + 1e-9))
    return UnequalFit(params=params, loglik=scaling.loglik_from_std(float(ll), xs.size), n_iter=int(it),
                      converged=status == 0, reason=STATUS[status], at_constraint=at)


#: Two screened runs whose (label-ordered) means and log sds differ by less than this (standardised
#: units) are heading for the same maximum: only the better one counts towards ``keep``.
SAME_POINT = 0.05


def _distinct(runs: list, keep: int) -> list:
    """The best ``keep`` of ``runs`` (sorted best first) that are not heading for the same point."""
    out: list = []
    for r in runs:
        u = r[0]
        key = np.array([u[1], u[2], u[3], u[4]] if u[1] <= u[2] else [u[2], u[1], u[4], u[3]])
        if all(np.max(np.abs(key - k)) >= SAME_POINT for _, k in out):
            out.append((r, key))
        if len(out) == keep:
            break
    return [r for r, _ in out]


#: SQUAREM iterations between two tries of Newton's method, while ``-H`` is not positive definite
NEWTON_EVERY = 20


def _polish(xs, run, ratio_min: float, tol: float, max_iter: int):
    """Continue a run to its maximum: :data:`NEWTON_EVERY` SQUAREM iterations, then Newton's method
    (:func:`adequacy.unequal_newton.newton_unequal`, to a predicted gain of at most ``tol``), and again
    while Newton does not converge and SQUAREM neither stops nor meets ``max_iter``. A run EM's own rule
    stopped gets the Newton check too. Iterations (SQUAREM's) add up."""
    u, ll, it, status = run
    while True:
        if status == 1 and it < max_iter:
            u, ll, more, status = constrained_em(xs, u, ratio_min, tol, min(NEWTON_EVERY, max_iter - it))
            it += more
            if status == 2:
                return u, ll, it, status
        v, lv, ok = newton_unequal(xs, u, ratio_min, tol)
        if ok or lv > ll:
            u, ll = v, lv
        if ok or status != 1 or it >= max_iter:
            return u, ll, it, 0 if ok else status
