"""``emvb bvm``: Bernstein-von Mises made visible, the posterior against N(MLE, SE²) on nested data sets."""

from __future__ import annotations

import argparse

from .args import add_sampling_arguments, add_simulation_arguments

#: Writes one report folder (checked, locked and claimed by cli.main before anything runs).
OUTPUT = "folder"

HELP = "the posterior against EM's normal approximation N(MLE, SE²) as n grows (nested data sets)"
DESCRIPTION = (
    "Simulate one sample from the truth and take its first n points for each n of the grid; fit EM and sample "
    "the ordered PyMC model on each; write report.md, bvm.csv/json/md and figures of the posterior against "
    "N(MLE, SE²), one panel per parameter (Bernstein-von Mises made visible)."
)


def n_grid_arg(text: str) -> tuple[int, ...]:
    """``20,100,1000,10000``: sorted distinct whole numbers, each at least 10 (a one-line usage error otherwise)."""
    from ..compare.bvm import check_n_grid
    from ..models.errors import SettingError

    try:
        values = [int(p) for p in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated whole numbers, got {text!r}") from None
    try:
        return check_n_grid(values)
    except SettingError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def add_arguments(p) -> None:
    from ..models.params import DEFAULT_N_GRID

    grid = ",".join(str(n) for n in DEFAULT_N_GRID)
    p.add_argument("--n-grid", type=n_grid_arg, default=DEFAULT_N_GRID, metavar="N1,N2,...",
                   help=f"sizes of the nested data sets (default {grid})")
    add_simulation_arguments(p, n=False)
    add_sampling_arguments(p)
    p.add_argument("--out", metavar="FOLDER", required=True, help="report folder to write (refused if it exists)")
    p.add_argument("--force", action="store_true", help="replace an existing report folder")
    p.add_argument("--quiet", action="store_true", help="no progress display")


def run(args) -> int:
    import sys

    from ..compare.bvm import run_bvm
    from ..report.bvm_report import write_bvm
    from ..sampling.options import Settings
    from .progress import ShownStages

    settings = Settings(chains=args.chains, draws=args.draws, tune=args.tune, seed=args.seed, sampler=args.sampler)
    stages = ShownStages(quiet=args.quiet, title=f"emvb bvm -> {args.out}")
    study = run_bvm(args.truth, args.n_grid, settings, stages=stages)
    grid = ",".join(str(n) for n in args.n_grid)
    command = (f"emvb bvm --n-grid {grid} --truth {args.truth.pi1:g},{args.truth.mu1:g},{args.truth.mu2:g},"
               f"{args.truth.sigma:g} --seed {args.seed} --chains {args.chains} --draws {args.draws} "
               f"--tune {args.tune} --out {args.out}")
    with stages.stage("figures, tables, report.md", "write"):
        write_bvm(study, args.out, force=args.force, command=command)
    if not args.quiet:
        print(f"wrote {args.out}/report.md (total {stages.total:.1f} s)", file=sys.stderr)
    print(args.out)
    return 0
