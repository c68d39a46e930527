"""The forms of the Closure SLA page: the business calendar, and the targets per priority."""

from __future__ import annotations

from typing import Any

from django import forms

from closeloop.closure import InvalidInput, limits
from closeloop.closure.calendar import WEEKDAYS, parse_holiday

from .fields import limited_text

__all__ = ["CalendarForm", "ClosureSlaForm"]

_DAY_NAMES = dict(zip(WEEKDAYS, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
                      strict=True))


class CalendarForm(forms.Form):
    """Time zone, hours per weekday ("09:00-17:00" or "closed") and holidays, one per line, and why."""

    timezone = forms.CharField(max_length=64, label="Time zone", help_text="An IANA name, e.g. Europe/London")
    holidays = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}),
                               help_text="One per line: YYYY-MM-DD and a name, e.g. 2026-12-25 Christmas Day")
    change_reason = limited_text(limits.CHANGE_REASON, rows=2, label="Change reason")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for day in WEEKDAYS:
            self.fields[day] = forms.CharField(max_length=20, required=False, label=_DAY_NAMES[day],
                                               help_text="HH:MM-HH:MM or closed")
        self.order_fields(["timezone", *WEEKDAYS, "holidays", "change_reason"])

    def day_fields(self) -> list[Any]:
        return [self[day] for day in WEEKDAYS]

    def hours(self) -> dict[str, str]:
        return {day: self.cleaned_data[day] for day in WEEKDAYS}

    def clean_holidays(self) -> list[tuple[str, str]]:
        """Each line as (date, name); a line that does not start with a date is refused, naming it."""
        out = []
        for number, line in enumerate(self.cleaned_data["holidays"].splitlines(), 1):
            if not line.strip():
                continue
            day, _, name = line.strip().partition(" ")
            try:
                parse_holiday(day)
            except InvalidInput:
                raise forms.ValidationError(f"Line {number}: start with a date, YYYY-MM-DD (got {day!r})") from None
            out.append((day, name.strip()))
        return out

    @staticmethod
    def initial_from(data: dict[str, Any]) -> dict[str, Any]:
        return {"timezone": data["timezone"], **data["hours"],
                "holidays": "\n".join(f"{h['date']} {h['name']}".strip() for h in data["holidays"])}


class ClosureSlaForm(forms.Form):
    """A business-time target per priority (empty: none) and the warning point, and why."""

    p1 = forms.CharField(max_length=20, required=False, label="P1 Critical")
    p2 = forms.CharField(max_length=20, required=False, label="P2 High")
    p3 = forms.CharField(max_length=20, required=False, label="P3 Medium")
    p4 = forms.CharField(max_length=20, required=False, label="P4 Low")
    warn_percent = forms.IntegerField(min_value=1, max_value=99, label="About to breach at (% of the target)")
    change_reason = limited_text(limits.CHANGE_REASON, rows=2, label="Change reason")

    def targets(self) -> dict[str, str | None]:
        return {p: self.cleaned_data[p] or None for p in ("p1", "p2", "p3", "p4")}

    @staticmethod
    def initial_from(data: dict[str, Any]) -> dict[str, Any]:
        return {**{p: t or "" for p, t in data["targets"].items()}, "warn_percent": data["warn_percent"]}
