"""Disclosure control over everything a build publishes: one publication gate, audited.

:func:`evaluation.suppress_small_cells` protects one table against its own totals.
A reader of the learning report sees *all* tables and sentences together, and can
combine them: a code's total "out of 24" in the text with the code × group table, a
panel total in one table with group panel counts in another, a published share with
its n. This module is the computing core of the publication gate:

- :class:`PublishedSet` — a tidy description of every number a build publishes
  (``cells``: table, row, column, kind, true value, shown or not, what a derived
  number rests on) and of the linear relations a reader knows between them
  (``relations``: totals, links across tables, group sizes; published shares
  with their n add inequalities);
- :func:`intruder_audit` — for every hidden count, the interval a reader can derive
  from everything published (linear programming, as τ-ARGUS's audit and sdcTable's
  ``attack()``), and whether a sensitive count is disclosed;
- :func:`protect` — primary suppression, complementary suppression across linked
  tables until the audit passes, and suppression of derived numbers (shares, means)
  that rest on a hidden count.

The module computes; it does not format. The report layer builds one
:class:`PublishedSet` per build, calls :func:`protect`, publishes only the cells whose
``status`` is ``"published"``, and keeps the final audit with the build.
"""
from __future__ import annotations

import math
import warnings
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

__all__ = ["PublishedSet", "intruder_audit", "protect", "Protection"]

#: kinds of cells that are counts of people (variables of the reader's problem)
COUNT_KINDS = ("count", "total", "size", "number")
_EPS = 1e-6


# ---------------------------------------------------------------------------
# the published set
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Cell:
    table: Hashable
    row: Hashable
    column: Hashable
    kind: str
    value: float
    published: bool
    unit: float = 0.0  # rounding unit of the shown value (0 = shown exactly)
    rests_on: tuple = ()  # cell ids a derived number rests on
    groups: tuple = ()  # ids of group-size cells this count is part of
    share: tuple | None = None  # (count id, base id or None, base constant or None)

    @property
    def key(self):
        return (self.table, self.row, self.column)

    @property
    def is_count(self):
        return self.kind in COUNT_KINDS


@dataclass(frozen=True)
class _Relation:
    terms: tuple  # ((cell id, coefficient), ...)
    sense: str  # "==" or "<="
    rhs: float
    label: str
    source: str


def _shown(value, unit):
    """The number a reader sees: `value` rounded to a multiple of `unit` (halves up)."""
    if not unit:
        return float(value)
    return round(unit * math.floor(value / unit + 0.5), 12)


def _as_keys(cells) -> list:
    if isinstance(cells, tuple) and len(cells) == 3 and not any(isinstance(c, tuple) for c in cells):
        return [cells]
    return list(cells)


class PublishedSet:
    """Everything one build publishes, as cells and the linear relations between them.

    A builder: start empty and add tables, numbers quoted in the text, shares and
    other derived numbers, and links between tables. Every method returns the set
    itself, so calls chain. Each cell is named by a key ``(table, row, column)``;
    cells hold the **true** values (a count that will be shown as "<10" is added with
    its real value and ``published=False``).

    Parameters
    ----------
    None
        ``PublishedSet()`` takes no arguments.

    Returns
    -------
    PublishedSet
        An empty set. :attr:`cells` and :attr:`relations` show what was added.

    Notes
    -----
    **Cells** (:attr:`cells`, one row per published or publishable number):
    ``table, row, column`` (the key), ``kind`` — ``"count"`` (people in a cell),
    ``"total"`` (a sum of other cells), ``"size"`` (a group size), ``"number"`` (a
    count quoted in the text), ``"share"`` (count / base), or a free kind for other
    derived numbers (``"mean"``, ``"ci"``, …) —, ``value`` (true value), ``published``
    (shown as a number), ``unit`` (rounding unit of the shown value: 5 when counts are
    rounded to fives, 0.01 for a share shown in whole percent; 0 = exact),
    ``rests_on`` (keys of the counts a derived number rests on), ``groups`` (keys of
    the group-size cells a count belongs to).

    **What a reader knows** (the constraints of :func:`intruder_audit`): every count
    is ≥ 0; a shown count lies within ``shown ± unit/2``; every relation in
    :attr:`relations` holds (``"=="`` or ``"<="``): table totals, links across tables,
    numbers in the text, and ``count ≤ group size``; a shown share ``ŝ`` (unit ``u``)
    of a count ``c`` over a base ``n`` gives ``(ŝ - u/2)·n ≤ c ≤ (ŝ + u/2)·n`` —
    linear in ``(c, n)``, so it holds also when ``n`` itself is hidden. Means and
    other derived numbers add no constraint; they must follow the suppression of the
    counts they rest on.

    Every relation and group size is checked against the true values when it is
    added, so a wrongly declared total (e.g. column sums of a table in which one
    person can mention several codes) fails loudly instead of misleading the audit.

    Examples
    --------
    >>> t = pd.DataFrame({"panel": [29, 12, 8, 49]},
    ...                  index=["owner", "social rent", "private rent", "total"])
    >>> ps = PublishedSet().add_table("for_whom", t, total_row="total")
    >>> ps.cells[["row", "kind", "value"]].to_dict("list")
    {'row': ['owner', 'social rent', 'private rent', 'total'], 'kind': ['count', 'count', 'count', 'total'], 'value': [29.0, 12.0, 8.0, 49.0]}
    >>> ps.relations["coef"].tolist()
    [1.0, -1.0, -1.0, -1.0]
    """

    def __init__(self):
        self._cells: list[_Cell] = []
        self._index: dict = {}
        self._relations: list[_Relation] = []

    # ------------------------------------------------------------------ basics
    def __len__(self):
        return len(self._cells)

    def __repr__(self):
        tables = list(dict.fromkeys(c.table for c in self._cells))
        return (f"<PublishedSet: {len(self._cells)} cells in {len(tables)} tables, "
                f"{len(self._relations)} relations>")

    def copy(self) -> PublishedSet:
        """A copy that can be changed without changing this set."""
        out = PublishedSet()
        out._cells = list(self._cells)
        out._index = dict(self._index)
        out._relations = list(self._relations)
        return out

    def _id(self, key) -> int:
        key = tuple(key) if isinstance(key, (tuple, list)) else key
        try:
            return self._index[key]
        except (KeyError, TypeError):
            tables = sorted({str(c.table) for c in self._cells})
            raise ValueError(
                f"no cell {key!r} in the published set; a cell is named (table, row, column) "
                f"and must be added before it is referred to (tables: {tables})."
            ) from None

    def _add_cell(self, cell: _Cell) -> int:
        if cell.key in self._index:
            raise ValueError(f"cell {cell.key!r} was already added to the published set.")
        if not np.isfinite(cell.value):
            raise ValueError(f"cell {cell.key!r} has no finite value ({cell.value!r}); "
                             "add true values and hide cells with `published` instead.")
        if cell.is_count and cell.value < 0:
            raise ValueError(f"count {cell.key!r} is negative ({cell.value!r}).")
        self._cells.append(cell)
        self._index[cell.key] = len(self._cells) - 1
        return len(self._cells) - 1

    def _add_relation(self, terms, sense, rhs, label, source):
        merged: dict[int, float] = {}
        for i, coef in terms:
            if not self._cells[i].is_count:
                raise ValueError(
                    f"relation {label!r} refers to {self._cells[i].key!r}, a {self._cells[i].kind}; "
                    "relations hold between counts (declare shares with add_share).")
            merged[i] = merged.get(i, 0.0) + float(coef)
        terms = tuple((i, c) for i, c in merged.items() if c != 0.0)
        if sense not in ("==", "<=", ">="):
            raise ValueError(f"`sense` must be '==', '<=' or '>=', got {sense!r}.")
        if sense == ">=":
            terms, rhs, sense = tuple((i, -c) for i, c in terms), -rhs, "<="
        lhs = sum(c * self._cells[i].value for i, c in terms)
        scale = max(1.0, abs(rhs), *(abs(c * self._cells[i].value) for i, c in terms))
        ok = abs(lhs - rhs) <= 1e-9 * scale if sense == "==" else lhs <= rhs + 1e-9 * scale
        if not ok:
            shown = " + ".join(f"{c:g}·{self._cells[i].key!r}" for i, c in terms)
            raise ValueError(
                f"relation {label!r} does not hold for the true values: {shown} = {lhs:g}, "
                f"expected {sense} {rhs:g}. Check which cells the total really sums "
                "(e.g. column totals of a multiple-response table are not sums).")
        self._relations.append(_Relation(terms, sense, float(rhs), label, source))

    def _set_groups(self, i, size_ids):
        cell = self._cells[i]
        groups = tuple(dict.fromkeys(cell.groups + tuple(size_ids)))
        for g in size_ids:
            self._add_relation([(i, 1.0), (g, -1.0)], "<=", 0.0,
                               f"{cell.key!r} within group {self._cells[g].key!r}", "group size")
        self._cells[i] = replace(cell, groups=groups)

    # ------------------------------------------------------------------ builders
    def add_table(self, name, frame, *, count_cols=None, index=None, total_row=None, total_col=None,
                  size_row=None, size_col=None, published=None, round_to=None,
                  shares=None, share_unit=0.01, dependent=None):
        """Add a published table of counts; its totals and group sizes become relations.

        Parameters
        ----------
        name : hashable
            Table name (the ``table`` part of its cells' keys), e.g. the file stem.
        frame : pandas.DataFrame
            True counts, one row per published line. Row labels are the index, or the
            column named by `index`.
        count_cols : list of str, optional
            Columns holding counts of people; default every numeric column that is not
            named in `shares` or `dependent`.
        index : str, optional
            Column holding the row labels (default: the frame's index).
        total_row : hashable, optional
            Label of a row that is the sum of the other rows (per count column).
        total_col : str, optional
            Count column that is the sum of the other count columns (per row).
        size_row : hashable, optional
            Label of a row holding the size of each column's group (e.g. interviewees
            per stakeholder group under a code × group table): every other count in
            that column is at most this size, and equal to it only when the whole
            group is in the cell. May equal `total_row` (a partition table).
        size_col : str, optional
            Likewise, a column holding each row's group size; may equal `total_col`.
        published : pandas.DataFrame, optional
            Which cells are shown: a boolean frame (True = shown) or a published
            version of `frame` in which hidden cells are NaN; aligned on index and
            columns, missing columns count as shown. Default: everything shown.
        round_to : int, optional
            Shown counts are rounded to multiples of this (a reader knows each within
            ± round_to / 2).
        shares : dict, optional
            ``{share_col: (count_col, base)}``: columns holding ``count / base`` per
            row, with `base` a count column of the same row, a cell key
            ``(table, row, column)`` or a number. Each becomes a cell of kind
            ``"share"`` (see :meth:`add_share`).
        share_unit : float, default 0.01
            Rounding unit of the shown shares (0.01 = whole percent).
        dependent : dict, optional
            ``{col: count_col or [count_cols]}``: columns of other derived numbers
            (means, CI bounds) resting on the counts of the same row; kind ``"mean"``.

        Returns
        -------
        PublishedSet
            The set itself.

        Examples
        --------
        >>> codes = pd.DataFrame({"residents": [7, 3, 8], "police": [1, 2, 3]},
        ...                      index=["new connections", "heard", "interviewees"])
        >>> ps = PublishedSet().add_table("codes", codes, size_row="interviewees")
        >>> ps.cells.loc[ps.cells["kind"] == "count", "groups"].tolist()[0]
        (('codes', 'interviewees', 'residents'),)
        """
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"`frame` must be a pandas DataFrame, got {type(frame).__name__}.")
        if index is not None:
            frame = frame.set_index(index)
        if not frame.index.is_unique:
            raise ValueError(f"table {name!r} has duplicated row labels; row labels must be unique.")
        shares = dict(shares or {})
        dependent = {k: ([v] if isinstance(v, str) else list(v)) for k, v in (dependent or {}).items()}
        if count_cols is None:
            count_cols = [c for c in frame.columns
                          if c not in shares and c not in dependent
                          and pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])]
        count_cols = [count_cols] if isinstance(count_cols, str) else list(count_cols)
        missing = [c for c in count_cols + list(shares) + list(dependent) if c not in frame.columns]
        if missing:
            raise ValueError(f"columns {missing} are not in table {name!r} (columns: {list(frame.columns)}).")
        for label, what in ((total_row, "total_row"), (size_row, "size_row")):
            if label is not None and label not in frame.index:
                raise ValueError(f"`{what}` {label!r} is not a row label of table {name!r}.")
        for col, what in ((total_col, "total_col"), (size_col, "size_col")):
            if col is not None and col not in count_cols:
                raise ValueError(f"`{what}` {col!r} is not one of the count columns {count_cols}.")
        values = frame[count_cols].apply(pd.to_numeric, errors="coerce").astype(float)
        if values.isna().to_numpy().any():
            col = values.isna().any().idxmax()
            raise ValueError(f"table {name!r}, column {col!r} holds missing or non-numeric counts; "
                             "pass the true counts and hide cells with `published`.")
        shown = self._shown_mask(frame, published, name)
        unit = float(round_to or 0)
        ids = {}
        for r in frame.index:
            for c in count_cols:
                if r == total_row or c == total_col:
                    kind = "total"
                elif r == size_row or c == size_col:
                    kind = "size"
                else:
                    kind = "count"
                ids[r, c] = self._add_cell(_Cell(name, r, c, kind, float(values.at[r, c]),
                                                 bool(shown(r, c)), unit))
        inner_rows = [r for r in frame.index if r not in (total_row, size_row)]
        inner_cols = [c for c in count_cols if c not in (total_col, size_col)]
        if total_row is not None:
            for c in count_cols:
                self._add_relation([(ids[total_row, c], 1.0)] + [(ids[r, c], -1.0) for r in inner_rows],
                                   "==", 0.0, f"{name}: row {total_row!r} = sum of rows, column {c!r}",
                                   "total row")
        if total_col is not None:
            for r in frame.index:
                self._add_relation([(ids[r, total_col], 1.0)] + [(ids[r, c], -1.0) for c in inner_cols],
                                   "==", 0.0, f"{name}: column {total_col!r} = sum of columns, row {r!r}",
                                   "total column")
        for r in frame.index:
            for c in count_cols:
                sizes = []
                if size_row is not None and r not in (size_row, total_row) and c != size_col:
                    sizes.append(ids[size_row, c])
                if size_col is not None and c not in (size_col, total_col) and r != size_row:
                    sizes.append(ids[r, size_col])
                if sizes:
                    self._set_groups(ids[r, c], sizes)
        for col, (count_col, base) in shares.items():
            for r in frame.index:
                if pd.isna(frame.at[r, col]):
                    continue
                if isinstance(base, str) and base in count_cols:
                    base_ref = (name, r, base)
                else:
                    base_ref = base
                self.add_share(name, r, col, count=(name, r, count_col), base=base_ref,
                               value=float(frame.at[r, col]), unit=share_unit, published=bool(shown(r, col)))
        for col, on in dependent.items():
            for r in frame.index:
                if pd.isna(frame.at[r, col]):
                    continue
                self.add_derived(name, r, col, value=float(frame.at[r, col]),
                                 rests_on=[(name, r, c) for c in on], published=bool(shown(r, col)))
        return self

    @staticmethod
    def _shown_mask(frame, published, name):
        if published is None:
            return lambda r, c: True
        if not isinstance(published, pd.DataFrame):
            raise TypeError(f"`published` must be a DataFrame (bool mask or published values), "
                            f"got {type(published).__name__}.")
        if not published.index.equals(frame.index) and frame.index.name in published.columns:
            published = published.set_index(frame.index.name)
        mask = pd.DataFrame({c: (published[c].astype(bool) if pd.api.types.is_bool_dtype(published[c])
                                 else published[c].notna()) for c in published.columns},
                            index=published.index)
        unknown = [r for r in mask.index if r not in frame.index]
        if unknown:
            raise ValueError(f"`published` for table {name!r} has rows {unknown[:5]} that the table lacks.")

        def shown(r, c):
            return True if c not in mask.columns or r not in mask.index else bool(mask.at[r, c])
        return shown

    def add_number(self, name, value, *, equals=None, table="text", column="n", kind="number",
                   published=True, round_to=None):
        """Add a count quoted outside a table (e.g. "New connections (9/24)" in the text).

        Parameters
        ----------
        name : hashable
            Row part of the key: the cell is ``(table, name, column)``.
        value : int or float
            True count.
        equals : list of cell keys, optional
            Cells whose sum the number equals (e.g. the code's cells in the code ×
            group table); adds the relation ``number = sum(equals)``.
        table : hashable, default "text"
        column : hashable, default "n"
        kind : str, default "number"
            A count kind: "number", "total", "size" or "count".
        published : bool, default True
        round_to : int, optional
            The number is shown rounded to a multiple of this.

        Returns
        -------
        PublishedSet
            The set itself.

        Examples
        --------
        >>> t = pd.DataFrame({"residents": [7], "police": [2]}, index=["new connections"])
        >>> ps = (PublishedSet().add_table("codes", t)
        ...       .add_number("new connections", 9, equals=[("codes", "new connections", "residents"),
        ...                                                 ("codes", "new connections", "police")]))
        >>> ps.relations["label"].iloc[0]
        "('text', 'new connections', 'n') = sum of 2 cells"
        """
        if kind not in COUNT_KINDS:
            raise ValueError(f"`kind` must be one of {COUNT_KINDS}, got {kind!r}.")
        i = self._add_cell(_Cell(table, name, column, kind, float(value), bool(published), float(round_to or 0)))
        if equals is not None:
            parts = [self._id(k) for k in _as_keys(equals)]
            self._add_relation([(i, 1.0)] + [(j, -1.0) for j in parts], "==", 0.0,
                               f"{(table, name, column)!r} = sum of {len(parts)} cells", "number")
        return self

    def add_share(self, table, row, column, *, count, base, value=None, unit=0.01, published=True):
        """Add a published share ``count / base`` (a proportion shown rounded to `unit`).

        Parameters
        ----------
        table, row, column : hashable
            Key of the share cell.
        count : cell key
            The count the share rests on.
        base : cell key or number
            Its base n: a count cell (shown or hidden) or a known constant.
        value : float, optional
            The true share; default ``count / base`` from the true values. A value
            further than ``unit / 2`` from ``count / base`` is refused: a weighted
            share is not a share of these counts (add it with :meth:`add_derived`).
        unit : float, default 0.01
            Rounding unit of the shown share (0.01 = whole percent, 0.001 = 0.1%).
        published : bool, default True

        Returns
        -------
        PublishedSet
            The set itself.

        Examples
        --------
        >>> t = pd.DataFrame({"panel": [8, 49]}, index=["private rent", "total"])
        >>> ps = PublishedSet().add_table("panel", t, published=pd.DataFrame(
        ...     {"panel": [False, True]}, index=t.index))
        >>> ps = ps.add_share("attrition", "private rent", "share", count=("panel", "private rent", "panel"),
        ...                   base=("panel", "total", "panel"))
        >>> float(ps.cells["value"].iloc[-1].round(4))
        0.1633
        """
        ci = self._id(count)
        if not self._cells[ci].is_count:
            raise ValueError(f"`count` {count!r} is a {self._cells[ci].kind}, not a count.")
        if isinstance(base, (int, float, np.integer, np.floating)) and not isinstance(base, bool):
            bi, bconst, bval = None, float(base), float(base)
        else:
            bi = self._id(base)
            if not self._cells[bi].is_count:
                raise ValueError(f"`base` {base!r} is a {self._cells[bi].kind}, not a count.")
            bconst, bval = None, self._cells[bi].value
        if not bval > 0:
            raise ValueError(f"share {(table, row, column)!r} has base {bval!r}; a share needs a positive base.")
        if not unit > 0:
            raise ValueError(f"`unit` must be positive, got {unit!r}.")
        true = self._cells[ci].value / bval
        if value is not None and abs(float(value) - true) > unit / 2 + 1e-9:
            raise ValueError(
                f"share {(table, row, column)!r} = {value!r} is not {self._cells[ci].value:g}/{bval:g} "
                f"= {true:.4f} within ± {unit / 2:g}; add weighted or other derived numbers with add_derived.")
        rests = (ci,) if bi is None else (ci, bi)
        self._add_cell(_Cell(table, row, column, "share", true, bool(published), float(unit),
                             rests_on=rests, share=(ci, bi, bconst)))
        return self

    def add_derived(self, table, row, column, *, value, rests_on, kind="mean", published=True):
        """Add a derived number (mean, CI bound, effect) that rests on one or more counts.

        It adds no constraint for the reader, but it must not be shown when a count it
        rests on is hidden (:func:`protect` hides it; :func:`intruder_audit` flags it
        when it rests on a small count).

        Parameters
        ----------
        table, row, column : hashable
            Key of the cell.
        value : float
        rests_on : cell key or list of cell keys
            The counts it is computed from (e.g. the group's n).
        kind : str, default "mean"
            Any label that is not a count kind ("mean", "ci", "p", ...).
        published : bool, default True

        Returns
        -------
        PublishedSet
            The set itself.

        Examples
        --------
        >>> t = pd.DataFrame({"n": [4]}, index=["private rent"])
        >>> ps = PublishedSet().add_table("for_whom", t).add_derived(
        ...     "for_whom", "private rent", "mean", value=6.2, rests_on=("for_whom", "private rent", "n"))
        >>> ps.cells["rests_on"].iloc[-1]
        (('for_whom', 'private rent', 'n'),)
        """
        if kind in COUNT_KINDS or kind == "share":
            raise ValueError(f"`kind` {kind!r} is reserved; use add_table/add_number/add_share.")
        rests = tuple(self._id(k) for k in _as_keys(rests_on))
        if not rests:
            raise ValueError("`rests_on` is empty; name the counts the number is computed from.")
        self._add_cell(_Cell(table, row, column, kind, float(value), bool(published), rests_on=rests))
        return self

    def link(self, left, right, *, label=None):
        """Declare that the sum of the `left` cells equals the sum of the `right` cells.

        Parameters
        ----------
        left, right : cell key or list of cell keys
            E.g. ``left=("for_whom", "total", "panel")`` and ``right`` the group panel
            counts of another table.
        label : str, optional
            Text for :attr:`relations` (default: generated).

        Returns
        -------
        PublishedSet
            The set itself.

        Examples
        --------
        >>> a = pd.DataFrame({"panel": [49]}, index=["total"])
        >>> b = pd.DataFrame({"panel": [29, 20]}, index=["owner", "renter"])
        >>> ps = (PublishedSet().add_table("summary", a).add_table("groups", b)
        ...       .link(("summary", "total", "panel"), [("groups", "owner", "panel"), ("groups", "renter", "panel")]))
        >>> ps.relations["source"].unique().tolist()
        ['link']
        """
        lk, rk = _as_keys(left), _as_keys(right)
        terms = [(self._id(k), 1.0) for k in lk] + [(self._id(k), -1.0) for k in rk]
        self._add_relation(terms, "==", 0.0, label or f"sum of {lk!r} = sum of {rk!r}", "link")
        return self

    def add_relation(self, terms, *, rhs=0.0, sense="==", label=None):
        """Declare any linear relation ``sum(coef · cell) <sense> rhs`` between counts.

        Parameters
        ----------
        terms : mapping of cell key to coefficient
        rhs : float, default 0
        sense : {"==", "<=", ">="}, default "=="
        label : str, optional

        Returns
        -------
        PublishedSet
            The set itself.

        Examples
        --------
        >>> t = pd.DataFrame({"n": [30, 20]}, index=["wave 1", "wave 2"])
        >>> ps = PublishedSet().add_table("response", t).add_relation(
        ...     {("response", "wave 2", "n"): 1, ("response", "wave 1", "n"): -1}, sense="<=",
        ...     label="panel cannot grow")
        >>> ps.relations["sense"].iloc[0]
        '<='
        """
        if not isinstance(terms, Mapping):
            raise TypeError("`terms` must be a mapping {cell key: coefficient}.")
        pairs = [(self._id(k), float(c)) for k, c in terms.items()]
        self._add_relation(pairs, sense, float(rhs), label or "relation", "relation")
        return self

    def add_group(self, cells, size):
        """Declare that `cells` count members of the group whose size is the cell `size`.

        Each cell is then at most the group size, and a cell equal to a small group's
        size discloses what every member said (see :func:`intruder_audit`).

        Parameters
        ----------
        cells : cell key or list of cell keys
        size : cell key

        Returns
        -------
        PublishedSet
            The set itself.

        Examples
        --------
        >>> t = pd.DataFrame({"residents": [5, 5]}, index=["visible presence", "interviewees"])
        >>> ps = PublishedSet().add_table("codes", t).add_group(
        ...     ("codes", "visible presence", "residents"), ("codes", "interviewees", "residents"))
        >>> ps.relations["source"].iloc[0]
        'group size'
        """
        g = self._id(size)
        for k in _as_keys(cells):
            self._set_groups(self._id(k), [g])
        return self

    def hide(self, cells) -> PublishedSet:
        """A copy in which `cells` (a key or list of keys) are not shown.

        Parameters
        ----------
        cells : cell key or list of cell keys

        Returns
        -------
        PublishedSet
            A new set; this one is unchanged.

        Examples
        --------
        >>> t = pd.DataFrame({"n": [3, 40]}, index=["a", "b"])
        >>> PublishedSet().add_table("t", t).hide(("t", "a", "n")).cells["published"].tolist()
        [False, True]
        """
        out = self.copy()
        for k in _as_keys(cells):
            i = out._id(k)
            out._cells[i] = replace(out._cells[i], published=False)
        return out

    def _with_publication(self, pub) -> PublishedSet:
        out = self.copy()
        out._cells = [replace(c, published=bool(p)) for c, p in zip(self._cells, pub)]
        return out

    # ------------------------------------------------------------------ views
    @property
    def cells(self) -> pd.DataFrame:
        """One row per cell: table, row, column, kind, value, published, unit, rests_on, groups."""
        keys = [c.key for c in self._cells]
        return pd.DataFrame({
            "table": pd.Series([c.table for c in self._cells], dtype=object),
            "row": pd.Series([c.row for c in self._cells], dtype=object),
            "column": pd.Series([c.column for c in self._cells], dtype=object),
            "kind": pd.Series([c.kind for c in self._cells], dtype=object),
            "value": pd.Series([c.value for c in self._cells], dtype=float),
            "published": pd.Series([c.published for c in self._cells], dtype=bool),
            "unit": pd.Series([c.unit for c in self._cells], dtype=float),
            "rests_on": pd.Series([tuple(keys[i] for i in c.rests_on) for c in self._cells], dtype=object),
            "groups": pd.Series([tuple(keys[i] for i in c.groups) for c in self._cells], dtype=object),
        })

    @property
    def relations(self) -> pd.DataFrame:
        """One row per term: relation (number), label, source, sense, rhs, table, row, column, coef."""
        rows = [(n, rel.label, rel.source, rel.sense, rel.rhs, *self._cells[i].key, coef)
                for n, rel in enumerate(self._relations) for i, coef in rel.terms]
        frame = pd.DataFrame(rows, columns=["relation", "label", "source", "sense", "rhs",
                                            "table", "row", "column", "coef"])
        for col in ("label", "source", "sense", "table", "row", "column"):
            frame[col] = frame[col].astype(object)
        return frame


# ---------------------------------------------------------------------------
# the reader's problem
# ---------------------------------------------------------------------------


class _Reader:
    """What a reader can derive from the shown numbers: an LP per connected component.

    Variables are the counts. A shown count (unit 0) is a constant; hidden and
    rounded counts are variables with bounds. Constraints: the relations of the set
    and the inequalities of the shown shares.
    """

    def __init__(self, ps: PublishedSet, pub, *, hidden_low=0.0, hidden_high=math.inf, cache=None):
        self.ps = ps
        self.pub = pub
        self.cache = {} if cache is None else cache  # results by component signature (see _lp)
        cells = ps._cells
        n = len(cells)
        self.lb = np.zeros(n)
        self.ub = np.full(n, math.inf)
        for i, c in enumerate(cells):
            if not c.is_count:
                continue
            if pub[i]:
                p = _shown(c.value, c.unit)
                self.lb[i], self.ub[i] = max(0.0, p - c.unit / 2), p + c.unit / 2
            else:
                self.lb[i], self.ub[i] = hidden_low, hidden_high
        self.fixed = np.array([c.is_count and self.lb[i] == self.ub[i] for i, c in enumerate(cells)])
        rows = [(dict(rel.terms), rel.sense, rel.rhs, None) for rel in ps._relations]
        for i, c in enumerate(cells):
            if c.share is None or not pub[i]:
                continue
            count, base, const = c.share
            s, h = _shown(c.value, c.unit), c.unit / 2
            if base is None:
                rows.append(({count: 1.0}, "<=", (s + h) * const, i))
                rows.append(({count: -1.0}, "<=", -max(0.0, s - h) * const, i))
            else:
                rows.append(({count: 1.0, base: -(s + h)}, "<=", 0.0, i))
                rows.append(({count: -1.0, base: max(0.0, s - h)}, "<=", 0.0, i))
        self.rows = rows
        # connected components of the non-fixed variables
        parent = list(range(n))

        def find(a):
            while parent[a] != a:
                parent[a] = parent[parent[a]]
                a = parent[a]
            return a

        for terms, *_ in rows:
            free = [i for i in terms if not self.fixed[i]]
            for a, b in zip(free, free[1:]):
                parent[find(a)] = find(b)
        self.find = find
        self._lp_cache: dict = {}

    def component(self, i):
        root = self.find(i)
        return [j for j in range(len(self.ps._cells)) if self.ps._cells[j].is_count
                and not self.fixed[j] and self.find(j) == root]

    def _lp(self, root):
        if root in self._lp_cache:
            return self._lp_cache[root]
        comp = [j for j in range(len(self.ps._cells)) if self.ps._cells[j].is_count
                and not self.fixed[j] and self.find(j) == root]
        pos = {j: k for k, j in enumerate(comp)}
        lines, lows, highs, eq = [], [], [], []
        origins = []
        for terms, sense, rhs, origin in self.rows:
            if not any(j in pos for j in terms):
                continue
            if origin is not None:
                origins.append(origin)
            line = np.zeros(len(comp))
            const = 0.0
            for j, coef in terms.items():
                if j in pos:
                    line[pos[j]] += coef
                else:
                    const += coef * self.lb[j]  # shown exactly: lb == ub
            lines.append(line)
            highs.append(rhs - const)
            lows.append(rhs - const if sense == "==" else -math.inf)
            eq.append(sense == "==")
        a = np.array(lines).reshape(len(lines), len(comp))
        a_eq = a[np.array(eq, dtype=bool)] if lines else a
        lp = {
            "a": a, "low": np.array(lows), "high": np.array(highs),
            "lb": np.array([self.lb[j] for j in comp]), "ub": np.array([self.ub[j] for j in comp]),
            "a_eq": a_eq, "rank_eq": int(np.linalg.matrix_rank(a_eq)) if a_eq.size else 0,
        }
        # every other count in these rows is shown exactly (else it would be in the
        # component), so the LP is fixed by the component, which of its counts are
        # shown (rounded) and which shares constrain it
        signature = (tuple(comp), tuple(bool(self.pub[j]) for j in comp), tuple(origins))
        self._lp_cache[root] = (pos, lp, signature)
        return pos, lp, signature

    def range(self, objective: Mapping[int, float]):
        """Minimum and maximum of ``sum(coef · count)`` over everything the reader knows."""
        from scipy.optimize import Bounds, LinearConstraint, milp

        cells = self.ps._cells
        const = sum(c * self.lb[j] for j, c in objective.items() if self.fixed[j])
        free = {j: c for j, c in objective.items() if not self.fixed[j]}
        low = high = const
        for root in {self.find(j) for j in free}:
            pos, lp, signature = self._lp(root)
            c = np.zeros(len(pos))
            for j, coef in free.items():
                if j in pos:
                    c[pos[j]] += coef
            memo = (signature, tuple(c))
            if memo not in self.cache:
                self.cache[memo] = self._solve(pos, lp, c, cells)
            low, high = low + self.cache[memo][0], high + self.cache[memo][1]
        return low, high

    def _solve(self, pos, lp, c, cells):
        from scipy.optimize import Bounds, LinearConstraint, milp

        if lp["rank_eq"] and np.linalg.matrix_rank(np.vstack([lp["a_eq"], c])) == lp["rank_eq"]:
            # the equalities determine c·x: it is its true value (true values are feasible)
            value = float(sum(k * cells[j].value for j, k in zip(pos, c)))
            return value, value
        if not lp["a"].size:  # a lone hidden count: its own bounds
            return (float(sum(min(k * lo, k * hi) for k, lo, hi in zip(c, lp["lb"], lp["ub"]) if k)),
                    float(sum(max(k * lo, k * hi) for k, lo, hi in zip(c, lp["lb"], lp["ub"]) if k)))
        constraints = LinearConstraint(lp["a"], lp["low"], lp["high"])
        bounds = Bounds(lp["lb"], lp["ub"])
        out = []
        for sign in (1.0, -1.0):
            res = milp(sign * c, constraints=constraints, bounds=bounds)  # LP: no integrality
            if res.status == 0:
                out.append(sign * res.fun)
            elif res.status == 3:
                out.append(-sign * math.inf)
            else:
                keys = [cells[j].key for j in pos][:6]
                raise RuntimeError(
                    f"the shown numbers contradict the declared relations around {keys} "
                    f"(HiGHS: {res.message}); check the relations and rounding units.")
        return out[0], out[1]


# ---------------------------------------------------------------------------
# audit
# ---------------------------------------------------------------------------


@dataclass
class _Rules:
    threshold: float
    protection: float | tuple
    small_group: int
    sensitive_zero: bool
    integer: bool
    hidden_low: float = 0.0
    hidden_high: float = math.inf


def _sensitivity(ps: PublishedSet, rules: _Rules) -> dict[int, list[str]]:
    """Sensitive counts and why: small (0 < n < threshold; zero with the flag), whole group."""
    out = {}
    for i, c in enumerate(ps._cells):
        if not c.is_count:
            continue
        why = []
        if 0 < c.value < rules.threshold or (rules.sensitive_zero and c.value == 0):
            why.append("small")
        if any(ps._cells[g].value == c.value and 0 < c.value < rules.small_group for g in c.groups):
            why.append("whole group")
        if why:
            out[i] = why
    return out


def _tighten(low, high, integer):
    if not integer:
        return low, high
    return (math.ceil(low - _EPS) if math.isfinite(low) else low,
            math.floor(high + _EPS) if math.isfinite(high) else high)


def _assess(reader: _Reader, i: int, why: list[str], pub, rules: _Rules):
    """Failing rules for sensitive count `i`, its interval, and a score (lower = safer)."""
    ps = reader.ps
    cell = ps._cells[i]
    low, high = _tighten(*reader.range({i: 1.0}), rules.integer)
    fails = []
    width = high - low
    if pub[i] and cell.unit == 0:
        fails.append("published")
    else:
        if isinstance(rules.protection, tuple):
            lpl, upl = rules.protection
            floor_ = rules.hidden_low if not pub[i] else 0.0
            if width <= _EPS:
                fails.append("exact")
            else:
                if low > max(floor_, cell.value - lpl) + _EPS:
                    fails.append("lower protection")
                if high < cell.value + upl - _EPS:
                    fails.append("upper protection")
        elif width <= _EPS:
            fails.append("exact")
        elif width < rules.protection - _EPS:
            fails.append("narrow")
        lowest = 1 if rules.integer else _EPS
        top = rules.threshold - 1 if rules.integer else rules.threshold - _EPS
        zero_ok = not rules.sensitive_zero
        if (low >= lowest - _EPS or not zero_ok) and high <= top + _EPS and "small" in why:
            fails.append("small nonzero" if zero_ok else "below threshold")
    slack = math.inf
    if "whole group" in why:
        for g in cell.groups:
            if ps._cells[g].value != cell.value:
                continue
            s = reader.range({g: 1.0, i: -1.0})[1]
            slack = min(slack, s)
            if s < (1.0 if rules.integer else _EPS) - _EPS:
                fails.append("whole group")
                break
    score = (len(fails), -min(width, 1e12), -min(slack, 1e12))
    return fails, low, high, score


def _rules(published_set, threshold, protection, small_group, sensitive_zero, hidden_nonzero,
           marker_upper, integer, pub):
    if not isinstance(published_set, PublishedSet):
        raise TypeError(f"expected a PublishedSet, got {type(published_set).__name__}.")
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.integer, np.floating)) \
            or threshold < 1:
        raise ValueError(f"`threshold` must be a number >= 1, got {threshold!r}.")
    if protection is None:
        protection = float(threshold)
    if isinstance(protection, (tuple, list)):
        if len(protection) != 2 or min(protection) < 0:
            raise ValueError(f"`protection` as levels must be (lower, upper) >= 0, got {protection!r}.")
        protection = (float(protection[0]), float(protection[1]))
    elif not protection >= 0:
        raise ValueError(f"`protection` must be >= 0, got {protection!r}.")
    cells = published_set._cells
    hidden_zero = any(c.is_count and not p and c.value == 0 for c, p in zip(cells, pub))
    if hidden_nonzero is None:
        hidden_nonzero = not hidden_zero
    elif hidden_nonzero and hidden_zero:
        raise ValueError("`hidden_nonzero=True` but a hidden count is zero: a reader cannot infer "
                         "that hidden counts are nonzero when zeros are hidden too.")
    high = math.inf
    if marker_upper is not None:
        wrong = [c.key for c, p in zip(cells, pub) if c.is_count and not p and c.value >= marker_upper]
        if wrong:
            raise ValueError(
                f"hidden counts {wrong[:5]} are >= {marker_upper}, so a marker '<{marker_upper}' "
                "would misstate them; show every suppressed cell with one neutral marker.")
        high = marker_upper - 1 if integer else marker_upper
    return _Rules(float(threshold), protection, int(small_group), bool(sensitive_zero), bool(integer),
                  1.0 if hidden_nonzero else 0.0, high)


def intruder_audit(published_set, *, threshold, protection=None, small_group=10, sensitive_zero=False,
                   hidden_nonzero=None, marker_upper=None, integer=True):
    """Attack a publication: what can a reader derive about each hidden or sensitive count?

    For every hidden count, and every sensitive count, the reader's feasible interval
    ``[lower, upper]`` is computed by linear programming over everything shown (all
    tables, numbers in the text, shares with their n) and every declared relation —
    the audit of τ-ARGUS and sdcTable's ``attack()``.

    Parameters
    ----------
    published_set : PublishedSet
        The cells with their true values and what is shown.
    threshold : int
        Counts ``0 < n < threshold`` are sensitive (e.g. ``privacy.min_cell``; for
        interview tables ``privacy.min_cell_interviews``).
    protection : float or (float, float), optional
        Required protection of a sensitive hidden count. A number is the minimum
        width ``upper - lower`` of the reader's interval (sliding protection level);
        default `threshold`. A pair ``(lower_level, upper_level)`` asks instead for
        ``lower <= max(floor, value - lower_level)`` and ``upper >= value +
        upper_level`` (lower and upper protection levels; ``floor`` is the smallest
        value a hidden count can take, 0 or 1).
    small_group : int, default 10
        A count equal to the size of its group (declared with ``size_row``,
        ``size_col`` or :meth:`PublishedSet.add_group`) in a group of fewer than
        `small_group` members is sensitive: showing it, or letting a reader derive
        it, tells what every member of the group said.
    sensitive_zero : bool, default False
        Treat zeros as sensitive too (e.g. for special categories of data).
    hidden_nonzero : bool, optional
        Whether a reader may assume a hidden count is not zero. Default: True when no
        hidden count is zero — a publication that always shows its zeros tells the
        reader that every hidden cell is at least 1.
    marker_upper : int, optional
        Set when hidden cells are shown as "<n" (pass n): the reader then knows each
        hidden count is below n. Refused when a hidden count is >= n, because the
        marker would then be false.
    integer : bool, default True
        Counts are whole numbers: the LP bounds are rounded inwards (ceil / floor),
        which keeps them valid bounds for whole-number counts.

    Returns
    -------
    pandas.DataFrame
        One row per hidden count, per shown sensitive count and per shown derived
        number that rests on a small count: ``table, row, column, kind, value`` (the
        true value), ``published``, ``sensitive`` ("", "small", "whole group" or
        both), ``lower``, ``upper`` (the reader's interval; ``inf`` when unbounded),
        ``disclosed`` (bool) and ``reason`` (the failed rules, "; "-separated).
        ``attrs`` holds the settings used.

    Notes
    -----
    A sensitive count is **disclosed** when any of these holds (Hundepool et al.
    2012, §4.2–4.3 on sensitivity rules, protection levels and the feasibility
    interval; §5.2 on frequency tables and group disclosure):

    - ``published`` — it is shown as a number (primary suppression missing);
    - ``exact`` — ``lower == upper``: the reader recovers it;
    - ``narrow`` — ``upper - lower < protection`` (sliding protection level); or,
      with levels, ``lower protection`` / ``upper protection`` — the interval does
      not reach ``value - lower_level`` / ``value + upper_level``, the protection
      levels of Fischetti & Salazar-González (2000), capped at the smallest possible
      count as non-negativity requires;
    - ``small nonzero`` — ``lower >= 1`` and ``upper <= threshold - 1``: the reader
      learns that the count is small and not zero, which is exactly what primary
      suppression hides (with ``sensitive_zero``: ``below threshold`` when
      ``upper <= threshold - 1``);
    - ``whole group`` — the count equals the size of a group smaller than
      `small_group` and the reader can derive that (the maximum of
      ``size - count`` over the feasible set is 0): group (attribute) disclosure.

    A shown derived number (share, mean) resting on a small count is disclosed
    ("rests on small count"): a mean over two people reveals their answers.
    Hidden counts that are not sensitive are listed with their interval but are
    never disclosed: recovering a count of 25 discloses nothing. The linear relaxation
    may give a wider interval than whole-number reasoning would; the audit is then
    slightly optimistic, as τ-ARGUS's and sdcTable's LP audits are.

    References
    ----------
    Hundepool, A., Domingo-Ferrer, J., Franconi, L., Giessing, S., Schulte Nordholt,
    E., Spicer, K. & de Wolf, P.-P. (2012). *Statistical Disclosure Control*. Wiley,
    ch. 4 (tabular data: sensitivity rules, protection levels, cell suppression and
    its audit) and ch. 5 (frequency tables).

    Fischetti, M. & Salazar-González, J. J. (2000). Models and algorithms for
    optimizing cell suppression in tabular data with linear constraints. *Journal of
    the American Statistical Association*, 95(451), 916–928.

    Meindl, B. sdcTable: Methods for statistical disclosure control in tabular data
    (R package), function ``attack()``.

    Examples
    --------
    >>> t = pd.DataFrame({"panel": [29, 12, 8, 49]},
    ...                  index=["owner", "social rent", "private rent", "total"])
    >>> shown = pd.DataFrame({"panel": [True, True, False, True]}, index=t.index)
    >>> ps = PublishedSet().add_table("for_whom", t, total_row="total", published=shown)
    >>> audit = intruder_audit(ps, threshold=10)
    >>> audit[["row", "value", "lower", "upper", "disclosed", "reason"]].to_dict("records")
    [{'row': 'private rent', 'value': 8.0, 'lower': 8.0, 'upper': 8.0, 'disclosed': True, 'reason': 'exact; small nonzero'}]
    """
    pub = np.array([c.published for c in published_set._cells], dtype=bool)
    rules = _rules(published_set, threshold, protection, small_group, sensitive_zero, hidden_nonzero,
                   marker_upper, integer, pub)
    reader = _Reader(published_set, pub, hidden_low=rules.hidden_low, hidden_high=rules.hidden_high)
    sensitive = _sensitivity(published_set, rules)
    records = []
    for i, c in enumerate(published_set._cells):
        why = sensitive.get(i, [])
        if c.is_count and (why or not pub[i]):
            if why:
                fails, low, high, _ = _assess(reader, i, why, pub, rules)
            else:
                low, high = _tighten(*reader.range({i: 1.0}), rules.integer)
                fails = []
            records.append((c.table, c.row, c.column, c.kind, c.value, bool(pub[i]), "; ".join(why),
                            float(low), float(high), bool(fails), "; ".join(fails)))
        elif not c.is_count and pub[i]:
            small = [j for j in c.rests_on if "small" in sensitive.get(j, [])]
            if small:
                records.append((c.table, c.row, c.column, c.kind, c.value, True, "", c.value, c.value, True,
                                "rests on small count"))
    audit = pd.DataFrame(records, columns=["table", "row", "column", "kind", "value", "published", "sensitive",
                                           "lower", "upper", "disclosed", "reason"])
    for col in ("table", "row", "column", "kind", "sensitive", "reason"):
        audit[col] = audit[col].astype(object)
    audit = audit.astype({"value": float, "lower": float, "upper": float, "published": bool, "disclosed": bool})
    audit.attrs = {"threshold": rules.threshold,
                   "protection": rules.protection, "small_group": rules.small_group,
                   "hidden_nonzero": rules.hidden_low > 0}
    return audit


# ---------------------------------------------------------------------------
# protect
# ---------------------------------------------------------------------------


@dataclass
class Protection:
    """Result of :func:`protect`.

    Attributes
    ----------
    published_set : PublishedSet
        The set with the final publication (hidden cells have ``published=False``).
    cells : pandas.DataFrame
        :attr:`PublishedSet.cells` of the result plus ``status`` ("published",
        "primary", "complementary", "derived" or "unpublished" — hidden in the input
        and not sensitive) and ``reason`` (why a cell is hidden).
    audit : pandas.DataFrame
        :func:`intruder_audit` of the result.
    """

    published_set: PublishedSet
    cells: pd.DataFrame
    audit: pd.DataFrame = field(repr=False)

    @property
    def passed(self) -> bool:
        """True when the final audit discloses nothing."""
        return not bool(self.audit["disclosed"].any())


def _apply_derived(ps, pub, wanted):
    """Show a derived number only when it was meant to be shown and all its counts are shown."""
    for i, c in enumerate(ps._cells):
        if not c.is_count:
            pub[i] = wanted[i] and all(pub[j] for j in c.rests_on)
    return pub


def _cost(cell):
    """Inner counts first, then totals and numbers quoted in the text, group sizes last; smaller first."""
    rank = {"size": 2, "total": 1, "number": 1}.get(cell.kind, 0)
    return (rank, cell.value, 0 if cell.kind == "share" else 1)


def protect(published_set, *, threshold, protection=None, small_group=10, sensitive_zero=False,
            max_steps=500):
    """Suppress sensitive counts, then complementary cells across tables until the audit passes.

    Parameters
    ----------
    published_set : PublishedSet
        True values and the intended publication (cells with ``published=False``
        stay hidden).
    threshold : int
        Counts ``0 < n < threshold`` are suppressed (primary suppression).
    protection : float or (float, float), optional
        Required protection, as in :func:`intruder_audit` (default `threshold`).
    small_group : int, default 10
        Counts equal to the size of a group smaller than this are suppressed too.
    sensitive_zero : bool, default False
        Suppress zeros as well (zeros are otherwise shown and never used as
        complementary cells).
    max_steps : int, default 500
        Safety limit on complementary suppressions.

    Returns
    -------
    Protection
        ``published_set`` (the protected publication), ``cells`` (every cell with its
        ``status``: "published", "primary", "complementary", "derived",
        "unpublished", and ``reason``), ``audit`` (the final :func:`intruder_audit`)
        and ``passed``.

    Warns
    -----
    UserWarning
        When no further suppression can protect a disclosed cell (e.g. a count
        bounded by a constant); ``passed`` is then False.

    Notes
    -----
    1. **Primary**: every sensitive count (see :func:`intruder_audit`) is hidden.
    2. **Derived**: every share, mean or other derived number resting on a hidden
       count is hidden.
    3. **Complementary**, greedy and audited: while the audit discloses a cell, the
       candidates are the shown counts and shares that share a relation with the
       disclosed cell's group of hidden counts (the part of the reader's problem it
       lies in). The cheapest candidate that protects it alone is hidden; failing
       that, the one that widens its interval most; failing that, the cheapest.
       Cost: inner counts before totals and group sizes, then the smaller value
       (the usual "smallest cell" heuristic; τ-ARGUS's default cost is the cell
       value). Zeros are never complementary. Hiding a cell never narrows any
       interval, so the loop ends.
    4. **Clean-up**: each complementary cell, dearest first, is shown again when the
       audit still passes without it.

    This is a heuristic, not an optimal (minimum-loss) pattern as τ-ARGUS's OPT or
    sdcTable's ``"OPT"`` method find; it guarantees the audit's rules, not minimal
    information loss.

    Examples
    --------
    >>> t = pd.DataFrame({"panel": [29, 12, 8, 49]},
    ...                  index=["owner", "social rent", "private rent", "total"])
    >>> ps = PublishedSet().add_table("for_whom", t, total_row="total")
    >>> result = protect(ps, threshold=10)
    >>> result.cells.set_index("row")["status"].to_dict()
    {'owner': 'published', 'social rent': 'complementary', 'private rent': 'primary', 'total': 'published'}
    >>> result.passed
    True
    """
    ps = published_set
    wanted = np.array([c.published for c in ps._cells], dtype=bool)
    rules = _rules(ps, threshold, protection, small_group, sensitive_zero, None, None, True, wanted)
    cells = ps._cells
    sensitive = _sensitivity(ps, rules)
    status = ["published" if w else "unpublished" for w in wanted]
    reason = [""] * len(cells)
    pub = wanted.copy()
    for i, why in sensitive.items():
        pub[i] = False
        status[i], reason[i] = "primary", "; ".join(why)
    shown_ok = wanted.copy()  # derived numbers that may be shown when their counts are
    pub = _apply_derived(ps, pub, shown_ok)
    # hidden counts are nonzero for the reader unless a zero is hidden (fixed for the run:
    # protect itself never hides a zero unless zeros are sensitive)
    hidden_low = 0.0 if any(c.is_count and not p and c.value == 0 for c, p in zip(cells, pub)) else 1.0
    rules.hidden_low = hidden_low

    cache: dict = {}

    def reader_for(pub_):
        return _Reader(ps, pub_, hidden_low=rules.hidden_low, cache=cache)

    def first_failing(pub_):
        """The first sensitive count the audit discloses, or None."""
        reader = reader_for(pub_)
        for i, why in sensitive.items():
            fails, _, _, score = _assess(reader, i, why, pub_, rules)
            if fails:
                return i, score, reader
        return None

    def candidates(reader, i, pub_):
        comp = set(reader.component(i)) | {i}
        found = set()
        for terms, _, _, origin in reader.rows:
            if not any(j in comp for j in terms):
                continue
            if origin is not None and pub_[origin]:
                found.add(origin)  # a shown share constraining the hidden counts
            found.update(j for j in terms if pub_[j])
        return sorted((j for j in found if cells[j].value != 0 and j not in sensitive),
                      key=lambda j: (_cost(cells[j]), j))

    steps = 0
    while True:
        bad = first_failing(pub)
        if bad is None:
            break
        target, score, reader = bad
        options = candidates(reader, target, pub)
        best, best_score = None, score
        for j in options:
            trial, allowed = pub.copy(), shown_ok.copy()
            trial[j] = allowed[j] = False
            trial = _apply_derived(ps, trial, allowed)
            fails, _, _, s = _assess(reader_for(trial), target,
                                     sensitive[target], trial, rules)
            if not fails:
                best = j
                break
            if s < best_score:
                best, best_score = j, s
        if best is None and options:
            best = options[0]
        if best is None or steps >= max_steps:
            key = cells[target].key
            warnings.warn(f"could not protect {key!r}: no shown cell left whose suppression helps "
                          f"(or max_steps={max_steps} reached); the audit does not pass.",
                          UserWarning, stacklevel=2)
            break
        pub[best] = shown_ok[best] = False
        status[best], reason[best] = "complementary", f"protects {cells[target].key!r}"
        pub = _apply_derived(ps, pub, shown_ok)
        steps += 1
    # clean-up: show complementary cells again when the audit still passes
    if first_failing(pub) is None:
        for j in sorted((j for j, s in enumerate(status) if s == "complementary"),
                        key=lambda j: (_cost(cells[j]), j), reverse=True):
            trial, allowed = pub.copy(), shown_ok.copy()
            trial[j] = allowed[j] = True
            trial = _apply_derived(ps, trial, allowed)
            if first_failing(trial) is None:
                pub, shown_ok = trial, allowed
                status[j], reason[j] = "published", ""
    pub = _apply_derived(ps, pub, shown_ok)
    keys = [c.key for c in cells]
    for i, c in enumerate(cells):
        if not c.is_count and wanted[i] and not pub[i] and status[i] == "published":
            hidden = [keys[j] for j in c.rests_on if not pub[j]]
            status[i], reason[i] = "derived", f"rests on hidden {hidden[0]!r}"
    result = ps._with_publication(pub)
    frame = result.cells
    frame["status"] = pd.Series(status, dtype=object)
    frame["reason"] = pd.Series(reason, dtype=object)
    audit = intruder_audit(result, threshold=threshold, protection=protection, small_group=small_group,
                           sensitive_zero=sensitive_zero, hidden_nonzero=hidden_low > 0)
    return Protection(result, frame, audit)
