"""The date range statistics cover: whole local days (Asia/Seoul, the project's time zone),
from `start` to `end` inclusive, and the calendar months they touch."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

MAX_MONTHS = 60  # five years of monthly bars is the most a page shows


def add_months(day: date, months: int) -> date:
    """The first day of the month `months` after `day`'s month (negative goes back)."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def months_between(start: date, end: date) -> int:
    """How many calendar months from start's month to end's month, both counted."""
    return (end.year - start.year) * 12 + end.month - start.month + 1


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    @classmethod
    def default(cls, today: date | None = None) -> "Period":
        """The last 12 months: the current month (so far) and the 11 before it."""
        today = today or timezone.localdate()
        return cls(start=add_months(today, -11), end=today)

    @property
    def tz(self):
        return timezone.get_default_timezone()

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=self.tz)

    @property
    def end_before(self) -> datetime:
        """The first instant after the range (exclusive bound)."""
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=self.tz)

    def months(self) -> list[date]:
        """First days of every month the range touches, oldest first."""
        return [add_months(self.start, n) for n in range(months_between(self.start, self.end))]

    def range_q(self, field: str) -> dict:
        """Filter kwargs selecting `field` inside the range (uses an index on the column)."""
        return {f"{field}__gte": self.start_at, f"{field}__lt": self.end_before}
