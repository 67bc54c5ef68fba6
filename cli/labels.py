"""``emvb labels``: diagnose and undo label switching in anyone's posterior of the mixture."""

from __future__ import annotations

import json
import textwrap

from .args import add_data_arguments, input_file

HELP = "diagnose and undo label switching in a posterior netCDF written by emvb or your own PyMC/Stan code"
DESCRIPTION = (
    "Read a posterior of a 1-D Gaussian mixture with K >= 2 components (a netCDF/DataTree, e.g. written by "
    "arviz.to_netcdf from PyMC, NumPyro or CmdStanPy: weights of length K or K - 1 free, K means, one shared "
    "sigma or K sigmas; names given or detected), check that it was fitted to --data when it records the data's "
    "sha256 or carries observed_data, and print the label-switching verdict with its evidence, each chain's "
    "labelling and the share of its draws in other ones, each relabelling method's share of relabelled draws "
    "and, for K components, the agreement between methods; --out writes the posterior relabelled by --method, "
    "in the file's own layout (K components: with a 'relabelling' group holding every method's per-draw "
    "permutations). Two components with a shared sigma use the two-component methods (docs/methods.md §4), "
    "anything else, or a method only they have, the K-component ones (§4.10). Exit status 0, or 2 for bad input."
)
#: cli.main claims --out (when given) before anything is computed; it must not be an input (data,
#: sidecar, posterior).
OUTPUT = "file"


def all_methods() -> tuple[str, ...]:
    """The two-component methods, then the K-component ones not among them."""
    from ..labels.methods import METHODS, METHODS_K

    return METHODS + tuple(m for m in METHODS_K if m not in METHODS)


def add_arguments(p) -> None:
    add_data_arguments(p)
    p.add_argument("--posterior", metavar="POST.nc", required=True, type=input_file,
                   help="the posterior draws (netCDF)")
    p.add_argument("--weights", metavar="NAME",
                   help="the weights per draw: K of them, or the K - 1 free ones (for K = 2 the weight of component "
                   "1); default: the first of pi1, w, weights, pi, theta, p in the file")
    p.add_argument("--means", metavar="NAME", help="the K means per draw (default: the first of mu, means, mus, loc, "
                   "locs)")
    p.add_argument("--sigma", metavar="NAME", help="one shared sigma or K sigmas per draw (default: the first of "
                   "sigma, sigmas, sd, sds, scale, scales)")
    p.add_argument("--method", choices=all_methods(), default="stephens",
                   help="relabelling written to --out (default stephens; docs/methods.md §4, §4.10)")
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


def _two_components(args, ds, tree, draws, lay, out) -> tuple[dict, list[str]]:
    """Two components with one shared sigma: the two-component stage (:mod:`labels.relabel`); the
    ``--json`` object and the lines of text."""
    from dataclasses import replace

    from .. import em
    from ..files.netcdf import atomic_write_netcdf
    from ..labels import foreign
    from ..labels.diagnose import diagnose_labels
    from ..labels.inputs import prepare
    from ..labels.relabel import relabel_all

    std = foreign.standard_posterior(tree, draws)
    fit = em.fit(ds)
    inputs = prepare(std, data=ds, em_result=fit)  # in the data's standardisation (EM's), shared by both
    diagnosis = diagnose_labels(std, fit, inputs=inputs)
    relabelled = relabel_all(std, em_result=fit, inputs=inputs)
    if out is not None:
        shared = replace(lay, sigma_dim=None)  # a sigma given twice keeps both entries as they were
        atomic_write_netcdf(out, foreign.relabel_layout(tree, shared, foreign.swap_perm(relabelled[args.method].perm),
                                                        args.method))
    lines = [f"posterior {args.posterior}: {len(diagnosis.chains)} chains (weights {lay.weights!r}, means "
             f"{lay.means!r}, sigma {lay.sigma!r})", f"verdict: {diagnosis.verdict}",
             textwrap.fill(diagnosis.explain(), width=100),
             f"{'chain':>8}  {'labelling':<10} {'in the other labelling':>23}"]
    lines += [f"{str(c.chain):>8}  {c.labelling:<10} {100 * c.share_other:>22.2f}%" for c in diagnosis.chains]
    lines.append("share of draws each method swapped: "
                 + ", ".join(f"{m} {100 * r.share_swapped:.2f}%" for m, r in relabelled.items()))
    if out is not None:
        lines.append(f"wrote {out} (labels by {args.method})")
    return label_report(diagnosis, relabelled, ds.sha256), lines


def _k_components(args, ds, tree, draws, lay, out) -> tuple[dict, list[str]]:
    """K components (or two with their own sigmas): :func:`labels.mixture.relabel_mixture`; the ``--json``
    object and the lines of text."""
    from ..files.netcdf import atomic_write_netcdf
    from ..labels.mixture import relabel_mixture, report_k
    from ..labels.relabel import NEEDS_EM
    from ..labels.wording import labelling_text
    from ..models.errors import SettingError

    if args.method in NEEDS_EM:
        raise SettingError(f"--method {args.method} needs the two-component model with one shared sigma (it uses "
                           "the EM fit); choose another method")
    result = relabel_mixture(tree, ds, weights=args.weights, means=args.means, sigma=args.sigma,
                             method=args.method, where=str(args.posterior))
    if out is not None:
        atomic_write_netcdf(out, result)
    doc = report_k(result, ds.sha256)
    lines = [f"posterior {args.posterior}: {doc['components']} components, {len(doc['chains'])} chains (weights "
             f"{lay.weights!r}, means {lay.means!r}, sigma {lay.sigma!r})", f"verdict: {doc['verdict']}",
             textwrap.fill(doc["explanation"], width=100),
             f"{'chain':>8}  {'labelling':<12} {'in other labellings':>20}"]
    lines += [f"{str(c['chain']):>8}  {labelling_text(c['labelling']):<12} {100 * c['share_other']:>19.2f}%"
              for c in doc["chains"]]
    lines += ["share of draws each method permuted: "
              + ", ".join(f"{m} {100 * v['permuted_share']:.2f}%" for m, v in doc["methods"].items()),
              textwrap.fill("agreement between methods: " + doc["agreement_meaning"], width=100)]
    if out is not None:
        lines.append(f"wrote {out} (labels by {args.method}; every method's permutations in its 'relabelling' group)")
    return doc, lines


def run(args) -> int:
    from pathlib import Path

    from ..files.datafile import load_data
    from ..labels import foreign
    from ..labels.methods import METHODS
    from ..models.data import recorded_sha256, require_same_data

    out = Path(args.out) if args.out else None  # claimed by cli.main: never an input
    ds = load_data(args.data, args.column)
    tree = foreign.read_posterior(args.posterior)
    recorded = recorded_sha256(tree)
    require_same_data(recorded, ds.sha256, f"{args.data} (the posterior {args.posterior} records other data)")
    observed = foreign.require_observed(tree, ds, args.data, args.posterior)  # a foreign posterior's data, if given
    draws, lay = foreign.read_mixture(tree, foreign.Names(args.weights, args.means, args.sigma), str(args.posterior))
    two = foreign.two_component(draws) and args.method in METHODS  # else the K-component methods
    doc, lines = (_two_components if two else _k_components)(args, ds, tree, draws, lay, out)
    if args.json:
        print(json.dumps(doc | {"relabelled_with": args.method if out else None, "out": str(out) if out else None},
                         indent=2))
        return 0
    checked = [what for what, done in (("record", recorded), ("observed_data", observed)) if done]
    print(f"data {ds.name}: n={ds.n}, sha256 {ds.sha256} "
          + (f"(matches the posterior's {' and '.join(checked)})" if checked
             else "(the posterior records neither a data sha256 nor observed_data)"))
    print("\n".join(lines))
    return 0
