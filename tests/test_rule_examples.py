"""Every example of every pack runs through the engine and the oracle (`pytest -k TPI-5`)."""
from __future__ import annotations

import pytest

from checker.rules.facts import derive
from checker.engine.oracle import reference_statuses
from conftest import engine_at, every_pack, rules_at

EXAMPLES = [
    pytest.param(rules_dir, pack, c.id, ex, id=f"{c.id}::{ex.name}")
    for rules_dir, pack in every_pack() for c in pack.criteria for ex in c.examples
]


@pytest.mark.parametrize("rules_dir,pack,cid,example", EXAMPLES)
def test_example_through_engine(rules_dir, pack, cid, example):
    values = derive(example.facts, rules_at(rules_dir).vocabulary).values()
    assert engine_at(rules_dir).statuses(pack.id, values)[cid] == example.expect


@pytest.mark.parametrize("rules_dir,pack,cid,example", EXAMPLES)
def test_example_through_oracle(rules_dir, pack, cid, example):
    values = derive(example.facts, rules_at(rules_dir).vocabulary).values()
    assert reference_statuses(pack, values)[cid] == example.expect
