"""``emvb pitfalls``: the original bug hunt's four mistakes, each run next to the right way."""

from __future__ import annotations

from .args import positive_int, seed_int

HELP = "teaching report: the four mistakes of the original EM bug hunt beside the correct code"
DESCRIPTION = (
    "Run each of the four mistakes of the original bug hunt (density values as data, randn() labels, "
    "a one-component sigma in the M-step, '/ 2*sigma**2' precedence) next to the real code on the same "
    "seed, and write a markdown report with figures and the numbers to a new folder."
)
#: cli.main claims --out before anything is computed.
OUTPUT = "folder"


def add_arguments(p) -> None:
    from ..models.params import DEFAULT_N, DEFAULT_SEED

    p.add_argument("--seed", type=seed_int, default=DEFAULT_SEED,
                   help=f"random seed (default {DEFAULT_SEED})")
    p.add_argument("--n", type=positive_int, default=DEFAULT_N,
                   help=f"points per simulated data set (default {DEFAULT_N})")
    p.add_argument("--out", metavar="FOLDER", required=True,
                   help="report folder to write (refused if it exists)")
    p.add_argument("--force", action="store_true", help="replace an existing report folder")


def run(args) -> int:
    from ..files.output import atomic_dir
    from ..models.errors import SettingError
    from ..teaching.pitfalls import run_all
    from ..teaching.report import write_report

    if args.n < 100:
        # Every pitfall fits a two-component mixture; below ~100 points the SEs swamp the effects shown.
        raise SettingError(f"--n {args.n}: the demonstrations need at least 100 points")
    command = f"emvb pitfalls --seed {args.seed} --n {args.n} --out {args.out}"
    result = run_all(args.seed, args.n)
    written = []
    atomic_dir(args.out, lambda tmp: written.extend(write_report(result, tmp, command)), args.force)
    print(f"wrote {args.out}: " + ", ".join(p.name for p in written))
    return 0
