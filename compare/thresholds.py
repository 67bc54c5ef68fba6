"""The named thresholds that decide every flag and every verdict sentence of a comparison.

The tables' flags (:mod:`compare.table`'s ``rhat_ok`` and ``ess_ok`` columns, the report's
convergence table) and the report's prose (:mod:`report.lessons`) read the same constants through
the same predicates, so a sentence can never say "converged" beside a table that flags the same
number; :func:`shown` prints a number so that it can never round onto the other side of its threshold
(an R-hat of 1.0149 printed as "1.01" beside "above 1.01").
"""

from __future__ import annotations

from ..labels.diagnose import OVERLAP_GAP, RHAT_MAX
from ..labels.wording import shown

#: RHAT_MAX, the largest R-hat that counts as converged, is defined in :mod:`labels.diagnose` (the label
#: text names it beside its own RHAT_MODES) and read here.
#: Smallest bulk ESS per chain for summaries of the posterior to be trusted (Vehtari et al. 2021).
ESS_PER_CHAIN = 100
#: :data:`ESS_PER_CHAIN` for the default 4 chains: the smallest total bulk ESS (:func:`ess_min` for others).
ESS_MIN = 4 * ESS_PER_CHAIN
#: A posterior with more than this share of its kept draws divergent has failed (its sampler could not
#: follow the posterior's geometry there; Betancourt 2017, arXiv:1701.02434).
MAX_DIVERGENT_SHARE = 0.01
#: Band of posterior sd / Louis SE within which EM's normal approximation and the posterior "agree".
SD_RATIO_BAND = (0.8, 1.25)
#: Largest |posterior mean - MLE| / SE within which they "agree".
Z_MAX = 0.5
#: Smallest share of draws on which two relabelling methods must agree to call relabelling certain.
AGREEMENT_MIN = 0.99
#: ``|mu2 - mu1| / sigma`` below which the components overlap (the mixture density has one peak for
#: equal weights; defined in :mod:`labels.diagnose`): only then is overlap blamed for anything.
__all__ = ["AGREEMENT_MIN", "ESS_MIN", "ESS_PER_CHAIN", "MAX_DIVERGENT_SHARE", "OVERLAP_GAP", "RHAT_MAX",
           "SD_RATIO_BAND", "Z_MAX", "divergences_ok", "ess_min", "ess_ok", "overlapping", "rhat_ok", "shown"]


def rhat_ok(rhat: float) -> bool:
    """R-hat at most :data:`RHAT_MAX` (NaN, e.g. from a single draw, is not ok)."""
    return bool(rhat <= RHAT_MAX)


def ess_min(chains: int = 4) -> int:
    """Smallest total bulk ESS of ``chains`` chains: :data:`ESS_PER_CHAIN` each."""
    return ESS_PER_CHAIN * int(chains)


def ess_ok(ess: float, chains: int = 4) -> bool:
    """Bulk ESS at least :func:`ess_min` of ``chains`` (NaN is not ok)."""
    return bool(ess >= ess_min(chains))


def divergences_ok(n_divergent: int, kept: int) -> bool:
    """At most :data:`MAX_DIVERGENT_SHARE` of the ``kept`` draws divergent."""
    return bool(n_divergent <= MAX_DIVERGENT_SHARE * kept)


def overlapping(component_gap: float) -> bool:
    """Components closer than :data:`OVERLAP_GAP` sigmas."""
    return bool(component_gap < OVERLAP_GAP)
