"""Shared fixtures: the bundled rules, one engine for the session, the sample corpus location."""
from __future__ import annotations

import os
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
