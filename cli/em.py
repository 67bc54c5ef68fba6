"""``emvb em``: fit the mixture to a data file by the hand-written EM.

Default output is a readable table (estimate, SE, 95% Wald CI, iterations, convergence, and the
other end points EM reached, saddles marked); with ``--json`` exactly one JSON object,
:meth:`em.EMResult.to_json_dict`, on stdout. A best fit that did not converge is printed all the
same, with a warning on stderr and exit status :data:`NOT_CONVERGED`.
"""

from __future__ import annotations

import json
import sys

from ..em.starts import SUBSAMPLE
from ..models.params import resolved
from .args import add_data_arguments, nonneg_int, positive_int, seed_int

#: Exit status when the best fit did not converge (its estimate is still printed).
NOT_CONVERGED = 1

HELP = "maximum-likelihood fit by the hand-written EM (estimate, SE, 95% CI; --json for machines)"
DESCRIPTION = (
    "Fit the shared-sigma two-component mixture to a data file by the hand-written EM (several starts, "
    "SQUAREM acceleration) and print the estimate, Louis standard errors, 95 percent Wald intervals "
    "(on logit(pi1) and log(sigma)), iterations and convergence; --json prints one JSON object instead. "
    f"Exit status 0 when the best fit converged to a maximum, {NOT_CONVERGED} when it did not (the "
    "estimate is printed all the same, with a warning on stderr), 2 for bad input."
)


def add_arguments(p) -> None:
    add_data_arguments(p)
    p.add_argument("--n-init", type=positive_int, default=10, metavar="K",
                   help="number of EM starts (quantile splits and random data points; default 10)")
    p.add_argument("--seed", type=seed_int, default=0, help="seed of the random starts (default 0)")
    p.add_argument("--max-iter", type=positive_int, default=10_000, metavar="N",
                   help="SQUAREM iterations per start (default 10000)")
    p.add_argument("--start-sample", type=nonneg_int, default=SUBSAMPLE, metavar="M",
                   help="with more than 2M points, run the starts on an evenly strided subsample of about M "
                        "points and polish each maximum found on all data; 0 runs every start on all data "
                        f"(default {SUBSAMPLE})")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of the table")


def format_table(result, name: str) -> str:
    """The human-readable summary of an :class:`em.EMResult`."""
    ci = result.ci(0.95)
    rows = []
    for k, v in result.params.to_dict().items():
        lo, hi = ci[k]
        se = getattr(result.se, k)
        r = 0.1 * se if se > 0 else 1e-3 * result.params.sigma  # digits down to a tenth of the SE, at any offset
        rows.append((k, resolved(v, r), se, f"[{resolved(lo, r)}, {resolved(hi, r)}]"))
    w_est, w_ci = max(14, *(len(r[1]) + 2 for r in rows)), max(30, *(len(r[3]) + 1 for r in rows))
    lines = [f"EM fit of {name}: n={result.n}, sha256 {result.sha256[:16]}...",
             f"{'parameter':<10}{'estimate':>{w_est}}{'SE':>12} {'95% CI':>{w_ci}}"]
    lines += [f"{k:<10}{est:>{w_est}}{se:>12.4g} {interval:>{w_ci}}" for k, est, se, interval in rows]
    status = "converged" if result.converged else "NOT converged"
    lines.append(f"log-likelihood {result.loglik:.6f}; {status} after {result.n_iter} iterations "
                 f"({result.n_map_evals} EM-map evaluations): {result.reason}")
    starts = result.runs
    on = "" if starts.subsample is None else (f" on a strided subsample of {starts.subsample:,} points (each "
                                              "maximum polished on all data)")
    lines.append(f"{len(starts)} start(s){on}, {len(starts.optima)} distinct end point(s); "
                 f"{starts.optima[0].count} reached the best")
    for j, opt in enumerate(starts.optima[1:], start=1):
        lines.append(f"  other end point {j}: {opt.params}, log-likelihood {opt.loglik:.4f} "
                     f"({opt.count} start(s)){end_point_kind(result, j)}")
    return "\n".join(lines)


def end_point_kind(result, j: int) -> str:
    """What end point ``j`` is, from its best run's stopping reason: a saddle on the one-normal ridge, a
    point where a run merely stopped, or (nothing to add) a converged maximum."""
    from ..em.iterate import REASON_NOT_MAX, REASON_STALLED

    opt = result.runs.optima[j]
    rep = max((r for r in result.runs if r.optimum == j), key=lambda r: r.loglik)
    if not opt.is_max and rep.reason in (REASON_NOT_MAX, REASON_STALLED):
        return (": a saddle on the one-normal ridge mu1 ~ mu2 (observed information not positive definite), "
                "not a maximum")
    if not rep.converged:
        return f": not converged ({rep.reason}), not shown to be a maximum"
    return ""


def not_converged_warning(result) -> str:
    """The stderr line for a best fit that did not converge."""
    return (f"emvb em: warning: the best of {len(result.runs)} EM runs did NOT converge ({result.reason}); "
            "its estimate is not shown to be a maximum: try more starts (--n-init), another --seed, or more "
            "iterations (--max-iter)")


def run(args) -> int:
    from .. import em
    from ..files.datafile import load_data

    ds = load_data(args.data, args.column)
    result = em.fit(ds, n_init=args.n_init, seed=args.seed, max_iter=args.max_iter,
                    start_sample=args.start_sample or None)
    if args.json:
        print(json.dumps(result.to_json_dict()))
    else:
        print(format_table(result, ds.name))
    if not result.converged:
        print(not_converged_warning(result), file=sys.stderr)
        return NOT_CONVERGED
    return 0
