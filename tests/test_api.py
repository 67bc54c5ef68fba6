"""The public API: a small set of names, none of them a subpackage's; one :class:`emvb.Settings`, checked once
when it is made, for the API, ``emvb run``/``bvm`` and the study."""

from __future__ import annotations

import importlib
import tomllib

import numpy as np
import pytest
from conftest import ROOT

import emvb
from emvb.models.errors import SettingError
from emvb.models.priors import Priors
from emvb.sampling.options import DEFAULTS
from emvb.study.settings import StudySettings


def _subpackages() -> set[str]:
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    return {p.split(".", 1)[1] for p in packages if p.startswith("emvb.")}


def test_no_public_name_is_a_subpackage_so_none_shadows_one():
    subpackages = _subpackages()
    assert {"compare", "models", "em", "labels", "adequacy"} <= subpackages
    assert not set(emvb.__all__) & subpackages
    for name in subpackages:  # after importing it, emvb.<name> is the package, whatever was imported first
        importlib.import_module(f"emvb.{name}")
        assert getattr(emvb, name).__name__ == f"emvb.{name}"
    assert importlib.import_module("emvb.compare.pipeline") is emvb.compare.pipeline


def test_the_api_is_small_and_every_name_exists():
    assert len(emvb.__all__) <= 18 and all(hasattr(emvb, n) for n in emvb.__all__)


@pytest.mark.parametrize("kw, words", [
    (dict(chains=1), "chains must be a whole number at least 2"), (dict(draws=0), "draws"), (dict(tune=0), "tune"),
    (dict(seed=-1), "seed"), (dict(seed=2**64), "seed must be <="), (dict(sampler="stan"), "unknown sampler"),
    (dict(init="mode"), "unknown init"), (dict(ci_prob=1.0), "ci_prob"), (dict(n_boot=18), "cannot reject"),
    (dict(priors=Priors.flat()), "needs proper priors"), (dict(chains=2.5), "whole number"),
])
def test_settings_refuse_bad_values_when_made(kw, words):
    with pytest.raises(SettingError, match=words):
        emvb.Settings(**kw)


def test_improper_priors_with_prior_starts_are_refused_before_any_fit():
    """``init="prior"`` draws the starts from the prior: ``"flat"`` (given as text) is refused once it is parsed."""
    x = np.random.default_rng(1).normal(size=50)
    with pytest.raises(SettingError, match="needs proper priors"):
        emvb.Settings(priors="flat").priors_for(x)
    assert not emvb.Settings(priors="flat", init="em").priors_for(x).proper


def test_the_study_settings_are_the_same_class_with_the_same_checks():
    assert issubclass(StudySettings, emvb.Settings) and DEFAULTS == emvb.Settings()
    assert emvb.Settings().to_dict() == {"chains": 4, "draws": 1000, "tune": 1000, "seed": 2026, "sampler": "nutpie",
                                         "n_init": 10, "n_boot": 199, "ci_prob": 0.95, "init": "prior",
                                         "priors": "default"}
