"""``emvb inspect``: load a data file with the same checks every fit uses, and describe it.

The checks are :func:`models.data.check_values` (through the loader), the very function the fits
call. The summary is computed on the standardised data of :mod:`models.scaling` and mapped back, so
values near 1e300 or 1e-300 are described without overflow.
"""

from __future__ import annotations

from .args import add_data_arguments

HELP = "check a data file as every fit would, and print its size, fingerprint and summary"


def add_arguments(p) -> None:
    add_data_arguments(p)


def run(args) -> int:
    import numpy as np

    from ..files.datafile import load_data
    from ..models.scaling import Scaling

    ds = load_data(args.data, args.column)
    sc, xs = Scaling.standardized(ds.values, ds.name)
    mean, sd = sc.mean_sd(xs)
    q = sc.unstandardize(np.quantile(xs, [0.0, 0.25, 0.5, 0.75, 1.0]))
    print(f"{ds.name}: n={ds.n}, distinct={np.unique(xs).size}, sha256 {ds.sha256}")
    print(f"mean {mean:.6g}, sd {sd:.6g}; min/q25/median/q75/max " + " / ".join(f"{t:.6g}" for t in q))
    print(f"every fit runs on (x - {sc.center:.6g}) / {sc.scale:.6g} (median and interquartile range) "
          "and maps its results back")
    if ds.truth is not None:
        print(f"simulated from {ds.truth} with seed {ds.seed} (sidecar fingerprint checked)")
    return 0
