"""From criterion statuses to a decision a reviewer can check: reasons, evidence, gaps, alternatives.

Only a licensed physician may modify, delay or deny a request (Labor Code 4610), so the checker
predicts `certify` when every applicable criterion is met and otherwise `non-certify` as a
recommendation for physician review, citing every criterion that is not met or not documented.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from checker.rules.condition import WORDS, Leaf, deciding_leaves, evaluate, leaves
from checker.core.errors import InputError
from checker.rules.facts import Evidence, FactSet, derive, disagreements
from checker.rules.rulepack import ROUTING_FACT, Criterion, RulePack, RuleSet
from checker.core.values import words

PHYSICIAN_NOTE = ("recommendation for physician review: only a licensed physician may modify, delay or "
                  "deny a request (Labor Code 4610)")
Evaluator = Callable[[str, dict[str, Any]], dict[str, str]]


@dataclass
class FactUse:
    name: str
    label: str
    documented: bool
    value: Any = None
    requirement: str = ""
    outcome: str = ""          # "satisfied", "not satisfied", "not documented", "assumed absent", ...
    derivation: Optional[str] = None
    evidence: tuple[Evidence, ...] = ()
    origin: Optional[str] = None   # extracted, reviewer, case file (None: not documented)
    reason: str = ""               # the reviewer's reason for an entry or correction


@dataclass
class CriterionResult:
    criterion: Criterion
    status: str
    facts: list[FactUse]
    reason: str
    assumed: bool = False      # not applicable by the criterion's stated assumption about an undocumented fact
    summary: str = ""   # the reason as one plain sentence (the machine detail is `reason`)


@dataclass
class Suggestion:
    kind: str
    fact: str
    current: Any
    proposed: Any
    criteria: list[str]
    text: str
    decision_after: str


@dataclass
class Decision:
    pack: RulePack
    decision: str
    results: list[CriterionResult]
    missing: list[tuple[str, list[str]]] = field(default_factory=list)   # (what to ask for, criteria)
    suggestions: list[Suggestion] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # what the checker assumed for undocumented facts: (assumption, what to confirm, criteria it decided)
    assumptions: list[tuple[str, str, list[str]]] = field(default_factory=list)

    @property
    def cited(self) -> list[str]:
        return [r.criterion.id for r in self.results if r.status in ("not_met", "not_documented")]


def decide(statuses: dict[str, str]) -> str:
    return "certify" if all(s in ("met", "not_applicable") for s in statuses.values()) else "non-certify"


def pack_for(facts: FactSet, rules: RuleSet) -> RulePack:
    treatment = facts.facts.get(ROUTING_FACT)
    if treatment is None:
        raise InputError(f"the case does not say which treatment is requested: add '{ROUTING_FACT}' with one of: "
                         + ", ".join(p.treatment for p in rules.packs))
    pack = rules.pack_for(treatment.value)
    if pack is None:
        raise InputError(f"no rule pack covers treatment '{treatment.value}'")
    return pack


def evaluate_facts(facts: FactSet, rules: RuleSet, evaluator: Evaluator, pack: Optional[RulePack] = None) -> Decision:
    """The full, explained decision for one request's facts."""
    pack = pack or pack_for(facts, rules)
    full = derive(facts, rules.vocabulary)
    values = full.values()
    statuses = evaluator(pack.id, values)
    results = [_explain(c, statuses[c.id], full, rules) for c in pack.criteria]
    for r in results:
        r.summary = summary_sentence(r, rules)
    out = Decision(pack, decide(statuses), results)
    out.missing = _missing(results, full, rules)
    out.assumptions = _assumptions(results)
    out.suggestions = _suggest(pack, facts, statuses, rules, evaluator)
    out.notes = disagreements(facts, rules.vocabulary) + _edition_notes(pack, full)
    return out


# --- explaining one criterion ---------------------------------------------------------------------------

def _explain(c: Criterion, status: str, facts: FactSet, rules: RuleSet) -> CriterionResult:
    values = facts.values()
    if status == "not_applicable":
        shown = deciding_leaves(c.applies_when, values)
        uses = [_use(leaf, facts, rules, values) for leaf in shown]
        if c.assumption and _assumed(c, values):
            return CriterionResult(c, status, uses, f"does not apply: {c.assumption}", assumed=True)
        return CriterionResult(c, status, uses, f"does not apply: {c.applies_to} only")
    shown = deciding_leaves(c.condition, values)
    if c.applies_when is not None and evaluate(c.applies_when, values) is None:
        shown = deciding_leaves(c.applies_when, values) + shown
    uses = _unique([_use(leaf, facts, rules, values) for leaf in shown])
    parts = [f"{u.label}: {words(u.value if u.documented else None)} ({u.requirement}) - {u.outcome}" for u in uses]
    return CriterionResult(c, status, uses, "; ".join(parts))


def _use(leaf: Leaf, facts: FactSet, rules: RuleSet, values: dict[str, Any]) -> FactUse:
    spec = rules.vocabulary.facts[leaf.fact]
    fact = facts.facts.get(leaf.fact)
    requirement = _requirement(leaf, spec)
    if fact is None:
        outcome = "not documented"
        if leaf.if_undocumented is not None:
            outcome = f"not documented, counts as {'satisfied' if leaf.if_undocumented else 'not satisfied'}"
        return FactUse(leaf.fact, spec.label, False, None, requirement, outcome)
    ok = evaluate(leaf, values)
    return FactUse(leaf.fact, spec.label, True, fact.value, requirement,
                   "satisfied" if ok else "not satisfied", fact.derivation, fact.evidence, fact.origin, fact.reason)


def _requirement(leaf: Leaf, spec) -> str:
    if spec.type == "bool" and leaf.op in ("eq", "neq"):
        wanted = (leaf.op == "eq") == bool(leaf.value)
        return f"required: {'yes' if wanted else 'no'}"
    value = ", ".join(map(str, leaf.value)) if leaf.op == "in" else leaf.value
    unit = f" {spec.unit}" if spec.unit and leaf.op != "in" else ""
    return f"required: {WORDS[leaf.op]} {value}{unit}"




def _unique(uses: list[FactUse]) -> list[FactUse]:
    seen, out = set(), []
    for u in uses:
        if u.name not in seen:
            seen.add(u.name)
            out.append(u)
    return out


def _assumed(c: Criterion, values: dict[str, Any]) -> bool:
    """Whether the criterion's applicability rests on an undocumented fact taking its default."""
    return any(leaf.if_undocumented is not None and values.get(leaf.fact) is None
               for leaf in deciding_leaves(c.applies_when, values))


def _assumptions(results: list[CriterionResult]) -> list[tuple[str, str, list[str]]]:
    found: dict[tuple[str, str], list[str]] = {}
    for r in results:
        if r.assumed:
            found.setdefault((r.criterion.assumption, r.criterion.confirm), []).append(r.criterion.id)
    return [(text, confirm, ids) for (text, confirm), ids in found.items()]


def summary_sentence(r: CriterionResult, rules: RuleSet) -> str:
    """One plain sentence for a criterion's status, from the facts' labels and the criterion's `ask`."""
    if r.status == "not_applicable":
        return f"Does not apply: only for {r.criterion.applies_to}."
    if r.status == "not_documented":
        if r.criterion.ask:
            return f"No documentation of {r.criterion.ask}."
        asks = [rules.vocabulary.facts[u.name].ask for u in r.facts if not u.documented]
        return f"No documentation of {_join(list(dict.fromkeys(asks)))}."
    if r.status == "not_met":
        said = _stated([u for u in r.facts if u.outcome.endswith("not satisfied")])
        return f"Not met: {said}." if said else "Not met."
    said = _stated([u for u in r.facts if u.documented])
    return f"Met: {said}." if said else "Met: nothing documented against it."


def _stated(uses: list[FactUse]) -> str:
    """What the record says about these facts, in words: yes/no findings first, then values."""
    found = [("" if u.value else "no ") + u.label for u in uses if u.documented and isinstance(u.value, bool)]
    valued = [f"{u.label} is {words(u.value if u.documented else None)} ({u.requirement})" for u in uses if u.documented and not isinstance(u.value, bool)]
    unknown = [f"{u.label} is not documented ({u.outcome.split(', ', 1)[-1]})" for u in uses if not u.documented]
    parts = ([f"documented {_join(found)}"] if found else []) + valued + unknown
    return "; ".join(parts)


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1] if parts else ""


# --- what to ask for ------------------------------------------------------------------------------------

def _missing(results: list[CriterionResult], facts: FactSet, rules: RuleSet) -> list[tuple[str, list[str]]]:
    asks: dict[str, list[str]] = {}
    for r in results:
        if r.status != "not_documented":
            continue
        if r.criterion.ask:  # one request for the criterion instead of one per fact
            asks.setdefault(r.criterion.ask, []).append(r.criterion.id)
            continue
        for use in r.facts:
            if not use.documented:
                asks.setdefault(rules.vocabulary.facts[use.name].ask, []).append(r.criterion.id)
    return [(ask, sorted(set(ids))) for ask, ids in asks.items()]


# --- requests that would meet the guideline -------------------------------------------------------------

def _suggest(pack: RulePack, facts: FactSet, statuses: dict[str, str], rules: RuleSet, evaluator: Evaluator) -> list[Suggestion]:
    vocab = rules.vocabulary
    out = []
    for name, spec in vocab.facts.items():
        if spec.adjust is None:
            continue
        # facts this request fact feeds: itself and any fact derived from it
        affected = {name} | {d for d, s in vocab.facts.items()
                             if s.derive and s.derive.days_between and name in s.derive.days_between.end}
        affected |= vocab.feeds.get(name, frozenset())
        failing = [c for c in pack.criteria if statuses[c.id] == "not_met" and affected & set(c.facts)]
        if not failing:
            continue
        if spec.adjust == "lower" and name in facts.facts:
            found = _search(pack, facts, name, _lower_candidates(pack, facts, name, affected), failing, rules, evaluator)
        elif spec.adjust == "later":
            found = _search(pack, facts, name, _later_candidates(pack, facts, name, affected, rules), failing, rules, evaluator)
        else:
            found = None
        if found is None:
            continue
        value, decision_after = found
        ids = [c.id for c in failing]
        current = facts.facts[name].value if name in facts.facts else None
        if spec.adjust == "lower":
            text = f"largest request meeting {', '.join(ids)}: {spec.label} {value} (requested {current})"
        else:
            text = f"earliest {spec.label} meeting {', '.join(ids)}: {value}"
        out.append(Suggestion(spec.adjust, name, current, value, ids, text, decision_after))
    return out


def _thresholds(pack: RulePack, names: set[str]) -> set[float]:
    found = set()
    for c in pack.criteria:
        for cond in (c.condition, c.applies_when):
            for leaf in (leaves(cond) if cond is not None else ()):
                if leaf.fact in names and isinstance(leaf.value, (int, float)) and not isinstance(leaf.value, bool):
                    found |= {leaf.value - 1, leaf.value, leaf.value + 1}
    return found


def _lower_candidates(pack: RulePack, facts: FactSet, name: str, affected: frozenset[str] = frozenset()) -> list[Any]:
    current = facts.facts[name].value
    if affected - {name}:  # a ceiling on a sum or product this fact feeds: every smaller count, largest first
        return list(range(int(current) - 1, 0, -1))
    return sorted((int(v) for v in _thresholds(pack, {name}) if 1 <= v < current), reverse=True)


def _later_candidates(pack: RulePack, facts: FactSet, name: str, affected: set[str], rules: RuleSet) -> list[dt.date]:
    vocab = rules.vocabulary
    current = facts.facts.get(name)
    candidates = set()
    for derived in affected - {name}:
        between = vocab.facts[derived].derive.days_between
        if between is None:
            continue
        start = next((s for s in between.start if s in facts.facts), None)
        if start is None:
            continue
        for days in _thresholds(pack, {derived}):
            if days >= 0:
                candidates.add(facts.facts[start].value + dt.timedelta(days=int(days)))
    floor = current.value if current else None
    return sorted(d for d in candidates if floor is None or d > floor)


def _search(pack, facts, name, candidates, failing, rules, evaluator) -> Optional[tuple[Any, str]]:
    for value in candidates:
        trial = derive(facts.with_value(name, value, "proposed"), rules.vocabulary)
        statuses = evaluator(pack.id, trial.values())
        if all(statuses[c.id] == "met" for c in failing):
            return value, decide(statuses)
    return None


# --- edition in force -----------------------------------------------------------------------------------

def _edition_notes(pack: RulePack, facts: FactSet) -> list[str]:
    g = pack.guideline
    period = f"{g.in_force_from.isoformat()} to {g.in_force_to.isoformat() if g.in_force_to else 'now'}"
    for name in ("request_date", "ur_decision_date"):
        fact = facts.facts.get(name)
        if fact is not None:
            if g.in_force_on(fact.value):
                return []
            return [f"checked against {g.title} {g.edition}, in force {period}; the {name.replace('_', ' ')} "
                    f"{fact.value.isoformat()} falls outside that period, so another edition may govern this request"]
    return [f"checked against {g.title} {g.edition}, in force {period}; no request or review date is documented, "
            "so the edition in force could not be confirmed"]
