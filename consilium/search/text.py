"""The one folding of text that both search backends index and query, so SQLite and PostgreSQL
see the same words: lower case, diacritics removed, split on anything that is not a letter or
a digit. Folding here, not in the database, is what makes `benh vien` find `bệnh viện` on both."""

from __future__ import annotations

import functools
import re
import unicodedata

# Letters with a stroke or a ligature have no Unicode decomposition; these are the ones the
# network's languages write (Vietnamese đ, Uzbek and Turkish dotless ı, Polish ł for names).
_NO_DECOMPOSITION = str.maketrans({"đ": "d", "Đ": "d", "ı": "i", "ł": "l", "Ł": "l", "ø": "o"})
_WORD = re.compile(r"\w+", re.UNICODE)


@functools.cache  # a text has few distinct characters; folding each anew was most of an index build
def fold_char(ch: str) -> str:
    """One character folded to exactly one character, so positions in the folded text are the
    positions in the original (the snippet relies on it)."""
    base = unicodedata.normalize("NFKD", ch.translate(_NO_DECOMPOSITION))
    kept = [c for c in base if not unicodedata.combining(c)]
    return (kept[0] if kept else ch).lower()[:1] or ch


def fold(text: str) -> str:
    """Folded text of the same length as `text`."""
    if text.isascii():
        return text.lower()  # the same as folding each character, and far faster
    return "".join(map(fold_char, text))


def words(text: str) -> list[str]:
    """The folded words of `text`, as both backends index them. `_` separates words too."""
    return [w for part in _WORD.findall(fold(text)) for w in part.split("_") if w]


def index_text(*parts: str) -> str:
    return " ".join(w for part in parts if part for w in words(part))
