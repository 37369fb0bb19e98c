"""Safe reading of REFI-QDA exchange files (QDA-XML 1.0).

This module turns a ``.qdpx`` archive, a ``.qde`` project or a ``.qdc`` codebook
into plain Python records (:class:`RefiProject`); :mod:`evaluation.readers.codings`
turns those into tidy tables. Every input is treated as untrusted:

* XML is parsed with :mod:`defusedxml` and any DTD is refused, so entity
  expansion ("billion laughs") and external entities cannot run;
* zip members with absolute paths or ``..`` components are refused, as are
  archives whose uncompressed size or compression ratio exceeds
  :class:`ArchiveLimits`; members are read in memory, nothing is extracted;
* source references (``internal://``, ``relative:///``, ``absolute:///`` or a
  bare file name) are only resolved inside the archive or the project folder.

Elements are matched by local name, so every namespace variant
(``urn:QDA-XML:project:1.0``, ``urn:QDA-XML:codebook:0:4``, none) reads alike.
"""
from __future__ import annotations

import codecs
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as safe_et


class CodingsFormatError(ValueError):
    """An interview-codings export that cannot be read safely or sensibly.

    The message names the file, the member, element or row at fault, and the fix.
    """


@dataclass(frozen=True)
class ArchiveLimits:
    """Bounds that refuse decompression bombs.

    Attributes
    ----------
    max_bytes : int
        Largest total uncompressed size of an archive (and of one source file), bytes.
    max_ratio : float
        Largest uncompressed/compressed ratio of one member larger than ``min_ratio_bytes``.
    min_ratio_bytes : int
        Members smaller than this are not ratio-checked (tiny files compress well).
    max_xml_bytes : int
        Largest XML document (``.qde``, ``.qdc``) parsed into memory, bytes.
    max_elements : int
        Largest number of XML elements in one document.
    max_depth : int
        Deepest nesting of XML elements (codes nest; a deeper tree is refused).
    """

    max_bytes: int = 1 << 30
    max_ratio: float = 100.0
    min_ratio_bytes: int = 1 << 20
    max_xml_bytes: int = 64 << 20
    max_elements: int = 2_000_000
    max_depth: int = 100


@dataclass
class RefiSelection:
    """One coding of a ``PlainTextSelection``; positions as written by the tool."""

    start: int
    end: int
    name: str
    code_guid: str
    coder: str


@dataclass
class RefiSource:
    """One ``TextSource``: its name, decoded text (None when missing) and codings."""

    guid: str
    name: str
    text: str | None
    selections: list[RefiSelection] = field(default_factory=list)


@dataclass
class RefiProject:
    """Everything read from one REFI-QDA project or codebook."""

    kind: str  # "project" or "codebook"
    origin: str
    users: dict[str, str] = field(default_factory=dict)
    codes: list[dict] = field(default_factory=list)
    sets: list[dict] = field(default_factory=list)
    cases: dict[str, str] = field(default_factory=dict)
    sources: list[RefiSource] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def local_name(element: Element) -> str:
    """Tag of ``element`` without its namespace (``{urn:…}Code`` → ``Code``)."""
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(element: Element | None, name: str) -> list[Element]:
    if element is None:
        return []
    return [child for child in element if local_name(child) == name]


def _child(element: Element | None, name: str) -> Element | None:
    found = _children(element, name)
    return found[0] if found else None


_RAISE = ("raise `limits.{key}` in the study file (or pass `limits=` to read_codings) if the "
          "project is genuine")


def parse_xml(data: bytes, *, where: str, limits: ArchiveLimits | None = None) -> Element:
    """Parse untrusted XML bytes; refuse DTDs, entities, huge or deeply nested documents.

    ``where`` names the file (and member) for error messages. The document is
    parsed incrementally and refused as soon as it exceeds ``limits`` (size,
    number of elements, nesting depth), so nothing deeper than ``max_depth`` ever
    reaches the (recursive) readers of the code tree.
    """
    limits = limits or ArchiveLimits()
    if len(data) > limits.max_xml_bytes:
        raise CodingsFormatError(
            f"{where}: the XML document is {len(data)} bytes, more than the limit of {limits.max_xml_bytes} "
            f"bytes; refused before parsing - " + _RAISE.format(key="max_xml_mb")
        )
    depth = elements = 0
    try:
        parser = safe_et.iterparse(io.BytesIO(data), events=("start", "end"), forbid_dtd=True)
        for event, _element in parser:
            if event == "start":
                depth += 1
                elements += 1
                if depth > limits.max_depth:
                    raise CodingsFormatError(
                        f"{where}: elements nested more than {limits.max_depth} levels deep (a code tree that "
                        "deep is not a real project); refused - " + _RAISE.format(key="max_xml_depth")
                    )
                if elements > limits.max_elements:
                    raise CodingsFormatError(
                        f"{where}: more than {limits.max_elements} XML elements; refused before the project is "
                        "read - " + _RAISE.format(key="max_xml_elements")
                    )
            else:
                depth -= 1
        return parser.root
    except defusedxml.DefusedXmlException as err:
        raise CodingsFormatError(
            f"{where}: refused XML with a DTD or entity declarations ({type(err).__name__}); "
            "this is how entity-expansion ('billion laughs') and external-entity attacks work. "
            "Re-export the file from the QDA tool; REFI-QDA files never need a DTD."
        ) from None
    except ParseError as err:
        raise CodingsFormatError(
            f"{where}: not well-formed XML ({err}); re-export the file or check that it was "
            "not truncated or edited by hand."
        ) from None


# --------------------------------------------------------------------------- archives


def _unsafe_member_name(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    return (
        name.startswith(("/", "\\"))
        or re.match(r"^[A-Za-z]:", name) is not None
        or ".." in parts
    )


def open_archive(path: Path, limits: ArchiveLimits) -> zipfile.ZipFile:
    """Open a zip archive after checking member names, total size and ratios."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as err:
        raise CodingsFormatError(
            f"{path.name}: not a readable zip archive ({err}); re-export the project."
        ) from None
    total = 0
    for info in archive.infolist():
        name = info.filename
        if _unsafe_member_name(name):
            archive.close()
            raise CodingsFormatError(
                f"{path.name}: member {name!r} has an absolute path or '..' and could be "
                "written outside the extraction folder (zip path traversal); refused. "
                "Re-export the project from the QDA tool."
            )
        total += info.file_size
        if (
            info.file_size > limits.min_ratio_bytes
            and info.file_size > limits.max_ratio * max(info.compress_size, 1)
        ):
            archive.close()
            raise CodingsFormatError(
                f"{path.name}: member {name!r} expands {info.file_size} bytes from "
                f"{info.compress_size} (ratio above {limits.max_ratio:g}); refused as a "
                "possible zip bomb. If the archive is genuine, raise `max_ratio` "
                "(study file: `limits.max_ratio`)."
            )
    if total > limits.max_bytes:
        archive.close()
        raise CodingsFormatError(
            f"{path.name}: members add up to {total} bytes uncompressed, more than the "
            f"limit of {limits.max_bytes}; refused as a possible zip bomb. If the archive "
            "is genuine, raise `max_bytes` (study file: `limits.max_unpacked_mb`)."
        )
    return archive


def read_member(archive: zipfile.ZipFile, name: str, *, where: str, limits: ArchiveLimits) -> bytes:
    """Read one member in memory, never more than its declared size or the limit."""
    info = archive.getinfo(name)
    cap = min(info.file_size, limits.max_bytes)
    try:
        with archive.open(info) as handle:
            data = handle.read(cap + 1)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as err:
        raise CodingsFormatError(
            f"{where}: member {name!r} cannot be decompressed ({err}); re-export the project."
        ) from None
    if len(data) > cap:
        raise CodingsFormatError(
            f"{where}: member {name!r} is larger than declared or than {limits.max_bytes} "
            "bytes; refused as a possible zip bomb."
        )
    return data


def decode_text(data: bytes) -> tuple[str, bool]:
    """Decode a source text; return (text, exact).

    UTF-16 with a BOM and UTF-8 (a BOM is dropped and not counted) are exact;
    anything else is decoded as cp1252 and flagged inexact.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), True
    try:
        return data.decode("utf-8-sig"), True
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), False


class SourceStore:
    """Finds and reads the plain-text files a project refers to.

    Either the members of an archive or the files in the folder of a ``.qde``;
    references are resolved only inside that archive or folder.
    """

    def __init__(self, *, label: str, limits: ArchiveLimits,
                 archive: zipfile.ZipFile | None = None, folder: Path | None = None):
        self.label = label
        self.limits = limits
        self.archive = archive
        self.folder = folder
        if archive is not None:
            files = {n: n for n in archive.namelist() if not n.endswith("/") and not n.lower().endswith(".qde")}
        else:
            # only the sources/ folder beside the project: never other files of the folder
            # (a survey export next to the .qde must not be read as an interview)
            files = {}
            source_dirs = [p for p in folder.iterdir() if p.is_dir() and p.name.lower() == "sources"]
            for file in (f for d in source_dirs for f in d.rglob("*")):
                if file.is_file() and not file.is_symlink():
                    files[file.relative_to(folder).as_posix()] = file
        self._index = {key.lower(): found for key, found in files.items()}
        self._by_name = {}
        for key, found in files.items():
            self._by_name.setdefault(key.rsplit("/", 1)[-1].lower(), found)

    def read(self, reference: str) -> tuple[bytes | None, str | None]:
        """Bytes of the file ``reference`` points to, or (None, reason).

        The path is looked up under ``sources/`` (any letter case), then at the
        top of the archive or folder, then by file name alone (``basePath`` and
        absolute paths are never followed).
        """
        match = re.match(r"^(internal|relative|absolute|file):/*(.*)$", reference, re.IGNORECASE)
        rest = (match.group(2) if match else reference).replace("\\", "/").lstrip("/")
        if ".." in rest.split("/"):
            return None, f"refused {reference!r}: it points outside the project folder"
        for key in (f"sources/{rest}".lower(), rest.lower()):
            if key in self._index:
                return self._load(self._index[key]), None
        found = self._by_name.get(rest.rsplit("/", 1)[-1].lower())
        if found is not None:
            return self._load(found), None
        where = self.label if self.archive is not None else f"the sources/ folder of {self.label}"
        return None, f"source file {reference!r} not found in {where}"

    def _load(self, found) -> bytes:
        if self.archive is not None:
            return read_member(self.archive, found, where=self.label, limits=self.limits)
        if found.stat().st_size > self.limits.max_bytes:
            raise CodingsFormatError(
                f"{self.label}: source {found.name!r} is larger than {self.limits.max_bytes} "
                "bytes; raise `max_bytes` if it is genuine."
            )
        return found.read_bytes()


# --------------------------------------------------------------------------- QDA-XML


def _code_records(codes_element: Element | None, parent_path: str | None, seen: dict | None = None) -> list[dict]:
    records = []
    seen = {} if seen is None else seen
    for code in _children(codes_element, "Code"):
        name = code.get("name") or code.get("guid", "")
        path = f"{parent_path}/{name}" if parent_path else name
        guid = code.get("guid", "")
        if guid and guid in seen:
            raise CodingsFormatError(
                f"code GUID {guid} is used by two codes ({seen[guid]!r} and {path!r}); codings referring to it "
                "would silently land on one of them. Give each code its own GUID (re-export the project, or "
                "merge the two codes in the QDA tool)"
            )
        seen[guid] = path
        description = _child(code, "Description")
        records.append({
            "guid": code.get("guid", ""),
            "code": name,
            "path": path,
            "parent": parent_path,
            "description": (description.text or "").strip() if description is not None else None,
            "color": code.get("color"),
            "codable": (code.get("isCodable", "true").strip().lower() != "false"),
        })
        records.extend(_code_records(code, path, seen))
    return records


def _set_records(sets_element: Element | None) -> list[dict]:
    records = []
    for number, item in enumerate(_children(sets_element, "Set"), start=1):
        records.append({
            "name": item.get("name") or f"set {number}",
            "codes": [m.get("targetGUID") or m.get("guid") for m in _children(item, "MemberCode")],
            "sources": [m.get("targetGUID") or m.get("guid") for m in _children(item, "MemberSource")],
        })
    return records


def _case_names(cases_element: Element | None, warnings: list[str]) -> dict[str, str]:
    """Map source GUID → case name; nameless cases leave the document as its own case."""
    cases: dict[str, str] = {}
    for case in _children(cases_element, "Case"):
        name = (case.get("name") or "").strip()
        refs = [ref.get("targetGUID") for ref in _children(case, "SourceRef")]
        if not name:
            warnings.append(
                f"a case without a name (guid {case.get('guid', '?')}) refers to {len(refs)} "
                "source(s); those documents are used as their own case"
            )
            continue
        for ref in refs:
            if ref in cases and cases[ref] != name:
                warnings.append(
                    f"source {ref} belongs to cases {cases[ref]!r} and {name!r}; kept {cases[ref]!r}"
                )
                continue
            cases[ref] = name
    return cases


_OTHER_SOURCES = ("PDFSource", "PictureSource", "AudioSource", "VideoSource")


def _text_source(element: Element, number: int, store: SourceStore | None,
                 users: dict[str, str], warnings: list[str]) -> RefiSource:
    guid = element.get("guid", "")
    path = element.get("plainTextPath")
    name = element.get("name") or (PurePosixPath(path).stem if path else "") or f"document {number}"
    inline = _child(element, "PlainTextContent")
    text = None
    if inline is not None:
        text = inline.text or ""
    elif path and store is not None:
        data, problem = store.read(path)
        if data is None:
            warnings.append(f"document {name!r}: {problem}; its segments have no text")
        else:
            text, exact = decode_text(data)
            if not exact:
                warnings.append(f"document {name!r}: source is not UTF-8; decoded as cp1252")
    else:
        warnings.append(f"document {name!r} has no plainTextPath or PlainTextContent")
    source = RefiSource(guid=guid, name=name, text=text)
    for selection in _children(element, "PlainTextSelection"):
        try:
            start = int(selection.get("startPosition"))
            end = int(selection.get("endPosition"))
        except (TypeError, ValueError):
            warnings.append(
                f"document {name!r}: selection {selection.get('guid', '?')} has startPosition="
                f"{selection.get('startPosition')!r}, endPosition={selection.get('endPosition')!r}; skipped"
            )
            continue
        selection_user = selection.get("creatingUser", "")
        for coding in _children(selection, "Coding"):
            user = coding.get("creatingUser") or selection_user
            for ref in _children(coding, "CodeRef"):
                source.selections.append(RefiSelection(
                    start=start, end=end, name=selection.get("name") or "",
                    code_guid=ref.get("targetGUID", ""), coder=users.get(user, user or ""),
                ))
    return source


def read_refi(root: Element, *, store: SourceStore | None) -> RefiProject:
    """Records from a parsed ``Project`` or ``CodeBook`` root element."""
    kind = "codebook" if local_name(root) == "CodeBook" else "project"
    project = RefiProject(kind=kind, origin=root.get("origin", ""))
    codebook = root if kind == "codebook" else _child(root, "CodeBook")
    project.codes = _code_records(_child(codebook, "Codes"), None)
    # the schema puts project Sets under Project; some tools write them in the CodeBook
    project.sets = _set_records(_child(codebook, "Sets"))
    if kind == "project":
        project.sets += _set_records(_child(root, "Sets"))
    if kind == "codebook":
        return project
    project.users = {u.get("guid", ""): u.get("name") or u.get("id") or u.get("guid", "")
                     for u in _children(_child(root, "Users"), "User")}
    project.cases = _case_names(_child(root, "Cases"), project.warnings)
    sources = _child(root, "Sources")
    for number, element in enumerate(_children(sources, "TextSource"), start=1):
        project.sources.append(_text_source(element, number, store, project.users, project.warnings))
    for other in _OTHER_SOURCES:
        skipped = _children(sources, other)
        if skipped:
            project.warnings.append(f"{len(skipped)} {other} element(s) skipped: only text is read")
    return project
