"""``emvb validate``: is an estimate you got elsewhere a maximum of the likelihood, and which?"""

from __future__ import annotations

import argparse
import json

from ..adequacy.levels import N_BOOT
from .args import add_data_arguments, nonneg_int, params_arg, positive_int, seed_int

HELP = "check an EM estimate from elsewhere: global maximum, local maximum, or not a maximum"
DESCRIPTION = (HELP + ". A maximum must be stationary (scaled gradient within --tolerance standard errors) "
               "with negative definite curvature, and EM started at it must stay within --tolerance SE; the "
               "verdict names every test that failed. Exit status 0 for global_max, 1 for local_max or "
               "not_a_max, 2 for bad input.")


def positive_float(text: str) -> float:
    """An argparse type: a finite number > 0."""
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (v > 0 and v < float("inf")):
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text!r}")
    return v


def add_arguments(p) -> None:
    add_data_arguments(p)
    p.add_argument("--estimate", type=params_arg, required=True, metavar="PI1,MU1,MU2,SIGMA",
                   help="the estimate to check, in either labelling")
    p.add_argument("--n-init", type=positive_int, default=10, help="EM starts for the best optimum (default 10)")
    p.add_argument("--seed", type=seed_int, default=0, help="seed for EM starts and sampling (default 0)")
    p.add_argument("--tolerance", type=positive_float, default=None, metavar="SE",
                   help="how many standard errors from the maximum still count as at it (default 0.05); for an "
                        "estimate rounded for printing, e.g. 0.5 (3 significant figures are 0.2-0.4 SE from the "
                        "maximum at n = 500-10000, more at larger n): 'is this the maximum up to rounding?'")
    p.add_argument("--bayes", action="store_true",
                   help="also sample the ordered model and locate the estimate in its posterior")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    p.add_argument("--n-boot", type=nonneg_int, default=N_BOOT,
                   help=f"bootstrap replicates of the model checks of 'emvb check' (default {N_BOOT}; 0 skips them)")


def _fmt(v: float) -> str:
    return f"{v:.6g}"


def print_validation(v) -> None:
    from ..models.params import PARAM_NAMES

    print(f"data: n={v.n}, sha256 {v.sha256}")
    print(f"verdict: {v.verdict}  ({'; '.join(v.reasons)})")
    names = {"stationary": f"stationary within {v.tolerance:g} SE ({v.stationarity_se:.3g})",
             "negative_definite": "negative definite curvature",
             "at_optimum": f"EM from it stays within {v.tolerance:g} SE ({v.distance_to_local_se:.3g})",
             "best": "the best log-likelihood found"}
    print("tests: " + "; ".join(f"{names[k]}: {'yes' if ok else 'NO'}" for k, ok in v.tests.items()))
    print(f"{'':12}{'estimate':>12}{'our MLE':>12}{'MLE SE':>12}{'grad*SE':>12}{'one EM step':>13}")
    est, best = v.estimate.to_dict(), (v.best if v.labelling == "as_mle" else v.best.swapped()).to_dict()
    step = v.em_step.to_dict() if v.em_step is not None else {}
    se = v.best_se
    for j, k in enumerate(PARAM_NAMES):
        row = [est[k], best[k], se[k], v.scaled_gradient[j], step.get(k, float("nan"))]
        print(f"{k:12}" + "".join(f" {_fmt(t):>11}" for t in row[:4]) + f" {_fmt(row[4]):>12}")
    print(f"log-likelihood at the estimate {v.loglik:.6f}; best found {v.best_loglik:.6f} "
          f"(gap {v.best_loglik - v.loglik:.6g})")
    print("scaled Hessian eigenvalues (D H D, D = diag(SE)): "
          + ", ".join(_fmt(e) for e in v.hessian_eigenvalues)
          + ("  -> negative definite" if (v.hessian_eigenvalues < 0).all() else "  -> NOT negative definite"))
    print(f"one EM step moves it {v.em_step_se:.4g} SE; distance to our MLE {v.distance_se:.4g} SE "
          f"({'same' if v.labelling == 'as_mle' else 'swapped'} labelling); Newton decrement {v.newton_decrement:.4g}")
    if v.adequacy is not None:
        from ..geometry.validate import model_note

        print(f"model: {model_note(v.adequacy)}")
    if v.bayes is not None:
        b = v.bayes
        q = ", ".join(f"{k} {b.quantiles[k]:.3f}" for k in PARAM_NAMES)
        print(f"ordered-model posterior ({b.draws} draws): quantile of the estimate: {q}; "
              f"Mahalanobis distance {b.mahalanobis:.3g} posterior sd; "
              f"share of draws farther out {b.tail_probability:.3g}")


def run(args) -> int:
    import dataclasses

    from ..adequacy import assess
    from ..em import fit
    from ..files.datafile import load_data
    from ..geometry.validate import TOLERANCE_SE, bayes_check, validate

    ds = load_data(args.data, args.column)
    tol = TOLERANCE_SE if args.tolerance is None else args.tolerance
    best = fit(ds, n_init=args.n_init, seed=args.seed)
    v = validate(ds, args.estimate, n_init=args.n_init, seed=args.seed, tolerance=tol, best=best)
    if args.n_boot:
        v = dataclasses.replace(v, adequacy=assess(ds, best, n_boot=args.n_boot, seed=args.seed))
    if args.bayes:
        from ..models.pymc_model import build_model
        from ..sampling.sample import sample

        model = build_model(ds, ordered=True)
        post = sample(model, chains=4, draws=1000, tune=1000, seed=args.seed, init="em", start=v.best)
        v = dataclasses.replace(v, bayes=bayes_check(args.estimate, post))
    if args.json:
        print(json.dumps(v.to_json_dict()))
    else:
        print_validation(v)
    return v.exit_code
