"""Hostile and malformed inputs: every case ends in a clear error or a warning in validation.csv.

Each case starts from a fresh copy of the synthetic example project, breaks one
thing (a raw file, the study, the instrument) and runs ``evaluation import``
through :func:`evaluation.cli.main`. Checked for every case:

* no traceback and no "internal error" on standard error;
* an error case exits non-zero, names the file/row/column or key, and the same
  call through the API raises the documented class (``ConfigError``,
  ``ImportValidationError``, ``SurveyReadError`` or ``CodingsFormatError``);
* a warning case exits 0 and validation.csv holds the warning (and with
  ``strict: true`` the import fails);
* the raw folder is byte for byte unchanged.

All files are generated here, in ``tmp_path``. Bombs are kept small: the limits
trip before anything large is parsed, so no timing asserts are needed.
"""
from __future__ import annotations

import functools
import hashlib
import re
import shutil
import warnings
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import DEMO_STUDY, make_demo_project

from evaluation.cli import main
from evaluation.config import ConfigError, load_study
from evaluation.importer import import_study
from evaluation.readers.refi import CodingsFormatError
from evaluation.readers.surveys import SurveyReadError, read_survey
from evaluation.validate import ImportValidationError

RAW = "data/raw/noorderbeekdwarsstraat-demo"
INSTRUMENT = "config/instruments/veerkracht-straat.yml"
KEY = "hostile-inputs-test-key-0123456789abcdef"


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return make_demo_project(tmp_path_factory.mktemp("hostile-template")).parents[2]


class Project:
    """A throw-away copy of the example project with helpers to break it."""

    def __init__(self, root: Path):
        self.root = root
        self.study = root / DEMO_STUDY
        self.raw = root / RAW

    # --- configuration
    def edit_yaml(self, relative: str, change) -> None:
        path = self.root / relative
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(data)
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")

    def edit_study(self, change) -> None:
        self.edit_yaml(DEMO_STUDY, change)

    def set(self, dotted: str, value) -> None:
        def change(data):
            *parents, last = dotted.split(".")
            node = data
            for key in parents:
                node = node.setdefault(key, {})
            node[last] = value
        self.edit_study(change)

    # --- raw files
    def csv_lines(self, name="nulmeting.csv") -> list[str]:
        return (self.raw / name).read_bytes().decode("cp1252").splitlines()

    def write_lines(self, lines, name="nulmeting.csv", encoding="cp1252") -> None:
        (self.raw / name).write_bytes(("\n".join(lines) + "\n").encode(encoding))

    def qde(self) -> str:
        with zipfile.ZipFile(self.raw / "interviews.qdpx") as archive:
            return archive.read("project.qde").decode("utf-8")

    def write_qdpx(self, xml: str | None = None, extra: dict | None = None) -> None:
        path = self.raw / "interviews.qdpx"
        with zipfile.ZipFile(path) as archive:
            members = {n: archive.read(n) for n in archive.namelist()}
        if xml is not None:
            members["project.qde"] = xml.encode("utf-8")
        members.update(extra or {})
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in members.items():
                archive.writestr(name, data)

    def sheet(self, change) -> None:
        import openpyxl

        path = self.raw / "eindmeting.xlsx"
        workbook = openpyxl.load_workbook(path)
        change(workbook.active)
        workbook.save(path)


@pytest.fixture
def project(template, tmp_path, monkeypatch) -> Project:
    root = tmp_path / "project"
    shutil.copytree(template, root)
    # the raw files are edited, so the synthetic study's fixed demo key no longer applies
    monkeypatch.setenv("EVALUATION_PSEUDONYM_KEY", KEY)
    return Project(root)


def tree_hash(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def run_import(project: Project, capsys) -> tuple[int, str]:
    before = tree_hash(project.raw)
    capsys.readouterr()
    code = main(["import", "--study", str(project.study), "--force", "--quiet"])
    err = capsys.readouterr().err
    assert "Traceback" not in err and "internal error" not in err, err
    assert tree_hash(project.raw) == before, "the import changed a raw file"
    return code, err


def validation(project: Project) -> pd.DataFrame:
    return pd.read_csv(project.root / "data/processed/noorderbeekdwarsstraat-demo/validation.csv", dtype=str)


# --------------------------------------------------------------------------- breakers
# Each breaker edits the project; ERRORS maps a case to (breaker, exception class, regexes the
# message must match); WARNINGS to (breaker, regexes one warning row of validation.csv must match).


def _drop_column(project, column, name="nulmeting.csv"):
    lines = project.csv_lines(name)
    index = lines[0].split(";").index(column)
    project.write_lines([";".join(c for i, c in enumerate(line.split(";")) if i != index) for line in lines], name)


def _set_cell(project, row, column, value, name="nulmeting.csv"):
    lines = project.csv_lines(name)
    header = lines[0].split(";")
    cells = lines[row].split(";")
    cells[header.index(column)] = value
    lines[row] = ";".join(cells)
    project.write_lines(lines, name)


def _nested_codes(depth):
    return ("<Code guid=\"N{0}\" name=\"n{0}\">".format(0)
            + "".join(f'<Code guid="N{i}" name="n{i}">' for i in range(1, depth)) + "</Code>" * depth)


def _replace_codes(project, codes_xml):
    xml = project.qde()
    return re.sub(r"<Codes>.*</Codes>", lambda _m: f"<Codes>{codes_xml}</Codes>", xml, count=1, flags=re.S)


def _duplicate_guid(project):
    xml = project.qde()
    guids = re.findall(r'<Code guid="([^"]+)"', xml)
    return xml.replace(f'<Code guid="{guids[2]}"', f'<Code guid="{guids[1]}"', 1)


def _selection_positions(project, start, end):
    xml = project.qde()
    return re.sub(r'startPosition="\d+" endPosition="\d+"', f'startPosition="{start}" endPosition="{end}"', xml, count=1)


def _xlsx_add_member(project, name, data):
    path = project.raw / "eindmeting.xlsx"
    with zipfile.ZipFile(path) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    members[name] = data
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, content in members.items():
            archive.writestr(member, content)


def _xlsx_empty_rows(project, n):
    path = project.raw / "eindmeting.xlsx"
    with zipfile.ZipFile(path) as archive:
        members = {m: archive.read(m) for m in archive.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    rows = "".join(f'<row r="{i}"/>' for i in range(1000, 1000 + n)).encode()
    members[sheet] = members[sheet].replace(b"</sheetData>", rows + b"</sheetData>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, content in members.items():
            archive.writestr(member, content)


def _xlsx_only(project, **limits):
    """Both waves read the workbook, so its limit trips first."""
    def change(data):
        data["waves"][0]["file"] = "eindmeting.xlsx"
        data["limits"] = limits
    project.edit_study(change)


def _alias_bomb(project):
    bomb = 'a: &a ["x","x","x","x","x","x","x","x","x","x"]\n'
    for i, name in enumerate("bcdefghijk"):
        prev = "abcdefghijk"[i]
        bomb += f"{name}: &{name} [" + ",".join([f"*{prev}"] * 10) + "]\n"
    project.study.write_text(project.study.read_text(encoding="utf-8") + "bomb:\n  " + bomb.replace("\n", "\n  "),
                             encoding="utf-8")


def _instrument_min(project, value):
    def change(data):
        data["answer_sets"]["euro"]["min"] = value
    project.edit_yaml(INSTRUMENT, change)


def _mixed_separators(project):
    lines = project.csv_lines()
    lines[5] = lines[5].replace(";", ",")
    project.write_lines(lines)


def _long_row(project):
    lines = project.csv_lines()
    lines[3] += ";extra;fields"
    project.write_lines(lines)


def _qde_folder_with_survey_as_source(project):
    """A .qde beside the survey export; one source points at the survey CSV by name."""
    with zipfile.ZipFile(project.raw / "interviews.qdpx") as archive:
        for name in archive.namelist():
            target = project.raw / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(name))
    qde = project.raw / "project.qde"
    xml = qde.read_text(encoding="utf-8")
    qde.write_text(re.sub(r'plainTextPath="[^"]+"', 'plainTextPath="internal://nulmeting.csv"', xml, count=1),
                   encoding="utf-8")
    (project.raw / "interviews.qdpx").unlink()
    project.set("interviews.codings", "project.qde")


ERRORS = {
    # ---- study configuration (ConfigError)
    "fpc-text-no": (lambda p: p.set("analysis.finite_population_correction", "no"), ConfigError,
                    [r"analysis\.finite_population_correction: wrong type", "true/false"]),
    "adjust-typo": (lambda p: p.set("analysis.adjust", "hollm"), ConfigError,
                    [r"analysis\.adjust: value not allowed", "holm, fdr_bh, bonferroni"]),
    "confidence-95": (lambda p: p.set("analysis.confidence", 95), ConfigError,
                      [r"analysis\.confidence: out of range", "did you mean 0.95"]),
    "confidence-bool": (lambda p: p.set("analysis.confidence", True), ConfigError, [r"analysis\.confidence: wrong type"]),
    "min-cell-interviews-0": (lambda p: p.set("privacy.min_cell_interviews", 0), ConfigError,
                              [r"privacy\.min_cell_interviews: out of range"]),
    "min-cell-fraction": (lambda p: p.set("privacy.min_cell", 10.5), ConfigError, [r"privacy\.min_cell: wrong type"]),
    "round-to-text": (lambda p: p.set("privacy.round_to", "5"), ConfigError,
                      [r"privacy\.round_to: wrong type", "whole number"]),
    "synthetic-text": (lambda p: p.set("study.synthetic", "yes"), ConfigError, [r"study\.synthetic: wrong type"]),
    "strict-text": (lambda p: p.edit_study(lambda d: d.update(strict="yes")), ConfigError, [r"strict: wrong type"]),
    "external-flag-text": (lambda p: p.set("study.allow_external_paths", "true"), ConfigError,
                           [r"study\.allow_external_paths: wrong type"]),
    "unknown-top-key": (lambda p: p.edit_study(lambda d: d.update(analysys={"adjust": "holm"})), ConfigError,
                        [r"analysys: unknown key"]),
    "processed-dir-outside": (lambda p: p.set("study.processed_dir", "../../../elsewhere"), ConfigError,
                              [r"study\.processed_dir: outside the project folder", "allow_external_paths"]),
    "raw-dir-outside": (lambda p: p.set("study.raw_dir", "/tmp"), ConfigError, [r"study\.raw_dir: outside the project"]),
    "wave-file-dotdot": (lambda p: p.edit_study(lambda d: d["waves"][0].update(file="../../../config/x.csv")),
                         ConfigError, [r"waves\[0\]\.file: must name a file inside the raw-data folder"]),
    "wave-file-absolute": (lambda p: p.edit_study(lambda d: d["waves"][0].update(file="/etc/passwd")), ConfigError,
                           [r"waves\[0\]\.file: must name a file inside", "no absolute path"]),
    "wave-file-is-folder": (lambda p: (p.raw / "folder.csv").mkdir() or
                            p.edit_study(lambda d: d["waves"][0].update(file="folder.csv")), ConfigError,
                            [r"waves\[0\]\.file: .*is a folder"]),
    "duplicate-wave-ids": (lambda p: p.edit_study(lambda d: d["waves"][1].update(id="before")), ConfigError,
                           [r"waves: wave ids must be unique"]),
    "negative-sheet": (lambda p: p.edit_study(lambda d: d["waves"][1].update(sheet=-1)), ConfigError,
                       [r"waves\[1\]\.sheet: sheet numbers count from 0"]),
    "limits-unknown-key": (lambda p: p.edit_study(lambda d: d.update(limits={"max_size": 5})), ConfigError,
                           [r"limits\.max_size: unknown key", "max_file_mb"]),
    "limits-ratio-zero": (lambda p: p.edit_study(lambda d: d.update(limits={"max_ratio": 0})), ConfigError,
                          [r"limits\.max_ratio: out of range"]),
    "limits-rows-text": (lambda p: p.edit_study(lambda d: d.update(limits={"max_rows": "many"})), ConfigError,
                         [r"limits\.max_rows: wrong type"]),
    "screen-names-not-text": (lambda p: p.set("privacy.screen_names", ["Jansen", 12]), ConfigError,
                              [r"privacy\.screen_names: each entry must be a name"]),
    "instrument-min-nul": (lambda p: _instrument_min(p, "nul"), ConfigError,
                           [r"veerkracht-straat\.yml: answer_sets\.euro\.min: wrong type", "found: 'nul'"]),
    "instrument-code-text": (lambda p: p.edit_yaml(INSTRUMENT, lambda d: d["answer_sets"]["yesno"]["codes"].update(
        {"ja": {"nl": "Ja"}})), ConfigError, [r"answer_sets\.yesno\.codes\.ja: answer codes must be numbers"]),
    # ---- hostile YAML (ConfigError)
    "yaml-alias-bomb": (_alias_bomb, ConfigError, [r"more than 100 aliases|alias bomb"]),
    "yaml-deep-nesting": (lambda p: p.study.write_text("a: " + "[" * 200 + "]" * 200 + "\n"), ConfigError,
                          [r"nested more than 32 levels"]),
    "yaml-duplicate-key": (lambda p: p.study.write_text(p.study.read_text(encoding="utf-8") + "strict: true\nstrict: false\n",
                                                        encoding="utf-8"), ConfigError,
                           [r"key 'strict' appears twice"]),
    "yaml-tab-indent": (lambda p: p.study.write_text("study:\n\tid: x\n"), ConfigError, [r"replace the tab characters"]),
    "yaml-not-utf8": (lambda p: p.study.write_bytes("study: {id: caf\xe9}\n".encode("cp1252")), ConfigError,
                      [r"not UTF-8 text"]),
    "yaml-empty": (lambda p: p.study.write_text(""), ConfigError, [r"the file is empty"]),
    "yaml-huge": (lambda p: p.study.write_text("# " + "x" * (1 << 20) + "\n"), ConfigError, [r"bytes; a configuration file is at most"]),
    "yaml-top-list": (lambda p: p.study.write_text("- a\n- b\n"), ConfigError, [r"expected a mapping at the top level"]),
    # ---- survey CSV (SurveyReadError / ImportValidationError)
    "csv-no-id-column": (lambda p: _drop_column(p, "respondent_id"), ImportValidationError,
                         [r"nulmeting\.csv, column 'respondent_id': respondent id column missing"]),
    "csv-no-item-column": (lambda p: _drop_column(p, "coh1"), ImportValidationError,
                           [r"nulmeting\.csv, column 'coh1': item column missing"]),
    "csv-no-background-column": (lambda p: _drop_column(p, "woonvorm"), ImportValidationError,
                                 [r"column 'woonvorm': background column for 'tenure' missing"]),
    "csv-utf16-no-bom": (lambda p: (p.raw / "nulmeting.csv").write_bytes(
        (p.raw / "nulmeting.csv").read_bytes().decode("cp1252").encode("utf-16-le")), SurveyReadError,
        [r"nulmeting\.csv: holds NUL bytes", "CSV UTF-8"]),
    "csv-10mb-cell": (lambda p: p.write_lines(p.csv_lines()[:3] + ["X;" + "a" * (10 << 20)] + p.csv_lines()[3:]),
                      SurveyReadError, [r"nulmeting\.csv: line 4", "32767 characters"]),
    "csv-40k-cell": (lambda p: _set_cell(p, 2, "coh1", "a" * 40_000), SurveyReadError,
                     [r"row 3, column 'coh1': a cell of 40000 characters", "limits.max_cell_chars"]),
    "csv-empty": (lambda p: (p.raw / "nulmeting.csv").write_bytes(b""), SurveyReadError,
                  [r"nulmeting\.csv: the file is empty"]),
    "csv-blank-lines": (lambda p: (p.raw / "nulmeting.csv").write_bytes(b"\n\n  \n"), SurveyReadError,
                        [r"nulmeting\.csv: the file holds only blank lines"]),
    "csv-header-only": (lambda p: p.write_lines(p.csv_lines()[:1]), SurveyReadError,
                        [r"nulmeting\.csv: the file has a header but no data rows"]),
    "csv-mixed-separators": (_mixed_separators, ImportValidationError,
                             [r"nulmeting\.csv, row 6, column '\(whole row\)': row uses ',' as separator"]),
    "csv-long-row": (_long_row, SurveyReadError, [r"nulmeting\.csv: row 4 has 35 fields where the header has 33"]),
    "csv-thousands-separator": (lambda p: _set_cell(p, 1, "energierekening", "1.250"), ImportValidationError,
                                [r"row 2, column 'energierekening': found '1\.250': a thousands separator"]),
    "csv-duplicate-id": (lambda p: _set_cell(p, 2, "respondent_id", p.csv_lines()[1].split(";")[0]),
                         ImportValidationError, [r"row 3, column 'respondent_id': respondent id occurs more than once"]),
    "csv-png-renamed": (lambda p: (p.raw / "nulmeting.csv").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(64)),
                        SurveyReadError, [r"nulmeting\.csv: holds NUL bytes"]),
    "csv-file-limit": (lambda p: p.edit_study(lambda d: d.update(limits={"max_file_mb": 0.001})), SurveyReadError,
                       [r"nulmeting\.csv: 0\.0 MB, more than the limit of 0\.001 MB", "limits.max_file_mb"]),
    "csv-row-limit": (lambda p: p.edit_study(lambda d: d.update(limits={"max_rows": 5})), SurveyReadError,
                      [r"nulmeting\.csv: more than 5 rows \(limits\.max_rows\)"]),
    "csv-cell-limit": (lambda p: p.edit_study(lambda d: d.update(limits={"max_cells": 100})), SurveyReadError,
                       [r"more than 100 cells \(limits\.max_cells\)"]),
    # ---- survey XLSX (SurveyReadError / ImportValidationError)
    "xlsx-zip-bomb": (lambda p: _xlsx_add_member(p, "xl/media/padding.bin", b"\0" * (4 << 20)), SurveyReadError,
                      [r"eindmeting\.xlsx: member 'xl/media/padding\.bin' unpacks", "limits.max_ratio"]),
    "xlsx-unpacked-limit": (lambda p: _xlsx_only(p, max_unpacked_mb=0.01),
                            SurveyReadError, [r"eindmeting\.xlsx: unpacks to", "limits.max_unpacked_mb"]),
    "xlsx-205k-empty-rows": (lambda p: _xlsx_empty_rows(p, 205_000), SurveyReadError,
                             [r"eindmeting\.xlsx: (sheet .* more than 200000 rows|member .* unpacks)"]),
    "xlsx-row-limit": (lambda p: _xlsx_only(p, max_rows=10), SurveyReadError,
                       [r"eindmeting\.xlsx: sheet 'xl/worksheets/sheet1\.xml' holds more than 10 rows"]),
    "xlsx-truncated": (lambda p: (p.raw / "eindmeting.xlsx").write_bytes((p.raw / "eindmeting.xlsx").read_bytes()[:5000]),
                       SurveyReadError, [r"eindmeting\.xlsx: not a readable Excel workbook"]),
    "xlsx-csv-inside": (lambda p: (p.raw / "eindmeting.xlsx").write_bytes(b"a;b\n1;2\n"), SurveyReadError,
                        [r"eindmeting\.xlsx: not a readable Excel workbook"]),
    "xlsx-wrong-sheet": (lambda p: p.edit_study(lambda d: d["waves"][1].update(sheet="Blad9")), SurveyReadError,
                         [r"eindmeting\.xlsx: .*Blad9.*Set `sheet:`"]),
    "xlsx-merged-cells": (lambda p: p.sheet(lambda ws: ws.merge_cells("H2:H5")), ImportValidationError,
                          [r"eindmeting\.xlsx, row 2, column 'coh1': .*cells H2:H5 are merged"]),
    "xlsx-formula-no-value": (lambda p: p.sheet(lambda ws: [ws.cell(row=r, column=9, value="=1+2")
                                                           for r in range(2, ws.max_row + 1)]),
                              ImportValidationError,
                              [r"eindmeting\.xlsx, row 2, column 'coh2': .*formula without a saved result"]),
    # ---- interview codings (CodingsFormatError / ImportValidationError)
    "qdpx-deep-codes": (lambda p: p.write_qdpx(_replace_codes(p, _nested_codes(5000))), CodingsFormatError,
                        [r"interviews\.qdpx:project\.qde: elements nested more than 100 levels", "limits.max_xml_depth"]),
    "qdpx-duplicate-guid": (lambda p: p.write_qdpx(_duplicate_guid(p)), CodingsFormatError,
                            [r"interviews\.qdpx:project\.qde: code GUID .* is used by two codes"]),
    "qdpx-xml-limit": (lambda p: p.edit_study(lambda d: d.update(limits={"max_xml_mb": 0.05})), CodingsFormatError,
                       [r"interviews\.qdpx:project\.qde: the project XML unpacks to \d+ bytes", "limits.max_xml_mb"]),
    "qdpx-element-limit": (lambda p: p.edit_study(lambda d: d.update(limits={"max_xml_elements": 500})),
                           CodingsFormatError, [r"interviews\.qdpx:project\.qde: more than 500 XML elements", "limits.max_xml_elements"]),
    "qdpx-zip-bomb": (lambda p: p.write_qdpx(extra={"sources/bomb.txt": b"\0" * (4 << 20)}), CodingsFormatError,
                      [r"interviews\.qdpx: member 'sources/bomb\.txt' expands", "limits.max_ratio"]),
    "qdpx-unpacked-limit": (lambda p: p.edit_study(lambda d: d.update(limits={"max_unpacked_mb": 0.2})),
                            CodingsFormatError, [r"interviews\.qdpx: members add up to", "limits.max_unpacked_mb"]),
    "qdpx-truncated": (lambda p: (p.raw / "interviews.qdpx").write_bytes((p.raw / "interviews.qdpx").read_bytes()[:3000]),
                       CodingsFormatError, [r"interviews\.qdpx"]),
    "qdpx-dtd": (lambda p: p.write_qdpx(p.qde().replace("<Project ", '<!DOCTYPE Project [<!ENTITY a "lol">]><Project ', 1)),
                 CodingsFormatError, [r"refused XML with a DTD"]),
    "qdpx-path-traversal": (lambda p: p.write_qdpx(extra={"../../evil.txt": b"x"}), CodingsFormatError,
                            [r"zip path traversal"]),
    "qdpx-not-xml": (lambda p: p.write_qdpx("this is not xml <"), CodingsFormatError, [r"not well-formed XML"]),
    "codings-empty-file": (lambda p: (p.raw / "interviews.qdpx").write_bytes(b""), CodingsFormatError,
                           [r"interviews\.qdpx: empty file"]),
    "interviewees-missing-group": (lambda p: _drop_column(p, "stakeholder_group", "geinterviewden.csv"),
                                   ImportValidationError, [r"geinterviewden\.csv, column 'stakeholder_group'"]),
    "interviewees-two-groups": (lambda p: p.write_lines(p.csv_lines("geinterviewden.csv") + ["INT-01;partner;2024-09-30"],
                                                        "geinterviewden.csv"), ImportValidationError,
                                [r"geinterviewden\.csv, row \d+, column 'case': the same case appears with different"]),
    "interviewees-utf16-no-bom": (lambda p: (p.raw / "geinterviewden.csv").write_bytes(
        (p.raw / "geinterviewden.csv").read_bytes().decode("cp1252").encode("utf-16-le")), SurveyReadError,
        [r"geinterviewden\.csv: holds NUL bytes"]),
}

WARNINGS = {
    "csv-all-empty-column": (lambda p: p.write_lines(
        [p.csv_lines()[0]] + [_blank(line, p.csv_lines()[0], "coh3") for line in p.csv_lines()[1:]]),
        [r"nulmeting\.csv", "coh3", r"column is empty on every row"]),
    "csv-one-respondent": (lambda p: p.write_lines(p.csv_lines()[:2]), [r"nulmeting\.csv", r"only one respondent"]),
    "csv-short-row": (lambda p: p.write_lines(p.csv_lines()[:4] + [";".join(p.csv_lines()[4].split(";")[:-3])]
                                              + p.csv_lines()[5:]),
                      [r"nulmeting\.csv", r"row has 30 field\(s\) where the header has 33"]),
    "csv-unknown-column": (lambda p: p.write_lines([line + (";hobby" if i == 0 else ";1") for i, line in
                                                    enumerate(p.csv_lines())]),
                           [r"hobby", r"column is not in the codebook"]),
    "qdpx-start-after-end": (lambda p: p.write_qdpx(_selection_positions(p, 300, 100)),
                             [r"interviews\.qdpx", r"start after they end or lie beyond", "dropped"]),
    "qdpx-beyond-text": (lambda p: p.write_qdpx(_selection_positions(p, 100, 999_999)),
                         [r"interviews\.qdpx", r"beyond the end of the text"]),
    "qdpx-unmapped-code": (lambda p: p.write_qdpx(p.qde().replace('name="Energietransitie"', 'name="Energie (nieuw)"')),
                           [r"interviews\.qdpx", r"not in the coding frame"]),
    "qde-survey-as-source": (_qde_folder_with_survey_as_source,
                             [r"project\.qde", r"source file 'internal://nulmeting\.csv' not found in the sources/"]),
    "quote-names-a-person": (lambda p: p.set("privacy.screen_names", [_approved_word(p)]),
                             [r"interviews\.qdpx", r"approved", r"name \(\d+\)", "not quoted"]),
    "interviewee-name-column": (lambda p: p.write_lines(
        [p.csv_lines("geinterviewden.csv")[0] + ";naam"]
        + [line + f";{_approved_word(p)}" for line in p.csv_lines("geinterviewden.csv")[1:]], "geinterviewden.csv"),
        [r"approved", r"name \(\d+\)"]),
}


def _blank(line, header, column):
    cells = line.split(";")
    cells[header.split(";").index(column)] = ""
    return ";".join(cells)


@functools.lru_cache(maxsize=1)
def _approved_word_in(qdpx: bytes, study_path: str) -> str:
    import evaluation as ev

    study = load_study(study_path)
    codings = ev.read_codings(study.raw_dir / "interviews.qdpx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # no interviewee table here: groups unknown
        segments = ev.apply_coding_frame(codings.segments, frame=study.coding_frame.table,
                                         approved_code=study.approved_code)
    texts = segments.loc[segments["approved"] & segments["theme"].notna(), "text"]
    words = [w for text in texts for w in re.findall(r"\b[A-Z][a-z]{4,}\b", text)]
    assert words
    return words[0]


def _approved_word(project) -> str:
    """A capitalised word from a passage approved for quoting in the example interviews."""
    return _approved_word_in((project.raw / "interviews.qdpx").read_bytes(), str(project.study))


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_error_case(project, capsys, case):
    breaker, error, patterns = ERRORS[case]
    breaker(project)
    code, err = run_import(project, capsys)
    assert code == 2, err
    assert err.startswith("evaluation import: error:"), err
    for pattern in patterns:
        assert re.search(pattern, err), (pattern, err)
    with pytest.raises(error):  # the documented class through the API
        import_study(project.study, force=True, progress=False)
    assert "@example" not in err  # no e-mail address of a respondent in the message


@pytest.mark.parametrize("strict", [False, True], ids=["warning", "strict"])
@pytest.mark.parametrize("case", sorted(WARNINGS))
def test_warning_case(project, capsys, case, strict):
    breaker, patterns = WARNINGS[case]
    breaker(project)
    if strict:
        project.edit_study(lambda d: d.update(strict=True))
    code, err = run_import(project, capsys)
    table = validation(project)
    text = table.to_csv(index=False)
    rows = [row for row in table.fillna("").itertuples(index=False)
            if all(re.search(p, " ".join(map(str, row))) for p in patterns)]
    assert rows, (patterns, text)
    assert "@example" not in text  # survey e-mail addresses never reach validation.csv
    if strict:
        assert code == 2, err
        assert all(row.severity == "error" for row in rows)
        assert "strict: true" in err
    else:
        assert code == 0, err
        assert all(row.severity == "warning" for row in rows)


# --------------------------------------------------------------------------- accepted, correctly


def test_utf16_csv_with_bom_is_read_like_the_original(project, capsys):
    original = read_survey(project.raw / "nulmeting.csv")
    (project.raw / "nulmeting.csv").write_bytes(
        (project.raw / "nulmeting.csv").read_bytes().decode("cp1252").encode("utf-16"))
    again = read_survey(project.raw / "nulmeting.csv")
    pd.testing.assert_frame_equal(original.reset_index(drop=True), again.reset_index(drop=True))
    assert run_import(project, capsys)[0] == 0


def test_duplicate_id_never_written_to_validation_csv(project, capsys):
    lines = project.csv_lines()
    raw_id = lines[1].split(";")[0]
    _set_cell(project, 2, "respondent_id", raw_id)
    code, err = run_import(project, capsys)
    assert code == 2
    text = validation(project).to_csv(index=False)
    assert "respondent id occurs more than once" in text
    assert raw_id not in text and raw_id not in err


def test_survey_csv_beside_a_qde_is_never_read_as_an_interview(project, capsys):
    _qde_folder_with_survey_as_source(project)
    assert run_import(project, capsys)[0] == 0
    documents = pd.read_parquet(project.root / "data/processed/noorderbeekdwarsstraat-demo/documents.parquet")
    assert not documents["text"].fillna("").str.contains("@example|respondent_id").any()


def test_damaged_processed_table_is_not_taken_as_current(project, capsys):
    assert main(["import", "--study", str(project.study), "--quiet"]) == 0
    processed = project.root / "data/processed/noorderbeekdwarsstraat-demo"
    good = pd.read_parquet(processed / "responses.parquet")
    table = processed / "responses.parquet"
    table.write_bytes(table.read_bytes()[: table.stat().st_size // 2])  # truncated
    capsys.readouterr()
    info = import_study(project.study, progress=True)
    assert info["skipped"] is False
    assert "damaged" in capsys.readouterr().err
    pd.testing.assert_frame_equal(pd.read_parquet(table), good)
    assert import_study(project.study, progress=False)["skipped"] is True  # now intact: reused


def test_external_processed_dir_only_when_allowed(project, tmp_path, capsys):
    outside = tmp_path / "secure-share" / "processed"
    project.set("study.processed_dir", str(outside))
    with pytest.raises(ConfigError, match="allow_external_paths"):
        load_study(project.study)
    project.set("study.allow_external_paths", True)
    assert load_study(project.study).processed_dir == outside
    assert run_import(project, capsys)[0] == 0
    assert (outside / "responses.parquet").is_file()


def test_read_survey_api_errors(tmp_path):
    with pytest.raises(SurveyReadError, match="is a folder"):
        read_survey(tmp_path)
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(SurveyReadError, match="empty"):
        read_survey(tmp_path / "empty.csv")


def test_case_count():
    """The issue asks for at least 60 hostile inputs."""
    assert len(ERRORS) + 2 * len(WARNINGS) >= 60
