"""Codebook validation collects every problem with file, row, column, value and expectation."""
from pathlib import Path

import numpy as np
import pandas as pd

import evaluation as ev
from evaluation.config import load_instrument
from evaluation.validate import validate_wave

ROOT = Path(__file__).resolve().parents[1]
INSTRUMENT = load_instrument(ROOT / "config/instruments/veerkracht-straat.yml")


def raw_wave(n=4):
    items = {item["id"]: pd.array([1] * n, dtype=object) for item in INSTRUMENT.items}
    items["energierekening"] = ["120.50"] * n
    frame = pd.DataFrame({
        "respondent_id": [f"R{i}" for i in range(n)],
        "household_id": [f"H{i}" for i in range(n)],
        "naam": ["Anna de Vries"] * n,
        "woonvorm": [1, 2, 3, 1][:n],
        "leeftijd": [1, 2, 3, 2][:n],
        **items,
    })
    frame.attrs["source"] = {"file": "nulmeting.csv"}
    return frame


def test_clean_wave_is_typed():
    raw = raw_wave()
    raw.loc[0, "coh1"] = 8  # don't know
    raw.loc[1, "tru4"] = 9  # prefer not to say
    result = validate_wave(raw, instrument=INSTRUMENT, wave="before")
    assert result.n_errors == 0
    data = result.data
    assert "naam" not in data.columns
    assert np.isnan(data.loc[0, "coh1"]) and data.loc[1, "coh1"] == 1.0
    assert data["tenure"].tolist() == ["owner", "social_rent", "private_rent", "owner"]
    assert data.loc[0, "energierekening"] == 120.5
    miss = result.missingness
    assert miss[["respondent", "item", "code", "reason"]].values.tolist() == [
        ["R0", "coh1", 8.0, "Don't know"], ["R1", "tru4", 9.0, "Prefer not to say"]]


def test_every_problem_is_reported():
    raw = raw_wave()
    raw.loc[1, "coh2"] = 6
    raw.loc[2, "coh3"] = "veel"
    raw.loc[3, "woonvorm"] = 7
    raw.loc[3, "respondent_id"] = "R0"
    raw.loc[2, "energierekening"] = "5000"
    raw = raw.drop(columns=["dig2"]).assign(extra=1)
    result = validate_wave(raw, instrument=INSTRUMENT, wave="before")
    p = result.problems
    errors = p[p.severity == "error"]
    got = {(r.row, r.column, r.value, r.problem) for r in errors.itertuples()}
    assert (3, "coh2", "6", "value outside the answer codes") in got  # header is line 1, so index 1 is line 3
    assert (4, "coh3", "veel", "not a number") in got
    assert (5, "woonvorm", "7", "not a valid code") in got
    duplicate = "respondent id occurs more than once in this wave (the same id as on row 2; the id itself is not shown here)"
    assert (2, "respondent_id", None, duplicate) in {(r, c, None if pd.isna(v) else v, t) for r, c, v, t in got}
    assert (5, "respondent_id", None, duplicate) in {(r, c, None if pd.isna(v) else v, t) for r, c, v, t in got}
    assert "R0" not in p.to_csv()  # raw respondent ids never reach validation.csv
    assert (4, "energierekening", "5000", "value outside the answer codes") in got
    assert any(r.column == "dig2" and r.problem == "item column missing" for r in errors.itertuples())
    assert (p[p.column == "extra"].severity == "warning").all()
    assert set(p.file) == {"nulmeting.csv"}
    assert result.n_errors == 7
    # the expectation tells the fix
    assert errors.set_index("column").loc["coh2", "expected"] == "one of 1, 2, 3, 4, 5, 8, 9"


def test_import_error_message_lists_problems():
    raw = raw_wave()
    raw.loc[1, "coh2"] = 6
    result = validate_wave(raw, instrument=INSTRUMENT, wave="before")
    err = ev.validate.ImportValidationError(result.problems, report_path="validation.csv")
    assert "nulmeting.csv, row 3, column 'coh2': found '6': value outside the answer codes; expected one of 1, 2, 3" in str(err)
    assert "validation.csv" in str(err)
