"""Priors of the mixture's PyMC model (numpy only: the command line and the study read them without pymc).

``pi1 ~ Beta(a, a)``; ``mu1, mu2 ~ Normal(m, s)`` iid (or Flat); ``sigma ~ HalfNormal(t)`` (or HalfFlat).
Symmetric in the two labels by construction, so label switching is shown honestly.

Where the numbers come from is part of the prior: :meth:`Priors.default_for` computes ``m``, ``s``
and ``t`` from the data (weakly informative on the data's scale, the practice of Richardson & Green
1997), and records that in :attr:`Priors.from_data`, which the report and ``summary.json`` print.
Fixed priors come from :meth:`Priors.parse`, whose text format is (docs/methods.md §7)::

    pi1=beta:1,1; mu=normal:10,10; sigma=halfnormal:5      # ';' or newlines between entries
    pi1=uniform                                            # = beta:1,1
    mu=flat; sigma=halfflat                                # improper: MAP = MLE, no prior draws

or a ``.toml`` / ``.json`` file mapping ``pi1``, ``mu``, ``sigma`` to the same strings (or holding
the fields of :meth:`Priors.to_dict`). Entries left out are computed from the data when data are
given (and listed in ``from_data``), else refused. ``"default"`` and ``"flat"`` are accepted too.
"""

from __future__ import annotations

import json
import math
import tomllib
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .data import as_dataset
from .errors import ParamError, SettingError
from .scaling import mean_sd

#: Prior sds of mu and sigma computed from the data are this many data sds (see :meth:`Priors.default_for`).
DATA_SCALE = 2.0
FIELDS = ("pi1_alpha", "pi1_beta", "mu_mean", "mu_sd", "sigma_sd")
#: Which fields each entry of the text format sets.
_ENTRY_FIELDS = {"pi1": ("pi1_alpha", "pi1_beta"), "mu": ("mu_mean", "mu_sd"), "sigma": ("sigma_sd",)}
#: Distribution name -> (number of parameters, how they map to the entry's fields).
_DISTS = {
    "pi1": {"beta": 2, "uniform": 0},
    "mu": {"normal": 2, "flat": 0},
    "sigma": {"halfnormal": 1, "halfflat": 0},
}
#: The fields of an entry whose distribution takes no numbers: uniform = Beta(1, 1), flat, halfflat.
_NO_PARAMETERS = {"pi1": (1.0, 1.0), "mu": (0.0, None), "sigma": (None,)}
#: Largest Beta parameter that samples: Beta(a, a) with a = 1e30 samples with nutpie (pi1 = 1/2 to
#: about 1e-15), a = 1e300 does not (the log density's gradient overflows at prior starts).
BETA_MAX = 1e30
FORMAT_HELP = ("'pi1=beta:A,A;mu=normal:MEAN,SD;sigma=halfnormal:SCALE' (or mu=flat, sigma=halfflat, "
               "pi1=uniform), a .toml/.json file of the same entries, 'default' or 'flat'")


@dataclass(frozen=True)
class Priors:
    """Priors of the mixture, symmetric in the two labels by construction.

    ``pi1 ~ Beta(pi1_alpha, pi1_beta)``; ``mu1, mu2 ~ Normal(mu_mean, mu_sd)`` independently, or
    ``Flat`` when ``mu_sd`` is None; ``sigma ~ HalfNormal(sigma_sd)``, or ``HalfFlat`` when
    ``sigma_sd`` is None. The label swap maps ``pi1 -> 1 - pi1``, so the prior is symmetric in the
    labels exactly when ``pi1_alpha == pi1_beta`` (required).

    ``from_data`` names the fields that were computed from the data (empty for fixed priors).

    Use :meth:`default_for` (weakly informative on the data's scale), :meth:`flat` (under which
    the posterior mode is the maximum-likelihood estimate, docs/methods.md §5) or :meth:`parse`.
    """

    pi1_alpha: float
    pi1_beta: float
    mu_mean: float = 0.0
    mu_sd: float | None = None
    sigma_sd: float | None = None
    from_data: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in FIELDS:
            v = getattr(self, name)
            if v is None and name in ("mu_sd", "sigma_sd"):
                continue
            if isinstance(v, bool) or not isinstance(v, int | float | np.floating | np.integer) \
                    or not math.isfinite(v):
                raise ParamError(f"prior {name} must be a finite number, got {v!r}")
            object.__setattr__(self, name, float(v))
            if name != "mu_mean" and not v > 0:
                raise ParamError(f"prior {name} must be > 0, got {v!r}")
            if name in ("pi1_alpha", "pi1_beta") and not v <= BETA_MAX:
                raise ParamError(f"prior {name} must be at most {BETA_MAX:g} (a larger Beta cannot be sampled: "
                                 f"pi1 is then 1/2 to float64's precision), got {v!r}")
        if self.pi1_alpha != self.pi1_beta:
            raise ParamError(
                f"prior Beta({self.pi1_alpha:g}, {self.pi1_beta:g}) on pi1 is not symmetric in the labels; "
                "use equal parameters (an asymmetric prior would hide label switching)"
            )
        unknown = [f for f in self.from_data if f not in FIELDS]
        if unknown:
            raise ParamError(f"from_data names unknown prior fields: {', '.join(unknown)}")
        object.__setattr__(self, "from_data", tuple(f for f in FIELDS if f in self.from_data))

    # -- constructors -------------------------------------------------------------------------

    @classmethod
    def default_for(cls, x) -> Priors:
        """Weakly informative on the data's scale: ``Beta(1, 1)``, ``Normal(mean x, 2 sd x)``,
        ``HalfNormal(2 sd x)`` (sd with ddof=1); ``from_data`` lists the three computed fields.

        Why these scales: the data variance is ``sigma^2 + pi1 (1 - pi1) (mu1 - mu2)^2``, so sigma
        is at most one data sd (half a prior sd), and a component of weight ``pi_k`` has its mean
        at most ``sqrt((1 - pi_k) / pi_k)`` data sd from the data mean: 1.5 sd (0.76 prior sd) for
        ``pi_k = 0.3``, 3 sd (1.5 prior sd) for ``pi_k = 0.1``. Neither prior constrains the default
        scenario noticeably (see the MAP-vs-MLE shift in the tests).
        """
        m, s = mean_sd(as_dataset(x).values)  # through the standardisation: no overflow near 1e308
        return cls(pi1_alpha=1.0, pi1_beta=1.0, mu_mean=m, mu_sd=DATA_SCALE * s, sigma_sd=DATA_SCALE * s,
                   from_data=("mu_mean", "mu_sd", "sigma_sd"))

    @classmethod
    def flat(cls) -> Priors:
        """``pi1 ~ Uniform(0, 1)`` (= Beta(1, 1)), ``mu ~ Flat``, ``sigma ~ HalfFlat``: MAP = MLE."""
        return cls(pi1_alpha=1.0, pi1_beta=1.0)

    @classmethod
    def parse(cls, text_or_path, x=None) -> Priors:
        """Priors from the text format of the module note, a ``.toml``/``.json`` file, ``"default"`` or ``"flat"``.

        Parameters
        ----------
        text_or_path : str or Path
            ``"pi1=beta:1,1;mu=normal:10,10;sigma=halfnormal:5"``, a path to a TOML/JSON file with
            the same entries (strings) or with the fields of :meth:`to_dict`, ``"default"``, ``"flat"``.
        x : the data, optional
            Entries left out (and ``"default"``) are computed from it as in :meth:`default_for` and
            listed in :attr:`from_data`; without data, a missing entry is an error.

        Raises
        ------
        SettingError
            Unknown entry or distribution, wrong number of parameters, unreadable file (one line).
        ParamError
            Values outside their range or an asymmetric Beta.
        """
        if isinstance(text_or_path, Priors):
            return text_or_path
        text = str(text_or_path).strip()
        if text == "default":
            if x is None:
                raise SettingError("priors 'default' are computed from the data; no data were given")
            return cls.default_for(x)
        if text == "flat":
            return cls.flat()
        path = priors_file(text)
        if path is None:
            entries = _split_entries(text, "priors")
        else:
            entries = _read_file(path)
            if set(entries) & set(FIELDS):
                return cls.from_dict(entries)
        return cls._from_entries(entries, x, str(text_or_path))

    @classmethod
    def _from_entries(cls, entries: dict, x, where: str) -> Priors:
        fields: dict = {}
        for name, spec in entries.items():
            fields |= _entry_fields(name, spec, where)
        missing = [k for k in _ENTRY_FIELDS if not set(_ENTRY_FIELDS[k]) <= set(fields)]
        computed: list[str] = []
        if missing:
            if x is None:
                raise SettingError(f"priors {where!r}: no entry for {', '.join(missing)} (and no data to "
                                   "compute a default from)")
            default = cls.default_for(x)
            for name in missing:
                for f in _ENTRY_FIELDS[name]:
                    fields[f] = getattr(default, f)
                    if f in default.from_data:
                        computed.append(f)
        return cls(**fields, from_data=tuple(computed))

    # -- properties ---------------------------------------------------------------------------

    @property
    def is_flat(self) -> bool:
        """True when the prior density is constant on the parameter space."""
        return self.pi1_alpha == self.pi1_beta == 1.0 and self.mu_sd is None and self.sigma_sd is None

    @property
    def proper(self) -> bool:
        """True when every prior is a proper distribution (so it can be sampled from)."""
        return self.mu_sd is not None and self.sigma_sd is not None

    # -- conversions ----------------------------------------------------------------------------

    def to_dict(self) -> dict:
        """The fields plus ``"description"`` and ``"source"`` (None means Flat / HalfFlat)."""
        d = asdict(self)
        d["from_data"] = list(self.from_data)
        return d | {"description": self.describe(), "source": self.source()}

    @classmethod
    def from_dict(cls, d: dict) -> Priors:
        """Inverse of :meth:`to_dict` (``description`` and ``source`` are ignored)."""
        kw = {k: d[k] for k in FIELDS if k in d}
        return cls(**kw, from_data=tuple(d.get("from_data", ())))

    def to_json(self) -> str:
        """:meth:`to_dict` as JSON (netCDF attributes cannot hold None or dicts)."""
        return json.dumps(self.to_dict())

    def to_text(self) -> str:
        """The text format of :meth:`parse` (round-trips the numbers; ``from_data`` is not part of it)."""
        p = f"pi1=beta:{self.pi1_alpha:.17g},{self.pi1_beta:.17g}"
        m = "mu=flat" if self.mu_sd is None else f"mu=normal:{self.mu_mean:.17g},{self.mu_sd:.17g}"
        s = "sigma=halfflat" if self.sigma_sd is None else f"sigma=halfnormal:{self.sigma_sd:.17g}"
        return f"{p};{m};{s}"

    def describe(self) -> str:
        """One line, e.g. ``pi1 ~ Beta(1, 1); mu1, mu2 ~ Normal(10.3, 10.1) iid; sigma ~ ...``."""
        a, b = self.pi1_alpha, self.pi1_beta
        p = f"Beta({a:.4g}, {b:.4g})" + (" = Uniform(0, 1)" if a == b == 1.0 else "")
        m = "Flat" if self.mu_sd is None else f"Normal({self.mu_mean:.4g}, {self.mu_sd:.4g}) iid"
        s = "HalfFlat" if self.sigma_sd is None else f"HalfNormal({self.sigma_sd:.4g})"
        return f"pi1 ~ {p}; mu1, mu2 ~ {m}; sigma ~ {s}"

    def source(self) -> str:
        """Where the numbers came from, in words (what the report prints beside :meth:`describe`)."""
        if not self.from_data:
            return "fixed: no prior value was computed from the data"
        words = {"mu_mean": "the mean of mu (the data mean)",
                 "mu_sd": f"the sd of mu ({DATA_SCALE:g} data sd)",
                 "sigma_sd": f"the scale of sigma ({DATA_SCALE:g} data sd)"}
        return "computed from the data: " + ", ".join(words[f] for f in self.from_data)

    # -- densities and draws ----------------------------------------------------------------------

    def logpdf(self, pi1, mu1, mu2, sigma) -> np.ndarray:
        """Log prior density of ``(pi1, mu1, mu2, sigma)`` (arrays broadcast) with respect to Lebesgue
        measure on the natural parameters; Flat and HalfFlat contribute 0 (an improper constant).

        ``log Beta(pi1 | a, b) + sum_k log N(mu_k | m, s) + log HalfNormal(sigma | t)``, with
        ``log HalfNormal(sigma | t) = log 2 + log N(sigma | 0, t)`` for ``sigma > 0``.
        """
        from scipy.special import betaln, xlog1py, xlogy

        pi1, mu1, mu2, sigma = (np.asarray(v, dtype=float) for v in (pi1, mu1, mu2, sigma))
        a, b = self.pi1_alpha, self.pi1_beta
        out = xlogy(a - 1.0, pi1) + xlog1py(b - 1.0, -pi1) - betaln(a, b)
        if self.mu_sd is not None:
            for mu in (mu1, mu2):
                z = (mu - self.mu_mean) / self.mu_sd
                out = out - 0.5 * z * z - math.log(self.mu_sd) - 0.5 * math.log(2.0 * math.pi)
        if self.sigma_sd is not None:
            z = sigma / self.sigma_sd
            out = out + math.log(2.0) - 0.5 * z * z - math.log(self.sigma_sd) - 0.5 * math.log(2.0 * math.pi)
        return np.where((pi1 > 0) & (pi1 < 1) & (sigma > 0), out, -np.inf)

    def draw(self, rng: np.random.Generator, *, ordered: bool) -> dict[str, np.ndarray]:
        """One draw ``{"pi1", "mu", "sigma"}`` from the prior (sorted ``mu`` if ``ordered``).

        For the ordered model the prior is that of the sorted pair, i.e. the iid prior restricted to
        ``mu1 < mu2``, so sorting an iid draw is an exact draw from it.
        """
        if not self.proper:
            raise ParamError(f"cannot draw start points from an improper prior ({self.describe()}); "
                             "start at the EM estimate instead (init 'em' or 'dispersed')")
        pi1 = rng.beta(self.pi1_alpha, self.pi1_beta)
        mu = rng.normal(self.mu_mean, self.mu_sd, size=2)
        sigma = abs(rng.normal(0.0, self.sigma_sd))
        # A draw that rounds onto the boundary (pi1 = 0 or 1 from a Beta with small a; two equal means
        # for the ordered model from an sd below the mean's float64 spacing) is no start point.
        bad = [f"pi1 = {pi1:g}"] if not 0.0 < pi1 < 1.0 else []
        bad += [f"sigma = {sigma:g}"] if not sigma > 0.0 else []
        bad += [f"mu1 = mu2 = {mu[0]:.17g}"] if ordered and mu[0] == mu[1] else []
        if bad:
            raise ParamError(f"a start drawn from the prior ({self.describe()}) lies on the boundary of the "
                             f"parameter space in float64 ({', '.join(bad)}); start at the EM estimate "
                             "(init 'em') or use a wider prior")
        return {"pi1": np.float64(pi1), "mu": np.sort(mu) if ordered else mu, "sigma": np.float64(sigma)}


def _split_entries(text: str, where: str) -> dict[str, str]:
    """``"a=b; c=d"`` (or one entry per line) -> ``{"a": "b", "c": "d"}``; repeated names are refused."""
    out: dict[str, str] = {}
    for part in text.replace("\n", ";").split(";"):
        part = part.strip()
        if not part:
            continue
        name, sep, spec = part.partition("=")
        name = name.strip()
        if not sep or not spec.strip():
            raise SettingError(f"priors {where!r}: {part!r} is not NAME=DIST:PARAMS; expected {FORMAT_HELP}")
        if name in out:
            raise SettingError(f"priors {where!r}: {name!r} is given twice")
        out[name] = spec.strip()
    return out


def priors_file(text_or_path) -> Path | None:
    """The file a priors argument names, or None for ``default``, ``flat`` or entries (text with ``=``).

    The one rule :meth:`Priors.parse` reads a file by; the CLI checks outputs against this file.
    """
    if isinstance(text_or_path, Path):
        return text_or_path
    if not isinstance(text_or_path, str):
        return None
    text = text_or_path.strip()
    return None if text in ("default", "flat") or "=" in text else Path(text)


def _read_file(path: Path) -> dict:
    """Entries of a ``.toml`` or ``.json`` priors file (a table of ``name = "dist:params"`` strings)."""
    if path.suffix.lower() not in (".toml", ".json"):
        raise SettingError(f"priors {str(path)!r}: neither an entry like 'mu=normal:0,10' nor a .toml/.json "
                           f"file; expected {FORMAT_HELP}")
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise SettingError(f"priors file {str(path)!r}: cannot read it ({e.strerror or e})") from None
    load = tomllib.loads if path.suffix.lower() == ".toml" else json.loads
    try:
        data = load(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        reason = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise SettingError(f"priors file {str(path)!r}: not valid {path.suffix[1:].upper()} ({reason})") from None
    if not isinstance(data, dict):
        raise SettingError(f"priors file {str(path)!r}: expected a table of entries (pi1, mu, sigma)")
    return data


def _entry_fields(name: str, spec, where: str) -> dict:
    """One entry ``name = "dist:p1,p2"`` -> the dataclass fields it sets."""
    if name not in _DISTS:
        raise SettingError(f"priors {where!r}: unknown entry {name!r}; entries are pi1, mu, sigma")
    if not isinstance(spec, str):
        raise SettingError(f"priors {where!r}: {name} must be a string like 'normal:0,10', got {spec!r}")
    dist, _, params = spec.partition(":")
    dist = dist.strip().lower()
    if dist not in _DISTS[name]:
        raise SettingError(f"priors {where!r}: {name} cannot be {dist!r}; choose {', '.join(_DISTS[name])}")
    try:
        values = [float(v) for v in params.split(",")] if params.strip() else []
    except ValueError:
        raise SettingError(f"priors {where!r}: {name}={spec!r} has a parameter that is not a number") from None
    if len(values) != _DISTS[name][dist]:
        raise SettingError(f"priors {where!r}: {name}={dist} takes {_DISTS[name][dist]} number(s), "
                           f"got {len(values)}")
    return dict(zip(_ENTRY_FIELDS[name], values or _NO_PARAMETERS[name], strict=True))


def resolve_priors(priors: Priors | str | None, x) -> Priors:
    """``None``/``"default"`` -> :meth:`Priors.default_for`, ``"flat"`` -> :meth:`Priors.flat`, any other
    string -> :meth:`Priors.parse` (text or file; missing entries computed from ``x``)."""
    if priors is None:
        return Priors.default_for(x)
    if isinstance(priors, Priors | str | Path):
        return Priors.parse(priors, x)
    raise SettingError(f"unknown priors {priors!r}; pass a Priors, 'default', 'flat' or a prior specification")
