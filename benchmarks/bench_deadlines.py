"""Deadline arithmetic speed: 100,000 step deadlines over a calendar of
several years, against a naive minute-by-minute walk (on a sample).

    .venv/bin/python benchmarks/bench_deadlines.py

Prints the figures and ratios; it asserts nothing about time (a benchmark,
not a test), only that both methods agree."""
import datetime as dt
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from egov_app_request.tests.tools import shipped_calendar  # noqa: E402
from egov_app_request.worktime import WorkCalendar  # noqa: E402


def naive_add(calendar, start, minutes):
    "Minute by minute: what the product must not do"
    moment = start.replace(second=0)
    while minutes > 0:
        offset = moment.hour * 60 + moment.minute
        if any(b <= offset < e for b, e in calendar.intervals(moment.date())):
            minutes -= 1
        moment += dt.timedelta(minutes=1)
    return moment  # the end of the last counted minute


def main(count=100_000, sample=500):
    random.seed(42)
    base = shipped_calendar()
    # Five years of calendar: the shipped holidays plus one day a month.
    holidays = set(base.holidays) | {
        dt.date(2025 + y, m, 10) for y in range(5) for m in range(1, 13)}
    calendar = WorkCalendar(base.weekly, base.periods, holidays)
    standards = [10, 30, 60, 180, 450, 900]
    starts = [dt.datetime(2025, 1, 1) + dt.timedelta(
            minutes=random.randrange(5 * 365 * 24 * 60))
        for _ in range(count)]
    pairs = [(s, random.choice(standards)) for s in starts]

    began = time.perf_counter()
    deadlines = [calendar.add(s, m) for s, m in pairs]
    elapsed = time.perf_counter() - began

    began = time.perf_counter()
    used = [calendar.between(s, d) for (s, _), d in zip(pairs, deadlines)]
    between_elapsed = time.perf_counter() - began
    assert all(u == m for u, (_, m) in zip(used, pairs))

    fresh = WorkCalendar(base.weekly, base.periods, holidays)
    began = time.perf_counter()
    for s, m in pairs[:sample]:
        fresh.add(s, m)
    fast_sample = time.perf_counter() - began
    began = time.perf_counter()
    for (s, m), deadline in zip(pairs[:sample], deadlines[:sample]):
        assert naive_add(calendar, s, m) == deadline, (s, m)
    naive_sample = time.perf_counter() - began

    print(f"deadlines computed:          {count:>9,}")
    print(f"add()      total / per step: {elapsed:8.3f} s / "
        f"{elapsed / count * 1e6:6.1f} µs")
    print(f"between()  total / per step: {between_elapsed:8.3f} s / "
        f"{between_elapsed / count * 1e6:6.1f} µs")
    print(f"sample of {sample}: interval walk {fast_sample:.4f} s, "
        f"minute walk {naive_sample:.3f} s")
    print(f"ratio minute walk / interval walk: "
        f"{naive_sample / fast_sample:8.1f} x")
    print(f"projected minute walk for {count:,}: "
        f"{naive_sample / sample * count:8.1f} s")


if __name__ == '__main__':
    main()
