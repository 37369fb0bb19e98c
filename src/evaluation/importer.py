"""Import a study: raw exports -> validated, pseudonymised, tidy Parquet tables.

This is the only step that reads ``data/raw/``; it never writes there. Direct
identifiers (names, e-mail, addresses) are dropped here; respondent, household,
interview-case and document ids become keyed pseudonyms.
"""
from __future__ import annotations

import hashlib
import json
import sys
import time
from importlib.metadata import version
from pathlib import Path

import pandas as pd

from .config import Study, _project_root, load_study
from .validate import PROBLEM_COLUMNS, ImportValidationError, escalate_warnings, validate_wave, write_problems

__all__ = ["import_study", "file_sha256", "load_processed", "PROCESSED_TABLES"]

#: Tables written to ``data/processed/<study>/`` (Parquet).
PROCESSED_TABLES = (
    "responses",
    "missingness",
    "items",
    "segments",
    "documents",
    "codebook",
    "interviewees",
    "unmapped_codes",
    "category_labels",
)


def file_sha256(path) -> str:
    """SHA-256 of a file's bytes (hex)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _relative(path, root: Path) -> str:
    """`path` relative to the project root (POSIX separators): ``import.json`` holds no machine path."""
    path = Path(path)
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:  # an external folder the study allows explicitly: its name only
        return path.name


def _input_hashes(study: Study) -> dict[str, str]:
    """SHA-256 per raw and configuration file, keyed by its path relative to the project root."""
    root = _project_root(study.path)
    files = {}
    for path in study.raw_files + study.config_files:
        files[_relative(path, root)] = file_sha256(path) if Path(path).exists() else "missing"
    return files


def _say(progress: bool, message: str) -> None:
    if progress:
        print(f"[import] {message}", file=sys.stderr, flush=True)


def import_study(study, *, force: bool = False, progress: bool = True) -> dict:
    """Read, validate and pseudonymise a study's raw files into tidy Parquet tables.

    Parameters
    ----------
    study : Study or path-like
        A loaded study or the path of its YAML file.
    force : bool, default False
        Re-import even when raw files and configuration are unchanged.
    progress : bool, default True
        Print progress lines to standard error.

    Returns
    -------
    dict
        ``skipped`` (bool), ``processed_dir``, ``tables`` (name -> path),
        ``counts`` and ``inputs`` (path -> SHA-256). The same information is
        written to ``processed_dir/import.json``.

    Raises
    ------
    ImportValidationError
        When a survey file has errors; every problem (file, row, column, value,
        expected) is listed and written to ``processed_dir/validation.csv``.

    Examples
    --------
    >>> info = import_study("config/studies/noorderbeekdwarsstraat-demo.yml")  # doctest: +SKIP
    >>> sorted(info["tables"])[:2]  # doctest: +SKIP
    ['codebook', 'documents']
    """
    if not isinstance(study, Study):
        study = load_study(study)
    out = study.processed_dir
    marker = out / "import.json"
    inputs = _input_hashes(study)
    missing = [p for p, h in inputs.items() if h == "missing"]
    if missing:
        hint = " Run `evaluation demo` first to create the example study's raw files." if study.synthetic else ""
        raise FileNotFoundError("Raw input file(s) not found: " + ", ".join(missing) + "." + hint)
    if marker.exists() and not force:
        previous = _previous_import(marker)
        if previous is None:
            _say(progress, f"{marker.name} is damaged; importing again")
        elif previous.get("inputs") == inputs and previous.get("package_version") == version("evaluation"):
            damaged = _damaged_tables(previous, out)
            if not damaged:
                _say(progress, f"inputs unchanged since {previous['imported_at']}; skipping (use --force to re-import)")
                return {**previous, "skipped": True}
            _say(progress, f"processed table(s) {', '.join(damaged)} missing, changed or damaged since the last "
                           "import; importing again")

    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    key = study.pseudonym_key()
    if study.synthetic and not study.pseudonym_key_env_set():
        _say(progress, "synthetic study: using the fixed demo pseudonym key (never do this with real data)")
    tables: dict[str, pd.DataFrame] = {}

    waves, missingness, problems, file_labels = [], [], [], []
    for wave in study.waves:
        from .readers.surveys import read_survey

        _say(progress, f"reading {wave.file.name} ({wave.id})")
        raw = read_survey(wave.file, sheet=wave.sheet, limits=study.limits)
        result = validate_wave(raw, instrument=study.instrument, wave=wave.id, rename=wave.rename, file=wave.file.name)
        waves.append(result.data)
        missingness.append(result.missingness)
        problems.append(result.problems)
        file_labels.append(category_labels_from_file(raw, instrument=study.instrument, rename=wave.rename))
    problem_table = pd.concat(problems, ignore_index=True) if problems else pd.DataFrame(columns=PROBLEM_COLUMNS)
    if study.strict:
        problem_table = escalate_warnings(problem_table)
    validation_path = out / "validation.csv"
    write_problems(problem_table, validation_path)  # formula-safe: values come from the raw files
    if (problem_table["severity"] == "error").any():
        _forget_import(marker)
        raise ImportValidationError(problem_table, report_path=validation_path)
    n_warn = int((problem_table["severity"] == "warning").sum())
    if study.waves:
        _say(progress, f"survey files valid ({n_warn} warning(s), see {validation_path.name})")

    if study.waves:  # a study of interviews only has no survey tables
        tables.update(_survey_tables(study, waves, missingness, key=key))
        labels = pd.concat(file_labels, ignore_index=True).drop_duplicates(["variable", "category"])
        tables["category_labels"] = labels.reset_index(drop=True)

    if study.codings_file is not None:
        coded, notes = _import_codings(study, key=key, progress=progress)
        tables.update(coded)
        if len(notes):
            if study.strict:
                notes = escalate_warnings(notes)
            problem_table = pd.concat([problem_table, notes], ignore_index=True)
            write_problems(problem_table, validation_path)
            if (notes["severity"] == "error").any():
                _forget_import(marker)
                raise ImportValidationError(problem_table, report_path=validation_path)
            n_warn = int((problem_table["severity"] == "warning").sum())

    paths, hashes = {}, {}
    for name, frame in tables.items():
        path = out / f"{name}.parquet"
        frame.to_parquet(path, index=False)
        paths[name] = path.name  # relative to processed_dir
        hashes[name] = file_sha256(path)
    counts = {name: int(len(frame)) for name, frame in tables.items()}
    root = _project_root(study.path)
    info = {
        "study": study.id,
        "processed_dir": _relative(out, root),
        "imported_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "package_version": version("evaluation"),
        "inputs": inputs,
        "tables": paths,
        "table_sha256": hashes,
        "counts": counts,
        "validation": {"report": validation_path.name, "warnings": n_warn},
        "seconds": round(time.perf_counter() - started, 2),
    }
    if "codings_info" in tables.get("segments", pd.DataFrame()).attrs:
        info["codings"] = tables["segments"].attrs["codings_info"]
    marker.write_text(json.dumps(info, indent=2, ensure_ascii=False), encoding="utf-8")
    _say(progress, f"wrote {len(paths)} tables to {out}")
    return {**info, "skipped": False}


def category_labels_from_file(raw: pd.DataFrame, *, instrument, rename=None) -> pd.DataFrame:
    """Labels of background categories that the instrument leaves without a label, from the file's value labels.

    An SPSS export carries a label per value (``1 = "Owner-occupied"``); when the instrument's
    ``codes`` give only an ``id``, the report shows this label instead of the id.

    Parameters
    ----------
    raw : DataFrame
        A wave as :func:`evaluation.read_survey` returns it (``attrs["value_labels"]`` for ``.sav``).
    instrument : Instrument
    rename : dict, optional
        The wave's column renames (file name -> instrument name).

    Returns
    -------
    DataFrame
        ``variable`` (background variable), ``category`` (its id), ``label`` (from the file); no rows for CSV
        or Excel files, which have no value labels.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> inst = SimpleNamespace(background={"tenure": {"column": "own", "codes": {1: {"id": "owner"}}}})
    >>> raw = pd.DataFrame({"own": [1]}); raw.attrs["value_labels"] = {"own": {1.0: "Owner-occupied"}}
    >>> category_labels_from_file(raw, instrument=inst).to_dict("records")
    [{'variable': 'tenure', 'category': 'owner', 'label': 'Owner-occupied'}]
    """
    file_labels = raw.attrs.get("value_labels") or {}
    column_in_file = {new: old for old, new in (rename or {}).items()}
    rows = []
    for variable, spec in instrument.background.items():
        column = spec["column"]
        values = file_labels.get(column_in_file.get(column, column)) or {}
        by_value = {float(k): str(v) for k, v in values.items() if str(v).strip()}
        for code, entry in spec["codes"].items():
            if set(entry) - {"id"}:  # the instrument labels it: the instrument wins
                continue
            if float(code) in by_value:
                rows.append({"variable": variable, "category": str(entry["id"]), "label": by_value[float(code)]})
    return pd.DataFrame(rows, columns=["variable", "category", "label"])


def _survey_tables(study: Study, waves: list, missingness: list, *, key: bytes) -> dict[str, pd.DataFrame]:
    """Responses, missing answers and items of the survey waves, with pseudonyms for respondents and households."""
    from .privacy import pseudonymise

    responses = pd.concat(waves, ignore_index=True)
    miss = pd.concat(missingness, ignore_index=True)
    # respondents of both tables in one call: each distinct id is hashed once
    both = pseudonymise(pd.concat([responses["respondent"], miss["respondent"]], ignore_index=True), key=key, prefix="R")
    responses["respondent"] = both.iloc[:len(responses)].set_axis(responses.index)
    miss["respondent"] = both.iloc[len(responses):].set_axis(miss.index)
    if "household" in responses:
        responses["household"] = pseudonymise(responses["household"], key=key, prefix="H")
    responses["wave"] = pd.Categorical(responses["wave"], categories=study.wave_ids, ordered=True)
    miss["wave"] = pd.Categorical(miss["wave"], categories=study.wave_ids, ordered=True)
    return {"responses": responses, "missingness": miss, "items": study.instrument.items_table()}


def _previous_import(marker: Path) -> dict | None:
    """The last import's record, or None when ``import.json`` cannot be read."""
    try:
        previous = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return previous if isinstance(previous, dict) else None


def _damaged_tables(previous: dict, folder: Path) -> list[str]:
    """Processed tables that are missing or whose bytes differ from what the last import wrote.

    A truncated or edited Parquet file must never be taken as current; an
    ``import.json`` without recorded hashes (older versions) counts as damaged.
    """
    tables = previous.get("tables") or {}
    hashes = previous.get("table_sha256") or {}
    damaged = []
    for name in PROCESSED_TABLES if tables else ["(all)"]:
        path = tables.get(name)
        if path is None:
            continue
        path = folder / path  # relative to the processed folder (an absolute path stays as it is)
        if not Path(path).is_file() or hashes.get(name) != file_sha256(path):
            damaged.append(name)
    return damaged if tables else ["(all)"]


def _forget_import(marker: Path) -> None:
    """A failed import leaves no record that a later run could take as current."""
    try:
        marker.unlink()
    except FileNotFoundError:
        pass


def interviewee_column_names(study: Study) -> dict:
    """The interviewee table's column per role (case, group, consent), from ``interviews.interviewee_columns``."""
    from .config import INTERVIEWEE_COLUMNS

    return {role: study.interviewee_columns.get(role, default) for role, default in INTERVIEWEE_COLUMNS.items()}


def read_interviewees(study: Study) -> pd.DataFrame:
    """Read the interviewee table with its columns renamed to the package's names.

    The columns named in ``interviews.interviewee_columns`` (``case``, ``group``,
    ``consent``) become ``case``, ``stakeholder_group`` and ``consent``; other columns
    stay as they are (name columns are used to screen quotes, never imported).

    Parameters
    ----------
    study : Study

    Returns
    -------
    pandas.DataFrame
    """
    from .readers.surveys import read_survey

    people = read_survey(study.interviewees_file, limits=study.limits)
    names = interviewee_column_names(study)
    rename = {names["case"]: "case", names["group"]: "stakeholder_group"}
    if names["consent"]:
        rename[names["consent"]] = "consent"
    rename = {old: new for old, new in rename.items() if old in people.columns and old != new}
    out = people.rename(columns=rename)
    out.attrs = people.attrs
    return out


#: Column names of an interviewee table that hold person names (screened in quotes, never imported).
NAME_COLUMNS = ("name", "naam", "names", "namen", "full name", "volledige naam", "first name", "last name",
                "voornaam", "achternaam", "roepnaam", "interviewee", "geinterviewde", "geïnterviewde", "respondent")


def _names_in(people: pd.DataFrame) -> list[str]:
    """Person names in an interviewee table: its name columns and its case labels, split into words too."""
    found = []
    for column in people.columns:
        norm = " ".join(str(column).replace("_", " ").split()).lower()
        if norm in NAME_COLUMNS or norm == "case":
            for value in people[column].dropna().astype(str):
                value = value.strip()
                if value:
                    found.append(value)
                    if norm != "case":
                        found += [w for w in value.split() if len(w) > 2 and w[0].isupper()]
    return list(dict.fromkeys(found))


def _codings_problem(file, column, problem, expected, severity="warning") -> dict:
    return {"file": file, "row": None, "column": column, "value": None, "problem": problem,
            "expected": expected, "severity": severity}


def _import_codings(study: Study, *, key: bytes, progress: bool) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    import warnings as _warnings

    from .privacy import pseudonymise, screen_quote
    from .qualitative import apply_coding_frame
    from .readers.codings import read_codings
    from .readers.surveys import read_survey

    _say(progress, f"reading {study.codings_file.name}")
    codings = read_codings(study.codings_file, limits=study.limits)
    interviewees = None
    names = list(study.screen_names)
    consented: set = set()
    if study.interviewees_file is not None:
        people = read_interviewees(study)
        file = study.interviewees_file.name
        needed = {"case", "stakeholder_group"}
        rows = []
        if not needed <= set(people.columns):
            names = interviewee_column_names(study)
            missing = sorted(needed - set(people.columns))
            rows.append({"file": file, "row": None,
                         "column": ", ".join(names["case" if m == "case" else "group"] for m in missing),
                         "value": None, "problem": "column missing",
                         "expected": "the columns named in interviews.interviewee_columns (default case and "
                                     "stakeholder_group)", "severity": "error"})
        else:
            header = int(people.attrs.get("header_row", 1))
            for index in people.index[people["case"].isna()]:
                rows.append({"file": file, "row": header + 1 + int(index), "column": "case", "value": None,
                             "problem": "case is empty", "expected": "the interview's case name on every row",
                             "severity": "error"})
            groups = people.dropna(subset=["case"]).groupby("case")["stakeholder_group"].nunique()
            for case in groups.index[groups > 1]:
                index = people.index[people["case"] == case][1]
                rows.append({"file": file, "row": header + 1 + int(index), "column": "case", "value": None,
                             "problem": "the same case appears with different stakeholder groups",
                             "expected": "one group per case", "severity": "error"})
        if rows:
            raise ImportValidationError(pd.DataFrame(rows, columns=PROBLEM_COLUMNS))
        names += _names_in(people)
        if "consent" in people:  # consent to quote recorded per interview
            yes = people["consent"].astype("string").str.strip().str.lower().isin(study.consent_values)
            consented = set(people.loc[yes.fillna(False), "case"].dropna().astype(str))
        interviewees = people.rename(columns={"stakeholder_group": "group"})[["case", "group"]].dropna(subset=["case"])
        interviewees = interviewees.drop_duplicates()
    names = list(dict.fromkeys([*names, *codings.documents["case"].dropna().astype(str)]))
    with _warnings.catch_warnings():
        _warnings.simplefilter("ignore", UserWarning)  # reported below, in validation.csv
        segments = apply_coding_frame(
            codings.segments, frame=study.coding_frame.table, interviewees=interviewees,
            approved_code=study.approved_code,
        )
    if consented:  # every passage of an interview whose interviewee consented may be quoted (still screened below)
        segments["approved"] = segments["approved"].astype(bool) | segments["case"].astype(str).isin(consented)
    unmapped = segments.attrs.get("unmapped_codes", pd.DataFrame(columns=["code", "n_segments"]))
    unknown_cases = list(segments.attrs.get("unknown_cases", []))

    # quotes: an approved passage naming a person, an address or contact details is not quotable
    approved = segments["approved"].astype(bool) & segments["text"].notna()
    flagged: dict[str, int] = {}
    for index in segments.index[approved]:
        check = screen_quote(str(segments.at[index, "text"]), names=names, streets=study.screen_streets)
        if not check["ok"]:
            segments.at[index, "approved"] = False
            for reason in check["reasons"]:
                flagged[reason] = flagged.get(reason, 0) + 1

    # every reading problem reaches validation.csv, with document and case names pseudonymised
    file = study.codings_file.name
    aliases = {}
    for column, prefix in (("document", "D"), ("case", "I")):
        values = codings.documents[column].dropna().astype(str).unique().tolist()
        aliases.update(dict(zip(values, pseudonymise(values, key=key, prefix=prefix))))

    def hide(text: str) -> str:
        for raw_name in sorted(aliases, key=len, reverse=True):
            text = text.replace(repr(raw_name), aliases[raw_name]).replace(raw_name, aliases[raw_name])
        return text

    notes = [_codings_problem(file, "(codings)", hide(str(w)), "a clean export (see the message)")
             for w in codings.info.get("warnings", [])]
    if flagged:
        kinds = ", ".join(f"{kind} ({n})" for kind, n in flagged.items())
        notes.append(_codings_problem(
            file, "approved", f"{sum(flagged.values())} finding(s) in approved passages ({kinds}); those passages "
            "are not quoted", "quotes without names, addresses or contact details (or list harmless words "
            "nowhere: the screening errs towards caution)"))
    if len(unmapped):
        notes.append(_codings_problem(file, "code", f"{len(unmapped)} code(s) are not in the coding frame: "
                                      f"{', '.join(map(str, unmapped['code'].head(10)))}",
                                      "every content code in the coding frame (interviews.coding_frame)"))
    if study.approved_code and study.approved_code not in set(codings.segments["code"].dropna()):
        notes.append(_codings_problem(file, "code", f"no segment is coded {study.approved_code!r} "
                                      "(interviews.approved_code); no passage can be quoted",
                                      "the approval code exactly as in the QDA project"))
    if unknown_cases:
        notes.append(_codings_problem(study.interviewees_file.name if study.interviewees_file else file, "case",
                                      f"{len(unknown_cases)} case(s) have no stakeholder group and are reported "
                                      "as 'unknown'", "every case in the interviewee table"))
    info = {k: v for k, v in codings.info.items() if k != "warnings"}
    info["warnings"] = [hide(str(w)) for w in codings.info.get("warnings", [])]

    segments = segments.copy()
    segments["case"] = pseudonymise(segments["case"], key=key, prefix="I")
    segments["document"] = pseudonymise(segments["document"], key=key, prefix="D")
    segments.attrs = {}
    documents = codings.documents.copy()
    documents["case"] = pseudonymise(documents["case"], key=key, prefix="I")
    documents["document"] = pseudonymise(documents["document"], key=key, prefix="D")
    if interviewees is not None:
        interviewees = interviewees.assign(case=pseudonymise(interviewees["case"], key=key, prefix="I"))
    else:
        interviewees = pd.DataFrame({"case": documents["case"].unique(), "group": "unknown"})
    segments.attrs["codings_info"] = info
    tables = {
        "segments": segments,
        "documents": documents,
        "codebook": codings.codebook,
        "interviewees": interviewees,
        "unmapped_codes": unmapped.reset_index(drop=True),
    }
    return tables, pd.DataFrame(notes, columns=PROBLEM_COLUMNS)


def load_processed(study, name: str) -> pd.DataFrame:
    """Read one processed table of a study (see ``PROCESSED_TABLES``).

    Examples
    --------
    >>> responses = load_processed("config/studies/noorderbeekdwarsstraat-demo.yml", "responses")  # doctest: +SKIP
    """
    if not isinstance(study, Study):
        study = load_study(study)
    if name not in PROCESSED_TABLES:
        raise ValueError(f"unknown processed table {name!r}; choose one of {', '.join(PROCESSED_TABLES)}")
    path = study.processed_dir / f"{name}.parquet"
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist; run `evaluation import --study {study.path}` first.")
    return pd.read_parquet(path)
