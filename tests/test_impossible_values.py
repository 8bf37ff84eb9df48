"""Impossible values read from a letter are treated as a case file treats them: a warning naming the
fact and the position, never the letter's words, and the fact left not documented. Look-alike and
invisible characters in decision words are normalised before reading."""
from __future__ import annotations

import pytest

from checker.app import build_checker
from checker.reading.source import read_text
from conftest import ROOT, TPI_PACK

LETTER = ROOT / "corpus" / "letters" / "01-dwc-cervical-repeat-overturned.txt"


@pytest.fixture(scope="module")
def checker(rules):
    return build_checker(rules)


def _item(checker, text):
    result = checker.check_source(read_text(text, "letter.txt"))
    [item] = [i for i in result.items if i.pack == TPI_PACK]
    return item


def test_the_unchanged_letter_documents_the_facts_these_tests_break(checker):
    facts = _item(checker, LETTER.read_text(encoding="utf-8")).extraction.facts.facts
    assert facts["prior_relief_percent"].value == 70 and facts["prior_relief_weeks"].value == 8
    assert str(facts["prior_injection_date"].value) == "2015-05-20" and str(facts["injury_date"].value) == "2012-04-11"


@pytest.mark.parametrize("old,new,fact,why", [
    ("70% relief", "140% relief", "prior_relief_percent", "above the maximum 100"),
    ("70% relief", "1e308% relief", "prior_relief_percent", "exponent notation"),
    ("70% relief", "1e50% relief", "prior_relief_percent", "exponent notation"),
    ("lasting 8 weeks", "lasting 99999999999999999999 weeks", "prior_relief_weeks", "more digits"),
    ("lasting 8 weeks", "lasting 600 weeks", "prior_relief_weeks", "above the maximum 520"),
    ("5/20/15", "2/30/15", "prior_injection_date", "not a date on the calendar"),
    ("5/20/15", "5/20/2025", "prior_injection_date", "after the date of the document (2015-11-06)"),
    ("Date of Injury: 04/11/2012", "Date of Injury: 04/11/0001", "injury_date", "before the earliest possible date 1900-01-01"),
    ("Date of Injury: 04/11/2012", "Date of Injury: 02/30/2012", "injury_date", "not a date on the calendar"),
])
def test_an_impossible_value_is_warned_about_and_left_not_documented(checker, old, new, fact, why):
    text = LETTER.read_text(encoding="utf-8")
    assert old in text
    text = text.replace(old, new)
    item = _item(checker, text)
    assert fact not in item.extraction.facts.facts
    label = checker.rules.vocabulary.facts[fact].label
    warnings = [w for w in item.extraction.warnings if w.startswith(f"{label}: impossible value")]
    if not warnings and why == "more digits":
        return  # the patterns do not read a 20-digit number at all: not documented, nothing to warn about
    assert warnings and all(why in w and "left not documented" in w for w in warnings), item.extraction.warnings
    # where, by character offsets, never the letter's words
    assert all("at characters " in w and new not in w for w in warnings)

def test_a_relief_above_100_cannot_satisfy_tpi6(checker):
    text = LETTER.read_text(encoding="utf-8").replace("70% relief", "140% relief")
    status = {r.criterion.id: r.status for r in _item(checker, text).decision.results}
    assert status["TPI-6"] != "met"


def test_the_bound_is_data_a_higher_maximum_lets_the_value_through(tmp_path, rules):
    import shutil

    from checker.rules.rulepack import load_rules

    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    facts = tmp_path / "rules" / "facts.yaml"
    text = facts.read_text(encoding="utf-8")
    block = text[text.index("  prior_relief_weeks:"):]
    facts.write_text(text.replace(block, block.replace("max: 520", "max: 100000", 1)), encoding="utf-8")
    wide = build_checker(load_rules(tmp_path / "rules"))
    letter = LETTER.read_text(encoding="utf-8").replace("lasting 8 weeks", "lasting 600 weeks")
    assert _item(wide, letter).extraction.facts.facts["prior_relief_weeks"].value == 600


@pytest.mark.parametrize("trick", ["\u200b", "\u00ad", "\u2060", "cyrillic"])
def test_look_alike_and_invisible_characters_in_decision_words_are_normalised(checker, trick):
    text = LETTER.read_text(encoding="utf-8")
    plain = checker.check_source(read_text(text, "letter.txt"))
    word = "Overturned" if "Overturned" in text else "Upheld"
    tricked = word.replace("e", "\u0435") if trick == "cyrillic" else word[:2] + trick + word[2:]
    assert tricked != word and tricked in text.replace(word, tricked)
    result = checker.check_source(read_text(text.replace(word, tricked), "letter.txt"))
    assert [(i.title, i.letter_decision) for i in result.items] == [(i.title, i.letter_decision) for i in plain.items]
    assert any(i.letter_decision for i in result.items)


def test_a_word_wholly_in_another_script_is_left_alone():
    from checker.reading.confusables import normalise

    assert normalise("Москва") == "Москва" and normalise("Uph\u0435ld") == "Upheld"
