"""The three questions about the MLE, each a parametric-bootstrap test (docs/methods.md, "Is the model
adequate?"), and :func:`assess`, which asks all three.

1. **One or two components?** ``T = 2 (L2 - L1)``, the two-component MLE against one normal
   (McLachlan 1987). Its null distribution is not chi-square (the one-normal model sits on the
   boundary, where pi1 and mu1 - mu2 are not identified), so it is simulated: data from the fitted
   normal, both models refitted. ``T`` does not change when the data are shifted or rescaled, so its
   null distribution is the same for every normal: the bootstrap test is a Monte Carlo test.
2. **Shared sigma?** ``T = 2 (L_unequal - L_shared)``, against Hathaway's constrained unequal-variance
   fit (:mod:`adequacy.unequal`), with data simulated from the fitted shared-sigma mixture.
3. **Does the fit reproduce the data?** The Anderson-Darling distance from the data to the fitted
   mixture's CDF; each replicate is refitted before its distance is taken, so the null
   distribution includes the effect of estimating the parameters (Stute et al. 1993).

Tests 2 and 3 share their replicates (the same simulated data sets and refits).

Refits use the fast EM path, :func:`em.climb`: from the 2-means split for one-normal replicates
(:data:`adequacy.levels.NULL_STARTS`) and from the fitted estimate for mixture replicates (as
:func:`em.bootstrap`); the data's own fit is the full multi-start :func:`em.fit`.
"""

from __future__ import annotations

import math

import numpy as np

from ..em import EMResult
from ..em import fit as em_fit
from ..models.data import checked_values
from ..models.errors import SettingError
from ..models.scaling import Scaling, mean_sd
from ..models.simulate import draw
from .bootstrap import bootstrap_test, check_can_reject, read_only, run_replicates
from .levels import N_BOOT, NULL_STARTS, SIGMA_RATIO_MIN
from .maxima import best_shared, replicate_starts, shared_loglik, unequal_fit
from .result import Adequacy, ComponentsCheck, FitCheck, SharedSigmaCheck
from .teststats import edf_statistics

#: Seed-sequence tags: each test draws its replicates from its own stream.
TAG_COMPONENTS, TAG_MIXTURE = 1, 2
def one_normal(x: np.ndarray) -> tuple[float, float, float]:
    """``(L1, mean, sd)`` of the one-normal MLE: ``L1 = -(n/2) (log(2 pi) + 1) - n log s``, ``s^2`` the
    population variance (mean and sd via the standardisation: no overflow at any scale)."""
    m, s = mean_sd(x, ddof=0)
    return -0.5 * x.size * (math.log(2.0 * math.pi) + 1.0) - x.size * math.log(s), m, s


def two_component_loglik(y: np.ndarray, n_starts: int, rng: np.random.Generator) -> float:
    """The two-component shared-sigma maximum of replicate ``y``: :func:`adequacy.maxima.best_shared` from
    ``n_starts`` generated starts (:func:`em.starts.make_starts`); NaN if no run is finite."""
    sc, ys = Scaling.standardized(y)
    best = best_shared(y, replicate_starts(ys, sc, rng, n_starts), sc, ys)
    return best.loglik if best is not None else math.nan


def components_check(x: np.ndarray, fit: EMResult, *, n_boot: int = N_BOOT, seed: int = 0,
                     workers: int | None = None, n_starts: int = NULL_STARTS) -> ComponentsCheck:
    """Bootstrap LRT of one normal against two components (see the module note)."""
    l1, m, s = one_normal(x)
    n = x.size

    def replicate(rng: np.random.Generator) -> float:
        y = rng.normal(m, s, n)
        return 2.0 * max(two_component_loglik(y, n_starts, rng) - one_normal(y)[0], 0.0)

    reps = run_replicates(replicate, n_boot, seed, TAG_COMPONENTS, workers)
    l2 = shared_loglik(x, fit, *Scaling.standardized(x))
    # L2 >= L1 always (one normal is the mixture with mu1 = mu2); a fit stopped just short of it is clipped
    test = bootstrap_test(2.0 * max(l2 - l1, 0.0), reps)
    return ComponentsCheck(test=test, loglik_1=l1, loglik_2=max(l2, l1), normal=(m, s), n=n)


def mixture_checks(x: np.ndarray, fit: EMResult, *, n_boot: int = N_BOOT, seed: int = 0,
                   workers: int | None = None) -> tuple[SharedSigmaCheck, FitCheck]:
    """Shared vs unequal sigma (LRT) and the Anderson-Darling fit test, on shared replicates drawn from
    the fitted mixture (see the module note)."""
    theta = fit.params
    n = x.size

    def replicate(rng: np.random.Generator) -> tuple[float, float, float, float]:
        y, _ = draw(theta, n, rng)
        sc, ys = Scaling.standardized(y)
        # its MLE is mostly near theta (as em.bootstrap), not always: the generated starts as well
        refit = best_shared(y, [theta, *replicate_starts(ys, sc, rng)], sc, ys)
        if refit is None:
            return math.nan, math.nan, math.nan, math.nan
        lu = unequal_fit(y, refit.params, sc, ys).loglik
        e = edf_statistics(y, refit.params)
        return e.a2, 2.0 * max(lu - refit.loglik, 0.0), e.outer, e.central

    reps = np.array(run_replicates(replicate, n_boot, seed, TAG_MIXTURE, workers), dtype=float).reshape(-1, 4)
    sc, xs = Scaling.standardized(x)
    u = unequal_fit(x, theta, sc, xs)
    ls = shared_loglik(x, fit, sc, xs)
    shared = SharedSigmaCheck(
        test=bootstrap_test(2.0 * max(u.loglik - ls, 0.0), reps[:, 1]), loglik_shared=ls,
        loglik_unequal=max(u.loglik, ls), unequal=u.params, ratio_min=SIGMA_RATIO_MIN,
        at_constraint=u.at_constraint, n=n)
    e = edf_statistics(x, theta)
    gof = FitCheck(test=bootstrap_test(e.a2, reps[:, 0]), outer=e.outer, central=e.central,
                   rep_outer=read_only(reps[:, 2]), rep_central=read_only(reps[:, 3]))
    return shared, gof


def assess(x, fit: EMResult | None = None, *, n_boot: int = N_BOOT, seed: int = 0, n_init: int = 10,
           workers: int | None = None) -> Adequacy:
    """All three checks of the two-component shared-sigma mixture on data ``x``.

    ``fit`` may pass the :func:`em.fit` of the same data (else it is computed with ``n_init`` starts
    and ``seed``). ``seed`` seeds every replicate; ``workers`` threads (default: the available cores).
    """
    values, sha = checked_values(x)
    check_can_reject(n_boot)
    if fit is None:
        fit = em_fit(values, n_init=n_init, seed=seed)
    elif fit.sha256 != sha:
        raise SettingError("the EM fit passed to assess() was made on other data (sha256 differs)")
    comp = components_check(values, fit, n_boot=n_boot, seed=seed, workers=workers)
    shared, gof = mixture_checks(values, fit, n_boot=n_boot, seed=seed, workers=workers)
    return Adequacy(components=comp, shared_sigma=shared, fit=gof, mle=fit.params, n_boot=int(n_boot),
                    seed=int(seed))
