"""read_codings: real REFI-QDA exports, every vendor quirk, hostile archives, tabular exports.

Fixtures are built here by small helpers (synthetic text, no personal data):
``project_xml`` writes QDA-XML, ``write_qdpx_file`` zips it with its sources.
Positions in fixtures are computed from the text, so each test states which
unit the "tool" counted in and checks that the reader recovers code points.
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from evaluation.readers.codings import Codings, CodingsFormatError, read_codings

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples" / "refi-qda"
needs_samples = pytest.mark.skipif(not SAMPLES.is_dir(), reason="shared/samples not beside the checkout")

PROJECT_NS = "urn:QDA-XML:project:1.0"
U1, U2 = "11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"
C_TRUST, C_HEAT, C_HELP, C_ROOT = "C0000000-0000-0000-0000-000000000001", "C2", "C3", "C0"
CODES = (
    f'<Code guid="{C_ROOT}" name="resilience" isCodable="false" color="#FF000080">'
    "<Description>Parent theme</Description>"
    f'<Code guid="{C_TRUST}" name="trust" isCodable="true" color="#00aa00"/>'
    f'<Code guid="{C_HEAT}" name="heat" isCodable="true"/>'
    "</Code>"
    f'<Code guid="{C_HELP}" name="neighbour help" isCodable="true"/>'
)
USERS = f'<User guid="{U1}" name="coder A"/><User guid="{U2}" name="coder B"/>'
TEXT = "Buurt 😀 voelt veilig. Iedereen helpt elkaar 🙂 bij hitte en storm. Vertrouwen groeit."
WORDS = ("veilig", "helpt elkaar", "hitte en storm", "Vertrouwen groeit")


# --------------------------------------------------------------------------- builders


def offset(text: str, cp: int, unit: str, *, crlf_one: bool = False) -> int:
    """Offset of code point ``cp`` of ``text`` as a tool counting in ``unit`` writes it."""
    prefix = text[:cp]
    if crlf_one:
        prefix = prefix.replace("\r\n", "\n")
    if unit == "utf16":
        return len(prefix.encode("utf-16-le")) // 2
    if unit == "utf8":
        return len(prefix.encode("utf-8"))
    return len(prefix)


def span(text: str, words: str) -> tuple[int, int]:
    start = text.index(words)
    return start, start + len(words)


def selection(text, words, *codes, unit="code_points", user=U1, name=None, crlf_one=False, guid="S"):
    start, end = span(text, words)
    codings = "".join(
        f'<Coding guid="K{i}" creatingUser="{user}"><CodeRef targetGUID="{c}"/></Coding>'
        for i, c in enumerate(codes)
    )
    name_attr = f' name="{name}"' if name is not None else ""
    return (
        f'<PlainTextSelection guid="{guid}"{name_attr} '
        f'startPosition="{offset(text, start, unit, crlf_one=crlf_one)}" '
        f'endPosition="{offset(text, end, unit, crlf_one=crlf_one)}" creatingUser="{user}">'
        f"{codings}</PlainTextSelection>"
    )


def text_source(name, guid, selections="", *, path=None, inline=None):
    path_attr = f' plainTextPath="{path}"' if path is not None else ""
    name_attr = f' name="{name}"' if name is not None else ""
    content = f"<PlainTextContent>{inline}</PlainTextContent>" if inline is not None else ""
    return f'<TextSource guid="{guid}"{name_attr}{path_attr}>{content}{selections}</TextSource>'


def project_xml(sources="", *, codes=CODES, users=USERS, cases="", sets="", ns=PROJECT_NS, prefix=""):
    p = f"{prefix}:" if prefix else ""
    xmlns = f'xmlns:{prefix}="{ns}"' if prefix else (f'xmlns="{ns}"' if ns else "")
    body = (
        f'<{p}Project {xmlns} name="test" origin="builder" basePath="/home/secret-researcher/qda">'
        f"<{p}Users>{users}</{p}Users><{p}CodeBook><{p}Codes>{codes}</{p}Codes></{p}CodeBook>"
        f"{cases}<{p}Sources>{sources}</{p}Sources>{sets}</{p}Project>"
    )
    if prefix:  # give every element the prefix
        body = re.sub(r"<(/?)(?!" + prefix + r":)([A-Z]\w*)", rf"<\1{prefix}:\2", body)
    return '<?xml version="1.0" encoding="utf-8"?>' + body


def write_qdpx_file(tmp_path, xml: str, files: dict[str, bytes] | None = None, *,
                    qde_name="project.qde", name="project.qdpx") -> Path:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(qde_name, xml.encode("utf-8"))
        for member, data in (files or {}).items():
            archive.writestr(member, data)
    return path


def one_document(tmp_path, text, selections, *, encoding_bom=b"", folder="sources",
                 crlf_file=False, **kwargs) -> Codings:
    data = text.encode("utf-8")
    xml = project_xml(text_source("interview 1", "D1", selections, path="internal://D1.txt"))
    path = write_qdpx_file(tmp_path, xml, {f"{folder}/D1.txt": encoding_bom + data})
    return read_codings(path, **kwargs)


def assert_slices_match(codings: Codings):
    texts = dict(zip(codings.documents["document"], codings.documents["text"]))
    for row in codings.segments.itertuples():
        assert row.text == texts[row.document][row.start:row.end]


# --------------------------------------------------------------------------- real exports (SOURCES.md)


@needs_samples
def test_qc_demo_counts():
    codings = read_codings(SAMPLES / "qc-1.3.2-demo.qdpx")
    seg = codings.segments
    assert len(codings.documents) == 2
    assert len(codings.codebook) == 262
    assert len(seg) == 205  # 205 codings
    assert len(seg.drop_duplicates(["document", "start", "end"])) == 158  # on 158 selections
    assert seg["coder"].unique().tolist() == ["cp"]
    assert codings.info["users"] == ["cp"]
    assert codings.info["format"] == "qdpx" and codings.info["origin"] == "qc 1.3.2"
    assert codings.info["warnings"] == []
    # plainTextPath lacks internal://: the texts are still found
    assert codings.documents["n_chars"].tolist() == [52543, 31906]
    assert_slices_match(codings)
    assert seg["text"].iloc[0].startswith("This district goal is engage every student")
    assert set(seg["code_path"]) <= set(codings.codebook["path"])
    assert list(seg.columns[:8]) == ["document", "case", "group", "code", "start", "end", "text", "coder"]
    assert seg["group"].isna().all()
    assert (seg["case"] == seg["document"]).all()  # no cases: each document is its own case


@needs_samples
def test_nvivo_mac_codebook_only():
    codings = read_codings(SAMPLES / "nvivo-mac-15-codebook-only.qdpx")
    assert len(codings.documents) == 2
    assert len(codings.codebook) == 262
    levels = codings.codebook["path"].str.count("/") + 1
    assert levels.max() == 7  # top level plus codes nested 6 deep
    assert len(codings.segments) == 0
    assert codings.info["users"] == ["chrisp", "cp"]


@needs_samples
def test_atlasti_codes_only():
    codings = read_codings(SAMPLES / "atlasti-23-codes-only.qdpx")
    assert codings.info["users"] == ["Enric Llagostera", "ATLAS.ti"]
    book = codings.codebook
    assert len(book) == 3
    assert book["parent"].fillna("").tolist() == ["", "Commits", "Commits"]
    assert len(codings.documents) == 0 and len(codings.segments) == 0


@needs_samples
def test_maxqda_qde_without_sources_warns():
    with pytest.warns(UserWarning, match="10 problem"):
        codings = read_codings(SAMPLES / "maxqda-24-project.qde")
    assert codings.info["format"] == "qde"
    assert len(codings.documents) == 10
    assert codings.documents["text"].isna().all()
    assert sum("not found" in w for w in codings.info["warnings"]) == 10
    assert len(codings.codebook) == 307
    assert codings.codebook["description"].notna().all()
    assert codings.info["sets"] == ["ICLS 2024", "ICLS 2025"]
    assert (codings.documents["sets"] != "").all()
    assert len(codings.segments) == 0


@needs_samples
def test_taguette_codebook_with_empty_sets():
    codings = read_codings(SAMPLES / "taguette-codebook.qdc")
    assert codings.info["format"] == "qdc"
    assert codings.codebook["code"].tolist() == ["interesting", "people", "interesting\\places"]
    assert codings.codebook["parent"].isna().all()
    assert (codings.codebook["sets"] == "").all()
    assert len(codings.segments) == 0 and len(codings.documents) == 0


@needs_samples
def test_atlasti_codebook_namespace_0_4():
    codings = read_codings(SAMPLES / "atlasti-codebook.qdc")
    row = codings.codebook.iloc[0]
    assert (row["code"], row["description"], row["color"], row["sets"]) == (
        "code1", "description", "#46aa00", "code group 1")
    assert len(codings.codebook) == 1


# --------------------------------------------------------------------------- position units


@pytest.mark.parametrize("unit", ["code_points", "utf16", "utf8"])
@pytest.mark.parametrize("with_names", [False, True])
def test_position_unit_detected(tmp_path, unit, with_names):
    selections = "".join(
        selection(TEXT, words, C_TRUST, unit=unit, name=words if with_names else None, guid=f"S{i}")
        for i, words in enumerate(WORDS)
    )
    codings = one_document(tmp_path, TEXT, selections)
    assert codings.info["position_unit"] == unit
    assert codings.info["position_unit_decided"] == "detected"
    assert codings.segments["text"].tolist() == list(WORDS)
    assert codings.segments["start"].tolist() == [TEXT.index(w) for w in WORDS]
    assert_slices_match(codings)


def test_position_unit_forced(tmp_path):
    selections = "".join(selection(TEXT, w, C_TRUST, unit="utf16", guid=f"S{i}") for i, w in enumerate(WORDS))
    with pytest.warns(UserWarning, match="beyond the end of the text.*dropped, not kept as empty segments"):
        forced = one_document(tmp_path, TEXT, selections, position_unit="code_points")
    assert len(forced.segments) == len(WORDS) - 1  # the last span lies beyond the text: dropped
    assert forced.info["position_unit"] == "code_points"
    assert forced.info["position_unit_decided"] == "forced"
    # read as code points, UTF-16 offsets after one emoji are one character too far
    assert forced.segments["text"].tolist()[0] == TEXT[TEXT.index("veilig") + 1:][:6]
    assert one_document(tmp_path, TEXT, selections, position_unit="UTF-16").segments["text"].tolist() == list(WORDS)


def test_ascii_text_is_spec_default(tmp_path):
    text = "Plain ascii words only here."
    codings = one_document(tmp_path, text, selection(text, "ascii words", C_TRUST))
    assert codings.info["position_unit"] == "code_points"
    assert codings.info["position_unit_decided"] == "spec default"
    assert codings.segments["text"].tolist() == ["ascii words"]


def test_end_inclusive(tmp_path):
    text = "Buurt 😀 voelt veilig."
    start, end = span(text, "veilig")
    xml_sel = (f'<PlainTextSelection guid="S" startPosition="{start + 1}" endPosition="{end}">'
               f'<Coding creatingUser="{U1}"><CodeRef targetGUID="{C_TRUST}"/></Coding></PlainTextSelection>')
    # a UTF-16 tool writing inclusive ends: start+1 (emoji), last character = end-1+1
    codings = one_document(tmp_path, text, xml_sel, end="inclusive", position_unit="utf16")
    assert codings.segments["text"].tolist() == ["veilig"]
    assert codings.info["end"] == "inclusive"


# --------------------------------------------------------------------------- line endings, BOM, folders, names


def test_crlf_counted_as_one(tmp_path):
    text = "Vraag: hoe is het?\r\nAntwoord: goed.\r\nVraag: en de buren?\r\nAntwoord: die helpen."
    words = ("goed", "en de buren", "die helpen")
    selections = "".join(selection(text, w, C_HELP, crlf_one=True, guid=f"S{i}") for i, w in enumerate(words))
    codings = one_document(tmp_path, text, selections)
    assert codings.info["crlf_counted_as_one"] is True
    assert codings.documents["text"].iloc[0] == text  # the file keeps CRLF
    assert codings.segments["text"].tolist() == list(words)
    assert_slices_match(codings)


def test_crlf_counted_as_two_stays_default(tmp_path):
    text = "Vraag: hoe is het?\r\nAntwoord: goed.\r\nVraag: en de buren?\r\nAntwoord: die helpen."
    selections = "".join(selection(text, w, C_HELP, guid=f"S{i}") for i, w in enumerate(("goed", "die helpen")))
    codings = one_document(tmp_path, text, selections)
    assert codings.info["crlf_counted_as_one"] is False
    assert codings.segments["text"].tolist() == ["goed", "die helpen"]


def test_bom_not_counted(tmp_path):
    codings = one_document(tmp_path, TEXT, selection(TEXT, "veilig", C_TRUST), encoding_bom=b"\xef\xbb\xbf")
    assert not codings.documents["text"].iloc[0].startswith("\ufeff")
    assert codings.segments["text"].tolist() == ["veilig"]


@pytest.mark.parametrize("folder", ["sources", "Sources", "SOURCES"])
def test_sources_folder_case(tmp_path, folder):
    codings = one_document(tmp_path, TEXT, selection(TEXT, "veilig", C_TRUST), folder=folder)
    assert codings.segments["text"].tolist() == ["veilig"]
    assert codings.info["warnings"] == []


def test_qde_named_after_project_and_path_variants(tmp_path):
    sources = (
        text_source("A", "DA", selection(TEXT, "veilig", C_TRUST), path="DA.txt")  # no internal://
        + text_source("B", "DB", selection(TEXT, "hitte en storm", C_HEAT), path="relative:///interviews/DB.txt")
        + text_source("C", "DC", selection(TEXT, "helpt elkaar", C_HELP), path="absolute:///C:/Users/x/DC.txt")
        + text_source(None, "DD", selection(TEXT, "Vertrouwen groeit", C_TRUST), inline=TEXT)
    )
    files = {f"sources/{n}.txt": TEXT.encode() for n in ("DA", "DB", "DC")}
    path = write_qdpx_file(tmp_path, project_xml(sources), files, qde_name="Wijkaanpak Den Haag.qde")
    codings = read_codings(path)
    assert codings.segments["text"].tolist() == ["veilig", "hitte en storm", "helpt elkaar", "Vertrouwen groeit"]
    assert codings.documents["document"].tolist() == ["A", "B", "C", "document 4"]
    assert codings.info["source"] == "project.qdpx"
    dump = repr(codings.info) + codings.segments.to_csv() + codings.documents.to_csv()
    assert "secret-researcher" not in dump and "Users/x" not in dump  # basePath never copied


@pytest.mark.parametrize("variant", ["default", "none", "prefixed", "old"])
def test_namespace_variants(tmp_path, variant):
    ns = {"default": PROJECT_NS, "none": "", "prefixed": PROJECT_NS, "old": "urn:QDA-XML:project:0:4"}[variant]
    xml = project_xml(text_source("A", "DA", selection(TEXT, "veilig", C_TRUST), inline=TEXT),
                      ns=ns, prefix="qda" if variant == "prefixed" else "")
    path = tmp_path / "p.qde"
    path.write_text(xml, encoding="utf-8")
    codings = read_codings(path)
    assert codings.segments["code_path"].tolist() == ["resilience/trust"]
    assert len(codings.codebook) == 4


def test_codebook_quirks_alpha_colour_and_sets(tmp_path):
    sets = (f'<Sets><Set guid="X" name="kern"><MemberCode targetGUID="{C_TRUST}"/>'
            f'<MemberCode targetGUID="{C_HEAT}"/></Set><Set guid="Y" name="klimaat">'
            f'<MemberCode targetGUID="{C_HEAT}"/></Set></Sets>')
    path = tmp_path / "p.qde"
    path.write_text(project_xml(sets=sets), encoding="utf-8")
    book = read_codings(path).codebook.set_index("path")
    assert book.loc["resilience", "color"] == "#ff0000"  # alpha dropped
    assert not book.loc["resilience", "codable"]
    assert book.loc["resilience", "description"] == "Parent theme"
    assert book.loc["resilience/heat", "sets"] == "kern;klimaat"
    assert book.loc["resilience/heat", "parent"] == "resilience"
    assert book.loc["neighbour help", "sets"] == ""
    path.write_text(project_xml(sets="<Sets/>"), encoding="utf-8")
    assert read_codings(path).info["sets"] == []


def test_cases_and_nameless_case(tmp_path):
    cases = ('<Cases><Case guid="K1" name="bewoner 01"><SourceRef targetGUID="DA"/></Case>'
             '<Case guid="K2"><SourceRef targetGUID="DB"/></Case></Cases>')
    sources = (text_source("A", "DA", selection(TEXT, "veilig", C_TRUST), inline=TEXT)
               + text_source("B", "DB", selection(TEXT, "veilig", C_TRUST), inline=TEXT))
    path = tmp_path / "p.qde"
    path.write_text(project_xml(sources, cases=cases), encoding="utf-8")
    with pytest.warns(UserWarning, match="case without a name"):
        codings = read_codings(path)
    assert codings.segments["case"].tolist() == ["bewoner 01", "B"]
    assert codings.documents["case"].tolist() == ["bewoner 01", "B"]


def test_several_codings_and_repeated_spans(tmp_path):
    sources = text_source("A", "DA", (
        selection(TEXT, "helpt elkaar", C_HELP, C_TRUST, guid="S1")          # qc/ATLAS.ti: one selection, two codings
        + selection(TEXT, "veilig", C_TRUST, guid="S2")                       # NVivo: the same span twice
        + selection(TEXT, "veilig", C_TRUST, guid="S3")
        + selection(TEXT, "veilig", C_TRUST, user=U2, guid="S4")              # another coder: kept
    ), inline=TEXT)
    path = tmp_path / "p.qde"
    path.write_text(project_xml(sources), encoding="utf-8")
    codings = read_codings(path)
    seg = codings.segments
    assert seg[["text", "code", "coder"]].values.tolist() == [
        ["helpt elkaar", "neighbour help", "coder A"],
        ["helpt elkaar", "trust", "coder A"],
        ["veilig", "trust", "coder A"],
        ["veilig", "trust", "coder B"],
    ]
    assert codings.info["duplicates_dropped"] == 1
    assert read_codings(path, coder="Z").segments["coder"].unique().tolist() == ["Z"]


def test_qde_folder_with_sources_beside_it(tmp_path):
    (tmp_path / "Sources").mkdir()
    (tmp_path / "Sources" / "DA.txt").write_text(TEXT, encoding="utf-8")
    sources = (text_source("A", "DA", selection(TEXT, "veilig", C_TRUST), path="internal://DA.txt")
               + text_source("B", "DB", selection(TEXT, "veilig", C_TRUST), path="internal://DB.txt"))
    (tmp_path / "My Project.qde").write_text(project_xml(sources), encoding="utf-8")
    with pytest.warns(UserWarning, match="not found"):
        codings = read_codings(tmp_path)  # a folder holding the .qde
    assert codings.segments["text"].tolist()[0] == "veilig"
    assert pd.isna(codings.segments["text"].tolist()[1])
    assert codings.segments["start"].tolist() == [TEXT.index("veilig")] * 2


# --------------------------------------------------------------------------- hostile input


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE Project [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]><Project xmlns="urn:QDA-XML:project:1.0">&c;</Project>'
)
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?><!DOCTYPE Project [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    '<Project xmlns="urn:QDA-XML:project:1.0"><Users><User guid="a" name="&x;"/></Users></Project>'
)


@pytest.mark.parametrize("xml", [BILLION_LAUGHS, EXTERNAL_ENTITY])
def test_entities_refused(tmp_path, xml):
    (tmp_path / "evil.qde").write_text(xml)
    with pytest.raises(CodingsFormatError, match=r"evil\.qde: refused XML with a DTD"):
        read_codings(tmp_path / "evil.qde")
    path = write_qdpx_file(tmp_path, xml)
    with pytest.raises(CodingsFormatError, match=r"project\.qdpx:project\.qde: refused XML"):
        read_codings(path)


@pytest.mark.parametrize("member", ["../evil.txt", "/etc/evil.txt", "sources/../../evil.txt", "C:/evil.txt"])
def test_zip_path_traversal_refused(tmp_path, member):
    path = write_qdpx_file(tmp_path, project_xml(), {member: b"x"})
    with pytest.raises(CodingsFormatError, match="path traversal"):
        read_codings(path)
    assert not (tmp_path.parent / "evil.txt").exists()


def test_source_reference_outside_project_refused(tmp_path):
    (tmp_path / "secret.txt").write_text("geheim")
    (tmp_path / "proj").mkdir()
    xml = project_xml(text_source("A", "DA", selection(TEXT, "veilig", C_TRUST), path="relative:///../secret.txt"))
    (tmp_path / "proj" / "p.qde").write_text(xml)
    with pytest.warns(UserWarning, match="outside the project"):
        codings = read_codings(tmp_path / "proj" / "p.qde")
    assert codings.documents["text"].isna().all()


def test_zip_bomb_refused(tmp_path):
    bomb = b"\0" * (20 << 20)  # 20 MiB of zeros compresses about 1000 times
    path = write_qdpx_file(tmp_path, project_xml(), {"sources/bomb.txt": bomb})
    with pytest.raises(CodingsFormatError, match="zip bomb.*raise `max_ratio`"):
        read_codings(path)
    with pytest.raises(CodingsFormatError, match="more than the limit of 1000000.*raise `max_bytes`"):
        read_codings(path, max_bytes=1_000_000, max_ratio=1e9)
    assert len(read_codings(path, max_ratio=1e9).codebook) == 4  # genuine when the user says so


def test_not_a_project(tmp_path):
    (tmp_path / "x.xml").write_text("<Other/>")
    with pytest.raises(CodingsFormatError, match=r"root element is <Other>"):
        read_codings(tmp_path / "x.xml")
    (tmp_path / "broken.qde").write_text("<Project><Users>")
    with pytest.raises(CodingsFormatError, match="not well-formed"):
        read_codings(tmp_path / "broken.qde")
    with zipfile.ZipFile(tmp_path / "a.qdpx", "w") as archive:
        archive.writestr("readme.txt", "hi")
    with pytest.raises(CodingsFormatError, match="neither a .qde project nor an Excel workbook"):
        read_codings(tmp_path / "a.qdpx")


def test_argument_errors(tmp_path):
    path = tmp_path / "p.qde"
    path.write_text(project_xml())
    with pytest.raises(ValueError, match="`end` is 'last'"):
        read_codings(path, end="last")
    with pytest.raises(ValueError, match="`position_unit` is 'words'"):
        read_codings(path, position_unit="words")
    with pytest.raises(ValueError, match="`format` is 'nvp'"):
        read_codings(path, format="nvp")
    with pytest.raises(TypeError, match="`coder` is int"):
        read_codings(path, coder=3)
    with pytest.raises(ValueError, match="`max_bytes` is 0"):
        read_codings(path, max_bytes=0)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        read_codings(tmp_path / "missing.qdpx")


# --------------------------------------------------------------------------- tabular exports


def write_csv(path: Path, rows, *, encoding="utf-8", delimiter=",", quoting=csv.QUOTE_MINIMAL) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, quoting=quoting).writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows, sheets_before=0) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "notes"
    if sheets_before:
        sheet.append(["nothing", "here"])
        sheet = workbook.create_sheet("data")
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


TAGUETTE = [["id", "document", "tag", "content"],
            ["1", "interview 1", "trust", "We vertrouwen elkaar."],
            ["1", "interview 1", "neighbour help", "We vertrouwen elkaar."],
            ["2", "interview 2", "", "untagged highlight"],
            ["3", "interview 2", "trust", "Samen sterk."]]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_taguette_highlights(tmp_path, kind):
    path = (write_csv(tmp_path / "all_tags.csv", TAGUETTE) if kind == "csv"
            else write_xlsx(tmp_path / "all_tags.xlsx", TAGUETTE, sheets_before=1))
    with pytest.warns(UserWarning, match="1 row"):
        codings = read_codings(path)
    seg = codings.segments
    assert codings.info["format"] == "taguette"
    assert seg["code"].tolist() == ["trust", "neighbour help", "trust"]
    assert seg["start"].isna().all() and seg["end"].isna().all()
    assert seg["case"].tolist() == ["interview 1", "interview 1", "interview 2"]
    assert codings.documents["document"].tolist() == ["interview 1", "interview 2"]
    assert sorted(codings.codebook["code"]) == ["neighbour help", "trust"]


def test_qualcoder_coding_report(tmp_path):
    rows = [["File/case", "Coder", "Coded", "Id", "Codename", "Coded_Memo", "Category", "Category"],
            ["int01.txt", "anna", "we helpen elkaar", "ctid:4", "helping", "", "cohesion", "resilience"],
            ["int01.txt", "anna", "image", "imid:2", "helping", "", "cohesion", "resilience"],
            ["int02.txt", "bram", "stroom viel uit", "ctid:9", "outage", "", "", ""]]
    # QualCoder writes UTF-8 with BOM and quotes every cell
    path = write_csv(tmp_path / "report.csv", rows, encoding="utf-8-sig", quoting=csv.QUOTE_ALL)
    with pytest.warns(UserWarning, match="non-text media"):
        codings = read_codings(path)
    seg = codings.segments
    assert codings.info["format"] == "qualcoder"
    assert seg["code_path"].tolist() == ["resilience/cohesion/helping", "outage"]
    assert seg["coder"].tolist() == ["anna", "bram"]
    assert seg["text"].tolist() == ["we helpen elkaar", "stroom viel uit"]
    assert codings.codebook.set_index("path").loc["resilience/cohesion", "parent"] == "resilience"


def test_maxqda_coded_segments(tmp_path):
    rows = [["Color", "Document group", "Document name", "Code", "Beginning", "End", "Segment", "Created by"],
            ["#ff0000", "bewoners", "Interview 3", "Veerkracht\\Vertrouwen", 4, 4, "Ik ken mijn buren.", "JB"],
            ["#00ff00", "bewoners", "Interview 3", "Hitte", 7, 8, "Het was heet.", "JB"]]
    codings = read_codings(write_xlsx(tmp_path / "segments.xlsx", rows))
    seg = codings.segments
    assert codings.info["format"] == "maxqda"
    assert seg["code"].tolist() == ["Vertrouwen", "Hitte"]
    assert seg["code_path"].tolist() == ["Veerkracht/Vertrouwen", "Hitte"]
    assert seg["coder"].tolist() == ["JB", "JB"]
    assert seg["start"].isna().all()  # MAXQDA's Beginning/End count paragraphs


def test_long_csv_semicolon_and_inclusive(tmp_path):
    rows = [["document", "case", "code", "start", "end", "text", "coder"],
            ["int01", "R1", "trust", "0", "4", "Hallo", "A"],
            ["int01", "", "heat", "10", "12", "", "B"]]
    path = write_csv(tmp_path / "codes.txt", rows, delimiter=";")
    codings = read_codings(path, end="inclusive")
    seg = codings.segments
    assert codings.info["format"] == "long"
    assert seg["end"].tolist() == [5, 13]
    assert seg["case"].tolist() == ["R1", "int01"]
    assert str(seg["start"].dtype) == "Int64"
    with pytest.raises(ValueError, match="no source texts"):
        read_codings(path, position_unit="utf16")


def test_long_csv_errors(tmp_path):
    rows = [["document", "code", "start", "end"], ["int01", "trust", "1", "x"]]
    with pytest.raises(CodingsFormatError, match=r"row 2, column 'end' is 'x'"):
        read_codings(write_csv(tmp_path / "a.csv", rows))
    rows = [["document", "code", "start", "end"], ["int01", "trust", "5", "3"]]
    with pytest.raises(CodingsFormatError, match=r"row 2 has start=5, end=3"):
        read_codings(write_csv(tmp_path / "b.csv", rows))
    with pytest.raises(CodingsFormatError, match="matches no known export"):
        read_codings(write_csv(tmp_path / "c.csv", [["respondent", "q1"], ["r1", "3"]]))


# --------------------------------------------------------------------------- scale


def test_many_documents_fast(tmp_path):
    import time

    sources = "".join(
        text_source(f"doc{i}", f"D{i}", "".join(
            selection(TEXT, w, C_TRUST, unit="utf16", guid=f"S{i}-{j}") for j, w in enumerate(WORDS)
        ), path=f"internal://D{i}.txt") for i in range(300)
    )
    files = {f"sources/D{i}.txt": (TEXT * 20).encode() for i in range(300)}
    path = write_qdpx_file(tmp_path, project_xml(sources), files)
    began = time.perf_counter()
    codings = read_codings(path)
    assert time.perf_counter() - began < 10
    assert len(codings.segments) == 1200
    assert codings.info["position_unit"] == "utf16"
    assert set(codings.segments["text"]) == set(WORDS)


# --------------------------------------------------------------------------- round trip with write_qdpx


def test_round_trip_with_write_qdpx(tmp_path):
    writer = pytest.importorskip("evaluation.readers.qdpx_writer")
    texts = {"int01": TEXT, "int02": "Vraag: goed?\r\nAntwoord: 👍🏽 ja, écht goed.\r\n"}
    documents = pd.DataFrame({"document": list(texts), "text": list(texts.values()), "case": ["R1", "R2"]})
    rows = []
    for document, words, code, coder in [
        ("int01", "veilig", "trust", "A"), ("int01", "veilig", "heat", "A"), ("int01", "veilig", "trust", "B"),
        ("int01", "Vertrouwen groeit", "trust", "A"), ("int02", "ja, écht goed", "trust", "B"),
        ("int02", "Antwoord", "heat", "A"),
    ]:
        start, end = span(texts[document], words)
        rows.append({"document": document, "code": code, "start": start, "end": end, "coder": coder})
    written = pd.DataFrame(rows)
    codebook = pd.DataFrame({"code": ["resilience", "trust", "heat"], "parent": [None, "resilience", "resilience"]})
    path = writer.write_qdpx(tmp_path / "rt.qdpx", written, documents=documents, codebook=codebook)
    codings = read_codings(path)
    assert codings.info["warnings"] == []
    assert codings.info["position_unit"] == "code_points"
    keys = ["document", "code", "start", "end", "coder"]
    got = codings.segments[keys].astype({"start": "int64", "end": "int64"})
    pd.testing.assert_frame_equal(
        got.sort_values(keys).reset_index(drop=True),
        written[keys].astype({"document": "str", "code": "str", "coder": "str"}).sort_values(keys).reset_index(drop=True),
    )
    assert_slices_match(codings)
    assert dict(zip(codings.segments["document"], codings.segments["case"])) == {"int01": "R1", "int02": "R2"}
    assert codings.documents["text"].tolist() == list(texts.values())
    assert codings.codebook.set_index("code").loc["heat", "path"] == "resilience/heat"


def test_forced_format(tmp_path):
    path = write_csv(tmp_path / "all_tags.csv", TAGUETTE)
    # a Taguette file also has the long table's document column, but no code column
    with pytest.raises(CodingsFormatError, match="a long export needs the columns code, document"):
        read_codings(path, format="long")
    with pytest.raises(ValueError, match="`format` is 'qdc' but project.qdpx holds a qdpx export"):
        read_codings(write_qdpx_file(tmp_path, project_xml()), format="qdc")
    assert read_codings(write_qdpx_file(tmp_path, project_xml()), format="qdpx").info["format"] == "qdpx"


def test_guids_not_relied_on(tmp_path):
    """ATLAS.ti regenerates GUIDs on every export: the tables must not change."""
    sources = text_source("A", "DA", selection(TEXT, "veilig", C_TRUST) + selection(TEXT, "hitte en storm", C_HEAT),
                          inline=TEXT)
    first = tmp_path / "first.qde"
    first.write_text(project_xml(sources))
    second = tmp_path / "second.qde"
    renamed = project_xml(sources)
    for old, new in [(C_TRUST, "AAAA-1"), (C_HEAT, "BBBB-2"), ("DA", "CCCC-3"), (U1, "DDDD-4")]:
        renamed = renamed.replace(old, new)
    second.write_text(renamed)
    a, b = read_codings(first), read_codings(second)
    pd.testing.assert_frame_equal(a.segments, b.segments)
    pd.testing.assert_frame_equal(a.codebook, b.codebook)


def test_ambiguous_positions_fall_back_to_code_points(tmp_path):
    # one selection on whitespace-free boundaries either way: nothing tells the readings apart
    text = "😀 a b c d e f g"
    sel = ('<PlainTextSelection guid="S" startPosition="4" endPosition="5">'
           f'<Coding creatingUser="{U1}"><CodeRef targetGUID="{C_TRUST}"/></Coding></PlainTextSelection>')
    with pytest.warns(UserWarning, match="equally well"):
        codings = one_document(tmp_path, text, sel)
    assert codings.info["position_unit"] == "code_points"
    assert codings.info["position_unit_decided"] == "spec default"
    assert codings.segments["text"].tolist() == ["b"]
