"""Bounded readers: alias bombs, device files, FIFOs and links to them, sizes enforced while reading,
a case file's letter confined to the corpus folder; messages never carry the file's words."""
from __future__ import annotations

import os

import pytest

from checker.interfaces.cli import main
from checker.core.errors import InputError, ValidationFailure
from checker.core.safeio import read_limited
from checker.rules.yamlsrc import load_yaml_text
from conftest import ROOT

BOMB = "".join(f"{chr(97 + i)}: &{chr(97 + i)} [{', '.join([f'*{chr(96 + i)}'] * 9) if i else ', '.join(['lol'] * 9)}]\n"
               for i in range(9))


def _run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def test_an_alias_bomb_is_refused_with_a_clear_error():
    with pytest.raises(ValidationFailure) as info:
        load_yaml_text(BOMB, "bomb.yaml")
    assert "once aliases are expanded" in str(info.value)


def test_a_small_alias_is_still_read():
    assert load_yaml_text("a: &x [1, 2]\nb: *x\n", "ok.yaml").data == {"a": [1, 2], "b": [1, 2]}


@pytest.mark.parametrize("command", ["evaluate", "rules-validate", "check"])
def test_special_files_are_refused_before_reading(tmp_path, capsys, command):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    link = tmp_path / "zero.yaml"
    link.symlink_to("/dev/zero")
    for target in (fifo, link):
        if command == "rules-validate":
            folder = tmp_path / f"rules-{target.stem}"
            import shutil
            shutil.copytree(ROOT / "rules", folder)
            (folder / "facts.yaml").unlink()
            (folder / "facts.yaml").symlink_to(target)
            code, _, err = _run(capsys, "rules", "validate", folder)
        elif command == "check":
            letter = tmp_path / f"{target.stem}.txt"
            letter.symlink_to(target)
            code, _, err = _run(capsys, "check", letter)
        else:
            code, _, err = _run(capsys, "evaluate", target)
        assert code == 2 and ("FIFO" in err or "device" in err), err


def test_the_size_limit_is_enforced_on_the_bytes_read_not_on_stat():
    # /proc files report a size of 0 and still hold bytes
    status = "/proc/self/status"
    if not os.path.exists(status) or os.stat(status).st_size != 0:
        pytest.skip("needs a file whose stat size is 0")
    with pytest.raises(InputError, match="over the limit of 16 bytes"):
        read_limited(status, 16)


def test_a_case_cannot_make_the_checker_read_outside_the_corpus(tmp_path, capsys):
    case = tmp_path / "case.yaml"
    case.write_text("schema: checker/case/1\nid: x\ntitle: t\nsource:\n  letter: ../../../../../../etc/passwd\n"
                    "  item: t\nfacts:\n  injection_count: {value: 2, quote: 'root:x:0:0'}\n", encoding="utf-8")
    code, _, err = _run(capsys, "evaluate", "--corpus", tmp_path, case)
    assert code == 2 and "x: source.letter: the letter must be inside the corpus folder" in err
    assert "root:x" not in err


def test_a_quote_missing_from_the_letter_is_reported_without_its_words(tmp_path, capsys):
    (tmp_path / "letter.txt").write_text("The patient reports neck pain.\n", encoding="utf-8")
    case = tmp_path / "case.yaml"
    case.write_text("schema: checker/case/1\nid: x\ntitle: t\nsource:\n  letter: letter.txt\n  item: t\n"
                    "facts:\n  injection_count: {value: 2, quote: 'Mrs Secretname has two sites'}\n"
                    "  twitch_response: 'Mrs Othername twitches'\n", encoding="utf-8")
    code, _, err = _run(capsys, "evaluate", "--corpus", tmp_path, case)
    assert code == 2 and "quote not found" in err and "expected true or false, got text" in err
    assert "Secretname" not in err and "Othername" not in err
