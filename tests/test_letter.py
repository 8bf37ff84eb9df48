"""The letter parser: own-words fixtures for every layout and quirk, the five sample letters, and all
64 real DWC PDFs compared with items.csv (with the documented corrections)."""
from __future__ import annotations

import csv
import json
import os
import re
from datetime import date
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings, strategies as st

from checker.app import default_corpus
from checker.reading.letter import Letter, describe, parse_letter
from checker.reading.source import read_source

HERE = Path(__file__).resolve().parent
LETTERS = HERE / "fixtures" / "letters"
CORRECTIONS = HERE / "fixtures" / "items_csv_corrections.yaml"
# the shared corpus: ../shared/corpus beside the repository (or $CHECKER_CORPUS); in CI a missing corpus
# fails these tests instead of skipping them
SAMPLES = default_corpus() / "imr"
DWC = default_corpus() / "dwc-2016-2017"
_LOCAL = not os.environ.get("CI")


def load(name: str) -> tuple[str, Letter]:
    text = read_source(LETTERS / name).text
    return text, parse_letter(text)


def check_spans(text: str, letter: Letter) -> None:
    """Every Span points at its own text in the source."""
    spans = [letter.case_number, letter.summary, letter.documents_reviewed]
    spans += [f.span for f in letter.dates.values()]
    for item in letter.items:
        spans += [item.title, item.decision_span, item.rationale, item.span, item.heading]
        spans += [c.raw for c in item.citations]
    for s in spans:
        if s is not None:
            assert text[s.start:s.end] == s.text


def dates(letter: Letter) -> dict[str, date | None]:
    return {k: f.value for k, f in letter.dates.items()}


# --- own-words fixtures ----------------------------------------------------------------------

def test_dwc_with_header_block():
    text, letter = load("dwc_header.txt")
    check_spans(text, letter)
    assert letter.layout == "dwc"
    assert letter.case_number.text == "CM15-0104417"
    assert dates(letter) == {"assigned": date(2015, 6, 3), "injury": date(2013, 1, 22), "decision": date(2015, 7, 8),
                             "ur_denial": date(2015, 5, 12), "received": date(2015, 5, 27)}
    assert letter.dates["received"].span.text == "05/27/2015"  # value on the line after its label
    assert letter.summary.text.startswith("A 51 year old warehouse clerk")
    assert letter.summary.text.endswith("six more sessions of physical therapy.")
    tpi, pt = letter.items
    assert (tpi.index, tpi.title.text, tpi.decision, tpi.partial) == (
        1, "Trigger point injections x3 to the bilateral upper trapezius", "overturned", False)
    assert tpi.decision_span.text == "Overturned"
    ca, mx = tpi.citations
    assert (ca.role, ca.guideline, ca.edition, ca.section, ca.pages) == (
        "claims_administrator", "Chronic Pain Medical Treatment", "2009", "Trigger point injections", [])
    assert (mx.role, mx.edition, mx.section, mx.pages) == ("maximus", None, "Trigger point injections", ["122"])
    assert tpi.rationale.text.startswith("The records describe circumscribed")
    assert tpi.rationale.text.endswith("is medically necessary.")
    assert (pt.title.text, pt.decision) == ("Physical therapy 6 sessions for the thoracic spine", "upheld")
    assert [c.pages for c in pt.citations] == [[], ["98-99"]]
    assert pt.span.text.startswith("Physical therapy 6 sessions") and pt.span.text.endswith("is not medically necessary.")
    assert tpi.span.end <= pt.span.start


def test_partial_request_wrapped_decision_and_case_of_decision_word():
    text, letter = load("dwc_partial_wrapped.txt")
    check_spans(text, letter)
    assert letter.layout == "dwc"
    pt, sij, brace = letter.items
    # partly certified: the title is the IMR-eligible part; the heading keeps the whole prose
    assert pt.partial and pt.decision == "upheld"
    assert pt.title.text == "physical therapy 8 visits for the lumbar spine"
    assert pt.heading.text.startswith("Physical therapy 12 visits for the lumbar spine was the original request.")
    assert pt.heading.text.endswith("physical therapy 8 visits for the lumbar spine is")
    # heading over two lines, decision word alone on the next line, lower case
    assert sij.title.flat == "Right sacroiliac joint injection under fluoroscopic guidance for the lumbar spine"
    assert (sij.decision, sij.decision_span.text, sij.partial) == ("overturned", "overturned", False)
    assert [(c.role, c.mtus, c.guideline, c.chapter, c.section) for c in sij.citations] == [
        ("claims_administrator", False, "ODG", "Hip & Pelvis", "Sacroiliac joint injections (SJI)"),
        ("maximus", False, "ODG", "Low Back", "Sacroiliac injections"),
    ]
    assert (brace.title.text, brace.decision, brace.decision_span.text) == ("Lumbar support brace", "upheld", "UPHELD")
    assert [(c.role, c.guideline, c.section) for c in brace.citations] == [
        ("claims_administrator", "Low Back Complaints", "Physical Methods"),
        ("maximus", "Low Back Complaints", "Physical Methods"),
        ("maximus", "Chronic Pain Medical Treatment", "Back braces"),
    ]


def test_numbered_items_double_spaced_text_without_header():
    text, letter = load("dwc_numbered_nohead.txt")
    check_spans(text, letter)
    assert letter.layout == "dwc" and letter.case_number is None
    # no header block: dates from the case summary prose
    assert dates(letter) == {"injury": date(2009, 7, 14), "ur_denial": date(2014, 4, 30)}
    tpi, pillow = letter.items
    assert tpi.title.flat == ("Trigger point injections (4) to the left levator scapulae and rhomboid, "
                              "with Marcaine and Kenalog")
    assert [(c.role, c.guideline, c.chapter, c.pages) for c in tpi.citations] == [
        ("claims_administrator", "Chronic Pain Medical Treatment", None, []),
        ("maximus", "Neck and Upper Back Complaints", "8", ["174"]),
        ("maximus", "Chronic Pain Medical Treatment", None, ["122"]),
    ]
    assert (pillow.index, pillow.title.text, pillow.decision) == (2, "Cervical pillow", "upheld")
    # the CA cited ODG; the expert reviewer cited nothing
    assert [(c.role, c.mtus, c.guideline, c.section) for c in pillow.citations] == [
        ("claims_administrator", False, "ODG", "Pillow")]


def test_maximus_layout():
    text, letter = load("maximus.txt")
    check_spans(text, letter)
    assert letter.layout == "maximus"
    assert letter.case_number.text == "CM14-0022719"
    assert dates(letter) == {"decision": date(2014, 3, 17), "injury": date(2011, 9, 5), "ur_denial": date(2014, 1, 24),
                             "assigned": date(2014, 2, 20), "received": date(2014, 2, 4)}
    assert letter.documents_reviewed.text.startswith("Utilization review letter of 01/24/2014")
    assert letter.summary.text.startswith("The injured worker is a 44 year old mechanic.")
    tpi, mri = letter.items
    assert (tpi.title.text, tpi.decision) == ("Repeat trigger point injections to the right quadratus lumborum x2", "upheld")
    assert [(c.role, c.section, c.pages) for c in tpi.citations] == [
        ("claims_administrator", "Trigger point injections", ["122"]), ("maximus", "Trigger point injections", ["122"])]
    assert (mri.title.text, mri.decision) == ("Lumbar MRI without contrast", "overturned")
    assert [(c.guideline, c.chapter, c.pages) for c in mri.citations] == [("Low Back Complaints", "12", ["303-304"])] * 2


def test_professional_review_layout():
    text, letter = load("professional.txt")
    check_spans(text, letter)
    assert letter.layout == "professional"
    assert letter.case_number.text == "CM13-0055180"
    assert dates(letter) == {"injury": date(2010, 3, 2), "ur_denial": date(2013, 10, 15), "decision": date(2013, 12, 2)}
    assert letter.documents_reviewed.text.startswith("Progress reports 4/8/2013")
    (item,) = letter.items
    assert item.title.text == "Trigger point injections, cervical paraspinal muscles, quantity 6"
    # no "Upheld" in this layout: read from the rationale's conclusion
    assert (item.decision, item.decision_span.text) == ("upheld", "is not medically necessary")
    (c,) = item.citations
    assert (c.role, c.mtus, c.guideline, c.edition, c.section, c.pages) == (
        "relied_upon", True, "Chronic Pain Medical Treatment", "2009", "Trigger Point Injections", ["122"])
    assert item.rationale.text.startswith("The guideline asks for trigger points")


def test_notice_2013_layout():
    text, letter = load("notice2013.txt")
    check_spans(text, letter)
    assert letter.layout == "notice2013"
    assert letter.case_number.text == "CM13-0019384"
    assert dates(letter) == {"decision": date(2013, 11, 4), "ur_denial": date(2013, 8, 22), "injury": date(2008, 6, 18),
                             "received": date(2013, 9, 3), "assigned": date(2013, 9, 10)}
    tpi, kit = letter.items  # each determination is listed twice; read once
    assert tpi.title.flat == "trigger point injections to the lumbar paraspinals, four points"
    assert tpi.decision == "upheld"  # "is notmedically necessary and appropriate"
    assert (kit.title.text, kit.decision) == ("a home exercise kit", "overturned")  # "is medically necessary"
    ca, er = tpi.citations
    assert (ca.role, ca.guideline, ca.edition, ca.section, ca.pages) == (
        "claims_administrator", "Chronic Pain Medical Treatment", "2009", "Trigger Point Injections", ["122"])
    # "found the guideline used by the Claims Administrator relevant": the same guideline, maximus role
    assert (er.role, er.guideline, er.pages) == ("maximus", "Chronic Pain Medical Treatment", ["122"])
    assert er.raw.text.startswith("The Expert Reviewer found the guideline")
    assert [(c.role, c.mtus, c.guideline) for c in kit.citations] == [
        ("claims_administrator", False, "ODG"), ("maximus", True, "Chronic Pain Medical Treatment")]
    assert tpi.rationale.text.startswith("Radiculopathy is documented")
    assert letter.summary.text.startswith("The claimant, a 58 year old landscaper")


def test_clinical_notes_have_no_items():
    text, letter = load("notes.txt")
    assert letter == Letter("notes", None, {}, None, [], None)


def test_describe_is_json_able():
    _, letter = load("dwc_partial_wrapped.txt")
    d = describe(letter)
    assert json.loads(json.dumps(d)) == d
    assert d["layout"] == "dwc" and d["case_number"] == "CM16-0301122"
    assert d["dates"]["injury"] == {"text": "08/30/2016", "value": "2016-08-30"}
    assert [(i["title"], i["decision"], i["partial"]) for i in d["items"]] == [
        ("physical therapy 8 visits for the lumbar spine", "upheld", True),
        ("Right sacroiliac joint injection under fluoroscopic guidance for the lumbar spine", "overturned", False),
        ("Lumbar support brace", "upheld", False)]


def test_invalid_header_date_keeps_its_span():
    letter = parse_letter("Case Number: CM15-0000001\nDate of Injury: 02/30/2015\n\nIMR ISSUES, DECISIONS AND RATIONALES\n"
                          "X-ray of the wrist: Upheld\n")
    assert letter.dates["injury"].span.text == "02/30/2015" and letter.dates["injury"].value is None
    assert [(i.title.text, i.decision) for i in letter.items] == [("X-ray of the wrist", "upheld")]


@pytest.mark.parametrize("text", ["", "   ", "Upheld", ": Upheld", "\n\nOVERTURNED\n", "IMR ISSUES, DECISIONS AND RATIONALES",
                                  "Decision rationale: x\nMAXIMUS guideline:", "1) Regarding the request for x:\n"])
def test_odd_text_never_raises(text):
    letter = parse_letter(text)
    check_spans(text, letter)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from([
    "IMR ISSUES, DECISIONS AND RATIONALES", "CLINICAL CASE SUMMARY", "Trigger point injection: Upheld",
    "Overturned", "Claims Administrator guideline: Decision based on MTUS", "Decision rationale: not medically necessary.",
    "The original request, X is:", "MAXIMUS guideline:", "ISSUE AT DISPUTE:", "", " ", "Date of Injury: 1/2/03",
    "1) MAXIMUS Federal Services, Inc. has determined the request for y is medically necessary and appropriate",
]) | st.text(max_size=30), max_size=25))
def test_fuzzed_letters_never_raise(parts):
    text = "\n".join(parts)
    check_spans(text, parse_letter(text))


# --- the five sample letters (read in place, never copied) -----------------------------------

SAMPLE_EXPECT = {
    # name prefix: (number of items, decisions, index of TPI items)
    "000": (["upheld"], [1]),
    "001": (["upheld", "upheld"], [1]),
    "002": (["upheld", "upheld"], [2]),
    "003": (["upheld"] * 5, [4]),
    "004": (["upheld", "upheld"], [1]),
}


def sample(prefix: str) -> tuple[str, Letter]:
    (path,) = sorted(SAMPLES.glob(f"{prefix}_*.txt"))
    text = read_source(path).text
    return text, parse_letter(text)


needs_samples = pytest.mark.skipif(_LOCAL and not SAMPLES.is_dir(), reason="sample letters not available")


@needs_samples
@pytest.mark.parametrize("prefix", sorted(SAMPLE_EXPECT))
def test_sample_letters_layout_items_decisions(prefix):
    text, letter = sample(prefix)
    check_spans(text, letter)
    decisions, tpi = SAMPLE_EXPECT[prefix]
    assert letter.layout == "dwc"
    assert [i.decision for i in letter.items] == decisions
    assert [i.index for i in letter.items if re.search(r"trigger\s+point|TPI", i.title.text, re.I)] == tpi
    for item in letter.items:
        assert item.rationale is not None and item.citations


@needs_samples
def test_sample_trigger_point_citations():
    def tpi_cites(prefix):
        letter = sample(prefix)[1]
        item = next(i for i in letter.items if re.search(r"trigger\s+point|TPI", i.title.text, re.I))
        return [(c.role, c.mtus, c.guideline, c.edition, c.chapter, c.section, c.pages) for c in item.citations]

    cp = "Chronic Pain Medical Treatment"
    assert tpi_cites("000") == [("claims_administrator", True, cp, "2009", None, "Trigger point injections", []),
                                ("maximus", True, cp, "2009", None, "Trigger point injections", [])]
    assert tpi_cites("001") == [("claims_administrator", True, cp, None, None, "Trigger point injections", []),
                                ("maximus", True, "Shoulder Complaints", None, "9", None, ["195-7"]),
                                ("maximus", True, cp, None, None, "Trigger Point Injections", ["122"])]
    assert tpi_cites("002") == [("claims_administrator", True, cp, None, None, "Trigger Point Injections", []),
                                ("maximus", True, cp, None, None, "Trigger point injections", ["122"])]
    assert tpi_cites("003") == [("claims_administrator", True, cp, None, None, "TRIGGER POINT INJECTIONS", ["122"]),
                                ("maximus", True, cp, None, None, "Trigger point injections", ["122"])]
    assert tpi_cites("004") == [("claims_administrator", True, cp, None, None, None, []),
                                ("maximus", True, cp, None, None, None, ["122"])]


@needs_samples
def test_sample_dates_from_case_summaries():
    assert dates(sample("000")[1]) == {"injury": date(2010, 11, 3), "ur_denial": date(2015, 9, 28)}
    assert dates(sample("001")[1]) == {"injury": date(2005, 3, 29), "ur_denial": date(2014, 2, 27)}
    assert dates(sample("003")[1]) == {"injury": date(1996, 11, 8)}
    assert dates(sample("004")[1]) == {"injury": date(2011, 2, 14)}


@needs_samples
def test_sample_non_mtus_item():
    _, letter = sample("001")
    sij = letter.items[1]
    assert sij.title.text == "Right sacroiliac joint injection"
    assert [(c.role, c.mtus, c.guideline, c.chapter) for c in sij.citations] == [
        ("claims_administrator", False, "ODG", "Hip & Pelvis"), ("maximus", False, "ODG", "Hip & Pelvis")]


# --- the 64 real DWC letters against items.csv -----------------------------------------------

needs_dwc = pytest.mark.skipif(_LOCAL and not (DWC / "items.csv").exists(), reason="DWC corpus not available")


def norm(title: str) -> str:
    """Compare titles without case, line breaks, or a trailing "is" before the colon."""
    t = " ".join(title.lower().split())
    return re.sub(r"[\s,]+is$", "", t).strip(" .,:")


def corrections() -> dict[tuple[str, int], dict]:
    data = yaml.safe_load(CORRECTIONS.read_text(encoding="utf-8"))
    return {(c["case"], c["item_index"]): c for c in data["corrections"]}


@pytest.fixture(scope="module")
def dwc_letters() -> dict[str, tuple[str, Letter]]:
    out = {}
    for pdf in sorted((DWC / "pdf").glob("*.pdf")):
        text = read_source(pdf).text
        out[pdf.stem] = (text, parse_letter(text))
    return out


@needs_dwc
def test_every_dwc_pdf_matches_items_csv(dwc_letters):
    rows = list(csv.DictReader((DWC / "items.csv").open(encoding="utf-8")))
    fixes = corrections()
    by_case: dict[str, list[dict]] = {}
    for row in rows:
        by_case.setdefault(row["case"], []).append(row)
    assert len(dwc_letters) == 64 and len(rows) == 153
    assert set(by_case) == set(dwc_letters)
    used = set()
    for case, (text, letter) in dwc_letters.items():
        check_spans(text, letter)
        expected = by_case[case]
        assert letter.layout == "dwc", case
        assert letter.case_number.text == case
        assert len(letter.items) == len(expected), case
        for n, (row, item) in enumerate(zip(expected, letter.items), 1):
            title = row["item"]
            fix = fixes.get((case, n))
            if fix:
                assert fix["items_csv"] == title, f"items.csv changed for {case} item {n}"
                title = fix["letter"]
                used.add((case, n))
            assert (norm(item.title.text), item.decision) == (norm(title), row["outcome"].lower()), (case, n)
            maximus = [c for c in item.citations if c.role == "maximus"]
            if row["maximus_guideline"].startswith("The Expert Reviewer did not cite"):
                assert maximus == []
            else:
                # items.csv keeps any preface ("The Expert Reviewer based their decision on ...")
                assert maximus and maximus[0].raw.flat[:40] in " ".join(row["maximus_guideline"].split()), (case, n)
        for key, column in [("injury", "date_of_injury"), ("assigned", "date_assigned"),
                            ("decision", "decision_date"), ("ur_denial", "ur_denial_date")]:
            assert letter.dates[key].value.strftime("%m/%d/%Y") == expected[0][column], (case, key)
        assert letter.dates["received"].value is not None
    assert used == set(fixes), "every correction is about a real row"


@needs_dwc
def test_corrections_are_explained_and_visible_in_the_letter(dwc_letters):
    for (case, n), fix in corrections().items():
        assert fix["why"] and fix["field"] == "item"
        text, letter = dwc_letters[case]
        item = letter.items[n - 1]
        assert item.title.flat == fix["letter"]
        assert item.decision == fix["outcome"].lower()
        # the csv text is only the tail of the heading printed in the letter
        assert norm(item.heading.flat).endswith(norm(fix["items_csv"]))
        assert len(norm(fix["items_csv"])) < len(norm(item.heading.flat))


@needs_dwc
def test_dwc_partial_requests(dwc_letters):
    partial = sorted((case, i.index) for case, (_, l) in dwc_letters.items() for i in l.items if i.partial)
    assert partial == [("CM16-0229336", 1), ("CM16-0231706", 1), ("CM16-0233904", 1), ("CM16-0234202", 1),
                       ("CM16-0249724", 1), ("CM16-0249724", 2), ("CM16-0249724", 3), ("CM16-0249735", 1),
                       ("CM17-0002324", 1), ("CM17-0008633", 3), ("CM17-0009995", 1), ("CM17-0011517", 2),
                       ("CM17-0011703", 5)]
    _, letter = dwc_letters["CM16-0234202"]
    (item,) = letter.items
    assert item.title.flat == "Norco 10/325mg #35"
    assert item.heading.flat.startswith("Norco 10/325mg #60 was the original request.")


@needs_dwc
def test_dwc_decision_word_on_its_own_line(dwc_letters):
    _, letter = dwc_letters["CM17-0002857"]
    (item,) = letter.items
    assert item.title.flat == "Physical therapy 6 sessions 2 times a week for 3 weeks to the lumbar and cervical spine"
    assert item.decision == "upheld"
    assert item.citations[-1].section == "Physical medicine treatment"


@needs_dwc
def test_dwc_2016_citations(dwc_letters):
    _, letter = dwc_letters["CM16-0240259"]
    (item,) = letter.items
    mx = [c for c in item.citations if c.role == "maximus"]
    assert [(c.guideline, c.edition, c.section, c.pages) for c in mx] == [
        ("Elbow Complaints", "2007", "Diagnostic Criteria", []),
        ("Forearm, Wrist, and Hand Complaints", "2004", "Special Studies, Summary", [])]
