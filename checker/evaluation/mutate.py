"""Mutation testing of a rule pack: change one threshold, comparison or condition at a time and check
that some example or case notices. A mutant nobody notices marks a rule the tests do not pin down.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterator, Optional

from checker.rules.condition import NEGATION, All, Any_, Condition, Leaf, Not
from checker.engine.durable import Engine
from checker.rules.facts import FactSet, derive
from checker.rules.rulepack import Criterion, RulePack, RuleSet

FLIPS = {"gt": "gte", "gte": "gt", "lt": "lte", "lte": "lt", "eq": "neq", "neq": "eq"}


@dataclass(frozen=True)
class Mutant:
    criterion: str
    description: str
    pack: RulePack


def _variants(cond: Condition, path: str) -> Iterator[tuple[str, Condition]]:
    """Every single-point change of a condition tree, with a description of it."""
    if isinstance(cond, Leaf):
        if isinstance(cond.value, bool):
            yield f"{path}: {cond.fact} {cond.op} {cond.value} -> {not cond.value}", replace(cond, value=not cond.value)
        elif isinstance(cond.value, (int, float)):
            for delta in (-1, 1):
                yield f"{path}: {cond.fact} {cond.op} {cond.value} -> {cond.value + delta}", replace(cond, value=cond.value + delta)
        if cond.op in FLIPS and not isinstance(cond.value, bool):
            yield f"{path}: {cond.fact} {cond.op} -> {FLIPS[cond.op]}", replace(cond, op=FLIPS[cond.op])
        if cond.op in NEGATION and not isinstance(cond.value, bool):
            yield f"{path}: {cond.fact} {cond.op} -> {NEGATION[cond.op]}", replace(cond, op=NEGATION[cond.op])
        if cond.if_undocumented is not None:
            yield f"{path}: {cond.fact} if_undocumented dropped", replace(cond, if_undocumented=None)
            yield (f"{path}: {cond.fact} if_undocumented {cond.if_undocumented} -> {not cond.if_undocumented}",
                   replace(cond, if_undocumented=not cond.if_undocumented))
        return
    if isinstance(cond, Not):
        yield f"{path}: not dropped", cond.item
        for text, inner in _variants(cond.item, path + ".not"):
            yield text, Not(inner)
        return
    kind = "all" if isinstance(cond, All) else "any"
    other = Any_ if isinstance(cond, All) else All
    yield f"{path}: {kind} -> {'any' if kind == 'all' else 'all'}", other(cond.items)
    for i, item in enumerate(cond.items):
        if len(cond.items) > 1:
            rest = cond.items[:i] + cond.items[i + 1:]
            yield f"{path}.{kind}[{i}] dropped", type(cond)(rest)
        for text, inner in _variants(item, f"{path}.{kind}[{i}]"):
            yield text, type(cond)(cond.items[:i] + (inner,) + cond.items[i + 1:])


def mutants(pack: RulePack) -> Iterator[Mutant]:
    for n, c in enumerate(pack.criteria):
        changes: list[tuple[str, Criterion]] = [
            (text, replace(c, condition=cond)) for text, cond in _variants(c.condition, "condition")]
        if c.applies_when is not None:
            changes.append(("applies_when dropped", replace(c, applies_when=None)))
            changes += [(text, replace(c, applies_when=cond)) for text, cond in _variants(c.applies_when, "applies_when")]
        for text, changed in changes:
            criteria = pack.criteria[:n] + (changed,) + pack.criteria[n + 1:]
            yield Mutant(c.id, text, replace(pack, criteria=criteria))


@dataclass
class MutationReport:
    total: int
    killed: int
    survivors: list[Mutant]
    stale: list[str] = field(default_factory=list)   # expectations the unmutated rules already break


Sample = tuple[dict[str, Any], dict[str, str], str]   # fact values, expected statuses, where it is written


def samples_of(rules: RuleSet, pack: RulePack, cases: list[tuple[FactSet, dict[str, str], str]]) -> list[Sample]:
    """What the examples and the cases expect: each example its criterion's status, each case the
    statuses written in its `expected` block."""
    out = [(derive(ex.facts, rules.vocabulary).values(), {c.id: ex.expect}, f"{pack.path}:{ex.at[0]}:{ex.at[1]}")
           for c in pack.criteria for ex in c.examples]
    ids = {c.id for c in pack.criteria}
    out += [(derive(fs, rules.vocabulary).values(), {k: v for k, v in expected.items() if k in ids}, where)
            for fs, expected, where in cases if any(k in ids for k in expected)]
    return out


def run_mutation(rules: RuleSet, pack: RulePack, cases: list[tuple[FactSet, dict[str, str], str]],
                 progress: Optional[Callable[[int, int], Any]] = None) -> MutationReport:
    """Evaluate the pack's examples and the given cases under every mutant, through the engine; a mutant
    is detected when some example or case no longer gets the status it expects. Expectations the
    unmutated pack already breaks are reported as stale (a mutant cannot be judged against them)."""
    samples = samples_of(rules, pack, cases)
    baseline = Engine([pack])
    stale = []
    for values, expected, where in samples:
        got = baseline.statuses(pack.id, values)
        stale += [f"{where}: {cid} expects {status}, the rules give {got.get(cid)}"
                  for cid, status in sorted(expected.items()) if got.get(cid) != status]
    survivors, all_mutants = [], list(mutants(pack))
    for i, m in enumerate(all_mutants):
        engine = Engine([m.pack])
        if all(_agrees(engine.statuses(pack.id, v), e) for v, e, _ in samples):
            survivors.append(m)
        if progress:
            progress(i + 1, len(all_mutants))
    return MutationReport(len(all_mutants), len(all_mutants) - len(survivors), survivors, stale)


def _agrees(got: dict[str, str], expected: dict[str, str]) -> bool:
    return all(got.get(cid) == status for cid, status in expected.items())


def stale_examples(rules: RuleSet) -> list:
    """Every rule example whose expected status the rules do not give, located at its `expect`."""
    from checker.core.errors import Problem

    engine = Engine(rules.packs)
    out = []
    for pack in rules.packs:
        for c in pack.criteria:
            for ex in c.examples:
                got = engine.statuses(pack.id, derive(ex.facts, rules.vocabulary).values())[c.id]
                if got != ex.expect:
                    out.append(Problem(pack.path, ex.at[0], ex.at[1], c.id, "examples",
                                       f"example '{ex.name}' expects {ex.expect}, the rules give {got}",
                                       "fix the example or the condition"))
    return out
