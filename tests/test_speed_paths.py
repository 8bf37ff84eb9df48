"""The faster paths keep their answers: compact JSON for programs, patterns compiled once, gated and
equivalent sets and loops, lazy start-up."""
from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.interfaces.batch import json_line
from checker.interfaces.cli import main
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
    code = ("import sys; from checker.interfaces.cli import main; from checker.reading import source; "
            "heavy = [m for m in ('spacy', 'medspacy', 'durable', 'pypdf', 'pypdfium2', 'pydantic') if m in sys.modules]; "
            "print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == ""


def test_the_control_character_set_is_the_unicode_categories_it_replaces():
    import unicodedata

    from checker.reading.source import _CONTROLS

    for code in range(0x110000):
        ch = chr(code)
        expected = ch not in "\n\r\t\f\v" and unicodedata.category(ch) in ("Cc", "Cs", "Co")
        assert bool(_CONTROLS.match(ch)) == expected, hex(code)


def _flatten_by_character(text: str) -> tuple[str, list[int]]:
    """The previous _flatten, one character at a time: the reference."""
    out: list[str] = []
    where: list[int] = []
    previous_space = False
    for ch in text:
        where.append(len(out))
        if ch.isspace():
            if not previous_space:
                out.append(" ")
            previous_space = True
        else:
            out.append(ch)
            previous_space = False
    where.append(len(out))
    return "".join(out), where


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab. \t\n\r\x0b\x0c\x1c\x85\u00a0\u2003\u3000\u200bx")), max_size=40))
def test_flatten_gives_what_the_character_loop_gave(text):
    from checker.extraction.nlp import _flatten

    assert _flatten(text) == _flatten_by_character(text)


def test_every_gated_pattern_of_the_extraction_is_exact_on_the_corpus(rules):
    """Beyond the finding patterns: sentence filters, request words, therapy outcomes, titles, regions."""
    from checker.extraction.extract import Segment
    from checker.extraction.patterns import load_patterns
    from checker.extraction.prefilter import Prefiltered

    p = load_patterns(rules.root, rules.vocabulary)
    gated = [p.request_words, p.failed, p.works, p.plan_heading, p.guideline,
             p.rule_words, p.patient] + [rx for _, rx in p.regions + p.sides] \
        + [r.requires for r in p.bools + p.values if r.requires] + [r.unless for r in p.bools + p.values if r.unless]
    assert all(isinstance(rx, Prefiltered) for rx in gated)
    from checker.app import build_checker

    extractor = build_checker(rules).extractor
    texts = [f.read_text(encoding="utf-8") for f in sorted((ROOT / "corpus").rglob("*.txt"))]
    for text in texts:
        for s, e in extractor.sentences(text, Segment("notes", 0, len(text))):
            for rx in gated:
                assert [m.span() for m in rx.finditer(text, s, e)] == [m.span() for m in rx.regex.finditer(text, s, e)]


def test_findings_that_share_a_requires_share_one_pattern(rules):
    """The extractor searches each shared `requires` once per sentence, telling them apart by identity."""
    from checker.extraction.patterns import load_patterns

    p = load_patterns(rules.root, rules.vocabulary)
    with_requires = [r for r in p.bools + p.values if r.requires is not None]
    by_text = {r.requires.pattern for r in with_requires}
    assert len(with_requires) > len(by_text)
    assert len({id(r.requires) for r in with_requires}) == len(by_text)


def test_every_audit_pattern_is_gated_and_exact_on_the_letters(rules):
    from checker.audit.auditor import load_audit_rules
    from checker.extraction.extract import Segment
    from checker.extraction.prefilter import Prefiltered

    r = load_audit_rules(rules.root)
    gated = [v for v in vars(r).values() if isinstance(v, Prefiltered)]
    for v in vars(r).values():
        if isinstance(v, dict):
            gated += [x for x in v.values() if isinstance(x, Prefiltered)]
            gated += [x for pair in v.values() if isinstance(pair, tuple) for x in pair if isinstance(x, Prefiltered)]
    assert len(gated) > 20 and any(g.words is not None for g in gated)
    from checker.app import build_checker

    extractor = build_checker(rules).extractor
    folders = [ROOT / "corpus" / "letters", ROOT / "tests" / "fixtures" / "audit"]
    for text in [f.read_text(encoding="utf-8") for folder in folders for f in sorted(folder.glob("*.txt"))]:
        for s, e in extractor.sentences(text, Segment("rationale", 0, len(text))):
            sentence = text[s:e]
            for rx in gated:
                assert [m.span() for m in rx.finditer(sentence)] == [m.span() for m in rx.regex.finditer(sentence)]


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab-. \t\n\rx")), max_size=40))
def test_folding_a_window_gives_the_string_flatten_gives(text):
    from checker.extraction.extract import flatten, folded

    assert folded(text) == flatten(text, 0, len(text))[0]


def test_context_skips_only_sentences_where_it_would_find_nothing(rules):
    """A sentence without a modifier phrase is not given to spaCy; every target of every corpus sentence
    gets the categories it gets when every sentence is analysed."""
    from checker.app import build_checker
    from checker.extraction.extract import Segment
    from checker.extraction.nlp import Assertions

    checker = build_checker(rules)
    gated = checker.extractor.assertions
    everything = Assertions(gated._modifiers)
    everything._may_modify = lambda sentence: True
    texts = [f.read_text(encoding="utf-8") for f in sorted((ROOT / "corpus").rglob("*.txt"))]
    skipped = found = 0
    for text in texts:
        sentences = checker.extractor.sentences(text, Segment("notes", 0, len(text)))
        targets = [((s, e), (s + m.start(), s + m.end())) for s, e in sentences
                   for m in list(re.finditer(r"\w{5,}", text[s:e]))[:4]]
        assert gated.categories(text, targets) == everything.categories(text, targets)
        skipped += sum(not gated._may_modify(text[s:e]) for s, e in sentences)
        found += sum(map(bool, everything.categories(text, targets)))
    assert skipped and found  # both paths are taken

