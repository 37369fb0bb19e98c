"""What a report notebook needs, so notebooks stay thin.

A notebook's first code cell after the papermill parameters is::

    ctx = nb.setup(study=study, lang=lang, output_dir=output_dir)

``ctx`` validates the parameters, loads the processed tables on demand, and
publishes tables (privacy-suppressed, saved as CSV and XLSX, shown with the
report's number formatting) and figures (saved as PNG and SVG, shown with alt
text). Everything published is logged so the appendix can say what was
suppressed and why.
"""
from __future__ import annotations

import base64
import html
import io
import json
from functools import cached_property
from pathlib import Path

import pandas as pd

from ..config import Study, load_study
from ..importer import load_processed
from .escape import write_csv, write_xlsx
from .i18n import check_lang, fmt_num, fmt_pct, t

__all__ = ["setup", "ReportContext"]


def setup(*, study, lang, output_dir=None) -> "ReportContext":
    """Validate notebook parameters and return the report context.

    Parameters
    ----------
    study : str
        Path of the study YAML (papermill parameter).
    lang : {"nl", "en"}
    output_dir : str, optional
        The study's report folder (default: from the study file).

    Examples
    --------
    >>> ctx = setup(study="config/studies/noorderbeekdwarsstraat-demo.yml", lang="en")  # doctest: +SKIP
    """
    if not isinstance(study, (str, Path)) or not Path(study).is_file():
        raise ValueError(f"parameter `study` must be the path of a study YAML file; got {study!r}")
    check_lang(lang)
    loaded = load_study(study)
    out = Path(output_dir) if output_dir else loaded.reports_dir
    from ..plots import set_report_style

    set_report_style()
    return ReportContext(loaded, lang, out)


class ReportContext:
    """Study, language, data and publishing helpers for one notebook run."""

    def __init__(self, study: Study, lang: str, output_dir: Path):
        self.study = study
        self.lang = lang
        self.output_dir = Path(output_dir)
        self.tables_dir = self.output_dir / "tables"
        self.figures_dir = self.output_dir / "figures"
        self.tables_dir.mkdir(parents=True, exist_ok=True)
        self.figures_dir.mkdir(parents=True, exist_ok=True)
        self.published: dict[str, pd.DataFrame] = {}

    # ------------------------------------------------------------------ language
    def t(self, key, **values) -> str:
        """Translate a label id (see :data:`evaluation.report.i18n.LABELS`)."""
        return t(key, self.lang, **values)

    def num(self, x, digits=1, **kw) -> str:
        return fmt_num(x, digits, self.lang, **kw)

    def pct(self, x, digits=0) -> str:
        return fmt_pct(x, digits, self.lang)

    @property
    def decimal(self) -> str:
        """Decimal mark of the report language (for figure tick labels)."""
        return "," if self.lang == "nl" else "."

    def label(self, mapping: dict) -> str:
        """Pick the report language from a ``{nl: ..., en: ...}`` mapping."""
        return mapping.get(self.lang) or next(iter(mapping.values()), "")

    def wave_label(self, wave) -> str:
        """Label of a wave id in the report language ("both" = in every wave)."""
        if wave in self.study.wave_ids:
            return self.label(self.study.waves[self.study.wave_ids.index(wave)].label)
        return self.t(wave)

    def theme_label(self, theme) -> str:
        spec = self.study.instrument.themes.get(theme)
        return spec.get(self.lang, theme) if spec else self.t(theme)

    def scale_label(self, scale) -> str:
        spec = self.study.instrument.scales.get(scale)
        return self.label(spec["label"]) if spec else str(scale)

    # ------------------------------------------------------------------ data
    def load(self, name: str) -> pd.DataFrame:
        return load_processed(self.study, name)

    @cached_property
    def responses(self) -> pd.DataFrame:
        return self.load("responses")

    @cached_property
    def results(self) -> dict[str, pd.DataFrame]:
        """Every results table (:func:`evaluation.study_results`), computed once per import."""
        from .results import study_results

        return study_results(self.study)

    @cached_property
    def segments(self) -> pd.DataFrame:
        return self.load("segments")

    @cached_property
    def interviewees(self) -> pd.DataFrame:
        return self.load("interviewees")

    # ------------------------------------------------------------------ output
    def md(self, text: str) -> None:
        """Show Markdown (narrative) in the report.

        The report renders this as generated text: raw HTML shows as text and links,
        images and autolinks are not made. Put data (labels, quotes, names) in it
        through :func:`evaluation.report.escape.md_literal`, so it stays literal text.
        """
        from IPython.display import Markdown, display

        display(Markdown(text))

    def table(self, frame: pd.DataFrame, *, name: str, caption: str, count_cols=(), dependent_cols=None,
              by=None, total_rows=None, totals="columns", formats=None, labels=None, min_count=None) -> None:
        """Publish a table: suppress small cells, save CSV + XLSX, show it formatted.

        Parameters
        ----------
        frame : DataFrame
            Tidy table with raw numbers.
        name : str
            File stem under ``tables/`` (the language is appended).
        caption : str
        count_cols : sequence of str
            Columns holding counts of people; cells below ``privacy.min_cell``
            are suppressed, with complementary suppression.
        dependent_cols : mapping or sequence, optional
            Columns derived from the counts (percentages, means); blanked with them.
        by : str or list, optional
            Columns that define independent blocks for complementary suppression.
        total_rows : boolean Series, optional
            Rows that are totals of the others: published as they are, and taken
            into account as known totals when suppressing the other rows.
        totals : {"columns", "rows", "both", "none"}
            Which totals a reader can compute (see :func:`evaluation.suppress_small_cells`).
        formats : dict, optional
            column -> "int" | "pct" | "pct1" | "num1" | "num2" | "num3" | "p" for display.
        labels : dict, optional
            column -> header shown in the report.
        min_count : int, optional
            Suppression threshold (default ``privacy.min_cell``; interview tables
            pass ``privacy.min_cell_interviews``).

        The published (suppressed) table is kept in ``ctx.published[name]``.
        """
        from IPython.display import HTML, display

        from ..privacy import suppress_small_cells
        from .i18n import fmt_p

        published = frame.reset_index(drop=True)
        min_count = self.study.min_cell if min_count is None else min_count
        log = pd.DataFrame(columns=["row", "column", "reason"])
        if count_cols:
            is_total = (pd.Series(False, index=published.index) if total_rows is None
                        else pd.Series(total_rows).reset_index(drop=True).astype(bool))
            inner = suppress_small_cells(
                published[~is_total], count_cols=list(count_cols), min_count=min_count,
                dependent_cols=dependent_cols, by=by, round_to=self.study.round_to, totals=totals,
            )
            log = inner.attrs.get("suppression_log", log)
            outer = published[is_total].assign(suppressed=False)
            published = pd.concat([inner, outer]).sort_index()
            published.attrs = {}
        stem = f"{name}.{self.lang}"
        write_csv(published, self.tables_dir / f"{stem}.csv")  # text cells formula-safe (escape.formula_safe)
        write_xlsx(published, self.tables_dir / f"{stem}.xlsx", sheet_name=name)
        self._log_suppression(name, caption, published, log, min_count if count_cols else None)

        shown = published.drop(columns=["suppressed"], errors="ignore")
        formats = formats or {}
        marker = self.t("suppressed", n=min_count)

        def render(value, column) -> str:
            """The cell's text (escaped for HTML where it is used)."""
            kind = formats.get(column)
            if pd.isna(value) if not isinstance(value, (list, tuple)) else False:
                return marker if column in self._suppressed_columns(log) else "–"
            if kind == "int":
                return fmt_num(value, 0, self.lang)
            if kind in ("pct", "pct1"):
                return fmt_pct(value, 1 if kind == "pct1" else 0, self.lang)
            if kind and kind.startswith("num"):
                return fmt_num(value, int(kind[3:]), self.lang)
            if kind == "p":
                return fmt_p(value, self.lang)
            if isinstance(value, float):
                return fmt_num(value, 2, self.lang)
            return self.t(str(value))

        def cell(j, column, value) -> str:
            text = html.escape(str(render(value, column)))
            if j == 0:
                return f'<th scope="row">{text}</th>'
            if column in formats or isinstance(value, (int, float)):
                return f'<td class="num">{text}</td>'
            return f"<td>{text}</td>"

        header = "".join(f'<th scope="col">{html.escape(str((labels or {}).get(c, self.t(str(c)))))}</th>'
                         for c in shown.columns)
        body = "".join(
            "<tr>" + "".join(cell(j, c, v) for j, (c, v) in enumerate(row.items())) + "</tr>"
            for _, row in shown.iterrows()
        )
        display(HTML(
            f'<table class="report-table"><caption>{html.escape(str(caption))}</caption>'
            f"<thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>"
        ))
        self.published[name] = published

    @staticmethod
    def _suppressed_columns(log: pd.DataFrame) -> set:
        return set(log["column"]) if len(log) else set()

    def _log_suppression(self, name, caption, published, log, min_count):
        path = self.tables_dir / f"_published.{self.lang}.json"
        entries = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        entries[name] = {
            "caption": caption,
            "rows": int(len(published)),
            "threshold": min_count,
            "suppressed_cells": int(len(log)),
            "primary": int((log["reason"] == "primary").sum()) if len(log) else 0,
            "complementary": int((log["reason"] == "complementary").sum()) if len(log) else 0,
        }
        path.write_text(json.dumps(entries, indent=2, ensure_ascii=False), encoding="utf-8")

    def figure(self, fig, *, name: str, alt: str, caption: str | None = None) -> None:
        """Publish a figure: save PNG + SVG under ``figures/`` and show it with alt text."""
        import matplotlib.pyplot as plt
        from IPython.display import HTML, display

        from ..plots import save_figure

        save_figure(fig, stem=f"{name}.{self.lang}", out_dir=self.figures_dir)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
        plt.close(fig)
        data = base64.b64encode(buffer.getvalue()).decode("ascii")
        cap = f"<figcaption>{html.escape(str(caption))}</figcaption>" if caption else ""
        display(HTML(f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(str(alt))}"/>{cap}</figure>'))
