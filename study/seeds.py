"""Replicate seeds: spawned from the study seed by numpy's ``SeedSequence``, keyed by the replicate.

Replicate ``i`` of part ``p`` at size ``N`` uses ``SeedSequence(seed, spawn_key=(p, N, i))``: the
child that ``SeedSequence(seed)`` spawning would give at that position of its tree, computed
without spawning the others. So a replicate's numbers depend on nothing but the study seed and its
own key: it can be rerun alone (:func:`study.replicate.run_replicate`) and gives the same numbers,
whichever worker ran it and in whatever order. Four independent streams are generated from it: the
SBC truth, the data, the EM starts and the sampler.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Part of the study -> first element of the spawn key.
PARTS = {"main": 0, "sbc": 1}


@dataclass(frozen=True)
class ReplicateSeeds:
    """The four streams of one replicate: generators for the truth and the data, integer seeds for EM
    (its random starts) and the sampler (nutpie takes an integer)."""

    truth: np.random.Generator
    data: np.random.Generator
    em: int
    sampler: int


def replicate_seeds(seed: int, part: str, n: int, index: int) -> ReplicateSeeds:
    """The seeds of replicate ``index`` of ``part`` (``"main"`` or ``"sbc"``) at data size ``n``."""
    ss = np.random.SeedSequence(int(seed), spawn_key=(PARTS[part], int(n), int(index)))
    truth, data, em, sampler = ss.spawn(4)
    return ReplicateSeeds(truth=np.random.default_rng(truth), data=np.random.default_rng(data),
                          em=int(em.generate_state(1)[0]), sampler=int(sampler.generate_state(1)[0]))
