"""Argument types shared by the subcommands: each rejects bad values with a one-line usage error."""

from __future__ import annotations

import argparse

from ..models.errors import ParamError
from ..models.params import MixtureParams


def whole_number(low: int):
    """An argparse type: an integer >= ``low``, else a one-line usage error."""
    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if v < low:
            raise argparse.ArgumentTypeError(f"must be >= {low}, got {v}")
        return v

    parse.__name__ = f"whole number >= {low}"
    return parse


#: An integer >= 1 (counts); an integer >= 0 (seeds, tuning steps).
positive_int = whole_number(1)
nonneg_int = whole_number(0)


def params_arg(text: str) -> MixtureParams:
    """``PI1,MU1,MU2,SIGMA``, validated (0 < pi1 < 1, sigma > 0, finite)."""
    try:
        return MixtureParams.parse(text, what="value")
    except ParamError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def add_data_arguments(p: argparse.ArgumentParser, required: bool = True) -> None:
    """``--data FILE [--column NAME]``."""
    p.add_argument("--data", metavar="FILE", required=required,
                   help="data file: CSV/TSV (one numeric column, or pick one with --column), "
                   "one number per line, or .npy")
    p.add_argument("--column", metavar="NAME", help="CSV column to use (default: the only numeric column)")


def add_simulation_arguments(p: argparse.ArgumentParser) -> None:
    """``--n --truth --seed`` with the mission's defaults."""
    from ..models.params import DEFAULT_N, DEFAULT_SEED, DEFAULT_TRUTH

    p.add_argument("--n", type=positive_int, default=DEFAULT_N, help=f"number of points (default {DEFAULT_N})")
    p.add_argument("--truth", type=params_arg, default=DEFAULT_TRUTH, metavar="PI1,MU1,MU2,SIGMA",
                   help="true parameters (default 0.3,5,15,2)")
    p.add_argument("--seed", type=nonneg_int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")


def add_priors_and_init_arguments(p: argparse.ArgumentParser) -> None:
    """``--priors SPEC|FILE`` and ``--init prior|dispersed|em`` (``emvb run`` and ``emvb sample``)."""
    from ..models.priors import FORMAT_HELP
    from ..sampling.options import DEFAULT_INIT, INITS

    p.add_argument("--priors", metavar="SPEC|FILE", default="default",
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
