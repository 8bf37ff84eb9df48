"""The pre-screening web page and its JSON API, through the framework's test client."""
from __future__ import annotations

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from checker.interfaces.web import MAX_UPLOAD, create_app  # noqa: E402
from conftest import ROOT  # noqa: E402

NOTE = ROOT / "corpus" / "letters" / "11-note-pr2-lumbar-initial-certify.txt"
PDF = ROOT / "corpus" / "letters" / "01-dwc-cervical-repeat-overturned.pdf"


@pytest.fixture(scope="module")
def client():
    return TestClient(create_app())


def test_home_page_labels_every_control(client):
    page = client.get("/").text
    assert '<label for="text">' in page and '<label for="upload">' in page
    import re
    ids = re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', page)
    assert ids and all(f'<label for="{i}">' in page for i in ids)


def test_pasted_note_shows_decision_criteria_and_highlighted_evidence(client):
    page = client.post("/check", data={"text": NOTE.read_text()}).text
    assert 'class="decision certify"' in page and "CERTIFY" in page
    assert page.count('<tr class="row-') == 10
    assert '<mark id="ev0-0"' in page and 'href="#ev0-0"' in page


def test_uploaded_pdf_letter_is_checked_and_audited(client):
    page = client.post("/check", files={"upload": (PDF.name, PDF.read_bytes(), "application/pdf")}).text
    assert "Letter decision: <strong>overturned</strong>" in page and "Dry needling" in page


def test_checklist_evaluates_and_suggests_a_smaller_request(client):
    answers = {"treatment": "trigger_point_injection", "trigger_points_circumscribed": "yes", "twitch_response": "yes", "referred_pain": "yes",
               "symptom_duration_days": "200", "physical_therapy_failed": "yes", "injection_count": "8",
               "repeat_request": "no", "substances": "lidocaine", "myofascial_pain_syndrome": "yes"}
    page = client.post("/evaluate", data=answers).text
    assert "NON-CERTIFY" in page and "injections requested per session 4 (requested 8)" in page
    assert "the request would then be certifiable" in page


@pytest.mark.parametrize("files,words", [
    ({"upload": ("empty.txt", b"", "text/plain")}, "empty"),
    ({"upload": ("bin.txt", b"\x00\x01\x02" * 50, "text/plain")}, "binary"),
    ({"upload": ("cut.pdf", b"%PDF-1.7 no end", "application/pdf")}, "not a readable PDF"),
    ({"upload": ("big.txt", b"a" * (MAX_UPLOAD + 1), "text/plain")}, "upload limit"),
])
def test_bad_uploads_get_a_clear_message(client, files, words):
    page = client.post("/check", files=files)
    assert page.status_code == 400 and words in page.text and 'role="alert"' in page.text
    api = client.post("/api/check", files=files)
    assert api.status_code == 400 and words in api.json()["error"]


def test_empty_form_asks_for_input(client):
    page = client.post("/check", data={"text": "   "})
    assert page.status_code == 400 and "Paste notes or a letter" in page.text


def test_api_check_uses_the_command_line_json_schema(client):
    doc = client.post("/api/check", files={"upload": (NOTE.name, NOTE.read_bytes(), "text/plain")}).json()
    assert doc["schema_version"] == 1 and doc["errors"] == []
    [letter] = doc["letters"]
    [item] = letter["items"]
    assert item["predicted_decision"] == "certify" and "rationale_cites" in item and len(item["criteria"]) == 10


def test_api_check_text_and_evaluate(client):
    doc = client.post("/api/check-text", json={"text": NOTE.read_text()}).json()
    assert doc["letters"][0]["items"][0]["predicted_decision"] == "certify"
    decided = client.post("/api/evaluate", json={"facts": {"treatment": "trigger_point_injection", "injection_count": 5, "fibromyalgia": True}}).json()
    assert decided["decision"] == "non-certify" and {"TPI-5", "TPI-FM"} <= set(decided["cited"])
    bad = client.post("/api/evaluate", json={"facts": {"treatment": "trigger_point_injection", "prior_relief_percent": 140}})
    assert bad.status_code == 400 and "pain relief after the last injection (%): above the maximum 100" in bad.json()["error"]
    assert client.post("/api/evaluate", json={"facts": {}, "extra": 1}).status_code == 422
    assert client.post("/api/check").status_code == 400


def test_openapi_description_lists_the_api(client):
    spec = client.get("/openapi.json").json()
    assert {"/api/check", "/api/check-text", "/api/evaluate"} <= set(spec["paths"])
    assert client.get("/docs").status_code == 404  # no page that would load scripts from the web
