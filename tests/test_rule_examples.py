"""Every example in the rule pack runs through the engine and the oracle (`pytest -k TPI-5`)."""
from __future__ import annotations

import pytest

from checker.facts import derive
from checker.oracle import reference_statuses
from checker.rulepack import load_rules
from conftest import RULES

_RULES = load_rules(RULES)
EXAMPLES = [
    pytest.param(pack.id, c.id, ex, id=f"{c.id}::{ex.name}")
    for pack in _RULES.packs for c in pack.criteria for ex in c.examples
]


@pytest.mark.parametrize("pack_id,cid,example", EXAMPLES)
def test_example_through_engine(pack_id, cid, example, rules, engine):
    values = derive(example.facts, rules.vocabulary).values()
    assert engine.statuses(pack_id, values)[cid] == example.expect


@pytest.mark.parametrize("pack_id,cid,example", EXAMPLES)
def test_example_through_oracle(pack_id, cid, example, rules):
    pack = next(p for p in rules.packs if p.id == pack_id)
    values = derive(example.facts, rules.vocabulary).values()
    assert reference_statuses(pack, values)[cid] == example.expect
