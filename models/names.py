"""Names and choices of the PyMC model, importable without pymc (the command line offers them)."""

#: Coordinates of the ``component`` dimension of ``mu``: ``mu[1]``, ``mu[2]`` as in the EM table.
COMPONENTS = [1, 2]
#: Name of the observed variable.
OBSERVED = "x"
#: Two implementations of the same likelihood: the closed logistic form (``pm.CustomDist``) and
#: ``pm.NormalMixture`` (the readable reference); see :mod:`models.pymc_likelihood`.
LIKELIHOODS = ("closed", "mixture")
#: The likelihood used unless asked otherwise (faster; benchmarks/sampler_speed.py measures it).
DEFAULT_LIKELIHOOD = "closed"
