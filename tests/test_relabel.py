"""Relabelling: every method restores known permutations; layout, agreement, errors."""

from __future__ import annotations

import numpy as np
import pytest
from test_labels_synthetic import OVERLAPPING, dataset, known_perm, normal_draws, swap, to_tree

from emvb.labels.draws import Relabelled, draws_of
from emvb.labels.relabel import METHODS, agreement, relabel, relabel_all
from emvb.models.errors import EmvbError

C, D = 4, 300


@pytest.fixture(scope="module")
def scrambled():
    """Separated data; draws all in EM's labelling, then swapped by a known pattern."""
    x, fit = dataset()
    theta = normal_draws(fit, C, D, seed=2)
    perm = known_perm(C, D)
    return x, fit, theta, perm, to_tree(swap(theta, perm), fit.sha256, x)


@pytest.mark.parametrize("method", METHODS)
def test_each_method_restores_the_known_permutation(scrambled, method):
    x, fit, theta, perm, dt = scrambled
    r = relabel(dt, method, em_result=fit, max_fits=200)
    assert r.method == method
    assert np.array_equal(r.perm, perm[:, r.draw_index])
    post = r.posterior["posterior"]
    # Undoing the swaps gives back the constructed draws exactly (swap is an involution).
    assert np.array_equal(post["mu"].values, theta[:, r.draw_index, 1:3])
    assert np.allclose(post["pi1"].values, theta[:, r.draw_index, 0], rtol=0, atol=1e-15)
    assert np.array_equal(post["sigma"].values, theta[:, r.draw_index, 3])


def test_em_method_thins_evenly_and_keeps_the_layout(scrambled):
    x, fit, theta, perm, dt = scrambled
    r = relabel(dt, "em", em_result=fit, max_fits=100)
    assert np.array_equal(r.draw_index, np.arange(0, D, 12))  # ceil(1200 / 100) = 12
    assert r.posterior["posterior"].sizes["draw"] == r.draw_index.size
    assert r.info["share_global"] == 1.0
    assert r.posterior["observed_data"].sizes["obs"] == x.size  # groups without draws untouched


def test_relabelled_tree_keeps_groups_coords_and_attrs(scrambled):
    x, fit, theta, perm, dt = scrambled
    r = relabel(dt, "order", em_result=fit)
    post = r.posterior["posterior"]
    assert set(r.posterior.children) == set(dt.children)
    assert list(post["component"].values) == [1, 2]
    assert post["mu"].dims == ("chain", "draw", "component")
    assert post.attrs["data_sha256"] == fit.sha256 and post.attrs["relabelled_by"] == "order"
    assert np.all(post["mu"].values[..., 0] < post["mu"].values[..., 1])
    # The input is not modified.
    assert np.array_equal(dt["posterior"]["mu"].values, swap(theta, perm)[..., 1:3])


def test_stephens_and_ecr_agree_with_ordering_on_separated_data(scrambled):
    x, fit, theta, perm, dt = scrambled
    rel = relabel_all(dt, em_result=fit, methods=("order", "stephens", "ecr"))
    a = agreement(rel)
    assert list(a.index) == ["order", "stephens", "ecr"]
    assert (a.to_numpy() == 1.0).all()


def dense_stephens(x, draws, init, max_iter=100):
    """Stephens (2000) written directly: the whole (T, N, 2) probability array, both permutations."""
    from scipy.special import xlogy

    from emvb.models.density import responsibilities

    flat = [draws.flat_block(0, draws.pi1.size)]
    r1 = responsibilities(x, flat[0])
    p = np.stack([r1, 1 - r1], axis=-1)  # (T, N, 2)
    perms = init.reshape(-1).copy()
    for _ in range(max_iter):
        relab = np.where(perms[:, None, None], p[..., ::-1], p)
        q = relab.mean(axis=0)
        cost_id = np.sum(xlogy(p, p) - p * np.log(q), axis=(1, 2))
        cost_sw = np.sum(xlogy(p, p) - p[..., ::-1] * np.log(q), axis=(1, 2))
        new = cost_sw < cost_id
        if np.array_equal(new, perms):
            break
        perms = new
    return perms.reshape(draws.shape)


def test_stephens_equals_a_dense_implementation_on_overlapping_draws():
    """Overlapping components: many iterations, labels not obvious; block size 1 draw vs all."""
    x, fit = dataset(OVERLAPPING, n=300, seed=5)
    theta = normal_draws(fit, 2, 150, seed=9, cov_scale=4.0)
    theta[..., 0] = np.clip(theta[..., 0], 0.02, 0.98)
    theta[..., 3] = np.abs(theta[..., 3])
    draws = draws_of(to_tree(theta))
    from emvb.labels.stephens import stephens_perm

    expected = dense_stephens(x, draws, np.zeros(draws.shape, bool))
    got, info = stephens_perm(x, draws, block_bytes=8 * x.size)
    assert info["block_rows"] == 1
    assert np.array_equal(got, expected)
    assert 0.05 < got.mean() < 0.95  # a genuinely mixed case, not all-or-nothing
    # Both steps of the alternation minimise the same objective: it never increases.
    tr = np.array(info["objective_trace"])
    assert np.all(np.diff(tr) <= 1e-9 * np.abs(tr[:-1])) and tr[-1] >= 0
    big, _ = stephens_perm(x, draws)
    assert np.array_equal(big, got)


def test_ecr_result_does_not_depend_on_the_block_size(scrambled):
    x, fit, theta, perm, dt = scrambled
    from emvb.labels.ecr import ecr_perm

    draws = draws_of(dt)
    a, ia = ecr_perm(x, draws, fit.params, seed=4, block_bytes=8 * x.size * 7)
    b, ib = ecr_perm(x, draws, fit.params, seed=4)
    assert ia["block_rows"] == 7 and ib["block_rows"] > 7
    assert np.array_equal(a, b) and np.array_equal(ia["mismatch_share"], ib["mismatch_share"])
    # Separated components (overlap ~ Phi(-5/2) per point): few allocations disagree with the pivot.
    assert ib["mismatch_share"].max() < 0.05


def test_chunked_relabelling_never_holds_a_draws_by_points_array():
    """N = 10^4 points x 400 draws = 32 MB as one float64 array; with 1 MiB blocks the peak stays small."""
    import tracemalloc

    x, fit = dataset(n=10_000, seed=12)
    theta = normal_draws(fit, 4, 100, seed=1)
    perm = known_perm(4, 100, block=10)
    dt = to_tree(swap(theta, perm), fit.sha256)
    full = theta.shape[0] * theta.shape[1] * x.size * 8
    for method in ("stephens", "ecr"):
        tracemalloc.start()
        r = relabel(dt, method, em_result=fit, data=x, block_bytes=2**20)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert np.array_equal(r.perm, perm)
        # A block is 13 draws x 10^4 points (1 MiB); about a dozen temporaries of that size.
        assert peak < full / 2, (method, peak / 2**20)


def test_em_keeps_the_sign_of_mu1_minus_mu2():
    """The lemma behind method 'em' (Chebyshev's sum inequality): one EM map never flips mu order."""
    from emvb.em.steps import em_map
    from emvb.models.params import MixtureParams

    x, fit = dataset(OVERLAPPING, n=200, seed=8)
    rng = np.random.default_rng(0)
    for _ in range(200):
        mu = rng.normal(0.75, 2.0, 2)
        p = MixtureParams(rng.uniform(0.05, 0.95), mu[0], mu[1], rng.uniform(0.3, 3.0))
        q = em_map(x, p)
        assert np.sign(q.mu1 - q.mu2) == np.sign(p.mu1 - p.mu2)


def test_em_method_labels_like_ordering_where_plain_em_reaches_the_global_optimum():
    from emvb.labels.em_mode import em_perm
    from emvb.labels.pivot import order_perm

    x, fit = dataset(OVERLAPPING, n=200, seed=8)
    theta = normal_draws(fit, 2, 60, seed=3)
    theta[..., 0] = np.clip(theta[..., 0], 0.02, 0.98)
    theta[..., 3] = np.abs(theta[..., 3])
    draws = draws_of(to_tree(theta))
    perm, info = em_perm(x, draws, fit, max_fits=120, climb_kwargs={"accelerate": False})
    glob = info["reached_global"]
    assert glob.sum() >= 10
    assert np.array_equal(perm[glob], order_perm(draws)[glob])


def test_climb_and_fit_report_the_labelling_they_used():
    """em.climb keeps its start's labels; em.fit reports mu1 <= mu2 and says whether it swapped."""
    from emvb import em

    x, fit = dataset()
    start = fit.params.swapped()  # mu1 > mu2
    c = em.climb(x, start)
    assert c.converged and c.params.mu1 > c.params.mu2
    np.testing.assert_allclose(c.params.to_array(), fit.params.swapped().to_array(), rtol=1e-6)
    res = em.fit(x, init=start, n_init=1)
    assert res.params.mu1 < res.params.mu2 and res.swapped
    assert res.in_start_labels() == res.params.swapped()
    assert not em.fit(x, init=fit.params, n_init=1).swapped


def test_agreement_counts_matching_draws():
    perm = np.zeros((2, 10), bool)
    other = perm.copy()
    other[1, :3] = True
    idx = np.arange(10)
    rel = {"a": Relabelled(None, perm, "order", idx), "b": Relabelled(None, other, "pivot", idx),
           "c": Relabelled(None, other[:, ::5], "em", idx[::5])}
    a = agreement(rel)
    assert a.loc["a", "b"] == a.loc["b", "a"] == 1 - 3 / 20
    assert a.loc["a", "c"] == 1 - 1 / 4 and a.loc["b", "c"] == 1.0
    assert np.all(np.diag(a.to_numpy()) == 1.0)


def test_errors_are_one_line(scrambled):
    x, fit, theta, perm, dt = scrambled
    bare = to_tree(swap(theta, perm), fit.sha256)  # no observed_data group
    with pytest.raises(EmvbError, match="needs the observed data") as e1:
        relabel(bare, "stephens", em_result=fit)
    with pytest.raises(EmvbError, match="unknown relabelling method") as e2:
        relabel(dt, "sorting", em_result=fit)
    with pytest.raises(EmvbError, match="data fingerprint") as e3:
        relabel(bare, "ecr", em_result=fit, data=x[::-1])
    for e in (e1, e2, e3):
        assert "\n" not in str(e.value)
    assert set(relabel_all(bare, em_result=fit)) == {"order", "pivot"}
