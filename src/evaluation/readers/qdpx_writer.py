"""Write coded interview text as a REFI-QDA project (``.qdpx``).

The writer is the mirror of :func:`evaluation.read_codings`: it turns the tidy
``segments`` table (plus the document texts) into a QDA-XML 1.0 project that
ATLAS.ti, MAXQDA, NVivo, QualCoder and this package can open. It is used by the
synthetic example study and by tests; it never writes machine paths
(no ``basePath``) and its output is byte-for-byte reproducible.
:func:`write_qdc` writes a codebook alone as a REFI-QDA codebook (``.qdc``).
"""
from __future__ import annotations

import io
import uuid
import zipfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
from lxml import etree

__all__ = ["write_qdpx", "write_qdc", "write_reproducible_zip"]

NAMESPACE = "urn:QDA-XML:project:1.0"
CODEBOOK_NAMESPACE = "urn:QDA-XML:codebook:1.0"
# Fixed namespace for name-based (uuid5) GUIDs: the same names give the same GUIDs.
_GUID_NAMESPACE = uuid.UUID("6f1c2d3e-8b4a-5c6d-9e0f-a1b2c3d4e5f6")
# Zip timestamps are fixed so that the same input gives the same bytes.
_ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)

_SEGMENT_COLUMNS = ("document", "code", "start", "end", "coder")


def _guid(kind: str, *names: object) -> str:
    return str(uuid.uuid5(_GUID_NAMESPACE, "\x1f".join([kind, *map(str, names)])))


def write_reproducible_zip(path, members: Iterable[tuple[str, bytes]]) -> Path:
    """Write ``(name, bytes)`` members to a zip file with fixed timestamps.

    Parameters
    ----------
    path : str or pathlib.Path
        Zip file to create (parent folders are created).
    members : iterable of (str, bytes)
        Archive member names and contents, written in the given order.

    Returns
    -------
    pathlib.Path
        The path written.

    Notes
    -----
    Every member gets the timestamp 1980-01-01 00:00 and mode 0644, so the
    archive depends only on its contents (as in reproducible builds).

    Examples
    --------
    >>> import tempfile, zipfile
    >>> p = write_reproducible_zip(tempfile.mkdtemp() + "/a.zip", [("a.txt", b"hi")])
    >>> zipfile.ZipFile(p).read("a.txt")
    b'hi'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    path.write_bytes(buffer.getvalue())
    return path


def _require_columns(frame, name: str, columns: Iterable[str]) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"`{name}` must be a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(
            f"`{name}` lacks column(s) {missing}; found {list(frame.columns)}. "
            f"Rename or add the column(s)."
        )
    return frame


def _check_documents(documents: pd.DataFrame) -> dict[str, str]:
    _require_columns(documents, "documents", ("document", "text"))
    names = documents["document"].astype(str)
    duplicated = names[names.duplicated()].unique().tolist()
    if duplicated:
        raise ValueError(f"`documents` lists document(s) {duplicated} more than once; give each document one row")
    not_text = [d for d, t in zip(names, documents["text"]) if not isinstance(t, str)]
    if not_text:
        raise TypeError(f"`documents.text` must hold strings; document(s) {not_text[:5]} do not")
    return dict(zip(names, documents["text"]))


def _check_segments(segments: pd.DataFrame, texts: dict[str, str]) -> pd.DataFrame:
    _require_columns(segments, "segments", _SEGMENT_COLUMNS)
    seg = segments.reset_index(drop=True)
    unknown = sorted(set(seg["document"].astype(str)) - set(texts))
    if unknown:
        raise ValueError(
            f"`segments.document` names document(s) {unknown[:5]} that are not in `documents`; "
            "add their text to `documents`"
        )
    for col in ("start", "end"):
        values = pd.to_numeric(seg[col], errors="coerce")
        if values.isna().any() or (values != np.floor(values)).any():
            raise ValueError(f"`segments.{col}` must hold whole numbers (code points); found {seg[col].tolist()[:5]}")
    seg = seg.assign(
        document=seg["document"].astype(str),
        code=seg["code"].astype(str),
        coder=seg["coder"].astype(str),
        start=seg["start"].astype("int64"),
        end=seg["end"].astype("int64"),
    )
    lengths = seg["document"].map(lambda d: len(texts[d]))
    bad = seg[(seg["start"] < 0) | (seg["end"] <= seg["start"]) | (seg["end"] > lengths)]
    if len(bad):
        row = bad.iloc[0]
        raise ValueError(
            f"`segments` has {len(bad)} row(s) with positions outside their document, e.g. row {bad.index[0]}: "
            f"document {row['document']!r} start={row['start']} end={row['end']} (length {len(texts[row['document']])}); "
            "positions are Unicode code points from 0 with end exclusive and start < end"
        )
    if "text" in seg.columns:
        actual = [texts[d][s:e] for d, s, e in zip(seg["document"], seg["start"], seg["end"])]
        wrong = [i for i, (t, a) in enumerate(zip(seg["text"], actual)) if isinstance(t, str) and t != a]
        if wrong:
            i = wrong[0]
            raise ValueError(
                f"`segments.text` differs from the document text at {len(wrong)} row(s), e.g. row {i}: "
                f"{seg['text'][i]!r} vs {actual[i]!r}; check that start/end count code points with end exclusive"
            )
    key = ["document", "start", "end", "coder", "code"]
    dup = seg[seg.duplicated(key)]
    if len(dup):
        raise ValueError(
            f"`segments` repeats {len(dup)} coding(s) (same document, start, end, coder and code), "
            f"e.g. {dup.iloc[0][key].tolist()}; drop the duplicates"
        )
    return seg


def _check_codebook(codebook: pd.DataFrame | None, seg: pd.DataFrame) -> pd.DataFrame:
    if codebook is None:
        codes = list(dict.fromkeys(seg["code"]))
        return pd.DataFrame({"code": codes, "parent": [None] * len(codes), "description": None, "color": None})
    _require_columns(codebook, "codebook", ("code",))
    book = codebook.reset_index(drop=True)
    for col in ("parent", "description", "color"):
        if col not in book.columns:
            book[col] = None
    book = book.assign(code=book["code"].astype(str))
    duplicated = book.loc[book["code"].duplicated(), "code"].tolist()
    if duplicated:
        raise ValueError(f"`codebook` lists code(s) {duplicated} more than once; code names must be unique")
    names = set(book["code"])
    parents = {c: (None if pd.isna(p) or p == "" else str(p)) for c, p in zip(book["code"], book["parent"])}
    orphans = sorted({p for p in parents.values() if p is not None} - names)
    if orphans:
        raise ValueError(f"`codebook.parent` names code(s) {orphans} that are not in `codebook.code`; add them as codes")
    for code in parents:
        seen, node = {code}, parents[code]
        while node is not None:
            if node in seen:
                raise ValueError(f"`codebook.parent` forms a cycle through code {code!r}; make the hierarchy a tree")
            seen.add(node)
            node = parents[node]
    colors = book["color"].dropna().astype(str)
    bad_colors = colors[~colors.str.fullmatch(r"#([0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})")].tolist()
    if bad_colors:
        raise ValueError(f"`codebook.color` must be '#RRGGBB'; found {bad_colors[:5]}")
    unknown = sorted(set(seg["code"]) - names)
    if unknown:
        raise ValueError(f"`segments.code` uses code(s) {unknown[:5]} that are not in `codebook`; add them to `codebook`")
    return book.assign(parent=pd.Series([parents[c] for c in book["code"]], dtype=object))


def _add_codes(codes_el, book: pd.DataFrame, code_guid: dict[str, str], ns: str) -> None:
    """Append ``<Code>`` elements for a checked codebook: parents before children, otherwise in order."""
    elements: dict[str, etree._Element] = {}

    def add_code(row) -> None:
        parent = codes_el if row.parent is None else elements[row.parent]
        attrs = {"guid": code_guid[row.code], "name": row.code, "isCodable": "true"}
        if isinstance(row.color, str):
            attrs["color"] = row.color
        el = etree.SubElement(parent, ns + "Code", **attrs)
        if isinstance(row.description, str) and row.description:
            etree.SubElement(el, ns + "Description").text = row.description
        elements[row.code] = el

    pending = list(book.itertuples(index=False))
    while pending:
        ready = [r for r in pending if r.parent is None or r.parent in elements]
        for row in ready:
            add_code(row)
        pending = [r for r in pending if r.code not in elements]


def write_qdc(path, codebook: pd.DataFrame, *, sets: dict[str, Iterable[str]] | None = None,
              name: str | None = None) -> Path:
    """Write a codebook as a REFI-QDA codebook file (``.qdc``).

    Parameters
    ----------
    path : str or pathlib.Path
        File to create (parent folders are created; an existing file is replaced).
    codebook : pandas.DataFrame
        ``code`` (unique names) and optional ``parent`` (name of the parent
        code; empty for top level), ``description`` and ``color`` ('#RRGGBB').
    sets : dict of str to list of str, optional
        Code sets (code groups): set name -> the codes it holds.
    name : str, optional
        Recorded in the ``origin`` attribute next to the package name.

    Returns
    -------
    pathlib.Path
        The file written: ``<CodeBook>`` in namespace ``urn:QDA-XML:codebook:1.0``
        with ``<Codes>`` and (when ``sets`` holds any) ``<Sets>``, valid against the
        REFI-QDA codebook schema. GUIDs are name-based, as in :func:`write_qdpx`, so
        a code has the same GUID in both files and equal input gives equal bytes.

    References
    ----------
    REFI-QDA Standard, Codebook Exchange 1.0 (section 5.2), https://www.qdasoftware.org/

    Examples
    --------
    >>> import tempfile
    >>> book = pd.DataFrame({"code": ["Themes", "Trust"], "parent": [None, "Themes"]})
    >>> p = write_qdc(tempfile.mkdtemp() + "/codes.qdc", book, sets={"set 1": ["Trust"]})
    >>> p.read_bytes().count(b"<Code ")
    2
    """
    path = Path(path)
    book = _check_codebook(codebook, pd.DataFrame({"code": pd.Series([], dtype=str)}))
    if book.empty:
        raise ValueError("`codebook` holds no codes; a REFI-QDA codebook needs at least one code")
    code_guid = {c: _guid("code", c) for c in book["code"]}
    ns = "{%s}" % CODEBOOK_NAMESPACE
    root = etree.Element(ns + "CodeBook", nsmap={None: CODEBOOK_NAMESPACE})
    root.set("origin", "evaluation (Python package)" + (f": {name}" if name else ""))
    _add_codes(etree.SubElement(root, ns + "Codes"), book, code_guid, ns)
    if sets:
        sets_el = etree.SubElement(root, ns + "Sets")
        for set_name, members in sets.items():
            members = [str(m) for m in members]
            unknown = sorted(set(members) - set(code_guid))
            if unknown:
                raise ValueError(f"set {set_name!r} names code(s) {unknown[:5]} that are not in `codebook`")
            set_el = etree.SubElement(sets_el, ns + "Set", guid=_guid("set", set_name), name=str(set_name))
            for member in dict.fromkeys(members):
                etree.SubElement(set_el, ns + "MemberCode", guid=code_guid[member])
    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True, standalone=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(xml)
    return path


def _case_links(documents: pd.DataFrame, seg: pd.DataFrame, cases: pd.DataFrame | None) -> dict[str, list[str]]:
    """Map each case to the documents it holds (order of first appearance)."""
    pairs: list[tuple[str, str]] = []
    if "case" in documents.columns:
        pairs += [(str(c), str(d)) for d, c in zip(documents["document"], documents["case"]) if pd.notna(c)]
    if "case" in seg.columns:
        pairs += [(str(c), d) for d, c in zip(seg["document"], seg["case"]) if pd.notna(c)]
    links: dict[str, list[str]] = {}
    if cases is not None:
        for case in cases["case"].astype(str):
            links.setdefault(case, [])
    for case, document in pairs:
        if cases is not None and case not in links:
            raise ValueError(f"case {case!r} (of document {document!r}) is not in `cases`; add a row for it")
        docs = links.setdefault(case, [])
        if document not in docs:
            docs.append(document)
    return links


def _variable_type(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series):
        return "Boolean"
    if pd.api.types.is_integer_dtype(series):
        return "Integer"
    if pd.api.types.is_float_dtype(series):
        return "Float"
    return "Text"


def _variable_text(value, kind: str) -> str:
    if kind == "Boolean":
        return "true" if value else "false"
    if kind == "Integer":
        return str(int(value))
    return str(value)


def write_qdpx(
    path,
    segments: pd.DataFrame,
    *,
    documents: pd.DataFrame,
    codebook: pd.DataFrame | None = None,
    users: Iterable[str] | None = None,
    cases: pd.DataFrame | None = None,
    name: str | None = None,
) -> Path:
    """Write coded text segments as a REFI-QDA project archive (``.qdpx``).

    Parameters
    ----------
    path : str or pathlib.Path
        Archive to create (parent folders are created; an existing file is replaced).
    segments : pandas.DataFrame
        One row per coding: ``document``, ``code``, ``start``, ``end``, ``coder``;
        optional ``case`` (links the document to a case) and ``text`` (checked
        against the document text). Positions are Unicode code points from 0,
        ``end`` exclusive. Rows with the same document, start, end and coder
        become one selection with several codings.
    documents : pandas.DataFrame
        ``document`` (unique name) and ``text`` (str); optional ``case``.
    codebook : pandas.DataFrame, optional
        ``code`` and optional ``parent`` (name of the parent code; empty for
        top level), ``description`` and ``color`` ('#RRGGBB'). Every code used in
        ``segments`` must appear. Default: a flat codebook of the codes used.
    users : iterable of str, optional
        Coder names, in order. Default: the sorted coders of ``segments``.
    cases : pandas.DataFrame, optional
        ``case`` plus any variable columns (bool → Boolean, int → Integer,
        float → Float, other → Text; missing values are left out). Default:
        the cases named in ``documents.case`` / ``segments.case``, without
        variables.
    name : str, optional
        Project name; default the file name without suffix.

    Returns
    -------
    pathlib.Path
        The archive written. It holds ``project.qde`` (namespace
        ``urn:QDA-XML:project:1.0``, valid against the QDA-XML 1.0 schema) and
        ``sources/<guid>.txt`` (UTF-8, no BOM) per document.

    Notes
    -----
    GUIDs are name-based (UUID version 5 of kind and names) and zip timestamps
    are fixed, so equal input gives a byte-identical archive. ``endPosition`` is
    written exclusive (one past the last character), as ATLAS.ti, MAXQDA, NVivo
    and QualCoder do, and the selected text is stored in the selection's
    ``name``. No ``basePath`` or other machine path is written.

    References
    ----------
    REFI-QDA Standard, QDA-XML 1.0 project schema (Project-mrt2019.xsd),
    https://www.qdasoftware.org/

    Examples
    --------
    >>> import tempfile, zipfile
    >>> docs = pd.DataFrame({"document": ["d1"], "text": ["Wij zijn één straat."], "case": ["c1"]})
    >>> segs = pd.DataFrame({"document": ["d1"], "code": ["Sociale samenhang"],
    ...                      "start": [9], "end": [19], "coder": ["codeur-1"]})
    >>> p = write_qdpx(tempfile.mkdtemp() + "/demo.qdpx", segs, documents=docs)
    >>> sorted(n.split("/")[0] for n in zipfile.ZipFile(p).namelist())
    ['project.qde', 'sources']
    """
    path = Path(path)
    texts = _check_documents(documents)
    seg = _check_segments(segments, texts)
    book = _check_codebook(codebook, seg)
    if cases is not None:
        _require_columns(cases, "cases", ("case",))
        if cases["case"].astype(str).duplicated().any():
            raise ValueError("`cases.case` has duplicate names; give each case one row")
    links = _case_links(documents, seg, cases)
    coders = sorted(set(seg["coder"])) if users is None else [str(u) for u in users]
    missing_users = sorted(set(seg["coder"]) - set(coders))
    if missing_users:
        raise ValueError(f"`users` lacks coder(s) {missing_users} found in `segments.coder`; add them")

    ns = "{%s}" % NAMESPACE
    project = etree.Element(ns + "Project", nsmap={None: NAMESPACE})
    project.set("name", name or path.stem)
    project.set("origin", "evaluation (Python package)")
    user_guid = {u: _guid("user", u) for u in coders}

    users_el = etree.SubElement(project, ns + "Users")
    for user in coders:
        etree.SubElement(users_el, ns + "User", guid=user_guid[user], name=user)

    code_guid = {c: _guid("code", c) for c in book["code"]}
    codebook_el = etree.SubElement(etree.SubElement(project, ns + "CodeBook"), ns + "Codes")
    _add_codes(codebook_el, book, code_guid, ns)

    variables = [c for c in cases.columns if c != "case"] if cases is not None else []
    kinds = {v: _variable_type(cases[v]) for v in variables}
    if variables:
        variables_el = etree.SubElement(project, ns + "Variables")
        for v in variables:
            etree.SubElement(variables_el, ns + "Variable", guid=_guid("variable", v), name=str(v), typeOfVariable=kinds[v])

    doc_guid = {d: _guid("source", d) for d in texts}
    if links:
        cases_el = etree.SubElement(project, ns + "Cases")
        values = cases.set_index(cases["case"].astype(str)) if cases is not None else None
        for case, docs in links.items():
            case_el = etree.SubElement(cases_el, ns + "Case", guid=_guid("case", case), name=case)
            for v in variables:
                value = values.at[case, v]
                if pd.isna(value):
                    continue
                vv = etree.SubElement(case_el, ns + "VariableValue")
                etree.SubElement(vv, ns + "VariableRef", targetGUID=_guid("variable", v))
                etree.SubElement(vv, ns + f"{kinds[v]}Value").text = _variable_text(value, kinds[v])
            for document in docs:
                etree.SubElement(case_el, ns + "SourceRef", targetGUID=doc_guid[document])

    sources_el = etree.SubElement(project, ns + "Sources")
    ordered = seg.sort_values(["document", "start", "end", "coder"], kind="stable")
    by_document = dict(list(ordered.groupby("document", sort=False)))
    for document, text in texts.items():
        guid = doc_guid[document]
        source = etree.SubElement(
            sources_el, ns + "TextSource", guid=guid, name=document, plainTextPath=f"internal://{guid}.txt"
        )
        rows = by_document.get(document)
        if rows is None:
            continue
        for (start, end, coder), group in rows.groupby(["start", "end", "coder"], sort=False):
            selection = etree.SubElement(
                source,
                ns + "PlainTextSelection",
                guid=_guid("selection", document, start, end, coder),
                name=text[start:end],
                startPosition=str(start),
                endPosition=str(end),
                creatingUser=user_guid[coder],
            )
            for code in group["code"]:
                coding = etree.SubElement(
                    selection,
                    ns + "Coding",
                    guid=_guid("coding", document, start, end, coder, code),
                    creatingUser=user_guid[coder],
                )
                etree.SubElement(coding, ns + "CodeRef", targetGUID=code_guid[code])

    xml = etree.tostring(project, xml_declaration=True, encoding="UTF-8", pretty_print=True, standalone=True)
    members = [("project.qde", xml)]
    members += [(f"sources/{doc_guid[d]}.txt", t.encode("utf-8")) for d, t in texts.items()]
    return write_reproducible_zip(path, members)
