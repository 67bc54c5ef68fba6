"""``emvb inspect``: load a data file with the same checks every fit uses, and describe it."""

from __future__ import annotations

from .args import add_data_arguments

HELP = "check a data file as every fit would, and print its size, fingerprint and summary"


def add_arguments(p) -> None:
    add_data_arguments(p)


def run(args) -> int:
    import numpy as np

    from ..files.datafile import load_data

    ds = load_data(args.data, args.column)
    v = ds.values
    q = np.quantile(v, [0.0, 0.25, 0.5, 0.75, 1.0])
    # in units of the largest |x|: the squares of values near 1e300 overflow, of values near 1e-300 vanish
    unit = float(np.max(np.abs(v))) or 1.0
    scaled = v / unit
    mean, sd = unit * float(scaled.mean()), unit * float(scaled.std(ddof=1))
    print(f"{ds.name}: n={ds.n}, distinct={np.unique(v).size}, sha256 {ds.sha256}")
    print(f"mean {mean:.6g}, sd {sd:.6g}; min/q25/median/q75/max " + " / ".join(f"{t:.6g}" for t in q))
    if ds.truth is not None:
        print(f"simulated from {ds.truth} with seed {ds.seed} (sidecar fingerprint checked)")
    return 0
