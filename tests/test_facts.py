"""Fact validation: impossible values and orders are rejected with a clear message; derivations."""
from __future__ import annotations

import pytest

from checker.rules.facts import build_factset, derive


@pytest.mark.parametrize("raw,words", [
    ({"prior_relief_percent": 140}, "above the maximum 100 percent"),
    ({"prior_relief_weeks": -2}, "below the minimum 0 weeks"),
    ({"injection_count": 2.5}, "expected a whole number, got a fraction"),
    ({"injection_count": 0}, "below the minimum 1"),
    ({"injection_count": "4"}, "expected a number, got text"),
    ({"twitch_response": "yes"}, "expected true or false, got text"),
    ({"prior_relief_percent": float("nan")}, "expected a number"),
    ({"request_date": "3/29/05"}, "expected a date written YYYY-MM-DD"),
    ({"body_region": "neck"}, "not one of the allowed values"),
    ({"substances": []}, "expected a non-empty list of names"),
    ({"twich_response": True}, "did you mean 'twitch_response'?"),
    ({"injury_date": "2015-03-01", "request_date": "2014-03-01"}, "date of the request (2014-03-01) is before date of injury (2015-03-01)"),
    ({"prior_injection_date": "2015-03-01", "request_date": "2015-02-01"}, "is before date of the last trigger point injection"),
])
def test_invalid_facts_are_rejected(rules, raw, words):
    facts, errors = build_factset(raw, rules.vocabulary)
    assert errors and any(words in message for _, message in errors), errors


def test_stated_duration_wins_over_dates(rules):
    facts, _ = build_factset({"symptom_duration_days": 20, "injury_date": "2010-01-01", "request_date": "2015-01-01"}, rules.vocabulary)
    derived = derive(facts, rules.vocabulary)
    assert derived.facts["symptom_duration_days"].value == 20 and derived.facts["symptom_duration_days"].derivation is None


def test_duration_falls_back_to_injury_and_review_dates_and_says_so(rules):
    facts, _ = build_factset({"injury_date": "2015-01-01", "ur_decision_date": "2015-04-02"}, rules.vocabulary)
    fact = derive(facts, rules.vocabulary).facts["symptom_duration_days"]
    assert fact.value == 91
    assert fact.derivation == ("2015-04-02 (ur_decision_date) - 2015-01-01 (injury_date) = 91 days; "
                               "date the symptoms began not documented, date of injury used; "
                               "date of the request not documented, date of the utilization review decision used")


@pytest.mark.parametrize("substances,anesthetic,other", [
    (["Lidocaine 1%"], True, False),
    (["bupivacaine 0.25% with Kenalog 40 mg"], True, False),
    (["Kenalog"], False, False),
    (["normal saline"], False, True),
    (["lidocaine", "dextrose 12.5%"], True, True),
    (["Sarapin"], False, True),
    (["mystery compound"], None, None),
    (["lidocaine", "mystery compound"], True, None),
])
def test_substances_are_classed_by_the_lexicon(rules, substances, anesthetic, other):
    facts, _ = build_factset({"substances": substances}, rules.vocabulary)
    derived = derive(facts, rules.vocabulary).facts
    got = tuple(derived[n].value if n in derived else None for n in ("substance_local_anesthetic", "substance_other"))
    assert got == (anesthetic, other)


def test_numbers_are_rounded_to_four_decimals(rules):
    facts, errors = build_factset({"prior_relief_weeks": 5.999999999}, rules.vocabulary)
    assert errors == [] and facts.facts["prior_relief_weeks"].value == 6.0
