"""The report's label section and scenario facts: each sentence is chosen by the number beside it."""

from __future__ import annotations

import numpy as np
from test_labels_synthetic import OVERLAPPING, dataset, known_perm, normal_draws, swap, to_tree

from emvb.compare.facts import label_diagnosis, labels_dataset
from emvb.labels.diagnose import diagnose_labels
from emvb.labels.relabel import METHODS, disagreement, relabel_all
from emvb.models.priors import Priors
from emvb.report.labels_section import agreement_text, labels_section
from emvb.report.markdown import priors_words, starts_words


def _comparison(x, fit, theta):
    """The diagnosis and relabellings of posterior draws ``theta`` and the ``/labels`` group of the tree they
    make (what the report reads)."""
    dt = to_tree(theta, fit.sha256, x)
    d, relabelled = diagnose_labels(dt, fit), relabel_all(dt, em_result=fit)
    return d, relabelled, labels_dataset(d, relabelled, dt, fit)


def _words(text: str) -> str:
    return " ".join(text.split())


def test_agreement_on_separated_draws_is_called_expected_not_corroboration():
    x, fit = dataset()
    d, relabelled, ds = _comparison(x, fit, swap(normal_draws(fit, 4, 200), known_perm(4, 200)))
    assert not disagreement(relabelled).any() and d.boundary_share == 0.0
    assert label_diagnosis(ds) == d  # the tree's /labels group gives the diagnosis back exactly
    text = _words(agreement_text(ds))
    assert text.startswith(f"All {len(METHODS)} methods chose the same labels for every draw.")
    assert "not corroboration" in text and "does not confirm one method by another" in text
    section = _words(labels_section(ds))
    assert "| `pra` |" in section and "| started in |" in section
    from emvb.labels.binned import bin_data

    width = bin_data(x).width  # N = 2000 points in 256 bins: the note gives the largest move
    assert width > 0 and f"a move of less than {width:.3g} ({width / fit.params.sigma:.2g} EM sigma)" in section
    xs, fs = dataset(n=200)  # fewer points than bins: exact
    *_, small = _comparison(xs, fs, swap(normal_draws(fs, 4, 50), known_perm(4, 50)))
    assert "used every data point exactly" in _words(labels_section(small))


def test_disagreement_under_overlap_is_reported_as_the_ambiguity_with_its_numbers():
    x, fit = dataset(OVERLAPPING, n=300, seed=5)
    theta = normal_draws(fit, 2, 300, seed=9, cov_scale=25.0)
    theta[..., 0] = np.clip(theta[..., 0], 0.02, 0.98)
    theta[..., 3] = np.abs(theta[..., 3])
    d, relabelled, ds = _comparison(x, fit, theta)
    split = disagreement(relabelled)
    assert d.verdict == "ambiguous" and split.any()
    text = _words(agreement_text(ds))
    assert f"The methods disagree on {100 * split.mean():.3g}% of the draws ({split.sum()} of {split.size})" in text
    assert "the ambiguity of the labels, not an error of one method" in text
    assert "confirm" not in text and "independent" not in text


def test_scenario_facts_say_where_priors_and_starts_came_from():
    x, _ = dataset()
    assert "Computed from the data: the mean of mu" in priors_words(Priors.default_for(x).to_dict())
    assert "No prior value was computed from the data" in priors_words(Priors(1, 1, 0, 10, 5).to_dict())
    assert "tool placed half the chains" in starts_words("dispersed") and "teaching device" in starts_words("dispersed")
    assert "independent draw from the prior" in starts_words("prior")
    assert "at the EM estimate" in starts_words("em")
