"""No traceback, ever: output paths that cannot be written, time limits and ports that are not
numbers, FIFOs, a resume file that is not ours; resuming is keyed on the resolved path and the summary
counts what the results file already holds."""
from __future__ import annotations

import json
import os

import pytest

from checker.interfaces.cli import main
from conftest import ROOT
from test_batch import LETTERS, folder  # noqa: F401  (the fixture)

NOTE = ROOT / "corpus" / "letters" / "11-note-pr2-lumbar-initial-certify.txt"


def _run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "0", "soon"])
def test_a_time_limit_that_is_not_a_positive_number_is_a_usage_error(capsys, value):
    with pytest.raises(SystemExit) as info:
        main(["audit", "--time-limit", value, "--jobs", "1", str(NOTE)])
    assert info.value.code == 2 and "expected a positive number of seconds" in capsys.readouterr().err


@pytest.mark.parametrize("port", ["99999", "0", "http"])
def test_serve_refuses_an_impossible_port(capsys, port):
    with pytest.raises(SystemExit) as info:
        main(["serve", "--port", port])
    assert info.value.code == 2 and "port number from 1 to 65535" in capsys.readouterr().err


def test_output_paths_that_cannot_be_written_are_clear_errors(tmp_path, capsys):
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    targets = [tmp_path, a_file / "under.jsonl"]
    if os.path.exists("/dev/full"):
        targets.append("/dev/full")
    if os.geteuid() != 0:  # root writes into read-only folders
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o555)
        targets.append(ro / "out.jsonl")
    for target in targets:
        code, _, err = _run(capsys, "audit", "--output", target, NOTE)
        assert code == 2 and "cannot write" in err, (target, err)
    code, _, err = _run(capsys, "extract", "--output", a_file, NOTE)
    assert code == 2 and "cannot write" in err


def test_a_fifo_given_directly_is_refused(tmp_path, capsys):
    fifo = tmp_path / "letter.txt"
    os.mkfifo(fifo)
    code, _, err = _run(capsys, "check", fifo)
    assert code == 2 and "FIFO" in err


def test_a_resume_file_that_is_not_utf8_is_a_clear_error(folder, tmp_path, capsys):
    out = tmp_path / "out.jsonl"
    out.write_bytes(b'{"path": "\xff\xfe"}\n')
    code, _, err = _run(capsys, "audit", "--output", out, "--resume", folder)
    assert code == 2 and "not UTF-8" in err and "cannot resume" in err


def test_resuming_with_a_relative_path_after_an_absolute_one_adds_no_duplicates(folder, tmp_path, capsys, monkeypatch):
    out = tmp_path / "out.jsonl"
    _run(capsys, "audit", "--output", out, folder / LETTERS[0].name, folder / LETTERS[1].name)
    monkeypatch.chdir(folder.parent)
    code, _, _ = _run(capsys, "audit", "--output", out, "--resume", "letters")
    paths = [os.path.realpath(json.loads(line)["path"]) for line in out.read_text().splitlines()]
    assert sorted(paths) == sorted(os.path.realpath(folder / p.name) for p in LETTERS)


def test_after_a_resume_the_summary_and_exit_code_count_the_earlier_errors(folder, tmp_path, capsys):
    (folder / "zz-broken.pdf").write_bytes(b"%PDF-1.7 cut short")
    out = tmp_path / "out.jsonl"
    code, first, _ = _run(capsys, "audit", "--output", out, folder)
    assert code == 2 and "unreadable: 1" in first
    code, again, _ = _run(capsys, "audit", "--output", out, "--resume", folder)
    assert code == 2 and "unreadable: 1" in again and f"{len(LETTERS) + 1} of them audited before resuming" in again


def test_a_document_over_a_million_characters_is_read(rules):
    from checker.extraction.nlp import Assertions
    from checker.extraction.patterns import load_patterns

    assertions = Assertions(load_patterns(rules.root, rules.vocabulary).modifiers)
    text = "no twitch response " + "pain " * 240_000
    [cats] = assertions.categories(text, [((0, len(text)), (3, 18))])
    assert "NEGATED_EXISTENCE" in cats
