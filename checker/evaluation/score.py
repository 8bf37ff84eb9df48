"""Extraction accuracy against hand-written expectations (`*.expected.yaml`, checker/expected-letter/1).

For every document: its layout, every item's decision and the rule pack that takes it, and for items in a pack every
expected fact, the decision and each criterion status. Facts are compared by value: a fact expected
but not extracted is a miss, one extracted but not expected is spurious, a different value is wrong.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Optional

from pydantic import Field, ValidationError

from checker.core.paths import default_corpus
from checker.decision.check import Checker, ItemCheck, LetterCheck
from checker.core.errors import CheckerError, InputError, ValidationFailure
from checker.rules.schema import Strict, problems_from_validation
from checker.reading.source import read_source, read_text
from checker.rules.yamlsrc import load_yaml_file
from checker.core.values import plain



class ExpectedItem(Strict):
    title: str
    letter_decision: Optional[str] = None
    pack: Optional[str]   # the id of the pack that should take the item; None: outside every pack
    facts: dict[str, Any] = {}
    decision: Optional[str] = None
    criteria: dict[str, str] = {}
    # a case file (relative to this file) whose `expected` block gives the decision and the criteria, and
    # whose `source.rationale_cites` the rationale's cited criteria, so that a sample's values are written once
    case: Optional[str] = None
    # the criteria the letter's rationale gives as reasons (the audit's reading), when pinned
    rationale_cites: Optional[list[str]] = None


class ExpectedDocument(Strict):
    schema_: str = Field(alias="schema")
    document: str
    layout: str
    dates: dict[str, str] = {}
    items: list[ExpectedItem]
    findings: Optional[list[dict[str, Any]]] = None   # audit finding codes, when the file pins them


class ExpectedExcerpt(Strict):
    """A note made of a real letter's passage (read from the shared corpus at run time, never copied)
    and one request line its author added; expectations for the one trigger point request."""
    schema_: Literal["checker/expected-excerpt/1"] = Field(alias="schema")
    source: str                 # the letter, relative to the shared corpus folder
    from_: str = Field(alias="from")
    to: str
    request: str
    pack: str                   # the pack the request line is for
    decision: str
    criteria: dict[str, str]
    facts: dict[str, Any] = {}
    why: dict[str, str] = {}


@dataclass
class FactScore:
    correct: int = 0
    wrong: int = 0
    missed: int = 0
    spurious: int = 0

    @property
    def expected(self) -> int:
        return self.correct + self.wrong + self.missed


@dataclass
class Score:
    documents: int = 0
    layouts_right: int = 0
    items: int = 0
    items_found: int = 0
    pack_right: int = 0
    decisions_right: int = 0
    pack_items: int = 0
    predictions_right: int = 0
    statuses: int = 0
    statuses_right: int = 0
    facts: dict[str, FactScore] = field(default_factory=dict)
    differences: list[str] = field(default_factory=list)


def _norm(title: str) -> str:
    """Titles compared without case, punctuation, a leading item number ("1. ", "2) ") or article ("a home
    exercise kit": a 2013 notice's "the request for a ...")."""
    flat = re.sub(r"[^a-z0-9]+", " ", re.sub(r"^\s*\d{1,2}[.)]\s+", "", title).lower()).strip()
    return re.sub(r"^(?:a|an|the) ", "", flat)


def _same(expected: Any, actual: Any) -> bool:
    if isinstance(actual, dt.date):
        return str(expected) == actual.isoformat()
    if isinstance(actual, tuple):
        return isinstance(expected, list) and sorted(map(str.lower, expected)) == sorted(map(str.lower, actual))
    if isinstance(actual, (int, float)) and not isinstance(actual, bool) and isinstance(expected, (int, float)):
        return abs(float(expected) - float(actual)) < 1e-6
    return expected == actual


def expectation_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.expected.yaml"))


def load_expected(path: Path) -> ExpectedDocument | ExpectedExcerpt:
    doc = load_yaml_file(path)
    model = ExpectedExcerpt if isinstance(doc.data, dict) and doc.data.get("schema") == "checker/expected-excerpt/1" \
        else ExpectedDocument
    try:
        expected = model.model_validate(doc.data)
    except ValidationError as exc:
        raise ValidationFailure(problems_from_validation(doc, exc, lambda loc: "expected")) from None
    for i, item in enumerate(getattr(expected, "items", [])):
        if item.case is not None:
            expected.items[i] = _from_case(doc, path, i, item)
    return expected


def _from_case(doc, path: Path, i: int, item: ExpectedItem) -> ExpectedItem:
    """An item's decision and criteria from the case file it names (never both written here and there)."""
    loc = ("items", i, "case")
    if item.decision is not None or item.criteria:
        raise ValidationFailure([doc.problem(loc, "expected", "an item naming a case takes its decision and criteria "
                                             "from it", "remove decision and criteria here, or the case")])
    case_path = path.parent / item.case
    if not case_path.is_file():
        raise ValidationFailure([doc.problem(loc, "expected", f"no case file {item.case} beside this file", "")])
    case = load_yaml_file(case_path).data
    wanted = case.get("expected") if isinstance(case, dict) else None
    if not isinstance(wanted, dict) or "decision" not in wanted:
        raise ValidationFailure([doc.problem(loc, "expected", f"{item.case} has no expected decision", "")])
    source = case.get("source") if isinstance(case.get("source"), dict) else {}
    cites = source.get("rationale_cites", item.rationale_cites)
    return item.model_copy(update={"decision": wanted["decision"], "criteria": dict(wanted.get("criteria") or {}),
                                   "rationale_cites": list(cites) if cites is not None else None})


def _loose(words: str) -> str:
    """A regular expression for `words` with any run of white space between them."""
    return r"\s+".join(map(re.escape, words.split()))


def excerpt_note(expected: ExpectedExcerpt, corpus: Path) -> str:
    """The note an excerpt expectation describes: the passage of the shared letter from `from` to `to`
    (white space and case ignored in the match; each must occur exactly once), a blank line, the request."""
    letter = read_source(corpus / expected.source).text
    starts = [m.start() for m in re.finditer(_loose(expected.from_), letter, re.I)]
    ends = [m.end() for m in re.finditer(_loose(expected.to), letter, re.I)]
    if len(starts) != 1 or len(ends) != 1 or ends[0] <= starts[0]:
        raise InputError(f"{expected.source}: the excerpt's first and last words must each occur once, in that "
                         f"order (found {len(starts)} and {len(ends)})")
    return letter[starts[0]:ends[0]] + "\n\n" + expected.request + "\n"


def score_folder(folder: Path, checker: Checker, corpus: Optional[Path] = None) -> Score:
    score = Score()
    files = expectation_files(folder)
    if not files:
        raise InputError(f"{folder}: no *.expected.yaml files")
    for path in files:
        expected = load_expected(path)
        if isinstance(expected, ExpectedExcerpt):
            expected, result = _excerpt_result(path, expected, checker, corpus or default_corpus())
            if result is None:
                score.differences.append(f"{expected.document}: unreadable")
                continue
        else:
            try:
                result = checker.check_file(path.parent / expected.document)
            except CheckerError as exc:
                score.differences.append(f"{expected.document}: unreadable: {exc}")
                continue
        _score_document(expected, result, score, checker.rules.vocabulary.unscored, checker.reads)
    return score


def _excerpt_result(path: Path, excerpt: ExpectedExcerpt, checker: Checker,
                    corpus: Path) -> tuple[ExpectedDocument, Optional[LetterCheck]]:
    """An excerpt scored as a one-request clinical note."""
    name = path.name.removesuffix(".expected.yaml")
    as_document = ExpectedDocument.model_validate({
        "schema": "checker/expected-letter/1", "document": name, "layout": "notes",
        "items": [{"title": excerpt.request, "pack": excerpt.pack, "facts": excerpt.facts,
                   "decision": excerpt.decision, "criteria": excerpt.criteria}]})
    try:
        note = excerpt_note(excerpt, corpus)
        return as_document, checker.check_source(read_text(note, name))
    except CheckerError:
        return as_document, None


def _score_document(expected: ExpectedDocument, result: LetterCheck, score: Score, unscored: frozenset[str],
                    reads=None) -> None:
    name = expected.document
    score.documents += 1
    if result.letter.layout == expected.layout:
        score.layouts_right += 1
    else:
        score.differences.append(f"{name}: layout {expected.layout} -> {result.letter.layout}")
    for exp in expected.items:
        score.items += 1
        item = _match(exp, result.items)
        if item is None:
            score.differences.append(f"{name}: item not found: {exp.title[:60]}")
            continue
        score.items_found += 1
        if item.pack == exp.pack:
            score.pack_right += 1
        else:
            score.differences.append(f"{name}: '{exp.title[:40]}' pack {exp.pack} -> {item.pack}")
        if item.letter_decision == exp.letter_decision:
            score.decisions_right += 1
        else:
            score.differences.append(f"{name}: '{exp.title[:40]}' letter decision {exp.letter_decision} -> {item.letter_decision}")
        if exp.pack is not None and item.decision is not None and _states_outcome(exp):
            # a fact the item's pack does not read is not reported for it, so not scored either
            _score_item(name, exp, item, score, unscored | (frozenset(exp.facts) - reads(item.pack) if reads else frozenset()))


def _states_outcome(exp: ExpectedItem) -> bool:
    """An expected item that names its pack but gives neither facts nor a decision pins the routing only
    (written before that pack existed): its facts and decision are not scored."""
    return bool(exp.facts) or exp.decision is not None


def _match(exp: ExpectedItem, items: list[ItemCheck]) -> Optional[ItemCheck]:
    want = _norm(exp.title)
    # the item of the same title first: two items may share their first 40 characters ("Chiropractic
    # treatment 6 sessions for the lumbar spine", "... for the right knee")
    same_title = next((item for item in items if _norm(item.title) == want), None)
    if same_title is not None:
        return same_title
    for item in items:
        got = _norm(item.title)
        if got and (want.startswith(got[:40]) or got.startswith(want[:40])):
            return item
    if exp.letter_decision is None:  # notes: the one request (of its pack), however its sentence reads
        if len(items) == 1:
            return items[0]
        same = [item for item in items if item.pack == exp.pack]
        if len(same) == 1:
            return same[0]
    return None


def _score_item(name: str, exp: ExpectedItem, item: ItemCheck, score: Score, unscored: frozenset[str]) -> None:
    score.pack_items += 1
    facts = item.extraction.facts.facts
    for fact in sorted(set(exp.facts) | set(facts)):
        if fact in unscored:
            continue
        s = score.facts.setdefault(fact, FactScore())
        want, got = exp.facts.get(fact), facts.get(fact)
        if fact in exp.facts and got is not None and _same(want, got.value):
            s.correct += 1
        elif fact in exp.facts and got is not None:
            s.wrong += 1
            score.differences.append(f"{name}: {fact} {want} -> {plain(got.value)}")
        elif fact in exp.facts:
            s.missed += 1
            score.differences.append(f"{name}: {fact} {want} -> not found")
        else:
            s.spurious += 1
            score.differences.append(f"{name}: {fact} not expected -> {plain(got.value)}")
    if item.decision.decision == exp.decision:
        score.predictions_right += 1
    else:
        score.differences.append(f"{name}: decision {exp.decision} -> {item.decision.decision}")
    actual = {r.criterion.id: r.status for r in item.decision.results}
    for cid, status in exp.criteria.items():
        score.statuses += 1
        if actual.get(cid) == status:
            score.statuses_right += 1
        else:
            score.differences.append(f"{name}: {cid} {status} -> {actual.get(cid)}")




def render(score: Score) -> str:
    def pct(a: int, b: int) -> str:
        return f"{a}/{b} ({100 * a / b:.0f}%)" if b else "0/0"

    lines = [
        f"documents: {score.documents}; layout right: {pct(score.layouts_right, score.documents)}",
        f"items found: {pct(score.items_found, score.items)}; pack right: {pct(score.pack_right, score.items_found)}; "
        f"letter decision right: {pct(score.decisions_right, score.items_found)}",
        f"items in a pack: {score.pack_items}; predicted decision right: {pct(score.predictions_right, score.pack_items)}; "
        f"criterion statuses right: {pct(score.statuses_right, score.statuses)}",
        "",
        f"{'fact':<30} {'expected':>8} {'correct':>8} {'wrong':>6} {'missed':>7} {'spurious':>9} {'recall':>7} {'precision':>9}",
    ]
    total = FactScore()
    for name, s in sorted(score.facts.items()):
        total.correct += s.correct
        total.wrong += s.wrong
        total.missed += s.missed
        total.spurious += s.spurious
        lines.append(_row(name, s))
    lines.append(_row("all facts", total))
    if score.differences:
        lines += ["", "differences:"] + [f"  {d}" for d in score.differences]
    return "\n".join(lines)


def _row(name: str, s: FactScore) -> str:
    recall = f"{100 * s.correct / s.expected:.0f}%" if s.expected else "-"
    extracted = s.correct + s.wrong + s.spurious
    precision = f"{100 * s.correct / extracted:.0f}%" if extracted else "-"
    return f"{name:<30} {s.expected:>8} {s.correct:>8} {s.wrong:>6} {s.missed:>7} {s.spurious:>9} {recall:>7} {precision:>9}"
