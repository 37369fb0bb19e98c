"""Read survey exports as they arrive: CSV (any Dutch/English dialect), XLSX, SPSS .sav.

Values are returned as found (text for CSV, as stored for XLSX/SAV), so that
validation can report the original value; typing happens in
:mod:`evaluation.validate` against the codebook.
"""
from __future__ import annotations

import codecs
import csv
import io
import os
import re
import zipfile
from pathlib import Path

import defusedxml.ElementTree as safe_et
import pandas as pd

from .limits import MB, InputLimits

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
    lines = _first_lines(raw, encoding, 50)
    best, best_score = ",", (-1, -1)
    for sep in _SEPARATORS:
        try:
            counts = [len(row) for row in csv.reader(lines, delimiter=sep)]
        except csv.Error:  # e.g. a huge cell; the reader reports it with its line number
            continue
        if not counts or counts[0] < 2:
            continue
        consistent = sum(c == counts[0] for c in counts)
        score = (consistent, counts[0])
        if score > best_score:
            best, best_score = sep, score
    decimal = "."
    if best != ",":
        try:
            fields = [f for row in csv.reader(lines[1:], delimiter=best) for f in row]
        except csv.Error:
            fields = []
        comma = sum(bool(_DECIMAL_COMMA.match(f)) for f in fields)
        point = sum(bool(_DECIMAL_POINT.match(f)) for f in fields)
        if comma > 0 and point == 0:
            decimal = ","
    return {"encoding": encoding, "bom": bom, "sep": best, "decimal": decimal}


def _first_lines(raw: bytes, encoding: str, count: int) -> list[str]:
    """The first ``count`` non-blank lines of the text (a large file is decoded only as far as needed)."""
    size = 1 << 16
    while size < len(raw):
        head = raw[:size].decode(encoding, errors="replace").splitlines()[:-1]  # the last line may be cut
        lines = [line for line in head if line.strip()]
        if len(lines) >= count:
            return lines[:count]
        size *= 4
    return [line for line in raw.decode(encoding, errors="replace").splitlines() if line.strip()][:count]


def read_survey(path, *, sheet=None, encoding=None, sep=None, decimal=None, limits=None) -> pd.DataFrame:
    """Read one survey wave's export into a DataFrame of values as found.

    Parameters
    ----------
    path : path-like
        ``.csv``/``.txt`` (dialect detected), ``.xlsx``/``.xlsm``, or SPSS ``.sav``.
    sheet : str or int, optional
        Worksheet for Excel files (default: the first).
    encoding, sep, decimal : str, optional
        Override the detected CSV dialect.
    limits : InputLimits, optional
        Size, ratio, row and cell bounds checked before parsing (default
        :class:`evaluation.readers.limits.InputLimits`).

    Returns
    -------
    pandas.DataFrame
        One row per line of the file, columns as in the file. CSV values are
        text, with the decimal mark normalised to ``.``. ``attrs["source"]``
        records the file name, format and dialect; ``attrs["header_row"]`` the
        1-based line of the header (data row *i* is line ``header_row + 1 + i``).
        For ``.sav`` files ``attrs["value_labels"]`` maps columns to
        ``{code: label}``. ``attrs["problems"]`` lists what the reader noticed
        but could not read faithfully (rows with another separator, merged
        cells, formulas without a saved result), as dicts with the keys of
        :data:`evaluation.validate.PROBLEM_COLUMNS`; validation adds them to
        ``validation.csv``.

    Raises
    ------
    SurveyReadError
        Unknown format, unreadable, empty or too large file (a limit of
        ``limits`` exceeded), or duplicate column names.

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
    limits = limits or InputLimits()
    if not path.exists():
        raise SurveyReadError(f"{path}: file not found. Check `file:` of this wave in the study configuration.")
    if not path.is_file():
        raise SurveyReadError(f"{path}: is a folder, not a file. Name the exported survey file itself in `file:`.")
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise SurveyReadError(
            f"{path}: {size / MB:.1f} MB, more than the limit of {limits.max_file_mb:g} MB for a survey file "
            f"(limits.max_file_mb); is this the right file? {InputLimits.hint('max_file_mb')}."
        )
    if size == 0:
        raise SurveyReadError(f"{path}: the file is empty (0 bytes). Export the survey again.")
    suffix = path.suffix.lower()
    with path.open("rb") as handle:
        head = handle.read(8)
    problems: list[dict] = []
    if suffix in {".xlsx", ".xlsm"} or head[:4] == b"PK\x03\x04":
        problems = _check_xlsx(path, sheet, limits)
        frame = _read_excel(path, sheet)
        source = {"file": path.name, "format": "xlsx", "sheet": sheet if sheet is not None else 0}
        problems = _name_columns(problems, frame)
    elif suffix == ".sav" or head[:4] in (b"$FL2", b"$FL3"):
        frame, labels = _read_sav(path)
        source = {"file": path.name, "format": "sav"}
        frame.attrs["value_labels"] = labels
    elif suffix in {".csv", ".txt", ".tsv"}:
        frame, dialect, problems = _read_csv(path, path.read_bytes(), encoding=encoding, sep=sep, decimal=decimal,
                                             limits=limits)
        source = {"file": path.name, "format": "csv", **dialect}
    else:
        raise SurveyReadError(
            f"{path}: unknown survey format {suffix!r}. Export the survey as CSV, XLSX or SPSS .sav."
        )
    if frame.shape[1] == 0:
        raise SurveyReadError(f"{path}: no columns found; the file holds no header row. Export the survey again.")
    if frame.empty:
        raise SurveyReadError(f"{path}: the file has a header but no data rows.")
    if len(frame) > limits.max_rows or frame.size > limits.max_cells:
        raise SurveyReadError(
            f"{path}: {len(frame)} rows x {frame.shape[1]} columns is more than the limit of {limits.max_rows} rows "
            f"or {limits.max_cells} cells (limits.max_rows, limits.max_cells); {InputLimits.hint('max_rows')}."
        )
    dupes = sorted(set(frame.columns[frame.columns.duplicated()]))
    if dupes:
        raise SurveyReadError(f"{path}: duplicate column names {dupes}; rename them in the export so each column is unique.")
    frame.attrs["source"] = source
    frame.attrs["header_row"] = 1
    for item in problems:
        item.setdefault("file", path.name)
    frame.attrs["problems"] = problems
    return frame


def _problem(row, column, problem, expected, severity="error", value=None) -> dict:
    return {"row": row, "column": column, "value": value, "problem": problem, "expected": expected,
            "severity": severity}


def _decode_csv(path, raw: bytes, encoding):
    """Text of a CSV file and the encoding used (UTF-16 with a BOM is read as such)."""
    if encoding is None and raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise SurveyReadError(f"{path}: starts as UTF-16 but cannot be decoded at byte {exc.start}; "
                                  "save the file as CSV UTF-8.") from None
    if encoding is None and b"\x00" in raw[:4096]:
        raise SurveyReadError(f"{path}: holds NUL bytes - probably UTF-16 text without a byte-order mark or a "
                              "binary file; save it as 'CSV UTF-8' (Excel: Save as > CSV UTF-8).")
    return None, None


def _read_csv(path, raw, *, encoding, sep, decimal, limits):
    text, used = _decode_csv(path, raw, encoding)
    if text is None:
        dialect = detect_csv_dialect(raw)
    else:
        dialect = detect_csv_dialect(text.encode("utf-8"))
        dialect["encoding"], dialect["bom"] = used, True
    dialect.update({k: v for k, v in {"encoding": encoding, "sep": sep, "decimal": decimal}.items() if v})
    if text is None:
        try:
            text = raw.decode(dialect["encoding"])
        except (UnicodeDecodeError, LookupError) as exc:
            at = f" at byte {exc.start}" if isinstance(exc, UnicodeDecodeError) else ""
            raise SurveyReadError(
                f"{path}: cannot decode with encoding {dialect['encoding']!r}{at}; "
                "pass encoding='cp1252' or save the file as UTF-8."
            ) from None
    if not text.strip():
        raise SurveyReadError(f"{path}: the file holds only blank lines. Export the survey again.")
    frame = _read_csv_arrow(text, dialect["sep"], limits, decimal_comma=dialect["decimal"] == ",")
    if frame is not None:  # a plain file (every row as wide as the header, no quotes, within the limits): tidied
        return frame, dialect, []
    rows, problems = _check_csv_rows(path, text, dialect["sep"], limits)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=dialect["sep"], dtype=str, keep_default_na=False,
                            skip_blank_lines=True, engine="python" if len(dialect["sep"]) > 1 else "c")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error) as exc:
        raise SurveyReadError(f"{path}: not a well-formed CSV ({_first_line(exc)}); check the separator "
                              f"(detected {dialect['sep']!r}).") from None
    header = rows[0] if rows else []
    frame.columns = [str(c).strip() for c in header] if len(header) == frame.shape[1] else [str(c).strip() for c in frame.columns]
    columns = list(frame.columns)
    frame = pd.DataFrame({i: _tidy_text(frame.iloc[:, i], dialect["decimal"] == ",") for i in range(frame.shape[1])},
                         index=frame.index)
    frame.columns = columns
    bad_rows = [p["_index"] for p in problems if p.get("_index") is not None and p["severity"] == "error"]
    if bad_rows:  # a row split with another separator: its cells are not this row's answers
        frame.loc[[i for i in bad_rows if i < len(frame)], :] = pd.NA
    for p in problems:
        p.pop("_index", None)
    return frame, dialect, problems


def _tidy_text(column: pd.Series, decimal_comma: bool) -> pd.Series:
    """Cells stripped, ``d,d`` read with a decimal point, empty cells missing.

    Stripping and emptiness are vectorised (Arrow) string operations on the whole column; the
    decimal-comma pattern is matched once per distinct text that holds a comma.
    """
    values = column.str.strip()
    if decimal_comma:
        comma = values.str.contains(",", regex=False).fillna(False).to_numpy(dtype=bool)  # the pattern needs one
        if comma.any():
            codes, uniques = pd.factorize(values[comma], use_na_sentinel=True)
            part = pd.Series(uniques, dtype=values.dtype)
            part = part.where(~part.str.match(_DECIMAL_COMMA.pattern), part.str.replace(",", ".", regex=False))
            values[comma] = part.array.take(codes, allow_fill=True)
    return values.replace("", pd.NA)


def _tidy_arrow(column, decimal_comma: bool):
    """:func:`_tidy_text` on an Arrow column whose empty cells are already null (the same Arrow kernels)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    values = pc.utf8_trim_whitespace(column)  # what pandas' .str.strip() runs
    if decimal_comma:
        comma = pc.fill_null(pc.match_substring(values, ","), False)
        if pc.any(comma).as_py():
            values = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
            comma = comma.combine_chunks() if isinstance(comma, pa.ChunkedArray) else comma
            part = pc.filter(values, comma)
            distinct = pc.unique(part)
            fixed = [v.replace(",", ".") if _DECIMAL_COMMA.match(v) else v for v in distinct.to_pylist()]
            values = pc.replace_with_mask(values, comma, pc.take(pa.array(fixed, type=values.type),
                                                                 pc.index_in(part, value_set=distinct)))
    empty = pc.fill_null(pc.equal(values, ""), False)
    if pc.any(empty).as_py():
        values = pc.if_else(empty, pa.scalar(None, type=values.type), values)
    return values


def _read_csv_arrow(text: str, sep: str, limits, *, decimal_comma: bool = False) -> pd.DataFrame | None:
    """Parse and tidy a plain CSV with Arrow (multi-threaded): every cell as text, columns as in the header.

    Returns None - the file then goes to the careful reader, which names each problem - unless
    the file is plain: a one-character separator, no quote character anywhere, a header on the
    first line, every row exactly as wide as the header, and well within ``limits`` (rows,
    cells, cell length). The result equals what the careful reader (:func:`pandas.read_csv`,
    then :func:`_tidy_text`) makes of such a file; empty cells are missing from the start.
    """
    if len(sep) != 1 or '"' in text:
        return None
    try:
        import pyarrow as pa
        import pyarrow.csv as pacsv
    except ImportError:  # pragma: no cover - pyarrow is a dependency
        return None
    end = text.find("\n")
    first = text[: end if end >= 0 else len(text)].rstrip("\r")
    if "\r" in first or not first.strip():
        return None
    header = first.split(sep)
    lines = text.count("\n") + 1
    if lines > limits.max_rows + 1 or len(header) * lines > limits.max_cells or len(header) < 2:
        return None
    invalid = []

    def on_invalid(row):
        invalid.append(row.number)
        return "skip"

    names = [f"c{i}" for i in range(len(header))]
    body = text[end + 1:].encode("utf-8") if end >= 0 else b""
    try:
        table = pacsv.read_csv(
            pa.BufferReader(body),
            read_options=pacsv.ReadOptions(column_names=names),
            parse_options=pacsv.ParseOptions(delimiter=sep, quote_char=False, double_quote=False, escape_char=False,
                                             newlines_in_values=False, ignore_empty_lines=True,
                                             invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.large_string() for n in names},
                                                 strings_can_be_null=True, null_values=[""]))
    except (pa.ArrowInvalid, ValueError):
        return None
    if invalid or table.num_rows == 0:
        return None
    if len(text) > limits.max_cell_chars:
        import pyarrow.compute as pc

        longest = max((pc.max(pc.utf8_length(col)).as_py() or 0) for col in table.columns)
        if longest > limits.max_cell_chars:
            return None
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:  # Arrow kernels release the GIL
        columns = list(pool.map(lambda col: _tidy_arrow(col, decimal_comma), table.columns))
    table = pa.table(columns, names=names)
    dtype = pd.StringDtype(na_value=float("nan"))
    frame = table.to_pandas(types_mapper={pa.string(): dtype, pa.large_string(): dtype}.get)
    frame.columns = [c.strip() for c in header]
    return frame


def _check_csv_rows(path, text, sep, limits):
    """Parse once with :mod:`csv` to check field counts and cell lengths (before pandas)."""
    problems = []
    rows = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    try:
        for row in reader:
            if not row:  # blank line: pandas skips it too
                continue
            rows.append(row)
            if len(rows) > limits.max_rows + 1:
                raise SurveyReadError(
                    f"{path}: more than {limits.max_rows} rows (limits.max_rows); {InputLimits.hint('max_rows')}."
                )
    except csv.Error as exc:
        raise SurveyReadError(
            f"{path}: line {reader.line_num}: not readable as CSV ({exc}); a cell longer than "
            f"{limits.max_cell_chars} characters or an unclosed quote? Fix that line in the export."
        ) from None
    if not rows:
        return rows, problems
    header = rows[0]
    width = len(header)
    if width * (len(rows) - 1) > limits.max_cells:
        raise SurveyReadError(
            f"{path}: {len(rows) - 1} rows x {width} columns is more than {limits.max_cells} cells "
            f"(limits.max_cells); {InputLimits.hint('max_cells')}."
        )
    others = [s for s in _SEPARATORS if s != sep]
    for number, row in enumerate(rows[1:], start=2):
        for position, cell in enumerate(row):
            if len(cell) > limits.max_cell_chars:
                column = header[position].strip() if position < width else f"field {position + 1}"
                raise SurveyReadError(
                    f"{path}: row {number}, column {column!r}: a cell of {len(cell)} characters, more than "
                    f"{limits.max_cell_chars} (limits.max_cell_chars); a survey answer is never that long - "
                    "check the export (an unclosed quote swallows the rest of the file)."
                )
        if len(row) == width or not any(cell.strip() for cell in row):
            continue
        line = sep.join(row)
        other = None
        if len(row) < width:
            split = {s: len(next(csv.reader([line], delimiter=s))) for s in others}
            best = max(split, key=split.get)
            other = best if split[best] >= max(2, width // 2, len(row) + 1) else None
        if other is not None:
            problems.append({**_problem(
                number, "(whole row)",
                f"row uses {other!r} as separator where the rest of the file uses {sep!r}; its answers "
                "cannot be read (the respondent would be lost)",
                f"one separator ({sep!r}) on every row: export the file again or fix this row"), "_index": number - 2})
        elif len(row) < width:
            problems.append(_problem(
                number, "(whole row)", f"row has {len(row)} field(s) where the header has {width}; "
                "the missing fields are read as empty", f"{width} fields on every row", "warning"))
        else:
            raise SurveyReadError(
                f"{path}: row {number} has {len(row)} fields where the header has {width}; check the separator "
                f"(detected {sep!r}) and quotes on that row."
            )
    return rows, problems


def _first_line(exc) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


# --------------------------------------------------------------------------- XLSX


_CELL_REF = re.compile(r"^([A-Z]{1,3})(\d+)$")


def _column_number(letters: str) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ord(ch) - 64
    return number - 1


def _check_xlsx(path, sheet, limits) -> list[dict]:
    """Check a workbook before openpyxl parses it: sizes, ratio, rows, cells, merges, formulas.

    The worksheet XML is streamed (``iterparse``, elements cleared as read), so
    the check itself never holds the sheet in memory.
    """
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SurveyReadError(f"{path}: not a readable Excel workbook ({exc}); save it again from Excel "
                              "or export the survey as CSV.") from None
    with archive:
        total = 0
        for info in archive.infolist():
            total += info.file_size
            if info.file_size > MB and info.file_size > limits.max_ratio * max(info.compress_size, 1):
                raise SurveyReadError(
                    f"{path}: member {info.filename!r} unpacks {info.file_size} bytes from {info.compress_size} "
                    f"(ratio above {limits.max_ratio:g}, limits.max_ratio); refused as a possible zip bomb - "
                    f"{InputLimits.hint('max_ratio')}."
                )
        if total > limits.max_unpacked_bytes:
            raise SurveyReadError(
                f"{path}: unpacks to {total / MB:.0f} MB, more than {limits.max_unpacked_mb:g} MB "
                f"(limits.max_unpacked_mb); refused before reading - {InputLimits.hint('max_unpacked_mb')}."
            )
        member = _sheet_member(archive, sheet)
        if member is None:
            return []
        return _scan_sheet(path, archive, member, limits)


def _sheet_member(archive, sheet) -> str | None:
    """Zip member of the worksheet ``sheet`` (name or 0-based number), or None when unknown."""
    names = set(archive.namelist())
    try:
        book = safe_et.fromstring(archive.read("xl/workbook.xml"), forbid_dtd=True)
        rels = safe_et.fromstring(archive.read("xl/_rels/workbook.xml.rels"), forbid_dtd=True)
    except Exception:  # a broken workbook: openpyxl will say what is wrong
        return None
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter() if r.tag.endswith("Relationship")}
    sheets = [s for s in book.iter() if s.tag.rsplit("}", 1)[-1] == "sheet"]
    chosen = None
    if isinstance(sheet, str):
        chosen = next((s for s in sheets if s.get("name") == sheet), None)
    elif sheets:
        index = sheet if isinstance(sheet, int) else 0
        chosen = sheets[index] if 0 <= index < len(sheets) else None
    if chosen is None:
        return None
    rid = next((v for k, v in chosen.attrib.items() if k.rsplit("}", 1)[-1] == "id"), None)
    target = targets.get(rid, "")
    member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return member if member in names else None


def _scan_sheet(path, archive, member, limits) -> list[dict]:
    rows = cells = elements = 0
    max_elements = 3 * (limits.max_cells + limits.max_rows) + 1000  # a cell is at most <c>, <v>/<f>, <is>
    merged, formulas = [], {}
    try:
        with archive.open(member) as handle:
            for _event, element in safe_et.iterparse(handle, events=("end",), forbid_dtd=True):
                elements += 1
                tag = element.tag.rsplit("}", 1)[-1]
                if tag == "c":
                    cells += 1
                    children = {child.tag.rsplit("}", 1)[-1]: child for child in element}
                    value = children.get("v")
                    if "f" in children and (value is None or value.text in (None, "")):
                        ref = _CELL_REF.match(element.get("r", ""))
                        if ref:
                            formulas.setdefault(ref.group(1), []).append(int(ref.group(2)))
                    element.clear()
                elif tag == "row":
                    rows += 1
                    element.clear()
                elif tag == "mergeCell":
                    merged.append(element.get("ref", "?"))
                if rows > limits.max_rows + 1:
                    raise SurveyReadError(
                        f"{path}: sheet {member!r} holds more than {limits.max_rows} rows (limits.max_rows); "
                        f"delete empty rows in Excel or {InputLimits.hint('max_rows')}."
                    )
                if cells > limits.max_cells or elements > max_elements:
                    raise SurveyReadError(
                        f"{path}: sheet {member!r} holds more than {limits.max_cells} cells (limits.max_cells); "
                        f"delete unused cells in Excel or {InputLimits.hint('max_cells')}."
                    )
    except SurveyReadError:
        raise
    except Exception as exc:  # defusedxml refusals, broken XML, bad zip data
        raise SurveyReadError(f"{path}: sheet {member!r} cannot be read safely ({type(exc).__name__}: "
                              f"{_first_line(exc)}); save the workbook again from Excel or export CSV.") from None
    problems = []
    for ref in merged:
        match = re.match(r"^([A-Z]{1,3})(\d+)", ref)
        problems.append({**_problem(
            int(match.group(2)) if match else None, match.group(1) if match else ref,
            f"cells {ref} are merged; only the first cell holds a value, the others are read as empty",
            "no merged cells: unmerge them in Excel (Home > Merge & Center) and fill in every cell"),
            "_letter": match.group(1) if match else None})
    for letter, numbers in formulas.items():
        shown = ", ".join(f"{letter}{n}" for n in numbers[:5]) + (", …" if len(numbers) > 5 else "")
        problems.append({**_problem(
            numbers[0], letter,
            f"{len(numbers)} cell(s) hold a formula without a saved result ({shown}); they would be read as empty",
            "values, not formulas: open the file in Excel and save it (or paste as values)"),
            "_letter": letter})
    return problems


def _name_columns(problems, frame) -> list[dict]:
    """Replace spreadsheet column letters by the header names where known."""
    columns = list(frame.columns)
    for p in problems:
        letter = p.pop("_letter", None)
        if letter is not None and p["column"] == letter:
            number = _column_number(letter)
            if number < len(columns):
                p["column"] = columns[number]
    return problems


def _read_excel(path, sheet):
    try:
        frame = pd.read_excel(path, sheet_name=sheet if sheet is not None else 0, dtype=object, engine="openpyxl")
    except ValueError as exc:
        raise SurveyReadError(f"{path}: {_first_line(exc)}. Set `sheet:` for this wave in the study configuration.") from None
    except Exception as exc:  # openpyxl raises several types for broken files
        raise SurveyReadError(f"{path}: cannot read as an Excel workbook ({_first_line(exc)}).") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def _read_sav(path):
    import pyreadstat

    try:
        # user_missing=True keeps SPSS user-missing codes (e.g. 98 "don't know", 99 "refused") as their codes,
        # so the import records them as missing *with their reason* (the instrument's missing codes)
        frame, meta = pyreadstat.read_sav(str(path), apply_value_formats=False, user_missing=True)
    except Exception as exc:
        raise SurveyReadError(f"{path}: cannot read as an SPSS file ({_first_line(exc)}).") from None
    return frame, dict(meta.variable_value_labels)
