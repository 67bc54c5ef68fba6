"""The named thresholds that decide every flag and every verdict sentence of a comparison.

The tables' flags (:mod:`compare.table`'s ``rhat_ok`` and ``ess_ok`` columns, the report's
convergence table) and the report's prose (:mod:`report.lessons`) read the same constants through
the same predicates, so a sentence can never say "converged" beside a table that flags the same
number; :func:`shown` prints a number so that it can never round onto the other side of its threshold
(an R-hat of 1.0149 printed as "1.01" beside "above 1.01").
"""

from __future__ import annotations

import numpy as np

from ..labels.wording import shown
from ..models.thresholds import MAX_DIVERGENT_SHARE, OVERLAP_GAP, RHAT_MAX

#: RHAT_MAX (the largest R-hat that counts as converged), OVERLAP_GAP and MAX_DIVERGENT_SHARE are defined in
#: :mod:`models.thresholds`, read by the sampler and the label diagnosis too, and gathered here.
#: Smallest bulk ESS per chain for summaries of the posterior to be trusted (Vehtari et al. 2021).
ESS_PER_CHAIN = 100
#: :data:`ESS_PER_CHAIN` for the default 4 chains: the smallest total bulk ESS (:func:`ess_min` for others).
ESS_MIN = 4 * ESS_PER_CHAIN
#: Band of posterior sd / Louis SE within which EM's normal approximation and the posterior "agree".
SD_RATIO_BAND = (0.8, 1.25)
#: Largest |posterior mean - MLE| / SE within which they "agree".
Z_MAX = 0.5
#: Smallest share of draws on which two relabelling methods must agree to call relabelling certain.
AGREEMENT_MIN = 0.99
__all__ = ["AGREEMENT_MIN", "BVM_WORDS", "ESS_MIN", "ESS_PER_CHAIN", "MAX_DIVERGENT_SHARE", "OVERLAP_GAP", "RHAT_MAX",
           "SD_RATIO_BAND", "Z_MAX", "bvm_agrees", "bvm_words", "divergences_ok", "ess_min", "ess_ok", "overlapping",
           "rhat_ok", "shown"]


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


def bvm_agrees(sd_ratio, z):
    """EM's normal approximation and the posterior agree (elementwise): posterior sd / SE within
    :data:`SD_RATIO_BAND` and ``|posterior mean - MLE| / SE`` at most :data:`Z_MAX`. The one rule of the
    run's lessons, the ``emvb bvm`` table and a study's findings."""
    sd_ratio, z = np.asarray(sd_ratio, dtype=float), np.abs(np.asarray(z, dtype=float))
    return (SD_RATIO_BAND[0] <= sd_ratio) & (sd_ratio <= SD_RATIO_BAND[1]) & (z <= Z_MAX)


#: Every phrasing of Bernstein-von Mises agreement (:func:`bvm_agrees`) as templates (:func:`bvm_words`): the run's
#: lesson (report/lessons.py), ``emvb bvm``'s findings (report/bvm_report.py), a study's (study/findings.py).
BVM_WORDS = {
    "lesson_unconverged": "- **EM and the posterior cannot be compared yet**: the ordered model's chains have not "
    "converged (above), so its posterior means and sds are not yet estimates to set beside the MLE and its SEs.",
    "lesson_agree": "- **EM and the posterior agree** here: posterior sd / Louis SE lies in [{ratio_min:.2f}, "
    "{ratio_max:.2f}] and the posterior means are within {z:.2f} SE of the MLE, as Bernstein-von Mises predicts for "
    "components this far apart ({gap}) and n = {n}.",
    "lesson_differ": "- **EM's normal approximation and the posterior differ**: sd/SE of {worst} is {ratio:.2f} "
    "(agreement band [{lo:g}, {hi:g}]) and |z| reaches {z:.2f} (agreement: at most {Z_MAX:g}). {reason}",
    "lesson_overlap": "The components overlap ({gap}; the posterior median is below {OVERLAP_GAP:g}), so the "
    "likelihood is far from quadratic: Wald intervals and posterior intervals part ways; trust neither blindly.",
    "lesson_apart": "The components do not overlap ({gap}; the posterior median is {OVERLAP_GAP:g} or more), so at "
    "n = {n} the likelihood is not yet quadratic near its maximum or the prior still matters: Wald intervals and "
    "posterior intervals part ways; trust neither blindly.",
    "bvm_rule": "posterior mean within {Z_MAX:g} SE of the MLE and posterior sd between {lo:g} and {hi:g} times the SE",
    "bvm_from": "From n = {n:,} on, every parameter agrees ({rule}).",
    "bvm_never": "At the largest n ({n:,}) the posterior and N(MLE, SE²) still differ for some parameter (agreement "
    "means: {rule}).",
    "bvm_not_at": "At n = {n:,}, {k} of 4 parameters do not ({bad}); the widest gap is {worst}, whose posterior sd is "
    "{ratio} times its SE and whose posterior mean is {z} SE from the MLE.",
    "study_rule": "Bernstein-von Mises predicts 1 and 0. Counting sd / SE within [{lo:g}, {hi:g}] and mean |z| <= "
    "{Z_MAX:g} as agreement with N(MLE, SE²): ",
    "study_agree": "it agrees for {params} on",
    "study_never": "it does not agree by N={n} for {params} (the normal approximation at the MLE is not yet what the "
    "posterior looks like)",
}


def bvm_words(kind: str, **facts) -> str:
    """:data:`BVM_WORDS` ``[kind]`` with ``facts`` and the thresholds (``lo``, ``hi``, ``Z_MAX``, ``OVERLAP_GAP``)."""
    lo, hi = SD_RATIO_BAND
    return BVM_WORDS[kind].format(lo=lo, hi=hi, Z_MAX=Z_MAX, OVERLAP_GAP=OVERLAP_GAP, **facts)


def overlapping(component_gap: float) -> bool:
    """Components closer than :data:`OVERLAP_GAP` sigmas."""
    return bool(component_gap < OVERLAP_GAP)
