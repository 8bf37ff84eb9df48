"""Date parsing: the forms seen in letters, partial dates, impossible dates, running text."""
from datetime import date

import pytest
from hypothesis import given, strategies as st

from checker.reading.dates import DATE_PATTERN, find_dates, letter_dates, parse_date, parse_partial


@pytest.mark.parametrize("text, expected", [
    ("3/29/05", date(2005, 3, 29)),
    ("11-3-10", date(2010, 11, 3)),
    ("02/14/2011", date(2011, 2, 14)),
    ("10-11-2016", date(2016, 10, 11)),
    ("November 8, 1996", date(1996, 11, 8)),
    ("Nov. 8, 1996", date(1996, 11, 8)),
    ("Nov 8 1996", date(1996, 11, 8)),
    ("8 November 1996", date(1996, 11, 8)),
    ("2015-02-09", date(2015, 2, 9)),
    ("Sept 3, 2015", date(2015, 9, 3)),
    ("  12/07/2016. ", date(2016, 12, 7)),
])
def test_full_dates(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("1/1/49", date(2049, 1, 1)),   # 00-49 -> 2000s
    ("1/1/50", date(1950, 1, 1)),   # 50-99 -> 1900s
    ("6/18/96", date(1996, 6, 18)),
    ("1-2-00", date(2000, 1, 2)),
])
def test_two_digit_year_pivot(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", [
    "2/30/2015", "13/1/10", "0/5/2014", "December 2014", "2014", "", "n/a", "1/2", "7.5-325", "L4-5",
    "10/325mg", "3/29-05",
])
def test_not_full_dates(text):
    assert parse_date(text) is None


def test_partial_dates_give_first_day_and_precision():
    assert parse_partial("December 2014") == (date(2014, 12, 1), "month")
    assert parse_partial("Dec. 2014") == (date(2014, 12, 1), "month")
    assert parse_partial("2014") == (date(2014, 1, 1), "year")
    assert parse_partial("3/29/05") == (date(2005, 3, 29), "day")
    assert parse_partial("February 30, 2014") is None
    assert parse_partial("soon") is None


def test_find_dates_in_running_text_with_offsets():
    text = ("Injured on November 8,\n\n1996; UR dated 10-30-\n2016. Norco 10/325mg, L4-5, 1-2 times, "
            "seen December 2014 and 2015-02-09.")
    found = find_dates(text)
    assert [d for _, _, d in found] == [date(1996, 11, 8), date(2016, 10, 30), date(2015, 2, 9)]
    for start, end, _ in found:
        assert parse_date(text[start:end]) is not None
    assert text[found[0][0]:found[0][1]] == "November 8,\n\n1996"


def test_pattern_finds_partial_expressions_too():
    kinds = [m.group(0) for m in DATE_PATTERN.finditer("in December 2014 and on 3/4/15")]
    assert kinds == ["December 2014", "3/4/15"]


def test_find_dates_skips_impossible_dates():
    assert find_dates("seen 2/30/2015 and 2/28/2015") == [(19, 28, date(2015, 2, 28))]


@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2049, 12, 31)))
def test_roundtrip_numeric_forms(d):
    assert parse_date(f"{d.month}/{d.day}/{d.year}") == d
    assert parse_date(f"{d.month:02d}-{d.day:02d}-{d.year % 100:02d}") == d
    assert parse_date(d.isoformat()) == d
    assert parse_date(d.strftime("%B %d, %Y")) == d


@given(st.text(max_size=60))
def test_never_raises(s):
    parse_date(s)
    parse_partial(s)
    find_dates(s)


def test_letter_dates_header_wins_over_prose():
    text = ("Date of Injury:  03/04/2012\nUR Denial Date: 5/6/14\n\nSUMMARY\n"
            "He was injured on 7/8/2011. Utilization review dated 9-28-15 non-certified it.")
    header_end = text.index("SUMMARY")
    found = letter_dates(text, header_end, [(header_end, len(text))])
    assert {k: v[2] for k, v in found.items()} == {"injury": date(2012, 3, 4), "ur_denial": date(2014, 5, 6)}
    start, end, _ = found["injury"]
    assert text[start:end] == "03/04/2012"


def test_letter_dates_from_prose_only():
    text = ("This is a 40 year old with a date of injury on 11-3-10. On 2/6/2015, Utilization Review "
            "evaluated the request.")
    found = letter_dates(text, 0, [(0, len(text))])
    assert {k: v[2] for k, v in found.items()} == {"injury": date(2010, 11, 3), "ur_denial": date(2015, 2, 6)}
    chall = "The utilization review determination being challenged is dated 2/27/14."
    assert letter_dates(chall, 0, [(0, len(chall))])["ur_denial"][2] == date(2014, 2, 27)
    partial = "She was injured in December 2014."
    assert letter_dates(partial, 0, [(0, len(partial))])["injury"][2] is None
