"""``em.fit``: EM from several starts, the best run, its trace and standard errors; ``em.climb``: one
lean run from one start.

The estimator only loops (:mod:`em.iterate`); the math is in :mod:`em.kernel` (fused pass),
:mod:`em.steps` (reference E/M steps) and :mod:`em.information` (Louis' SEs).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ..models.data import MIN_DISTINCT, checked_values
from ..models.errors import DataError, ParamError, SettingError
from ..models.params import MixtureParams
from ..models.scaling import Scaling
from .coords import from_u, params, start_u, trace_params
from .information import observed_information
from .iterate import REASON_NOT_MAX, RunPath, run_em
from .kernel import sums_numba, sums_numpy
from .result import Climb, EMResult, Optimum, ParamRecord, RunRecord, Runs, Trace
from .starts import SUBSAMPLE, Start, make_starts, strided_subsample, user_start

ENGINES = {"numba": sums_numba, "numpy": sums_numpy}
#: Two end points are the same optimum when their ordered standardised (mu1, mu2, sigma) differ by
#: less than this many standardised units (interquartile ranges of the data, :mod:`models.scaling`).
#: pi1 is left out: near mu1 == mu2 (the one-normal stationary set)
#: it is unidentified, and elsewhere it is pinned down by the means and sigma.
SAME_OPTIMUM = 1e-2
#: The smallest subsample :func:`fit` accepts for its starts (``start_sample``).
MIN_START_SAMPLE = 1000


def _ordered_u(u: np.ndarray) -> np.ndarray:
    return u if u[1] <= u[2] else np.array([-u[0], u[2], u[1], u[3]])


def is_strict_max(x, params: MixtureParams) -> bool:
    """Whether ``params`` is a strict local maximum: Louis' observed information positive definite.

    Tested on the correlation-scaled matrix ``D I D`` (``D = diag(I)^(-1/2)``), whose eigenvalues do
    not depend on the units of the parameters. EM's log-likelihood rule also stops on the one-normal
    ridge ``mu1 ~ mu2``, where EM creeps (rate 1 along the ridge); there the information has a
    negative eigenvalue (a saddle), while every maximum seen has its smallest eigenvalue above 0.02.
    """
    info = observed_information(x, params)
    d = np.diag(info)
    if not np.all(np.isfinite(info)) or np.any(d <= 0):
        return False
    s = 1.0 / np.sqrt(d)
    return bool(np.linalg.eigvalsh(s[:, None] * info * s[None, :])[0] > 0)


def _is_max_u(xs: np.ndarray, u) -> bool:
    """:func:`is_strict_max` at standardised unconstrained ``u`` (the test is scale-free)."""
    try:
        return is_strict_max(xs, from_u(u))
    except ParamError:  # pi1 rounded to 0 or 1: a boundary, not an interior maximum
        return False


def _check_maximum(path: RunPath, xs: np.ndarray) -> RunPath:
    """A run that met the stopping rule at a point that is not a maximum did not converge."""
    if path.converged and not _is_max_u(xs, path.u):
        return dataclasses.replace(path, converged=False, reason=REASON_NOT_MAX)
    return path


def _group_optima(paths: list[RunPath], scaling: Scaling, xs: np.ndarray) -> tuple[list[int], list[Optimum]]:
    """Cluster end points (ordered, standardised ``(mu1, mu2, sigma)``) that agree within
    :data:`SAME_OPTIMUM`; optima are listed best log-likelihood first, each represented by its best run."""
    def key(i: int) -> float:
        return -paths[i].loglik_std if math.isfinite(paths[i].loglik_std) else math.inf

    reps: list[tuple[np.ndarray, int]] = []
    counts: list[int] = []
    label = [0] * len(paths)
    for i in sorted(range(len(paths)), key=key):
        u = _ordered_u(paths[i].u)
        point = np.array([u[1], u[2], math.exp(u[3])])
        for j, (rep, _) in enumerate(reps):
            if np.max(np.abs(point - rep)) < SAME_OPTIMUM:
                label[i] = j
                counts[j] += 1
                break
        else:
            label[i] = len(reps)
            reps.append((point, i))
            counts.append(1)
    n = xs.size
    optima = [Optimum(params(scaling, _ordered_u(paths[i].u)), scaling.loglik_from_std(paths[i].loglik_std, n),
                      counts[j], _is_max_u(xs, paths[i].u)) for j, (_, i) in enumerate(reps)]
    return label, optima


def fit(x, *, init: MixtureParams | None = None, n_init: int = 10, tol: float = 1e-10,
        max_iter: int = 10_000, accelerate: bool = True, seed: int = 0, xtol: float | None = None,
        engine: str = "numba", start_sample: int | None = SUBSAMPLE) -> EMResult:
    """Maximum-likelihood estimate of ``(pi1, mu1, mu2, sigma)`` by EM from several starts.

    Parameters
    ----------
    x : array_like (n,) or :class:`models.data.Dataset`
    init : MixtureParams or 4 numbers (pi1, mu1, mu2, sigma), optional
        A start of your own, run first. With ``n_init == 1`` it is the *only* start (no other work:
        this is how EM is run from individual posterior draws). ``mu1 == mu2`` is perturbed (a fixed
        point of EM; see :mod:`em.starts`).
    n_init : int
        Number of starts in total (quantile splits and random data points, see :mod:`em.starts`).
    tol : float
        Stop when one EM step raises the mean log-likelihood per point by at most ``tol``, i.e.
        ``L_t - L_{t-1} <= tol * n`` for the total ``L`` (see :mod:`em.iterate`; the quantity
        scikit-learn's ``tol`` uses).
    max_iter : int
        Iterations per start (SQUAREM iterations when ``accelerate``; each costs up to 4 EM maps).
    accelerate : bool
        SQUAREM (Varadhan & Roland 2008) with the monotone safeguard; plain EM otherwise.
    seed : int
        Seeds the random-data-point starts.
    xtol : float, optional
        Also require the EM step (largest change of ``(logit pi1, mu1, mu2, log sigma)`` in
        standardised units) to be at most ``xtol`` before stopping. The log-likelihood rule alone
        leaves parameters uncertain to about ``sqrt(eps)`` when EM is slow; use e.g. ``xtol=1e-12``
        (with a small ``tol``) for estimates accurate to ~1e-10 (see :mod:`em.iterate`).
    engine : {"numba", "numpy"}
        The fused compiled pass (default) or the numpy reference pass built on :mod:`models.density`.
    start_sample : int or None
        With more than twice this many points, every start runs on an evenly strided subsample of
        about this many points (the smallest and largest of all data added, :func:`em.starts.strided_subsample`)
        and only the best end point is then polished on all the data: a start's job is to find the
        basin, which a subsample of 10^5 points locates as well as 10^7 do, at a hundredth of the
        cost. ``runs`` then records the starts' log-likelihoods on the subsample
        (``runs.subsample`` its size), the optima's on all data (docs/methods.md §3).
        None runs every start on all data.

    Returns
    -------
    EMResult
        The best run's (highest log-likelihood) estimate, labelled ``mu1 <= mu2``, its trace, every
        run, Louis SEs and covariance. ``converged`` is False, with the reason, when the best run hit
        ``max_iter``, emptied a component, or stalled near ``mu1 == mu2`` (see :mod:`em.iterate`).

    Raises
    ------
    DataError
        Data EM cannot fit (:func:`models.data.check_values`).
    SettingError
        Bad settings (``n_init < 1``, ``tol < 0``, ``max_iter < 1``, ``xtol < 0``, unknown engine).
    """
    values, sha = checked_values(x)
    _check_settings(tol=tol, max_iter=max_iter, xtol=xtol, engine=engine)
    if int(n_init) < 1:
        raise SettingError(f"n_init must be >= 1, got {n_init}")
    if start_sample is not None and int(start_sample) < MIN_START_SAMPLE:
        raise SettingError(f"start_sample must be None or >= {MIN_START_SAMPLE}, got {start_sample}")
    sums = ENGINES[engine]
    scaling, xs = Scaling.standardized(values)  # the data were checked: no DataError here
    n = xs.size
    rng = np.random.default_rng(seed)
    starts: list[Start] = []
    if init is not None:
        init = init if isinstance(init, MixtureParams) else MixtureParams.from_array(init)
        starts.append(user_start(init, scaling))
    if len(starts) < n_init:
        starts.extend(make_starts(xs, int(n_init) - len(starts), rng))
    run_on = _start_data(xs, start_sample)
    paths = [_check_maximum(run_em(run_on, s.u, tol=tol, max_iter=int(max_iter), accelerate=accelerate,
                                   xtol=xtol, sums=sums), run_on)
             for s in starts]
    finite = [i for i, p in enumerate(paths) if math.isfinite(p.loglik_std)]
    if not finite:
        raise DataError("EM failed from every start (log-likelihood not finite)")
    best = max(finite, key=lambda i: paths[i].loglik_std)
    labels, optima = _group_optima(paths, scaling, run_on)
    bp = paths[best]
    if run_on is not xs:
        bp, labels, optima = _polish_maxima(paths, labels, optima, scaling, xs, sums,
                                            dict(tol=tol, max_iter=int(max_iter), accelerate=accelerate, xtol=xtol))
        best = max((i for i, lab in enumerate(labels) if lab == 0), key=lambda i: paths[i].loglik_std)
    records = tuple(
        RunRecord(kind=s.kind, init=params(scaling, s.u), final=params(scaling, _ordered_u(p.u)),
                  loglik=scaling.loglik_from_std(p.loglik_std, run_on.size), n_iter=p.n_iter,
                  converged=p.converged, reason=p.reason, n_map_evals=p.n_map_evals, optimum=labels[i])
        for i, (s, p) in enumerate(zip(starts, paths, strict=True))
    )
    swapped = bp.u[1] > bp.u[2]
    u_best = _ordered_u(bp.u)  # report mu1 <= mu2; relabel the whole path the same way
    path = trace_params(scaling, bp.trace_u)
    if swapped:
        path = np.column_stack([1.0 - path[:, 0], path[:, 2], path[:, 1], path[:, 3]])
    trace_loglik = scaling.loglik_from_std(bp.trace_loglik_std, n)
    cov_s = covariance(xs, from_u(u_best))
    cov = scaling.cov_from_std(cov_s)
    se = ParamRecord.from_array(scaling.se_from_std(_se(cov_s)))  # finite even where cov overflows
    for a in (trace_loglik, path, cov, cov_s):  # a frozen result: its arrays are read-only too
        a.setflags(write=False)
    return EMResult(
        params=params(scaling, u_best), loglik=scaling.loglik_from_std(bp.loglik_std, n), n_iter=bp.n_iter,
        converged=bp.converged, reason=bp.reason, n_map_evals=bp.n_map_evals,
        trace=Trace(loglik=trace_loglik, params=path),
        runs=Runs(starts=records, optima=tuple(optima), best=best,
                  subsample=None if run_on is xs else run_on.size),
        se=se, cov=cov, n=n, sha256=sha, tol=float(tol),
        accelerate=bool(accelerate), swapped=bool(swapped), scaling=scaling, cov_std=cov_s,
    )


def _start_data(xs: np.ndarray, start_sample: int | None) -> np.ndarray:
    """The data the starts run on: all of ``xs``, or its strided subsample when ``xs`` has more than
    twice ``start_sample`` points and the subsample keeps the :data:`models.data.MIN_DISTINCT` distinct
    values a bounded likelihood needs (heavily tied data may not)."""
    if start_sample is None or xs.size <= 2 * int(start_sample):
        return xs
    sub = strided_subsample(xs, int(start_sample))
    return sub if np.unique(sub).size >= MIN_DISTINCT else xs


def _polish_maxima(paths: list[RunPath], labels: list[int], optima: list[Optimum], scaling: Scaling,
                   xs: np.ndarray, sums, settings: dict) -> tuple[RunPath, list[int], list[Optimum]]:
    """Starts that ran on a subsample, finished on all data ``xs``.

    Every distinct end point that is a maximum on the subsample is polished on all data (EM from it
    to the same stopping rule): on flat likelihoods (one-normal data) several maxima lie within a
    log-likelihood unit of each other, and a subsample cannot rank them. Saddles are not polished;
    their log-likelihood on all data is evaluated at their end point. Returns the best polished run,
    each start's optimum renumbered, and the optima with log-likelihoods of all data, best first.
    """
    n = xs.size
    rows = []
    for j, o in enumerate(optima):
        path = paths[max((k for k, lab in enumerate(labels) if lab == j), key=lambda k: paths[k].loglik_std)]
        if o.is_max:
            path = _check_maximum(run_em(xs, path.u, sums=sums, **settings), xs)
            o = dataclasses.replace(o, params=params(scaling, _ordered_u(path.u)), is_max=path.reason != REASON_NOT_MAX)
            ll = path.loglik_std
        else:
            ll = float(sums(xs, path.u)[0])
        o = dataclasses.replace(o, loglik=scaling.loglik_from_std(ll, n))
        rows.append((ll if math.isfinite(ll) else -math.inf, j, path, o))
    rows.sort(key=lambda r: -r[0])
    new_index = {j: k for k, (_, j, _, _) in enumerate(rows)}
    return rows[0][2], [new_index[lab] for lab in labels], [r[3] for r in rows]


def _check_settings(*, tol: float, max_iter: int, xtol: float | None, engine: str) -> None:
    if engine not in ENGINES:
        raise SettingError(f"engine must be one of {sorted(ENGINES)}, got {engine!r}")
    if xtol is not None and not xtol >= 0.0:
        raise SettingError(f"xtol must be >= 0, got {xtol}")
    if not (tol >= 0.0 and math.isfinite(tol)):
        raise SettingError(f"tol must be a finite number >= 0, got {tol}")
    if int(max_iter) < 1:
        raise SettingError(f"max_iter must be >= 1, got {max_iter}")


def climb(x, start: MixtureParams, *, tol: float = 1e-10, max_iter: int = 10_000, accelerate: bool = True,
          scaling: Scaling | None = None, xs: np.ndarray | None = None) -> Climb:
    """EM from ``start`` alone, with nothing else: no restarts, no fingerprint, no standard errors.

    The optimum is reported **in the labelling of ``start``** (EM never swaps labels itself), for
    relabelling by the mode a draw leads to and for bootstrap refits. ``x`` is checked like any data;
    callers that climb many times on the same data pass its ``scaling`` and standardised ``xs``
    (from :meth:`models.scaling.Scaling.standardized`) to skip that work.
    """
    _check_settings(tol=tol, max_iter=max_iter, xtol=None, engine="numba")
    if xs is None or scaling is None:
        values, _ = checked_values(x)
        scaling, xs = Scaling.standardized(values)
    path = _check_maximum(run_em(xs, start_u(scaling, start), tol=tol, max_iter=int(max_iter),
                                 accelerate=accelerate, sums=sums_numba), xs)
    try:
        end = params(scaling, path.u)
    except ParamError:  # a component emptied on the way: pi1 rounded to 0 or 1
        end = None
    return Climb(params=end, loglik=scaling.loglik_from_std(path.loglik_std, xs.size), converged=path.converged,
                 reason=path.reason, n_iter=path.n_iter)


def _se(cov: np.ndarray) -> np.ndarray:
    d = np.diag(cov)
    return np.where(d > 0, np.sqrt(np.where(d > 0, d, 1.0)), np.nan)


def covariance(x, params: MixtureParams) -> np.ndarray:
    """``cov = inv(I_obs)`` (Louis); NaN if the information is singular (:func:`_se` reads the SEs off it,
    NaN where a variance comes out non-positive: not at a maximum).

    Computed in the units of ``x``; :func:`fit` calls it on the standardised data and maps the result
    back with :meth:`models.scaling.Scaling.cov_from_std` (no overflow for data near 1e300).
    """
    try:
        return np.linalg.inv(observed_information(x, params))
    except np.linalg.LinAlgError:
        return np.full((4, 4), np.nan)
