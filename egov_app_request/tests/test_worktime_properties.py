"""Properties of the working-time arithmetic (worktime.py), checked with
Hypothesis on random instants from 2025 to 2027: the shipped calendar
(2025-2026 holidays, cuti bersama, breaks, Ramadan hours) extended by a 2027
of the test's own (holidays and Ramadan hours across the year boundary), and
random calendars. The figures are checked against an independent count of
working time in timedelta arithmetic (`exact`)."""
import datetime as dt
import unittest
import zoneinfo

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ..deadline_recompute import EPOCH, DeadlineComputer
from ..worktime import MICROSECOND, NoWorkingTimeError, WorkCalendar, WorkIndex
from .tools import shipped_calendar

# Bounded: each property runs at most 150 examples, each example well under
# a second; the whole module takes a few seconds.
BOUNDED = settings(max_examples=150, deadline=None, derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow])

FIRST, LAST = dt.datetime(2025, 1, 1), dt.datetime(2027, 12, 31, 23, 59, 59)
# A 2027 the test makes up (not the shipped data): New Year, Imlek,
# Idul Fitri with cuti bersama, Christmas, and Ramadan hours.
HOLIDAYS_2027 = [dt.date(2027, 1, 1), dt.date(2027, 2, 6),
    dt.date(2027, 3, 9), dt.date(2027, 3, 10), dt.date(2027, 3, 11),
    dt.date(2027, 3, 12), dt.date(2027, 12, 24), dt.date(2027, 12, 25)]
RAMADAN_2027 = (dt.date(2027, 2, 8), dt.date(2027, 3, 8))


def calendar_2025_2027():
    shipped = shipped_calendar()
    ramadan_hours = shipped.periods[-1][2]
    return WorkCalendar(shipped.weekly,
        list(shipped.periods) + [RAMADAN_2027 + (ramadan_hours,)],
        set(shipped.holidays) | set(HOLIDAYS_2027))


CALENDAR = calendar_2025_2027()


def bounds(calendar):
    "Every start and end of a working interval, as times of day"
    minutes = {m for hours in [calendar.weekly] + [
            p[2] for p in calendar.periods]
        for intervals in hours.values() for i in intervals for m in i}
    return sorted(dt.time(m // 60, m % 60) for m in minutes if m < 24 * 60)


def instants(calendar):
    """Any instant 2025-2027 (microseconds included), an interval bound of
    any day, or a moment near the ends of 2025 and 2026"""
    year_ends = st.builds(lambda end, seconds: end + dt.timedelta(
            seconds=seconds),
        st.sampled_from([dt.datetime(2026, 1, 1), dt.datetime(2027, 1, 1)]),
        st.integers(-6 * 86400, 6 * 86400))
    on_bounds = st.builds(dt.datetime.combine,
        st.dates(FIRST.date(), LAST.date()),
        st.sampled_from(bounds(calendar) or [dt.time()]))
    return st.one_of(st.datetimes(FIRST, LAST), on_bounds, year_ends)


MINUTES = st.one_of(st.integers(0, 3000), st.sampled_from([0, 1, 450, 900]))


def working_moment(calendar, moment):
    "In a working interval of its day, its bounds included"
    midnight = dt.datetime.combine(moment.date(), dt.time())
    return any(
        midnight + dt.timedelta(minutes=b) <= moment
        <= midnight + dt.timedelta(minutes=e)
        for b, e in calendar.intervals(moment.date()))


def exact(calendar, start, end):
    "Working time from start to end as a timedelta, day by day"
    total = dt.timedelta()
    day = start.date()
    while day <= end.date():
        midnight = dt.datetime.combine(day, dt.time())
        for b, e in calendar.intervals(day):
            low = max(start, midnight + dt.timedelta(minutes=b))
            high = min(end, midnight + dt.timedelta(minutes=e))
            if high > low:
                total += high - low
        day += dt.timedelta(days=1)
    return total


def random_calendars():
    "Weekly hours with any breaks, random days off and a random period"
    def hours():
        def intervals(points):
            points = sorted(points)
            return [(points[i], points[i + 1])
                for i in range(0, len(points) - 1, 2)]
        day = st.sets(st.integers(0, 24 * 60), max_size=6).map(intervals)
        return st.fixed_dictionaries({d: day for d in range(7)})

    def build(weekly, holidays, period, first, length):
        weekly[0] = weekly[0] or [(480, 960)]
        periods = [(first, first + dt.timedelta(days=length), period)]
        return WorkCalendar(weekly, periods, holidays)
    return st.builds(build, hours(),
        st.frozensets(st.dates(FIRST.date(), LAST.date()), max_size=150),
        hours(), st.dates(FIRST.date(), LAST.date()), st.integers(0, 60))


class WorkTimePropertiesTestCase(unittest.TestCase):
    # No database: .ci/run runs it in the SQLite pass only.
    ENGINE_INDEPENDENT = True

    @BOUNDED
    @given(instants(CALENDAR), MINUTES)
    def test_deadline_is_a_working_moment(self, start, minutes):
        deadline = CALENDAR.add(start, minutes)
        self.assertTrue(working_moment(CALENDAR, deadline), deadline)
        self.assertGreaterEqual(deadline, start)
        if deadline == start:
            # Only a start in working time is its own deadline, with 0.
            self.assertEqual(minutes, 0)
            self.assertTrue(working_moment(CALENDAR, start))
        if minutes == 0:
            self.assertEqual(exact(CALENDAR, start, deadline), dt.timedelta())

    @BOUNDED
    @given(instants(CALENDAR), MINUTES)
    def test_between_gives_the_minutes_back(self, start, minutes):
        deadline = CALENDAR.add(start, minutes)
        self.assertEqual(CALENDAR.between(start, deadline), minutes)
        self.assertEqual(exact(CALENDAR, start, deadline),
            dt.timedelta(minutes=minutes))

    @BOUNDED
    @given(instants(CALENDAR), instants(CALENDAR))
    def test_between_is_whole_minutes_elapsed(self, start, end):
        start, end = min(start, end), max(start, end)
        assume(end - start < dt.timedelta(days=120))
        self.assertEqual(CALENDAR.between(start, end),
            exact(CALENDAR, start, end) // dt.timedelta(minutes=1))
        self.assertEqual(CALENDAR.between(end, start), 0)

    @BOUNDED
    @given(instants(CALENDAR), MINUTES, MINUTES)
    def test_add_is_monotonic_in_minutes(self, start, m1, m2):
        m1, m2 = sorted([m1, m2])
        self.assertLessEqual(CALENDAR.add(start, m1), CALENDAR.add(start, m2))
        if m1 < m2:
            self.assertLess(
                CALENDAR.add(start, m1), CALENDAR.add(start, m2))

    @BOUNDED
    @given(instants(CALENDAR), instants(CALENDAR), MINUTES)
    def test_add_is_monotonic_in_start(self, s1, s2, minutes):
        s1, s2 = sorted([s1, s2])
        self.assertLessEqual(
            CALENDAR.add(s1, minutes), CALENDAR.add(s2, minutes))

    @BOUNDED
    @given(instants(CALENDAR), MINUTES)
    def test_subtract_then_add(self, end, minutes):
        start = CALENDAR.subtract(end, minutes)
        self.assertTrue(working_moment(CALENDAR, start), start)
        self.assertEqual(exact(CALENDAR, start, end),
            dt.timedelta(minutes=minutes))
        back = CALENDAR.add(start, minutes)
        # The same point of working time as `end` (no working time between).
        self.assertLessEqual(back, end)
        self.assertEqual(exact(CALENDAR, back, end), dt.timedelta())
        if working_moment(CALENDAR, end) and minutes:
            self.assertLessEqual(end - back, dt.timedelta(days=5))

    @BOUNDED
    @given(instants(CALENDAR), MINUTES)
    def test_add_then_subtract(self, start, minutes):
        deadline = CALENDAR.add(start, minutes)
        back = CALENDAR.subtract(deadline, minutes)
        self.assertGreaterEqual(back, start)
        self.assertEqual(exact(CALENDAR, start, back), dt.timedelta())
        if working_moment(CALENDAR, start) and minutes == 0:
            self.assertEqual(back, start)

    @BOUNDED
    @given(random_calendars(), st.datetimes(FIRST, LAST),
        st.integers(0, 2000), st.integers(0, 2000))
    def test_random_calendars(self, calendar, start, m1, m2):
        m1, m2 = sorted([m1, m2])
        try:
            d1, d2 = calendar.add(start, m1), calendar.add(start, m2)
        except NoWorkingTimeError:
            assume(False)
        for minutes, deadline in [(m1, d1), (m2, d2)]:
            self.assertTrue(working_moment(calendar, deadline))
            self.assertEqual(calendar.between(start, deadline), minutes)
            self.assertEqual(exact(calendar, start, deadline),
                dt.timedelta(minutes=minutes))
            self.assertEqual(
                exact(calendar, calendar.subtract(deadline, minutes),
                    deadline), dt.timedelta(minutes=minutes))
        self.assertLessEqual(d1, d2)

    def assert_index_agrees(self, calendar, index, start, minutes, days):
        def answer(method, *args):
            try:
                return getattr(calendar, method)(*args)
            except NoWorkingTimeError:
                return NoWorkingTimeError
        for method, args in [('add', (start, minutes)),
                ('end_of_working_day', (start, days))]:
            expected = answer(method, *args)
            if expected is NoWorkingTimeError:
                with self.assertRaises(NoWorkingTimeError):
                    getattr(index, method)(*args)
            else:
                self.assertEqual(getattr(index, method)(*args), expected,
                    (method, args))
                self.assertEqual(index.between(start, expected),
                    calendar.between(start, expected))
                self.assertEqual(index.between(expected, start), 0)

    @BOUNDED
    @given(instants(CALENDAR), MINUTES, st.integers(0, 12))
    def test_index_agrees_with_the_calendar(self, start, minutes, days):
        # The index covers 2025-2026: the instants of 2027 and the figures
        # beyond the range are answered by the calendar.
        index = INDEX_2025_2026
        self.assertTrue(index.exact)
        self.assert_index_agrees(CALENDAR, index, start, minutes, days)

    @BOUNDED
    @given(random_calendars(), st.datetimes(FIRST, LAST),
        st.integers(0, 2000), st.integers(0, 5))
    def test_index_agrees_on_random_calendars(self, calendar, start,
            minutes, days):
        index = WorkIndex(calendar, start.date() - dt.timedelta(days=2),
            start.date() + dt.timedelta(days=40))
        self.assert_index_agrees(calendar, index, start, minutes, days)

    def test_index_with_overlapping_hours_asks_the_calendar(self):
        calendar = WorkCalendar({d: [(480, 720), (660, 960)]
                for d in range(5)})
        index = WorkIndex(calendar, dt.date(2026, 1, 1),
            dt.date(2026, 3, 1))
        self.assertFalse(index.exact)
        start = dt.datetime(2026, 1, 5, 7)
        for minutes in [1, 200, 300, 600, 2000]:
            self.assertEqual(index.add(start, minutes),
                calendar.add(start, minutes))
        end = dt.datetime(2026, 1, 9, 17)
        self.assertEqual(index.between(start, end),
            calendar.between(start, end))

    def assert_figures_agree(self, calendar, steps, percent):
        """The recompute's figures of many steps at once (integers from
        the index, DeadlineComputer.figures) are those of one step at a
        time (the calendar's walk, DeadlineComputer.__call__, which
        egov.request.history._deadlines calls)"""
        zone = zoneinfo.ZoneInfo('Asia/Jakarta')
        one = DeadlineComputer(calendar=calendar, percent=percent,
            timezone=zone)
        expected = []
        for start, minutes, days in steps:
            try:
                minutes, deadline, nearly = one(start, minutes, days)
            except NoWorkingTimeError:
                assume(False)
            expected.append((minutes, (deadline - EPOCH) // MICROSECOND,
                    (nearly - EPOCH) // MICROSECOND))
        many = DeadlineComputer([s for s, _, _ in steps], calendar=calendar,
            percent=percent, timezone=zone)
        self.assertIsNotNone(many.origin)
        self.assertEqual(list(zip(*many.figures(
                        [(s - EPOCH) // MICROSECOND for s, _, _ in steps],
                        [m for _, m, _ in steps], [d for _, _, d in steps]))),
            expected)

    @BOUNDED
    @given(st.lists(st.tuples(instants(CALENDAR), MINUTES,
                st.sampled_from([None, None, 1, 2, 5])),
            min_size=1, max_size=30),
        st.sampled_from([0, 50, 80, 100]))
    def test_recompute_figures_agree(self, steps, percent):
        self.assert_figures_agree(CALENDAR, steps, percent)

    @BOUNDED
    @given(random_calendars(), st.lists(st.tuples(
                st.datetimes(FIRST, LAST), st.integers(0, 2000),
                st.sampled_from([None, None, 1, 3])),
            min_size=1, max_size=10),
        st.sampled_from([0, 80, 100]))
    def test_recompute_figures_agree_on_random_calendars(self, calendar,
            steps, percent):
        self.assert_figures_agree(calendar, steps, percent)


INDEX_2025_2026 = WorkIndex(CALENDAR, dt.date(2025, 1, 1),
    dt.date(2026, 12, 31))
