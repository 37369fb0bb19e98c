"""Read survey exports as they arrive: CSV (any Dutch/English dialect), XLSX, SPSS .sav.

Values are returned as found (text for CSV, as stored for XLSX/SAV), so that
validation can report the original value; typing happens in
:mod:`evaluation.validate` against the codebook.
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd

__all__ = ["read_survey", "detect_csv_dialect", "SurveyReadError"]

_SEPARATORS = [";", ",", "\t", "|"]
_DECIMAL_COMMA = re.compile(r"^\s*-?\d+,\d+\s*$")
_DECIMAL_POINT = re.compile(r"^\s*-?\d+\.\d+\s*$")


class SurveyReadError(ValueError):
    """A survey file cannot be read; the message names the file and the fix."""


def detect_csv_dialect(raw: bytes) -> dict:
    """Detect encoding, separator and decimal mark of a CSV export.

    Parameters
    ----------
    raw : bytes
        The file's content.

    Returns
    -------
    dict
        ``encoding`` ("utf-8-sig", "utf-8" or "cp1252"), ``bom`` (bool),
        ``sep`` and ``decimal`` ("," or ".").

    Notes
    -----
    Encoding: a UTF-8 byte-order mark decides; otherwise the text must decode as
    UTF-8, else it is read as Windows-1252 (what Dutch Excel writes). The
    separator is the candidate (``;``, ``,``, tab, ``|``) that splits the header
    and the first rows into the same, largest number of fields. The decimal mark
    is a comma when, with a non-comma separator, numeric-looking fields use
    ``d,d`` and none use ``d.d``.

    Examples
    --------
    >>> d = detect_csv_dialect("id;score\\n1;3,5\\n2;4,0\\n".encode("utf-8-sig"))
    >>> d["encoding"], d["sep"], d["decimal"]
    ('utf-8-sig', ';', ',')
    """
    bom = raw.startswith(b"\xef\xbb\xbf")
    if bom:
        encoding = "utf-8-sig"
    else:
        try:
            raw.decode("utf-8")
            encoding = "utf-8"
        except UnicodeDecodeError:
            encoding = "cp1252"
    text = raw.decode(encoding, errors="replace")
    lines = [line for line in text.splitlines() if line.strip()][:50]
    best, best_score = ",", (-1, -1)
    for sep in _SEPARATORS:
        counts = [len(row) for row in csv.reader(lines, delimiter=sep)]
        if not counts or counts[0] < 2:
            continue
        consistent = sum(c == counts[0] for c in counts)
        score = (consistent, counts[0])
        if score > best_score:
            best, best_score = sep, score
    decimal = "."
    if best != ",":
        fields = [f for row in csv.reader(lines[1:], delimiter=best) for f in row]
        comma = sum(bool(_DECIMAL_COMMA.match(f)) for f in fields)
        point = sum(bool(_DECIMAL_POINT.match(f)) for f in fields)
        if comma > 0 and point == 0:
            decimal = ","
    return {"encoding": encoding, "bom": bom, "sep": best, "decimal": decimal}


def read_survey(path, *, sheet=None, encoding=None, sep=None, decimal=None) -> pd.DataFrame:
    """Read one survey wave's export into a DataFrame of values as found.

    Parameters
    ----------
    path : path-like
        ``.csv``/``.txt`` (dialect detected), ``.xlsx``/``.xlsm``, or SPSS ``.sav``.
    sheet : str or int, optional
        Worksheet for Excel files (default: the first).
    encoding, sep, decimal : str, optional
        Override the detected CSV dialect.

    Returns
    -------
    pandas.DataFrame
        One row per line of the file, columns as in the file. CSV values are
        text, with the decimal mark normalised to ``.``. ``attrs["source"]``
        records the file name, format and dialect; ``attrs["header_row"]`` the
        1-based line of the header (data row *i* is line ``header_row + 1 + i``).
        For ``.sav`` files ``attrs["value_labels"]`` maps columns to
        ``{code: label}``.

    Raises
    ------
    SurveyReadError
        Unknown format, unreadable file, empty file or duplicate column names.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "w1.csv"
    >>> _ = p.write_bytes("respondent_id;coh1;bedrag\\nR1;4;12,50\\n".encode("cp1252"))
    >>> df = read_survey(p)
    >>> df.loc[0, "bedrag"], df.attrs["source"]["sep"]
    ('12.50', ';')
    """
    path = Path(path)
    if not path.exists():
        raise SurveyReadError(f"{path}: file not found. Check `file:` of this wave in the study configuration.")
    suffix = path.suffix.lower()
    raw = path.read_bytes()
    if suffix in {".xlsx", ".xlsm"} or raw[:4] == b"PK\x03\x04":
        frame = _read_excel(path, sheet)
        source = {"file": path.name, "format": "xlsx", "sheet": sheet if sheet is not None else 0}
    elif suffix == ".sav" or raw[:4] == b"$FL2" or raw[:4] == b"$FL3":
        frame, labels = _read_sav(path)
        source = {"file": path.name, "format": "sav"}
        frame.attrs["value_labels"] = labels
    elif suffix in {".csv", ".txt", ".tsv"}:
        frame, dialect = _read_csv(path, raw, encoding=encoding, sep=sep, decimal=decimal)
        source = {"file": path.name, "format": "csv", **dialect}
    else:
        raise SurveyReadError(
            f"{path}: unknown survey format {suffix!r}. Export the survey as CSV, XLSX or SPSS .sav."
        )
    if frame.empty:
        raise SurveyReadError(f"{path}: the file has a header but no data rows.")
    dupes = sorted(set(frame.columns[frame.columns.duplicated()]))
    if dupes:
        raise SurveyReadError(f"{path}: duplicate column names {dupes}; rename them in the export so each column is unique.")
    frame.attrs["source"] = source
    frame.attrs["header_row"] = 1
    return frame


def _read_csv(path, raw, *, encoding, sep, decimal):
    dialect = detect_csv_dialect(raw)
    dialect.update({k: v for k, v in {"encoding": encoding, "sep": sep, "decimal": decimal}.items() if v})
    try:
        text = raw.decode(dialect["encoding"])
    except UnicodeDecodeError as exc:
        raise SurveyReadError(
            f"{path}: cannot decode with encoding {dialect['encoding']!r} at byte {exc.start}; "
            "pass encoding='cp1252' or save the file as UTF-8."
        ) from None
    try:
        frame = pd.read_csv(io.StringIO(text), sep=dialect["sep"], dtype=str, keep_default_na=False, skip_blank_lines=True)
    except pd.errors.ParserError as exc:
        raise SurveyReadError(f"{path}: not a well-formed CSV ({exc}); check the separator (detected {dialect['sep']!r}).") from None
    header = next(csv.reader(io.StringIO(text), delimiter=dialect["sep"]), [])
    frame.columns = [str(c).strip() for c in header] if len(header) == frame.shape[1] else [str(c).strip() for c in frame.columns]
    frame = frame.apply(lambda col: col.str.strip())
    if dialect["decimal"] == ",":
        frame = frame.apply(lambda col: col.where(~col.str.match(_DECIMAL_COMMA.pattern), col.str.replace(",", ".", regex=False)))
    frame = frame.replace("", pd.NA)
    return frame, dialect


def _read_excel(path, sheet):
    try:
        frame = pd.read_excel(path, sheet_name=sheet if sheet is not None else 0, dtype=object, engine="openpyxl")
    except ValueError as exc:
        raise SurveyReadError(f"{path}: {exc}. Set `sheet:` for this wave in the study configuration.") from None
    except Exception as exc:  # openpyxl raises several types for broken files
        raise SurveyReadError(f"{path}: cannot read as an Excel workbook ({exc}).") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def _read_sav(path):
    import pyreadstat

    try:
        frame, meta = pyreadstat.read_sav(str(path), apply_value_formats=False)
    except Exception as exc:
        raise SurveyReadError(f"{path}: cannot read as an SPSS file ({exc}).") from None
    return frame, dict(meta.variable_value_labels)
