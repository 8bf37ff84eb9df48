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
