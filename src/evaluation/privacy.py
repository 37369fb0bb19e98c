"""Privacy safeguards: keyed pseudonyms, identifier removal, small-cell suppression, quote screening.

Every published number and quote passes through this module (see
``/work/shared/reference/instruments-and-privacy.md``):

- :func:`pseudonymise` turns respondent, household and interviewee ids into keyed
  HMAC-SHA256 pseudonyms that are stable across waves (so panels still link) but
  cannot be reversed or recomputed without the secret key;
- :func:`drop_direct_identifiers` removes name, e-mail, phone and address columns;
- :func:`suppress_small_cells` blanks counts below a minimum (default 10) plus the
  complementary cells that would reveal them through row or column totals;
- :func:`screen_quote` flags (and redacts) names, addresses, contact details and
  role + place combinations that identify a speaker or a third person.
"""
from __future__ import annotations

import hashlib
import re
import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd

__all__ = [
    "pseudonymise",
    "drop_direct_identifiers",
    "suppress_small_cells",
    "screen_quote",
    "IDENTIFYING_ROLES",
]

# ---------------------------------------------------------------------------
# pseudonyms
# ---------------------------------------------------------------------------


def _canonical_id(value) -> str:
    """Text form of an id that is the same whatever the file type stored it as.

    ``12``, ``12.0`` (an integer id read as float from Excel) and ``" 12 "`` all
    become ``"12"``, so a panel member keeps one pseudonym across waves.
    """
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        value = int(value)
    return str(value).strip()


def _hmac_sha256(key: bytes):
    """``message -> HMAC_SHA256(key, message).hexdigest()`` (RFC 2104), with the key's two hash states computed once.

    The same value as :func:`hmac.new`, about five times faster for short ids (a million respondents).
    """
    block = 64  # SHA-256 block size
    key = hashlib.sha256(key).digest() if len(key) > block else key
    key = key.ljust(block, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))

    def digest(message: bytes) -> str:
        first = inner.copy()
        first.update(message)
        second = outer.copy()
        second.update(first.digest())
        return second.hexdigest()

    return digest


def pseudonymise(values, *, key, prefix="R", length=10):
    """Replace identifiers by keyed pseudonyms (HMAC-SHA256).

    Parameters
    ----------
    values : array-like or pandas.Series
        Identifiers (respondent numbers, household ids, interviewee names). Missing
        values (None/NaN) stay missing. Ids are compared in canonical text form:
        surrounding whitespace is ignored and integral floats are read as integers,
        so ``12``, ``12.0`` and ``" 12"`` get the same pseudonym.
    key : str or bytes
        Secret key, supplied outside git (e.g. from the environment variable named
        in the study configuration). The same key gives the same pseudonyms in every
        wave; another key gives unrelated pseudonyms.
    prefix : str, default "R"
        Text put before the hash, e.g. "R" (respondent), "H" (household), "I"
        (interviewee).
    length : int, default 10
        Number of hexadecimal characters kept (1..64). Ten characters (40 bits) make
        a collision among 10,000 ids improbable (about 5 in 100,000).

    Returns
    -------
    pandas.Series
        Pseudonyms ``f"{prefix}-{hex[:length]}"`` (dtype ``str``), with the index of
        `values` when it is a Series.

    Raises
    ------
    TypeError
        When `key` is not str or bytes.
    ValueError
        When `key` is empty or `length` is outside 1..64.

    Notes
    -----
    ``pseudonym = prefix + "-" + HMAC_SHA256(key, utf8(canonical id)).hexdigest()[:length]``.
    Unlike a plain hash, a keyed hash cannot be reversed by hashing every possible
    respondent number. Pseudonymised data remain personal data under the GDPR.

    References
    ----------
    Krawczyk, H., Bellare, M. & Canetti, R. (1997). HMAC: Keyed-hashing for message
    authentication. RFC 2104.

    Examples
    --------
    >>> p = pseudonymise(["1001", "1002", None], key="not-a-real-key")
    >>> p[0][:2], len(p[0]), p.isna().tolist()
    ('R-', 12, [False, False, True])
    >>> bool(pseudonymise([1001], key="k")[0] == pseudonymise(["1001"], key="k")[0])
    True
    """
    if isinstance(key, str):
        key_bytes = key.encode("utf-8")
    elif isinstance(key, (bytes, bytearray)):
        key_bytes = bytes(key)
    else:
        raise TypeError(
            f"`key` must be a str or bytes secret, got {type(key).__name__}; read it from "
            "the environment variable named in the study configuration."
        )
    if not key_bytes:
        raise ValueError(
            "`key` is empty; set the pseudonym key (e.g. EVALUATION_PSEUDONYM_KEY) to a "
            "long random secret kept outside git."
        )
    if isinstance(length, bool) or not isinstance(length, (int, np.integer)) or not 1 <= length <= 64:
        raise ValueError(f"`length` must be an integer from 1 to 64, got {length!r}.")
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    hmac_hex = _hmac_sha256(key_bytes)

    def one(value):
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return None
        return f"{prefix}-{hmac_hex(_canonical_id(value).encode('utf-8'))[:length]}"

    if isinstance(series.dtype, pd.StringDtype):  # text ids: hash each distinct id once (a panel repeats them)
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        # the canonical form of a text id is the text stripped (as _canonical_id)
        done = np.array([f"{prefix}-{hmac_hex(v.strip().encode('utf-8'))[:length]}"
                         for v in uniques.to_numpy(dtype=object)] + [None], dtype=object)
        return pd.Series(done[codes], index=series.index, name=series.name, dtype="str")
    return pd.Series([one(v) for v in series], index=series.index, name=series.name, dtype="str")


def drop_direct_identifiers(frame, *, columns):
    """Drop direct-identifier columns (name, e-mail, phone, street address, house number).

    Parameters
    ----------
    frame : pandas.DataFrame
        Raw table as read from a survey or interviewee file.
    columns : iterable of str
        Columns that hold direct identifiers (from the codebook's privacy class).

    Returns
    -------
    pandas.DataFrame
        Copy of `frame` without those columns; ``attrs["dropped_identifiers"]`` lists
        the columns actually dropped.

    Warns
    -----
    UserWarning
        For each listed column that is absent. Missing identifier columns are not an
        error: an export that never contained the e-mail column is already safe, and
        failing would block imports of legitimately slimmer files. The warning still
        shows when the codebook and the file disagree.

    Examples
    --------
    >>> raw = pd.DataFrame({"respondent": [1, 2], "email": ["a@x.nl", "b@x.nl"], "q1": [3, 4]})
    >>> list(drop_direct_identifiers(raw, columns=["email"]).columns)
    ['respondent', 'q1']
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"`frame` must be a pandas DataFrame, got {type(frame).__name__}.")
    if isinstance(columns, str):
        columns = [columns]
    columns = list(columns)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        warnings.warn(
            f"identifier columns {missing} are not in the table (columns: {list(frame.columns)}); "
            "nothing to drop for them — check the codebook's privacy classes.",
            UserWarning,
            stacklevel=2,
        )
    present = [c for c in columns if c in frame.columns]
    out = frame.drop(columns=present)
    out.attrs["dropped_identifiers"] = present
    return out


# ---------------------------------------------------------------------------
# small-cell suppression
# ---------------------------------------------------------------------------

_TOTALS = ("both", "rows", "columns", "none")


def _lines(shape, totals):
    """Index sets (lists of (i, j)) whose sums are published, for an r x c block."""
    n_rows, n_cols = shape
    lines = []
    if totals in ("both", "columns"):
        lines += [[(i, j) for i in range(n_rows)] for j in range(n_cols)]
    if totals in ("both", "rows"):
        lines += [[(i, j) for j in range(n_cols)] for i in range(n_rows)]
    return [line for line in lines if len(line) > 1]


def _determined_cells(mask, lines):
    """Suppressed cells whose exact value follows from the published line totals.

    A suppressed cell is determined when its unit vector lies in the row space of
    the constraint matrix restricted to the suppressed cells (linear algebra on the
    known totals minus the published cells).
    """
    unknown = list(zip(*np.nonzero(mask)))
    if not unknown:
        return []
    position = {cell: k for k, cell in enumerate(unknown)}
    rows = [[1.0 if cell in line else 0.0 for cell in unknown] for line in lines
            if any(cell in position for cell in line)]
    if not rows:
        return []
    a = np.array(rows)
    rank = np.linalg.matrix_rank(a)
    determined = []
    for cell, k in position.items():
        unit = np.zeros(len(unknown))
        unit[k] = 1.0
        if np.linalg.matrix_rank(np.vstack([a, unit])) == rank:
            determined.append(cell)
    return determined


def _complement(values, mask, line, lines):
    """Cell of `line` to suppress as complement, or None when every cell is taken.

    Prefers cells whose crossing lines need a second suppressed cell (fixing two
    lines at once) and avoids cells that open a new unprotected line; then the
    smallest positive value; zeros only when no positive cell is left.
    """
    free = [c for c in line if not mask[c] and not np.isnan(values[c])]
    if not free:
        return None

    def cost(cell):
        crossing = [sum(mask[c] for c in other) for other in lines if cell in other and other is not line]
        return sum(n == 0 for n in crossing) - sum(n == 1 for n in crossing)

    return min(free, key=lambda c: (values[c] == 0, cost(c), values[c], c))


def _protect_block(values, mask, totals):
    """Complementary suppression in one r x c block (in place on `mask`); returns new cells."""
    lines = _lines(values.shape, totals)
    start = mask.copy()
    while True:
        # 1. every published line holds 0 or >= 2 suppressed cells
        lonely = (line for line in lines if sum(mask[c] for c in line) == 1)
        extra = next((cell for line in lonely
                      if (cell := _complement(values, mask, line, lines)) is not None), None)
        # 2. no suppressed cell recoverable by combining lines (e.g. a "bridge")
        if extra is None:
            extra = next((cell for bad in _determined_cells(mask, lines)
                          for line in lines if bad in line
                          if (cell := _complement(values, mask, line, lines)) is not None), None)
        if extra is None:
            return list(zip(*np.nonzero(mask & ~start)))
        mask[extra] = True


def suppress_small_cells(table, *, count_cols, min_count=10, dependent_cols=None,
                         complementary=True, round_to=None, by=None, totals="both"):
    """Blank small counts (and the cells that would reveal them) before publishing.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per published line (e.g. an answer category, a group), with one or
        more count columns. Do not include total rows: totals are taken to be
        published (or computable) as described under `totals`.
    count_cols : str or list of str
        Columns with counts (non-negative numbers; NaN = not published).
    min_count : int, default 10
        Counts ``0 < n < min_count`` are suppressed (primary suppression).
    dependent_cols : list of str or dict, optional
        Columns derived from the counts (percentages, means, CI bounds). A list is
        blanked in every row where any count is suppressed; a dict
        ``{count_col: [columns]}`` blanks each list only where that count is
        suppressed.
    complementary : bool, default True
        Also suppress further cells so no suppressed count can be recovered from
        the totals.
    round_to : int, optional
        Round the published counts to the nearest multiple (halves up), e.g. 5.
        Suppression is decided on the unrounded counts.
    by : str or list of str, optional
        Columns whose groups are separate tables (e.g. one table per question);
        totals are per group.
    totals : {"both", "rows", "columns", "none"}, default "both"
        Which totals a reader knows: "columns" = the sum of each count column over
        the rows of a group (e.g. the number of respondents), "rows" = the sum of the
        count columns in each row (only meaningful when they partition a whole),
        "both" = both, "none" = no totals (primary suppression only).

    Returns
    -------
    pandas.DataFrame
        Copy of `table` with suppressed counts (and their dependent values) set to
        NaN (count columns become float), and a bool column ``suppressed`` (any cell
        of the row suppressed). ``attrs["suppression_log"]`` is a DataFrame with
        columns ``row`` (index label), ``column`` and ``reason``
        ("primary", "complementary" or "dependent").

    Notes
    -----
    **Zeros are published** (usual Dutch statistical practice, e.g. CBS): only
    ``1 .. min_count - 1`` is suppressed. A zero is used as a complementary cell
    only when a line has no positive cell left.

    **Complementary suppression** is iterative: (1) every published line (row or
    column total within a `by` group) must hold either no suppressed cell or at
    least two — otherwise the next-smallest positive cell of that line is
    suppressed (preferring a cell whose crossing line also needs one); (2) no
    suppressed cell may be determined exactly by combining
    lines, checked with linear algebra: cell ``j`` is recoverable when
    ``rank([A; e_j]) == rank(A)`` for the 0/1 matrix ``A`` of lines over
    suppressed cells. Repeat until neither rule adds a cell. This prevents exact
    recovery; it does not guarantee a minimum width of the feasible interval.
    Counts that are already NaN count as hidden cells. A "total" over a single cell
    (e.g. column totals of a one-row table) is the cell itself and is not
    considered: do not publish it.

    References
    ----------
    Hundepool, A. et al. (2012). *Statistical Disclosure Control*. Wiley, ch. 4
    (cell suppression in tabular data).

    Examples
    --------
    >>> t = pd.DataFrame({"answer": ["agree", "neutral", "disagree"], "n": [40, 3, 25]})
    >>> out = suppress_small_cells(t, count_cols="n")
    >>> out["n"].tolist()
    [40.0, nan, nan]
    >>> out.attrs["suppression_log"]["reason"].tolist()
    ['primary', 'complementary']
    """
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"`table` must be a pandas DataFrame, got {type(table).__name__}.")
    count_cols = [count_cols] if isinstance(count_cols, str) else list(count_cols)
    by = [] if by is None else ([by] if isinstance(by, str) else list(by))
    if isinstance(dependent_cols, Mapping):
        dependents = {k: list(v) for k, v in dependent_cols.items()}
    else:
        dep = [] if dependent_cols is None else (
            [dependent_cols] if isinstance(dependent_cols, str) else list(dependent_cols))
        dependents = {c: dep for c in count_cols}
    needed = count_cols + by + sorted({c for cols in dependents.values() for c in cols})
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise ValueError(f"columns {missing} are not in `table` (columns: {list(table.columns)}).")
    if unknown := [c for c in dependents if c not in count_cols]:
        raise ValueError(f"`dependent_cols` keys {unknown} are not in `count_cols` {count_cols}.")
    if totals not in _TOTALS:
        raise ValueError(f"`totals` must be one of {_TOTALS}, got {totals!r}.")
    if not table.index.is_unique:
        raise ValueError("`table` has a duplicated index; call .reset_index(drop=True) first.")
    if isinstance(min_count, bool) or not isinstance(min_count, (int, np.integer)) or min_count < 1:
        raise ValueError(f"`min_count` must be a positive integer, got {min_count!r}.")
    counts = table[count_cols].apply(pd.to_numeric, errors="coerce").astype(float)
    bad = table[count_cols].notna() & counts.isna() | (counts < 0)
    if bad.to_numpy().any():
        col = bad.any().idxmax()
        raise ValueError(
            f"count column {col!r} holds non-numeric or negative values "
            f"(e.g. {table.loc[bad[col], col].iloc[0]!r}); pass non-negative counts.")
    values = counts.to_numpy()
    mask = (values > 0) & (values < min_count)
    log = [(table.index[i], count_cols[j], "primary") for i, j in zip(*np.nonzero(mask))]
    if complementary and totals != "none":
        groups = (table.groupby(by, sort=False, dropna=False).indices.values()
                  if by else [np.arange(len(table))])
        for rows in groups:
            rows = np.asarray(rows)
            missing = np.isnan(values[rows])
            hidden = mask[rows] | missing  # unpublished (NaN) counts hide like suppressed ones
            for i, j in _protect_block(values[rows], hidden, totals):
                log.append((table.index[rows[i]], count_cols[j], "complementary"))
            mask[rows] = hidden & ~missing
    out = table.copy()
    published = values.copy()
    if round_to is not None:
        published = round_to * np.floor(published / round_to + 0.5)
    published[mask] = np.nan
    for j, col in enumerate(count_cols):
        out[col] = published[:, j]
        for dep in dependents.get(col, []):
            blank = mask[:, j] & out[dep].notna().to_numpy()
            log += [(label, dep, "dependent") for label in table.index[blank]]
            out[dep] = out[dep].mask(pd.Series(mask[:, j], index=out.index))
    out["suppressed"] = mask.any(axis=1)
    out.attrs["suppression_log"] = pd.DataFrame(log, columns=["row", "column", "reason"])
    return out


# ---------------------------------------------------------------------------
# quote screening
# ---------------------------------------------------------------------------

#: Phrases that identify one person in a street or neighbourhood on their own
#: (case-insensitive, whole words). Pass ``roles=`` to :func:`screen_quote` to
#: replace them, e.g. ``IDENTIFYING_ROLES + ("de bakker op de hoek",)``.
IDENTIFYING_ROLES = (
    "wijkagent", "buurtagent", "wijkbrandweerman", "wijkverpleegkundige",
    "imam", "pastoor", "dominee", "conciërge", "huisbaas", "buurtconciërge",
    "community police officer", "neighbourhood police officer", "the imam",
    "head teacher", "headteacher", "headmaster", "caretaker", "landlord",
)

# role + "van de / of the" + place: "de directeur van de school", "the owner of the shop"
_ROLE_WORDS = (
    "directeur", "directrice", "eigenaar", "eigenaresse", "beheerder", "voorzitter",
    "leider", "juf", "meester", "baas", "voorman", "bestuurder", "coördinator",
    "director", "owner", "manager", "chair", "chairman", "head", "principal", "teacher",
)
_PLACE_WORDS = (
    "school", "basisschool", "moskee", "kerk", "buurthuis", "winkel", "supermarkt",
    "bakkerij", "snackbar", "kapper", "kapsalon", "apotheek", "huisartsenpraktijk",
    "sportclub", "vereniging", "bewonersvereniging", "bewonerscommissie", "stichting",
    "corporatie", "woningcorporatie", "garage", "café", "restaurant",
    "mosque", "church", "shop", "community centre", "community center", "pharmacy",
    "association", "club", "bakery",
)
_TITLES = (
    "meneer", "mijnheer", "mevrouw", "mevr", "mw", "dhr", "de heer", "mej", "juffrouw", "buurvrouw", "buurman",
    "juf", "meester", "tante", "oom", "opa", "oma", "dokter", "zuster",
    "mr", "mrs", "ms", "miss", "mister", "madam", "sir", "dr", "prof", "neighbour", "neighbor", "aunt", "uncle",
)
# a name after a title: particles in any case ("De Vries", "van der Berg", "Van Dijk"), then capitalised words
_PARTICLES = r"(?i:van|von|de|der|den|het|ter|ten|te|el|al|la|le|du|da|di|op|in\s+'t|'t)"
_NAME = rf"(?:{_PARTICLES}\s+)*[A-ZÀ-ÖØ-Þ][\w'’-]+(?:\s+(?:{_PARTICLES}\s+)*[A-ZÀ-ÖØ-Þ][\w'’-]+)*"
_STREET_SUFFIX = (
    r"(?:straat|laan|weg|plein|gracht|kade|dreef|singel|dijk|steeg|hof|park|markt|pad|"
    r"plantsoen|erf)"
)


def _words(phrases):
    return "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in sorted(phrases, key=len, reverse=True))


_PATTERNS = (
    ("e-mail", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    ("phone", re.compile(
        r"(?<![\w+])(?:(?:\+|00)31[\s.-]?(?:\(0\)[\s.-]?)?|0)\d(?:[\s.-]?\d){8}(?!\d)")),
    ("postcode", re.compile(r"\b[1-9]\d{3}\s?[A-Z]{2}\b")),
    ("address", re.compile(
        rf"\b[A-ZÀ-Þ][\w'’-]*{_STREET_SUFFIX}\s+\d{{1,4}}(?:\s?[a-zA-Z]\b)?", re.UNICODE)),
    ("address", re.compile(
        r"\b\d{1,4}[a-z]?\s+[A-Z][a-z]+\s+(?:Street|Road|Avenue|Lane|Square|Close|Way)\b")),
    ("house number", re.compile(
        r"\b(?:huis)?(?:nummer|nr\.?)\s*\d{1,4}\b|\bhuisnummer\b|\bhouse\s+number\b|\bnumber\s+\d{1,4}\b",
        re.IGNORECASE)),
    ("title + name", re.compile(rf"\b(?i:{_words(_TITLES)})\.?\s+{_NAME}")),
    ("role + place", re.compile(
        rf"\b(?:{_words(_ROLE_WORDS)})\s+(?:van|bij|of|at|from)\s+(?:de|het|onze|ons|the|our)\s+"
        rf"(?:{_words(_PLACE_WORDS)})\b", re.IGNORECASE)),
)


def screen_quote(text, *, names=(), streets=(), roles=None):
    """Check a quote for details that identify a person, and redact them.

    Parameters
    ----------
    text : str
        Quote (Dutch or English).
    names : iterable of str, optional
        Person names to look for (interviewees, neighbours, staff), matched as whole
        words, case-insensitively.
    streets : iterable of str, optional
        Street names of the area; a street name followed by a number is an address.
        Streets ending in a common suffix (-straat, -laan, -weg, -plein, …) are
        recognised without this list.
    roles : iterable of str, optional
        Phrases that identify one person on their own (whole words,
        case-insensitive); default :data:`IDENTIFYING_ROLES` (wijkagent, imam, …).
        Role + place combinations ("de directeur van de school", "the owner of the
        shop") are always checked.

    Returns
    -------
    pandas.Series
        ``ok`` (bool: nothing found), ``reasons`` (list of str, the kinds found —
        never the identifying text itself: "name", "title + name", "e-mail",
        "phone", "postcode", "address", "house number", "role", "role + place"),
        ``redacted`` (the text with each finding replaced by "[…]").

    Notes
    -----
    Detection is rule-based and errs towards flagging: a researcher still reads
    every quote before publication. Phone numbers: Dutch 10-digit numbers starting
    with 0 (06-12345678, 070 123 4567) and +31 / 0031 forms. Postcodes: four digits
    (first not 0) and two capitals (2512 AB).

    Examples
    --------
    >>> r = screen_quote("Mevrouw Jansen op nummer 14 belde 06-12345678.")
    >>> bool(r["ok"]), r["reasons"]
    (False, ['phone', 'house number', 'title + name'])
    >>> r["redacted"]
    '[…] op […] belde […].'
    >>> bool(screen_quote("De straatbijeenkomst was gezellig.")["ok"])
    True
    """
    if not isinstance(text, str):
        raise TypeError(f"`text` must be a str, got {type(text).__name__}.")
    names, streets = ([names] if isinstance(names, str) else list(names),
                      [streets] if isinstance(streets, str) else list(streets))
    roles = IDENTIFYING_ROLES if roles is None else ([roles] if isinstance(roles, str) else tuple(roles))
    patterns = list(_PATTERNS)
    if names := [n for n in names if n and n.strip()]:
        patterns.append(("name", re.compile(rf"(?<!\w)(?:{_words(names)})(?!\w)", re.IGNORECASE)))
    if streets := [s for s in streets if s and s.strip()]:
        patterns.append(("address", re.compile(
            rf"(?<!\w)(?:{_words(streets)})\s+\d{{1,4}}(?:\s?[a-zA-Z]\b)?", re.IGNORECASE)))
    if roles := [r for r in roles if r and r.strip()]:
        patterns.append(("role", re.compile(rf"(?<!\w)(?:{_words(roles)})(?!\w)", re.IGNORECASE)))
    spans, reasons = [], []
    for reason, pattern in patterns:
        found = [m.span() for m in pattern.finditer(text)]
        if found and reason not in reasons:
            reasons.append(reason)
        spans += found
    merged = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    pieces, last = [], 0
    for start, end in merged:
        pieces += [text[last:start], "[…]"]
        last = end
    redacted = "".join(pieces) + text[last:]
    return pd.Series({"ok": not reasons, "reasons": reasons, "redacted": redacted})
