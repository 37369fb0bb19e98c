"""Replication kit: start a new study by configuration alone.

- :func:`new_study` writes a commented skeleton of the study, instrument and
  coding-frame YAML with neutral placeholders;
- :func:`draft_instrument` drafts an instrument (survey codebook) from a data
  file: items, answer sets from SPSS value labels, user-missing codes as missing
  codes, candidate scales from item-name prefixes;
- :func:`draft_frame` drafts a coding frame from a QDA tool's codebook;
- :func:`export_codebook` writes a study's coding frame as a REFI-QDA codebook
  (``.qdc``) that coders import into their QDA tool.

Drafted lines that need a person's judgement end in ``# review``. Nothing here
overwrites an existing file or writes into a raw-data folder.
"""
from __future__ import annotations

import errno
import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["new_study", "draft_instrument", "draft_frame", "export_codebook"]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
#: Column names that identify a person directly (normalised: lower case, no spaces, '-' or '_').
_DIRECT = {"name", "naam", "firstname", "lastname", "fullname", "voornaam", "achternaam", "email", "mail",
           "emailadres", "address", "adres", "street", "straat", "housenumber", "huisnummer", "phone",
           "telephone", "telefoon", "telefoonnummer", "mobile", "mobiel", "postcode", "zipcode", "zip"}
_MISSING_GUESS = (-9, -8, -7, -1, 8, 9, 88, 98, 99, 998, 999)


def _q(text) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(str(text), ensure_ascii=False)


def _num(value) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)


def _refuse_existing(paths) -> None:
    for path in paths:
        if Path(path).exists():
            raise FileExistsError(errno.EEXIST, "already exists; the replication kit never overwrites a file - "
                                  "choose another name or --out, or move the file away first", str(path))


def _write_new(path: Path, text: str) -> Path:
    _refuse_existing([path])
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "x", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
    return path


# --------------------------------------------------------------------------- new study

_STUDY_TEMPLATE = """\
# Study file for "{name}", written by `evaluation new-study`.
# Replace every TODO, put the raw exports in data/raw/{name}/ (the package only
# reads that folder), then run
#   evaluation check --study <this file>
# which lists every remaining problem with the key to change and the fix.
# Paths in this file are relative to this file.
study:
  id: {name}                  # becomes the folder name under data/processed/ and reports/
  title:
    en: "TODO: title of the pilot"
    nl: "TODO: titel van de pilot"
  municipality: "TODO"
  area: "TODO: the street or neighbourhood"
  synthetic: false
  # raw_dir defaults to data/raw/{name}/ in the project folder

population:
  unit: households
  size: 100                   # TODO: homes (households) in the area, all invited
  residents: 200              # TODO: adult residents (register), for finite-population corrections
  margins:
    # TODO: population counts per category of a background variable of the
    # instrument (used for response, representativeness and weights). The
    # categories are the ids under background.<variable>.codes; they add up to
    # population.size.
    group: {{group_a: 50, group_b: 50}}

instrument: {instrument}

waves:
  - id: before
    label: {{en: Baseline, nl: Nulmeting}}
    date: "TODO: yyyy-mm"
    invited: 100              # TODO: homes invited in this wave
    file: baseline.csv        # TODO: the export's file name in data/raw/{name}/ (.csv, .xlsx or .sav)
  - id: after
    label: {{en: Follow-up, nl: Eindmeting}}
    date: "TODO: yyyy-mm"
    invited: 100
    file: follow-up.csv

interviews:
  codings: interviews.qdpx    # TODO: REFI-QDA project (.qdpx/.qde), codebook (.qdc) or a table export
  interviewees: interviewees.csv  # columns: case (as in the QDA project), stakeholder_group
  coding_frame: {frame}
  # A segment may be quoted only when it (or a segment it lies within) carries
  # this code: the interviewee approved that passage.
  approved_code: Quote approved

privacy:
  min_cell: 10                # survey counts below this are suppressed
  min_cell_interviews: 3      # interview counts 1 .. min_cell_interviews - 1 are suppressed
  # The secret key for pseudonyms is read from this environment variable;
  # keep it outside git.
  pseudonym_key_env: EVALUATION_PSEUDONYM_KEY
  screen_names: []            # names that must never appear in a quote
  screen_streets: []          # street names that must never appear in a quote

analysis:
  confidence: 0.95
  finite_population_correction: true
  adjust: holm                # holm, fdr_bh or bonferroni
  groups: [group]             # background variables to compare groups by

report:
  languages: [en, nl]
  timeline: []                # e.g. - {{date: 2025-05, en: First street meeting, nl: Eerste straatbijeenkomst}}
"""

_INSTRUMENT_TEMPLATE = """\
# Survey codebook ("instrument") for "{name}", written by `evaluation new-study`.
# Reusable between studies. Describe every column of the survey export that is
# analysed; `evaluation draft-instrument <export>` drafts this file from the data.
instrument: {name}
version: 1
languages: [nl, en]

# Answer sets: answer codes -> labels; missing codes ("don't know") are kept
# apart from answers. level: ordinal, binary, categorical or numeric.
answer_sets:
  agree5:
    level: ordinal
    codes:
      1: {{en: Strongly disagree, nl: Helemaal oneens}}
      2: {{en: Disagree, nl: Oneens}}
      3: {{en: Neither agree nor disagree, nl: Niet eens / niet oneens}}
      4: {{en: Agree, nl: Eens}}
      5: {{en: Strongly agree, nl: Helemaal eens}}
    missing:
      8: {{en: Don't know, nl: Weet niet}}
    agree: [4, 5]
  yesno:
    level: binary
    codes:
      0: {{en: "No", nl: Nee}}
      1: {{en: "Yes", nl: Ja}}

# Themes of the pilot: scales, items and interview codes are tagged with these ids.
themes:
  theme_a: {{en: "TODO: theme A", nl: "TODO: thema A"}}
  theme_b: {{en: "TODO: theme B", nl: "TODO: thema B"}}

# Scales: items are averaged after reverse keying; a score needs min_items answers.
scales:
  scale_a:
    label: {{en: "TODO: scale A", nl: "TODO: schaal A"}}
    theme: theme_a
    min_items: 2
  scale_b:
    label: {{en: "TODO: scale B", nl: "TODO: schaal B"}}
    theme: theme_b
    min_items: 2

# Background variables (not outcomes): column in the export and its codes; the
# code ids are the categories of population.margins in the study file.
background:
  group:
    column: group
    privacy: indirect
    codes:
      1: {{id: group_a, en: "TODO: group A", nl: "TODO: groep A"}}
      2: {{id: group_b, en: "TODO: group B", nl: "TODO: groep B"}}

# Columns identifying people: respondent and household ids are pseudonymised,
# direct identifiers are dropped at import.
identifiers:
  respondent: respondent_id
  household: household_id
  direct: [name, email, address]

# One entry per analysed column (id = column name unless `column:` is given).
items:
  - {{id: a1, scale: scale_a, answers: agree5, text: {{en: "TODO: statement a1", nl: "TODO: stelling a1"}}}}
  - {{id: a2, scale: scale_a, answers: agree5, text: {{en: "TODO: statement a2", nl: "TODO: stelling a2"}}}}
  - {{id: a3, scale: scale_a, answers: agree5, reverse: true, text: {{en: "TODO: statement a3, worded the other way round", nl: "TODO: stelling a3, omgekeerd geformuleerd"}}}}
  - {{id: b1, scale: scale_b, answers: agree5, text: {{en: "TODO: statement b1", nl: "TODO: stelling b1"}}}}
  - {{id: b2, scale: scale_b, answers: agree5, text: {{en: "TODO: statement b2", nl: "TODO: stelling b2"}}}}
  - {{id: c1, answers: yesno, theme: theme_a, text: {{en: "TODO: a yes/no question", nl: "TODO: een ja/nee-vraag"}}}}
"""

_FRAME_TEMPLATE = """\
# Interview coding frame for "{name}", written by `evaluation new-study`.
# Codes exactly as named in the QDA tool -> a theme of the instrument and/or an
# aspect of area-based working. `evaluation draft-frame <export>` drafts this
# file from the QDA project's codebook; `evaluation export-codebook` writes it
# back as a REFI-QDA codebook (.qdc) for the coders.
coding_frame: {name}
version: 1
aspects:
  opportunity: {{en: Opportunity, nl: Kans}}
  strength: {{en: Strength, nl: Kracht}}
  limitation: {{en: Limitation, nl: Beperking}}
# Bookkeeping codes, not analysed as content (the study's approved_code belongs here).
meta_codes: [Quote approved]
codes:
  - {{code: "TODO theme A", theme: theme_a}}
  - {{code: "TODO theme B", theme: theme_b}}
  - {{code: "TODO a strength", aspect: strength, label: {{en: "TODO a strength", nl: "TODO een kracht"}}}}
  - {{code: "TODO an opportunity", aspect: opportunity}}
  - {{code: "TODO a limitation", aspect: limitation, theme: theme_b}}
"""


def new_study(name: str, *, config_dir="config") -> dict[str, Path]:
    """Write a commented skeleton of a study, its instrument and its coding frame.

    Parameters
    ----------
    name : str
        Study id: letters, digits, ``-`` and ``_`` (it becomes a folder name).
    config_dir : path-like, default "config"
        The configuration folder; files go to ``studies/``, ``instruments/`` and
        ``coding-frames/`` below it, each named ``<name>.yml``.

    Returns
    -------
    dict
        ``study``, ``instrument`` and ``coding_frame``: the paths written.

    Raises
    ------
    FileExistsError
        When any of the three files exists (nothing is written then).
    ValueError
        When ``name`` is not a valid study id.

    Notes
    -----
    The skeleton loads with :func:`evaluation.load_study` as it is; ``evaluation
    check`` then only reports the raw files that are not there yet. Every
    placeholder to replace says TODO.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> files = new_study("my-street", config_dir=pathlib.Path(tempfile.mkdtemp()) / "config")
    >>> sorted(files), files["study"].name
    (['coding_frame', 'instrument', 'study'], 'my-street.yml')
    """
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(f"study name {name!r}: use letters, digits, '-' and '_' only, starting with a letter or "
                         "digit (it becomes a folder name)")
    base = Path(config_dir)
    paths = {
        "study": base / "studies" / f"{name}.yml",
        "instrument": base / "instruments" / f"{name}.yml",
        "coding_frame": base / "coding-frames" / f"{name}.yml",
    }
    _refuse_existing(paths.values())
    texts = {
        "study": _STUDY_TEMPLATE.format(name=name, instrument=f"../instruments/{name}.yml",
                                        frame=f"../coding-frames/{name}.yml"),
        "instrument": _INSTRUMENT_TEMPLATE.format(name=name),
        "coding_frame": _FRAME_TEMPLATE.format(name=name),
    }
    for kind, path in paths.items():
        _write_new(path, texts[kind])
    return paths


# --------------------------------------------------------------------------- draft instrument


def _norm(name) -> str:
    return re.sub(r"[\s_\-.]+", "", str(name).lower())


def _respondent_column(frame: pd.DataFrame) -> str | None:
    columns = list(frame.columns)
    for column in columns:
        n = _norm(column)
        if n.startswith(("respondent", "respid", "respnr")) or n in ("id", "resp", "caseid", "recordid",
                                                                          "responseid"):
            return column
    for column in columns:
        values = frame[column]
        if values.notna().all() and values.is_unique:
            return column
    return None


def _household_column(frame: pd.DataFrame) -> str | None:
    for column in frame.columns:
        n = _norm(column)
        if n.startswith(("household", "huishouden", "hhid")) or n in ("hh", "home", "homeid", "woning", "adresid"):
            return column
    return None


def _missing_codes(column: str, meta) -> tuple[list[float], list[str]]:
    """User-missing codes of an SPSS column (discrete values and short ranges) and notes on long ranges."""
    codes, notes = [], []
    if meta is None:
        return codes, notes
    for value in (getattr(meta, "missing_user_values", {}) or {}).get(column, []) or []:
        if isinstance(value, (int, float)):
            codes.append(float(value))
    for span in (getattr(meta, "missing_ranges", {}) or {}).get(column, []) or []:
        lo, hi = span.get("lo"), span.get("hi")
        if not isinstance(lo, (int, float)) or not isinstance(hi, (int, float)):
            continue
        if lo == hi:
            codes.append(float(lo))
        elif float(lo).is_integer() and float(hi).is_integer() and hi - lo <= 20:
            codes.extend(float(v) for v in range(int(lo), int(hi) + 1))
        else:
            notes.append(f"user-missing range {lo:g} to {hi:g} not listed: add its codes under missing")
    return sorted(set(codes)), notes


def _guess_missing(observed: list[float]) -> list[float]:
    """Codes such as 8/9 or 98/99 that lie apart from the other answers (a CSV has no missing metadata)."""
    rest = sorted(v for v in observed if v not in _MISSING_GUESS)
    if len(rest) < 2:
        return []
    low, high = rest[0], rest[-1]
    return [v for v in observed if v in _MISSING_GUESS and (v > high + 1 or v < low - 1)]


def _prefix(item_id: str) -> str | None:
    match = re.match(r"^(.*?[A-Za-z])[_.]?(\d+)[A-Za-z]?$", str(item_id))
    return match.group(1).rstrip("_.") if match else None


def _read_for_draft(path: Path):
    from .readers.surveys import read_survey

    frame = read_survey(path)
    meta = None
    if frame.attrs.get("source", {}).get("format") == "sav":
        import pyreadstat

        _, meta = pyreadstat.read_sav(str(path), metadataonly=True, user_missing=True)
    return frame, meta


def draft_instrument(path, *, out=None, name=None) -> str:
    """Draft an instrument (survey codebook) YAML from a survey export.

    Parameters
    ----------
    path : path-like
        A survey export: SPSS ``.sav`` (value labels, variable labels and
        user-missing codes are used), ``.csv`` or ``.xlsx``.
    out : path-like, optional
        Write the draft there (never over an existing file). Default: only return it.
    name : str, optional
        The instrument's name; default the file name without suffix.

    Returns
    -------
    str
        The YAML text. Every numeric column becomes an item, except the
        respondent and household ids and direct identifiers (names, e-mail,
        addresses, phone numbers), which go to ``identifiers``. Columns with the
        same codes, labels and missing codes share an answer set; SPSS
        user-missing codes (and, for CSV/XLSX, codes such as 8/9 or 98/99 lying
        apart from the other answers) become missing codes with their labels.
        Items whose names share a prefix (``q1, q2, q3``) form a candidate
        scale; an item correlating negatively with the rest of its candidate
        scale is drafted with ``reverse: true``. Lines to review end in
        ``# review``; text columns are listed in a comment and not drafted.

    Raises
    ------
    SurveyReadError
        When the file cannot be read.
    FileExistsError
        When ``out`` exists.

    Examples
    --------
    >>> import tempfile, pathlib, yaml
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "wave1.csv"
    >>> _ = p.write_text("respondent_id,q1,q2,q3\\n1,1,2,9\\n2,4,5,4\\n3,2,2,1\\n")
    >>> data = yaml.safe_load(draft_instrument(p))
    >>> [i["id"] for i in data["items"]], list(data["scales"]), list(data["answer_sets"])
    (['q1', 'q2', 'q3'], ['q'], ['answers_1'])
    >>> data["answer_sets"]["answers_1"]["missing"]
    {9: {'en': '9', 'nl': '9'}}
    """
    path = Path(path)
    frame, meta = _read_for_draft(path)
    name = name or path.stem
    value_labels = frame.attrs.get("value_labels", {}) or {}
    variable_labels = (getattr(meta, "column_names_to_labels", {}) or {}) if meta is not None else {}
    respondent = _respondent_column(frame)
    household = _household_column(frame)
    direct = [c for c in frame.columns if _norm(c) in _DIRECT and c not in (respondent, household)]

    columns: list[dict] = []
    text_columns, empty_columns = [], []
    for column in frame.columns:
        if column in (respondent, household) or column in direct:
            continue
        raw = frame[column]
        values = pd.to_numeric(raw.astype("object").where(raw.notna(), np.nan), errors="coerce")
        if raw.notna().sum() == 0 and not value_labels.get(column):
            empty_columns.append(column)
            continue
        if (raw.notna() & values.isna()).any():
            text_columns.append(column)
            continue
        labels = {float(k): str(v) for k, v in (value_labels.get(column) or {}).items()
                  if isinstance(k, (int, float))}
        observed = sorted(set(values.dropna().astype(float)))
        missing, notes = _missing_codes(column, meta)
        guessed = False
        if meta is None:
            missing = _guess_missing(observed)
            guessed = bool(missing)
        codes = sorted((set(labels) | set(observed)) - set(missing))
        integral = all(float(v).is_integer() for v in codes)
        if labels or (integral and len(codes) <= 11):
            level = "binary" if set(codes) <= {0.0, 1.0} and len(codes) == 2 else "ordinal"
        else:
            level = "numeric"
        columns.append({"id": str(column), "level": level, "codes": codes, "labels": labels, "missing": missing,
                        "guessed": guessed, "notes": notes,
                        "text": (variable_labels.get(column) or "").strip() or None})

    # unlabelled ordinal columns of one name prefix share one contiguous range of codes (1..5 even when
    # nobody answered 3) and the union of their missing codes
    unlabelled: dict[str, list[dict]] = {}
    for col in columns:
        if col["level"] == "ordinal" and not col["labels"]:
            unlabelled.setdefault(_prefix(col["id"]) or f"\x00{col['id']}", []).append(col)
    for members in unlabelled.values():
        codes = sorted({c for m in members for c in m["codes"]})
        missing = sorted({c for m in members for c in m["missing"]})
        if codes and len(codes) <= 11 and codes[-1] - codes[0] <= 10:
            codes = [float(v) for v in range(int(codes[0]), int(codes[-1]) + 1)]
        for m in members:
            m["codes"], m["missing"] = [c for c in codes if c not in missing], missing
            m["guessed"] = any(x["guessed"] for x in members)

    sets: dict[tuple, str] = {}
    set_specs: dict[str, dict] = {}
    items = []
    for col in columns:
        labels, missing, codes = col["labels"], col["missing"], col["codes"]
        missing_spec = tuple((m, labels.get(m, _num(m))) for m in missing)
        if col["level"] == "numeric":
            low, high = (math.floor(min(codes)), math.ceil(max(codes))) if codes else (0, 0)
            key = ("numeric", low, high, missing_spec)
            spec = {"level": "numeric", "min": low, "max": high, "labelled": False}
        else:
            code_spec = tuple((c, labels.get(c, _num(c))) for c in codes)
            key = (col["level"], code_spec, missing_spec)
            spec = {"level": col["level"], "codes": list(code_spec), "labelled": bool(labels)}
        spec["missing"], spec["guessed"] = list(missing_spec), col["guessed"]
        if key not in sets:
            sets[key] = f"answers_{len(sets) + 1}"
            set_specs[sets[key]] = {**spec, "notes": list(col["notes"])}
        else:
            known = set_specs[sets[key]]["notes"]
            known += [n for n in col["notes"] if n not in known]
        items.append({"id": col["id"], "answers": sets[key], "level": col["level"], "text": col["text"]})

    # candidate scales: ordinal items sharing a name prefix
    groups: dict[str, list[dict]] = {}
    for item in items:
        prefix = _prefix(item["id"]) if item["level"] == "ordinal" else None
        if prefix:
            groups.setdefault(prefix, []).append(item)
    scales = {p: members for p, members in groups.items() if len(members) >= 2}
    for prefix, members in scales.items():
        for item in members:
            item["scale"] = prefix
        _suggest_reverse(frame, members, set_specs)

    return _emit_instrument(path, out, name, respondent, household, direct, set_specs, items, scales,
                            text_columns, empty_columns)


def _suggest_reverse(frame: pd.DataFrame, members: list[dict], set_specs: dict) -> None:
    columns = [m["id"] for m in members]
    values = frame[columns].apply(lambda s: pd.to_numeric(s.astype("object").where(s.notna(), np.nan),
                                                          errors="coerce"))
    for member in members:
        missing = [m for m, _ in set_specs[member["answers"]]["missing"]]
        values[member["id"]] = values[member["id"]].where(~values[member["id"]].isin(missing))
    values = values[values.notna().any(axis=1)]
    if len(values) < 10 or len(columns) < 2 or values.std().fillna(0).eq(0).any():
        return
    for member in members:
        rest = values.drop(columns=member["id"]).mean(axis=1)
        r = values[member["id"]].corr(rest)
        if np.isfinite(r) and r < 0:
            member["reverse"] = True


def _emit_instrument(path, out, name, respondent, household, direct, set_specs, items, scales,
                     text_columns, empty_columns) -> str:
    lines = [
        f"# Instrument (survey codebook) drafted by `evaluation draft-instrument` from {path.name}.",
        "# Review every line ending in '# review': labels to translate, levels, missing codes, scales,",
        "# themes and reverse keying. Move background variables (e.g. groups to compare by) from items",
        "# to `background:`. Then point a study file at this file and run `evaluation check`.",
        f"instrument: {_q(name)}",
        "version: 1",
        "languages: [nl, en]",
        "",
        "answer_sets:",
    ]
    for set_id, spec in set_specs.items():
        lines.append(f"  {set_id}:")
        review = "" if spec["labelled"] or spec["level"] == "numeric" else "  # review: no value labels in the file"
        lines.append(f"    level: {spec['level']}" + ("  # review: or categorical" if spec["level"] == "ordinal"
                                                         else "  # review" if spec["level"] == "numeric" else ""))
        if spec["level"] == "numeric":
            lines.append(f"    # min: {spec['min']}  # review: smallest value in this file; set bounds that catch "
                         "typing errors")
            lines.append(f"    # max: {spec['max']}  # review: largest value in this file")
        else:
            lines.append("    codes:" + review)
            for code, label in spec["codes"]:
                lines.append(f"      {_num(code)}: {{en: {_q(label)}, nl: {_q(label)}}}")
            if spec["level"] == "ordinal" and len(spec["codes"]) >= 4:
                top = ", ".join(_num(c) for c, _ in spec["codes"][-2:])
                lines.append(f"    # agree: [{top}]  # review: the codes counted as agreeing, if any")
        if spec["missing"]:
            note = "  # review: guessed from codes apart from the answers" if spec["guessed"] else ""
            lines.append("    missing:" + note)
            for code, label in spec["missing"]:
                lines.append(f"      {_num(code)}: {{en: {_q(label)}, nl: {_q(label)}}}")
        for note in spec["notes"]:
            lines.append(f"    # review: {note}")
    lines += ["", "# One theme per candidate scale; scales, items and interview codes are tagged with these ids."]
    if scales:
        lines.append("themes:")
        for prefix in scales:
            lines.append(f"  {_q(prefix)}: {{en: {_q(prefix)}, nl: {_q(prefix)}}}  # review: name the theme")
        lines += ["", "# Candidate scales from item-name prefixes: check that the items measure one construct.",
                  "scales:"]
        for prefix, members in scales.items():
            lines.append(f"  {_q(prefix)}:  # review: candidate scale ({len(members)} items)")
            lines.append(f"    label: {{en: {_q(prefix)}, nl: {_q(prefix)}}}  # review")
            lines.append(f"    theme: {_q(prefix)}")
            lines.append(f"    min_items: {max(1, math.ceil(len(members) / 2))}")
    else:
        lines += ["themes: {}", "scales: {}"]
    lines += ["", "# Background variables (not outcomes): move grouping columns here, e.g.",
              "#   group: {column: <column>, privacy: indirect, codes: {1: {id: group_a, en: ..., nl: ...}}}",
              "background: {}", "", "identifiers:"]
    lines.append(f"  respondent: {_q(respondent) if respondent else _q('TODO')}" +
                 ("  # review" if respondent else "  # review: no unique id column found"))
    if household:
        lines.append(f"  household: {_q(household)}  # review")
    lines.append(f"  direct: [{', '.join(_q(c) for c in direct)}]"
                 + ("  # review: dropped at import" if direct else ""))
    if text_columns:
        lines.append(f"# Text columns, not drafted (open answers are not analysed; list identifying ones under "
                     f"direct): {', '.join(map(str, text_columns))}  # review")
    if empty_columns:
        lines.append(f"# Empty columns, not drafted: {', '.join(map(str, empty_columns))}")
    lines += ["", "items:"]
    for item in items:
        lines.append(f"  - id: {_q(item['id'])}")
        text = item["text"] or item["id"]
        lines.append(f"    text: {{en: {_q(text)}, nl: {_q(text)}}}  # review" +
                     (": the question's wording" if not item["text"] else ": translate"))
        lines.append(f"    answers: {item['answers']}")
        if item.get("scale"):
            lines.append(f"    scale: {_q(item['scale'])}  # review: candidate scale from the name prefix")
        if item.get("reverse"):
            lines.append("    reverse: true  # review: correlates negatively with the rest of its scale")
    text = "\n".join(lines) + "\n"
    if out is not None:
        _write_new(Path(out), text)
    return text


# --------------------------------------------------------------------------- draft coding frame


def draft_frame(path, *, out=None, name=None) -> str:
    """Draft a coding-frame YAML from a QDA tool's codebook.

    Parameters
    ----------
    path : path-like
        A REFI-QDA codebook (``.qdc``) or project (``.qdpx``/``.qde``), or any
        export :func:`evaluation.read_codings` reads.
    out : path-like, optional
        Write the draft there (never over an existing file). Default: only return it.
    name : str, optional
        The coding frame's name; default the file name without suffix.

    Returns
    -------
    str
        The YAML text: one entry per codable code, with ``theme`` and
        ``aspect`` left empty and the line marked ``# review`` (with the code's
        parent and description as a hint). A codebook written by
        :func:`export_codebook` gives its themes, aspects and meta codes back. Until each code has a theme, an
        aspect or both, ``evaluation check`` lists it - that is the review list.
        Codes that are not codable (folders) are listed in a comment.

    Examples
    --------
    >>> import tempfile, pathlib, yaml
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "codes.csv"
    >>> _ = p.write_text("document,case,code,start,end,text,coder\\nint01,R1,Trust,0,5,Hello,A\\n")
    >>> yaml.safe_load(draft_frame(p))["codes"]
    [{'code': 'Trust', 'theme': None, 'aspect': None}]
    """
    import warnings

    from .readers.codings import read_codings

    path = Path(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        codings = read_codings(path)
    book = codings.codebook
    if book.empty and len(codings.segments):
        book = pd.DataFrame({"code": list(dict.fromkeys(codings.segments["code"].dropna().astype(str)))})
    lines = [
        f"# Coding frame drafted by `evaluation draft-frame` from {path.name}.",
        "# For every code marked '# review' fill in theme (an id from the instrument's themes),",
        "# aspect (opportunity, strength or limitation) or both; move bookkeeping codes (such as the",
        "# quote-approval code) to meta_codes. `evaluation check` lists the codes still to fill in.",
        f"coding_frame: {_q(name or path.stem)}",
        "version: 1",
        "aspects:",
        "  opportunity: {en: Opportunity, nl: Kans}",
        "  strength: {en: Strength, nl: Kracht}",
        "  limitation: {en: Limitation, nl: Beperking}",
        "meta_codes: []  # review: the study's approved_code belongs here",
        "codes:",
    ]
    folders, seen, meta = [], set(), []
    for row in book.itertuples(index=False):
        code = str(row.code)
        if code in seen:
            continue
        seen.add(code)
        if getattr(row, "codable", True) is False:
            folders.append(code)
            continue
        hints = []
        parent = getattr(row, "parent", None)
        if isinstance(parent, str) and parent:
            hints.append(f"under {parent}")
        description = getattr(row, "description", None)
        if isinstance(description, str) and description.strip():
            text = " ".join(description.split())
            hints.append(text if len(text) <= 80 else text[:79] + "…")
        hint = f" ({'; '.join(hints)})" if hints else ""
        known = _described(description)
        if known.get("meta"):
            meta.append(code)
            continue
        theme = _q(known["theme"]) if "theme" in known else "null"
        aspect = _q(known["aspect"]) if "aspect" in known else "null"
        lines.append(f"  - {{code: {_q(code)}, theme: {theme}, aspect: {aspect}}}  # review{hint}")
    if not seen:
        lines.append("  []  # the export holds no codes")
    if meta:
        at = lines.index("meta_codes: []  # review: the study's approved_code belongs here")
        lines[at] = f"meta_codes: [{', '.join(_q(m) for m in meta)}]  # review"
    if folders:
        lines.append(f"# Not codable (folders), not drafted: {', '.join(folders)}")
    text = "\n".join(lines) + "\n"
    if out is not None:
        _write_new(Path(out), text)
    return text


def _described(description) -> dict:
    """Theme, aspect and meta flag from a description written by :func:`export_codebook`."""
    if not isinstance(description, str):
        return {}
    found = {}
    for part in description.split(";"):
        part = part.strip()
        if part.startswith("meta code"):
            found["meta"] = True
        for key in ("theme", "aspect"):
            if part.startswith(f"{key}: ") and re.fullmatch(r"[\w-]+", part[len(key) + 2:].strip()):
                found[key] = part[len(key) + 2:].strip()
    return found


# --------------------------------------------------------------------------- export codebook


def export_codebook(study, out, *, overwrite: bool = False) -> Path:
    """Write a study's coding frame as a REFI-QDA codebook (``.qdc``) for the QDA tool.

    Parameters
    ----------
    study : Study or path-like
        A loaded study or the path of its YAML file (it needs ``interviews.coding_frame``).
    out : path-like
        The ``.qdc`` file to write; never inside a raw-data folder.
    overwrite : bool, default False
        Replace ``out`` when it exists.

    Returns
    -------
    pathlib.Path
        The file written: a ``<CodeBook>`` in namespace ``urn:QDA-XML:codebook:1.0``
        (valid against the REFI-QDA codebook schema) with one code per
        content and meta code of the frame, its theme, aspect and English label
        in the description, and one code set per theme and per aspect.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> base = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (base / "pyproject.toml").write_text("")
    >>> files = new_study("my-street", config_dir=base / "config")
    >>> qdc = export_codebook(files["study"], base / "codebook.qdc")
    >>> from evaluation.readers.codings import read_codings
    >>> read_codings(qdc).codebook["code"].tolist()[:2]
    ['TODO theme A', 'TODO theme B']
    """
    from .config import Study, _project_root, load_study
    from .readers.qdpx_writer import write_qdc

    if not isinstance(study, Study):
        study = load_study(study)
    if study.coding_frame is None:
        raise ValueError(f"{study.path}: the study has no interviews.coding_frame; there is no codebook to export")
    out = Path(out)
    target = out.resolve()
    for folder in (study.raw_dir, _project_root(study.path) / "data" / "raw"):
        if target.is_relative_to(Path(folder).resolve()):
            raise ValueError(f"{out}: inside the raw-data folder {folder}; nothing is ever written there - "
                             "choose another --out")
    if out.exists() and not overwrite:
        _refuse_existing([out])
    table = study.coding_frame.table
    themes = study.instrument.themes if study.instrument is not None else {}
    aspects = study.coding_frame.aspects
    descriptions, sets = [], {}
    for row in table.itertuples(index=False):
        parts = []
        if row.meta:
            parts.append("meta code (bookkeeping, not analysed)")
            sets.setdefault("meta codes", []).append(row.code)
        if isinstance(row.theme, str):
            parts.append(f"theme: {row.theme}")
            label = (themes.get(row.theme) or {}).get("en", row.theme)
            sets.setdefault(f"theme: {label}", []).append(row.code)
        if isinstance(row.aspect, str):
            parts.append(f"aspect: {row.aspect}")
            label = (aspects.get(row.aspect) or {}).get("en", row.aspect)
            sets.setdefault(f"aspect: {label}", []).append(row.code)
        for lang, text in sorted((row.labels or {}).items()):
            if lang != "*" and text != row.code:
                parts.append(f"{lang}: {text}")
        descriptions.append("; ".join(parts) or None)
    codebook = pd.DataFrame({"code": table["code"].astype(str), "description": descriptions})
    return write_qdc(out, codebook, sets=sets, name=study.coding_frame.name)
