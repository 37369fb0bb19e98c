"""Byte-identical outputs: fixed timestamps in Office files (XLSX, DOCX).

Office files are ZIP archives whose entries carry a modification time and whose
``docProps/core.xml`` records when the document was created and modified. Two builds
from the same inputs would differ in those bytes only. Both are set to one moment:
``SOURCE_DATE_EPOCH`` (the reproducible-builds convention, seconds since 1970) when the
environment sets it, else 2000-01-01T00:00:00Z — a placeholder, not the build date; the
build date is in ``manifest.json``.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import zipfile
from contextlib import contextmanager
from pathlib import Path

__all__ = ["build_epoch", "normalise_office_file", "source_date_epoch"]

DEFAULT_EPOCH = 946_684_800  # 2000-01-01T00:00:00Z


def build_epoch() -> int:
    """Seconds since 1970 to stamp into Office files: ``SOURCE_DATE_EPOCH`` or :data:`DEFAULT_EPOCH`.

    Examples
    --------
    >>> isinstance(build_epoch(), int)
    True
    """
    value = os.environ.get("SOURCE_DATE_EPOCH", "")
    return int(value) if value.isdigit() else DEFAULT_EPOCH


@contextmanager
def source_date_epoch():
    """Set ``SOURCE_DATE_EPOCH`` for tools that honour it (pandoc), restoring the environment after."""
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(build_epoch())
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old


_CORE_DATES = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:(?:created|modified)>)")


def normalise_office_file(path) -> Path:
    """Rewrite an XLSX/DOCX so that its entry times and core-property dates are :func:`build_epoch`.

    Parameters
    ----------
    path : path-like
        The Office file, rewritten in place (written to a temporary file, then renamed).

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    path = Path(path)
    moment = dt.datetime.fromtimestamp(build_epoch(), tz=dt.timezone.utc)
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    date_time = max(moment.timetuple()[:6], (1980, 1, 1, 0, 0, 0))
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _CORE_DATES.sub(lambda m: m.group(1) + stamp + m.group(2), data)
            entry = zipfile.ZipInfo(info.filename, date_time=date_time)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            dst.writestr(entry, data)
    tmp.replace(path)
    return path
