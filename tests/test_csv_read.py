"""files.csvread: pyarrow's parser under emvb's rules gives what the rules say; any double survives a round trip."""

from __future__ import annotations

import codecs
import csv

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emvb.files.csvread import read_column, sniff_encoding
from emvb.files.datafile import load_data, save_dataset
from emvb.models.data import Dataset
from emvb.models.errors import DataError

#: Cells a file may hold: numbers in several spellings, and what must be refused or handled.
CELLS = ["1.5", "-2", "3e2", " 4 ", "0.1", "inf", "nan", "", " ", "\t5", "1_0", "abc", "\uff15", "7.", "+8", '"9"',
         '"1,5"', "1;2", "#c", "True", "nan(1)", "1e", "\xa05", "-.5E-3"]


def _number(cell: str) -> float | None:
    if not cell.isascii() or "_" in cell:
        return None
    try:
        return float(cell)
    except ValueError:
        return None


def _reference(path, column=None):
    """The rules of the module note written out with the csv module: (values, lines), or None if refused."""
    with open(path, encoding=sniff_encoding(path), newline="") as f:
        rows = [(n, [c.strip() for c in r]) for n, r in enumerate(csv.reader(f), start=1)]
    rows = [(n, c) for n, c in rows if (len(c) > 1 or any(c)) and not c[0].startswith("#")]
    header = rows[0][1] if rows and any(_number(c) is None for c in rows[0][1]) else None
    rows = rows[1:] if header is not None else rows
    if not rows or (header is not None and len(set(header)) != len(header)):
        return None
    ncol = len(header) if header is not None else max(len(c) for _, c in rows)
    names = header if header is not None else [str(k + 1) for k in range(ncol)]
    if any(len(c) != ncol for _, c in rows) or (column is not None and column not in names):
        return None
    numeric = [k for k in range(ncol) if sum(_number(c[k]) is not None for _, c in rows) > len(rows) / 2]
    j = names.index(column) if column is not None else 0 if ncol == 1 else numeric[0] if len(numeric) == 1 else None
    values = None if j is None else [_number(c[j]) for _, c in rows]
    if values is None or None in values:
        return None
    return np.array(values, dtype=np.float64), [n for n, _ in rows]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=st.sampled_from(["", "x\n", "a,b\n", "# note\nx\n", '"x"\n', "a,a\n", "\n  \na,b,c\n"]),
       rows=st.lists(st.lists(st.sampled_from(CELLS), min_size=1, max_size=3), min_size=1, max_size=8),
       blank_end=st.booleans(), crlf=st.booleans())
def test_the_reader_follows_the_rules(tmp_path, header, rows, blank_end, crlf):
    """Values (bit for bit) and lines as the rules written out give them, or refused when they refuse."""
    text = header + "\n".join(",".join(r) for r in rows) + ("\n\n" if blank_end else "\n")
    path = tmp_path / "f.csv"
    path.write_bytes(text.replace("\n", "\r\n" if crlf else "\n").encode())
    expected = _reference(path)
    if expected is None:
        with pytest.raises(DataError):
            read_column(path)
        return
    values, lines = read_column(path)
    assert values.tobytes() == expected[0].tobytes()
    assert [int(lines[i]) for i in range(len(lines))] == expected[1]


PLAIN = {
    "one column, header": "x\n" + "\n".join(str(v) for v in np.linspace(-3, 3, 50)) + "\n",
    "no header, CRLF, trailing blank lines": "\r\n".join(f"{v:.17g}" for v in np.linspace(0, 1, 30)) + "\r\n\r\n\r\n",
    "two columns, one numeric": "label,value\n" + "\n".join(f"a{i},{i * 0.25}" for i in range(40)) + "\n",
    "leading comment, quoted header": '# exported\n"id","x"\n' + "\n".join(f"r{i},{i / 7}" for i in range(40)),
    "inf among values": "x\n1\n2\ninf\n" + "\n".join(str(i) for i in range(20)) + "\n",
}


@pytest.mark.parametrize("name", sorted(PLAIN))
def test_plain_files_give_the_values_and_lines_of_the_rules(tmp_path, name):
    path = tmp_path / "p.csv"
    path.write_text(PLAIN[name])
    values, lines = read_column(path)
    expected = _reference(path)
    assert values.tobytes() == expected[0].tobytes()
    assert [int(lines[i]) for i in range(len(lines))] == expected[1]


def test_tsv_latin1_and_utf16_are_read(tmp_path):
    values = np.linspace(1, 2, 12)
    body = "\n".join(repr(float(v)) for v in values) + "\n"
    (tmp_path / "t.tsv").write_text("id\tx\n" + "\n".join(f"{i}\t{float(v)!r}" for i, v in enumerate(values)) + "\n")
    assert read_column(tmp_path / "t.tsv", "x")[0].tobytes() == values.tobytes()
    (tmp_path / "l.csv").write_bytes(("temp\xe9rature\n" + body).encode("latin-1"))
    assert read_column(tmp_path / "l.csv", "température")[0].tobytes() == values.tobytes()
    (tmp_path / "u.csv").write_bytes(codecs.BOM_UTF16_LE + ("x\n" + body).encode("utf-16-le"))
    assert read_column(tmp_path / "u.csv")[0].tobytes() == values.tobytes()


#: Exponent width of one data set in :func:`test_any_finite_double_survives_save_and_load`: with binary
#: exponents spread evenly over 256, the quartiles sit near the middle exponent and the largest value
#: about 2^128 (3e38) IQRs out, well inside what a fit accepts (models.scaling.MAX_STANDARDISED).
BAND = 256


def _every_finite_double(seed=7, size=20_000) -> np.ndarray:
    """Random bit patterns (every exponent, both signs, subnormals) that are finite, and the extremes."""
    bits = np.random.default_rng(seed).integers(0, 2**64, size=size, dtype=np.uint64)
    x = bits.view(np.float64)
    special = [5e-324, -5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, -1.7976931348623157e308,
               -0.0, 0.0, 0.1, 1 / 3]
    return np.concatenate([x[np.isfinite(x)], special])


def test_any_finite_double_survives_save_and_load(tmp_path):
    """Byte for byte through save_dataset/load_data (17 digits) and through a file of shortest repr digits.

    One file cannot hold 1e-320 and 1e300 together: a fit refuses data spanning more than 1e100 IQRs
    (test_a_file_no_fit_could_use_is_read_exactly_and_refused). So the doubles are split by binary
    exponent into bands of :data:`BAND`, each a data set the fits accept; together they hold every double.
    """
    x = _every_finite_double()
    _, exponent = np.frexp(x)  # 0 for zeros: with the numbers near 1
    band = (exponent + 1074) // BAND
    assert band.max() - band.min() >= 7  # the bands cover the whole range, 2^-1074 to 2^1024
    assert np.signbit(x[x == 0]).any()  # -0.0 is among them: byte equality checks that its sign is kept
    for b in np.unique(band):
        part = x[band == b]
        path = save_dataset(Dataset(part, name=f"band{b}"), tmp_path / f"band{b}.csv")
        assert load_data(path).values.tobytes() == part.tobytes(), b
        shortest = tmp_path / f"repr{b}.csv"
        shortest.write_text("x\n" + "\n".join(repr(float(v)) for v in part) + "\n")
        assert load_data(shortest).values.tobytes() == part.tobytes(), b


def test_a_file_no_fit_could_use_is_read_exactly_and_refused(tmp_path):
    """All the doubles in one file: the reader returns them byte for byte; loading them as data is
    refused in one line naming the file, because no float64 fit spans 1e-320 to 1e308."""
    x = _every_finite_double()
    path = tmp_path / "all.csv"
    path.write_text("x\n" + "\n".join(repr(float(v)) for v in x) + "\n")
    assert read_column(path)[0].tobytes() == x.tobytes()
    with pytest.raises(DataError, match=r"all\.csv: the values reach .* interquartile ranges from their median"):
        load_data(path)
