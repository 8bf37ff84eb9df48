"""Shared fixtures: the bundled rules, one engine for the session, the sample corpus location, and
every rule pack (the bundled ones and the test packs under tests/packs/) for tests that run on each."""
from __future__ import annotations

import atexit
import contextlib
import functools
import os
import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path

import pytest

from checker.app import default_corpus
from checker.engine.durable import Engine
from checker.rules.rulepack import load_rules

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
CASES = ROOT / "cases"
# the sample letters: their hand-curated cases beside their expectations, in one place
SAMPLE_CASES = ROOT / "regress" / "samples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# test packs: tests/packs/esi3 is a whole rules folder (its own facts.yaml; a pack on which no rule
# fires for an empty case); tests/packs/esi2 is a pack folder over the shared facts, run as
# packs/esi2/ of a copy of the bundled rules (a pack with its own request recogniser)
TEST_PACKS = Path(__file__).resolve().parent / "packs"
RULES_FOLDERS = ("esi3",)
TPI_PACK = "mtus-2009-tpi"
TPI_FILE = Path("packs") / TPI_PACK / f"{TPI_PACK}.rules.yaml"   # the TPI pack's criteria, in a rules folder


def beside_bundled(pack_dir: Path, target: Path) -> Path:
    """A rules folder at `target`: a copy of the bundled rules with the pack folder added under packs/."""
    shutil.copytree(RULES, target)
    shutil.copytree(pack_dir, target / "packs" / pack_dir.name)
    return target


_BESIDE = Path(tempfile.mkdtemp(prefix="checker-test-packs-"))
atexit.register(shutil.rmtree, _BESIDE, True)
RULE_DIRS = (RULES, *(p if p.name in RULES_FOLDERS else beside_bundled(p, _BESIDE / p.name)
                      for p in sorted(TEST_PACKS.iterdir()) if p.is_dir()))


@functools.cache
def rules_at(path: Path):
    return load_rules(path)


@functools.cache
def engine_at(path: Path) -> Engine:
    return Engine(rules_at(path).packs)


def every_pack() -> list:
    """(rules folder, pack) for every pack of every rules folder the tests know, bundled first; each
    pack once (the bundled packs beside a test pack are the bundled ones again)."""
    out, seen = [], set()
    for d in RULE_DIRS:
        for p in rules_at(d).packs:
            if p.id not in seen:
                seen.add(p.id)
                out.append((d, p))
    return out


@pytest.fixture(scope="session")
def rules():
    return load_rules(RULES)


@pytest.fixture(scope="session")
def engine(rules):
    return Engine(rules.packs)


@pytest.fixture(scope="session")
def pack(rules):
    """The TPI pack, for the tests about its criteria in particular."""
    return next(p for p in rules.packs if p.id == TPI_PACK)


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
