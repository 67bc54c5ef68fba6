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

# -- the label diagnosis (labels/diagnose.py) -------------------------------------------------------

#: A draw is near the boundary mu1 = mu2 when |mu2 - mu1| is below this fraction of its median.
BAND = 0.5
#: Boundary share above which draws fill the region between the two copies (docs/methods.md §4.9: for a
#: normal-shaped gap this is a gap 4.65 of its sds from the boundary, where a copy puts 2e-6 of its
#: draws across it).
AMBIGUOUS_SHARE = 0.01
#: Crossing share (draws on the minority side of their own chain) above which the chains pass through
#: that region, so that the copies count as joined (docs/methods.md §4.9: a normal-shaped gap within
#: 2.33 of its sds of the boundary; a few excursions of a chain that keeps one labelling stay below it).
CROSSING_SHARE = 0.01
#: A label-invariant R-hat above this means the chains sit in different modes (or have not converged) in
#: quantities that label switching cannot move: the older, lenient convergence threshold (Gelman & Rubin
#: 1992), so that a chain merely short of RHAT_MAX (above) still gets a label verdict.
RHAT_MODES = 1.1
#: Largest raw R-hat (pi1, mu1, mu2) below which R-hat "barely flags" switching within chains.
RHAT_FLAG = 1.05
