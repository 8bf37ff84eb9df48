"""Auditing IMR letters: does each item's decision follow from its documented facts, do its reasons name
the right criteria, does its guideline citation fit, do its dates, sides and quantities agree.

The checks are generic (rules/audit/audit.yaml holds every pattern); criteria checks run on items a
rule pack covers. Every finding quotes the letter with character offsets.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Optional

from pydantic import Field, ValidationError

from checker.decision.check import ItemCheck, LetterCheck
from checker.reading.dates import DATE_PATTERN, find_dates
from checker.core.errors import ValidationFailure
from checker.extraction.prefilter import Prefiltered
from checker.rules.schema import Strict, problems_from_validation, suggest
from checker.rules.yamlsrc import load_yaml_file

SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2}


class EditionRange(Strict):
    from_: str = Field(alias="from")
    to: str


class Topic(Strict):
    cites: str
    item: str


class AuditFile(Strict):
    schema_: str = Field(alias="schema")
    severities: dict[str, str]
    guideline: str
    patient_strong: str
    patient: str
    deficiency: str
    # rationale phrases to criteria, and reasons outside them: a pack's own, in its folder's audit.yaml
    reasons: dict[str, str] = {}
    outside_reasons: dict[str, str] = {}
    conclusion: dict[str, str]
    verdict: dict[str, str]
    no_citation: str
    regions: dict[str, str]
    chapter_regions: dict[str, list[str]]
    topics: dict[str, Topic]
    editions: dict[str, dict[str, EditionRange]]
    quantity: dict[str, str]
    laterality: dict[str, str]
    date_order: list[list[str]]
    # items that only follow another procedure ("Associated surgical service: ...", a rationale "as the
    # requested surgery is not medically necessary, ..."): when several of them cite no guideline, the
    # letter gets one finding for all of them
    follow_on: Optional[dict[str, str]] = None
    request_after_review: str
    title_word: str
    title_stop_words: list[str]
    request_mention: str
    clause_split: str
    role_words: dict[str, str]
    region_fact: Optional[str] = None


class PackAuditFile(Strict):
    """A pack's audit mapping (rules/packs/<pack>/audit.yaml): which rationale phrases speak to which of
    its criteria, the reasons reviewers give that are outside its criteria, and the citations that fit
    its treatment (a citation matching `cites` fits only items matching `item`)."""
    schema_: Literal["checker/pack-audit/1"] = Field(alias="schema")
    reasons: dict[str, str] = {}
    outside_reasons: dict[str, str] = {}
    topics: dict[str, Topic] = {}


@dataclass(frozen=True)
class AuditRules:
    severities: dict[str, str]
    guideline: re.Pattern[str]
    patient_strong: re.Pattern[str]
    patient: re.Pattern[str]
    deficiency: re.Pattern[str]
    reasons: dict[str, re.Pattern[str]]
    outside: dict[str, re.Pattern[str]]
    necessary: re.Pattern[str]
    not_necessary: re.Pattern[str]
    verdict_necessary: re.Pattern[str]
    verdict_not_necessary: re.Pattern[str]
    no_citation: re.Pattern[str]
    regions: dict[str, re.Pattern[str]]
    chapter_regions: dict[str, list[str]]
    topics: dict[str, tuple[re.Pattern[str], re.Pattern[str]]]
    editions: dict[str, dict[str, tuple[dt.date, dt.date]]]
    title_quantity: re.Pattern[str]
    rationale_quantity: re.Pattern[str]
    laterality: dict[str, re.Pattern[str]]
    date_order: list[list[str]]
    request_after_review: re.Pattern[str]
    title_word: re.Pattern[str]
    title_stop_words: frozenset[str]
    request_mention: re.Pattern[str]
    clause_split: re.Pattern[str]
    role_words: dict[str, str]
    region_fact: Optional[str] = None
    follow_on_title: Optional[re.Pattern[str]] = None
    follow_on_rationale: Optional[re.Pattern[str]] = None
    # pack id -> its criteria's rationale phrases / its outside reasons (from the pack folders)
    pack_reasons: dict[str, dict[str, re.Pattern[str]]] = field(default_factory=dict)
    pack_outside: dict[str, dict[str, re.Pattern[str]]] = field(default_factory=dict)

    def reasons_for(self, pack: Optional[str]) -> dict[str, re.Pattern[str]]:
        """The rationale phrases that name criteria of `pack` (none for an item outside every pack)."""
        return {} if pack is None else {**{k: v for k, v in self.reasons.items() if k in self.pack_criteria(pack)},
                                        **self.pack_reasons.get(pack, {})}

    def outside_for(self, pack: Optional[str]) -> dict[str, re.Pattern[str]]:
        return {} if pack is None else {**self.outside, **self.pack_outside.get(pack, {})}

    def pack_criteria(self, pack: str) -> frozenset[str]:
        return self.criteria_by_pack.get(pack, frozenset())

    criteria_by_pack: dict[str, frozenset[str]] = field(default_factory=dict)

    def title_words(self, title: str) -> set[str]:
        """The words of an item's title that can name it in its rationale (not its stop words)."""
        return {w.lower() for w in self.title_word.findall(title)} - self.title_stop_words

    def role(self, role: str) -> str:
        """Who cites a guideline, in words."""
        return self.role_words.get(role, "the " + role.replace("_", " "))


def load_audit_rules(rules_dir: str | Path, vocab=None, packs=None) -> AuditRules:
    """The audit patterns of a rules folder: the shared audit/audit.yaml and each pack folder's
    audit.yaml. With the vocabulary, the facts they name are checked too; with the packs, each pack file's
    criteria are checked against its own pack's."""
    doc = load_yaml_file(Path(rules_dir) / "audit" / "audit.yaml")
    try:
        m = AuditFile.model_validate(doc.data)
    except ValidationError as exc:
        raise ValidationFailure(problems_from_validation(doc, exc, lambda loc: "audit")) from None
    if vocab is not None and m.region_fact is not None and m.region_fact not in vocab.facts:
        raise ValidationFailure([doc.problem(("region_fact",), "audit", f"unknown fact '{m.region_fact}'",
                                             suggest(m.region_fact, vocab.facts))])
    # gated by their required words (checker/extraction/prefilter.py): the same matches, most sentences skipped
    rx = lambda p: Prefiltered(re.compile(p.replace("{DATE}", DATE_PATTERN.pattern), re.IGNORECASE))  # noqa: E731
    pack_reasons, pack_outside, topics, criteria = _pack_audits(Path(rules_dir), packs, m)
    try:
        return AuditRules(
            m.severities, rx(m.guideline), rx(m.patient_strong), rx(m.patient), rx(m.deficiency), {k: rx(v) for k, v in m.reasons.items()},
            {k: rx(v) for k, v in m.outside_reasons.items()}, rx(m.conclusion["necessary"]),
            rx(m.conclusion["not_necessary"]), rx(m.verdict["necessary"]), rx(m.verdict["not_necessary"]),
            rx(m.no_citation), {k: rx(v) for k, v in m.regions.items()}, m.chapter_regions,
            {k: (rx(t.cites), rx(t.item)) for k, t in topics.items()},
            {g: {ed: (dt.date.fromisoformat(r.from_), dt.date.fromisoformat(r.to)) for ed, r in eds.items()}
             for g, eds in m.editions.items()},
            rx(m.quantity["title"]), rx(m.quantity["rationale"]), {k: rx(v) for k, v in m.laterality.items()},
            m.date_order, rx(m.request_after_review),
            re.compile(m.title_word), frozenset(w.lower() for w in m.title_stop_words),
            re.compile(m.request_mention, re.IGNORECASE), re.compile(m.clause_split), m.role_words, m.region_fact,
            rx(m.follow_on["title"]) if m.follow_on else None, rx(m.follow_on["rationale"]) if m.follow_on else None,
            {k: {c: rx(v) for c, v in r.items()} for k, r in pack_reasons.items()},
            {k: {c: rx(v) for c, v in r.items()} for k, r in pack_outside.items()}, criteria,
        )
    except re.error:
        raise ValidationFailure(_regex_problems(doc) or [doc.problem((), "audit", "invalid regular expression")]) from None
    except (ValueError, KeyError) as exc:
        raise ValidationFailure([doc.problem((), "audit", f"invalid audit rules: {exc}")]) from None


def _pack_audits(root: Path, packs, shared: AuditFile) -> tuple:
    """Each pack folder's audit file: its reasons and outside reasons by pack id (the folder's name when
    the packs are not given), and the topics of every file together. A reason for a criterion the pack
    does not have, a topic named twice, or a pattern that does not compile is an error at its line."""
    by_folder = {Path(p.path).parent.resolve(): p for p in packs or ()}
    reasons: dict[str, dict[str, str]] = {}
    outside: dict[str, dict[str, str]] = {}
    topics = dict(shared.topics)
    criteria = {p.id: frozenset(c.id for c in p.criteria) for p in packs or ()}
    problems: list = []
    for path in sorted(root.glob("packs/*/audit.yaml")):
        doc = load_yaml_file(path)
        try:
            part = PackAuditFile.model_validate(doc.data)
        except ValidationError as exc:
            raise ValidationFailure(problems_from_validation(doc, exc, lambda loc: "audit")) from None
        pack = by_folder.get(path.parent.resolve())
        if packs is not None and pack is None:
            problems.append(doc.problem((), "audit", "this folder holds no rule pack", "put the audit file beside its pack's rules"))
            continue
        key = pack.id if pack is not None else path.parent.name
        for cid in part.reasons:
            if pack is not None and cid not in criteria[pack.id]:
                problems.append(doc.problem(("reasons", cid), cid, f"'{cid}' is not a criterion of pack {pack.id}",
                                            suggest(cid, sorted(criteria[pack.id])), at_key=True))
        for name in part.topics:
            if name in topics:
                problems.append(doc.problem(("topics", name), name, f"topic '{name}' is defined twice", "", at_key=True))
        problems += _regex_problems(doc)
        reasons[key], outside[key] = dict(part.reasons), dict(part.outside_reasons)
        topics.update(part.topics)
    if problems:
        raise ValidationFailure(problems)
    return reasons, outside, topics, criteria


_NOT_PATTERNS = ("severities", "chapter_regions", "editions", "date_order", "schema", "title_stop_words", "role_words",
                 "region_fact")


def _regex_problems(doc) -> list:
    """Each audit pattern that does not compile, at its line (the patterns are every text value
    outside the keys that hold names, dates and severities)."""
    out = []

    def walk(value, loc):
        if isinstance(value, dict):
            for k, v in value.items():
                if not loc and k in _NOT_PATTERNS:
                    continue
                walk(v, loc + (k,))
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(v, loc + (i,))
        elif isinstance(value, str):
            try:
                re.compile(value.replace("{DATE}", DATE_PATTERN.pattern), re.IGNORECASE)
            except re.error as exc:
                out.append(doc.problem(loc, "audit", f"invalid regular expression: {exc}"))

    walk(doc.data, ())
    return out


@dataclass
class Finding:
    code: str
    severity: str
    message: str
    evidence: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "severity": self.severity, "message": self.message, "evidence": self.evidence}


@dataclass
class Reason:
    start: int
    end: int
    kind: str                       # patient | guideline | conclusion
    criteria: list[str]
    outside: list[str]


@dataclass
class ItemAudit:
    check: ItemCheck
    reasons: list[Reason] = field(default_factory=list)
    rationale_cites: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


@dataclass
class LetterAudit:
    letter: LetterCheck
    items: list[ItemAudit]
    findings: list[Finding] = field(default_factory=list)

    def all_findings(self) -> list[Finding]:
        return self.findings + [f for i in self.items for f in i.findings]


def _quote(text: str, start: int, end: int) -> dict[str, Any]:
    return {"quote": " ".join(text[start:end].split()), "start": start, "end": end}


class Auditor:
    def __init__(self, rules: AuditRules, sentences, exclusions: frozenset[str] = frozenset()):
        self.r = rules
        self.sentences = sentences  # Extractor.sentences: one sentence splitter for the whole tool
        self.exclusions = exclusions  # criteria whose reason is a condition being present

    def finding(self, code: str, message: str, evidence: list[dict[str, Any]]) -> Finding:
        unique = list({(e["start"], e["end"]): e for e in evidence}.values())
        return Finding(code, self.r.severities.get(code, "warning"), message, unique)

    def audit(self, letter: LetterCheck) -> LetterAudit:
        out = LetterAudit(letter, [self._item(letter, item) for item in letter.items])
        out.findings = self._letter_dates(letter) + self._follow_on_uncited(letter, out.items)
        return out

    def _follow_on_uncited(self, letter: LetterCheck, items: list[ItemAudit]) -> list[Finding]:
        """Follow-on items of another procedure that cite no guideline: one finding for the letter."""
        text = letter.text
        follow = [a for a in items if a.check.item is not None and self._follows(text, a.check.item)
                  and any(f.code == "no-guideline-cited" for f in a.findings)]
        if len(follow) < 2:
            return []
        for a in follow:
            a.findings = [f for f in a.findings if f.code != "no-guideline-cited"]
        titles = [_quote(text, a.check.item.title.start, a.check.item.title.end) for a in follow]
        return [self.finding("no-guideline-cited", f"{len(follow)} follow-on items of another requested procedure cite "
                             f"no guideline: {'; '.join(t['quote'] for t in titles)}", titles)]

    def _follows(self, text: str, item) -> bool:
        if self.r.follow_on_title is not None and self.r.follow_on_title.search(item.title.text):
            return True
        return bool(self.r.follow_on_rationale is not None and item.rationale is not None
                    and self.r.follow_on_rationale.search(text, item.rationale.start, item.rationale.end))

    # --- the rationale, sentence by sentence ----------------------------------------------------------

    def reasons(self, text: str, start: int, end: int, map_criteria: bool = True,
                pack: Optional[str] = None) -> list[Reason]:
        """Each rationale sentence: a reason about the patient, a guideline quotation or the conclusion,
        with the criteria of `pack` a reason names (only for items a rule pack covers)."""
        from checker.extraction.extract import Segment

        out = []
        named, outside_reasons = self.r.reasons_for(pack), self.r.outside_for(pack)  # once per rationale
        for s, e in self.sentences(text, Segment("rationale", start, end)):
            sentence = text[s:e]
            quoting = bool(self.r.guideline.search(sentence)) and not self.r.patient_strong.search(sentence) \
                and not self.r.request_mention.search(sentence)
            if self._verdict(sentence):
                kind = "conclusion"  # "... so the two additional injections are not medically necessary"
            elif quoting:
                kind = "guideline"
            elif self.r.necessary.search(sentence) or self.r.not_necessary.search(sentence):
                kind = "conclusion"
            elif self.r.patient.search(sentence):
                kind = "patient"
            else:
                kind = "guideline"
            criteria: list[str] = []
            outside = [name for name, rx in outside_reasons.items() if rx.search(sentence)] \
                if kind != "guideline" and map_criteria else []
            if kind != "guideline" and map_criteria:
                for clause in self.r.clause_split.split(sentence):
                    deficient = bool(self.r.deficiency.search(clause))
                    criteria += [cid for cid, rx in named.items()
                                 if (deficient or cid in self.exclusions) and rx.search(clause) and cid not in criteria]
            out.append(Reason(s, e, kind, criteria, outside))
        return out

    def _item(self, letter: LetterCheck, item: ItemCheck) -> ItemAudit:
        audit = ItemAudit(item)
        it = item.item
        text = letter.text
        if it is None:
            return audit
        title_q = _quote(text, it.title.start, it.title.end)
        if it.rationale is not None:
            audit.reasons = self.reasons(text, it.rationale.start, it.rationale.end, item.decision is not None, item.pack)
            audit.rationale_cites = sorted({c for r in audit.reasons for c in r.criteria}, key=_criterion_order)
        if not it.citations:
            said = [_quote(text, m.start(), m.end()) for m in self.r.no_citation.finditer(text, it.span.start, it.span.end)]
            audit.findings.append(self.finding("no-guideline-cited", "the item cites no guideline", [title_q] + said))
        audit.findings += self._conclusion(text, item, audit)
        audit.findings += self._citations(letter, item, title_q)
        audit.findings += self._laterality(text, item, audit)
        audit.findings += self._quantity(text, item, audit)
        if item.decision is not None:
            audit.findings += self._criteria(text, item, audit, title_q)
        return audit

    def _conclusion(self, text: str, item: ItemCheck, audit: ItemAudit) -> list[Finding]:
        last: Optional[tuple[int, int, str]] = None
        words = self.r.title_words(item.item.title.text)
        topics = [fits for _, (_, fits) in self.r.topics.items() if fits.search(item.item.title.text)]
        naming = [r for r in audit.reasons
                  if any(re.search(rf"\b{w}", text[r.start:r.end], re.I) for w in words)
                  or any(t.search(text, r.start, r.end) for t in topics)]
        # a rationale section shared by several items: the verdict on this item is the one naming it
        candidates = naming if any(self._verdict(text[r.start:r.end]) for r in naming) else audit.reasons
        for r in candidates:
            sentence = text[r.start:r.end]
            for kind, rx in (("necessary", self.r.verdict_necessary), ("not necessary", self.r.verdict_not_necessary)):
                for m in rx.finditer(sentence):
                    if last is None or r.start + m.start() >= last[0]:
                        last = (r.start + m.start(), r.start + m.end(), kind)
        if last is None or item.letter_decision is None:
            return []
        wanted = "not necessary" if item.letter_decision == "upheld" else "necessary"
        if last[2] == wanted:
            return []
        decision = item.item.decision_span
        evidence = [_quote(text, last[0], last[1])] + ([_quote(text, decision.start, decision.end)] if decision else [])
        return [self.finding("rationale-conclusion-mismatch",
                             f"the item is {item.letter_decision} but its rationale concludes the request is {last[2]}", evidence)]

    def _verdict(self, sentence: str) -> bool:
        return bool(self.r.verdict_necessary.search(sentence) or self.r.verdict_not_necessary.search(sentence))

    def _region(self, text: str) -> Optional[str]:
        hits = [(m.start(), name) for name, rx in self.r.regions.items() for m in [rx.search(text)] if m]
        return min(hits)[1] if hits else None

    def _citations(self, letter: LetterCheck, item: ItemCheck, title_q: dict[str, Any]) -> list[Finding]:
        out = []
        text = letter.text
        title = item.item.title.text
        region = self._region(title)
        if region is None and item.extraction is not None and self.r.region_fact in item.extraction.facts.facts:
            region = item.extraction.facts.facts[self.r.region_fact].value
        review = letter.letter.dates.get("ur_denial")
        for c in item.item.citations:
            cq = _quote(text, c.raw.start, c.raw.end)
            regions = self.r.chapter_regions.get(c.guideline or "")
            if regions and region and region not in regions:
                out.append(self.finding("guideline-citation-mismatch",
                                        f"{self.r.role(c.role)} cites {c.guideline} for a {region} request", [title_q, cq]))
                continue
            cited = " ".join(filter(None, (c.guideline, c.section, c.raw.text)))
            same_role = [" ".join(filter(None, (o.guideline, o.section, o.raw.text))) for o in item.item.citations if o.role == c.role]
            for topic, (cites, fits) in self.r.topics.items():
                # a letter may list the guidelines of all its items together: flag only when none of
                # this role's citations is about the item's own treatment
                own = any(f.search(other) for other in same_role for t, (f, it) in self.r.topics.items() if it.search(title))
                if cites.search(cited) and not fits.search(title) and not own:
                    out.append(self.finding("guideline-citation-mismatch",
                                            f"{self.r.role(c.role)} cites the {topic} guideline for a request that is not {topic}",
                                            [title_q, cq]))
                    break
            edition = self.r.editions.get(c.guideline or "", {}).get(c.edition or "")
            if edition and review is not None and review.value and not edition[0] <= review.value <= edition[1]:
                out.append(self.finding("guideline-citation-mismatch",
                                        f"the {c.edition} edition of {c.guideline} was in force {edition[0]} to {edition[1]}, "
                                        f"not on the review date {review.value}",
                                        [cq, _quote(text, review.span.start, review.span.end)]))
        return out

    def _sides(self, text: str, start: int, end: int) -> set[str]:
        found = {side for side, rx in self.r.laterality.items() if rx.search(text, start, end)}
        return {"bilateral"} if "bilateral" in found else found

    def _laterality(self, text: str, item: ItemCheck, audit: ItemAudit) -> list[Finding]:
        title = item.item.title
        sides = self._sides(text, title.start, title.end)
        words = self.r.title_words(title.text)
        if not sides or not words:
            return []
        for r in audit.reasons:
            sentence = text[r.start:r.end]
            if not self.r.request_mention.search(sentence) or not any(re.search(rf"\b{w}", sentence, re.I) for w in words):
                continue
            other = self._sides(text, r.start, r.end)
            if other and other != sides:
                return [self.finding("laterality-mismatch",
                                     f"the item is {'/'.join(sorted(sides))} but the rationale speaks of {'/'.join(sorted(other))}",
                                     [_quote(text, title.start, title.end), _quote(text, r.start, r.end)])]
        return []

    def _title_quantity(self, title: str) -> Optional[int]:
        m = self.r.title_quantity.search(title)
        if not m:
            return None
        if m.group("a"):
            return int(m.group("a")) * int(m.group("b"))
        return int(next(g for g in (m.group("n"), m.group("q"), m.group("c")) if g))

    def _quantity(self, text: str, item: ItemCheck, audit: ItemAudit) -> list[Finding]:
        if item.item.partial:
            return []  # the disputed part of a partly certified request differs from its original count
        wanted = self._title_quantity(item.item.title.text)
        if wanted is None:
            return []
        for r in audit.reasons:
            for m in self.r.rationale_quantity.finditer(text, r.start, r.end):
                if int(m.group("c")) != wanted:
                    title = item.item.title
                    return [self.finding("quantity-mismatch",
                                         f"the item requests {wanted} but the rationale speaks of {m.group('c')}",
                                         [_quote(text, title.start, title.end), _quote(text, m.start(), m.end())])]
        return []

    def _criteria(self, text: str, item: ItemCheck, audit: ItemAudit, title_q: dict[str, Any]) -> list[Finding]:
        out = []
        results = {r.criterion.id: r for r in item.decision.results}
        unmet = [cid for cid, r in results.items() if r.status == "not_met"]
        evidence_of = lambda cid: [q for u in results[cid].facts for q in (  # noqa: E731
            {"quote": " ".join(e.quote.split()), "start": e.start, "end": e.end} for e in u.evidence if e.start is not None)]
        if item.letter_decision == "overturned" and unmet:
            out.append(self.finding("decision-contradicts-criteria",
                                    f"overturned although {', '.join(unmet)} {'is' if len(unmet) == 1 else 'are'} documented as not met",
                                    [title_q] + [q for cid in unmet for q in evidence_of(cid)]))
        if item.letter_decision == "upheld" and item.decision.decision == "certify":
            out.append(self.finding("decision-contradicts-criteria",
                                    "upheld although every criterion is documented as met", [title_q]))
        if item.letter_decision == "upheld":
            # an unmet criterion that fails on the same documented value as one the rationale does give
            # (a count over two ceilings) is covered by that reason
            failing = lambda cid: {u.name for u in results[cid].facts if u.evidence and u.outcome == "not satisfied"}  # noqa: E731
            given = {n for cid in unmet if cid in audit.rationale_cites for n in failing(cid)}
            for cid in unmet:
                if cid not in audit.rationale_cites and not given & failing(cid):
                    out.append(self.finding("rationale-omits-unmet-criterion",
                                            f"{cid} ({results[cid].criterion.name}) is documented as not met but the rationale does not give it as a reason",
                                            evidence_of(cid)))
        # an overturning rationale lists met criteria as its reasons: only denials are checked here
        for cid in audit.rationale_cites if item.letter_decision == "upheld" else ():
            if cid in results and results[cid].status == "met":
                where = [r for r in audit.reasons if cid in r.criteria]
                out.append(self.finding("rationale-cites-met-criterion",
                                        f"the rationale gives {cid} ({results[cid].criterion.name}) as a reason, but the documented facts meet it",
                                        [_quote(text, r.start, r.end) for r in where] + evidence_of(cid)))
        return out

    # --- dates ------------------------------------------------------------------------------------------

    def _letter_dates(self, letter: LetterCheck) -> list[Finding]:
        out = []
        dates = letter.letter.dates
        text = letter.text
        broken = []
        for earlier, later in self.r.date_order:
            a, b = dates.get(earlier), dates.get(later)
            if a and b and a.value and b.value and a.value > b.value:
                broken.append((earlier, a, later, b))
        if broken:  # one finding for the letter's header, naming every pair out of order
            words = "; ".join(f"the {e.replace('_', ' ')} date {a.value} is after the {l.replace('_', ' ')} date {b.value}"
                              for e, a, l, b in broken)
            spans = {(f.span.start, f.span.end) for _, a, _, b in broken for f in (a, b)}
            out.append(self.finding("date-inconsistency", words, [_quote(text, s, e) for s, e in sorted(spans)]))
        summary = letter.letter.summary
        if summary is not None:
            from checker.extraction.extract import Segment

            for s, e in self.sentences(text, Segment("summary", summary.start, summary.end)):
                m = self.r.request_after_review.search(text, s, e)
                if not m:
                    continue
                dates = find_dates(text[s:e])
                review = next((d for a, _, d in dates if s + a < m.start() + 40), None)
                late = next((d for a, _, d in dates if s + a >= m.end()), None)
                if review and late and late > review:
                    out.append(self.finding("date-inconsistency",
                                            f"the review of {review} evaluated a request submitted later, on {late}",
                                            [_quote(text, s, e)]))
        return out


def make_auditor(rules, checker) -> Auditor:
    """The auditor for a rule set, sharing the checker's sentence splitter."""
    exclusions = frozenset(c.id for p in rules.packs for c in p.criteria if c.kind == "exclusion")
    return Auditor(load_audit_rules(rules.root, rules.vocabulary, rules.packs), checker.extractor.sentences, exclusions)


def _criterion_order(cid: str) -> tuple[int, str]:
    tail = cid.split("-", 1)[-1]
    return (int(tail), "") if tail.isdigit() else (99, tail)
