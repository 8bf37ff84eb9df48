"""Rules are data: what reports show, which letter dates document facts, what is scored, the page's
title and the treatments a case may name come from the rules folder, so editing a copy of it changes
what the checker does, and a bad entry is reported at its line."""
from __future__ import annotations

import shutil

import pytest
from fastapi.testclient import TestClient

from checker.app import build_checker
from checker.decision.decide import pack_for
from checker.core.errors import InputError, ValidationFailure
from checker.rules.facts import FactSet
from checker.evaluation.report import item_json
from checker.rules.rulepack import load_rules
from checker.evaluation.score import score_folder
from checker.interfaces.web import create_app, site_of
from conftest import FIXTURES, ROOT, RULES, TEST_PACKS, TPI_FILE

LETTERS = ROOT / "corpus" / "letters"
NOTE = LETTERS / "11-note-pr2-lumbar-initial-certify.txt"
LETTER = LETTERS / "02-dwc-lumbar-radicular-upheld.txt"


def rules_copy(tmp_path, file: str, old: str, new: str):
    """A copy of the bundled rules with one edit in one file (the text replaced must occur once)."""
    target = tmp_path / "rules"
    shutil.copytree(RULES, target)
    path = target / file
    text = path.read_text()
    assert text.count(old) == 1, f"expected exactly one '{old}' in {file}"
    path.write_text(text.replace(old, new))
    return target


def _item(rules, path):
    """The first evaluated item of a letter or note."""
    return next(i for i in build_checker(rules).check_file(path).items if i.decision is not None)


def test_the_request_shown_is_the_facts_file_list(tmp_path):
    bundled = load_rules(RULES)
    assert "laterality" in item_json(_item(bundled, NOTE), bundled.vocabulary)["request"]
    edited = load_rules(rules_copy(tmp_path, "facts.yaml", "body_region, laterality, injection_count",
                                   "body_region, injection_count"))
    shown = item_json(_item(edited, NOTE), edited.vocabulary)
    assert "laterality" not in shown["request"] and "laterality" in shown["facts"]


def test_the_timeline_is_the_facts_file_list(tmp_path):
    bundled = load_rules(RULES)
    assert "injury_date" in {e["fact"] for e in item_json(_item(bundled, NOTE), bundled.vocabulary)["timeline"]}
    edited = load_rules(rules_copy(tmp_path, "facts.yaml", "timeline: [injury_date, ", "timeline: ["))
    assert "injury_date" not in {e["fact"] for e in item_json(_item(edited, NOTE), edited.vocabulary)["timeline"]}


def test_letter_header_dates_document_the_facts_the_facts_file_names(tmp_path):
    bundled = load_rules(RULES)
    checked = build_checker(bundled).check_file(LETTER)
    header = checked.letter.dates["injury"].span
    item = next(i for i in checked.items if i.decision is not None)
    assert (header.start, header.end) in {(e.start, e.end) for e in item.extraction.facts.facts["injury_date"].evidence}
    edited = load_rules(rules_copy(tmp_path, "facts.yaml", "  injury: injury_date\n", ""))
    fact = _item(edited, LETTER).extraction.facts.facts.get("injury_date")
    assert fact is None or (header.start, header.end) not in {(e.start, e.end) for e in fact.evidence}


def test_facts_marked_not_scored_are_not_scored(tmp_path):
    assert "laterality" in score_folder(LETTERS, build_checker(load_rules(RULES))).facts
    edited = load_rules(rules_copy(tmp_path, "facts.yaml", "    label: side of the request\n",
                                   "    label: side of the request\n    scored: false\n"))
    scored = score_folder(LETTERS, build_checker(edited)).facts
    assert "laterality" not in scored and "body_region" in scored


@pytest.mark.parametrize("old,new,words", [
    ("  ur_denial: ur_decision_date", "  ur_denail: ur_decision_date", ["not a date of a letter's header", "ur_denial"]),
    ("  ur_denial: ur_decision_date", "  ur_denial: injection_count", ["fact 'injection_count' is int, expected date"]),
    ("timeline: [injury_date, ", "timeline: [injection_count, ", ["fact 'injection_count' is int, expected date"]),
    ("request: [treatment, ", "request: [treatmint, ", ["unknown fact 'treatmint'", "treatment"]),
])
def test_bad_report_and_letter_date_entries_are_reported_at_their_line(tmp_path, old, new, words):
    path = rules_copy(tmp_path, "facts.yaml", old, new)
    with pytest.raises(ValidationFailure) as failure:
        load_rules(path)
    [problem] = failure.value.problems
    line = next(n for n, text in enumerate((path / "facts.yaml").read_text().splitlines(), 1) if new.strip() in text)
    assert problem.line == line and all(w in str(problem) for w in words)


def test_a_case_without_a_treatment_is_told_the_treatments_of_the_packs():
    bundled = ", ".join(p.treatment for p in load_rules(RULES).packs)
    assert "trigger_point_injection" in bundled and "physical_therapy" in bundled
    for folder, treatments in ((RULES, bundled), (TEST_PACKS / "esi3", "epidural_steroid_injection")):
        with pytest.raises(InputError, match=f"one of: {treatments}$"):
            pack_for(FactSet({}), load_rules(folder))


def test_the_page_title_is_the_packs_section(tmp_path):
    assert site_of(str(TEST_PACKS / "esi3"))["title"] == "Epidural steroid injections (test) pre-screening"
    edited = rules_copy(tmp_path, TPI_FILE, "section: Trigger point injections",
                        "section: Trigger point injections (edited)")
    page = TestClient(create_app(str(edited))).get("/").text
    assert "<title>Guideline pre-screening</title>" in page   # several packs: each is listed on the page
    assert "Trigger point injections (edited), page 122." in page


def _audit(rules_dir, letter):
    from checker.audit.auditor import make_auditor

    rules = load_rules(rules_dir)
    checker = build_checker(rules)
    audit = make_auditor(rules, checker).audit(checker.check_file(letter))
    return [f for item in audit.items for f in item.findings] + audit.findings


def test_who_cites_a_guideline_is_worded_by_the_audit_file(tmp_path):
    letter = FIXTURES / "audit" / "07-guideline-citation-mismatch.txt"
    [finding] = _audit(RULES, letter)
    assert finding.message.startswith("the MAXIMUS reviewer cites")
    edited = rules_copy(tmp_path, "audit/audit.yaml", "maximus: the MAXIMUS reviewer", "maximus: the independent reviewer")
    assert [f.message.split(" cites")[0] for f in _audit(edited, letter)] == ["the independent reviewer"]


def test_the_rationale_sentences_about_the_request_are_found_by_the_audit_file(tmp_path):
    letter = FIXTURES / "audit" / "08-laterality-mismatch.txt"
    assert [f.code for f in _audit(RULES, letter)] == ["laterality-mismatch"]
    # a rationale sentence speaks of the request only when it matches request_mention
    edited = rules_copy(tmp_path, "audit/audit.yaml", "request_mention: '\\brequest'", "request_mention: '\\brequisition'")
    assert _audit(edited, letter) == []


def test_title_stop_words_are_the_audit_files(tmp_path):
    letter = FIXTURES / "audit" / "08-laterality-mismatch.txt"
    # every word of the title that could name it a stop word: the item is named by no rationale sentence
    edited = rules_copy(tmp_path, "audit/audit.yaml", "[injection, injections,", "[trapezius, injection, injections,")
    assert _audit(edited, letter) == []


def test_an_unknown_region_fact_in_the_audit_file_is_reported_at_its_line(tmp_path):
    from checker.audit.auditor import load_audit_rules

    edited = rules_copy(tmp_path, "audit/audit.yaml", "region_fact: body_region", "region_fact: body_regoin")
    with pytest.raises(ValidationFailure) as failure:
        load_audit_rules(edited, load_rules(edited).vocabulary)
    [problem] = failure.value.problems
    lines = (edited / "audit" / "audit.yaml").read_text().splitlines()
    assert "unknown fact 'body_regoin'" in str(problem) and "body_region" in str(problem)
    assert lines[problem.line - 1].startswith("region_fact:")


def test_the_lexicon_that_names_a_fact_fills_it_from_request_sentences(tmp_path):
    assert _item(load_rules(RULES), NOTE).extraction.facts.facts["substances"].value == ("lidocaine",)
    edited = load_rules(rules_copy(tmp_path, "lexicon/substances.yaml", "fact: substances", "fact: null"))
    assert "substances" not in _item(edited, NOTE).extraction.facts.facts


def test_a_lexicon_naming_a_fact_that_is_no_list_is_reported_at_its_line(tmp_path):
    edited = rules_copy(tmp_path, "lexicon/substances.yaml", "fact: substances", "fact: injection_count")
    with pytest.raises(ValidationFailure) as failure:
        load_rules(edited)
    [problem] = failure.value.problems
    lines = (edited / "lexicon" / "substances.yaml").read_text().splitlines()
    assert "'injection_count' is not a list fact" in str(problem) and lines[problem.line - 1].startswith("fact:")
