"""Corpus regression: every case and every letter with expectations, compared value by value.

A case file (checker/case/1) expects a decision and each criterion's status. An expectations file
(checker/expected-letter/1) expects a letter's layout, its items, their decisions, the rule pack that takes each,
criterion statuses and, when it lists them, the audit finding codes. Anything that moved is a drift.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from checker.audit.auditor import Auditor
from checker.core.paths import default_corpus
from checker.decision.case import load_case
from checker.decision.check import Checker, ItemCheck
from checker.evaluation.coverage import reachable_statuses
from checker.decision.decide import evaluate_facts
from checker.core.errors import CheckerError
from checker.rules.rulepack import STATUSES, RuleSet
from checker.evaluation.score import _match, load_expected


@dataclass
class Drift:
    source: str
    item: str
    what: str
    expected: Any
    actual: Any
    evidence: str = ""


@dataclass
class Outcome:
    """One evaluated request: a case, or a TPI item of a letter."""

    source: str
    item: str
    statuses: dict[str, str]
    decision: str
    reasons: dict[str, str]
    letter_decision: Optional[str] = None
    rationale_cites: Optional[list[str]] = None


@dataclass
class Run:
    outcomes: list[Outcome] = field(default_factory=list)
    drifts: list[Drift] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    compared: int = 0
    sources: list[str] = field(default_factory=list)
    items: dict[str, list[str]] = field(default_factory=dict)   # every item compared, by source, in order


def discover(paths: list[str]) -> list[tuple[str, Path]]:
    """(kind, path) for every case file and letter expectations file under the paths, sorted."""
    found: list[tuple[str, Path]] = []
    for raw in paths:
        p = Path(raw)
        files = sorted(p.rglob("*.yaml")) if p.is_dir() else [p]
        for f in files:
            if not f.exists():
                raise CheckerError(f"{f}: no such file or folder")
            head = f.read_text(encoding="utf-8", errors="replace")[:4000]
            if "schema: checker/case/1" in head:
                found.append(("case", f))
            elif "schema: checker/expected-letter/1" in head:
                found.append(("letter", f))
    return found


def document_path(expected_file: Path, document: str) -> Path:
    """Letters beside their expectations, or in the shared corpus when written `corpus:imr/...`."""
    if document.startswith("corpus:"):
        return default_corpus() / document[len("corpus:"):]
    return expected_file.parent / document


class Regression:
    def __init__(self, rules: RuleSet, checker: Checker, auditor: Auditor):
        self.rules = rules
        self.checker = checker
        self.auditor = auditor

    def run(self, paths: list[str]) -> Run:
        run = Run()
        for kind, path in discover(paths):
            run.sources.append(str(path))
            try:
                if kind == "case":
                    self._case(path, run)
                else:
                    self._letter(path, run)
            except CheckerError as exc:
                run.errors.append((str(path), exc.message))
        return run

    def _compare(self, run: Run, source: str, item: str, what: str, expected: Any, actual: Any, evidence: str = "") -> None:
        run.compared += 1
        seen = run.items.setdefault(source, [])
        if item not in seen:
            seen.append(item)
        if expected != actual:
            run.drifts.append(Drift(source, item, what, expected, actual, evidence))

    def _case(self, path: Path, run: Run) -> None:
        case = load_case(path, self.rules)
        decision = evaluate_facts(case.facts, self.rules, self.checker.evaluate)
        statuses = {r.criterion.id: r.status for r in decision.results}
        reasons = {r.criterion.id: r.reason for r in decision.results}
        run.outcomes.append(Outcome(str(path), case.id, statuses, decision.decision, reasons))
        if case.expected_decision is None:
            return
        self._compare(run, str(path), case.id, "decision", case.expected_decision, decision.decision)
        for cid, status in sorted(case.expected_criteria.items()):
            self._compare(run, str(path), case.id, cid, status, statuses.get(cid), reasons.get(cid, ""))

    def _letter(self, path: Path, run: Run) -> None:
        expected = load_expected(path)
        result = self.checker.check_file(document_path(path, expected.document))
        audit = self.auditor.audit(result)
        source = str(path)
        self._compare(run, source, "-", "layout", expected.layout, result.letter.layout)
        by_check = {id(a.check): a for a in audit.items}
        for exp in expected.items:
            item = _match(exp, result.items)
            name = item_name(exp.title)
            self._compare(run, source, name, "item found", True, item is not None)
            if item is None:
                continue
            self._compare(run, source, name, "letter decision", exp.letter_decision, item.letter_decision)
            self._compare(run, source, name, "rule pack", exp.pack, item.pack)
            if item.decision is not None:
                self._pack_item(run, source, exp, item, by_check[id(item)].rationale_cites)
        if expected.findings is not None:
            want = sorted((f["code"], " ".join(f["item"].split()) if f.get("item") else "-") for f in expected.findings)
            got = sorted([(f.code, "-") for f in audit.findings] +
                         [(f.code, a.check.title) for a in audit.items for f in a.findings])
            self._compare(run, source, "-", "audit findings", want, got)

    def _pack_item(self, run: Run, source: str, exp, item: ItemCheck, cites: list[str]) -> None:
        statuses = {r.criterion.id: r.status for r in item.decision.results}
        reasons = {r.criterion.id: r.reason for r in item.decision.results}
        name = item_name(exp.title)
        run.outcomes.append(Outcome(source, name, statuses, item.decision.decision, reasons,
                                    item.letter_decision, cites))
        if exp.decision is not None:
            self._compare(run, source, name, "decision", exp.decision, item.decision.decision)
        for cid, status in sorted(exp.criteria.items()):
            self._compare(run, source, name, cid, status, statuses.get(cid), reasons.get(cid, ""))
        if exp.rationale_cites is not None:
            self._compare(run, source, name, "rationale cites", exp.rationale_cites, cites)


def item_name(title: str) -> str:
    """An item's stable name in reports: its expected title, whole, with its spaces normalised (the same
    whether or not the item drifts, so a CI server's history of the test case holds)."""
    return " ".join(title.split())


# --- metrics -----------------------------------------------------------------------------------------

@dataclass
class Metrics:
    letters_items: int
    agree: int
    upheld: int
    upheld_right: int
    overturned: int
    overturned_right: int
    kappa: dict[str, tuple[int, int, int, int, Optional[float]]]
    coverage: dict[str, dict[str, int]]
    uncovered: list[tuple[str, str]]

    @property
    def balanced_accuracy(self) -> Optional[float]:
        rates = [r for r in (_rate(self.upheld_right, self.upheld), _rate(self.overturned_right, self.overturned)) if r is not None]
        return sum(rates) / len(rates) if rates else None

    @property
    def overturn_recall(self) -> Optional[float]:
        return _rate(self.overturned_right, self.overturned)


def _rate(a: int, b: int) -> Optional[float]:
    return a / b if b else None


def cohen_kappa(both: int, only_a: int, only_b: int, neither: int) -> Optional[float]:
    n = both + only_a + only_b + neither
    if n == 0:
        return None
    observed = (both + neither) / n
    pa, pb = (both + only_a) / n, (both + only_b) / n
    chance = pa * pb + (1 - pa) * (1 - pb)
    return None if math.isclose(chance, 1.0) else (observed - chance) / (1 - chance)


def metrics(run: Run, rules: RuleSet) -> Metrics:
    """Agreement with the letters' decisions, checker vs rationale citations, and status coverage."""
    decided = [o for o in run.outcomes if o.letter_decision in ("upheld", "overturned")]
    upheld = [o for o in decided if o.letter_decision == "upheld"]
    overturned = [o for o in decided if o.letter_decision == "overturned"]
    up_right = sum(o.decision == "non-certify" for o in upheld)
    ov_right = sum(o.decision == "certify" for o in overturned)
    kappa = {}
    # a denial's rationale gives reasons for the criteria it finds unmet; an approval's lists met ones
    cited_items = [o for o in upheld if o.rationale_cites is not None]
    for pack in rules.packs:
        for c in pack.criteria:
            cells = [0, 0, 0, 0]  # both, checker only, rationale only, neither
            for o in cited_items:
                a = o.statuses.get(c.id) in ("not_met", "not_documented")
                b = c.id in o.rationale_cites
                cells[0 if a and b else 1 if a else 2 if b else 3] += 1
            kappa[c.id] = (*cells, cohen_kappa(*cells))
    coverage = {c.id: {s: 0 for s in STATUSES} for p in rules.packs for c in p.criteria}
    for o in run.outcomes:
        for cid, status in o.statuses.items():
            coverage.setdefault(cid, {s: 0 for s in STATUSES})[status] += 1
    uncovered = [(c.id, s) for p in rules.packs for c in p.criteria
                 for s in sorted(reachable_statuses(p, c, rules.vocabulary)) if coverage[c.id][s] == 0]
    return Metrics(len(decided), up_right + ov_right, len(upheld), up_right, len(overturned), ov_right,
                   kappa, coverage, uncovered)


def against(rules_a: RuleSet, rules_b: RuleSet, run_a: Run, run_b: Run) -> list[Drift]:
    """Outcomes that differ between two rule folders, case by case and criterion by criterion."""
    b = {(o.source, o.item): o for o in run_b.outcomes}
    out = []
    for o in run_a.outcomes:
        other = b.get((o.source, o.item))
        if other is None:
            continue
        if o.decision != other.decision:
            out.append(Drift(o.source, o.item, "decision", o.decision, other.decision))
        for cid in sorted(set(o.statuses) | set(other.statuses)):
            if o.statuses.get(cid) != other.statuses.get(cid):
                out.append(Drift(o.source, o.item, cid, o.statuses.get(cid), other.statuses.get(cid),
                                 other.reasons.get(cid, "")))
    return out
