"""The named thresholds that decide every flag and every verdict sentence of a comparison.

The tables' flags and the report's prose read the same constants, so a sentence can never say
"converged" beside a table that flags the same number.
"""

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
