"""Every bundled case evaluates to its expected decision and criterion statuses; the sample cases
cite at least what their letter's rationale cites, and their evidence points into the letter."""
from __future__ import annotations

from pathlib import Path

import pytest

from checker.decision.case import load_case
from checker.decision.decide import evaluate_facts
from conftest import CASES, SAMPLE_CASES

SAMPLES = sorted(SAMPLE_CASES.glob("sample-*.yaml"))
CASE_FILES = sorted(CASES.rglob("*.yaml")) + SAMPLES


def _decide(path, rules, engine, corpus=None):
    case = load_case(path, rules, corpus)
    return case, evaluate_facts(case.facts, rules, engine.statuses)


def test_there_are_sample_and_own_cases():
    assert len(SAMPLES) == 5
    assert len(CASE_FILES) > len(SAMPLES)


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: p.stem)
def test_case_meets_its_expectation(path, rules, engine):
    case, decision = _decide(path, rules, engine)
    assert case.expected_decision is not None, "every bundled case states its expected outcome"
    assert set(case.expected_criteria) == {c.id for c in decision.pack.criteria}, "expected status of every criterion"
    actual = {r.criterion.id: r.status for r in decision.results}
    assert (decision.decision, actual) == (case.expected_decision, case.expected_criteria)


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_sample_cites_what_the_letter_cites_and_nothing_met(path, rules, engine, corpus):
    case, decision = _decide(path, rules, engine, corpus)
    assert case.letter_decision == "upheld" and decision.decision == "non-certify"
    assert set(case.rationale_cites) <= set(decision.cited)
    statuses = {r.criterion.id: r.status for r in decision.results}
    assert all(statuses[cid] in ("not_met", "not_documented") for cid in decision.cited)


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_sample_evidence_points_into_the_letter(path, rules, corpus):
    case = load_case(path, rules, corpus)
    text = Path(case.source_letter).read_text(encoding="utf-8")
    quotes = [ev for fact in case.facts.facts.values() for ev in fact.evidence]
    assert quotes
    for ev in quotes:
        assert ev.start is not None and ev.source == case.source_letter
        assert " ".join(text[ev.start:ev.end].split()).lower() == " ".join(ev.quote.split()).lower()
