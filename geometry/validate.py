"""Is a claimed estimate a maximum of the likelihood, and which one? (``emvb validate``)

For people who got an EM answer elsewhere. Everything is computed on the standardised data
(:mod:`models.scaling`; the tests below are invariant under ``x -> a x + b``, so data near 1e300
are checked like any other) and reported in the data's units. At the claimed ``theta_hat``:

- the log-likelihood, against the best optimum our EM finds (either labelling gives the same value);
- the gradient ``g`` (the observed-data score), per parameter also as ``g_j * SE_j``;
- the Hessian ``H = -I_obs`` (Louis 1982 is exact at any theta), scaled to ``D H D`` with
  ``D = diag(SE)`` so its eigenvalues are unit-free;
- how far one EM step moves it, ``F(theta_hat) - theta_hat``, in standard errors (zero at a fixed
  point of EM, Dempster, Laird & Rubin 1977);
- the optimum ``theta_loc`` EM reaches when started at ``theta_hat``, and the distance to it;
- the Mahalanobis distance to our MLE in standard errors, for the closer labelling.

Standard errors and distances use the covariance ``C`` (inverse observed information) of
``theta_loc``, the maximum the estimate belongs to (the best fit's if EM from the estimate does
not converge to a maximum; the identity in standardised units if no maximum was found at all).
The verdict needs four tests, each reported by name when it fails:

1. **stationary**: the scaled gradient ``s = sqrt(g^T C g)`` is at most ``tolerance``. To first
   order ``C g`` is the step to the stationary point, so ``s`` is the distance to it in standard
   errors (Mahalanobis); at a maximum it is the Newton decrement;
2. **negative definite curvature**: every eigenvalue of ``D H D`` is negative;
3. **at EM's optimum**: ``theta_hat`` lies within ``tolerance`` standard errors (Mahalanobis, in
   ``C``) of ``theta_loc``;
4. **best**: ``theta_loc``'s log-likelihood equals the best found (to :data:`LOGLIK_RTOL` relative).

``global_max`` when all four hold, ``local_max`` when 1-3 hold, ``not_a_max`` otherwise. The
default ``tolerance`` (:data:`TOLERANCE_SE`) suits estimates given to full precision; an estimate
printed with few digits sits a fraction of a standard error from the maximum (3 significant
figures: 0.2 to 0.4 SE at n = 500 to 10^4, more for larger n), and a larger ``tolerance`` asks "is
this the maximum up to rounding?".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..adequacy.levels import ALPHA
from ..em import fit, observed_information, score
from ..em.steps import em_map
from ..models.data import checked_values
from ..models.density import loglik
from ..models.errors import EmvbError, ParamError, SettingError
from ..models.params import PARAM_NAMES, MixtureParams, json_float
from ..models.scaling import Scaling

if TYPE_CHECKING:
    from ..adequacy.result import Adequacy

#: Default tolerance, in standard errors, of the stationarity and at-optimum tests (estimates given
#: to full precision are ~1e-3 SE from the maximum; 0.05 SE is far below any statistical resolution).
TOLERANCE_SE = 0.05
#: Two optima are the same when their log-likelihoods agree to this relative tolerance.
LOGLIK_RTOL = 1e-7
#: An estimate is checked when its means lie within this many interquartile ranges of the data's median
#: and its sigma between 1/this and this many: the information's sums hold (x - mu)^4 / sigma^6, which
#: then stay below about 1e200 (docs/methods.md, "Validating an estimate").
ESTIMATE_STD_MAX = 1e20

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
    """Everything ``emvb validate`` reports (see the module docstring), in the data's units."""

    estimate: MixtureParams
    loglik: float
    best: MixtureParams
    best_loglik: float
    best_se: dict[str, float]          # SEs of the MLE in the estimate's labelling
    gradient: np.ndarray
    scaled_gradient: np.ndarray        # g_j * SE_j, SEs of the optimum EM reaches from the estimate
    stationarity_se: float             # sqrt(g^T C g): test 1
    newton_decrement: float
    hessian_eigenvalues: np.ndarray
    em_step: MixtureParams | None
    em_step_se: float
    distance_se: float
    labelling: str
    local_optimum: MixtureParams | None
    local_loglik: float
    distance_to_local_se: float
    tests: dict[str, bool]
    tolerance: float
    verdict: str
    reasons: tuple[str, ...]
    n: int
    sha256: str
    bayes: BayesCheck | None = field(default=None)
    adequacy: Adequacy | None = field(default=None)  # the model's adequacy on these data (model_note)

    @property
    def exit_code(self) -> int:
        return 0 if self.verdict == "global_max" else 1

    def to_json_dict(self) -> dict:
        out = {
            "verdict": self.verdict,
            "reasons": list(self.reasons),
            "tests": dict(self.tests),
            "tolerance_se": self.tolerance,
            "estimate": self.estimate.to_dict(),
            "loglik": json_float(self.loglik),
            "best": self.best.to_dict(),
            "best_loglik": self.best_loglik,
            "best_se": self.best_se,
            "loglik_gap": json_float(self.best_loglik - self.loglik),
            "gradient": dict(zip(PARAM_NAMES, map(json_float, self.gradient), strict=True)),
            "scaled_gradient": dict(zip(PARAM_NAMES, map(json_float, self.scaled_gradient), strict=True)),
            "stationarity_se": json_float(self.stationarity_se),
            "newton_decrement": json_float(self.newton_decrement),
            "hessian_eigenvalues_scaled": [json_float(v) for v in self.hessian_eigenvalues],
            "em_step": None if self.em_step is None else self.em_step.to_dict(),
            "em_step_se": json_float(self.em_step_se),
            "distance_to_mle_se": json_float(self.distance_se),
            "labelling": self.labelling,
            "local_optimum": None if self.local_optimum is None else self.local_optimum.to_dict(),
            "local_loglik": json_float(self.local_loglik),
            "n": self.n,
            "sha256": self.sha256,
        }
        if self.adequacy is not None:
            out["adequacy"] = self.adequacy.to_json_dict() | {"note": model_note(self.adequacy)}
        if self.bayes is not None:
            out["bayes"] = asdict(self.bayes)
        return out


def _checkable(estimate: MixtureParams, sc: Scaling) -> MixtureParams:
    """The estimate in standardised units, or a :class:`ParamError` in the user's numbers when float64
    cannot check it: a weight whose label swap ``1 - pi1`` rounds to 1 (``pi1`` below 1.1e-16), or means or
    sigma beyond :data:`ESTIMATE_STD_MAX` interquartile ranges (the checks' fourth powers overflow)."""
    p = estimate
    if not 0.0 < 1.0 - p.pi1 < 1.0:
        raise ParamError(f"estimate pi1 = {p.pi1:.6g}: 1 - pi1 is {1.0 - p.pi1:.17g} in float64, so the two "
                         "labellings cannot be told apart; a weight within 1.1e-16 of 0 or 1 is a component "
                         "without data, which validate cannot check (fit one normal instead)")
    est = sc.params_to_std(p)
    far = [f"{k} = {getattr(p, k):.6g} ({abs(getattr(est, k)):.3g} IQR from the median)" for k in ("mu1", "mu2")
           if not abs(getattr(est, k)) <= ESTIMATE_STD_MAX]
    if not 1.0 / ESTIMATE_STD_MAX <= est.sigma <= ESTIMATE_STD_MAX:
        far.append(f"sigma = {p.sigma:.6g} ({est.sigma:.3g} IQR)")
    if far:
        raise ParamError(f"estimate {', '.join(far)}: validate checks means within {ESTIMATE_STD_MAX:g} and sigma "
                         f"from {1 / ESTIMATE_STD_MAX:g} to {ESTIMATE_STD_MAX:g} interquartile ranges of the data "
                         f"(median {sc.center:.6g}, IQR {sc.scale:.6g}); beyond, float64 cannot compute its curvature")
    return est


def _safe(f, *args):
    """EM steps can leave the parameter space from a wild estimate (a component with no weight)."""
    try:
        return f(*args)
    except EmvbError:
        return None


def _cov_std(result, sc: Scaling) -> np.ndarray:
    """An EM result's covariance in the standardised units of ``sc`` (overflow-free)."""
    r = result.scaling.scale / sc.scale
    j = np.array([1.0, r, r, r])
    return result.cov_std * j[:, None] * j[None, :]


def _positive_definite(cov: np.ndarray) -> bool:
    return bool(np.all(np.isfinite(cov)) and np.linalg.eigvalsh(cov)[0] > 0)


def _in_labels_of(p: MixtureParams, cov: np.ndarray, est: MixtureParams) -> tuple[MixtureParams, np.ndarray]:
    """``p`` and ``cov`` in the labelling nearer ``est``."""
    if mahalanobis(p, est, cov) <= mahalanobis(p.swapped(), est, swap_cov(cov)):
        return p, cov
    return p.swapped(), swap_cov(cov)


def _reasons(t: dict, v: dict, tol: float) -> list[str]:
    """One phrase per test, saying which failed and by how much."""
    out = []
    if not t["stationary"]:
        out.append(f"not stationary: the scaled gradient puts it {v['s']:.3g} SE from the stationary point "
                   f"(tolerance {tol:g} SE; largest |gradient x SE| {np.max(np.abs(v['gse'])):.3g})"
                   + ("; if it was rounded for printing, a larger tolerance asks whether it is the maximum up "
                      "to rounding" if t["negative_definite"] and v["s"] < 1.0 else ""))
    if not t["negative_definite"]:
        out.append(f"the curvature is not negative definite (largest scaled Hessian eigenvalue {v['eig'][-1]:.3g})"
                   + ("; a saddle" if t["stationary"] else ""))
    if v["local"] is None:
        out.append("EM started at the estimate leaves the parameter space")
    elif not v["local"].converged:
        out.append(f"EM started at the estimate does not converge to a maximum ({v['local'].reason})")
    elif not t["at_optimum"]:
        out.append(f"EM started at the estimate climbs {v['d_local']:.3g} SE away (tolerance {tol:g} SE; "
                   f"log-likelihood gain {v['gain']:.4g})")
    if t["stationary"] and t["negative_definite"] and t["at_optimum"]:
        if t["best"]:
            out.append(f"stationary ({v['s']:.2g} SE from the stationary point, tolerance {tol:g} SE), negative "
                       f"definite curvature, and the best log-likelihood found ({v['best_ll']:.6f})")
        else:
            out.append(f"a local maximum; a better optimum exists: log-likelihood {v['best_ll']:.6f} vs "
                       f"{v['local_ll']:.6f}")
    return out


def validate(data, estimate: MixtureParams, *, n_init: int = 10, seed: int = 0, best=None,
             tolerance: float = TOLERANCE_SE) -> Validation:
    """Check whether ``estimate`` is a (global) maximum of the likelihood of ``data`` (module note).

    ``best`` may pass an already computed :class:`em.EMResult` for the same data; ``tolerance`` is
    in standard errors (tests 1 and 3).
    """
    if not (np.isfinite(tolerance) and tolerance > 0):
        raise SettingError(f"tolerance must be a number of standard errors > 0, got {tolerance}")
    values, sha = checked_values(data)
    sc, xs = Scaling.standardized(values)
    est = _checkable(estimate, sc)
    best = best if best is not None else fit(values, n_init=n_init, seed=seed)
    cov_best = _cov_std(best, sc)
    dist, labelling = distance_to(est, sc.params_to_std(best.params), cov_best)
    cov_mle = cov_best if labelling == "as_mle" else swap_cov(cov_best)

    local = _safe(lambda: fit(values, init=estimate, n_init=1, seed=seed))
    loc, cov, d_local, local_ll = None, cov_mle, float("inf"), float("nan")
    if local is not None:
        loc, cov_loc = _in_labels_of(sc.params_to_std(local.params), _cov_std(local, sc), est)
        local_ll = local.loglik
        if local.converged and _positive_definite(cov_loc):  # a maximum: its covariance is the metric
            cov = cov_loc
        d_local = mahalanobis(est, loc, cov)
    if not _positive_definite(cov):  # no maximum found at all: distances in standardised units
        cov = np.eye(4)
    se = np.sqrt(np.diag(cov))

    ll = sc.loglik_from_std(loglik(xs, est), xs.size)
    g = score(xs, est)
    info = observed_information(xs, est)
    eig = np.sort(np.linalg.eigvalsh(-(se[:, None] * info * se[None, :])))
    neg_def = bool(np.all(eig < 0))
    s = float(np.sqrt(max(g @ cov @ g, 0.0)))
    # lambda = sqrt(g^T (-H)^{-1} g) is defined only where -H is positive definite.
    newton = float(np.sqrt(max(g @ np.linalg.solve(info, g), 0.0))) if neg_def else float("nan")
    step = _safe(em_map, xs, est)
    step_se = mahalanobis(step, est, cov) if step is not None else float("inf")

    tests = {"stationary": s <= tolerance, "negative_definite": neg_def,
             "at_optimum": local is not None and local.converged and d_local <= tolerance,
             "best": local is not None and local_ll >= best.loglik - LOGLIK_RTOL * max(1.0, abs(best.loglik))}
    reasons = _reasons(tests, {"s": s, "gse": g * se, "eig": eig, "local": local, "d_local": d_local,
                               "gain": local_ll - ll, "best_ll": best.loglik, "local_ll": local_ll},
                       tolerance)
    at_max = tests["stationary"] and tests["negative_definite"] and tests["at_optimum"]
    verdict = ("global_max" if tests["best"] else "local_max") if at_max else "not_a_max"
    return Validation(
        estimate=estimate, loglik=ll, best=best.params, best_loglik=best.loglik,
        best_se=dict(zip(PARAM_NAMES, sc.se_from_std(np.sqrt(np.diag(cov_mle))).tolist(), strict=True)),
        gradient=g / sc.se_from_std(np.ones(4)), scaled_gradient=g * se, stationarity_se=s,
        newton_decrement=newton, hessian_eigenvalues=eig,
        em_step=None if step is None else sc.params_from_std(step), em_step_se=step_se,
        distance_se=dist, labelling=labelling,
        local_optimum=None if loc is None else sc.params_from_std(loc), local_loglik=local_ll,
        distance_to_local_se=d_local, tests=tests, tolerance=float(tolerance),
        verdict=verdict, reasons=tuple(reasons), n=int(xs.size), sha256=sha,
    )


def bayes_check(estimate: MixtureParams, posterior) -> BayesCheck:
    """Locate ``estimate.ordered()`` in an ordered model's posterior (DataTree with pi1, mu, sigma)."""
    from ..models.draws import posterior_dataset

    post = posterior_dataset(posterior)
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
