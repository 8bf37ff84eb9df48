"""Auditor outputs: one finding for the follow-on items of a denied procedure, --output and --summary
that do what they say, a batch summary with the per-letter table, findings in plain English."""
from __future__ import annotations

import json

import pytest

from checker.interfaces.cli import main
from conftest import FIXTURES

FOLLOW_ON = FIXTURES / "follow_on" / "shoulder-surgery-follow-on.txt"
AUDIT = FIXTURES / "audit"


def _run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def _uncited(letter):
    return ([("letter", f["message"]) for f in letter["findings"] if f["code"] == "no-guideline-cited"]
            + [(i["title"], f["message"]) for i in letter["items"] for f in i["findings"] if f["code"] == "no-guideline-cited"])


def test_follow_on_items_without_a_citation_give_one_finding_per_letter(capsys):
    _, out, _ = _run(capsys, "audit", FOLLOW_ON, "--format", "json", "--fail-on", "never")
    found = _uncited(json.loads(out)["letters"][0])
    assert found == [
        ("letter", "3 follow-on items of another requested procedure cite no guideline: Associated surgical service: "
                   "Shoulder sling; Associated surgical service: Cold therapy unit, 7 day rental; Post-operative "
                   "physical therapy, 12 sessions"),
        ("TENS unit for home use", "the item cites no guideline"),   # not a follow-on item: its own finding
    ]


def test_a_real_letter_with_fourteen_follow_on_items_has_one_finding(corpus, capsys):
    letter = corpus / "dwc-2016-2017" / "pdf" / "CM17-0014449.pdf"
    if not letter.is_file():
        pytest.skip("the DWC letters are not in the shared corpus")
    _, out, _ = _run(capsys, "audit", letter, "--format", "json", "--fail-on", "never")
    [(where, message)] = _uncited(json.loads(out)["letters"][0])
    assert where == "letter" and message.startswith("14 follow-on items")


def test_findings_name_who_cites_in_english(capsys):
    _, out, _ = _run(capsys, "audit", AUDIT / "07-guideline-citation-mismatch.txt", "--fail-on", "never")
    assert "the MAXIMUS reviewer cites Shoulder Complaints for a lumbar" in out
    assert "the maximus cites" not in out


@pytest.mark.parametrize("fmt,starts", [("markdown", "# IMR letter audit\n"), ("json", "{"), ("text", str(AUDIT))])
def test_output_file_is_written_in_the_format_asked_for(tmp_path, capsys, fmt, starts):
    target = tmp_path / "report.out"
    code, out, _ = _run(capsys, "audit", AUDIT, "--format", fmt, "--output", target, "--fail-on", "never")
    assert code == 0 and out == ""
    text = target.read_text()
    assert text.startswith(starts)
    if fmt != "json":
        with pytest.raises(ValueError):
            json.loads(text.splitlines()[0])


def test_output_without_format_is_json_lines_and_streaming_refuses_other_formats(tmp_path, capsys):
    target = tmp_path / "results.jsonl"
    assert _run(capsys, "audit", AUDIT, "--output", target, "--fail-on", "never")[0] == 0
    assert all(json.loads(line)["path"] for line in target.read_text().splitlines())
    code, _, err = _run(capsys, "audit", AUDIT, "--format", "markdown", "--jobs", "2", "--output", target)
    assert code == 2 and "--format markdown cannot be combined with --jobs or --resume" in err


def test_summary_without_output_is_written(tmp_path, capsys):
    summary = tmp_path / "summary.md"
    code, out, _ = _run(capsys, "audit", AUDIT, "--summary", summary, "--fail-on", "never")
    assert code == 0 and out.startswith(str(AUDIT))            # the text report still on standard output
    text = summary.read_text()
    assert text.startswith("# IMR letter audit") and "| letter | findings | codes |" in text
    assert "| 11-no-guideline-cited.txt | 1 | no-guideline-cited |" in text


def test_batch_summary_has_the_per_letter_table_of_the_markdown_format(tmp_path, capsys):
    summary = tmp_path / "summary.md"
    _run(capsys, "audit", AUDIT, "--output", tmp_path / "r.jsonl", "--summary", summary, "--fail-on", "never")
    _, markdown, _ = _run(capsys, "audit", AUDIT, "--format", "markdown", "--fail-on", "never")
    batch = summary.read_text()
    table = markdown[markdown.index("| letter | findings | codes |"):]
    assert table in batch and table.count("\n") > 5
    assert batch.replace("# IMR letter audit (batch)", "# IMR letter audit") == markdown
