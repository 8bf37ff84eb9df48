"""Fact extraction on short texts written for these tests: assertion status, guideline quotations,
keyword traps, numbers, durations and dates, conflicts."""
from __future__ import annotations

import datetime as dt

import pytest

from checker.extraction.extract import Extractor, Segment
from checker.extraction.patterns import load_patterns
from conftest import RULES


@pytest.fixture(scope="module")
def extractor(rules):
    return Extractor(load_patterns(RULES, rules.vocabulary), rules.vocabulary)


def facts(extractor, text, role="notes"):
    result = extractor.extract(text, [Segment(role, 0, len(text))], "<test>")
    return {name: fact.value for name, fact in result.facts.facts.items()}, result


@pytest.mark.parametrize("text,fact,value", [
    ("Palpation reveals a local twitch response in the left trapezius.", "twitch_response", True),
    ("No twitch response could be elicited.", "twitch_response", False),
    ("She denies any twitch on palpation.", "twitch_response", False),
    ("Pressure on the band reproduces pain referred to the temple.", "referred_pain", True),
    ("The pain stays local to the point pressed, without referral.", "referred_pain", False),
    ("Discrete trigger points are palpated in the rhomboids.", "trigger_points_circumscribed", True),
    ("There was no tenderness to palpation over the paraspinal muscles.", "trigger_points_circumscribed", False),
    ("Assessment: myofascial pain syndrome of the cervical muscles.", "myofascial_pain_syndrome", True),
    ("Diagnosis: MPS, left trapezius.", "myofascial_pain_syndrome", True),
    ("Fibromyalgia was considered by rheumatology and excluded.", "fibromyalgia", False),
    ("He is negative for fibromyalgia.", "fibromyalgia", False),
    ("Past history of fibromyalgia diagnosed in 2009.", "fibromyalgia", True),
    ("Diagnoses: left L5 radiculopathy, lumbar strain.", "radiculopathy_diagnosed", True),
    ("Cervical radiculopathy was ruled out by the treating physician.", "radiculopathy_diagnosed", False),
    ("Straight leg raise was positive on the right at 45 degrees.", "radiculopathy_exam", True),
    ("SLR negative bilaterally; reflexes symmetric.", "radiculopathy_exam", False),
    ("An MRI of 3/2/14 shows a disc bulge compressing the exiting right C6 nerve root.", "radiculopathy_imaging", True),
    ("EMG/NCV of the legs was negative for radiculopathy.", "radiculopathy_neurotesting", False),
    ("EMG/NCV on 12/1/15 showed a chronic right L5 radiculopathy.", "radiculopathy_neurotesting", True),
    ("Physical therapy x 12 visits failed to control the pain.", "physical_therapy_failed", True),
    ("Ibuprofen helps her tolerate the pain.", "nsaids_failed", False),
    ("Naproxen and cyclobenzaprine were each tried and neither controlled the pain.", "muscle_relaxants_failed", True),
    ("She has never had trigger point injections.", "repeat_request", False),
    ("He received trigger point injections on 5/20/15.", "repeat_request", True),
    ("Review of the records does not show any evidence of trigger point injections being given in the past.",
     "repeat_request", False),
])
def test_assertion_status_decides_the_value(extractor, text, fact, value):
    found, _ = facts(extractor, text)
    assert found.get(fact) == value, found


@pytest.mark.parametrize("text,absent", [
    ("There is no documentation of a twitch response.", "twitch_response"),
    ("Submitted reports have no specific documentation of referred pain.", "referred_pain"),
    ("Rule out fibromyalgia.", "fibromyalgia"),
    ("If radiculopathy develops, an EMG will be ordered.", "radiculopathy_diagnosed"),
    ("Family history of fibromyalgia (mother).", "fibromyalgia"),
    ("She has been to physical therapy twice.", "physical_therapy_failed"),  # tried is not failed
    ("Tenderness and spasm over the paraspinals.", "trigger_points_circumscribed"),  # not a trigger point
    ("Numbness and tingling in both hands.", "radiculopathy_diagnosed"),  # a symptom, not radiculopathy
])
def test_statements_about_the_record_leave_facts_undocumented(extractor, text, absent):
    found, _ = facts(extractor, text)
    assert absent not in found, found


def test_guideline_quotations_in_a_letter_are_not_patient_facts(extractor):
    text = ("The MTUS requires a twitch response as well as referred pain. Trigger point injections are not "
            "recommended for fibromyalgia syndrome. A trigger point is a discrete focal tenderness with a local "
            "twitch. In this case the patient has no referred pain on exam.")
    found, _ = facts(extractor, text, role="rationale")
    assert found == {"referred_pain": False}


@pytest.mark.parametrize("text", [
    "Trigger point impedance imaging of the lumbar spine was requested.",
    "Dry needling of trigger points, six sessions.",
])
def test_keyword_traps_do_not_document_trigger_points(extractor, text):
    found, _ = facts(extractor, text)
    assert "trigger_points_circumscribed" not in found


@pytest.mark.parametrize("text,fact,value", [
    ("Neck pain for the past 5 years.", "symptom_duration_days", 1825),
    ("Low back pain x 3 months.", "symptom_duration_days", 90),
    ("She has had pain for more than three months.", "symptom_duration_days", 91),
    ("At the last visit he had trigger point injections with 80 percent relief for two weeks.", "prior_relief_percent", 80),
    ("At the last visit he had trigger point injections with 80 percent relief for two weeks.", "prior_relief_weeks", 2),
    ("She received TPIs on 5/20/15. She reported 70% relief lasting 8 weeks.", "prior_relief_weeks", 8),
    ("Plan: trigger point injections x4 to the left trapezius with 1% lidocaine.", "injection_count", 4),
    ("Plan: six trigger point injections to the paraspinals.", "injection_count", 6),
    ("Plan: trigger point injections x4 to the left trapezius with 1% lidocaine.", "substances", ("lidocaine",)),
    ("Date of injury: November 8, 1996.", "injury_date", dt.date(1996, 11, 8)),
    ("DOI 11-3-10, low back strain.", "injury_date", dt.date(2010, 11, 3)),
    ("Utilization review dated 02/14/2011 non-certified the request.", "ur_decision_date", dt.date(2011, 2, 14)),
    ("The last trigger point injections were given on 3/29/05.", "prior_injection_date", dt.date(2005, 3, 29)),
])
def test_numbers_durations_and_dates(extractor, text, fact, value):
    found, _ = facts(extractor, text)
    assert found.get(fact) == value, found


def test_relief_from_medication_is_not_injection_relief(extractor):
    found, _ = facts(extractor, "He takes Norco, which reduces the pain by 30 percent.")
    assert "prior_relief_percent" not in found


def test_impossible_date_order_drops_both_dates_and_warns(extractor):
    text = "Date of injury: 4/1/2015. Request for authorization dated 3/1/2015 for trigger point injections."
    found, result = facts(extractor, text)
    assert "injury_date" not in found and "request_date" not in found
    assert any("both dates left out" in w for w in result.warnings)


def test_conflicting_exclusion_mentions_keep_the_documented_finding(extractor):
    found, result = facts(extractor, "Reflexes are normal. Straight leg raise is positive on the left.")
    assert found["radiculopathy_exam"] is True
    assert any("documented present wins" in w for w in result.warnings)


def test_evidence_carries_position_and_assertion(extractor):
    text = "Exam: no twitch response on palpation."
    result = extractor.extract(text, [Segment("notes", 0, len(text))], "note.txt")
    [ev] = result.facts.facts["twitch_response"].evidence
    assert (text[ev.start:ev.end], ev.assertion, ev.source) == ("twitch response", "negated", "note.txt")
