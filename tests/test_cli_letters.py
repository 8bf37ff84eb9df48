"""`checker check` and `checker extract` on letters and notes: output, round trip, bad files."""
from __future__ import annotations

import json
import shutil

import pytest

from checker.interfaces.cli import main
from conftest import ROOT, TPI_PACK

CORPUS = ROOT / "corpus" / "letters"
NOTE = CORPUS / "11-note-pr2-lumbar-initial-certify.txt"
LETTER = CORPUS / "02-dwc-lumbar-radicular-upheld.txt"


def _run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_check_json_follows_the_shared_schema(capsys):
    code, out, err = _run(capsys, "check", "--format", "json", LETTER)
    doc = json.loads(out)
    assert code == 1 and err == "" and doc["schema_version"] == 1 and doc["errors"] == []
    [letter] = doc["letters"]
    assert letter["layout"] == "dwc" and letter["dates"]["injury"]["value"]
    tpi = [i for i in letter["items"] if i["rule_pack"] == TPI_PACK]
    others = [i for i in letter["items"] if i["rule_pack"] != TPI_PACK]
    assert len(tpi) == 1 and others
    assert all((i["predicted_decision"] is None) == (i["rule_pack"] is None) for i in others)
    [item] = tpi
    assert item["letter_decision"] == "upheld" and item["predicted_decision"] == "non-certify"
    assert {c["id"] for c in item["criteria"]} >= {"TPI-1", "TPI-4", "TPI-FM"}
    assert item["request"]["injection_count"] == 5
    text = LETTER.read_text(encoding="utf-8")
    for fact in item["facts"].values():
        for ev in fact["evidence"]:
            assert " ".join(text[ev["start"]:ev["end"]].split()) == " ".join(ev["quote"].split())
    assert [e["date"] for e in item["timeline"]] == sorted(e["date"] for e in item["timeline"])


def test_check_certifiable_note_exits_0(capsys):
    code, out, _ = _run(capsys, "check", NOTE)
    assert code == 0 and "Predicted decision: CERTIFY" in out


def test_extract_output_is_a_case_that_evaluate_accepts(tmp_path, capsys):
    code, out, _ = _run(capsys, "extract", "--output", tmp_path, NOTE)
    assert code == 0
    [case_file] = sorted(tmp_path.glob("*.yaml"))
    code_check, check_out, _ = _run(capsys, "check", "--format", "json", NOTE)
    # the letter is read again from the folder named by --corpus: a case file cannot point outside it
    code_eval, eval_out, _ = _run(capsys, "evaluate", "--format", "json", "--corpus", str(NOTE.parent), case_file)
    checked = json.loads(check_out)["letters"][0]["items"][0]
    evaluated = json.loads(eval_out)["cases"][0]
    assert code_check == code_eval == 0
    assert [(c["id"], c["status"]) for c in checked["criteria"]] == [(c["id"], c["status"]) for c in evaluated["criteria"]]


def test_extract_on_text_without_a_request_exits_2(tmp_path, capsys):
    path = tmp_path / "note.txt"
    path.write_text("Follow-up visit. Neck pain improving with physical therapy. Return in 4 weeks.\n")
    code, _, err = _run(capsys, "extract", path)
    assert code == 2 and "no trigger point injection request found" in err


def _truncated_pdf(tmp_path):
    data = (CORPUS / "01-dwc-cervical-repeat-overturned.pdf").read_bytes()
    path = tmp_path / "cut.pdf"
    path.write_bytes(data[: len(data) // 2])
    return path


def _locked_pdf(tmp_path):
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(str(CORPUS / "01-dwc-cervical-repeat-overturned.pdf")))
    writer.encrypt("a-real-password")
    path = tmp_path / "locked.pdf"
    with path.open("wb") as fh:
        writer.write(fh)
    return path


def _huge(tmp_path):
    path = tmp_path / "huge.txt"
    with path.open("wb") as fh:
        fh.truncate(50 * 1024 * 1024)  # sparse: 50 MB on paper, nothing on disk
    return path


def _file(name, data):
    def make(folder):
        path = folder / name
        path.write_bytes(data)
        return path
    return make


@pytest.mark.parametrize("make,words", [
    (_file("empty.txt", b""), "empty"),
    (_file("bin.txt", b"\x00\x01\x02\x03" * 100), "binary"),
    (_file("latin1.txt", "Diagnose: l\xe9sion".encode("latin-1")), "not UTF-8"),
    (_truncated_pdf, "not a readable PDF"),
    (_locked_pdf, "password-protected"),
    (_huge, "over the limit"),
])
def test_bad_letters_exit_2_with_one_clear_message(tmp_path, capsys, make, words):
    path = make(tmp_path)
    code, out, err = _run(capsys, "check", path)
    assert code == 2 and words in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 and err.startswith(str(path))


def test_folder_with_one_bad_letter_checks_the_rest(tmp_path, capsys):
    shutil.copy(NOTE, tmp_path / "a-note.txt")
    (tmp_path / "b-broken.pdf").write_bytes(b"%PDF-1.4 broken")
    code, out, err = _run(capsys, "check", "--format", "json", tmp_path)
    doc = json.loads(out)
    assert code == 2
    assert [l["path"] for l in doc["letters"]] == [str(tmp_path / "a-note.txt")]
    assert [e["path"] for e in doc["errors"]] == [str(tmp_path / "b-broken.pdf")]
    assert "not a readable PDF" in err


def test_score_command_prints_the_accuracy_table(capsys):
    code, out, _ = _run(capsys, "score", CORPUS)
    assert code == 0 and "criterion statuses right" in out and "all facts" in out
