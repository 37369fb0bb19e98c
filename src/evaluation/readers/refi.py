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

:func:`stream_refi` reads a project as a stream: the XML is parsed
incrementally straight from the zip member (or file) handle and every element
is dropped from the tree as soon as it has been read, so only the small parts
(users, codebook, cases, sets) are ever held as elements; each source text is
read from the archive once, when its ``TextSource`` ends. :func:`read_refi`
reads an already parsed tree (:func:`parse_xml`) into the same records; it is
the simple reference the streaming reader is tested against.

Elements are matched by local name, so every namespace variant
(``urn:QDA-XML:project:1.0``, ``urn:QDA-XML:codebook:0:4``, none) reads alike.
"""
from __future__ import annotations

import codecs
import io
import re
import zipfile
import zlib
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
    """One ``TextSource``: its name, decoded text (None when missing) and codings.

    The codings are held column-wise, one entry per ``CodeRef`` in document
    order: ``starts``, ``ends`` and ``names`` of its ``PlainTextSelection``,
    ``code_guids`` and ``coders`` (the user's name, or the raw user reference
    when it names no ``User``). :attr:`selections` gives them as records.
    """

    guid: str
    name: str
    text: str | None
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    code_guids: list[str] = field(default_factory=list)
    coders: list[str] = field(default_factory=list)

    @property
    def selections(self) -> list[RefiSelection]:
        """The codings as :class:`RefiSelection` records (built on request)."""
        return [RefiSelection(*row) for row in zip(self.starts, self.ends, self.names, self.code_guids, self.coders)]


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
    check_xml_size(len(data), where=where, limits=limits)
    depth = elements = 0
    try:
        parser = safe_et.iterparse(io.BytesIO(data), events=("start", "end"), forbid_dtd=True)
        for event, _element in parser:
            if event == "start":
                depth += 1
                elements += 1
                if depth > limits.max_depth:
                    _too_deep(where, limits)
                if elements > limits.max_elements:
                    _too_many(where, limits)
            else:
                depth -= 1
        return parser.root
    except defusedxml.DefusedXmlException as err:
        _refused_dtd(where, err)
    except ParseError as err:
        _not_well_formed(where, err)


def check_xml_size(size: int, *, where: str, limits: ArchiveLimits) -> None:
    """Refuse an XML document of ``size`` bytes above ``limits.max_xml_bytes`` before parsing it."""
    if size > limits.max_xml_bytes:
        raise CodingsFormatError(
            f"{where}: the XML document is {size} bytes, more than the limit of {limits.max_xml_bytes} "
            f"bytes; refused before parsing - " + _RAISE.format(key="max_xml_mb")
        )


def _too_deep(where: str, limits: ArchiveLimits):
    raise CodingsFormatError(
        f"{where}: elements nested more than {limits.max_depth} levels deep (a code tree that "
        "deep is not a real project); refused - " + _RAISE.format(key="max_xml_depth")
    )


def _too_many(where: str, limits: ArchiveLimits):
    raise CodingsFormatError(
        f"{where}: more than {limits.max_elements} XML elements; refused before the project is "
        "read - " + _RAISE.format(key="max_xml_elements")
    )


def _refused_dtd(where: str, err: Exception):
    raise CodingsFormatError(
        f"{where}: refused XML with a DTD or entity declarations ({type(err).__name__}); "
        "this is how entity-expansion ('billion laughs') and external-entity attacks work. "
        "Re-export the file from the QDA tool; REFI-QDA files never need a DTD."
    ) from None


def _not_well_formed(where: str, err: Exception):
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


class CappedReader(io.RawIOBase):
    """A read-only stream over ``handle`` that refuses to yield more than ``cap`` bytes.

    Lets a zip member or a file be parsed as it is read, never held whole:
    decompression errors become :class:`CodingsFormatError`, and a stream longer
    than ``cap`` is refused as soon as it gets there. With ``member`` the
    messages are those of :func:`read_member` (``limit`` is the size named);
    without, ``cap`` is the XML limit (``max_xml_bytes``).
    """

    def __init__(self, handle, cap: int, *, where: str, member: str | None = None, limit: int | None = None):
        super().__init__()
        self._handle = handle
        self._cap = cap
        self._where = where
        self._member = member
        self._limit = cap if limit is None else limit
        self.count = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        left = self._cap + 1 - self.count  # one byte more than allowed tells a longer stream
        try:
            data = self._handle.read(left if size is None or size < 0 else max(min(size, left), 1))
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, zlib.error) as err:
            what = f"member {self._member!r}" if self._member else "the XML document"
            raise CodingsFormatError(
                f"{self._where}: {what} cannot be decompressed ({err}); re-export the project."
            ) from None
        self.count += len(data)
        if self.count > self._cap:
            if self._member:
                raise CodingsFormatError(
                    f"{self._where}: member {self._member!r} is larger than declared or than {self._limit} "
                    "bytes; refused as a possible zip bomb."
                )
            raise CodingsFormatError(
                f"{self._where}: the XML document is larger than the limit of {self._cap} bytes; refused "
                "while parsing - " + _RAISE.format(key="max_xml_mb")
            )
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


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


def _add_selection(source: RefiSource, selection: Element, warnings: list[str]) -> None:
    """Append the codings of one ``PlainTextSelection`` element to ``source``."""
    try:
        start = int(selection.get("startPosition"))
        end = int(selection.get("endPosition"))
    except (TypeError, ValueError):
        warnings.append(
            f"document {source.name!r}: selection {selection.get('guid', '?')} has startPosition="
            f"{selection.get('startPosition')!r}, endPosition={selection.get('endPosition')!r}; skipped"
        )
        return
    selection_user = selection.get("creatingUser", "")
    name = selection.get("name") or ""
    for coding in selection:
        if local_name(coding) != "Coding":
            continue
        user = coding.get("creatingUser") or selection_user
        for ref in coding:
            if local_name(ref) != "CodeRef":
                continue
            source.starts.append(start)
            source.ends.append(end)
            source.names.append(name)
            source.code_guids.append(ref.get("targetGUID", ""))
            source.coders.append(user)  # a user reference; names are filled in by _name_coders


def _source_text(name: str, path: str | None, inline: str | None, store: SourceStore | None,
                 warnings: list[str]) -> str | None:
    """The decoded text of one source: inline content, else the file it points to (read once)."""
    if inline is not None:
        return inline
    if path and store is not None:
        data, problem = store.read(path)
        if data is None:
            warnings.append(f"document {name!r}: {problem}; its segments have no text")
            return None
        text, exact = decode_text(data)
        if not exact:
            warnings.append(f"document {name!r}: source is not UTF-8; decoded as cp1252")
        return text
    warnings.append(f"document {name!r} has no plainTextPath or PlainTextContent")
    return None


def _source_name(element: Element, number: int) -> str:
    path = element.get("plainTextPath")
    return element.get("name") or (PurePosixPath(path).stem if path else "") or f"document {number}"


def _name_coders(project: RefiProject) -> None:
    """Replace user references on every coding by the user's name (unknown references stay)."""
    users = project.users
    for source in project.sources:
        source.coders = [users.get(user, user or "") for user in source.coders]


def _user_names(users_element: Element | None) -> dict[str, str]:
    return {u.get("guid", ""): u.get("name") or u.get("id") or u.get("guid", "")
            for u in _children(users_element, "User")}


def _text_source(element: Element, number: int, store: SourceStore | None, warnings: list[str]) -> RefiSource:
    name = _source_name(element, number)
    inline = _child(element, "PlainTextContent")
    text = _source_text(name, element.get("plainTextPath"), None if inline is None else inline.text or "",
                        store, warnings)
    source = RefiSource(guid=element.get("guid", ""), name=name, text=text)
    for selection in _children(element, "PlainTextSelection"):
        _add_selection(source, selection, warnings)
    return source


def read_refi(root: Element, *, store: SourceStore | None) -> RefiProject:
    """Records from a parsed ``Project`` or ``CodeBook`` root element.

    The reference reading of a whole tree; :func:`stream_refi` gives the same
    records without building the tree.
    """
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
    project.users = _user_names(_child(root, "Users"))
    project.cases = _case_names(_child(root, "Cases"), project.warnings)
    sources = _child(root, "Sources")
    for number, element in enumerate(_children(sources, "TextSource"), start=1):
        project.sources.append(_text_source(element, number, store, project.warnings))
    for other in _OTHER_SOURCES:
        skipped = _children(sources, other)
        if skipped:
            project.warnings.append(f"{len(skipped)} {other} element(s) skipped: only text is read")
    _name_coders(project)
    return project


# --------------------------------------------------------------------------- streaming

# What an element is to the streaming reader, decided when it starts from its parent's
# role, its local name and whether an earlier sibling of that name was read already.
_DROP, _KEEP = 0, 1  # read nothing / part of a subtree read when its top element ends
_ROOT, _USERS, _CODEBOOK, _CASES, _SETS, _SOURCES, _CODES, _CODEBOOK_SETS = range(2, 10)
_TEXT_SOURCE, _OTHER_SOURCE, _SELECTION, _CONTENT = range(10, 14)
_PROJECT_PARTS = {"Users": _USERS, "CodeBook": _CODEBOOK, "Cases": _CASES, "Sets": _SETS, "Sources": _SOURCES}
_CODEBOOK_PARTS = {"Codes": _CODES, "Sets": _CODEBOOK_SETS}
_SOURCE_PARTS = {"PlainTextSelection": _SELECTION, "PlainTextContent": _CONTENT}
_SUBTREES = {_USERS, _CODEBOOK, _CASES, _SETS, _CODES, _CODEBOOK_SETS, _SELECTION, _CONTENT, _KEEP}
_ONCE = {_USERS, _CODEBOOK, _CASES, _SETS, _SOURCES, _CODES, _CODEBOOK_SETS}


def stream_refi(handle, *, where: str, limits: ArchiveLimits | None = None,
                store: SourceStore | None = None) -> tuple[str, RefiProject | None]:
    """Read a ``Project`` or ``CodeBook`` from a binary stream, element by element.

    Parameters
    ----------
    handle : binary file object
        The XML, e.g. ``zipfile.ZipFile.open(member)`` or an open file; read in
        chunks, never whole.
    where : str
        The file (and member) named in error messages.
    limits : ArchiveLimits, optional
        Size of the stream (``max_xml_bytes``), number of elements and nesting
        depth, checked as the document is parsed.
    store : SourceStore, optional
        Where the ``plainTextPath`` of each ``TextSource`` is looked up.

    Returns
    -------
    (str, RefiProject or None)
        The local name of the root element and its records; None when the root
        is neither ``Project`` nor ``CodeBook`` (the document is still parsed to
        its end, so a malformed file is reported as such).

    Notes
    -----
    The records equal :func:`read_refi` on the whole tree. Each element is
    removed from its parent when it ends, once read: a ``PlainTextSelection``
    when it ends, a ``TextSource`` (and its text, read from ``store`` then)
    when it ends, everything the reader has no use for (notes, links, graphs,
    variables, non-text sources) as it ends. Only ``Users``, the ``CodeBook``,
    ``Cases`` and ``Sets`` are held whole until they end. DTDs and entity
    declarations are refused (defusedxml); the limits are checked on every
    element start. An inconsistent codebook (a code GUID used twice) is reported
    after the document has been parsed, as :func:`read_refi` does.
    """
    limits = limits or ArchiveLimits()
    stream = CappedReader(handle, limits.max_xml_bytes, where=where)
    project = None
    root_name = ""
    # errors of the content (a code GUID used twice, an unreadable source) are raised once the
    # document has been parsed, codebook first, as read_refi raises them after parse_xml
    deferred_codes: CodingsFormatError | None = None
    deferred_sources: CodingsFormatError | None = None
    case_warnings: list[str] = []
    source_warnings: list[str] = []
    other_sources = dict.fromkeys(_OTHER_SOURCES, 0)
    codebook_sets: list[dict] = []
    project_sets: list[dict] = []
    current: RefiSource | None = None  # the TextSource being read, its selections' warnings, its inline text
    current_warnings: list[str] = []
    inline: str | None = None
    n_text_sources = 0
    max_depth, max_elements = limits.max_depth, limits.max_elements
    open_elements, roles = [], []  # the elements started and not yet ended, and their roles
    seen: set[int] = set()  # roles of the parts read once (only the first element of each name)
    count = 0
    try:
        for event, element in safe_et.iterparse(stream, events=("start", "end"), forbid_dtd=True):
            if event == "start":
                count += 1
                if len(roles) >= max_depth:
                    _too_deep(where, limits)
                if count > max_elements:
                    _too_many(where, limits)
                if not roles:
                    root_name = local_name(element)
                    role = _ROOT
                    if root_name in ("Project", "CodeBook"):
                        kind = "codebook" if root_name == "CodeBook" else "project"
                        project = RefiProject(kind=kind, origin=element.get("origin", ""))
                        parts = _CODEBOOK_PARTS if kind == "codebook" else _PROJECT_PARTS
                else:
                    parent = roles[-1]
                    if parent in _SUBTREES:
                        role = _KEEP
                    elif parent == _ROOT and project is not None:
                        role = parts.get(local_name(element), _DROP)
                    elif parent == _SOURCES:
                        name = local_name(element)
                        role = _TEXT_SOURCE if name == "TextSource" else (
                            _OTHER_SOURCE if name in other_sources else _DROP)
                    elif parent == _TEXT_SOURCE:
                        role = _SOURCE_PARTS.get(local_name(element), _DROP)
                        if role == _CONTENT and inline is not None:
                            role = _DROP  # only the first PlainTextContent counts
                    else:
                        role = _DROP
                    if role in seen:  # only the first Users, CodeBook, ... is read, as read_refi does
                        role = _DROP
                    elif role in _ONCE:
                        seen.add(role)
                    if role == _TEXT_SOURCE:
                        n_text_sources += 1
                        current = RefiSource(guid=element.get("guid", ""),
                                             name=_source_name(element, n_text_sources), text=None)
                        current_warnings, inline = [], None
                open_elements.append(element)
                roles.append(role)
                continue
            role = roles.pop()
            open_elements.pop()
            if role == _KEEP or role == _ROOT:
                continue  # read with the subtree it belongs to / the end of the document
            if role == _SELECTION:
                _add_selection(current, element, current_warnings)
            elif role == _CONTENT:
                inline = element.text or ""
            elif role == _TEXT_SOURCE:
                try:
                    current.text = _source_text(current.name, element.get("plainTextPath"), inline,
                                                None if deferred_sources else store, source_warnings)
                except CodingsFormatError as err:
                    deferred_sources = deferred_sources or err
                source_warnings.extend(current_warnings)
                project.sources.append(current)
                current, inline = None, None
            elif role == _OTHER_SOURCE:
                other_sources[local_name(element)] += 1
            elif role == _USERS:
                project.users = _user_names(element)
            elif role == _CASES:
                project.cases = _case_names(element, case_warnings)
            elif role == _SETS:
                project_sets = _set_records(element)
            elif role in (_CODEBOOK, _CODES, _CODEBOOK_SETS):
                try:
                    if role == _CODEBOOK:
                        project.codes = _code_records(_child(element, "Codes"), None)
                        codebook_sets = _set_records(_child(element, "Sets"))
                    elif role == _CODES:
                        project.codes = _code_records(element, None)
                    else:
                        codebook_sets = _set_records(element)
                except CodingsFormatError as err:
                    deferred_codes = deferred_codes or err
            # read: drop it, and all it holds, from the tree
            open_elements[-1].remove(element)
    except defusedxml.DefusedXmlException as err:
        _refused_dtd(where, err)
    except ParseError as err:
        _not_well_formed(where, err)
    if project is None:
        return root_name, None
    deferred = deferred_codes or deferred_sources
    if deferred is not None:
        if str(deferred).startswith(where.split(":")[0]):
            raise deferred
        raise CodingsFormatError(f"{where}: {deferred}") from None
    project.sets = codebook_sets + project_sets
    if project.kind == "codebook":
        return root_name, project
    project.warnings = case_warnings + source_warnings + [
        f"{n} {other} element(s) skipped: only text is read" for other, n in other_sources.items() if n
    ]
    _name_coders(project)
    return root_name, project
