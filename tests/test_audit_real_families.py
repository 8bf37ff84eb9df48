"""Audit checks on the phrasing of real letters (issue 15): every region and side of an item, quantities in
words and partly certified requests, the letter's own dates in its text, ODG chapters and postsurgical
guidelines, each as a family. The letters are small invented DWC-layout texts."""
from __future__ import annotations

import pytest

from checker.app import build
from checker.reading.source import SourceText

HEADER = ("Case Number: CM16-0000001  Date Assigned: 12/05/2016  Date of Injury: {injury}  Decision Date: 01/06/2017  "
          "UR Denial Date: {ur}  IMR Application Received: {received}  Priority: Standard\n\n")


def letter(title: str, summary: str, rationale: str, maximus: str, decision: str = "Upheld", injury: str = "10/03/2016",
           ur: str = "11/15/2016", received: str = "11/28/2016", claims: str | None = None) -> str:
    claims = claims or maximus
    return (HEADER.format(injury=injury, ur=ur, received=received)
            + "HOW THE IMR FINAL DETERMINATION WAS MADE\nThe file was reviewed by an independent physician.\n\n"
            "CLINICAL CASE SUMMARY\nThe expert reviewer developed the following clinical case summary:\n\n"
            f"{summary}\n\nIMR ISSUES, DECISIONS AND RATIONALES\nThe Final Determination was based on decisions "
            f"for the disputed items/services set forth below:\n\n{title}: {decision}\n\n"
            f"Claims Administrator guideline: {claims}\n\nMAXIMUS guideline: {maximus}\n\n"
            f"Decision rationale: {rationale}\n")


@pytest.fixture(scope="module")
def kit():
    return build()


def codes(kit, text: str) -> list[str]:
    audit = kit.auditor.audit(kit.checker.check_source(SourceText("invented.txt", text, "txt")))
    return [f.code for f in audit.all_findings()]


CPMT = "Decision based on MTUS Chronic Pain Medical Treatment 2016, Section(s): Physical medicine treatment."
PLAIN_SUMMARY = "A 40 year old clerk has pain after lifting boxes at work. Treatment has included medications."
PLAIN_RATIONALE = "The records do not document a home exercise program. The request is not medically necessary."


# --- 1. every region of an item ---------------------------------------------------------------------

@pytest.mark.parametrize("title, chapter, flagged", [
    ("Physical therapy for the lumbar spine, left shoulder and left knee", "Knee Complaints 2004", False),
    ("Physical therapy for the lumbar spine, left shoulder and left knee", "Shoulder Complaints 2004", False),
    ("Physical therapy for the lumbar spine, left shoulder and left knee", "Low Back Complaints 2004", False),
    ("Physical therapy for the lumbar spine, left shoulder and left knee", "Elbow Complaints 2007", True),
    ("Physical therapy for the neck and low back", "Low Back Complaints 2004", False),
    ("Physical therapy for the neck and low back", "Shoulder Complaints 2004", True),
])
def test_a_chapter_fits_when_it_fits_any_region_of_the_item(kit, title, chapter, flagged):
    text = letter(title, PLAIN_SUMMARY, PLAIN_RATIONALE, f"Decision based on MTUS {chapter}, Section(s): Physical Methods.")
    assert ("guideline-citation-mismatch" in codes(kit, text)) is flagged


def test_every_region_of_a_title_is_read(kit):
    regions = kit.auditor.regions("Physical therapy treatments for the left shoulder, wrist and hip")
    assert regions == ["shoulder", "wrist_hand", "hip"]


# --- 4. ODG chapters and postsurgical guidelines ------------------------------------------------------

@pytest.mark.parametrize("title, odg, flagged", [
    ("MRI of the lumbar spine", "Knee & Leg", True),
    ("MRI of the lumbar spine", "Low Back", False),
    ("MRI of the right knee", "Knee and Leg", False),
    ("MRI of the right knee", "Neck and Upper Back", True),
    ("MRI of the right knee", "Pain (Chronic)", False),         # not a chapter of one region
])
def test_odg_chapters_are_checked_for_region_fit(kit, title, odg, flagged):
    cite = f"Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) {odg} Chapter, MRIs."
    assert ("guideline-citation-mismatch" in codes(kit, letter(title, PLAIN_SUMMARY, PLAIN_RATIONALE, cite))) is flagged


def test_a_preoperative_section_fits_any_region(kit):
    cite = "Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) Low Back Chapter, Preoperative lab testing."
    assert codes(kit, letter("Pre-operative labs for the right shoulder", PLAIN_SUMMARY, PLAIN_RATIONALE, cite)) == []


def test_only_the_reviewers_chapter_is_checked_for_region_fit(kit):
    """The claims administrator's line is the UR's (often the chapters of all its requests); a chapter that
    fits none of the item's regions there is not the letter's inconsistency."""
    text = letter("MRI of the lumbar spine", PLAIN_SUMMARY, PLAIN_RATIONALE,
                  "Decision based on MTUS Low Back Complaints 2004, Section(s): Special Studies.",
                  claims="Decision based on MTUS Shoulder Complaints 2004, Section(s): Special Studies.")
    assert codes(kit, text) == []


def test_a_role_citing_a_fitting_chapter_too_is_not_flagged(kit):
    cite = ("Decision based on MTUS Shoulder Complaints 2004, Section(s): Special Studies. Decision based on Non-MTUS "
            "Citation Official Disability Guidelines (ODG) Low Back Chapter, MRIs.")
    assert codes(kit, letter("MRI of the lumbar spine", PLAIN_SUMMARY, PLAIN_RATIONALE, cite)) == []


POSTSURGICAL = "Decision based on MTUS Postsurgical Treatment 2009, Section(s): Shoulder."


@pytest.mark.parametrize("summary, flagged", [
    (PLAIN_SUMMARY, True),
    ("The worker is status post right shoulder arthroscopy. " + PLAIN_SUMMARY, False),
    ("She is s/p rotator cuff repair. " + PLAIN_SUMMARY, False),
    ("He had surgery on 11/02/2016 for a fracture. " + PLAIN_SUMMARY, False),
    ("An ORIF of the wrist was done. " + PLAIN_SUMMARY, False),
    ("Physical therapy began post-op. " + PLAIN_SUMMARY, False),
])
def test_a_postsurgical_guideline_needs_a_documented_surgery(kit, summary, flagged):
    text = letter("Physical therapy for the right shoulder 2 times a week for 4 weeks", summary, PLAIN_RATIONALE, POSTSURGICAL)
    assert ("guideline-citation-mismatch" in codes(kit, text)) is flagged


# --- 2. sides and quantities where the summary or the rationale states them ---------------------------

@pytest.mark.parametrize("sentence, flagged", [
    ("On exam the right shoulder had reduced range of motion.", True),
    ("On exam the left shoulder had reduced range of motion.", False),
    ("The right shoulder was normal for comparison.", False),       # the other side compared
    ("She had a prior right shoulder strain in 2009.", False),       # history of the other side
    ("The right knee was swollen.", False),                          # another region
    ("The right upper extremity reflexes were intact.", False),      # no region of the item
])
def test_a_side_of_an_item_region_in_the_summary(kit, sentence, flagged):
    text = letter("Physical therapy for the left shoulder, wrist and hip", PLAIN_SUMMARY + " " + sentence,
                  PLAIN_RATIONALE, CPMT)
    assert ("laterality-mismatch" in codes(kit, text)) is flagged


def test_a_side_governs_every_region_after_it(kit):
    text = letter("Physical therapy for the left shoulder, wrist and hip", PLAIN_SUMMARY + " The right hip was tender.",
                  PLAIN_RATIONALE, CPMT)
    assert "laterality-mismatch" in codes(kit, text)
    other = letter("Physical therapy for the neck, left trapezius and right knee", PLAIN_SUMMARY + " The left knee was tender.",
                   PLAIN_RATIONALE, CPMT)
    assert "laterality-mismatch" in codes(kit, other)


@pytest.mark.parametrize("title, rationale, flagged", [
    ("Physical therapy 2 times a week for 3 weeks", "The request for six sessions of physical therapy is not medically necessary.", False),
    ("Physical therapy 2 times a week for 3 weeks", "The request for eight sessions of physical therapy is not medically necessary.", True),
    ("Twelve physical therapy sessions", "The request for 12 additional visits is not medically necessary.", False),
    ("Twelve physical therapy sessions", "The 10 sessions requested are not medically necessary.", True),
    ("Twelve physical therapy sessions", "The 24 sessions requested are not medically necessary.", True),
    # numbers counting something else are not the request
    ("Physical therapy 2 times a week for 3 weeks", "The worker completed 12 sessions. Guidelines allow 10 visits. "
     "The request is not medically necessary.", False),
    # a partly certified request stated in the rationale: the part and the remainder are the same request
    ("Physical therapy 12 sessions", "Six of the 12 were certified; the request for 6 additional visits is not "
     "medically necessary.", False),
    ("Physical therapy 12 sessions", "6 of the 12 sessions were certified by UR; the remaining 6 are not medically "
     "necessary and the request for 6 visits is not supported.", False),
])
def test_a_rationale_restating_the_request_with_another_count(kit, title, rationale, flagged):
    assert ("quantity-mismatch" in codes(kit, letter(title, PLAIN_SUMMARY, rationale, CPMT))) is flagged


def test_a_partly_certified_item_keeps_its_original_quantity(kit):
    title = ("Physical therapy 12 visits was the original request. Physical therapy 6 visits was authorized by the Claims "
             "Administrator. The remaining IMR eligible portion of the original request, Physical therapy 6 visits")
    text = letter(title, PLAIN_SUMMARY, "The request for 12 visits of physical therapy is not medically necessary.", CPMT)
    lc = kit.checker.check_source(SourceText("invented.txt", text, "txt"))
    (item,) = lc.items
    assert kit.auditor.item_quantity(item) == (12, {12, 6})
    assert "quantity-mismatch" not in codes(kit, text)
    wrong = text.replace("The request for 12 visits", "The request for 10 visits")
    assert "quantity-mismatch" in codes(kit, wrong)


def test_the_summary_restating_the_request_with_another_count(kit):
    summary = PLAIN_SUMMARY + " The treating physician requested ten physical therapy sessions."
    assert "quantity-mismatch" in codes(kit, letter("Eight (8) physical therapy sessions", summary, PLAIN_RATIONALE, CPMT))
    same = PLAIN_SUMMARY + " The treating physician requested eight (8) physical therapy sessions."
    assert "quantity-mismatch" not in codes(kit, letter("Eight (8) physical therapy sessions", same, PLAIN_RATIONALE, CPMT))


# --- 3. the letter's own dates in its text ---------------------------------------------------------------

TITLE = "MRI of the lumbar spine"
LB = "Decision based on MTUS Low Back Complaints 2004, Section(s): Special Studies."


@pytest.mark.parametrize("sentence, flagged", [
    ("The Request for Authorization dated 11/01/2016 asked for the MRI.", False),
    ("The Request for Authorization dated 11/20/2016 asked for the MRI.", True),     # after the UR decision
    ("The request for authorization was signed on 09/20/2016.", True),               # before the injury
    ("The RFA (request for authorization) dated 09/30/2016 asked for the MRI.", True),
    ("Utilization review dated 12/02/2016 non-certified the request.", True),        # after the IMR application
    ("On 12/02/2016, Utilization Review non-certified the request.", True),
    ("A report reviewed by utilization review was dated 12/02/2016.", False),        # not the UR's own date
    ("A new RFA dated 12/01/2016 asked for physical therapy.", False),               # another request
    ("An MRI dated 05/11/2010 showed degeneration.", False),                         # history before the injury
    ("She had a lumbar fusion on 02/03/2009.", False),
    ("The follow-up visit is set for 03/02/3026.", True),                            # a year out of range
    ("An x-ray dated 04/04/1932 was normal.", True),
])
def test_the_letters_own_dates_in_its_text(kit, sentence, flagged):
    text = letter(TITLE, PLAIN_SUMMARY + " " + sentence, PLAIN_RATIONALE, LB)
    assert ("date-inconsistency" in codes(kit, text)) is flagged


def test_a_ur_decision_after_the_imr_application_in_the_header(kit):
    assert "date-inconsistency" in codes(kit, letter(TITLE, PLAIN_SUMMARY, PLAIN_RATIONALE, LB, received="11/10/2016"))
    assert "date-inconsistency" not in codes(kit, letter(TITLE, PLAIN_SUMMARY, PLAIN_RATIONALE, LB))


def test_consistent_letter_has_no_finding(kit):
    summary = (PLAIN_SUMMARY + " The Request for Authorization dated 11/01/2016 asked for an MRI of the lumbar spine. "
               "Utilization review dated 11/15/2016 non-certified the request.")
    assert codes(kit, letter(TITLE, summary, PLAIN_RATIONALE, LB)) == []


@pytest.mark.parametrize("old, new, field", [
    ("sided: [shoulder,", "sided: [shouldr,", "region_sides.sided.0"),
    ("[ur_decision, received]]", "[ur_decision, recieved]]", "body_date_order.5.1"),
    ("  region: [maximus, relied_upon]", "  region: [maximus, reviewer]", "citation_roles.region.1"),
])
def test_new_audit_data_is_checked_at_its_line(tmp_path, old, new, field):
    import shutil

    from checker.audit.auditor import load_audit_rules
    from checker.core.errors import ValidationFailure
    from conftest import RULES

    shutil.copytree(RULES, tmp_path / "rules")
    path = tmp_path / "rules" / "audit" / "audit.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    line = next(n for n, ln in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if new.strip() in ln)
    with pytest.raises(ValidationFailure) as err:
        load_audit_rules(tmp_path / "rules")
    assert f"audit.yaml:{line}:" in str(err.value) and field in str(err.value)
