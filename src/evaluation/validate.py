"""Codebook-driven validation of survey exports.

Every problem is collected (never only the first) into a table a person can act
on: file, row (as numbered in the file or spreadsheet), column, value, problem,
expected, severity. Errors stop the import; warnings are reported and kept in
the processed data's validation report.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .config import Instrument

__all__ = [
    "ValidationResult",
    "ImportValidationError",
    "validate_wave",
    "write_problems",
    "escalate_warnings",
    "PROBLEM_COLUMNS",
]

PROBLEM_COLUMNS = ["file", "row", "column", "value", "problem", "expected", "severity"]
#: Values longer than this are cut in the problem table (they may hold text from the raw file).
MAX_VALUE_CHARS = 40
#: ``1.250`` or ``12.500.000``: a Dutch thousands separator, not a decimal point.
_THOUSANDS = re.compile(r"^\s*-?\d{1,3}(?:\.\d{3})+\s*$")


@dataclass
class ValidationResult:
    """Typed wave data (raw ids still present), missing-answer reasons and problems."""

    data: pd.DataFrame
    missingness: pd.DataFrame
    problems: pd.DataFrame

    @property
    def n_errors(self) -> int:
        return int((self.problems["severity"] == "error").sum())


class ImportValidationError(ValueError):
    """Raised when validation found errors; ``.problems`` is the full table."""

    def __init__(self, problems: pd.DataFrame, report_path=None):
        self.problems = problems
        errors = problems[problems["severity"] == "error"]
        lines = [f"{len(errors)} error(s) in the input files (first 20 shown):"]
        for row in errors.head(20).itertuples():
            has_row = row.row is not None and not pd.isna(row.row)
            where = f"{row.file}, row {row.row}, column {row.column!r}" if has_row else f"{row.file}, column {row.column!r}"
            value = "" if pd.isna(row.value) else f": found {row.value!r}"
            lines.append(f"  - {where}{value}: {row.problem}; expected {row.expected}")
        if report_path:
            lines.append(f"The full list is in {report_path}")
        super().__init__("\n".join(lines))


def write_problems(problems: pd.DataFrame, path):
    """Write the problem table as CSV (``validation.csv``) that is safe to open in a spreadsheet.

    Values and column names come from the raw files; text starting with ``=``, ``+``,
    ``-``, ``@``, a tab or a carriage return gets a leading ``'`` so that it is not run
    as a formula (:func:`evaluation.report.escape.formula_safe`). Row numbers stay numbers.

    Parameters
    ----------
    problems : DataFrame
        Columns :data:`PROBLEM_COLUMNS`.
    path : path-like

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    from .report.escape import write_csv

    return write_csv(problems, path)


def escalate_warnings(problems: pd.DataFrame) -> pd.DataFrame:
    """Turn every warning into an error (the study setting ``strict: true``).

    Parameters
    ----------
    problems : DataFrame
        Columns :data:`PROBLEM_COLUMNS`.

    Returns
    -------
    DataFrame
        A copy in which warnings have severity "error" and their ``problem`` text
        ends with "(an error because the study sets strict: true)".

    Examples
    --------
    >>> t = pd.DataFrame([{"file": "a.csv", "row": None, "column": "x", "value": None,
    ...                    "problem": "column is empty", "expected": "answers", "severity": "warning"}])
    >>> escalate_warnings(t)["severity"].tolist()
    ['error']
    """
    out = problems.copy()
    warn = out["severity"] == "warning"
    out.loc[warn, "problem"] = out.loc[warn, "problem"].astype(str) + " (an error because the study sets strict: true)"
    out.loc[warn, "severity"] = "error"
    return out


def _shown(value) -> str | None:
    """A raw value as shown in the problem table: text, cut to MAX_VALUE_CHARS."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    text = str(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


def _numbers(series: pd.Series, *, thousands: bool = False):
    """Numeric values and a mask of present-but-not-numeric values (and, with ``thousands``, a mask
    of texts like ``1.250``: a Dutch thousands separator).

    A text column (a CSV export) is converted once per distinct text and rebuilt from the codes:
    a survey column of a million answers holds a handful of distinct ones.
    """
    if isinstance(series.dtype, pd.StringDtype) and len(series) > 1000:
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        parts = _numbers(pd.Series(uniques, dtype=series.dtype), thousands=thousands)
        fills = [np.append(parts[0].to_numpy(dtype=float), np.nan)] + [
            np.append(part.to_numpy(dtype=bool), False) for part in parts[1:]]
        return tuple(pd.Series(fill[codes], index=series.index, name=series.name) for fill in fills)
    values = pd.to_numeric(series.astype("object").where(series.notna(), np.nan), errors="coerce")
    bad = series.notna() & values.isna()
    if not thousands:
        return values.astype(float), bad
    found = series.astype("object").map(lambda v: isinstance(v, str) and bool(_THOUSANDS.match(v)))
    return values.astype(float), bad, found.astype(bool)


def validate_wave(raw: pd.DataFrame, *, instrument: Instrument, wave: str, rename=None, file=None) -> ValidationResult:
    """Check one wave's export against the codebook and type its values.

    Parameters
    ----------
    raw : pandas.DataFrame
        As returned by :func:`evaluation.read_survey` (``attrs["source"]`` names the file).
    instrument : Instrument
        The survey codebook.
    wave : str
        Wave id (items with ``waves:`` not including it are not expected).
    rename : dict, optional
        Raw column name -> codebook name, for exports with other headers.
    file : str, optional
        File name for messages (default: from ``raw.attrs``).

    Returns
    -------
    ValidationResult
        ``data``: respondent and household ids (raw, pseudonymised later by the
        import), ``wave``, background variables as category ids, one float column
        per item (missing codes -> NaN). ``missingness``: respondent, wave, item,
        code, reason. ``problems``: the columns in ``PROBLEM_COLUMNS``.

    Examples
    --------
    >>> from evaluation.config import load_instrument
    >>> inst = load_instrument("config/instruments/veerkracht-straat.yml")  # doctest: +SKIP
    >>> res = validate_wave(raw, instrument=inst, wave="before")  # doctest: +SKIP
    >>> res.n_errors  # doctest: +SKIP
    0
    """
    source = raw.attrs.get("source", {}) or {}
    file = file or source.get("file", "(data)")
    header = int(raw.attrs.get("header_row", 1))
    read_problems = list(raw.attrs.get("problems", []) or [])
    raw = raw.rename(columns=dict(rename or {}))
    problems: list[dict] = []
    ids = instrument.identifiers
    # never copy identifying values into validation.csv
    hidden = {ids.get("respondent"), ids.get("household"), *(ids.get("direct") or [])}

    def problem(column, index, value, text, expected, severity="error"):
        row = header + 1 + int(index) if index is not None else None
        problems.append(
            {"file": file, "row": row, "column": column, "value": None if column in hidden else _shown(value),
             "problem": text, "expected": expected, "severity": severity}
        )

    for item in read_problems:
        problems.append({**{k: item.get(k) for k in PROBLEM_COLUMNS}, "file": file})
    raw = raw.reset_index(drop=True)
    if len(raw) == 1:
        problem("(whole file)", None, None, "only one respondent in this wave; no comparison or interval is "
                "meaningful", "the complete export of the wave (check the file and the sheet)", "warning")
    # a ';'-separated or decimal-comma file: "1.250" is one thousand two hundred and fifty, not 1.25
    dutch = source.get("format") == "csv" and (source.get("sep") != "," or source.get("decimal") == ",")
    out = pd.DataFrame(index=raw.index)
    known = set()

    resp_col = ids.get("respondent")
    known.add(resp_col)
    if resp_col not in raw.columns:
        problem(resp_col, None, None, "respondent id column missing", f"a column named {resp_col!r} (identifiers.respondent)")
        out["respondent"] = pd.Series([f"row{i}" for i in raw.index], dtype="str")
    else:
        resp = raw[resp_col].astype("str").where(raw[resp_col].notna())
        for i in resp.index[resp.isna()]:
            problem(resp_col, i, None, "respondent id is empty", "a respondent id on every row")
        dup = resp.notna() & resp.duplicated(keep=False)
        first_row = {}
        for i in resp.index[dup]:
            first_row.setdefault(resp[i], header + 1 + int(i))
        for i in resp.index[dup]:
            problem(resp_col, i, None, f"respondent id occurs more than once in this wave (the same id as on row "
                    f"{first_row[resp[i]]}; the id itself is not shown here)", "one row per respondent per wave")
        out["respondent"] = resp
    hh_col = ids.get("household")
    if hh_col:
        known.add(hh_col)
        if hh_col in raw.columns:
            out["household"] = raw[hh_col].astype("str").where(raw[hh_col].notna())
            for i in out.index[out["household"].isna()]:
                problem(hh_col, i, None, "household id is empty (respondent analysed as its own household)", "a household id", "warning")
        else:
            problem(hh_col, None, None, "household id column missing; households are not used in the analysis", f"a column named {hh_col!r}", "warning")
    out["wave"] = wave

    for var, spec in instrument.background.items():
        column = spec["column"]
        known.add(column)
        if column not in raw.columns:
            problem(column, None, None, f"background column for {var!r} missing", f"a column named {column!r}")
            continue
        if raw[column].isna().all():
            problem(column, None, None, f"background column for {var!r} is empty on every row",
                    "the answers in the export (check the sheet and the export settings)", "warning")
        values, bad = _numbers(raw[column])
        mapping = {float(code): label["id"] for code, label in spec["codes"].items()}
        categories = list(dict.fromkeys(mapping.values()))
        invalid = values.notna() & ~values.isin(list(mapping))
        for i in raw.index[bad | invalid]:
            problem(column, i, raw.at[i, column], "not a valid code", ", ".join(f"{int(k)}={v}" for k, v in mapping.items()))
        out[var] = pd.Categorical(values.map(mapping), categories=categories)

    missing_rows = []
    for item in instrument.items:
        item_id = item["id"]
        column = item.get("column", item_id)
        known.add(column)
        if item.get("waves") and wave not in item["waves"]:
            continue
        answers = instrument.answer_sets[item["answers"]]
        if column not in raw.columns:
            problem(column, None, None, "item column missing", f"a column named {column!r} (item {item_id} of the codebook)")
            out[item_id] = np.nan
            continue
        if raw[column].isna().all():
            problem(column, None, None, "column is empty on every row: no respondent's answer was read",
                    f"answers to item {item_id} (check the export: formulas, a wrong sheet, a renamed column)",
                    "warning")
        if not dutch:
            values, bad = _numbers(raw[column])
        else:
            values, bad, thousands = _numbers(raw[column], thousands=True)
            for i in raw.index[thousands]:
                problem(column, i, raw.at[i, column], "a thousands separator ('.') in a Dutch-style file: "
                        "read as a decimal this would be 1000 times too small",
                        "a number without thousands separators (1250, or 1,25 for one and a quarter)")
            values = values.where(~thousands)
        missing_codes = {float(k): v for k, v in answers["missing"].items()}
        is_missing = values.isin(list(missing_codes))
        if answers["level"] == "numeric":
            low, high = answers.get("min"), answers.get("max")
            out_of_range = values.notna() & ~is_missing & (
                (values < low if low is not None else False) | (values > high if high is not None else False)
            )
            expected = f"a number from {low} to {high}" + (f", or a missing code {sorted(missing_codes)}" if missing_codes else "")
        else:
            valid = [float(k) for k in answers["codes"]]
            out_of_range = values.notna() & ~is_missing & ~values.isin(valid)
            expected = "one of " + ", ".join(f"{k:g}" for k in valid + list(missing_codes))
        for i in raw.index[bad | out_of_range]:
            problem(column, i, raw.at[i, column], "not a number" if bad[i] else "value outside the answer codes", expected)
        if is_missing.any():
            reasons = {code: label.get("en", str(label)) if isinstance(label, dict) else str(label)
                       for code, label in missing_codes.items()}
            codes = values[is_missing]
            missing_rows.append(pd.DataFrame({"row": raw.index[is_missing], "item": item_id, "code": codes.to_numpy(),
                                              "reason": codes.map(reasons).to_numpy(dtype=object)}))
        out[item_id] = values.where(~is_missing & ~out_of_range)

    direct = set(ids.get("direct") or [])
    for column in raw.columns:
        if column not in known and column not in direct:
            problem(column, None, None, "column is not in the codebook and is not imported", "an item, background or identifier column", "warning")

    columns = ["row", "item", "code", "reason"]
    missingness = pd.concat(missing_rows, ignore_index=True) if missing_rows else pd.DataFrame(columns=columns)
    missingness.insert(0, "respondent", out["respondent"].reindex(missingness["row"]).to_numpy())
    missingness.insert(1, "wave", wave)
    missingness = missingness.drop(columns="row")
    table = pd.DataFrame(problems, columns=PROBLEM_COLUMNS)
    table["row"] = table["row"].astype("Int64")
    return ValidationResult(out, missingness, table)
