"""Deadlines in Chinese working days, with the State Council's holiday adjustments.

Platforms count their response times in working days (JD about 10, Tencent
about 7), and the official calendar moves days around public holidays: the
National Day week is off, and a weekend day before or after it is worked
(调休).  ``chinese-calendar`` carries the published adjustments; a year it does
not know yet (the State Council publishes each year's schedule late in the
year before) is counted Monday to Friday, and the result says it is an
estimate so that nobody mistakes it for the official count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

CHINA = ZoneInfo("Asia/Shanghai")
END_OF_DAY = time(23, 59, 59)


@dataclass(frozen=True)
class WorkdayCount:
    """The day ``n`` working days after the start, and whether an unknown year made it a guess."""

    day: date
    estimated: bool
    skipped: tuple[date, ...]
    """Weekdays skipped as holidays; listed so that a letter can say why the date is late."""


def is_working_day(day: date) -> tuple[bool, bool]:
    """(working, known): ``known`` is False when the calendar has no data for that year."""
    try:
        return bool(chinese_calendar.is_workday(day)), True
    except NotImplementedError:
        return day.weekday() < 5, False


def add_working_days(start: date, n: int) -> WorkdayCount:
    """The ``n``-th working day after ``start`` (``start`` itself does not count)."""
    if n < 0:
        raise ValueError(f"working days must not be negative, got {n}")
    day, left, estimated = start, n, False
    skipped: list[date] = []
    while left:
        day += timedelta(days=1)
        working, known = is_working_day(day)
        estimated = estimated or not known
        if working:
            left -= 1
        elif day.weekday() < 5:
            skipped.append(day)
    return WorkdayCount(day, estimated, tuple(skipped))


def deadline_after(at: datetime, n: int) -> tuple[datetime, WorkdayCount]:
    """End of the ``n``-th working day after ``at`` (Beijing time), as an aware UTC datetime."""
    local = at.astimezone(CHINA).date()
    count = add_working_days(local, n)
    end = datetime.combine(count.day, END_OF_DAY, tzinfo=CHINA)
    return end.astimezone(UTC), count


def working_days_between(start: datetime, end: datetime) -> int:
    """Working days after ``start``'s day up to and including ``end``'s day (Beijing time)."""
    first, last = start.astimezone(CHINA).date(), end.astimezone(CHINA).date()
    days, day = 0, first
    while day < last:
        day += timedelta(days=1)
        if is_working_day(day)[0]:
            days += 1
    return days
