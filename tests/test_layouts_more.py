"""Letter layouts and item recognition added for issue 11: MAXIMUS numbered determinations, a decision
at the end of a professional review's ISSUE AT DISPUTE line, any substance injected into trigger points,
and a letter with no readable item. The letters are short invented ones written for these tests."""
from __future__ import annotations

import pytest

from checker.decision.check import Checker
from checker.engine.durable import Engine
from checker.core.errors import InputError
from checker.extraction.extract import Extractor
from checker.reading.letter import parse_letter
from checker.extraction.patterns import load_patterns
from checker.reading.source import read_text
from conftest import TPI_PACK

MAXIMUS_NUMBERED = """MAXIMUS FEDERAL SERVICES, INC.
Independent Medical Review

HOW THE IMR FINAL DETERMINATION WAS MADE
MAXIMUS Federal Services sent the case to an Expert Reviewer.

CLINICAL CASE SUMMARY
The patient is a 51 year old man injured on 3/4/2013. Trigger points with a twitch response and
referred pain to the scapula are documented in the left rhomboid.

IMR DECISION(S) AND RATIONALE(S)
1. Trigger point injections to the left rhomboid x3 with lidocaine is medically necessary and
appropriate.
Rationale for the Decision:
The patient has myofascial pain syndrome and the request meets the criteria.

2. Lumbar MRI is not medically necessary and appropriate.
Rationale for the Decision:
No red flags are documented.
"""

PROFESSIONAL_DASH = """MEDICAL PROFESSIONAL REVIEW

ISSUE AT DISPUTE:
Trigger point injections, bilateral cervical paraspinals, quantity 4 - Overturned

CASE SUMMARY:
A 44 year old woman with neck pain since a 2012 injury. Myofascial pain syndrome.

MEDICAL TREATMENT GUIDELINE(S) RELIED UPON BY PROFESSIONAL REVIEWER AND WHY:
MTUS Chronic Pain Medical Treatment Guidelines, Trigger point injections, page 122.

RATIONALE FOR WHY THE REQUESTED TREATMENT/SERVICE IS/WAS NOT MEDICALLY NECESSARY:
The documentation supports the request.
"""


@pytest.fixture(scope="module")
def checker(rules):
    return Checker(rules, Engine(rules.packs).statuses, Extractor(load_patterns(rules.root, rules.vocabulary), rules.vocabulary))


def test_maximus_numbered_determinations_are_items_with_their_decisions():
    letter = parse_letter(MAXIMUS_NUMBERED)
    assert letter.layout == "maximus"
    assert [(i.title.flat, i.decision) for i in letter.items] == [
        ("Trigger point injections to the left rhomboid x3 with lidocaine", "overturned"),
        ("Lumbar MRI", "upheld")]
    assert "myofascial pain syndrome" in letter.items[0].rationale.text
    assert "red flags" in letter.items[1].rationale.text


def test_maximus_numbered_item_is_evaluated(checker):
    result = checker.check_source(read_text(MAXIMUS_NUMBERED, "m.txt"))
    tpi = [i for i in result.items if i.pack == TPI_PACK]
    assert len(tpi) == 1 and tpi[0].letter_decision == "overturned"
    assert tpi[0].extraction.facts.facts["injection_count"].value == 3


def test_professional_decision_at_the_end_of_the_issue_line():
    letter = parse_letter(PROFESSIONAL_DASH)
    assert letter.layout == "professional"
    [item] = letter.items
    assert item.decision == "overturned"
    assert item.title.flat == "Trigger point injections, bilateral cervical paraspinals, quantity 4"


PROFESSIONAL_HEAD = """MEDICAL PROFESSIONAL REVIEW
Independent Medical Review - Final Determination
Date of Injury: 03/12/2013

ISSUE AT DISPUTE:
"""
PROFESSIONAL_TAIL = """
CASE SUMMARY:
The injured worker is a 47 year old man with neck pain since a fall at work.

MEDICAL GUIDELINE(S) RELIED UPON:
California MTUS Chronic Pain Medical Treatment Guidelines, page 122.

RATIONALE:
The patient has trigger points with a twitch response. The request is not medically necessary.
"""
PROFESSIONAL_RATIONALE = "RATIONALE FOR WHY THE REQUESTED TREATMENT/SERVICE IS/WAS NOT MEDICALLY NECESSARY:\n"


def _professional_with_rationale(issues: str, rationale: str):
    """A professional review whose rationale, under the layout's own heading, is `rationale`."""
    tail = PROFESSIONAL_TAIL[:PROFESSIONAL_TAIL.index("RATIONALE:")] + PROFESSIONAL_RATIONALE + rationale
    return parse_letter(PROFESSIONAL_HEAD + issues + tail)


def test_professional_determination_paragraph_after_the_request():
    letter = parse_letter(PROFESSIONAL_HEAD + (
        "\nTrigger point injections, right cervical paraspinal muscles, quantity 3\n\n"
        "DETERMINATION: The requested treatment is not medically necessary. The utilization review\n"
        "non-certification is upheld.\n") + PROFESSIONAL_TAIL)
    [item] = letter.items
    assert item.title.flat == "Trigger point injections, right cervical paraspinal muscles, quantity 3"
    assert item.decision == "upheld"


def test_professional_numbered_requests_each_with_its_determination():
    letter = parse_letter(PROFESSIONAL_HEAD + (
        "\n1. Trigger point injections, left lumbar paraspinal muscles, quantity 2\n"
        "   Determination: OVERTURNED. The requested service is medically necessary.\n\n"
        "2. Physical therapy, 8 visits, lumbar spine\n"
        "   Determination: UPHELD. The requested service is not medically necessary.\n") + PROFESSIONAL_TAIL)
    assert [(i.title.flat, i.decision) for i in letter.items] == [
        ("Trigger point injections, left lumbar paraspinal muscles, quantity 2", "overturned"),
        ("Physical therapy, 8 visits, lumbar spine", "upheld")]


def test_professional_rationale_taking_the_issues_in_turn():
    letter = _professional_with_rationale(
        "\n1. Trigger point injections, bilateral lumbar paraspinal muscles, four (4) injections\n\n"
        "2. Chiropractic manipulation, lumbar spine, six (6) visits\n",
        "Issue 1: Trigger point injections, bilateral lumbar paraspinal muscles. Upheld.\n"
        "There is no twitch response. The request is not medically necessary.\n\n"
        "Issue 2: Chiropractic manipulation, lumbar spine, six (6) visits. Overturned.\n"
        "A trial of 6 visits is supported. The request is medically necessary.\n")
    assert [i.decision for i in letter.items] == ["upheld", "overturned"]
    assert "twitch" in letter.items[0].rationale.text and "twitch" not in letter.items[1].rationale.text


def test_professional_rationale_parts_under_each_request():
    letter = _professional_with_rationale(
        "\nRepeat trigger point injections, right rhomboid, quantity 3: Overturned\n\n"
        "Tizanidine 4 mg #90: Upheld\n",
        "Repeat trigger point injections, right rhomboid, quantity 3: the criteria are met.\n\n"
        "Tizanidine 4 mg #90: no improvement in function is attributed to the tizanidine.\n")
    tpi, drug = letter.items
    assert "criteria are met" in tpi.rationale.text and "tizanidine" not in tpi.rationale.text.lower()


def test_professional_determination_block_numbering_the_requests_again():
    letter = parse_letter(PROFESSIONAL_HEAD + (
        "\n1. Trigger point injections, right upper trapezius, quantity 3\n2. MRI of the cervical spine\n\n"
        "DETERMINATION:\n\n1. Trigger point injections, right upper trapezius, quantity 3: Upheld. The requested\n"
        "treatment is not medically necessary.\n2. MRI of the cervical spine: Overturned. The requested service is\n"
        "medically necessary.\n") + PROFESSIONAL_TAIL)
    assert [(i.title.flat, i.decision) for i in letter.items] == [
        ("Trigger point injections, right upper trapezius, quantity 3", "upheld"),
        ("MRI of the cervical spine", "overturned")]


@pytest.mark.parametrize("title", [
    "Botox injections into the bilateral trapezius trigger points",
    "Injection of dextrose into trigger points of the low back x4",
    "Prolotherapy to the lumbar trigger points",
])
def test_any_substance_injected_into_trigger_points_is_a_trigger_point_request(checker, title):
    assert checker.in_a_pack(title)


@pytest.mark.parametrize("title", [
    "Dry needling of trigger points x6",
    "Trigger point impedance imaging",
    "Botox injection for chronic migraine",
])
def test_keyword_traps_stay_outside(checker, title):
    assert getattr(checker.pack_for_title(title), "id", None) != TPI_PACK


def test_botox_into_trigger_points_fails_tpi8(checker):
    note = ("Exam: circumscribed trigger points in the left trapezius with a local twitch response and referred pain "
            "to the occiput.\nPlan: Botox injection into 3 trigger points of the left trapezius.\n")
    [item] = checker.check_source(read_text(note, "n.txt")).items
    assert item.pack is not None
    assert {r.criterion.id: r.status for r in item.decision.results}["TPI-8"] == "not_met"


def test_a_letter_with_no_readable_item_is_an_input_error(checker):
    broken = MAXIMUS_NUMBERED.replace("is medically necessary and\nappropriate", "was reviewed").replace(
        "is not medically necessary and appropriate", "was reviewed")
    with pytest.raises(InputError, match="no disputed item"):
        checker.check_source(read_text(broken, "b.txt"))


def test_cli_exits_2_on_a_letter_with_no_readable_item(tmp_path, capsys):
    from checker.interfaces.cli import main
    broken = MAXIMUS_NUMBERED.replace("is medically necessary and\nappropriate", "was reviewed").replace(
        "is not medically necessary and appropriate", "was reviewed")
    path = tmp_path / "letter.txt"
    path.write_text(broken)
    for command in ("check", "audit"):
        assert main([command, str(path)]) == 2
        err = capsys.readouterr().err
        assert "no disputed item" in err and "Traceback" not in err
        assert "rhomboid" not in err  # no patient text in the message


def test_numbered_determination_title_continues_over_a_bracketed_number():
    text = MAXIMUS_NUMBERED.replace(
        "1. Trigger point injections to the left rhomboid x3 with lidocaine is medically necessary and\nappropriate.",
        "1. Trigger point injections to the left rhomboid, three\n(3) injections with lidocaine, is medically necessary and\nappropriate.")
    letter = parse_letter(text)
    assert letter.items[0].title.flat == "Trigger point injections to the left rhomboid, three (3) injections with lidocaine"
    assert letter.items[0].decision == "overturned"
