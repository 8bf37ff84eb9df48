"""Batch auditing: deterministic JSON lines whatever the process count, bad files reported while the
rest completes, interrupted runs resumed without loss or duplicates, a time limit per letter."""
from __future__ import annotations

import json
import shutil

import pytest

from checker.interfaces.cli import main
from conftest import ROOT

LETTERS = sorted((ROOT / "corpus" / "letters").glob("*.txt"))[:6]


@pytest.fixture()
def folder(tmp_path):
    d = tmp_path / "letters"
    d.mkdir()
    for p in LETTERS:
        shutil.copy(p, d / p.name)
    return d


def _audit(capsys, *args):
    code = main(["audit", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def test_output_is_identical_with_one_and_two_processes(folder, tmp_path, capsys):
    _audit(capsys, "--jobs", "1", "--output", tmp_path / "one.jsonl", folder)
    _audit(capsys, "--jobs", "2", "--output", tmp_path / "two.jsonl", folder)
    one, two = (tmp_path / "one.jsonl").read_bytes(), (tmp_path / "two.jsonl").read_bytes()
    assert one == two
    records = [json.loads(line) for line in one.decode().splitlines()]
    assert [r["path"] for r in records] == [str(folder / p.name) for p in LETTERS]
    assert all("items" in r for r in records)


def test_a_bad_file_is_reported_and_the_rest_completes(folder, tmp_path, capsys):
    (folder / "zz-broken.pdf").write_bytes(b"%PDF-1.7 cut short")
    code, out, err = _audit(capsys, "--format", "jsonl", folder)
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 2 and len(records) == len(LETTERS) + 1
    [bad] = [r for r in records if "error" in r]
    assert bad["path"].endswith("zz-broken.pdf") and "not a readable PDF" in bad["error"]
    assert "not a readable PDF" in err


def test_an_interrupted_batch_resumes_without_loss_or_duplicates(folder, tmp_path, capsys):
    full = tmp_path / "full.jsonl"
    _audit(capsys, "--output", full, folder)
    lines = full.read_text().splitlines(True)
    partial = tmp_path / "partial.jsonl"
    partial.write_text("".join(lines[:3]) + lines[3][: len(lines[3]) // 2])  # killed mid-write
    code, out, _ = _audit(capsys, "--output", partial, "--resume", folder)
    assert partial.read_bytes() == full.read_bytes()
    # the summary covers the whole results file, the letters audited before resuming included
    assert f"Letters audited: {len(lines)};" in out and "3 of them audited before resuming" in out
    _, whole, _ = _audit(capsys, "--output", tmp_path / "again.jsonl", folder)
    assert out.replace("; 3 of them audited before resuming", "") == whole


def test_resume_refuses_a_file_it_did_not_write(folder, tmp_path, capsys):
    other = tmp_path / "notes.jsonl"
    other.write_text("hello\n")
    code, _, err = _audit(capsys, "--output", other, "--resume", folder)
    assert code == 2 and "not a results file written by checker" in err


def test_each_letter_has_a_time_limit(tmp_path, capsys):
    pdf = ROOT / "corpus" / "letters" / "06-professional-upper-back-two-issues.pdf"
    code, out, _ = _audit(capsys, "--format", "jsonl", "--time-limit", "0.001", pdf)
    [record] = [json.loads(line) for line in out.splitlines()]
    assert code == 2 and "not finished within the 0.001 s limit per letter" in record["error"]


def test_no_progress_line_when_output_is_not_a_terminal(folder, capsys):
    _, out, err = _audit(capsys, "--format", "jsonl", folder)
    assert "\r" not in out and "\r" not in err and "letters/s" not in err


def test_bad_batch_options_are_usage_errors(folder, capsys):
    with pytest.raises(SystemExit) as info:
        _audit(capsys, "--jobs", "0", folder)
    assert info.value.code == 2
    assert _audit(capsys, "--resume", folder)[0] == 2
