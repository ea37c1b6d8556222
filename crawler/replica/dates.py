"""Dates as the replica sites print them: visible Russian/Kazakh text, ISO, HTTP, RFC 822."""

from __future__ import annotations

from datetime import UTC as UTC_TZ
from datetime import datetime
from email.utils import format_datetime
from zoneinfo import ZoneInfo

from crawler.replica import textgen_kk, textgen_ru

ALMATY = ZoneInfo("Asia/Almaty")
UTC = ZoneInfo("UTC")


def local(dt: datetime) -> datetime:
    return dt.astimezone(ALMATY)


def visible(dt: datetime, lang: str) -> str:
    """``25 ноября 2026, 14:30`` (ru) or ``25 қараша 2026, 14:30`` (kk), Almaty time."""
    d = local(dt)
    months = textgen_kk.MONTHS if lang == "kk" else textgen_ru.MONTHS
    return f"{d.day} {months[d.month - 1]} {d.year}, {d:%H:%M}"


def iso(dt: datetime) -> str:
    """``2026-11-25T14:30:00+05:00`` in Almaty time."""
    return local(dt).isoformat()


def naive_local(dt: datetime) -> str:
    """The akimat API's ``created_date``: ``2025-10-07T17:00:00.000``, Almaty time, no zone."""
    return local(dt).strftime("%Y-%m-%dT%H:%M:%S.000")


def rfc822(dt: datetime) -> str:
    return format_datetime(local(dt))


def http_date(dt: datetime) -> str:
    return format_datetime(dt.astimezone(UTC_TZ), usegmt=True)
