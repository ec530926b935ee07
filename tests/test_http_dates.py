"""HTTP dates: ``parse_date``, ``http_date``, ``date_header_now`` and
``If-Range`` dates, compiled and pure twin against Werkzeug 3.1.

``parse_date`` reads the IMF-fixdate layout directly and hands every other
value to :func:`email.utils.parsedate_to_datetime`, as Werkzeug does, so the
fast path is checked hardest: every generated valid date, each field out of
range, two-digit years and case variations.
"""
from __future__ import annotations

import time
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from werkzeug.http import http_date as werkzeug_http_date

from _headerimpls import MODULES, check

FUZZ = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])

PARSE_EXAMPLES = [
    None, "", " ", "Sun, 06 Nov 1994 08:49:37 GMT", "sun, 06 nov 1994 08:49:37 GMT",
    "SUN, 06 NOV 1994 08:49:37 GMT", "Xyz, 06 Nov 1994 08:49:37 GMT",
    "Sun, 06 Xyz 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 gmt",
    "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 06 Nov 1994 08:49:37 +0200",
    "Sun, 06 Nov 1994 08:49:37 -0000", "Sun, 06 Nov 1994 08:49:37 EST",
    "Sun, 06 Nov 1994 08:49:37 +9999", "Sun, 06 Nov 1994 08:49:37 +99999999999999999999",
    "Sun, 06 Nov 1994 08:49:37", "Sun, 6 Nov 1994 08:49:37 GMT", " Sun, 06 Nov 1994 08:49:37 GMT",
    "Sun, 06 Nov 1994 08:49:37 GMT ", "Sun,06 Nov 1994 08:49:37 GMT",
    "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994", "Sun Nov 6 08:49:37 1994",
    "Sun, 06 Nov 0094 08:49:37 GMT", "Sun, 06 Nov 0068 08:49:37 GMT",
    "Sun, 06 Nov 0069 08:49:37 GMT", "Sun, 06 Nov 0000 08:49:37 GMT",
    "Sun, 06 Nov 0100 08:49:37 GMT", "Sun, 06 Nov 9999 23:59:59 GMT",
    "Sun, 29 Feb 2000 00:00:00 GMT", "Sun, 29 Feb 1900 00:00:00 GMT",
    "Sun, 29 Feb 2024 00:00:00 GMT", "Sun, 30 Feb 2024 00:00:00 GMT",
    "Sun, 31 Apr 2024 00:00:00 GMT", "Sun, 00 Nov 1994 08:49:37 GMT",
    "Sun, 32 Jan 1994 08:49:37 GMT", "Sun, 06 Nov 1994 24:00:00 GMT",
    "Sun, 06 Nov 1994 23:60:00 GMT", "Sun, 06 Nov 1994 23:59:60 GMT",
    "Sun, 06 Nov 1994 08:49:3x GMT", "Sun, 06 Nov 19 4 08:49:37 GMT",
    "Sun, ٠6 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08.49.37 GMT", "Sun, 06 Nov 1994 08:49 GMT",
    "06 Nov 1994 08:49:37 GMT", "Nov 06 1994 08:49:37 GMT", "Sun, 06 November 1994 08:49:37 GMT",
    "Sun, 06 Nov 99999 08:49:37 GMT", "Sun, 06 Nov " + "9" * 30 + " 08:49:37 GMT",
    "Sun\x00 06 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 GMT\n", "\ud800" * 29,
    "é" * 29, "a" * 29, "1" * 29, "Sun, 06 Nov 1994 08:49:37 G\u00c9T",
]


@pytest.mark.parametrize("value", PARSE_EXAMPLES, ids=repr)
def test_parse_date_examples(value):
    check("parse_date", value)
    check("parse_if_range_header", value)


@pytest.mark.parametrize("bad", [b"Sun, 06 Nov 1994 08:49:37 GMT", 5, 0, ["x"]])
def test_parse_date_non_str(bad):
    check("parse_date", bad)
    check("parse_if_range_header", bad)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_parse_date_known_values(name):
    module = MODULES[name]
    parsed = module.parse_date("Sun, 06 Nov 1994 08:49:37 GMT")
    assert parsed == datetime(1994, 11, 6, 8, 49, 37, tzinfo=timezone.utc)
    assert parsed.tzinfo is timezone.utc
    assert module.parse_date("Sun Nov  6 08:49:37 1994").tzinfo is timezone.utc
    assert module.parse_date("Sun, 06 Nov 1994 08:49:37 +0200").utcoffset() == timedelta(hours=2)
    assert module.parse_date("Sun, 06 Nov 0094 08:49:37 GMT").year == 1994
    assert module.parse_date("Sun, 06 Nov 0012 08:49:37 GMT").year == 2012
    assert module.parse_date("Sun, 30 Feb 2024 00:00:00 GMT") is None
    assert module.parse_date("nonsense") is None
    with pytest.raises(OverflowError):  # as Werkzeug: a huge zone overflows timedelta
        module.parse_date("Sun, 06 Nov 1994 08:49:37 +99999999999999999999")
    if_range = module.parse_if_range_header("Sun, 06 Nov 1994 08:49:37 GMT")
    assert if_range.date == parsed and if_range.etag is None


MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


@FUZZ
@given(
    moment=st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)),
    case=st.sampled_from([str, str.lower, str.upper]),
)
def test_parse_date_valid_fixdates(moment, case):
    value = werkzeug_http_date(moment)
    check("parse_date", value)
    check("parse_date", case(value[:26]) + value[26:])
    check("parse_date", case(value))


@FUZZ
@given(
    weekday=st.sampled_from(["Sun", "sun", "Xyz", "S1n", "Su "]),
    day=st.integers(min_value=0, max_value=99),
    month=st.sampled_from(MONTHS + ["Xyz", "jAN", "mAy"]),
    year=st.integers(min_value=0, max_value=9999),
    hour=st.integers(min_value=0, max_value=99),
    minute=st.integers(min_value=0, max_value=99),
    second=st.integers(min_value=0, max_value=99),
    zone=st.sampled_from(["GMT", "UTC", "gmt", "+0000", "-0130", "EST", "XYZ", "GM"]),
)
def test_parse_date_fields(weekday, day, month, year, hour, minute, second, zone):
    value = f"{weekday}, {day:02d} {month} {year:04d} {hour:02d}:{minute:02d}:{second:02d} {zone}"
    check("parse_date", value)


@FUZZ
@given(value=st.one_of(
    st.text(max_size=35),
    st.text(alphabet="SunNovGMT0123456789:, -+", min_size=29, max_size=29),
    st.lists(st.sampled_from(["Sun,", "06", "Nov", "1994", "08:49:37", "GMT", " ", "-", "+0100",
                              "Sunday,", "06-Nov-94", "  ", "\t", ","]), max_size=8).map("".join),
))
@example(value="Sun, 06 Nov 1994 08:49:37 GMT")
def test_parse_date_differential(value):
    check("parse_date", value)


# -- http_date ------------------------------------------------------------------------

UTC = timezone.utc
HTTP_DATE_EXAMPLES = [
    datetime(1994, 11, 6, 8, 49, 37), datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC),
    datetime(1994, 11, 6, 8, 49, 37, 999999, tzinfo=UTC),
    datetime(1994, 11, 6, 8, 49, 37, tzinfo=timezone(timedelta(hours=2))),
    datetime(1994, 11, 6, 1, 0, 0, tzinfo=timezone(timedelta(hours=5, minutes=30))),
    datetime(1, 1, 1), datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 23, 59, 59),
    datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1))),  # OverflowError in both
    datetime(9999, 12, 31, 23, 0, tzinfo=timezone(timedelta(hours=-2))),
    date(1994, 11, 6), date(1, 1, 1), date(9999, 12, 31), date(2000, 2, 29),
    0, 1, -1, 784111777, 2**31, -62135596800, -62135596801, 253402300799, 253402300800,
    10**12, -(10**12), 10**30, True, False,
    0.0, 0.5, -0.5, 784111777.9999994, 784111777.9999996, 1e10, -1e-7, float("nan"),
    float("inf"), time.gmtime(784111777), "784111777", b"1", [1], object(),
]


@pytest.mark.parametrize("timestamp", HTTP_DATE_EXAMPLES, ids=repr)
def test_http_date_examples(timestamp):
    check("http_date", timestamp)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_http_date_known_values(name):
    module = MODULES[name]
    assert module.http_date(784111777) == "Sun, 06 Nov 1994 08:49:37 GMT"
    assert module.http_date(datetime(1994, 11, 6, 8, 49, 37)) == "Sun, 06 Nov 1994 08:49:37 GMT"
    assert module.http_date(date(1994, 11, 6)) == "Sun, 06 Nov 1994 00:00:00 GMT"
    moment = datetime(1994, 11, 6, 10, 49, 37, tzinfo=timezone(timedelta(hours=2)))
    assert module.http_date(moment) == "Sun, 06 Nov 1994 08:49:37 GMT"
    assert module.http_date(0) == "Thu, 01 Jan 1970 00:00:00 GMT"
    with pytest.raises(TypeError):
        module.http_date("yesterday")


@pytest.mark.parametrize("name", sorted(MODULES))
def test_http_date_now(name):
    module = MODULES[name]
    before = int(time.time())
    text = module.http_date()
    after = int(time.time()) + 1  # microsecond rounding may round up
    assert text in {werkzeug_http_date(second) for second in range(before, after + 1)}
    text = module.http_date(None)
    assert text in {werkzeug_http_date(second) for second in range(before, int(time.time()) + 2)}


offsets = st.timedeltas(min_value=-timedelta(hours=23, minutes=59), max_value=timedelta(hours=23, minutes=59))


@FUZZ
@given(
    moment=st.datetimes(
        min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
        timezones=st.one_of(st.none(), st.just(UTC), offsets.map(timezone)),
    )
)
def test_http_date_datetimes(moment):
    check("http_date", moment)
    check("http_date", moment.date())


@FUZZ
@given(timestamp=st.one_of(
    st.integers(min_value=-62135596800 - 10, max_value=253402300799 + 10),
    st.integers(),
    st.floats(min_value=-62135596800.0, max_value=253402300799.0),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=0, max_value=2**40).map(lambda s: s + 0.9999995),
))
@example(timestamp=-62135596800)
@example(timestamp=253402300799)
def test_http_date_timestamps(timestamp):
    check("http_date", timestamp)


# -- date_header_now -------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(MODULES))
def test_date_header_now(name):
    module = MODULES[name]
    before = int(time.time())
    text = module.date_header_now()
    after = int(time.time())
    assert text in {werkzeug_http_date(second) for second in range(before, after + 1)}
    # Within one second the same formatted object is reused (the cache).
    for _ in range(1000):
        second = int(time.time())
        first, again = module.date_header_now(), module.date_header_now()
        if int(time.time()) == second:
            assert again is first
            assert first == werkzeug_http_date(second)
            break
    else:  # pragma: no cover - a thousand second boundaries in a row
        pytest.fail("never two calls within one second")


@pytest.mark.parametrize("name", sorted(MODULES))
def test_date_header_now_changes_with_the_second(name):
    module = MODULES[name]
    start = module.date_header_now()
    deadline = int(time.time()) + 3
    while int(time.time()) < deadline and module.date_header_now() == start:
        time.sleep(0.05)
    later = module.date_header_now()
    assert later != start
    assert later == werkzeug_http_date(int(time.time())) or later == werkzeug_http_date(
        int(time.time()) - 1
    )
