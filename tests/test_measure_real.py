"""scripts/measure_real.py: the counting on a tiny invented truth and invented checker results (no PDF, no
checker run). Every expected number below is worked out by hand in the comments."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import measure_real as mr  # noqa: E402

PT, LB, CHIRO, ACU = ("mtus-2009-physical-medicine", "acoem-2004-spine-imaging", "mtus-2009-manipulation",
                      "mtus-2007-acupuncture")
CODES = ["date-inconsistency", "laterality-mismatch", "no-guideline-cited", "quantity-mismatch"]


def t_item(n, kind, decision="Upheld", title=None):
    return {"n": n, "title": title or f"invented item {n}", "decision": decision, "kind": kind}


def t_find(code, item):
    return {"code": code, "item": item, "where": f"rationale for item {item}", "what": "LETTER TEXT NEVER PRINTED"}


def c_item(n, pack=None, predicted=None, criteria=(), findings=(), title=None, decision="upheld"):
    """One item as evaluation.report.audit_json gives it (only the keys the measure reads)."""
    return {"title": title or f"invented item {n}", "title_span": {"start": 100 * n, "end": 100 * n + 20},
            "letter_decision": decision, "rule_pack": pack, "predicted_decision": predicted,
            "criteria": [{"id": i, "status": s} for i, s in criteria],
            "findings": [{"code": c, "message": f"{c} on item {n}", "evidence": []} for c in findings]}


def letter(items, findings=()):
    return {"items": items, "findings": list(findings)}


TRUTH = {
    "L1": {"items": [t_item(1, "physical-therapy"), t_item(2, "other"), t_item(3, "imaging-low-back", "Overturned")],
           "findings": [t_find("laterality-mismatch", 1), t_find("no-guideline-cited", 2),
                        t_find("quantity-mismatch", 3)]},
    "L2": {"items": [t_item(1, "chiropractic", "Overturned"), t_item(2, "acupuncture", "Partly overturned")],
           "findings": [t_find("date-inconsistency", None)]},
    "L3": {"items": [t_item(1, "physical-therapy", title="Physical therapy 12 visits was the original request. "
                                                         "The remaining portion, Physical therapy 6 visits"),
                     t_item(2, "other", title="Tramadol 50mg #60")],
           "findings": [t_find("quantity-mismatch", 2)]},
    "L4": {"items": [t_item(1, "other"), t_item(2, "other")],
           "findings": [t_find("no-guideline-cited", 1), t_find("no-guideline-cited", 2)]},
    "L5": {"items": [t_item(1, "physical-therapy")], "findings": [t_find("laterality-mismatch", 1)]},
}

AUDITS = {
    "L1": letter([
        c_item(1, PT, "non-certify", findings=["laterality-mismatch", "laterality-mismatch"]),  # 1 match + 1 extra
        c_item(2, "mtus-2009-tpi", "non-certify"),                                # an "other" item taken by a pack
        c_item(3, LB, "non-certify", [("LB-NERVE", "not_met"), ("LB-SURGERY", "not_documented"), ("LB-X", "met")],
               ["quantity-mismatch", "guideline-citation-mismatch"], decision="overturned"),
    ], [{"code": "date-inconsistency", "message": "dates out of order", "evidence": []}]),   # extra, judged false
    "L2": letter([c_item(1, CHIRO, "certify", decision="overturned"),
                  c_item(2, ACU, "non-certify", findings=["laterality-mismatch"])],          # extra, judged false
                 [{"code": "date-inconsistency", "message": "dates out of order", "evidence": []}]),  # matches
    "L3": letter([c_item(1, PT, "non-certify", title="Physical therapy 6 visits"),
                  c_item(2, ACU, None, title="Something the reader did not list"),          # unaligned, in a pack
                  c_item(3, None, None, title="Tramadol 50mg #60", findings=["quantity-mismatch"])]),  # is truth 2
    "L4": letter([c_item(1), c_item(2)],
                 [{"code": "no-guideline-cited", "message": "2 follow-on items cite no guideline",
                   "evidence": [{"start": 100, "end": 120}, {"start": 200, "end": 220}]}]),  # names items 1 and 2
    "L5": {"error": "not a readable PDF"},
}

JUDGED = [
    {"letter": "L1", "code": "guideline-citation-mismatch", "item": 3, "verdict": True, "reason": "right"},
    {"letter": "L1", "code": "date-inconsistency", "item": None, "verdict": False, "reason": "dates fine"},
    {"letter": "L2", "code": "laterality-mismatch", "item": 2, "verdict": False, "reason": "other body part"},
    # a key that is not the finding's: the second laterality finding of L1 item 1 stays to judge
    {"letter": "L1", "code": "laterality-mismatch", "item": 1, "key": "00000000", "verdict": False},
]
PACKS = ["mtus-2009-tpi", PT, LB, CHIRO, ACU]


@pytest.fixture(scope="module")
def m():
    return mr.measure(TRUTH, AUDITS, JUDGED, CODES, PACKS)


def test_audit_per_code(m):
    rows = m["audit"]["codes"]
    # laterality: truth L1/1, L5/1; raised L1/1 twice and L2/2; matched L1/1 once; L2/2 judged false; the
    # second L1/1 to judge. TP 1, FP 1, U 1: precision 1/3..2/3; recall 1/2 (U false) .. 2/3 (U true)
    lat = rows["laterality-mismatch"]
    assert (lat["raised"], lat["matched"], lat["judged_true"], lat["judged_false"], lat["to_judge"], lat["truth"],
            lat["missed"]) == (3, 1, 0, 1, 1, 2, 1)
    assert lat["precision"] == pytest.approx([1 / 3, 2 / 3]) and lat["recall"] == pytest.approx([1 / 2, 2 / 3])
    assert lat["complete"] is False
    # no guideline: truth L1/2, L4/1, L4/2; L4's letter finding names items 1 and 2: two findings, both
    # matched; L1/2 missed. Precision 2/2, recall 2/3
    ngc = rows["no-guideline-cited"]
    assert (ngc["raised"], ngc["matched"], ngc["missed"]) == (2, 2, 1)
    assert ngc["precision"] == [1.0, 1.0] and ngc["recall"] == pytest.approx([2 / 3, 2 / 3])
    # quantity: L1/3 matched; L3's checker item 3 is truth item 2 (aligned by title): matched. 2/2, 2/2
    q = rows["quantity-mismatch"]
    assert (q["raised"], q["matched"], q["truth"]) == (2, 2, 2) and q["precision"] == [1.0, 1.0] == q["recall"]
    # citation: no truth; one extra judged true: TP 1 of 1 raised, recall 1/(0 + 1)
    gcm = rows["guideline-citation-mismatch"]
    assert (gcm["raised"], gcm["judged_true"], gcm["truth"]) == (1, 1, 0)
    assert gcm["precision"] == [1.0, 1.0] and gcm["recall"] == [1.0, 1.0]
    # dates: truth L2 letter-level; L2's letter finding matches it, L1's is judged false: P 1/2, R 1/1
    di = rows["date-inconsistency"]
    assert di["precision"] == [0.5, 0.5] and di["recall"] == [1.0, 1.0]
    # total: raised 3+2+2+1+2 = 10, matched 1+2+2+0+1 = 6, judged true 1, false 2, to judge 1, truth 2+3+2+0+1 = 8
    # TP 7: precision 7/10..8/10; recall 7/(8+1)..8/(8+1+1)
    total = m["audit"]["total"]
    assert (total["raised"], total["matched"], total["judged_true"], total["judged_false"], total["to_judge"],
            total["truth"]) == (10, 6, 1, 2, 1, 8)
    assert total["precision"] == pytest.approx([0.7, 0.8]) and total["recall"] == pytest.approx([7 / 9, 0.8])
    assert [(e["letter"], e["code"], e["item"], e["verdict"]) for e in m["audit"]["extras"]] == [
        ("L1", "laterality-mismatch", 1, None), ("L1", "guideline-citation-mismatch", 3, True),
        ("L1", "date-inconsistency", None, False), ("L2", "laterality-mismatch", 2, False)]
    assert [(x["letter"], x["code"], x["item"]) for x in m["audit"]["missed"]] == [
        ("L1", "no-guideline-cited", 2), ("L5", "laterality-mismatch", 1)]


def test_strict_letter_findings():
    # strict: L4's letter finding is one letter-level finding: it matches one of the two truth entries
    ngc = mr.measure(TRUTH, AUDITS, JUDGED, CODES, PACKS, per_item=False)["audit"]["codes"]["no-guideline-cited"]
    assert (ngc["raised"], ngc["matched"], ngc["missed"]) == (1, 1, 2) and ngc["recall"] == pytest.approx([1 / 3] * 2)


def test_routing(m):
    r = m["routing"]
    # the four kinds: L1/1 PT, L1/3 low back, L2/1 chiro, L2/2 acupuncture, L3/1 PT, L5/1 PT (unread) -> 5 of 6
    assert (r["evaluated_by_their_pack"], r["kinds_items"]) == (5, 6) and r["share"] == pytest.approx(5 / 6)
    assert [(x["letter"], x["item"]) for x in r["not_evaluated_by_their_pack"]] == [("L5", 1)]
    # L1 item 2 (other) taken by the TPI pack; L3's unaligned checker item 2 taken by the acupuncture pack
    assert [(x["letter"], x["item"], x["checker_item"], x["pack"]) for x in r["wrongly_taken"]] == [
        ("L1", 2, 2, "mtus-2009-tpi"), ("L3", None, 2, ACU)]
    # 10 truth items; in a pack as the checker routes them: L1 3, L2 2, L3 1 = 6; by the table: 6
    assert (r["checker_in_some_pack"], r["expected_in_some_pack"], r["all_items"]) == (6, 6, 10)
    assert [(x["letter"], x["side"], x["item"]) for x in r["unaligned"]] == [("L3", "checker", 2)]
    assert m["aligned_by_title"] == ["L3"] and m["errors"] == [{"letter": "L5", "message": "not a readable PDF"}]
    # every letter decision read as the truth gives it but L2 item 2 (truth "Partly overturned", read "upheld")
    assert [(x["letter"], x["item"], x["read"]) for x in r["letter_decision_misread"]] == [("L2", 2, "upheld")]


def test_decisions(m):
    d = m["decisions"]
    # upheld: L1/1 non-certify (right), L3/1 non-certify (right) -> 2/2; overturned: L2/1 certify (right),
    # L1/3 non-certify (wrong) -> 1/2; balanced accuracy (1 + 1/2) / 2 = 3/4; L2/2 partly: apart
    assert d["per_class"] == {"upheld": {"n": 2, "right": 2}, "overturned": {"n": 2, "right": 1}}
    assert d["balanced_accuracy"] == pytest.approx(0.75) and d["overturn_recall"] == pytest.approx(0.5)
    assert d["disagreements"] == [{"letter": "L1", "item": 3, "kind": "imaging-low-back", "letter_decision": "Overturned",
                                   "predicted": "non-certify", "unmet": ["LB-NERVE not_met", "LB-SURGERY not_documented"],
                                   "reader_finds_decision_contradicts_criteria": False}]
    assert [(x["letter"], x["item"]) for x in d["other_decisions"]] == [("L2", 2)]
    # no decision-contradicts finding in this truth: the decisions the criteria call for are the letters'
    assert d["by_criteria"]["per_class"] == d["per_class"]


def test_decisions_against_what_the_criteria_call_for():
    """Where the reader finds a letter's decision contradicts the criteria, the checker that disagrees with
    the letter agrees with the criteria: the disagreement is marked and the second figure counts it right."""
    truth = {"A": {"items": [t_item(1, "physical-therapy", "Overturned"), t_item(2, "acupuncture", "Upheld"),
                             t_item(3, "physical-therapy", "Overturned")],
                   "findings": [t_find("decision-contradicts-criteria", 1)]}}
    observed = {"A": letter([c_item(1, PT, "non-certify", decision="overturned"), c_item(2, ACU, "non-certify"),
                             c_item(3, PT, "certify", decision="overturned")])}
    d = mr.measure(truth, observed, [], CODES, PACKS)["decisions"]
    assert d["balanced_accuracy"] == pytest.approx(0.75)  # upheld 1/1, overturned 1/2
    assert [(x["item"], x["reader_finds_decision_contradicts_criteria"]) for x in d["disagreements"]] == [(1, True)]
    assert d["by_criteria"]["per_class"] == {"upheld": {"n": 2, "right": 2}, "overturned": {"n": 1, "right": 1}}
    assert d["by_criteria"]["balanced_accuracy"] == pytest.approx(1.0)


def test_balanced_accuracy_needs_both_classes():
    truth = {"A": {"items": [t_item(1, "physical-therapy")], "findings": []}}
    d = mr.measure(truth, {"A": letter([c_item(1, PT, "non-certify")])}, [], CODES, PACKS)["decisions"]
    assert d["balanced_accuracy"] is None and d["upheld_recall"] == 1.0 and d["overturn_recall"] is None


def test_alignment_by_title_share():
    truth = TRUTH["L3"]["items"]
    checker = [{"n": 1, "title": "Tramadol 50mg #60"}, {"n": 2, "title": "Physical therapy 6 visits"}]
    al = mr.align_items(truth + [t_item(3, "other", title="Lumbar brace")], checker)
    assert al["pairs"] == {1: 2, 2: 1} and al["truth_unaligned"] == [3] and al["checker_unaligned"] == []


def test_report_deterministic_without_letter_text(m):
    text = mr.render_text(m)
    assert text == mr.render_text(mr.measure(TRUTH, AUDITS, JUDGED, CODES, PACKS))
    assert "LETTER TEXT" not in text and "invented item" not in text and "Tramadol" not in text
    assert "TO JUDGE" in text and "incomplete" in text and "75.0%" in text
    json.dumps(m, sort_keys=True)   # the --json output is plain data


def test_stale_judgment_listed(m):
    # the judgment with a key no finding has fits nothing: listed, not applied
    assert m["audit"]["judgments_unused"] == [{"letter": "L1", "code": "laterality-mismatch", "item": 1, "key": "00000000"}]
