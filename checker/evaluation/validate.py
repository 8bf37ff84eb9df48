"""`checker rules validate`: everything the engine and the extractor will load, checked at once.

Rule packs, the fact vocabulary and lexicons (with their numbers: exponent notation, NaN, infinity
and integers beyond 64 bits are refused, as are conditions too large to compile), the extraction
patterns and the audit patterns (every regular expression compiled, reported at its line), and every
example run through the engine and compared with the plain-Python semantics. What passes here,
`evaluate` and `check` can run.
"""
from __future__ import annotations

from pathlib import Path

from checker.core.errors import CheckerError, Problem, ValidationFailure


def validate_all(directory: str | Path) -> str:
    """A one-line summary; ValidationFailure with every problem found otherwise."""
    from checker.audit.auditor import load_audit_rules
    from checker.rules.facts import derive
    from checker.engine.oracle import reference_statuses
    from checker.extraction.patterns import load_patterns
    from checker.rules.rulepack import load_rules

    rules = load_rules(directory)
    problems: list[Problem] = []
    for loader in (lambda: load_patterns(rules.root, rules.vocabulary), lambda: load_audit_rules(rules.root, rules.vocabulary)):
        try:
            loader()
        except ValidationFailure as failure:
            problems += failure.problems
    problems += _engine_problems(rules, derive, reference_statuses)
    if problems:
        raise ValidationFailure(problems)
    n = sum(len(p.criteria) for p in rules.packs)
    examples = sum(len(c.examples) for p in rules.packs for c in p.criteria)
    return (f"{directory}: OK ({len(rules.packs)} pack(s), {n} criteria, {examples} examples, "
            f"{len(rules.vocabulary.facts)} facts; extraction and audit patterns compiled; examples run through the engine)")


def _engine_problems(rules, derive, reference_statuses) -> list[Problem]:
    from checker.engine.durable import Engine

    try:
        engine = Engine(rules.packs)
    except CheckerError as exc:
        return [Problem(str(rules.root), 1, 1, "engine", "(rules)", f"the engine cannot compile the rules: {exc.message}")]
    except Exception as exc:  # durable_rules raises its own errors for rulesets it cannot take
        return [Problem(str(rules.root), 1, 1, "engine", "(rules)", f"the engine cannot compile the rules ({type(exc).__name__})")]
    from checker.evaluation.mutate import stale_examples

    try:
        out = stale_examples(rules)  # each example's expected status against the engine's
    except Exception as exc:
        return [Problem(str(rules.root), 1, 1, "engine", "(examples)", f"the engine fails on the examples ({type(exc).__name__})")]
    for pack in rules.packs:
        for c in pack.criteria:
            for ex in c.examples:
                values = derive(ex.facts, rules.vocabulary).values()
                try:
                    got = engine.statuses(pack.id, values)[c.id]
                except Exception as exc:
                    out.append(Problem(pack.path, ex.line, 1, c.id, f"examples.{ex.name}",
                                       f"the engine fails on this example ({type(exc).__name__})"))
                    continue
                want = reference_statuses(pack, values)[c.id]
                if got != want:
                    out.append(Problem(pack.path, ex.line, 1, c.id, f"examples.{ex.name}",
                                       f"the engine gives {got} where the rule's meaning is {want}"))
    return out
