"""The sampler's settings, defined once (importable without pymc, so ``emvb --help`` stays fast).

Every list here is used both by :func:`sampling.sample.sample` to check its arguments and by the
command line to offer choices.
"""

#: NUTS implementations.
SAMPLERS = ("nutpie", "pymc")
DEFAULT_SAMPLER = "nutpie"
#: Chain start points (see :mod:`sampling.starts`): independent prior draws by default, so the starts
#: do not decide which labelling each chain ends in; "dispersed" places chains in both labellings on
#: purpose (a teaching device); "em" starts every chain at the EM estimate.
INITS = ("prior", "dispersed", "em")
DEFAULT_INIT = "prior"
#: Mass-matrix adaptation: "dense" (nutpie ``adaptation="low_rank"``, PyMC ``init="adapt_full"``)
#: or "diag" (nutpie's default ``"diag"``, PyMC ``init="adapt_diag"``).
MASS_MATRICES = ("dense", "diag")
DEFAULT_MASS_MATRIX = "dense"
#: NUTS step-size adaptation target of the first attempt: above nutpie's and Stan's 0.8, which left a third to
#: a half of the overlap study's replicates over the divergence limit (benchmarks/divergences.py).
DEFAULT_TARGET_ACCEPT = 0.9
#: A posterior with more than :data:`models.thresholds.MAX_DIVERGENT_SHARE` of its kept draws divergent is
#: not trusted: :func:`sampling.sample.sample` samples it again at the next target of this list, and a study
#: that still sees it records a failure. The targets a run with too many divergences is sampled again at,
#: in turn, with the same seed and starts
#: (Stan users raise ``adapt_delta`` the same way): a smaller step follows sharper curvature at the price
#: of longer trajectories. The last attempt is kept whatever its divergences (they are recorded).
RETRY_TARGET_ACCEPT = (0.95, 0.99)
