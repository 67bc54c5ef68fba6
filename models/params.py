"""Parameters of the shared-sigma two-component Gaussian mixture.

``x ~ pi1 N(mu1, sigma^2) + (1 - pi1) N(mu2, sigma^2)``; the parameter vector is always ordered
``(pi1, mu1, mu2, sigma)``. The label swap ``(pi1, mu1, mu2, sigma) -> (1 - pi1, mu2, mu1, sigma)``
leaves the likelihood unchanged.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from .errors import ParamError

PARAM_NAMES: tuple[str, ...] = ("pi1", "mu1", "mu2", "sigma")


@dataclass(frozen=True)
class MixtureParams:
    """A validated point ``(pi1, mu1, mu2, sigma)`` of the parameter space.

    Raises :class:`~models.errors.ParamError` unless every value is finite, ``0 < pi1 < 1`` and
    ``sigma > 0``.
    """

    pi1: float
    mu1: float
    mu2: float
    sigma: float

    def __post_init__(self) -> None:
        for name in PARAM_NAMES:
            value = getattr(self, name)
            try:
                value = float(value)
            except (TypeError, ValueError):
                raise ParamError(f"{name} must be a number, got {value!r}") from None
            if not math.isfinite(value):
                raise ParamError(f"{name} must be finite, got {value}")
            object.__setattr__(self, name, value)
        if not 0.0 < self.pi1 < 1.0:
            raise ParamError(f"pi1 must be in (0, 1), got {self.pi1:g}")
        if not self.sigma > 0.0:
            raise ParamError(f"sigma must be > 0, got {self.sigma:g}")

    # -- the two labellings ---------------------------------------------------------------
    def swapped(self) -> MixtureParams:
        """The other labelling ``(1 - pi1, mu2, mu1, sigma)``: same likelihood."""
        return MixtureParams(1.0 - self.pi1, self.mu2, self.mu1, self.sigma)

    def ordered(self) -> MixtureParams:
        """The labelling with ``mu1 <= mu2``."""
        return self if self.mu1 <= self.mu2 else self.swapped()

    # -- conversions ------------------------------------------------------------------------
    def to_array(self) -> np.ndarray:
        """``np.array([pi1, mu1, mu2, sigma])``."""
        return np.array([self.pi1, self.mu1, self.mu2, self.sigma], dtype=float)

    @classmethod
    def from_array(cls, a) -> MixtureParams:
        """Inverse of :meth:`to_array`; ``a`` must hold exactly 4 numbers."""
        a = np.asarray(a, dtype=float).ravel()
        if a.size != 4:
            raise ParamError(f"expected 4 values (pi1, mu1, mu2, sigma), got {a.size}")
        return cls(*a.tolist())

    def to_dict(self) -> dict[str, float]:
        """``{"pi1": ..., "mu1": ..., "mu2": ..., "sigma": ...}``."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d) -> MixtureParams:
        """Inverse of :meth:`to_dict`; missing keys are an error naming them."""
        missing = [k for k in PARAM_NAMES if k not in d]
        if missing:
            raise ParamError(f"missing parameter(s): {', '.join(missing)}")
        return cls(*(d[k] for k in PARAM_NAMES))

    @classmethod
    def parse(cls, text: str, what: str = "--truth") -> MixtureParams:
        """Parse ``"PI1,MU1,MU2,SIGMA"`` (e.g. ``"0.3,5,15,2"``)."""
        parts = [p.strip() for p in str(text).split(",")]
        if len(parts) != 4:
            raise ParamError(f"{what}: expected 4 comma-separated numbers PI1,MU1,MU2,SIGMA, got {text!r}")
        try:
            values = [float(p) for p in parts]
        except ValueError:
            raise ParamError(f"{what}: {text!r} is not 4 numbers PI1,MU1,MU2,SIGMA") from None
        try:
            return cls(*values)
        except ParamError as e:
            raise ParamError(f"{what}: {e}") from None

    def __str__(self) -> str:
        # Means to a thousandth of sigma, whatever their offset (1e12 + 5 and 1e12 + 15 stay apart).
        r = 1e-3 * self.sigma
        return (f"pi1={self.pi1:.6g}, mu1={resolved(self.mu1, r)}, mu2={resolved(self.mu2, r)}, "
                f"sigma={self.sigma:.6g}")


def resolved(value: float, resolution: float, least: int = 6) -> str:
    """``value`` with enough significant digits to show it to within ``resolution`` (at least
    ``least``, at most 17, the digits of a float64): ``floor(log10|value|) - floor(log10 resolution)
    + 1`` digits. So an estimate offset by 1e12 prints as ``1000000000004.97``, not ``1e+12``."""
    v, r = float(value), float(resolution)
    digits = least
    if v != 0.0 and math.isfinite(v) and math.isfinite(r) and r > 0.0:
        digits = min(17, max(least, math.floor(math.log10(abs(v))) - math.floor(math.log10(r)) + 1))
    return f"{v:.{digits}g}"


#: The default truth of the mission: pi1=0.3, mu1=5, mu2=15, sigma=2 (with N = 10,000).
DEFAULT_TRUTH = MixtureParams(0.3, 5.0, 15.0, 2.0)
DEFAULT_N = 10_000
DEFAULT_SEED = 2026
#: The largest seed: results record their seed as an unsigned 64-bit integer (netCDF/HDF5 attributes and
#: the JSON sidecar), and a larger Python int cannot be stored there.
MAX_SEED = 2**64 - 1
#: The sample sizes of the Bernstein-von Mises study (``emvb bvm``), nested data sets of one truth.
DEFAULT_N_GRID = (20, 100, 1000, 10_000)


def json_float(v) -> float | None:
    """``v`` as a float for JSON, None where it is NaN or infinite (JSON has neither)."""
    v = float(v)
    return v if math.isfinite(v) else None
