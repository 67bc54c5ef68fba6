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
