"""The reviewer in the loop: facts with their origin, corrections from the page and the command line,
checks on entered values, contradictions, and the reviewed case that `checker evaluate` reads unchanged."""
from __future__ import annotations

import json
import re

import pytest
import yaml

from checker.interfaces.cli import main
from conftest import ROOT

NOTE = ROOT / "corpus" / "letters" / "11-note-pr2-lumbar-initial-certify.txt"   # certify as read


def _run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def _corrections(tmp_path, *entries):
    path = tmp_path / "corrections.yaml"
    path.write_text(yaml.safe_dump({"schema": "checker/corrections/1", "corrections": list(entries)}, sort_keys=False))
    return path


def _item(out):
    return json.loads(out)["letters"][0]["items"][0]


NO_TWITCH = {"fact": "twitch_response", "value": False, "reason": "exam: no local twitch"}


def test_check_json_gives_every_fact_its_origin(capsys):
    code, out, _ = _run(capsys, "check", NOTE, "--format", "json")
    item = _item(out)
    assert code == 0 and item["facts"] and item["review"] == []
    assert {f["origin"] for f in item["facts"].values()} == {"extracted"}
    uses = [e for c in item["criteria"] for e in c["evidence"] if e["documented"]]
    assert uses and all(e["origin"] == "extracted" for e in uses)


def test_cli_corrections_change_the_decision_and_are_listed_with_their_reason(tmp_path, capsys):
    code, out, _ = _run(capsys, "check", NOTE, "--format", "json", "--corrections", _corrections(tmp_path, NO_TWITCH))
    item = _item(out)
    assert code == 1 and item["predicted_decision"] == "non-certify" and item["cited"] == ["TPI-1"]
    assert item["facts"]["twitch_response"] == {"value": False, "origin": "reviewer", "reason": "exam: no local twitch",
                                                "evidence": [{"quote": "entered by the reviewer: exam: no local twitch",
                                                              "source": "reviewer", "assertion": "present"}]}
    assert item["review"] == [{"fact": "twitch_response", "label": "twitch response on palpation", "extracted": True,
                               "value": False, "reason": "exam: no local twitch"}]
    # the other facts keep their origin and quotes
    assert item["facts"]["referred_pain"]["origin"] == "extracted" and item["facts"]["referred_pain"]["evidence"]
    code, text, _ = _run(capsys, "check", NOTE, "--corrections", _corrections(tmp_path, NO_TWITCH))
    assert "reviewer changed twitch response on palpation: yes -> no (exam: no local twitch)" in text
    assert "-> not satisfied [reviewer: exam: no local" in text


def test_reviewed_case_file_evaluates_to_the_same_result_with_origins_and_reasons(tmp_path, capsys):
    removed = {"fact": "myofascial_pain_syndrome", "value": None, "reason": "diagnosis not in this note"}
    corrections = _corrections(tmp_path, NO_TWITCH, removed)
    _, checked, _ = _run(capsys, "check", NOTE, "--format", "json", "--corrections", corrections)
    code, case_text, _ = _run(capsys, "extract", NOTE, "--corrections", corrections)
    assert code == 0
    case = yaml.safe_load(case_text)
    assert case["facts"]["twitch_response"] == {"value": False, "origin": "reviewer", "reason": "exam: no local twitch",
                                                "extracted": True}
    assert case["facts"]["myofascial_pain_syndrome"]["value"] is None
    assert case["facts"]["injury_date"]["origin"] == "extracted"
    path = tmp_path / "case.yaml"
    path.write_text(case_text)
    # the case names the letter, which must lie inside the folder given as --corpus
    code, out, err = _run(capsys, "evaluate", path, "--format", "json", "--corpus", NOTE.parent)
    assert code == 1, err
    evaluated = json.loads(out)["cases"][0]
    item = _item(checked)
    assert evaluated["decision"] == item["predicted_decision"] == "non-certify"
    assert [(c["id"], c["status"]) for c in evaluated["criteria"]] == [(c["id"], c["status"]) for c in item["criteria"]]
    assert evaluated["review"] == item["review"]
    assert [r["fact"] for r in evaluated["review"]] == ["twitch_response", "myofascial_pain_syndrome"]
    origins = {e["fact"]: e["origin"] for c in evaluated["criteria"] for e in c["evidence"] if e["documented"]}
    assert origins["twitch_response"] == "reviewer" and origins["injection_count"] == "extracted"
    code, text, _ = _run(capsys, "evaluate", path, "--corpus", NOTE.parent)
    assert "reviewer changed myofascial pain syndrome diagnosed: yes -> not documented (diagnosis not in this note)" in text


def test_case_files_mark_their_facts_as_case_file(capsys):
    code, out, _ = _run(capsys, "evaluate", ROOT / "cases" / "own", "--format", "json")
    origins = {e["origin"] for case in json.loads(out)["cases"] for c in case["criteria"] for e in c["evidence"]
               if e["documented"]}
    assert origins == {"case file"}


@pytest.mark.parametrize("entry,words", [
    ({"fact": "prior_relief_percent", "value": 140}, "pain relief after the last injection (%): above the maximum 100"),
    ({"fact": "twitch", "value": True}, "unknown fact 'twitch'"),
    ({"fact": "request_date", "value": "2001-01-01"}, "date of the request (2001-01-01) is before date of injury"),
])
def test_cli_corrections_are_checked_like_case_files(tmp_path, capsys, entry, words):
    code, out, err = _run(capsys, "check", NOTE, "--corrections", _corrections(tmp_path, entry))
    assert code == 2 and words in err and "Traceback" not in err
    if entry["fact"] != "request_date":  # a value wrong in itself is located in the corrections file
        assert re.search(r"corrections\.yaml:\d+:\d+: ", err)


def test_contradicting_entered_facts_are_warned():
    from checker.rules.facts import build_factset
    from checker.decision.decide import evaluate_facts
    from checker.engine.durable import Engine
    from checker.rules.rulepack import load_rules

    rules = load_rules(ROOT / "rules")
    facts, errors = build_factset({"treatment": "trigger_point_injection", "repeat_request": True,
                                   "prior_injection_date": "2015-10-01", "request_date": "2015-11-05",
                                   "interval_days": 90}, rules.vocabulary)
    assert errors == []
    decision = evaluate_facts(facts, rules, Engine(rules.packs).statuses)
    [warning] = [n for n in decision.notes if "days from the last injection" in n]
    assert "90 is stated" in warning and "= 35 days" in warning
    facts, _ = build_factset({"treatment": "trigger_point_injection", "prior_injection_date": "2015-10-01",
                              "request_date": "2015-11-05", "interval_days": 35}, rules.vocabulary)
    assert not [n for n in evaluate_facts(facts, rules, Engine(rules.packs).statuses).notes if "is stated" in n]


# --- the page -----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def client():
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from checker.interfaces.web import create_app

    return TestClient(create_app())


def _review_form(page: str, n: int = 1) -> dict[str, str]:
    """The review form of item n as the browser would send it."""
    form = re.search(rf'<form method="post" action="/review"[^>]*id="review-{n}".*?</form>', page, re.S).group(0)
    import html

    data = {}
    for tag in re.findall(r"<input\b[^>]*>", form):
        attrs = dict(re.findall(r'(\w+)="([^"]*)"', tag))
        data[attrs["name"]] = html.unescape(attrs.get("value", ""))
    for m in re.finditer(r'<select id="[^"]*" name="([^"]+)">(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', m.group(2))
        data[m.group(1)] = chosen.group(1) if chosen else ""
    return data


def test_page_result_prefills_the_facts_with_quote_and_origin(client):
    page = client.post("/check", data={"text": NOTE.read_text()}).text
    form = _review_form(page)
    assert form["twitch_response"] == "yes" and form["injection_count"] == "3" and form["item"] == "1"
    assert form["text"].replace("\r\n", "\n") == NOTE.read_text().replace("\r\n", "\n")
    row = re.search(r'<div class="fact" id="fact-1-twitch_response">.*?</div>', page, re.S).group(0)
    assert 'class="origin origin-extracted">extracted<' in row and "local twitch response" in row


def test_page_correction_re_evaluates_marks_the_origin_and_lists_the_change(client):
    form = _review_form(client.post("/check", data={"text": NOTE.read_text()}).text)
    form.update({"twitch_response": "no", "reason-twitch_response": "no twitch on my reading", "action": "evaluate"})
    page = client.post("/review", data=form)
    assert page.status_code == 200
    text = page.text
    assert 'id="decision-1">NON-CERTIFY<' in text
    assert re.search(r'id="decided-by-1">Decided by:\s*<strong>TPI-1</strong> not met', text)
    assert "twitch response on palpation: yes &rarr; no (reason: no twitch on my reading)" in text
    row = re.search(r'<div class="fact" id="fact-1-twitch_response">.*?</div>', text, re.S).group(0)
    assert ">reviewer<" in row and 'value="no twitch on my reading"' in row
    # confirmed facts keep their origin
    assert ">extracted<" in re.search(r'id="fact-1-referred_pain">.*?</div>', text, re.S).group(0)


def test_page_download_gives_a_case_that_evaluate_reads_to_the_same_result(client, tmp_path, capsys):
    form = _review_form(client.post("/check", data={"text": NOTE.read_text()}).text)
    form.update({"twitch_response": "no", "reason-twitch_response": "no twitch", "action": "download"})
    response = client.post("/review", data=form)
    assert response.status_code == 200 and 'attachment; filename="pasted-text-item1.yaml"' == \
        response.headers["content-disposition"]
    path = tmp_path / "case.yaml"
    path.write_text(response.text)
    code, out, err = _run(capsys, "evaluate", path, "--format", "json")
    evaluated = json.loads(out)["cases"][0]
    assert code == 1 and evaluated["decision"] == "non-certify" and evaluated["cited"] == ["TPI-1"]
    assert evaluated["review"][0]["reason"] == "no twitch"


def test_page_refuses_an_impossible_value_by_its_label_and_keeps_what_was_entered(client):
    form = _review_form(client.post("/check", data={"text": NOTE.read_text()}).text)
    form.update({"prior_relief_percent": "140", "reason-prior_relief_percent": "from the chart",
                 "twitch_response": "no", "action": "evaluate"})
    page = client.post("/review", data=form)
    assert page.status_code == 400
    alert = re.search(r'id="review-error-1">.*?</div>', page.text, re.S).group(0)
    assert "pain relief after the last injection (%): above the maximum 100 percent" in alert
    assert "prior_relief_percent" not in alert
    kept = _review_form(page.text)
    assert kept["prior_relief_percent"] == "140" and kept["twitch_response"] == "no"
    assert kept["reason-prior_relief_percent"] == "from the chart"


def test_page_warns_of_contradicting_entered_facts(client):
    form = _review_form(client.post("/check", data={"text": NOTE.read_text()}).text)
    form.update({"repeat_request": "yes", "prior_injection_date": "2014-12-01", "interval_days": "90",
                 "action": "evaluate"})
    page = client.post("/review", data=form).text
    assert "days from the last injection to the request: 90 is stated, but the dates give 2015-03-03" in page
    assert "= 92 days" in page


def test_checklist_errors_name_the_label_and_keep_the_answers(client):
    page = client.post("/evaluate", data={"prior_relief_percent": "140", "twitch_response": "yes"})
    assert page.status_code == 400
    assert "pain relief after the last injection (%): above the maximum 100" in page.text
    assert 'id="f-prior_relief_percent" name="prior_relief_percent" type="text" inputmode="decimal" value="140"' in page.text
    assert '<option value="yes" selected>documented yes</option>' in page.text


def test_check_errors_keep_the_pasted_text(client):
    page = client.post("/check", data={"text": "   "})
    assert page.status_code == 400 and 'role="alert"' in page.text
    page = client.post("/check", data={"text": "some pasted note"},
                       files={"upload": ("note.txt", NOTE.read_bytes(), "text/plain")})
    assert page.status_code == 400 and "Both pasted text and a file" in page.text
    assert ">some pasted note</textarea>" in page.text


@pytest.mark.parametrize("name", ["note.docx", "note.html", "note"])
def test_only_txt_and_pdf_files_are_accepted(client, name):
    page = client.post("/check", files={"upload": (name, NOTE.read_bytes(), "text/plain")})
    assert page.status_code == 400 and "only .txt and .pdf files can be checked" in page.text


def test_api_review_applies_corrections_and_returns_the_case(client, tmp_path, capsys):
    body = {"text": NOTE.read_text(), "corrections": [{"fact": "twitch_response", "value": False, "reason": "no twitch"}]}
    doc = client.post("/api/review", json=body).json()
    item = doc["letters"][0]["items"][0]
    assert item["predicted_decision"] == "non-certify" and item["facts"]["twitch_response"]["origin"] == "reviewer"
    assert item["review"][0]["reason"] == "no twitch"
    path = tmp_path / "case.yaml"
    path.write_text(json.dumps(doc["cases"][0]))
    code, out, _ = _run(capsys, "evaluate", path, "--format", "json")
    assert code == 1 and json.loads(out)["cases"][0]["cited"] == item["cited"]
    bad = client.post("/api/review", json={**body, "corrections": [{"fact": "prior_relief_percent", "value": 140}]})
    assert bad.status_code == 400 and bad.json()["error"] == \
        "pain relief after the last injection (%): above the maximum 100 percent"


def test_an_uploaded_pdf_letter_can_be_reviewed_too(client):
    pdf = ROOT / "corpus" / "letters" / "01-dwc-cervical-repeat-overturned.pdf"
    page = client.post("/check", files={"upload": (pdf.name, pdf.read_bytes(), "application/pdf")}).text
    n = int(re.search(r'<form method="post" action="/review"[^>]*id="review-(\d+)"', page).group(1))
    form = _review_form(page, n)
    assert form["name"] == pdf.name and form["text"]
    form.update({"fibromyalgia": "yes", "reason-fibromyalgia": "rheumatology note", "action": "download"})
    case = yaml.safe_load(client.post("/review", data=form).text)
    assert case["id"] == f"01-dwc-cervical-repeat-overturned-item{n}"
    assert case["facts"]["fibromyalgia"] == {"value": True, "origin": "reviewer", "reason": "rheumatology note",
                                             "extracted": False}


def test_a_field_the_form_did_not_send_is_not_taken_as_removed(client):
    form = _review_form(client.post("/check", data={"text": NOTE.read_text()}).text)
    kept = {k: form[k] for k in ("text", "name", "item")}
    page = client.post("/review", data={**kept, "twitch_response": "no", "action": "evaluate"}).text
    assert "twitch response on palpation: yes &rarr; no" in page
    assert page.count("<li>") >= 1 and "&rarr; not documented" not in page
