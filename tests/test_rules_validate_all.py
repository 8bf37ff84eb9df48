"""`checker rules validate` checks everything the engine and the extractor load: what it passes,
`evaluate` and `check` can run."""
from __future__ import annotations

import re
import shutil

import pytest

from checker.interfaces.cli import main
from conftest import ROOT, TPI_FILE


@pytest.fixture()
def rules_copy(tmp_path):
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    return tmp_path / "rules"


def _validate(capsys, folder):
    code = main(["rules", "validate", str(folder)])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def _edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1  # the line of the edit


def test_the_bundled_rules_pass(capsys):
    code, out, _ = _validate(capsys, ROOT / "rules")
    assert code == 0 and "extraction and audit patterns compiled" in out


@pytest.mark.parametrize("new,words", [
    ("lte: 1.0e-5", "exponent notation"),
    ("lte: .nan", "not a finite number"),
    ("lte: .inf", "not a finite number"),
    ("lte: 123456789012345678901234567890", "beyond 64 bits"),
])
def test_numbers_the_engine_cannot_take_are_refused_with_their_line(rules_copy, capsys, new, words):
    pack = rules_copy / TPI_FILE
    line = _edit(pack, "lte: 4", new)
    code, _, err = _validate(capsys, rules_copy)
    assert code == 2 and words in err and f"{pack}:{line}:" in err
    # and what validate refuses, evaluate refuses too (it never reaches the engine)
    assert main(["evaluate", "--rules", str(rules_copy), str(ROOT / "cases")]) == 2


def test_a_condition_too_large_to_compile_is_refused(rules_copy, capsys):
    pack = rules_copy / TPI_FILE
    leaves = ", ".join("{fact: injection_count, eq: %d}" % (n % 100 + 1) for n in range(20_000))
    _edit(pack, "{fact: injection_count, lte: 4}", "{any: [%s]}" % leaves)
    code, _, err = _validate(capsys, rules_copy)
    assert code == 2 and "the engine can compile" in err


@pytest.mark.parametrize("folder,name", [("extraction", "findings.yaml"), ("audit", "audit.yaml")])
def test_a_bad_regular_expression_in_the_extraction_or_audit_files_is_reported_at_its_line(rules_copy, capsys, folder, name):
    path = rules_copy / folder / name
    text = path.read_text(encoding="utf-8")
    start = text.index("\nfacts:") if folder == "extraction" else 0  # a fact's own pattern, not a placeholder
    m = re.compile(r"^(\s+(?:- )?\w+: )'([^'\n]{3,})'$", re.M).search(text, start)
    line = text[: m.start()].count("\n") + 1
    path.write_text(text[: m.start()] + m.group(1) + "'(unclosed'" + text[m.end():], encoding="utf-8")
    code, _, err = _validate(capsys, rules_copy)
    assert code == 2 and "invalid regular expression" in err and f"{path}:{line}:" in err, err
