"""End to end: the page in headless Chromium (Debian's package, driven by Playwright) on localhost."""
from __future__ import annotations

import os
import shutil
import socket
import threading
import time

import pytest

from conftest import ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
NOTE = ROOT / "corpus" / "letters" / "17-note-lumbar-repeat-too-soon.txt"
OUT = ROOT / "out"


@pytest.fixture(scope="module")
def server():
    pytest.importorskip("fastapi")
    import uvicorn

    from checker.web import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning", access_log=False)
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(100):
        if srv.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


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
