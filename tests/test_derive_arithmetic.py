"""Derived counts (rules/facts.yaml `derive: {sum|product|first: [...]}`): visits per week x weeks, the
count stated else that product, completed plus requested visits; the arithmetic is kept for the report,
a bad derivation is an error at its line, and the ceilings that read the sums are data."""
from __future__ import annotations

import shutil

import pytest

from checker.core.errors import ValidationFailure
from checker.decision.decide import evaluate_facts
from checker.engine.durable import Engine
from checker.rules.facts import build_factset, derive
from checker.rules.rulepack import load_rules
from conftest import RULES

PM = "mtus-2009-physical-medicine"
PM_RULES = f"packs/{PM}/{PM}.rules.yaml"


def _derived(rules, raw):
    facts, errors = build_factset(raw, rules.vocabulary)
    assert errors == []
    return derive(facts, rules.vocabulary).facts


def test_a_frequency_and_a_duration_make_a_count_and_the_arithmetic_is_kept(rules):
    facts = _derived(rules, {"visits_per_week": 2, "weeks_requested": 6})
    assert facts["visits_by_frequency"].value == 12 and facts["visits_request_count"].value == 12
    assert facts["visits_by_frequency"].derivation == "2 (visits_per_week) x 6 (weeks_requested) = 12"
    assert "visits_by_frequency" in facts["visits_request_count"].derivation


def test_a_stated_count_wins_over_the_frequency(rules):
    facts = _derived(rules, {"visits_requested": 8, "visits_per_week": 3, "weeks_requested": 4})
    assert facts["visits_request_count"].value == 8 and facts["visits_by_frequency"].value == 12


def test_a_sum_needs_every_input_and_chains_through_derived_facts(rules):
    assert "pt_visits_total" not in _derived(rules, {"pt_visits_completed": 8})
    total = _derived(rules, {"pt_visits_completed": 8, "visits_per_week": 2, "weeks_requested": 3})["pt_visits_total"]
    assert total.value == 14 and total.derivation.endswith("= 14")


def _cap_status(rules) -> str:
    pack = next(p for p in rules.packs if p.id == PM)
    facts, _ = build_factset({"treatment": "physical_therapy", "pt_prior_course": True, "pt_visits_completed": 20,
                              "visits_requested": 6}, rules.vocabulary)
    results = evaluate_facts(facts, rules, Engine(rules.packs).statuses, pack).results
    return next(r.status for r in results if r.criterion.id == "PM-CAP")


def test_completed_plus_requested_over_the_cap_fails_it_though_each_alone_fits(rules):
    assert _cap_status(rules) == "not_met"   # 20 + 6 = 26 > 24; 20 <= 23 and 6 <= 24 each alone


def test_the_cap_is_data(tmp_path):
    target = tmp_path / "rules"
    shutil.copytree(RULES, target)
    path = target / PM_RULES
    text = path.read_text(encoding="utf-8")
    old = "{fact: pt_visits_total, lte: 24, if_undocumented: true}"
    assert text.count(old) == 1
    path.write_text(text.replace(old, "{fact: pt_visits_total, lte: 30, if_undocumented: true}"), encoding="utf-8")
    assert _cap_status(load_rules(target)) == "met"


@pytest.mark.parametrize("derive_text,words", [
    ("{sum: [visits_requested, injury_date]}", "fact 'injury_date' is date, expected int or number"),
    ("{product: [visits_requested, no_such_fact]}", "unknown fact 'no_such_fact'"),
    ("{sum: [visits_requested]}", "at least 2"),
    ("{sum: [visits_by_frequency, weeks_requested], first: [visits_requested, weeks_requested]}", "exactly one of"),
    ("{product: [visits_per_week, visits_request_count]}", "through other facts, from itself"),   # a cycle
])
def test_a_bad_derivation_is_an_error_at_its_line(tmp_path, derive_text, words):
    target = tmp_path / "rules"
    shutil.copytree(RULES, target)
    path = target / "facts.yaml"
    text = path.read_text(encoding="utf-8")
    old = "derive: {product: [visits_per_week, weeks_requested]}"
    assert text.count(old) == 1
    path.write_text(text.replace(old, f"derive: {derive_text}"), encoding="utf-8")
    line = next(n for n, t in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if derive_text in t)
    with pytest.raises(ValidationFailure) as failure:
        load_rules(target)
    problems = [p for p in failure.value.problems if p.line == line]
    assert problems and any(words in str(p) for p in problems), [str(p) for p in failure.value.problems]
