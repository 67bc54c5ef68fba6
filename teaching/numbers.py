"""The numbers of the teaching report as JSON-ready data: the content of ``pitfalls.json``.

Plain dicts, lists, floats and ints built from a :class:`teaching.pitfalls.Pitfalls` record, so a reader
can check every number the README quotes without parsing markdown.
"""

from __future__ import annotations

from ..models.params import PARAM_NAMES
from .pitfalls import DensityValues, OneComponentSigma, Pitfalls, Precedence, RandnLabels
from .runs import Fit, Run


def run_numbers(x: Run) -> dict:
    """A hand-iterated map: where it stopped, its log-likelihood, iterations and decreases."""
    return {"params": x.params.to_dict(), "loglik": x.loglik, "n_iter": x.n_iter, "converged": x.converged,
            "decreases": int(x.decreases.size), "largest_drop": x.largest_drop}


def fit_numbers(f: Fit) -> dict:
    """An ``em.fit`` result: estimate, log-likelihood, Louis SEs, iterations and decreases."""
    se = dict(zip(PARAM_NAMES, f.se.tolist(), strict=True))
    return {"params": f.params.to_dict(), "loglik": f.loglik, "se": se, "n_iter": f.n_iter,
            "decreases": f.decreases}


def _density_values(dv: DensityValues) -> dict:
    h = dv.heights
    return {
        "reported": dv.reported.to_dict(), "positions": list(dv.positions),
        "heights": {"min": float(h.min()), "max": float(h.max()), "mean": float(h.mean()), "sd": float(h.std())},
        "mistake1_alone": run_numbers(dv.on_heights), "all_four": run_numbers(dv.original),
        "correct": fit_numbers(dv.correct),
    }


def _randn_labels(rl: RandnLabels) -> dict:
    return {
        "phi_pi1": rl.phi_pi1, "weight_randn": rl.weight_randn, "weight_correct": rl.weight_correct,
        "fit_randn": fit_numbers(rl.fit_randn), "fit_correct": fit_numbers(rl.fit_correct),
    }


def _one_component_sigma(oc: OneComponentSigma) -> dict:
    control = {
        "mle": fit_numbers(oc.mle_equal), "faulty_from_mle": run_numbers(oc.faulty_equal_from_mle),
        "faulty_from_start": run_numbers(oc.faulty_equal_from_start),
        "mahalanobis_from_mle": oc.mahalanobis_control,
    }
    return {
        "sigmas": list(oc.sigmas), "mle": fit_numbers(oc.mle), "correct": run_numbers(oc.correct),
        "faulty": run_numbers(oc.faulty), "loglik_gap": oc.loglik_gap,
        "z": dict(zip(PARAM_NAMES, oc.z_faulty.tolist(), strict=True)),
        "mahalanobis": oc.mahalanobis_faulty, "control_equal_spread": control,
    }


def _precedence(pr: Precedence) -> dict:
    return {"params": pr.params.to_dict(), "area_true": pr.area_true, "area_faulty": pr.area_faulty,
            "area_faulty_exact": pr.area_faulty_exact}


def numbers(r: Pitfalls) -> dict:
    """The report's numbers as plain JSON-ready data, one entry per pitfall."""
    return {
        "seed": r.seed, "n": r.n,
        "density_values": _density_values(r.density_values),
        "randn_labels": _randn_labels(r.randn_labels),
        "one_component_sigma": _one_component_sigma(r.one_component_sigma),
        "precedence": _precedence(r.precedence),
    }
