"""What one replicate records: tidy rows (replicate x N x method x parameter) and the replicate itself.

Rows (:data:`COLUMNS`) hold only numbers that the seeds decide, so the results table of a resumed
study equals an uninterrupted run's; wall times and the worker that ran a replicate are kept on the
replicate (:class:`ReplicateResult`), not on its rows.

Methods: ``em`` (the MLE: ``estimate`` is the MLE, ``se`` the Louis SE, ``wald_*`` its Wald
interval), ``ordered`` and ``unordered`` (``estimate`` is the posterior mean, ``sd`` the posterior
sd, ``hdi_*`` / ``eti_*`` the 95% intervals; the unordered model's draws relabelled by ordering mu,
with the label-switching verdict of the draws as sampled; ``divergences`` of the kept draws,
``target_accept`` the NUTS target they were sampled at and ``retries`` the attempts at lower
targets before it, :func:`sampling.sample.sample`). SBC replicates (part ``sbc``) add the
rank of the truth among ``rank_draws`` thinned draws.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Identifies a row.
KEY = ("part", "n", "replicate", "method", "param")
#: Every column of the results table, in order (KEY first). Text and flags are marked in :data:`TYPES`.
COLUMNS = KEY + (
    "scenario", "sha256", "ok", "reason", "truth",
    "estimate", "se", "wald_lower", "wald_upper",
    "em_iterations", "em_converged", "em_first_start_global", "em_local_optima", "em_ridge_stops",
    "median", "sd", "hdi_lower", "hdi_upper", "eti_lower", "eti_upper",
    "r_hat", "ess_bulk", "ess_tail", "divergences", "target_accept", "retries", "label_verdict",
    "rank", "rank_draws",
)
#: SQLite column types (everything else is REAL).
TYPES = {"part": "TEXT", "n": "INTEGER", "replicate": "INTEGER", "method": "TEXT", "param": "TEXT",
         "scenario": "TEXT", "sha256": "TEXT", "ok": "INTEGER", "reason": "TEXT", "em_iterations": "INTEGER",
         "em_converged": "INTEGER", "em_first_start_global": "INTEGER", "em_local_optima": "INTEGER",
         "em_ridge_stops": "INTEGER", "divergences": "INTEGER", "retries": "INTEGER", "label_verdict": "TEXT",
         "rank": "INTEGER", "rank_draws": "INTEGER"}


def row(**values) -> dict:
    """A row with every column present (missing ones None); unknown names are a bug."""
    unknown = set(values) - set(COLUMNS)
    if unknown:
        raise KeyError(f"not result columns: {sorted(unknown)}")
    return {c: values.get(c) for c in COLUMNS}


@dataclass(frozen=True)
class ReplicateResult:
    """One finished replicate.

    Attributes
    ----------
    part, n, replicate : which one (``"main"`` or ``"sbc"``, data size, index)
    sha256 : fingerprint of its simulated data
    rows : its result rows (:func:`row`)
    failures : method -> reason, for every method that failed (empty: the replicate is ok)
    seconds : wall time per stage (simulate, em, compile, setup, sample_<model>, summarise, total)
    worker : where it ran (host:pid)
    """

    part: str
    n: int
    replicate: int
    sha256: str
    rows: tuple[dict, ...]
    failures: dict = field(default_factory=dict)
    seconds: dict = field(default_factory=dict)
    worker: str = ""

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def reason(self) -> str:
        return "; ".join(f"{m}: {r}" for m, r in self.failures.items())
