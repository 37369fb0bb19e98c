"""The streaming REFI-QDA reader: the same records as reading the whole tree, without keeping it.

``stream_refi`` (what ``read_codings`` uses) is compared with ``read_refi(parse_xml(...))``,
the simple reading of the whole tree, on a generated project that has every part the
reader looks at or skips, on the vendor samples and on codebooks. Memory-relevant
behaviour is checked without timing: no element stays in the tree, the project XML is
never read whole, each source text is read once, limits stop the parse early.
"""
from __future__ import annotations

import io
import random
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import numpy as np
import pytest

from evaluation.readers import codings as codings_module
from evaluation.readers import refi
from evaluation.readers.codings import CodingsFormatError, read_codings
from evaluation.readers.refi import ArchiveLimits, SourceStore, parse_xml, read_refi, stream_refi

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples" / "refi-qda"
NS = "urn:QDA-XML:project:1.0"
USERS = [("U1", "coder A"), ("U2", "coder B")]
CODES = ["C1", "C2", "C3", "C4"]
WORDS = ["buurt", "hitte", "vertrouwen", "storm", "café", "één", "groen", "water", "😀", "hulp"]


def _text(rng: random.Random, n_words: int, crlf: bool = False) -> str:
    words = [rng.choice(WORDS) for _ in range(n_words)]
    for i in range(7, n_words, 8):
        words[i] += "." + ("\r\n" if crlf else "\n")
    return " ".join(words)


def _utf16(text: str, cp: int) -> int:
    return len(text[:cp].encode("utf-16-le")) // 2


def generated_project(n_docs: int = 12, n_selections: int = 40, seed: int = 7):
    """A project XML, its source files and the (document, start, end, code, coder) it codes.

    Positions are UTF-16 code units. Besides ordinary sources it has: an inline text, a
    missing source file, a cp1252 file, a CRLF text, one selection with unreadable
    positions, codings inheriting the selection's user or naming an unknown user, a code
    not in the codebook, a nameless case, a source in two cases, code and document sets,
    a PDF source whose representation has selections, notes, links, variables, a second
    Sources element and Users written after the Sources (none of which the reader may trip on).
    """
    rng = random.Random(seed)
    files, sources, expected = {}, [], set()
    for d in range(n_docs):
        text = _text(rng, 300, crlf=d == 3)
        guid = f"D{d}"
        selections = []
        for k in range(n_selections):
            a = rng.randrange(0, len(text) - 40)
            b = a + rng.randrange(1, 40)
            user, coder = USERS[k % 2]
            codes = rng.sample(CODES, rng.randint(1, 3))
            inner = ""
            for j, code in enumerate(codes):
                by = f' creatingUser="{USERS[1][0]}"' if j == 2 else ""
                inner += f'<Coding guid="K{d}-{k}-{j}"{by}><CodeRef targetGUID="{code}"/><Note/></Coding>'
                expected.add((d, a, b, code, USERS[1][1] if j == 2 else coder))
            name = " ".join(text[a:b].split())[:20].replace("&", "&amp;").replace("<", "&lt;")
            selections.append(
                f'<PlainTextSelection guid="S{d}-{k}" name="{name}" startPosition="{_utf16(text, a)}" '
                f'endPosition="{_utf16(text, b)}" creatingUser="{user}"><Description>d</Description>{inner}'
                "</PlainTextSelection>"
            )
        selections.append('<PlainTextSelection guid="bad" startPosition="x" endPosition="3"/>')
        selections.append(f'<PlainTextSelection guid="unk" startPosition="0" endPosition="2" creatingUser="U9">'
                          '<Coding guid="k"><CodeRef targetGUID="C-unknown"/></Coding></PlainTextSelection>')
        body = "".join(selections) + '<VariableValue><GUID>v</GUID></VariableValue><NoteRef targetGUID="N1"/>'
        if d == 0:
            sources.append(f'<TextSource guid="{guid}" name="inline doc"><PlainTextContent>{text}'
                           f"</PlainTextContent>{body}<PlainTextContent>ignored</PlainTextContent></TextSource>")
        else:
            sources.append(f'<TextSource guid="{guid}" name="doc {d}" plainTextPath="internal://{guid}.txt">'
                           f"{body}</TextSource>")
            if d == 2:
                files[f"sources/{guid}.txt"] = text.replace("😀", "").encode("cp1252", errors="replace")
            elif d != 1:  # document 1's source file is missing
                files[f"sources/{guid}.txt"] = text.encode("utf-8")
    pdf = ('<PDFSource guid="P1" name="scan"><Representation guid="R1" plainTextPath="internal://R1.txt">'
           '<PlainTextSelection guid="RS" startPosition="0" endPosition="4"><Coding guid="RK">'
           '<CodeRef targetGUID="C1"/></Coding></PlainTextSelection></Representation></PDFSource>')
    codes = (f'<Code guid="C0" name="theme" isCodable="false"><Description>top</Description>'
             f'<Code guid="C1" name="trust"/><Code guid="C2" name="heat" color="#ff000080"/></Code>'
             f'<Code guid="C3" name="help"/><Code guid="C4" name="green"><Code guid="C5" name="trees"/></Code>')
    cases = ('<Cases><Case guid="K1" name="R1"><SourceRef targetGUID="D1"/><SourceRef targetGUID="D2"/></Case>'
             '<Case guid="K2" name="R2"><SourceRef targetGUID="D2"/></Case>'
             '<Case guid="K3"><SourceRef targetGUID="D3"/></Case></Cases>')
    xml = (
        f'<?xml version="1.0" encoding="utf-8"?><Project xmlns="{NS}" name="gen" origin="generator">'
        f"<CodeBook><Codes>{codes}</Codes><Sets><Set name=\"code set\"><MemberCode targetGUID=\"C1\"/></Set></Sets>"
        f"</CodeBook><Variables><Variable guid=\"V\" name=\"age\"/></Variables>{cases}"
        f"<Sources>{''.join(sources)}{pdf}<PictureSource guid=\"I1\"/></Sources>"
        f'<Sources><TextSource guid="X" name="second sources element"><PlainTextContent>no</PlainTextContent>'
        f"</TextSource></Sources>"
        '<Notes><TextSource guid="N1" name="a note"><PlainTextContent>memo</PlainTextContent></TextSource></Notes>'
        '<Links><Link guid="L1"/></Links>'
        '<Sets><Set name="wave 1"><MemberSource targetGUID="D4"/></Set></Sets>'
        "<Users>" + "".join(f'<User guid="{g}" name="{n}"/>' for g, n in USERS) + "</Users></Project>"
    )
    return xml, files, expected


def write_qdpx(path: Path, xml: str, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", xml.encode("utf-8"))
        for member, data in files.items():
            archive.writestr(member, data)
    return path


def both_readings(path: Path, *, limits: ArchiveLimits | None = None):
    """(streamed, tree) records of a .qdpx, .qde or .qdc file."""
    limits = limits or ArchiveLimits()
    if zipfile.is_zipfile(path):
        archive = zipfile.ZipFile(path)
        member = next(n for n in archive.namelist() if n.lower().endswith(".qde"))
        store = SourceStore(label=path.name, archive=archive, limits=limits)
        with archive.open(member) as handle:
            kind, streamed = stream_refi(handle, where=path.name, limits=limits, store=store)
        tree = read_refi(parse_xml(archive.read(member), where=path.name, limits=limits), store=store)
        archive.close()
    else:
        store = SourceStore(label=path.name, folder=path.parent, limits=limits)
        with path.open("rb") as handle:
            kind, streamed = stream_refi(handle, where=path.name, limits=limits, store=store)
        root = parse_xml(path.read_bytes(), where=path.name, limits=limits)
        tree = read_refi(root, store=store if kind == "Project" else None)
    return streamed, tree


# --------------------------------------------------------------------------- same records


def test_stream_equals_tree_on_generated_project(tmp_path):
    xml, files, expected = generated_project()
    path = write_qdpx(tmp_path / "gen.qdpx", xml, files)
    streamed, tree = both_readings(path)
    assert streamed == tree  # every field: codes, sets, users, cases, sources with texts and codings, warnings
    assert len(streamed.sources) == 12
    assert streamed.sources[0].text.startswith(tuple(WORDS))  # the first PlainTextContent
    assert streamed.sources[1].text is None
    assert {c for s in streamed.sources for c in s.coders} == {"coder A", "coder B", "U9"}
    assert [w for w in streamed.warnings if "skipped: only text" in w] == [
        "1 PDFSource element(s) skipped: only text is read", "1 PictureSource element(s) skipped: only text is read"]
    assert [s["name"] for s in streamed.sets] == ["code set", "wave 1"]


def test_generated_project_known_codings(tmp_path):
    xml, files, expected = generated_project(n_docs=6, n_selections=50, seed=3)
    path = write_qdpx(tmp_path / "gen.qdpx", xml, files)
    with pytest.warns(UserWarning):
        codings = read_codings(path)
    seg = codings.segments
    assert codings.info["position_unit"] == "utf16"
    names = {0: "inline doc", **{d: f"doc {d}" for d in range(1, 6)}}
    got = {(row.document, row.start, row.end, row.code, row.coder) for row in seg.itertuples()
           if row.document not in ("doc 1", "doc 2")}
    code_names = {"C1": "trust", "C2": "heat", "C3": "help", "C4": "green"}
    # documents 1 (no source file) and 2 (its file lost the emoji) do not keep the written positions
    assert got == {(names[d], a, b, code_names[c], coder) for d, a, b, c, coder in expected if d not in (1, 2)}
    texts = dict(zip(codings.documents["document"], codings.documents["text"]))
    coded = seg[seg["document"] != "doc 1"]
    assert all(t == texts[d][s:e] for d, s, e, t in zip(coded["document"], coded["start"], coded["end"], coded["text"]))
    assert seg.loc[seg["document"] == "doc 1", "text"].isna().all()


def test_stream_equals_tree_on_qde_folder_and_codebook(tmp_path):
    xml, files, _ = generated_project(n_docs=4, n_selections=5)
    (tmp_path / "p.qde").write_text(xml, encoding="utf-8")
    for member, data in files.items():
        (tmp_path / member).parent.mkdir(exist_ok=True)
        (tmp_path / member).write_bytes(data)
    streamed, tree = both_readings(tmp_path / "p.qde")
    assert streamed == tree and len(streamed.sources) == 4
    codebook = ('<?xml version="1.0"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="x"><Codes>'
                '<Code guid="A" name="a"><Code guid="B" name="b"/></Code></Codes>'
                '<Sets><Set name="s"><MemberCode targetGUID="B"/></Set></Sets><Sources><TextSource guid="T"/>'
                "</Sources></CodeBook>")
    (tmp_path / "c.qdc").write_text(codebook, encoding="utf-8")
    streamed, tree = both_readings(tmp_path / "c.qdc")
    assert streamed == tree
    assert (streamed.kind, [c["path"] for c in streamed.codes], streamed.sources) == ("codebook", ["a", "a/b"], [])


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="shared/samples not beside the checkout")
@pytest.mark.parametrize("name", sorted(p.name for p in SAMPLES.glob("*.q*")) if SAMPLES.is_dir() else [])
def test_stream_equals_tree_on_vendor_samples(name):
    streamed, tree = both_readings(SAMPLES / name)
    assert streamed == tree


def test_content_errors_come_after_parse_errors(tmp_path):
    dup = ('<?xml version="1.0"?><Project xmlns="urn:QDA-XML:project:1.0"><CodeBook><Codes>'
           '<Code guid="G" name="a"/><Code guid="G" name="b"/></Codes></CodeBook><Sources>')
    path = write_qdpx(tmp_path / "dup.qdpx", dup + "</Sources></Project>", {})
    with pytest.raises(CodingsFormatError, match=r"^dup\.qdpx:project\.qde: code GUID G is used by two codes"):
        read_codings(path)
    path = write_qdpx(tmp_path / "broken.qdpx", dup + "<TextSource>", {})  # and truncated: as a tree read says
    with pytest.raises(CodingsFormatError, match="not well-formed"):
        read_codings(path)


# --------------------------------------------------------------------------- memory-relevant behaviour


def test_no_element_is_kept(tmp_path, monkeypatch):
    xml, files, _ = generated_project(n_docs=3, n_selections=400)
    path = write_qdpx(tmp_path / "gen.qdpx", xml, files)
    parses, largest = [], [0]
    original = refi.safe_et.iterparse

    def watched(source, *args, **kwargs):
        events = original(source, *args, **kwargs)
        parses.append(events)

        def iterate():
            root = None
            for n, (event, element) in enumerate(events):
                root = element if root is None else root
                if n % 50 == 0:
                    largest[0] = max(largest[0], sum(1 for _ in root.iter()))
                yield event, element
        return iterate()

    monkeypatch.setattr(refi.safe_et, "iterparse", watched)
    with pytest.warns(UserWarning):
        codings = read_codings(path)
    assert len(codings.segments) > 1500
    assert len(parses) == 1
    assert len(parses[0].root) == 0  # the root holds nothing once read
    # at any time the tree holds at most the codebook, the users or cases, and the selections of one
    # 16 KiB chunk of XML (events come in batches of a chunk), never the documents' 3 x 400 selections
    total = sum(1 for _ in ET.fromstring(xml.encode("utf-8")).iter())
    assert total > 9000
    assert largest[0] < 600


def test_project_xml_is_not_read_whole_and_texts_once(tmp_path, monkeypatch):
    xml, files, _ = generated_project(n_docs=5, n_selections=3)
    path = write_qdpx(tmp_path / "gen.qdpx", xml, files)
    loads, reads, members = [], [], []
    original_load, original_read, original_member = SourceStore._load, refi.CappedReader.read, refi.read_member

    def load(self, found):
        loads.append(found)
        return original_load(self, found)

    def read(self, size=-1):
        reads.append(size)
        return original_read(self, size)

    monkeypatch.setattr(SourceStore, "_load", load)
    monkeypatch.setattr(refi.CappedReader, "read", read)
    monkeypatch.setattr(refi, "read_member", lambda archive, name, **kw: members.append(name)
                        or original_member(archive, name, **kw))
    with pytest.warns(UserWarning):
        read_codings(path)
    assert "project.qde" not in members  # the project XML is parsed from the member's stream
    # one read of each source file the project points to (document 1's is missing, document 0 is inline)
    assert sorted(loads) == [f"sources/D{d}.txt" for d in (2, 3, 4)]
    assert reads and max(reads) <= 1 << 16  # the XML came in chunks


def test_limits_stop_the_stream_early():
    body = "".join(f'<User guid="u{i}" name="n"/>' for i in range(5000))
    data = f'<Project xmlns="{NS}"><Users>{body}</Users></Project>'.encode()
    stream = io.BytesIO(data)
    with pytest.raises(CodingsFormatError, match="more than 100 XML elements"):
        stream_refi(stream, where="p.qde", limits=ArchiveLimits(max_elements=100))
    assert stream.tell() < len(data)  # refused before the end was read
    with pytest.raises(CodingsFormatError, match=r"p\.qde: the XML document is larger than the limit of 1000 bytes"):
        stream_refi(io.BytesIO(data), where="p.qde", limits=ArchiveLimits(max_xml_bytes=1000))
    deep = f'<Project xmlns="{NS}">' + "<Notes>" * 150
    with pytest.raises(CodingsFormatError, match="nested more than 100 levels"):
        stream_refi(io.BytesIO(deep.encode()), where="p.qde")
    with pytest.raises(CodingsFormatError, match="refused XML with a DTD"):
        stream_refi(io.BytesIO(b'<!DOCTYPE Project [<!ENTITY a "b">]><Project>&a;</Project>'), where="p.qde")


def test_capped_reader_refuses_more_than_declared():
    reader = refi.CappedReader(io.BytesIO(b"x" * 100), 60, where="a.qdpx", member="project.qde", limit=60)
    assert reader.read(50) == b"x" * 50
    with pytest.raises(CodingsFormatError, match="member 'project.qde' is larger than declared"):
        reader.read(50)


def test_unknown_root_is_parsed_to_its_end():
    assert stream_refi(io.BytesIO(b"<Other><a/><b/></Other>"), where="x.xml") == ("Other", None)
    with pytest.raises(CodingsFormatError, match="not well-formed"):
        stream_refi(io.BytesIO(b"<Other><a/>"), where="x.xml")


# --------------------------------------------------------------------------- position helpers


@pytest.mark.parametrize("seed", range(6))
def test_offset_tables_equal_their_definition(seed):
    rng = random.Random(seed)
    alphabet = ["a", " ", "é", "€", "😀", "\r\n", "\n", "\r", "x"] if seed else ["a", "b", " "]
    text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 300)))
    tables = codings_module._Tables(text)
    for unit in codings_module.POSITION_UNITS:
        for crlf in (False, True):
            key = tables.key((unit, crlf))
            np.testing.assert_array_equal(tables.table(key), codings_module._offset_table(text, unit, crlf))


@pytest.mark.parametrize("seed", range(4))
def test_boundaries_equal_their_definition(seed):
    rng = random.Random(seed)
    text = "".join(rng.choice(["ab", " ", "é", "😀", ".", "1"]) for _ in range(200))
    positions = np.array([rng.randrange(0, len(text) + 1) for _ in range(100)] + [0, len(text)])
    expected = sum(1 for p in positions.tolist() if p == 0 or p == len(text)
                   or not (text[p - 1].isalnum() and text[p].isalnum()))
    assert codings_module._boundaries(codings_module._code_points(text), positions) == expected
