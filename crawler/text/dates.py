"""Turn the dates news sites print into aware UTC datetimes.

Handles ISO 8601, RFC 822 (RSS), day-first numeric dates, Russian, Kazakh
(Cyrillic and both Latin alphabets) and English month names, and relative
phrases («вчера в 18:40», «2 часа назад», «кеше 18:40»). Times without a zone
are Almaty local time. Fast regex paths run first; dateparser is the last
resort because it costs about a millisecond per call.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

__all__ = ["ALMATY", "find_date_text", "iso_utc", "parse_date", "to_local"]

log = logging.getLogger(__name__)

ALMATY = ZoneInfo("Asia/Almaty")

# Longer inputs are page fragments, not dates; looking further only costs time.
_MAX_LEN = 256
_MIN_YEAR, _MAX_YEAR = 1900, 2100

_DATEPARSER_SETTINGS = {
    "DATE_ORDER": "DMY",
    "TIMEZONE": "Asia/Almaty",
    "RETURN_AS_TIMEZONE_AWARE": True,
    "TO_TIMEZONE": "UTC",
    "PREFER_DATES_FROM": "past",
}

# Month names. Prefix stems match inflected and case-ending forms
# («ноября», «қарашадағы», «наурызда»); exact words are abbreviations and
# forms too short to use as a prefix safely.
_MONTH_STEMS: dict[str, int] = {}
_MONTH_EXACT: dict[str, int] = {}


def _add(month: int, stems: str = "", exact: str = "") -> None:
    for stem in stems.split():
        _MONTH_STEMS[stem] = month
    for word in exact.split():
        _MONTH_EXACT[word] = month


# Russian
_add(1, "январ", "янв")
_add(2, "феврал", "фев февр")
_add(3, "март", "мар")
_add(4, "апрел", "апр")
_add(5, "", "май мая мае")
_add(6, "июн", "")
_add(7, "июл", "")
_add(8, "август", "авг")
_add(9, "сентябр", "сен сент")
_add(10, "октябр", "окт")
_add(11, "ноябр", "ноя")
_add(12, "декабр", "дек")
# Kazakh, Cyrillic (and the spellings without Kazakh-specific letters)
_add(1, "қаңтар кантар каңтар")
_add(2, "ақпан акпан")
_add(3, "наурыз")
_add(4, "сәуір сауир сәуiр сэуир")
_add(5, "мамыр")
_add(6, "маусым")
_add(7, "шілде шилде")
_add(8, "тамыз")
_add(9, "қыркүйек кыркуйек")
_add(10, "қазан казан")
_add(11, "қараша караша")
_add(12, "желтоқсан желтоксан")
# Kazakh, Latin: the 2018 alphabet (acute accents, apostrophe-free) and the 2021 one
_add(1, "qañtar qantar qańtar")
_add(2, "aqpan")
_add(3, "nauryz naýryz")
_add(4, "sáuir sauir säuir sәuir")
_add(5, "mamyr")
_add(6, "mausym maýsym")
_add(7, "shilde şilde")
_add(8, "tamyz")
_add(9, "qyrkúiek qyrkuiek qyrküiek qyrkýiek qyrkúıek qyrkuıek qyrkuyek")
_add(10, "qazan")
_add(11, "qarasha")
_add(12, "jeltoqsan zheltoqsan jeltoksan")
# English
for _i, _name in enumerate(
    [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ],
    start=1,
):
    _add(_i, "", f"{_name} {_name[:3]}")
_add(9, "", "sept")

_STEM_LENGTHS = sorted({len(s) for s in _MONTH_STEMS}, reverse=True)


def month_number(word: str) -> int | None:
    """Month 1–12 for a (lower-case) month word in any supported language, else None."""
    word = word.lower().rstrip(".")
    found = _MONTH_EXACT.get(word)
    if found:
        return found
    for n in _STEM_LENGTHS:
        if n <= len(word):
            found = _MONTH_STEMS.get(word[:n])
            if found:
                return found
    return None


_LETTER = r"[^\W\d_]"
_WORD = _LETTER + "+"
_ISO_RE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?:[T\s](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?",
    re.IGNORECASE,
)
_RFC822_RE = re.compile(r"^(?:[a-z]{3},?\s*)?\d{1,2}\s+[a-z]{3}\s+\d{2,4}\s+\d{1,2}:\d{2}", re.I)
_DMY_RE = re.compile(r"(?<![\d.:/-])(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})(?![\d:]|[./-]\d)")
_YMD_RE = re.compile(r"(?<![\d.])(\d{4})([./-])(\d{1,2})\2(\d{1,2})(?![\d])")
_TIME_RE = re.compile(
    r"(?<![\d:.])([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?(?:\s*([ap])\.?m\b\.?)?"
)
_DAY_MONTH_RE = re.compile(rf"(?<![\d.:])(\d{{1,2}})(?:\s*-\s*|\s+|(?={_WORD}))({_WORD})")
_MONTH_DAY_RE = re.compile(rf"({_WORD})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?![.:]\d)")
_YEAR_RE = re.compile(r"(?<![\d:.])(\d{4})(?![\d:])")
_NUMBER_AFTER_RE = re.compile(r"\.?\s*,?\s*(\d+)(?![:\d])")

_DAY_OFFSETS = (
    (re.compile(r"\b(?:позавчера|алдыңғы\s+күні|day\s+before\s+yesterday)\b"), -2),
    (re.compile(r"\b(?:вчера|кеше|keshe|yesterday)\b"), -1),
    (re.compile(r"\b(?:сегодня|бүгін|bügin|búgin|bugin|today)\b"), 0),
)
_JUST_NOW_RE = re.compile(r"\b(?:только\s+что|жаңа\s+ғана|just\s+now)\b")
_AGO_RE = re.compile(rf"(?:(\d+)\s*)?({_WORD})\.?\s+(?:назад|бұрын|buryn|burin|ago)\b")
_UNIT_PREFIXES = (
    ("сек", 1),
    ("мин", 60),
    ("час", 3600),
    ("ч", 3600),
    ("сағ", 3600),
    ("дн", 86400),
    ("ден", 86400),
    ("сут", 86400),
    ("күн", 86400),
    ("нед", 604800),
    ("апта", 604800),
    ("мес", 2592000),
    ("ай", 2592000),
    ("sec", 1),
    ("min", 60),
    ("hour", 3600),
    ("hr", 3600),
    ("day", 86400),
    ("week", 604800),
    ("month", 2592000),
)
_INVISIBLE_RE = re.compile(r"[\u00ad\u200b-\u200f\u2060\ufeff]")
_SPACE_RE = re.compile(r"\s+")


def parse_date(
    text: str | None, lang: str | None = None, *, now: datetime | None = None
) -> datetime | None:
    """Parse a printed date into an aware UTC datetime, or None when it cannot tell.

    >>> parse_date("25 ноября 2026, 14:30")
    datetime.datetime(2026, 11, 25, 9, 30, tzinfo=datetime.timezone.utc)

    Never raises. ``now`` anchors relative dates and year-less dates
    (default: the current time).
    """
    try:
        return _parse(text, lang, now)
    except Exception:  # a bad date must never stop a crawl
        log.debug("unparseable date %r", text, exc_info=True)
        return None


def to_local(dt: datetime) -> datetime:
    """The same instant in Almaty local time (naive input is taken as UTC)."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(ALMATY)


def iso_utc(dt: datetime) -> str:
    """ISO 8601 in UTC with seconds precision: ``2026-11-25T09:30:00Z`` (naive = UTC)."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text[: _MAX_LEN * 16].strip()[:_MAX_LEN])
    text = _INVISIBLE_RE.sub("", text)
    return _SPACE_RE.sub(" ", text).strip()


def _parse(text: object, lang: str | None, now: datetime | None) -> datetime | None:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if not isinstance(text, str):
        return None
    s = _normalise(text)
    if not s or not any(c.isdigit() or c.isalpha() for c in s):
        return None
    if now is None:
        now = datetime.now(UTC)
    elif now.tzinfo is None:
        now = now.replace(tzinfo=ALMATY)

    if s[:4].isdigit():
        found = _from_iso(s)
        if found is not None:
            return found
    if _RFC822_RE.match(s):
        try:
            return _finish(parsedate_to_datetime(s))
        except (TypeError, ValueError, IndexError):
            pass
    low = s.lower()
    for parse in (_relative, _numeric, _with_month_name):
        found = parse(low, now)
        if found is not None:
            return found
    return _dateparser(s, lang, now)


def _finish(dt: datetime) -> datetime | None:
    """Aware UTC result; naive values are Almaty wall-clock time."""
    if not _MIN_YEAR <= dt.year <= _MAX_YEAR:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=ALMATY)
    return dt.astimezone(UTC)


def _local(y: int, mo: int, d: int, time: tuple[int, int, int] | None) -> datetime | None:
    try:
        return _finish(datetime(y, mo, d, *(time or (0, 0, 0))))
    except ValueError:  # 31 February and friends
        return None


def _from_iso(s: str) -> datetime | None:
    if len(s) <= 40:
        try:
            return _finish(datetime.fromisoformat(s))
        except ValueError:
            pass
    m = _ISO_RE.match(s)
    if not m:
        return None
    y, mo, d, hh, mi, ss, zone = m.groups()
    try:
        dt = datetime(int(y), int(mo), int(d), int(hh or 0), int(mi or 0), int(ss or 0))
    except ValueError:
        return None
    if zone:
        if zone.upper() == "Z":
            zone = "+00:00"
        elif ":" not in zone:
            zone = f"{zone[:3]}:{zone[3:]}"
        try:
            dt = datetime.fromisoformat(dt.isoformat() + zone)
        except ValueError:
            return None
    return _finish(dt)


def _time_in(s: str) -> tuple[int, int, int] | None:
    m = _TIME_RE.search(s)
    if not m:
        return None
    hh, mi, ss, ampm = int(m[1]), int(m[2]), int(m[3] or 0), m[4]
    if ampm and hh <= 12:
        hh = hh % 12 + (12 if ampm.lower() == "p" else 0)
    return hh, mi, ss


def _relative(low: str, now: datetime) -> datetime | None:
    if _JUST_NOW_RE.search(low):
        return now.astimezone(UTC).replace(microsecond=0)
    for pattern, days in _DAY_OFFSETS:
        if pattern.search(low):
            day = now.astimezone(ALMATY).date() + timedelta(days=days)
            return _local(day.year, day.month, day.day, _time_in(low))
    m = _AGO_RE.search(low)
    if m:
        unit = m[2]
        for prefix, seconds in _UNIT_PREFIXES:
            if unit.startswith(prefix):
                count = int(m[1]) if m[1] else 1
                if count > 100_000:
                    return None
                return (
                    (now - timedelta(seconds=count * seconds))
                    .astimezone(UTC)
                    .replace(microsecond=0)
                )
    return None


def _numeric(low: str, now: datetime) -> datetime | None:
    m = _YMD_RE.search(low)
    if m:
        y, mo, d = int(m[1]), int(m[3]), int(m[4])
    else:
        m = _DMY_RE.search(low)
        if not m:
            return None
        d, mo, y = int(m[1]), int(m[3]), int(m[4])
        if y < 100:
            y += 2000
    rest = low[: m.start()] + " " + low[m.end() :]
    return _local(y, mo, d, _time_in(rest))


def _year_after(low: str, span: tuple[int, int]) -> tuple[int | None, tuple[int, int]]:
    """A year printed right after day and month; -1 for a number too long to be one."""
    after = _NUMBER_AFTER_RE.match(low, span[1])
    if not after or len(after[1]) < 4:
        return None, span
    if len(after[1]) > 4:
        return -1, span
    return int(after[1]), (span[0], after.end())


def _with_month_name(low: str, now: datetime) -> datetime | None:
    day = month = year = None
    span = (0, 0)
    for m in _DAY_MONTH_RE.finditer(low):
        month = month_number(m[2])
        if month:
            day, span = int(m[1]), m.span()
            year, span = _year_after(low, span)
            break
    else:
        for m in _MONTH_DAY_RE.finditer(low):
            month = month_number(m[1])
            if month:
                day, span = int(m[2]), m.span()
                year, span = _year_after(low, span)
                break
    if not month or not day or year == -1:
        return None
    if year is None:
        # «2025 жылғы 19 қарашадағы»: the year comes first.
        before = _YEAR_RE.findall(low[: span[0]])
        if before:
            year = int(before[-1])
    rest = low[: span[0]] + " " + low[span[1] :]
    time = _time_in(rest)
    if year is None:
        today = now.astimezone(ALMATY).date()
        year = today.year
        try:
            if date(year, month, day) > today:
                year -= 1
        except ValueError:
            return None
    return _local(year, month, day, time)


def _dateparser(s: str, lang: str | None, now: datetime) -> datetime | None:
    if not any(c.isalpha() for c in s) or not any(c.isdigit() for c in s):
        return None  # «12» or «ноябрь» alone: not a date we can tell
    import dateparser  # slow to import; most dates never need it

    languages = ["ru", "kk", "en"]
    if lang in languages:
        languages.remove(lang)
        languages.insert(0, lang)
    settings = dict(_DATEPARSER_SETTINGS)
    settings["RELATIVE_BASE"] = now.astimezone(ALMATY).replace(tzinfo=None)
    found = dateparser.parse(s, languages=languages, settings=settings)
    if found is None:
        return None
    return _finish(found)


# Raw date text in a page (the generic extractor looks for it near the headline).
_MONTH_WORDS = sorted(list(_MONTH_STEMS) + list(_MONTH_EXACT), key=len, reverse=True)
_MONTH_ALT = "|".join(re.escape(w) for w in _MONTH_WORDS)
_TIME_TXT = r"(?:[,\s|]+(?:в\s+|at\s+|сағ\.?\s*)?\d{1,2}:\d{2}(?::\d{2})?)?"
_DATE_TEXT_RE = re.compile(
    "|".join(
        [
            r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?",
            r"\d{1,2}:\d{2}[,\s|]+\d{1,2}[./]\d{1,2}[./]\d{4}",
            rf"\d{{1,2}}[./]\d{{1,2}}[./]\d{{4}}{_TIME_TXT}",
            rf"\d{{4}}\s*(?:жылғы|жылы|ж\.|jylǵy|jylgy|jyly)\s*\d{{1,2}}\s*-?\s*(?:{_MONTH_ALT})"
            rf"{_LETTER}*{_TIME_TXT}",
            rf"\d{{1,2}}\s*-?\s*(?:{_MONTH_ALT}){_LETTER}*\.?(?:,?\s*\d{{4}}(?:\s*(?:г\.|года|ж\.))?)?"
            rf"{_TIME_TXT}",
        ]
    ),
    re.IGNORECASE,
)


def find_date_text(text: str) -> str | None:
    """The first date-like substring of ``text`` that parse_date accepts, as printed."""
    try:
        for m in _DATE_TEXT_RE.finditer(text[:2000]):
            raw = m.group(0).strip(" ,|")
            if parse_date(raw) is not None:
                return raw
    except Exception:
        log.debug("date search failed", exc_info=True)
    return None
