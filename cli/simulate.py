"""``emvb simulate``: draw a reproducible data set from known parameters and save it."""

from __future__ import annotations

from .args import add_simulation_arguments

HELP = "simulate data from known parameters (CSV + JSON sidecar with truth, seed, sha256)"


def add_arguments(p) -> None:
    add_simulation_arguments(p)
    p.add_argument("--out", metavar="FILE.csv", required=True, help="CSV to write (refused if it exists)")
    p.add_argument("--force", action="store_true", help="overwrite an existing output")


def run(args) -> int:
    from ..files.datafile import save_dataset, sidecar_path
    from ..models.simulate import simulate

    ds = simulate(args.truth, args.n, args.seed)
    save_dataset(ds, args.out, force=args.force)
    frac = float((ds.values < 0.5 * (args.truth.mu1 + args.truth.mu2)).mean())
    print(f"wrote {args.out} and {sidecar_path(args.out).name}: n={ds.n}, truth: {args.truth}, seed={args.seed}")
    print(f"sha256 {ds.sha256}")
    print(f"mean {ds.values.mean():.4f}, sd {ds.values.std(ddof=1):.4f}, "
          f"share below the midpoint of the means {frac:.4f}")
    return 0
