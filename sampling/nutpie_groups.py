"""Run nutpie's start groups at the same time, so per-chain starts cost no parallelism.

nutpie takes one start point per compiled model (:mod:`sampling.nutpie_starts`), so chains with
different starts are different ``nutpie.sample`` calls ("groups"). Run one after the other, 4
independent starts on 2 cores would sample one chain at a time. Here every group is launched with
nutpie's public non-blocking call (``nutpie.sample(..., blocking=False)``) as soon as a core is
free, at most ``cores`` chains running at once (:func:`sampling.sample.sample`'s ``cores``, by default
:func:`models.machine.available_cores`), and the traces are collected as the groups finish. Ctrl-C
(or any error) cancels every group still running.
"""

from __future__ import annotations

import time

from .known_warnings import silenced

#: Seconds between checks of which groups have finished (sampling a group takes seconds at least).
POLL = 0.02


def _finished(sampler) -> bool:
    """nutpie's ``is_finished``; this nutpie raises TimeoutError instead of returning False while it runs."""
    try:
        return bool(sampler.is_finished)
    except TimeoutError:
        return False


def _launch(cm, n_chains: int, cores: int, seed: int, kwargs: dict):
    import nutpie

    return nutpie.sample(cm, chains=n_chains, cores=cores, seed=seed, blocking=False, **kwargs)


def sample_groups(compiled: list, group_sizes: list[int], seeds: list[int], *, cores: int,
                  **kwargs) -> tuple[list, float]:
    """Sample every group (compiled model ``compiled[g]``, ``group_sizes[g]`` chains, seed ``seeds[g]``).

    Groups are started in order while the chains running stay within ``cores`` (a group wider than
    ``cores`` runs alone, on ``cores`` threads); ``kwargs`` go to every ``nutpie.sample`` call.

    Returns
    -------
    traces : the DataTree of each group, in group order
    seconds : wall time from the first launch to the last group's end
    """
    pending = list(range(len(compiled)))
    running: dict[int, object] = {}
    traces: list = [None] * len(compiled)
    t0 = time.perf_counter()
    try:
        while pending or running:
            busy = sum(group_sizes[g] for g in running)
            while pending and (not running or busy + group_sizes[pending[0]] <= cores):
                g = pending.pop(0)
                width = max(1, min(group_sizes[g], cores))
                running[g] = _launch(compiled[g], group_sizes[g], width, seeds[g], kwargs)
                busy += group_sizes[g]
            done = [g for g, s in running.items() if _finished(s)]
            for g in done:
                with silenced("chain_longer_than_draw"):  # nutpie's own conversion to a DataTree warns
                    traces[g] = running.pop(g).wait()
            if not done:
                time.sleep(POLL)
    except BaseException:
        for s in running.values():
            s.cancel()
        raise
    return traces, time.perf_counter() - t0
