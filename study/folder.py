"""The study folder's outputs, rebuilt from the store after every run: ``results.parquet`` (the tidy
rows), ``replicates.csv`` (status, reason, wall times), one CSV per aggregated table,
``summary.json``, ``figures/*.png`` and ``report.md``. Each file is written atomically."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ..files.output import atomic_write, atomic_write_text
from . import aggregate as A
from . import figures as G
from .report import FIGURES, Tables, render
from .sbc import summarise_sbc
from .settings import StudySettings
from .store import Store

#: Keys of each row of summary.json's ``coverage`` and ``failed`` lists.
COVERAGE_KEYS = ("scenario", "n", "method", "interval", "param", "coverage", "mc_se", "replicates")
FAILED_KEYS = ("scenario", "n", "failed")
#: The files a study writes (besides its store), removed by --force.
OUTPUTS = ("results.parquet", "replicates.csv", "coverage.csv", "accuracy.csv", "bvm.csv", "em_optima.csv",
           "label_switching.csv", "sbc.csv", "summary.json", "report.md", "figures")


def build_tables(store: Store, settings: StudySettings) -> tuple[pd.DataFrame, Tables, object]:
    """The results table, the aggregated :class:`~study.report.Tables` and the SBC summary."""
    results = store.results()
    reps = store.replicates()
    tables = Tables(coverage=A.coverage(results), accuracy=A.accuracy(results), bvm=A.bvm(results),
                    optima=A.em_optima(results), switching=A.label_switching(results),
                    failures=A.failures(reps, settings.scenario), replicates=reps)
    return results, tables, summarise_sbc(results, settings.seed)


def _records(df: pd.DataFrame, keys=None) -> list[dict]:
    df = df if keys is None else df[list(keys)]
    return json.loads(df.to_json(orient="records"))


def summary(settings: StudySettings, t: Tables, sbc) -> dict:
    """summary.json: ``coverage`` and ``failed`` (as specified), and the other tables."""
    return {
        "scenario": settings.scenario,
        "settings": settings.to_dict(),
        "coverage": _records(t.coverage, COVERAGE_KEYS),
        "failed": _records(t.failures[t.failures["part"] == "main"], FAILED_KEYS),
        "coverage_flags": _records(t.coverage[t.coverage["flag"]], ("n", "method", "interval", "param")),
        "accuracy": _records(t.accuracy),
        "bvm": _records(t.bvm),
        "em_optima": _records(t.optima),
        "label_switching": _records(t.switching),
        "sbc": None if sbc is None else {
            "n": sbc.n, "replicates": sbc.replicates, "without_ranks": sbc.without_ranks,
            "divergent": sbc.divergent, "low_ess": sbc.low_ess,
            "parameters": [{"param": x.param, "uniform": x.uniform, "worst": x.worst, "replicates": x.replicates,
                            "rank_draws": x.rank_draws} for x in sbc.tests]},
    }


def _csv(path: Path, df: pd.DataFrame) -> None:
    atomic_write_text(path, df.to_csv(index=False, float_format="%.17g"))


def write_outputs(out, store: Store, settings: StudySettings, *, command: str = "") -> Path:
    """Write every output of the study in ``out`` from what the store holds; returns report.md's path."""
    out = Path(out)
    results, t, sbc = build_tables(store, settings)
    atomic_write(out / "results.parquet", lambda p: results.to_parquet(p, index=False))
    _csv(out / "replicates.csv", t.replicates)
    for name, df in (("coverage", t.coverage), ("accuracy", t.accuracy), ("bvm", t.bvm), ("em_optima", t.optima),
                     ("label_switching", t.switching)):
        _csv(out / f"{name}.csv", df)
    if sbc is not None:
        _csv(out / "sbc.csv", results[results["part"] == "sbc"][["n", "replicate", "param", "truth", "rank",
                                                                   "rank_draws", "ess_bulk", "ok"]])
    atomic_write_text(out / "summary.json", json.dumps(summary(settings, t, sbc), indent=1) + "\n")
    figs = {}
    (out / "figures").mkdir(exist_ok=True)
    makers = {"coverage.png": (G.coverage_figure, t.coverage), "bvm.png": (G.bvm_figure, t.bvm),
              "bias.png": (G.bias_figure, t.accuracy), "sbc.png": (G.sbc_figure, sbc)}
    for name, (make, data) in makers.items():
        if data is None or (isinstance(data, pd.DataFrame) and data.empty) or (name == "sbc.png" and not data.tests):
            continue
        fig = make(data)
        atomic_write(out / "figures" / name, lambda p, f=fig: G.save(f, p))
        figs[name] = FIGURES[name]
    return atomic_write_text(out / "report.md", render(settings, t, sbc, command=command, figures=figs))
