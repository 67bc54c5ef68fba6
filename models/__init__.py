"""The model, defined once (numpy only; the PyMC version lives in :mod:`models.pymc_model`).

Importing this package never imports pymc.
"""

from .data import Dataset, check_values, fingerprint, load_data, save_dataset
from .density import eta, loglik, logpdf, pdf, responsibilities, softplus
from .errors import DataError, EmvbError, ParamError
from .params import DEFAULT_N, DEFAULT_SEED, DEFAULT_TRUTH, PARAM_NAMES, MixtureParams
from .simulate import draw, simulate

__all__ = [
    "DEFAULT_N", "DEFAULT_SEED", "DEFAULT_TRUTH", "PARAM_NAMES", "DataError", "Dataset", "EmvbError",
    "MixtureParams", "ParamError", "check_values", "draw", "eta", "fingerprint", "load_data", "loglik",
    "logpdf", "pdf", "responsibilities", "save_dataset", "simulate", "softplus",
]
