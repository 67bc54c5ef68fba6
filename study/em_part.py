"""The EM part of a replicate: the multi-start fit and its rows (estimate, Louis SE, Wald interval,
iterations, whether the usual start found the global maximum, other local maxima, ridge stops)."""

from __future__ import annotations

import math

from ..em.iterate import REASON_NOT_MAX, REASON_STALLED
from ..models.params import PARAM_NAMES, MixtureParams
from .records import row
from .thresholds import NOMINAL

#: Why a run that met the stopping rule is no maximum: a saddle of the one-normal ridge, or a stall on it.
RIDGE_REASONS = (REASON_NOT_MAX, REASON_STALLED)


def em_failure(fit) -> str | None:
    """Why the fit cannot be scored (not converged, or no standard error), or None."""
    if not fit.converged:
        return f"EM did not converge ({fit.reason})"
    if not all(math.isfinite(v) for v in fit.se.to_array()):
        return "no Louis standard error (observed information not positive definite)"
    return None


def em_facts(fit) -> dict:
    """Per-replicate facts of the starts.

    ``em_first_start_global``: the run from the first start (the 2-means split, the usual single
    EM start, :mod:`em.starts`) reached the best optimum any start found. ``em_local_optima``: strict
    local maxima other than that one, reached by some start. ``em_ridge_stops``: runs that stopped on
    the one-normal ridge ``mu1 ~ mu2`` (a saddle or a stall), not at a maximum.
    """
    runs = fit.runs
    return {
        "em_iterations": int(fit.n_iter),
        "em_converged": bool(fit.converged),
        "em_first_start_global": bool(runs.starts[0].optimum == 0),
        "em_local_optima": int(sum(o.is_max for o in runs.optima[1:])),
        "em_ridge_stops": int(sum(r.reason in RIDGE_REASONS for r in runs.starts)),
    }


def em_rows(fit, truth: MixtureParams, common: dict) -> tuple[list[dict], str | None]:
    """Rows of method ``em`` (one per parameter) and the failure reason, if any.

    The Wald interval is :meth:`em.result.EMResult.ci` at the nominal level, as the single-data-set
    report computes it (on the logit / log scale for pi1 and sigma).
    """
    failure = em_failure(fit)
    facts = em_facts(fit)
    est, se, t = fit.params.to_dict(), fit.se.to_dict(), truth.to_dict()
    wald = fit.ci(NOMINAL)  # NaN where the SE is undefined
    rows = [row(**common, method="em", param=p, ok=failure is None, reason=failure, truth=t[p], estimate=est[p],
                se=se[p], wald_lower=wald[p][0], wald_upper=wald[p][1], **facts)
            for p in PARAM_NAMES]
    return rows, failure
