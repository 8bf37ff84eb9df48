"""Finding a quote in a source text despite ragged line breaks and doubled spaces."""
from __future__ import annotations

import re
from typing import Optional


def locate(quote: str, text: str, start: int = 0) -> Optional[tuple[int, int]]:
    """Character offsets of `quote` in `text`, matching any run of white space to any other
    (PDF extraction breaks lines and doubles spaces); case-insensitive. None when absent."""
    words = quote.split()
    if not words:
        return None
    pattern = r"\s+".join(re.escape(w) for w in words)
    match = re.compile(pattern, re.IGNORECASE).search(text, start)
    return (match.start(), match.end()) if match else None


def line_of(text: str, offset: int) -> int:
    """1-based line number of a character offset."""
    return text.count("\n", 0, offset) + 1


_LIST_ITEM = re.compile(r"[ \t]*(?:\d{1,2}[.)]|[-*\u2022])[ \t]")


def continued_line_end(text: str, end: int, limit: int) -> int:
    """The end of a line together with its continuation lines (the indented lines after it that go on
    the same sentence), up to `limit`: a heading taken from a wrapped line is not cut mid-phrase."""
    while (end < limit and text[end] == "\n" and text[end + 1:end + 2] in (" ", "\t") and text[end + 1:limit].strip()
           and not _LIST_ITEM.match(text, end + 1)):
        nxt = text.find("\n", end + 1, limit)
        end = limit if nxt == -1 else nxt
    return len(text[:end].rstrip())
