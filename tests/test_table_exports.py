"""Published tables as files: the CSV holds the numbers, the workbook the table as shown plus those numbers."""
from types import SimpleNamespace

import numpy as np
import openpyxl
import pandas as pd
import pytest

from evaluation.report.nb import ReportContext


def _publish(tmp_path, lang):
    study = SimpleNamespace(min_cell=10, round_to=None, confidence=0.95, processed_dir=tmp_path / "processed")
    ctx = ReportContext(study, lang, tmp_path / "reports")
    frame = pd.DataFrame({
        "wave": ["before", "after", "both"],
        "respondents": [103, 89, 4],
        "share": [0.445, 0.4472, 0.02],
        "difference": [0.125, -0.0449, 0.2],
        "estimate": [0.80095, -0.11465, 0.3],
        "ci_low": [0.47068, -0.28937, 0.1],
        "ci_high": [1.13112, 0.06008, 0.5],
        "p_value": [0.0004, 0.0312, 0.5],
    })
    ctx.table(frame, name="demo", caption="Demo", count_cols=["respondents"],
              dependent_cols={"respondents": ["share", "difference"]},
              formats={"respondents": "int", "share": "pct", "difference": "pp", "estimate": "num2", "ci": "ci",
                       "p_value": "p"},
              labels={"estimate": "Change", "share": "Share", "difference": "Difference", "p_value": "p",
                      "ci": "CI", "respondents": "n"})
    return ctx, ctx.tables_dir / f"demo.{lang}.xlsx", ctx.tables_dir / f"demo.{lang}.csv"


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_workbook_shows_the_table_as_the_report_does_then_the_numbers(tmp_path, lang):
    ctx, xlsx, csv = _publish(tmp_path, lang)
    book = openpyxl.load_workbook(xlsx)
    assert book.sheetnames == ["demo", "data"]
    shown = book["demo"]
    header = [c.value for c in shown[1]]
    assert header == [ctx.t("wave"), "n", "Share", "Difference", "Change", "CI", "p"]  # this edition's labels
    rows = [dict(zip(header, r)) for r in shown.iter_rows(min_row=2)]
    first = rows[0]
    assert first[ctx.t("wave")].value == ctx.t("before")  # category labels of the edition, not ids
    assert (first["n"].value, first["n"].number_format) == (103, "0")
    assert (first["Share"].value, first["Share"].number_format) == (pytest.approx(0.45), "0%")  # 44.5% -> 45%
    assert first["Difference"].value == 13 and f'" {ctx.t("pp")}"' in first["Difference"].number_format
    assert (first["Change"].value, first["Change"].number_format) == (pytest.approx(0.80), "0.00")
    assert first["CI"].value.startswith("[") and first["CI"].value.endswith("]")  # the interval as text
    assert first["p"].value == {"nl": "< 0,001", "en": "< 0.001"}[lang]
    assert rows[1]["p"].value == pytest.approx(0.031) and rows[1]["p"].number_format == "0.000"
    # the small count (4) and what rests on it are shown as marks, never as numbers
    small = rows[2]
    assert small["n"].value == "<10" and small["Share"].value == "·" and small["Difference"].value == "·"
    assert 4 not in [c.value for r in shown.iter_rows(min_row=2) for c in r]
    # the data sheet and the CSV: the numbers as computed, the hidden cells empty
    data = pd.read_excel(xlsx, sheet_name="data")
    assert data.loc[0, "estimate"] == pytest.approx(0.80095) and pd.isna(data.loc[2, "respondents"])
    assert pd.isna(data.loc[2, "share"]) and bool(data.loc[2, "suppressed"])
    assert pd.read_csv(csv)["share"].iloc[0] == pytest.approx(0.445)  # unrounded
    assert np.isnan(pd.read_csv(csv)["respondents"].iloc[2])
