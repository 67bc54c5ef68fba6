"""``emvb study``: a repeated-sampling study of EM and the posterior, on Dask, resumable."""

from __future__ import annotations

import argparse
import shlex
import sys

from ..study.progress import PROGRESS_EVERY, WAIT_WORKERS
from .args import add_sampling_arguments, nonneg_int, params_arg, positive_int, priors_spec, seed_int

HELP = "repeated-sampling study: coverage, bias, Bernstein-von Mises, SBC over many simulated data sets"
DESCRIPTION = (
    "Simulate many data sets from one truth (or, for SBC, from the prior), fit each by EM and the PyMC "
    "model(s), and report coverage of Wald/HDI/equal-tailed intervals with Monte-Carlo errors, bias and RMSE, "
    "posterior sd / SE and |posterior mean - MLE| / SE against N, EM local optima, label switching and "
    "simulation-based calibration. Replicates run as Dask tasks (a local cluster, or --scheduler), each "
    "recorded in OUT/study.sqlite as it finishes: the same command resumes an interrupted study."
)


def int_list(text: str) -> tuple[int, ...]:
    """``50,200,1000`` -> (50, 200, 1000); empty or non-numeric is a one-line usage error."""
    try:
        return tuple(int(p) for p in text.split(","))  # int() allows spaces around a number, refuses ""
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a comma-separated list of whole numbers, got {text!r}") from None


def name_list(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in text.split(",") if p.strip())


def add_arguments(p) -> None:
    from ..study.settings import SCENARIOS

    p.add_argument("--scenario", choices=list(SCENARIOS), help="preset truth (default separated: 0.3,5,15,2)")
    p.add_argument("--truth", type=params_arg, metavar="PI1,MU1,MU2,SIGMA",
                   help="a truth of your own (scenario 'custom')")
    p.add_argument("--n", type=int_list, default=(50, 200, 1000, 10000), metavar="N,N,...",
                   help="data sizes (default 50,200,1000,10000)")
    p.add_argument("--replicates", type=int_list, default=(200,), metavar="R[,R,...]",
                   help="replicates fitted by EM and the posterior: one count, or one per N (default 200)")
    p.add_argument("--em-replicates", type=int_list, metavar="M[,M,...]",
                   help="replicates fitted by EM, >= --replicates; the extra ones are EM only (default: --replicates)")
    p.add_argument("--models", type=name_list, default=("ordered",), metavar="ordered,unordered",
                   help="posterior models (default ordered)")
    p.add_argument("--em-only", action="store_true", help="EM only, no posterior (fast; --replicates per N)")
    add_sampling_arguments(p, sampler=False)
    p.add_argument("--priors", metavar="FILE|TEXT", type=priors_spec,
                   help="fixed prior, e.g. 'pi1=beta:1,1;mu=normal:10,10;sigma=halfnormal:5' or a .json/.toml "
                   "file (default: Beta(1,1), Normal(m, 2s), HalfNormal(2s) with m, s the true mixture's mean and sd)")
    p.add_argument("--sbc", type=nonneg_int, default=0, metavar="R",
                   help="simulation-based calibration replicates of the ordered model (default 0)")
    p.add_argument("--sbc-n", type=positive_int, metavar="N",
                   help="data size of the SBC replicates (default: smallest --n)")
    p.add_argument("--seed", type=seed_int, default=2026, help="study seed (default 2026)")
    p.add_argument("--out", metavar="FOLDER", required=True, help="study folder (store, report, tables, figures)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=positive_int, help="local worker processes (default: the core count)")
    where.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="run on this Dask scheduler's workers")
    p.add_argument("--wait-workers", type=positive_float, default=WAIT_WORKERS, metavar="SECONDS",
                   help=f"with --scheduler: how long to wait for a scheduler without workers to get one before "
                   f"giving up with exit status 2 (default {WAIT_WORKERS:g})")
    p.add_argument("--progress-every", type=positive_float, default=PROGRESS_EVERY, metavar="SECONDS",
                   help="when stderr is not a terminal (a log), print a progress line this often instead of the "
                   f"bar (default {PROGRESS_EVERY:g})")
    p.add_argument("--force", action="store_true", help="start afresh in a folder that holds another study")
    p.add_argument("--quiet", action="store_true", help="no progress bar or lines")


def positive_float(text: str) -> float:
    """A finite number > 0 (seconds), or a one-line usage error."""
    try:
        v = float(text)
    except ValueError:
        v = float("nan")
    if not (v > 0 and v < float("inf")):
        raise argparse.ArgumentTypeError(f"expected a number of seconds > 0, got {text!r}")
    return v


def kept(out) -> int:
    """Replicates recorded in ``out``'s store (0 when there is none), read without writing."""
    import sqlite3
    from pathlib import Path

    from ..study.store import STORE_NAME

    path = Path(out) / STORE_NAME
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM replicates").fetchone()[0])
    except sqlite3.Error:  # created, but its schema not committed yet
        return 0


def interrupted_note(out, before: int, total: int) -> str | None:
    """What a Ctrl-C leaves: the replicates kept in the store and how to resume (None: nothing kept)."""
    from ..study.store import STORE_NAME

    now = kept(out)
    if now == 0:
        return None
    return (f"interrupted; {now} of {total} replicates are kept in {out}/{STORE_NAME} ({now - before} finished "
            "in this run); run the same command again to resume (the report and tables are written at the end)")


def settings_from(args):
    """The :class:`~study.settings.StudySettings` the arguments ask for (one-line errors)."""
    from ..models.errors import SettingError
    from ..study.settings import CUSTOM, SCENARIOS, StudySettings, fixed_prior, per_n
    from ..study.upstream import parse_priors

    if args.scenario and args.truth:
        raise SettingError("give --scenario or --truth, not both")
    scenario = CUSTOM if args.truth else (args.scenario or "separated")
    truth = args.truth or SCENARIOS[scenario].truth
    ns = tuple(args.n)
    if any(r < 1 for r in args.replicates):
        raise SettingError(f"--replicates must be >= 1, got {','.join(map(str, args.replicates))}")
    reps = per_n(args.replicates, ns, "--replicates")
    em_reps = per_n(args.em_replicates, ns, "--em-replicates") if args.em_replicates else reps
    if args.em_only:
        if args.sbc:
            raise SettingError("--sbc samples the posterior; it cannot be combined with --em-only")
        reps = (0,) * len(ns)
    priors = parse_priors(args.priors) if args.priors else fixed_prior(truth)
    return StudySettings(scenario=scenario, truth=truth, ns=ns, replicates=reps, em_replicates=em_reps,
                         models=tuple(dict.fromkeys(args.models)), priors=priors, seed=args.seed, chains=args.chains,
                         draws=args.draws, tune=args.tune, sbc=args.sbc,
                         sbc_n=args.sbc_n or (min(ns) if args.sbc else 0))


def run(args) -> int:
    from ..files.lock import output_lock
    from ..files.output import parents_made
    from ..study.pipeline import run_study
    from ..study.runner import check_address, total_replicates

    settings = settings_from(args)
    if args.scheduler:
        check_address(args.scheduler)
    command = "emvb " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if sys.argv[1:2] == ["study"] else ""
    # A study resumes into its existing folder, so it takes the output lock alone (not cli.main's OUTPUT
    # claim, which refuses an existing folder): a second study on the same --out is refused, naming the first.
    # Missing parent folders (`studies/` in `--out studies/NAME`) are created first, like every output's.
    before = 0 if args.force else kept(args.out)
    try:
        with parents_made(args.out), output_lock(args.out):
            result = run_study(settings, args.out, workers=args.workers, scheduler=args.scheduler, quiet=args.quiet,
                               force=args.force, command=command, wait_workers=args.wait_workers,
                               progress_every=args.progress_every)
    except KeyboardInterrupt:
        # cli.main prints this instead of "nothing written": finished replicates are committed as they arrive
        args.interrupted_note = interrupted_note(args.out, before, total_replicates(settings))
        raise
    if result.lost:
        print(f"emvb study: {len(result.lost)} task(s) were not run (their workers died repeatedly): "
              f"{'; '.join(result.lost[:3])}; run the same command again to retry them", file=sys.stderr)
    if not args.quiet:
        print(f"{result.total} replicates recorded ({result.recorded} now, {result.failed} of them failed); "
              f"report: {result.out}/report.md", file=sys.stderr)
    print(result.out)
    return 1 if result.lost else 0
