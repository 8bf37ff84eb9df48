"""Which statuses each criterion can take at all: used to demand examples and corpus coverage of each."""
from __future__ import annotations

import itertools
from typing import Any

from checker.rules.condition import leaves
from checker.engine.oracle import reference_statuses
from checker.rules.rulepack import Criterion, RulePack
from checker.rules.vocabulary import Vocabulary


def _candidates(criterion: Criterion, vocab: Vocabulary) -> dict[str, set[Any]]:
    """Per fact the criterion reads: absent, plus values on both sides of every constant it is compared to."""
    options: dict[str, set[Any]] = {}
    for cond in filter(None, (criterion.condition, criterion.applies_when)):
        for leaf in leaves(cond):
            spec = vocab.facts[leaf.fact]
            values = options.setdefault(leaf.fact, {None})
            if spec.type == "bool":
                values |= {True, False}
            elif spec.type == "enum":
                values |= set(spec.values or [])
            else:
                for c in (leaf.value if leaf.op == "in" else (leaf.value,)):
                    values |= {c - 1, c, c + 1}
    return options


def reachable_statuses(pack: RulePack, criterion: Criterion, vocab: Vocabulary) -> set[str]:
    """Every status the criterion takes over all combinations of its facts' candidate values."""
    options = _candidates(criterion, vocab)
    names = sorted(options)
    seen = set()
    for combo in itertools.product(*(sorted(options[n], key=repr) for n in names)):
        values = {n: v for n, v in zip(names, combo) if v is not None}
        seen.add(reference_statuses(pack, values)[criterion.id])
    return seen
