"""Start groups run at the same time within the core budget (scheduler, with stand-in samplers), and
independent prior starts reach the chains they were drawn for (real nutpie)."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest

from emvb.sampling import nutpie_groups


class FakeSampler:
    """A stand-in for nutpie's background sampler: finishes after ``polls`` checks of ``is_finished``."""

    log: list = []

    def __init__(self, group, chains, cores, polls, fail=False):
        self.group, self.chains, self.cores, self.polls, self.fail = group, chains, cores, polls, fail
        self.cancelled = False
        FakeSampler.log.append(("start", group))

    @property
    def is_finished(self):
        self.polls -= 1
        if self.polls > 0:
            raise TimeoutError("Timeout while waiting for sampler to finish")  # what nutpie 0.16 does
        return True

    def wait(self):
        if self.fail:
            raise RuntimeError("sampler failed")
        FakeSampler.log.append(("end", self.group))
        return f"trace {self.group}"

    def cancel(self):
        self.cancelled = True


@pytest.fixture
def fake(monkeypatch):
    made = []
    FakeSampler.log = []

    def launch(cm, n_chains, cores, seed, kwargs):
        s = FakeSampler(cm["group"], n_chains, cores, cm["polls"], cm.get("fail", False))
        made.append(s)
        return s

    monkeypatch.setattr(nutpie_groups, "_launch", launch)
    monkeypatch.setattr(nutpie_groups, "POLL", 0.0)
    return made


def _running_at_most(log, sizes) -> int:
    running, most = set(), 0
    for what, g in log:
        running = running | {g} if what == "start" else running - {g}
        most = max(most, sum(sizes[i] for i in running))
    return most


def test_groups_share_the_cores_and_all_finish_in_order(fake):
    sizes = [1, 1, 1, 1]
    compiled = [{"group": g, "polls": p} for g, p in enumerate([3, 1, 5, 2])]
    traces, seconds = nutpie_groups.sample_groups(compiled, sizes, [10, 11, 12, 13], cores=2)
    assert traces == [f"trace {g}" for g in range(4)] and seconds >= 0
    # Two one-chain groups at a time on 2 cores: never more, and the third starts before the first ends.
    assert _running_at_most(FakeSampler.log, sizes) == 2
    assert FakeSampler.log.index(("start", 2)) < FakeSampler.log.index(("end", 2))
    assert [s.cores for s in fake] == [1, 1, 1, 1]


def test_a_group_wider_than_the_cores_runs_alone_on_all_of_them(fake):
    sizes = [2, 2]
    compiled = [{"group": 0, "polls": 2}, {"group": 1, "polls": 2}]
    nutpie_groups.sample_groups(compiled, sizes, [1, 2], cores=2)
    assert FakeSampler.log == [("start", 0), ("end", 0), ("start", 1), ("end", 1)]
    assert [s.cores for s in fake] == [2, 2]


def test_an_error_cancels_the_groups_still_running(fake):
    compiled = [{"group": 0, "polls": 1, "fail": True}, {"group": 1, "polls": 50}]
    with pytest.raises(RuntimeError, match="sampler failed"):
        nutpie_groups.sample_groups(compiled, [1, 1], [1, 2], cores=2)
    assert fake[1].cancelled and threading.active_count() >= 1


@pytest.mark.slow
def test_each_chain_runs_from_its_own_start_when_groups_run_at_once(monkeypatch):
    """Four distinct starts (four one-chain groups, two at a time on 2 cores), at the two modes of data
    with components 8 sigma apart, in the order [mode, swap, swap, mode]: a chain never crosses
    mu1 = mu2 there, so each chain's labelling shows which start it ran from."""
    pytest.importorskip("nutpie")
    from emvb import em
    from emvb.models import MixtureParams, simulate
    from emvb.models.pymc_model import build_model
    from emvb.sampling import sample as sample_module
    from emvb.sampling.starts import point

    data = simulate(MixtureParams(0.4, 0.0, 8.0, 1.0), 300, seed=12)
    m = em.fit(data).params
    nudge = MixtureParams(m.pi1, m.mu1 + 0.01, m.mu2, m.sigma)
    starts = [point(m), point(m.swapped()), point(nudge.swapped()), point(nudge)]
    monkeypatch.setattr(sample_module, "chain_starts", lambda **kw: starts)
    dt = sample_module.sample(build_model(data, ordered=False), chains=4, draws=100, tune=150, seed=7)
    recorded = json.loads(dt.attrs["start"])
    assert [r["mu"] for r in recorded] == [s["mu"].tolist() for s in starts]
    mu = dt["posterior"]["mu"].values
    assert np.array_equal((mu[..., 0] > mu[..., 1]).all(axis=1), [False, True, True, False])
    assert ((mu[..., 0] < mu[..., 1]).all(axis=1) | (mu[..., 0] > mu[..., 1]).all(axis=1)).all()
