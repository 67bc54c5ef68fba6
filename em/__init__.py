"""The hand-written EM for the shared-sigma two-component Gaussian mixture (numpy + numba, no pymc).

- :func:`e_step`, :func:`m_step`, :func:`em_map`: the reference steps (:mod:`em.steps`)
- :func:`fit`: restarts, SQUAREM, trace, Louis SEs -> :class:`EMResult` (:mod:`em.fit`)
- :func:`climb`: one lean run from one start -> :class:`Climb` (relabelling, bootstrap refits)
- :func:`observed_information`, :func:`score`, :func:`complete_information` (:mod:`em.information`)
- :func:`bootstrap`: parametric bootstrap SEs (:mod:`em.bootstrap`)
"""

from .bootstrap import bootstrap
from .fit import climb, fit
from .information import complete_information, observed_information, score
from .result import BootstrapResult, Climb, EMResult, Optimum, ParamRecord, RunRecord, Runs, Trace
from .steps import e_step, em_map, m_step

__all__ = [
    "BootstrapResult", "Climb", "EMResult", "Optimum", "ParamRecord", "RunRecord", "Runs", "Trace", "bootstrap",
    "climb", "complete_information", "e_step", "em_map", "fit", "m_step", "observed_information", "score",
]
