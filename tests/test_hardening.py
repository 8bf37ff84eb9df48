"""Hardening: a seeded fuzz run, unsafe YAML, no network, folders that cannot be escaped, no patient
text in messages or logs, deterministic output."""
from __future__ import annotations

import json
import logging
import os
import socket
import sys

import pytest

from checker.interfaces.cli import main
from checker.core.errors import CheckerError, ValidationFailure
from checker.rules.yamlsrc import load_yaml_text
from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))


def test_seeded_fuzz_run_has_no_crash_and_no_hang(corpus):
    from fuzz import Fuzzer

    fuzzer = Fuzzer(seed=7, time_limit=20.0)
    messages = []
    out = fuzzer.run(0, 300, report=messages.append)
    fuzzer.close()
    assert out["crash"] == [] and out["hang"] == [] and out["wrong"] == [], messages
    assert len(out["ok"]) > 100 and len(out["error"]) > 20  # both paths exercised


@pytest.mark.parametrize("text", [
    "a: !!python/object/apply:os.system ['echo pwned']\n",
    "a: !!python/name:os.system\n",
    "!!binary aGVsbG8=\n",
])
def test_yaml_tags_that_would_run_code_are_refused(text):
    with pytest.raises(ValidationFailure) as info:
        load_yaml_text(text, "evil.yaml")
    assert "evil.yaml:1:" in str(info.value)


def test_checking_needs_no_network(monkeypatch, capsys, corpus):
    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    assert main(["audit", "--fail-on", "never", str(corpus / "imr" / "001_8e0a74b3a70ff754.txt")]) == 0
    assert "Item 1:" in capsys.readouterr().out


def test_a_folder_cannot_be_escaped_through_links(tmp_path, capsys):
    inside, outside = tmp_path / "batch", tmp_path / "elsewhere"
    inside.mkdir()
    outside.mkdir()
    (outside / "secret.txt").write_text("Plan: trigger point injections x3 with lidocaine.\n")
    (inside / "ok.txt").write_text("Plan: trigger point injections x2 with lidocaine to the trapezius.\n")
    os.symlink(outside / "secret.txt", inside / "link.txt")
    os.symlink(outside, inside / "linked-folder")
    main(["audit", "--format", "jsonl", "--fail-on", "never", str(inside)])
    paths = [json.loads(line)["path"] for line in capsys.readouterr().out.splitlines()]
    assert paths == [str(inside / "ok.txt")]


def test_error_messages_and_logs_carry_no_patient_text(tmp_path, capsys, caplog):
    secret = "Jane Q. Sample, DOB 01/02/1960, diagnosis fibromyalgia"
    bad = tmp_path / "bad.txt"
    bad.write_bytes(secret.encode() + b"\x00" * 50)
    latin = tmp_path / "latin.txt"
    latin.write_bytes(secret.encode() + " caf\xe9".encode("latin-1"))
    note = tmp_path / "note.txt"
    note.write_text(f"{secret}. Plan: trigger point injections x3 with lidocaine.\n")
    with caplog.at_level(logging.DEBUG):
        for path in (bad, latin):
            assert main(["check", str(path)]) == 2
        main(["audit", "--format", "jsonl", "--output", str(tmp_path / "r.jsonl"), str(note)])
    err = capsys.readouterr().err
    assert "Jane" not in err and "fibromyalgia" not in err
    assert all("Jane" not in r.getMessage() and "fibromyalgia" not in r.getMessage() for r in caplog.records)


def test_same_input_gives_byte_identical_output(capsys, corpus):
    runs = []
    for _ in range(2):
        main(["check", "--format", "json", str(corpus / "imr"), str(ROOT / "corpus" / "letters")])
        runs.append(capsys.readouterr().out)
    assert runs[0] == runs[1] and len(runs[0]) > 10000


def test_a_letter_with_hundreds_of_items_is_refused_quickly(tmp_path, capsys, corpus):
    base = (corpus / "imr" / "002_8b2a3e9d9f9e1e33.txt").read_text()
    start = base.index("TPI 20553")
    huge = tmp_path / "joined.txt"
    huge.write_text(base[:start] + (base[start:] + "\n") * 1000)
    assert main(["check", str(huge)]) == 2
    assert "1001 disputed items, more than the 200 a letter can hold" in capsys.readouterr().err


@pytest.mark.parametrize("family", ["page", "rule_numbers", "bomb", "special", "impossible_values"])
def test_each_hostile_input_family_gives_a_result_or_a_clear_error(corpus, family):
    import random

    from fuzz import Fuzzer, WrongAnswer  # noqa: F401  (a wrong answer fails the test)

    fuzzer = Fuzzer(seed=11, time_limit=20.0)
    outcomes = []
    try:
        for n in range(12):
            try:
                outcomes.append(getattr(fuzzer, family)(n, random.Random(f"11:{family}:{n}"))
                                if family != "page" else fuzzer.page(random.Random(f"11:{family}:{n}")))
            except CheckerError:
                outcomes.append("error")
    finally:
        fuzzer.close()
    assert len(outcomes) == 12 and set(outcomes) <= {"ok", "error"}
    if family in ("bomb", "special"):
        assert outcomes == ["error"] * 12  # never read
