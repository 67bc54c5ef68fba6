"""Thresholds read by several layers (the sampler, the label diagnosis, the comparison and the study),
defined once at the bottom so that reading one imports nothing heavy (``emvb em`` starts without xarray).

:mod:`compare.thresholds` gathers these with the comparison's own and the predicates that apply them.
"""

#: Largest rank-normalised split R-hat that counts as converged (Vehtari et al. 2021).
RHAT_MAX = 1.01
#: ``|mu2 - mu1| / sigma`` below which a two-component mixture with a shared sigma and equal
#: weights has a single peak (Robertson & Fryer 1969, Scand. Actuarial J. 1969:137-146).
OVERLAP_GAP = 2.0
#: A posterior with more than this share of its kept draws divergent is not trusted (its sampler could
#: not follow the posterior's geometry there; Betancourt 2017, arXiv:1701.02434): the sampler samples it
#: again at a higher target acceptance (:mod:`sampling.options`), and a comparison or study that still
#: sees it reports a failure.
MAX_DIVERGENT_SHARE = 0.01
