"""A partition's business calendar: the hours its closers work, day by day, in its own time zone.

The closure-stage SLA counts business time only: the working hours of each weekday, never weekends or
holidays. Everything is measured on real instants (UTC), so a day whose clocks change (summer time)
counts the hours that really passed. Plain Python: the time zone comes from the standard `zoneinfo`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import InvalidInput

__all__ = [
    "WEEKDAYS",
    "WorkingHours",
    "BusinessCalendar",
    "DEFAULT_HOURS",
    "parse_hours",
    "format_hours",
    "parse_holiday",
    "parse_business_duration",
    "format_business_duration",
    "hours_by_weekday",
]

# Monday first, as `date.weekday()` counts; the short names are what the API, the CLI and the forms use
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_MINUTES_A_DAY = 24 * 60
# How far ahead a deadline is looked for before the calendar is called empty (ten years of days)
_SEARCH_DAYS = 3660


@dataclass(frozen=True)
class WorkingHours:
    """One weekday's working hours, in minutes after local midnight: 540-1020 is 09:00 to 17:00; 0-1440 the
    whole day."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if not (0 <= self.start < self.end <= _MINUTES_A_DAY):
            raise InvalidInput(f"Working hours must start before they end, within one day (got "
                               f"{_clock(self.start)}-{_clock(self.end)})", field="hours")

    def __str__(self) -> str:
        return f"{_clock(self.start)}-{_clock(self.end)}"


# Monday to Friday, 09:00 to 17:00: what a new partition's calendar says until it is changed
DEFAULT_HOURS: tuple[WorkingHours | None, ...] = (*(WorkingHours(540, 1020),) * 5, None, None)


@dataclass(frozen=True)
class BusinessCalendar:
    """When a partition's closers are at work: hours per weekday (Monday first; None for a day off), holidays
    (whole local dates off), in the partition's time zone (an IANA name such as "Europe/London")."""

    timezone: str = "UTC"
    hours: tuple[WorkingHours | None, ...] = DEFAULT_HOURS
    holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise InvalidInput(f"Unknown time zone {self.timezone!r}: use an IANA name such as Europe/London",
                               field="timezone") from None
        if len(self.hours) != 7:
            raise InvalidInput("Working hours are given for each of the seven weekdays", field="hours")
        if all(h is None for h in self.hours):
            raise InvalidInput("A business calendar needs at least one working day", field="hours")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_working_day(self, day: date) -> bool:
        return self.hours[day.weekday()] is not None and day not in self.holidays

    def windows(self, first: date, last: date) -> Iterator[tuple[datetime, datetime]]:
        """The working windows of local dates `first` to `last`, as UTC instants, in order."""
        zone = self.zone
        day = first
        while day <= last:
            hours = self.hours[day.weekday()]
            if hours is not None and day not in self.holidays:
                start, end = _instant(day, hours.start, zone), _instant(day, hours.end, zone)
                if start < end:
                    yield start, end
            day += timedelta(days=1)

    def business_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Working time from `start` to `end` (none if `end` is not after `start`)."""
        _aware(start, "start")
        _aware(end, "end")
        if end <= start:
            return timedelta(0)
        total = timedelta(0)
        for w_start, w_end in self.windows(self._local_date(start) - timedelta(days=1),
                                           self._local_date(end) + timedelta(days=1)):
            overlap = min(w_end, end) - max(w_start, start)
            if overlap > timedelta(0):
                total += overlap
        return total

    def deadline_after(self, start: datetime, duration: timedelta) -> datetime:
        """The earliest instant (UTC) by which `duration` of working time has passed since `start`."""
        _aware(start, "start")
        start = start.astimezone(UTC)
        if duration <= timedelta(0):
            return start
        left = duration
        first = self._local_date(start) - timedelta(days=1)
        for w_start, w_end in self.windows(first, first + timedelta(days=_SEARCH_DAYS)):
            if w_end <= start:
                continue
            begin = max(w_start, start)
            if left <= w_end - begin:
                return begin + left
            left -= w_end - begin
        raise InvalidInput("The business calendar has no working time in the next ten years: check its hours "
                           "and holidays", field="holidays")

    def _local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()


def _instant(day: date, minute: int, zone: ZoneInfo) -> datetime:
    """Local `day` at `minute` after midnight (1440: the next midnight), as a UTC instant."""
    day += timedelta(days=minute // _MINUTES_A_DAY)
    minute %= _MINUTES_A_DAY
    return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone).astimezone(UTC)


def _aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be a time-zone-aware datetime")


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–to ]+\s*(\d{1,2}):(\d{2})\s*$")


def parse_hours(text: str | None, field_name: str = "hours") -> WorkingHours | None:
    """"09:00-17:00" as working hours; "", "-", "closed" or "off" as a day off; "24:00" ends at midnight."""
    raw = (text or "").strip().lower()
    if raw in ("", "-", "closed", "off", "none"):
        return None
    match = _HOURS.match(raw)
    if match is None:
        raise InvalidInput(f"Write working hours as HH:MM-HH:MM, e.g. 09:00-17:00, or 'closed' (got {text!r})",
                           field=field_name)
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2):
        raise InvalidInput(f"{text!r} is not a time of day", field=field_name)
    try:
        return WorkingHours(h1 * 60 + m1, h2 * 60 + m2)
    except InvalidInput as exc:
        raise InvalidInput(exc.message, field=field_name) from None


def format_hours(hours: WorkingHours | None) -> str:
    return str(hours) if hours is not None else "closed"


def parse_holiday(text: str | date, field_name: str = "holidays") -> date:
    """A holiday as a date (YYYY-MM-DD)."""
    if isinstance(text, date):
        return text
    try:
        return date.fromisoformat(str(text).strip())
    except ValueError:
        raise InvalidInput(f"Write a holiday as a date, YYYY-MM-DD (got {text!r})", field=field_name) from None


_DURATION = re.compile(r"^\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?\s*$", re.IGNORECASE)


def parse_business_duration(text: str | int | None, field_name: str) -> timedelta | None:
    """"4h", "1h30m", "90m" or a whole number of minutes as business time; "" or "-" for none."""
    if text is None or (isinstance(text, str) and text.strip() in ("", "-", "none")):
        return None
    if isinstance(text, bool):
        raise InvalidInput(f"Write a business time as hours and minutes, e.g. 4h or 1h30m (got {text!r})",
                           field=field_name)
    if isinstance(text, int) or text.strip().isdigit():
        minutes = int(text)
    else:
        match = _DURATION.match(text)
        if match is None or not any(match.groups()):
            raise InvalidInput(f"Write a business time as hours and minutes, e.g. 4h or 1h30m (got {text!r})",
                               field=field_name)
        minutes = int(match.group(1) or 0) * 60 + int(match.group(2) or 0)
    if not 0 < minutes <= 10_000 * 60:
        raise InvalidInput(f"A business time is more than 0 and at most 10000 hours (got {text!r})",
                           field=field_name)
    return timedelta(minutes=minutes)


def format_business_duration(value: timedelta | None) -> str:
    """"4h", "1h30m", "45m"; negative values (overdue time) keep their sign."""
    if value is None:
        return "-"
    sign = "-" if value < timedelta(0) else ""
    minutes = int(abs(value).total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    text = (f"{hours}h" if hours else "") + (f"{rest}m" if rest or not hours else "")
    return sign + text


def hours_by_weekday(hours: Iterable[WorkingHours | None]) -> dict[str, str]:
    """{"mon": "09:00-17:00", ..., "sun": "closed"}."""
    return {name: format_hours(h) for name, h in zip(WEEKDAYS, hours, strict=True)}
