"""The required-words prefilter: a necessary condition, never a missed match."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.app import default_corpus
from checker.extraction.extract import Segment
from checker.extraction.patterns import load_patterns
from checker.extraction.prefilter import Gate, Prefiltered, required_words

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("pattern,flags,words", [
    (r"foo|bar", 0, {"foo", "bar"}),
    (r"a+bcd", 0, {"bcd"}),
    (r"(?:x)?abc\b", 0, {"abc"}),
    (r"Relief", re.I, {"relief"}),
    (r"(?<![\w-])(?:trigger\s+points?|TPIs?)(?![\w-])", re.I, {"trigger", "tpi"}),
    (r"(?P<n>\d+)\s*(?:injections|shots)", 0, {"injections", "shots"}),
    (r"(?:ab)+cdef", 0, {"cdef"}),
    (r"\d+", 0, None),             # nothing literal
    (r"foo|\d", 0, None),           # one alternative needs no word
    (r"(?:foo)?\d", 0, None),       # an optional word is not required
    (r"ab", 0, None),               # too short to be worth a test
    (r"caf\u00e9s", 0, None),       # a word with a letter outside ASCII: always scanned
    (r"\u00e9t\u00e9", 0, None),    # not ASCII
    (r"walk\w*\s+\d+\s*(?:->|\u2192)", 0, {"walk"}),  # another element's non-ASCII or short words do not hide it
])
def test_required_words(pattern, flags, words):
    assert required_words(pattern, flags) == (None if words is None else frozenset(words))


def test_a_sentence_without_the_words_is_not_scanned_and_one_with_them_is():
    rx = Prefiltered(re.compile(r"(?:reduced|decreased)\s+by\s+(?P<n>\d+)%", re.I))
    assert not rx.may_match("Pain was 7/10 today.")
    assert rx.may_match("Pain REDUCED by 60%.")
    assert [m.group("n") for m in rx.finditer("x. Pain reduced by 60%. y", 3, 24)] == ["60"]
    # with IGNORECASE a Kelvin sign matches "k" and a dotless i matches "i": such text is always scanned
    kelvin = Prefiltered(re.compile(r"kenalog", re.I))
    assert kelvin.regex.search("\u212aenalog") and kelvin.may_match("\u212aenalog")
    dotless = Prefiltered(re.compile(r"injection", re.I))
    assert dotless.regex.search("\u0130njection") and dotless.may_match("\u0130njection")


def _texts() -> list[str]:
    folders = [ROOT / "corpus", ROOT / "tests" / "fixtures", default_corpus() / "imr"]
    return [p.read_text(encoding="utf-8") for folder in folders for p in sorted(folder.rglob("*.txt"))]


def test_every_finding_pattern_finds_the_same_on_every_sentence_of_every_corpus(rules):
    from checker.app import build_checker

    extractor = build_checker(rules).extractor
    patterns = load_patterns(rules.root, rules.vocabulary)
    finders = patterns.bools + patterns.therapies + patterns.values + patterns.dates
    assert all(isinstance(r.regex, Prefiltered) for r in finders)
    assert sum(r.regex.words is not None for r in finders) > len(finders) // 2  # most patterns are gated
    texts = _texts()
    assert len(texts) > 40
    skipped = compared = 0
    for text in texts + [t.upper() for t in texts[:10]]:
        for s, e in extractor.sentences(text, Segment("notes", 0, len(text))):
            for r in finders:
                compared += 1
                skipped += not r.regex.may_match(text, s, e)
                assert [m.span() for m in r.regex.finditer(text, s, e)] == [m.span() for m in r.regex.regex.finditer(text, s, e)]
    assert skipped > compared // 2


def test_the_gate_gives_exactly_the_patterns_whose_own_test_passes_on_every_sentence_of_every_corpus(rules):
    from checker.app import build_checker

    extractor = build_checker(rules).extractor
    patterns = load_patterns(rules.root, rules.vocabulary)
    finders = patterns.bools + patterns.therapies + patterns.values + patterns.dates
    gate = Gate(finders, lambda rx: rx.regex)
    narrowed = 0
    for text in _texts() + [t.upper() for t in _texts()[:10]] + ["Pain r\u00e9duced by 60% after TPIs."]:
        for s, e in extractor.sentences(text, Segment("notes", 0, len(text))):
            sentence = text[s:e]
            expected = tuple(r for r in finders if r.regex.may_match(sentence))
            assert gate.candidates(sentence) == expected
            narrowed += len(expected) < len(finders)
    assert narrowed  # the gate does refuse patterns


_PIECES = st.sampled_from(["ab", "abc", "Kel", "sit", "int", "\\b", "\\s+", "\\d", "[a-z]", ".", "(?=abc)",
                           "(?<!x)", "x?", "(?:abc|sit)", "(?:int)+", "(?:Kel)*", "(?i:ABC)", "$", "^"])
_TEXT = st.text(alphabet="abcdefiklnstxKSI \u212a\u017f\u0130\u0131.0123", max_size=30)


@settings(max_examples=400, deadline=None)
@given(pieces=st.lists(_PIECES, min_size=1, max_size=5), alternative=st.lists(_PIECES, max_size=3),
       ignore=st.booleans(), text=_TEXT, cut=st.integers(0, 30))
def test_the_prefilter_never_refuses_a_text_the_pattern_matches(pieces, alternative, ignore, text, cut):
    pattern = "".join(pieces) + ("|" + "".join(alternative) if alternative else "")
    rx = Prefiltered(re.compile(pattern, re.I if ignore else 0))
    for pos, endpos in ((0, len(text)), (min(cut, len(text)), len(text)), (0, min(cut, len(text)))):
        if rx.regex.search(text, pos, endpos):
            assert rx.may_match(text, pos, endpos), (pattern, text, pos, endpos)


@settings(max_examples=200, deadline=None)
@given(patterns=st.lists(st.lists(_PIECES, min_size=1, max_size=4), min_size=1, max_size=6), text=_TEXT)
def test_a_gate_over_any_patterns_agrees_with_each_pattern_s_own_test(patterns, text):
    compiled = [Prefiltered(re.compile("".join(p), re.I)) for p in patterns]
    assert Gate(compiled).candidates(text) == tuple(r for r in compiled if r.may_match(text))
