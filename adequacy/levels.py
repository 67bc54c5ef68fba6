"""The named levels and sizes of the adequacy checks: the verdicts and the prose read these constants.

A check *rejects* when its bootstrap p-value is at most :data:`ALPHA`. With :data:`N_BOOT` = 199
replicates, ``ALPHA * (N_BOOT + 1) = 10`` is a whole number, so "p <= 0.05" means "the observed
statistic is among the 10 largest of 200", which makes the bootstrap test a Monte Carlo test of
exact level 0.05 when the null distribution does not depend on the estimated parameters (Hope 1968;
docs/methods.md, "Is the model adequate?").
"""

#: Level of every bootstrap test: reject when p <= ALPHA.
ALPHA = 0.05
#: Parametric-bootstrap replicates per test (ALPHA * (N_BOOT + 1) must be a whole number).
N_BOOT = 199
#: Fewest replicates with which a test can reject: the smallest p-value B replicates give is 1 / (B + 1),
#: at most ALPHA only when B >= 1 / ALPHA - 1. Fewer are refused (adequacy.bootstrap.check_can_reject).
MIN_BOOT = 19
#: A posterior predictive p-value below PPP_TAIL or above 1 - PPP_TAIL (two-sided, 5% in all) marks a
#: test statistic the fitted model does not reproduce. ppp-values are conservative (Meng 1994): an
#: extreme one is strong evidence, a moderate one is weak evidence of fit.
PPP_TAIL = 0.025
#: Hathaway's (1985) constraint for the unequal-variance fit: min(sigma1, sigma2) / max(...) >= this.
#: Without it the likelihood is unbounded (a component collapsing onto one point).
SIGMA_RATIO_MIN = 0.1
#: Posterior draws used for the posterior predictive check (each one simulates a data set of n points).
PPC_DRAWS = 400
#: EM starts for each bootstrap refit of the two-component model to one-normal data (see
#: :func:`adequacy.checks.components_check`): the 2-means split, each extreme alone, a k-means++ seeding.
NULL_STARTS = 4

