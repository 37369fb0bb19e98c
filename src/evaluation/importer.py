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

from .config import Study, load_study
from .validate import PROBLEM_COLUMNS, ImportValidationError, validate_wave, write_problems

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
)


def file_sha256(path) -> str:
    """SHA-256 of a file's bytes (hex)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _input_hashes(study: Study) -> dict[str, str]:
    files = {}
    for path in study.raw_files + study.config_files:
        files[str(path)] = file_sha256(path) if Path(path).exists() else "missing"
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
        previous = json.loads(marker.read_text(encoding="utf-8"))
        tables_present = all(Path(p).exists() for p in previous.get("tables", {}).values())
        if previous.get("inputs") == inputs and previous.get("package_version") == version("evaluation") and tables_present:
            _say(progress, f"inputs unchanged since {previous['imported_at']}; skipping (use --force to re-import)")
            return {**previous, "skipped": True}

    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    key = study.pseudonym_key()
    if study.synthetic and not study.pseudonym_key_env_set():
        _say(progress, "synthetic study: using the fixed demo pseudonym key (never do this with real data)")
    tables: dict[str, pd.DataFrame] = {}

    waves, missingness, problems = [], [], []
    for wave in study.waves:
        from .readers.surveys import read_survey

        _say(progress, f"reading {wave.file.name} ({wave.id})")
        raw = read_survey(wave.file, sheet=wave.sheet)
        result = validate_wave(raw, instrument=study.instrument, wave=wave.id, rename=wave.rename, file=wave.file.name)
        waves.append(result.data)
        missingness.append(result.missingness)
        problems.append(result.problems)
    problem_table = pd.concat(problems, ignore_index=True) if problems else pd.DataFrame(columns=PROBLEM_COLUMNS)
    validation_path = out / "validation.csv"
    write_problems(problem_table, validation_path)  # formula-safe: values come from the raw files
    if (problem_table["severity"] == "error").any():
        raise ImportValidationError(problem_table, report_path=validation_path)
    n_warn = int((problem_table["severity"] == "warning").sum())
    _say(progress, f"survey files valid ({n_warn} warning(s), see {validation_path.name})")

    from .privacy import pseudonymise

    responses = pd.concat(waves, ignore_index=True)
    responses["respondent"] = pseudonymise(responses["respondent"], key=key, prefix="R")
    if "household" in responses:
        responses["household"] = pseudonymise(responses["household"], key=key, prefix="H")
    responses["wave"] = pd.Categorical(responses["wave"], categories=study.wave_ids, ordered=True)
    tables["responses"] = responses
    miss = pd.concat(missingness, ignore_index=True)
    miss["respondent"] = pseudonymise(miss["respondent"], key=key, prefix="R")
    miss["wave"] = pd.Categorical(miss["wave"], categories=study.wave_ids, ordered=True)
    tables["missingness"] = miss
    tables["items"] = study.instrument.items_table()

    if study.codings_file is not None:
        tables.update(_import_codings(study, key=key, progress=progress))

    paths = {}
    for name, frame in tables.items():
        path = out / f"{name}.parquet"
        frame.to_parquet(path, index=False)
        paths[name] = str(path)
    counts = {name: int(len(frame)) for name, frame in tables.items()}
    info = {
        "study": study.id,
        "processed_dir": str(out),
        "imported_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "package_version": version("evaluation"),
        "inputs": inputs,
        "tables": paths,
        "counts": counts,
        "validation": {"report": str(validation_path), "warnings": n_warn},
        "seconds": round(time.perf_counter() - started, 2),
    }
    if "codings_info" in tables.get("segments", pd.DataFrame()).attrs:
        info["codings"] = tables["segments"].attrs["codings_info"]
    marker.write_text(json.dumps(info, indent=2, ensure_ascii=False), encoding="utf-8")
    _say(progress, f"wrote {len(paths)} tables to {out}")
    return {**info, "skipped": False}


def _import_codings(study: Study, *, key: bytes, progress: bool) -> dict[str, pd.DataFrame]:
    from .privacy import pseudonymise
    from .qualitative import apply_coding_frame
    from .readers.codings import read_codings
    from .readers.surveys import read_survey

    _say(progress, f"reading {study.codings_file.name}")
    codings = read_codings(study.codings_file)
    interviewees = None
    if study.interviewees_file is not None:
        people = read_survey(study.interviewees_file)
        needed = {"case", "stakeholder_group"}
        if not needed <= set(people.columns):
            raise ImportValidationError(
                pd.DataFrame(
                    [{"file": study.interviewees_file.name, "row": None, "column": ", ".join(sorted(needed - set(people.columns))),
                      "value": None, "problem": "column missing", "expected": "columns case and stakeholder_group", "severity": "error"}],
                    columns=PROBLEM_COLUMNS,
                )
            )
        interviewees = people.rename(columns={"stakeholder_group": "group"})[["case", "group"]]
    segments = apply_coding_frame(
        codings.segments, frame=study.coding_frame.table, interviewees=interviewees, approved_code=study.approved_code
    )
    unmapped = segments.attrs.get("unmapped_codes", pd.DataFrame(columns=["code", "n_segments"]))
    info = {k: v for k, v in codings.info.items() if k != "warnings"}
    info["warnings"] = [str(w) for w in codings.info.get("warnings", [])]

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
    return {
        "segments": segments,
        "documents": documents,
        "codebook": codings.codebook,
        "interviewees": interviewees,
        "unmapped_codes": unmapped.reset_index(drop=True),
    }


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
