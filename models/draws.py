"""A posterior's draws as numpy arrays: read by compare, report, study and every relabelling method.

A posterior of the two-component mixture is stored as ``pi1 (chain, draw)``, ``mu (chain, draw,
component)`` with 2 components, and ``sigma (chain, draw)``. With K = 2 a relabelling is, per draw,
one bit: keep the labels or apply the swap ``(pi1, mu1, mu2, sigma) -> (1 - pi1, mu2, mu1, sigma)``
(docs/methods.md §4). This module turns DataTrees into numpy arrays and applies such a ``(chain, draw)``
boolean array (a relabelling) to them (:func:`labels.foreign.relabel_layout` applies it to a tree). Sums
over the data live in :mod:`labels.binned`. The label stage decides in the standardised coordinates of
the data (:meth:`Draws.standardized`, docs/methods.md §4) and applies its decisions to the draws as sampled.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import xarray as xr

from ..models.errors import DataError, EmvbError
from ..models.params import MixtureParams
from ..models.scaling import Scaling

SAMPLE_DIMS = ("chain", "draw")

# -- reading a posterior ------------------------------------------------------------------------


def posterior_dataset(posterior) -> xr.Dataset:
    """The posterior group as an :class:`xarray.Dataset`.

    Accepts a whole DataTree (with a ``posterior`` child), the posterior node itself, or a Dataset.
    """
    if isinstance(posterior, xr.Dataset):
        return posterior
    if isinstance(posterior, xr.DataTree):
        if "posterior" in posterior.children:
            return posterior["posterior"].to_dataset()
        return posterior.to_dataset()
    raise EmvbError(f"expected a posterior DataTree, got {type(posterior).__name__}")


def component_dim(ds: xr.Dataset) -> str:
    """Name of ``mu``'s component dimension in emvb's layout (whatever the sampler called it; size 2)."""
    if "mu" not in ds.data_vars:
        raise EmvbError("posterior has no variable 'mu' (expected pi1, mu, sigma)")
    var = ds["mu"]
    extra = [d for d in var.dims if d not in SAMPLE_DIMS]
    if any(d not in var.dims for d in SAMPLE_DIMS) or len(extra) != 1 or var.sizes[extra[0]] != 2:
        raise DataError(f"posterior: means 'mu' must have dimensions chain, draw and one of size 2 besides them, "
                        f"got dims {dict(var.sizes)}")
    return extra[0]


@dataclass(frozen=True)
class Draws:
    """The four parameters of every draw as ``(chain, draw)`` float arrays (component 1 = position 0)."""

    pi1: np.ndarray
    mu1: np.ndarray
    mu2: np.ndarray
    sigma: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        return self.pi1.shape

    def stack(self) -> np.ndarray:
        """``(chain, draw, 4)`` array in the order (pi1, mu1, mu2, sigma)."""
        return np.stack([self.pi1, self.mu1, self.mu2, self.sigma], axis=-1)

    def standardized(self, scaling: Scaling) -> Draws:
        """The draws in the coordinates of the standardised data ``xs = (x - c) / k`` (:mod:`models.scaling`):
        ``(pi1, (mu1 - c) / k, (mu2 - c) / k, sigma / k)``, computed without overflow. Swapping labels
        commutes with this map, so a relabelling chosen here applies unchanged to the draws in data units."""
        return Draws(self.pi1, scaling.standardize(self.mu1), scaling.standardize(self.mu2), self.sigma / scaling.scale)

    def swapped_where(self, perm) -> Draws:
        """The draws with the label swap applied where ``perm`` is True."""
        perm = np.asarray(perm, dtype=bool)
        return Draws(
            np.where(perm, 1.0 - self.pi1, self.pi1),
            np.where(perm, self.mu2, self.mu1),
            np.where(perm, self.mu1, self.mu2),
            self.sigma,
        )

    def point(self, chain: int, draw: int) -> MixtureParams:
        return MixtureParams(self.pi1[chain, draw], self.mu1[chain, draw], self.mu2[chain, draw],
                             self.sigma[chain, draw])


def draws_of(posterior) -> Draws:
    """Read ``pi1``, ``mu`` (2 components, by position) and ``sigma`` as ``(chain, draw)`` arrays."""
    ds = posterior_dataset(posterior)
    for name in ("pi1", "sigma"):
        if name not in ds.data_vars:
            raise EmvbError(f"posterior has no variable {name!r} (expected pi1, mu, sigma)")
    comp = component_dim(ds)
    mu = ds["mu"].transpose(*SAMPLE_DIMS, comp).values.astype(float)
    pi1 = ds["pi1"].transpose(*SAMPLE_DIMS).values.astype(float)
    sigma = ds["sigma"].transpose(*SAMPLE_DIMS).values.astype(float)
    return Draws(pi1, mu[..., 0], mu[..., 1], sigma)


def order_perm(draws: Draws) -> np.ndarray:
    """``(chain, draw)`` bool: True where ``mu1 > mu2``, the draws in the swapped labelling (sorting them back
    is the ordering constraint applied after sampling)."""
    return draws.mu1 > draws.mu2


@dataclass(frozen=True)
class Relabelled:
    """A relabelled posterior.

    Attributes
    ----------
    posterior : DataTree with the same groups as the input, labels swapped where ``perm`` is True
    perm : bool array (chain, draw): True where the draw's labels were swapped
    method : one of :data:`labels.relabel.METHODS`
    draw_index : positions along ``draw`` that were labelled (every draw)
    info : method-specific details (iterations, objective, the pivot, ...)
    """

    posterior: xr.DataTree
    perm: np.ndarray
    method: str
    draw_index: np.ndarray
    info: dict = field(default_factory=dict)

    @property
    def share_swapped(self) -> float:
        return float(np.mean(self.perm))
