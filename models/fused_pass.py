"""The fused pass over the data: one compiled sweep gives the log-likelihood at ``theta`` and the
responsibility-weighted sums that are both the EM map's statistics and the log-likelihood's gradient.

Used by the hand-written EM (:mod:`em.kernel`) and by the PyMC model's likelihood
(:mod:`models.pymc_fused`): one implementation of one computation. Numpy and numba only.

Per point, with ``d_k = x - mu_k`` and ``eta = logit(pi1) + (mu1 - mu2)(x - (mu1 + mu2)/2) / sigma^2``
(docs/methods.md §1), ``t = exp(-|eta|)``::

    r_dominant = 1 / (1 + t),   r_other = t / (1 + t)
    log p(x)   = a_k(x) + log(1 + t),   a_k = log pi_k - d_k^2 / (2 sigma^2) - log sigma - log sqrt(2 pi)

with ``k`` the dominant component (as :func:`models.density.logpdf`). The sweep accumulates
``L = sum log p``, ``N_k = sum r_k``, ``D_k = sum r_k d_k`` and ``Q_k = sum r_k d_k^2``. They give
the EM update (:func:`em.kernel.update`) and the gradient of ``L`` (:func:`value_and_gradient`,
docs/methods.md §1.1)::

    dL/dpi1 = N1/pi1 - N2/(1 - pi1),   dL/dmu_k = D_k/sigma^2,   dL/dsigma = (Q1 + Q2)/sigma^3 - N/sigma

Sums of residuals about the *current* means ("shifted data") keep the pooled variance accurate
even when ``sigma`` is 10^-6 of the data's spread, where ``sum x^2 - N1 mu1^2 - N2 mu2^2`` would
lose every digit. ``sum log(1 + t)`` is taken as the log of products over blocks of 256 points
(each factor is in (1, 2], so no overflow), which replaces one ``log1p`` per point by one ``log``
per block, and ``t`` comes from a polynomial ``exp`` that vectorises (see ``_exp_neg_abs_block``):
one pass costs less than two ``np.exp`` over the data.
"""

from __future__ import annotations

import math

import numba  # installed with PyMC (a dependency); no pymc import needed
import numpy as np

LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
_BLOCK = 256

# -- exp(-|eta|) that LLVM can vectorise ------------------------------------------------------
# numba calls the scalar libm exp, which blocks SIMD; this is the classic Cody-Waite scheme
# (Muller, "Elementary Functions", ch. 11): y = n ln2 + r with |r| <= ln2/2, exp(r) by its degree-12
# Taylor polynomial (truncation r^13/13! < 2e-16), 2^n assembled from bits. Relative error ~3e-16.
# y is clamped at -708 so 2^n stays a normal number; exp(-708) ~ 3e-308 is 0 for every use here.
_LOG2E = 1.4426950408889634
_SHIFTER = 6755399441055744.0  # 1.5 * 2^52: adding it rounds to an integer held in the low mantissa bits
_SHIFTER_BITS = int(np.array([_SHIFTER]).view(np.int64)[0])
_LN2_HI = 6.93147180369123816490e-01  # few mantissa bits, so n * _LN2_HI is exact (fdlibm)
_LN2_LO = 1.90821492927058770002e-10
_C = tuple(1.0 / math.factorial(k) for k in range(13))
_C0, _C1, _C2, _C3, _C4, _C5, _C6, _C7, _C8, _C9, _C10, _C11, _C12 = _C


def _exp_neg_abs_block(xs, start, m, ell, b, mid, poly, scale):
    """For j < m: exp(-|ell + b (xs[start+j] - mid)|) = poly[j] * 2^n, 2^n left in scale[j] as
    ``SHIFTER + n``. (eta centred at the midpoint of the means keeps it accurate where it is small.)

    Compiled *without* 'reassoc': that flag would let LLVM fold ``(v + SHIFTER) - SHIFTER`` to ``v``.
    """
    for j in range(m):
        y = max(-abs(ell + b * (xs[start + j] - mid)), -708.0)
        kd = y * _LOG2E + _SHIFTER
        nf = kd - _SHIFTER
        r = (y - nf * _LN2_HI) - nf * _LN2_LO
        p = _C12
        p = p * r + _C11
        p = p * r + _C10
        p = p * r + _C9
        p = p * r + _C8
        p = p * r + _C7
        p = p * r + _C6
        p = p * r + _C5
        p = p * r + _C4
        p = p * r + _C3
        p = p * r + _C2
        p = p * r + _C1
        poly[j] = p * r + _C0
        scale[j] = kd


def _sums_loop(xs, ell, mu1, mu2, sigma, lp1, lp2):
    s2 = sigma * sigma
    h = 0.5 / s2
    b = (mu1 - mu2) / s2
    mid = 0.5 * (mu1 + mu2)
    n = xs.size
    poly = np.empty(_BLOCK)
    scale = np.empty(_BLOCK)
    scale_bits = scale.view(np.int64)
    base_sum = 0.0
    log_prod = 0.0
    n1 = 0.0
    n2 = 0.0
    sd1 = 0.0
    sq1 = 0.0
    sd2 = 0.0
    sq2 = 0.0
    for start in range(0, n, _BLOCK):
        m = min(_BLOCK, n - start)
        _exp_neg_abs_compiled(xs, start, m, ell, b, mid, poly, scale)
        for j in range(m):  # SHIFTER + n  ->  the bits of 2^n
            scale_bits[j] = (scale_bits[j] - _SHIFTER_BITS + 1023) << 52
        prod = 1.0
        for j in range(m):
            x = xs[start + j]
            d1 = x - mu1
            d2 = x - mu2
            t = poly[j] * scale[j]
            big = 1.0 / (1.0 + t)
            small = t * big
            pos = ell + b * (x - mid) > 0.0
            r1 = big if pos else small
            r2 = small if pos else big
            base_sum += (lp1 - h * d1 * d1) if pos else (lp2 - h * d2 * d2)
            prod *= 1.0 + t
            n1 += r1
            n2 += r2
            sd1 += r1 * d1
            sq1 += r1 * d1 * d1
            sd2 += r2 * d2
            sq2 += r2 * d2 * d2
        log_prod += math.log(prod)
    loglik = base_sum + log_prod - n * (math.log(sigma) + LOG_SQRT_2PI)
    return loglik, n1, n2, sd1, sq1, sd2, sq2


# error_model="numpy": no ZeroDivisionError check on "/", which would stop LLVM vectorising the loop
# (the only divisor per point is 1 + t >= 1). 'reassoc' lets LLVM split the sums into SIMD lanes;
# not 'fast' (it would assume no inf/nan). cache=True: compiled once, reused by later processes.
_exp_neg_abs_compiled = numba.njit(cache=True, fastmath={"contract"}, error_model="numpy")(_exp_neg_abs_block)
_sums_compiled = numba.njit(cache=True, fastmath={"reassoc", "contract", "nsz"}, error_model="numpy",
                            nogil=True)(_sums_loop)


def _exp_neg_abs_loop(v):
    n = v.size
    out = np.empty(n)
    scale = np.empty(_BLOCK)
    scale_bits = scale.view(np.int64)
    for start in range(0, n, _BLOCK):
        m = min(_BLOCK, n - start)
        _exp_neg_abs_compiled(v, start, m, 0.0, 1.0, 0.0, out[start:start + m], scale)
        for j in range(m):
            scale_bits[j] = (scale_bits[j] - _SHIFTER_BITS + 1023) << 52
        for j in range(m):
            out[start + j] *= scale[j]
    return out


_exp_neg_abs_array = numba.njit(cache=True, error_model="numpy")(_exp_neg_abs_loop)


def exp_neg_abs(v) -> np.ndarray:
    """``exp(-|v|)`` by the kernel's vectorisable polynomial (exposed for tests)."""
    return _exp_neg_abs_array(np.ascontiguousarray(v, dtype=float))


def sums(xs: np.ndarray, ell: float, mu1: float, mu2: float, sigma: float):
    """``(L, N1, N2, D1, Q1, D2, Q2)`` of one pass at ``logit pi1 = ell`` (module note)."""
    return _sums_compiled(xs, ell, mu1, mu2, sigma, -_softplus(-ell), -_softplus(ell))


def _softplus(v: float) -> float:
    return max(v, 0.0) + math.log1p(math.exp(-abs(v)))


def _value_and_gradient(xs, pi1, mu1, mu2, sigma):
    if not (0.0 < pi1 < 1.0 and sigma > 0.0):  # outside the parameter space: the caller's check says -inf
        return math.nan, math.nan, math.nan, math.nan, math.nan
    lp1 = math.log(pi1)
    lp2 = math.log1p(-pi1)
    loglik, n1, n2, sd1, sq1, sd2, sq2 = _sums_compiled(xs, lp1 - lp2, mu1, mu2, sigma, lp1, lp2)
    s2 = sigma * sigma
    return (loglik, n1 / pi1 - n2 / (1.0 - pi1), sd1 / s2, sd2 / s2,
            (sq1 + sq2) / (s2 * sigma) - xs.size / sigma)


#: ``(L, dL/dpi1, dL/dmu1, dL/dmu2, dL/dsigma)`` of the data ``xs`` at ``(pi1, mu1, mu2, sigma)``
#: (module note); NaN outside ``0 < pi1 < 1, sigma > 0``. Callable from Python and from numba code.
value_and_gradient = numba.njit(cache=True, error_model="numpy", nogil=True)(_value_and_gradient)
