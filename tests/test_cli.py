"""The command line: exit codes, output formats, and bad input as one clear message."""
from __future__ import annotations

import json
import shutil

import pytest

from checker.interfaces.cli import main
from conftest import CASES, SAMPLE_CASES


def _run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_evaluate_noncertify_exits_1_with_readable_table(capsys):
    code, out, err = _run(capsys, "evaluate", str(SAMPLE_CASES / "sample-002-six-tpis.yaml"))
    assert code == 1 and err == ""
    assert "Predicted decision: NON-CERTIFY" in out and "physician review" in out
    assert "  TPI-5     NOT MET         Not more than 3-4 injections per session" in out
    assert "largest request meeting TPI-5: injections requested per session 4 (requested 6)" in out


def test_evaluate_certify_exits_0(capsys):
    certify = [p for p in sorted((CASES / "own").glob("*.yaml")) if "decision: certify" in p.read_text()]
    assert certify
    code, out, _ = _run(capsys, "evaluate", *map(str, certify))
    assert code == 0 and f"{len(certify)} case(s): {len(certify)} certify, 0 non-certify" in out


def test_evaluate_json_schema(capsys):
    code, out, _ = _run(capsys, "evaluate", "--format", "json", str(SAMPLE_CASES / "sample-000-cervical.yaml"))
    doc = json.loads(out)
    assert code == 1 and doc["schema_version"] == 1
    [case] = doc["cases"]
    assert case["decision"] == "non-certify" and case["guideline"]["pages"] == [122]
    statuses = {c["id"]: c["status"] for c in case["criteria"]}
    assert statuses["TPI-6"] == "not_met" and statuses["TPI-4"] == "met"
    tpi6 = next(c for c in case["criteria"] if c["id"] == "TPI-6")
    [weeks] = [e for e in tpi6["evidence"] if e["fact"] == "prior_relief_weeks"]
    [quote] = weeks["quotes"]
    assert quote["quote"].startswith("stated 90 percent relief") and quote["end"] > quote["start"] > 0
    assert set(case["cited"]) >= {"TPI-1", "TPI-3", "TPI-6"}


def test_output_is_deterministic(capsys):
    first = _run(capsys, "evaluate", "--format", "json", str(CASES))
    second = _run(capsys, "evaluate", "--format", "json", str(CASES))
    assert first == second


def test_folder_with_one_bad_case_reports_it_and_evaluates_the_rest(tmp_path, capsys):
    shutil.copy(SAMPLE_CASES / "sample-003-neck.yaml", tmp_path / "a.yaml")
    (tmp_path / "b.yaml").write_text("schema: checker/case/1\nid: broken\ntitle: t\nfacts:\n  relief: 140\n")
    code, out, err = _run(capsys, "evaluate", str(tmp_path))
    assert code == 2
    assert "1 case(s): 0 certify, 1 non-certify, 1 unreadable" in out
    assert f"{tmp_path / 'b.yaml'}:5:3: broken: facts.relief: unknown fact 'relief'" in err


@pytest.mark.parametrize("content,words", [
    (b"", "empty file"),
    (b"\x00\x01\x02binary", "binary content"),
    (b"id: \xff\xfe bad", "not UTF-8 text (bad byte at offset 4)"),
    (b"- just\n- a list\n", "expected a mapping at the top of the file"),
    (b"schema: checker/case/1\nid: x\ntitle: t\nfacts:\n  prior_relief_percent: 140\n", "5:25: x: facts.prior_relief_percent: above the maximum 100"),
    (b"schema: checker/case/1\nid: x\ntitle: t\nfacts:\n  injury_date: '2015-01-01'\n  request_date: '2014-01-01'\n",
     "is before date of injury"),
])
def test_bad_case_files_exit_2_with_one_message(tmp_path, capsys, content, words):
    path = tmp_path / "case.yaml"
    path.write_bytes(content)
    code, out, err = _run(capsys, "evaluate", str(path))
    assert code == 2 and words in err and "Traceback" not in err


def test_missing_case_file_exits_2(capsys, tmp_path):
    code, _, err = _run(capsys, "evaluate", str(tmp_path / "nope.yaml"))
    assert code == 2 and "no such file or folder" in err


def test_usage_error_exits_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["evaluate", "--format", "xml", "x.yaml"])
    assert info.value.code == 2


def test_no_command_prints_help_and_exits_2(capsys):
    code, _, err = _run(capsys)
    assert code == 2 and "usage: checker" in err


def test_rules_list_and_show(capsys):
    code, out, _ = _run(capsys, "rules", "list")
    assert code == 0 and "TPI-MPS" in out and "in force 2009-07-18 to 2016-07-27" in out
    code, out, _ = _run(capsys, "rules", "show", "TPI-7")
    assert code == 0 and '"(7) Frequency should not be at an interval less than two months"' in out
    assert "days from the last injection to the request ≥ 60 days" in out and "not_applicable  first injection" in out


def test_rules_show_unknown_id_suggests(capsys):
    code, _, err = _run(capsys, "rules", "show", "TPI-9")
    assert code == 2 and "no criterion 'TPI-9'" in err and "did you mean" in err
