"""Is the two-component shared-sigma mixture adequate for these data? (numpy + numba, no pymc)

- :func:`assess`: the three parametric-bootstrap checks of the MLE -> :class:`Adequacy`
  (one or two components, shared sigma or not, does the fit reproduce the data; :mod:`adequacy.checks`)
- :func:`posterior_predictive_check`: the posterior's check (:mod:`adequacy.ppc`)
- :func:`fit_unequal`: the constrained unequal-variance mixture the shared-sigma test compares with
- the levels every verdict uses: :mod:`adequacy.levels`

Formulas and references: docs/methods.md, "Is the model adequate?".
"""

from importlib import import_module

#: Public name -> submodule. Imported on first use, so that ``emvb --help`` (which reads
#: :mod:`adequacy.levels`) does not load numba and scipy.
_EXPORTS = {
    "assess": "checks", "components_check": "checks", "mixture_checks": "checks",
    "ALPHA": "levels", "MIN_BOOT": "levels", "N_BOOT": "levels", "PPP_TAIL": "levels", "SIGMA_RATIO_MIN": "levels",
    "posterior_predictive_check": "ppc",
    "Adequacy": "result", "ComponentsCheck": "result", "FitCheck": "result", "PosteriorPredictive": "result",
    "SharedSigmaCheck": "result",
    "UnequalFit": "unequal", "UnequalParams": "unequal", "fit_unequal": "unequal",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
