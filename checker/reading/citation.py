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
    """One pattern for every alias, longest first; commas are optional and "and" and "&" the same word, so
    "Forearm, Wrist, and Hand", "Forearm, Wrist & Hand" and "Forearm Wrist and Hand" are one name."""
    def word(w: str) -> str:
        return r"(?:and|&)" if w in ("and", "&") else re.escape(w)

    parts = sorted({_key(a) for a in aliases}, key=len, reverse=True)
    body = "|".join(r"\s*,?\s+".join(word(w) for w in a.split()) for a in parts)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)


def _key(s: str) -> str:
    """An alias as a lookup key: lower case, commas dropped, "&" read as "and", whitespace collapsed."""
    return " ".join(s.lower().replace(",", " ").replace("&", " and ").split())


def _build(entries: list[dict]) -> _Vocab:
    canonical: dict[str, str] = {}
    chapters: dict[str, str] = {}
    for entry in entries:
        for alias in entry["aliases"]:
            canonical[_key(alias)] = entry["name"]
        if entry.get("chapter"):
            chapters[entry["name"]] = str(entry["chapter"])
    return _Vocab(_alias_regex(list(canonical)), canonical, chapters, {v: k for k, v in chapters.items()})


@dataclass(frozen=True)
class _Reading:
    """How a citation line is cut and its sections mended (the vocabulary's `reading` block)."""
    anchor_after: re.Pattern[str]
    section_noise: re.Pattern[str]
    section_connectors: re.Pattern[str]
    section_pages: re.Pattern[str]


_READING_KEYS = ("anchor_after", "section_noise", "section_connectors", "section_pages")


def _reading(path: Path, text: str) -> _Reading:
    """The `reading` block, every pattern compiled; a missing or bad one is a ValidationFailure at its line."""
    from checker.core.errors import Problem, ValidationFailure

    root = yaml.compose(text)
    block = next((v for k, v in getattr(root, "value", []) if k.value == "reading"), None)
    nodes = {k.value: v for k, v in getattr(block, "value", [])} if isinstance(block, yaml.MappingNode) else {}
    out, problems = {}, []
    for key in _READING_KEYS:
        node = nodes.get(key)
        mark = (node or block or root).start_mark
        where = (str(path), mark.line + 1, mark.column + 1, "guidelines", f"reading.{key}")
        if not isinstance(node, yaml.ScalarNode):
            problems.append(Problem(*where, "missing: a regular expression is required"))
            continue
        try:
            out[key] = re.compile(node.value, re.IGNORECASE)
        except re.error as exc:
            problems.append(Problem(*where, f"invalid regular expression: {exc}"))
    problems += [Problem(str(path), v.start_mark.line + 1, v.start_mark.column + 1, "guidelines", f"reading.{k}",
                         "unknown key", "one of: " + ", ".join(_READING_KEYS)) for k, v in nodes.items() if k not in _READING_KEYS]
    if problems:
        raise ValidationFailure(problems)
    return _Reading(**out)


def load_vocabulary(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    out: dict = {kind: _build(data[kind]) for kind in ("mtus", "non_mtus", "odg_chapters")}
    out["reading"] = _reading(path, text)
    return out


@lru_cache(maxsize=1)
def vocabulary() -> dict:
    return load_vocabulary(_VOCAB_PATH)


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
_TRIM = " \t\n,.;:<>-/"


def _clean(s: str) -> str | None:
    s = vocabulary()["reading"].section_noise.sub(" ", _WHICH.sub("", s))
    s = " ".join(s.split()).strip(_TRIM)
    s = re.sub(r"(?:,\s*|\s+)and$", "", s, flags=re.IGNORECASE).strip(_TRIM)
    s = re.sub(r"^(?:Guidelines?|Chapter|section|for|on)\b[\s,:]*", "", s, flags=re.IGNORECASE)
    s = re.sub(r"^(?:Guidelines?|Chapter|section|for|on)\b[\s,:]*", "", s, flags=re.IGNORECASE)
    s = s.strip(_TRIM)
    inner = re.fullmatch(r"\(([^()]*)\)", s)  # "(Benzodiazepines)": the section in brackets
    if inner:
        s = inner.group(1).strip(_TRIM)
    if vocabulary()["reading"].section_connectors.fullmatch(s):
        return None
    return s or None


def _section_pages(section: str | None, pages: list[str]) -> tuple[str | None, list[str]]:
    """A section that is only page numbers ("Section(s): 326") is the citation's pages."""
    if section and vocabulary()["reading"].section_pages.fullmatch(section):
        return None, pages or [" ".join(p.split()) for p in section.split(",")]
    return section, pages


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
    after = vocabulary()["reading"].anchor_after
    for m in vocab.pattern.finditer(body):
        if anchors and not after.search(body, 0, m.start()):
            continue  # a guideline's name inside a section: "Cornerstones of Disability Prevention and ..."
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
        section, pages = _section_pages(section, pages)
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
            rest = after[cm.end():]
            lead = vocab["non_mtus"].pattern.match(rest.strip(_TRIM))  # "Knee Official Disability Guidelines (ODG), ..."
            section = _clean(rest.strip(_TRIM)[lead.end():] if lead else rest)
        else:  # "ODG Chiropractic guidelines": no chapter named, the rest is the section
            section = _clean(after[em.end():] if em else after)
    pages, _ = _pages(text)
    section, pages = _section_pages(section, pages)
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
