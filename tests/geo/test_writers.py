"""CSV outputs: the fast writer gives what pandas' writer gives, cell for cell, and stays Excel-safe."""

import numpy as np
import pandas as pd
import pytest

from geo import writers
from geo.writers import FORMULA_START, neutralise_frame, neutralise_text, write_output


def _varied(n: int = 300, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    words = np.array(["On or near Broad Street", "=1+1", "-1", "@x", "\tx", "a,b", 'q"q', "line\nbreak",
                      "Café", "", " leading", "carriage\r"], dtype=object)
    text = words[rng.integers(0, len(words), n)]
    text[rng.random(n) < 0.2] = None
    frame = pd.DataFrame({
        "location": pd.Series(text, dtype="str"),
        "reference": pd.Series(text, dtype=object),
        "count": rng.integers(-3, 1000, n),
        "rate": np.where(rng.random(n) < 0.2, np.nan, rng.normal(0, 1e4, n)),
        "small": rng.random(n).astype("float32") / 7,
        "maybe": pd.array(np.where(rng.random(n) < 0.3, None, rng.integers(0, 9, n)), dtype="Int64"),
        "hot": rng.random(n) < 0.5,
        "flag": pd.array(np.where(rng.random(n) < 0.3, None, rng.random(n) < 0.5), dtype="boolean"),
        "day": pd.to_datetime(rng.integers(0, 60, n), unit="D", origin="2024-01-01"),
        "when": pd.to_datetime(rng.integers(0, 86_400 * 60, n), unit="s", origin="2024-01-01"),
        "rank": rng.integers(1, 5, n),
    })
    frame.loc[rng.random(n) < 0.2, "day"] = pd.NaT
    frame.loc[[0, 5], "rate"] = [np.inf, 1e-7]
    return frame.set_index(pd.Index(rng.permutation(n) + 1000))  # not a RangeIndex: rows must not be aligned


def _read(path) -> pd.DataFrame:
    return pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False, skiprows=0)


def test_fast_csv_matches_pandas_cell_for_cell(tmp_path):
    frame = neutralise_frame(_varied())
    assert writers._arrow_for_csv(frame) is not None  # the fast path is the one under test
    writers._csv(frame, tmp_path / "fast.csv", None)
    with open(tmp_path / "pandas.csv", "w", encoding="utf-8-sig", newline="") as fh:
        frame.to_csv(fh, index=False, lineterminator="\n")
    fast, slow = _read(tmp_path / "fast.csv"), _read(tmp_path / "pandas.csv")
    # pandas leaves a lone carriage return unquoted, so its file has extra lines there; elsewhere the same
    cr = frame["location"].str.contains("\r", regex=False).fillna(False).to_numpy()
    assert len(slow) > len(fast) == len(frame) and cr.any()
    clean = frame[~cr]
    writers._csv(clean, tmp_path / "fast_clean.csv", None)
    with open(tmp_path / "pandas_clean.csv", "w", encoding="utf-8-sig", newline="") as fh:
        clean.to_csv(fh, index=False, lineterminator="\n")
    pd.testing.assert_frame_equal(_read(tmp_path / "fast_clean.csv"), _read(tmp_path / "pandas_clean.csv"))
    assert fast["location"][cr].eq("carriage\r").all()  # the fast writer quotes it: it reads back whole
    raw = (tmp_path / "fast.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfloc") and b"\r\n" not in raw
    assert "'=1+1" in fast["location"].tolist() and "=1+1" not in fast["location"].tolist()
    assert set(fast["hot"]) == {"True", "False"} and fast["day"].str.fullmatch(r"(\d{4}-\d\d-\d\d)?").all()


def test_banner_comes_first_then_the_table(tmp_path):
    frame = _varied(20)
    write_output(frame, tmp_path / "x.csv", {"source": "test"}, (".csv",), banner="UNSUPPRESSED: not for sharing")
    lines = (tmp_path / "x.csv").read_text(encoding="utf-8-sig").split("\n")
    assert lines[0] == "UNSUPPRESSED: not for sharing" and lines[1].startswith("location,reference,count")
    back = pd.read_csv(tmp_path / "x.csv", encoding="utf-8-sig", skiprows=1)
    assert back["count"].tolist() == frame["count"].tolist()
    assert not list(tmp_path.glob(".csv-*"))  # the writer's scratch folder is gone


@pytest.mark.parametrize("columns", [["a", "A"], ["x", "x"]])
def test_names_duckdb_would_rename_keep_the_pandas_writer(tmp_path, columns):
    frame = pd.DataFrame([[1, 2]], columns=columns)
    assert writers._arrow_for_csv(frame) is None
    writers._csv(frame, tmp_path / "x.csv", None)
    assert (tmp_path / "x.csv").read_text(encoding="utf-8-sig") == ",".join(columns) + "\n1,2\n"


def test_other_kinds_of_column_keep_the_pandas_writer(tmp_path):
    frame = pd.DataFrame({"c": pd.Categorical(["a", "b"]), "z": pd.to_datetime(["2024-01-01", "2024-01-02"]).tz_localize("UTC"),
                          "mixed": [1, "b"]})
    for col in frame:
        assert writers._arrow_for_csv(frame[[col]]) is None
    writers._csv(frame, tmp_path / "x.csv", None)
    assert (tmp_path / "x.csv").read_text(encoding="utf-8-sig").splitlines()[1] == "a,2024-01-01 00:00:00+00:00,1"


def test_neutralise_frame_agrees_with_the_cell_rule_and_copies_nothing_it_need_not():
    frame = _varied()
    out = neutralise_frame(frame)
    for col in ("location", "reference"):
        expected = [neutralise_text(v) if isinstance(v, str) else v for v in frame[col]]
        got = out[col].tolist()
        assert [g if isinstance(g, str) else None for g in got] == [e if isinstance(e, str) else None for e in expected]
    assert not any(str(v).startswith(FORMULA_START) for v in out["location"].dropna())
    assert np.shares_memory(out["count"].to_numpy(), frame["count"].to_numpy())  # untouched columns shared
    assert frame["location"].eq("=1+1").any()  # the input is left as it was
    numbers = pd.DataFrame({"o": pd.Series([1, 2.5, None], dtype=object)})
    assert neutralise_frame(numbers)["o"].tolist()[:2] == [1, 2.5]


def test_slices_join_into_the_same_file(tmp_path, monkeypatch):
    frame = neutralise_frame(_varied(1000))
    writers._csv(frame, tmp_path / "whole.csv", "BANNER")
    monkeypatch.setattr(writers, "CSV_SLICE_ROWS", 77)  # 13 slices, the last one short
    writers._csv(frame, tmp_path / "sliced.csv", "BANNER")
    assert (tmp_path / "sliced.csv").read_bytes() == (tmp_path / "whole.csv").read_bytes()
    writers._csv(frame.iloc[:0], tmp_path / "empty.csv", None)  # no rows: the header alone
    assert (tmp_path / "empty.csv").read_text(encoding="utf-8-sig") == ",".join(frame.columns) + "\n"
