"""The report folder of ``emvb bvm``: ``report.md``, ``bvm.csv/.json/.md`` and three PNG figures.

Every sentence comes from :func:`findings`, which reads the study's table and the named thresholds
of compare/thresholds.py (the same ones that set the table's ``agree`` column), so the prose and the
numbers beside it cannot disagree.
"""

from __future__ import annotations

from pathlib import Path

from ..compare.bvm import KS_95, BvMStudy
from ..compare.thresholds import ESS_MIN, RHAT_MAX, bvm_words
from ..files.markdown import reflow
from ..files.output import atomic_dir, atomic_write_text
from ..files.tables import fmt_number as _g
from ..files.tables import md_table, write_table
from ..models.params import PARAM_NAMES
from .figures import save

FIGURES = {
    "bvm.png": "the posterior in SE units, (theta - MLE) / SE, against N(0, 1), one panel per parameter",
    "bvm_grid.png": "the posterior and N(MLE, SE²) in each parameter's units, one row per n",
    "bvm_intervals.png": "Wald, HDI and equal-tailed intervals in SE units at each n",
}
WIDTH = 100


def _fmt_ns(ns: list[int]) -> str:
    return ", ".join(f"{n:,}" for n in ns) if ns else "none"


def outside_space(row) -> list[str]:
    """Which of the row's intervals reach outside the parameter space (pi1 in (0, 1), sigma > 0)."""
    out = []
    for kind in ("wald_plain", "wald", "hdi", "eti"):
        lb, ub = row[f"{kind}_lb"], row[f"{kind}_ub"]
        if (row["parameter"] == "pi1" and (lb <= 0 or ub >= 1)) or (row["parameter"] == "sigma" and lb <= 0):
            out.append(kind)
    return out


def _agreement(table, ns) -> list[str]:
    """From which n on every parameter agrees; at each n where some do not, which and by how much."""
    agree_all = {n: bool(table[table["n"] == n]["agree"].all()) for n in ns}
    from_n = next((n for i, n in enumerate(ns) if all(agree_all[m] for m in ns[i:])), None)
    kind, at = ("bvm_never", ns[-1]) if from_n is None else ("bvm_from", from_n)
    out = [bvm_words(kind, n=at, rule=bvm_words("bvm_rule"))]
    for n in ns:
        sub = table[table["n"] == n].set_index("parameter")
        bad = [k for k in PARAM_NAMES if not sub.loc[k, "agree"]]
        if bad:
            worst = max(bad, key=lambda k: abs(sub.loc[k, "sd_ratio"] - 1))
            out.append(bvm_words("bvm_not_at", n=n, k=len(bad), bad=", ".join(bad), worst=worst,
                                 ratio=_g(sub.loc[worst, "sd_ratio"], 3), z=_g(sub.loc[worst, "z_mean_mle"], 3)))
    return out


def _sampling(table, ns) -> str:
    """Whether R-hat and the ESS meet the thresholds at every n, and where not."""
    worst_rhat = table.groupby("n")["r_hat"].max()
    least_ess = table.groupby("n")["ess_bulk"].min()
    rough = [n for n in ns if worst_rhat[n] > RHAT_MAX or least_ess[n] < ESS_MIN]
    text = f"Sampling: R-hat at most {RHAT_MAX:g} and bulk ESS at least {ESS_MIN} for every parameter "
    if not rough:
        return text + "at every n."
    return text + ("except at " + "; ".join(f"n = {n:,} (largest R-hat {worst_rhat[n]:.3g}, smallest ESS "
                                              f"{least_ess[n]:.0f})" for n in rough)
                   + ", where the posterior summaries carry more Monte Carlo error.")


def findings(table) -> list[str]:
    """Plain sentences, each computed from ``table`` (:func:`compare.bvm.bvm_table`)."""
    ns = sorted(table["n"].unique())
    out = _agreement(table, ns) + [_sampling(table, ns)]
    within = table[table["ks"] <= table["ks_noise"]]
    out.append("The distance between the posterior's distribution function and the normal approximation's (ks) "
               f"is within its Monte Carlo noise ({KS_95:g}/sqrt(ESS)) for {len(within)} of {len(table)} "
               f"(n, parameter) pairs; largest ks at each n: "
               + "; ".join(f"n = {n:,}: {_g(table[table['n'] == n]['ks'].max(), 2)}" for n in ns) + ".")
    left = [(int(r["n"]), r["parameter"], k) for _, r in table.iterrows() for k in outside_space(r)]
    plain = [f"{p} at n = {n:,}" for n, p, k in left if k == "wald_plain"]
    others = [f"{k} for {p} at n = {n:,}" for n, p, k in left if k != "wald_plain"]
    first = (f"The plain Wald interval MLE ± z SE reaches outside the parameter space for {', '.join(plain)}"
             if plain else "The plain Wald interval MLE ± z SE stays inside the parameter space at every n")
    rest = (f"the reported Wald, HDI and equal-tailed intervals reach outside it for {', '.join(others)}" if others
            else "the reported Wald, HDI and equal-tailed intervals never leave it")
    out.append(f"{first}; {rest}.")
    return out


def _table_md(table) -> str:
    rows = []
    for _, r in table.iterrows():
        rows.append([f"{int(r['n']):,}", f"`{r['parameter']}`", _g(r["truth"]), _g(r["mle"], 5), _g(r["se"], 3),
                     _g(r["mean"], 5), _g(r["sd"], 3), _g(r["z_mean_mle"], 2), _g(r["sd_ratio"], 3),
                     f"{_g(r['ks'], 2)} ({_g(r['ks_noise'], 2)})", "yes" if r["agree"] else "no"])
    header = ["n", "parameter", "truth", "MLE", "SE", "post. mean", "post. sd", "(mean - MLE)/SE", "sd/SE",
              "ks (noise)", "agree"]
    return md_table(header, rows, align="---:|---|" + "|".join(["---:"] * 8) + "|---")


def markdown(study: BvMStudy, command: str = "") -> str:
    s = study.settings
    level = int(round(100 * s.ci_prob))
    made = f"Generated by `{command}`. " if command else ""
    first = study.points[0].posterior.attrs.get("priors_description", "")
    return f"""# Bernstein-von Mises made visible: the posterior against N(MLE, SE²) as n grows

{made}One truth ({study.truth}), one simulated sample (seed {s.seed}), nested data sets: the first
n points for n = {_fmt_ns(list(study.n_grid))}. At each n, EM gives the MLE and its Louis standard
error; the ordered PyMC model (mu1 < mu2) gives the posterior ({s.chains} chains x {s.draws} draws
after {s.tune} warm-up, every chain started at the EM estimate). Priors are weakly informative on each
data set's scale (for the smallest: {first}). The theorem (docs/methods.md §5) says the posterior
approaches N(MLE, SE²) as n grows, for a regular model with the truth inside the parameter space.

## Findings

{chr(10).join("- " + f for f in findings(study.table))}

![{FIGURES["bvm.png"]}](bvm.png)

![{FIGURES["bvm_grid.png"]}](bvm_grid.png)

![{FIGURES["bvm_intervals.png"]}](bvm_intervals.png)

## The numbers

ks is the largest distance between the draws' empirical distribution function and that of N(MLE, SE²);
in brackets, its 95% Monte Carlo noise level {KS_95:g}/sqrt(ESS). Intervals ({level}%) are in
`bvm.csv`.

{_table_md(study.table)}"""


def write_bvm(study: BvMStudy, out, *, force: bool = False, command: str = "") -> Path:
    """Write the report folder atomically (refused if it exists, unless ``force``)."""
    from . import bvm_figures as F

    def build(tmp: Path) -> None:
        save(F.standardized_figure(study), tmp / "bvm.png")
        save(F.grid_figure(study), tmp / "bvm_grid.png")
        save(F.intervals_figure(study), tmp / "bvm_intervals.png")
        write_table(study.table, tmp, stem="bvm")
        atomic_write_text(tmp / "report.md", reflow(markdown(study, command), WIDTH))

    return atomic_dir(out, build, force=force)
