"""Deadline arithmetic on the shipped calendar (data/calendar_data.xml),
each expectation worked out by hand in its comment. Times are local (WIB)."""
import datetime as dt
import unittest

from ..worktime import WorkCalendar, whole_minutes
from .tools import shipped_calendar

def at(*args):
    return dt.datetime(*args)


class WorkTimeTestCase(unittest.TestCase):
    # No database: .ci/run runs it in the SQLite pass only.
    ENGINE_INDEPENDENT = True

    @classmethod
    def setUpClass(cls):
        cls.calendar = shipped_calendar()

    def test_weekly_hours(self):
        "Perpres 21/2023: 37.5 hours a week, 32.5 in Ramadan"
        week = [dt.date(2026, 11, 23) + dt.timedelta(days=i) for i in range(7)]
        self.assertEqual(
            sum(self.calendar.day_minutes(d) for d in week), 37.5 * 60)
        ramadan = [dt.date(2026, 3, 2) + dt.timedelta(days=i)
            for i in range(7)]
        self.assertEqual(
            sum(self.calendar.day_minutes(d) for d in ramadan), 32.5 * 60)

    def test_60_minutes_from_thursday_1530(self):
        # Thursday 15:30-16:00 gives 30 minutes; Friday starts at 07:30,
        # the other 30 end at 08:00.
        self.assertEqual(
            self.calendar.add(at(2026, 11, 26, 15, 30), 60),
            at(2026, 11, 27, 8, 0))
        self.assertEqual(self.calendar.between(
                at(2026, 11, 26, 15, 30), at(2026, 11, 27, 8, 0)), 60)

    def test_ends_exactly_at_closing_time(self):
        # 15:30 + 30 minutes is 16:00 the same day, not Friday 07:30.
        self.assertEqual(
            self.calendar.add(at(2026, 11, 26, 15, 30), 30),
            at(2026, 11, 26, 16, 0))

    def test_one_day_from_friday_afternoon(self):
        # As 450 working minutes: Friday 14:00-16:30 = 150; Monday
        # 07:30-12:00 = 270 (420); 30 more after the break: 13:30.
        self.assertEqual(
            self.calendar.add(at(2026, 11, 27, 14, 0), 450),
            at(2026, 11, 30, 13, 30))
        # As the end of the next working day: Monday 16:00.
        self.assertEqual(
            self.calendar.end_of_working_day(at(2026, 11, 27, 14, 0)),
            at(2026, 11, 30, 16, 0))

    def test_across_idul_fitri_2026(self):
        # Tuesday 17 March 2026 is in Ramadan (work ends 15:00): 14:30 gives
        # 30 minutes. 18 March cuti bersama Nyepi, 19 Nyepi, 20 cuti
        # bersama, 21-22 Idul Fitri (weekend), 23-24 cuti bersama; Wednesday
        # 25 March has the usual hours again: 07:30 + 30 = 08:00.
        self.assertEqual(
            self.calendar.add(at(2026, 3, 17, 14, 30), 60),
            at(2026, 3, 25, 8, 0))
        # One day (450 minutes) from 09:00 that Tuesday: 09:00-12:00 = 180,
        # 12:30-15:00 = 150 (330); 120 more on 25 March: 09:30.
        self.assertEqual(
            self.calendar.add(at(2026, 3, 17, 9, 0), 450),
            at(2026, 3, 25, 9, 30))
        # The end of the next working day after 17 March is 25 March 16:00.
        self.assertEqual(
            self.calendar.end_of_working_day(at(2026, 3, 17, 9, 0)),
            at(2026, 3, 25, 16, 0))

    def test_before_work_hours_and_on_sunday(self):
        # Monday 06:00: the clock starts at 07:30; 10 minutes: 07:40.
        self.assertEqual(
            self.calendar.add(at(2026, 11, 30, 6, 0), 10),
            at(2026, 11, 30, 7, 40))
        # Sunday 10:00: nothing until Monday 07:30; 30 minutes: 08:00.
        self.assertEqual(
            self.calendar.add(at(2026, 11, 29, 10, 0), 30),
            at(2026, 11, 30, 8, 0))
        self.assertEqual(self.calendar.between(
                at(2026, 11, 28, 10, 0), at(2026, 11, 30, 7, 30)), 0)

    def test_ramadan_hours(self):
        # Monday 2 March 2026, Ramadan: work ends 15:00. 14:30 + 60:
        # 30 on Monday, Tuesday 08:00 + 30 = 08:30.
        self.assertEqual(
            self.calendar.add(at(2026, 3, 2, 14, 30), 60),
            at(2026, 3, 3, 8, 30))
        # Friday 6 March 2026: break 11:30-12:30. 11:00 + 60:
        # 30 before the break, 12:30 + 30 = 13:00.
        self.assertEqual(
            self.calendar.add(at(2026, 3, 6, 11, 0), 60),
            at(2026, 3, 6, 13, 0))

    def test_lunch_break(self):
        # Monday 11:30 + 60: 30 before 12:00, 13:00 + 30 = 13:30.
        self.assertEqual(
            self.calendar.add(at(2026, 11, 30, 11, 30), 60),
            at(2026, 11, 30, 13, 30))
        # Friday's break is 11:30-13:00: 11:00 + 60 = 13:30.
        self.assertEqual(
            self.calendar.add(at(2026, 11, 27, 11, 0), 60),
            at(2026, 11, 27, 13, 30))

    def test_christmas_2026(self):
        # 24 December cuti bersama, 25 Christmas, then the weekend: from
        # Wednesday 23rd, the next working day is Monday 28th.
        self.assertEqual(
            self.calendar.end_of_working_day(at(2026, 12, 23, 10, 0)),
            at(2026, 12, 28, 16, 0))

    def test_holiday_changes_the_deadline(self):
        # A one-off day off on Thursday 3 December 2026 moves a deadline
        # that fell on it to Friday: Wednesday 10:30 + 450 = Thursday
        # 10:30 (270 on Wednesday, 180 on Thursday); without Thursday,
        # Friday 07:30 + 180 = 10:30.
        start = at(2026, 12, 2, 10, 30)
        self.assertEqual(self.calendar.add(start, 450),
            at(2026, 12, 3, 10, 30))
        changed = WorkCalendar(self.calendar.weekly, self.calendar.periods,
            set(self.calendar.holidays) | {dt.date(2026, 12, 3)})
        self.assertEqual(changed.add(start, 450), at(2026, 12, 4, 10, 30))

    def test_no_working_time(self):
        from ..worktime import NoWorkingTimeError
        calendar = WorkCalendar({})
        with self.assertRaises(NoWorkingTimeError):
            calendar.add(at(2026, 1, 5, 8, 0), 10)

    def test_subtract(self):
        # 60 working minutes before Monday 08:00: 30 on Monday from 07:30,
        # 30 on Friday before its 16:30 close: Friday 16:00. Saturday 10:00
        # counts from Friday's close.
        self.assertEqual(
            self.calendar.subtract(at(2026, 11, 30, 8, 0), 60),
            at(2026, 11, 27, 16, 0))
        self.assertEqual(
            self.calendar.subtract(at(2026, 11, 28, 10, 0), 30),
            at(2026, 11, 27, 16, 0))
        # Across the lunch break: Monday 13:30 - 60 = 11:30.
        self.assertEqual(
            self.calendar.subtract(at(2026, 11, 30, 13, 30), 60),
            at(2026, 11, 30, 11, 30))

    def test_subtract_and_between_agree(self):
        end = at(2026, 12, 31, 23, 0)
        for i in range(0, 3000, 11):
            moment = end - dt.timedelta(hours=i * 3, minutes=i % 60)
            for minutes in (1, 30, 450, 2000):
                with self.subTest(moment=moment, minutes=minutes):
                    start = self.calendar.subtract(moment, minutes)
                    self.assertEqual(
                        self.calendar.between(start, moment), minutes)

    def test_add_and_between_agree(self):
        "Adding then measuring gives the minutes back"
        start = at(2025, 1, 1, 0, 0)
        for i in range(0, 3000, 7):
            moment = start + dt.timedelta(hours=i * 5, minutes=i % 60)
            for minutes in (1, 10, 30, 60, 180, 450, 900):
                with self.subTest(moment=moment, minutes=minutes):
                    end = self.calendar.add(moment, minutes)
                    self.assertEqual(
                        self.calendar.between(moment, end), minutes)

    def test_whole_minutes_elapsed(self):
        "One rounding rule: the whole minutes elapsed, never rounded up"
        # 08:00:00 to 08:10:40 is 10 whole minutes (not 11); 59.999 s is 0.
        self.assertEqual(self.calendar.between(
                at(2026, 11, 30, 8, 0), at(2026, 11, 30, 8, 10, 40)), 10)
        self.assertEqual(self.calendar.between(
                at(2026, 11, 30, 8, 0),
                at(2026, 11, 30, 8, 0, 59, 999999)), 0)
        # A start with seconds: 08:00:20 to 08:10:00 is 9 min 40 s: 9.
        self.assertEqual(self.calendar.between(
                at(2026, 11, 30, 8, 0, 20), at(2026, 11, 30, 8, 10)), 9)
        self.assertEqual(whole_minutes(dt.timedelta(minutes=10, seconds=40)),
            10)
        # The statistics' median of 11 and 12 minutes is 11 (not 12).
        self.assertEqual(whole_minutes(11.5), 11)
        self.assertEqual(whole_minutes(12), 12)

    def test_seconds_of_the_start_are_kept(self):
        # 08:00:40 + 10 minutes is 08:10:40: exactly 10 minutes between.
        start = at(2026, 11, 30, 8, 0, 40, 500000)
        self.assertEqual(self.calendar.add(start, 10),
            at(2026, 11, 30, 8, 10, 40, 500000))
        self.assertEqual(
            self.calendar.between(start, self.calendar.add(start, 10)), 10)

    def test_zero_minutes_is_a_working_moment(self):
        "Nothing left: due at the start in working time, else the opening"
        add = self.calendar.add
        # Saturday 5 December 2026, 20:00: Monday 7 December 07:30.
        self.assertEqual(
            add(at(2026, 12, 5, 20, 0), 0), at(2026, 12, 7, 7, 30))
        # Monday 06:00: 07:30; in the lunch break 12:15: 13:00.
        self.assertEqual(add(at(2026, 12, 7, 6, 0), 0), at(2026, 12, 7, 7, 30))
        self.assertEqual(
            add(at(2026, 12, 7, 12, 15), 0), at(2026, 12, 7, 13, 0))
        # Thursday 24 December (cuti bersama), Christmas, weekend: Monday 28.
        self.assertEqual(
            add(at(2026, 12, 24, 9, 0), 0), at(2026, 12, 28, 7, 30))
        # In working time, and at its bounds, the start itself.
        for moment in [at(2026, 12, 7, 10, 0), at(2026, 12, 7, 7, 30),
                at(2026, 12, 7, 16, 0)]:
            self.assertEqual(add(moment, 0), moment)
        # Negative minutes count as none.
        self.assertEqual(
            add(at(2026, 12, 5, 20, 0), -5), at(2026, 12, 7, 7, 30))
        # Backwards: the previous closing (Friday 4 December 16:30).
        self.assertEqual(self.calendar.subtract(at(2026, 12, 5, 20, 0), 0),
            at(2026, 12, 4, 16, 30))
