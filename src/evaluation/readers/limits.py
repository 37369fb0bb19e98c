"""Bounds on raw input files, checked before (or while) a file is parsed.

A survey export or an interview project is at most a few megabytes; a file far
beyond these bounds is a mistake or a "bomb" (a small archive that unpacks to
gigabytes, XML nested thousands of levels deep, millions of empty rows). Every
reader checks the bounds before it builds anything large, so a hostile file
fails in well under a second with a message naming the limit and how to raise
it (the study file's ``limits:`` section).
"""
from __future__ import annotations

from dataclasses import dataclass, fields

__all__ = ["InputLimits", "LIMIT_KEYS"]

MB = 1 << 20


@dataclass(frozen=True)
class InputLimits:
    """Limits for reading raw files; the defaults suit any area-based pilot.

    Attributes
    ----------
    max_file_mb : float, default 200
        Largest raw file on disk (CSV, XLSX, SAV, QDPX, QDE), in MB.
    max_unpacked_mb : float, default 500
        Largest total uncompressed size of a zip-based file (XLSX, QDPX), in MB.
    max_ratio : float, default 100
        Largest compression ratio (uncompressed / compressed) of one member of a
        zip-based file larger than 1 MB.
    max_xml_mb : float, default 64
        Largest single XML document parsed into memory (a REFI-QDA ``.qde``
        project or ``.qdc`` codebook), in MB.
    max_xml_elements : int, default 2,000,000
        Largest number of XML elements in one project, codebook or worksheet.
    max_xml_depth : int, default 100
        Deepest nesting of XML elements (REFI-QDA codes nest; 100 levels is far
        beyond any real code tree).
    max_rows : int, default 200,000
        Largest number of rows in one survey sheet or CSV file.
    max_cells : int, default 5,000,000
        Largest number of cells in one survey sheet or CSV file.
    max_cell_chars : int, default 32,767
        Longest text in one CSV cell (Excel's own limit for a cell).
    """

    max_file_mb: float = 200
    max_unpacked_mb: float = 500
    max_ratio: float = 100
    max_xml_mb: float = 64
    max_xml_elements: int = 2_000_000
    max_xml_depth: int = 100
    max_rows: int = 200_000
    max_cells: int = 5_000_000
    max_cell_chars: int = 32_767

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * MB)

    @property
    def max_unpacked_bytes(self) -> int:
        return int(self.max_unpacked_mb * MB)

    @property
    def max_xml_bytes(self) -> int:
        return int(self.max_xml_mb * MB)

    @staticmethod
    def hint(key: str) -> str:
        """How to raise the limit named ``key`` (for error messages)."""
        return (f"if the file is genuine, raise `limits.{key}` in the study file "
                f"(default {getattr(InputLimits, key):g})")


#: Keys of a study file's ``limits:`` section.
LIMIT_KEYS = tuple(f.name for f in fields(InputLimits))
