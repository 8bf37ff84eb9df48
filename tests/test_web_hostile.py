"""The page under hostile input: bodies capped while streaming, no request body echoed in an error,
every check in a worker process under a time limit, so a costly file never holds up other requests."""
from __future__ import annotations

import asyncio
import sys
import threading
import time

import pytest

pytest.importorskip("fastapi")
import httpx  # noqa: E402

from checker.interfaces.web import MAX_BODY, BodyLimit, create_app  # noqa: E402
from conftest import ROOT, serve_locally  # noqa: E402

sys.path.insert(0, str(ROOT / "scripts"))
NOTE = ROOT / "corpus" / "letters" / "11-note-pr2-lumbar-initial-certify.txt"


def _through_limit(chunks, headers=()):
    """Send an endless or long body through BodyLimit; return (status, bytes the middleware read, app called)."""
    read, called, sent = [0], [False], []

    async def app(scope, receive, send):
        called[0] = True

    async def receive():
        chunk = next(chunks)
        read[0] += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/api/check-text", "headers": list(headers)}
    asyncio.run(BodyLimit(app, MAX_BODY)(scope, receive, send))
    return sent[0]["status"], read[0], called[0]


def test_an_endless_body_is_refused_after_reading_at_most_the_cap():
    endless = iter(lambda: b"x" * 65536, None)
    status, read, called = _through_limit(endless)
    assert status == 413 and not called and read <= MAX_BODY + 65536


def test_a_declared_length_over_the_cap_is_refused_before_reading():
    status, read, called = _through_limit(iter(lambda: b"x", None), [(b"content-length", str(10 ** 9).encode())])
    assert status == 413 and read == 0 and not called


@pytest.fixture(scope="module")
def server():
    app = create_app(workers=2, time_limit=3.0)
    app.state.workers.start()
    with serve_locally(app, start_wait=10.0, stop_wait=20.0) as url:
        yield url


@pytest.mark.parametrize("path,kwargs", [
    ("/api/check-text", {"content": b'{"text": "' + b"a" * (30 * 1024 * 1024) + b'"}',
                         "headers": {"content-type": "application/json"}}),
    ("/check", {"files": {"upload": ("big.txt", b"a" * (30 * 1024 * 1024), "text/plain")}}),
])
def test_bodies_over_the_cap_get_413_with_a_message(server, path, kwargs):
    answer = httpx.post(server + path, timeout=60, **kwargs)
    assert answer.status_code == 413 and "larger than the 5 MB limit" in answer.text


def test_a_rejected_request_is_never_echoed(server):
    secret = "Mrs Quintessa Secretname"
    for body in ({"text": 123, "name": secret}, {"text": secret, "extra": secret}, {"facts": secret}):
        path = "/api/evaluate" if "facts" in body else "/api/check-text"
        answer = httpx.post(server + path, json=body, timeout=30)
        assert answer.status_code == 422 and "Secretname" not in answer.text and "problems" in answer.json()


def test_a_costly_pdf_gets_a_clear_error_within_the_limit_and_does_not_hold_up_other_requests(server):
    from hostile import costly_pdf

    finished = {}

    def costly():
        answer = httpx.post(server + "/api/check", files={"upload": ("costly.pdf", costly_pdf(), "application/pdf")}, timeout=60)
        finished["costly"] = (time.monotonic(), answer.status_code, answer.json())

    thread = threading.Thread(target=costly)
    thread.start()
    time.sleep(0.3)  # the costly upload is in a worker by now
    probe = httpx.post(server + "/api/check-text", json={"text": NOTE.read_text(encoding="utf-8")}, timeout=60)
    probe_done = time.monotonic()
    thread.join(timeout=60)
    assert probe.status_code == 200 and probe.json()["letters"][0]["items"][0]["predicted_decision"] == "certify"
    done, status, body = finished["costly"]
    # a clear error either way: the time limit, or the PDF reader's own refusal of the file
    assert status in (400, 422) and body["error"]
    if status == 422:
        assert "limit per request" in body["error"] and probe_done < done  # answered while it still ran


def test_a_date_beyond_the_bounds_is_a_clear_error_not_a_server_error(server):
    for facts in ({"request_date": "9999-12-01"}, {"prior_injection_date": "0001-01-01", "repeat_request": True}):
        answer = httpx.post(server + "/api/evaluate", json={"facts": facts}, timeout=30)
        assert answer.status_code == 400 and "possible date" in answer.json()["error"]
    page = httpx.post(server + "/evaluate", data={"request_date": "9999-12-01"}, timeout=30)
    assert page.status_code == 400 and "after the latest possible date 2100-12-31" in page.text
