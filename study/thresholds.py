"""The named thresholds of a repeated-sampling study: every flag in its tables and every sentence of
its report reads these constants (and the comparison's own, :mod:`compare.thresholds`).
"""

from ..compare.thresholds import MAX_DIVERGENT_SHARE, RHAT_MAX, SD_RATIO_BAND, Z_MAX

#: Level of every interval the study scores (Wald, HDI, equal-tailed).
NOMINAL = 0.95
#: A coverage is flagged when the nominal level lies more than this many Monte-Carlo standard errors
#: ``sqrt(p (1 - p) / R)`` from it.
MC_ERRORS = 3.0
#: Probability of the simultaneous band of the SBC rank ECDF (Säilynoja, Bürkner & Vehtari 2022);
#: the ranks of a parameter are called "not uniform" when their ECDF leaves that band.
SBC_BAND_PROB = 0.95
#: Simulations ArviZ uses to calibrate that band.
SBC_BAND_SIMULATIONS = 2000
#: Thinned draws the truth is ranked among (ranks 0..SBC_RANK_DRAWS), spread evenly over the pooled
#: chains: Talts et al. 2018 thin so that the ranked draws are nearly independent.
SBC_RANK_DRAWS = 100
#: A share of replicates (EM local optima, label switching) is reported as "rare" below this.
RARE_SHARE = 0.01
#: A method that failed in more than this share of a size's replicates gets a finding: its tables at that
#: size are over the replicates it survived, a selection by how hard the data set was.
LEFT_OUT_SHARE = 0.05

__all__ = ["LEFT_OUT_SHARE", "MAX_DIVERGENT_SHARE", "MC_ERRORS", "NOMINAL", "RARE_SHARE", "RHAT_MAX", "SBC_BAND_PROB",
           "SBC_BAND_SIMULATIONS", "SBC_RANK_DRAWS", "SD_RATIO_BAND", "Z_MAX"]
