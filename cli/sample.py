"""``emvb sample``: sample the PyMC posterior of the mixture and save it as a netCDF DataTree.

The posterior is written whatever its state; one that failed (R-hat above
:data:`compare.thresholds.RHAT_MAX`, bulk ESS below :data:`compare.thresholds.ESS_PER_CHAIN` per chain,
or more than :data:`compare.thresholds.MAX_DIVERGENT_SHARE` of the draws divergent;
:func:`compare.convergence.posterior_check`) gets a warning on stderr with the numbers and exit status
:data:`NOT_CONVERGED`, as ``emvb em`` does. For the unordered model R-hat and ESS are judged on
label-invariant quantities, so label switching between chains is not called a failure.
"""

from __future__ import annotations

import sys

from ..compare.thresholds import ESS_PER_CHAIN, MAX_DIVERGENT_SHARE, RHAT_MAX
from ..models.names import DEFAULT_LIKELIHOOD, LIKELIHOODS
from ..sampling.options import DEFAULT_MASS_MATRIX, MASS_MATRICES
from .args import add_data_arguments, add_priors_and_init_arguments, add_sampling_arguments, priors_for, seed_int
from .em import NOT_CONVERGED

HELP = "sample the PyMC posterior (ordered or unordered mu) and save it as netCDF (posterior.nc)"
DESCRIPTION = (
    "Sample the posterior of the shared-sigma two-component mixture with NUTS and write an "
    "xarray DataTree (posterior, sample_stats, observed_data) as netCDF; arviz.from_netcdf opens it. "
    "Priors are symmetric in the labels; by default weakly informative with scales computed from the data "
    "(--priors fixes them). Chains start at independent prior draws by default; 'dispersed' places half "
    "the chains of the unordered model in each labelling of the EM estimate (a teaching device). "
    f"Exit status 0 when the chains converged, {NOT_CONVERGED} when they did not (R-hat above {RHAT_MAX:g}, bulk "
    f"ESS below {ESS_PER_CHAIN} per chain, or more than {100 * MAX_DIVERGENT_SHARE:g} percent of the draws "
    "divergent; for the unordered model on label-invariant quantities; the posterior is written all the same, "
    "with a warning on stderr), 2 for bad input."
)
#: cli.main claims --out before anything is computed; it must not be an input (data, sidecar, priors file).
OUTPUT = "file"


def add_arguments(p) -> None:
    from ..models.params import DEFAULT_SEED

    add_data_arguments(p)
    p.add_argument("--model", choices=("ordered", "unordered"), required=True,
                   help="ordered: mu1 < mu2 imposed (no label switching); unordered: exchangeable mu")
    add_sampling_arguments(p, min_tune=0)
    p.add_argument("--seed", type=seed_int, default=DEFAULT_SEED,
                   help=f"random seed (default {DEFAULT_SEED})")
    add_priors_and_init_arguments(p)
    p.add_argument("--likelihood", choices=LIKELIHOODS, default=DEFAULT_LIKELIHOOD,
                   help="closed logistic form (default, faster) or pm.NormalMixture (same density)")
    p.add_argument("--mass-matrix", choices=MASS_MATRICES, default=DEFAULT_MASS_MATRIX,
                   help="NUTS mass-matrix adaptation: dense (default; follows the correlation the ordered "
                   "transform creates) or diag")
    p.add_argument("--out", metavar="FILE.nc", required=True,
                   help="netCDF file to write (refused if it exists)")
    p.add_argument("--force", action="store_true", help="overwrite an existing output")


def run(args) -> int:
    from .. import em
    from ..files.datafile import load_data
    from ..files.netcdf import atomic_write_netcdf

    out = args.out
    ds = load_data(args.data, args.column)
    priors = priors_for(args, ds.values)  # bad data or priors are refused before the slow imports below
    start = em.fit(ds.values).params if args.init in ("em", "dispersed") else None

    import arviz as az

    from ..models.pymc_model import build_model
    from ..sampling.sample import sample

    model = build_model(ds, priors=priors, ordered=args.model == "ordered", likelihood=args.likelihood)
    dt = sample(model, chains=args.chains, draws=args.draws, tune=args.tune, seed=args.seed,
                sampler=args.sampler, init=args.init, start=start, mass_matrix=args.mass_matrix)
    dt.attrs = dict(dt.attrs) | {"start_source": "em.fit" if start is not None else "prior draws"}
    atomic_write_netcdf(out, dt)

    a = dt.attrs
    print(f"wrote {out}: {args.model} model, {a['chains']} chains x {a['draws']} draws "
          f"(+{a['tune']} tune), sampler {a['sampler']} ({a['mass_matrix']} mass matrix), init {a['init']}, "
          f"seed {a['seed']}")
    print(f"data {ds.name}: n={ds.n}, sha256 {ds.sha256}")
    print(f"priors: {a['priors_description']} ({priors.source()})")
    if start is not None:
        print(f"start (EM estimate): {start}")
    print(f"compile {a['compile_time']:.1f} s, sampling {a['sampling_time']:.1f} s, "
          f"wall {a['wall_time']:.1f} s; "
          f"divergences {a['n_divergent']}, max tree depth reached {a['n_max_treedepth']} times")
    summary = az.summary(dt, var_names=["pi1", "mu", "sigma"], ci_kind="hdi", ci_prob=0.95, round_to=4)
    print(summary.to_string())
    if args.model == "unordered":
        print("note: in the unordered model the labels are not identified; chains in different labellings "
              "give r_hat >> 1 and averaged summaries for pi1 and mu (label switching, not a sampler "
              "failure); sigma is label-invariant")
    return _check(dt, args.model == "ordered")


def _check(dt, ordered: bool) -> int:
    """Warn on stderr and return :data:`NOT_CONVERGED` when the posterior failed its check (module note)."""
    from ..compare.convergence import posterior_check

    ck = posterior_check(dt, ordered)
    print(f"check: max R-hat {ck.rhat:.4g}, min bulk ESS {ck.ess:.4g} over {ck.quantities}; "
          f"{ck.n_divergent} divergences")
    failures = ck.failures()
    if not failures:
        return 0
    advice = ck.advice()
    print(f"warning: the {'ordered' if ordered else 'unordered'} posterior failed its check over {ck.quantities}: "
          + "; ".join(failures) + (f"; {advice}" if advice else "")
          + ". Its summaries are not estimates of the posterior.", file=sys.stderr)
    return NOT_CONVERGED
