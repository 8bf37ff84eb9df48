"""The result readable in 30 seconds: what decided it, what to request right under it, plain reasons with
the machine detail one click away, headings that are whole."""
from __future__ import annotations

import json
import re

import pytest

from checker.interfaces.cli import main
from conftest import ROOT

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from checker.interfaces.web import create_app  # noqa: E402

NOTE_WRAPPED = ROOT / "corpus" / "letters" / "11-note-pr2-lumbar-initial-certify.txt"   # request wraps a line
TOO_SOON = ROOT / "corpus" / "letters" / "17-note-lumbar-repeat-too-soon.txt"


@pytest.fixture(scope="module")
def client():
    return TestClient(create_app())


def test_decision_box_names_the_deciding_criteria_and_the_request_list_follows_it(client):
    page = client.post("/evaluate", data={"treatment": "trigger_point_injection", "injection_count": "8", "repeat_request": "no", "substances": "lidocaine"}).text
    assert '<div class="decision-box non-certify" id="decision-box-1">' in page
    decided = re.search(r'id="decided-by-1">(.*?)</p>', page, re.S).group(1)
    ids = re.findall(r"<strong>([A-Z0-9-]+)</strong>", decided)
    assert ids == ["TPI-1", "TPI-2", "TPI-3", "TPI-5", "TPI-MPS"]
    assert "TPI-5</strong> not met" in decided and "TPI-1</strong> not documented" in decided
    after_box = page[page.index('id="decision-box-1"'):]
    assert after_box.index("<h3>Documentation to request</h3>") < after_box.index('<table aria-label="Criteria')


def test_each_reason_is_a_plain_sentence_with_the_detail_one_click_away(client):
    page = client.post("/evaluate", data={"treatment": "trigger_point_injection", "injection_count": "8", "repeat_request": "no", "substances": "lidocaine"}).text
    row = re.search(r'<tr class="row-not_documented">\s*<th scope="row">TPI-3</th>.*?</tr>', page, re.S).group(0)
    why = re.sub(r"\s+", " ", re.sub(r"<details>.*?</details>", "", row, flags=re.S))
    assert "No documentation of which medical management therapies (stretching, physical therapy, NSAIDs, muscle " \
           "relaxants, other medications) were tried, and that they failed to control the pain." in why
    assert "required: yes" not in why                                    # the machine detail is folded away
    detail = re.search(r"<details><summary>Detail</summary>(.*?)</details>", row, re.S).group(1)
    assert detail.count("not documented (required: yes) - not documented") == 6
    tpi5 = re.search(r'<th scope="row">TPI-5</th>.*?</tr>', page, re.S).group(0)
    assert "Not met: injections requested per session is 8 (required: ≤ 4)." in tpi5


def test_summary_sentences_are_in_the_json_too(capsys):
    main(["check", str(TOO_SOON), "--format", "json"])
    item = json.loads(capsys.readouterr().out)["letters"][0]["items"][0]
    summary = {c["id"]: c["summary"] for c in item["criteria"]}
    assert summary["TPI-1"] == ("Met: documented circumscribed trigger points on palpation, twitch response on "
                                "palpation and referred pain from the trigger points.")
    assert summary["TPI-7"].startswith("Not met: days from the last injection to the request is ")


def test_a_heading_from_a_wrapped_line_is_not_cut_mid_phrase(client, capsys):
    main(["check", str(NOTE_WRAPPED), "--format", "json"])
    title = json.loads(capsys.readouterr().out)["letters"][0]["items"][0]["title"]
    assert title == ("RFA submitted today: Trigger point injections x3 (right lumbar paraspinal x1, right quadratus "
                     "lumborum x2), 1% lidocaine 2 mL per point, CPT 20553.")
    page = client.post("/check", data={"text": NOTE_WRAPPED.read_text()}).text
    assert f'<h2 id="item-1">{title}</h2>' in page
