"""Fact extraction of the four therapy and imaging packs by family of phrasing (issue 15, after the
first run on an independent author's set): an earlier course and its completed visits, surgery
considered or not, earlier imaging, red flags, the neurologic examination with its negation after the
finding, the manipulation's body part, and which note sentences and titles the physical medicine pack
takes. The sentences are written for these tests."""
from __future__ import annotations

import pytest

from checker.app import build_checker
from checker.extraction.extract import Extractor
from checker.extraction.patterns import load_patterns
from checker.reading.source import read_text
from conftest import RULES
from test_extract_families import check  # the same reading of one sentence as a note


@pytest.fixture(scope="module")
def extractor(rules):
    return Extractor(load_patterns(RULES, rules.vocabulary), rules.vocabulary)


@pytest.fixture(scope="module")
def checker(rules):
    return build_checker(rules)


def _items(checker, note):
    """A note's items by the pack that takes each."""
    return {i.pack: i for i in checker.check_source(read_text(note, "n.txt")).items}


def _facts_of(checker, note, pack):
    return {k: f.value for k, f in _items(checker, note)[pack].extraction.facts.facts.items()}


# --- an earlier course of the therapy, and its completed visits ------------------------------------------

@pytest.mark.parametrize("fact,text,value", [
    ("pt_prior_course", "She is better after nine sessions of physical therapy.", True),
    ("pt_prior_course", "Status post 10 PT visits last spring.", True),
    ("pt_prior_course", "He has never had physical therapy.", False),
    ("pt_prior_course", "He has had no physical therapy for this claim.", False),
    ("chiro_prior_course", "s/p 8 chiro visits with Dr. Lee.", True),
    ("chiro_prior_course", "Chiropractic: 10 visits to date.", True),
    ("chiro_prior_course", "She has had no previous chiropractic care.", False),
    ("chiro_prior_course", "There has been no prior chiropractic treatment.", False),
    ("chiro_prior_course", "He has had no chiropractic treatment.", False),
    ("acupuncture_prior_course", "She has completed 5 acupuncture treatments.", True),
    ("acupuncture_prior_course", "He had three sessions of dry needling in May.", True),
    ("acupuncture_prior_course", "Pain is lower since the acupuncture started.", True),
    ("acupuncture_prior_course", "She has never tried acupuncture.", False),
    ("acupuncture_prior_course", "This is his first course of acupuncture.", False),
])
def test_an_earlier_course_of_the_therapy(extractor, fact, text, value):
    check(extractor, text, fact, value)


@pytest.mark.parametrize("fact,text,value", [
    ("pt_visits_completed", "She is better after nine sessions of physical therapy.", 9),
    ("pt_visits_completed", "Status post 10 PT visits last spring.", 10),
    ("pt_visits_completed", "PT: 7 visits completed so far.", 7),
    ("pt_visits_completed", "Three of 6 PT visits done; doing well.", 3),
    ("pt_visits_completed", "Treatment to date has included 14 sessions of physical therapy in 2014.", 14),
    ("chiro_visits_completed", "s/p 8 chiro visits with Dr. Lee.", 8),
    ("chiro_visits_completed", "He finished the initial trial of six chiropractic visits.", 6),
    ("chiro_visits_completed", "Chiropractic: 10 visits to date.", 10),
    # the request's own count is not a completed one
    ("pt_visits_completed", "Request 8 physical therapy visits for the neck.", None),
    ("chiro_visits_completed", "Requesting 6 additional chiropractic visits.", None),
])
def test_the_completed_visits(extractor, fact, text, value):
    check(extractor, text, fact, value)


# --- surgery considered or not ---------------------------------------------------------------------------

@pytest.mark.parametrize("text,value", [
    ("If the scan confirms a disc herniation he would consider surgery.", True),
    ("She would like to consider an L4-L5 decompression.", True),
    ("He was referred to a spine surgeon.", True),
    ("Referred to spine surgery for an opinion.", True),
    ("The surgeon is considering a fusion.", True),
    ("He is not a surgical candidate.", False),
    ("Surgery is not being considered.", False),
    ("She declines surgery.", False),
    ("He does not want surgery.", False),
    ("Not a surgical problem; no spine surgery referral indicated.", False),
    # a relative's operation is not the patient's plan
    ("His brother had a neck fusion.", None),
])
def test_surgery_considered(extractor, text, value):
    check(extractor, text, "surgery_considered", value)


# --- earlier imaging -------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,value", [
    ("A lumbar MRI dated 2/3/2014 showed a small protrusion.", True),
    ("MRI C-spine 05/2013: mild foraminal narrowing.", True),
    ("Symptoms are the same as at the time of the 2014 MRI.", True),
    ("Request a repeat MRI of the low back.", True),
    ("No prior imaging of the neck.", False),
    ("She has not had an MRI.", False),
    ("No MRI or CT has been done.", False),
    ("No imaging of the L-spine to date.", False),
    ("Cervical CT scans have not been obtained.", False),
    # plain films before a first MRI do not make it a repeat study: prior imaging is an MRI or a CT
    ("The provider noted that x-rays of the cervical spine showed mild disc space narrowing at C5-6.", None),
    ("Lumbar radiographs dated 3/2/2016 were unremarkable.", None),
    ("Cervical x-rays have not been obtained.", None),
    # the study asked for is not one done before
    ("Request MRI of the lumbar spine without contrast.", None),
])
def test_prior_imaging(extractor, text, value):
    check(extractor, text, "prior_imaging", value)


@pytest.mark.parametrize("text,value", [
    ("There is no significant change in symptoms since the last MRI.", False),
    ("Symptoms are unchanged since the 2014 study.", False),
    ("He has developed new weakness of the left ankle.", True),
    ("New, progressive numbness in the right foot.", True),
])
def test_a_change_since_the_imaging(extractor, text, value):
    check(extractor, text, "imaging_significant_change", value)


# --- red flags present or absent -------------------------------------------------------------------------

@pytest.mark.parametrize("text,value", [
    ("No red flags.", False),
    ("Red flags: none.", False),
    ("She denies bowel or bladder changes.", False),
    ("No bowel/bladder sx.", False),
    ("No fever, chills, night sweats or weight loss.", False),
    ("No history of cancer.", False),
    ("She did not report fever or weight loss.", False),
    ("He reports progressive weakness in the left leg.", True),
    ("Hx of prostate cancer.", True),
    ("New urinary retention since Monday.", True),
    # the red flags for fracture: major trauma, a fracture to rule out, osteoporosis with a fall, percussion
    # tenderness over a spinous process
    ("Diagnoses: cervical sprain after a motor vehicle collision, rule out cervical fracture.", True),
    ("He was the driver in a high-speed rear-end collision.", True),
    ("She has osteoporosis and landed hard on her buttocks when she fell.", True),
    ("There was focal tenderness to percussion over the L1 spinous process.", True),
    ("The pain followed a lifting strain without significant trauma.", None),
    ("She has osteoporosis.", None),
    # the risks of a procedure are not the patient's findings
    ("We discussed the risks of infection and fever.", None),
])
def test_red_flags(extractor, text, value):
    check(extractor, text, "red_flag", value)


# --- the neurologic examination, the negation after the finding ----------------------------------------

@pytest.mark.parametrize("text,value", [
    ("Neuro: no focal deficit.", False),
    ("Strength 5/5 throughout.", False),
    ("Motor 5 out of 5 in both legs.", False),
    ("Neurologic exam: normal.", False),
    ("Reflexes 2+ and symmetric.", False),
    ("Ankle dorsiflexion 4/5 on the left.", True),
    ("Left biceps reflex absent.", True),
    ("Diminished sensation over the lateral forearm.", True),
    # a deficit anywhere is one, though other groups are full
    ("Motor: left EHL 4/5, otherwise 5/5.", True),
])
def test_neurologic_findings(extractor, text, value):
    check(extractor, text, "neurologic_findings", value)


# --- the manipulation's body part ------------------------------------------------------------------------

@pytest.mark.parametrize("text,value", [
    ("Chiropractic manipulation to the left wrist, six visits.", True),
    ("Chiro for the right knee x6.", True),
    ("Chiropractic manipulation of the cervical spine, six visits.", False),
    ("Req chiro 2x3 LS.", False),
    # a letter listing a spine and a limb request says nothing of either one
    ("The request included chiropractic for the low back and for the right ankle.", None),
])
def test_manipulation_region(extractor, text, value):
    check(extractor, text, "manipulation_region_excluded", value)


# --- conservative care helping is not failed ------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Ibuprofen helping.",
    "Naproxen is helping.",
])
def test_a_therapy_that_helps_has_not_failed(extractor, text):
    check(extractor, text, "nsaids_failed", False)


# --- which note sentences the physical medicine pack takes ---------------------------------------------

def _pm(rules):
    return next(p for p in rules.packs if p.id == "mtus-2009-physical-medicine")


@pytest.mark.parametrize("sentence,taken", [
    ("Request physical therapy 2x4 for the neck.", True),
    ("Requesting PT twice a week for four weeks to the low back.", True),
    # post-operative therapy, wherever the sentence says so
    ("Post-op physical therapy 2x6 for the knee.", False),
    ("Request physical therapy 12 visits for the lumbar spine, to begin after the right L4-L5 laminectomy.", False),
    ("Request physical therapy twice a week for six weeks for the right shoulder following the rotator cuff repair.", False),
    ("Request PT 2x6 for the lumbar spine, status post L5-S1 microdiscectomy on 3/2/2016.", False),
    # a specialty, a department or a clinic is not the treatment
    ("Jane Roe, MD, Physical Medicine & Rehabilitation", False),
    ("Department of Physical Medicine, Plan follows.", False),
    ("Seaside Physical Therapy Associates, plan of care attached.", False),
    # a history sentence is not the request
    ("Before the surgery he had ten sessions of physical therapy without benefit.", False),
])
def test_the_physical_medicine_request_sentence(rules, sentence, taken):
    assert (_pm(rules).recognises_sentence(sentence, 0, len(sentence)) is not None) is taken


def test_a_date_field_is_not_a_plan_heading(extractor):
    heading = extractor.p.plan_heading
    assert heading.search("Date of request: 04/05/2016\n") is None
    assert heading.search("RFA date: 04/05/2016\n") is None
    assert heading.search("Requested service:\nPT 2x4\n") is not None
    assert heading.search("PLAN:\n") is not None


@pytest.mark.parametrize("sentence", [
    "The physical examination does not reveal nerve impairment.",
    "Recent examinations did not demonstrate any nerve impairment.",
    "The records do not identify a nerve impairment on examination.",
])
def test_a_finding_the_record_does_not_reveal_stays_not_documented(sentence, checker):
    note = f"Plan: request MRI of the lumbar spine without contrast. {sentence}\n"
    assert "neurologic_findings" not in _facts_of(checker, note, "acoem-2004-spine-imaging")


@pytest.mark.parametrize("request_line,per_week,weeks", [
    ("Request: physical therapy, additional 3 visits per week for 2 weeks, lumbar spine.", 3, 2),
    ("Request: physical therapy 2 sessions a week for 4 weeks to the neck.", 2, 4),
    # a range is read at its upper bound, what the request would allow
    ("Request: physical therapy 1-2 times per week for 3 weeks for the neck.", 2, 3),
    ("Request: physical therapy two to three visits a week for four to six weeks, lumbar.", 3, 6),
])
def test_visits_per_week_is_a_frequency_not_a_count(checker, request_line, per_week, weeks):
    facts = _facts_of(checker, request_line + "\n", "mtus-2009-physical-medicine")
    assert "visits_requested" not in facts
    assert (facts["visits_per_week"], facts["weeks_requested"]) == (per_week, weeks)


@pytest.mark.parametrize("history,fact,pack", [
    ("The records indicated that she was approved for 6 sessions of physical therapy last month.", "pt_prior_course",
     "mtus-2009-physical-medicine"),
    ("The documentation indicated that the patient was authorized for a 6 session trial of acupuncture in March.",
     "acupuncture_prior_course", "mtus-2007-acupuncture"),
    ("He completed a six-visit trial of chiropractic care in the spring.", "chiro_prior_course", "mtus-2009-manipulation"),
])
def test_an_earlier_authorized_or_sized_trial_is_an_earlier_course(checker, history, fact, pack):
    word = {"mtus-2009-physical-medicine": "physical therapy", "mtus-2007-acupuncture": "acupuncture",
            "mtus-2009-manipulation": "chiropractic manipulation"}[pack]
    assert _facts_of(checker, f"{history}\nPlan: request {word} 2 sessions for the lumbar spine.\n", pack)[fact] is True


def test_a_record_that_failed_to_provide_evidence_of_a_deficit_documents_none(checker):
    note = ("Plan: request MRI of the lumbar spine without contrast.\n"
            "The documentation failed to provide evidence of red flag findings or neurological deficits.\n")
    assert "neurologic_findings" not in _facts_of(checker, note, "acoem-2004-spine-imaging")


@pytest.mark.parametrize("history,value", [
    ("After the eight physical therapy visits she returned to modified duty and stopped tramadol.", True),
    ("Physical therapy: 12 visits completed; he remains TTD and his medications are unchanged.", False),
    ("Physical therapy course finished; the PTP released her to regular duty.", True),
    # a return to work and less dependence on medication in other words
    ("After the physical therapy visits she went back to her usual keyboard duties.", True),
    ("Since the physical therapy he no longer takes ibuprofen every day.", True),
    ("After physical therapy she resumed her regular warehouse duties.", True),
])
def test_the_outcome_of_an_earlier_course_follows_the_definition_of_functional_improvement(checker, history, value):
    note = f"{history}\nPlan: request physical therapy 2 times a week for 3 weeks for the lumbar spine.\n"
    assert _facts_of(checker, note, "mtus-2009-physical-medicine")["pt_functional_improvement"] is value


def test_a_count_in_a_sentence_naming_two_requests_belongs_to_the_one_it_follows(checker):
    note = ("Plan: the treating physician requests dry needling of the upper trapezius, 6 sessions, and physical "
            "therapy 2 times a week for 2 weeks for the cervical spine.\n")
    pt = _facts_of(checker, note, "mtus-2009-physical-medicine")
    acu = _facts_of(checker, note, "mtus-2007-acupuncture")
    assert "visits_requested" not in pt and (pt["visits_per_week"], pt["weeks_requested"]) == (2, 2)
    assert acu["visits_requested"] == 6 and "visits_per_week" not in acu


def test_a_count_whose_phrase_names_another_treatment_is_that_treatment_s(checker):
    """"8 more physical therapy visits" after an acupuncture request: the count's own phrase names physical
    therapy, so it is no count of acupuncture, though acupuncture is the treatment named before it."""
    note = ("Plan: the physician requested acupuncture for the neck 1-2 times per week for 3 weeks, and 8 more "
            "physical therapy visits.\n")
    assert "visits_requested" not in _facts_of(checker, note, "mtus-2007-acupuncture")
    assert _facts_of(checker, note, "mtus-2009-physical-medicine")["visits_requested"] == 8


def test_a_name_another_pack_refuses_does_not_take_the_count(checker):
    note = "Plan: request chiropractic physiotherapy treatment, 6 visits, for the lumbar spine.\n"
    assert _facts_of(checker, note, "mtus-2009-manipulation")["visits_requested"] == 6


def test_a_partly_certified_item_is_read_on_its_original_request(checker):
    """"Physical therapy 12 visits for the lumbar spine was the original request. Physical therapy 4 visits
    was authorized ...": the heading says "authorized", which refuses the plain count pattern, yet the
    item is judged on the 12 visits of its original request (the guideline limits count the whole course)."""
    from conftest import ROOT

    letter = checker.check_file(ROOT / "tests" / "fixtures" / "letters" / "dwc_partial_wrapped.txt")
    pt = next(i for i in letter.items if i.pack == "mtus-2009-physical-medicine")
    fact = pt.extraction.facts.facts["visits_requested"]
    assert fact.value == 12
    assert [" ".join(e.quote.split()) for e in fact.evidence] == ["12 visits for the lumbar spine was the original request"]
