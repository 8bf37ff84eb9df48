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
from checker.reading.dates import DATE_PATTERN, LETTER_DATE_KEYS, find_dates, parse_date
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


Role = Literal["claims_administrator", "maximus", "relied_upon"]


class Postsurgical(Strict):
    cites: str
    surgery: str


class RegionSides(Strict):
    sided: list[str]
    opposite: dict[str, str]
    reach: int = Field(ge=0, le=5)
    excused: str


class Years(Strict):
    min: int = Field(ge=1000, le=2100)
    after_decision: int = Field(ge=0, le=50)


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
    any_region_sections: Optional[str] = None
    # a sentence that opens by naming a guideline ("The MTUS states ...", "According to ACOEM, ...") quotes
    # it, whatever patient words its text holds, unless it also names this case (`this_case`)
    guideline_lead: Optional[str] = None
    this_case: Optional[str] = None
    citation_roles: dict[Literal["region", "postsurgical", "edition", "topic"], list[Role]] = {}
    postsurgical: Optional[Postsurgical] = None
    topics: dict[str, Topic]
    editions: dict[str, dict[str, EditionRange]]
    quantity: dict[str, str]
    number_words: dict[str, int] = {}
    laterality: dict[str, str]
    region_sides: Optional[RegionSides] = None
    date_order: list[list[str]]
    body_dates: dict[str, list[str]] = {}
    body_date_order: list[list[str]] = []
    body_dates_excused: Optional[str] = None
    years: Optional[Years] = None
    # a date whose year is not four digits ("June 20216", "11/13/20167"): a typing slip no date reader parses
    misprinted_year: Optional[str] = None
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
    # which unmet criteria an upheld rationale is expected to give: `each` (a checklist section whose
    # criteria must all hold: every unmet one left out is a finding), or `one` (a decision a single unmet
    # reason supports: a finding only when the rationale gives none of the unmet criteria)
    omitted: Literal["each", "one"] = "each"
    # the guideline's own words for a criterion as a rationale quotes them ("up to 8-10 sessions over 4-8
    # weeks"): a rationale that quotes an unmet criterion has it in view, so it does not omit it, though a
    # quotation is never a reason it gives (a quoted criterion that is met is not "cited")
    quoted: dict[str, str] = {}


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
    pack_omitted: dict[str, str] = field(default_factory=dict)
    pack_quoted: dict[str, dict[str, re.Pattern[str]]] = field(default_factory=dict)
    any_region_sections: Optional[re.Pattern[str]] = None
    guideline_lead: Optional[re.Pattern[str]] = None
    this_case: Optional[re.Pattern[str]] = None
    citation_roles: dict[str, frozenset[str]] = field(default_factory=dict)
    postsurgical_cites: Optional[re.Pattern[str]] = None
    surgery: Optional[re.Pattern[str]] = None
    sided_regions: frozenset[str] = frozenset()
    opposite_side: dict[str, str] = field(default_factory=dict)
    side_reach: int = 2
    side_excused: Optional[re.Pattern[str]] = None
    body_dates: dict[str, list[re.Pattern[str]]] = field(default_factory=dict)
    body_date_order: list[list[str]] = field(default_factory=list)
    body_dates_excused: Optional[re.Pattern[str]] = None
    years: Optional[tuple[int, int]] = None
    misprinted_year: Optional[re.Pattern[str]] = None
    number_words: dict[str, int] = field(default_factory=dict)
    restated_quantity: Optional[re.Pattern[str]] = None
    partial_quantity: Optional[re.Pattern[str]] = None
    remainder_quantity: Optional[re.Pattern[str]] = None

    def number(self, word: Optional[str]) -> Optional[int]:
        """A count written in digits or in words, or None."""
        if not word:
            return None
        w = word.lower()
        return int(w) if w.isdigit() else self.number_words.get(w)

    def title_words(self, title: str) -> set[str]:
        """The words of an item's title that can name it in its rationale (not its stop words)."""
        return {w.lower() for w in self.title_word.findall(title)} - self.title_stop_words

    def checks(self, check: str, role: str) -> bool:
        """Whether `check` (region, postsurgical, edition, topic) applies to the citations of `role`
        (every role when the rules do not say)."""
        return role in self.citation_roles.get(check, frozenset({role}))

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
    unknown = [doc.problem(("chapter_regions", ch, i), "audit", f"unknown region '{r}'", suggest(r, m.regions))
               for ch, rs in m.chapter_regions.items() for i, r in enumerate(rs) if r not in m.regions]
    if m.region_sides is not None:
        unknown += [doc.problem(("region_sides", "sided", i), "audit", f"unknown region '{r}'", suggest(r, m.regions))
                    for i, r in enumerate(m.region_sides.sided) if r not in m.regions]
        unknown += [doc.problem(("region_sides", "opposite", k), "audit", f"unknown side '{v}'", suggest(v, m.laterality))
                    for k, v in m.region_sides.opposite.items() for v in (k, v) if v not in m.laterality]
    names = set(m.body_dates) | set(LETTER_DATE_KEYS)
    unknown += [doc.problem(("body_date_order", i, j), "audit", f"unknown date '{n}'", suggest(n, sorted(names)))
                for i, pair in enumerate(m.body_date_order) for j, n in enumerate(pair) if n not in names]
    unknown += [doc.problem(("body_dates", k, i), "audit", "a body date pattern must hold {DATE} exactly once")
                for k, v in m.body_dates.items() for i, p in enumerate(v) if p.count("{DATE}") != 1]
    if unknown:
        raise ValidationFailure(unknown)
    count = _count_pattern(m.number_words)
    rx = lambda p: Prefiltered(re.compile(p.replace("{DATE}", f"(?:{DATE_PATTERN.pattern})").replace("{N}", count), re.IGNORECASE))  # noqa: E731
    pack_reasons, pack_outside, topics, criteria, omitted, quoted = _pack_audits(Path(rules_dir), packs, m)
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
            pack_omitted=omitted,
            pack_quoted={k: {c: rx(v) for c, v in q.items()} for k, q in quoted.items()},
            any_region_sections=rx(m.any_region_sections) if m.any_region_sections else None,
            guideline_lead=rx(m.guideline_lead) if m.guideline_lead else None,
            this_case=rx(m.this_case) if m.this_case else None,
            citation_roles={k: frozenset(v) for k, v in m.citation_roles.items()},
            postsurgical_cites=rx(m.postsurgical.cites) if m.postsurgical else None,
            surgery=rx(m.postsurgical.surgery) if m.postsurgical else None,
            sided_regions=frozenset(m.region_sides.sided) if m.region_sides else frozenset(),
            opposite_side=dict(m.region_sides.opposite) if m.region_sides else {},
            side_reach=m.region_sides.reach if m.region_sides else 2,
            side_excused=rx(m.region_sides.excused) if m.region_sides else None,
            body_dates={k: [re.compile(p.replace("{DATE}", f"(?P<when>{DATE_PATTERN.pattern})"), re.IGNORECASE) for p in v]
                        for k, v in m.body_dates.items()},
            body_date_order=m.body_date_order,
            body_dates_excused=rx(m.body_dates_excused) if m.body_dates_excused else None,
            years=(m.years.min, m.years.after_decision) if m.years else None,
            misprinted_year=rx(m.misprinted_year) if m.misprinted_year else None,
            number_words={k.lower(): v for k, v in m.number_words.items()},
            restated_quantity=rx(m.quantity["restated"]) if "restated" in m.quantity else None,
            partial_quantity=rx(m.quantity["partial"]) if "partial" in m.quantity else None,
            remainder_quantity=rx(m.quantity["remainder"]) if "remainder" in m.quantity else None,
        )
    except re.error:
        raise ValidationFailure(_regex_problems(doc) or [doc.problem((), "audit", "invalid regular expression")]) from None
    except (ValueError, KeyError) as exc:
        raise ValidationFailure([doc.problem((), "audit", f"invalid audit rules: {exc}")]) from None


def _count_pattern(words: dict[str, int]) -> str:
    """{N} in audit patterns: a count in digits or in one of the number words (longest first)."""
    alts = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return rf"(?:\d{{1,3}}{'|' if alts else ''}{alts})"


def _pack_audits(root: Path, packs, shared: AuditFile) -> tuple:
    """Each pack folder's audit file: its reasons and outside reasons by pack id (the folder's name when
    the packs are not given), and the topics of every file together. A reason for a criterion the pack
    does not have, a topic named twice, or a pattern that does not compile is an error at its line."""
    by_folder = {Path(p.path).parent.resolve(): p for p in packs or ()}
    reasons: dict[str, dict[str, str]] = {}
    outside: dict[str, dict[str, str]] = {}
    omitted: dict[str, str] = {}
    quoted: dict[str, dict[str, str]] = {}
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
        for section, named in (("reasons", part.reasons), ("quoted", part.quoted)):
            for cid in named:
                if pack is not None and cid not in criteria[pack.id]:
                    problems.append(doc.problem((section, cid), cid, f"'{cid}' is not a criterion of pack {pack.id}",
                                                suggest(cid, sorted(criteria[pack.id])), at_key=True))
        for name in part.topics:
            if name in topics:
                problems.append(doc.problem(("topics", name), name, f"topic '{name}' is defined twice", "", at_key=True))
        problems += _regex_problems(doc)
        reasons[key], outside[key], omitted[key] = dict(part.reasons), dict(part.outside_reasons), part.omitted
        quoted[key] = dict(part.quoted)
        topics.update(part.topics)
    if problems:
        raise ValidationFailure(problems)
    return reasons, outside, topics, criteria, omitted, quoted


_NOT_PATTERNS = ("omitted", "severities", "chapter_regions", "editions", "date_order", "schema", "title_stop_words", "role_words",
                 "region_fact", "citation_roles", "region_sides", "body_date_order", "years", "number_words")


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
                re.compile(value.replace("{DATE}", DATE_PATTERN.pattern).replace("{N}", _count_pattern({})), re.IGNORECASE)
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
    quoted: list[str] = field(default_factory=list)  # criteria whose guideline words the sentence quotes


@dataclass
class ItemAudit:
    check: ItemCheck
    reasons: list[Reason] = field(default_factory=list)
    rationale_cites: list[str] = field(default_factory=list)
    rationale_quotes: list[str] = field(default_factory=list)
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
        out.findings = _distinct_dates(self._letter_dates(letter) + self._body_dates(letter)) \
            + self._follow_on_uncited(letter, out.items)
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
        quotes = self.r.pack_quoted.get(pack, {}) if pack is not None else {}
        for s, e in self.sentences(text, Segment("rationale", start, end)):
            sentence = text[s:e]
            quoting = bool(self.r.guideline.search(sentence)) and not self.r.patient_strong.search(sentence) \
                and not self.r.request_mention.search(sentence)
            if not quoting and self.r.guideline_lead is not None and self.r.guideline_lead.search(sentence):
                quoting = self.r.this_case is None or not self.r.this_case.search(sentence)
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
            quoted = [cid for cid, rx in quotes.items() if rx.search(sentence)] if map_criteria else []
            out.append(Reason(s, e, kind, criteria, outside, quoted))
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
            audit.rationale_quotes = sorted({c for r in audit.reasons for c in r.quoted}, key=_criterion_order)
        if not it.citations:
            said = [_quote(text, m.start(), m.end()) for m in self.r.no_citation.finditer(text, it.span.start, it.span.end)]
            audit.findings.append(self.finding("no-guideline-cited", "the item cites no guideline", [title_q] + said))
        audit.findings += self._conclusion(text, item, audit)
        audit.findings += self._citations(letter, item, title_q)
        audit.findings += self._laterality(text, item, audit) or self._region_sides(letter, item, audit)
        audit.findings += self._quantity(letter, item, audit)
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

    def regions(self, text: str) -> list[str]:
        """Every body region `text` names, in the order it names them ("PT for the lumbar spine, left
        shoulder and left knee": lumbar, shoulder, knee)."""
        hits = sorted((m.start(), name) for name, rx in self.r.regions.items() for m in [rx.search(text)] if m)
        return [name for _, name in hits]

    def item_regions(self, item: ItemCheck) -> list[str]:
        """The regions of an item: its title's, or the extracted region fact when the title names none."""
        found = self.regions(item.item.title.text)
        if not found and item.extraction is not None and self.r.region_fact in item.extraction.facts.facts:
            value = item.extraction.facts.facts[self.r.region_fact].value
            found = [value] if isinstance(value, str) else []
        return found

    def _chapter_regions(self, c) -> Optional[list[str]]:
        """The regions a citation's chapter covers (an MTUS guideline's or an ODG chapter's), or None when
        it is not about one region or its section is about any."""
        if self.r.any_region_sections is not None and self.r.any_region_sections.search(c.section or ""):
            return None
        return self.r.chapter_regions.get(c.guideline or "") or (None if c.mtus else self.r.chapter_regions.get(c.chapter or ""))

    def _citations(self, letter: LetterCheck, item: ItemCheck, title_q: dict[str, Any]) -> list[Finding]:
        out = []
        text = letter.text
        title = item.item.title.text
        regions = self.item_regions(item)
        review = letter.letter.dates.get("ur_denial")
        cites = item.item.citations
        surgery = self.r.surgery is None or bool(self.r.surgery.search(text))
        for c in cites:
            cq = _quote(text, c.raw.start, c.raw.end)
            cited = " ".join(filter(None, (c.guideline, c.section, c.raw.text)))
            covers = self._chapter_regions(c)
            # a role's line may list the chapters of several requests: a chapter misfits only when none of
            # that role's chapters covers a region of the item
            fitting = [o for o in cites if o.role == c.role and set(self._chapter_regions(o) or ()) & set(regions)]
            if covers and regions and not set(covers) & set(regions) and not fitting and self.r.checks("region", c.role):
                named = c.guideline if c.mtus or not c.chapter else f"{c.guideline} {c.chapter}"
                out.append(self.finding("guideline-citation-mismatch",
                                        f"{self.r.role(c.role)} cites {named} for a {'/'.join(regions)} request", [title_q, cq]))
                continue
            if (not surgery and self.r.postsurgical_cites is not None and self.r.postsurgical_cites.search(cited)
                    and self.r.checks("postsurgical", c.role)):
                out.append(self.finding("guideline-citation-mismatch",
                                        f"{self.r.role(c.role)} cites a postsurgical guideline but the letter documents no surgery",
                                        [title_q, cq]))
                continue
            same_role = [" ".join(filter(None, (o.guideline, o.section, o.raw.text))) for o in cites if o.role == c.role]
            for topic, (topic_cites, fits) in self.r.topics.items() if self.r.checks("topic", c.role) else ():
                # a letter may list the guidelines of all its items together: flag only when none of
                # this role's citations is about the item's own treatment
                own = any(f.search(other) for other in same_role for t, (f, it) in self.r.topics.items() if it.search(title))
                if topic_cites.search(cited) and not fits.search(title) and not own:
                    out.append(self.finding("guideline-citation-mismatch",
                                            f"{self.r.role(c.role)} cites the {topic} guideline for a request that is not {topic}",
                                            [title_q, cq]))
                    break
            edition = self.r.editions.get(c.guideline or "", {}).get(c.edition or "")
            if (edition and review is not None and review.value and not edition[0] <= review.value <= edition[1]
                    and self.r.checks("edition", c.role)):
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

    def region_sides(self, text: str, start: int, end: int) -> list[tuple[str, str, int, int, str]]:
        """(side, region, start, end, the words between) for each side word and each sided region it governs
        in text[start:end]: every sided region after it up to the next side word."""
        sides = sorted((m.start(), m.end(), side) for side, rx in self.r.laterality.items()
                       for m in rx.finditer(text, start, end))
        regions = sorted((m.start(), m.end(), name) for name, rx in self.r.regions.items() if name in self.r.sided_regions
                         for m in rx.finditer(text, start, end))
        out = []
        for i, (s0, s1, side) in enumerate(sides):
            stop = sides[i + 1][0] if i + 1 < len(sides) else end
            out += [(side, name, s0, r1, text[s1:r0]) for r0, r1, name in regions if s1 <= r0 < stop]
        return out

    def _near(self, pairs: list[tuple[str, str, int, int, str]]) -> list[tuple[str, str, int, int, str]]:
        """In running text a side names only a region at most `reach` words after it, nothing else between."""
        return [p for p in pairs if not re.search(r"[^\w\s-]", p[4]) and len(p[4].split()) <= self.r.side_reach]

    def _region_sides(self, letter: LetterCheck, item: ItemCheck, audit: ItemAudit) -> list[Finding]:
        """A sided region of the item that the summary or the rationale gives the opposite side."""
        if not self.r.sided_regions:
            return []
        text, title = letter.text, item.item.title
        own: dict[str, set[str]] = {}
        for side, region, *_ in self.region_sides(text, title.start, title.end):
            own.setdefault(region, set()).add(side)
        wanted = {r: next(iter(s)) for r, s in own.items() if len(s) == 1 and next(iter(s)) in self.r.opposite_side}
        if not wanted:
            return []
        # a side another item of the letter gives the region is that item's, not a disagreement
        others = {(side, region) for o in letter.items if o is not item and o.item is not None
                  for side, region, *_ in self.region_sides(text, o.item.title.start, o.item.title.end)}
        from checker.extraction.extract import Segment

        summary = letter.letter.summary
        sentences = list(self.sentences(text, Segment("summary", summary.start, summary.end))) if summary else []
        sentences += [(r.start, r.end) for r in audit.reasons]
        for s, e in sentences:
            sentence = text[s:e]
            if self.r.side_excused is not None and self.r.side_excused.search(sentence):
                continue
            for side, region, *_ in self._near(self.region_sides(text, s, e)):
                if region in wanted and side == self.r.opposite_side[wanted[region]] and (side, region) not in others:
                    return [self.finding("laterality-mismatch",
                                         f"the item is {wanted[region]} {region.replace('_', '/')} but the letter speaks of the "
                                         f"{side} {region.replace('_', '/')}", [_quote(text, title.start, title.end), _quote(text, s, e)])]
        return []

    def _title_quantities(self, text: str, start: int, end: int) -> list[int]:
        """Each quantity text[start:end] requests, in order ("3 times a week for 2 weeks": 6)."""
        out = []
        for m in self.r.title_quantity.finditer(text, start, end):
            if m.group("a"):
                a, b = self.r.number(m.group("a")), self.r.number(m.group("b"))
                value = a * b if a is not None and b is not None else None
            else:
                value = self.r.number(next((g for g in (m.group("n"), m.group("q"), m.group("c"), m.group("d")) if g), None))
            if value is not None:
                out.append(value)
        return out

    def item_quantity(self, item: ItemCheck) -> tuple[Optional[int], set[int]]:
        """The item's requested quantity and every count that is the same request: for a partly certified
        item the original request's (the first count of its heading) with the part certified and the
        remainder."""
        it = item.item
        own = self._title_quantities(it.title.text, 0, len(it.title.text))
        if it.partial and it.heading is not None:
            heading = self._title_quantities(it.heading.text, 0, len(it.heading.text))
            if heading:
                return heading[0], set(heading) | set(own)
        return (own[0] if own else None), set(own)

    def _stated_parts(self, text: str, start: int, end: int) -> set[int]:
        """Counts a "6 of the 12 were certified; the remaining 6 ..." statement gives the request."""
        out: set[int] = set()
        if self.r.partial_quantity is not None:
            for m in self.r.partial_quantity.finditer(text, start, end):
                part, whole = self.r.number(m.group("part")), self.r.number(m.group("whole"))
                if part is not None and whole is not None:
                    out |= {part, whole, whole - part}
        if self.r.remainder_quantity is not None:
            out |= {n for m in self.r.remainder_quantity.finditer(text, start, end)
                    for n in [self.r.number(m.group("rest"))] if n is not None}
        return out

    def _quantity(self, letter: LetterCheck, item: ItemCheck, audit: ItemAudit) -> list[Finding]:
        """A rationale or summary sentence restating this item's request with another count."""
        text = letter.text
        wanted, same = self.item_quantity(item)
        if wanted is None:
            return []
        from checker.extraction.extract import Segment

        summary = letter.letter.summary
        words = self.r.title_words(item.item.title.text)
        sentences = [(r.start, r.end, False) for r in audit.reasons]
        if summary is not None:  # the summary speaks of every item: only sentences naming this one
            sentences += [(s, e, True) for s, e in self.sentences(text, Segment("summary", summary.start, summary.end))]
        for s, e, _ in sentences:
            same |= self._stated_parts(text, s, e)
        patterns = [p for p in (self.r.rationale_quantity, self.r.restated_quantity) if p is not None]
        for s, e, in_summary in sentences:
            if in_summary and not any(re.search(rf"\b{w}", text[s:e], re.I) for w in words):
                continue
            for rx in patterns:
                for m in rx.finditer(text, s, e):
                    said = self.r.number(m.group("c"))
                    if said is not None and said not in same:
                        title = item.item.title
                        return [self.finding("quantity-mismatch",
                                             f"the item requests {wanted} but the {'summary' if in_summary else 'rationale'} "
                                             f"speaks of {said}",
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
        # "every criterion met" must follow from documented facts: not when a criterion was set aside by
        # an assumption about an undocumented fact (a first course because no earlier one is documented)
        if item.letter_decision == "upheld" and item.decision.decision == "certify" and not any(
                r.assumed for r in item.decision.results):
            out.append(self.finding("decision-contradicts-criteria",
                                    "upheld although every criterion is documented as met", [title_q]))
        if item.letter_decision == "upheld":
            # an unmet criterion that fails on the same documented value as one the rationale does give
            # (a count over two ceilings) is covered by that reason
            failing = lambda cid: {u.name for u in results[cid].facts if u.evidence and u.outcome == "not satisfied"}  # noqa: E731
            given = {n for cid in unmet if cid in audit.rationale_cites for n in failing(cid)}
            # (a criterion not documented stops certification as an unmet one does; one quoted is in view)
            in_view = set(audit.rationale_cites) | set(audit.rationale_quotes)
            one_will_do = self.r.pack_omitted.get(item.pack) == "one" and any(
                c in in_view and r.status in ("not_met", "not_documented") for c, r in results.items())
            for cid in () if one_will_do else unmet:
                if cid not in in_view and not given & failing(cid):
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


    def body_dates(self, text: str) -> dict[str, list[tuple[int, int, dt.date]]]:
        """The letter's procedural dates in its text by name (request, ur_decision, service), as (start,
        end, date); a sentence about another request or review is left out."""
        out: dict[str, list[tuple[int, int, dt.date]]] = {}
        for name, patterns in self.r.body_dates.items():
            for rx in patterns:
                for m in rx.finditer(text):
                    when = parse_date(m.group("when"))
                    lo = text.rfind(".", 0, m.start()) + 1
                    if when is None or (self.r.body_dates_excused is not None
                                        and self.r.body_dates_excused.search(text, lo, m.start("when"))):
                        continue
                    out.setdefault(name, []).append((m.start("when"), m.end("when"), when))
        return {k: sorted(set(v)) for k, v in out.items()}

    def _body_dates(self, letter: LetterCheck) -> list[Finding]:
        """The letter's own dates in its text out of order (a request before the injury, a UR decision after
        the IMR application) and dates whose year cannot be a case's: one finding for each."""
        text = letter.text
        header = {k: [(f.span.start, f.span.end, f.value)] for k, f in letter.letter.dates.items() if f.value}
        dates = {**header, **self.body_dates(text)}
        out = []
        for earlier, later in self.r.body_date_order:
            if earlier in header and later in header:
                continue  # the header's order is checked by date_order
            for a in dates.get(earlier, []):
                for b in dates.get(later, []):
                    if a[2] > b[2]:
                        out.append(self.finding(
                            "date-inconsistency", f"the {earlier.replace('_', ' ')} date {a[2]} is after the "
                            f"{later.replace('_', ' ')} date {b[2]}", [_quote(text, a[0], a[1]), _quote(text, b[0], b[1])]))
                        break
                else:
                    continue
                break
        if self.r.years is not None:
            decided = letter.letter.dates.get("decision")
            low, after = self.r.years
            high = (decided.value.year if decided is not None and decided.value else dt.date.today().year) + after
            wrong = [(a, b) for a, b, d in find_dates(text) if not low <= d.year <= high]
            if self.r.misprinted_year is not None:
                wrong += [m.span() for m in self.r.misprinted_year.finditer(text)]
            merged: list[tuple[int, int]] = []   # "June 20216" is also read as June 2021: one date
            for a, b in sorted(set(wrong)):
                if merged and a < merged[-1][1]:
                    merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
                else:
                    merged.append((a, b))
            wrong = merged
            if wrong:
                out.append(self.finding("date-inconsistency", f"{len(wrong)} date(s) with a year outside {low}-{high}",
                                        [_quote(text, a, b) for a, b in wrong]))
        return out


def _distinct_dates(findings: list[Finding]) -> list[Finding]:
    """One finding per inconsistency: a date finding whose quoted dates (by position, or by the dates they
    write) are all in an earlier one repeats it (the header's UR date out of order and the same date in
    the summary; an impossible year already quoted in an order finding)."""
    out: list[Finding] = []
    seen_spans: set[tuple[int, int]] = set()
    seen_days: set[dt.date] = set()
    for f in findings:
        spans = {(e["start"], e["end"]) for e in f.evidence}
        days = {d for e in f.evidence for d in [parse_date(e["quote"])] if d is not None}
        if spans and (spans <= seen_spans or (days and len(days) == len(spans) and days <= seen_days)):
            continue
        out.append(f)
        seen_spans |= spans
        seen_days |= days
    return out


def make_auditor(rules, checker) -> Auditor:
    """The auditor for a rule set, sharing the checker's sentence splitter."""
    exclusions = frozenset(c.id for p in rules.packs for c in p.criteria if c.kind == "exclusion")
    return Auditor(load_audit_rules(rules.root, rules.vocabulary, rules.packs), checker.extractor.sentences, exclusions)


def _criterion_order(cid: str) -> tuple[int, str]:
    tail = cid.split("-", 1)[-1]
    return (int(tail), "") if tail.isdigit() else (99, tail)
