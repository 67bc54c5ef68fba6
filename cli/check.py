"""``emvb check``: is the two-component shared-sigma mixture adequate for these data?"""

from __future__ import annotations

import json

from ..adequacy.levels import ALPHA, MIN_BOOT, N_BOOT
from .args import add_data_arguments, positive_int, seed_int

HELP = "is the model adequate? one or two components, shared sigma or not, does the fit reproduce the data"
DESCRIPTION = (
    HELP + f". Three parametric-bootstrap tests of the maximum-likelihood fit at level {ALPHA:g}: the likelihood "
    "ratio of one normal against two components, of a shared sigma against unequal sds (Hathaway's constrained "
    "fit), and an Anderson-Darling test of the fitted mixture. Exit status 0 when the model is adequate (two "
    "components supported, nothing rejected), 1 when a check rejects it or one component suffices, 2 for bad input."
)


def add_arguments(p) -> None:
    add_data_arguments(p)
    p.add_argument("--n-boot", type=positive_int, default=N_BOOT,
                   help=f"bootstrap replicates per test (default {N_BOOT}; at least {MIN_BOOT}, the fewest with "
                        f"which a p-value, 1/(B + 1) at the smallest, can reach {ALPHA:g}: fewer are refused)")
    p.add_argument("--seed", type=seed_int, default=0, help="seed of the EM starts and the replicates (default 0)")
    p.add_argument("--n-init", type=positive_int, default=10, help="EM starts for the fit of the data (default 10)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of the text")


def print_adequacy(a, n: int, sha256: str) -> None:
    print(f"data: n={n}, sha256 {sha256}")
    print(f"model: x ~ pi1 N(mu1, sigma^2) + (1 - pi1) N(mu2, sigma^2); MLE {a.mle}")
    print(f"parametric bootstrap: B = {a.n_boot} per test, seed {a.seed}; a test rejects when p <= {ALPHA:g}")
    for question, line in a.lines():
        print(f"{question + ':':14}{line}")
    if a.adequate:
        print(f"adequate: yes (nothing rejected at the {ALPHA:g} level; not rejected is not proven)")
    else:
        print("adequate: NO (" + ("the model is rejected" if a.rejected_fit else "one component suffices") + ")")


def run(args) -> int:
    from ..adequacy import assess
    from ..files.datafile import load_data

    ds = load_data(args.data, args.column)
    a = assess(ds, n_boot=args.n_boot, seed=args.seed, n_init=args.n_init)
    if args.json:
        print(json.dumps(a.to_json_dict() | {"n": ds.n, "sha256": ds.sha256}))
    else:
        print_adequacy(a, ds.n, ds.sha256)
    return 0 if a.adequate else 1
