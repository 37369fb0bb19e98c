"""Response and panel overlap per wave and group, against the known population."""
from __future__ import annotations

import pandas as pd

__all__ = ["response_table", "PANEL"]

#: Label of the pseudo-wave "answered every wave" in :func:`response_table`.
PANEL = "both"


def response_table(responses: pd.DataFrame, *, population=None, group: str | None = None, wave: str = "wave",
                   respondent: str = "respondent", household: str | None = "household",
                   total: float | None = None) -> pd.DataFrame:
    """Respondents and responding households per wave and group, with response rates.

    Parameters
    ----------
    responses : DataFrame
        Tidy responses (one row per respondent per wave).
    population : mapping, optional
        Group level -> number of population units (e.g. homes per tenure type).
        Without it, response rates and population shares are NaN.
    group : str, optional
        Background column to break down by; without it only the ``"total"`` rows.
    total : number, optional
        Population units in all (e.g. homes) when `population` gives no breakdown.
    wave, respondent, household : str
        Column names; ``household=None`` counts respondents as households.

    Returns
    -------
    DataFrame
        One row per wave (and ``"both"`` = respondents in every wave) and group
        level plus a ``"total"`` row per wave, columns: ``wave``, ``group``,
        ``population``, ``respondents``, ``households``, ``response_rate``
        (households / population), ``share_respondents`` (share of the wave's
        respondents), ``share_population``.

    Notes
    -----
    The panel row counts respondents who answered every wave; their group is
    taken from their first wave.

    Examples
    --------
    >>> r = pd.DataFrame({"respondent": ["a", "b", "a", "c"], "household": ["h1", "h2", "h1", "h3"],
    ...                   "wave": ["before", "before", "after", "after"], "tenure": ["own", "rent", "own", "rent"]})
    >>> tab = response_table(r, population={"own": 4, "rent": 6}, group="tenure")
    >>> tab.query("wave == 'before' and group == 'total'")["response_rate"].item()
    0.2
    >>> tab.query("wave == 'both' and group == 'total'")["respondents"].item()
    1
    """
    for column in (wave, respondent, *([group] if group else [])):
        if column not in responses.columns:
            raise ValueError(f"column {column!r} not found in `responses`; available: {', '.join(map(str, responses.columns))}")
    if household is not None and household not in responses.columns:
        household = None
    frame = responses.copy()
    frame["_hh"] = frame[household].fillna(frame[respondent]) if household else frame[respondent]
    waves = list(frame[wave].cat.categories) if isinstance(frame[wave].dtype, pd.CategoricalDtype) else list(dict.fromkeys(frame[wave]))
    if group is None:
        levels, population = [], None
    elif isinstance(frame[group].dtype, pd.CategoricalDtype):
        levels = list(frame[group].cat.categories)
    else:
        levels = sorted(frame[group].dropna().unique())
    if population:
        levels = list(dict.fromkeys(list(population) + levels))

    counts_per_wave = frame.groupby(respondent, observed=True)[wave].nunique()
    panel_ids = counts_per_wave.index[counts_per_wave == len(waves)]
    first = frame.sort_values(wave).drop_duplicates(respondent)
    blocks = [(w, frame[frame[wave] == w]) for w in waves] + [(PANEL, first[first[respondent].isin(panel_ids)])]

    total_population = sum(population.values()) if population else (float(total) if total else float("nan"))
    rows = []
    for label, block in blocks:
        n_wave = block[respondent].nunique()
        for level in [*levels, "total"]:
            part = block if level == "total" else block[block[group] == level]
            pop = total_population if level == "total" else (population or {}).get(level, float("nan"))
            n_resp = part[respondent].nunique()
            n_hh = part["_hh"].nunique()
            rows.append({
                "wave": label,
                "group": level,
                "population": pop,
                "respondents": n_resp,
                "households": n_hh,
                "response_rate": n_hh / pop if pop and pop == pop else float("nan"),
                "share_respondents": n_resp / n_wave if n_wave else float("nan"),
                "share_population": pop / total_population if population or (level == "total" and total) else float("nan"),
            })
    out = pd.DataFrame(rows)
    out["wave"] = pd.Categorical(out["wave"], categories=[*waves, PANEL], ordered=True)
    return out
