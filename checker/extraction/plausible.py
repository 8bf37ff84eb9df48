"""Impossible values read from letters and notes, treated as case files treat them.

A letter can say "140% relief", "1e308%", "99999999999999999999 weeks", a date in year 0001 or on
30 February. A case file refuses each of these (rules/facts.yaml gives every fact's bounds, and
`facts.coerce` checks them); a value read from a letter passes the same check here, in the one place
where extracted mentions become facts. An impossible mention is set aside with a warning that names
the fact and the position of the mention (the words of the letter are never repeated in it); a fact
whose every mention is impossible is left not documented, so the reviewer is asked for it. Other
mentions of the same fact still count: a pattern that takes a year for a count ("2014 requested three
injections") must not erase the count the letter does give.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any, Optional

from checker.rules.facts import coerce
from checker.rules.vocabulary import NUMERIC, Vocabulary


class Impossible:
    """The value of a mention written as a date that does not exist on the calendar."""

    def __repr__(self) -> str:
        return "Impossible()"


IMPOSSIBLE_DATE = Impossible()

# a numeral in exponent notation (1e308), or with more digits than any clinical figure has
_NUMERAL = re.compile(r"[\d.]*\d(?:[eE][+-]?\d+)?")
_FLOAT_DIGITS = 15


def _numeral_problem(text: str, start: int, end: int) -> Optional[str]:
    """The problem with a numeral that touches the quote text[start:end], if any."""
    lo = start
    while lo > 0 and (text[lo - 1].isdigit() or text[lo - 1] in ".eE+-") and start - lo < 40:
        lo -= 1
    for m in _NUMERAL.finditer(text, lo, end):
        if m.end() <= start:
            continue
        token = m.group(0)
        if re.search(r"\d[eE][+-]?\d", token):
            return "a number written in exponent notation"
        if sum(ch.isdigit() for ch in token) > _FLOAT_DIGITS:
            return "a number with more digits than any real figure"
    return None


def problem(text: str, fact: str, value: Any, start: int, end: int, vocab: Vocabulary,
            latest: Optional[dt.date]) -> Optional[str]:
    """Why a mention's value cannot be true (None when it can)."""
    spec = vocab.facts.get(fact)
    if spec is None:
        return None
    if value is IMPOSSIBLE_DATE:
        return "not a date on the calendar"
    if spec.type in NUMERIC:
        found = _numeral_problem(text, start, end)
        if found:
            return found
    if spec.type in NUMERIC or spec.type == "date":
        _, message = coerce(spec, value)
        if message:
            return message
    if spec.type == "date" and latest is not None and isinstance(value, dt.date) and value > latest:
        return f"after the date of the document ({latest.isoformat()})"
    return None


def screen(text: str, mentions: list, vocab: Vocabulary, latest: Optional[dt.date], warnings: list[str]) -> list:
    """The possible mentions; a warning for each impossible one."""
    kept, dropped = [], []
    for m in mentions:
        why = problem(text, m.fact, m.value, m.start, m.end, vocab, latest)
        if why:
            dropped.append((m, why))
        else:
            kept.append(m)
    documented = {m.fact for m in kept}
    for m, why in dropped:
        outcome = "another mention is used" if m.fact in documented else "left not documented"
        warnings.append(f"{vocab.facts[m.fact].label}: impossible value at characters {m.start}-{m.end} ({why}); {outcome}")
    return kept
