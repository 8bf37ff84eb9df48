"""Reading case facts out of letters and clinical notes, each with its evidence and assertion status.

Input is a text and its segments (an item title, a case summary, a rationale, or whole notes). Each
segment is split into sentences; sentences that state the guideline rather than a fact about the
patient are skipped; the patterns of rules/extraction/findings.yaml propose facts; ConText decides
whether each mention is present, negated, historical, hypothetical or a statement that the record
lacks it; mentions of one fact are reconciled by the fact's conflict policy.
"""
from __future__ import annotations

import bisect
import datetime as dt
import re
import threading
from dataclasses import dataclass, field
from typing import Any, Optional

from checker.reading.dates import find_dates, is_impossible, parse_date, parse_partial
from checker.rules.facts import Evidence, Fact, FactSet
from checker.extraction.nlp import Assertions
from checker.extraction.patterns import Patterns, Rx
from checker.extraction.prefilter import Gate
from checker.extraction.plausible import IMPOSSIBLE_DATE, screen
from checker.rules.vocabulary import Vocabulary
from checker.core.values import words

ROLE_ORDER = {"header": 0, "title": 1, "summary": 2, "notes": 2, "rationale": 3}
LETTER_ROLES = ("summary", "rationale")
DROPPING = {"HYPOTHETICAL", "POSSIBLE_EXISTENCE", "FAMILY", "ALLERGY"}
_DIGIT = re.compile(r"\d")
# sentences before the current one in which a pattern's `requires` may be found: a note's paragraph on the
# last injections runs over several ("s/p TPIs 2/2/15. ... 51% relief. ... During those 6 wks: ..."), and a
# procedure log's rows and headings come between (five counted sentences, short lines not counted)
WINDOW = 5
MIN_WINDOW_WORDS = 4  # a shorter line (a rule of dashes, a heading) does not count as one of them
MAX_SENTENCE = 1200  # characters; real sentences in letters and notes stay well under this


@dataclass(frozen=True)
class Segment:
    role: str            # header | title | summary | rationale | notes
    start: int
    end: int


@dataclass(frozen=True)
class Mention:
    fact: str
    value: Any
    start: int           # the evidence quote's position in the text
    end: int
    role: str
    assertion: str = "present"


@dataclass
class Extraction:
    facts: FactSet
    mentions: list[Mention] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Target:
    rx: Optional[Rx]
    fact: str
    value: Any
    quote: tuple[int, int]      # what the reviewer sees
    focus: tuple[int, int]      # what ConText judges
    role: str
    negatable: bool = False
    absent_means: Optional[bool] = None
    sentence: tuple[int, int] = (0, 0)


class _Lists:
    """The pattern lists `_targets` searches (Patterns' own, or a subset for the facts an item reads), each
    with its gate: which of its patterns' required words a sentence holds, told once per list."""

    __slots__ = ("bools", "therapies", "values", "dates", "_gates")

    def __init__(self, bools: tuple, therapies: tuple, values: tuple, dates: tuple):
        self.bools, self.therapies, self.values, self.dates = bools, therapies, values, dates
        self._gates = tuple(Gate(rxs, lambda rx: rx.regex) for rxs in (bools, therapies, values, dates))

    def candidates(self, sentence: str) -> tuple[tuple, tuple, tuple, tuple]:
        """The bools, therapies, values and dates that may match `sentence`, each in its list's order."""
        return tuple(gate.candidates(sentence) for gate in self._gates)  # type: ignore[return-value]


class Extractor:
    def __init__(self, patterns: Patterns, vocab: Vocabulary):
        self.p = patterns
        self.vocab = vocab
        self.assertions = Assertions(patterns.modifiers)
        # the lexicon that names a fact: its names, found in a request sentence, are that fact's values
        substances = next((lex for lex in vocab.lexicons.values() if lex.fact), None)
        self._named_fact = substances.fact if substances else None
        names = [n for group in substances.classes.values() for n in group] if substances else []
        self._substance_rx = re.compile(
            r"(?<![\w-])(?:" + "|".join(sorted(map(re.escape, names), key=len, reverse=True)) + r")(?![\w-])", re.I
        ) if names else None
        self._abbreviation_rx = re.compile(r"(?:^|[\s(])(?:" + "|".join(map(re.escape, patterns.abbreviations)) + r")\.$")
        self._lock = threading.Lock()
        self._subsets: dict[Optional[frozenset[str]], _Lists] = {}
        self._cache_text: Optional[str] = None
        self._cache: dict[tuple[int, int, str, frozenset[str], Optional[re.Pattern[str]]], tuple[list[Mention], list[tuple[int, int, str]]]] = {}

    # --- sentences -----------------------------------------------------------------------------------

    def sentences(self, text: str, seg: Segment) -> list[tuple[int, int]]:
        """Sentence spans of a segment (absolute offsets), without surrounding white space."""
        if seg.role == "title":
            return [(seg.start, seg.end)]
        cuts = [seg.start]
        for m in self.p.boundary.finditer(text, seg.start, seg.end):
            before = text[max(seg.start, m.start() - 12):m.start()]
            if self._abbreviation_rx.search(before):
                continue
            cuts.append(m.end())
        cuts.append(seg.end)
        out = []
        for a, b in zip(cuts, cuts[1:]):
            while a < b and text[a].isspace():
                a += 1
            while b > a and text[b - 1].isspace():
                b -= 1
            while b - a > MAX_SENTENCE:
                # no real sentence is this long (text without full stops, or a block repeated many
                # times); ConText's cost grows with modifiers x findings per sentence, so cut it at a
                # space into pieces of bounded length
                cut = text.rfind(" ", a + MAX_SENTENCE // 2, a + MAX_SENTENCE)
                cut = cut if cut > a else a + MAX_SENTENCE
                out.append((a, cut))
                a = cut + 1
            if b > a:
                out.append((a, b))
        return out

    def about_patient(self, sentence: str, role: str) -> bool:
        if self.p.guideline.search(sentence) or self.p.family.search(sentence):
            return False
        if role in LETTER_ROLES and self.p.rule_words.search(sentence) and not (
                self.p.agent_request is not None and self.p.agent_request.search(sentence)):
            return False
        return role != "rationale" or bool(self.p.patient.search(sentence))

    def _nearest_region(self, text: str, t: _Target) -> Optional[str]:
        """The body region named nearest a mention in its sentence ("lumbar disc protrusion at L5-S1, and
        right S1 radiculopathy": lumbar), or None when the sentence names none. A region after the
        mention counts at half its distance: a finding's region follows it ("myofascial pain of the
        right lumbar paraspinals")."""
        s, e = t.sentence
        a, b = t.focus
        best: Optional[tuple[float, str]] = None
        for k, rx in (*self.p.regions, *self.p.sentence_region):
            for m in rx.finditer(text, s, e):
                gap = (m.start() - b) / 2 if m.start() >= b else max(0, a - m.end())
                if best is None or gap < best[0]:
                    best = (gap, k)
        return best[1] if best else None

    def regions(self, sentence: str) -> frozenset[str]:
        """The body regions a sentence speaks of: the request's region words and the region markers."""
        return frozenset(k for table in (self.p.regions, self.p.sentence_region) for k, rx in table
                         if rx.search(sentence))

    # --- proposing mentions ---------------------------------------------------------------------------

    def _targets(self, text: str, s: int, e: int, role: str, window: str, is_request: bool,
                 about_injections: bool = False, dates_only: bool = False,
                 previous: Optional[tuple[int, int]] = None, lists: Optional["_Lists"] = None) -> list[_Target]:
        """Proposed mentions in one sentence; `window` is the sentence with the few before it, where a
        pattern's `requires` may be found ("She received TPIs on 5/20/15. She reported 70% relief.").

        Patterns see the sentence as a reader does: each line break as one space and a word
        hyphenated across a line break joined ("radicu-\nlopathy"); the spans found are mapped back to
        the text, so every quote and position points into the document as written."""
        lists = lists or self._lists(None)  # the patterns of the facts wanted (every fact's by default)
        sentence, back = flatten(text, s, e)
        # only the patterns whose required words the sentence holds are scanned (each with its plain
        # regex: the gate has made the pattern's own word test)
        bools, therapies, values, dates = lists.candidates(sentence)
        out: list[_Target] = []
        seen: dict[int, bool] = {}  # many patterns share one `requires`: search each once per sentence
        flat_window: list[str] = []  # flattened when a `requires` first asks for it

        def _scan(rx: Rx):
            return rx.regex.regex.finditer(sentence)

        def _applies(rx: Rx) -> bool:
            if rx.requires is not None:
                key = id(rx.requires)
                if key not in seen:
                    if not flat_window:
                        flat_window.append(folded(window))
                    seen[key] = bool(rx.requires.search(flat_window[0]))
                if not seen[key]:
                    return False
            if rx.unless is None:
                return True
            key = -id(rx.unless)  # many patterns share one `unless` too ({OTHER_INJECTION})
            if key not in seen:
                seen[key] = bool(rx.unless.search(sentence))
            return not seen[key]

        def at(m: re.Match[str], group: int | str = 0) -> tuple[int, int]:
            a, b = m.span(group)
            return back(a), back(b - 1) + 1 if b > a else back(a)

        whole = (s, e)
        if dates_only:
            return [t for rx in dates if _applies(rx) for m in _scan(rx)
                    for day in [_day(m.group("date"), rx.partial)] if day is not None
                    for t in [_Target(rx, rx.fact, day, at(m), at(m, "date"), role)]]
        for rx in bools:
            if not _applies(rx):
                continue
            for m in _scan(rx):
                out.append(_Target(rx, rx.fact, rx.value, at(m), at(m), role, rx.negatable, rx.absent_means))
        # outcome cues only matter where a therapy is named, or pointed back at
        named = [(rx, m) for rx in therapies for m in _scan(rx)]
        # "None of these gave her lasting relief; the NSAIDs take the edge off": a phrase pointing back
        # judges the therapies of the sentence before by the cue nearest it, even when this sentence
        # names others; a short fragment with an outcome ("Minimal relief.") judges them as a whole
        back_at = self.p.refers_back.search(sentence) if previous is not None and self.p.refers_back is not None \
            else None
        pointing = previous is not None and (back_at is not None or (
            not named and len(sentence.split()) <= self.p.fragment_words))
        failed = [m.start() for m in self.p.failed.finditer(sentence)] if named or pointing else []
        works = [m.start() for m in self.p.works.finditer(sentence)] if named or pointing else []
        if (failed or works) and self.p.unstated is not None:
            # "... but do not state that these measures have failed": what follows is not an outcome
            hit = self.p.unstated.search(sentence)
            if hit is not None:
                failed = [f for f in failed if f < hit.start()]
                works = [w for w in works if w < hit.start()]
        if failed or works:
            for rx, m in named:
                value = _closest(m.start(), failed, works)
                out.append(_Target(rx, rx.fact, value, whole, at(m), role))
            if pointing:
                # the sentence points back at the therapies just listed: its one outcome is theirs
                before, back_before = flatten(text, *previous)
                value = _closest(back_at.start(), failed, works) if back_at is not None else (bool(failed) and not works)
                for rx in lists.therapies:
                    for m in rx.regex.finditer(before):
                        a, b = m.span()
                        focus = (back_before(a), back_before(b - 1) + 1)
                        # the quote spans both sentences; ConText judges the mention in its own sentence
                        out.append(_Target(rx, rx.fact, value, (previous[0], e), focus, role, sentence=previous))
        for rx in values:
            if not _applies(rx) or (rx.context == "request" and not is_request):
                continue
            for m in _scan(rx):
                value = self._number(m, rx)
                if value is not None:
                    focus = at(m, "n") if m.groupdict().get("n") is not None else at(m)
                    out.append(_Target(rx, rx.fact, value, at(m), focus, role))
        for rx in dates if _DIGIT.search(sentence) else ():  # every date has digits
            if not _applies(rx):
                continue
            for m in _scan(rx):
                day = _day(m.group("date"), rx.partial)
                if day is None and is_impossible(m.group("date")):
                    day = IMPOSSIBLE_DATE  # warned about, and the fact left out, in _resolve
                if day is not None:
                    out.append(_Target(rx, rx.fact, day, at(m), at(m, "date"), role))
        if self._substance_rx is not None and is_request and (role == "title" or about_injections or (
                self.p.substance_context is not None and self.p.substance_context.search(sentence)
                and not (self.p.substance_not and self.p.substance_not.search(sentence)))):
            for m in self._substance_rx.finditer(sentence):
                out.append(_Target(None, self._named_fact, m.group(0), at(m), at(m), role))
        return out

    def _number(self, m: re.Match[str], rx: Rx) -> Optional[float]:
        groups = m.groupdict()
        if groups.get("before") and groups.get("after"):
            # a figure given as scores before and after ("from 8/10 to 4/10"): the share that went
            before, after = float(groups["before"]), float(groups["after"])
            if not 0 < before or not 0 <= after <= before:
                return None
            share = round((before - after) / before * 100, 1)
            return int(share) if share.is_integer() else share
        raw = " ".join(m.group("n").lower().split())
        n = self.p.numbers.get(raw, self.p.numbers.get(raw.replace("-", " ")))  # "two-thirds" as "two thirds"
        if n is None:
            try:
                n = float(raw)
            except ValueError:
                return None
        if rx.kind == "duration":
            unit = m.group("unit").lower().rstrip(".")
            days = n * self.p.units.get(unit, self.p.units.get(unit.rstrip("s"), 0))
            if not days:
                return None
            if any(v for k, v in m.groupdict().items() if k.startswith("more")):
                days += 1  # "more than three months" is past the three-month mark
            n = days / 7 if rx.unit == "weeks" else days
        elif m.groupdict().get("more"):
            n += 1  # "greater than 50% relief" is past the 50% mark
        return int(n) if float(n).is_integer() else round(n, 4)

    # --- the whole text -------------------------------------------------------------------------------

    def extract(self, text: str, segments: list[Segment], source: str,
                preset: Optional[dict[str, tuple[Any, int, int]]] = None,
                document_date: Optional[dt.date] = None,
                elsewhere: frozenset[str] = frozenset(), names: Optional[re.Pattern[str]] = None,
                wanted: Optional[frozenset[str]] = None,
                others=None) -> Extraction:
        """Facts from the segments of `text`; `preset` gives header facts (value, start, end; value None
        when the written date does not exist); no fact can be dated after `document_date`. `elsewhere`
        names the body regions of the letter's other requests: a mention in the summary or rationale whose
        nearest region is one of those ("Lumbar examination: no trigger points") is not read for this one.
        `names` finds the requested treatment's name (the pack's recogniser, `takes`): a request sentence
        that names it is read before the others, and its next lines with it. `wanted` (the facts the
        item's pack reads) limits the patterns searched to theirs and to the facts those yield to.
        `others` (the other packs' treatment names, and the facts several packs read): in a summary or
        rationale sentence naming several treatments, such a fact belongs to the one named nearest
        before it ("dry needling, 6 sessions, and physical therapy 2 times a week for 2 weeks")."""
        mentions: list[Mention] = []
        request_sentences: list[tuple[int, int, str]] = []
        with self._lock:  # the segment cache and the spaCy pipeline are shared (the web page's threads)
            for seg in segments:
                found, requests = self._segment(text, seg, elsewhere, names, self._lists(wanted), others)
                mentions += found
                request_sentences += requests
        for name, (value, start, end) in (preset or {}).items():
            if value is None:
                if not is_impossible(text[start:end]):
                    continue  # a partial date ("December 2014") documents nothing
                value = IMPOSSIBLE_DATE
            mentions.append(Mention(name, value, start, end, "header"))
        mentions += self._request_mentions(text, request_sentences, mentions, names)
        mentions.sort(key=lambda m: (ROLE_ORDER.get(m.role, 9), m.start))
        # a passage read in two roles (a note's request line is its title too) counts once, in the first,
        # and keeps that role's place in the order
        seen: set[tuple[str, int, int]] = set()
        once: list[Mention] = []
        for m in mentions:
            if (m.fact, m.start, m.end) not in seen:
                seen.add((m.fact, m.start, m.end))
                once.append(m)
        mentions = once
        mentions = _without_yielded(mentions, self.p.yields)
        warnings: list[str] = []
        mentions = screen(text, mentions, self.vocab, document_date, warnings)
        # a note's request line: in a record of several visits, the visit that makes the request is the
        # one whose dates come last before it
        notes = any(seg.role == "notes" for seg in segments)
        anchor = next((seg.start for seg in segments if seg.role == "title"), None) if notes else None
        facts = self._resolve(text, mentions, source, warnings, anchor)
        return Extraction(facts, mentions, warnings)

    @staticmethod
    def _another_treatments(text: str, t: "_Target", names: re.Pattern[str], others) -> bool:
        """Whether a mention of a fact several packs read follows another treatment's name more closely
        than this item's treatment in its sentence (`others`: where the last other name before a position
        ends, and those facts)."""
        named_before, shared = others
        if t.fact not in shared:
            return False
        s, at = t.sentence[0], t.quote[0]
        # the phrase read names a treatment: its count is that treatment's ("8 more physical therapy
        # visits" is a count of physical therapy, whatever was named before it, and none of acupuncture)
        a, b = t.quote
        if names.search(text, a, b) is not None:
            return False
        if named_before(text, a, b) >= 0:
            return True
        mine = max((m.end() for m in names.finditer(text, s, at)), default=-1)
        return named_before(text, s, at) > mine

    def _lists(self, wanted: Optional[frozenset[str]]) -> "_Lists":
        """The patterns of the `wanted` facts and of the facts their mentions yield to or are implied by
        (so that a yield still happens), computed once per set; every pattern when `wanted` is None."""
        if wanted is None:
            if None not in self._subsets:
                self._subsets[None] = _Lists(self.p.bools, self.p.therapies, self.p.values, self.p.dates)
            return self._subsets[None]
        if wanted not in self._subsets:
            keep, stack = set(wanted), list(wanted)
            request_fact, request_yields = self.p.request_date
            while stack:
                f = stack.pop()
                more = set(self.p.yields.get(f, ())) | set(self.p.implied.get(f, (None, ()))[1])
                if f == request_fact:
                    more |= set(request_yields)
                for g in more - keep:
                    keep.add(g)
                    stack.append(g)
            pick = lambda rxs: tuple(rx for rx in rxs if rx.fact in keep)  # noqa: E731
            self._subsets[wanted] = _Lists(pick(self.p.bools), pick(self.p.therapies), pick(self.p.values),
                                           pick(self.p.dates))
        return self._subsets[wanted]

    def _segment(self, text: str, seg: Segment, elsewhere: frozenset[str] = frozenset(),
                 names: Optional[re.Pattern[str]] = None, lists: Optional["_Lists"] = None,
                 others=None
                 ) -> tuple[list[Mention], list[tuple[int, int, str]]]:
        """Mentions and request sentences of one segment. The items of a letter share its case summary:
        it is read once per letter and region (the last text's segments are kept), not once per item."""
        key = (seg.start, seg.end, seg.role, elsewhere, names, id(lists), id(others))
        if self._cache_text is not text:
            self._cache_text, self._cache = text, {}
        if key in self._cache:
            found, requests = self._cache[key]
            return list(found), list(requests)
        targets: list[_Target] = []
        requests: list[tuple[int, int, str]] = []
        plan = self.p.plan_heading.search(text, seg.start, seg.end) if seg.role == "notes" else None
        kept = [(s, e) for s, e in self.sentences(text, seg) if self.about_patient(text[s:e], seg.role)]
        follow = -1  # a request names the injections, the next lines often give its details
        starts = _window_starts(text, kept)
        for i, (s, e) in enumerate(kept):
            window = text[starts[i]:e]
            is_request = seg.role == "title" or bool(self.p.request_words.search(text[s:e])) \
                or (plan is not None and s >= plan.start()) or i <= follow
            if is_request and names is not None and names.search(text, s, e):
                follow = max(follow, i + 2)
            review = bool(self.p.review_decision.search(text, s, e) and self.p.review_reason.search(text, s, e))
            previous = kept[i - 1] if i else None
            for t in self._targets(text, s, e, seg.role, window, is_request, i <= follow, dates_only=review,
                                   previous=previous, lists=lists):
                if t.sentence == (0, 0):
                    t.sentence = (s, e)
                targets.append(t)
            if is_request:
                requests.append((s, e, seg.role))
        if elsewhere and seg.role != "title":
            targets = [t for t in targets if self._nearest_region(text, t) not in elsewhere]
        if others is not None and names is not None:
            targets = [t for t in targets if not self._another_treatments(text, t, names, others)]
        categories = self.assertions.categories(text, [(t.sentence, t.focus) for t in targets])
        found = [m for t, cats in zip(targets, categories) if (m := _judge(t, cats)) is not None]
        self._cache[key] = (found, requests)
        return list(found), list(requests)

    def _request_mentions(self, text: str, sentences: list[tuple[int, int, str]],
                          found: list[Mention], names: Optional[re.Pattern[str]]) -> list[Mention]:
        """Region, side and date of the request. The sentences that name the requested treatment come
        first (a case summary's "the request for a cervical MRI" is another request), then the other
        request sentences; in each, the region or side named first wins. A date in the item's title (a
        note's request line) is the request's date unless another date fact already took it ("last TPIs 3/2/15")."""
        out: list[Mention] = []
        naming = [t for t in sentences if names is not None and names.search(text, t[0], t[1])]
        ordered = naming + [t for t in sentences if t not in naming]
        for name, table in ((self.p.region_fact, self.p.regions), (self.p.side_fact, self.p.sides)):
            for s, e, role in ordered:
                hits = [(m.start(), key, m) for key, rx in table for m in [rx.search(text, s, e)] if m]
                if hits:
                    _, key, m = min(hits, key=lambda h: h[0])  # the one named first
                    out.append(Mention(name, key, m.start(), m.end(), role))
                    break
        # a date that another date fact read (the last injection, the injury) is not the request's
        date_fact, others = self.p.request_date
        if date_fact is not None:
            taken = [(m.start, m.end) for m in found if m.fact in others]
            free = [(a + s, b + s, day) for s, e, role in naming if role == "title"
                    for a, b, day in find_dates(text[s:e]) if not any(x < b + s and a + s < y for x, y in taken)]
            if free:
                a, b, day = free[0]
                out.append(Mention(date_fact, day, a, b, "title"))
        return out

    def _resolve(self, text: str, mentions: list[Mention], source: str, warnings: list[str],
                 anchor: Optional[int] = None) -> FactSet:
        by_fact: dict[str, list[Mention]] = {}
        for m in mentions:
            by_fact.setdefault(m.fact, []).append(m)
        facts: dict[str, Fact] = {}
        for name, found in by_fact.items():
            if self.vocab.facts[name].type == "list":  # every name mentioned, in order
                names = list(dict.fromkeys(m.value.lower() for m in found))
                facts[name] = Fact(tuple(names), tuple(_evidence(text, m, source) for m in found))
                continue
            value, used = self._reconcile(name, found, warnings, anchor)
            if used:
                facts[name] = Fact(value, tuple(_evidence(text, m, source) for m in used))
        # a fact the text does not state but another documented fact implies ("70% relief after the
        # injections" documents earlier injections), with the implying facts' evidence
        for name, (value, by) in self.p.implied.items():
            present = [facts[b] for b in by if b in facts]
            if name not in facts and present:
                facts[name] = Fact(value, tuple(e for f in present for e in f.evidence),
                                   "implied by " + ", ".join(self.vocab.facts[b].label for b in by if b in facts))
        # two dates in an impossible order: neither can be trusted, both are left out
        broken = [(a, b) for a, b in self.vocab.order if a in facts and b in facts and facts[a].value > facts[b].value]
        for a, b in broken:
            warnings.append(f"{self.vocab.facts[b].label} ({facts[b].value}) is before {self.vocab.facts[a].label} "
                            f"({facts[a].value}): both dates left out")
        for name in {n for pair in broken for n in pair}:
            facts.pop(name, None)
        return FactSet(facts)

    def _reconcile(self, name: str, found: list[Mention], warnings: list[str],
                   anchor: Optional[int] = None) -> tuple[Any, list[Mention]]:
        values = list(dict.fromkeys(m.value for m in found))
        if len(values) == 1:
            return values[0], found
        policy = self.p.conflict.get(name, "first")
        label = self.vocab.facts[name].label
        if policy == "nearest_before_request":
            # the request line's own mention first; else the last one before the request line of a note;
            # else (a letter, or nothing before it) the first
            before = sorted((m for m in found if m.role != "title" and anchor is not None and m.start < anchor),
                            key=lambda m: m.start)
            if not any(m.role == "title" for m in found) and before:
                chosen = before[-1].value
                warnings.append(f"{label}: mentions disagree ({', '.join(map(words, values))}); "
                                f"{words(chosen)}, the last before the request, is used")
                return chosen, [m for m in found if m.value == chosen]
        if policy is True and True in values:
            warnings.append(f"{label}: mentions disagree; documented present wins")
            return True, [m for m in found if m.value is True]
        if policy == "last":  # the last mention: of several sessions told in order, the latest one's
            chosen = found[-1].value
            warnings.append(f"{label}: mentions disagree ({', '.join(map(words, values))}); the last, {words(chosen)}, is used")
            return chosen, [m for m in found if m.value == chosen]
        if policy == "latest":  # the latest of several dates (the last visit of a record)
            latest = max(values)
            return latest, [m for m in found if m.value == latest]
        if policy == "drop":
            warnings.append(f"{label}: mentions disagree ({', '.join(map(words, values))}); left not documented")
            return None, []
        first = found[0].value
        warnings.append(f"{label}: mentions disagree ({', '.join(map(words, values))}); the first, {words(first)}, is used")
        return first, [m for m in found if m.value == first]


# a line break with the white space around it, and a word hyphenated across one; spaces within a line
# are kept, since column layouts ("Visit date: 2/14/11" after two spaces) are read by them
_FOLD = re.compile(r"(?<=[a-z])-[ \t]*\r?\n\s*(?=[a-z])|[ \t]*\r?\n\s*")


def flatten(text: str, s: int, e: int) -> tuple[str, Any]:
    """`text[s:e]` with each line break (and the white space around it) as one space and line-break
    hyphenation removed, and a function from an offset in the flattened string back to the absolute
    offset in `text`."""
    pieces: list[str] = []
    shifts: list[tuple[int, int]] = []   # (flat offset, absolute offset) where a folded run ends
    last, flat_len = s, 0
    for m in _FOLD.finditer(text, s, e):
        pieces.append(text[last:m.start()])
        flat_len += m.start() - last
        if m.group(0)[0] != "-":
            pieces.append(" ")
            flat_len += 1
        last = m.end()
        shifts.append((flat_len, last))
    if not shifts:
        return text[s:e], lambda i: s + i
    pieces.append(text[last:e])
    starts = [f for f, _ in shifts]

    def back(i: int) -> int:
        k = bisect.bisect_right(starts, i) - 1
        if k < 0:
            return s + i
        flat, absolute = shifts[k]
        return absolute + (i - flat)
    return "".join(pieces), back


def folded(text: str) -> str:
    """The string `flatten` gives for the whole of `text`, without the map back to its offsets."""
    return _FOLD.sub(_folded_as, text) if "\n" in text else text


def _folded_as(m: re.Match[str]) -> str:
    return "" if m.group(0)[0] == "-" else " "


def _window_starts(text: str, kept: list[tuple[int, int]]) -> list[int]:
    """Where each sentence's `requires` window begins: WINDOW sentences back, not counting lines too
    short to say anything (a rule of dashes, a heading, a table's rule line)."""
    out, counted = [], []
    for i, (s, e) in enumerate(kept):
        j, n = i, 0
        while j > 0 and n < WINDOW:
            j -= 1
            n += counted[j]
        out.append(kept[j][0])
        counted.append(len(text[s:e].split()) >= MIN_WINDOW_WORDS)
    return out


def _without_yielded(mentions: list[Mention], yields: dict[str, frozenset[str]]) -> list[Mention]:
    """Drop the date mentions of a fact that yields the same date to another fact's mention."""
    if not yields:
        return mentions
    spans: dict[str, list[tuple[int, int]]] = {}
    for m in mentions:
        spans.setdefault(m.fact, []).append((m.start, m.end))
    return [m for m in mentions if not any(a < m.end and m.start < b for other in yields.get(m.fact, ())
                                          for a, b in spans.get(other, ()))]


def _day(written: str, partial: bool) -> Optional[dt.date]:
    if not partial:
        return parse_date(written)
    found = parse_partial(written)
    return found[0] if found else None


def _closest(offset: int, failed: list[int], works: list[int]) -> bool:
    """True (failed) or False (works): the outcome phrase nearest the therapy mention wins."""
    if failed and works:
        return min(abs(f - offset) for f in failed) <= min(abs(w - offset) for w in works)
    return bool(failed)


def _judge(t: _Target, cats: frozenset[str]) -> Optional[Mention]:
    if cats & (DROPPING - {"HYPOTHETICAL"} if t.rx is not None and t.rx.conditional else DROPPING):
        return None
    if "NOT_DOCUMENTED" in cats:
        if t.absent_means is None:
            return None
        return Mention(t.fact, t.absent_means, *t.quote, t.role, "negated")
    if "NEGATED_EXISTENCE" in cats:
        if not t.negatable:
            # the pattern carries its own negation ("negative SLR"); a negated therapy was not tried,
            # a negated substance or value is not documented; a date is never negated: the negation
            # of its sentence is about something else ("tolerated well, no complications ... Date: 10/2/15")
            if t.rx is not None and t.rx.kind == "bool" and t.value is False:
                return Mention(t.fact, t.value, *t.quote, t.role, "negated")
            if t.rx is not None and t.rx.kind == "date":
                return Mention(t.fact, t.value, *t.quote, t.role)
            return None
        return Mention(t.fact, not t.value, *t.quote, t.role, "negated")
    assertion = "historical" if "HISTORICAL" in cats else ("negated" if t.value is False and t.rx and t.rx.kind == "bool" else "present")
    return Mention(t.fact, t.value, *t.quote, t.role, assertion)


def _evidence(text: str, m: Mention, source: str) -> Evidence:
    return Evidence(text[m.start:m.end], source, m.start, m.end, None, m.assertion)

