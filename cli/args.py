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


def add_sampling_arguments(p: argparse.ArgumentParser) -> None:
    """``--chains --draws --tune --sampler`` with the defaults of every command that samples a posterior."""
    from ..sampling.options import DEFAULT_SAMPLER, SAMPLERS

    p.add_argument("--chains", type=positive_int, default=4, help="chains per posterior (default 4)")
    p.add_argument("--draws", type=positive_int, default=1000, help="kept draws per chain (default 1000)")
    p.add_argument("--tune", type=positive_int, default=1000, help="warm-up steps per chain (default 1000)")
    p.add_argument("--sampler", choices=SAMPLERS, default=DEFAULT_SAMPLER,
                   help=f"NUTS sampler (default {DEFAULT_SAMPLER})")
