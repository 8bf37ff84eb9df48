"""Parsing an IMR determination letter into its header dates, case summary and disputed items.

Four layouts are read (docs/domain.md section 5): "dwc" (2014-2017; optional "Case Number:" header
block; "IMR ISSUES, DECISIONS AND RATIONALES"), "maximus" ("MAXIMUS FEDERAL SERVICES, INC." and
"IMR DECISION(S) AND RATIONALE(S)"), "professional" ("MEDICAL PROFESSIONAL REVIEW", "ISSUE AT DISPUTE:")
and "notice2013" ("... has determined the request for X is [not] medically necessary and appropriate").
Text matching none of them is "notes" (clinical notes, no items).

Every piece of letter text is a ``Span`` with offsets into the text given to ``parse_letter``
(``Span.flat`` gives it on one line). ``parse_letter`` never raises: on odd text it returns what it found.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from datetime import date

from checker.reading.citation import Citation, Span, make_span, parse_citations
from checker.reading.dates import letter_dates

__all__ = ["Citation", "DateField", "Item", "Letter", "Span", "describe", "parse_letter"]


@dataclass(frozen=True)
class DateField:
    span: Span
    value: date | None


@dataclass(frozen=True)
class Item:
    index: int
    title: Span  # the disputed request (for a partly certified request: the IMR-eligible part)
    decision: str | None  # "upheld" | "overturned" | None
    decision_span: Span | None
    partial: bool
    citations: list[Citation]
    rationale: Span | None
    span: Span
    heading: Span | None = None  # the whole item heading, with any "original request" prose


@dataclass(frozen=True)
class Letter:
    layout: str  # "dwc" | "maximus" | "professional" | "notice2013" | "notes"
    case_number: Span | None
    dates: dict[str, DateField]
    summary: Span | None
    items: list[Item]
    documents_reviewed: Span | None


_I = re.IGNORECASE
_LINE = r"(?m)^[ \t]*"
# Section headings, matched at the start of a line; the upper-case ones case-sensitively.
_SECTIONS = [
    ("how", re.compile(_LINE + r"HOW\s+THE\s+IMR\s+FINAL\s+DETERMINATION\s+WAS\s+MADE")),
    ("credentials", re.compile(_LINE + r"The\s+Expert\s+Reviewer\s+has\s+the\s+following\s+credentials\s*:")),
    ("summary", re.compile(_LINE + r"(?:CLINICAL\s+CASE\s+SUMMARY|CASE\s+SUMMARY\s*:|(?:Expert\s+Reviewer\s+)?Case\s+Summary\s*:)")),
    ("documents", re.compile(_LINE + r"(?:DOCUMENTS\s+REVIEWED(?:\s+FOR\s+DETERMINATION)?|Documents\s+Reviewed(?:\s+for\s+Determination)?)\s*:?[ \t]*$")),
    ("decisions", re.compile(_LINE + r"(?:IMR\s+ISSUES,?\s+DECISIONS\s+AND\s+RATIONALES|IMR\s+DECISION\(S\)\s+AND\s+RATIONALE\(S\)"
                             r"|INDEPENDENT\s+MEDICAL\s+REVIEW\s+DECISION\s+AND\s+RATIONALE)")),
    ("issue", re.compile(_LINE + r"ISSUE(?:\(S\)|S)?\s+AT\s+DISPUTE\s*:")),
    ("relied", re.compile(_LINE + r"MEDICAL\s+TREATMENT\s+GUIDELINE\(S\)\s+RELIED\s+UPON\s+BY\s+PROFESSIONAL\s+REVIEWER\s+AND\s+WHY\s*:")),
    ("pro_rationale", re.compile(_LINE + r"RATIONALE\s+FOR\s+WHY\s+THE\s+REQUESTED\s+TREATMENT/SERVICE\s+IS/WAS\s+NOT\s+MEDICALLY\s+NECESSARY\s*:")),
    ("qualifications", re.compile(_LINE + r"(?:MEDICAL\s+REVIEWER\s+QUALIFICATIONS|Medical\s+Qualifications\s+of\s+the\s+Expert\s+Reviewer)\s*:?")),
    ("details", re.compile(_LINE + r"\(?\d{1,2}[.)]\s*Regarding\s+the\s+request\s+for\b", _I)),
]
# Labels inside an item block.
_LABELS = [
    ("claims_administrator", r"Claims\s+Administrator\s+guidelines?\s*:"),
    ("claims_administrator", r"Medical\s+Treatment\s+Guideline\(?s?\)?\s+(?:Used|Relied\s+Upon)\s+by\s+the\s+Claims\s+Administrator(?:\s*\(CA\))?\s*:"),
    ("maximus", r"(?:MAXIMUS|Expert\s+Reviewer)\s+guidelines?\s*:"),
    ("maximus", r"Medical\s+Treatment\s+Guideline\(?s?\)?\s+(?:Used|Relied\s+Upon)\s+by\s+the\s+Expert\s+Reviewer(?:\s*\(ER\))?\s*:"),
    ("rationale", r"(?:Decision\s+rationale|Rationale\s+(?:Used\s+by\s+the\s+Expert\s+Reviewer|for\s+the\s+Decision))\s*:"),
]
_LABEL_RE = re.compile(_LINE + "(?:" + "|".join(f"(?P<l{i}>{p})" for i, (_, p) in enumerate(_LABELS)) + ")", _I)
_DECISION_WORD = r"(upheld|overturned)"
_DECISION_INLINE = re.compile(r":[ \t]*" + _DECISION_WORD + r"[ \t]*\.?[ \t]*$", _I)
_DECISION_ALONE = re.compile(r"^[ \t]*" + _DECISION_WORD + r"[ \t]*\.?[ \t]*$", _I)
# professional reviews end the ISSUE AT DISPUTE line with the decision: "... x3 - Overturned"
# ... or with the decision's sentence after it: "... quantity 4 - Upheld. The request is"
_DECISION_DASH = re.compile(r"[ \t][-–—][ \t]*" + _DECISION_WORD
                            + r"[ \t]*(?:\.[ \t]+(?:The|This)\s+(?:requested\s+\w+|request)\b[^\n]*|\.)?[ \t]*$", _I)
# MAXIMUS determinations numbered by item: "1. <request> is [not] medically necessary and appropriate."
_NUMBERED_DETERMINATION = re.compile(
    r"(?m)^[ \t]*\(?(?P<num>\d{1,2})[.)][ \t]+(?P<title>\S[^\n]*(?:\n(?![ \t]*\d{1,2}[.)][ \t])[^\n]+){0,3}?)"
    r"\s+(?:is|are)\s+(?P<neg>not\s+)?medically\s+necessary(?:\s+and\s+appropriate)?[ \t]*\.?", _I)
_NUMBER = re.compile(r"\s*(?:\(\d{1,2}\)|\d{1,2}[.)])\s+")
_PARTIAL = re.compile(r"original\s+request|IMR\s+eligible|(?:partially|partly)\s+(?:certified|approved|authorized)"
                      r"|was\s+(?:authorized|certified|modified|approved)\b", _I)
_REQUEST = re.compile(r"(?:original\s+request|eligible\s+portion(?:\s+of\s+the\s+(?:original\s+)?request)?)\s*,\s*", _I)
_CONCLUSION = re.compile(r"\b(?:is|are|was|were)\s+(not\s*)?medically\s+necessary", _I)
# professional reviews may state the decision per request or in a paragraph of its own:
# "Determination: OVERTURNED.", "The utilization review non-certification is upheld."
_ENTRY_DECISION = re.compile(r"(?:\bdetermination\s*:\s*|\b(?:non-?certification|denial|adverse\s+determination)"
                             r"\s+(?:is|was)\s+(?:hereby\s+)?)" + _DECISION_WORD + r"\b", _I)
_ISSUE_DECISION = re.compile(r"(?m)^[ \t]*(?:Issue|Item|Request)\s*#?\s*(?P<num>\d{1,2})\s*:[^\n]*(?:\n(?![ \t]*\n)[^\n]*){0,3}?"
                             r"[.\s]-?\s*(?P<word>upheld|overturned)\b", _I)
_DETERMINATION_BLOCK = re.compile(r"(?m)^[ \t]*(?:IMR\s+|FINAL\s+)?DETERMINATIONS?\s*:[ \t]*$", _I)
_NUMBERED_DECISION = re.compile(r"(?m)^[ \t]*\(?(?P<num>\d{1,2})[.)][ \t]+[^\n]*(?:\n(?![ \t]*\(?\d{1,2}[.)])[^\n]*){0,3}?"
                                r"[:.\s][-–—]?[ \t]*(?P<word>upheld|overturned)\b", _I)
_DETERMINATION_PARAGRAPH = re.compile(r"\s*(?:IMR\s+|FINAL\s+)?DETERMINATION\s*:", _I)
_NOTICE_ITEM = re.compile(
    r"(?m)^[ \t]*(?:(?P<num>\d{1,2})[.)]\s*)?MAXIMUS\s+Federal\s+Services(?:,?\s+Inc\.?)?\s+has\s+determined\s+the\s+request\s+for\s+"
    r"(?P<title>[\s\S]+?)\s+is\s*(?P<neg>not\s*)?medically\s+necessary\s+and\s+appropriate", _I)


def _lines(text: str, start: int, end: int) -> list[tuple[int, int]]:
    out, pos = [], start
    while pos < end:
        nl = text.find("\n", pos, end)
        stop = end if nl < 0 else nl
        out.append((pos, stop))
        pos = stop + 1
    return out


def _sections(text: str) -> list[tuple[str, int, int]]:
    found = [(m.start(), m.end(), key) for key, rx in _SECTIONS for m in rx.finditer(text)]
    found.sort()
    return [(key, s, e) for s, e, key in found]


def _section(text: str, secs: list[tuple[str, int, int]], key: str) -> tuple[int, int] | None:
    """Body of the first section ``key``: from its heading to the next heading."""
    for i, (k, _s, e) in enumerate(secs):
        if k == key:
            stop = next((s2 for k2, s2, _ in secs[i + 1:] if k2 != key), len(text))
            return e, stop
    return None


def detect_layout(text: str) -> str:
    if re.search(r"Notice\s+of\s+Independent\s+Medical\s+Review\s+Determination", text, _I) or _NOTICE_ITEM.search(text):
        return "notice2013"
    if re.search(r"MEDICAL\s+PROFESSIONAL\s+REVIEW", text) or _SECTIONS[5][1].search(text):
        return "professional"
    if re.search(r"IMR\s+DECISION\(S\)\s+AND\s+RATIONALE\(S\)", text) or text.lstrip().startswith("MAXIMUS FEDERAL SERVICES"):
        return "maximus"
    if re.search(r"IMR\s+ISSUES,?\s+DECISIONS\s+AND\s+RATIONALES|HOW\s+THE\s+IMR\s+FINAL\s+DETERMINATION|Case\s+Number:\s*CM\d", text):
        return "dwc"
    if _decision_lines(text, _lines(text, 0, len(text))):
        return "dwc"
    return "notes"


# --- items -----------------------------------------------------------------------------------

def _decision_lines(text: str, lines: list[tuple[int, int]]) -> list[tuple[int, int, int, int]]:
    """(line index of the heading's last line, colon offset, decision start, decision end)."""
    out = []
    for i, (s, e) in enumerate(lines):
        line = text[s:e]
        if _LABEL_RE.match(line):
            continue
        m = _DECISION_INLINE.search(line) or _DECISION_DASH.search(line)
        if m:
            out.append((i, s + m.start(), s + m.start(1), s + m.end(1)))
            continue
        m = _DECISION_ALONE.match(line)
        if m:  # decision word wrapped onto its own line, after a heading ending in ":"
            for j in range(i - 1, max(i - 4, -1), -1):
                prev = text[lines[j][0]:lines[j][1]].rstrip()
                if prev:
                    if prev.endswith(":") and not _LABEL_RE.match(prev):
                        out.append((j, lines[j][0] + len(prev) - 1, s + m.start(1), s + m.end(1)))
                    break
    return out


def _stops_heading(text: str, line: str, so_far: str) -> bool:
    """Does ``line`` (above a heading being read upwards) end the previous block?"""
    stripped = line.rstrip()
    if _LABEL_RE.match(line) or any(rx.match(line) for _, rx in _SECTIONS):
        return True
    if stripped.endswith(("set forth below:", "below:")):
        return True
    if not stripped.endswith((".", ":", ";", "?", "!", '"')):
        return False
    # A partly certified request's heading has several sentences ("X was the original request.
    # ... The original request, Y is: Upheld"): keep reading up unless the line ends a rationale.
    if not stripped.endswith(".") or re.search(
            r"necessary|necssary|appropriate|denial|established|indicated|supported|recommended|warranted", stripped, _I):
        return True
    flat = " ".join(so_far.split())
    continues = flat[:1].islower() or re.match(r"(?:the\s+)?(?:original|remaining)\b", flat, _I) or _PARTIAL.search(stripped)
    return not continues


def _heading_start(text: str, lines: list[tuple[int, int]], last: int, floor: int, colon: int) -> int:
    first = last
    for k in range(last - 1, max(floor - 1, last - 14), -1):
        line = text[lines[k][0]:lines[k][1]]
        if not line.strip():
            continue
        if _stops_heading(text, line, text[lines[first][0]:colon]):
            break
        first = k
    return lines[first][0]


def _title(text: str, start: int, colon: int) -> tuple[Span, bool]:
    """The disputed request within a heading, and whether the request was partly certified."""
    heading = text[start:colon]
    partial = bool(_PARTIAL.search(heading))
    t_start = start
    if partial:
        reqs = list(_REQUEST.finditer(heading))
        if reqs:
            t_start = start + reqs[-1].end()
        else:  # no "original request, X": the last sentence is the request
            cut = [m.end() for m in re.finditer(r"\.\s+(?=[A-Z])", heading)]
            t_start = start + (cut[-1] if cut else 0)
    num = _NUMBER.match(text, t_start)
    if num:
        t_start = num.end()
    end = colon
    tail = re.search(r"[\s,]+is\s*$", text[t_start:end], _I)
    if tail:
        end = t_start + tail.start()
    return make_span(text, t_start, end, strip=",") or Span(text[start:colon], start, colon), partial


def _block_parts(text: str, start: int, end: int) -> tuple[list[Citation], Span | None]:
    labels = []
    for m in _LABEL_RE.finditer(text, start, end):
        idx = next(int(k[1:]) for k, v in m.groupdict().items() if v is not None)
        labels.append((m.start(), m.end(), _LABELS[idx][0]))
    citations: list[Citation] = []
    rationale = None
    for i, (_s, e, role) in enumerate(labels):
        stop = labels[i + 1][0] if i + 1 < len(labels) else end
        if role == "rationale":
            rationale = make_span(text, e, stop)
            continue
        if i + 1 == len(labels):  # no label follows: the citation ends with its paragraph
            para = re.compile(r"\.[ \t]*\n[ \t]*\n").search(text, e, stop)
            stop = para.start() + 1 if para else stop
        if role == "maximus" and re.search(r"guidelines?\s+used\s+by\s+the\s+Claims\s+Administrator", text[e:stop], _I):
            # 2013: "The Expert Reviewer found the guideline used by the Claims Administrator relevant"
            raw = make_span(text, e, stop)
            cites = [Citation("maximus", raw, c.mtus, c.guideline, c.edition, c.chapter, c.section, list(c.pages),
                              c.non_mtus_source) for c in citations if c.role == "claims_administrator" and raw]
        else:
            cites = parse_citations(text, e, stop, role)
        citations.extend(cites)
    return citations, rationale


def _inferred(rationale: Span | None, text: str) -> tuple[str | None, Span | None]:
    """Decision from a rationale's last conclusion ("... is not medically necessary")."""
    found = list(_CONCLUSION.finditer(text, rationale.start, rationale.end)) if rationale else []
    if not found:
        return None, None
    m = found[-1]
    return ("upheld" if m.group(1) else "overturned"), Span(m.group(0), m.start(), m.end())


def _heading_items(text: str, lo: int, hi: int) -> list[Item]:
    """Items of the DWC and MAXIMUS layouts: "<item>: Upheld" headings, then labelled parts."""
    lines = _lines(text, lo, hi)
    decisions = _decision_lines(text, lines)
    starts, floor = [], 0
    line_starts = [s for s, _ in lines]
    for last, colon, _ds, de in decisions:
        starts.append(_heading_start(text, lines, last, floor, colon))
        # the line holding the decision word (a binary search: letters may be long)
        floor = bisect.bisect_right(line_starts, de)
    items = []
    for n, ((_last, colon, ds, de), start) in enumerate(zip(decisions, starts)):
        end = starts[n + 1] if n + 1 < len(starts) else hi
        title, partial = _title(text, start, colon)
        citations, rationale = _block_parts(text, de, end)
        items.append(Item(n + 1, title, text[ds:de].lower(), Span(text[ds:de], ds, de), partial, citations,
                          rationale, make_span(text, start, end) or Span(text[start:end], start, end),
                          make_span(text, start, colon)))
    return items


def _numbered_items(text: str, lo: int, hi: int) -> list[Item]:
    """MAXIMUS determinations without "<item>: Upheld" headings: numbered lines "1. <request> is [not]
    medically necessary and appropriate." each followed by its labelled parts ("Rationale for the
    Decision:"). "Is medically necessary" means the item was overturned."""
    found = [m for m in _NUMBERED_DETERMINATION.finditer(text, lo, hi)]
    items = []
    for n, m in enumerate(found):
        end = found[n + 1].start() if n + 1 < len(found) else hi
        title = make_span(text, m.start("title"), m.end("title"), strip=",")
        if title is None:
            continue
        decision = "upheld" if m.group("neg") is not None else "overturned"
        dspan = make_span(text, m.end("title"), m.end()) or title
        citations, rationale = _block_parts(text, m.end(), end)
        items.append(Item(len(items) + 1, title, decision, dspan, bool(_PARTIAL.search(title.text)), citations,
                          rationale, make_span(text, m.start(), end) or title, make_span(text, m.start(), m.end())))
    return items


def _notice_items(text: str, secs: list[tuple[str, int, int]]) -> list[Item]:
    """2013 notices: numbered "has determined the request for X is [not] medically necessary" lines
    (listed twice: on the first page and under DECISION AND RATIONALE), then per-item details
    "1) Regarding the request for X:". "Is medically necessary" means the item was overturned."""
    seen: dict[str, re.Match[str]] = {}
    for m in _NOTICE_ITEM.finditer(text):
        seen.setdefault(m.group("num") or str(len(seen) + 1), m)
    details = [(s, e) for k, s, e in secs if k == "details"]
    items = []
    for n, m in enumerate(seen.values()):
        title = make_span(text, m.start("title"), m.end("title"))  # the pattern needs a non-blank title
        decision = "upheld" if m.group("neg") is not None else "overturned"
        dspan = make_span(text, m.end("title"), m.end())  # "is [not]medically necessary and appropriate"
        citations, rationale, block = [], None, make_span(text, m.start(), m.end())
        if n < len(details):  # the n-th "n) Regarding the request for ..." block, up to the next heading
            d_start = details[n][0]
            d_end = next((s for _k, s, _e in secs if s > d_start), len(text))
            citations, rationale = _block_parts(text, details[n][1], d_end)
            block = make_span(text, d_start, d_end) or block
        items.append(Item(n + 1, title, decision, dspan, bool(_PARTIAL.search(title.text)), citations, rationale,
                          block or title, make_span(text, m.start(), m.end())))
    return items


def _professional_items(text: str, secs: list[tuple[str, int, int]]) -> list[Item]:
    """Professional reviews: requests under "ISSUE AT DISPUTE:" (one per numbered entry or paragraph),
    guidelines under "... RELIED UPON ...", one shared rationale. Without an explicit "Upheld" the
    decision is read from the rationale's conclusion."""
    issue = _section(text, secs, "issue")
    if not issue:
        return []
    relied = _section(text, secs, "relied")
    rat = _section(text, secs, "pro_rationale")
    citations = parse_citations(text, relied[0], relied[1], "relied_upon") if relied else []
    rationale = make_span(text, rat[0], rat[1]) if rat else None
    inline = _heading_items(text, issue[0], issue[1])
    if inline:
        parts = _rationale_parts(text, rationale, [i.title for i in inline]) if rationale and len(inline) > 1 else {}
        return [Item(i.index, i.title, i.decision, i.decision_span, i.partial, citations, parts.get(n, rationale),
                     i.span, i.heading) for n, i in enumerate(inline)]
    # a "DETERMINATION:" block listing the requests again with their decisions ("1. <request>: Upheld.")
    numbered_decisions: dict[int, tuple[str, Span]] = {}
    block = _DETERMINATION_BLOCK.search(text, issue[0], issue[1])
    if block is not None:
        for m in _NUMBERED_DECISION.finditer(text, block.end(), issue[1]):
            numbered_decisions.setdefault(int(m.group("num")), (m.group("word").lower(),
                                                                 Span(m.group("word"), m.start("word"), m.end("word"))))
        if numbered_decisions:
            issue = (issue[0], block.start())
    body = text[issue[0]:issue[1]]
    cuts = [m.start() for m in re.finditer(r"(?m)^[ \t]*(?:\(\d{1,2}\)|\d{1,2}[.)])\s", body)] or \
        [0] + [m.end() for m in re.finditer(r"\n[ \t]*\n", body)]
    entries = [make_span(text, issue[0] + a, issue[0] + b) for a, b in zip(cuts, cuts[1:] + [len(body)])]
    entries = [e for e in entries if e]
    # a "DETERMINATION: ..." paragraph among the requests states the decision, it is not a request
    stated = [e for e in entries if _DETERMINATION_PARAGRAPH.match(e.text)]
    entries = [e for e in entries if e not in stated]
    decision, dspan = _inferred(rationale, text) if len(entries) == 1 else (None, None)
    if stated and len(entries) == 1:
        decision, dspan = _stated(text, stated[0].start, stated[0].end) or (decision, dspan)
    # the rationale may take the requests one by one: "Issue 1: <request>. Upheld." then its reasons
    issues = list(_ISSUE_DECISION.finditer(text, rationale.start, rationale.end)) if rationale else []
    by_number = {int(m.group("num")): (m, issues[i + 1].start() if i + 1 < len(issues) else rationale.end)
                 for i, m in enumerate(issues)}
    # ... or under each request's own words: "<request>: The guideline supports ..." then "Tizanidine ...:"
    parts = _rationale_parts(text, rationale, entries) if rationale and len(entries) > 1 and not issues else {}
    items = []
    for n, entry in enumerate(entries):
        # an entry may carry its own decision line: "1. <request>\n   Determination: OVERTURNED. ..."
        own = _ENTRY_DECISION.search(text, entry.start, entry.end)
        head_end = text.rfind("\n", entry.start, own.start()) if own else -1
        title, partial = _title(text, entry.start, head_end if own and head_end > entry.start else entry.end)
        end = rationale.end if rationale and len(entries) == 1 else entry.end
        d, ds = ((own.group(1).lower(), Span(own.group(0), own.start(), own.end())) if own else (decision, dspan))
        if d is None and n + 1 in numbered_decisions:
            d, ds = numbered_decisions[n + 1]
        its_rationale = parts.get(n, rationale)
        if n + 1 in by_number and len(entries) > 1:
            m, stop = by_number[n + 1]
            if d is None:
                d, ds = m.group("word").lower(), Span(m.group("word"), m.start("word"), m.end("word"))
            its_rationale = make_span(text, m.end(), stop) or rationale
        items.append(Item(n + 1, title, d, ds, partial, citations, its_rationale,
                          Span(text[entry.start:end], entry.start, end), entry))
    return items


def _rationale_parts(text: str, rationale: Span, entries: list[Span]) -> dict[int, Span]:
    """A shared rationale that takes the requests in turn, each under its own words at the start of a
    line: the part of each request (only when every request has one)."""
    starts = []
    for n, entry in enumerate(entries):
        words = " ".join(_NUMBER.sub(" ", entry.text, count=1).split())[:PART_KEY]
        if len(words) < PART_KEY // 2:
            return {}
        rx = re.compile(r"(?m)^[ \t]*" + r"\s+".join(map(re.escape, words.split())), _I)
        m = rx.search(text, rationale.start, rationale.end)
        if m is None:
            return {}
        starts.append((m.start(), n))
    starts.sort()
    bounds = [p for p, _ in starts[1:]] + [rationale.end]
    return {n: part for (p, n), stop in zip(starts, bounds) if (part := make_span(text, p, stop))}


PART_KEY = 30  # characters of a request's words that find its part of a shared rationale


def _stated(text: str, start: int, end: int) -> tuple[str, Span] | None:
    """The decision of a "DETERMINATION:" paragraph: its Upheld/Overturned, else its conclusion."""
    m = _ENTRY_DECISION.search(text, start, end)
    if m:
        return m.group(1).lower(), Span(m.group(0), m.start(), m.end())
    m = _CONCLUSION.search(text, start, end)
    if m:
        return ("upheld" if m.group(1) else "overturned"), Span(m.group(0), m.start(), m.end())
    return None


def parse_letter(text: str) -> Letter:
    """Read a letter; never raises on odd text (layout "notes" when nothing matches)."""
    text = text or ""
    layout = detect_layout(text)
    secs = _sections(text)
    first = secs[0][1] if secs else min(len(text), 2000)
    case = re.search(r"Case\s+Number\s*:\s*([A-Z]{2}\d{2}-\d{5,8})", text, _I) or re.search(r"\b(CM\d{2}-\d{7})\b", text)
    case_number = Span(case.group(1), case.start(1), case.end(1)) if case else None

    summary = None
    sec = _section(text, secs, "summary")
    if sec:
        lo, hi = sec
        boiler = re.compile(r"\s*The\s+expert\s+reviewer\s+developed\s+the\s+following[\s\S]{0,160}?records\s*:", _I).match(text, lo, hi)
        summary = make_span(text, boiler.end() if boiler else lo, hi)
    docs = _section(text, secs, "documents")
    documents = make_span(text, *docs) if docs else None

    dates: dict[str, DateField] = {}
    if layout != "notes":
        where = ([(summary.start, summary.end)] if summary else []) + [(0, len(text))]
        for key, (start, end, value) in letter_dates(text, first, where).items():
            dates[key] = DateField(Span(text[start:end], start, end), value)

    if layout == "notice2013":
        items = _notice_items(text, secs)
    elif layout == "professional":
        items = _professional_items(text, secs)
    elif layout in ("dwc", "maximus"):
        region = _section(text, secs, "decisions")
        if region is None:
            region = (summary.end if summary else 0, len(text))
        items = _heading_items(text, *region)
        if not items and layout == "maximus":
            items = _numbered_items(text, *region)
    else:
        items = []
    return Letter(layout, case_number, dates, summary, items, documents)


def describe(letter: Letter) -> dict:
    """A JSON-able summary of a parsed letter, for eyeballing."""
    def cite(c: Citation) -> dict:
        return {"role": c.role, "mtus": c.mtus, "guideline": c.guideline, "edition": c.edition,
                "chapter": c.chapter, "section": c.section, "pages": list(c.pages),
                "non_mtus_source": c.non_mtus_source}
    return {
        "layout": letter.layout,
        "case_number": letter.case_number.text if letter.case_number else None,
        "dates": {k: {"text": f.span.flat, "value": f.value.isoformat() if f.value else None}
                  for k, f in sorted(letter.dates.items())},
        "summary_chars": len(letter.summary.text) if letter.summary else 0,
        "documents_reviewed": bool(letter.documents_reviewed),
        "items": [{"index": i.index, "title": i.title.flat, "decision": i.decision, "partial": i.partial,
                   "citations": [cite(c) for c in i.citations],
                   "rationale_chars": len(i.rationale.text) if i.rationale else 0} for i in letter.items],
    }
