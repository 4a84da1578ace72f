"""Working-time arithmetic of the Dinas's calendar, in plain Python.

A calendar is weekly working intervals (minutes since midnight per weekday),
dated periods with other intervals (Ramadan) and non-working days. Its
arithmetic walks whole intervals, day by day, never minute by minute."""
import datetime as dt
from bisect import bisect_right

MAX_DAYS = 3 * 366  # a calendar with no working time must not loop forever


class NoWorkingTimeError(ValueError):
    "The calendar has no working time within the search horizon"


def _minutes(time):
    return time.hour * 60 + time.minute + time.second / 60


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
        "The moment `minutes` of working time after `start`"
        if minutes <= 0:
            return start
        day = start.date()
        offset = _minutes(start.time())
        remaining = minutes
        for _ in range(MAX_DAYS):
            for begin, end in self.intervals(day):
                if end <= offset:
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
        "The moment `minutes` of working time before `end`"
        if minutes <= 0:
            return end
        day = end.date()
        offset = _minutes(end.time())
        remaining = minutes
        for _ in range(MAX_DAYS):
            for begin, finish in reversed(self.intervals(day)):
                if begin >= offset:
                    continue
                finish = min(finish, offset)
                available = finish - begin
                if remaining <= available:
                    return _at(day, finish - remaining)
                remaining -= available
            day -= dt.timedelta(days=1)
            offset = 24 * 60
        raise NoWorkingTimeError(end)

    def between(self, start, end):
        "Working minutes from `start` to `end` (0 when end is before start)"
        if end <= start:
            return 0
        total = 0
        day = start.date()
        last = end.date()
        first_offset = _minutes(start.time())
        last_offset = _minutes(end.time())
        while day <= last:
            low = first_offset if day == start.date() else 0
            high = last_offset if day == last else 24 * 60
            for begin, finish in self.intervals(day):
                begin, finish = max(begin, low), min(finish, high)
                if finish > begin:
                    total += finish - begin
            day += dt.timedelta(days=1)
        return round(total)

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
                    return _at(day, intervals[-1][1])
        raise NoWorkingTimeError(start)


def _at(day, minutes):
    whole = int(round(minutes * 60))
    return (dt.datetime.combine(day, dt.time())
        + dt.timedelta(seconds=whole))
