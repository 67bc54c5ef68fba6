"""Names and choices of the PyMC model, importable without pymc (the command line offers them)."""

#: Coordinates of the ``component`` dimension of ``mu``: ``mu[1]``, ``mu[2]`` as in the EM table.
COMPONENTS = [1, 2]
#: Name of the observed variable.
OBSERVED = "x"
#: Two implementations of the same likelihood: the closed logistic form (``pm.CustomDist``) and
#: ``pm.NormalMixture`` (the readable reference); see :mod:`models.pymc_likelihood`.
LIKELIHOODS = ("closed", "mixture")
#: The likelihood used unless asked otherwise (faster: its sum and gradient are one pass of the EM kernel;
#: benchmarks/sampler_speed.py measures it).
DEFAULT_LIKELIHOOD = "closed"
#: How the sampler moves in ``mu`` (docs/methods.md §7.4): ``"centre_gap"`` samples the weighted centre
#: ``pi1 mu1 + (1 - pi1) mu2`` and the gap (its log when ordered), :mod:`models.pymc_means`; ``"plain"``
#: samples ``mu`` itself (PyMC's ``ordered`` transform when ordered). The same posterior either way.
PARAMETRISATIONS = ("centre_gap", "plain")
#: The default: the plain forms diverge on overlapping components (benchmarks/divergences.py).
DEFAULT_PARAMETRISATION = "centre_gap"
