"""From a letter or clinical notes to a checked request per disputed item.

Letters are parsed into items; each item whose title is a trigger point injection request is read for
facts (its title, the case summary and its own rationale) and evaluated; other items are listed as
outside the rule packs, never guessed. A text in no letter layout is clinical notes: one item, the
requested treatment found in its plan.
"""
from __future__ import annotations

import bisect
import functools
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from checker.decision.decide import Decision, Evaluator, evaluate_facts
from checker.core.errors import InputError
from checker.extraction.extract import Extraction, Extractor, Segment
from checker.rules.facts import Evidence, Fact, FactSet
from checker.reading.letter import Item, Letter, parse_letter
from checker.extraction.patterns import Patterns
from checker.reading.quotes import continued_line_end
from checker.rules.rulepack import ROUTING_FACT, RulePack, RuleSet
from checker.reading.source import SourceText, read_source
from checker.core.values import plain

# Real IMR letters hold a handful of disputed items (at most about 20 in the DWC corpus); a "letter"
# with hundreds is not one, and checking it would take minutes.
MAX_ITEMS = 200


@dataclass
class ItemCheck:
    title: str
    title_span: tuple[int, int]
    letter_decision: Optional[str]
    pack: Optional[str]   # the id of the pack that takes the item; None: outside every pack
    extraction: Optional[Extraction] = None
    decision: Optional[Decision] = None
    item: Optional[Item] = None
    review: list = field(default_factory=list)   # the reviewer's changes (review.Change), if any


@dataclass
class LetterCheck:
    path: str
    kind: str
    text: str
    letter: Letter
    items: list[ItemCheck] = field(default_factory=list)


class Checker:
    """Reads letters and notes and evaluates their trigger point injection items."""

    def __init__(self, rules: RuleSet, evaluator: Evaluator, extractor: Extractor):
        self.rules = rules
        self.evaluate = evaluator
        self.extractor = extractor
        # what an item of each pack reports: the facts its criteria read and those they are derived from,
        # plus the request's region and side; another pack's facts found in the same text are left out
        kept = {n for n in (extractor.p.region_fact, extractor.p.side_fact) if n}
        self._reads = {p.id: rules.vocabulary.closure(p.fact_names()) | kept for p in rules.packs}
        # the request facts several packs read (a visit count) and, for each pack, the other packs' treatment
        # names: in a sentence naming two treatments, such a fact belongs to the nearer one before it
        counts: dict[str, int] = {}
        for p in rules.packs:
            for n in self._reads[p.id] - kept:   # (the request's region and side are read otherwise)
                counts[n] = counts.get(n, 0) + 1
        asked = {rx.fact for rx in extractor.p.values if rx.context == "request"}   # read from request sentences
        shared = frozenset(n for n, c in counts.items() if c > 1 and n in asked)
        self._others = {p.id: (functools.partial(_named_before, [q for q in rules.packs if q is not p]), shared)
                        for p in rules.packs} if shared else {}

    def reads(self, pack_id: Optional[str]) -> frozenset[str]:
        """The facts an item of this pack reports (none outside every pack)."""
        return frozenset(self._reads.get(pack_id, ())) if pack_id else frozenset()

    def check_file(self, path: str | Path) -> LetterCheck:
        return self.check_source(read_source(path))

    def check_source(self, source: SourceText) -> LetterCheck:
        text = source.text
        letter = parse_letter(text)
        if len(letter.items) > MAX_ITEMS:
            raise InputError(f"{source.path}: {len(letter.items)} disputed items, more than the {MAX_ITEMS} a letter can "
                             "hold; is it several letters joined together?")
        if letter.layout != "notes" and not letter.items:
            raise InputError(f"{source.path}: reads as a {letter.layout} letter, but no disputed item with its decision "
                             "could be found in it")
        out = LetterCheck(source.path, source.kind, text, letter)
        # the letter header's dates that document facts (rules/facts.yaml `letter_dates`)
        preset = {fact: (letter.dates[key].value, letter.dates[key].span.start, letter.dates[key].span.end)
                  for key, fact in self.rules.vocabulary.letter_dates if key in letter.dates}
        dated = letter.dates.get("decision")  # no fact of the letter can be later than the letter
        latest = dated.value if dated is not None else None
        if letter.layout == "notes":
            out.items.extend(self._notes_items(source, preset))
            return out
        # a letter disputing injections for several body regions: each item reads what is about its own
        packs = {id(i): self.pack_for_title(i.title.text) for i in letter.items}
        regions = {id(i): self.extractor.regions(i.title.text) for i in letter.items if packs[id(i)] is not None}
        for item in letter.items:
            title = item.title
            pack = packs[id(item)]
            own = regions.get(id(item), frozenset())
            elsewhere = frozenset().union(*(r for k, r in regions.items() if k != id(item))) - own if own else frozenset()
            check = ItemCheck(" ".join(title.text.split()), (title.start, title.end), item.decision,
                              pack.id if pack is not None else None, item=item)
            if pack is not None:
                # a partly certified item disputes part of a session: the heading's original request
                # says how many injections the session would hold (TPI-5 counts per session)
                head = item.heading if item.partial and item.heading is not None else title
                segments = [Segment("title", head.start, head.end)]
                if letter.summary is not None:
                    segments.append(Segment("summary", letter.summary.start, letter.summary.end))
                if item.rationale is not None:
                    segments.append(Segment("rationale", item.rationale.start, item.rationale.end))
                self._evaluate(check, text, segments, source.path, preset, pack, latest, elsewhere)
            out.items.append(check)
        return out

    def in_a_pack(self, title: str) -> bool:
        """Whether a pack takes this item title."""
        return self.pack_for_title(title) is not None

    def pack_for_title(self, title: str) -> Optional[RulePack]:
        """The first pack (in load order, see load_rules) whose recogniser takes the title; None: outside
        every pack."""
        return next((pack for pack in self.rules.packs if pack.recognises(title)), None)



    def _notes_items(self, source: SourceText, preset: dict[str, Any]) -> list[ItemCheck]:
        """A note's requests: one item for each pack whose treatment the note asks for (a note may ask
        for trigger point injections and an epidural), in the packs' order."""
        text = source.text
        whole = Segment("notes", 0, len(text))
        plan = self.extractor.p.plan_heading.search(text)
        asking = [(s, e, bool(self.extractor.p.request_words.search(text[s:e])))
                  for s, e in self.extractor.sentences(text, whole)
                  if self.extractor.p.request_words.search(text[s:e]) or (plan and s >= plan.start())]
        items = []
        for pack in self.rules.packs:
            requests = [r for r in asking if pack.recognises_sentence(text, r[0], r[1])]
            # a sentence stating the guideline ("MTUS ... recommend trigger point injections only for ...")
            # is not the request while another sentence names the treatment
            requests = [r for r in requests if self.extractor.about_patient(text[r[0]:r[1]], "notes")] or requests
            request = _in_latest_visit(requests, text, self.extractor.p)
            if request is not None:
                items.append(self._note_request(text, request, pack, whole, source, preset))
        return items or [ItemCheck("(no request a rule pack takes was found)", (0, 0), None, None)]

    def _note_request(self, text: str, request: tuple[int, int], pack: RulePack, whole: Segment,
                      source: SourceText, preset: dict[str, Any]) -> ItemCheck:
        # the title is the line of the request sentence that names the treatment
        hit = pack.recognises_sentence(text, *request)  # not None: the sentence was chosen for it
        line_start = max(text.rfind("\n", request[0], hit.start()) + 1, request[0])
        line_end = text.find("\n", hit.end(), request[1])
        span = (line_start, continued_line_end(text, line_end, request[1]) if line_end != -1 else request[1])
        check = ItemCheck(" ".join(text[span[0]:span[1]].split()), span, None, pack.id)
        # the request line is read as the item's title too, so that what it says of the request (its
        # region, side, count, date) comes before what the rest of the note says
        self._evaluate(check, text, [Segment("title", *span), whole], source.path, preset, pack)
        return check

    def _evaluate(self, check: ItemCheck, text: str, segments: list[Segment], path: str, preset: dict[str, Any],
                  pack: RulePack, latest: Optional[dt.date] = None, elsewhere: frozenset[str] = frozenset()) -> None:
        reads = self._reads.get(pack.id)
        extraction = self.extractor.extract(text, segments, path, preset, latest, elsewhere, pack.takes, reads,
                                            self._others.get(pack.id))
        facts = {n: f for n, f in extraction.facts.facts.items() if reads is None or n in reads}
        s, e = check.title_span
        facts[ROUTING_FACT] = Fact(pack.treatment, (Evidence(text[s:e], path, s, e),))
        extraction.facts = FactSet(facts)
        check.extraction = extraction
        check.decision = evaluate_facts(extraction.facts, self.rules, self.evaluate, pack)



def _named_before(packs: list[RulePack], text: str, start: int, end: int) -> int:
    """Where the last name of another pack's treatment in text[start:end] ends (-1: none), a name its
    own keyword traps refuse not counted ("chiropractic physiotherapy" names no physical therapy)."""
    return max((hit.end() for p in packs for hit in p.accepted_hits(text, start, end)), default=-1)


def _in_latest_visit(requests: list[tuple[int, int, bool]], text: str, p: Patterns) -> Optional[tuple[int, int]]:
    """The request of a note. Sentences that record earlier injections ("TPI #1: 04/21/2016 ...",
    "s/p TPI x4 on 6/2/14") are passed over while another names the injections; in a record of several
    visits (a procedure note and its follow-up, an older visit copied forward) the latest visit that
    makes one is read; in it, the first sentence that asks ("RFA submitted: repeat TPI x3"), else the
    first with a request word, else the first after its plan heading."""
    if not requests:
        return None
    def past(r: tuple[int, int, bool]) -> bool:
        return p.past_injection is not None and bool(p.past_injection.search(text, r[0], r[1])) and not (
            p.request_cue is not None and p.request_cue.search(text, r[0], r[1]))
    current = [r for r in requests if not past(r)] or requests
    heading = p.visit_heading
    starts = [m.start() for m in heading.finditer(text)] if heading is not None else []
    latest = max(bisect.bisect_right(starts, s) for s, _, _ in current)
    mine = [r for r in current if bisect.bisect_right(starts, r[0]) == latest]
    asking = [r for r in mine if p.request_cue is not None and p.request_cue.search(text, r[0], r[1])]
    s, e, _ = next(iter(asking), None) or next((r for r in mine if r[2]), mine[0])
    return s, e


def fact_values(facts: FactSet) -> dict[str, Any]:
    """Plain values for output: dates as ISO text, lists as lists."""
    out = {}
    for name, fact in sorted(facts.facts.items()):
        out[name] = plain(fact.value)
    return out
