"""TEACHING ONLY: the four mistakes of the original bug hunt, kept runnable so they can be shown.

Nothing in this module is used by the real estimator. ``em`` does not import it, and no module outside
the teaching code (the rest of ``teaching/`` and its tests) may import it; a test checks this.
Each function is the faulty twin of a real one and differs from it only in the line marked
``# FAULTY``. ``emvb pitfalls`` runs each twin next to the real function on the same seed
(docs/methods.md §6).

1. :func:`density_values_data`: the "data" are density heights ``gauss_mix(u)`` at uniform positions
   ``u``, not draws from the mixture (real: :func:`models.simulate.draw`).
2. :func:`draw_randn_labels`: the label is ``randn() < pi1``, so component 1's weight is
   ``Phi(pi1)`` (0.618 for pi1 = 0.3) instead of ``pi1`` (real: :func:`models.simulate.draw`).
3. :func:`m_step_one_component`: the shared variance is taken from component 1's responsibilities
   only, ``s2 = sum r1 (x - mu1)^2 / N1``, instead of pooling both components,
   ``s2 = [sum r1 (x - mu1)^2 + sum r2 (x - mu2)^2] / N`` (real: :func:`em.m_step`).
4. :func:`normal_pdf_precedence`: ``exp(-(x - mu)**2 / 2*sigma**2)`` parses as
   ``exp(-((x - mu)**2 / 2) * sigma**2)``: a Gaussian of sd ``1/sigma`` whose area is ``1/sigma^2``
   (real: :func:`models.density.component_logpdf`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..em.steps import e_step
from ..models.density import pdf
from ..models.errors import ParamError
from ..models.params import MixtureParams

#: The interval of the uniform positions in mistake 1: wide enough to hold both components of the
#: default truth (5 +- 2.5 sigma .. 15 + 2.5 sigma).
POSITIONS = (0.0, 20.0)


# -- mistake 1: density values instead of samples -----------------------------------------------


def density_values_data(
    params: MixtureParams,
    n: int,
    rng: np.random.Generator,
    density: Callable[[np.ndarray, MixtureParams], np.ndarray] = pdf,
    positions: tuple[float, float] = POSITIONS,
) -> tuple[np.ndarray, np.ndarray]:
    """Mistake 1: heights of the mixture density at uniform positions, used as if they were data.

    ``u_i ~ Uniform(positions)``, ``h_i = density(u_i)``. The heights live in
    ``[0, max density]`` (about ``[0, 0.14]`` for the default truth: ``0.7 / (2 sqrt(2 pi))``), not on the
    scale of x, and their distribution is that of ``p(U)``, not ``p`` itself.

    Returns
    -------
    u : the uniform positions (n,)
    h : the "data" the original EM was fitted to (n,)
    """
    u = rng.uniform(positions[0], positions[1], int(n))
    h = density(u, params)  # FAULTY: a height of the density is not a draw from it
    return u, h


# -- mistake 2: the label sampler ---------------------------------------------------------------


def draw_randn_labels(
    params: MixtureParams, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Mistake 2: ``z = randn() < pi1``, so ``P(z = 1) = Phi(pi1)``, not ``pi1``.

    The original called the global ``np.random.randn``; this twin takes a seeded Generator so the
    demonstration is reproducible. ``x | z ~ N(mu_z, sigma^2)`` as in :func:`models.simulate.draw`.

    Returns
    -------
    x : float64 array (n,)
    z : bool array (n,), True for component 1
    """
    n = int(n)
    z = rng.standard_normal(n) < params.pi1  # FAULTY: a standard normal, not a uniform
    x = rng.normal(np.where(z, params.mu1, params.mu2), params.sigma)
    return x, z


# -- mistake 3: the shared-sigma M-step from component 1 only ------------------------------------


def m_step_one_component(x, r1) -> MixtureParams:
    """Mistake 3: :func:`em.m_step` with the shared variance from component 1's responsibilities only.

    ``pi1 = N1/N``, ``mu1 = sum r1 x / N1``, ``mu2 = sum r2 x / N2`` as in the real M-step, but::

        sigma^2 = sum r1 (x - mu1)^2 / N1                                  (faulty)
        sigma^2 = ( sum r1 (x - mu1)^2 + sum r2 (x - mu2)^2 ) / N          (real, pooled)

    This no longer maximises the expected complete-data log-likelihood Q of the shared-sigma model,
    so the guarantee that the log-likelihood never decreases (Dempster, Laird & Rubin 1977,
    JRSS-B 39:1-38) is lost, and its fixed points are not stationary points of the likelihood.
    Apart from that one line (and this docstring) the body is a copy of :func:`em.m_step`, so the
    diff the teaching report prints is the real one.
    """
    x = np.asarray(x, dtype=float)
    r1 = np.asarray(r1, dtype=float)
    if r1.shape != x.shape:
        raise ValueError(f"r1 has shape {r1.shape}, x has shape {x.shape}")
    r2 = 1.0 - r1
    n = x.size
    n1 = float(np.sum(r1))
    n2 = float(np.sum(r2))
    if not (n1 > 0.0 and n2 > 0.0):
        raise ParamError(f"M-step: a component has no weight (N1 = {n1:g}, N2 = {n2:g})")
    mu1 = float(np.dot(r1, x)) / n1
    mu2 = float(np.dot(r2, x)) / n2
    s2 = float(np.dot(r1, (x - mu1) ** 2)) / n1  # FAULTY: component 1 only; pool both over N
    return MixtureParams(n1 / n, mu1, mu2, np.sqrt(s2))


def em_step_one_component(x, params: MixtureParams) -> MixtureParams:
    """One iteration of the faulty map: the real :func:`em.e_step`, then :func:`m_step_one_component`."""
    return m_step_one_component(x, e_step(x, params))


# -- mistake 4: operator precedence in the normal density ---------------------------------------


def normal_pdf_precedence(x, mu: float, sigma: float):
    """Mistake 4: ``exp(-(x - mu)**2 / 2*sigma**2) / (sigma sqrt(2 pi))``.

    Python evaluates ``a / 2*b`` as ``(a / 2) * b``, so the exponent is ``-(x - mu)^2 sigma^2 / 2``:
    a bell of sd ``1/sigma`` instead of ``sigma``, with area ``(1/sigma) / sigma = 1/sigma^2``. The
    two agree exactly when ``sigma = 1``, which is why tests with unit variance do not catch it.
    """
    x = np.asarray(x, dtype=float)
    return np.exp(-(x - mu)**2 / 2*sigma**2) / (sigma * np.sqrt(2 * np.pi))  # FAULTY: / (2*sigma**2)


def pdf_precedence(x, params: MixtureParams):
    """The mixture ``pi1 g(x|mu1) + (1 - pi1) g(x|mu2)`` built from :func:`normal_pdf_precedence`."""
    return params.pi1 * normal_pdf_precedence(x, params.mu1, params.sigma) + (
        1.0 - params.pi1
    ) * normal_pdf_precedence(x, params.mu2, params.sigma)


def responsibilities_precedence(x, params: MixtureParams):
    """The E-step a program built on :func:`normal_pdf_precedence` computes: ``pi1 g1 / (pi1 g1 + pi2 g2)``.

    Used only to rerun the original program with all four mistakes together. When both ``g`` are 0
    (far from both means) it returns pi1, as the prior would, where a bare ``a / (a + b)`` gives NaN.
    """
    a = params.pi1 * normal_pdf_precedence(x, params.mu1, params.sigma)
    b = (1.0 - params.pi1) * normal_pdf_precedence(x, params.mu2, params.sigma)
    total = a + b
    safe = np.where(total > 0, total, 1.0)
    return np.where(total > 0, a / safe, params.pi1)


def em_step_original(x, params: MixtureParams) -> MixtureParams:
    """The original program's iteration: the precedence-bug E-step, then :func:`m_step_one_component`."""
    return m_step_one_component(x, responsibilities_precedence(x, params))
