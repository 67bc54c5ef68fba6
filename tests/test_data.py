"""Data I/O: round trips keep the bytes, and every bad input is one line on stderr with exit 2."""

import json

import numpy as np
import pytest
from conftest import run_cli_many

from emvb.files.datafile import load_data, save_dataset, sidecar_path
from emvb.models.data import Dataset, fingerprint
from emvb.models.errors import DataError, EmvbError
from emvb.models.simulate import simulate


def test_save_load_round_trip_keeps_bytes_and_fingerprint(tmp_path):
    ds = simulate(n=1000, seed=11)
    path = save_dataset(ds, tmp_path / "d.csv")
    back = load_data(path)
    assert back.values.tobytes() == ds.values.tobytes()
    assert back.sha256 == ds.sha256 == json.loads(sidecar_path(path).read_text())["sha256"]
    assert back.truth == ds.truth and back.seed == 11


def test_save_refuses_to_overwrite(tmp_path):
    ds = simulate(n=50, seed=1)
    save_dataset(ds, tmp_path / "d.csv")
    with pytest.raises(EmvbError, match="already exists"):
        save_dataset(ds, tmp_path / "d.csv")
    save_dataset(simulate(n=60, seed=2), tmp_path / "d.csv", force=True)
    assert load_data(tmp_path / "d.csv").n == 60


def test_edited_csv_is_detected(tmp_path):
    path = save_dataset(simulate(n=100, seed=3), tmp_path / "d.csv")
    lines = path.read_text().splitlines()
    lines[5] = "12.5"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match="differ from the fingerprint"):
        load_data(path)


def test_npy_and_plain_text_and_column_choice(tmp_path):
    x = np.random.default_rng(0).normal(size=30)
    np.save(tmp_path / "a.npy", x)
    assert load_data(tmp_path / "a.npy").sha256 == fingerprint(x)
    (tmp_path / "b.txt").write_text("\n".join(f"{v:.17g}" for v in x) + "\n\n")
    assert load_data(tmp_path / "b.txt").sha256 == fingerprint(x)
    rows = ["id,label,value,other"] + [f"{i},a,{v:.17g},{2 * v:.17g}" for i, v in enumerate(x)]
    (tmp_path / "c.csv").write_text("\n".join(rows) + "\n")
    assert load_data(tmp_path / "c.csv", column="value").sha256 == fingerprint(x)
    with pytest.raises(DataError, match="several numeric columns.*--column"):
        load_data(tmp_path / "c.csv")
    rows = ["label,value"] + [f"a,{v:.17g}" for v in x]
    (tmp_path / "d.csv").write_text("\n".join(rows) + "\n")
    assert load_data(tmp_path / "d.csv").sha256 == fingerprint(x)  # the only numeric column


def test_dataset_is_read_only():
    ds = Dataset(np.arange(10.0))
    with pytest.raises(ValueError):
        ds.values[0] = 1.0


def _write(tmp_path, name, content):
    p = tmp_path / name
    if isinstance(content, np.ndarray):
        np.save(p, content)
    elif isinstance(content, bytes):
        p.write_bytes(content)
    else:
        p.write_text(content)
    return p


GOOD = "\n".join(str(v) for v in np.linspace(0, 1, 12))
BAD_INPUTS = [
    ("missing.csv", None, "no such file"),
    ("empty.csv", "", "file is empty"),
    ("header_only.csv", "x\n", "no data rows"),
    ("word.csv", "x\n1\n2\nabc\n" + GOOD, "line 4: 'abc' in column 'x' is not a number"),
    ("nan.csv", "x\n1\nnan\n2\ninf\n" + GOOD, "2 value(s) are NaN or infinite (first at line 3"),
    ("few.csv", "x\n1\n2\n3\n", "only 3 data points"),
    ("two.csv", "x\n" + "1\n2\n" * 10, "only 2 distinct value(s); with fewer than 3 the likelihood is unbounded"),
    ("twod.npy", np.ones((10, 2)), "expected a 1-D array, got shape (10, 2)"),
    ("nan.npy", np.r_[np.linspace(0, 1, 12), np.nan], "1 value(s) are NaN or infinite (first at index 12"),
    ("text.npy", "not numpy", "not a readable .npy file"),
    ("ragged.csv", "a,b\n1,2\n3\n" + "4,5\n" * 10, "line 3 has 1 cells, expected 2"),
    ("strs.csv", "a,b\nx,y\nz,w\n", "no numeric column"),
]


#: Bad values for ``emvb simulate --truth`` and the words of the refusal.
BAD_TRUTHS = [("1.2,5,15,2", "pi1 must be in (0, 1)"), ("0.3,5,15,-1", "sigma must be > 0"),
              ("0.3,5,15", "expected 4"), ("0.3,5,nan,2", "must be finite")]


@pytest.fixture(scope="module")
def refusals(tmp_path_factory):
    """Every refusal of this module, each in its own folder, run one after the other in ONE fresh interpreter
    (conftest.run_cli_many: a new interpreter per refusal costs seconds apiece). Returns, per case, its folder
    and the result (``code``, ``stdout``, ``stderr``)."""
    cases = {}
    for name, content, _ in BAD_INPUTS:
        folder = tmp_path_factory.mktemp("bad")
        path = folder / name if content is None else _write(folder, name, content)
        cases[("inspect", name)] = (folder, ["inspect", "--data", path])
    folder = tmp_path_factory.mktemp("column")
    path = _write(folder, "c.csv", "a,b\n" + "\n".join(f"{i},{i * i}" for i in range(12)))
    cases[("column", "z")] = (folder, ["inspect", "--data", path, "--column", "z"])
    for truth, _ in BAD_TRUTHS:
        folder = tmp_path_factory.mktemp("truth")
        cases[("simulate", truth)] = (folder, ["simulate", "--truth", truth, "--out", folder / "x.csv"])
    results = run_cli_many([argv for _, argv in cases.values()], silent=True)
    return {key: (folder, r) for (key, (folder, _)), r in zip(cases.items(), results, strict=True)}


@pytest.mark.parametrize("name, content, message", BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_is_one_line_exit_2(refusals, name, content, message):
    folder, r = refusals[("inspect", name)]
    assert r["code"] == 2, r["stderr"]
    assert r["stdout"] == ""
    lines = r["stderr"].strip().splitlines()
    assert len(lines) == 1, r["stderr"]
    assert message in lines[0] and name in lines[0]
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]
    assert "Traceback" not in r["stderr"]


def test_unknown_column_lists_the_columns(refusals):
    _, r = refusals[("column", "z")]
    assert r["code"] == 2 and "no column 'z'; columns are: a, b" in r["stderr"]


def test_simulate_cli_writes_once_and_reproducibly(tmp_path, cli):
    out = tmp_path / "data.csv"
    r = cli("simulate", "--n", 500, "--truth", "0.3,5,15,2", "--seed", 9, "--out", out)
    assert r.returncode == 0, r.stderr
    assert load_data(out).sha256 == simulate(n=500, seed=9).sha256
    before = out.read_bytes()
    r = cli("simulate", "--n", 400, "--seed", 9, "--out", out)
    assert r.returncode == 2 and "already exists" in r.stderr and out.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("truth, message", BAD_TRUTHS)
def test_simulate_cli_refuses_bad_truth(refusals, truth, message):
    folder, r = refusals[("simulate", truth)]
    assert r["code"] == 2 and message in r["stderr"] and len(r["stderr"].strip().splitlines()) == 1
    assert not (folder / "x.csv").exists()


SEMICOLONS = "\n".join(f"{v};{2 * v}" for v in range(12))
INPUT_DETAILS = [
    ("under.csv", "x\n1_000\n" + GOOD,
     "line 2: '1_000' in column 'x' is not a number (digit-group separators are not read: write 1000, not 1_000)"),
    ("fullwidth.csv", "x\n\uff11\uff12\n" + GOOD,
     "line 2: '\uff11\uff12' in column 'x' is not a number (only ASCII digits are read; it contains '\uff11', U+FF11)"),
    ("semicolon.csv", "x;y\n" + SEMICOLONS.replace(";", ".5;", 1),
     "line 2: '0.5;0' in column 'x;y' is not a number (the file seems to use ';' as its separator"),
    ("decimal_comma.csv", "x\n1,5\n" + GOOD, "line 2 has 2 cells, expected 1 (decimal commas? write 1.5, not 1,5)"),
    ("both.csv", "x;y\n1,5;2,5\n3,5;4,5\n",
     "line 2 has 3 cells, expected 1 (the file seems to use ';' as its separator: save it with ',' separators; "
     "decimal commas? write 1.5, not 1,5)"),
    ("binary.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a text file"),
    ("bad_sidecar.csv", "x\n" + GOOD, "bad_sidecar.meta.json: sidecar is not a JSON object as emvb writes it"),
]


@pytest.mark.parametrize("name, content, message", INPUT_DETAILS, ids=[c[0] for c in INPUT_DETAILS])
def test_input_details_are_refused_with_the_reason(tmp_path, name, content, message):
    path = _write(tmp_path, name, content)
    if name == "bad_sidecar.csv":
        (tmp_path / "bad_sidecar.meta.json").write_bytes(b"\xff[1, 2]")
    with pytest.raises(DataError) as e:
        load_data(path)
    assert message in str(e.value) and "\n" not in str(e.value)


def test_latin1_header_bom_and_comments_are_read(tmp_path, cli):
    values = [f"{v / 3:.17g}" for v in range(12)]
    (tmp_path / "latin1.csv").write_bytes(("id,temp\xe9rature\n" + "\n".join(f"{i},{v}" for i, v in enumerate(values))
                                           + "\n").encode("latin-1"))
    r = cli("inspect", "--data", tmp_path / "latin1.csv", "--column", "temp\xe9rature")
    assert r.returncode == 0 and r.stdout.startswith("latin1.csv: n=12"), r.stderr
    (tmp_path / "bom.csv").write_text("\ufeff# exported\r\nx\r\n" + "\r\n".join(values[:6]) + "\r\n# half\r\n"
                                      + "\r\n".join(values[6:]) + "\r\n\r\n", newline="")
    assert load_data(tmp_path / "bom.csv").values.tolist() == [float(v) for v in values]


def test_inspect_describes_data_near_the_ends_of_the_float_range_without_warnings(tmp_path):
    base = np.array([1.0, 2.0, 3.0, 1.5] * 5)
    for scale in (1e300, 1e-300):
        np.save(tmp_path / f"x{scale:g}.npy", base * scale)
    results = run_cli_many([["inspect", "--data", tmp_path / f"x{s:g}.npy"] for s in (1e300, 1e-300)])
    for scale, r in zip((1e300, 1e-300), results, strict=True):
        assert r["code"] == 0 and r["stderr"] == "", r  # PYTHONWARNINGS=error: an overflow would fail here
        assert f"mean {base.mean() * scale:.6g}, sd {base.std(ddof=1) * scale:.6g};" in r["stdout"]
