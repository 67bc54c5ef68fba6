"""K-component relabelling against brute force: for K = 3 and 4, on simulated posteriors with known switching
(a chain in another labelling, a block of swapped draws, single swapped draws), every method's permutation
of every draw is the minimum over all K! permutations of its own objective, written here directly from the
published formulas (per draw, or at the method's fixed point), and on separated components every method
undoes the known switching."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.stats import norm

from emvb.labels.inputs import prepare_k
from emvb.labels.kdraws import MixDraws, assign, inverse, order_perm_k
from emvb.labels.kmethods import METHODS_K, run_method
from emvb.models.scaling import Scaling

ITERATIVE = ("stephens", "ecr_iterative_1", "ecr_iterative_2", "data_based")


def scrambles(chains: int, draws: int, k: int, seed: int) -> np.ndarray:
    """``s (chain, draw, K)``: chain 1 wholly in one other labelling, a block of chain 0 in another, and single
    draws of the last chain in random ones; the rest as simulated."""
    rng = np.random.default_rng(seed)
    s = np.broadcast_to(np.arange(k), (chains, draws, k)).copy()
    others = [np.array(p) for p in itertools.permutations(range(k)) if p != tuple(range(k))]
    s[1] = others[0]
    s[0, draws // 4: draws // 2] = others[-1]
    for d in rng.choice(draws, size=3, replace=False):
        s[-1, d] = others[rng.integers(len(others))]
    return s


def simulate(k: int, *, gap: float, shared: bool, noise: float = 0.25, chains=3, draws=24, n=90, seed=0):
    """Data from K components ``gap`` sigmas apart, posterior-like draws around the truth (in ascending order),
    and the draws scrambled by :func:`scrambles`. Returns ``(x, sampled MixDraws, s)``."""
    rng = np.random.default_rng(seed)
    w0 = np.arange(2, k + 2) / np.arange(2, k + 2).sum()
    mu0, s0 = gap * np.arange(k), 1.0 + 0.1 * np.arange(k) * (not shared)
    z = rng.choice(k, size=n, p=w0)
    x = rng.normal(mu0[z], s0[z])
    shape = (chains, draws, k)
    w = rng.dirichlet(40 * w0, size=(chains, draws))
    mu = mu0 + noise * rng.standard_normal(shape)
    sig = (np.exp(0.05 * rng.standard_normal((chains, draws, 1))) * s0 if shared
           else s0 * np.exp(0.05 * rng.standard_normal(shape)))
    s = scrambles(chains, draws, k, seed)
    truth = MixDraws(w, mu, np.broadcast_to(sig, shape).copy(), shared)
    sampled = MixDraws(*(np.take_along_axis(a, s, -1) for a in (truth.w, truth.mu, truth.sigma)), shared)
    return x, sampled, s


def probs(x, draws: MixDraws) -> np.ndarray:
    """``p[t, i, k]`` straight from the density, draws flattened chain-major."""
    w, mu, sg = (a.reshape(-1, draws.k) for a in (draws.w, draws.mu, draws.sigma))
    dens = w[:, None, :] * norm.pdf(x[None, :, None], mu[:, None, :], sg[:, None, :])
    return dens / dens.sum(-1, keepdims=True)


def brute(objective, k: int) -> np.ndarray:
    """Per draw the permutation (label k <- component perm[k]) minimising ``objective(perm) -> (draws,)``."""
    perms = np.array(list(itertools.permutations(range(k))))
    values = np.stack([objective(p) for p in perms])  # (K!, draws)
    return perms[np.argmin(values, axis=0)]


def assert_minimal(found: np.ndarray, objective, k: int) -> None:
    """``found (draws, K)`` attains, in every draw, the minimum of ``objective`` over all K! permutations, and
    equals the brute-force minimiser wherever that is unique (integer costs, as mismatch counts, can tie)."""
    perms = np.array(list(itertools.permutations(range(k))))
    values = np.stack([objective(p) for p in perms])  # (K!, draws)
    index = np.array([np.flatnonzero((perms == f).all(1))[0] for f in found])
    best = values.min(axis=0)
    assert np.all(values[index, np.arange(found.shape[0])] <= best + 1e-9 * np.maximum(1.0, np.abs(best)))
    unique = (values <= best + 1e-9 * np.maximum(1.0, np.abs(best))).sum(axis=0) == 1
    assert np.array_equal(found[unique], perms[np.argmin(values, axis=0)][unique])


def kl_objective(p, q):
    return lambda perm: (p[:, :, perm] * np.log(p[:, :, perm] / q[None])).sum(axis=(1, 2))


def mismatches(p, z):
    k = p.shape[-1]
    return lambda perm: (p[:, :, perm] * (z[None, :, None] != np.arange(k))).sum(axis=(1, 2))


CASES = [(3, True, 0), (3, False, 1), (4, True, 2), (4, False, 3)]


@pytest.fixture(scope="module", params=CASES, ids=lambda c: f"K{c[0]}-{'shared' if c[1] else 'own'}-sigma")
def overlapping(request):
    """Components 1.5 sigmas apart and wide draws: the methods' references are blurred and the methods
    disagree on some draws (asserted), so the minima are not those of sorting."""
    k, shared, seed = request.param
    x, draws, s = simulate(k, gap=1.5, shared=shared, noise=0.8, seed=seed)
    inputs = prepare_k(draws, x)
    runs = {m: run_method(m, inputs.draws, inputs.alloc) for m in METHODS_K}
    return k, x, draws, inputs, runs


def test_per_draw_methods_equal_brute_force(overlapping):
    k, x, draws, inputs, runs = overlapping
    assert len({runs[m][0].tobytes() for m in METHODS_K}) >= 4  # the methods genuinely differ here
    p = probs(x, draws)
    assert np.allclose(inputs.alloc.p, p, atol=1e-12)  # no bins at this size: the exact probabilities
    t = runs["ecr_pivot"][1]["pivot_position"]
    ll = np.log(_dens(x, draws)).sum(axis=1)
    assert np.unravel_index(np.argmax(ll), draws.shape) == t
    flat = t[0] * draws.shape[1] + t[1]
    sort = np.argsort(draws.mu[t])
    z = np.argmax(p[flat][:, sort], axis=1)
    assert_minimal(runs["ecr_pivot"][0].reshape(-1, k), mismatches(p, z), k)
    std = draws.standardized(Scaling.of(x))
    theta = np.stack([std.w, std.mu] + ([] if draws.shared else [std.sigma]), -1).reshape(-1, k, 2 + (not draws.shared))
    star = theta[flat][sort]
    dist = brute(lambda perm: ((theta[:, perm] - star) ** 2).sum(axis=(1, 2)), k)
    assert np.array_equal(runs["pra"][0].reshape(-1, k), dist)
    for m, key in (("order", draws.mu), ("order_weights", draws.w)):
        values = key.reshape(-1, k)
        ascending = brute(lambda perm, v=values: ~np.all(np.diff(v[:, perm], axis=-1) > 0, axis=-1), k)
        assert np.array_equal(runs[m][0].reshape(-1, k), ascending)


def _dens(x, draws):
    w, mu, sg = (a.reshape(-1, draws.k) for a in (draws.w, draws.mu, draws.sigma))
    return (w[:, None, :] * norm.pdf(x[None, :, None], mu[:, None, :], sg[:, None, :])).sum(-1)


def test_iterative_methods_stop_at_their_published_fixed_point(overlapping):
    """At the returned permutations, the reference they imply (q, the pivot, the centres) gives back the same
    permutations when every draw's objective is minimised over all K! permutations."""
    k, x, draws, inputs, runs = overlapping
    p = probs(x, draws)
    n_draws = p.shape[0]
    for m in ITERATIVE:
        perm, info = runs[m]
        assert info["converged"], m
        perm = perm.reshape(-1, k)
        rel = p[np.arange(n_draws)[:, None], :, perm].transpose(0, 2, 1)  # rel[t, i, k] = p[t, i, perm[t, k]]
        if m == "stephens":
            objective = kl_objective(p, rel.mean(axis=0))
        elif m == "ecr_iterative_2":
            objective = mismatches(p, np.argmax(rel.mean(axis=0), axis=1))
        elif m == "ecr_iterative_1":
            hard = (np.argmax(p, -1)[..., None] == np.arange(k)).astype(float)
            rel_hard = hard[np.arange(n_draws)[:, None], :, perm].transpose(0, 2, 1)
            objective = mismatches(hard, np.argmax(rel_hard.sum(axis=0), axis=1))
        else:
            mass = rel.sum(axis=0)
            c = (mass * x[:, None]).sum(0) / mass.sum(0)
            s = np.sqrt((mass * (x[:, None] - c) ** 2).sum(0) / mass.sum(0))
            def objective(perm, c=c, s=s):
                return (p[:, :, perm] * ((x[None, :, None] - c) / s) ** 2).sum(axis=(1, 2))
        assert_minimal(perm, objective, k)


@pytest.mark.parametrize("k,shared,seed", CASES)
def test_every_method_undoes_known_switching_on_separated_components(k, shared, seed):
    x, draws, s = simulate(k, gap=8.0, shared=shared, seed=seed)
    inputs = prepare_k(draws, x)
    restore = inverse(s)
    for m in METHODS_K:
        if m == "order_weights":
            continue  # sorts by weight, which here need not follow the components' order
        perm, _ = run_method(m, inputs.draws, inputs.alloc, init="identity")
        assert np.array_equal(perm, restore), m


def test_assignment_is_the_brute_force_minimum_of_any_cost():
    rng = np.random.default_rng(7)
    for k in (2, 3, 4, 5):
        cost = rng.standard_normal((50, k, k))
        perms = np.array(list(itertools.permutations(range(k))))
        values = cost[:, perms, np.arange(k)].sum(-1)  # (draws, K!)
        assert np.array_equal(assign(cost), perms[np.argmin(values, axis=1)])


def test_order_weights_sorts_the_weights():
    x, draws, _ = simulate(3, gap=8.0, shared=True, seed=4)
    perm, _ = run_method("order_weights", prepare_k(draws, x).draws, None)
    assert np.all(np.diff(draws.permuted(perm).w, axis=-1) >= 0)
    assert np.array_equal(perm, order_perm_k(draws.w))


def test_bins_are_coarsened_only_as_far_as_the_probabilities_need_to_fit():
    from emvb.labels.binned import MIN_BINS, default_bins
    from emvb.labels.inputs import MAX_CELLS, fitting_bins

    small = MixDraws(*(np.ones((4, 100, 3)),) * 3, True)
    assert fitting_bins(10**6, small) == default_bins(10**6)  # 2048 x 1,200 cells fit
    big = MixDraws(*(np.ones((4, 5000, 5)),) * 3, True)
    bins = fitting_bins(10**6, big)
    assert bins * 20000 * 5 <= MAX_CELLS < 2 * bins * 20000 * 5 and bins >= MIN_BINS
