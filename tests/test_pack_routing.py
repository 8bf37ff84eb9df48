"""A pack with its own request recogniser, added as data beside the bundled rules, takes the letter
items and note requests it recognises, and nothing of the trigger point pack's moves
(tests/packs/esi2: two criteria over the shared facts)."""
from __future__ import annotations

import json

import pytest

from checker.app import build_checker
from checker.interfaces.cli import main
from checker.core.errors import ValidationFailure
from checker.engine.oracle import reference_statuses
from checker.evaluation.report import item_json
from checker.rules.rulepack import load_rules
from conftest import ROOT, RULES, TEST_PACKS, TPI_PACK, beside_bundled

ESI2 = TEST_PACKS / "esi2"
LETTERS = ROOT / "corpus" / "letters"


@pytest.fixture(scope="module")
def combined(tmp_path_factory):
    return beside_bundled(ESI2, tmp_path_factory.mktemp("esi2") / "rules")


@pytest.fixture(scope="module")
def checkers(combined):
    return build_checker(load_rules(RULES)), build_checker(load_rules(combined))


def _evaluated(checked):
    return [i for i in checked.items if i.decision is not None]


def test_a_note_is_evaluated_by_the_pack_its_request_names(checkers):
    # the note documents radicular exam findings, an MRI with nerve root compression and failed
    # physical therapy: both criteria are met
    bundled, combined = checkers
    [item] = _evaluated(combined.check_file(ESI2 / "note.txt"))
    assert item.decision.pack.id == "test-esi2"
    assert item.extraction.facts.facts["treatment"].value == "epidural_steroid_injection"
    assert ({r.criterion.id: r.status for r in item.decision.results}, item.decision.decision) == (
        {"ESI2-1": "met", "ESI2-2": "met"}, "certify")
    # the bundled rules take no such request
    assert _evaluated(bundled.check_file(ESI2 / "note.txt")) == []


def test_a_letter_item_is_evaluated_by_the_pack_its_title_names(checkers, corpus):
    bundled, combined = checkers
    letter = corpus / "imr" / "003_207e070f999b17f1.txt"
    before = {i.title: i for i in bundled.check_file(letter).items}
    after = {i.title: i for i in combined.check_file(letter).items}
    [esi] = [t for t in after if t.startswith("EPIDURAL STEROID INJECTIONS")]
    assert before[esi].decision is None and after[esi].decision.pack.id == "test-esi2"
    # its rationale finds neither the exam nor the MRI supporting radiculopathy: never certified
    values = {k: f.value for k, f in after[esi].extraction.facts.facts.items()}
    statuses = {r.criterion.id: r.status for r in after[esi].decision.results}
    assert statuses == reference_statuses(after[esi].decision.pack, values)
    assert statuses["ESI2-1"] != "met" and after[esi].decision.decision == "non-certify"
    # the letter's other items are where they were: the trigger point item by the TPI pack, the rest outside
    assert {t: (i.decision.pack.id if i.decision else None) for t, i in after.items() if t != esi} == {
        t: (i.decision.pack.id if i.decision else None) for t, i in before.items() if t != esi}
    assert TPI_PACK in {i.decision.pack.id for i in after.values() if i.decision}


def test_trigger_point_outcomes_do_not_move(checkers, corpus):
    bundled, combined = checkers
    vocab = load_rules(RULES).vocabulary
    # the shared samples, the development letters and every held-out set
    letters = sorted((corpus / "imr").glob("*.txt")) + sorted((ROOT / "corpus").glob("*/*.txt"))
    compared = 0
    for letter in letters:
        before = [item_json(i, vocab) for i in _evaluated(bundled.check_file(letter)) if i.decision.pack.id == TPI_PACK]
        after = [item_json(i, vocab) for i in _evaluated(combined.check_file(letter)) if i.decision.pack.id == TPI_PACK]
        assert after == before, letter.name
        compared += len(before)
    assert compared >= 200


@pytest.mark.parametrize("title,pack", [
    ("Lumbar epidural steroid injection L4-5", "test-esi2"),
    ("Left L5 transforaminal epidural, quantity 1", "test-esi2"),
    ("Lumbar facet injection and ESI", None),                 # refused: a facet procedure
    ("Trigger point injections x3 and an ESI", TPI_PACK),     # refused by the test pack, taken by TPI
    ("Trigger point injection, neck", TPI_PACK),
    ("Acupuncture x6", "mtus-2007-acupuncture"),
    ("Influenza vaccine", None),
    ("Inpatient rehabilitation with physical and occupational therapy, 7 days", None),   # a level of care
    ("Home health physical therapy 2x3", None),
    ("Physical therapy 2 times a week for 4 weeks, lumbar spine", "mtus-2009-physical-medicine"),
    # a physical exam given with a course's frequency is a misprinted therapy request; an exam is not
    ("Physical exam 2 times 8", "mtus-2009-physical-medicine"),
    ("Physical exam and consultation", None),
])
def test_the_recognisers_route_titles(checkers, title, pack):
    found = checkers[1].pack_for_title(title)
    assert (found.id if found else None) == pack


def test_the_cli_evaluates_the_note_with_the_added_pack(combined, capsys):
    code = main(["check", "--format", "json", "--rules", str(combined), str(ESI2 / "note.txt")])
    [item] = json.loads(capsys.readouterr().out)["letters"][0]["items"]
    assert (code, item["rule_pack"], item["predicted_decision"]) == (0, "test-esi2", "certify")


def _edited_pack(tmp_path, old, new, facts=None):
    """The bundled rules with a copy of the test pack folder, one edit in its rule file, and the facts
    file given (the facts the pack adds)."""
    target = beside_bundled(ESI2, tmp_path / "rules")
    path = target / "packs" / "esi2" / "esi2.rules.yaml"
    text = path.read_text()
    assert text.count(old) == 1
    path.write_text(text.replace(old, new))
    if facts is not None:
        (path.parent / "facts.yaml").write_text(facts)
    return target, path


def _only_problem(folder):
    with pytest.raises(ValidationFailure) as failure:
        load_rules(folder)
    [problem] = failure.value.problems
    return problem


def test_a_recogniser_that_does_not_compile_is_reported_at_its_line(tmp_path):
    target, path = _edited_pack(tmp_path, "takes: '", "takes: '(unclosed")
    problem = _only_problem(target)
    assert "invalid regular expression" in str(problem)
    assert path.read_text().splitlines()[problem.line - 1].strip().startswith("takes:")


PACK_FACTS = """schema: checker/facts/1
facts:
  {name}:
    type: int
    min: 1
    max: 3
    group: request
    label: spinal levels requested
    ask: the number of levels to be injected
"""


def test_a_pack_folder_adds_its_own_facts(tmp_path):
    target, _ = _edited_pack(tmp_path, "{fact: conservative_care_failed, eq: true}", "{fact: esi_levels, lte: 2}",
                             PACK_FACTS.format(name="esi_levels"))
    rules = load_rules(target)
    assert rules.vocabulary.facts["esi_levels"].label == "spinal levels requested"
    assert "esi_levels" not in load_rules(RULES).vocabulary.facts
    pack = next(p for p in rules.packs if p.id == "test-esi2")
    assert reference_statuses(pack, {"esi_levels": 2})["ESI2-2"] == "met"


def test_a_fact_is_defined_once(tmp_path):
    target, _ = _edited_pack(tmp_path, "pages: [1]", "pages: [1]", PACK_FACTS.format(name="injection_count"))
    problem = _only_problem(target)
    assert "fact 'injection_count' is defined already" in str(problem)
    assert problem.path.endswith("packs/esi2/facts.yaml") and problem.line == 3


def test_a_rationale_names_only_the_criteria_of_its_items_pack(combined, corpus):
    """The audit maps an item's rationale to its own pack's criteria (tests/packs/esi2/audit.yaml): the
    epidural item of sample 003 cites ESI2-1 ("radiculopathy"), never a trigger point criterion, and the
    trigger point item keeps its citations."""
    from checker.app import build

    kit = build(combined)
    audit = kit.auditor.audit(kit.checker.check_file(corpus / "imr" / "003_207e070f999b17f1.txt"))
    cites = {a.check.pack: a.rationale_cites for a in audit.items if a.check.pack in ("test-esi2", TPI_PACK)}
    assert cites == {"test-esi2": ["ESI2-1"], TPI_PACK: ["TPI-3", "TPI-MPS"]}


def _pack_file_problem(tmp_path, name, text):
    from checker.app import build

    target = beside_bundled(ESI2, tmp_path / "rules")
    path = target / "packs" / "esi2" / name
    path.write_text(text)
    with pytest.raises(ValidationFailure) as failure:
        build(target)
    [problem] = failure.value.problems
    return problem, path


def test_a_pack_audit_reason_for_another_packs_criterion_is_reported_at_its_line(tmp_path):
    problem, path = _pack_file_problem(tmp_path, "audit.yaml",
                                       "schema: checker/pack-audit/1\nreasons:\n  ESI2-1: 'radicul'\n  TPI-4: 'radicul'\n")
    assert "'TPI-4' is not a criterion of pack test-esi2" in str(problem)
    assert problem.path.endswith("packs/esi2/audit.yaml") and problem.line == 4


def test_a_pack_extraction_cannot_redefine_a_shared_facts_patterns(tmp_path):
    problem, path = _pack_file_problem(tmp_path, "extraction.yaml", "schema: checker/pack-findings/1\nfacts:\n"
                                       "  radiculopathy_diagnosed:\n    conflict: true\n    patterns:\n"
                                       "      - {pattern: 'sciatica', value: true}\n")
    assert "'radiculopathy_diagnosed' already has patterns in" in str(problem)
    assert problem.path.endswith("packs/esi2/extraction.yaml") and problem.line == 3


def test_a_pack_extraction_reads_the_facts_it_adds(tmp_path):
    """A pack's own facts and patterns, as data: the note's sentence documents the added fact."""
    target, _ = _edited_pack(tmp_path, "{fact: conservative_care_failed, eq: true}", "{fact: esi_two_levels, eq: true}",
                             PACK_FACTS.format(name="esi_two_levels").replace("type: int\n    min: 1\n    max: 3", "type: bool"))
    (target / "packs" / "esi2" / "extraction.yaml").write_text(
        "schema: checker/pack-findings/1\nfacts:\n  esi_two_levels:\n    conflict: true\n    patterns:\n"
        "      - {pattern: '\\btwo\\s+levels\\b', value: true, negatable: true}\n")
    from checker.app import build
    from checker.reading.source import read_text

    kit = build(target)
    note = (ESI2 / "note.txt").read_text() + "\nThe plan covers two levels.\n"
    [item] = [i for i in kit.checker.check_source(read_text(note, "note.txt")).items if i.pack == "test-esi2"]
    assert item.extraction.facts.facts["esi_two_levels"].value is True


def test_an_item_reports_only_the_facts_its_pack_reads(checkers):
    """A note asking for two treatments: each item shows the facts its own criteria read (and the request's
    region and side), not the other pack's facts found in the same text."""
    from checker.reading.source import read_text

    bundled, _ = checkers
    note = ("Plan: request trigger point injections x3 to the left trapezius with lidocaine, and physical therapy "
            "2 times a week for 4 weeks for the cervical spine.\n")
    items = {i.pack: i for i in bundled.check_source(read_text(note, "n.txt")).items}
    tpi, pt = items[TPI_PACK], items["mtus-2009-physical-medicine"]
    assert "injection_count" in tpi.extraction.facts.facts and "visits_per_week" not in tpi.extraction.facts.facts
    assert "visits_per_week" in pt.extraction.facts.facts and "injection_count" not in pt.extraction.facts.facts
    reads = bundled.rules.vocabulary.closure(next(p for p in bundled.rules.packs if p.id == TPI_PACK).fact_names())
    assert {"interval_days", "prior_injection_date", "request_date"} <= reads   # a derived fact and its inputs
