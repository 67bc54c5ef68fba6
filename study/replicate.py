"""The study's task: run replicates on a worker and return their records.

A task is a :class:`Task` (part, N and a batch of replicate indices); :func:`run_task` is what the
Dask workers execute. It lives in this package, not in a script, so that each worker process keeps
its compiled models between tasks (:mod:`study.upstream`). :func:`run_replicate` computes one
replicate from the study settings and its index alone (:mod:`study.seeds`): rerunning it anywhere
gives the same rows.

A replicate that fails (EM not converged or without standard errors, a sampler error, divergences
over the limit) is returned with its reason; nothing a replicate does stops the study.
"""

from __future__ import annotations

import os
import socket
import time
from contextlib import contextmanager
from dataclasses import dataclass

from ..models.data import fingerprint
from ..models.errors import EmvbError
from ..models.simulate import draw
from .em_part import em_rows
from .posterior_part import posterior_rows, sample_model
from .records import ReplicateResult, row
from .sbc import ranks, sbc_truth
from .seeds import replicate_seeds
from .settings import StudySettings
from .thresholds import SBC_RANK_DRAWS


@dataclass(frozen=True)
class Task:
    """Replicates ``replicates`` of ``part`` (``"main"`` or ``"sbc"``) at data size ``n``."""

    part: str
    n: int
    replicates: tuple[int, ...]


@contextmanager
def _timed(seconds: dict, stage: str):
    t0 = time.perf_counter()
    try:
        yield
    finally:
        seconds[stage] = seconds.get(stage, 0.0) + time.perf_counter() - t0


def _reason(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return f"{type(e).__name__}: {text[0] if text else ''}".strip()


def models_for(settings: StudySettings, part: str, n: int, index: int) -> tuple[str, ...]:
    """The posterior models replicate ``index`` samples: all of ``settings.models`` for the first
    ``replicates`` at this N, none for the EM-only rest; the ordered model for SBC."""
    if part == "sbc":
        return ("ordered",)
    return settings.models if index < settings.replicates[settings.ns.index(n)] else ()


def run_replicate(settings: StudySettings, part: str, n: int, index: int) -> ReplicateResult:
    """Simulate, fit EM, sample the posterior model(s) and record replicate ``index`` of ``part`` at ``n``."""
    from .. import em
    from ..sampling.starts import crude_start

    t_all = time.perf_counter()
    seeds = replicate_seeds(settings.seed, part, n, index)
    seconds: dict = {}
    with _timed(seconds, "simulate"):
        truth = settings.truth if part == "main" else sbc_truth(settings.priors, seeds.truth)
        x, _ = draw(truth, n, seeds.data)
        sha = fingerprint(x)
    common = {"part": part, "n": int(n), "replicate": int(index), "scenario": settings.scenario, "sha256": sha}
    rows: list[dict] = []
    failures: dict = {}
    fit = None
    with _timed(seconds, "em"):
        try:
            fit = em.fit(x, n_init=settings.n_init, seed=seeds.em)
        except EmvbError as e:
            if part == "main":  # SBC uses EM only for the chains' start
                failures["em"] = _reason(e)
    if part == "main" and fit is not None:
        em_r, failure = em_rows(fit, truth, common)
        rows += em_r
        if failure:
            failures["em"] = failure
    start = fit.params if fit is not None else crude_start(x)
    for model in models_for(settings, part, n, index):
        try:
            sampled = sample_model(x, model, settings, start, seeds.sampler)
            for stage, secs in (("compile", sampled.compile_seconds), ("setup", sampled.setup_seconds),
                                (f"sample_{model}", sampled.sample_seconds)):
                seconds[stage] = seconds.get(stage, 0.0) + secs
            with _timed(seconds, "summarise"):
                if model == "unordered" and fit is None:
                    raise EmvbError("the label-switching diagnosis needs the EM fit, which failed")
                m_rows, failure = posterior_rows(sampled, model, settings, fit, x, truth, common)
                if part == "sbc":
                    r, kept = ranks(sampled.posterior, truth, SBC_RANK_DRAWS)
                    m_rows = [m | {"rank": r[m["param"]], "rank_draws": kept} for m in m_rows]
        except Exception as e:  # noqa: BLE001 - any sampler failure is recorded; the study goes on
            failure, m_rows = _reason(e), []
        rows += m_rows
        if failure:
            failures[model] = failure
    if part == "sbc" and not rows:
        rows = [row(**common, method="ordered", param=p, ok=False, reason=failures.get("ordered"), truth=t)
                for p, t in truth.to_dict().items()]
    seconds["total"] = time.perf_counter() - t_all
    return ReplicateResult(part, int(n), int(index), sha, tuple(rows), failures, seconds,
                           f"{socket.gethostname()}:{os.getpid()}")


def run_task(settings: StudySettings, task: Task) -> list[ReplicateResult]:
    """Every replicate of ``task``, in order (what a Dask worker runs)."""
    return [run_replicate(settings, task.part, task.n, i) for i in task.replicates]
