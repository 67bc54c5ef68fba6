"""emvb study, without a cluster: settings, seeds, priors text, the plan of tasks, the store,
aggregation and SBC statistics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from emvb.models.errors import EmvbError, SettingError
from emvb.models.params import PARAM_NAMES
from emvb.study import aggregate as A
from emvb.study.records import ReplicateResult, row
from emvb.study.runner import plan
from emvb.study.sbc import thin_index, uniformity
from emvb.study.seeds import replicate_seeds
from emvb.study.settings import SCENARIOS, StudySettings, fixed_prior
from emvb.study.store import Store
from emvb.study.thresholds import MC_ERRORS, NOMINAL
from emvb.study.upstream import parse_priors

TRUTH = SCENARIOS["separated"].truth


def settings(**kw) -> StudySettings:
    base = dict(scenario="separated", truth=TRUTH, ns=(50, 200), replicates=(2, 2), em_replicates=(5, 450),
                models=("ordered",), priors=fixed_prior(TRUTH), seed=1, sbc=3, sbc_n=50)
    return StudySettings(**(base | kw))


def test_fixed_prior_is_the_population_scale():
    p = fixed_prior(TRUTH)  # mean 0.3*5 + 0.7*15 = 12; var 4 + 0.21*100 = 25
    assert (p.mu_mean, p.mu_sd, p.sigma_sd, p.pi1_alpha, p.pi1_beta) == (12.0, 10.0, 10.0, 1.0, 1.0)


def test_overlap_scenario_gap():
    t = SCENARIOS["overlap"].truth
    assert abs(t.mu2 - t.mu1) / t.sigma == pytest.approx(1.5)
    assert SCENARIOS["unbalanced"].truth.pi1 == 0.05


@pytest.mark.parametrize("kw, words", [
    (dict(ns=()), "at least one"), (dict(ns=(5,)), ">= 10"), (dict(em_replicates=(1, 1)), ">= --replicates"),
    (dict(replicates=(0, 0), em_replicates=(0, 0), sbc=0), "nothing to run"), (dict(models=("wrong",)), "unknown"),
    (dict(chains=1), "at least 2"), (dict(sbc_n=3), "--sbc-n"),
])
def test_settings_refuse_bad_values(kw, words):
    with pytest.raises(SettingError, match=words):
        settings(**kw)


def test_settings_round_trip_and_differences():
    s = settings()
    assert StudySettings.from_dict(s.to_dict()) == s
    same = settings(ns=(200, 50), replicates=(2, 2), em_replicates=(450, 5))  # N listed in another order
    assert same == s and same.em_replicates == (5, 450)
    assert s.differences(settings(seed=2)) == ["seed: 1 vs 2"]
    assert s.differences(settings(em_replicates=(450, 5))) == ["em_replicates: [5, 450] vs [450, 5]"]


def test_seeds_depend_on_the_key_alone():
    a, b = replicate_seeds(7, "main", 200, 3), replicate_seeds(7, "main", 200, 3)
    assert a.em == b.em and a.sampler == b.sampler and a.data.random() == b.data.random()
    others = [replicate_seeds(7, "main", 200, 4), replicate_seeds(7, "main", 50, 3), replicate_seeds(7, "sbc", 200, 3),
              replicate_seeds(8, "main", 200, 3)]
    assert len({a.em, *(o.em for o in others)}) == 5
    assert len({a.sampler, a.em}) == 2
    # a spawned child of the study seed, as SeedSequence.spawn would make it
    child = np.random.SeedSequence(7).spawn(1)[0]
    assert child.spawn_key == (0,) and np.random.SeedSequence(7, spawn_key=(0,)).generate_state(2).tolist() == \
        child.generate_state(2).tolist()


def test_parse_priors_text_and_files(tmp_path):
    p = parse_priors("pi1=beta:2,2; mu=normal:10,5; sigma=halfnormal:3")
    assert (p.pi1_alpha, p.mu_mean, p.mu_sd, p.sigma_sd) == (2.0, 10.0, 5.0, 3.0)
    (tmp_path / "p.json").write_text('{"pi1": "beta:1,1", "mu": "normal:0,1", "sigma": "halfnormal:1"}')
    (tmp_path / "p.toml").write_text('pi1 = "beta:1,1"\nmu = "normal:0,1"\nsigma = "halfnormal:1"\n')
    assert parse_priors(str(tmp_path / "p.json")) == parse_priors(str(tmp_path / "p.toml")) \
        == parse_priors("pi1=beta:1,1\nmu=normal:0,1\nsigma=halfnormal:1")
    assert parse_priors("pi1=beta:1,1;mu=flat;sigma=halfflat").is_flat


@pytest.mark.parametrize("text, words", [
    ("pi1=beta:1;mu=normal:0,1;sigma=halfnormal:1", "takes 2"), ("pi1=gamma:1,1;mu=normal:0,1;sigma=halfnormal:1",
                                                                 "cannot be 'gamma'"),
    ("pi1=beta:1,1;mu=normal:0,1", "no entry for sigma"), ("nonexistent-file", "neither an entry"),
    ("default", "no data"),
    ("pi1=beta:1,2;mu=normal:0,1;sigma=halfnormal:1", "not symmetric"),
])
def test_parse_priors_refuses(text, words):
    with pytest.raises(EmvbError, match=words):
        parse_priors(text)


def test_plan_covers_every_replicate_once_and_skips_done():
    s = settings()
    keys = [(t.part, t.n, i) for t in plan(s) for i in t.replicates]
    expected = {("main", n, i) for n, m in zip(s.ns, s.em_replicates, strict=True) for i in range(m)}
    expected |= {("sbc", 50, i) for i in range(3)}
    assert len(keys) == len(set(keys)) and set(keys) == expected
    done = set(keys[:7])
    assert {(t.part, t.n, i) for t in plan(s, done) for i in t.replicates} == expected - done
    assert all(len(t.replicates) == 1 for t in plan(s) if t.part == "sbc" or t.replicates[0] < 2)


def _result(rep: int, covered: bool = True, ok: bool = True) -> ReplicateResult:
    rows = tuple(row(part="main", n=50, replicate=rep, method="em", param=p, scenario="s", sha256="x", ok=ok,
                     truth=1.0, estimate=1.0, se=0.1, wald_lower=0.5 if covered else 1.5, wald_upper=2.0,
                     em_first_start_global=True, em_local_optima=0, em_ridge_stops=1)
                 for p in PARAM_NAMES)
    return ReplicateResult("main", 50, rep, "x", rows, {} if ok else {"em": "no"}, {"em": 0.1}, "w")


def test_store_writes_each_replicate_once(tmp_path):
    with Store(tmp_path / "s.sqlite") as st:
        st.set_meta(settings={"a": 1})
        assert st.add([_result(0), _result(1)]) == 2
        assert st.add([_result(1), _result(2, ok=False)]) == 1  # replicate 1 again: ignored
        assert st.done() == {("main", 50, 0), ("main", 50, 1), ("main", 50, 2)}
        assert st.counts() == (3, 1)
    with Store(tmp_path / "s.sqlite") as st:  # reopened: everything is there
        df = st.results()
        assert st.get_meta("settings") == {"a": 1}
        assert len(df) == 12 and df["ok"].dtype == "boolean" and list(df["replicate"].unique()) == [0, 1, 2]
        assert st.replicates()["seconds_em"].tolist() == [0.1, 0.1, 0.1]


def test_store_refuses_a_file_that_is_not_sqlite(tmp_path):
    bad = tmp_path / "s.sqlite"
    bad.write_text("not a database" * 100)
    with pytest.raises(EmvbError, match="not a study store"):
        Store(bad)


def test_coverage_rates_and_monte_carlo_errors():
    results = pd.DataFrame([r for rep in range(40) for r in _result(rep, covered=rep >= 10).rows])
    cov = A.coverage(results)
    assert set(cov["param"]) == set(PARAM_NAMES) and (cov["replicates"] == 40).all()
    assert np.allclose(cov["coverage"], 0.75) and np.allclose(cov["mc_se"], np.sqrt(0.75 * 0.25 / 40))
    assert cov["flag"].all()  # 0.75 is 5.8 errors (at 0.95) below 0.95


def test_flag_is_the_wilson_interval_missing_the_nominal():
    r = np.array([20, 20, 100, 100, 400, 1000])
    p = np.array([1.0, 0.8, 0.9, 0.99, 0.93, 0.95])
    lo, hi = A.wilson(p, r)
    assert np.array_equal(A.off_nominal(p, r), (NOMINAL < lo) | (NOMINAL > hi))
    assert not A.off_nominal(1.0, 20)  # all 20 covered: happens with probability 0.36 at 95%
    assert A.off_nominal(0.8, 100) and not A.off_nominal(0.93, 400)
    assert MC_ERRORS == 3.0


def test_the_wilson_interval_contains_the_rate_even_at_0_and_1():
    """Figures draw the interval as bars around the rate: negative bar lengths are an error in matplotlib."""
    r = np.arange(1, 20001)
    for p in (0.0, 1.0, 0.5):
        lo, hi = A.wilson(np.full(r.size, p), r)
        assert (lo <= p).all() and (hi >= p).all() and (lo >= -1e-15).all() and (hi <= 1 + 1e-15).all()


def test_thinning_spreads_over_the_pooled_chains():
    idx = thin_index(4000, 100)
    assert idx[0] == 0 and idx[-1] == 3999 and len(np.unique(idx)) == 100
    assert np.array_equal(thin_index(50, 100), np.arange(50))


def test_uniformity_rejects_uniform_ranks_at_the_band_rate_and_piled_ones_always():
    """Under the null the simultaneous band is left with probability 1 - 0.95: of 40 uniform rank sets,
    at most 40 * 0.05 + 3 sqrt(40 * 0.05 * 0.95) = 6.1 may be called not uniform."""
    rng = np.random.default_rng(3)
    tests = [uniformity("pi1", rng.integers(0, 101, size=300), 100, seed=k) for k in range(40)]
    assert sum(not t.uniform for t in tests) <= 6
    assert all(t.replicates == 300 and (t.worst == 0.0) == t.uniform for t in tests)
    # ranks of a posterior too narrow: the truth falls in the tails -> U-shaped ranks
    for k in range(3):
        piled = np.concatenate([rng.integers(0, 10, 150), rng.integers(91, 101, 150)])
        bad = uniformity("pi1", piled, 100, seed=k)
        assert not bad.uniform and bad.worst > 0.1
    assert np.all(bad.lower <= bad.upper) and bad.x[0] == 0.0 and bad.x[-1] == 1.0


def test_findings_name_the_replicates_a_model_lost_and_those_without_a_switching_verdict():
    from emvb.study import findings as F

    cov = pd.DataFrame({"method": ["ordered", "ordered", "unordered", "unordered"], "n": [50, 200, 50, 200],
                        "replicates": [149, 195, 200, 200]})
    (sentence,) = F.selection_findings(cov, {50: 200, 200: 200})  # 5 of 200 lost is 2.5%: not named
    assert sentence.startswith("The ordered model failed") and "51 of 200 replicates at N=50" in sentence
    assert "N=200" not in sentence
    sw = pd.DataFrame({"n": [50, 1000], "replicates": [200, 200], "none": [0, 161], "between_chains": [0, 6],
                       "within_chain": [0, 3], "ambiguous": [200, 25], "chains_disagree": [0, 5],
                       "switching": [0.0, 0.045], "switching_mc_se": [0.0, 0.0147]})
    first, second = F.switching_findings(sw)
    assert "0 of 200 at N=50 (200 ambiguous, 0 with chains that disagree)" in first
    assert "9 of 200 at N=1000 (4.5% ± 1.5%: 6 between chains, 3 within; 25 ambiguous, 5 with" in first
    assert "no switching verdict" in second


def test_failures_are_counted_by_kind_per_n():
    from emvb.study.report import failure_reasons

    reps = pd.DataFrame({"part": ["main", "main", "main", "sbc"], "n": [50, 50, 50, 200],
                         "status": ["failed", "failed", "ok", "failed"],
                         "reason": ["ordered: 42 divergent transitions of 4000 draws (limit 1%)",
                                    "ordered: 80 divergent transitions of 4000 draws (limit 1%)", None,
                                    "unordered: sampler error"]})
    table = failure_reasons(reps)
    assert "| main | 50 | ordered: divergent transitions over the limit (1% of the draws) | 2 |" in table
    assert "| sbc | 200 | unordered: sampler error | 1 |" in table


def test_coverage_findings_say_not_rejected_with_the_wilson_interval_and_the_survivors():
    """Coverage 1 of R = 8 is not rejected (|1 - 0.95| < 3 sqrt(0.95 x 0.05 / 8) = 0.23), which allows a coverage
    down to its Wilson bound 8 / 17 = 0.47; 1 of 200 and 0.5 of 200 are rejected and printed with their Wilson
    intervals, never as "1 ± 0"; the ordered model's 8 of 20 planned replicates are named as a selection."""
    from emvb.study import findings as F

    cov = pd.DataFrame({"method": ["ordered", "ordered", "em", "em"], "interval": ["hdi", "hdi", "wald", "wald"],
                        "n": [50, 200, 50, 200], "param": ["pi1"] * 4, "coverage": [1.0, 0.95, 1.0, 0.5],
                        "replicates": [8, 200, 200, 200]})
    cov["mc_se"] = A.mc_se(cov["coverage"], cov["replicates"])
    cov["flag"] = A.off_nominal(cov["coverage"], cov["replicates"])
    assert list(cov["flag"]) == [False, False, True, True]
    em, ordered = F.coverage_findings(cov, {50: 20, 200: 200})
    lo8, _ = A.wilson(1.0, 8)
    assert abs(lo8 - 8 / 17) < 1e-12 and f"{lo8:.3f}" in ordered and "not rejected" in ordered
    assert "8 of 20 at N=50" in ordered and "200 of 200" not in ordered
    for r in cov[cov["flag"]].itertuples():
        lo, hi = A.wilson(r.coverage, r.replicates)
        assert not lo <= 0.95 <= hi and F.wilson_cell(r) in em
    assert "± 0" not in em + ordered


def test_a_share_of_0_or_1_is_given_with_its_wilson_interval_not_plus_minus_0():
    """At 0 of R the Monte-Carlo error sqrt(p (1 - p) / R) is 0 and says nothing; the Wilson interval at 3
    errors runs from 0 to 9 / (R + 9) (its upper end at p = 0); inside (0, 1) the error is given."""
    from emvb.study.findings import share_text

    assert share_text(0.0, 0.0, 200) == f"0.0% [0.0%, {100 * 9 / 209:.1f}%]"
    assert share_text(1.0, 0.0, 20) == f"100.0% [{100 * 20 / 29:.1f}%, 100.0%]"
    assert share_text(0.045, 0.015, 200) == "4.5% ± 1.5%"
