"""``report.md`` of a study: what was run, what a methods researcher learns (:mod:`study.findings`),
and the tables and figures behind each statement."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..files.tables import fmt_number, md_table
from ..labels.diagnose import VERDICTS
from ..models.params import PARAM_NAMES
from . import findings as F
from .posterior_part import failure_kind
from .thresholds import MC_ERRORS, NOMINAL, SBC_BAND_PROB, SD_RATIO_BAND, Z_MAX

FIGURES = {
    "coverage.png": "coverage of each interval vs N",
    "bvm.png": "posterior sd / SE and mean |z| vs N (Bernstein-von Mises)",
    "bias.png": "bias of the MLE, posterior mean and median vs N",
    "sbc.png": "SBC rank ECDF differences with simultaneous bands",
}


@dataclass(frozen=True)
class Tables:
    """The aggregated tables of one study (:mod:`study.aggregate`)."""

    coverage: pd.DataFrame
    accuracy: pd.DataFrame
    bvm: pd.DataFrame
    optima: pd.DataFrame
    switching: pd.DataFrame
    failures: pd.DataFrame
    replicates: pd.DataFrame


def _grid(df: pd.DataFrame, column: str, cell) -> str:
    """A table of rows (N, param), one column per value of ``column``, cells from ``cell(row)``."""
    cols = list(dict.fromkeys(df[column]))
    rows = []
    for n in sorted(df["n"].unique()):
        for p in PARAM_NAMES:
            d = df[(df["n"] == n) & (df["param"] == p)]
            if d.empty:
                continue
            by = {r[column]: r for _, r in d.iterrows()}
            rows.append([str(n), p] + [cell(by[c]) if c in by else "" for c in cols])
    return md_table(["N", "param"] + cols, rows)


def coverage_table(cov: pd.DataFrame) -> str:
    return _grid(cov.assign(interval_of=cov["method"] + " " + cov["interval"]), "interval_of",
                 lambda r: F.coverage_text(r["coverage"], r["replicates"]) + (" **(!)**" if r["flag"] else "")
                 + f" ({int(r['replicates'])})")


def accuracy_table(acc: pd.DataFrame) -> str:
    return _grid(acc, "estimator", lambda r: f"{F.pm(r['bias'], r['bias_mc_se'])} / {fmt_number(r['rmse'], 3)}")


def bvm_table(bvm: pd.DataFrame) -> str:
    return _grid(bvm, "model", lambda r: f"{r['sd_over_se']:.3f} / {F.pm(r['mean_abs_z'], r['abs_z_mc_se'])}")


def _rows(df: pd.DataFrame, cols: list[str], fmt) -> str:
    return md_table(cols, [[fmt(r, c) for c in cols] for _, r in df.iterrows()])


_COUNTS = ("n", "replicates", "em_failed", "failed", *VERDICTS)
_RATES = ("first_start_missed", "local_optima", "switching")


def _cell(r, c) -> str:
    """Counts as integers, rates as percentages ± MC error, means ± MC error."""
    v = r[c]
    if c in _COUNTS:
        return str(int(v))
    if c in _RATES:
        return F.share_text(v, r[c + "_mc_se"], r["replicates"])
    return F.pm(v, r[c + "_mc_se"]) if c + "_mc_se" in r else fmt_number(v, 3)


def timing_table(reps: pd.DataFrame) -> str:
    """Median wall seconds per replicate and stage, by part, N and kind (posterior or EM only)."""
    cols = [c for c in reps.columns if c.startswith("seconds_")]
    sampled = [c for c in cols if c.startswith("seconds_sample_")]
    kind = reps[sampled].notna().any(axis=1).map({True: "posterior", False: "EM only"}) if sampled else "EM only"
    g = reps.assign(kind=kind).groupby(["part", "n", "kind"])[cols].median()
    header = ["part", "N", "kind"] + [c.removeprefix("seconds_") for c in cols]
    rows = [[p, str(n), k] + [fmt_number(v, 3) for v in r] for (p, n, k), r in g.iterrows()]
    return md_table(header, rows)


def failure_reasons(reps: pd.DataFrame) -> str:
    """Failed replicates per part (main, sbc), N and kind of failure."""
    failed = reps[reps["status"] == "failed"]
    if failed.empty:
        return "No replicate failed.\n"
    counts = failed.assign(kind=failed["reason"].map(failure_kind)).groupby(["part", "n", "kind"]).size()
    return md_table(["part", "N", "reason", "replicates"],
                    [[p, str(n), k, str(c)] for (p, n, k), c in counts.items()])


def sbc_table(sbc) -> str:
    return md_table(["param", "verdict", "largest excursion outside the band", "replicates", "ranked draws"],
                    [[t.param, "uniformity not rejected" if t.uniform else "NOT uniform", fmt_number(t.worst, 3),
                      str(t.replicates), str(t.rank_draws)] for t in sbc.tests])


def render(settings, t: Tables, sbc, *, command: str = "", figures: dict | None = None) -> str:
    """The whole report.md."""
    done = len(t.replicates)
    failed = int((t.replicates["status"] == "failed").sum())
    planned = dict(zip(settings.ns, settings.replicates, strict=True))
    learn = (F.coverage_findings(t.coverage, planned) + F.selection_findings(t.coverage, planned)
             + F.bvm_findings(t.bvm)
             + F.bias_findings(t.accuracy, settings.truth.to_dict())
             + F.optima_findings(t.optima, settings.n_init) + F.switching_findings(t.switching) + F.sbc_findings(sbc))
    out = [f"# Repeated-sampling study: {settings.scenario}\n",
           (f"Made by `{command}`.\n" if command else ""),
           f"{settings.describe()}.\n",
           f"{done} replicates recorded, {failed} failed (a failed replicate is left out of the coverage, bias, "
           "Bernstein-von Mises and label tables of the method that failed; SBC keeps every rank, since dropping "
           "replicates would select them by their posterior; reasons below).\n",
           "## What a methods researcher learns\n",
           "\n".join(f"- {s}" for s in learn) + "\n",
           "## Coverage\n",
           f"Share of replicates whose {NOMINAL:.0%} interval contains the truth, its Wilson interval at "
           f"{MC_ERRORS:g} Monte-Carlo errors in brackets (the coverages the replicates cannot exclude) and R in "
           f"parentheses; **(!)** where {NOMINAL:.2f} lies outside that interval (rejected). Elsewhere {NOMINAL:.2f} "
           "is not rejected, which is not the same as holding: the interval says how much could hide.\n",
           coverage_table(t.coverage),
           "## Bias and RMSE\n",
           "bias ± Monte-Carlo error / RMSE, against the truth.\n",
           accuracy_table(t.accuracy)]
    if not t.bvm.empty:
        out += ["## Bernstein-von Mises\n",
                "mean posterior sd / mean Louis SE, and mean |z| = |posterior mean - MLE| / SE ± Monte-Carlo error "
                f"(agreement: sd / SE within [{SD_RATIO_BAND[0]:g}, {SD_RATIO_BAND[1]:g}], mean |z| <= {Z_MAX:g}).\n",
                bvm_table(t.bvm)]
    out += ["## EM optima\n",
            "Shares of replicates whose first (2-means) start missed the best optimum found and where a start "
            f"ended at another strict local maximum; mean number of the {settings.n_init} starts that stopped on "
            "the one-normal ridge.\n",
            _rows(t.optima, ["n", "replicates", "first_start_missed", "local_optima", "ridge_stops", "em_failed"],
                  _cell)]
    if not t.switching.empty:
        out += ["## Label switching (unordered model)\n",
                "Counts of each verdict of the label diagnosis (docs/methods.md §4.9); `switching` is the share "
                "`between_chains` or `within_chain`, the verdicts that assert switching.\n",
                _rows(t.switching, ["n", "replicates", *VERDICTS, "switching"], _cell)]
    if sbc is not None and sbc.tests:
        out += ["## Simulation-based calibration (ordered model)\n",
                f"Ranks of the truth among {sbc.tests[0].rank_draws} thinned draws; verdict from the rank ECDF "
                f"against its {SBC_BAND_PROB:.0%} simultaneous band.\n", sbc_table(sbc)]
    out += ["## Failures\n", md_table(["part", "N", "replicates", "failed"],
                                       [[r.part, str(r.n), str(r.replicates), str(r.failed)]
                                        for r in t.failures.itertuples()]),
            failure_reasons(t.replicates),
            "## Time per replicate\n", "Median wall seconds per replicate on a worker: compile is paid by the "
            "first replicate of each worker and model (later ones, of any N, swap their data in), setup is the "
            "rest of the sampler's preparation (placing the chains at the EM estimate, swapping the data in, "
            "assembling the draws), sample is NUTS itself.\n",
            timing_table(t.replicates)]
    if figures:
        out += ["## Figures\n"] + [f"![{about}](figures/{name})\n" for name, about in figures.items()]
    return "\n".join(s for s in out if s)
