"""The sampler's settings, defined once (importable without pymc, so ``emvb --help`` stays fast).

Every list here is used both by :func:`sampling.sample.sample` to check its arguments and by the
command line to offer choices.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..adequacy.bootstrap import check_can_reject
from ..adequacy.levels import N_BOOT
from ..models.errors import SettingError, check_choice
from ..models.params import DEFAULT_SEED, MAX_SEED
from ..models.priors import Priors, resolve_priors

#: NUTS implementations.
SAMPLERS = ("nutpie", "pymc")
DEFAULT_SAMPLER = "nutpie"
#: Chain start points (see :mod:`sampling.starts`): independent prior draws by default, so the starts
#: do not decide which labelling each chain ends in; "dispersed" places chains in both labellings on
#: purpose (a teaching device); "em" starts every chain at the EM estimate.
INITS = ("prior", "dispersed", "em")
DEFAULT_INIT = "prior"
#: Mass-matrix adaptation: "dense" (nutpie ``adaptation="low_rank"``, PyMC ``init="adapt_full"``)
#: or "diag" (nutpie's default ``"diag"``, PyMC ``init="adapt_diag"``).
MASS_MATRICES = ("dense", "diag")
DEFAULT_MASS_MATRIX = "dense"
#: NUTS step-size adaptation target of the first attempt: above nutpie's and Stan's 0.8, which left a third to
#: a half of the overlap study's replicates over the divergence limit (benchmarks/divergences.py).
DEFAULT_TARGET_ACCEPT = 0.9
#: A posterior with more than :data:`models.thresholds.MAX_DIVERGENT_SHARE` of its kept draws divergent is
#: not trusted: :func:`sampling.sample.sample` samples it again at the next target of this list, and a study
#: that still sees it records a failure. The targets a run with too many divergences is sampled again at,
#: in turn, with the same seed and starts
#: (Stan users raise ``adapt_delta`` the same way): a smaller step follows sharper curvature at the price
#: of longer trajectories. The last attempt is kept whatever its divergences (they are recorded).
RETRY_TARGET_ACCEPT = (0.95, 0.99)


@dataclass(frozen=True)
class Settings:
    """How a comparison fits and samples (the data come separately): one class for ``emvb run``, ``emvb
    bvm``, ``emvb sample``, the API and the study's sampler settings, each value checked once, here.

    Attributes
    ----------
    chains, draws, tune : NUTS chains (>= 2: R-hat and label switching need two), kept draws, warm-up steps
    seed : seeds EM's starts, the chains and the bootstrap (0 <= seed <= 2^64 - 1)
    sampler : one of :data:`SAMPLERS`
    n_init : EM starts
    n_boot : parametric-bootstrap replicates of each adequacy check (enough to reject at level ALPHA)
    ci_prob : the probability of every interval (0 < ci_prob < 1)
    init : chain starts, one of :data:`INITS` (``"prior"`` needs a proper prior: :meth:`priors_for`)
    priors : :meth:`models.priors.Priors.parse` text (``"default"``, ``"flat"``, a spec or a file) or a ``Priors``
    """

    chains: int = 4
    draws: int = 1000
    tune: int = 1000
    seed: int = DEFAULT_SEED
    sampler: str = DEFAULT_SAMPLER
    n_init: int = 10
    n_boot: int = N_BOOT
    ci_prob: float = 0.95
    init: str = DEFAULT_INIT
    priors: str | Path | Priors = "default"

    def __post_init__(self) -> None:
        for name, low in (("chains", 2), ("draws", 1), ("tune", 1), ("seed", 0), ("n_init", 1)):
            v = getattr(self, name)
            if not isinstance(v, int | np.integer) or isinstance(v, bool) or v < low:
                why = " (R-hat and label switching need two chains)" if name == "chains" else ""
                raise SettingError(f"{name} must be a whole number at least {low}{why}, got {v!r}")
        if self.seed > MAX_SEED:
            raise SettingError(f"seed must be <= {MAX_SEED}, got {self.seed}")
        for name, allowed in (("sampler", SAMPLERS), ("init", INITS)):
            check_choice(name, getattr(self, name), allowed)
        if not 0.0 < float(self.ci_prob) < 1.0:
            raise SettingError(f"ci_prob must be in (0, 1), got {self.ci_prob!r}")
        check_can_reject(self.n_boot)
        if isinstance(self.priors, Priors):
            self.check_priors(self.priors)
        elif not isinstance(self.priors, str | Path):
            raise SettingError(f"unknown priors {self.priors!r}; pass a Priors, 'default', 'flat' or a specification")

    def check_priors(self, priors: Priors) -> Priors:
        """``priors``, refused when ``init="prior"`` cannot draw from it (an improper prior)."""
        if self.init == "prior" and not priors.proper:
            raise SettingError(f"--init prior needs proper priors, got {priors.describe()}; use --init em or dispersed")
        return priors

    def priors_for(self, x) -> Priors:
        """The priors on the data ``x`` (entries left out computed from them), checked against ``init``."""
        return self.check_priors(resolve_priors(self.priors, x))

    def to_dict(self) -> dict:
        """JSON-ready (``summary.json``'s ``settings``); a ``Priors`` is given by its description."""
        d = dict(self.__dict__)
        d["priors"] = d["priors"].describe() if isinstance(d["priors"], Priors) else str(d["priors"])
        return d


#: The defaults of every setting (``emvb run``'s, the API's).
DEFAULTS = Settings()
