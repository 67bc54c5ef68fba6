"""The data's standardisation, defined once: every fit runs on ``xs = (x - c) / k`` and maps back.

A two-component mixture is location-scale equivariant: if ``theta = (pi1, mu1, mu2, sigma)`` fits
``x``, then ``(pi1, a mu1 + b, a mu2 + b, a sigma)`` fits ``a x + b`` (``a > 0``). So EM
(:mod:`em`) and the PyMC models (:mod:`models.pymc_model`) work on the standardised data, where every
number is O(1), and map their results back; data near 1e300 or 1e-300, or 1e100 times the default
scenario, then fit exactly as the default scenario does.

The standardisation (:meth:`Scaling.of`), chosen to be robust to outliers and free of overflow:

- ``c``: the median, ``k``: the interquartile range ``q75 - q25``, both order statistics (ranks
  ``round(q (m - 1))`` of the sorted values, no interpolation, so the same ranks of ``a x + b`` give
  ``a c + b`` and ``a k``) of at most :data:`SUBSAMPLE` evenly strided points (all when fewer);
- if more than half the points are tied (``k = 0``), the range ``max - min`` instead;
- a difference too large for float64 (values near +-1.8e308 of both signs) is taken as
  ``0.5 a - 0.5 b``: half the spread, still a valid scale.

Standardising is overflow-free too: ``(x - c) / k``, or ``(x/2 - c/2) / (k/2)`` where ``x - c``
overflows. The data are refused (:class:`~models.errors.DataError`) when a standardised value
exceeds :data:`MAX_STANDARDISED` in size, because squares of such values overflow in any fit.

Mapping back, exact for an affine map (the delta method has no remainder):

    pi1 = pi1_s,   mu_j = c + k mu_j,s,   sigma = k sigma_s
    cov = J cov_s J,   J = diag(1, k, k, k)            (so SE(mu_j) = k SE_s(mu_j), ...)
    L(x | theta) = L_s(xs | theta_s) - N log k         (the Jacobian of x -> xs)

Priors transform the same way (:meth:`Scaling.priors_to_std`): ``Normal(m, s)`` on ``mu`` is
``Normal((m - c)/k, s/k)`` on ``mu_s``, ``HalfNormal(t)`` on ``sigma`` is ``HalfNormal(t/k)``, the Beta on
``pi1`` and flat priors are unchanged; so the posterior of ``theta_s`` is exactly the image of the
posterior of ``theta``.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass

import numba
import numpy as np

from .errors import DataError, ParamError
from .params import MixtureParams

#: The centre and scale are order statistics of at most this many evenly strided points (a sort
#: of 10^7 points would cost more than an EM iteration; these need no precision, only equivariance).
SUBSAMPLE = 100_000
#: Largest |(x - c) / k| accepted: squares of larger standardised values (up to 1e200) times N stay finite.
MAX_STANDARDISED = 1e100
_FMAX = sys.float_info.max
#: A prior can be sampled when its location and scales, in interquartile ranges of the data
#: (:meth:`Scaling.priors_to_std`), lie within these bounds (a mean within the upper one of the
#: median): then every square the likelihood and the prior compute at a start drawn from the prior
#: or at the data, ``((x - mu) / sigma)^2`` with ``|x| <= MAX_STANDARDISED``, stays below about
#: 1e270, finite for any n that fits in memory (docs/methods.md §7.1). Measured: every corner of the
#: box samples with nutpie; 1e153 IQRs already overflow the log density at prior starts.
PRIOR_STD_RANGE = (1e-30, 1e30)


def _spread(hi: float, lo: float) -> float:
    """``hi - lo``, or half of it (``0.5 hi - 0.5 lo``) if the difference overflows."""
    d = hi - lo
    return d if d <= _FMAX else 0.5 * hi - 0.5 * lo


def _standardize_loop(x, c, k, out):
    """``out[i] = (x[i] - c) / k``; where ``x[i] - c`` overflows, ``(x[i]/2 - c/2) / (k/2)`` (exact halving)."""
    half_c = 0.5 * c
    half_k = 0.5 * k
    for i in range(x.size):
        d = x[i] - c
        if abs(d) <= _FMAX:
            out[i] = d / k
        else:
            out[i] = (0.5 * x[i] - half_c) / half_k


# No fastmath: element-wise only, and IEEE arithmetic keeps the result independent of how and when
# the function was compiled (see the README's "Reproducibility").
_standardize = numba.njit(cache=True, nogil=True, error_model="numpy")(_standardize_loop)


@dataclass(frozen=True)
class Scaling:
    """The affine map ``xs = (x - center) / scale`` of one data set (see the module note)."""

    center: float
    scale: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.center) and math.isfinite(self.scale) and self.scale > 0.0):
            raise ParamError(f"a scaling needs a finite center and a finite scale > 0, got {self.center}, {self.scale}")

    # -- choosing it -------------------------------------------------------------------------------
    @classmethod
    def of(cls, x, where: str = "data", lo: float | None = None, hi: float | None = None) -> Scaling:
        """Median and interquartile range (or range) of finite 1-D ``x``; see the module note.

        ``lo``, ``hi``: the minimum and maximum if the caller has them (:func:`models.data.check_values`).
        Raises :class:`DataError` (naming ``where``) for data without spread or spanning more than
        :data:`MAX_STANDARDISED` scales.
        """
        x = np.asarray(x, dtype=np.float64)
        lo = float(np.min(x)) if lo is None else float(lo)
        hi = float(np.max(x)) if hi is None else float(hi)
        sub = x[::max(1, x.size // SUBSAMPLE)]
        m = sub.size
        ranks = [int(round(q * (m - 1))) for q in (0.25, 0.5, 0.75)]
        q25, q50, q75 = np.partition(sub, ranks)[ranks].tolist()
        k = _spread(q75, q25)
        if not k > 0.0:  # more than half the points tied
            k = _spread(hi, lo)
        if not k > 0.0:
            raise DataError(f"{where}: the values have no spread that float64 can represent (min {lo!r}, max {hi!r})")
        span = max(_spread(hi, q50), _spread(q50, lo)) / k
        if not span <= MAX_STANDARDISED:
            raise DataError(f"{where}: the values reach {span:.3g} interquartile ranges from their median "
                            f"(median {q50:.6g}, IQR {k:.6g}); a fit in float64 needs at most {MAX_STANDARDISED:g}")
        return cls(q50, k)

    @classmethod
    def standardized(cls, x, where: str = "data") -> tuple[Scaling, np.ndarray]:
        """``(Scaling.of(x), standardised x)``: one new array, the size of ``x``."""
        x = np.ascontiguousarray(x, dtype=np.float64)
        sc = cls.of(x, where)
        return sc, sc.standardize(x)

    # -- data ----------------------------------------------------------------------------------
    def standardize(self, x) -> np.ndarray:
        """``(x - center) / scale`` as a new float64 array, without overflow."""
        x = np.ascontiguousarray(x, dtype=np.float64)
        out = np.empty_like(x)
        _standardize(x.ravel(), self.center, self.scale, out.ravel())
        return out

    def unstandardize(self, xs):
        """``center + scale * xs`` (for means, draws of mu, quantiles)."""
        return self.center + self.scale * np.asarray(xs, dtype=np.float64)

    def mean_sd(self, xs: np.ndarray, ddof: int = 1) -> tuple[float, float]:
        """Mean and sd of the original data from its standardised values ``xs`` (no overflow)."""
        return float(self.unstandardize(np.mean(xs))), float(self.scale * np.std(xs, ddof=ddof))

    # -- parameters ------------------------------------------------------------------------------
    def params_to_std(self, p: MixtureParams) -> MixtureParams:
        """``(pi1, (mu1 - c)/k, (mu2 - c)/k, sigma/k)``."""
        z = self.standardize(np.array([p.mu1, p.mu2]))
        return MixtureParams(p.pi1, float(z[0]), float(z[1]), p.sigma / self.scale)

    def params_from_std(self, p: MixtureParams) -> MixtureParams:
        """``(pi1, c + k mu1_s, c + k mu2_s, k sigma_s)``."""
        return MixtureParams(p.pi1, self.center + self.scale * p.mu1, self.center + self.scale * p.mu2,
                             self.scale * p.sigma)

    def _j(self) -> np.ndarray:
        """The diagonal of ``J = diag(1, k, k, k)``: d theta / d theta_s, order (pi1, mu1, mu2, sigma)."""
        return np.array([1.0, self.scale, self.scale, self.scale])

    def cov_from_std(self, cov_s: np.ndarray) -> np.ndarray:
        """``J cov_s J`` (delta method; exact for an affine map). Entries beyond float64 (scales above
        ~1e150) are inf; standard errors (:meth:`se_from_std`) and correlations stay finite."""
        j = self._j()
        with np.errstate(over="ignore"):
            return np.asarray(cov_s, dtype=float) * j[:, None] * j[None, :]

    def cov_to_std(self, cov: np.ndarray) -> np.ndarray:
        """``J^-1 cov J^-1``."""
        j = self._j()
        return np.asarray(cov, dtype=float) / j[:, None] / j[None, :]

    def se_from_std(self, se_s) -> np.ndarray:
        """``(se_pi1, k se_mu1, k se_mu2, k se_sigma)``."""
        return np.asarray(se_s, dtype=float) * self._j()

    def loglik_from_std(self, loglik_std, n: int):
        """``L(x) = L_s(xs) - n log(scale)`` (scalars or arrays)."""
        return loglik_std - n * math.log(self.scale)

    # -- priors ----------------------------------------------------------------------------------
    def priors_to_std(self, priors, *, check: bool = False):
        """The same priors on the standardised parameters (module note); flat parts stay flat.

        ``check=True`` (what a PyMC model built from them passes) refuses, with a :class:`ParamError`
        in the data's units, priors that cannot be sampled (:data:`PRIOR_STD_RANGE`).
        """
        from dataclasses import replace

        if check:
            self.check_priors(priors)
        mean = self.standardize(np.array([priors.mu_mean]))[0] if priors.mu_sd is not None else priors.mu_mean
        return replace(priors, mu_mean=float(mean),
                       mu_sd=None if priors.mu_sd is None else priors.mu_sd / self.scale,
                       sigma_sd=None if priors.sigma_sd is None else priors.sigma_sd / self.scale)

    def check_priors(self, priors) -> None:
        """Refuse priors whose location or scale is outside :data:`PRIOR_STD_RANGE` in interquartile
        ranges of these data (one line, the user's numbers; a flat prior for a scale too wide)."""
        lo, hi = PRIOR_STD_RANGE
        scales = []
        if priors.mu_sd is not None:
            scales.append((f"the sd of the Normal prior on mu ({priors.mu_sd:.6g})", priors.mu_sd, "mu=flat"))
        if priors.sigma_sd is not None:
            scales.append((f"the scale of the HalfNormal prior on sigma ({priors.sigma_sd:.6g})", priors.sigma_sd,
                           "sigma=halfflat"))
        with np.errstate(over="ignore", under="ignore"):
            for what, value, flat in scales:
                r = value / self.scale
                if not lo <= r <= hi:
                    hint = f"; for a flat prior use {flat}" if r > hi else ""
                    raise ParamError(f"{what} is {r:.3g} interquartile ranges of the data (IQR {self.scale:.6g}); "
                                     f"a prior that can be sampled needs {lo:g} to {hi:g}{hint}")
            if priors.mu_sd is not None:
                d = _spread(max(priors.mu_mean, self.center), min(priors.mu_mean, self.center)) / self.scale
                if not d <= hi:
                    raise ParamError(f"the mean of the Normal prior on mu ({priors.mu_mean:.6g}) is {d:.3g} "
                                     f"interquartile ranges from the data's median {self.center:.6g} (IQR "
                                     f"{self.scale:.6g}); a prior that can be sampled needs at most {hi:g}")

    def to_dict(self) -> dict[str, float]:
        """``{"center": c, "scale": k}`` (recorded with every fit)."""
        return {"center": float(self.center), "scale": float(self.scale)}


def mean_sd(x, ddof: int = 1) -> tuple[float, float]:
    """Mean and sd of finite ``x`` without overflow (values near 1e308 included), via the standardisation."""
    sc, xs = Scaling.standardized(x)
    return sc.mean_sd(xs, ddof=ddof)
