"""Guideline citations: MTUS 2009/2016 forms, several guidelines on one line, non-MTUS, no citation."""
from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from checker.reading.citation import Citation, Span, make_span, parse_citations, vocabulary


def cites(text: str, role: str = "maximus") -> list[Citation]:
    return parse_citations(text, 0, len(text), role)


def one(text: str) -> Citation:
    found = cites(text)
    assert len(found) == 1, found
    return found[0]


def test_2009_section_form():
    c = one("Decision based on MTUS Chronic Pain Medical Treatment 2009, Section(s): Trigger point injections.")
    assert (c.mtus, c.guideline, c.edition, c.section, c.pages) == (
        True, "Chronic Pain Medical Treatment", "2009", "Trigger point injections", [])
    assert c.non_mtus_source is None and c.role == "maximus"


def test_two_guidelines_on_one_line():
    text = ("Decision based on MTUS ACOEM Chapter 9 Shoulder Complaints \n\n"
            "Page(s): 195-7,Chronic Pain Treatment Guidelines Trigger Point Injections Page(s): 122.   ")
    first, second = cites(text)
    assert (first.guideline, first.chapter, first.pages, first.section) == ("Shoulder Complaints", "9", ["195-7"], None)
    assert (second.guideline, second.section, second.pages) == (
        "Chronic Pain Medical Treatment", "Trigger Point Injections", ["122"])
    assert first.mtus and second.mtus
    # each citation's raw text is its own piece of the line, with offsets into the source
    assert first.raw.text.startswith("Decision based on MTUS ACOEM Chapter 9")
    assert second.raw.text.startswith("Chronic Pain Treatment Guidelines")
    for c in (first, second):
        assert text[c.raw.start:c.raw.end] == c.raw.text


def test_page_of_total_is_dropped():
    c = one("Decision based on MTUS Chronic Pain Treatment Guidelines Trigger \n\npoint injections Page(s): 122 of 127.")
    assert c.pages == ["122"]
    assert c.section == "Trigger point injections"
    assert c.guideline == "Chronic Pain Medical Treatment" and c.edition is None


def test_non_mtus_odg():
    c = one("The Claims Administrator did not base their decision on the \n\nMTUS.  Decision based on Non-MTUS "
            "Citation Official Disability Guidelines (ODG) Hip \n\nChapter, Sacroiliac joint blocks ")
    assert (c.mtus, c.guideline, c.chapter, c.section) == (False, "ODG", "Hip & Pelvis", "Sacroiliac joint blocks")
    assert c.non_mtus_source == "Official Disability Guidelines (ODG) Hip Chapter, Sacroiliac joint blocks"


def test_2004_chapter_with_edition_and_section():
    c = one("Decision based on MTUS Neck and Upper Back Complaints 2004, Section(s): Special Studies.")
    assert (c.guideline, c.edition, c.section, c.chapter, c.pages) == (
        "Neck and Upper Back Complaints", "2004", "Special Studies", "8", [])


def test_2016_sections_without_pages_two_guidelines():
    text = ("Decision based on MTUS Elbow Complaints 2007, Section(s): Diagnostic Criteria, and Forearm, Wrist, "
            "and Hand Complaints 2004, Section(s): Special Studies, Summary.")
    a, b = cites(text)
    assert (a.guideline, a.edition, a.section) == ("Elbow Complaints", "2007", "Diagnostic Criteria")
    assert (b.guideline, b.edition, b.section) == ("Forearm, Wrist, and Hand Complaints", "2004", "Special Studies, Summary")
    assert a.pages == b.pages == []


def test_mtus_and_non_mtus_statements_in_one_label():
    a, b = cites("Decision based on MTUS Chronic Pain Medical Treatment 2016, Section(s): Manual therapy & "
                 "manipulation. Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) Neck and Upper Back.")
    assert (a.mtus, a.edition, a.section) == (True, "2016", "Manual therapy & manipulation")
    assert (b.mtus, b.guideline, b.chapter, b.section) == (False, "ODG", "Neck and Upper Back", None)


def test_non_mtus_url_source():
    c = one("The Expert Reviewer based their decision on recommendation(s) outside of the MTUS Guidelines. "
            "Decision based on Non-MTUS Citation http://example.org/inpatient-rehab-criteria.")
    assert (c.mtus, c.guideline) == (False, None)
    assert c.non_mtus_source == "http://example.org/inpatient-rehab-criteria"


def test_no_citation():
    assert cites("The Expert Reviewer did not cite any medical evidence for its decision.") == []
    assert cites("   \n ") == []


@pytest.mark.parametrize("text, section, pages", [
    ("Decision based on MTUS Chronic Pain Treatment Guidelines < Trigger point injections Page(s): 122.",
     "Trigger point injections", ["122"]),
    ("Decision based on MTUS Chronic Pain Treatment Guidelines Page(s): \n\n122.", None, ["122"]),
    ("Decision based on MTUS Chronic Pain Treatment \n\nGuidelines.", None, []),
    ("Decision based on MTUS Chronic Pain Treatment Guidelines Physical Medicine Page(s): 98-99 of 127.",
     "Physical Medicine", ["98-99"]),
    ("Decision based on MTUS Chronic Pain Treatment Guidelines < Neck and Upper back pain Page(s): 173, 309.",
     "Neck and Upper back pain", ["173", "309"]),
])
def test_2009_variants(text, section, pages):
    c = one(text)
    assert (c.guideline, c.section, c.pages) == ("Chronic Pain Medical Treatment", section, pages)


def test_prose_citations_2013():
    c = one("The Claims Administrator based its decision on the Chronic Pain Medical Treatment Guidelines\n"
            "(2009), Trigger Point Injections, page 122, which is part of the MTUS.")
    assert (c.mtus, c.guideline, c.edition, c.section, c.pages) == (
        True, "Chronic Pain Medical Treatment", "2009", "Trigger Point Injections", ["122"])
    n = one("The Claims Administrator based its decision on the Official Disability Guidelines (ODG), Low\n"
            "Back Chapter, Exercise equipment, which is not part of the MTUS.")
    assert (n.mtus, n.guideline, n.chapter, n.section) == (False, "ODG", "Low Back", "Exercise equipment")
    assert n.non_mtus_source == "Official Disability Guidelines (ODG), Low Back Chapter, Exercise equipment"


def test_acoem_chapter_number_alone_resolves_from_vocabulary():
    c = one("Decision based on MTUS ACOEM Chapter 12 Page(s): 303-304.")
    assert (c.guideline, c.chapter, c.pages) == ("Low Back Complaints", "12", ["303-304"])


def test_role_and_offsets_inside_a_larger_text():
    text = "MAXIMUS guideline: Decision based on MTUS Opioid Treatment 2016, Section(s): 2. Opioids for Subacute Pain.\n"
    start = len("MAXIMUS guideline: ")
    (c,) = parse_citations(text, start, len(text), "claims_administrator")
    assert c.role == "claims_administrator"
    assert (c.guideline, c.edition, c.section) == ("Opioid Treatment", "2016", "2. Opioids for Subacute Pain")
    assert c.raw.start == start and text[c.raw.start:c.raw.end] == c.raw.text


def test_vocabulary_is_data():
    vocab = vocabulary()
    assert vocab["mtus"].canonical["chronic pain treatment guidelines"] == "Chronic Pain Medical Treatment"
    assert vocab["mtus"].by_chapter["9"] == "Shoulder Complaints"
    assert vocab["non_mtus"].canonical["official disability guidelines (odg)"] == "ODG"


def test_span_helpers():
    text = "  a \n b  "
    s = make_span(text, 0, len(text))
    assert s == Span("a \n b", 2, 7) and s.flat == "a b"
    assert make_span(text, 0, 2) is None


@given(st.text(max_size=200))
def test_never_raises(text):
    for c in cites(text):
        assert text[c.raw.start:c.raw.end] == c.raw.text


# --- mended citation records (issue 15): a guideline's name inside a section, connectors, pages, ODG notes

@pytest.mark.parametrize("text, guideline, section", [
    # a guideline's name in the middle of a section is words of the section, not a second citation
    ("Decision based on MTUS General Approaches 2004, Section(s): Cornerstones of Disability Prevention and Management.",
     "General Approaches", "Cornerstones of Disability Prevention and Management"),
    ("Decision based on MTUS Opioid Treatment 2016, Section(s): 5.2 Opioids for Chronic Pain and Chronic Opioid "
     "Treatment: Long-term Use of Chronic Opioid Treatment.",
     "Opioid Treatment", "5.2 Opioids for Chronic Pain and Chronic Opioid Treatment: Long-term Use of Chronic Opioid Treatment"),
    ("Decision based on MTUS Chronic Pain Medical Treatment 2016, Section(s): Low Back Complaints in older adults.",
     "Chronic Pain Medical Treatment", "Low Back Complaints in older adults"),
])
def test_a_guideline_name_inside_a_section_is_part_of_it(text, guideline, section):
    c = one(text)
    assert (c.guideline, c.section) == (guideline, section)


@pytest.mark.parametrize("tail", [", and", " and", ", or", "; and"])
def test_a_section_of_connectors_only_is_no_section(tail):
    a, b = cites(f"Decision based on MTUS Knee Complaints 2004{tail} Decision based on MTUS Chronic Pain Medical "
                 "Treatment 2016, Section(s): Physical medicine treatment.")
    assert (a.guideline, a.section) == ("Knee Complaints", None)
    assert (b.guideline, b.section) == ("Chronic Pain Medical Treatment", "Physical medicine treatment")


@pytest.mark.parametrize("section, pages", [("326", ["326"]), ("195-7", ["195-7"]), ("303, 304", ["303", "304"])])
def test_a_section_of_page_numbers_is_the_pages(section, pages):
    c = one(f"Decision based on MTUS Elbow Complaints 2007, Section(s): {section}.")
    assert (c.section, c.pages) == (None, pages)


@pytest.mark.parametrize("text, chapter, section", [
    ("Decision based on Non-MTUS Citation Official Disability Guidelines (ODG), Shoulder (updated 10/02/16).", "Shoulder", None),
    ("Decision based on Non-MTUS Citation Official Disability Guidelines (ODG), Knee & Leg (updated 09/14/16) Chapter: "
     "Durable medical equipment.", "Knee & Leg", "Durable medical equipment"),
    ("Decision based on Non-MTUS Citation Official Disability Guidelines (ODG), Shoulder (Acute & Chronic), Sling.",
     "Shoulder", "Sling"),
    ("Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) Pain (Opioids).", "Pain (Chronic)", "Opioids"),
    # the chapter's name with the serial comma: one name, not "Wrist" and a section "and Hand Chapter"
    ("Decision based on Non-MTUS Citation Official Disability Guidelines, Forearm, Wrist, and Hand Chapter, Splints.",
     "Forearm, Wrist & Hand", "Splints"),
    ("Decision based on Non-MTUS Citation Official Disability Guidelines (ODG), Knee Official Disability Guidelines "
     "(ODG), Cold packs.", "Knee & Leg", "Cold packs"),
    ("Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) Hernia Chapter, Imaging.", "Hernia", "Imaging"),
    # no chapter named: what follows the guideline is its section
    ("Decision based on Non-MTUS Citation ODG Massage guidelines.", None, "Massage guidelines"),
])
def test_odg_sections_are_mended(text, chapter, section):
    c = one(text)
    assert (c.guideline, c.chapter, c.section) == ("ODG", chapter, section)


def test_reading_patterns_are_checked_at_their_line(tmp_path):
    from checker.core.errors import ValidationFailure
    from checker.reading.citation import _VOCAB_PATH, load_vocabulary

    text = _VOCAB_PATH.read_text(encoding="utf-8").replace("section_connectors: '", "section_connectors: '(")
    bad = tmp_path / "guidelines.yaml"
    bad.write_text(text, encoding="utf-8")
    line = next(n for n, ln in enumerate(text.splitlines(), 1) if ln.strip().startswith("section_connectors:"))
    with pytest.raises(ValidationFailure) as err:
        load_vocabulary(bad)
    assert f"guidelines.yaml:{line}:" in str(err.value) and "reading.section_connectors" in str(err.value)
