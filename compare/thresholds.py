"""The named thresholds that decide every flag and every verdict sentence of a comparison.

The tables' flags (:mod:`compare.table`'s ``rhat_ok`` and ``ess_ok`` columns, the report's
convergence table) and the report's prose (:mod:`report.lessons`) read the same constants through
the same predicates, so a sentence can never say "converged" beside a table that flags the same
number; :func:`shown` prints a number so that it can never round onto the other side of its threshold
(an R-hat of 1.0149 printed as "1.01" beside "above 1.01").
"""

from __future__ import annotations

import math

from ..labels.diagnose import OVERLAP_GAP

#: Largest rank-normalised split R-hat that counts as converged (Vehtari et al. 2021).
RHAT_MAX = 1.01
#: Smallest bulk ESS for summaries of the posterior to be trusted (Vehtari et al. 2021: 100 per chain,
#: 4 chains).
ESS_MIN = 400
#: Band of posterior sd / Louis SE within which EM's normal approximation and the posterior "agree".
SD_RATIO_BAND = (0.8, 1.25)
#: Largest |posterior mean - MLE| / SE within which they "agree".
Z_MAX = 0.5
#: Smallest share of draws on which two relabelling methods must agree to call relabelling certain.
AGREEMENT_MIN = 0.99
#: ``|mu2 - mu1| / sigma`` below which the components overlap (the mixture density has one peak for
#: equal weights; defined in :mod:`labels.diagnose`): only then is overlap blamed for anything.
__all__ = ["AGREEMENT_MIN", "ESS_MIN", "OVERLAP_GAP", "RHAT_MAX", "SD_RATIO_BAND", "Z_MAX", "ess_ok", "overlapping",
           "rhat_ok", "shown"]


def rhat_ok(rhat: float) -> bool:
    """R-hat at most :data:`RHAT_MAX` (NaN, e.g. from a single draw, is not ok)."""
    return bool(rhat <= RHAT_MAX)


def ess_ok(ess: float) -> bool:
    """Bulk ESS at least :data:`ESS_MIN` (NaN is not ok)."""
    return bool(ess >= ESS_MIN)


def overlapping(component_gap: float) -> bool:
    """Components closer than :data:`OVERLAP_GAP` sigmas."""
    return bool(component_gap < OVERLAP_GAP)


def shown(value: float, threshold: float, digits: int = 4) -> str:
    """``value`` to ``digits`` significant digits, or more if fewer would round it onto or across
    ``threshold`` (so a printed number and its flag never disagree)."""
    if not math.isfinite(value):
        return str(value)
    for d in range(digits, 17):
        text = f"{value:.{d}g}"
        if (float(text) > threshold) == (value > threshold) and (float(text) == threshold) == (value == threshold):
            return text
    return repr(float(value))
