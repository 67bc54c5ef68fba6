"""The error classes users see.

Anything raised as :class:`EmvbError` is a problem with the user's input (a file, a parameter, a
setting), not a bug: the CLI prints its message as a single line and exits with status 2. Each
subclass is also a ``ValueError``, so library callers can catch either.
"""


class EmvbError(Exception):
    """A user-facing problem, reported as one line and exit status 2 by the CLI."""


class ParamError(EmvbError, ValueError):
    """Mixture parameters outside the parameter space (non-finite, pi1 not in (0, 1), sigma <= 0)."""


class DataError(EmvbError, ValueError):
    """Data that cannot be used: missing, empty, non-numeric, non-finite, too few or too few distinct values."""


class SettingError(EmvbError, ValueError):
    """A setting of an algorithm out of range or unknown (tolerances, counts, sampler choices, levels)."""


def check_choice(name: str, value, allowed) -> None:
    """Refuse a ``value`` that is not one of ``allowed``: a one-line :class:`SettingError` listing them."""
    if value not in allowed:
        raise SettingError(f"unknown {name} {value!r}; choose one of {', '.join(allowed)}")
