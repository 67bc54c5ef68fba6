"""Reproducible synthetic data from known parameters."""

from __future__ import annotations

import numpy as np

from .data import Dataset
from .params import DEFAULT_N, DEFAULT_SEED, DEFAULT_TRUTH, MixtureParams


def draw(params: MixtureParams, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``n`` points and their labels from the mixture.

    The label is ``z = 1`` with probability pi1, drawn as ``uniform < pi1``. (The original bug hunt
    used ``randn() < pi1``, which gives weight Phi(pi1) = 0.618 for pi1 = 0.3.) Then
    ``x | z ~ N(mu_z, sigma^2)``.

    Returns
    -------
    x : float64 array (n,)
    z : bool array (n,), True for component 1
    """
    n = int(n)
    z = rng.random(n) < params.pi1
    x = rng.normal(np.where(z, params.mu1, params.mu2), params.sigma)
    return x, z


def simulate(params: MixtureParams = DEFAULT_TRUTH, n: int = DEFAULT_N, seed: int = DEFAULT_SEED) -> Dataset:
    """Simulate a :class:`~models.data.Dataset` from ``params``; the same seed gives the same bytes."""
    x, _ = draw(params, n, np.random.default_rng(seed))
    return Dataset(values=x, name=f"simulated(n={int(n)}, seed={seed})", truth=params, seed=seed)
