"""The report's "Is the model adequate?" section and `emvb check`: words follow the numbers and the levels."""

import dataclasses
import json

import numpy as np
import pytest
from conftest import run_cli_many

from emvb import em
from emvb.adequacy import assess, posterior_predictive_check
from emvb.adequacy.bootstrap import bootstrap_test
from emvb.adequacy.levels import ALPHA, N_BOOT
from emvb.compare.facts import adequacy_dataset, adequacy_facts
from emvb.files.datafile import save_dataset
from emvb.models.simulate import simulate
from emvb.report.adequacy_section import (
    ADEQUACY_FIGURES,
    adequacy_figures,
    adequacy_lessons,
    adequacy_section,
    misfit_reason,
    verdict_sentence,
)
from emvb.report.figures import save


def _checks(x, seed=1):
    """The model's checks on data ``x``, with a posterior predictive check on the Louis normal
    approximation of the posterior (no PyMC needed)."""
    fit = em.fit(x, seed=seed)
    a = assess(x, fit, n_boot=39, seed=seed)
    rng = np.random.default_rng(seed)
    draws = fit.params.to_array() + rng.normal(size=(200, 4)) * fit.se.to_array()
    draws[:, 0] = np.clip(draws[:, 0], 1e-6, 1 - 1e-6)
    return dataclasses.replace(a, ppc=posterior_predictive_check(x, draws, n_draws=200, seed=seed))


def _f(a) -> dict:
    """The checks as the report reads them: the ``/adequacy`` group of the comparison's tree."""
    return adequacy_facts(adequacy_dataset(a))


@pytest.fixture(scope="module")
def t2():
    return _checks(np.random.default_rng(2026).standard_t(2, 2000))


@pytest.fixture(scope="module")
def default():
    """The mission's default data (n = 10,000, seed 2026), adequate on every check (tests/test_adequacy_size.py)."""
    return _checks(simulate().values)


def test_misfit_section_says_the_model_does_not_fit_and_why(t2, tmp_path):
    text = adequacy_section(_f(t2), simulated=False)
    assert text.startswith("## Is the model adequate?")
    assert "**The model does not fit these data.**" in text and "heavier" in text
    assert f"{t2.fit.test.p_value:.3g} ± {t2.fit.test.mc_error:.2g}" in text
    assert "extreme" in text and all(f"]({name})" in text for name in ADEQUACY_FIGURES)
    assert "not a matter of overlap or small n" in misfit_reason(_f(t2), simulated=False)
    assert adequacy_lessons(_f(t2), simulated=False)[0].startswith("- **Check the model before the estimates.**")
    for name, make in adequacy_figures(t2.ppc, np.random.default_rng(2026).standard_t(2, 2000)).items():
        save(make(), tmp_path / name)
    for name in ADEQUACY_FIGURES:
        assert (tmp_path / name).stat().st_size > 10_000, name


def test_adequate_section_and_no_blame_lesson(default):
    assert default.adequate, default.lines()
    assert "is adequate for these data at the 5% level" in adequacy_section(_f(default), simulated=True)
    assert misfit_reason(_f(default), simulated=True) is None and adequacy_lessons(_f(default), simulated=True) == []


def test_the_verdict_flips_exactly_at_the_level(default):
    """A p-value at ALPHA rejects, the next possible one does not: the sentence follows the same constant."""
    a = default
    b = a.n_boot
    k = int(round(ALPHA * (b + 1))) - 1           # exceedances giving p = ALPHA exactly
    at = bootstrap_test(1.0, [2.0] * k + [0.0] * (b - k))
    above = bootstrap_test(1.0, [2.0] * (k + 1) + [0.0] * (b - k - 1))
    assert at.p_value == pytest.approx(ALPHA) and at.rejects and not above.rejects
    rejected = dataclasses.replace(a, fit=dataclasses.replace(a.fit, test=at))
    read = _f(rejected)  # the tree's group gives the checks' facts back: exceedances, the rejection, the verdict
    assert read["fit"]["n_exceed"] == k and read["fit"]["rejects"] and not read["adequate"]
    assert read["components"]["normal"] == a.components.normal
    assert not rejected.adequate and verdict_sentence(read).startswith("**The model does not fit")
    kept = dataclasses.replace(a, fit=dataclasses.replace(a.fit, test=above))
    assert kept.adequate and "adequate" in verdict_sentence(_f(kept))
    one = dataclasses.replace(a, components=dataclasses.replace(a.components, test=above))
    assert verdict_sentence(_f(one)).startswith("**A second component is not supported.**")


def test_a_rejection_of_data_simulated_from_the_model_is_called_a_false_alarm(default):
    """With a known truth (the data came from this model) a rejected fit is worded as a false alarm, at the
    rate the level implies, and nothing blames the model; the same numbers without a truth read as misfit."""
    a = default
    b = a.n_boot
    at = bootstrap_test(1.0, [2.0] * (int(round(ALPHA * (b + 1))) - 1) + [0.0] * (b - int(round(ALPHA * (b + 1))) + 1))
    rejected = dataclasses.replace(a, fit=dataclasses.replace(a.fit, test=at))
    text = adequacy_section(_f(rejected), simulated=True)
    assert "although these data were simulated from it" in text and "does not fit these data.**" not in text
    assert "false alarm" in text and f"at most {100 * 2 * ALPHA:g}% of data sets" in text
    assert misfit_reason(_f(rejected), simulated=True) is None
    assert adequacy_lessons(_f(rejected), simulated=True)[0].startswith("- **A rejection is evidence, not proof.**")
    assert "**The model does not fit these data.**" in adequacy_section(_f(rejected), simulated=False)
    assert "not a matter of overlap" in misfit_reason(_f(rejected), simulated=False)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("check")
    t2 = root / "t2.csv"
    np.savetxt(t2, np.random.default_rng(2026).standard_t(2, 2000), header="x", comments="")
    return {"t2": t2, "default": save_dataset(simulate(n=2000, seed=12), root / "default.csv"),
            "text": _write(root / "bad.csv", "x\n1\n2\nabc\n")}


def _write(path, text):
    path.write_text(text)
    return path


def test_check_json_keys_and_exit_status(cli, files):
    r = cli("check", "--data", files["t2"], "--json", "--n-boot", 19)
    assert r.returncode == 1, r.stderr
    out = json.loads(r.stdout)
    assert set(out["components"]) >= {"p_value", "bic_1", "bic_2", "verdict"}
    assert set(out["shared_sigma"]) >= {"p_value", "verdict"} and set(out["fit"]) >= {"p_value", "verdict"}
    assert out["adequate"] is False and out["fit"]["verdict"] == "rejected" and out["n_boot"] == 19
    r = cli("check", "--data", files["default"], "--n-boot", 19)
    assert r.returncode == 0, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    assert [ln.split(":")[0] for ln in lines[3:6]] == ["components", "shared sigma", "fit"]
    assert lines[-1].startswith("adequate: yes")


REFUSED = [("--data", "missing.csv"), ("--n-boot", "0"), ("--n-boot", "18"), ("--data", "BAD")]


@pytest.fixture(scope="module")
def refusals(files):
    """Each refused ``emvb check``, one after the other in ONE fresh interpreter (conftest.run_cli_many: a new
    interpreter per refusal costs seconds apiece)."""
    argvs = []
    for args in REFUSED:
        args = tuple(str(files["text"]) if a == "BAD" else a for a in args)
        if "--data" not in args:
            args = ("--data", str(files["default"]), *args)
        argvs.append(["check", *args])
    return dict(zip(REFUSED, run_cli_many(argvs, silent=True), strict=True))


@pytest.mark.parametrize("args", REFUSED)
def test_check_refuses_bad_input_in_one_line(refusals, args):
    r = refusals[args]
    assert r["code"] == 2 and r["stdout"] == ""
    assert len(r["stderr"].strip().splitlines()) == 1 and "Traceback" not in r["stderr"]


def test_default_number_of_replicates_is_the_level_s():
    assert N_BOOT == 199


def test_validate_mentions_a_rejected_model(cli, files):
    mle = em.fit(np.loadtxt(files["t2"], skiprows=1)).params
    est = ",".join(repr(v) for v in mle.to_array().tolist())
    r = cli("validate", "--data", files["t2"], "--estimate", est, "--n-boot", 19, "--json")
    out = json.loads(r.stdout)
    assert out["adequacy"]["adequate"] is False and "REJECTED" in out["adequacy"]["note"]
    r = cli("validate", "--data", files["t2"], "--estimate", est, "--n-boot", 19)
    assert any(line.startswith("model: the two-component shared-sigma model is REJECTED") for line in
               r.stdout.splitlines()), r.stdout
    r = cli("validate", "--data", files["t2"], "--estimate", est, "--n-boot", 0, "--json")
    assert "adequacy" not in json.loads(r.stdout)
