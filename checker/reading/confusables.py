"""Look-alike and invisible characters, normalised before a letter is read.

A zero-width space inside "Upheld", or a Cyrillic "е" in place of a Latin "e", makes a heading or a
decision word invisible to the patterns while a reader sees nothing wrong. Before reading:
  - invisible characters (zero-width spaces and joiners, word joiner, soft hyphen, a byte-order mark
    inside the text, bidirectional controls) are removed;
  - full-width forms of ASCII (ｌｅｔｔｅｒ, ：) and Unicode hyphens become their ASCII characters;
  - Cyrillic and Greek letters that look like Latin ones become the Latin letter, but only inside a
    word that also has Latin letters (a word written wholly in another script is left as it is).
Every replacement is one character for one; only the removed characters shift later offsets, and
offsets always refer to the normalised text that is shown with the evidence.
"""
from __future__ import annotations

import re

_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\u202a-\u202e\u2066-\u2069\u180e]")
_HYPHENS = {"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2212": "-"}
# Cyrillic and Greek letters drawn like Latin ones (lower and upper case)
_LOOKALIKE = dict(zip(
    "аеорсхуіјѕԁɡһԛԝАВЕКМНОРСТХУІЈЅԌԚԜαεικνορτυχΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
    "aeopcxyijsdghqwABEKMHOPCTXYIJSGQWaeiknoptuxABEZHIKMNOPTYX",
))
_WORD = re.compile(r"[^\W\d_]+")
_ANY_LOOKALIKE = re.compile("[" + "".join(_LOOKALIKE) + "]")


_WIDE = re.compile("[\uff01-\uff5e" + "".join(_HYPHENS) + "]")


def _narrow(m: re.Match[str]) -> str:
    ch = m.group(0)
    return _HYPHENS.get(ch) or chr(ord(ch) - 0xFEE0)


def _fix_word(m: re.Match[str]) -> str:
    word = m.group(0)
    if not any(ch in _LOOKALIKE for ch in word) or not any("a" <= ch.lower() <= "z" for ch in word):
        return word
    return "".join(_LOOKALIKE.get(ch, ch) for ch in word)


def normalise(text: str) -> str:
    text = _INVISIBLE.sub("", text)
    text = _WIDE.sub(_narrow, text)
    return _WORD.sub(_fix_word, text) if _ANY_LOOKALIKE.search(text) else text
