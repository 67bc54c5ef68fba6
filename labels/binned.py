"""Per-draw sums over the data at a cost that does not grow with N: the data summarised in bins.

Every label-stage quantity that touches the data is a sum over points of a function of the
allocation log-odds ``eta_t(x) = logit(pi1) + b_t (x - mid_t)`` (``b_t = (mu1 - mu2) / sigma^2``,
``mid_t = (mu1 + mu2) / 2``), which with a shared sigma is *linear in x* (docs/methods.md §1, §8).
So the data enter only through how they are spread along one line, and a summary of that spread
serves every draw:

- the data are cut into ``G`` equal-width bins over ``[min x, max x]`` (``G`` from
  :func:`default_bins`, about ``25 N^(1/3)``); bin ``g`` keeps its count
  ``n_g``, mean ``m_g``, ``V_g = sum (x - m_g)^2`` and ``T_g = sum |x - m_g|^3`` over its points.
  With ``N <= G`` every point is its own bin and everything below is exact.
- the **log-likelihood** of a draw is ``sum_g [n_g l(m_g) + V_g l''(m_g) / 2]`` with ``l = log p``.
  Expanding each point about its bin mean, the first-order terms cancel (``m_g`` is the bin's mean)
  and the remainder is ``l'''(xi) (x - m_g)^3 / 6``; since ``l''' = b^3 softplus'''(eta)`` and
  ``|softplus'''| <= 1 / (6 sqrt 3)``, the error of a draw is at most
  ``|b_t|^3 sum_g T_g / (36 sqrt 3)``, returned with every result (:func:`draw_logliks`).
- **relabelling passes** (Stephens, ECR) run on the binned data, i.e. on the data rounded to their
  bin means: every point moves by less than the bin width ``(max x - min x) / G`` (returned as
  :attr:`BinnedData.width`). They are exactly the published algorithms applied to those rounded data.

A pass costs ``draws x G`` evaluations whatever N is; binning costs O(N) once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np

from ..models.draws import Draws

#: Bounds of the number of bins (see :func:`default_bins`).
MIN_BINS, MAX_BINS = 256, 2048
#: sup |softplus'''| = 1 / (6 sqrt 3): the constant of the log-likelihood's error bound.
SOFTPLUS3_MAX = 1.0 / (6.0 * math.sqrt(3.0))
LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


@dataclass(frozen=True)
class BinnedData:
    """The data as ``G`` bins (see the module note).

    Attributes
    ----------
    n : number of points
    counts, means, var_sums, abs3_sums : per non-empty bin ``n_g``, ``m_g``, ``V_g``, ``T_g``
    width : bin width (0 when every point is its own bin, i.e. exact)
    """

    n: int
    counts: np.ndarray
    means: np.ndarray
    var_sums: np.ndarray
    abs3_sums: np.ndarray
    width: float

    @property
    def exact(self) -> bool:
        """True when every point is its own bin: binned sums are the exact sums."""
        return self.width == 0.0

    @property
    def n_bins(self) -> int:
        return int(self.counts.size)


def default_bins(n: int) -> int:
    """``G``: the power of 2 nearest ``25 n^(1/3)``, within [MIN_BINS, MAX_BINS].

    The log-likelihood's error bound grows like ``n / G^3`` (``T_g`` ~ ``n_g width^3 / 32``), so
    ``G ~ n^(1/3)`` keeps it roughly constant in n (about 0.03 nats per draw on the default scenario,
    docs/methods.md §8) while a pass costs ``draws x G``.
    """
    g = 2 ** round(math.log2(25.0 * max(int(n), 1) ** (1.0 / 3.0)))
    return int(min(MAX_BINS, max(MIN_BINS, g)))


def bin_data(x, bins: int | None = None) -> BinnedData:
    """Summarise ``x`` in ``bins`` equal-width bins (default :func:`default_bins`; every point its own
    bin when ``x.size <= bins``)."""
    x = np.asarray(x, dtype=float).ravel()
    bins = default_bins(x.size) if bins is None else int(bins)
    if x.size <= bins:
        zeros = np.zeros(x.size)
        return BinnedData(x.size, np.ones(x.size), x.copy(), zeros, zeros.copy(), 0.0)
    lo, hi = float(x.min()), float(x.max())
    width = (hi - lo) / bins
    idx = np.minimum(((x - lo) / width).astype(np.int64), bins - 1)
    counts = np.bincount(idx, minlength=bins).astype(float)
    keep = counts > 0
    means = np.bincount(idx, weights=x, minlength=bins)[keep] / counts[keep]
    full = np.zeros(bins)
    full[keep] = means
    dev = x - full[idx]
    var_sums = np.bincount(idx, weights=dev * dev, minlength=bins)[keep]
    abs3 = np.bincount(idx, weights=np.abs(dev) ** 3, minlength=bins)[keep]
    return BinnedData(x.size, counts[keep], means, var_sums, abs3, width)


def _flat(draws: Draws) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    return tuple(np.ascontiguousarray(a.reshape(-1), dtype=float)
                 for a in (draws.pi1, draws.mu1, draws.mu2, draws.sigma))


# -- compiled kernels -------------------------------------------------------------------------
# Per draw t and bin g: e = logit(pi1) + b (m_g - mid), r_dominant = 1 / (1 + exp(-|e|)). Every kernel
# is O(draws x bins), one thread (numba's OpenMP workers spin after a parallel region and slowed the
# numpy work that follows by up to 8x on a busy 2-core machine).


def _eta_coefs(pi1, mu1, mu2, sigma, t):
    b = (mu1[t] - mu2[t]) / (sigma[t] * sigma[t])
    return math.log(pi1[t]) - math.log1p(-pi1[t]), b, 0.5 * (mu1[t] + mu2[t])


def _sums_loop(m, w, pi1, mu1, mu2, sigma, perm, s1, s2):
    """Sums of the (relabelled) responsibilities per bin; returns sum_t sum_g w_g sum_k r_k log r_k."""
    neg = 0.0
    for t in range(pi1.size):
        ell, b, mid = _eta_coefs(pi1, mu1, mu2, sigma, t)
        for g in range(m.size):
            e = ell + b * (m[g] - mid)
            te = math.exp(-abs(e))
            big = 1.0 / (1.0 + te)
            small = te * big
            # r1 log r1 + r2 log r2 = -(log(1 + te) + small |e|)
            neg -= w[g] * (math.log1p(te) + small * abs(e))
            first = big if (e > 0.0) != perm[t] else small
            s1[g] += first
            s2[g] += big + small - first
    return neg


def _pass_loop(m, w, pi1, mu1, mu2, sigma, lam, log_q2, perm, s1, s2, margin):
    """One relabelling pass against per-bin weights ``lam``: each draw is swapped where
    ``A_t = sum_g w_g (r1 - r2) lam_g < 0``; the new labels' responsibilities are summed per bin.
    Returns ``sum_t sum_g w_g (p1 lam_g + (p1 + p2) log_q2_g)`` (Stephens' cross term)."""
    cross = 0.0
    r1s = np.empty(m.size)
    r2s = np.empty(m.size)
    for t in range(pi1.size):
        ell, b, mid = _eta_coefs(pi1, mu1, mu2, sigma, t)
        a = 0.0
        for g in range(m.size):
            e = ell + b * (m[g] - mid)
            te = math.exp(-abs(e))
            big = 1.0 / (1.0 + te)
            r1s[g] = big if e > 0.0 else te * big
            r2s[g] = te * big if e > 0.0 else big
            a += w[g] * (r1s[g] - r2s[g]) * lam[g]
        sw = a < 0.0
        perm[t] = sw
        margin[t] = abs(a)
        for g in range(m.size):
            p1 = r2s[g] if sw else r1s[g]
            p2 = r1s[g] if sw else r2s[g]
            s1[g] += p1
            s2[g] += p2
            cross += w[g] * (p1 * lam[g] + (p1 + p2) * log_q2[g])
    return cross


def _fill_loop(m, n, v, pi1, mu1, mu2, sigma, r1, r2, loglik, hold):
    """Every draw's log-likelihood into ``loglik`` (``n_g l(m_g) + V_g l''(m_g) / 2`` per bin, module
    note) and, if ``hold``, its responsibilities at every bin into ``r1``, ``r2`` (draws x bins);
    returns sum_t sum_g n_g sum_k r_k log r_k."""
    neg = 0.0
    for t in range(pi1.size):
        ell, b, mid = _eta_coefs(pi1, mu1, mu2, sigma, t)
        s2 = sigma[t] * sigma[t]
        lp1 = math.log(pi1[t])
        lp2 = math.log1p(-pi1[t])
        norm = math.log(sigma[t]) + LOG_SQRT_2PI
        total = 0.0
        for g in range(m.size):
            x = m[g]
            e = ell + b * (x - mid)
            te = math.exp(-abs(e))
            big = 1.0 / (1.0 + te)
            small = te * big
            lt = math.log1p(te)
            neg -= n[g] * (lt + small * abs(e))
            d = x - mu1[t] if e > 0.0 else x - mu2[t]
            dom = (lp1 if e > 0.0 else lp2) - 0.5 * d * d / s2
            total += n[g] * (dom + lt - norm) + 0.5 * v[g] * (b * b * big * small - 1.0 / s2)
            if hold:
                r1[t, g] = big if e > 0.0 else small
                r2[t, g] = small if e > 0.0 else big
        loglik[t] = total
    return neg


_JIT = {"cache": True, "error_model": "numpy", "nogil": True}
_eta_coefs = numba.njit(inline="always", **_JIT)(_eta_coefs)
_sums_compiled = numba.njit(**_JIT)(_sums_loop)
_pass_compiled = numba.njit(**_JIT)(_pass_loop)
_fill_compiled = numba.njit(**_JIT)(_fill_loop)


# -- public functions ---------------------------------------------------------------------------


def loglik_bound(binned: BinnedData, draws: Draws) -> float:
    """Largest error (nats) over draws of the binned log-likelihood: ``max_t |b_t|^3 sum_g T_g / (36 sqrt 3)``
    (module note); 0 when every point is its own bin."""
    b = np.abs(draws.mu1 - draws.mu2) / draws.sigma**2
    return float(np.max(b**3) * SOFTPLUS3_MAX / 6.0 * binned.abs3_sums.sum()) if b.size else 0.0


def draw_logliks(binned: BinnedData, draws: Draws) -> tuple[np.ndarray, float]:
    """Log-likelihood of every draw ``(chain, draw)`` and its error bound (:func:`loglik_bound`)."""
    pi1, mu1, mu2, sigma = _flat(draws)
    out = np.empty(pi1.size)
    none = np.empty((0, 0))
    _fill_compiled(binned.means, binned.counts, binned.var_sums, pi1, mu1, mu2, sigma, none, none, out, False)
    return out.reshape(draws.shape), loglik_bound(binned, draws)
