"""The model, defined once: parameters, the density, simulation, and what counts as data.

Numpy only (and numba); the PyMC version of the same model lives in :mod:`models.pymc_model`.
Importing this package never imports pymc.
"""

from .data import Dataset, check_values, fingerprint
from .density import eta, loglik, logpdf, pdf, responsibilities, softplus
from .errors import DataError, EmvbError, ParamError, SettingError
from .params import DEFAULT_N, DEFAULT_SEED, DEFAULT_TRUTH, PARAM_NAMES, MixtureParams
from .simulate import draw, simulate

__all__ = [
    "DEFAULT_N", "DEFAULT_SEED", "DEFAULT_TRUTH", "PARAM_NAMES", "DataError", "Dataset", "EmvbError",
    "MixtureParams", "ParamError", "SettingError", "check_values", "draw", "eta", "fingerprint", "loglik",
    "logpdf", "pdf", "responsibilities", "simulate", "softplus",
]
