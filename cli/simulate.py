"""``emvb simulate``: draw a reproducible data set from known parameters and save it."""

from __future__ import annotations

import argparse

from .args import add_simulation_arguments, require_memory

HELP = "simulate data from known parameters (CSV/TSV/text or .npy, + JSON sidecar with truth, seed, sha256)"
#: cli.main claims --out and the sidecar before anything is computed.
OUTPUT = "file"


def extra_outputs(args) -> list[tuple]:
    from ..files.datafile import sidecar_path

    return [(sidecar_path(args.out), False)]


def _data_file(text: str) -> str:
    from ..files.datafile import check_data_suffix
    from ..models.errors import DataError

    try:
        return str(check_data_suffix(text))
    except DataError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def add_arguments(p) -> None:
    add_simulation_arguments(p)
    p.add_argument("--out", metavar="FILE.csv", type=_data_file, required=True,
                   help="file to write: .csv, .tsv, .txt (header x, 17 digits) or .npy (refused if it exists)")
    p.add_argument("--force", action="store_true", help="overwrite an existing output")


def run(args) -> int:
    from ..files.datafile import save_dataset, sidecar_path
    from ..models.simulate import simulate

    require_memory(args.n)
    ds = simulate(args.truth, args.n, args.seed)
    save_dataset(ds, args.out, force=args.force)
    frac = float((ds.values < 0.5 * (args.truth.mu1 + args.truth.mu2)).mean())
    print(f"wrote {args.out} and {sidecar_path(args.out).name}: n={ds.n}, truth: {args.truth}, seed={args.seed}")
    print(f"sha256 {ds.sha256}")
    print(f"mean {ds.values.mean():.4f}, sd {ds.values.std(ddof=1):.4f}, "
          f"share below the midpoint of the means {frac:.4f}")
    return 0
