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

import numpy as np
import pandas as pd

from ..config import Study, load_study
from ..importer import load_processed
from .escape import md_literal, write_csv, write_xlsx
from ..config import label_for
from .i18n import Safe, check_lang, decimal_mark, fmt_num, fmt_pct, say, t, use_locales

__all__ = ["setup", "ReportContext"]


def setup(*, study, lang, output_dir=None) -> "ReportContext":
    """Validate notebook parameters and return the report context.

    Parameters
    ----------
    study : str
        Path of the study YAML (papermill parameter).
    lang : str
        A report language: ``nl``, ``en`` or one the study adds with ``report.locales``.
    output_dir : str, optional
        The study's report folder (default: from the study file).

    Examples
    --------
    >>> ctx = setup(study="config/studies/noorderbeekdwarsstraat-demo.yml", lang="en")  # doctest: +SKIP
    """
    if not isinstance(study, (str, Path)) or not Path(study).is_file():
        raise ValueError(f"parameter `study` must be the path of a study YAML file; got {study!r}")
    loaded = load_study(study)
    use_locales(loaded.locales)
    check_lang(lang)
    out = Path(output_dir) if output_dir else loaded.reports_dir
    from ..plots import set_report_style

    set_report_style()
    return ReportContext(loaded, lang, out)


def _expand_joined(dependent_cols, joined: dict, formats: dict):
    """``dependent_cols`` with each joined name (an interval ``K``) replaced by the columns it joins."""
    def expand(cols):
        cols = [cols] if isinstance(cols, str) else list(cols)
        out = []
        for c in cols:
            out += list(joined[c]) if c in joined and formats.get(c) != "of" else [c]
        return out

    if dependent_cols is None:
        return None
    if isinstance(dependent_cols, dict):
        return {k: expand(v) for k, v in dependent_cols.items()}
    return expand(dependent_cols)


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
        """A label of the language's ``labels.yml`` (an id without a label is returned as it is).

        ``{{level}}`` in a label is the study's confidence level (``analysis.confidence``), ``{{group}}`` the
        label of the group variable and ``{{area}}`` the study area's name.
        """
        return t(key, self.lang, **{**self._defaults(), **values})

    def _defaults(self) -> dict:
        """Values every template may use: the confidence level, the group variable and the area's name."""
        group = getattr(self.study, "group_variable", None)
        return {"level": self.pct(self.study.confidence), "area": getattr(self.study, "area", ""),
                "group": self.variable_label(group).lower() if group else t("group", self.lang).lower()}

    def say(self, key, **values) -> str:
        """Prose (Markdown) of the language's ``text.yml`` with values filled in and made literal.

        ``level`` (the confidence level, e.g. "95%") is always available to the template.
        """
        return say(key, self.lang, **{**self._defaults(), **values})

    def num(self, x, digits=1, **kw) -> str:
        """A number in the report language (marked as formatted, so templates insert it as it is)."""
        return Safe(fmt_num(x, digits, self.lang, **kw))

    def pct(self, x, digits=0) -> str:
        """A share as a percentage in the report language (marked as formatted)."""
        return Safe(fmt_pct(x, digits, self.lang))

    @property
    def decimal(self) -> str:
        """Decimal mark of the report language (for figure tick labels)."""
        return decimal_mark(self.lang)

    def label(self, mapping: dict) -> str:
        """Pick the report language from a ``{lang: text}`` mapping (plain-text labels hold for every language)."""
        return label_for(mapping, self.lang) or next(iter(mapping.values()), "") if isinstance(mapping, dict) else str(mapping)

    def wave_label(self, wave) -> str:
        """Label of a wave id in the report language ("both" = in every wave)."""
        if wave in self.study.wave_ids:
            return self.label(self.study.waves[self.study.wave_ids.index(wave)].label)
        return self.t(wave)

    def theme_label(self, theme) -> str:
        spec = self.study.instrument.themes.get(theme)
        return label_for(spec, self.lang, str(theme)) if spec else self.t(theme)

    def variable_label(self, variable) -> str:
        """Label of a background variable (its ``label`` in the instrument), a scale, or a label id."""
        spec = self.study.instrument.background.get(variable)
        if spec and spec.get("label"):
            return self.label(spec["label"])
        if variable in self.study.instrument.scales:
            return self.scale_label(variable)
        label = t(variable, self.lang)  # a label id of the language folder, else the id made readable
        return label if label != variable else str(variable).replace("_", " ")

    def category_label(self, variable, value) -> str:
        """Label of a category of a background variable: the instrument's ``codes`` (a label per language), else the
        survey file's own value label (SPSS), else the label id of the language folder or the id itself."""
        spec = self.study.instrument.background.get(variable) or {}
        for code in spec.get("codes", {}).values():
            if str(code.get("id")) == str(value):
                own = {k: v for k, v in code.items() if k != "id"}
                if own:
                    return label_for(own, self.lang, str(value))
        from_file = self._file_category_labels.get((str(variable), str(value)))
        return from_file if from_file else self.t(str(value))

    @cached_property
    def _file_category_labels(self) -> dict:
        """(variable, category) -> the label the survey file gave it (see :func:`evaluation.importer.import_study`)."""
        try:
            table = self.load("category_labels")
        except (FileNotFoundError, ValueError, AttributeError):
            return {}
        return {(str(r.variable), str(r.category)): str(r.label) for r in table.itertuples()}

    def group_label(self, group) -> str:
        """Label of a stakeholder group: ``report.stakeholder_groups`` of the study, else the group id as it is."""
        labels = self.study.stakeholder_groups.get(str(group))
        return self.label(labels) if labels else str(group)

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

    @property
    def narrative_dir(self) -> Path:
        """Where the evaluator's own texts live: ``<lang>/<section>.md`` (``report.narrative``, default
        ``<study file name>.narrative/`` beside the study file)."""
        return self.study.narrative_dir

    def narrative(self, key: str, text: str = "", *, html_text: str | None = None) -> bool:
        """Show a section's generated text — or the evaluator's own text for it, marked as such.

        The generated text is always saved as a draft (``narrative-drafts/<lang>/<key>.md`` in the
        report folder), so the evaluator can start from it: copy it to
        ``<narrative_dir>/<lang>/<key>.md``, edit, and rebuild. The evaluator's file is configuration
        (it lives beside the study file, not in the report), so every rebuild keeps it. It is shown
        as Markdown like all report text: emphasis and lists work; raw HTML, links and images do not.

        Parameters
        ----------
        key : str
            Section key, e.g. ``summary``, ``recommendations``, ``limitations``.
        text : str
            The generated Markdown.
        html_text : str, optional
            Generated HTML to show instead of `text` (the draft still holds `text`).

        Returns
        -------
        bool
            True when the evaluator's text was shown.
        """
        drafts = self.output_dir / "narrative-drafts" / self.lang
        drafts.mkdir(parents=True, exist_ok=True)
        (drafts / f"{key}.md").write_text(text.rstrip() + "\n", encoding="utf-8")
        own = self.narrative_dir / self.lang / f"{key}.md"
        if own.is_file():
            self.md(self.say("evaluator_text"))
            self.md(own.read_text(encoding="utf-8"))
            return True
        if html_text is not None:
            from IPython.display import HTML, display

            display(HTML(html_text))
        elif text:
            self.md(text)
        return False

    def evidence_html(self, items: pd.DataFrame) -> str:
        """An HTML list of generated items (``text`` Markdown, ``evidence`` references), each with links to the
        tables its evidence rows are in."""
        from markdown_it import MarkdownIt

        from .narrative import evidence_refs

        render = MarkdownIt("commonmark", {"html": False}).disable(["link", "image", "autolink"]).renderInline
        lines = []
        for _, row in items.iterrows():
            refs = evidence_refs(row["evidence"], self)
            links = ", ".join(f'<a href="#table-{html.escape(r["table"])}">{html.escape(r["text"])}</a>' for r in refs)
            label = html.escape(self.t("evidence_label"))
            evidence = f' <span class="evidence">{label}: {links}.</span>' if links else ""
            lines.append(f"<li>{render(row['text'])}{evidence}</li>")
        return f'<ul class="recommendations">{"".join(lines)}</ul>'

    @cached_property
    def gate(self):
        """The build's publication gate (:class:`evaluation.report.gate.Gate`)."""
        from .gate import Gate

        return Gate(self.results["publication"], self.results["audit"])

    def table(self, frame: pd.DataFrame, *, name: str, caption: str, count_cols=(), dependent_cols=None,
              by=None, total_rows=None, totals="columns", formats=None, labels=None, min_count=None,
              gate=None, note=None) -> None:
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
            are suppressed, with complementary suppression (within this table only;
            tables whose counts a reader can combine with other tables take `gate`).
        dependent_cols : mapping or sequence, optional
            Columns derived from the counts (percentages, means); blanked with them.
            With `gate`: ``{column: [columns it rests on]}``.
        by : str or list, optional
            Columns that define independent blocks for complementary suppression.
        total_rows : boolean Series, optional
            Rows that are totals of the others: published as they are, and taken
            into account as known totals when suppressing the other rows.
        totals : {"columns", "rows", "both", "none"}
            Which totals a reader can compute (see :func:`evaluation.suppress_small_cells`).
        formats : dict, optional
            column -> "int" | "pct" | "pct1" | "pp" | "num1" | "num2" | "num3" | "p" for display.
            Two kinds join columns, so that the numbers stay numbers in the CSV/XLSX files:
            ``"ci"`` / ``"ci_pp"`` on a name ``K`` shows columns ``K_low`` and ``K_high`` as one interval
            in the language's notation (``ci_pp``: shares as percentage points); ``"of"`` on a count
            column ``K`` shows ``K/K_total``. ``dependent_cols`` may name ``K`` for both bounds.
        labels : dict, optional
            column -> header shown in the report.
        min_count : int, optional
            Suppression threshold (default ``privacy.min_cell``; interview tables
            pass ``privacy.min_cell_interviews``).
        note : str, optional
            A line under the table (e.g. what a mark in a label means).
        gate : dict, optional
            Take the decisions of the build's publication gate instead of suppressing
            here: ``{"table": gate table, "rows": [row key per row of frame],
            "cells": {column: gate column}}``; a gate column may also be a tuple
            ``(gate table, gate column)`` or ``(gate table, gate column, row keys)``.
            Columns of `dependent_cols` (``{count column: [columns]}``) are hidden
            with the count they rest on.

        Notes
        -----
        Marks say what they mean: a count below the threshold shows ``<N`` (only in
        count columns, and only when the hidden value is below N); a count hidden to
        protect another one, and every derived number (share, mean, interval) hidden
        with its count, shows ``·``; a note under the table explains both.

        The published (suppressed) table is kept in ``ctx.published[name]``.
        """
        from IPython.display import HTML, display

        from ..privacy import suppress_small_cells
        from .i18n import fmt_ci, fmt_p

        if frame.empty:  # a study without such data: one line instead of an empty table or an error
            from IPython.display import Markdown

            display(Markdown(f"*{md_literal(caption)}: {self.t('table_empty')}*"))
            self.published[name] = frame
            return
        formats = dict(formats or {})
        joined = {k: (f"{k}_low", f"{k}_high") for k, f in formats.items() if f in ("ci", "ci_pp")}
        joined.update({k: (k, f"{k}_total") for k, f in formats.items() if f == "of"})
        dependent_cols = _expand_joined(dependent_cols, joined, formats)
        published = frame.reset_index(drop=True)
        min_count = self.study.min_cell if min_count is None else min_count
        log = pd.DataFrame(columns=["row", "column", "reason"])
        if gate is not None:
            published, log = self._gated(published, gate, dependent_cols)
        elif count_cols:
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
        gated = gate is not None or bool(count_cols)
        self._log_suppression(name, caption, published, log, min_count if gated else None)

        shown = published.drop(columns=["suppressed"], errors="ignore")
        marks = self._marks(frame.reset_index(drop=True), log, min_count)
        parts = {c for cols in joined.values() for c in cols}
        display_cols = []
        for column in shown.columns:
            owner = next((k for k, cols in joined.items() if column == cols[0]), None)
            if owner is not None:
                display_cols.append(owner)
            elif column not in parts:
                display_cols.append(column)

        def value_of(row, column):
            if column in joined and formats[column] != "of":
                return tuple(row[c] for c in joined[column])
            if column in joined:
                return (row[joined[column][0]], row[joined[column][1]])
            return row[column]

        def render(i, value, column) -> str:
            """The cell's text (escaped for HTML where it is used)."""
            kind = formats.get(column)
            for part in joined.get(column, (column,)):
                if (i, part) in marks:
                    return marks[i, part]
            if kind in ("ci", "ci_pp"):
                low, high = value
                if pd.isna(low) or pd.isna(high):
                    return "–"
                scale, digits = (100, 0) if kind == "ci_pp" else (1, 2)
                return fmt_ci(scale * low, scale * high, digits, self.lang)
            if kind == "of":
                n, total = value
                if pd.isna(n):
                    return "–"
                return fmt_num(n, 0, self.lang) + ("" if pd.isna(total) else "/" + fmt_num(total, 0, self.lang))
            if pd.isna(value):
                return "–"
            if kind == "int":
                return fmt_num(value, 0, self.lang)
            if kind in ("pct", "pct1"):
                return fmt_pct(value, 1 if kind == "pct1" else 0, self.lang)
            if kind == "pp":
                return fmt_num(100 * value, 0, self.lang, sign=True) + "\u00a0" + self.t("pp")
            if kind and kind.startswith("num"):
                return fmt_num(value, int(kind[3:]), self.lang)
            if kind == "p":
                return fmt_p(value, self.lang)
            if isinstance(value, float):
                return fmt_num(value, 2, self.lang)
            return self.t(str(value))

        def cell(i, j, column, value) -> str:
            text = html.escape(str(render(i, value, column)))
            if j == 0:
                return f'<th scope="row">{text}</th>'
            if column in formats or isinstance(value, (int, float, tuple)):
                return f'<td class="num">{text}</td>'
            return f"<td>{text}</td>"

        headers = {c: str((labels or {}).get(c, self.t(str(c)))) for c in display_cols}
        header = "".join(f'<th scope="col">{html.escape(headers[c])}</th>' for c in display_cols)
        body = "".join(
            "<tr>" + "".join(cell(i, j, c, value_of(row, c)) for j, c in enumerate(display_cols)) + "</tr>"
            for i, row in shown.iterrows()
        )
        # the workbook: the table as shown (labels of this edition, numbers rounded as displayed, marks), then the data
        sheet, number_formats = {}, {}
        for column in display_cols:
            cells, fmt = [], None
            for i, row in shown.iterrows():
                value = value_of(row, column)
                marked = any((i, part) in marks for part in joined.get(column, (column,)))
                number, cell_fmt = (None, None) if marked else self._sheet_number(value, formats.get(column))
                text = render(i, value, column)
                cells.append(number if number is not None else (None if text == "–" else text))
                fmt = fmt or cell_fmt
            sheet[headers[column]] = cells
            if fmt:
                number_formats[headers[column]] = fmt
        write_xlsx(published, self.tables_dir / f"{stem}.xlsx", sheet_name=name, shown=pd.DataFrame(sheet),
                   number_formats=number_formats)
        note = " ".join(x for x in (self._marks_note(marks, min_count), note or "") if x)
        foot = f'<tfoot><tr><td colspan="{len(display_cols)}">{html.escape(note)}</td></tr></tfoot>' if note else ""
        display(HTML(
            f'<table class="report-table" id="table-{html.escape(name)}"><caption>{html.escape(str(caption))}</caption>'
            f"<thead><tr>{header}</tr></thead><tbody>{body}</tbody>{foot}</table>"
        ))
        self.published[name] = published

    def _sheet_number(self, value, kind):
        """A cell of the workbook's shown sheet as a number rounded as the report shows it, with its Excel format;
        (None, None) for text, intervals, counts "n/N" and missing values (their text is used instead)."""
        from .i18n import _half_up

        if kind in ("ci", "ci_pp", "of") or isinstance(value, (tuple, str, bool, np.bool_)) or value is None:
            return None, None
        try:
            x = float(value)
        except (TypeError, ValueError):
            return None, None
        if not np.isfinite(x):
            return None, None

        def up(v, digits):
            return float(_half_up(v, digits))

        if kind == "int" or (kind is None and isinstance(value, (int, np.integer))):
            return int(up(x, 0)), "0"
        if kind in ("pct", "pct1"):
            digits = 1 if kind == "pct1" else 0
            return up(100 * x, digits) / 100, "0.0%" if digits else "0%"
        if kind == "pp":
            unit = self.t("pp").replace('"', "")
            return up(100 * x, 0), f'+0" {unit}";-0" {unit}";0" {unit}"'
        if kind and kind.startswith("num"):
            digits = int(kind[3:])
            return up(x, digits), "0." + "0" * digits if digits else "0"
        if kind == "p":
            return (None, None) if x < 0.001 else (up(x, 3), "0.000")
        if kind is None and isinstance(value, (float, np.floating)):
            return up(x, 2), "0.00"
        return None, None

    def _gated(self, published: pd.DataFrame, gate: dict, dependent_cols) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Hide the cells the publication gate hides; derived columns follow their counts."""
        rows = list(gate["rows"])
        if len(rows) != len(published):
            raise ValueError(f"gate rows: {len(rows)} keys for a table of {len(published)} rows")
        log = []
        for display_col, gate_col in gate.get("cells", {}).items():
            # a gate column, or (gate table, gate column) or (gate table, gate column, row keys of its own)
            spec = gate_col if isinstance(gate_col, tuple) else (gate["table"], gate_col)
            table, column = spec[0], spec[1]
            for i, key in enumerate(spec[2] if len(spec) > 2 else rows):
                status = self.gate.status(table, key, column)
                if status in ("primary", "complementary", "derived"):
                    log.append((i, display_col, "dependent" if status == "derived" else status))
        hidden = {(i, c) for i, c, _ in log}
        rounded = []
        if self.study.round_to:  # shown counts are rounded, as the gate assumed (a reader knows them ± unit / 2)
            for display_col, gate_col in gate.get("cells", {}).items():
                spec = gate_col if isinstance(gate_col, tuple) else (gate["table"], gate_col)
                keys = spec[2] if len(spec) > 2 else rows
                if all(self.gate.kind(spec[0], k, spec[1]) in ("count", "total", "size", "number") for k in keys):
                    rounded.append(display_col)
        if dependent_cols is not None:
            if isinstance(dependent_cols, dict):
                pairs = [(c, d) for c, deps in dependent_cols.items() for d in ([deps] if isinstance(deps, str) else deps)]
            else:
                deps = [dependent_cols] if isinstance(dependent_cols, str) else list(dependent_cols)
                pairs = [(c, d) for c in gate.get("cells", {}) for d in deps]
            for count_col, dep in pairs:
                for i in range(len(published)):
                    if (i, count_col) in hidden and (i, dep) not in hidden:
                        hidden.add((i, dep))
                        log.append((i, dep, "dependent"))
        out = published.copy()
        for i, column, _ in log:
            numeric = pd.api.types.is_numeric_dtype(out[column]) and not pd.api.types.is_bool_dtype(out[column])
            out[column] = out[column].astype(float) if numeric else out[column].astype(object)
            out.loc[i, column] = np.nan
        for column in rounded:
            unit = self.study.round_to
            out[column] = unit * np.floor(pd.to_numeric(out[column], errors="coerce") / unit + 0.5)
        out["suppressed"] = [any(r == i for r, _, _ in log) for i in range(len(out))]
        return out, pd.DataFrame(log, columns=["row", "column", "reason"])

    def _marks(self, true: pd.DataFrame, log: pd.DataFrame, min_count: int) -> dict:
        """Per hidden cell its mark: ``<N`` for a primary count below N, else the neutral mark."""
        marks = {}
        for row, column, reason in log[["row", "column", "reason"]].itertuples(index=False):
            value = true.at[row, column] if row in true.index and column in true.columns else None
            below = reason == "primary" and isinstance(value, (int, float, np.number)) and 0 < value < min_count
            marks[row, column] = self.t("suppressed", n=min_count) if below else self.t("hidden_mark")
        return marks

    def _marks_note(self, marks: dict, min_count: int) -> str:
        used = set(marks.values())
        parts = []
        if self.t("suppressed", n=min_count) in used:
            parts.append(self.t("note_primary", n=min_count))
        if self.t("hidden_mark") in used:
            parts.append(self.t("note_hidden"))
        return " ".join(parts)

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
            "derived": int((log["reason"] == "dependent").sum()) if len(log) else 0,
        }
        path.write_text(json.dumps(entries, indent=2, ensure_ascii=False), encoding="utf-8")

    def save(self, frame: pd.DataFrame, *, name: str) -> None:
        """Save a generated table (e.g. the recommendations with their evidence) as CSV and XLSX, not shown.

        Only for tables without counts of people: they bypass suppression.
        """
        stem = f"{name}.{self.lang}"
        write_csv(frame, self.tables_dir / f"{stem}.csv")
        write_xlsx(frame, self.tables_dir / f"{stem}.xlsx", sheet_name=name)
        self._log_suppression(name, name, frame, pd.DataFrame(columns=["row", "column", "reason"]), None)

    def note(self, key: str, **values) -> None:
        """A one-line note in italics (e.g. why a section has nothing to show)."""
        self.md("*" + self.say(key, **values) + "*")

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
