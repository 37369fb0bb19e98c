"""Report assembly: executed notebooks -> self-contained HTML -> DOCX and PDF.

Fixture notebooks are built with nbformat (no kernel); figures are real matplotlib output.
"""
from __future__ import annotations

import base64
import io
import re
import shutil
import subprocess
import zlib
from pathlib import Path

import lxml.html
import matplotlib.pyplot as plt
import nbformat
import pandas as pd
import pytest

from evaluation.report.export import ReportAssemblyError, assemble_html, export_docx, export_pdf

v4 = nbformat.v4


def _figure_bytes(fmt: str) -> bytes:
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([1, 2, 3], [2, 1, 3])
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt)
    plt.close(fig)
    return buffer.getvalue()


PNG = base64.b64encode(_figure_bytes("png")).decode("ascii")
SVG = _figure_bytes("svg").decode("utf-8")
TABLE = pd.DataFrame(
    {"mean": [3.1, 3.4], "ci_low": [2.9, 3.2]}, index=pd.Index(["cohesion", "trust"], name="scale")
).to_html()


def _write(path, cells):
    nbformat.write(v4.new_notebook(cells=cells), path)
    return path


@pytest.fixture
def notebooks(tmp_path):
    first = _write(
        tmp_path / "01-summary.ipynb",
        [
            v4.new_markdown_cell("# Samenvatting\n\nZie [de gemeente](https://www.denhaag.nl)."),
            v4.new_code_cell(
                "import evaluation as ev",
                outputs=[
                    v4.new_output("stream", name="stderr", text="FutureWarning: SECRET-STDERR"),
                    v4.new_output("stream", name="stdout", text="debug PRINTED-STDOUT"),
                    v4.new_output(
                        "execute_result",
                        data={"text/plain": "<Axes: PLAIN-REPR>"},
                        execution_count=1,
                    ),
                ],
            ),
            v4.new_markdown_cell("## Respons\n\n| groep | n |\n|---|---|\n| huur | 12 |"),
            v4.new_code_cell(
                "fig",
                outputs=[
                    v4.new_output(
                        "display_data",
                        data={"image/png": PNG, "text/plain": "<Figure size 300x200>"},
                        metadata={"alt": "Respons per golf", "caption": "Figuur met respons"},
                    )
                ],
            ),
        ],
    )
    removed = v4.new_code_cell(
        "secret",
        outputs=[v4.new_output("display_data", data={"text/html": "<p>REMOVED-CELL</p>"})],
    )
    removed.metadata["tags"] = ["remove"]
    second = _write(
        tmp_path / "02-change.ipynb",
        [
            v4.new_markdown_cell("# Voor en na\n\n## Cohesie"),
            removed,
            v4.new_code_cell(
                "table",
                outputs=[
                    v4.new_output(
                        "execute_result",
                        data={"text/html": TABLE, "text/plain": "df"},
                        execution_count=2,
                    ),
                    v4.new_output("display_data", data={"image/svg+xml": SVG, "text/plain": "<Figure>"}),
                    v4.new_output("display_data", data={"text/markdown": "Cohesie steeg met **0,3**."}),
                ],
            ),
            v4.new_markdown_cell("## Cohesie"),
        ],
    )
    return [first, second]


@pytest.fixture
def report(notebooks, tmp_path):
    return assemble_html(
        notebooks,
        title="Leerrapport Teststraat",
        lang="nl",
        out_path=tmp_path / "out" / "learning-report.html",
        banner="Synthetische gegevens: geen echte bewoners.",
        metadata={"Studie": "teststraat", "Versie": "0.1.0"},
    )


def _tree(path):
    return lxml.html.document_fromstring(path.read_text(encoding="utf-8"))


def test_html_is_self_contained(report):
    html = report.read_text(encoding="utf-8")
    tree = _tree(report)
    assert tree.get("lang") == "nl"
    assert tree.findtext(".//title") == "Leerrapport Teststraat"
    # nothing is loaded from elsewhere: no scripts, no external src/href/@import
    assert not tree.xpath("//script | //link | //iframe")
    for element in tree.iter():
        for attribute in ("src", "data", "srcset", "poster"):
            value = element.get(attribute)
            assert value is None or value.startswith("data:"), (element.tag, value[:40])
    assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", html)
    # links in text may point outside, and are kept
    assert tree.xpath('//a[@href="https://www.denhaag.nl"]')


def test_html_content_selection(report):
    html = report.read_text(encoding="utf-8")
    assert "SECRET-STDERR" not in html and "PRINTED-STDOUT" not in html
    assert "PLAIN-REPR" not in html and "REMOVED-CELL" not in html
    assert "import evaluation" not in html  # no code
    assert "Cohesie steeg met <strong>0,3</strong>." in html  # text/markdown output rendered
    tree = _tree(report)
    images = tree.xpath("//main//figure/img")
    assert [img.get("src").split(";")[0] for img in images] == ["data:image/png", "data:image/svg+xml"]
    assert base64.b64decode(images[0].get("src").split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    assert images[0].get("alt") == "Respons per golf"
    assert images[1].get("alt") == "Figuur 2"  # fallback alt text in the report language
    assert tree.xpath("//figcaption/text()") == ["Figuur met respons"]
    assert "Synthetische gegevens" in tree.xpath('string(//*[@class="banner"])')
    assert tree.xpath("//footer//dt/text()") == ["Studie", "Versie"]


def test_toc_lists_h1_and_h2_with_stable_unique_ids(report, notebooks, tmp_path):
    tree = _tree(report)
    toc = [(a.get("href"), a.text) for a in tree.xpath('//nav[@class="toc"]//a')]
    assert toc == [
        ("#samenvatting", "Samenvatting"),
        ("#respons", "Respons"),
        ("#voor-en-na", "Voor en na"),
        ("#cohesie", "Cohesie"),
        ("#cohesie-2", "Cohesie"),
    ]
    # nesting: h2 entries sit under their h1
    assert tree.xpath('//nav[@class="toc"]/ul/li/a/text()') == ["Samenvatting", "Voor en na"]
    ids = tree.xpath("//main//*[self::h1 or self::h2]/@id")
    assert ids == [href[1:] for href, _ in toc]
    again = assemble_html(notebooks, title="x", lang="nl", out_path=tmp_path / "again.html")
    assert _tree(again).xpath("//main//*[self::h1 or self::h2]/@id") == ids


def test_tables_are_accessible(report):
    tree = _tree(report)
    tables = tree.xpath("//main//table")
    assert len(tables) == 2
    for table in tables:
        assert table.xpath("./thead")
        assert all(th.get("scope") in ("col", "colgroup") for th in table.xpath("./thead//th"))
        assert all(th.get("scope") in ("row", "rowgroup") for th in table.xpath("./tbody//th"))
    frame = tables[1]
    assert frame.xpath("./tbody//th/text()") == ["cohesion", "trust"]
    assert not [th for th in frame.xpath(".//th") if not th.text_content().strip()]  # empty corner -> td


def test_caption_kept_and_local_images_embedded(tmp_path):
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "plot.png").write_bytes(base64.b64decode(PNG))
    cell = v4.new_markdown_cell("![Plaatje](figures/plot.png) ![Bijlage](attachment:a.png)")
    cell["attachments"] = {"a.png": {"image/png": PNG}}
    html_output = "<table><caption>Respons per huurvorm</caption><tr><th>a</th></tr><tr><td>1</td></tr></table>"
    nb = _write(
        tmp_path / "nb.ipynb",
        [cell, v4.new_code_cell("t", outputs=[v4.new_output("display_data", data={"text/html": html_output})])],
    )
    tree = _tree(assemble_html([nb], title="t", lang="en", out_path=tmp_path / "r.html"))
    assert [img.get("alt") for img in tree.xpath("//img")] == ["Plaatje", "Bijlage"]
    assert all(img.get("src").startswith("data:image/png;base64,") for img in tree.xpath("//img"))
    assert tree.xpath("//caption/text()") == ["Respons per huurvorm"]
    assert tree.xpath("//table//th/@scope") == ["col"]
    assert tree.xpath('//p[@class="toc-title"]') == []  # no headings -> no table of contents


def test_error_output_raises_naming_notebook_and_cell(tmp_path):
    failed = v4.new_code_cell(
        "1/0", outputs=[v4.new_output("error", ename="ZeroDivisionError", evalue="division by zero", traceback=[])]
    )
    nb = _write(tmp_path / "03-broken.ipynb", [v4.new_markdown_cell("# A"), failed])
    with pytest.raises(ReportAssemblyError, match=r"03-broken\.ipynb, cell 2 failed with ZeroDivisionError"):
        assemble_html([nb], title="t", lang="nl", out_path=tmp_path / "r.html")
    assert not (tmp_path / "r.html").exists()


@pytest.mark.parametrize(
    ("html", "match"),
    [
        ('<img src="https://example.org/logo.png">', r"cell 1: <img src='https://example\.org/logo\.png'>"),
        ('<img src="//cdn.example.org/x.png">', "external resource"),
        ('<link rel="stylesheet" href="https://cdn.example.org/a.css">', "inline the stylesheet"),
        ("<style>@import 'https://fonts.example.org/f.css';</style>", "@import"),
        ('<img src="missing.png">', r"image 'missing\.png' not found"),
    ],
)
def test_external_or_missing_resources_are_refused(tmp_path, html, match):
    nb = _write(tmp_path / "nb.ipynb", [v4.new_code_cell("x", outputs=[v4.new_output("display_data", data={"text/html": html})])])
    with pytest.raises(ReportAssemblyError, match=match):
        assemble_html([nb], title="t", lang="nl", out_path=tmp_path / "r.html")


def test_scripts_are_removed(tmp_path):
    html = "<div><p>kept</p><script>document.write('SCRIPTED')</script></div>"
    nb = _write(tmp_path / "nb.ipynb", [v4.new_code_cell("x", outputs=[v4.new_output("display_data", data={"text/html": html})])])
    text = assemble_html([nb], title="t", lang="nl", out_path=tmp_path / "r.html").read_text(encoding="utf-8")
    assert "kept" in text and "SCRIPTED" not in text and "<script" not in text


def test_bad_arguments(tmp_path, notebooks):
    with pytest.raises(ValueError, match=r"`lang` is 'de'; pass one of en, nl"):
        assemble_html(notebooks, title="t", lang="de", out_path=tmp_path / "r.html")
    with pytest.raises(ValueError, match="`notebooks` is empty"):
        assemble_html([], title="t", lang="nl", out_path=tmp_path / "r.html")
    with pytest.raises(FileNotFoundError, match="nope.ipynb"):
        assemble_html([tmp_path / "nope.ipynb"], title="t", lang="nl", out_path=tmp_path / "r.html")
    with pytest.raises(FileNotFoundError, match="run assemble_html first"):
        export_pdf(tmp_path / "nope.html", tmp_path / "r.pdf")


def test_docx_has_word_headings_tables_and_images(report, tmp_path):
    import docx

    out = export_docx(report, tmp_path / "word" / "learning-report.docx")
    document = docx.Document(str(out))
    headings = [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert ("Title", "Leerrapport Teststraat") in headings
    assert ("Heading 1", "Samenvatting") in headings and ("Heading 2", "Respons") in headings
    texts = [p.text for p in document.paragraphs]
    assert any("Synthetische gegevens" in t for t in texts)  # banner kept
    assert texts.count("Leerrapport Teststraat") == 1  # on-page title omitted; Word title kept
    assert len(document.tables) == 2
    assert [c.text for c in document.tables[0].rows[0].cells] == ["groep", "n"]
    assert len(document.inline_shapes) == 2  # PNG and SVG figures embedded
    media = [p.partname for p in document.part.package.iter_parts() if "/media/" in str(p.partname)]
    assert len(media) == 2
    assert document.core_properties.language == "nl"


def _pdf_objects(data: bytes) -> bytes:
    """The PDF's bytes plus every Flate stream inflated (WeasyPrint compresses object streams)."""
    parts = [data]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            parts.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"\n".join(parts)


@pytest.fixture
def pdf(report, tmp_path):
    return export_pdf(report, tmp_path / "pdf" / "learning-report.pdf")


def test_pdf_is_tagged_a4_with_heading_bookmarks(pdf):
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    objects = _pdf_objects(data)
    boxes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", objects)
    assert boxes
    for width, height in boxes:  # A4 = 210 x 297 mm = 595.28 x 841.89 pt
        assert float(width) == pytest.approx(595.28, abs=0.01)
        assert float(height) == pytest.approx(841.89, abs=0.01)
    titles = set(re.findall(rb"/Title \(([^)]*)\)", objects))
    assert {b"Samenvatting", b"Respons", b"Voor en na", b"Cohesie"} <= titles
    assert b"/StructTreeRoot" in objects and b"/Lang (nl)" in objects


def test_pdf_pages_number_and_banner(report):
    """Lay the report out as export_pdf does and read the text on each page."""
    from weasyprint import HTML

    def texts(box):
        if getattr(box, "text", None):
            yield box.text
        for child in getattr(box, "children", None) or []:
            yield from texts(child)

    pages = HTML(filename=str(report)).render().pages
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        words = list(texts(page._page_box))
        assert f"{number} / {len(pages)}" in words
        assert "Synthetische gegevens: geen echte bewoners." in words
    body = [w for page in pages for w in texts(page._page_box)]
    assert {"Samenvatting", "Respons", "Voor en na", "Cohesie steeg met "} <= set(body)


def test_pdf_text_extractable(pdf):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed; bookmarks and layout text are checked above")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for heading in ("Samenvatting", "Respons", "Voor en na", "Cohesie"):
        assert heading in text


def test_print_version_lets_long_tables_break_between_rows():
    """A table taller than a page, kept whole, leaves its caption alone on an otherwise empty page."""
    from evaluation.report.export import LONG_TABLE_CHARS, LONG_TABLE_ROWS, _captions_before_tables

    def table(rows, text="x"):
        body = "".join(f"<tr><td>{text}</td></tr>" for _ in range(rows))
        return f"<table><caption>C</caption><tbody>{body}</tbody></table>"

    html = "<html><body>" + table(3) + table(LONG_TABLE_ROWS + 1) + table(2, "y" * LONG_TABLE_CHARS) + "</body></html>"
    tree = lxml.html.document_fromstring(_captions_before_tables(html))
    assert [t.get("class") for t in tree.iter("table")] == [None, "long", "long"]
    assert [p.text for p in tree.xpath('//p[@class="table-caption"]')] == ["C", "C", "C"]
    css = (Path(__file__).resolve().parents[1] / "src/evaluation/report/templates/report.css").read_text()
    assert "table.long { break-inside: auto; }" in css and "tr { break-inside: avoid; }" in css
    assert "table { width: 100%; }" in css and "hyphens: auto" in css  # the Dutch joint table overflowed the page


def test_docx_takes_the_styles_of_a_reference_document(report, tmp_path):
    """A municipality restyles the Word report with its own house-style document (report.reference_docx)."""
    import docx
    from docx.shared import RGBColor

    house = docx.Document()
    heading = house.styles["Heading 1"]
    heading.font.name, heading.font.color.rgb = "Gemeente Sans", RGBColor(0x00, 0x66, 0x33)
    house.save(tmp_path / "house-style.docx")
    out = export_docx(report, tmp_path / "styled.docx", reference_docx=tmp_path / "house-style.docx")
    styled = docx.Document(str(out)).styles["Heading 1"]
    assert styled.font.name == "Gemeente Sans" and styled.font.color.rgb == RGBColor(0x00, 0x66, 0x33)
    section = docx.Document(str(out)).sections[0]
    assert round(section.page_width.cm, 1) == 21.0 and round(section.page_height.cm, 1) == 29.7  # still A4
    plain = docx.Document(str(export_docx(report, tmp_path / "plain.docx"))).styles["Heading 1"]
    assert plain.font.name != "Gemeente Sans"
