"""Checks on the rule pack as a whole: every criterion documented, every reachable status and every
threshold exercised by an example, and public ids stable."""
from __future__ import annotations

import pytest

from checker.condition import leaves
from checker.coverage import reachable_statuses
from checker.facts import derive
from checker.oracle import reference_statuses
from checker.rulepack import load_rules
from conftest import RULES

_RULES = load_rules(RULES)
CRITERIA = [pytest.param(p, c, id=c.id) for p in _RULES.packs for c in p.criteria]
PUBLIC_IDS = ["TPI-1", "TPI-2", "TPI-3", "TPI-4", "TPI-5", "TPI-6", "TPI-7", "TPI-8", "TPI-MPS", "TPI-FM"]


def test_public_criterion_ids(pack):
    assert [c.id for c in pack.criteria] == PUBLIC_IDS


def test_guideline_identity(pack):
    g = pack.guideline
    assert (g.edition.startswith("2009"), pack.section, pack.pages) == (True, "Trigger point injections", (122,))
    assert (g.in_force_from.isoformat(), g.in_force_to.isoformat()) == ("2009-07-18", "2016-07-27")


@pytest.mark.parametrize("pack,criterion", CRITERIA)
def test_examples_cover_every_reachable_status(pack, criterion, rules):
    reachable = reachable_statuses(pack, criterion, rules.vocabulary)
    covered = {ex.expect for ex in criterion.examples}
    assert reachable - covered == set(), f"statuses without an example: {sorted(reachable - covered)}"
    assert covered <= reachable


@pytest.mark.parametrize("pack,criterion", CRITERIA)
def test_every_threshold_has_an_example_on_it(pack, criterion, rules):
    thresholds = {(leaf.fact, leaf.value) for leaf in leaves(criterion.condition)
                  if rules.vocabulary.facts[leaf.fact].type in ("int", "number")}
    for fact, value in thresholds:
        on_it = [ex for ex in criterion.examples
                 if derive(ex.facts, rules.vocabulary).values().get(fact) == value]
        assert on_it, f"no example of {criterion.id} with {fact} exactly {value}"


@pytest.mark.parametrize("pack,criterion", CRITERIA)
def test_criterion_is_documented(pack, criterion):
    assert criterion.text and criterion.name and criterion.undocumented and criterion.applies_to
    assert criterion.page in pack.pages


def test_exclusions_are_met_when_nothing_is_documented(pack):
    statuses = reference_statuses(pack, {})
    exclusions = [c.id for c in pack.criteria if c.kind == "exclusion"]
    assert exclusions == ["TPI-4", "TPI-FM"]
    assert all(statuses[cid] == "met" for cid in exclusions)
    # a criterion whose applicability defaults when undocumented (the repeat criteria: a first
    # request) does not apply; every other one is not documented
    defaulted = {c.id for c in pack.criteria if c.assumption}
    assert defaulted == {"TPI-6", "TPI-7"}
    assert all(statuses[cid] == "not_applicable" for cid in defaulted)
    others = [statuses[c.id] for c in pack.criteria if c.kind != "exclusion" and c.id not in defaulted]
    assert set(others) == {"not_documented"}
