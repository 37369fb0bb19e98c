"""Survey readers: CSV dialects as Dutch Excel writes them, XLSX, SPSS .sav with value labels."""
import pandas as pd
import pyreadstat
import pytest

import evaluation as ev
from evaluation.readers.surveys import SurveyReadError, detect_csv_dialect

HEADER = "respondent_id;woonvorm;coh1;energierekening\r\n"
ROWS = "R1;1;4;123,45\r\nR2;2;8;98,10\r\nR3;3;;1.234,00\r\n"


@pytest.mark.parametrize(
    "encoding, bom",
    [("utf-8-sig", True), ("cp1252", False), ("utf-8", False)],
)
def test_semicolon_decimal_comma(tmp_path, encoding, bom):
    path = tmp_path / "w.csv"
    path.write_bytes((HEADER + ROWS.replace("R3", "Ré3")).encode(encoding))
    dialect = detect_csv_dialect(path.read_bytes())
    assert dialect == {"encoding": encoding, "bom": bom, "sep": ";", "decimal": ","}
    frame = ev.read_survey(path)
    assert list(frame.columns) == ["respondent_id", "woonvorm", "coh1", "energierekening"]  # no BOM in the name
    assert frame["respondent_id"].tolist() == ["R1", "R2", "Ré3"]
    assert frame["energierekening"].tolist()[:2] == ["123.45", "98.10"]
    assert pd.isna(frame.loc[2, "coh1"])


def test_comma_separated_decimal_point(tmp_path):
    path = tmp_path / "w.csv"
    path.write_text("id,score,bill\n1,3,12.5\n2,4,7.25\n", encoding="utf-8")
    assert detect_csv_dialect(path.read_bytes())["sep"] == ","
    assert detect_csv_dialect(path.read_bytes())["decimal"] == "."
    assert ev.read_survey(path)["bill"].tolist() == ["12.5", "7.25"]


def test_tab_separated_with_comma_decimals(tmp_path):
    path = tmp_path / "w.txt"
    path.write_text("id\tbill\n1\t12,5\n2\t7,25\n", encoding="utf-8")
    d = detect_csv_dialect(path.read_bytes())
    assert (d["sep"], d["decimal"]) == ("\t", ",")


def test_xlsx(tmp_path):
    path = tmp_path / "w.xlsx"
    pd.DataFrame({"respondent_id": ["R1", "R2"], "coh1": [4, 8], "bill": [12.5, 7.25]}).to_excel(path, index=False)
    frame = ev.read_survey(path)
    assert frame["coh1"].tolist() == [4, 8]
    assert frame.attrs["source"]["format"] == "xlsx"


def test_spss_with_value_labels(tmp_path):
    path = tmp_path / "w.sav"
    data = pd.DataFrame({"respondent_id": ["R1", "R2"], "coh1": [4.0, 8.0]})
    pyreadstat.write_sav(data, str(path), variable_value_labels={"coh1": {4.0: "Eens", 8.0: "Weet niet"}})
    frame = ev.read_survey(path)
    assert frame["coh1"].tolist() == [4.0, 8.0]
    assert frame.attrs["value_labels"]["coh1"] == {4.0: "Eens", 8.0: "Weet niet"}


def test_clear_errors(tmp_path):
    with pytest.raises(SurveyReadError, match="nope.csv: file not found"):
        ev.read_survey(tmp_path / "nope.csv")
    odd = tmp_path / "w.json"
    odd.write_text("{}")
    with pytest.raises(SurveyReadError, match="unknown survey format '.json'. Export the survey as CSV, XLSX or SPSS"):
        ev.read_survey(odd)
    dup = tmp_path / "dup.csv"
    dup.write_text("id;a;a\n1;2;3\n", encoding="utf-8")
    with pytest.raises(SurveyReadError, match="duplicate column names"):
        ev.read_survey(dup)
    empty = tmp_path / "empty.csv"
    empty.write_text("id;a\n", encoding="utf-8")
    with pytest.raises(SurveyReadError, match="header but no data rows"):
        ev.read_survey(empty)


def test_sav_user_missing_codes_keep_their_code(tmp_path):
    """SPSS user-missing answers (98 don't know, 99 refused) arrive as their codes, so the import can record why
    an answer is missing (they are missing codes of the instrument's answer set), instead of as blanks."""
    import pyreadstat

    frame = pd.DataFrame({"respondent_id": ["a", "b", "c", "d"], "q1": [1.0, 98.0, 99.0, 4.0]})
    path = tmp_path / "wave.sav"
    pyreadstat.write_sav(frame, str(path), missing_ranges={"q1": [98, 99]},
                         variable_value_labels={"q1": {1: "no", 4: "yes", 98: "don't know", 99: "refused"}})
    plain, _ = pyreadstat.read_sav(str(path))
    assert plain["q1"].isna().sum() == 2  # what the reader got before: the reasons were lost
    read = ev.read_survey(path)
    assert read["q1"].tolist() == [1.0, 98.0, 99.0, 4.0]
