"""CI outputs: JUnit names that hold across runs, stale rule examples caught by `rules validate` and
`rules mutate`, `regress --update` that edits values in place, and one-line errors for `serve`."""
from __future__ import annotations

import re
import shutil
import socket
import xml.etree.ElementTree as ET

from checker.interfaces.cli import main
from conftest import ROOT, RULES, TPI_FILE

LETTER = ROOT / "corpus" / "letters" / "04-maximus-lumbar-initial-overturned"
LONG_TITLE = "Trigger point injections x3 to the right quadratus lumborum and gluteus medius"
OTHER_TITLE = "Trigger point impedance imaging of the lumbar spine"


def _run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def _letter_copy(tmp_path):
    folder = tmp_path / "letters"
    folder.mkdir()
    for suffix in (".txt", ".expected.yaml"):
        shutil.copy(LETTER.with_name(LETTER.name + suffix), folder)
    return folder, folder / (LETTER.name + ".expected.yaml")


def _ceiling_3(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    path = rules / TPI_FILE
    text = path.read_text()
    assert text.count("condition: {fact: injection_count, lte: 4}") == 1
    path.write_text(text.replace("condition: {fact: injection_count, lte: 4}", "condition: {fact: injection_count, lte: 3}"))
    return rules, path


def _names(path):
    return sorted(tc.get("name") for tc in ET.parse(path).getroot().iter("testcase"))


def test_junit_names_are_the_same_whether_or_not_an_item_drifts_and_never_cut(tmp_path, capsys):
    folder, expected = _letter_copy(tmp_path)
    code, _, _ = _run(capsys, "regress", folder, "--junit", tmp_path / "pass.xml")
    assert code == 0
    text = expected.read_text()
    assert text.count("TPI-5: met,") == 1
    expected.write_text(text.replace("TPI-5: met,", "TPI-5: not_met,"))
    code, _, _ = _run(capsys, "regress", folder, "--junit", tmp_path / "fail.xml")
    assert code == 1
    assert _names(tmp_path / "pass.xml") == _names(tmp_path / "fail.xml")
    assert LONG_TITLE in _names(tmp_path / "fail.xml") and len(LONG_TITLE) > 60
    assert OTHER_TITLE in _names(tmp_path / "pass.xml")      # an item with nothing evaluated is a test case too
    failed = [tc for tc in ET.parse(tmp_path / "fail.xml").getroot().iter("testcase") if tc.find("failure") is not None]
    assert [tc.get("name") for tc in failed] == [LONG_TITLE]


def test_rules_validate_reports_a_stale_example_at_its_line_and_column(tmp_path, capsys):
    rules, path = _ceiling_3(tmp_path)
    code, out, err = _run(capsys, "rules", "validate", rules)
    assert code == 2 and "OK" not in out
    lines = path.read_text().splitlines()
    at = next(i for i, line in enumerate(lines) if "four injections, on the ceiling" in line) + 3   # its expect: line
    assert lines[at - 1].strip() == "expect: met"
    col = lines[at - 1].index("met") + 1
    assert f"{path}:{at}:{col}: TPI-5: examples: example 'four injections, on the ceiling' expects met, " \
           "the rules give not_met" in err
    assert len(err.strip().splitlines()) == 1


def test_rules_validate_takes_rules_like_the_other_commands(tmp_path, capsys):
    code, out, _ = _run(capsys, "rules", "validate", "--rules", RULES)
    assert code == 0 and f"{RULES}: OK" in out
    rules, _ = _ceiling_3(tmp_path)
    assert _run(capsys, "rules", "validate", "--rules", rules)[0] == 2


def test_rules_mutate_fails_on_stale_rules(tmp_path, capsys):
    rules, path = _ceiling_3(tmp_path)
    code, out, err = _run(capsys, "rules", "mutate", "--rules", rules)
    assert code == 1 and re.search(r"mtus-2009-tpi: .*, [1-9]\d* survived", out)
    assert re.search(rf"stale expectation: {re.escape(str(path))}:\d+:\d+: TPI-5 expects met, the rules give not_met", err)
    assert "own-04-certify-initial-thresholds-91-days-4-injections.yaml: TPI-5 expects met" in err
    assert _run(capsys, "rules", "mutate")[0] == 0


def test_regress_update_changes_only_the_drifted_values(tmp_path, capsys):
    folder, expected = _letter_copy(tmp_path)
    before = expected.read_text()
    wrong = before.replace("TPI-5: met,", "TPI-5: not_met,").replace("  decision: certify", "  decision: non-certify")
    assert wrong.count("not_met,") == 1 and "decision: non-certify" in wrong
    expected.write_text(wrong)
    assert _run(capsys, "regress", folder)[0] == 1
    code, out, _ = _run(capsys, "regress", folder, "--update")
    assert code == 0 and "expectations updated" in out
    assert expected.read_text() == before        # the drifted values back, every comment and the layout kept
    assert _run(capsys, "regress", folder)[0] == 0


def test_regress_update_keeps_the_comment_after_a_value(tmp_path, capsys):
    case = tmp_path / "case.yaml"
    original = (ROOT / "regress" / "samples" / "sample-002-six-tpis.yaml").read_text()
    assert "    TPI-5: not_met\n" in original
    case.write_text(original.replace("    TPI-5: not_met\n", "    TPI-5: met          # a note on it\n"))
    _run(capsys, "regress", case, "--update")
    assert case.read_text() == original.replace("    TPI-5: not_met\n", "    TPI-5: not_met          # a note on it\n")


def test_serve_on_a_busy_port_is_one_line_and_exit_2(capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, out, err = _run(capsys, "serve", "--port", port)
    assert code == 2 and "serving on" not in out
    assert err.strip() == f"cannot listen on 127.0.0.1:{port}: the port is in use (choose another with --port)"
