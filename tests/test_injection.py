"""Escape by construction, end to end: hostile text in the configuration never becomes live markup,
links or spreadsheet formulas in the built report (HTML in headless Chromium, DOCX, XLSX, CSV).

Hostile labels are written into a copy of the example study's coding frame, instrument and
timeline; the report is built once (English, HTML + DOCX) and every output is inspected.
"""
from __future__ import annotations

import csv
import re
import zipfile

import openpyxl
import pytest
import yaml

import evaluation as ev

from conftest import ROOT, make_demo_project
from test_browser import browser_check, ensure_chromium

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("report")]

HOSTILE = {
    "markup": 'Visible <a href="javascript:alert(1)">click</a><svg onload="alert(2)"></svg>',
    "image": "<img src=x onerror=alert(4)> presence",
    "md_link": "[press here](javascript:alert(3)) and <https://evil.test/x>",
    "formula": '=HYPERLINK("http://evil.test/?x","click")',
    "dde": "+cmd|' /C calc'!A0",
    "at": "@SUM(1+1)*cmd|' /C calc'!A0",
}


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    study_path = make_demo_project(base)
    frame_path = base / "config/coding-frames/gebiedsgericht-werken.yml"
    frame = yaml.safe_load(frame_path.read_text(encoding="utf-8"))
    labels = {"Zichtbaar aanwezig zijn": HOSTILE["markup"], "Aansluiten bij vragen van bewoners": HOSTILE["image"],
              "Samenwerking met partners": HOSTILE["md_link"], "Verkokering binnen de gemeente": HOSTILE["formula"],
              "Beperkte tijd en middelen": HOSTILE["dde"]}
    for code in frame["codes"]:
        if code["code"] in labels:
            code["label"] = {"en": labels[code["code"]]}
    frame_path.write_text(yaml.safe_dump(frame, allow_unicode=True), encoding="utf-8")
    inst_path = base / "config/instruments/veerkracht-straat.yml"
    inst = yaml.safe_load(inst_path.read_text(encoding="utf-8"))
    first_scale = next(iter(inst["scales"]))
    inst["scales"][first_scale]["label"]["en"] = HOSTILE["at"] + " " + HOSTILE["markup"]
    inst_path.write_text(yaml.safe_dump(inst, allow_unicode=True), encoding="utf-8")
    study = yaml.safe_load(study_path.read_text(encoding="utf-8"))
    study["report"]["timeline"][0]["en"] = HOSTILE["md_link"] + " " + HOSTILE["formula"]
    study_path.write_text(yaml.safe_dump(study, allow_unicode=True), encoding="utf-8")
    outputs = ev.build_report(study_path, lang="en", formats=("html", "docx"), progress=False,
                              notebooks_dir=ROOT / "notebooks")
    return {"study": ev.load_study(study_path), "outputs": outputs}


def test_hostile_labels_reach_the_report_as_text(hostile_build):
    import lxml.html

    html = hostile_build["outputs"]["html"].read_text(encoding="utf-8")
    root = lxml.html.document_fromstring(html)
    assert not root.xpath("//svg | //*[local-name()='svg'] | //img[@src='x']")
    assert not [a for a in root.xpath("//a[@href]") if not a.get("href").startswith("#")]
    assert not [el.tag for el in root.iter() if isinstance(el.tag, str)
                and any(k.lower().startswith("on") for k in el.attrib)]
    text = root.text_content()
    assert HOSTILE["markup"] in text and "[press here](javascript:alert(3))" in text  # shown literally


def test_no_live_markup_in_chromium(hostile_build, tmp_path):
    chromium = ensure_chromium()
    result, console = browser_check(chromium, tmp_path, hostile_build["outputs"]["html"])
    assert result["dialogs"] == [], result["dialogs"]
    assert result["handlers"] == [], result["handlers"]
    assert result["scriptUrls"] == [], result["scriptUrls"]
    assert not [m for m in console if "alert" in m.lower()]


def test_docx_has_no_links_from_data(hostile_build):
    with zipfile.ZipFile(hostile_build["outputs"]["docx"]) as z:
        rels = "\n".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".rels"))
        body = z.read("word/document.xml").decode("utf-8")
    assert "javascript:" not in rels.lower() and "evil.test" not in rels
    # the only links are the report's own (table of contents, evidence → table): anchors inside the document
    import re

    links = re.findall(r"<w:hyperlink\b[^>]*>", body)
    assert all("w:anchor=" in link and "r:id=" not in link for link in links), links
    assert "Visible" in body  # the label is there, as text


def test_exports_hold_no_formulas(hostile_build):
    tables = hostile_build["study"].reports_dir / "tables"
    starts = ("=", "+", "-", "@", "\t", "\r")
    checked = 0
    for path in sorted(tables.glob("*.en.xlsx")):
        book = openpyxl.load_workbook(path)
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", f"{path.name}!{cell.coordinate} is a formula: {cell.value!r}"
                    if isinstance(cell.value, str):
                        assert not cell.value.startswith(starts), f"{path.name}!{cell.coordinate}: {cell.value!r}"
                        checked += 1
    for path in sorted(tables.glob("*.en.csv")):
        with path.open(encoding="utf-8", newline="") as f:
            for row in csv.reader(f):
                for value in row:
                    try:
                        float(value)
                        continue  # a number such as -0.25 is data, not a formula
                    except ValueError:
                        assert not value.startswith(starts), f"{path.name}: {value!r}"
    hostile_seen = any(HOSTILE["formula"] in (c.value or "") for p in tables.glob("*.en.xlsx")
                       for s in openpyxl.load_workbook(p).worksheets for r in s.iter_rows() for c in r
                       if isinstance(c.value, str))
    assert hostile_seen and checked > 50
