"""Preflight: check a study's configuration and raw files in seconds, before any notebook runs.

:func:`check_study` loads the study (validating the study, instrument and
coding-frame YAML), then checks that every raw file exists and can be read,
that every column the instrument names is in the survey exports, that the
values fit the answer codes, that the group variables have every category in
``population.margins``, and that the interview cases in the interviewee table
match the codings. Every problem is collected (never only the first) with the
configuration key or the file/row/column to look at and the fix. Warnings flag
what is allowed but probably wrong: a negative item-rest correlation or a
negative Cronbach's alpha in the baseline (reverse keying), and a scale whose
items use different answer sets.

Nothing is written; raw files are only read.
"""
from __future__ import annotations

import difflib
import os
import warnings as _warnings
from pathlib import Path

import numpy as np
import pandas as pd

from .config import ConfigError, Study, _project_root, load_study

__all__ = ["check_study", "format_problems", "summary_line", "CHECK_COLUMNS", "PreflightError"]

#: Columns of the problem table returned by :func:`check_study`.
CHECK_COLUMNS = ["file", "row", "column", "key", "problem", "fix", "severity"]
#: Fewer baseline respondents than this: no reliability warnings (too noisy).
MIN_RELIABILITY_N = 10


class _Collector:
    def __init__(self, root: Path | None = None):
        self.rows: list[dict] = []
        self.root = root

    def rel(self, path) -> str:
        if path is None:
            return ""
        path = Path(path)
        if self.root is not None:
            try:
                return path.resolve().relative_to(self.root.resolve()).as_posix()
            except ValueError:
                pass
        return str(path)

    def add(self, *, file, key="", problem, fix, severity="error", row=None, column="", escalate=False):
        self.rows.append({"file": self.rel(file) if isinstance(file, Path) else str(file or ""),
                          "row": row, "column": column or "", "key": key or "", "problem": problem,
                          "fix": fix, "severity": severity, "_import": escalate})

    def frame(self, strict: bool = False) -> pd.DataFrame:
        table = pd.DataFrame(self.rows, columns=[*CHECK_COLUMNS, "_import"])
        if strict and len(table):
            promote = table["_import"].astype(bool) & (table["severity"] == "warning")
            table.loc[promote, "severity"] = "error"
            table.loc[promote, "problem"] = table.loc[promote, "problem"] + " (an error: the study sets strict: true)"
        table = table.drop(columns="_import")
        table["row"] = table["row"].astype("Int64")
        order = {"error": 0, "warning": 1}
        return table.sort_values("severity", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)


class PreflightError(ValueError):
    """The preflight found errors; raised by :func:`evaluation.build_report` before anything runs.

    ``problems`` holds the :func:`check_study` table (errors and warnings).
    """

    def __init__(self, study_path, problems: pd.DataFrame):
        self.problems = problems
        errors = problems[problems["severity"] == "error"]
        lines = format_problems(errors)
        shown = "\n".join(f"  {line}" for line in lines[:20])
        more = f"\n  … and {len(lines) - 20} more" if len(lines) > 20 else ""
        super().__init__(f"the preflight found {len(errors)} error(s) in {Path(study_path).name}; nothing was "
                         f"imported or built:\n{shown}{more}\n"
                         f"Run `evaluation check --study {study_path}` for every problem and warning.")


def check_study(study) -> pd.DataFrame:
    """Check a study's configuration and raw files before anything is imported or reported.

    Parameters
    ----------
    study : Study or path-like
        A loaded study or the path of its YAML file.

    Returns
    -------
    pandas.DataFrame
        One row per problem, errors first, with the columns ``file`` (the
        configuration or raw file, relative to the project folder), ``row``
        (Int64, the line or spreadsheet row; NA when the problem is not in one
        row), ``column`` (the column in the raw file), ``key`` (the
        configuration key to change, e.g. ``population.margins.tenure``),
        ``problem``, ``fix`` and ``severity`` ("error" or "warning"). Empty when
        all is well. Errors would stop ``evaluation import``; warnings point at
        what is allowed but probably wrong (reverse keying, mixed answer sets,
        codes missing from the coding frame). A study with ``strict: true``
        turns the warnings the import would escalate into errors.

    Notes
    -----
    When the configuration itself has problems, only those are returned (the
    raw files cannot be checked against a configuration that does not load).
    Survey files are read in full (a survey has hundreds of rows, not
    millions); the bounds of the study's ``limits:`` section apply. Item-rest
    correlations and Cronbach's alpha are computed on the first wave after
    reverse keying, when it has at least ten respondents.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from evaluation.kit import new_study
    >>> base = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (base / "pyproject.toml").write_text("")
    >>> files = new_study("my-street", config_dir=base / "config")
    >>> problems = check_study(files["study"])
    >>> sorted(set(problems["key"]))
    ['interviews.codings', 'interviews.interviewees', 'waves[0].file', 'waves[1].file']
    """
    if not isinstance(study, Study):
        path = Path(study)
        try:
            study = load_study(path)
        except ConfigError as exc:
            out = _Collector(_project_root(path.resolve()))
            for p in exc.problems:
                _config_problem(out, p)
            return out.frame()
    out = _Collector(_project_root(study.path))
    baseline = _check_waves(study, out)
    _check_groups(study, out)
    _check_interviews(study, out)
    _check_scales(study, out, baseline)
    return out.frame(strict=study.strict)


def _config_problem(out: _Collector, p) -> None:
    text = p.message
    if p.found is not None:
        text += f" (found: {_short(p.found)})"
    if p.message == "required key is missing":
        fix = f"add {p.key}" + (f" ({p.allowed})" if p.allowed else "")
    elif p.message == "unknown key":
        fix = f"remove or correct the key; allowed here: {p.allowed}"
    elif p.allowed is not None:
        fix = f"set {p.key} to one of: {p.allowed}" if "not allowed" in p.message or "unknown" in p.message \
            else f"allowed: {p.allowed}"
    elif p.key in ("(file)",) or p.key.startswith("line "):
        fix = "correct the file (see the problem)"
    else:
        fix = f"correct {p.key} in this file"
    out.add(file=Path(p.file), key=p.key, problem=text, fix=fix)


def _short(value, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _near(name: str, candidates) -> str:
    close = difflib.get_close_matches(str(name), [str(c) for c in candidates], n=1, cutoff=0.6)
    return f" (the file has {close[0]!r}; a typo?)" if close else ""


# --------------------------------------------------------------------------- survey waves


def _check_waves(study: Study, out: _Collector) -> pd.DataFrame | None:
    """Existence, readability, columns and values of each wave; returns the first wave's typed data."""
    from .readers.surveys import SurveyReadError, read_survey
    from .validate import validate_wave

    inst = study.instrument
    inst_file = inst.path
    baseline = None
    for index, wave in enumerate(study.waves):
        key = f"waves[{index}].file"
        if not wave.file.exists():
            out.add(file=wave.file, key=key, problem=f"raw file of wave {wave.id!r} not found",
                    fix=f"put the export of this wave in {out.rel(wave.file.parent)} under that name, or "
                        f"correct {key} in {out.rel(study.path)}")
            continue
        try:
            raw = read_survey(wave.file, sheet=wave.sheet, limits=study.limits)
        except SurveyReadError as exc:
            out.add(file=wave.file, key=f"waves[{index}].sheet" if "sheet" in str(exc).lower() else key,
                    problem=str(exc), fix="export the wave again as CSV, XLSX or SPSS .sav (see the problem)")
            continue
        renamed = dict(wave.rename or {})
        for old in renamed:
            if old not in raw.columns:
                out.add(file=study.path, key=f"waves[{index}].rename", column=str(old), severity="warning",
                        problem=f"renames column {old!r}, which is not in {wave.file.name}{_near(old, raw.columns)}",
                        fix="use the column name exactly as in the export, or remove the entry")
        columns = set(raw.rename(columns=renamed).columns)
        hint = f"rename the column in the export, or map it with waves[{index}].rename in {out.rel(study.path)}"
        flagged = set()

        def missing(column, key_, what, severity="error", _raw=raw):
            flagged.add(column)
            out.add(file=wave.file, column=column, key=key_, severity=severity,
                    problem=f"{what}: column {column!r} not found{_near(column, _raw.columns)}",
                    fix=f"set {key_} in {out.rel(inst_file)} to the column's name in the export, or {hint}")

        ids = inst.identifiers
        if ids.get("respondent") and ids["respondent"] not in columns:
            missing(ids["respondent"], "identifiers.respondent", "respondent id")
        if ids.get("household") and ids["household"] not in columns:
            missing(ids["household"], "identifiers.household", "household id (optional; households unused)",
                    severity="warning")
        for var, spec in inst.background.items():
            if spec["column"] not in columns:
                missing(spec["column"], f"background.{var}.column", f"background variable {var!r}")
        for number, item in enumerate(inst.items):
            if item.get("waves") and wave.id not in item["waves"]:
                continue
            column = item.get("column", item["id"])
            if column not in columns:
                item_key = f"items[{number}] ({item['id']})" + (".column" if item.get("column") else ".id")
                missing(column, item_key, f"item {item['id']!r}")
        result = validate_wave(raw, instrument=inst, wave=wave.id, rename=renamed, file=wave.file.name)
        _values(out, result.problems, wave, flagged, inst)
        if baseline is None and index == 0:
            baseline = result.data
    return baseline


def _values(out: _Collector, problems: pd.DataFrame, wave, flagged: set, inst) -> None:
    """The import's value checks, one row per (column, problem) with the first row and the count."""
    if problems.empty:
        return
    item_key = {}
    for number, item in enumerate(inst.items):
        item_key[item.get("column", item["id"])] = f"answer_sets.{item['answers']} (item {item['id']})"
    for var, spec in inst.background.items():
        item_key[spec["column"]] = f"background.{var}.codes"
    problems = problems[~(problems["column"].isin(flagged) & problems["row"].isna())]
    unknown = problems[problems["problem"].str.startswith("column is not in the codebook")]
    if len(unknown):
        names = unknown["column"].astype(str).tolist()
        shown = ", ".join(names[:10]) + (", …" if len(names) > 10 else "")
        out.add(file=wave.file, key="items", column=shown, severity="warning", escalate=True,
                problem=f"{len(names)} column(s) are not in the instrument and are not imported",
                fix="add them as items, background variables or identifiers.direct - or leave them out")
    problems = problems.drop(unknown.index)
    for (column, text, severity), group in problems.groupby(["column", "problem", "severity"], sort=False,
                                                               dropna=False):
        first = group["row"].dropna()
        n = len(group)
        where = f" ({n} rows; first on row {int(first.iloc[0])})" if n > 1 and len(first) else ""
        expected = group["expected"].iloc[0]
        out.add(file=wave.file, row=int(first.iloc[0]) if len(first) else None, column=str(column),
                key=item_key.get(column, ""), problem=f"{text}{where}", severity=severity, escalate=True,
                fix=f"expected {expected}" if expected else "see the problem")


# --------------------------------------------------------------------------- groups and margins


def _check_groups(study: Study, out: _Collector) -> None:
    inst = study.instrument
    margins = study.population_margins
    for var in study.groups:
        if var in inst.background and var not in margins:
            ids = [c["id"] for c in inst.background[var]["codes"].values()]
            out.add(file=study.path, key="population.margins", severity="warning",
                    problem=f"group variable {var!r} (analysis.groups) has no population counts; response "
                            "and representativeness cannot be shown for it and no weights are computed",
                    fix=f"add population.margins.{var}: {{{', '.join(f'{i}: <count>' for i in ids)}}}")
    for var, targets in margins.items():
        if var not in inst.background:
            continue  # reported by the configuration check
        ids = [c["id"] for c in inst.background[var]["codes"].values()]
        absent = [i for i in ids if i not in targets]
        if absent:
            out.add(file=study.path, key=f"population.margins.{var}",
                    problem=f"categories {', '.join(map(repr, absent))} of background.{var} (in "
                            f"{out.rel(inst.path)}) have no population count",
                    fix=f"add {', '.join(f'{i}: <count>' for i in absent)} under population.margins.{var} "
                        "(0 when no one in the area belongs to it)")
        total = sum(v for v in targets.values() if isinstance(v, (int, float)))
        sizes = [s for s in (study.population_size, study.population_residents) if s]
        if sizes and total not in sizes:
            out.add(file=study.path, key=f"population.margins.{var}", severity="warning",
                    problem=f"the counts add up to {total:g}, not to population.size or population.residents "
                            f"({' or '.join(str(s) for s in sizes)})",
                    fix="count the same unit (households or residents) in the margins as in population.size")


# --------------------------------------------------------------------------- interviews


def _check_interviews(study: Study, out: _Collector) -> None:
    if study.codings_file is None:
        return
    from .readers.codings import read_codings
    from .readers.refi import CodingsFormatError
    from .readers.surveys import SurveyReadError, read_survey

    codings = None
    file = study.codings_file
    if not file.exists():
        out.add(file=file, key="interviews.codings", problem="interview codings file not found",
                fix=f"put the QDA export (.qdpx, .qde, .qdc, .csv, .xlsx) in {out.rel(file.parent)} under that "
                    f"name, or correct interviews.codings in {out.rel(study.path)}")
    else:
        try:
            with _warnings.catch_warnings():
                _warnings.simplefilter("ignore", UserWarning)
                codings = read_codings(file, limits=study.limits)
        except (CodingsFormatError, ValueError, OSError) as exc:
            out.add(file=file, key="interviews.codings", problem=str(exc).splitlines()[0],
                    fix="export the project again from the QDA tool (REFI-QDA .qdpx preferred)")
    if codings is not None:
        for text in codings.info.get("warnings", [])[:10]:
            out.add(file=file, key="interviews.codings", problem=str(text), severity="warning", escalate=True,
                    fix="check the export (see the problem)")
        frame = study.coding_frame
        used = set(codings.segments["code"].dropna().astype(str))
        known = set(frame.table["code"].dropna().astype(str)) if frame is not None else set()
        unmapped = sorted(used - known - ({study.approved_code} if study.approved_code else set()))
        frame_file = frame.path if frame is not None else study.path
        if unmapped:
            shown = ", ".join(unmapped[:10]) + (", …" if len(unmapped) > 10 else "")
            out.add(file=frame_file, key="codes", column="code", severity="warning", escalate=True,
                    problem=f"{len(unmapped)} code(s) used in {file.name} are not in the coding frame: {shown}",
                    fix="add each as `- {code: ..., theme: ..., aspect: ...}` under codes (or under meta_codes "
                        "when it is bookkeeping); names must match the QDA tool exactly")
        unused = sorted(known - used - set(frame.table.loc[frame.table["meta"], "code"]) if frame is not None
                        else set())
        if unused and used:
            shown = ", ".join(unused[:10]) + (", …" if len(unused) > 10 else "")
            out.add(file=frame_file, key="codes", severity="warning",
                    problem=f"{len(unused)} code(s) of the coding frame are used on no segment: {shown}",
                    fix="check their spelling against the QDA project, or remove them")
        if study.approved_code and study.approved_code not in used:
            out.add(file=study.path, key="interviews.approved_code", severity="warning", escalate=True,
                    problem=f"no segment is coded {study.approved_code!r}{_near(study.approved_code, used)}; "
                            "no passage can be quoted",
                    fix="write the approval code exactly as in the QDA project")
    if study.interviewees_file is None:
        return
    file = study.interviewees_file
    if not file.exists():
        out.add(file=file, key="interviews.interviewees", problem="interviewee table not found",
                fix=f"put the table (columns case, stakeholder_group) in {out.rel(file.parent)} under that name, "
                    f"or correct interviews.interviewees in {out.rel(study.path)}")
        return
    from .importer import interviewee_column_names, read_interviewees

    try:
        people = read_interviewees(study)
    except SurveyReadError as exc:
        out.add(file=file, key="interviews.interviewees", problem=str(exc),
                fix="save the interviewee table as CSV or XLSX with a header row")
        return
    names = interviewee_column_names(study)
    needed = {"case": names["case"], "stakeholder_group": names["group"]}
    if names["consent"]:
        needed["consent"] = names["consent"]
    absent = [c for c in needed if c not in people.columns]
    for column in absent:
        original = needed[column]
        out.add(file=file, key="interviews.interviewee_columns" if original != column else "interviews.interviewees",
                column=original, problem=f"column {original!r} missing{_near(original, people.columns)}",
                fix="name the table's columns in interviews.interviewee_columns (case, group, consent), or use the "
                    "default names case and stakeholder_group")
    if absent:
        return
    header = int(people.attrs.get("header_row", 1))
    for index in people.index[people["case"].isna()]:
        out.add(file=file, key="interviews.interviewees", row=header + 1 + int(index), column="case",
                problem="case is empty", fix="write the interview's case name on every row (or delete the row)")
    table = people.dropna(subset=["case"]).assign(case=lambda d: d["case"].astype(str).str.strip())
    groups = table.groupby("case")["stakeholder_group"].nunique()
    for case in groups.index[groups > 1]:
        index = table.index[table["case"] == case][1]
        out.add(file=file, key="interviews.interviewees", row=header + 1 + int(index), column="stakeholder_group",
                problem=f"case {case!r} appears with different stakeholder groups",
                fix="give each case one stakeholder group")
    for index in table.index[table["stakeholder_group"].isna()]:
        out.add(file=file, key="interviews.interviewees", row=header + 1 + int(index), column="stakeholder_group",
                problem="stakeholder group is empty (the case is reported as 'unknown')", severity="warning",
                fix="fill in the interviewee's stakeholder group")
    if codings is None:
        return
    in_table = set(table["case"])
    in_codings = set(codings.documents["case"].dropna().astype(str).str.strip())
    for case in sorted(in_codings - in_table):
        out.add(file=file, key="interviews.interviewees", column="case", severity="warning", escalate=True,
                problem=f"case {case!r} of {study.codings_file.name} is not in the interviewee table "
                        f"(reported as 'unknown'){_near(case, in_table)}",
                fix="add a row for it with its stakeholder_group, spelled as in the QDA project")
    for case in sorted(in_table - in_codings):
        out.add(file=file, key="interviews.interviewees", column="case", severity="warning",
                problem=f"case {case!r} has no interview in {study.codings_file.name}{_near(case, in_codings)}",
                fix="spell the case as in the QDA project, or remove the row if the interview was not coded")


# --------------------------------------------------------------------------- scales


def _item_key(inst, item_id: str) -> str:
    for number, item in enumerate(inst.items):
        if item["id"] == item_id:
            return f"items[{number}] ({item_id})"
    return f"items ({item_id})"


def _check_scales(study: Study, out: _Collector, baseline: pd.DataFrame | None) -> None:
    inst = study.instrument
    for number, item in enumerate(inst.items):
        unknown = [w for w in item.get("waves") or [] if w not in study.wave_ids]
        if unknown:
            out.add(file=inst.path, key=f"items[{number}] ({item['id']}).waves", severity="warning",
                    problem=f"names wave(s) {', '.join(map(repr, unknown))} that the study does not have; the "
                            "item is then not expected in any of those",
                    fix=f"use the study's wave ids: {', '.join(study.wave_ids)}")
    for scale_id in inst.scales:
        items = [i for i in inst.items if i.get("scale") == scale_id]
        sets: dict[str, list[str]] = {}
        for item in items:
            sets.setdefault(item["answers"], []).append(item["id"])
        if len(sets) > 1:
            codes = {name: sorted(inst.answer_sets[name]["codes"]) for name in sets}
            same = len({tuple(c) for c in codes.values()}) == 1
            shown = "; ".join(f"{name}: {', '.join(ids)}" for name, ids in sets.items())
            out.add(file=inst.path, key=f"scales.{scale_id}", severity="warning",
                    problem=f"the items of scale {scale_id!r} use different answer sets ({shown})"
                            + (" with the same codes" if same else ""),
                    fix=("use one answer set for all items of the scale" if same else
                         "give all items of a scale the same answer set; a mean over different answer ranges "
                         "cannot be read"))
    if baseline is None or not len(baseline):
        return
    from .scales import cronbach_alpha

    wave = study.waves[0]
    for scale_id, spec in inst.scale_definitions().items():
        columns = [i for i in spec["items"] if i in baseline.columns]
        if len(columns) < 2:
            continue
        values = baseline[columns].astype(float)
        values = values[values.notna().any(axis=1)]
        if len(values) < MIN_RELIABILITY_N:
            continue
        keyed = values.copy()
        for item in spec["reverse"]:
            if item in keyed:
                keyed[item] = spec["min"] + spec["max"] - keyed[item]
        if keyed.std().fillna(0).eq(0).any():
            continue  # a constant item: correlations undefined
        for item in columns:
            rest = keyed.drop(columns=item).mean(axis=1)
            r = keyed[item].corr(rest)
            if np.isfinite(r) and r < 0:
                now = "reverse-keyed" if item in spec["reverse"] else "not reverse-keyed"
                out.add(file=inst.path, key=f"{_item_key(inst, item)}.reverse", column=item, severity="warning",
                        problem=f"item-rest correlation {r:.2f} in scale {scale_id!r} is negative in the "
                                f"{wave.id!r} wave ({wave.file.name}, n={len(values)}); the item is {now}",
                        fix="check reverse keying: is the item worded in the opposite direction of the others? "
                            "Set or remove `reverse: true` for it, or check the direction of its answer codes "
                            "in the export")
        alpha = float(cronbach_alpha(keyed)["alpha"])
        if np.isfinite(alpha) and alpha < 0:
            out.add(file=inst.path, key=f"scales.{scale_id}", severity="warning",
                    problem=f"Cronbach's alpha {alpha:.2f} of scale {scale_id!r} is negative in the {wave.id!r} "
                            f"wave (n={len(values)})",
                    fix="check reverse keying of the scale's items (`reverse: true`); a negative alpha means "
                        "items measure in opposite directions")


# --------------------------------------------------------------------------- text


def format_problems(problems: pd.DataFrame) -> list[str]:
    """One line per problem: ``severity: file[, row r][, column c]: key: problem - fix: ...``.

    Parameters
    ----------
    problems : pandas.DataFrame
        As returned by :func:`check_study`.

    Returns
    -------
    list of str

    Examples
    --------
    >>> table = pd.DataFrame([{"file": "s.yml", "row": None, "column": "", "key": "waves[0].file",
    ...                        "problem": "not found", "fix": "add it", "severity": "error"}])
    >>> format_problems(table)
    ['error: s.yml: waves[0].file: not found - fix: add it']
    """
    lines = []
    for p in problems.itertuples(index=False):
        where = str(p.file)
        if p.row is not None and not pd.isna(p.row):
            where += f", row {int(p.row)}"
        if p.column:
            where += f", column {p.column!r}"
        key = f" {p.key}:" if p.key else ""
        problem = " ".join(str(p.problem).split())
        lines.append(f"{p.severity}: {where}:{key} {problem} - fix: {p.fix}")
    return lines


def summary_line(study_path, problems: pd.DataFrame) -> str:
    """A one-line verdict for :func:`check_study`'s table.

    Parameters
    ----------
    study_path : path-like
        The study file (named in the line).
    problems : pandas.DataFrame
        As returned by :func:`check_study`.

    Returns
    -------
    str

    Examples
    --------
    >>> summary_line("config/studies/x.yml", pd.DataFrame(columns=CHECK_COLUMNS))
    'x.yml: ready - configuration valid, raw files readable, 0 errors, 0 warnings'
    """
    name = os.path.basename(str(study_path))
    errors = int((problems["severity"] == "error").sum())
    warnings = int((problems["severity"] == "warning").sum())
    if errors:
        return f"{name}: {errors} error(s), {warnings} warning(s); fix the errors before `evaluation import`"
    return f"{name}: ready - configuration valid, raw files readable, 0 errors, {warnings} warning" + \
        ("s" if warnings != 1 else "")
