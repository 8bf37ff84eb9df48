"""The faster paths keep their answers: compact JSON for programs, patterns compiled once, lazy start-up."""
from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from checker.batch import json_line
from checker.cli import main
from conftest import ROOT

LETTER = ROOT / "corpus" / "letters" / "02-dwc-lumbar-radicular-upheld.txt"
CASE = ROOT / "cases" / "own" / "own-01-certify-initial-lumbar-lidocaine.yaml"


@pytest.mark.parametrize("args", [["check", LETTER], ["audit", LETTER], ["evaluate", CASE]])
def test_json_is_compact_for_a_program_and_indented_at_a_terminal(args, capsys, monkeypatch):
    command, rest = args[0], [str(a) for a in args[1:]]
    main([command, "--format", "json", *rest])
    piped = capsys.readouterr().out
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    main([command, "--format", "json", *rest])
    terminal = capsys.readouterr().out
    assert json.loads(piped) == json.loads(terminal)
    assert piped.count("\n") == 1 and '", "' not in piped and '": ' not in piped
    assert terminal.startswith('{\n  "schema_version": 1')
    assert len(piped) < 0.75 * len(terminal)


def test_a_results_line_is_compact_sorted_and_one_line():
    line = json_line({"path": "a.txt", "items": [{"b": 1, "a": "x\ny"}]})
    assert line == '{"items":[{"a":"x\\ny","b":1}],"path":"a.txt"}\n'


def test_substance_classes_are_compiled_once_not_per_call(rules, monkeypatch):
    lexicon = rules.vocabulary.lexicons["substances"]
    assert lexicon.classes_in("lidocaine") == {"local_anesthetic"}  # builds the patterns
    re.purge()

    def refuse(*args, **kwargs):
        raise AssertionError("a pattern compiled while classifying")

    monkeypatch.setattr(re, "compile", refuse)
    monkeypatch.setattr(re, "search", refuse)
    assert lexicon.classes_in("1% Lidocaine with 40 mg Kenalog") == {"local_anesthetic", "steroid"}
    assert lexicon.classes_in("lidocaine-free") == frozenset()  # whole words only, as before
    assert lexicon.classes_in("xylidocaine") == frozenset()


def test_start_up_stays_lazy():
    """The command line starts without the NLP, the engine, PDFium or pypdf; reading a PDF starts PDFium
    in its helper, never in the checker's process."""
    code = ("import sys; from checker.cli import main; from checker import source; "
            "heavy = [m for m in ('spacy', 'medspacy', 'durable', 'pypdf', 'pypdfium2', 'pydantic') if m in sys.modules]; "
            "print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == ""
