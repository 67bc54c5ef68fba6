"""Is a claimed estimate a maximum of the likelihood, and which one? (``emvb validate``)

For people who got an EM answer elsewhere. At the claimed ``theta_hat`` we compute, on the user's
data:

- the log-likelihood, against the best optimum our EM finds (either labelling gives the same value);
- the gradient ``g`` (the observed-data score) and, in units of the MLE's standard errors,
  ``g_j * SE_j``; the Newton decrement ``lambda = sqrt(g^T (-H)^{-1} g)``, the distance to the
  maximum in standard errors to first order (``lambda^2 / 2`` is the log-likelihood a Newton step
  would still gain; the same quantity as :attr:`sampling.map.MapResult.newton_decrement`);
- the Hessian ``H = -I_obs`` (Louis 1982 is exact at any theta), scaled to ``D H D`` with
  ``D = diag(SE)`` so its eigenvalues are unit-free; all negative means a local maximum's curvature;
- how far one EM step moves it, ``F(theta_hat) - theta_hat``, in standard errors (zero at a fixed
  point of EM, Dempster, Laird & Rubin 1977);
- the Mahalanobis distance to our MLE in standard errors, for the closer labelling;
- the optimum EM reaches when started at ``theta_hat``.

Verdict: ``global_max`` when the curvature is negative definite, the estimate sits within
:data:`AT_OPTIMUM_SE` standard errors of the optimum EM climbs to from it, and that optimum's
log-likelihood equals the best one found (to :data:`LOGLIK_RTOL` relative); ``local_max`` when the
first two hold but a better optimum exists; ``not_a_max`` otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..adequacy.levels import ALPHA
from ..em import fit, observed_information, score
from ..em.steps import em_map
from ..models.density import loglik
from ..models.errors import EmvbError
from ..models.params import PARAM_NAMES, MixtureParams

#: An estimate within this many standard errors of the optimum it climbs to counts as that optimum
#: (estimates are usually reported to a few digits; 0.05 SE is far below any statistical resolution).
AT_OPTIMUM_SE = 0.05
#: Two optima are the same when their log-likelihoods agree to this relative tolerance.
LOGLIK_RTOL = 1e-7

#: Jacobian of the label swap (pi1, mu1, mu2, sigma) -> (1 - pi1, mu2, mu1, sigma).
SWAP_JACOBIAN = np.array([[-1.0, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]])


def swap_cov(cov: np.ndarray) -> np.ndarray:
    """Covariance of the swapped labelling: ``J cov J^T`` with ``J`` = :data:`SWAP_JACOBIAN`."""
    return SWAP_JACOBIAN @ cov @ SWAP_JACOBIAN.T


def mahalanobis(a: MixtureParams, b: MixtureParams, cov: np.ndarray) -> float:
    """``sqrt((a - b)^T cov^{-1} (a - b))``: distance in standard errors."""
    d = a.to_array() - b.to_array()
    return float(np.sqrt(max(d @ np.linalg.solve(cov, d), 0.0)))


def distance_to(est: MixtureParams, mle: MixtureParams, cov: np.ndarray) -> tuple[float, str]:
    """Distance from ``est`` to the MLE in SEs for the closer labelling; returns (distance, labelling)."""
    same = mahalanobis(est, mle, cov)
    other = mahalanobis(est, mle.swapped(), swap_cov(cov))
    return (same, "as_mle") if same <= other else (other, "swapped")


@dataclass(frozen=True)
class BayesCheck:
    """Where the estimate (ordered labelling) falls in the ordered model's posterior."""

    quantiles: dict[str, float]      # share of posterior draws below the estimate, per parameter
    mahalanobis: float               # distance in posterior sd units (posterior covariance)
    tail_probability: float          # share of draws farther from the posterior mean than the estimate
    draws: int


@dataclass(frozen=True)
class Validation:
    """Everything ``emvb validate`` reports (see the module docstring)."""

    estimate: MixtureParams
    loglik: float
    best: MixtureParams
    best_loglik: float
    best_se: dict[str, float]          # SEs of the MLE in the estimate's labelling
    gradient: np.ndarray
    scaled_gradient: np.ndarray
    newton_decrement: float
    hessian_eigenvalues: np.ndarray
    em_step: MixtureParams | None
    em_step_se: float
    distance_se: float
    labelling: str
    local_optimum: MixtureParams | None
    local_loglik: float
    distance_to_local_se: float
    verdict: str
    reasons: tuple[str, ...]
    n: int
    sha256: str
    bayes: BayesCheck | None = field(default=None)
    adequacy: object = field(default=None)  # adequacy.Adequacy of the model on these data (model_note)

    @property
    def exit_code(self) -> int:
        return 0 if self.verdict == "global_max" else 1

    def to_json_dict(self) -> dict:
        def finite(v):
            return float(v) if np.isfinite(v) else None

        out = {
            "verdict": self.verdict,
            "reasons": list(self.reasons),
            "estimate": self.estimate.to_dict(),
            "loglik": finite(self.loglik),
            "best": self.best.to_dict(),
            "best_loglik": self.best_loglik,
            "best_se": self.best_se,
            "loglik_gap": finite(self.best_loglik - self.loglik),
            "gradient": dict(zip(PARAM_NAMES, map(finite, self.gradient), strict=True)),
            "scaled_gradient": dict(zip(PARAM_NAMES, map(finite, self.scaled_gradient), strict=True)),
            "newton_decrement": finite(self.newton_decrement),
            "hessian_eigenvalues_scaled": [finite(v) for v in self.hessian_eigenvalues],
            "em_step": None if self.em_step is None else self.em_step.to_dict(),
            "em_step_se": finite(self.em_step_se),
            "distance_to_mle_se": finite(self.distance_se),
            "labelling": self.labelling,
            "local_optimum": None if self.local_optimum is None else self.local_optimum.to_dict(),
            "local_loglik": finite(self.local_loglik),
            "n": self.n,
            "sha256": self.sha256,
        }
        if self.adequacy is not None:
            out["adequacy"] = self.adequacy.to_json_dict() | {"note": model_note(self.adequacy)}
        if self.bayes is not None:
            out["bayes"] = {"quantiles": self.bayes.quantiles, "mahalanobis": self.bayes.mahalanobis,
                            "tail_probability": self.bayes.tail_probability, "draws": self.bayes.draws}
        return out


def _safe(f, *args):
    """EM steps can leave the parameter space from a wild estimate (a component with no weight)."""
    try:
        return f(*args)
    except EmvbError:
        return None


def validate(data, estimate: MixtureParams, *, n_init: int = 10, seed: int = 0, best=None) -> Validation:
    """Check whether ``estimate`` is a (global) maximum of the likelihood of ``data``.

    ``best`` may pass an already computed :class:`em.EMResult` for the same data.
    """
    x = np.asarray(getattr(data, "values", data), dtype=float)
    best = best if best is not None else fit(x, n_init=n_init, seed=seed)
    cov = best.cov

    dist, labelling = distance_to(estimate, best.params, cov)
    cov_here = cov if labelling == "as_mle" else swap_cov(cov)
    se_here = np.sqrt(np.diag(cov_here))  # SEs in the estimate's own labelling

    ll = loglik(x, estimate)
    g = score(x, estimate)
    info = observed_information(x, estimate)
    D = np.diag(se_here)
    eig = np.sort(np.linalg.eigvalsh(-(D @ info @ D)))
    neg_def = bool(np.all(eig < 0))
    # lambda = sqrt(g^T (-H)^{-1} g) is defined only where -H is positive definite.
    newton = float(np.sqrt(max(g @ np.linalg.solve(info, g), 0.0))) if neg_def else float("nan")
    step = _safe(em_map, x, estimate)
    step_se = mahalanobis(step, estimate, cov_here) if step is not None else float("inf")

    local = _safe(lambda: fit(x, init=estimate, n_init=1, seed=seed))
    if local is not None:
        # EM reports mu1 <= mu2; compare in the estimate's own labelling.
        local_p = local.params if mahalanobis(local.params, estimate, cov_here) <= mahalanobis(
            local.params.swapped(), estimate, cov_here) else local.params.swapped()
        d_local = mahalanobis(estimate, local_p, cov_here)
        local_ll = local.loglik
    else:
        local_p, d_local, local_ll = None, float("inf"), float("nan")

    at_optimum = neg_def and d_local < AT_OPTIMUM_SE
    best_ll = best.loglik
    is_best = local is not None and local_ll >= best_ll - LOGLIK_RTOL * max(1.0, abs(best_ll))
    reasons = []
    if not neg_def:
        reasons.append(f"the Hessian is not negative definite (largest scaled eigenvalue {eig[-1]:.3g})")
    if not d_local < AT_OPTIMUM_SE:
        reasons.append(f"EM started at the estimate climbs {d_local:.3g} SE away "
                       f"(log-likelihood gain {local_ll - ll:.4g})" if local is not None
                       else "EM started at the estimate leaves the parameter space")
    if at_optimum and not is_best:
        reasons.append(f"a better optimum exists: log-likelihood {best_ll:.6f} vs {local_ll:.6f}")
    if at_optimum and is_best:
        reasons.append(f"stationary (Newton decrement {newton:.2g}), negative definite curvature, "
                       f"and the best log-likelihood found ({best_ll:.6f})")
    verdict = "global_max" if at_optimum and is_best else "local_max" if at_optimum else "not_a_max"
    return Validation(
        estimate=estimate, loglik=ll, best=best.params, best_loglik=best_ll,
        best_se={k: float(v) for k, v in zip(PARAM_NAMES, se_here, strict=True)},
        gradient=g, scaled_gradient=g * se_here, newton_decrement=newton, hessian_eigenvalues=eig,
        em_step=step, em_step_se=step_se, distance_se=dist, labelling=labelling,
        local_optimum=local_p, local_loglik=local_ll, distance_to_local_se=d_local,
        verdict=verdict, reasons=tuple(reasons), n=int(x.size), sha256=best.sha256,
    )


def bayes_check(estimate: MixtureParams, posterior) -> BayesCheck:
    """Locate ``estimate.ordered()`` in an ordered model's posterior (DataTree with pi1, mu, sigma)."""
    post = posterior["posterior"] if "posterior" in getattr(posterior, "children", {}) else posterior
    pi1 = np.asarray(post["pi1"]).ravel()
    mu = np.asarray(post["mu"]).reshape(-1, 2)
    sigma = np.asarray(post["sigma"]).ravel()
    draws = np.column_stack([pi1, mu[:, 0], mu[:, 1], sigma])
    e = estimate.ordered().to_array()
    quantiles = {k: float(np.mean(draws[:, j] < e[j])) for j, k in enumerate(PARAM_NAMES)}
    mean = draws.mean(axis=0)
    cov = np.cov(draws, rowvar=False)
    prec = np.linalg.inv(cov)
    d_est = float(np.sqrt((e - mean) @ prec @ (e - mean)))
    d_draws = np.sqrt(np.einsum("ij,jk,ik->i", draws - mean, prec, draws - mean))
    return BayesCheck(quantiles=quantiles, mahalanobis=d_est,
                      tail_probability=float(np.mean(d_draws >= d_est)), draws=int(draws.shape[0]))


def model_note(adequacy) -> str:
    """One line on the model itself (:func:`adequacy.assess`): a maximum of a rejected model's likelihood
    is still a maximum, but of the wrong likelihood."""
    a = adequacy
    if a.rejected_fit:
        t = a.fit.test if a.fit.test.rejects else a.shared_sigma.test
        what = "the fitted mixture does not reproduce the data" if a.fit.test.rejects else "the sds differ"
        return (f"the two-component shared-sigma model is REJECTED for these data ({what}, bootstrap p = "
                f"{t.p_value:.3g}): whatever the verdict above, it concerns the maximum of a likelihood the data "
                "contradict (emvb check --data FILE explains)")
    if not a.components.test.rejects:
        return (f"one component suffices (bootstrap p = {a.components.test.p_value:.3g} for a second one): the "
                "estimate's pi1, mu1, mu2 are not identified by these data")
    return f"adequate: no check rejects the model at the {ALPHA:g} level (not rejected is not proven)"
