"""Building an alert email: a pure function from a :class:`Batch` to a message.

Nothing here reads the database, the clock or the network, so the output
can be compared with golden files. Everything that came from a crawled page
is escaped in the HTML part (autoescape) and stripped of control characters
before it goes near a header.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from crawler.sources.spec import source_label
from crawler.text.dates import ALMATY, iso_utc

CATEGORY_NAMES = {
    "world_craft_city": "Всемирный город ремёсел",
    "world_crafts_council": "Всемирный совет ремёсел",
    "crafts": "ремёсла",
}
_SUBJECT_TITLE_LEN = 80


@dataclass(frozen=True)
class Outlet:
    source: str
    lang: str
    url: str


@dataclass(frozen=True)
class StoryEntry:
    story_id: int | None
    title: str
    source: str
    lang: str
    url: str
    published_at: datetime | None  # aware
    snippet: str
    highlight: str  # the words in the snippet that matched
    categories: tuple[str, ...]
    other_outlets: tuple[Outlet, ...] = ()
    datasette_url: str | None = None  # the story's page in Datasette
    article_datasette_url: str | None = None  # the article's row page in Datasette
    alert_ids: tuple[int, ...] = ()  # the outbox rows this entry stands for


@dataclass(frozen=True)
class HealthEntry:
    source: str
    reason: str
    noticed_at: datetime
    alert_id: int | None = None  # the outbox row


@dataclass(frozen=True)
class Batch:
    """Everything one message says to one recipient."""

    recipient: str
    name: str
    mode: str  # immediate | daily
    alert_ids: tuple[int, ...]
    stories: tuple[StoryEntry, ...] = ()  # the ones listed, newest first
    health: tuple[HealthEntry, ...] = ()
    more: int = 0  # stories in this batch not listed: "and N more"
    browse_url: str | None = None  # where every mention can be browsed (Datasette)
    feed_url: str | None = None  # the Atom feed of new mentions (Datasette)
    backlog: int | None = None  # a quiet start: stories already in the archive
    test: bool = False  # a test message (``crawler alerts --test``)

    @property
    def total(self) -> int:
        """Stories this message is about, listed or not."""
        return len(self.stories) + self.more


def make_message_id(
    recipient: str, alert_ids: tuple[int, ...] | list[int], sender: str, salt: str = ""
) -> str:
    """The same recipient and alerts always give the same Message-ID (``salt``
    tells apart messages that carry no alerts, such as tests)."""
    key = recipient.casefold() + ":" + ",".join(str(i) for i in sorted(alert_ids)) + salt
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    domain = parseaddr(sender)[1].rpartition("@")[2] or "crafts-crawler.localhost"
    return f"<alerts.{digest}@{domain}>"


def clean_header(value: str, limit: int = 200) -> str:
    """One line of text safe for a header: control, format and line-separator
    characters become spaces; whitespace runs collapse."""
    chars = [" " if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c for c in value]
    text = " ".join("".join(chars).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def local_time(value: datetime | None) -> str:
    if value is None:
        return "дата неизвестна"
    return value.astimezone(ALMATY).strftime("%d.%m.%Y %H:%M") + " (Алматы)"


def highlight_parts(snippet: str, needle: str) -> list[tuple[str, bool]]:
    """Split a snippet into (text, is_match) pieces around each match of ``needle``."""
    if not needle.strip():
        return [(snippet, False)]
    pieces: list[tuple[str, bool]] = []
    last = 0
    for match in re.finditer(re.escape(needle.strip()), snippet, flags=re.IGNORECASE):
        if match.start() > last:
            pieces.append((snippet[last : match.start()], False))
        pieces.append((match.group(0), True))
        last = match.end()
    if last < len(snippet):
        pieces.append((snippet[last:], False))
    return pieces


def highlight_html(snippet: str, needle: str) -> Markup:
    return Markup("").join(
        Markup("<mark>%s</mark>") % text if hit else escape(text)
        for text, hit in highlight_parts(snippet, needle)
    )


def highlight_text(snippet: str, needle: str) -> str:
    return "".join(f"*{text}*" if hit else text for text, hit in highlight_parts(snippet, needle))


def subject_for(batch: Batch, today: str) -> str:
    n = batch.total
    if batch.test:
        return "Проверка канала: мониторинг упоминаний ремёсел"
    if n and batch.stories:
        first = clean_header(batch.stories[0].title, _SUBJECT_TITLE_LEN)
        more = f" и ещё {n - 1}" if n > 1 else ""
        if batch.mode == "daily":
            subject = f"Дайджест упоминаний ремёсел за {today}: «{first}»{more}"
        else:
            subject = f"Упоминания ремёсел: «{first}»{more}"
        if batch.health:
            subject += " + проблемы со сбором"
    elif batch.backlog is not None:
        subject = f"Мониторинг упоминаний ремёсел подключён: в архиве историй — {batch.backlog}"
    else:
        sources = ", ".join(sorted({clean_header(h.source, 40) for h in batch.health}))
        subject = f"Проблема со сбором новостей: {sources}"
    return clean_header(subject, 250)


@cache
def _env() -> Environment:
    env = Environment(
        loader=PackageLoader("crawler.alerts", "templates"),
        autoescape=select_autoescape(["html"], default_for_string=False, default=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        source_name=source_label,
        category_name=lambda c: CATEGORY_NAMES.get(c, c),
        local_time=local_time,
        highlight_html=highlight_html,
        highlight_text=highlight_text,
    )
    return env


def _context(batch: Batch, now: datetime, email: bool = True) -> dict[str, object]:
    return {
        "email": email,  # the text part of an email, or a message of another channel
        "batch": batch,
        "today": now.astimezone(ALMATY).strftime("%d.%m.%Y"),
        "stories": batch.stories,
        "health": batch.health,
        "greeting_name": clean_header(batch.name, 80),
    }


def render_text(batch: Batch, now: datetime, *, email: bool = True) -> str:
    """The plain-text body of a batch: the email's text part, or (``email=False``)
    the text other channels send."""
    return _env().get_template("alert_email.txt").render(_context(batch, now, email))


def render_message(
    batch: Batch, *, sender: str, now: datetime, message_id: str | None = None
) -> EmailMessage:
    """The multipart (text + HTML) message for one batch. Pure and deterministic."""
    # A mail server may drop a second message with a known Message-ID: each test differs.
    salt = f":test:{iso_utc(now)}" if batch.test else ""
    message_id = message_id or make_message_id(batch.recipient, batch.alert_ids, sender, salt)
    context = _context(batch, now)
    today = str(context["today"])
    text = render_text(batch, now)
    html = _env().get_template("alert_email.html").render(context)

    msg = EmailMessage(policy=SMTP)
    sender_name, sender_addr = parseaddr(sender)
    msg["From"] = _address(sender_name, sender_addr)
    msg["To"] = _address(batch.name, batch.recipient)
    set_subject(msg, subject_for(batch, today))
    msg["Date"] = format_datetime(now.astimezone(UTC))
    msg["Message-ID"] = message_id
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text, subtype="plain", charset="utf-8")
    msg.add_alternative(html, subtype="html", charset="utf-8")
    # A fixed boundary keeps the message byte-for-byte reproducible.
    msg.set_boundary("=_alert_" + hashlib.sha256(message_id.encode()).hexdigest()[:24])
    return msg


def set_subject(msg: EmailMessage, subject: str) -> None:
    """Set the Subject so that every space survives folding.

    ``policy.SMTP`` folds a long non-ASCII subject into encoded words and may
    put the space between two words *between* two encoded words, where
    readers drop it (RFC 2047 ignores whitespace between encoded words): «…
    фестиваль ремесел» arrived as «фестивальремесел». The legacy encoder
    keeps every space inside an encoded word; the folded value is stored as
    is, since its lines are short enough not to be refolded.
    """
    if subject.isascii():
        msg["Subject"] = subject
        return
    folded = Header(subject, "utf-8", header_name="Subject").encode(linesep=msg.policy.linesep)
    msg.set_raw("Subject", folded)


def _address(name: str, addr: str) -> Address:
    user, _, domain = addr.partition("@")
    return Address(display_name=clean_header(name, 80), username=user, domain=domain)
