"""Tests for the REFI-QDA (.qdpx) writer."""
from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest
from lxml import etree

from evaluation.readers.qdpx_writer import NAMESPACE, write_qdpx, write_reproducible_zip

# the official QDA-XML 1.0 project schema (MIT), copied into tests/data (see its README)
SCHEMA = Path(__file__).resolve().parent / "data" / "refi-qda" / "Project-mrt2019.xsd"
needs_schema = pytest.mark.skipif(not SCHEMA.is_file(), reason="schema file missing from tests/data/refi-qda")
NS = {"q": NAMESPACE}

TEXT_1 = "I: Hoe gaat het?\nR: Goed 🙂 hoor. De buren zijn aardig geworden.\n"
TEXT_2 = "Het spreekuur op zaterdag werkte. Ideeën genoeg, één probleem: tijd."


def _documents() -> pd.DataFrame:
    return pd.DataFrame({"document": ["Interview 01", "Interview 02"], "text": [TEXT_1, TEXT_2], "case": ["INT-01", "INT-02"]})


def _span(text: str, part: str) -> tuple[int, int]:
    start = text.index(part)
    return start, start + len(part)


def _segments() -> pd.DataFrame:
    rows = []
    for document, text, part, code, coder in [
        ("Interview 01", TEXT_1, "De buren zijn aardig geworden.", "Sociale samenhang", "codeur-1"),
        ("Interview 01", TEXT_1, "De buren zijn aardig geworden.", "Citaat akkoord", "codeur-1"),
        ("Interview 01", TEXT_1, "De buren zijn aardig", "Sociale samenhang", "codeur-2"),
        ("Interview 02", TEXT_2, "Het spreekuur op zaterdag werkte.", "Zichtbaar aanwezig zijn", "codeur-1"),
        ("Interview 02", TEXT_2, "één probleem: tijd.", "Beperkte tijd en middelen", "codeur-1"),
    ]:
        start, end = _span(text, part)
        case = "INT-01" if document.endswith("01") else "INT-02"
        rows.append({"document": document, "case": case, "code": code, "start": start, "end": end, "text": part, "coder": coder})
    return pd.DataFrame(rows)


def _codebook() -> pd.DataFrame:
    return pd.DataFrame({
        "code": ["Thema's", "Sociale samenhang", "Werkwijze", "Zichtbaar aanwezig zijn", "Beperkte tijd en middelen", "Citaat akkoord"],
        "parent": [None, "Thema's", None, "Werkwijze", "Werkwijze", None],
        "description": [None, "Contact tussen buren", None, None, None, "Toestemming om te citeren"],
        "color": [None, "#1B9E77", None, "#D95F02", "#7570b3", "#000"],
    })


def _cases() -> pd.DataFrame:
    return pd.DataFrame({
        "case": ["INT-01", "INT-02"],
        "stakeholder_group": ["resident", "municipal_staff"],
        "age": [45, 38],
        "consent": [True, False],
        "minutes": [52.5, float("nan")],
    })


@pytest.fixture
def project(tmp_path) -> Path:
    return write_qdpx(tmp_path / "p.qdpx", _segments(), documents=_documents(), codebook=_codebook(), cases=_cases())


def _root(path: Path) -> etree._Element:
    with zipfile.ZipFile(path) as archive:
        return etree.fromstring(archive.read("project.qde"))


@needs_schema
def test_output_validates_against_the_refi_qda_schema(project):
    schema = etree.XMLSchema(etree.parse(str(SCHEMA)))
    root = _root(project)
    assert schema.validate(root), schema.error_log
    assert root.tag == f"{{{NAMESPACE}}}Project"


@needs_schema
def test_minimal_project_without_codebook_or_cases_validates(tmp_path):
    segments = _segments().drop(columns=["case", "text"])
    documents = _documents().drop(columns=["case"])
    path = write_qdpx(tmp_path / "min.qdpx", segments, documents=documents)
    schema = etree.XMLSchema(etree.parse(str(SCHEMA)))
    root = _root(path)
    assert schema.validate(root), schema.error_log
    assert root.find("q:Cases", NS) is None
    codes = [c.get("name") for c in root.iterfind(".//q:Code", NS)]
    assert codes == list(dict.fromkeys(segments["code"]))


def test_archive_layout_sources_and_no_base_path(project):
    with zipfile.ZipFile(project) as archive:
        names = archive.namelist()
        root = etree.fromstring(archive.read("project.qde"))
        assert names[0] == "project.qde"
        assert "basePath" not in archive.read("project.qde").decode("utf-8")
        for source in root.iterfind(".//q:TextSource", NS):
            guid = source.get("guid")
            assert source.get("plainTextPath") == f"internal://{guid}.txt"
            text = archive.read(f"sources/{guid}.txt")
            assert not text.startswith(b"\xef\xbb\xbf")  # no BOM
            expected = dict(zip(_documents()["document"], _documents()["text"]))[source.get("name")]
            assert text.decode("utf-8") == expected
        assert sorted(names[1:]) == sorted(f"sources/{s.get('guid')}.txt" for s in root.iterfind(".//q:TextSource", NS))


def test_positions_are_code_points_with_exclusive_end(project):
    root = _root(project)
    source = next(s for s in root.iterfind(".//q:TextSource", NS) if s.get("name") == "Interview 01")
    selection = source.find("q:PlainTextSelection", NS)
    start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
    # the emoji before the selection counts as ONE position (code point), not two (UTF-16)
    assert TEXT_1[start:end] == "De buren zijn aardig"
    assert (start, end) == (33, 53)
    assert selection.get("name") == TEXT_1[start:end]


def test_several_codings_on_one_selection_and_one_selection_per_coder(project):
    root = _root(project)
    source = next(s for s in root.iterfind(".//q:TextSource", NS) if s.get("name") == "Interview 01")
    selections = source.findall("q:PlainTextSelection", NS)
    assert len(selections) == 2  # codeur-2's shorter span and codeur-1's span with two codings
    users = {u.get("name"): u.get("guid") for u in root.iterfind(".//q:User", NS)}
    codes = {c.get("guid"): c.get("name") for c in root.iterfind(".//q:Code", NS)}
    by_user = {s.get("creatingUser"): s for s in selections}
    first = by_user[users["codeur-1"]]
    assert sorted(codes[c.find("q:CodeRef", NS).get("targetGUID")] for c in first.findall("q:Coding", NS)) == [
        "Citaat akkoord", "Sociale samenhang"]
    assert all(c.get("creatingUser") == users["codeur-1"] for c in first.findall("q:Coding", NS))
    assert len(by_user[users["codeur-2"]].findall("q:Coding", NS)) == 1


def test_codebook_hierarchy_description_and_colour(project):
    root = _root(project)
    top = root.find("q:CodeBook/q:Codes", NS).findall("q:Code", NS)
    assert [c.get("name") for c in top] == ["Thema's", "Werkwijze", "Citaat akkoord"]
    werkwijze = top[1]
    assert [c.get("name") for c in werkwijze.findall("q:Code", NS)] == ["Zichtbaar aanwezig zijn", "Beperkte tijd en middelen"]
    samenhang = top[0].find("q:Code", NS)
    assert samenhang.find("q:Description", NS).text == "Contact tussen buren"
    assert samenhang.get("color") == "#1B9E77"


def test_cases_link_sources_and_carry_typed_variables(project):
    root = _root(project)
    variables = {v.get("name"): v.get("typeOfVariable") for v in root.iterfind(".//q:Variable", NS)}
    assert variables == {"stakeholder_group": "Text", "age": "Integer", "consent": "Boolean", "minutes": "Float"}
    sources = {s.get("guid"): s.get("name") for s in root.iterfind(".//q:TextSource", NS)}
    cases = {c.get("name"): c for c in root.iterfind(".//q:Case", NS)}
    assert [sources[r.get("targetGUID")] for r in cases["INT-01"].findall("q:SourceRef", NS)] == ["Interview 01"]
    values = cases["INT-02"].findall("q:VariableValue", NS)
    assert len(values) == 3  # the missing `minutes` is left out
    assert [v[1].text for v in values] == ["municipal_staff", "38", "false"]


def test_same_input_gives_identical_bytes_and_name_based_guids(tmp_path):
    a = write_qdpx(tmp_path / "a.qdpx", _segments(), documents=_documents(), codebook=_codebook(), name="x")
    b = write_qdpx(tmp_path / "sub" / "b.qdpx", _segments(), documents=_documents(), codebook=_codebook(), name="x")
    assert a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(a) as archive:
        assert all(info.date_time == (1980, 1, 1, 0, 0, 0) for info in archive.infolist())
    guids = [e.get("guid") for e in _root(a).iter() if e.get("guid")]
    assert len(guids) == len(set(guids))


def test_write_reproducible_zip_fixes_timestamps(tmp_path):
    path = write_reproducible_zip(tmp_path / "z.zip", [("b.txt", b"2"), ("a.txt", b"1")])
    with zipfile.ZipFile(path) as archive:
        assert archive.namelist() == ["b.txt", "a.txt"]
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_round_trip_through_read_codings(project):
    from evaluation.readers.codings import read_codings

    codings = read_codings(project)
    assert codings.info["position_unit"] == "code_points"
    cols = ["document", "case", "code", "start", "end", "text", "coder"]
    got = codings.segments[cols].astype({"start": int, "end": int}).sort_values(cols).reset_index(drop=True)
    want = _segments()[cols].sort_values(cols).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want, check_dtype=False)
    paths = dict(zip(codings.codebook["code"], codings.codebook["path"]))
    assert paths["Zichtbaar aanwezig zijn"] == "Werkwijze/Zichtbaar aanwezig zijn"


# --- bad input ---------------------------------------------------------------
def test_missing_segment_column(tmp_path):
    with pytest.raises(ValueError, match=r"`segments` lacks column\(s\) \['coder'\]"):
        write_qdpx(tmp_path / "x.qdpx", _segments().drop(columns="coder"), documents=_documents())


def test_segments_must_be_a_dataframe(tmp_path):
    with pytest.raises(TypeError, match="`segments` must be a pandas DataFrame"):
        write_qdpx(tmp_path / "x.qdpx", [{"document": "a"}], documents=_documents())


def test_unknown_document(tmp_path):
    seg = _segments().assign(document="Interview 99")
    with pytest.raises(ValueError, match=r"not in `documents`"):
        write_qdpx(tmp_path / "x.qdpx", seg, documents=_documents())


def test_duplicate_document(tmp_path):
    docs = pd.concat([_documents(), _documents().iloc[:1]])
    with pytest.raises(ValueError, match="more than once"):
        write_qdpx(tmp_path / "x.qdpx", _segments(), documents=docs)


def test_positions_outside_document(tmp_path):
    seg = _segments()
    seg.loc[0, "end"] = 10_000
    with pytest.raises(ValueError, match="positions outside their document.*end exclusive"):
        write_qdpx(tmp_path / "x.qdpx", seg.drop(columns="text"), documents=_documents())


def test_non_integer_positions(tmp_path):
    seg = _segments().astype({"start": float})
    seg.loc[0, "start"] = 1.5
    with pytest.raises(ValueError, match="whole numbers"):
        write_qdpx(tmp_path / "x.qdpx", seg, documents=_documents())


def test_text_must_match_positions(tmp_path):
    seg = _segments()
    seg.loc[0, "start"] += 1  # as if positions were UTF-16 units
    with pytest.raises(ValueError, match="differs from the document text"):
        write_qdpx(tmp_path / "x.qdpx", seg, documents=_documents())


def test_repeated_coding(tmp_path):
    seg = pd.concat([_segments(), _segments().iloc[:1]])
    with pytest.raises(ValueError, match="repeats 1 coding"):
        write_qdpx(tmp_path / "x.qdpx", seg, documents=_documents())


def test_code_missing_from_codebook(tmp_path):
    book = _codebook().iloc[:-1]
    with pytest.raises(ValueError, match=r"\['Citaat akkoord'\] that are not in `codebook`"):
        write_qdpx(tmp_path / "x.qdpx", _segments(), documents=_documents(), codebook=book)


def test_unknown_parent_and_cycle(tmp_path):
    book = _codebook()
    book.loc[1, "parent"] = "Nergens"
    with pytest.raises(ValueError, match=r"`codebook.parent` names code\(s\) \['Nergens'\]"):
        write_qdpx(tmp_path / "x.qdpx", _segments(), documents=_documents(), codebook=book)
    book = _codebook()
    book.loc[0, "parent"] = "Sociale samenhang"
    with pytest.raises(ValueError, match="cycle"):
        write_qdpx(tmp_path / "x.qdpx", _segments(), documents=_documents(), codebook=book)


def test_bad_colour(tmp_path):
    book = _codebook()
    book.loc[1, "color"] = "#11223344"
    with pytest.raises(ValueError, match=r"'#RRGGBB'.*#11223344"):
        write_qdpx(tmp_path / "x.qdpx", _segments(), documents=_documents(), codebook=book)


def test_users_must_cover_coders(tmp_path):
    with pytest.raises(ValueError, match=r"`users` lacks coder\(s\) \['codeur-2'\]"):
        write_qdpx(tmp_path / "x.qdpx", _segments(), documents=_documents(), users=["codeur-1"])


def test_case_missing_from_cases(tmp_path):
    with pytest.raises(ValueError, match="case 'INT-02'.*not in `cases`"):
        write_qdpx(tmp_path / "x.qdpx", _segments(), documents=_documents(), cases=_cases().iloc[:1])
