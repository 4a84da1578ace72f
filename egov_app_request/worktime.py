"""Working-time arithmetic of the Dinas's calendar, in plain Python.

A calendar is weekly working intervals (minutes since midnight per weekday),
dated periods with other intervals (Ramadan) and non-working days. Its
arithmetic walks whole intervals, day by day, never minute by minute."""
import datetime as dt
import math
from bisect import bisect_left, bisect_right

MAX_DAYS = 3 * 366  # a calendar with no working time must not loop forever


class NoWorkingTimeError(ValueError):
    "The calendar has no working time within the search horizon"


MINUTE = 60 * 10 ** 6  # the arithmetic counts whole microseconds: exact
DAY = 24 * 60 * MINUTE
MICROSECOND = dt.timedelta(microseconds=1)


def whole_minutes(elapsed):
    """The one rounding rule of every figure derived from elapsed working
    time: the whole minutes elapsed, a started minute not counted (floor).
    `elapsed` is a timedelta or a number of minutes (int, float, Fraction):
    08:00:00 to 08:10:40 is 10 minutes, a median of 10.5 minutes is 10."""
    if isinstance(elapsed, dt.timedelta):
        return elapsed // dt.timedelta(minutes=1)
    return math.floor(elapsed)


def _micro(time):
    "Microseconds since midnight of a time"
    return ((time.hour * 60 + time.minute) * 60 + time.second) * 10 ** 6 \
        + time.microsecond


def _span(minutes):
    "Minutes (of an interval bound or a standard) in microseconds"
    return int(round(minutes * MINUTE))


class WorkCalendar:

    def __init__(self, weekly, periods=(), holidays=()):
        """weekly: {weekday (0=Monday): [(start, end) in minutes]}
        periods: [(first date, last date, weekly)] that replace `weekly`
        holidays: dates without working time"""
        self.weekly = {d: sorted(i) for d, i in weekly.items()}
        self.periods = sorted(
            (first, last, {d: sorted(i) for d, i in hours.items()})
            for first, last, hours in periods)
        self._period_starts = [p[0] for p in self.periods]
        self.holidays = frozenset(holidays)
        self._cache = {}

    def intervals(self, day):
        "The working intervals of a date, in minutes since midnight"
        try:
            return self._cache[day]
        except KeyError:
            pass
        if day in self.holidays:
            result = ()
        else:
            weekly = self.weekly
            index = bisect_right(self._period_starts, day) - 1
            # Periods may overlap: the latest started one that covers wins.
            while index >= 0:
                first, last, hours = self.periods[index]
                if first <= day <= last:
                    weekly = hours
                    break
                index -= 1
            result = tuple(weekly.get(day.weekday(), ()))
        self._cache[day] = result
        return result

    def day_minutes(self, day):
        return sum(e - s for s, e in self.intervals(day))

    def add(self, start, minutes):
        """The moment `minutes` of working time after `start`: always a
        working moment. With 0 minutes it is `start` itself when `start` is
        in working time (its bounds included), otherwise the next opening."""
        day = start.date()
        offset = _micro(start.time())
        remaining = _span(max(minutes, 0))
        for _ in range(MAX_DAYS):
            for begin, end in self.intervals(day):
                begin, end = _span(begin), _span(end)
                if end < offset or (end == offset and remaining):
                    continue
                begin = max(begin, offset)
                available = end - begin
                if remaining <= available:
                    return _at(day, begin + remaining)
                remaining -= available
            day += dt.timedelta(days=1)
            offset = 0
        raise NoWorkingTimeError(start)

    def subtract(self, end, minutes):
        """The moment `minutes` of working time before `end`: always a
        working moment (with 0 minutes, `end` itself when `end` is in
        working time, otherwise the previous closing)."""
        day = end.date()
        offset = _micro(end.time())
        remaining = _span(max(minutes, 0))
        for _ in range(MAX_DAYS):
            for begin, finish in reversed(self.intervals(day)):
                begin, finish = _span(begin), _span(finish)
                if begin > offset or (begin == offset and remaining):
                    continue
                finish = min(finish, offset)
                available = finish - begin
                if remaining <= available:
                    return _at(day, finish - remaining)
                remaining -= available
            day -= dt.timedelta(days=1)
            offset = 24 * 60 * MINUTE
        raise NoWorkingTimeError(end)

    def between(self, start, end):
        """Working minutes from `start` to `end` (0 when end is before
        start), whole minutes elapsed (`whole_minutes`)"""
        if end <= start:
            return 0
        total = 0
        day = start.date()
        last = end.date()
        first_offset = _micro(start.time())
        last_offset = _micro(end.time())
        while day <= last:
            low = first_offset if day == start.date() else 0
            high = last_offset if day == last else 24 * 60 * MINUTE
            for begin, finish in self.intervals(day):
                begin = max(_span(begin), low)
                finish = min(_span(finish), high)
                if finish > begin:
                    total += finish - begin
            day += dt.timedelta(days=1)
        return whole_minutes(dt.timedelta(microseconds=total))

    def end_of_working_day(self, start, days=1):
        """The end of the `days`-th working day after the day of `start`
        (the "end of the next working day" reading of "1 hari")"""
        day = start.date()
        for _ in range(MAX_DAYS):
            day += dt.timedelta(days=1)
            intervals = self.intervals(day)
            if intervals:
                days -= 1
                if days <= 0:
                    return _at(day, _span(intervals[-1][1]))
        raise NoWorkingTimeError(start)


def _at(day, microseconds):
    return (dt.datetime.combine(day, dt.time())
        + dt.timedelta(microseconds=microseconds))


class WorkIndex:
    """The calendar's working intervals from `first` to `last` (dates) laid
    end to end, with the working time before each: `add`, `between` and
    `end_of_working_day` of WorkCalendar by two binary searches instead of a
    walk over the days, for many computations over one range (the
    recompute of every open deadline). Moments are naive local datetimes,
    as WorkCalendar's. A question it cannot answer exactly the same way
    (outside the range, intervals of one day that overlap, 0 minutes to
    add) goes to the calendar itself."""

    def __init__(self, calendar, first, last):
        self.calendar = calendar
        self.origin = dt.datetime.combine(first, dt.time())
        starts, ends, before, work_days, day_ends = [], [], [], [], []
        total = 0
        self.exact = True
        day, index = first, 0
        while day <= last:
            base = index * DAY
            intervals = calendar.intervals(day)
            for begin, end in intervals:
                begin, end = base + _span(begin), base + _span(end)
                if ends and begin < ends[-1]:
                    self.exact = False  # overlapping intervals
                starts.append(begin)
                ends.append(end)
                before.append(total)
                total += end - begin
            if intervals:
                work_days.append(index)
                day_ends.append(ends[-1])
            day += dt.timedelta(days=1)
            index += 1
        self.days = index
        self.starts, self.ends, self.before = starts, ends, before
        self.upto = [b + e - s for b, s, e in zip(before, starts, ends)]
        self.work_days, self.day_ends = work_days, day_ends

    def offset(self, moment):
        "Microseconds from the origin, or None outside the range"
        offset = (moment - self.origin) // MICROSECOND
        if 0 <= offset < self.days * DAY:
            return offset
        return None

    def worked(self, offset):
        "Working microseconds from the origin to `offset`"
        i = bisect_right(self.starts, offset) - 1
        if i < 0:
            return 0
        return self.before[i] + min(offset, self.ends[i]) - self.starts[i]

    def at(self, worked):
        """The first offset with `worked` microseconds of working time
        before it (always in working time), or None beyond the range"""
        j = bisect_left(self.upto, worked)
        if j < len(self.upto):
            return self.starts[j] + worked - self.before[j]
        return None

    def day_end(self, offset, days):
        """The offset of the end of the `days`-th working day after the day
        of `offset`, or None beyond the range"""
        k = bisect_right(self.work_days, offset // DAY) + max(days, 1) - 1
        if k < len(self.work_days):
            return self.day_ends[k]
        return None

    def _moment(self, offset):
        return self.origin + dt.timedelta(microseconds=offset)

    def add(self, start, minutes):
        "WorkCalendar.add"
        offset = self.offset(start) if self.exact and minutes > 0 else None
        if offset is not None:
            found = self.at(self.worked(offset) + _span(minutes))
            if found is not None:
                return self._moment(found)
        return self.calendar.add(start, minutes)

    def between(self, start, end):
        "WorkCalendar.between"
        if end <= start:
            return 0
        low, high = self.offset(start), self.offset(end)
        if not self.exact or low is None or high is None:
            return self.calendar.between(start, end)
        return (self.worked(high) - self.worked(low)) // MINUTE

    def end_of_working_day(self, start, days=1):
        "WorkCalendar.end_of_working_day"
        offset = self.offset(start)
        if offset is not None:
            found = self.day_end(offset, days)
            if found is not None:
                return self._moment(found)
        return self.calendar.end_of_working_day(start, days)
