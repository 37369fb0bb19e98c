"""Turn executed notebooks into the learning report: one self-contained HTML, then DOCX and PDF.

The HTML is the master copy; Word and PDF are converted from it, so all three
editions have the same content, headings and tables.

What goes into the HTML (per notebook, in the order given):

* markdown cells, rendered with markdown-it-py (CommonMark + tables + strikethrough);
* from code cells only their rich outputs, first available in this order:
  ``text/html`` > ``image/svg+xml`` > ``image/png`` > ``image/jpeg`` > ``text/markdown``.
  Outputs that only have ``text/plain`` are left out (they are object reprs such as
  ``<Axes: ...>``), and so are ``stream`` outputs (``print`` and warnings): narrative
  text belongs in markdown cells or ``display(Markdown(...))``;
* never code, raw cells, or cells tagged ``remove`` / ``remove-cell``.

Escaping by construction. Markdown *outputs* are generated text with labels, quotes and
file names from the study's data and configuration in them, so they are rendered as
text only: raw HTML is shown as text (``html=False``) and links, images, autolinks and
link reference definitions are not recognised, so ``[x](...)`` and ``<http://...>``
stay literal. (Narrative code escapes data with :func:`.escape.md_literal` on top of
that, so data cannot add emphasis or headings either.) HTML outputs come from
:class:`evaluation.report.nb.ReportContext`, which escapes every value. As a last line
of defence every fragment loses ``<script>``, ``<iframe>``, ``<object>``, ``<embed>``,
``<base>`` and ``<meta>`` elements, ``on*`` event-handler attributes, and any attribute
holding a ``javascript:`` or ``vbscript:`` URL (or a ``data:`` URL in a link); Word
export keeps only ``http(s)``, ``mailto`` and in-document links.

An ``error`` output anywhere means a notebook failed: :class:`ReportAssemblyError`
is raised naming the notebook and cell instead of publishing a broken report.
"""
from __future__ import annotations

import base64
import contextlib
import io
import mimetypes
import re
import unicodedata
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from urllib.parse import unquote, urlsplit

import jinja2
import lxml.html
import nbformat
from lxml import etree
from markdown_it import MarkdownIt
from markupsafe import Markup

__all__ = ["ReportAssemblyError", "PdfSupportError", "assemble_html", "export_docx", "export_pdf",
           "pdf_support_problem"]

#: Rich output types used, best first. ``text/plain`` is deliberately absent.
MIME_PREFERENCE = ("text/html", "image/svg+xml", "image/png", "image/jpeg", "text/markdown")
#: Cell tags that keep a cell (and its outputs) out of the report.
REMOVE_TAGS = frozenset({"remove", "remove-cell"})

_IMAGE_MIMES = ("image/svg+xml", "image/png", "image/jpeg")
#: Elements dropped from every fragment (with their content).
_UNSAFE_ELEMENTS = ("script", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "meta")
#: Attributes that navigate somewhere: a ``data:`` URL is not allowed in them either.
_LINK_ATTRIBUTES = frozenset({"href", "xlink:href", "action", "formaction"})
_SCRIPT_URL = re.compile(r"^(?:javascript|vbscript):")
_URL_NOISE = re.compile(r"[\x00-\x20\x7f]+")
#: Links Word and PDF editions may keep (authored links in markdown cells, the table of contents).
_SAFE_LINK = re.compile(r"^(?:https?:|mailto:|#)", re.IGNORECASE)
_RESOURCE_ATTRIBUTES = ("src", "data", "poster", "srcset")
_EXTERNAL_CSS = re.compile(r"""url\(\s*['"]?\s*(?:[a-z][a-z0-9+.-]*:)?//|@import""", re.IGNORECASE)
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


class ReportAssemblyError(ValueError):
    """A notebook cannot be published as it is (failed cell, external resource, missing image)."""


class PdfSupportError(RuntimeError):
    """PDF output is impossible on this machine: WeasyPrint or a system library it loads is missing."""


#: Part of the name of a shared library WeasyPrint loads -> the Debian/Ubuntu package with it.
PDF_SYSTEM_PACKAGES = {
    "gobject": "libglib2.0-0",
    "pangoft2": "libpangoft2-1.0-0",
    "pango": "libpango-1.0-0",
    "harfbuzz": "libharfbuzz0b",
    "fontconfig": "libfontconfig1",
}


def pdf_support_problem() -> str | None:
    """Why PDF output cannot be made here, or None when it can.

    Returns
    -------
    str or None
        A message naming the missing library and the Debian/Ubuntu package to install
        (``make setup-system`` installs them all), or None.

    Notes
    -----
    WeasyPrint loads Pango, HarfBuzz, Fontconfig and GObject from the system when it is
    imported. Call this before a long build that should end in a PDF, so that a missing
    library stops the build at once with a clear message instead of an ``OSError``
    after every notebook ran.

    Examples
    --------
    >>> pdf_support_problem() is None  # doctest: +SKIP
    True
    """
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # WeasyPrint prints a banner before it raises
            import weasyprint  # noqa: F401
    except ImportError as exc:
        return (f"PDF output needs the Python package weasyprint, which is not importable ({exc}). "
                "Run `make setup` to install the pinned packages, or build without PDF (--formats html,docx).")
    except OSError as exc:
        text = str(exc)
        package = next((deb for part, deb in PDF_SYSTEM_PACKAGES.items() if part in text.lower()), "libpango-1.0-0")
        return (f"PDF output needs system libraries that WeasyPrint could not load: {text.splitlines()[0]}. "
                f"On Debian/Ubuntu install the package {package} (and the other PDF libraries) with "
                f"`make setup-system` as root, or `apt-get install {' '.join(sorted(set(PDF_SYSTEM_PACKAGES.values())))}`; "
                "on macOS `brew install pango`. Or build without PDF (--formats html,docx).")
    return None


def assemble_html(
    notebooks: Iterable[str | Path],
    *,
    title: str,
    lang: str,
    out_path: str | Path,
    banner: str | None = None,
    metadata: Mapping[str, object] | None = None,
) -> Path:
    """Write executed notebooks as one self-contained, accessible HTML report.

    Parameters
    ----------
    notebooks : iterable of path-like
        Executed ``.ipynb`` files in report order.
    title : str
        Report title, used in ``<title>`` and at the top of the page.
    lang : {"nl", "en"}
        Report language: the ``lang`` attribute of ``<html>`` and the language of the
        few words the assembler writes itself ("Contents", "Figure").
    out_path : path-like
        Where to write the HTML; parent folders are created.
    banner : str, optional
        A notice shown first on the page (and on every PDF page), e.g. that the data are
        synthetic.
    metadata : mapping, optional
        Label -> value pairs listed in a footer (e.g. study, build date, package version).

    Returns
    -------
    pathlib.Path
        ``out_path``.

    Raises
    ------
    ReportAssemblyError
        If a cell has an ``error`` output, or an output or markdown cell refers to an
        external resource (``http(s)://`` image, stylesheet, ...) or a missing local image.

    Notes
    -----
    Self-contained means the file needs nothing else to display: images are embedded as
    ``data:`` URIs (local and ``attachment:`` images in markdown cells too), the
    stylesheet is inline and uses system fonts, and ``<script>`` elements are removed so
    that the report needs no JavaScript. Links (``<a href>``) written in markdown cells
    are kept; markdown outputs (generated text) cannot make links or raw HTML, and
    event-handler attributes and ``javascript:`` URLs are removed everywhere (see the
    module docstring).

    Every ``h1``-``h6`` gets a stable ``id`` (a slug of its text, numbered when repeated);
    the table of contents lists ``h1`` and ``h2`` headings. Tables get ``scope`` on their
    header cells; empty corner header cells become ``td``. Figures are wrapped in
    ``<figure>``; their alt text comes from the output metadata key ``"alt"`` (e.g.
    ``display(fig, metadata={"alt": "..."})``), else the cell metadata key ``"alt"``,
    else "Figure n". An output metadata key ``"caption"`` becomes the ``<figcaption>``.

    Examples
    --------
    >>> import tempfile, nbformat
    >>> from pathlib import Path
    >>> tmp = Path(tempfile.mkdtemp())
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Summary")])
    >>> nbformat.write(nb, tmp / "summary.ipynb")
    >>> out = assemble_html([tmp / "summary.ipynb"], title="Report", lang="en",
    ...                     out_path=tmp / "report.html")
    >>> '<h1 id="summary">Summary</h1>' in out.read_text(encoding="utf-8")
    True
    """
    paths = [Path(p) for p in ([notebooks] if isinstance(notebooks, (str, Path)) else notebooks)]
    if not paths:
        raise ValueError("`notebooks` is empty; pass the executed .ipynb files in report order.")
    from .i18n import languages, t

    if lang not in languages():
        raise ValueError(f"`lang` is {lang!r}; pass one of {', '.join(languages())}.")
    if not str(title).strip():
        raise ValueError("`title` is empty; pass the report title.")
    labels = {key: t(key, lang) for key in ("contents", "figure", "about")}  # the assembler's own words
    main = etree.Element("div")
    figures = 0
    for path in paths:
        if not path.is_file():
            raise FileNotFoundError(f"Notebook {str(path)!r} in `notebooks` does not exist.")
        nb = nbformat.read(path, as_version=4)
        _raise_on_errors(nb, path)
        section = etree.SubElement(main, "section", {"class": "chapter"})
        for index, cell in enumerate(nb.cells, start=1):
            if REMOVE_TAGS & set(cell.get("metadata", {}).get("tags", [])):
                continue
            where = f"{path.name}, cell {index}"
            for html, figure in _cell_html(cell, labels, figures):
                figures += figure
                block = lxml.html.fragment_fromstring(html, create_parent="div")
                _make_self_contained(block, cell=cell, notebook_dir=path.parent, where=where)
                _defuse(block)
                block.set("class", "cell")
                section.append(block)
    _tidy_tables(main)
    toc = _number_headings(main)
    body = "\n".join(lxml.html.tostring(child, encoding="unicode") for child in main)
    page = _template().render(
        lang=lang,
        title=title,
        banner=banner,
        labels=labels,
        css=Markup(_css()),
        toc=Markup(toc),
        body=Markup(body),
        metadata={str(k): str(v) for k, v in (metadata or {}).items()},
        generator=f"evaluation {_version()}",
    )
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out


def export_docx(html_path: str | Path, out_path: str | Path, *, banner: str | None = None,
                toc_text: str = "Right-click to update the table of contents.", reference_docx=None) -> Path:
    """Convert the assembled HTML report to a Word document with pandoc.

    Parameters
    ----------
    html_path : path-like
        A report written by :func:`assemble_html`.
    out_path : path-like
        Where to write the ``.docx``; parent folders are created.
    banner : str, optional
        Text for the header of every page (e.g. the synthetic-data warning).
    toc_text : str
        Placeholder shown in the table of contents until Word updates it (it is asked
        to update fields when the document opens).
    reference_docx : path-like, optional
        A Word document whose styles (fonts, colours, heading and table styles) the
        report takes, e.g. a municipality's house style (pandoc's ``--reference-doc``;
        ``report.reference_docx`` in the study file). Page size and margins are still set
        to A4 afterwards.

    Returns
    -------
    pathlib.Path
        ``out_path``.

    Notes
    -----
    The document is finished as a municipality expects: A4 pages with 2.5 cm margins,
    headings from level 1 (the report's sections are Heading 1), a table of contents
    field after the title, and the banner in the page header.

    Uses the pandoc bundled with ``pypandoc-binary``, so the result does not depend on a
    system pandoc. HTML headings become Word "Heading n" styles, tables become real Word
    tables, embedded images are stored in the document, and the ``<title>`` becomes the
    Word "Title" paragraph; the banner and the metadata footer are kept. Parts marked ``data-export-omit="docx"`` (the on-page title and
    the HTML table of contents; Word has its own navigation pane) are left out.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> tmp = Path(tempfile.mkdtemp())
    >>> _ = (tmp / "r.html").write_text("<html><body><h1>Summary</h1></body></html>")
    >>> export_docx(tmp / "r.html", tmp / "r.docx").stat().st_size > 0
    True
    """
    import pypandoc

    source = _read_report(html_path, "html_path")
    tree = lxml.html.document_fromstring(source.read_text(encoding="utf-8"))
    for element in tree.xpath('//*[contains(concat(" ", @data-export-omit, " "), " docx ")]'):
        element.drop_tree()
    for landmark in tree.iter("header", "main", "footer"):
        landmark.tag = "div"  # pandoc keeps only <main> when there is one, and drops <header>
    _defuse(tree.body)
    _unlink_unsafe(tree.body)  # Word gets hyperlinks only to http(s), mailto and its own headings
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    from .stable import normalise_office_file, source_date_epoch

    with source_date_epoch():  # pandoc stamps the document with SOURCE_DATE_EPOCH
        pypandoc.convert_text(
            lxml.html.tostring(tree, encoding="unicode", doctype="<!DOCTYPE html>"),
            "docx",
            format="html",
            outputfile=str(out),
            extra_args=[f"--resource-path={source.parent}",
                        *([f"--reference-doc={Path(reference_docx).resolve()}"] if reference_docx else [])],
        )
    _finish_docx(out, banner=banner, toc_text=toc_text)
    return normalise_office_file(out)


def _finish_docx(path: Path, *, banner: str | None, toc_text: str) -> None:
    """A4 with margins, headings from level 1, a TOC field after the title, the banner in the header."""
    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm

    document = docx.Document(str(path))
    for section in document.sections:
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)
        section.left_margin = section.right_margin = Cm(2.5)
        section.top_margin = section.bottom_margin = Cm(2.5)
        if banner:
            header = section.header
            paragraph = header.paragraphs[0] if header.paragraphs else header.add_paragraph()
            paragraph.text = banner
    levels = [int(p.style.name.split()[-1]) for p in document.paragraphs
              if p.style is not None and p.style.name.startswith("Heading ") and p.style.name.split()[-1].isdigit()]
    shift = min(levels) - 1 if levels else 0
    if shift > 0:
        for p in document.paragraphs:
            name = p.style.name if p.style is not None else ""
            if name.startswith("Heading ") and name.split()[-1].isdigit():
                p.style = document.styles[f"Heading {int(name.split()[-1]) - shift}"]
    title = next((p for p in document.paragraphs if p.style is not None and p.style.name == "Title"), None)
    anchor = title if title is not None else (document.paragraphs[0] if document.paragraphs else None)
    if anchor is not None:
        toc = OxmlElement("w:p")
        run = OxmlElement("w:r")
        parts = [("begin", None), (None, 'TOC \\o "1-2" \\h \\z \\u'), ("separate", None), (None, None),
                 ("end", None)]
        for kind, instruction in parts:
            if kind is not None:
                char = OxmlElement("w:fldChar")
                char.set(qn("w:fldCharType"), kind)
                run.append(char)
            elif instruction is not None:
                text = OxmlElement("w:instrText")
                text.set(qn("xml:space"), "preserve")
                text.text = instruction
                run.append(text)
            else:
                placeholder = OxmlElement("w:t")
                placeholder.text = toc_text
                run.append(placeholder)
        toc.append(run)
        anchor._p.addnext(toc)
    settings = document.settings.element
    if settings.find(qn("w:updateFields")) is None:
        update = OxmlElement("w:updateFields")
        update.set(qn("w:val"), "true")
        settings.append(update)
    document.save(str(path))


def export_pdf(html_path: str | Path, out_path: str | Path) -> Path:
    """Convert the assembled HTML report to an A4 PDF with WeasyPrint.

    Parameters
    ----------
    html_path : path-like
        A report written by :func:`assemble_html`.
    out_path : path-like
        Where to write the ``.pdf``; parent folders are created.

    Returns
    -------
    pathlib.Path
        ``out_path``.

    Notes
    -----
    Page size, margins, page numbers ("3 / 12") and the banner on every page come from the
    report's print stylesheet (CSS ``@page``). The PDF is tagged (structure for screen
    readers) and has bookmarks for the headings. Only ``data:`` and ``file:`` URLs are
    fetched, so the conversion never goes online.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> tmp = Path(tempfile.mkdtemp())
    >>> _ = (tmp / "r.html").write_text("<html><body><h1>Summary</h1></body></html>")
    >>> export_pdf(tmp / "r.html", tmp / "r.pdf").read_bytes()[:5]
    b'%PDF-'
    """
    source = _read_report(html_path, "html_path")
    problem = pdf_support_problem()
    if problem:
        raise PdfSupportError(problem)
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fetcher = URLFetcher(allowed_protocols={"data", "file"})
    printable = _captions_before_tables(source.read_text(encoding="utf-8"))
    HTML(string=printable, base_url=str(source), url_fetcher=fetcher).write_pdf(str(out), pdf_tags=True)
    return out


def _captions_before_tables(html_text: str) -> str:
    """The print version of the report: each table caption becomes a block just before its table.

    WeasyPrint may break a page between a ``<caption>`` and the first row of a long
    table, leaving the caption alone at the foot of a page. As a block sibling with
    ``break-after: avoid`` (report.css, ``p.table-caption``) it stays with its table.
    """
    tree = lxml.html.document_fromstring(html_text)
    for table in tree.iter("table"):
        if _is_long(table):  # may break between rows: kept whole it would leave most of a page empty
            table.set("class", " ".join(filter(None, [table.get("class"), "long"])))
        caption = table.find("caption")
        if caption is None:
            continue
        block = lxml.html.Element("p", {"class": "table-caption"})
        block.text = caption.text
        for child in caption:
            block.append(child)
        table.remove(caption)
        table.addprevious(block)
    return lxml.html.tostring(tree, encoding="unicode", doctype="<!DOCTYPE html>")


#: a table holding more text than this (characters), or more rows, may break across pages in the PDF
LONG_TABLE_CHARS, LONG_TABLE_ROWS = 1800, 18


def _is_long(table) -> bool:
    rows = table.xpath("./tbody/tr | ./tr")
    return len(rows) > LONG_TABLE_ROWS or len(table.text_content()) > LONG_TABLE_CHARS


# --- notebook cells -> HTML fragments -------------------------------------------------------


def _raise_on_errors(nb, path: Path) -> None:
    for index, cell in enumerate(nb.cells, start=1):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                raise ReportAssemblyError(
                    f"{path.name}, cell {index} failed with {output.get('ename')}: "
                    f"{output.get('evalue')}. Fix the cell and run the notebook again; "
                    f"the executed notebook is at {path}."
                )


def _cell_html(cell, labels: Mapping[str, str], figures: int):
    """Yield ``(html, is_figure)`` for each part of ``cell`` that belongs in the report."""
    if cell.cell_type == "markdown":
        if cell.source.strip():
            yield _markdown().render(cell.source), 0
        return
    if cell.cell_type != "code":
        return
    for output in cell.get("outputs", []):
        if output.get("output_type") not in ("display_data", "execute_result"):
            continue
        data = output.get("data", {})
        mime = next((m for m in MIME_PREFERENCE if m in data), None)
        if mime is None:
            continue
        if mime == "text/html":
            yield _as_text(data[mime]), 0
        elif mime == "text/markdown":
            yield _generated_markdown().render(_as_text(data[mime])), 0
        else:
            figures += 1
            yield _figure_html(output, cell, mime, labels, figures), 1


def _figure_html(output, cell, mime: str, labels: Mapping[str, str], number: int) -> str:
    meta = output.get("metadata", {})
    raw = _as_text(output["data"][mime])
    payload = (
        base64.b64encode(raw.encode("utf-8")).decode("ascii")
        if mime == "image/svg+xml"
        else "".join(raw.split())
    )
    alt = meta.get("alt") or cell.get("metadata", {}).get("alt") or f"{labels['figure']} {number}"
    img = etree.Element("img", {"src": f"data:{mime};base64,{payload}", "alt": str(alt)})
    width = meta.get(mime, {}).get("width") if isinstance(meta.get(mime), dict) else None
    if width:
        img.set("width", str(int(width)))
    figure = etree.Element("figure")
    figure.append(img)
    if meta.get("caption"):
        etree.SubElement(figure, "figcaption").text = str(meta["caption"])
    return lxml.html.tostring(figure, encoding="unicode")


def _as_text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


@cache
def _markdown() -> MarkdownIt:
    """Markdown cells: written by the notebook's author, so HTML and links are allowed."""
    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


@cache
def _generated_markdown() -> MarkdownIt:
    """Markdown outputs (generated text with data in it): structure and emphasis only.

    No raw HTML (shown as text), no links, images, autolinks or link reference
    definitions (shown as text), so nothing in the text can become an element or a URL.
    """
    return (MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
            .disable(["link", "image", "autolink", "reference", "html_inline", "html_block"]))


# --- making fragments self-contained ----------------------------------------------------------


def _make_self_contained(block, *, cell, notebook_dir: Path, where: str) -> None:
    for script in block.xpath(".//script"):
        script.drop_tree()
    for element in block.iter(etree.Element):
        for attribute in _RESOURCE_ATTRIBUTES:
            value = element.get(attribute)
            if value and _is_external(value):
                raise ReportAssemblyError(
                    f"{where}: <{element.tag} {attribute}={value!r}> loads an external resource; "
                    "the report must be self-contained. Save the file next to the notebook and "
                    "refer to it by a relative path (it is then embedded)."
                )
        if element.tag == "link" and _is_external(element.get("href", "")):
            raise ReportAssemblyError(
                f"{where}: <link href={element.get('href')!r}> loads an external resource; "
                "inline the stylesheet instead."
            )
        css = (element.text or "") if element.tag == "style" else element.get("style", "")
        if _EXTERNAL_CSS.search(css):
            raise ReportAssemblyError(
                f"{where}: CSS with @import or url(//...) loads external resources; "
                "inline the styles and embed images as data: URIs."
            )
    for img in block.iter("img"):
        img.set("src", _embedded_src(img.get("src", ""), cell=cell, notebook_dir=notebook_dir, where=where))
        if img.get("alt") is None:
            img.set("alt", "")


def _defuse(root) -> None:
    """Remove what could run code: unsafe elements, ``on*`` attributes, script (and data:) URLs."""
    for element in list(root.iter(*_UNSAFE_ELEMENTS)):
        if element is not root:
            element.drop_tree()
    for element in root.iter(etree.Element):
        for name, value in list(element.attrib.items()):
            lowered = name.lower()
            url = _URL_NOISE.sub("", value).lower()
            if (lowered.startswith("on") or _SCRIPT_URL.match(url)
                    or (lowered in _LINK_ATTRIBUTES and url.startswith("data:"))):
                del element.attrib[name]


def _unlink_unsafe(root) -> None:
    """Turn links other than http(s), mailto and in-document ones into plain text."""
    for link in list(root.iter("a")):
        href = _URL_NOISE.sub("", link.get("href", ""))
        if "href" in link.attrib and not _SAFE_LINK.match(href):
            link.drop_tag()


def _is_external(url: str) -> bool:
    parts = urlsplit(url.strip())
    return bool(parts.netloc) or parts.scheme.lower() not in ("", "data", "attachment")


def _embedded_src(src: str, *, cell, notebook_dir: Path, where: str) -> str:
    if src.startswith("data:"):
        return src
    if src.startswith("attachment:"):
        name = unquote(src.removeprefix("attachment:"))
        bundle = cell.get("attachments", {}).get(name)
        if not bundle:
            raise ReportAssemblyError(f"{where}: the cell has no attachment {name!r} for <img src={src!r}>.")
        mime, payload = next(iter(bundle.items()))
        return f"data:{mime};base64,{''.join(_as_text(payload).split())}"
    path = notebook_dir / unquote(urlsplit(src).path)
    if not src or not path.is_file():
        raise ReportAssemblyError(
            f"{where}: image {src!r} not found (looked for {path}); "
            "paths are relative to the notebook's folder."
        )
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


# --- whole-document passes ----------------------------------------------------------------------


def _tidy_tables(root) -> None:
    """Header cells get ``scope``; empty corner header cells become data cells."""
    for table in root.iter("table"):
        table.attrib.pop("border", None)
        for th in table.xpath("./thead//th | .//tr[not(ancestor::tbody) and not(ancestor::thead)][1]/th"):
            if not "".join(th.itertext()).strip() and len(th) == 0:
                th.tag = "td"
            else:
                th.set("scope", "colgroup" if int(th.get("colspan", "1")) > 1 else "col")
        for th in table.xpath("./tbody//th"):
            th.set("scope", "rowgroup" if int(th.get("rowspan", "1")) > 1 else "row")


def _slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "section"


def _number_headings(root) -> str:
    """Give every heading a unique stable id; return the h1/h2 table of contents as HTML."""
    used = {el.get("id") for el in root.iter(etree.Element) if el.get("id")}
    entries = []
    for heading in root.iter(*_HEADINGS):
        text = " ".join("".join(heading.itertext()).split())
        if not heading.get("id"):
            base = slug = _slugify(text)
            n = 1
            while slug in used:
                n += 1
                slug = f"{base}-{n}"
            used.add(slug)
            heading.set("id", slug)
        if heading.tag in ("h1", "h2") and text:
            entries.append((heading.tag, heading.get("id"), text))
    if not entries:
        return ""
    toc = etree.Element("ul")
    parent = None
    for tag, anchor, text in entries:
        if tag == "h2" and parent is not None:
            sub = parent.find("ul")
            target = sub if sub is not None else etree.SubElement(parent, "ul")
        else:
            target = toc
        item = etree.SubElement(target, "li")
        etree.SubElement(item, "a", {"href": f"#{anchor}"}).text = text
        parent = item if tag == "h1" else parent
    return lxml.html.tostring(toc, encoding="unicode")


# --- resources ----------------------------------------------------------------------------------------


@cache
def _template() -> jinja2.Template:
    text = resources.files(__package__).joinpath("templates/report.html.j2").read_text(encoding="utf-8")
    return jinja2.Environment(autoescape=True, keep_trailing_newline=True).from_string(text)


@cache
def _css() -> str:
    return resources.files(__package__).joinpath("templates/report.css").read_text(encoding="utf-8")


def _version() -> str:
    from evaluation import __version__

    return __version__


def _read_report(path: str | Path, name: str) -> Path:
    source = Path(path)
    if not source.is_file():
        raise FileNotFoundError(f"`{name}` {str(source)!r} does not exist; run assemble_html first.")
    return source
