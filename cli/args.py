"""Argument types shared by the subcommands: each rejects bad values with a one-line usage error."""

from __future__ import annotations

import argparse
import os

from ..models.errors import ParamError
from ..models.params import MAX_SEED, MixtureParams


def whole_number(low: int, high: int | None = None):
    """An argparse type: an integer >= ``low`` (and <= ``high``), else a one-line usage error."""
    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if v < low:
            raise argparse.ArgumentTypeError(f"must be >= {low}, got {v}")
        if high is not None and v > high:
            raise argparse.ArgumentTypeError(f"must be <= {high}, got {v}")
        return v

    parse.__name__ = f"whole number >= {low}" + (f" and <= {high}" if high is not None else "")
    return parse


#: An integer >= 1 (counts); an integer >= 0 (tuning steps, replicates).
positive_int = whole_number(1)
nonneg_int = whole_number(0)
#: A seed: 0 <= seed <= 2**64 - 1 (:data:`models.params.MAX_SEED`; results store it as an unsigned
#: 64-bit integer), refused up front rather than after the whole computation.
seed_int = whole_number(0, MAX_SEED)


def params_arg(text: str) -> MixtureParams:
    """``PI1,MU1,MU2,SIGMA``, validated (0 < pi1 < 1, sigma > 0, finite)."""
    try:
        return MixtureParams.parse(text, what="value")
    except ParamError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


# -- options that name input files ----------------------------------------------------------------
#
# An option whose value names a file the command reads takes one of the argparse types below, each
# marked by :func:`reads_files` with the function that lists the files a value stands for.
# cli/main.py collects the marked options of every subcommand from the parser itself, so a command
# knows all of its inputs in one place and every output is checked against all of them
# (tests/test_inputs_cli.py fails for an option that names a file and carries no mark).


def reads_files(files_of):
    """Mark an argparse type as naming input files: ``files_of(value)`` lists the files a value stands for."""
    def mark(parse):
        parse.input_files = files_of
        return parse

    return mark


def _data_files(value) -> list:
    from ..files.datafile import input_files

    return input_files(value)


@reads_files(_data_files)
def data_file(text: str) -> str:
    """A data file (CSV/TSV/text/.npy, ``-`` for stdin); its sidecar is an input too."""
    return text


@reads_files(lambda value: [value])
def input_file(text: str) -> str:
    """A file the command reads (a posterior netCDF, ...)."""
    return text


def _priors_files(value) -> list:
    from ..models.priors import priors_file

    path = priors_file(value)
    return [path] if path is not None else []


@reads_files(_priors_files)
def priors_spec(text: str) -> str:
    """``--priors``: a specification, ``default``/``flat``, or a ``.toml``/``.json`` file (an input)."""
    return text


def input_options(parser: argparse.ArgumentParser) -> dict:
    """The options of ``parser`` that name input files: dest -> the function listing a value's files."""
    # argparse keeps its actions in ``_actions`` only (``--help`` and the usage line read it too)
    return {a.dest: a.type.input_files for a in parser._actions if hasattr(a.type, "input_files")}


def add_data_arguments(p: argparse.ArgumentParser, required: bool = True) -> None:
    """``--data FILE [--column NAME]``."""
    p.add_argument("--data", metavar="FILE", required=required, type=data_file,
                   help="data file: CSV/TSV (one numeric column, or pick one with --column), "
                   "one number per line, or .npy; '-' reads CSV from stdin")
    p.add_argument("--column", metavar="NAME", help="CSV column to use (default: the only numeric column)")


def add_simulation_arguments(p: argparse.ArgumentParser, n: bool = True) -> None:
    """``--n --truth --seed`` with the mission's defaults (without ``--n`` unless ``n``); ``--n`` below what
    a fit accepts is refused."""
    from ..models.data import MIN_POINTS
    from ..models.params import DEFAULT_N, DEFAULT_SEED, DEFAULT_TRUTH

    if n:
        p.add_argument("--n", type=whole_number(MIN_POINTS), default=DEFAULT_N,
                       help=f"number of points, at least {MIN_POINTS} (default {DEFAULT_N})")
    p.add_argument("--truth", type=params_arg, default=DEFAULT_TRUTH, metavar="PI1,MU1,MU2,SIGMA",
                   help="true parameters (default 0.3,5,15,2)")
    p.add_argument("--seed", type=seed_int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")


def add_sampling_arguments(p: argparse.ArgumentParser, sampler: bool = True, min_tune: int = 1) -> None:
    """``--chains --draws --tune --sampler`` (``--sampler`` only if ``sampler``; ``--tune`` >= ``min_tune``)
    with the defaults of every command that samples a posterior."""
    from ..sampling.options import DEFAULT_SAMPLER, SAMPLERS

    p.add_argument("--chains", type=positive_int, default=4, help="chains per posterior (default 4)")
    p.add_argument("--draws", type=positive_int, default=1000, help="kept draws per chain (default 1000)")
    p.add_argument("--tune", type=whole_number(min_tune), default=1000, help="warm-up steps per chain (default 1000)")
    if sampler:
        p.add_argument("--sampler", choices=SAMPLERS, default=DEFAULT_SAMPLER,
                       help=f"NUTS sampler (default {DEFAULT_SAMPLER})")


#: Peak bytes per simulated point (labels, the component means, the draws, the data set's own copy):
#: 17.0 measured with tracemalloc for ``models.simulate.simulate`` at n = 10^6.
SIMULATE_BYTES_PER_POINT = 17


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation (Linux ``MemAvailable``, else free pages), or None."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def require_memory(n: int, what: str = "--n") -> None:
    """Refuse (one line) a simulation of ``n`` points that needs more memory than is available."""
    from ..models.errors import SettingError

    need, have = n * SIMULATE_BYTES_PER_POINT, available_memory()
    if have is not None and need > have:
        raise SettingError(f"{what} {n}: simulating needs about {need / 1e9:.3g} GB of memory "
                           f"({SIMULATE_BYTES_PER_POINT} bytes per point); {have / 1e9:.3g} GB are available")


def add_priors_and_init_arguments(p: argparse.ArgumentParser) -> None:
    """``--priors SPEC|FILE`` and ``--init prior|dispersed|em`` (``emvb run`` and ``emvb sample``)."""
    from ..models.priors import FORMAT_HELP
    from ..sampling.options import DEFAULT_INIT, INITS

    p.add_argument("--priors", metavar="SPEC|FILE", default="default", type=priors_spec,
                   help=f"priors: {FORMAT_HELP}; entries left out are computed from the data "
                   "(default: all of them, weakly informative on the data's scale)")
    p.add_argument("--init", choices=INITS, default=DEFAULT_INIT,
                   help="chain starts: prior (independent prior draws, the default), dispersed (the unordered "
                   "model's chains placed in both labellings of the EM estimate: a teaching device), em (all "
                   "at the EM estimate)")


def priors_for(args, x):
    """``--priors`` parsed against the data ``x``; refuses ``--init prior`` with an improper prior."""
    from ..models.errors import SettingError
    from ..models.priors import Priors

    priors = Priors.parse(args.priors, x)
    if args.init == "prior" and not priors.proper:
        raise SettingError(f"--init prior needs proper priors, got {priors.describe()}; use --init em or dispersed")
    return priors
