"""Reading guideline citations ("Claims Administrator guideline: ...", "MAXIMUS guideline: ...").

Citation lines seen in letters (DWC 2014-2017 wording; 2013 notices use prose):

- ``Decision based on MTUS Chronic Pain Medical Treatment 2009, Section(s): Trigger point injections.``
- ``Decision based on MTUS Chronic Pain Treatment Guidelines Trigger point injections Page(s): 122 of 127.``
- ``Decision based on MTUS ACOEM Chapter 9 Shoulder Complaints Page(s): 195-7,Chronic Pain Treatment
  Guidelines Trigger Point Injections Page(s): 122.`` (two guidelines in one line: two citations)
- ``Decision based on MTUS Elbow Complaints 2007, Section(s): Diagnostic Criteria, and Forearm, Wrist,
  and Hand Complaints 2004, Section(s): Special Studies.`` (2016-2017: sections, no pages)
- ``The Claims Administrator did not base their decision on the MTUS. Decision based on Non-MTUS
  Citation Official Disability Guidelines (ODG) Hip Chapter, Sacroiliac joint blocks``
- ``The Expert Reviewer did not cite any medical evidence for its decision.`` (no citation at all)

Guideline names come from the vocabulary ``checker/data/guidelines.yaml``; a name is reported in its
canonical form ("Chronic Pain Treatment Guidelines" -> "Chronic Pain Medical Treatment").
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

_VOCAB_PATH = Path(__file__).parent / "data" / "guidelines.yaml"


@dataclass(frozen=True)
class Span:
    """A piece of the source text: ``text == source[start:end]``."""

    text: str
    start: int
    end: int

    @property
    def flat(self) -> str:
        """The text on one line with runs of whitespace collapsed (PDF line breaks removed)."""
        return " ".join(self.text.split())


def make_span(source: str, start: int, end: int, strip: str | None = None) -> Span | None:
    """The span source[start:end] with surrounding whitespace (and ``strip`` characters) removed."""
    chars = " \t\n\f\v" + (strip or "")
    while start < end and source[start] in chars:
        start += 1
    while end > start and source[end - 1] in chars:
        end -= 1
    if start >= end:
        return None
    return Span(source[start:end], start, end)


@dataclass(frozen=True)
class Citation:
    role: str  # "claims_administrator" | "maximus" | "relied_upon"
    raw: Span
    mtus: bool
    guideline: str | None
    edition: str | None
    chapter: str | None
    section: str | None
    pages: list[str] = field(default_factory=list)
    non_mtus_source: str | None = None


@dataclass(frozen=True)
class _Vocab:
    pattern: re.Pattern[str]
    canonical: dict[str, str]
    chapters: dict[str, str]  # canonical name -> ACOEM chapter
    by_chapter: dict[str, str]


def _alias_regex(aliases: list[str]) -> re.Pattern[str]:
    parts = sorted(set(aliases), key=len, reverse=True)
    body = "|".join(r"\s+".join(re.escape(w) for w in a.split()) for a in parts)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)


def _key(s: str) -> str:
    return " ".join(s.lower().split())


def _build(entries: list[dict]) -> _Vocab:
    canonical: dict[str, str] = {}
    chapters: dict[str, str] = {}
    for entry in entries:
        for alias in entry["aliases"]:
            canonical[_key(alias)] = entry["name"]
        if entry.get("chapter"):
            chapters[entry["name"]] = str(entry["chapter"])
    return _Vocab(_alias_regex(list(canonical)), canonical, chapters, {v: k for k, v in chapters.items()})


@lru_cache(maxsize=1)
def vocabulary() -> dict[str, _Vocab]:
    data = yaml.safe_load(_VOCAB_PATH.read_text(encoding="utf-8"))
    return {kind: _build(data[kind]) for kind in ("mtus", "non_mtus", "odg_chapters")}


_BASED_ON = re.compile(r"Decision\s+based\s+on\s+", re.IGNORECASE)
_MTUS_WORD = re.compile(r"^MTUS\b[\s:,]*", re.IGNORECASE)
_NON_MTUS = re.compile(r"Non-?\s*MTUS\s+Citation\s*:?\s*", re.IGNORECASE)
_NEGATED = re.compile(
    r"did\s+not\s+base\s+\w+\s+decision\s+on\s+the\s+MTUS|outside\s+(?:of\s+)?the\s+MTUS"
    r"|not\s+(?:part\s+of|in|within)\s+the\s+MTUS|Non-?\s*MTUS",
    re.IGNORECASE,
)
_NO_EVIDENCE = re.compile(r"did\s+not\s+cite\s+any\s+(?:medical\s+)?evidence", re.IGNORECASE)
_ACOEM_CHAPTER = re.compile(r"(?:ACOEM\s*,?\s*)?Chapter\s+(\d{1,2})\b\s*,?\s*", re.IGNORECASE)
_EDITION = re.compile(r"^\s*,?\s*\(?((?:19|20)\d{2})\)?")
_PAGES = re.compile(r"\bPages?\s*(?:\(s\))?\s*:?\s*(\d+(?:\s*[-\u2013]\s*\d+)?(?:\s*,\s*\d+(?:\s*[-\u2013]\s*\d+)?)*)"
                    r"(?:\s+of\s+\d+)?", re.IGNORECASE)
_SECTION = re.compile(r"Sections?\s*(?:\(s\))?\s*:\s*", re.IGNORECASE)
_WHICH = re.compile(r",?\s*which\s+(?:is|are)\s+(?:not\s+)?(?:part\s+of|in)\s+the\s+MTUS.*$", re.IGNORECASE | re.DOTALL)
_TRIM = " \t\n,.;:<>-"


def _clean(s: str) -> str | None:
    s = _WHICH.sub("", s)
    s = " ".join(s.split()).strip(_TRIM)
    s = re.sub(r"(?:,\s*|\s+)and$", "", s, flags=re.IGNORECASE).strip(_TRIM)
    s = re.sub(r"^(?:Guidelines?|Chapter|section|for|on)\b[\s,:]*", "", s, flags=re.IGNORECASE)
    s = re.sub(r"^(?:Guidelines?|Chapter|section|for|on)\b[\s,:]*", "", s, flags=re.IGNORECASE)
    s = s.strip(_TRIM)
    return s or None


def _pages(text: str) -> tuple[list[str], re.Match[str] | None]:
    m = _PAGES.search(text)
    if not m:
        return [], None
    return [" ".join(p.split()) for p in m.group(1).split(",") if p.strip()], m


def _mtus_citations(source: str, start: int, end: int, role: str, head: int) -> list[Citation]:
    """Split one "Decision based on MTUS ..." statement at each guideline name it contains."""
    vocab = vocabulary()["mtus"]
    body = source[start:end]
    anchors: list[tuple[int, int, str | None, str | None]] = []  # (start, name_end, name, chapter)
    taken: list[tuple[int, int]] = []
    for m in vocab.pattern.finditer(body):
        anchors.append((m.start(), m.end(), vocab.canonical[_key(m.group(0))], None))
        taken.append((m.start(), m.end()))
    for m in _ACOEM_CHAPTER.finditer(body):
        following = [a for a in anchors if a[0] >= m.start() and a[0] <= m.end() + 1]
        if following:  # "ACOEM Chapter 9 Shoulder Complaints": the citation starts at "ACOEM"
            idx = anchors.index(following[0])
            a = anchors[idx]
            anchors[idx] = (m.start(), a[1], a[2], m.group(1))
        elif not any(s <= m.start() < e for s, e in taken):
            name = vocab.by_chapter.get(m.group(1))
            anchors.append((m.start(), m.end(), name, m.group(1)))
    anchors.sort()
    if not anchors:
        anchors = [(0, 0, None, None)]
    out = []
    for i, (a_start, name_end, name, chapter) in enumerate(anchors):
        sub_end = anchors[i + 1][0] if i + 1 < len(anchors) else len(body)
        rest = body[name_end:sub_end]
        edition = None
        em = _EDITION.match(rest)
        if em and name:
            edition, rest_offset = em.group(1), em.end()
        else:
            rest_offset = 0
        tail = rest[rest_offset:]
        pages, pm = _pages(tail)
        sm = _SECTION.search(tail)
        if sm:
            section = _clean(tail[sm.end(): pm.start() if pm and pm.start() > sm.end() else len(tail)])
        else:
            section = _clean(tail[: pm.start()] if pm else tail)
        raw_start = start + (a_start if i else 0)
        raw = make_span(source, head if i == 0 else raw_start, start + sub_end, strip=",")
        out.append(Citation(role, raw or Span(source[start:end], start, end), True, name, edition,
                            chapter or (vocab.chapters.get(name) if name else None), section, pages))
    return out


def _non_mtus_citation(source: str, start: int, end: int, role: str, head: int, prose: bool) -> Citation:
    text = source[start:end]
    vocab = vocabulary()
    m = vocab["non_mtus"].pattern.search(text)
    if prose and m:  # "The Claims Administrator based its decision on the ODG ...": cited part only
        text = text[m.start():]
        m = vocab["non_mtus"].pattern.search(text)
    guideline = vocab["non_mtus"].canonical[_key(m.group(0))] if m else None
    after = text[m.end():] if m else text
    edition = None
    chapter = section = None
    if guideline == "ODG":
        em = _EDITION.match(after)
        if em:
            edition = em.group(1)
        cm = vocab["odg_chapters"].pattern.search(after)
        if cm:
            chapter = vocab["odg_chapters"].canonical[_key(cm.group(0))]
            section = _clean(after[cm.end():])
    pages, _ = _pages(text)
    raw = make_span(source, head, end) or Span(text, start, end)
    return Citation(role, raw, False, guideline, edition, chapter, section, pages, _clean(text))


def parse_citations(source: str, start: int, end: int, role: str) -> list[Citation]:
    """All citations in source[start:end] (the text after a "... guideline:" label)."""
    text = source[start:end]
    heads = list(_BASED_ON.finditer(text))
    if not heads:
        if _NO_EVIDENCE.search(text) or not text.strip():
            return []
        # prose citation (2013 notices, professional reviews): one statement
        return _statement(source, start, end, role, start, prose=True)
    out: list[Citation] = []
    for i, h in enumerate(heads):
        seg_end = start + heads[i + 1].start() if i + 1 < len(heads) else end
        out.extend(_statement(source, start + h.end(), seg_end, role, start + h.start(), prose=False))
    return out


def _statement(source: str, start: int, end: int, role: str, head: int, prose: bool) -> list[Citation]:
    text = source[start:end]
    nm = _NON_MTUS.search(text)
    if nm:
        return [_non_mtus_citation(source, start + nm.end(), end, role, head, False)]
    if prose:
        mtus_named = vocabulary()["mtus"].pattern.search(text)
        if _NEGATED.search(text) or (not mtus_named and not re.search(r"\bMTUS\b", text)):
            return [_non_mtus_citation(source, start, end, role, head, True)]
    mw = _MTUS_WORD.match(text)
    body_start = start + (mw.end() if mw else 0)
    return _mtus_citations(source, body_start, end, role, head)
