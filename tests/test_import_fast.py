"""The fast import paths give what the careful paths give.

A plain CSV export is parsed by Arrow, texts are tidied and converted once per distinct value, and
pseudonyms are hashed once per distinct id with a precomputed HMAC. How fast that is lives in
``benchmarks/bench_import.py`` (``make benchmark``); these tests check only that the results are the same.
"""
import hashlib
import hmac
import random

import numpy as np
import pandas as pd
import pytest

from evaluation.privacy import _hmac_sha256, pseudonymise
from evaluation.readers import surveys
from evaluation.readers.limits import InputLimits
from evaluation.readers.surveys import SurveyReadError, read_survey
from evaluation.validate import _numbers

CELLS = ["1", " 2 ", "3,5", " 4,25 ", "1.250", "12.500.000", "", "  ", "\u00a05\u00a0", "\x1c6\x1f", "\u20037", "abc",
         "-1,5", "12,50", "x,y", "1e3", "nan", "NA", "\t8\t", "é", "€", "0,5 ", "-0"]


def _random_csv(rng: random.Random, path, *, plain: bool):
    sep = rng.choice([";", ",", "\t", "|"])
    width = rng.randint(2, 6)
    lines = [sep.join(f" h{i} " for i in range(width))]
    for _ in range(rng.randint(1, 40)):
        w = width
        if not plain:
            roll = rng.random()
            w = width - 1 if roll < 0.1 else width + 1 if roll < 0.13 else width
            if rng.random() < 0.05:
                lines.append("   ")
        lines.append(sep.join(rng.choice([c for c in CELLS if sep not in c]) for _ in range(w)))
        if rng.random() < 0.05:
            lines.append("")
    newline = rng.choice(["\n", "\r\n"])
    text = newline.join(lines) + rng.choice(["", newline])
    encoding = rng.choice(["utf-8", "utf-8-sig", "cp1252"])
    try:
        path.write_bytes(text.encode(encoding))
    except UnicodeEncodeError:
        path.write_bytes(text.encode("utf-8"))
    return path


def _read(path, monkeypatch, careful: bool):
    with monkeypatch.context() as patch:
        if careful:
            patch.setattr(surveys, "_read_csv_arrow", lambda *args, **kwargs: None)
        try:
            return read_survey(path)
        except SurveyReadError as exc:
            return str(exc)


@pytest.mark.parametrize("plain", [True, False])
def test_arrow_reader_equals_careful_reader(tmp_path, monkeypatch, plain):
    rng = random.Random(13 if plain else 14)
    fast_used = 0
    for n in range(60):
        path = _random_csv(rng, tmp_path / f"w{n}.csv", plain=plain)
        fast, careful = _read(path, monkeypatch, careful=False), _read(path, monkeypatch, careful=True)
        if isinstance(careful, str):
            assert fast == careful, path.read_bytes()[:200]
            continue
        pd.testing.assert_frame_equal(fast, careful)
        assert fast.attrs == careful.attrs
        fast_used += surveys._read_csv_arrow(path.read_bytes().decode(fast.attrs["source"]["encoding"]),
                                             fast.attrs["source"]["sep"], InputLimits()) is not None
    if plain:
        assert fast_used >= 50  # the plain files do take the Arrow path


def test_a_row_with_another_width_still_gets_its_problem(tmp_path):
    path = tmp_path / "w.csv"
    path.write_text("id;a;b\n1;2;3\n2;3\n3;4;5\n", encoding="utf-8")
    frame = read_survey(path)
    assert [p["row"] for p in frame.attrs["problems"]] == [3] and frame.shape == (3, 3)


def test_default_row_limit_refuses_a_million_row_export(tmp_path):
    path = tmp_path / "big.csv"
    rows = InputLimits().max_rows + 5
    path.write_text("id;a\n" + "".join(f"{i};1\n" for i in range(rows)), encoding="utf-8")
    with pytest.raises(SurveyReadError, match=r"limits\.max_rows"):
        read_survey(path)


def test_numbers_per_distinct_text_equal_numbers_per_cell():
    rng = np.random.default_rng(3)
    texts = np.array(["1", "2.5", " 3", "1.250", "12.500.000", "abc", "1e3", "-0", "inf", "4,5", "٣"], dtype=object)
    series = pd.Series(rng.choice(texts, 5000), dtype="str").where(rng.random(5000) > 0.1)
    fast = _numbers(series, thousands=True)
    per_cell = _numbers(series.astype("object"), thousands=True)  # object columns are converted cell by cell
    for a, b in zip(fast, per_cell):
        pd.testing.assert_series_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_names=False,
                                       check_dtype=False)


@pytest.mark.parametrize("size", [1, 20, 63, 64, 65, 200])
def test_precomputed_hmac_equals_hmac_new(size):
    key = bytes(range(size % 256)) * (size // 256 + 1)
    key = key[:size]
    digest = _hmac_sha256(key)
    for message in (b"", b"R1", "NBD-R0000001 ".encode(), bytes(300)):
        assert digest(message) == hmac.new(key, message, hashlib.sha256).hexdigest()


def test_pseudonyms_of_a_text_column_equal_those_of_each_value():
    values = ["R1", " R1", "R2 ", None, "R3", "R1", "12", "12.0", "é"] * 50
    column = pd.Series(values, dtype="str")
    by_distinct = pseudonymise(column, key="k")
    by_value = pseudonymise(pd.Series(values, dtype=object), key="k")
    assert by_distinct.tolist() == by_value.tolist() or (
        by_distinct.fillna("<na>").tolist() == by_value.fillna("<na>").tolist())
    assert by_distinct.iloc[0] == by_distinct.iloc[1]  # surrounding spaces do not change the pseudonym
