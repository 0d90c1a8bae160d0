"""Time expressions: German ordinal dates, abbreviations, ranges, relative phrases, eras."""
from __future__ import annotations

import datetime as dt

from checker.checks import extract_times


def _one(text: str, lang: str, published: dt.date | None = None):
    refs = extract_times(text, lang, published)
    assert len(refs) == 1, refs
    return refs[0]


def test_checks_dates_reads_5_februar_ordinal():
    ref = _one("Am Donnerstag, dem 5. Februar, fand in Peking ein Gespräch statt.", "de")
    # No year and no publication date: day and month kept, not placed on the calendar.
    assert ref.parts == (None, 2, 5)
    assert ref.granularity == "day"
    assert not ref.resolved


def test_checks_dates_reads_5_februar_with_publication_date():
    ref = _one("Am 5. Februar fand ein Treffen statt.", "de", dt.date(2025, 3, 1))
    assert (ref.start, ref.end) == (dt.date(2025, 2, 5), dt.date(2025, 2, 5))
    earlier = _one("Am 5. Februar fand ein Treffen statt.", "de", dt.date(2025, 1, 10))
    assert earlier.start == dt.date(2024, 2, 5)  # the latest 5 February before publication


def test_checks_dates_reads_5_februar_2024():
    ref = _one("Am 5. Februar 2024 fand ein Treffen statt.", "de")
    assert ref.start == dt.date(2024, 2, 5) and ref.granularity == "day"


def test_checks_dates_reads_sept_abbreviation_with_month_granularity():
    for text in ("The visit took place in Sept 2023.", "The visit took place in Sept. 2023.", "Biden visited in September 2023."):
        ref = _one(text, "en")
        assert (ref.start, ref.end, ref.granularity) == (dt.date(2023, 9, 1), dt.date(2023, 9, 30), "month"), text
    assert _one("Der Besuch fand im September 2023 statt.", "de").describe() == "2023-09"


def test_checks_dates_in_2016_is_a_year():
    ref = _one("In 2016, the US completely lifted the arms embargo.", "en")
    assert (ref.start, ref.end, ref.granularity) == (dt.date(2016, 1, 1), dt.date(2016, 12, 31), "year")


def test_checks_dates_seit_2013_is_open_range():
    ref = _one("Seit 2013 besteht eine umfassende Partnerschaft.", "de")
    assert ref.kind == "since" and ref.start == dt.date(2013, 1, 1) and ref.end is None
    assert _one("They have been partners since 2013.", "en").describe() == "since 2013"


def test_checks_dates_decade_ago_needs_publication_date():
    unresolved = _one("They set up the partnership a decade ago.", "en")
    assert not unresolved.resolved and unresolved.kind == "relative"
    ref = _one("They set up the partnership a decade ago.", "en", dt.date(2023, 4, 23))
    assert ref.start.year <= 2013 <= ref.end.year


def test_checks_dates_letzten_vier_jahren_is_a_range_before_publication():
    ref = _one("In den letzten vier Jahren hat die Regierung viel investiert.", "de", dt.date(2024, 6, 1))
    assert (ref.start, ref.end) == (dt.date(2020, 6, 1), dt.date(2024, 6, 1))
    assert not _one("In den letzten vier Jahren wurde viel investiert.", "de").resolved


def test_checks_dates_reads_year_ranges_in_both_languages():
    assert _one("Zwischen 2014 und 2016 wurde verhandelt.", "de").describe() == "2014–2016"
    ref = _one("The talks ran from 2010 to 2012.", "en")
    assert (ref.start, ref.end, ref.kind) == (dt.date(2010, 1, 1), dt.date(2012, 12, 31), "range")


def test_checks_dates_day_range_after_month():
    ref = _one("Blinken visited Hanoi on April 14–16, 2023.", "en")
    assert (ref.start, ref.end) == (dt.date(2023, 4, 14), dt.date(2023, 4, 16))


def test_checks_dates_biden_administration_is_an_era_in_both_languages():
    for text, lang in (("Die Biden-Regierung hob das Embargo auf.", "de"), ("The Biden administration lifted it.", "en")):
        ref = _one(text, lang)
        assert ref.kind == "era" and ref.actor == "USA"
        assert (ref.start, ref.end) == (dt.date(2021, 1, 20), dt.date(2025, 1, 19))


def test_checks_dates_era_with_two_terms_needs_publication_date():
    assert not _one("The Trump administration imposed tariffs.", "en").resolved
    ref = _one("The Trump administration imposed tariffs.", "en", dt.date(2019, 5, 1))
    assert ref.start == dt.date(2017, 1, 20)


def test_checks_dates_numeric_german_date_is_day_month_year():
    assert _one("Das Abkommen trat am 12.03.2024 in Kraft.", "de").start == dt.date(2024, 3, 12)


def test_checks_dates_late_1980s_is_part_of_a_decade():
    ref = _one("Cooperation began in the late 1980s.", "en")
    assert (ref.start.year, ref.end.year) == (1986, 1989)


def test_checks_dates_counted_number_is_not_a_year():
    assert extract_times("The army sent 2000 soldiers.", "en") == ()


def test_checks_dates_reads_british_day_month_order():
    ref = _one("The summit was held on 3 June 2019 in Hanoi.", "en")
    assert ref.parts == (2019, 6, 3) and ref.granularity == "day" and ref.start == dt.date(2019, 6, 3)
    ref = _one("The awards were handed out on 28 February.", "en", dt.date(2020, 3, 5))
    assert ref.start == dt.date(2020, 2, 28)
