"""What a study is: its scenario (the truth), sizes, replicate counts, models, sampler settings,
fixed prior and seed, as one frozen :class:`StudySettings`.

The settings are stored with the results (:mod:`study.store`); a study resumed with different
settings is refused, so :meth:`StudySettings.to_dict` holds exactly what decides the numbers (not
the number of workers, the output folder or the display).

Scenario presets (:data:`SCENARIOS`): ``separated`` (the mission's default truth), ``overlap``
(``|mu2 - mu1| / sigma = 1.5``: the mixture density has one peak) and ``unbalanced`` (``pi1 = 0.05``).

The prior is fixed before any data are seen (simulation-based calibration draws its truths from it,
Talts et al. 2018): ``--priors`` or, by default, :func:`fixed_prior` of the scenario's truth.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..models.data import MIN_POINTS
from ..models.errors import SettingError
from ..models.params import DEFAULT_TRUTH, MixtureParams
from ..models.priors import Priors
from ..sampling.options import Settings

#: Posterior models a study can sample (the ordered one is the default).
MODELS = ("ordered", "unordered")


@dataclass(frozen=True)
class Scenario:
    """A named truth and what it is for."""

    name: str
    truth: MixtureParams
    about: str


SCENARIOS = {
    "separated": Scenario("separated", DEFAULT_TRUTH,
                          "the mission's default: components 5 sigma apart, weights 0.3 / 0.7"),
    "overlap": Scenario("overlap", MixtureParams(0.3, 0.0, 1.5, 1.0),
                        "components 1.5 sigma apart: the mixture density has a single peak"),
    "unbalanced": Scenario("unbalanced", MixtureParams(0.05, 5.0, 15.0, 2.0),
                           "a small component: pi1 = 0.05, 5 sigma apart"),
}
#: Name of a study whose truth was given with ``--truth``.
CUSTOM = "custom"


def fixed_prior(truth: MixtureParams) -> Priors:
    """The default study prior, fixed by the scenario (never by a data set).

    ``pi1 ~ Beta(1, 1)``, ``mu1, mu2 ~ Normal(m, 2 s)``, ``sigma ~ HalfNormal(2 s)``, where ``m`` and
    ``s`` are the mean and sd of the true mixture, ``m = pi1 mu1 + (1 - pi1) mu2`` and
    ``s^2 = sigma^2 + pi1 (1 - pi1) (mu1 - mu2)^2``: the scales of ``Priors.default_for``, taken from
    the population instead of the sample, so every replicate (and SBC) has the same prior.
    """
    m = truth.pi1 * truth.mu1 + (1.0 - truth.pi1) * truth.mu2
    s = math.sqrt(truth.sigma ** 2 + truth.pi1 * (1.0 - truth.pi1) * (truth.mu1 - truth.mu2) ** 2)
    return Priors(pi1_alpha=1.0, pi1_beta=1.0, mu_mean=round(m, 12), mu_sd=round(2.0 * s, 12),
                  sigma_sd=round(2.0 * s, 12))


def per_n(values, ns: tuple[int, ...], what: str) -> tuple[int, ...]:
    """One count per N: a single count for every N, or exactly one per N, each a whole number >= 0."""
    values = tuple(int(v) for v in values)
    if len(values) == 1:
        values = values * len(ns)
    if len(values) != len(ns):
        raise SettingError(f"{what}: give one count, or one per N ({len(ns)}), got {len(values)}")
    if any(v < 0 for v in values):
        raise SettingError(f"{what}: counts must be >= 0, got {list(values)}")
    return values


@dataclass(frozen=True, kw_only=True)
class StudySettings(Settings):
    """Everything that decides a study's numbers: the sampler's :class:`~sampling.options.Settings`
    (chains, draws, tune, seed, n_init; every chain starts at the replicate's EM estimate) and the study's own.

    Attributes
    ----------
    scenario : preset name (:data:`SCENARIOS`) or ``"custom"``
    truth : the parameters every replicate of the main part is simulated from
    ns : data sizes (sorted increasing, each with its counts)
    replicates : per N, replicates fitted by EM *and* the posterior models
    em_replicates : per N, replicates fitted by EM (>= ``replicates``; the extra ones are EM only)
    models : posterior models sampled (:data:`MODELS`); empty for an EM-only study
    chains, draws, tune : NUTS settings of every posterior (one core per chain group)
    priors : the fixed prior (proper: SBC draws truths from it)
    sbc : replicates of simulation-based calibration of the ordered model (0: none)
    sbc_n : data size of the SBC replicates
    seed : the study seed; replicate seeds are spawned from it (:mod:`study.seeds`)
    n_init : EM starts per replicate
    """

    scenario: str
    truth: MixtureParams
    ns: tuple[int, ...]
    replicates: tuple[int, ...]
    em_replicates: tuple[int, ...]
    models: tuple[str, ...]
    priors: Priors
    seed: int
    init: str = "em"
    sbc: int = 0
    sbc_n: int = 0

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.ns:
            raise SettingError("--n: give at least one data size")
        if any(n < MIN_POINTS for n in self.ns):
            raise SettingError(f"--n: every data size must be >= {MIN_POINTS}, got {list(self.ns)}")
        if len(set(self.ns)) != len(self.ns):
            raise SettingError(f"--n: data sizes repeat: {list(self.ns)}")
        if len(self.replicates) != len(self.ns) or len(self.em_replicates) != len(self.ns):
            raise SettingError("replicate counts must be given per N")
        order = sorted(range(len(self.ns)), key=lambda k: self.ns[k])  # keep each N with its counts
        for name in ("ns", "replicates", "em_replicates"):
            object.__setattr__(self, name, tuple(int(getattr(self, name)[k]) for k in order))
        if any(m < r for r, m in zip(self.replicates, self.em_replicates, strict=True)):
            raise SettingError("--em-replicates: must be >= --replicates for every N (EM fits every replicate)")
        if sum(self.em_replicates) + self.sbc == 0:
            raise SettingError("--replicates: nothing to run (0 replicates)")
        unknown = [m for m in self.models if m not in MODELS]
        if unknown:
            raise SettingError(f"--models: unknown model(s) {', '.join(unknown)}; choose from {', '.join(MODELS)}")
        if sum(self.replicates) and not self.models:
            raise SettingError("--models: posterior replicates need at least one model")
        if not self.priors.proper:
            raise SettingError("--priors: a study needs a proper prior (SBC draws from it), got "
                               + self.priors.describe())
        if self.sbc and self.sbc_n < MIN_POINTS:
            raise SettingError(f"--sbc-n must be >= {MIN_POINTS}, got {self.sbc_n}")

    def to_dict(self) -> dict:
        """JSON-ready; :meth:`from_dict` inverts it (this is what the store compares)."""
        return {
            "scenario": self.scenario, "truth": self.truth.to_dict(), "ns": list(self.ns),
            "replicates": list(self.replicates), "em_replicates": list(self.em_replicates),
            "models": list(self.models), "priors": {k: v for k, v in self.priors.to_dict().items()
                                                    if k != "description"},
            "seed": self.seed, "chains": self.chains, "draws": self.draws, "tune": self.tune,
            "sbc": self.sbc, "sbc_n": self.sbc_n, "n_init": self.n_init,
        }

    @classmethod
    def from_dict(cls, d: dict) -> StudySettings:
        d = dict(d)
        d["truth"] = MixtureParams.from_dict(d["truth"])
        d["priors"] = Priors.from_dict(d["priors"])
        for k in ("ns", "replicates", "em_replicates", "models"):
            d[k] = tuple(d[k])
        return cls(**d)

    def differences(self, other: StudySettings) -> list[str]:
        """``name: ours vs theirs`` for every setting that differs (empty when the same study)."""
        a, b = self.to_dict(), other.to_dict()
        return [f"{k}: {a[k]} vs {b[k]}" for k in a if a[k] != b.get(k)]

    def describe(self) -> str:
        """One line for the report: scenario, truth, sizes, replicates, models, sampler, prior, seed."""
        reps = ", ".join(f"N={n}: {r} (+{m - r} EM only)" if m > r else f"N={n}: {r}"
                         for n, r, m in zip(self.ns, self.replicates, self.em_replicates, strict=True))
        models = ", ".join(self.models) if sum(self.replicates) else "none (EM only)"
        sbc = f"; SBC {self.sbc} replicates at N={self.sbc_n}" if self.sbc else ""
        return (f"scenario {self.scenario} ({self.truth}); replicates {reps}; posterior models {models}; "
                f"{self.chains} chains x ({self.tune} warm-up + {self.draws} draws){sbc}; "
                f"prior {self.priors.describe()}; EM {self.n_init} starts; seed {self.seed}")
