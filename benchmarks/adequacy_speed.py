"""Cost of the adequacy stage of ``emvb run`` on the four report scenarios, this code against a baseline.

Run: ``.venv/bin/python benchmarks/adequacy_speed.py [--against REF] [--n-boot B] [--out PATH | --no-record]``

For each scenario of reports/ (the data ``emvb run`` makes for it), ``adequacy.assess`` is called as
``compare/pipeline.py`` calls it (the run's ``em.fit`` with 10 starts, seed 2026, B = 199 replicates, every
available core): the adequacy stage without the posterior predictive check, which is unchanged.

- default: ``emvb run`` defaults (n = 10,000 from 0.3 N(5, 4) + 0.7 N(15, 4), seed 2026);
- overlap: ``--n 200 --truth 0.3,0,1.5,1 --seed 2026``;
- one_normal: ``--truth 0.3,0,0,1`` (n = 10,000: one normal, the flat likelihood of the unequal-sd fit);
- misfit: 5,000 Student-t(2) draws (``np.random.default_rng(2026).standard_t(2, 5000)``).

Each scenario is timed in a fresh process (numba compiled and cached by a B = 19 call first, outside the
timing). With ``--against REF`` the same is measured on the git revision ``REF`` of this repository
(exported with ``git archive`` to a temporary folder, imported from there), alternating the two codes
scenario by scenario, so that both meet the same load on a shared machine. Printed and recorded: wall and
CPU seconds (all threads of the process; less sensitive to other people's load) and their ratios, this
code over the baseline. Written to ``benchmarks/results/adequacy_speed.json``.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from _record import export, in_fresh_process, main

SCENARIOS = ("default", "overlap", "one_normal", "misfit")


def scenario_data(name: str):
    """The data ``emvb run`` makes for the report scenario ``name``."""
    import numpy as np

    from emvb.models.params import MixtureParams
    from emvb.models.simulate import simulate

    return {"default": lambda: simulate().values,
            "overlap": lambda: simulate(MixtureParams(0.3, 0.0, 1.5, 1.0), n=200, seed=2026).values,
            "one_normal": lambda: simulate(MixtureParams(0.3, 0.0, 0.0, 1.0)).values,
            "misfit": lambda: np.random.default_rng(2026).standard_t(2, 5000)}[name]()


def assess_seconds(name: str, n_boot: int) -> dict:
    """Time ``assess`` on scenario ``name`` in this process (run in a fresh one by :func:`adequacy_speed`)."""
    from emvb import em
    from emvb.adequacy import assess

    x = scenario_data(name)
    fit = em.fit(x, n_init=10, seed=2026)
    assess(x, fit, n_boot=19, seed=1)  # compile / load the numba caches outside the timing
    wall, cpu = time.perf_counter(), time.process_time()
    a = assess(x, fit, n_boot=n_boot, seed=2026)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {"wall_s": wall, "cpu_s": cpu, "shared_sigma_statistic": a.shared_sigma.test.statistic,
            "shared_sigma_p": a.shared_sigma.test.p_value, "components_p": a.components.test.p_value,
            "fit_p": a.fit.test.p_value}


def adequacy_speed(args) -> dict:
    """The adequacy stage on each scenario, in fresh processes; this code against ``--against``."""
    res = {"n_boot": args.n_boot, "against": args.against, "scenarios": {}}
    with tempfile.TemporaryDirectory() as tmp:
        base = export(args.against, Path(tmp)) if args.against else None
        for name in args.scenarios:
            row = {"this": in_fresh_process(__file__, "assess_seconds", name, args.n_boot)}
            if base is not None:
                row["baseline"] = in_fresh_process(__file__, "assess_seconds", name, args.n_boot, code=base)
                row["wall_ratio"] = row["this"]["wall_s"] / row["baseline"]["wall_s"]
                row["cpu_ratio"] = row["this"]["cpu_s"] / row["baseline"]["cpu_s"]
            res["scenarios"][name] = row
    return res


if __name__ == "__main__":
    main(__doc__, {None: ("adequacy_speed", adequacy_speed, {"against": None, "n_boot": 199,
                                                             "scenarios": list(SCENARIOS)})})
