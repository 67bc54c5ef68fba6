"""The study's calls into APIs that other parts of emvb are changing: the one module to switch.

Three things, each behind one function:

- :func:`parse_priors`: a prior from text or a file, in the agreed ``--priors`` format
  ``pi1=beta:A,B;mu=normal:M,S;sigma=halfnormal:T`` (``mu=flat``, ``sigma=halfflat`` for the
  improper ones), or a ``.json``/``.toml`` file mapping ``pi1``, ``mu``, ``sigma`` to those
  ``family:arguments`` strings (any other file holds the one-line text). It builds
  :class:`models.priors.Priors` directly.
- :func:`sample_posterior`: the posterior of one replicate, compiled once and given new data.
  The PyMC model (the closed-form likelihood of :mod:`models.pymc_likelihood` under the study's
  fixed prior) keeps the observed values in a ``pm.Data`` container, so nutpie compiles it once per
  worker process, model variant and prior (:data:`_MODELS`, a module global that lives as long as
  the worker), and each replicate swaps its data in with nutpie's public ``with_data``. The data
  container's length is not part of the compiled code, so one compile serves every N (the tests
  check that the draws equal those of :func:`sampling.sample.sample` on a freshly built model).
  Chains start at the replicate's EM estimate through :mod:`sampling.nutpie_starts`, and run one
  after another on one core (``cores=1``): a worker is one process with one thread.
- :func:`label_verdict` and :func:`relabel_by_order`: the unordered model's label-switching
  verdict and its draws relabelled by ordering mu, through :func:`labels.diagnose.diagnose_labels`
  and :func:`labels.relabel.relabel`.
"""

from __future__ import annotations

import json
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..models.errors import SettingError
from ..models.names import COMPONENTS, OBSERVED
from ..models.params import MixtureParams
from ..models.priors import Priors

#: Prior families by parameter, with their number of arguments.
_FAMILIES = {"pi1": {"beta": 2}, "mu": {"normal": 2, "flat": 0}, "sigma": {"halfnormal": 1, "halfflat": 0}}
#: Name of the data container in the study's PyMC model (the observed variable keeps its usual name).
DATA_NAME = "x_data"
#: Compiled models of this worker process: (ordered, priors) -> MixtureModel (its ``compiled`` cache
#: holds nutpie's compiled model).
_MODELS: dict = {}


def _parse_entry(name: str, spec: str, where: str) -> list[float] | None:
    family, _, args = spec.strip().partition(":")
    family = family.strip().lower()
    if family not in _FAMILIES[name]:
        raise SettingError(f"{where}: {name} must be one of {', '.join(_FAMILIES[name])}, got {family!r}")
    try:
        values = [float(a) for a in args.split(",")] if args.strip() else []
    except ValueError:
        raise SettingError(f"{where}: {name}={spec!r}: arguments must be numbers") from None
    if len(values) != _FAMILIES[name][family]:
        raise SettingError(f"{where}: {name}={family} takes {_FAMILIES[name][family]} number(s), got {len(values)}")
    return values or None


def _priors_from_entries(entries: dict, where: str) -> Priors:
    missing = [k for k in _FAMILIES if k not in entries]
    extra = [k for k in entries if k not in _FAMILIES]
    if missing or extra:
        raise SettingError(f"{where}: expected pi1, mu and sigma"
                           + (f"; missing {', '.join(missing)}" if missing else "")
                           + (f"; unknown {', '.join(extra)}" if extra else ""))
    pi1 = _parse_entry("pi1", str(entries["pi1"]), where)
    mu = _parse_entry("mu", str(entries["mu"]), where)
    sigma = _parse_entry("sigma", str(entries["sigma"]), where)
    return Priors(pi1_alpha=pi1[0], pi1_beta=pi1[1], mu_mean=mu[0] if mu else 0.0, mu_sd=mu[1] if mu else None,
                  sigma_sd=sigma[0] if sigma else None)


def parse_priors(text_or_path: str) -> Priors:
    """A :class:`Priors` from ``pi1=beta:1,1;mu=normal:10,10;sigma=halfnormal:5`` or a file (module note).

    Raises :class:`SettingError` (one line naming the text or file and the problem).
    """
    text = str(text_or_path)
    path = Path(text)
    where = "--priors"
    if "=" not in text and path.exists():
        where = str(path)
        try:
            raw = path.read_text()
            if path.suffix.lower() == ".json":
                return _priors_from_entries(json.loads(raw), where)
            if path.suffix.lower() == ".toml":
                return _priors_from_entries(tomllib.loads(raw), where)
        except (OSError, ValueError, tomllib.TOMLDecodeError) as e:
            raise SettingError(f"{where}: cannot read priors ({e})") from None
        text = raw.strip()
    elif "=" not in text:
        raise SettingError(f"--priors: {text!r} is neither a file nor pi1=beta:A,B;mu=normal:M,S;sigma=halfnormal:T")
    entries = {}
    for part in filter(None, (p.strip() for p in text.replace("\n", ";").split(";"))):
        name, eq, spec = part.partition("=")
        if not eq:
            raise SettingError(f"{where}: {part!r} is not NAME=FAMILY:ARGS")
        entries[name.strip()] = spec
    return _priors_from_entries(entries, where)


# -- the posterior, compiled once per worker ---------------------------------------------------


def _build(ordered: bool, priors: Priors):
    """The study's PyMC model: the likelihood of ``build_model`` with the data in ``pm.Data``."""
    import pymc as pm
    from pymc.distributions.transforms import ordered as ordered_transform

    from ..models.pymc_likelihood import ClosedFormMixture
    from ..models.pymc_model import MixtureModel, ModelSpec

    mu_kw = {"dims": "component", "transform": ordered_transform} if ordered else {"dims": "component"}
    with pm.Model(coords={"component": COMPONENTS}) as model:
        # A placeholder longer than 1, so the container is not broadcastable; its length is free.
        x = pm.Data(DATA_NAME, np.linspace(-1.0, 1.0, 16))
        pi1 = pm.Beta("pi1", priors.pi1_alpha, priors.pi1_beta)
        mu = pm.Normal("mu", priors.mu_mean, priors.mu_sd, **mu_kw)
        sigma = pm.HalfNormal("sigma", priors.sigma_sd)
        ClosedFormMixture(OBSERVED, pi1, mu[0], mu[1], sigma, observed=x)
    return MixtureModel(model, ModelSpec("", 0, "study (data swapped in per replicate)", priors, bool(ordered),
                                         "closed"))


@dataclass(frozen=True)
class Sampled:
    """One replicate's posterior: the DataTree (``posterior``, ``sample_stats``), divergences, and the
    seconds spent compiling the model (0 when this worker had compiled it already), placing the chains'
    start point, and sampling."""

    posterior: object
    divergences: int
    compile_seconds: float
    start_seconds: float
    sample_seconds: float


def sample_posterior(x: np.ndarray, sha256: str, *, ordered: bool, priors: Priors, start: MixtureParams,
                     chains: int, draws: int, tune: int, seed: int, target_accept: float = 0.8) -> Sampled:
    """NUTS (nutpie, low-rank mass matrix as ``emvb run``) on ``x``, every chain started at ``start``."""
    import nutpie
    import xarray as xr

    from ..sampling.nutpie_starts import CACHE_KEY, compiled_per_group
    from ..sampling.starts import point

    key = (bool(ordered), priors)
    if key not in _MODELS:
        _MODELS[key] = _build(ordered, priors)
    compiled = CACHE_KEY in _MODELS[key].compiled
    p = start.ordered() if ordered else start
    # Once compiled, the call only maps the start point to nutpie's unconstrained vector.
    (cm,), seconds = compiled_per_group(_MODELS[key], [point(p)])
    cm = cm.with_data(**{DATA_NAME: np.asarray(x, dtype=np.float64)})
    t0 = time.perf_counter()
    tr = nutpie.sample(cm, draws=draws, tune=tune, chains=chains, cores=1, seed=int(seed), progress_bar=False,
                       save_warmup=False, target_accept=target_accept, adaptation="low_rank")
    sample_seconds = time.perf_counter() - t0
    stats = tr["sample_stats"].to_dataset()
    attrs = {"data_sha256": sha256, "data_n": int(np.size(x)), "model_variant": "ordered" if ordered else "unordered"}
    post = tr["posterior"].to_dataset()
    post.attrs = dict(post.attrs) | attrs
    tree = xr.DataTree.from_dict({"posterior": post, "sample_stats": stats[["diverging"]]})
    tree.attrs = attrs
    return Sampled(tree, int(stats["diverging"].sum()), 0.0 if compiled else seconds, seconds if compiled else 0.0,
                   sample_seconds)


# -- label switching of the unordered model ----------------------------------------------------


def label_verdict(posterior, em_result, x: np.ndarray) -> str:
    """``"none"``, ``"between_chains"`` or ``"within_chain"`` (:func:`labels.diagnose.diagnose_labels`)."""
    from ..labels.diagnose import diagnose_labels

    return str(diagnose_labels(posterior, em_result, data=x).verdict)


def relabel_by_order(posterior, em_result, x: np.ndarray):
    """The draws relabelled so that mu1 < mu2 in each (:func:`labels.relabel.relabel`, method ``"order"``)."""
    from ..labels.relabel import relabel

    return relabel(posterior, "order", em_result=em_result, data=x).posterior
