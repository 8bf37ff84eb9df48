"""A cheap test that a pattern cannot match a sentence, so that most sentences skip most patterns.

Scanning every sentence with every finding pattern was half of the time of reading a text letter, and
most pairs find nothing. From a pattern's syntax tree this module takes literal words that every match
must contain ("at least one of relief, improvement, better"); a sentence without any of them cannot
match and is not scanned. The words are looked for in the lower-cased sentence (a plain substring test,
much faster than any regular expression). That is exact only for ASCII: with IGNORECASE a Kelvin sign
matches "k" and a dotless i matches "i", so a sentence with any other character, and a pattern whose
words are not ASCII, are always scanned; for a case-sensitive pattern lower case only widens the test,
which stays a necessary condition. A pattern without such words is always scanned.
"""
from __future__ import annotations

import re
import sys
from typing import Iterator, Optional

try:  # the syntax tree of a pattern: re's own parser (3.11+)
    from re import _constants as _c
    from re import _parser as _p
except ImportError:  # pragma: no cover - another Python: no prefilter, every pattern is scanned
    _p = None

_END = sys.maxsize  # re's own default for endpos
MIN_WORD = 3  # shorter words are found in almost every sentence: not worth a test


def required_words(pattern: str, flags: int = 0) -> Optional[frozenset[str]]:
    """Lower-case ASCII words at least one of which is in every match of `pattern` (compared without case),
    or None when none can be told."""
    if _p is None:
        return None
    try:
        tree = _p.parse(pattern, flags)
    except Exception:  # noqa: BLE001 - the pattern compiled already; anything unusual: no prefilter
        return None
    words = _sequence(list(tree))  # (every requirement it gives is ASCII words of MIN_WORD letters or more)
    return frozenset(w.lower() for w in words) if words else None


def _sequence(items: list) -> Optional[frozenset[str]]:
    """The best requirement of a sequence of nodes: each literal run and each element's own requirement
    are candidates; the one whose shortest word is longest wins."""
    candidates: list[frozenset[str]] = []
    run: list[str] = []

    def end_run() -> None:
        if run:
            candidates.append(frozenset(["".join(run)]))
            run.clear()

    for op, arg in items:
        if op is _c.LITERAL:
            run.append(chr(arg))
        elif op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):
            continue  # zero width: the characters on both sides are next to each other in the match
        else:
            end_run()
            words = _node(op, arg)
            if words:
                candidates.append(words)
    end_run()
    # only requirements a substring test can use: ASCII words of MIN_WORD letters or more ("->" or "→"
    # in one element must not hide the words of another)
    candidates = [words for words in candidates if min(map(len, words)) >= MIN_WORD and all(w.isascii() for w in words)]
    if not candidates:
        return None
    return max(candidates, key=lambda words: (min(map(len, words)), -len(words)))


def _node(op, arg) -> Optional[frozenset[str]]:
    if op is _c.SUBPATTERN:
        return _sequence(list(arg[-1]))
    if op is getattr(_c, "ATOMIC_GROUP", None):
        return _sequence(list(arg))
    if op is _c.BRANCH:
        found: set[str] = set()
        for alternative in arg[1]:
            words = _sequence(list(alternative))
            if words is None:
                return None  # one alternative needs nothing: the branch needs nothing
            found |= words
        return frozenset(found)
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
        low, _high, body = arg
        return _sequence(list(body)) if low >= 1 else None
    return None  # a class, any character, a back reference, a conditional: no literal known


class Prefiltered:
    """A compiled pattern whose `finditer` and `search` first look for its required words in the range."""

    __slots__ = ("regex", "words", "pattern", "flags")

    def __init__(self, regex: re.Pattern[str]):
        self.regex = regex
        self.pattern, self.flags = regex.pattern, regex.flags
        self.words = required_words(regex.pattern, regex.flags)

    def may_match(self, text: str, pos: int = 0, endpos: int = _END) -> bool:
        if self.words is None:
            return True
        global _LAST
        last = _LAST  # one tuple, read once: another thread replacing it cannot mix two sentences
        if last[0] is text and last[1] == pos and last[2] == endpos:
            window = last[3]
        else:
            window = text[pos:endpos]
            window = window.lower() if window.isascii() else None
            _LAST = (text, pos, endpos, window)
        if window is None:
            return True
        for word in self.words:
            if word in window:
                return True
        return False

    def finditer(self, text: str, pos: int = 0, endpos: int = _END) -> Iterator[re.Match[str]]:
        return self.regex.finditer(text, pos, endpos) if self.may_match(text, pos, endpos) else iter(())

    def search(self, text: str, pos: int = 0, endpos: int = _END) -> Optional[re.Match[str]]:
        return self.regex.search(text, pos, endpos) if self.may_match(text, pos, endpos) else None



class Gate:
    """Which of a list of prefiltered patterns may match a text, told with one substring test per distinct
    required word of the whole list instead of one test per pattern: a sentence is asked about by a
    hundred patterns or more, most of them sharing words, and nearly all of them refused.

    `candidates` gives, in the list's order, exactly the patterns whose own `may_match` would be true for
    the same text (the same words and the same ASCII rule)."""

    __slots__ = ("items", "_always", "_index", "_words")

    def __init__(self, items: tuple, pattern=lambda item: item):
        self.items = tuple(items)
        always: list[int] = []
        index: dict[str, list[int]] = {}
        for i, item in enumerate(self.items):
            words = pattern(item).words
            if words is None:
                always.append(i)
            else:
                for word in sorted(words):
                    index.setdefault(word, []).append(i)
        self._always = frozenset(always)
        self._index = {word: tuple(found) for word, found in index.items()}
        self._words = tuple(self._index)

    def candidates(self, text: str) -> tuple:
        if not self._index or not text.isascii():
            return self.items
        low = text.lower()
        hit = set(self._always)
        for word in filter(low.__contains__, self._words):
            hit.update(self._index[word])
        if len(hit) == len(self.items):
            return self.items
        return tuple(self.items[i] for i in sorted(hit))


# the last range asked about, lower-cased (None: not all ASCII); every pattern asks about the same
# sentence in turn. The text itself is held, so no other text can share its identity meanwhile.
_LAST: tuple = (None, 0, 0, None)
