"""Files from the systems sites kept their children in before Consilium, read as the import's
own sheets (`consilium.registry.sheets`): a CanReg5 export (`canreg5`) and a REDCap export of
the project documented in docs/registry-import.md, raw or with labels (`redcap`).

A source is known by its CSV header row. It turns each row of its file into the canonical
rows of one or more sheets, numbered by the row of the file, so the importer's checks, preview
and messages are those of the registry's own files; a problem only the source can see (a code
CanReg5 does not have, an unknown date) is a `RowError` naming the file's own column, and the
importer's own messages are given the file's column too (`Source.column`). Each sheet reads
the file afresh, one row at a time.
"""

from __future__ import annotations

import csv
from pathlib import Path

from consilium.registry.sheets import SEPARATORS
from consilium.registry.sources.base import Source
from consilium.registry.sources.canreg5 import CanReg5
from consilium.registry.sources.redcap import RedCap

__all__ = ["Source", "detect", "detect_file"]


def _sources() -> tuple[type[Source], ...]:
    return (CanReg5, RedCap)


def detect(header: list[str], separator: str = ",") -> Source | None:
    """The source whose header this is, or None (the registry's own patients sheet)."""
    for source in _sources():
        if source.matches(header):
            return source(header, separator)
    return None


def detect_file(path: Path) -> Source | None:
    """The source of a CSV file, by its header row under each separator in turn."""
    with path.open("rb") as handle:
        first = handle.readline(1 << 16)  # a header, not a whole file without line breaks
    try:
        line = first.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None  # the patients reader explains the encoding
    for separator in SEPARATORS:
        header = next(csv.reader([line], delimiter=separator), [])
        if len(header) > 1 and (found := detect(header, separator)):
            return found
    return None
