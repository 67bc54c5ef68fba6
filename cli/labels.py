"""``emvb labels``: diagnose and undo label switching in anyone's posterior of the mixture."""

from __future__ import annotations

import json

from .args import add_data_arguments, input_file

HELP = "diagnose and undo label switching in a posterior netCDF written by emvb or your own PyMC/Stan code"
DESCRIPTION = (
    "Read a posterior of a two-component mixture with one shared sigma (a netCDF/DataTree, e.g. written "
    "by arviz.to_netcdf; a weights vector of length 2 is accepted), check that it was fitted to --data "
    "when it records the data's sha256, and print the label-switching verdict with its evidence, each "
    "chain's labelling and the share of its draws in the other one, and each relabelling method's share "
    "of swapped draws; --out writes the posterior relabelled by --method, in the file's own layout. "
    "Exit status 0, or 2 for bad input."
)
#: cli.main claims --out (when given) before anything is computed; it must not be an input (data,
#: sidecar, posterior).
OUTPUT = "file"


def add_arguments(p) -> None:
    from ..labels.methods import METHODS

    add_data_arguments(p)
    p.add_argument("--posterior", metavar="POST.nc", required=True, type=input_file,
                   help="the posterior draws (netCDF)")
    p.add_argument("--weights", metavar="NAME", default="pi1",
                   help="weight of component 1 per draw, or a vector of both weights (default pi1)")
    p.add_argument("--means", metavar="NAME", default="mu", help="the two means per draw (default mu)")
    p.add_argument("--sigma", metavar="NAME", default="sigma", help="the shared sigma per draw (default sigma)")
    p.add_argument("--method", choices=METHODS, default="stephens",
                   help="relabelling written to --out (default stephens; docs/methods.md §4)")
    p.add_argument("--out", metavar="RELABELLED.nc", help="write the relabelled posterior here")
    p.add_argument("--force", action="store_true", help="overwrite an existing --out")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")


def label_report(diagnosis, relabelled: dict, sha256: str) -> dict:
    """The ``--json`` object: verdict, chains, methods, sha256 (plus the boundary facts)."""
    def plain(v):
        return v.item() if hasattr(v, "item") else v

    return {
        "verdict": diagnosis.verdict,
        "chains": [{"chain": plain(c.chain), "labelling": c.labelling, "share_other": c.share_other}
                   for c in diagnosis.chains],
        "methods": {m: {"swapped_share": r.share_swapped} for m, r in relabelled.items()},
        "sha256": sha256,
        "boundary_share": diagnosis.boundary_share,
        "crossing_share": diagnosis.crossing_share,
        "separation": diagnosis.separation if diagnosis.separation != float("inf") else None,
    }


def _print_text(args, ds, diagnosis, relabelled, recorded, observed) -> None:
    import textwrap

    checked = [what for what, done in (("record", recorded), ("observed_data", observed)) if done]
    print(f"data {ds.name}: n={ds.n}, sha256 {ds.sha256} "
          + (f"(matches the posterior's {' and '.join(checked)})" if checked
             else "(the posterior records neither a data sha256 nor observed_data)"))
    n_chains = len(diagnosis.chains)
    print(f"posterior {args.posterior}: {n_chains} chains (weights {args.weights!r}, means {args.means!r}, "
          f"sigma {args.sigma!r})")
    print(f"verdict: {diagnosis.verdict}")
    print(textwrap.fill(diagnosis.explain(), width=100))
    print(f"{'chain':>8}  {'labelling':<10} {'in the other labelling':>23}")
    for c in diagnosis.chains:
        print(f"{str(c.chain):>8}  {c.labelling:<10} {100 * c.share_other:>22.2f}%")
    print("share of draws each method swapped: "
          + ", ".join(f"{m} {100 * r.share_swapped:.2f}%" for m, r in relabelled.items()))


def run(args) -> int:
    from pathlib import Path

    from .. import em
    from ..files.datafile import load_data
    from ..files.netcdf import atomic_write_netcdf
    from ..labels.diagnose import diagnose_labels
    from ..labels.foreign import Names, read_posterior, relabel_in_place, require_observed, standard_posterior
    from ..labels.inputs import prepare
    from ..labels.relabel import relabel_all
    from ..models.data import recorded_sha256, require_same_data

    out = Path(args.out) if args.out else None  # claimed by cli.main: never an input
    ds = load_data(args.data, args.column)
    tree = read_posterior(args.posterior)
    recorded = recorded_sha256(tree)
    require_same_data(recorded, ds.sha256, f"{args.data} (the posterior {args.posterior} records other data)")
    observed = require_observed(tree, ds, args.data, args.posterior)  # a foreign posterior's data, if given
    names = Names(args.weights, args.means, args.sigma)
    std = standard_posterior(tree, names, where=str(args.posterior))
    fit = em.fit(ds)
    inputs = prepare(std, data=ds, em_result=fit)  # in the data's standardisation (EM's), shared by both
    diagnosis = diagnose_labels(std, fit, inputs=inputs)
    relabelled = relabel_all(std, em_result=fit, inputs=inputs)
    if out is not None:
        new = relabel_in_place(tree, names, relabelled[args.method].perm, args.method)
        atomic_write_netcdf(out, new)
    if args.json:
        doc = label_report(diagnosis, relabelled, ds.sha256)
        doc |= {"relabelled_with": args.method if out else None, "out": str(out) if out else None}
        print(json.dumps(doc, indent=2))
    else:
        _print_text(args, ds, diagnosis, relabelled, recorded, observed)
        if out is not None:
            print(f"wrote {out} (labels by {args.method})")
    return 0
