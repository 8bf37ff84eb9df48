"""Checks on every rule pack as a whole (the bundled ones and the test packs): every criterion
documented, every reachable status and every threshold exercised by an example; the TPI pack's public
ids stable."""
from __future__ import annotations

import pytest

from checker.rules.condition import leaves
from checker.evaluation.coverage import reachable_statuses
from checker.rules.facts import derive
from checker.engine.oracle import reference_statuses
from conftest import every_pack, rules_at

CRITERIA = [pytest.param(d, p, c, id=c.id) for d, p in every_pack() for c in p.criteria]
PACKS = [pytest.param(d, p, id=p.id) for d, p in every_pack()]
PUBLIC_IDS = ["TPI-1", "TPI-2", "TPI-3", "TPI-4", "TPI-5", "TPI-6", "TPI-7", "TPI-8", "TPI-MPS", "TPI-FM"]


def test_public_criterion_ids(pack):
    assert [c.id for c in pack.criteria] == PUBLIC_IDS


def test_guideline_identity(pack):
    g = pack.guideline
    assert (g.edition.startswith("2009"), pack.section, pack.pages) == (True, "Trigger point injections", (122,))
    assert (g.in_force_from.isoformat(), g.in_force_to.isoformat()) == ("2009-07-18", "2016-07-27")


@pytest.mark.parametrize("rules_dir,pack,criterion", CRITERIA)
def test_examples_cover_every_reachable_status(rules_dir, pack, criterion):
    reachable = reachable_statuses(pack, criterion, rules_at(rules_dir).vocabulary)
    covered = {ex.expect for ex in criterion.examples}
    assert reachable - covered == set(), f"statuses without an example: {sorted(reachable - covered)}"
    assert covered <= reachable


@pytest.mark.parametrize("rules_dir,pack,criterion", CRITERIA)
def test_every_threshold_has_an_example_on_it(rules_dir, pack, criterion):
    rules = rules_at(rules_dir)
    thresholds = {(leaf.fact, leaf.value) for leaf in leaves(criterion.condition)
                  if rules.vocabulary.facts[leaf.fact].type in ("int", "number")}
    for fact, value in thresholds:
        on_it = [ex for ex in criterion.examples
                 if derive(ex.facts, rules.vocabulary).values().get(fact) == value]
        assert on_it, f"no example of {criterion.id} with {fact} exactly {value}"


@pytest.mark.parametrize("rules_dir,pack,criterion", CRITERIA)
def test_criterion_is_documented(rules_dir, pack, criterion):
    assert criterion.text and criterion.name and criterion.undocumented and criterion.applies_to
    assert criterion.page in pack.pages


@pytest.mark.parametrize("rules_dir,pack", PACKS)
def test_exclusions_are_met_when_nothing_is_documented(rules_dir, pack):
    statuses = reference_statuses(pack, {})
    assert all(statuses[c.id] == "met" for c in pack.criteria if c.kind == "exclusion")
    # a criterion whose applicability defaults when undocumented (TPI's repeat criteria: a first
    # request) does not apply; every other one is not documented
    defaulted = {c.id for c in pack.criteria if c.assumption}
    assert all(statuses[cid] == "not_applicable" for cid in defaulted)
    others = {statuses[c.id] for c in pack.criteria if c.kind != "exclusion" and c.id not in defaulted}
    assert others <= {"not_documented"}


def test_tpi_exclusions_and_defaulted_criteria(pack):
    assert [c.id for c in pack.criteria if c.kind == "exclusion"] == ["TPI-4", "TPI-FM"]
    assert {c.id for c in pack.criteria if c.assumption} == {"TPI-6", "TPI-7"}
