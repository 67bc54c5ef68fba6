"""Priors of the mixture's PyMC model (numpy only: the command line and the study read them without pymc).

``pi1 ~ Beta(a, a)``; ``mu1, mu2 ~ Normal(m, s)`` iid (or Flat); ``sigma ~ HalfNormal(t)`` (or HalfFlat).
Symmetric in the two labels by construction, so label switching is shown honestly.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass

import numpy as np

from .data import as_dataset
from .errors import ParamError, SettingError
from .scaling import mean_sd


@dataclass(frozen=True)
class Priors:
    """Priors of the mixture, symmetric in the two labels by construction.

    ``pi1 ~ Beta(pi1_alpha, pi1_beta)``; ``mu1, mu2 ~ Normal(mu_mean, mu_sd)`` independently, or
    ``Flat`` when ``mu_sd`` is None; ``sigma ~ HalfNormal(sigma_sd)``, or ``HalfFlat`` when
    ``sigma_sd`` is None. The label swap maps ``pi1 -> 1 - pi1``, so the prior is symmetric in the
    labels exactly when ``pi1_alpha == pi1_beta`` (required, see :meth:`symmetric`).

    Use :meth:`default_for` (weakly informative on the data's scale) or :meth:`flat` (under which
    the posterior mode is the maximum-likelihood estimate, docs/methods.md §5).
    """

    pi1_alpha: float
    pi1_beta: float
    mu_mean: float = 0.0
    mu_sd: float | None = None
    sigma_sd: float | None = None

    def __post_init__(self) -> None:
        for name in ("pi1_alpha", "pi1_beta", "mu_mean", "mu_sd", "sigma_sd"):
            v = getattr(self, name)
            if v is None and name in ("mu_sd", "sigma_sd"):
                continue
            if not isinstance(v, int | float | np.floating | np.integer) or not math.isfinite(v):
                raise ParamError(f"prior {name} must be a finite number, got {v!r}")
            object.__setattr__(self, name, float(v))
            if name != "mu_mean" and not v > 0:
                raise ParamError(f"prior {name} must be > 0, got {v!r}")
        if self.pi1_alpha != self.pi1_beta:
            raise ParamError(
                f"prior Beta({self.pi1_alpha:g}, {self.pi1_beta:g}) on pi1 is not symmetric in the labels; "
                "use equal parameters (an asymmetric prior would hide label switching)"
            )

    @classmethod
    def default_for(cls, x) -> Priors:
        """Weakly informative on the data's scale: ``Beta(1, 1)``, ``Normal(mean x, 2 sd x)``,
        ``HalfNormal(2 sd x)`` (sd with ddof=1).

        Why these scales: the data variance is ``sigma^2 + pi1 (1 - pi1) (mu1 - mu2)^2``, so sigma
        is at most one data sd (half a prior sd), and a component of weight ``pi_k`` has its mean
        at most ``sqrt((1 - pi_k) / pi_k)`` data sd from the data mean: 1.5 sd (0.76 prior sd) for
        ``pi_k = 0.3``, 3 sd (1.5 prior sd) for ``pi_k = 0.1``. Neither prior constrains the default
        scenario noticeably (see the MAP-vs-MLE shift in the tests).
        """
        m, s = mean_sd(as_dataset(x).values)  # via the standardisation: no overflow near 1e308
        return cls(pi1_alpha=1.0, pi1_beta=1.0, mu_mean=m, mu_sd=2.0 * s, sigma_sd=2.0 * s)

    @classmethod
    def flat(cls) -> Priors:
        """``pi1 ~ Uniform(0, 1)`` (= Beta(1, 1)), ``mu ~ Flat``, ``sigma ~ HalfFlat``: MAP = MLE."""
        return cls(pi1_alpha=1.0, pi1_beta=1.0)

    @property
    def is_flat(self) -> bool:
        """True when the prior density is constant on the parameter space."""
        return self.pi1_alpha == self.pi1_beta == 1.0 and self.mu_sd is None and self.sigma_sd is None

    @property
    def proper(self) -> bool:
        """True when every prior is a proper distribution (so it can be sampled from)."""
        return self.mu_sd is not None and self.sigma_sd is not None

    def to_dict(self) -> dict:
        """The fields plus ``"description"`` (None means Flat / HalfFlat)."""
        return asdict(self) | {"description": self.describe()}

    @classmethod
    def from_dict(cls, d: dict) -> Priors:
        """Inverse of :meth:`to_dict` (``description`` is ignored)."""
        return cls(**{k: d[k] for k in ("pi1_alpha", "pi1_beta", "mu_mean", "mu_sd", "sigma_sd") if k in d})

    def to_json(self) -> str:
        """:meth:`to_dict` as JSON (netCDF attributes cannot hold None or dicts)."""
        return json.dumps(self.to_dict())

    def describe(self) -> str:
        """One line, e.g. ``pi1 ~ Beta(1, 1); mu1, mu2 ~ Normal(10.3, 10.1) iid; sigma ~ ...``."""
        a, b = self.pi1_alpha, self.pi1_beta
        p = f"Beta({a:.4g}, {b:.4g})" + (" = Uniform(0, 1)" if a == b == 1.0 else "")
        m = "Flat" if self.mu_sd is None else f"Normal({self.mu_mean:.4g}, {self.mu_sd:.4g}) iid"
        s = "HalfFlat" if self.sigma_sd is None else f"HalfNormal({self.sigma_sd:.4g})"
        return f"pi1 ~ {p}; mu1, mu2 ~ {m}; sigma ~ {s}"

    def draw(self, rng: np.random.Generator, *, ordered: bool) -> dict[str, np.ndarray]:
        """One draw ``{"pi1", "mu", "sigma"}`` from the prior (sorted ``mu`` if ``ordered``).

        For the ordered model the prior is that of the sorted pair, i.e. the iid prior restricted to
        ``mu1 < mu2``, so sorting an iid draw is an exact draw from it.
        """
        if not self.proper:
            raise ParamError(f"cannot draw start points from an improper prior ({self.describe()})")
        pi1 = rng.beta(self.pi1_alpha, self.pi1_beta)
        mu = rng.normal(self.mu_mean, self.mu_sd, size=2)
        sigma = abs(rng.normal(0.0, self.sigma_sd))
        return {"pi1": np.float64(pi1), "mu": np.sort(mu) if ordered else mu, "sigma": np.float64(sigma)}


def resolve_priors(priors: Priors | str | None, x) -> Priors:
    """``None``/``"default"`` -> :meth:`Priors.default_for`, ``"flat"`` -> :meth:`Priors.flat`."""
    if isinstance(priors, Priors):
        return priors
    if priors is None or priors == "default":
        return Priors.default_for(x)
    if priors == "flat":
        return Priors.flat()
    raise SettingError(f"unknown priors {priors!r}; pass a Priors, 'default' or 'flat'")
