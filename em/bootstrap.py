"""Parametric bootstrap standard errors (for comparison with Louis' SEs).

Replicate ``b``: draw ``n`` points from the fitted mixture, refit by EM started at the estimate
(one start: the replicate's MLE is near it, and the reported labelling ``mu1 <= mu2`` makes the
replicates comparable), keep the estimate. The SD of the replicates estimates the SE (Efron &
Tibshirani 1993, ch. 6; mixtools ``boot.se``, mclust ``MclustBootstrap``). Its own Monte-Carlo
relative error is about ``1 / sqrt(2 (n_boot - 1))``.
"""

from __future__ import annotations

import numpy as np

from ..models.errors import SettingError
from ..models.simulate import draw
from .fit import climb
from .result import BootstrapResult, EMResult, ParamRecord


def bootstrap(x, result: EMResult, n_boot: int = 200, seed: int = 0) -> BootstrapResult:
    """Parametric bootstrap of ``result`` (fitted to ``x``); one ``numpy`` Generator seeded by ``seed``.

    Each replicate uses the same ``tol`` and acceleration as ``result``. ``x`` is used for its size
    only (the replicates are drawn from ``result.params``).
    """
    n = int(np.size(getattr(x, "values", x)))
    if n != result.n:
        raise SettingError(f"x has {n} points but the result was fitted to {result.n}")
    if int(n_boot) < 2:
        raise SettingError(f"n_boot must be >= 2, got {n_boot}")
    rng = np.random.default_rng(seed)
    est = np.full((int(n_boot), 4), np.nan)
    ok = np.zeros(int(n_boot), dtype=bool)
    for b in range(int(n_boot)):
        xb, _ = draw(result.params, n, rng)
        rb = climb(xb, result.params, tol=result.tol, accelerate=result.accelerate)
        ok[b] = rb.converged and rb.params is not None
        if ok[b]:
            est[b] = rb.params.ordered().to_array()
    good = est[ok]
    if good.shape[0] >= 2:
        cov = np.cov(good, rowvar=False, ddof=1)
        se = np.sqrt(np.diag(cov))
    else:
        cov = np.full((4, 4), np.nan)
        se = np.full(4, np.nan)
    return BootstrapResult(estimates=est, se=ParamRecord.from_array(se), cov=cov, n_boot=int(n_boot),
                           n_converged=int(ok.sum()), seed=int(seed))
