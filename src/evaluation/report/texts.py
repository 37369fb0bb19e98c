"""Section headings and fixed prose, from the language folders (see :mod:`evaluation.report.i18n`).

Kept as the notebooks' short import: ``heading(key, lang)`` and ``text(key, lang, **values)``.
"""
from __future__ import annotations

from .i18n import heading, say

__all__ = ["heading", "text"]


def text(key: str, lang: str, **values) -> str:
    """Fixed prose in the report language, with values filled in (see :func:`evaluation.report.i18n.say`).

    Examples
    --------
    >>> text("timeline", "nl")
    'Tijdlijn van de pilot'
    """
    return say(key, lang, **values)
