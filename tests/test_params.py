import numpy as np
import pytest

from emvb.models.errors import ParamError
from emvb.models.params import DEFAULT_TRUTH, MixtureParams


@pytest.mark.parametrize(
    "args, fragment",
    [
        ((0.0, 1, 2, 1), "pi1 must be in (0, 1)"),
        ((1.0, 1, 2, 1), "pi1 must be in (0, 1)"),
        ((-0.1, 1, 2, 1), "pi1 must be in (0, 1)"),
        ((0.3, 1, 2, 0.0), "sigma must be > 0"),
        ((0.3, 1, 2, -1.0), "sigma must be > 0"),
        ((0.3, np.nan, 2, 1.0), "mu1 must be finite"),
        ((0.3, 1, np.inf, 1.0), "mu2 must be finite"),
        ((0.3, "a", 2, 1.0), "mu1 must be a number"),
    ],
)
def test_out_of_range_parameters_are_refused(args, fragment):
    with pytest.raises(ParamError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        MixtureParams(*args)


def test_swapped_and_ordered():
    p = MixtureParams(0.3, 15.0, 5.0, 2.0)
    assert p.swapped() == MixtureParams(0.7, 5.0, 15.0, 2.0)
    np.testing.assert_allclose(p.swapped().swapped().to_array(), p.to_array(), rtol=1e-15)  # 1-(1-x) rounds
    assert p.ordered() == p.swapped()
    assert DEFAULT_TRUTH.ordered() is DEFAULT_TRUTH


def test_conversions_round_trip():
    p = MixtureParams(0.25, -1.5, 3.25, 0.5)
    assert MixtureParams.from_array(p.to_array()) == p
    assert MixtureParams.from_dict(p.to_dict()) == p
    assert MixtureParams.parse("0.25, -1.5,3.25,0.5") == p
    assert list(p.to_dict()) == ["pi1", "mu1", "mu2", "sigma"]
    with pytest.raises(ParamError, match="expected 4"):
        MixtureParams.from_array([0.3, 1, 2])
    with pytest.raises(ParamError, match="missing parameter"):
        MixtureParams.from_dict({"pi1": 0.3, "mu1": 1, "mu2": 2})
    with pytest.raises(ParamError, match="--truth: expected 4"):
        MixtureParams.parse("0.3,5,15")
    with pytest.raises(ParamError, match="--truth: sigma must be > 0"):
        MixtureParams.parse("0.3,5,15,0")


def test_params_are_frozen():
    with pytest.raises(AttributeError):
        DEFAULT_TRUTH.pi1 = 0.5  # type: ignore[misc]
