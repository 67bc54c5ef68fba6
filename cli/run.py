"""``emvb run``: the whole comparison on one data set, written as a report folder."""

from __future__ import annotations

import shlex
import sys

from .args import (
    add_priors_and_init_arguments,
    add_sampling_arguments,
    add_simulation_arguments,
    data_file,
    require_memory,
)

HELP = "simulate or load data, fit EM and both PyMC models, compare, write a report folder"
DESCRIPTION = (
    "Simulate (default: pi1=0.3, mu1=5, mu2=15, sigma=2, n=10000) or load data once; fit EM; sample the "
    "unordered and the ordered PyMC model (chains started at independent prior draws unless --init says "
    "otherwise); diagnose and undo label switching; write report.md, figures, results.nc, "
    "comparison.csv/json/md and summary.json."
)
#: cli.main claims --out before anything is computed; it must not be, hold or be inside an input.
OUTPUT = "folder"
CONFLICTS = {
    ("n", "data"): "--n is the size of simulated data; a --data file has its own",
    ("truth", "data"): "--truth is what data are simulated from; a file's truth, if known, is in its sidecar",
}
REQUIRES = {("column", "data"): "--column picks a column of the --data file"}


def add_arguments(p) -> None:
    add_simulation_arguments(p)
    p.add_argument("--data", metavar="FILE", type=data_file,
                   help="use this data file instead of simulating ('-': CSV from stdin)")
    p.add_argument("--column", metavar="NAME", help="CSV column to use (default: the only numeric column)")
    add_sampling_arguments(p)
    add_priors_and_init_arguments(p)
    p.add_argument("--out", metavar="FOLDER", default="reports/run", help="output folder (default reports/run)")
    p.add_argument("--force", action="store_true", help="replace an existing output folder")
    p.add_argument("--quiet", action="store_true", help="no progress display")


def run(args) -> int:
    from ..compare.alongside import Worker
    from ..compare.pipeline import run_comparison
    from ..files.datafile import load_data
    from ..models.simulate import simulate
    from ..report.folder import prepare_second_process, write_comparison
    from ..sampling.options import Settings
    from .progress import ShownStages

    settings = Settings(chains=args.chains, draws=args.draws, tune=args.tune, seed=args.seed, sampler=args.sampler,
                        init=args.init, priors=str(args.priors))
    if not args.data:
        require_memory(args.n)
    stages = ShownStages(quiet=args.quiet, title=f"emvb run -> {args.out}")
    with Worker() as second:  # a second process: the bootstrap tests, then half of the last stage
        second.submit(prepare_second_process)
        with stages.stage("data", "data"):
            ds = load_data(args.data, args.column) if args.data else simulate(args.truth, args.n, args.seed)
        stages.note(f"{ds.name}: n={ds.n}, sha256 {ds.sha256[:16]}...")
        tree = run_comparison(ds, settings, stages, worker=second)  # a bad --priors is refused before any fitting
        command = "emvb " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if sys.argv[1:2] == ["run"] else ""
        write_comparison(tree, args.out, force=args.force, stages=stages, command=command, worker=second)
    if not args.quiet:
        print(f"wrote {args.out}/report.md (total {stages.total:.1f} s)", file=sys.stderr)
    print(args.out)
    return 0
