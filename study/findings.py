"""The report's plain-words findings: each sentence computed from the study's tables and the named
thresholds of :mod:`study.thresholds`, so the words can never contradict the numbers beside them."""

from __future__ import annotations

import pandas as pd

from ..compare.thresholds import bvm_agrees, bvm_words
from ..files.tables import fmt_number
from ..models.params import PARAM_NAMES
from .aggregate import wilson
from .thresholds import LEFT_OUT_SHARE, MC_ERRORS, NOMINAL, RARE_SHARE, SBC_BAND_PROB

INTERVAL_NAMES = {("em", "wald"): "EM's Wald intervals", ("ordered", "hdi"): "the ordered posterior's HDIs",
                  ("ordered", "eti"): "the ordered posterior's equal-tailed intervals",
                  ("unordered", "hdi"): "the relabelled unordered posterior's HDIs",
                  ("unordered", "eti"): "the relabelled unordered posterior's equal-tailed intervals"}
ESTIMATOR_NAMES = {"mle": "the MLE", "ordered_mean": "the ordered posterior mean",
                   "ordered_median": "the ordered posterior median",
                   "unordered_mean": "the relabelled unordered posterior mean",
                   "unordered_median": "the relabelled unordered posterior median"}


def pm(value: float, se: float, digits: int = 3) -> str:
    """``0.948 ± 0.015``."""
    return f"{fmt_number(value, digits)} ± {fmt_number(se, 2)}"


def coverage_text(coverage: float, replicates: int) -> str:
    """``1 [0.94, 1]``: a coverage with its Wilson interval at MC_ERRORS errors, which says how far the true
    coverage could be (a Monte-Carlo error ``sqrt(p (1 - p) / R)`` is 0 at p = 1)."""
    lo, hi = wilson(coverage, replicates)
    return f"{fmt_number(coverage, 3)} [{lo:.3f}, {hi:.3f}]"


def wilson_cell(r) -> str:
    """``N=50 pi1 1 [0.94, 1] (R = 200)``: :func:`coverage_text` of one row of the coverage table."""
    return f"N={r.n} {r.param} {coverage_text(r.coverage, r.replicates)} (R = {int(r.replicates)})"


def _left_out(d: pd.DataFrame, planned: dict[int, int] | None) -> list[tuple[int, int, int]]:
    """``(N, scored, planned)`` where the replicates scored are fewer than planned by more than LEFT_OUT_SHARE
    (a selection)."""
    got = d.groupby("n")["replicates"].max()
    return [(n, int(r), planned[n]) for n, r in got.items()
            if planned and planned.get(n) and (planned[n] - r) / planned[n] > LEFT_OUT_SHARE]


def _survived(d: pd.DataFrame, planned: dict[int, int] | None) -> str:
    """The clause saying where a table is over the replicates the model survived (:func:`_left_out`)."""
    cells = [f"{r} of {p} at N={n}" for n, r, p in _left_out(d, planned)]
    return f"; these are over the replicates the model survived ({', '.join(cells)})" if cells else ""


def coverage_findings(cov: pd.DataFrame, planned: dict[int, int] | None = None) -> list[str]:
    """One sentence per (method, interval): where the nominal coverage is rejected (in which direction), and
    otherwise that it is only not rejected, with the widest Wilson interval: how much could hide.
    ``planned``: posterior replicates per N, to say where a table is over the replicates a model survived."""
    out = []
    for (method, interval), name in INTERVAL_NAMES.items():
        d = cov[(cov["method"] == method) & (cov["interval"] == interval)]
        if d.empty:
            continue
        name = name[0].upper() + name[1:]
        survived = "" if method == "em" else _survived(d, planned)
        flagged = d[d["flag"]]
        lo, hi = wilson(d["coverage"].to_numpy(), d["replicates"].to_numpy())
        widest = d.iloc[int((hi - lo).argmax())]
        if flagged.empty:
            out.append(f"{name}: coverage {NOMINAL:.2f} is not rejected at any N or parameter (observed "
                       f"{d['coverage'].min():.3f} to {d['coverage'].max():.3f}), which is not the same as "
                       f"{NOMINAL:.0%} coverage: every Wilson interval at {MC_ERRORS:g} Monte-Carlo errors contains "
                       f"{NOMINAL:.2f}, the widest being {wilson_cell(widest)}, so a coverage as low as "
                       f"{float(lo.min()):.3f} is not excluded{survived}.")
            continue
        parts = []
        for how, rows in (("too rarely", flagged[flagged["coverage"] < NOMINAL]),
                          ("too often (too wide)", flagged[flagged["coverage"] > NOMINAL])):
            if not rows.empty:
                parts.append(f"{how} at " + ", ".join(wilson_cell(r) for r in rows.itertuples()))
        rest = ~d["flag"].to_numpy()
        tail = [f"elsewhere {NOMINAL:.2f} is not rejected, which allows a coverage as low as "
                f"{float(lo[rest].min()):.3f}"] if rest.any() else []
        tail += [survived[2:]] if survived else []
        out.append(f"{name} cover the truth " + "; and ".join(parts)
                   + f": {NOMINAL:.2f} lies outside the Wilson interval at {MC_ERRORS:g} Monte-Carlo errors (in "
                   "brackets)" + "".join(f"; {t}" for t in tail) + ".")
    return out


def _first_n_from_which(d: pd.DataFrame) -> int | None:
    """Smallest N from which every larger N agrees, or None."""
    ok = list(bvm_agrees(d["sd_over_se"], d["mean_abs_z"]))
    for k in range(len(ok)):
        if all(ok[k:]):
            return int(d["n"].iloc[k])
    return None


def bvm_findings(bvm: pd.DataFrame) -> list[str]:
    """Per model: how posterior sd / SE and mean |z| move with N, and from which N the posterior agrees
    with N(MLE, SE^2) by the comparison's thresholds (for each parameter)."""
    out = []
    for model in dict.fromkeys(bvm["model"]):
        d = bvm[bvm["model"] == model]
        moves, agree, never = [], [], []
        for p in PARAM_NAMES:
            s = d[d["param"] == p].sort_values("n")
            if s.empty:
                continue
            a, b = s.iloc[0], s.iloc[-1]
            moves.append(f"{p} {a.sd_over_se:.2f} -> {b.sd_over_se:.2f} (|z| {a.mean_abs_z:.2f} -> {b.mean_abs_z:.2f})")
            first = _first_n_from_which(s)
            (agree if first is not None else never).append(p if first is None else f"{p} from N={first}")
        n0, n1 = int(d["n"].min()), int(d["n"].max())
        text = (f"The {model} posterior: mean sd / mean SE and mean |z| from N={n0} to N={n1}: " + "; ".join(moves)
                + ". " + bvm_words("study_rule"))
        if agree:
            text += bvm_words("study_agree", params=", ".join(agree))
        if never:
            text += ("; " if agree else "") + bvm_words("study_never", n=n1, params=", ".join(never))
        out.append(text + ".")
    return out


def bias_findings(acc: pd.DataFrame, truth: dict | None) -> list[str]:
    """Per estimator: where its bias is detectable (beyond MC_ERRORS MC errors), with its size."""
    out = []
    for est in dict.fromkeys(acc["estimator"]):
        d = acc[acc["estimator"] == est]
        sig = d[(d["bias"].abs() > MC_ERRORS * d["bias_mc_se"])]
        name = ESTIMATOR_NAMES.get(est, est)
        if sig.empty:
            out.append(f"No bias of {name} is detectable at this precision (every |bias| is within {MC_ERRORS:g} "
                       "Monte-Carlo errors of 0).")
            continue
        cells = []
        for r in sig.itertuples():
            rel = f", {100 * r.bias / abs(truth[r.param]):+.1f}% of the truth" if truth and truth[r.param] else ""
            cells.append(f"N={r.n} {r.param} {pm(r.bias, r.bias_mc_se)}{rel}")
        out.append(f"{name[0].upper() + name[1:]} is biased (beyond {MC_ERRORS:g} Monte-Carlo errors) at "
                   + "; ".join(cells) + ".")
    return out


def share_text(v: float, se: float, replicates: int) -> str:
    """A share with its Monte-Carlo error, ``4.5% ± 1.5%``; at 0 or 1, where that error is 0 and says
    nothing, the Wilson interval at :data:`MC_ERRORS` errors instead, ``0.0% [0.0%, 4.3%]``."""
    if se > 0:
        return f"{100 * v:.1f}% ± {100 * se:.1f}%"
    lo, hi = wilson(v, replicates)
    return f"{100 * v:.1f}% [{100 * float(lo):.1f}%, {100 * float(hi):.1f}%]"


def optima_findings(opt: pd.DataFrame, n_init: int) -> list[str]:
    """How often EM's usual start misses the best optimum, other maxima exist, or a run stops on the ridge."""
    if opt.empty:
        return []

    def shares(col: str) -> str:
        return ", ".join(f"{share_text(getattr(r, col), getattr(r, col + '_mc_se'), r.replicates)} (N={r.n})"
                         for r in opt.itertuples())

    worst = float(opt["first_start_missed"].max())
    first = "EM's usual single start (the 2-means split) "
    if worst < RARE_SHARE:
        where = "every replicate" if worst == 0.0 else f"all but at most {100 * worst:.1f}% of replicates"
        first += f"reached the best optimum the other starts found in {where} at every N"
    else:
        first += f"missed the best optimum found by the other starts in {shares('first_start_missed')} of replicates"
    local = shares("local_optima")
    ridge = ", ".join(f"{r.ridge_stops:.2f} ± {r.ridge_stops_mc_se:.2f} (N={r.n})" for r in opt.itertuples())
    return [first + f". Some start ended at another strict local maximum in {local} of replicates. On average "
            f"{ridge} of the {n_init} starts stopped on the one-normal ridge mu1 ~ mu2 (a saddle, not a maximum). "
            "Multiple starts are what protects the estimate from both."]


def switching_findings(sw: pd.DataFrame) -> list[str]:
    """How often the unordered model's chains (all started at the EM estimate) switched labels, and how
    many replicates got no switching verdict at all (ambiguous labels, chains that disagree)."""
    if sw.empty:
        return []

    def cell(r) -> str:
        found = r.between_chains + r.within_chain
        notes = [f"{share_text(r.switching, r.switching_mc_se, r.replicates)}: {r.between_chains} between chains, "
                 f"{r.within_chain} within"] if found else []
        if r.ambiguous or r.chains_disagree:
            notes.append(f"{r.ambiguous} ambiguous, {r.chains_disagree} with chains that disagree")
        return f"{found} of {r.replicates} at N={r.n}" + (f" ({'; '.join(notes)})" if notes else "")

    out = [f"The unordered model, every chain started at the EM estimate: label switching (verdict between_chains "
           f"or within_chain) was found in {', '.join(cell(r) for r in sw.itertuples())}; its summaries in the "
           "tables are taken after relabelling every draw by ordering mu."]
    if (sw["ambiguous"] + sw["chains_disagree"]).any():
        out.append("Ambiguous replicates (the two copies of the posterior meet, so a crossing of mu1 = mu2 cannot be "
                   "told from exploring one joined region) and replicates whose chains disagree on label-invariant "
                   "quantities get no switching verdict: where they are many, the switching counts say little.")
    return out


def selection_findings(cov: pd.DataFrame, planned: dict[int, int]) -> list[str]:
    """Where a posterior model failed in more than LEFT_OUT_SHARE of a size's replicates: its tables there are
    over the replicates it survived (``planned``: posterior replicates per N)."""
    out = []
    for method, name in (("ordered", "The ordered model"), ("unordered", "The unordered model")):
        cells = [f"{p - r} of {p} replicates at N={n}" for n, r, p in _left_out(cov[cov["method"] == method], planned)]
        if cells:
            out.append(f"{name} failed (reasons under Failures) in {', '.join(cells)}. Its coverage, bias and "
                       "Bernstein-von Mises figures at those sizes are over the replicates it survived, a selection "
                       "by how hard each data set was for the sampler, so they may flatter it.")
    return out


def sbc_findings(sbc) -> list[str]:
    """SBC verdicts per parameter, with the caveats the counts call for."""
    if sbc is None or not sbc.tests:
        return []
    bad = [t.param for t in sbc.tests if not t.uniform]
    head = (f"Simulation-based calibration ({sbc.replicates} replicates at N={sbc.n}, truths drawn from the fixed "
            "prior): ")
    if not bad:
        text = (head + "the ranks of every parameter stay inside the "
                f"{SBC_BAND_PROB:.0%} simultaneous band, so no miscalibration of the ordered model's posterior is "
                "detectable at this number of replicates.")
    else:
        text = (head + f"the ranks of {', '.join(bad)} leave the {SBC_BAND_PROB:.0%} simultaneous band (not uniform): "
                "the posterior is miscalibrated there, or the ranked draws are not independent. With "
                f"{len(sbc.tests)} parameters each tested at {SBC_BAND_PROB:.0%}, one such verdict arises by chance "
                f"with probability about {1 - SBC_BAND_PROB ** len(sbc.tests):.0%}.")
    notes = []
    if sbc.divergent:
        notes.append(f"{sbc.divergent} replicate(s) had divergences over the limit; their ranks are kept, since "
                     "dropping them would select replicates by their posterior")
    if sbc.low_ess:
        notes.append(f"{sbc.low_ess} replicate(s) had a bulk ESS below the number of ranked draws, which makes "
                     "ranks pile up")
    if sbc.without_ranks:
        notes.append(f"{sbc.without_ranks} replicate(s) failed to sample and have no rank")
    return [text + (" " + "; ".join(notes) + "." if notes else "")]
