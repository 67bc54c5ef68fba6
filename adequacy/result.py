"""Frozen records of the adequacy checks, their verdicts and their one-line answers.

Every verdict is decided by :data:`adequacy.levels.ALPHA` (bootstrap tests) or
:data:`adequacy.levels.PPP_TAIL` (posterior predictive p-values), and the sentences printed by
``emvb check`` and written in the report are made here from the same numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..models.params import MixtureParams, json_float
from .bootstrap import BootstrapTest
from .levels import ALPHA, PPP_TAIL
from .teststats import OUTER
from .unequal import UnequalParams


def _p(t: BootstrapTest) -> str:
    return f"p = {t.p_value:.3g} +/- {t.mc_error:.2g}"


class _Check:
    """What the three bootstrap checks share: the verdict (``VERDICTS[0]`` when ``test`` rejects, else
    ``VERDICTS[1]``) and the JSON fields of the test, around the check's own ``first`` and ``middle``."""

    VERDICTS: ClassVar[tuple[str, str]]
    test: BootstrapTest

    @property
    def verdict(self) -> str:
        return self.VERDICTS[0] if self.test.rejects else self.VERDICTS[1]

    def _json(self, middle: dict, first: dict | None = None) -> dict:
        t = self.test
        return {"p_value": t.p_value, **(first or {}), "verdict": self.verdict, "mc_error": t.mc_error,
                "statistic": json_float(t.statistic), **middle, "n_boot": t.n_boot, "n_failed": t.n_failed}


@dataclass(frozen=True)
class ComponentsCheck(_Check):
    """One or two components? Bootstrap LRT of one normal against the two-component mixture."""

    test: BootstrapTest          # statistic 2 (L2 - L1)
    loglik_1: float              # one normal at its MLE (mean, population sd)
    loglik_2: float              # the two-component MLE
    normal: tuple[float, float]  # (mean, sd) of the one-normal fit
    n: int
    VERDICTS = ("two_components", "one_component_suffices")

    @property
    def bic_1(self) -> float:
        """``-2 L1 + 2 log n`` (mean and sd)."""
        return -2.0 * self.loglik_1 + 2.0 * math.log(self.n)

    @property
    def bic_2(self) -> float:
        """``-2 L2 + 4 log n`` (pi1, mu1, mu2, sigma)."""
        return -2.0 * self.loglik_2 + 4.0 * math.log(self.n)

    def line(self) -> str:
        gap = self.loglik_2 - self.loglik_1
        head = "two components supported" if self.test.rejects else "one component suffices"
        better = "one normal" if self.bic_1 < self.bic_2 else "two components"
        return (f"{head}: two normals beat one by {gap:.4g} log-likelihood units (2 log LR = {2 * gap:.4g}, "
                f"bootstrap {_p(self.test)}); BIC prefers {better} ({self.bic_1:.1f} vs {self.bic_2:.1f})")

    def to_json_dict(self) -> dict:
        return self._json({"loglik_1": self.loglik_1, "loglik_2": self.loglik_2},
                          first={"bic_1": self.bic_1, "bic_2": self.bic_2})


@dataclass(frozen=True)
class SharedSigmaCheck(_Check):
    """Shared sigma or not? Bootstrap LRT of the shared-sigma mixture against Hathaway's constrained
    unequal-variance mixture."""

    test: BootstrapTest          # statistic 2 (L_unequal - L_shared)
    loglik_shared: float
    loglik_unequal: float
    unequal: UnequalParams
    ratio_min: float             # Hathaway's constraint on sigma_min / sigma_max
    at_constraint: bool
    n: int
    VERDICTS = ("unequal_variances", "shared_not_rejected")

    @property
    def bic_unequal(self) -> float:
        """``-2 L_unequal + 5 log n``."""
        return -2.0 * self.loglik_unequal + 5.0 * math.log(self.n)

    def line(self) -> str:
        u = self.unequal
        head = "unequal variances fit better" if self.test.rejects else "shared sigma not rejected"
        return (f"{head}: separate sds ({u.sigma1:.4g} and {u.sigma2:.4g}, sd ratio >= {self.ratio_min:g} imposed"
                f"{', reached' if self.at_constraint else ''}) gain {self.loglik_unequal - self.loglik_shared:.4g} "
                f"log-likelihood units, bootstrap {_p(self.test)}")

    def to_json_dict(self) -> dict:
        return self._json({"loglik_shared": self.loglik_shared, "loglik_unequal": self.loglik_unequal,
                           "bic_unequal": self.bic_unequal, "unequal": self.unequal.to_dict(),
                           "sigma_ratio_min": self.ratio_min, "at_constraint": self.at_constraint})


@dataclass(frozen=True, eq=False)
class FitCheck(_Check):
    """Does the fitted mixture reproduce the data? Anderson-Darling against the MLE's CDF, its null
    distribution by parametric bootstrap refitting every replicate. Where the data fall in the fitted
    model's quantiles (its outer 1% and its central half), beside the same shares in the replicates,
    says where a misfit lies."""

    test: BootstrapTest          # statistic A^2
    outer: float                 # share of the data in the model's outer OUTER (both tails)
    central: float               # share of the data in the model's central half
    rep_outer: np.ndarray
    rep_central: np.ndarray
    VERDICTS = ("rejected", "not_rejected")

    def _range(self, rep: np.ndarray) -> tuple[float, float]:
        r = rep[np.isfinite(rep)]
        return tuple(np.quantile(r, [ALPHA / 2, 1.0 - ALPHA / 2])) if r.size else (math.nan, math.nan)

    def why(self) -> str:
        """Where the data leave the range of the replicates (central 1 - ALPHA of them); empty if nowhere."""
        out = []
        lo, hi = self._range(self.rep_outer)
        if not lo <= self.outer <= hi:
            out.append(f"{100 * self.outer:.2f}% of the points lie in the fitted mixture's outer {100 * OUTER:g}% "
                       f"(simulated data: {100 * lo:.2f}% to {100 * hi:.2f}%), so the data's tails are "
                       + ("heavier" if self.outer > hi else "lighter") + " than the model's")
        lo, hi = self._range(self.rep_central)
        if not lo <= self.central <= hi:
            out.append(f"{100 * self.central:.1f}% lie in its central half (simulated: {100 * lo:.1f}% to "
                       f"{100 * hi:.1f}%), so the data are " + ("more peaked" if self.central > hi else "flatter")
                       + " in the middle")
        return "; ".join(out)

    def line(self) -> str:
        head = "the fitted mixture does NOT reproduce the data" if self.test.rejects else "fit not rejected"
        why = self.why()
        return (f"{head}: Anderson-Darling A2 = {self.test.statistic:.4g}, bootstrap {_p(self.test)}"
                + (f"; {why}" if why and self.test.rejects else ""))

    def to_json_dict(self) -> dict:
        return self._json({"outer_share": self.outer, "outer": OUTER, "central_share": self.central,
                           "why": self.why()})


@dataclass(frozen=True, eq=False)
class PPCStatistic:
    """One test statistic of the posterior predictive check: observed, replicated, ppp-value."""

    name: str
    observed: float
    replicated: np.ndarray

    @property
    def ppp(self) -> float:
        """``P(T(y_rep) > T(y)) + P(T(y_rep) = T(y)) / 2`` over the replicates (mid-p for ties)."""
        r = self.replicated
        return float(np.mean(r > self.observed) + 0.5 * np.mean(r == self.observed))

    @property
    def mc_error(self) -> float:
        p = self.ppp
        return math.sqrt(p * (1.0 - p) / self.replicated.size)

    @property
    def extreme(self) -> bool:
        return not PPP_TAIL <= self.ppp <= 1.0 - PPP_TAIL

    def to_json_dict(self) -> dict:
        q = np.quantile(self.replicated, [PPP_TAIL, 1.0 - PPP_TAIL])
        return {"observed": json_float(self.observed), "ppp": self.ppp, "mc_error": self.mc_error,
                "replicated_mean": json_float(np.mean(self.replicated)), "replicated_low": json_float(q[0]),
                "replicated_high": json_float(q[1]), "verdict": "extreme" if self.extreme else "not_extreme"}


@dataclass(frozen=True, eq=False)
class PosteriorPredictive:
    """The posterior predictive check: statistics of ``n_draws`` replicated data sets, each simulated
    from one posterior draw; ``examples`` keeps a few replicated data sets for the density plot."""

    statistics: tuple[PPCStatistic, ...]
    n_draws: int
    center: float                # fitted mixture mean (posterior mean), for the tail share
    scale: float                 # fitted mixture sd (posterior mean)
    examples: np.ndarray         # (k, m) replicated data (m = min(n, a cap))
    seed: int

    @property
    def verdict(self) -> str:
        return "extreme" if any(s.extreme for s in self.statistics) else "not_extreme"

    def to_json_dict(self) -> dict:
        return {"draws": self.n_draws, "center": self.center, "scale": self.scale, "seed": self.seed,
                "ppp_tail": PPP_TAIL, "verdict": self.verdict,
                "statistics": {s.name: s.to_json_dict() for s in self.statistics}}


@dataclass(frozen=True)
class Adequacy:
    """The three answers (and, after sampling, the posterior predictive check) for one data set."""

    components: ComponentsCheck
    shared_sigma: SharedSigmaCheck
    fit: FitCheck
    mle: MixtureParams
    n_boot: int
    seed: int
    ppc: PosteriorPredictive | None = None

    @property
    def adequate(self) -> bool:
        """A second component supported, a shared sigma not rejected and the fit not rejected, at level ALPHA."""
        return (self.components.test.rejects and not self.shared_sigma.test.rejects
                and not self.fit.test.rejects)

    @property
    def rejected_fit(self) -> bool:
        """The mixture itself does not describe the data (fit or shared sigma rejected)."""
        return self.fit.test.rejects or self.shared_sigma.test.rejects

    def lines(self) -> list[tuple[str, str]]:
        """``(question, one-line answer)`` for ``emvb check``."""
        return [("components", self.components.line()), ("shared sigma", self.shared_sigma.line()),
                ("fit", self.fit.line())]

    def to_json_dict(self) -> dict:
        d = {"components": self.components.to_json_dict(), "shared_sigma": self.shared_sigma.to_json_dict(),
             "fit": self.fit.to_json_dict(), "adequate": self.adequate, "level": ALPHA, "n_boot": self.n_boot,
             "seed": self.seed, "mle": self.mle.to_dict()}
        if self.ppc is not None:
            d["ppc"] = self.ppc.to_json_dict()
        return d
