"""Date parsing for IMR letters and clinical notes.

Letters write dates in several ways: ``3/29/05``, ``11-3-10``, ``02/14/2011``, ``10-11-2016``,
``November 8, 1996``, ``Nov. 8, 1996``, ``8 November 1996``, ``2015-02-09``. Numeric dates are always
US order (month first). A month and year alone ("December 2014") or a bare year is a *partial* date:
``parse_date`` refuses it, ``parse_partial`` returns its first day with a precision.

Two-digit years pivot at 50: ``00``-``49`` are 2000-2049 and ``50``-``99`` are 1950-1999. IMR letters
began in 2013 and injury dates go back to the 1970s at most, so this reads every real case correctly.

PDF text breaks lines anywhere, so the patterns accept a line break (with blank lines) after a
numeric separator ("10-30-\\n2016") and between the words of a written date ("November 8,\\n1996").
"""
from __future__ import annotations

import re
from datetime import date

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_ORD = r"(?:st|nd|rd|th)?"
# whitespace that may include a PDF line break
_WS = r"[ \t]*(?:\n[ \t]*)*"

DATE_PATTERN = re.compile(
    # 2015-02-09 (ISO) first, so that its parts are not read as a US date
    rf"(?<![\w/.-])(?P<iy>\d{{4}})-(?P<im>\d{{1,2}})-(?P<id>\d{{1,2}})(?![\w/]|-\d)"
    # 3/29/05, 11-3-10, 02/14/2011; the same separator twice
    rf"|(?<![\w/.-])(?P<nm>\d{{1,2}})(?P<sep>[/-])(?P<nd>\d{{1,2}})(?P=sep){_WS}(?P<ny>\d{{4}}|\d{{2}})(?![\w/]|-\d)"
    # November 8, 1996 / Nov. 8, 1996
    rf"|\b(?P<mm>{_MONTH})\.?[ \t]+(?P<md>\d{{1,2}}){_ORD},?[ \t]*(?:\n[ \t]*)*(?P<my>\d{{4}})(?!\d)"
    # 8 November 1996
    rf"|\b(?P<dd>\d{{1,2}}){_ORD}[ \t]+(?P<dm>{_MONTH})\.?,?{_WS}(?P<dy>\d{{4}})(?!\d)"
    # December 2014 (partial: month precision)
    rf"|\b(?P<pm>{_MONTH})\.?,?[ \t]+(?:of[ \t]+)?(?P<py>(?:19|20)\d{{2}})(?!\d)",
    re.IGNORECASE,
)

_YEAR_ONLY = re.compile(r"(?:19|20)\d{2}")


def _year(text: str) -> int:
    """Four-digit years as written; two-digit years pivot at 50 (see module docstring)."""
    value = int(text)
    if len(text) == 2:
        return 2000 + value if value < 50 else 1900 + value
    return value


def _make(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _month(name: str) -> int:
    return _MONTHS[name[:3].lower()]


def _from_match(m: re.Match[str]) -> tuple[date, str] | None:
    """Turn one DATE_PATTERN match into (date, precision), or None when the date does not exist."""
    g = m.groupdict()
    if g["iy"]:
        found = _make(int(g["iy"]), int(g["im"]), int(g["id"]))
    elif g["nm"]:
        found = _make(_year(g["ny"]), int(g["nm"]), int(g["nd"]))
    elif g["mm"]:
        found = _make(int(g["my"]), _month(g["mm"]), int(g["md"]))
    elif g["dd"]:
        found = _make(int(g["dy"]), _month(g["dm"]), int(g["dd"]))
    else:
        return date(int(g["py"]), _month(g["pm"]), 1), "month"
    return (found, "day") if found else None


def _clean(s: str) -> str:
    return s.strip().rstrip(".,;:").strip() if s else ""


def parse_partial(s: str) -> tuple[date, str] | None:
    """A full date, a month and year, or a year, as (first day, "day"|"month"|"year")."""
    text = _clean(s)
    if _YEAR_ONLY.fullmatch(text):
        return date(int(text), 1, 1), "year"
    m = DATE_PATTERN.fullmatch(text)
    if not m:
        # "Nov." keeps its dot: retry without stripping it
        m = DATE_PATTERN.fullmatch(s.strip())
    return _from_match(m) if m else None


def parse_date(s: str) -> date | None:
    """A full calendar date, or None (partial dates and impossible dates such as 2/30/2015 too)."""
    found = parse_partial(s)
    if found and found[1] == "day":
        return found[0]
    return None


def find_dates(text: str) -> list[tuple[int, int, date]]:
    """Every full date in running text as (start, end, date), in order; partial dates are skipped."""
    out: list[tuple[int, int, date]] = []
    for m in DATE_PATTERN.finditer(text):
        found = _from_match(m)
        if found and found[1] == "day":
            out.append((m.start(), m.end(), found[0]))
    return out


# --- labelled dates in IMR letters ----------------------------------------------------------

_DATE_VALUE = r"(\d{1,4}[/.-]\d{1,2}[/.-][ \t]*\d{2,4}|[A-Z][a-z]{2,8}\.?[ \t]+\d{1,2},?[ \t]+\d{4})"
# Header-block labels per date key. The value may sit on the next line ("Received:  \n11/21/2016").
_HEADER_LABELS = {
    "injury": r"Date\s+of\s+Injury|Injury\s+Date|DOI",
    "assigned": r"Date\s+Assigned|Assignment\s+Date|Date\s+of\s+Assignment",
    "decision": r"Decision\s+Date|Date\s+of\s+Decision|Determination\s+Date|(?<![\w ])Dated",
    "ur_denial": r"UR\s+Denial\s+Date|Date\s+of\s+UR\s+(?:Decision|Denial)|UR\s+Decision\s+Date",
    "received": r"IMR\s+Application\s+Received|Application\s+Received|Date\s+Received|Received",
}
LETTER_DATE_KEYS = tuple(_HEADER_LABELS)
_HEADER_RES = {k: re.compile(rf"\b(?:{v})\s*:[ \t]*\n?[ \t]*" + _DATE_VALUE, re.I) for k, v in _HEADER_LABELS.items()}
# Prose for letters without a header block (searched in the case summary first): "date of injury
# on 11-3-10", "injured on ...", "Utilization review dated 9-28-15", "The utilization review
# determination being challenged is dated 2/27/14", 2013 notices' "Notice of Assignment ... on".
_PROSE = {
    "injury": [r"\binjur(?:y|ed)\b(?:\s+date)?(?:\s+(?:on|in|of|was|dated|is|date))*\s*:?\s*"],
    "ur_denial": [
        r"utilization\s+review(?:\s*\(UR\))?(?:\s+(?:denial|determination|decision|report|letter))?"
        r"(?:\s+being\s+challenged)?(?:\s+(?:is|was))?\s+dated\s+",
        r"utilization\s+review\s*(?:\(UR\))?\s*\(\s*",
        r"\bUR\s+(?:dated|of)\s+",
    ],
    "assigned": [r"Notice\s+of\s+Assignment[\s\S]{0,80}?\bon\s+"],
    "received": [r"application\s+for\s+Independent\s+Medical\s+Review\s+was\s+(?:filed|received)\s+on\s+"],
}
_PROSE_RES = {k: [re.compile(p + "(?=" + DATE_PATTERN.pattern + ")", re.I | re.S) for p in v] for k, v in _PROSE.items()}
# "On 2/6/2015, Utilization Review evaluated ..." (the date before the words)
_UR_BEFORE = re.compile(r"\bOn\s+" + _DATE_VALUE + r",?\s+(?:the\s+)?(?:request[\s\S]{0,120}?)?(?:utilization\s+review|UR)\b", re.I)


def letter_dates(text: str, header_end: int, where: list[tuple[int, int]]) -> dict[str, tuple[int, int, date | None]]:
    """Dates of a letter by key ("injury", "assigned", "decision", "ur_denial", "received") as
    (start, end, date or None when the written date does not exist). Header labels before
    ``header_end`` win; missing keys are looked for in prose, in the ``where`` ranges in order."""
    out: dict[str, tuple[int, int, date | None]] = {}
    for key, rx in _HEADER_RES.items():
        m = rx.search(text, 0, header_end)
        if m:
            out[key] = (m.start(1), m.end(1), parse_date(m.group(1)))
    for key, patterns in _PROSE_RES.items():
        for lo, hi in where:
            if key in out:
                break
            m = next((m for m in (rx.search(text, lo, hi) for rx in patterns) if m), None)
            if m:  # a partial date ("injured in December 2014") is kept with value None
                d = DATE_PATTERN.match(text, m.end())
                out[key] = (d.start(), d.end(), parse_date(d.group(0)))
        if key == "ur_denial" and key not in out and where:
            m = _UR_BEFORE.search(text, where[0][0], where[0][1])
            if m:
                out[key] = (m.start(1), m.end(1), parse_date(m.group(1)))
    return out


def is_impossible(s: str) -> bool:
    """Whether `s` is written as a full date that does not exist on the calendar (2/30/2015, 13/45/2099)."""
    m = DATE_PATTERN.fullmatch(_clean(s)) or DATE_PATTERN.fullmatch(s.strip())
    return bool(m) and not m.group("pm") and _from_match(m) is None
