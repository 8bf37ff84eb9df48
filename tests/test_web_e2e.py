"""End to end: the page in headless Chromium (Debian's package, driven by Playwright) on localhost."""
from __future__ import annotations

import os
import shutil

import pytest

from conftest import ROOT, serve_locally

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
NOTE = ROOT / "corpus" / "letters" / "17-note-lumbar-repeat-too-soon.txt"
OUT = ROOT / "out"


@pytest.fixture(scope="module")
def server():
    pytest.importorskip("fastapi")
    from checker.interfaces.web import create_app

    with serve_locally(create_app()) as url:
        yield url


def test_paste_a_note_and_read_the_decision(server):
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (.ci/run installs Debian's chromium)")
        pytest.skip("chromium not installed")
    from playwright.sync_api import sync_playwright

    OUT.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-quic"])
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(server + "/")
        page.get_by_label("Paste clinical notes, a request for authorization or an IMR letter").fill(NOTE.read_text())
        page.keyboard.press("Tab")
        page.get_by_role("button", name="Check against the criteria").click()
        page.wait_for_selector(".decision")
        assert page.inner_text("#decision-1") == "NON-CERTIFY"
        rows = page.locator("table.criteria tbody tr")
        assert rows.count() == 10
        tpi7 = page.locator("table.criteria tbody tr", has_text="TPI-7")
        assert tpi7.locator("td").first.inner_text() == "Not met"
        assert "earliest date of the request meeting TPI-7" in page.inner_text("main")
        tpi7.get_by_role("link").first.click()
        assert page.evaluate("location.hash").startswith("#ev")
        page.screenshot(path=str(OUT / "web-e2e.png"), full_page=True)
        browser.close()
    assert (OUT / "web-e2e.png").stat().st_size > 10_000


CERTIFY_NOTE = ROOT / "corpus" / "letters" / "11-note-pr2-lumbar-initial-certify.txt"


def _browser(p):
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (.ci/run installs Debian's chromium)")
        pytest.skip("chromium not installed")
    return p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
        "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"])


def _statuses(page) -> dict[str, str]:
    rows = page.locator("table.criteria tbody tr")
    return {rows.nth(i).locator("th").inner_text(): rows.nth(i).locator("td").first.inner_text()
            for i in range(rows.count())}


def test_reviewer_corrects_a_fact_and_the_downloaded_case_evaluates_the_same(server, tmp_path):
    """The loop: paste a note, correct one fact with a reason, re-evaluate, see the decision change and the
    origin marked, download the case and evaluate it with the CLI to the same result."""
    import json
    import subprocess
    import sys

    from playwright.sync_api import sync_playwright

    OUT.mkdir(exist_ok=True)
    shots = []

    def shot(page, name, full_page=True):
        path = OUT / f"review-{len(shots) + 1}-{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        shots.append(path)

    with sync_playwright() as p:
        browser = _browser(p)
        page = browser.new_page(viewport={"width": 1200, "height": 900}, accept_downloads=True)
        page.goto(server + "/")
        page.get_by_label("Paste clinical notes, a request for authorization or an IMR letter").fill(CERTIFY_NOTE.read_text())
        page.get_by_role("button", name="Check against the criteria").click()
        page.wait_for_selector("#decision-1")
        assert page.inner_text("#decision-1") == "CERTIFY"
        twitch = page.locator("#fact-1-twitch_response")
        assert twitch.locator(".origin").inner_text() == "extracted"      # prefilled from the text, with its quote
        assert twitch.locator("a.quote").count() >= 1
        assert page.locator("#r1-twitch_response").input_value() == "yes"
        shot(page, "extracted")

        # a value the checks refuse comes back with its label, and what was entered is kept
        page.locator("#r1-twitch_response").select_option("no")
        page.locator("#r1-reason-twitch_response").fill("exam of 2015-03-03: no local twitch on palpation")
        page.locator("#r1-prior_relief_percent").fill("140")
        page.locator("#reevaluate-1").click()
        page.wait_for_selector("#review-error-1")
        assert "pain relief after the last injection (%): above the maximum 100" in page.inner_text("#review-error-1")
        assert page.locator("#r1-prior_relief_percent").input_value() == "140"
        assert page.locator("#r1-twitch_response").input_value() == "no"
        assert page.locator("#r1-reason-twitch_response").input_value().startswith("exam of 2015-03-03")
        shot(page, "refused")

        page.locator("#r1-prior_relief_percent").fill("")
        page.locator("#reevaluate-1").click()
        page.wait_for_selector("#changes-1")
        assert page.inner_text("#decision-1") == "NON-CERTIFY"
        assert "TPI-1" in page.inner_text("#decided-by-1")
        assert "no local twitch" in page.inner_text("#changes-1")
        assert page.locator("#fact-1-twitch_response .origin").inner_text() == "reviewer"
        assert "read from the text as: yes" in page.locator("#fact-1-twitch_response").inner_text()
        tpi1 = page.locator("table.criteria tbody tr", has_text="TPI-1")
        assert tpi1.locator("td").first.inner_text() == "Not met" and "reviewer" in tpi1.inner_text()
        on_page = _statuses(page)
        shot(page, "corrected")
        page.evaluate("window.scrollTo(0, 0)")
        shot(page, "corrected-top", full_page=False)
        page.locator("#fact-1-twitch_response").scroll_into_view_if_needed()
        page.evaluate("window.scrollBy(0, -300)")
        shot(page, "corrected-form", full_page=False)

        with page.expect_download() as info:
            page.locator("#download-1").click()
        case = tmp_path / info.value.suggested_filename
        info.value.save_as(case)

        page.set_viewport_size({"width": 390, "height": 844})
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.evaluate("window.scrollTo(0, 0)")
        shot(page, "phone", full_page=False)
        page.locator("#review-1").scroll_into_view_if_needed()
        shot(page, "phone-review", full_page=False)
        page.goto(server + "/")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        browser.close()

    run = subprocess.run([sys.executable, "-m", "checker.interfaces.cli", "evaluate", str(case), "--format", "json"],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 1, run.stderr                                   # non-certify
    evaluated = json.loads(run.stdout)["cases"][0]
    words = {"met": "Met", "not_met": "Not met", "not_documented": "Not documented", "not_applicable": "Not applicable"}
    assert {c["id"]: words[c["status"]] for c in evaluated["criteria"]} == on_page
    assert evaluated["review"][0]["fact"] == "twitch_response" and evaluated["review"][0]["reason"].startswith("exam of")
    twitch_use = next(e for c in evaluated["criteria"] for e in c["evidence"] if e["fact"] == "twitch_response")
    assert twitch_use["origin"] == "reviewer" and twitch_use["value"] is False
    assert all(s.stat().st_size > 10_000 for s in shots)
