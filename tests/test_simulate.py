import numpy as np
import pytest

from emvb.models.params import DEFAULT_TRUTH, MixtureParams
from emvb.models.simulate import draw, simulate


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 2026])
@pytest.mark.parametrize("p", [DEFAULT_TRUTH, MixtureParams(0.05, -3.0, 4.0, 0.5)])
def test_simulated_weights_means_and_sd_within_4_standard_errors(seed, p):
    n = 20_000
    x, z = draw(p, n, np.random.default_rng(seed))
    se_w = np.sqrt(p.pi1 * (1 - p.pi1) / n)
    assert abs(z.mean() - p.pi1) < 4 * se_w
    for mask, mu in ((z, p.mu1), (~z, p.mu2)):
        m = mask.sum()
        assert abs(x[mask].mean() - mu) < 4 * p.sigma / np.sqrt(m)
        # sd of the sample sd is about sigma / sqrt(2 (m - 1)) for normal data.
        assert abs(x[mask].std(ddof=1) - p.sigma) < 4 * p.sigma / np.sqrt(2 * (m - 1))


def test_labels_use_uniform_not_randn():
    # The original bug (randn() < pi1) gives weight Phi(0.3) = 0.618; the right sampler gives 0.3.
    _, z = draw(DEFAULT_TRUTH, 50_000, np.random.default_rng(7))
    assert abs(z.mean() - 0.3) < 4 * np.sqrt(0.3 * 0.7 / 50_000)


def test_simulate_is_reproducible_and_seed_dependent():
    a, b, c = simulate(seed=5), simulate(seed=5), simulate(seed=6)
    assert a.sha256 == b.sha256 and np.array_equal(a.values, b.values)
    assert a.sha256 != c.sha256
    assert a.n == 10_000 and a.truth == DEFAULT_TRUTH and a.seed == 5
