"""The one way pages and feeds show a time to readers: Almaty time with its zone.

The database keeps ISO 8601 in UTC; readers are in Almaty, whose offset changed
(UTC+6 until 2024-03-01, UTC+5 since), so the offset is printed beside the time.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from crawler.text.dates import ALMATY

# What a stored time looks like: "2026-12-02T09:30:00Z", "…+05:00", "2026-12-02 09:30".
ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")


def parse_time(value: str | datetime | None) -> datetime | None:
    """An aware datetime from a stored time (naive ones are UTC), else None."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and ISO_TIME.match(value.strip()):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    else:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def zone_label(moment: datetime) -> str:
    """``UTC+5`` for Almaty's offset at ``moment`` (aware)."""
    offset = moment.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02}" if rest else "")


def display_time(value: str | datetime | None) -> str:
    """``2026-12-02 14:30 Almaty (UTC+5)``; "" for no time, anything unreadable as it is."""
    if value is None or value == "":
        return ""
    moment = parse_time(value)
    if moment is None:
        return str(value)
    local = moment.astimezone(ALMATY)
    return f"{local:%Y-%m-%d %H:%M} Almaty ({zone_label(local)})"
