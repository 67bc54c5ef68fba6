"""Frozen result records of :func:`em.fit` and :func:`em.bootstrap`.

:meth:`EMResult.to_json_dict` is the one place the ``emvb em --json`` object (also the report's
``summary.json`` entry) is defined.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from ..models.errors import SettingError
from ..models.params import PARAM_NAMES, MixtureParams, json_float
from ..models.scaling import Scaling
from .coords import expit


@dataclass(frozen=True)
class ParamRecord:
    """Four numbers named like the parameters (standard errors, bootstrap SDs); NaN if undefined."""

    pi1: float
    mu1: float
    mu2: float
    sigma: float

    @classmethod
    def from_array(cls, a) -> ParamRecord:
        return cls(*(float(v) for v in np.asarray(a, dtype=float).ravel()))

    def to_array(self) -> np.ndarray:
        return np.array([self.pi1, self.mu1, self.mu2, self.sigma])

    def to_dict(self) -> dict[str, float]:
        return {k: getattr(self, k) for k in PARAM_NAMES}


@dataclass(frozen=True, eq=False)  # holds arrays: == would be ambiguous
class Trace:
    """The best run's path, original scale: ``loglik[t]`` and ``params[t] = (pi1, mu1, mu2, sigma)``
    at iteration ``t = 0..n_iter`` (row 0 is the start), in the labelling of the reported estimate."""

    loglik: np.ndarray
    params: np.ndarray


@dataclass(frozen=True)
class RunRecord:
    """One start: how it was made, where it began and ended, and which optimum it reached."""

    kind: str
    init: MixtureParams
    final: MixtureParams  # ordered, mu1 <= mu2
    loglik: float
    n_iter: int
    converged: bool
    reason: str
    n_map_evals: int
    optimum: int  # index into Runs.optima


@dataclass(frozen=True)
class Optimum:
    """A distinct end point (ordered params), its log-likelihood, how many starts reached it, and
    whether it is a strict local maximum (observed information positive definite; the one-normal
    ridge mu1 ~ mu2, where EM creeps and can stop, is a saddle)."""

    params: MixtureParams
    loglik: float
    count: int
    is_max: bool = True


@dataclass(frozen=True)
class Runs:
    """Every start (``starts``) and the distinct optima (``optima``, best log-likelihood first).

    ``subsample``: None when the starts ran on all the data; else the size of the strided subsample
    they ran on (:func:`em.fit`'s ``start_sample``): each start's ``loglik`` is then the subsample's,
    the optima's are of all data (the best polished on all data)."""

    starts: tuple[RunRecord, ...]
    optima: tuple[Optimum, ...]
    best: int  # index into starts of the run reported
    subsample: int | None = None

    def __len__(self) -> int:
        return len(self.starts)

    def __iter__(self):
        return iter(self.starts)


def _resolved(v: float, se: float) -> str:
    """``v`` to a tenth of its SE at any offset (six significant digits at least)."""
    from ..models.params import resolved

    return resolved(v, 0.1 * se if se > 0 else 0.0)


@dataclass(frozen=True, eq=False)  # holds arrays: == would be ambiguous
class EMResult:
    """Maximum-likelihood fit of the shared-sigma two-component mixture by EM.

    Attributes
    ----------
    params : MixtureParams, labelled so that ``mu1 <= mu2``
    loglik : total log-likelihood of the data at ``params``
    n_iter, converged, reason : iterations of the best run, whether it met ``tol``, and why it stopped
    n_map_evals : EM-map evaluations (data passes) of the best run
    trace : :class:`Trace` of the best run
    runs : :class:`Runs`, every start and the distinct optima
    se : :class:`ParamRecord` of standard errors, ``sqrt(diag(cov))`` (NaN where undefined)
    cov : (4, 4) inverse of Louis' observed information at ``params``, order (pi1, mu1, mu2, sigma)
    n, sha256 : size and fingerprint of the data (:func:`models.data.fingerprint`)
    tol, accelerate : the settings used
    swapped : whether ``params`` is the label swap of the best run's own labelling (EM ran with
        ``mu1 > mu2`` from its start and the result was relabelled to ``mu1 <= mu2``; ``trace`` is
        relabelled the same way)
    scaling : the standardisation EM ran on (:mod:`models.scaling`); everything above is mapped
        back to the data's units
    cov_std : ``cov`` in the standardised units (``cov = J cov_std J``, ``J = diag(1, k, k, k)``);
        finite even where ``cov`` overflows (data on a scale beyond ~1e150)
    """

    params: MixtureParams
    loglik: float
    n_iter: int
    converged: bool
    reason: str
    n_map_evals: int
    trace: Trace
    runs: Runs
    se: ParamRecord
    cov: np.ndarray
    n: int
    sha256: str
    tol: float
    accelerate: bool
    swapped: bool = False
    scaling: Scaling | None = None
    cov_std: np.ndarray | None = None

    def __repr__(self) -> str:
        """Short: estimate with SEs, log-likelihood, iterations, convergence (:meth:`detail` for the rest)."""
        est = ", ".join(f"{k}={_resolved(v, se)} (SE {se:.3g})" for k, v, se in
                        zip(PARAM_NAMES, self.params.to_array(), self.se.to_array(), strict=True))
        return (f"EMResult({est}; loglik={self.loglik:.6f}, n_iter={self.n_iter}, converged={self.converged}, "
                f"n={self.n})")

    __str__ = __repr__

    def detail(self) -> str:
        """Everything, one field a line: the short repr's numbers plus the covariance, the stopping reason,
        every start and optimum, the trace's length, the standardisation and the data's sha256."""
        lines = [repr(self), f"reason: {self.reason}; {self.n_map_evals} EM-map evaluations; tol {self.tol:g}, "
                 f"SQUAREM {self.accelerate}; swapped {self.swapped}", f"sha256: {self.sha256}",
                 f"standardisation: {None if self.scaling is None else self.scaling.to_dict()}",
                 "covariance (pi1, mu1, mu2, sigma):", np.array2string(self.cov, precision=6),
                 f"trace: {self.trace.loglik.size} log-likelihoods, from {self.trace.loglik[0]:.6f} to "
                 f"{self.trace.loglik[-1]:.6f}", f"{len(self.runs)} start(s), {len(self.runs.optima)} optimum/optima:"]
        lines += [f"  {o.params}, loglik {o.loglik:.6f}, {o.count} start(s), {'maximum' if o.is_max else 'saddle'}"
                  for o in self.runs.optima]
        return "\n".join(lines)

    def ci(self, ci_prob: float = 0.95) -> dict[str, tuple[float, float]]:
        """Wald intervals; for pi1 and sigma on ``logit(pi1)`` and ``log(sigma)`` then mapped back.

        ``logit(pi1) +/- z se(pi1) / (pi1 (1 - pi1))`` and ``log(sigma) +/- z se(sigma) / sigma``
        (delta method) stay inside (0, 1) and (0, inf); ``mu_k +/- z se(mu_k)``.
        ``z`` is the ``(1 + ci_prob)/2`` normal quantile.
        """
        if not 0.0 < ci_prob < 1.0:
            raise SettingError(f"ci_prob must be in (0, 1), got {ci_prob}")
        z = NormalDist().inv_cdf(0.5 * (1.0 + ci_prob))
        p, se = self.params, self.se
        lo_pi = math.log(p.pi1) - math.log1p(-p.pi1)
        h_pi = z * se.pi1 / (p.pi1 * (1.0 - p.pi1))
        h_sig = z * se.sigma / p.sigma

        return {
            "pi1": (expit(lo_pi - h_pi), expit(lo_pi + h_pi)),
            "mu1": (p.mu1 - z * se.mu1, p.mu1 + z * se.mu1),
            "mu2": (p.mu2 - z * se.mu2, p.mu2 + z * se.mu2),
            "sigma": (p.sigma * math.exp(-h_sig), p.sigma * math.exp(h_sig)),
        }

    def to_json_dict(self) -> dict:
        """The ``emvb em --json`` object: ``pi1, mu1, mu2, sigma, loglik, n_iter, converged, n,
        sha256, se, standardisation`` (``se`` an object with ``pi1, mu1, mu2, sigma``, an undefined SE
        is null; ``standardisation`` the ``center`` and ``scale`` EM ran with)."""
        d = {k: float(v) for k, v in self.params.to_dict().items()}
        d.update(loglik=float(self.loglik), n_iter=int(self.n_iter), converged=bool(self.converged),
                 n=int(self.n), sha256=self.sha256,
                 se={k: json_float(v) for k, v in self.se.to_dict().items()},
                 standardisation=None if self.scaling is None else self.scaling.to_dict())
        return d

    def to_dataset(self):
        """The fit as an ``xarray.Dataset`` (the ``em`` group of ``results.nc``): ``estimate`` and ``se``
        (dim ``parameter``), ``cov`` (``parameter``, ``parameter_``), the best run's ``loglik_trace``
        (``iteration``) and ``params_trace`` (``iteration``, ``parameter``); per distinct optimum of the
        starts ``optimum_loglik``, ``optimum_count``, ``optimum_is_max`` (``optimum``); attrs ``loglik``,
        ``n``, ``data_sha256``, the best run's ``n_iter``, ``n_map_evals``, ``converged`` (1/0), ``reason``,
        ``tol``, the number of starts ``n_starts``, and ``fit``, the :meth:`to_json_dict` object as JSON."""
        import json

        import xarray as xr

        trace_ll = np.asarray(self.trace.loglik, dtype=float).ravel()
        trace_p = np.asarray(self.trace.params, dtype=float).reshape(-1, 4)
        optima = self.runs.optima
        return xr.Dataset(
            {"estimate": ("parameter", self.params.to_array()),
             "se": ("parameter", np.asarray(self.se.to_array(), dtype=float)),
             "cov": (("parameter", "parameter_"), np.asarray(self.cov, dtype=float)),
             "loglik_trace": ("iteration", trace_ll),
             "params_trace": (("iteration", "parameter"), trace_p),
             "optimum_loglik": ("optimum", np.array([o.loglik for o in optima], dtype=float)),
             "optimum_count": ("optimum", np.array([o.count for o in optima], dtype=np.int64)),
             "optimum_is_max": ("optimum", np.array([o.is_max for o in optima], dtype=np.int8))},
            coords={"parameter": list(PARAM_NAMES), "parameter_": list(PARAM_NAMES)},
            attrs={"loglik": float(self.loglik), "n": int(self.n), "data_sha256": str(self.sha256),
                   "n_iter": int(self.n_iter), "n_map_evals": int(self.n_map_evals),
                   "converged": int(self.converged), "reason": str(self.reason), "tol": float(self.tol),
                   "n_starts": len(self.runs), "fit": json.dumps(self.to_json_dict(), default=str)},
        )


@dataclass(frozen=True)
class Climb:
    """One EM run from one start (:func:`em.climb`).

    Attributes
    ----------
    params : where it stopped, in the labelling of its start; None if a component emptied
    loglik : log-likelihood there
    converged, reason, n_iter : as for :class:`EMResult`
    """

    params: MixtureParams | None
    loglik: float
    converged: bool
    reason: str
    n_iter: int


@dataclass(frozen=True, eq=False)  # holds arrays: == would be ambiguous
class BootstrapResult:
    """Parametric bootstrap: ``estimates`` (n_boot, 4) refitted on data simulated from the estimate.

    ``se`` and ``cov`` are the sample SD and covariance (ddof=1) of the refits that converged;
    ``n_converged`` says how many did.
    """

    estimates: np.ndarray
    se: ParamRecord
    cov: np.ndarray
    n_boot: int
    n_converged: int
    seed: int
