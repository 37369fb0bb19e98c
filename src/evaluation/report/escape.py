"""Escaping by construction: strings from data or configuration never become markup or formulas.

Two places turn text into something active when it is not escaped:

* **Markdown** (narrative text goes through markdown-it on its way to HTML, Word and
  PDF): a label such as ``[click](http://evil.test)`` or ``<svg onload=...>`` would
  become a link or an element. :func:`md_literal` makes any string literal text in
  Markdown: every ASCII punctuation character is backslash-escaped (CommonMark allows
  that for all of them) and line breaks become spaces, so a value can neither start a
  block (heading, list, quote) nor open emphasis, a link, an autolink or raw HTML.
* **Spreadsheets** (CSV and XLSX tables): a cell that starts with ``=``, ``+``, ``-``,
  ``@``, a tab or a carriage return is run as a formula when the file is opened in a
  spreadsheet program (OWASP, "CSV Injection"). :func:`formula_safe` prefixes such
  text with a single quote; numbers, and text that is just a number (``"-1,5"``), are
  left alone. :func:`write_csv` and :func:`write_xlsx` apply it to every text cell and
  every column name; every table the package writes goes through them.
"""
from __future__ import annotations

import re
import string
from pathlib import Path

import pandas as pd

__all__ = ["md_literal", "formula_safe", "formula_safe_frame", "write_csv", "write_xlsx", "FORMULA_PREFIXES"]

#: First characters that make a spreadsheet program read a cell as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

_MD_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")
_WHITESPACE = re.compile(r"\s+")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d[\d.,]*|[.,]\d[\d.,]*)(?:[eE][+-]?\d+)?")


def md_literal(value) -> str:
    r"""``value`` as Markdown that renders as exactly its own text.

    Parameters
    ----------
    value : object
        A label, code name, quote, file name ... (converted with ``str``).

    Returns
    -------
    str
        The text with ASCII punctuation backslash-escaped and runs of white space
        (line breaks included) collapsed to one space.

    Examples
    --------
    >>> print(md_literal("[click](javascript:alert(1)) *now*"))
    \[click\]\(javascript\:alert\(1\)\) \*now\*
    >>> from markdown_it import MarkdownIt
    >>> print(MarkdownIt().render(md_literal('<svg onload="alert(2)">')), end="")
    <p>&lt;svg onload=&quot;alert(2)&quot;&gt;</p>
    """
    text = _WHITESPACE.sub(" ", str(value)).strip()
    return _MD_PUNCTUATION.sub(r"\\\1", text)


def formula_safe(value):
    """A spreadsheet cell value that cannot run as a formula.

    Parameters
    ----------
    value : object
        A cell value.

    Returns
    -------
    object
        Text starting with one of :data:`FORMULA_PREFIXES` gets a leading ``'``;
        anything else (numbers, missing values, text that is just a number such as
        ``"-3"`` or ``"-0,25"``) is returned unchanged.

    Examples
    --------
    >>> formula_safe('=HYPERLINK("http://evil.test/?x","click")')
    '\\'=HYPERLINK("http://evil.test/?x","click")'
    >>> formula_safe("@SUM(A1)"), formula_safe("-2.5"), formula_safe(-2.5), formula_safe("Huur")
    ("'@SUM(A1)", '-2.5', -2.5, 'Huur')
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def formula_safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with :func:`formula_safe` applied to every text cell and column name.

    Parameters
    ----------
    frame : DataFrame

    Returns
    -------
    DataFrame
        Numeric, boolean and date columns are untouched (negative numbers stay numbers).

    Examples
    --------
    >>> out = formula_safe_frame(pd.DataFrame({"code": ["=1+1", "ok"], "n": [-3, 4]}))
    >>> out["code"].tolist(), out["n"].tolist()
    (["'=1+1", 'ok'], [-3, 4])
    """
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if isinstance(series.dtype, pd.CategoricalDtype):
            series = series.astype(object)
        if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            out[column] = series.map(formula_safe)
    out.columns = [formula_safe(c) for c in out.columns]
    return out


def write_csv(frame: pd.DataFrame, path, **kwargs) -> Path:
    """Write ``frame`` as CSV (no index) with every text cell made formula-safe.

    Parameters
    ----------
    frame : DataFrame
    path : path-like
    **kwargs
        Passed to :meth:`pandas.DataFrame.to_csv`.

    Returns
    -------
    pathlib.Path
        ``path``.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "t.csv"
    >>> print(write_csv(pd.DataFrame({"label": ["+cmd|' /C calc'!A0"], "n": [-1]}), path).read_text(), end="")
    label,n
    '+cmd|' /C calc'!A0,-1
    """
    path = Path(path)
    formula_safe_frame(frame).to_csv(path, **{"index": False, **kwargs})
    return path


def write_xlsx(frame: pd.DataFrame, path, *, sheet_name: str = "Sheet1", shown: pd.DataFrame | None = None,
               number_formats: dict | None = None, data_sheet: str = "data") -> Path:
    """Write ``frame`` as an XLSX workbook (no index) in which no cell is a formula.

    Parameters
    ----------
    frame : DataFrame
        The table's numbers as computed (the raw-number sheet).
    path : path-like
    sheet_name : str
        Cut to Excel's limit of 31 characters.
    shown : DataFrame, optional
        The table as the report shows it (headers in the edition's language, numbers
        rounded as displayed, intervals and marks as text). Given, it is the first sheet
        (`sheet_name`) and `frame` follows as `data_sheet`.
    number_formats : dict, optional
        Column of `shown` -> Excel number format (e.g. ``"0.00"``, ``"0%"``), so that
        numbers stay numbers and display as in the report (Excel uses the reader's own
        decimal mark).
    data_sheet : str, default "data"

    Returns
    -------
    pathlib.Path
        ``path``.

    Notes
    -----
    Text cells are made formula-safe as in :func:`write_csv`, so the XLSX and the CSV
    hold the same values. As a second line of defence every cell that openpyxl would
    still store as a formula (``<f>``) is stored as a string instead.

    Examples
    --------
    >>> import tempfile, openpyxl
    >>> path = write_xlsx(pd.DataFrame({"label": ["=1+1"], "n": [-2]}), Path(tempfile.mkdtemp()) / "t.xlsx")
    >>> [(c.value, c.data_type) for c in openpyxl.load_workbook(path).active[2]]
    [("'=1+1", 's'), (-2, 'n')]
    >>> shown = pd.DataFrame({"Groep": ["eigenaar"], "Aandeel": [0.45]})
    >>> path = write_xlsx(pd.DataFrame({"group": ["owner"], "share": [0.4472]}), Path(tempfile.mkdtemp()) / "s.xlsx",
    ...                   shown=shown, number_formats={"Aandeel": "0%"})
    >>> book = openpyxl.load_workbook(path)
    >>> book.sheetnames, book.worksheets[0]["B2"].value, book.worksheets[0]["B2"].number_format
    (['Sheet1', 'data'], 0.45, '0%')
    """
    path = Path(path)
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        if shown is not None:
            safe = formula_safe_frame(shown)
            safe.to_excel(writer, index=False, sheet_name=sheet_name[:31])
            sheet = writer.sheets[sheet_name[:31]]
            for j, column in enumerate(shown.columns, start=1):
                fmt = (number_formats or {}).get(column)
                width = max([len(str(column))] + [len(str(v)) for v in safe.iloc[:, j - 1]])
                sheet.column_dimensions[sheet.cell(row=1, column=j).column_letter].width = min(60, width + 2)
                if fmt:
                    for row in range(2, len(shown) + 2):
                        cell = sheet.cell(row=row, column=j)
                        if isinstance(cell.value, (int, float)):
                            cell.number_format = fmt
        formula_safe_frame(frame).to_excel(writer, index=False,
                                           sheet_name=(data_sheet if shown is not None else sheet_name)[:31])
        for sheet in writer.sheets.values():
            for row in sheet.iter_rows():
                for cell in row:
                    if cell.data_type == "f":
                        cell.data_type = "s"
    from .stable import normalise_office_file

    return normalise_office_file(path)  # fixed timestamps: the same table gives the same bytes
