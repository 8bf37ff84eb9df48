"""The audit: planted inconsistencies are caught with the right code, consistent letters give none,
the sample letters' real inconsistencies are found, and the real DWC letters audit without error."""
from __future__ import annotations

import shutil
import json

import pytest
import yaml

from checker.audit.auditor import load_audit_rules, make_auditor
from checker.decision.check import Checker
from checker.interfaces.cli import main
from checker.engine.durable import Engine
from checker.extraction.extract import Extractor
from checker.extraction.patterns import load_patterns
from conftest import FIXTURES, ROOT, RULES, TPI_PACK

AUDIT = FIXTURES / "audit"
PLANTED = sorted(AUDIT.glob("*.txt"))


@pytest.fixture(scope="module")
def checker(rules):
    return Checker(rules, Engine(rules.packs).statuses, Extractor(load_patterns(RULES, rules.vocabulary), rules.vocabulary))


@pytest.fixture(scope="module")
def auditor(rules, checker):
    return make_auditor(rules, checker)


def _found(audit):
    out = {(f.code, None) for f in audit.findings}
    for item in audit.items:
        out |= {(f.code, item.check.title) for f in item.findings}
    return out


@pytest.mark.parametrize("letter", PLANTED, ids=lambda p: p.stem)
def test_planted_inconsistency_is_caught_and_nothing_else(letter, checker, auditor):
    expected = yaml.safe_load(letter.with_suffix(".expected.yaml").read_text(encoding="utf-8"))
    want = {(f["code"], " ".join(f["item"].split()) if f["item"] else None) for f in expected["findings"]}
    assert _found(auditor.audit(checker.check_file(letter))) == want


def test_every_public_code_is_planted_once(auditor):
    planted = set()
    for path in AUDIT.glob("*.expected.yaml"):
        planted |= {f["code"] for f in yaml.safe_load(path.read_text(encoding="utf-8"))["findings"]}
    assert planted == set(load_audit_rules(RULES).severities)


SAMPLES = ROOT / "regress" / "samples"


def _sample_expectations(stem):
    """The sample letter's expected findings and cited criteria, from its one expectations file."""
    from checker.evaluation.score import load_expected

    expected = load_expected(SAMPLES / f"{stem}.expected.yaml")
    findings = {(f["code"], " ".join(f["item"].split()) if f.get("item") else None) for f in expected.findings}
    [cites] = [i.rationale_cites for i in expected.items if i.pack == TPI_PACK and i.decision is not None]
    return findings, cites


@pytest.mark.parametrize("stem", sorted(p.name.removesuffix(".expected.yaml") for p in SAMPLES.glob("*.expected.yaml")))
def test_sample_letters_real_inconsistencies(stem, checker, auditor, corpus):
    findings, cites = _sample_expectations(stem)
    audit = auditor.audit(checker.check_file(corpus / "imr" / f"{stem}.txt"))
    assert _found(audit) == findings
    [tpi] = [i for i in audit.items if i.check.pack == TPI_PACK]
    assert cites and tpi.rationale_cites == cites
    for f in audit.findings + [f for i in audit.items for f in i.findings]:
        text = audit.letter.text
        assert f.evidence and all(" ".join(text[e["start"]:e["end"]].split()) == e["quote"] for e in f.evidence)


def test_guideline_quotations_are_not_reasons(checker, auditor, corpus):
    audit = auditor.audit(checker.check_file(corpus / "imr" / "003_207e070f999b17f1.txt"))
    [tpi] = [i for i in audit.items if i.check.pack == TPI_PACK]
    kinds = [r.kind for r in tpi.reasons]
    assert kinds.count("guideline") >= 7 and "patient" in kinds and kinds[-1] == "conclusion"


def test_reasons_outside_the_2009_criteria_are_reported(checker, auditor, corpus):
    audit = auditor.audit(checker.check_file(corpus / "imr" / "004_4fa3c31427c968ed.txt"))
    [tpi] = [i for i in audit.items if i.check.pack == TPI_PACK]
    assert {o for r in tpi.reasons for o in r.outside} == {"adjunct to active therapy", "imaging guidance"}


def test_real_dwc_letters_audit_without_error(checker, auditor, corpus):
    for pdf in sorted((corpus / "dwc-2016-2017" / "pdf").glob("*.pdf")):
        audit = auditor.audit(checker.check_file(pdf))
        assert all(f.severity in ("warning", "error") for f in audit.all_findings())


def test_audit_command_formats_and_fail_on(tmp_path, capsys):
    consistent, planted = AUDIT / "01-consistent-upheld.txt", AUDIT / "06-rationale-conclusion-mismatch.txt"
    assert main(["audit", str(consistent)]) == 0
    assert main(["audit", "--fail-on", "error", str(planted)]) == 1
    assert main(["audit", "--fail-on", "never", str(planted)]) == 0
    capsys.readouterr()
    assert main(["audit", "--format", "json", str(planted)]) == 1
    doc = json.loads(capsys.readouterr().out)
    [letter] = doc["letters"]
    codes = [f["code"] for i in letter["items"] for f in i["findings"]]
    assert codes == ["rationale-conclusion-mismatch"] and "rationale_cites" in letter["items"][0]
    assert main(["audit", "--format", "markdown", str(AUDIT)]) == 1
    md = capsys.readouterr().out
    assert "| `quantity-mismatch` | 1 | 1 |" in md and "Letters audited: 11" in md


def test_which_unmet_criteria_a_rationale_must_give_is_the_packs_choice(tmp_path, corpus):
    """The physical medicine pack says a denial rests on any one unmet criterion (`omitted: one`): the
    planted letter whose rationale gives PM-FI and PM-HOME is not faulted for leaving out PM-VISITS (12
    visits requested). Set to `each` (the trigger point pack's choice), the omission is a finding."""
    from checker.app import build

    letter = FIXTURES / "audit" / "09-quantity-mismatch.txt"

    def omitted(rules_dir):
        kit = build(rules_dir)
        audit = kit.auditor.audit(kit.checker.check_file(letter))
        return sorted(f.message.split(" ")[0] for i in audit.items for f in i.findings
                      if f.code == "rationale-omits-unmet-criterion")

    assert omitted(RULES) == []
    edited = tmp_path / "rules"
    shutil.copytree(RULES, edited)
    audit_file = edited / "packs" / "mtus-2009-physical-medicine" / "audit.yaml"
    text = audit_file.read_text(encoding="utf-8")
    assert "\nomitted: one\n" in text
    audit_file.write_text(text.replace("\nomitted: one\n", "\nomitted: each\n"), encoding="utf-8")
    assert omitted(edited) == ["PM-VISITS"]


def test_a_rationale_that_quotes_an_unmet_criterion_has_not_omitted_it(tmp_path):
    """A denial that quotes the visit counts ("The guidelines recommend up to 10 visits") has PM-VISITS in
    view: with `omitted: each` it is no longer faulted for leaving it out, and the pack's `quoted` patterns
    are what decide that (removed, the omission is a finding again). A quotation is never a reason: the
    quoted criterion is not among those the rationale cites."""
    from checker.app import build

    source = (FIXTURES / "audit" / "09-quantity-mismatch.txt").read_text(encoding="utf-8")
    anchor = "This patient finished a course of therapy"
    assert anchor in source
    letter = tmp_path / "quoting.txt"
    letter.write_text(source.replace(anchor, "The guidelines recommend up to 10 visits. " + anchor), encoding="utf-8")
    edited = tmp_path / "rules"
    shutil.copytree(RULES, edited)
    audit_file = edited / "packs" / "mtus-2009-physical-medicine" / "audit.yaml"
    text = audit_file.read_text(encoding="utf-8").replace("\nomitted: one\n", "\nomitted: each\n")
    audit_file.write_text(text, encoding="utf-8")

    def audited(rules_dir):
        kit = build(rules_dir)
        audit = kit.auditor.audit(kit.checker.check_file(letter))
        [item] = [i for i in audit.items if i.check.pack == "mtus-2009-physical-medicine"]
        return item, sorted(f.message.split(" ")[0] for f in item.findings if f.code == "rationale-omits-unmet-criterion")

    item, omitted = audited(edited)
    assert "PM-VISITS" in item.rationale_quotes and "PM-VISITS" not in item.rationale_cites
    assert omitted == []
    audit_file.write_text(text[:text.index("\nquoted:")] + "\n", encoding="utf-8")
    item, omitted = audited(edited)
    assert item.rationale_quotes == [] and omitted == ["PM-VISITS"]


@pytest.mark.parametrize("rationale,pack,cited", [
    # "the need for ..." speaks of this request: a reason, not a quotation
    ("The need for ongoing supervised therapy above a self-directed home exercise program is not established.",
     "mtus-2009-physical-medicine", {"PM-HOME"}),
    # a sentence opening by naming a guideline quotes it, though it speaks of an exam and of patients
    ("The MTUS discusses MRI for unequivocal findings of nerve compromise on physical exam, in patients who do "
     "not respond to treatment.", "acoem-2004-spine-imaging", set()),
    # a normal exam and surgery not under consideration are reasons too
    ("The records describe a negative straight leg raise, and reflexes and strength are normal.",
     "acoem-2004-spine-imaging", {"LB-NERVE"}),
    ("No red flag is described, and surgery is not under consideration.", "acoem-2004-spine-imaging",
     {"LB-NERVE", "NECK-INDICATION", "LB-SURGERY"}),
    ("Eight more sessions would bring the total to fourteen, which is not supported.", "mtus-2009-physical-medicine",
     {"PM-COURSE"}),
    # an excess is something wrong too ("more than is usually needed", "beyond what the guidelines support")
    ("In his case eight more sessions would bring the total to fourteen, which is more than is usually needed.",
     "mtus-2009-physical-medicine", {"PM-COURSE"}),
    # a limit reached is something wrong ("the number permitted by Labor Code 4604.5(c)(1)")
    ("He has already received 24 chiropractic visits for this injury, the number permitted by Labor Code 4604.5(c)(1).",
     "mtus-2009-manipulation", {"MAN-CAP"}),
    # (both regions' criteria name red flags; the one that does not apply to the item is never reported)
    ("In this case, the physical examination does not reveal nerve impairment or other red flags.",
     "acoem-2004-spine-imaging", {"LB-NERVE", "NECK-INDICATION"}),
])
def test_a_rationale_sentence_is_a_reason_or_a_quotation(auditor, rationale, pack, cited):
    found = {c for r in auditor.reasons(rationale, 0, len(rationale), True, pack) for c in r.criteria}
    assert found & {"PM-HOME", "PM-COURSE", "LB-NERVE", "LB-CARE", "LB-SURGERY", "NECK-INDICATION", "MAN-CAP"} == cited


def test_one_date_inconsistency_is_reported_once():
    from checker.audit.auditor import Finding, _distinct_dates

    def f(*quotes):
        return Finding("date-inconsistency", "error", "m", [{"quote": q, "start": s, "end": s + len(q)} for q, s in quotes])

    header = f(("12/22/2016", 100), ("12/15/2016", 150))
    again = f(("12-22-2016", 900), ("12/15/2016", 150))        # the same dates, one written in the summary
    year = f(("11-21-2106", 400))
    order = f(("11-21-2106", 400), ("12/02/2016", 160))         # the impossible year already quoted
    other = f(("01/03/2015", 700), ("12/15/2016", 150))         # a different date: a second inconsistency
    assert _distinct_dates([header, again, order, year, other]) == [header, order, other]


def test_a_five_digit_year_is_a_date_out_of_range(checker, auditor):
    from checker.reading.source import read_text

    letter = (FIXTURES / "audit" / "01-consistent-upheld.txt").read_text(encoding="utf-8")
    marked = letter.replace("\nDecision rationale:", "\nHistory: a heart attack in June 20216.\nDecision rationale:", 1)
    assert marked != letter
    found = [f for f in auditor.audit(checker.check_source(read_text(marked, "l.txt"))).findings if f.code == "date-inconsistency"]
    assert [e["quote"] for f in found for e in f.evidence] == ["June 20216"] and "1 date(s)" in found[0].message
