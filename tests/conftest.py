"""Shared fixtures: the bundled rules, one engine for the session, the sample corpus location."""
from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from pathlib import Path

import pytest

from checker.case import default_corpus
from checker.engine import Engine
from checker.rulepack import load_rules

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
CASES = ROOT / "cases"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def rules():
    return load_rules(RULES)


@pytest.fixture(scope="session")
def engine(rules):
    return Engine(rules.packs)


@pytest.fixture(scope="session")
def pack(rules):
    return rules.packs[0]


@pytest.fixture(scope="session")
def corpus() -> Path:
    path = default_corpus()
    if not (path / "imr").is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"sample corpus not found at {path}")
        pytest.skip(f"sample corpus not found at {path}")
    return path


@contextlib.contextmanager
def serve_locally(app, start_wait: float = 5.0, stop_wait: float = 10.0):
    """Run `app` with uvicorn in a thread on a free loopback port; yields the base URL."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + start_wait
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=stop_wait)
