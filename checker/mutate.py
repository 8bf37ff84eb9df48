"""Mutation testing of a rule pack: change one threshold, comparison or condition at a time and check
that some example or case notices. A mutant nobody notices marks a rule the tests do not pin down.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable, Iterator, Optional

from .condition import NEGATION, All, Any_, Condition, Leaf, Not
from .engine import Engine
from .facts import FactSet, derive
from .rulepack import Criterion, RulePack, RuleSet

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


def run_mutation(rules: RuleSet, pack: RulePack, cases: list[FactSet],
                 progress: Optional[Callable[[int, int], Any]] = None) -> MutationReport:
    """Evaluate the pack's examples and the given cases under every mutant, through the engine."""
    samples = [derive(ex.facts, rules.vocabulary).values() for c in pack.criteria for ex in c.examples]
    samples += [derive(fs, rules.vocabulary).values() for fs in cases]
    baseline = Engine([pack])
    expected = [baseline.statuses(pack.id, v) for v in samples]
    survivors, all_mutants = [], list(mutants(pack))
    for i, m in enumerate(all_mutants):
        engine = Engine([m.pack])
        if all(engine.statuses(pack.id, v) == e for v, e in zip(samples, expected)):
            survivors.append(m)
        if progress:
            progress(i + 1, len(all_mutants))
    return MutationReport(len(all_mutants), len(all_mutants) - len(survivors), survivors)
