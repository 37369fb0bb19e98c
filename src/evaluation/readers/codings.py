"""Read interview codings from any QDA tool's export into tidy tables.

One entry point, :func:`read_codings`, detects the format from the file's
content (not only its extension) and returns a :class:`Codings` bundle:
segments in Unicode code points with exclusive ends, the codebook, the
documents and an ``info`` dict saying how positions were interpreted.
The REFI-QDA parsing and the safety checks live in :mod:`.refi`.
"""
from __future__ import annotations

import csv
import io
import re
import warnings as _warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .refi import (
    ArchiveLimits,
    CappedReader,
    CodingsFormatError,
    RefiProject,
    SourceStore,
    check_xml_size,
    decode_text,
    open_archive,
    stream_refi,
)

__all__ = ["Codings", "CodingsFormatError", "read_codings", "POSITION_UNITS"]

#: Position units a tool may count in, in order of preference when readings tie.
POSITION_UNITS = ("code_points", "utf16", "utf8")
_UNIT_ALIASES = {
    "code_points": "code_points", "codepoints": "code_points", "code point": "code_points",
    "code points": "code_points", "code_point": "code_points", "characters": "code_points",
    "unicode": "code_points",
    "utf16": "utf16", "utf-16": "utf16", "utf_16": "utf16", "utf16 code units": "utf16",
    "utf8": "utf8", "utf-8": "utf8", "utf_8": "utf8", "bytes": "utf8",
}
_FORMATS = ("qdpx", "qde", "qdc", "taguette", "qualcoder", "maxqda", "long")
_TABLE_FORMATS = ("taguette", "qualcoder", "maxqda", "long")
_SEGMENT_COLUMNS = ["document", "case", "group", "code", "start", "end", "text", "coder", "code_path"]


@dataclass
class Codings:
    """Interview codings read from one export.

    Attributes
    ----------
    segments : pandas.DataFrame
        One row per (document, start, end, code, coder): ``document``, ``case``,
        ``group`` (empty at this stage), ``code``, ``start``, ``end`` (Int64,
        Unicode code points, end exclusive; NA when the export has no positions),
        ``text`` (the coded text; equals ``documents.text[start:end]`` when the
        source text is known), ``coder`` and ``code_path`` ("/"-joined hierarchy).
    codebook : pandas.DataFrame
        ``code``, ``path`` (unique), ``parent`` (path of the parent, NA at top
        level), ``description``, ``color`` ("#rrggbb"), ``codable`` (bool),
        ``sets`` (";"-joined names of the code sets the code belongs to).
    documents : pandas.DataFrame
        ``document``, ``case``, ``n_chars`` (Int64), ``text`` (decoded source,
        BOM removed, line endings as in the file; NA when not available),
        ``sets`` (";"-joined document sets).
    info : dict
        ``format``, ``source`` (file name only), ``origin`` (exporting tool),
        ``position_unit``, ``position_unit_decided`` ("detected", "forced" or
        "spec default"), ``crlf_counted_as_one``, ``end``, ``users``, ``sets``,
        ``duplicates_dropped`` and ``warnings`` (list of str).
    """

    segments: pd.DataFrame
    codebook: pd.DataFrame
    documents: pd.DataFrame
    info: dict = field(default_factory=dict)


def read_codings(path, *, format=None, position_unit=None, end="exclusive", coder=None,
                 max_bytes=1 << 30, max_ratio=100.0, limits=None) -> Codings:
    """Read coded interview segments from a QDA tool's export.

    Parameters
    ----------
    path : str or path-like
        A REFI-QDA project (``.qdpx`` archive, ``.qde`` XML with its ``sources/``
        folder beside it, or a folder holding both), a REFI-QDA codebook
        (``.qdc``), or a tabular export (CSV or XLSX): Taguette highlights
        (``id, document, tag, content``), a QualCoder coding report
        (``File/case, Coder, Coded, Id, Codename, …``), MAXQDA coded segments
        (``Document name, Code, Segment, …``) or a long table
        (``document, case, code, start, end, text, coder``).
    format : {None, "qdpx", "qde", "qdc", "taguette", "qualcoder", "maxqda", "long"}
        Force a format; by default it is detected from the content.
    position_unit : {None, "code_points", "utf16", "utf8"}
        What the tool counted positions in. By default detected (REFI-QDA with
        source texts) or taken as code points (the spec).
    end : {"exclusive", "inclusive"}
        Whether the exported end position is one past the last character (what
        every major tool writes) or the last character (a literal reading of
        the spec).
    coder : str, optional
        Coder name recorded on every segment, e.g. when each coder exported
        their own project. By default taken from the export.
    max_bytes, max_ratio : int, float
        Refuse archives larger than ``max_bytes`` uncompressed or with a member
        compressed more than ``max_ratio`` times (decompression bombs).
    limits : InputLimits, optional
        All input bounds at once (a study's ``limits:`` section, see
        :class:`evaluation.readers.limits.InputLimits`); when given it replaces
        ``max_bytes`` and ``max_ratio`` and also bounds the file size, the XML
        size, the number of XML elements and their nesting depth.

    Returns
    -------
    Codings
        ``segments``, ``codebook``, ``documents`` and ``info``; see :class:`Codings`
        for every column.

    Raises
    ------
    CodingsFormatError
        (a ValueError) when the file is unreadable, unsafe (DTD/entities, zip
        path traversal, zip bomb) or of no known format; the message names the
        file, the member or row, and the fix.

    Notes
    -----
    Positions are converted to Unicode code points of the decoded source text
    (UTF-8 BOM dropped). With source texts available the reading is detected:
    each candidate (code points, UTF-16 code units, UTF-8 bytes; CRLF counted
    as one or two characters) maps every selection to code points and is
    scored by, in order, the fewest offsets that fall inside a character or
    beyond the text, the most selection ``name`` attributes equal to the
    selected text, and the most boundaries that fall between words. Readings
    that map every selection alike are one reading; when no reading wins
    outright the spec's code points are used, ``info["position_unit_decided"]``
    says "spec default" and, if the readings differ, a warning says so.
    Selections carrying several codings and repeated identical spans both
    become one row per (document, start, end, code, coder). A document that
    belongs to no case is its own case. ``basePath`` and absolute source paths
    are never followed or copied; sources are looked up inside the archive or
    the project folder (``sources/`` in any letter case). MAXQDA's
    Beginning/End columns count paragraphs, not characters, so MAXQDA and
    Taguette rows have NA positions. Colours with an alpha channel
    (``#rrggbbaa``) keep their RGB part.

    References
    ----------
    REFI-QDA Standard, QDA-XML 1.0 (2019), https://www.qdasoftware.org/ .

    Examples
    --------
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "codes.csv").write_text(
    ...     "document,case,code,start,end,text,coder\\nint01,R1,trust,0,5,Hello,A\\n")
    >>> codings = read_codings(folder / "codes.csv")
    >>> codings.info["format"], len(codings.segments), int(codings.segments["end"][0])
    ('long', 1, 5)
    """
    path = Path(path)
    if format is not None and format not in _FORMATS:
        raise ValueError(f"`format` is {format!r}; use None (detect) or one of {', '.join(_FORMATS)}")
    if end not in ("exclusive", "inclusive"):
        raise ValueError(f"`end` is {end!r}; use 'exclusive' (one past the last character) or 'inclusive'")
    unit = None
    if position_unit is not None:
        unit = _UNIT_ALIASES.get(str(position_unit).strip().lower())
        if unit is None:
            raise ValueError(
                f"`position_unit` is {position_unit!r}; use None (detect) or one of {', '.join(POSITION_UNITS)}"
            )
    if coder is not None and not isinstance(coder, str):
        raise TypeError(f"`coder` is {type(coder).__name__}; pass the coder's name as a string or None")
    if not path.exists():
        raise FileNotFoundError(
            f"`path` {str(path)!r} does not exist; pass the exported .qdpx, .qde, .qdc, .csv or .xlsx file"
        )
    if not (max_bytes > 0 and max_ratio > 0):
        raise ValueError(
            f"`max_bytes` is {max_bytes!r} and `max_ratio` is {max_ratio!r}; both must be positive"
        )
    if limits is None:
        archive_limits = ArchiveLimits(max_bytes=int(max_bytes), max_ratio=float(max_ratio))
        max_file = None
    else:
        archive_limits = ArchiveLimits(max_bytes=limits.max_unpacked_bytes, max_ratio=float(limits.max_ratio),
                                       max_xml_bytes=limits.max_xml_bytes, max_elements=int(limits.max_xml_elements),
                                       max_depth=int(limits.max_xml_depth))
        max_file = limits.max_file_bytes
    if max_file is not None and path.is_file() and path.stat().st_size > max_file:
        raise CodingsFormatError(
            f"{path.name}: {path.stat().st_size} bytes, more than the limit of {max_file} bytes for an interview "
            "export; refused before reading - raise `limits.max_file_mb` in the study file if it is genuine"
        )
    limits = archive_limits

    loaded = _load(path, format, limits)
    if format is not None and format != loaded[0]:
        raise ValueError(
            f"`format` is {format!r} but {path.name} holds a {loaded[0]} export (detected from its "
            "content); pass format=None or the file you meant"
        )
    if isinstance(loaded[1], RefiProject):
        fmt, project = loaded
        result = _from_refi(project, unit=unit, inclusive=end == "inclusive")
    else:
        fmt, (header, rows, where, notes) = loaded
        if unit not in (None, "code_points"):
            raise ValueError(
                f"`position_unit` is {position_unit!r} but a {fmt} table has no source texts to "
                "convert positions with; give positions in code points or read the REFI-QDA export"
            )
        result = _from_table(fmt, header, rows, where, inclusive=end == "inclusive")
        result.info["warnings"] = notes + result.info["warnings"]
        if unit is not None:
            result.info["position_unit_decided"] = "forced"
    if coder is not None:
        result.segments["coder"] = pd.Series(coder, index=result.segments.index, dtype="str")
    result.info = {"format": fmt, "source": path.name, **result.info, "end": end}
    if result.info["warnings"]:
        _warnings.warn(
            f"{path.name}: {len(result.info['warnings'])} problem(s) while reading, first: "
            f"{result.info['warnings'][0]}; see .info['warnings']",
            UserWarning, stacklevel=2,
        )
    return result


# --------------------------------------------------------------------------- loading


def _load(path: Path, format, limits: ArchiveLimits):
    """Return (format, RefiProject) or (format, (header, rows, where, notes))."""
    if path.is_dir():
        projects = sorted(p for p in path.iterdir() if p.suffix.lower() == ".qde" and p.is_file())
        if len(projects) != 1:
            raise CodingsFormatError(
                f"{path.name}: a folder must hold exactly one .qde project, found {len(projects)}; "
                "pass the .qde or .qdpx file itself"
            )
        path = projects[0]
    with path.open("rb") as handle:
        head = handle.read(512)
    if zipfile.is_zipfile(path):
        with open_archive(path, limits) as archive:
            names = archive.namelist()
            qde = [n for n in names if n.lower().endswith(".qde")]
            if qde:
                return "qdpx", _read_qdpx(path, archive, qde, limits)
            if "xl/workbook.xml" not in names:
                raise CodingsFormatError(
                    f"{path.name}: a zip archive with neither a .qde project nor an Excel workbook "
                    f"(members: {', '.join(names[:5])}…); export a REFI-QDA project (.qdpx) or an XLSX table"
                )
        header, rows, where = _xlsx_rows(path)
        return _table(path, header, rows, where, format, [])
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"<") or head.startswith((b"\xff\xfe<", b"\xfe\xff\x00<")):
        size = path.stat().st_size
        if size > limits.max_bytes:
            raise CodingsFormatError(f"{path.name}: larger than {limits.max_bytes} bytes; raise `max_bytes`")
        check_xml_size(size, where=path.name, limits=limits)
        store = SourceStore(label=f"the folder of {path.name}", folder=path.parent, limits=limits)
        with path.open("rb") as handle:
            kind, project = stream_refi(handle, where=path.name, limits=limits, store=store)
        if project is None:
            raise CodingsFormatError(
                f"{path.name}: XML root element is <{kind}>, not a REFI-QDA <Project> or <CodeBook>; "
                "export a REFI-QDA project (.qdpx/.qde) or codebook (.qdc)"
            )
        return ("qde" if kind == "Project" else "qdc"), project
    header, rows, where, notes = _csv_rows(path, limits)
    return _table(path, header, rows, where, format, notes)


def _read_qdpx(path: Path, archive: zipfile.ZipFile, qde: list[str], limits) -> RefiProject:
    top = [n for n in qde if "/" not in n.strip("/")]
    candidates = top or qde
    if len(candidates) > 1:
        raise CodingsFormatError(
            f"{path.name}: holds several projects ({', '.join(candidates)}); a .qdpx has one .qde "
            "at its root - re-export the project"
        )
    member = candidates[0]
    where = f"{path.name}:{member}"
    size = archive.getinfo(member).file_size
    if size > limits.max_xml_bytes:  # refused before a byte is decompressed
        raise CodingsFormatError(
            f"{where}: the project XML unpacks to {size} bytes, more than the limit of {limits.max_xml_bytes} "
            "bytes; refused before parsing - raise `limits.max_xml_mb` in the study file (or pass `limits=` "
            "to read_codings) if the project is genuine"
        )
    store = SourceStore(label=path.name, archive=archive, limits=limits)
    info = archive.getinfo(member)
    try:
        handle = archive.open(info)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as err:
        raise CodingsFormatError(
            f"{path.name}: member {member!r} cannot be decompressed ({err}); re-export the project."
        ) from None
    with handle:  # parsed as it is decompressed: the XML is never held whole
        capped = CappedReader(handle, min(info.file_size, limits.max_bytes), where=path.name, member=member,
                              limit=limits.max_bytes)
        kind, project = stream_refi(capped, where=where, limits=limits, store=store)
    if kind != "Project":
        raise CodingsFormatError(f"{where}: root element is <{kind}>, expected <Project>")
    return project


def _table(path, header, rows, where, format, notes):
    fmt = format if format in _TABLE_FORMATS else _table_format(header)
    if fmt is None:
        raise CodingsFormatError(
            f"{where}: header {header!r} matches no known export. Expected REFI-QDA (.qdpx/.qde/.qdc), "
            "Taguette highlights (id, document, tag, content), a QualCoder coding report "
            "(File/case, Coder, Coded, Id, Codename), MAXQDA coded segments (Document name, Code, "
            "Segment) or a long table (document, case, code, start, end, text, coder)"
        )
    if _table_format(header, only=fmt) is None:
        raise CodingsFormatError(
            f"{where}: a {fmt} export needs the columns {', '.join(sorted(_REQUIRED[fmt]))} "
            f"(QualCoder: and File/case); the header is {header!r}. Rename the columns or pass format=None"
        )
    return fmt, (header, rows, where, notes)


def _norm(name) -> str:
    return " ".join(str(name if name is not None else "").replace("_", " ").split()).lower()


_REQUIRED = {
    "taguette": {"id", "document", "tag", "content"},
    "qualcoder": {"coder", "coded", "codename"},
    "maxqda": {"document name", "code", "segment"},
    "long": {"document", "code"},
}


def _table_format(header, only=None) -> str | None:
    """First tabular format (in order of specificity) whose columns the header has."""
    columns = {_norm(h) for h in header}
    for fmt, required in _REQUIRED.items():
        if only not in (None, fmt) or not required <= columns:
            continue
        if fmt == "qualcoder" and not columns & {"file/case", "file|case", "file", "case"}:
            continue
        return fmt
    return None


def _csv_rows(path: Path, limits: ArchiveLimits):
    if path.stat().st_size > limits.max_bytes:
        raise CodingsFormatError(f"{path.name}: larger than {limits.max_bytes} bytes; raise `max_bytes`")
    text, exact = decode_text(path.read_bytes())
    notes = [] if exact else [f"{path.name} is not UTF-8; decoded as cp1252"]
    first = text.split("\n", 1)[0]
    delimiter = max([",", ";", "\t"], key=first.count)
    rows = [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise CodingsFormatError(f"{path.name}: empty file; export the codings again")
    return rows[0], rows[1:], path.name, notes


def _xlsx_rows(path: Path):
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises many types for broken workbooks
        raise CodingsFormatError(f"{path.name}: cannot be read as an Excel workbook ({err})") from None
    try:
        seen = []
        for sheet in workbook.worksheets:
            rows = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
            rows = [row for row in rows if any(cell.strip() for cell in row)]
            if rows and _table_format(rows[0]):
                return rows[0], rows[1:], f"{path.name} sheet {sheet.title!r}"
            seen.append(f"{sheet.title!r}: {rows[0] if rows else 'empty'}")
    finally:
        workbook.close()
    raise CodingsFormatError(
        f"{path.name}: no sheet has a known header ({'; '.join(seen)}). Expected Taguette "
        "(id, document, tag, content), QualCoder (File/case, Coder, Coded, Id, Codename), MAXQDA "
        "(Document name, Code, Segment) or a long table (document, case, code, start, end, text, coder)"
    )


# --------------------------------------------------------------------------- tables


def _int_or_none(value: str, *, where: str, row: int, column: str) -> int | None:
    value = value.strip()
    if value == "":
        return None
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if not number.is_integer():
        raise CodingsFormatError(
            f"{where}: row {row}, column {column!r} is {value!r}; positions must be whole numbers "
            "(code points from 0) or empty"
        )
    return int(number)


def _table_records(fmt, header, rows, where):
    """Rows of a tabular export as dicts, plus notes about rows skipped."""
    index = {}
    for position, name in enumerate(header):
        index.setdefault(_norm(name), position)
    categories = [i for i, name in enumerate(header) if _norm(name) == "category"]

    def get(row, *names):
        for name in names:
            if name in index and index[name] < len(row):
                return row[index[name]].strip()
        return ""

    records, notes, skipped = [], [], 0
    for number, row in enumerate(rows, start=2):
        record = {"case": "", "start": None, "end": None}
        if fmt == "taguette":
            record.update(document=get(row, "document"), code=get(row, "tag"), text=get(row, "content"),
                          coder="")
            record["code_path"] = record["code"]
        elif fmt == "qualcoder":
            if get(row, "id").split(":")[0] in ("imid", "avid"):
                skipped += 1
                continue
            record.update(document=get(row, "file/case", "file|case", "file", "case"),
                          code=get(row, "codename"), text=get(row, "coded"), coder=get(row, "coder"))
            parents = [row[i].strip() for i in categories if i < len(row) and row[i].strip()]
            record["code_path"] = "/".join([*reversed(parents), record["code"]])
        elif fmt == "maxqda":
            parts = [p.strip() for p in get(row, "code").split("\\") if p.strip()]
            record.update(document=get(row, "document name"), code=parts[-1] if parts else "",
                          code_path="/".join(parts), text=get(row, "segment"),
                          coder=get(row, "created by", "author", "coder", "user"))
        else:
            record.update(document=get(row, "document"), case=get(row, "case"), code=get(row, "code"),
                          text=get(row, "text"), coder=get(row, "coder"))
            record["code_path"] = get(row, "code path", "path") or record["code"]
            for column in ("start", "end"):
                record[column] = _int_or_none(get(row, column), where=where, row=number, column=column)
        if not record["code"]:
            skipped += 1
            continue
        if not record["document"]:
            raise CodingsFormatError(
                f"{where}: row {number} has code {record['code']!r} but no document name; "
                "fill in the document column"
            )
        records.append(record)
    if skipped:
        notes.append(f"{where}: {skipped} row(s) without a code or coding non-text media skipped")
    return records, notes


def _from_table(fmt, header, rows, where, *, inclusive) -> Codings:
    records, notes = _table_records(fmt, header, rows, where)
    frame = pd.DataFrame.from_records(
        records, columns=["document", "case", "code", "code_path", "start", "end", "text", "coder"]
    )
    frame["case"] = frame["case"].where(frame["case"] != "", frame["document"])
    for column in ("start", "end"):
        frame[column] = pd.array(frame[column].tolist(), dtype="Int64")
    if inclusive:
        frame["end"] = frame["end"] + 1
    bad = frame[(frame["start"] < 0) | (frame["end"] < frame["start"])].index
    if len(bad):
        row = int(bad[0]) + 2
        raise CodingsFormatError(
            f"{where}: row {row} has start={frame.at[bad[0], 'start']}, end={frame.at[bad[0], 'end']}; "
            "start must be >= 0 and end >= start (end exclusive unless end='inclusive')"
        )
    segments, dropped = _finish_segments(frame)
    documents = segments.drop_duplicates("document")[["document", "case"]].reset_index(drop=True)
    documents["n_chars"] = pd.array([pd.NA] * len(documents), dtype="Int64")
    documents["text"] = pd.Series([pd.NA] * len(documents), dtype="str")
    documents["sets"] = pd.Series([""] * len(documents), dtype="str")
    codebook = _codebook_from_paths(segments)
    info = {
        "origin": {"taguette": "Taguette", "qualcoder": "QualCoder", "maxqda": "MAXQDA"}.get(fmt, ""),
        "position_unit": "code_points",
        "position_unit_decided": "spec default",
        "crlf_counted_as_one": False,
        "users": sorted(set(segments["coder"].dropna()) - {""}),
        "sets": [],
        "duplicates_dropped": dropped,
        "warnings": notes,
    }
    return Codings(segments, codebook, documents, info)


def _codebook_from_paths(segments: pd.DataFrame) -> pd.DataFrame:
    paths = []
    for path in segments["code_path"].dropna():
        parts = path.split("/")
        for depth in range(1, len(parts) + 1):
            prefix = "/".join(parts[:depth])
            if prefix not in paths:
                paths.append(prefix)
    records = [{
        "code": p.rsplit("/", 1)[-1], "path": p, "parent": p.rsplit("/", 1)[0] if "/" in p else None,
        "description": None, "color": None, "codable": True, "sets": "",
    } for p in paths]
    return _codebook_frame(records)


# --------------------------------------------------------------------------- REFI-QDA


def _colour(value: str | None) -> str | None:
    digits = (value or "").strip().lstrip("#")
    if re.fullmatch(r"[0-9A-Fa-f]{3}", digits):
        digits = "".join(c * 2 for c in digits)
    if re.fullmatch(r"[0-9A-Fa-f]{6}([0-9A-Fa-f]{2})?", digits):
        return "#" + digits[:6].lower()
    return None


def _codebook_frame(records: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(
        records, columns=["code", "path", "parent", "description", "color", "codable", "sets"]
    )
    for column in ("code", "path", "parent", "description", "color", "sets"):
        frame[column] = frame[column].astype("str")
    frame["codable"] = frame["codable"].astype(bool)
    return frame


def _from_refi(project: RefiProject, *, unit, inclusive) -> Codings:
    warnings = list(project.warnings)
    code_sets: dict[str, list[str]] = {}
    source_sets: dict[str, list[str]] = {}
    for item in project.sets:
        for guid in item["codes"]:
            code_sets.setdefault(guid, []).append(item["name"])
        for guid in item["sources"]:
            source_sets.setdefault(guid, []).append(item["name"])
    codes_by_guid = {}
    records = []
    for code in project.codes:
        colour = _colour(code["color"])
        if code["color"] and colour is None:
            warnings.append(f"code {code['path']!r}: colour {code['color']!r} is not #rrggbb[aa]; dropped")
        records.append({**code, "color": colour, "sets": ";".join(code_sets.get(code["guid"], []))})
        if code["guid"]:
            codes_by_guid[code["guid"]] = code
    codebook = _codebook_frame(records)

    names = _unique_names([s.name for s in project.sources], warnings)
    reading, decided, mapped = _positions(project, names, unit=unit, inclusive=inclusive, warnings=warnings)

    columns = {column: [] for column in ("document", "case", "code", "code_path", "start", "end", "text", "coder")}
    documents_, cases_, codes_, paths_, starts_, ends_, texts_, coders_ = columns.values()
    doc_rows = []
    for source, name in zip(project.sources, names):
        case = project.cases.get(source.guid, name)
        text = source.text
        doc_rows.append({"document": name, "case": case,
                         "n_chars": None if text is None else len(text),
                         "text": text, "sets": ";".join(source_sets.get(source.guid, []))})
        starts, ends, keep = mapped.pop(name)
        unknown = 0
        for code_guid, coder, start, stop, kept in zip(source.code_guids, source.coders, starts, ends, keep):
            if not kept:
                continue
            code = codes_by_guid.get(code_guid)
            if code is None:
                unknown += 1
                continue
            documents_.append(name)
            cases_.append(case)
            codes_.append(code["code"])
            paths_.append(code["path"])
            starts_.append(start)
            ends_.append(stop)
            texts_.append(None if text is None else text[start:stop])
            coders_.append(coder)
        if unknown:
            warnings.append(f"document {name!r}: {unknown} coding(s) refer to codes not in the codebook; skipped")

    del documents_, cases_, codes_, paths_, starts_, ends_, texts_, coders_
    for column, values in columns.items():
        columns[column] = pd.array(values, dtype="Int64") if column in ("start", "end") else _str_array(values)
    segments, dropped = _finish_segments(pd.DataFrame(columns))
    del columns
    documents = pd.DataFrame({
        column: _str_array([row[column] for row in doc_rows]) for column in ("document", "case", "text", "sets")
    })
    documents.insert(2, "n_chars", pd.array([row["n_chars"] for row in doc_rows], dtype="Int64"))
    del doc_rows
    info = {
        "origin": project.origin,
        "position_unit": reading[0],
        "position_unit_decided": decided,
        "crlf_counted_as_one": reading[1],
        "users": list(project.users.values()),
        "sets": [item["name"] for item in project.sets],
        "duplicates_dropped": dropped,
        "warnings": warnings,
    }
    return Codings(segments, codebook, documents, info)


_STR = pd.Series([], dtype="str").dtype


def _str_array(values: list):
    """A list of str and None as the ``str`` dtype (None → NA), as ``astype("str")`` gives it.

    With pyarrow storage (pandas >= 3 with pyarrow) the array is built by
    pyarrow directly, several times faster for long texts than pandas' generic
    conversion, with the same result.
    """
    if getattr(_STR, "storage", None) == "pyarrow":
        import pyarrow as pa

        return pd.array(pa.array(values, type=pa.large_string()), dtype=_STR)
    return pd.Series(values, dtype=object).astype("str").array


def _unique_names(names: list[str], warnings: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    unique = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:
            warnings.append(f"two documents are named {name!r}; the later one is called {name} ({seen[name]})")
            name = f"{name} ({seen[name]})"
        unique.append(name)
    return unique


def _finish_segments(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Drop repeated spans, order the columns, set dtypes."""
    for column in ("document", "case", "code", "code_path", "text", "coder"):
        frame[column] = frame[column].astype("str")
    keys = ["document", "start", "end", "code_path", "coder"]
    repeated = frame.duplicated(subset=keys) & frame["start"].notna()
    frame = frame.loc[~repeated].reset_index(drop=True)
    frame["group"] = pd.Series([pd.NA] * len(frame), dtype="str")
    return frame[_SEGMENT_COLUMNS], int(repeated.sum())


# --------------------------------------------------------------------------- positions


def _offset_table(text: str, unit: str, crlf_one: bool, points: np.ndarray | None = None) -> np.ndarray:
    """Tool offset at every code-point boundary of ``text`` (length len(text) + 1)."""
    if points is None:
        points = _code_points(text)
    if unit == "utf16":
        widths = 1 + (points > 0xFFFF).astype(np.int64)
    elif unit == "utf8":
        widths = 1 + (points >= 0x80).astype(np.int64) + (points >= 0x800) + (points >= 0x10000)
    else:
        widths = np.ones(len(points), dtype=np.int64)
    if crlf_one and len(points) > 1:
        carriage = np.flatnonzero((points[:-1] == 13) & (points[1:] == 10))
        widths[carriage] = 0
    return np.concatenate(([0], np.cumsum(widths)))


def _code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype="<u4")


class _Tables:
    """The offset tables of one text, each computed once.

    Readings whose tables are equal for this text (UTF-16 and code points
    without characters outside the BMP, UTF-8 and code points for ASCII, CRLF
    as one or two without CRLF) share one table, named by :meth:`key`. Tables
    without CRLF counted as one are read off the text's own encoding (the
    offset of a character is where its first code unit starts), which equals
    :func:`_offset_table` and is faster.
    """

    def __init__(self, text: str):
        self.text = text
        self.points = _code_points(text)
        self.astral = bool(len(self.points)) and bool(self.points.max() > 0xFFFF)
        self.ascii = text.isascii()
        self.crlf = "\r\n" in text

    def key(self, reading: tuple[str, bool]) -> tuple[str, bool]:
        unit, crlf_one = reading
        if (unit == "utf16" and not self.astral) or (unit == "utf8" and self.ascii):
            unit = "code_points"
        return unit, crlf_one and self.crlf

    def table(self, key: tuple[str, bool]) -> np.ndarray:
        unit, crlf_one = key
        if crlf_one:
            return _offset_table(self.text, unit, True, points=self.points)
        if unit == "code_points":
            return np.arange(len(self.points) + 1, dtype=np.int64)
        if unit == "utf16":
            units = np.frombuffer(self.text.encode("utf-16-le"), dtype="<u2")
            first = (units & 0xFC00) != 0xDC00  # not the low half of a surrogate pair
        else:
            units = np.frombuffer(self.text.encode("utf-8"), dtype=np.uint8)
            first = (units & 0xC0) != 0x80  # not a continuation byte
        return np.append(np.flatnonzero(first), len(units)).astype(np.int64, copy=False)


def _to_code_points(table: np.ndarray, starts: np.ndarray, ends: np.ndarray, inclusive: bool):
    """Map tool offsets to code points; return (starts, ends, valid)."""
    last = len(table) - 1
    total = table[-1]
    s = np.searchsorted(table, starts, side="left")
    s_exact = (starts >= 0) & (starts <= total) & (table[np.minimum(s, last)] == starts)
    s = np.where(s_exact, s, s - 1)  # inside a character: snap to its start
    if inclusive:
        e = np.searchsorted(table, ends, side="right")  # past the character holding `end`
        e_ok = (ends >= 0) & (ends < total)
    else:
        e = np.searchsorted(table, ends, side="left")  # inside a character: snap to its end
        e_ok = (ends >= 0) & (ends <= total) & (table[np.minimum(e, last)] == ends)
    s = np.clip(s, 0, last)
    e = np.clip(e, 0, last)
    valid = s_exact & e_ok & (ends >= starts)
    return s, np.maximum(e, s), valid


def _squash(text: str) -> str:
    return " ".join(text.split())


def _name_matches(text: str, names, s, e) -> int:
    """How many selection names equal the selected text (or, abbreviated with "...", start it)."""
    hits = 0
    for name, start, stop in zip(names, s.tolist(), e.tolist()):
        if len(name) < 3:
            continue
        selected = text[start:stop].lstrip()
        abbreviated = name.endswith(("...", "…")) and len(name) > 12
        if not selected or selected[0] != name[0]:
            # the squashed selection starts with selected[0]: it can neither equal the name nor
            # start its abbreviated part, unless that part is empty
            hits += abbreviated and not name.rstrip(".…").rstrip()
            continue
        selected = _squash(selected)
        if name == selected:
            hits += 1
        elif abbreviated:
            hits += selected.startswith(name.rstrip(".…").rstrip())
    return hits


def _boundaries(points: np.ndarray, positions: np.ndarray) -> int:
    """How many positions fall between words: at either end, or not between two letters/digits."""
    n = len(points)
    inside = positions[(positions > 0) & (positions < n)]
    if not len(inside):
        return len(positions)
    left, right = points[inside - 1], points[inside]
    values = np.unique(np.concatenate([left, right]))
    alnum = np.array([chr(v).isalnum() for v in values.tolist()], dtype=bool)
    within = alnum[np.searchsorted(values, left)] & alnum[np.searchsorted(values, right)]
    return len(positions) - int(within.sum())


def _positions(project: RefiProject, names, *, unit, inclusive, warnings):
    """Choose the reading of positions and map every selection to code points."""
    units = (unit,) if unit else POSITION_UNITS
    readings = [(u, crlf) for crlf in (False, True) for u in units]
    spans = {}
    for source, name in zip(project.sources, names):
        starts = np.array(source.starts, dtype=np.int64)
        ends = np.array(source.ends, dtype=np.int64)
        spans[name] = (source, starts, ends)

    # score = (-offsets inside a character or beyond the text, names matched, word boundaries), summed
    # over the documents; the later figures are computed only for the readings still tied on the
    # earlier ones (the others cannot come out best, nor tie with the best)
    scores = {reading: [0, 0, 0] for reading in readings}
    mappings = {reading: [] for reading in readings}  # readings that map alike are one
    evidence = False
    read = {}  # document -> (key of each reading, {key: (starts, ends, valid, total)}, {key: unique spans})
    for name, (source, starts, ends) in spans.items():
        if source.text is None or not len(starts):
            continue
        evidence = True
        # each distinct span once (at its last appearance, so with the last name given to it)
        last = dict(zip(zip(source.starts, source.ends), range(len(starts))))
        u_idx = np.fromiter(last.values(), dtype=np.int64, count=len(last))
        tables = _Tables(source.text)  # tables are not kept: 8 bytes a character each
        keys = {reading: tables.key(reading) for reading in readings}
        results, unique = {}, {}
        for key in dict.fromkeys(keys.values()):
            table = tables.table(key)
            s, e, valid = _to_code_points(table, starts, ends, inclusive)
            results[key] = (s, e, valid, table[-1])
            unique[key] = (s[u_idx], e[u_idx], int((~valid[u_idx]).sum()))
        for reading in readings:
            u_s, u_e, invalid = unique[keys[reading]]
            mappings[reading].append(u_s.tobytes() + u_e.tobytes())
            scores[reading][0] -= invalid
        read[name] = (keys, results, unique, last)
    distinct = list({tuple(mappings[r]): r for r in reversed(readings)}.values())[::-1]
    for criterion in (1, 2):
        top = max(scores[r][:criterion] for r in distinct)
        contenders = [r for r in distinct if scores[r][:criterion] == top]
        if len(contenders) < 2:
            break
        for name, (keys, _results, unique, last) in read.items():
            source = spans[name][0]
            figures = {}
            if criterion == 1:
                u_names = [_squash(source.names[i]) for i in last.values()]
            else:
                points = _code_points(source.text)
            for reading in contenders:
                key = keys[reading]
                if key not in figures:
                    u_s, u_e, _invalid = unique[key]
                    figures[key] = (_name_matches(source.text, u_names, u_s, u_e) if criterion == 1
                                    else _boundaries(points, np.concatenate([u_s, u_e])))
                scores[reading][criterion] += figures[key]
    best = max(distinct, key=lambda r: (*scores[r], -readings.index(r)))
    rivals = [r for r in distinct if r != best and scores[r] == scores[best]]
    if unit:
        decided = "forced"
    elif evidence and len(distinct) > 1 and not rivals:
        decided = "detected"
    else:
        decided = "spec default"
        if rivals:
            warnings.append(
                f"positions fit {best[0]} and {rivals[0][0]} equally well; read as {best[0]} - "
                "pass position_unit= if the tool counted otherwise"
            )
    if not evidence and any(len(v[1]) for v in spans.values()):
        warnings.append("no source text could be read, so positions are taken as code points unchecked")

    mapped = {}
    for name, (source, starts, ends) in spans.items():
        impossible = (starts < 0) | (ends < starts)
        if source.text is None:
            e = ends + 1 if inclusive else ends
        elif not len(starts):
            e = ends
        else:
            keys, results, _unique, _last = read.pop(name)
            s, e, valid, total = results[keys[best]]
            impossible |= (starts > total) | (ends > (total - 1 if inclusive else total))
            snapped = ~valid & ~impossible
            if snapped.any():
                warnings.append(
                    f"document {name!r}: {int(snapped.sum())} selection(s) fall inside a character when read "
                    f"as {best[0]}; snapped to the nearest characters - check the position unit"
                )
            starts = s
        if impossible.any():
            first = int(np.flatnonzero(impossible)[0])
            warnings.append(
                f"document {name!r}: {int(impossible.sum())} selection(s) start after they end or lie beyond "
                f"the end of the text (first: start {source.starts[first]}, end "
                f"{source.ends[first]}); dropped, not kept as empty segments - re-export the "
                "project or check the source file"
            )
        mapped[name] = (starts.tolist(), e.tolist(), (~impossible).tolist())
    return best, decided, mapped
