"""The shared-sigma mixture likelihood in closed logistic form, as a PyMC ``CustomDist``.

Because both components share sigma, the quadratic terms cancel in the log-odds of component 1 and
the per-point log density is one Gaussian term plus a softplus (docs/methods.md §1, the same
algebra as :mod:`models.density`)::

    eta(x)   = logit(pi1) + (mu1 - mu2) (x - (mu1 + mu2)/2) / sigma^2
    log p(x) = log(1 - pi1) + log N(x | mu2, sigma^2) + softplus(eta(x))

``pm.NormalMixture`` computes the same number as ``logsumexp`` over two Gaussian log densities
with stacking and parameter checks per point; this form needs one square, one exp and one log1p
per point, and its gradient is correspondingly cheaper. ``softplus(e) = max(e, 0) +
log1p(exp(-|e|))`` never overflows; ``log(1 - pi1) + log N(x | mu2) + max(eta, 0)`` is the log
density of the dominant component, as in :func:`models.density.logpdf`.

Precision: ``log N(x | mu2)`` and ``max(eta, 0)`` cancel for points near mu1, so the absolute
error per point is about ``1e-16 (mu1 - mu2)^2 / sigma^2`` -- ``1e-15`` on the default scenario,
far below any Monte-Carlo error. (At ``eta = 0`` exactly, a null set, the symbolic gradient of
``max`` is taken as 1 rather than 1/2.)

**Two forms of one logp.** :func:`closed_form_logp` writes the graph out (the reference; and
:func:`closed_form_mixture_dist`'s logp). The model's ``CustomDist`` uses :func:`fusable_logp`: the
same graph as one op (:class:`models.pymc_fused.ClosedFormLogp`), so the per-point values (``pm.logp``,
``log_likelihood``) are the closed form's, and the *sum* over the data is computed with its gradient
in one pass of the EM kernel when the sampler compiles the model (:mod:`models.pymc_fused`,
docs/methods.md §1.1).

Random draws (prior and posterior predictive) come from :func:`mixture_dist`: ``z ~ Bernoulli(pi1)``
then ``x | z ~ N(mu_z, sigma^2)``, the generative story of :func:`models.simulate.draw`, written as
a PyTensor graph (``CustomDist(dist=..., logp=...)``: the graph gives the draws, our ``logp``
replaces the one PyMC would infer). A numpy ``random=`` function would do the same, but PyTensor's
numba backend can only call it in object mode, with a UserWarning on every predictive call.
"""

from __future__ import annotations

import pymc as pm
import pytensor.tensor as pt
from pymc.distributions.dist_math import check_parameters

from .pymc_fused import ClosedFormLogp, closed_form_graph


def _checked(logp, pi1, sigma):
    # A scalar check, as PyMC's own distributions do: a per-point switch costs a share of every evaluation.
    return check_parameters(logp, (pi1 > 0) & (pi1 < 1), sigma > 0, msg="0 < pi1 < 1, sigma > 0")


def closed_form_logp(value, pi1, mu1, mu2, sigma):
    """Per-point ``log p(x)`` of the mixture (:func:`closed_form_graph`), written out in the graph.

    Parameters are PyTensor scalars (``value`` is the data vector); returns a tensor shaped like
    ``value``. Outside the parameter space (``pi1`` not in (0, 1), ``sigma <= 0``) PyMC's
    ``check_parameters`` applies, as for its own distributions (``-inf`` in a model's logp).
    """
    return _checked(closed_form_graph(value, pi1, mu1, mu2, sigma), pi1, sigma)


def fusable_logp(value, pi1, mu1, mu2, sigma):
    """The same per-point ``log p(x)`` and check, as one :class:`ClosedFormLogp` op: the model's logp
    summed over the data is then computed with its gradient in one pass (:mod:`models.pymc_fused`)."""
    return _checked(ClosedFormLogp()(value, pi1, mu1, mu2, sigma), pi1, sigma)


def mixture_dist(pi1, mu1, mu2, sigma, size):
    """The generative graph: ``z ~ Bernoulli(pi1)``, ``x = Normal(mu1 if z else mu2, sigma)``."""
    z = pm.Bernoulli.dist(p=pi1, size=size)
    return pm.Normal.dist(mu=pt.switch(z, mu1, mu2), sigma=sigma, size=size)


def ClosedFormMixture(name: str, pi1, mu1, mu2, sigma, **kwargs):
    """A ``pm.CustomDist`` with :func:`fusable_logp` and draws from :func:`mixture_dist`.

    All four parameters are scalars (pass ``mu[0]`` and ``mu[1]`` separately) so the observed vector
    broadcasts against them elementwise; ``kwargs`` go to ``pm.CustomDist`` (``observed``, ``dims``).
    """
    return pm.CustomDist(name, pi1, mu1, mu2, sigma, dist=mixture_dist, logp=fusable_logp, **kwargs)


def closed_form_mixture_dist(pi1, mu1, mu2, sigma, **kwargs):
    """The unnamed distribution (``pm.CustomDist.dist``), e.g. for ``pm.draw`` and ``pm.logp``."""
    return pm.CustomDist.dist(pi1, mu1, mu2, sigma, dist=mixture_dist, logp=closed_form_logp, **kwargs)
