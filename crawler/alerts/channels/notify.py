"""Notification URLs through Apprise: Telegram, JSON endpoints, and the rest.

One :class:`NotifyChannel` per URL, so each URL has its own outbox rows and
backoff. Each renders in its own format: ``tgram://`` Telegram's HTML subset,
split below 4 096 characters (:mod:`crawler.alerts.telegram`); ``json://`` /
``jsons://`` the plain text plus the stories as structured fields
(:mod:`crawler.alerts.json_body`); any other URL the plain text with a title.

Every call has a deadline (``CRAWLER_ALERT_NOTIFY_TIMEOUT``): a service that
does not answer never holds up the run. Because the request was already
sent, such a message may have arrived; it is ``unconfirmed`` and not resent.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import apprise

from crawler.alerts.channels.base import Channel, Message, Outcome
from crawler.alerts.config import Recipient
from crawler.alerts.json_body import document
from crawler.alerts.render import Batch, make_message_id, render_text, subject_for
from crawler.alerts.telegram import render_parts
from crawler.text.dates import ALMATY, iso_utc

TELEGRAM = ("tgram",)
JSON = ("json", "jsons")
# The version, title, message, attachments and type Apprise's JSON plugin posts
# itself, so the size of a JSON message can be measured before sending.
_APPRISE_JSON_FIELDS = ("version", "title", "message", "attachments", "type")

# Apprise logs each failure as a warning; the run reports it in its own words,
# so the library's log stays out of the command's output.
_log = logging.getLogger("apprise")
_log.addHandler(logging.NullHandler())
_log.propagate = False


class NotifyFailed(Exception):
    """The service did not take the message; the text is Apprise's reason."""


class NotifyTimedOut(Exception):
    """No answer before the deadline; the message may have arrived."""


@dataclass(frozen=True)
class Payload:
    title: str
    body: str
    body_format: str | None  # None: passed to the service exactly as rendered
    extras: dict[str, Any] | None = None  # JSON fields added beside Apprise's


def url_key(url: str) -> str:
    """The outbox key of a URL: its scheme and a digest (the URL may hold a token,
    and the database is browsable in Datasette)."""
    scheme = url.partition("://")[0].lower()
    return f"{scheme}:{hashlib.sha256(url.encode()).hexdigest()[:12]}"


class NotifyChannel(Channel):
    """One Apprise URL, for the recipients that list it under ``notify``."""

    name = "notify"
    failures = (NotifyFailed, NotifyTimedOut)

    def __init__(self, url: str, *, timeout: float) -> None:
        self.url = url
        self.scheme = url.partition("://")[0].lower()
        self.timeout = timeout
        self._asset = apprise.AppriseAsset(storage_mode="memory", service_timeout=timeout)
        plugin = apprise.Apprise.instantiate(url, asset=self._asset)
        if plugin is None:
            raise ValueError(f"Apprise does not know the scheme {self.scheme}://")
        # Apprise's own form of the URL with tokens and passwords masked.
        self._label = f"{self.scheme} {plugin.url(privacy=True).split('?')[0]}"

    @property
    def key(self) -> str:
        return url_key(self.url)

    @property
    def label(self) -> str:
        return self._label

    @property
    def format(self) -> str:
        if self.scheme in TELEGRAM:
            return "telegram"
        return "json" if self.scheme in JSON else "text"

    def address(self, recipient: Recipient) -> str | None:
        return self.url if self.url in recipient.notify else None

    def render(self, batch: Batch, now: datetime) -> Message:
        return self.render_all(batch, now)[0]

    def render_all(self, batch: Batch, now: datetime) -> list[Message]:
        subject = subject_for(batch, now.astimezone(ALMATY).strftime("%d.%m.%Y"))
        if self.format == "telegram":
            return [
                self._message(batch, part.alert_ids, subject, Payload("", part.text, None), now)
                for part in render_parts(batch, now)
            ]
        text = render_text(batch, now, email=False)
        if self.format == "json":
            message_id = self._message_id(batch, batch.alert_ids, now)
            extras = document(batch, message_id)
            payload = Payload(subject, text, "text", extras)
            return [self._message(batch, None, subject, payload, now)]
        return [self._message(batch, None, subject, Payload(subject, text, "text"), now)]

    def _message_id(self, batch: Batch, ids: tuple[int, ...], now: datetime) -> str:
        salt = f":test:{iso_utc(now)}" if batch.test else ""
        return make_message_id(f"{batch.recipient}/{self.key}", ids, "", salt)

    def _message(
        self,
        batch: Batch,
        ids: tuple[int, ...] | None,
        subject: str,
        payload: Payload,
        now: datetime,
    ) -> Message:
        return Message(
            address=self.url,
            to=f"{batch.recipient} ({self.label})",
            subject=subject,
            message_id=self._message_id(batch, batch.alert_ids if ids is None else ids, now),
            text=payload.body,
            payload=payload,
            size=_size(payload),
            alert_ids=ids,
        )

    def send(self, message: Message, before_handoff: Callable[[], None]) -> None:
        payload: Payload = message.payload
        notifier = apprise.Apprise(asset=self._asset)
        notifier.add(self._plugin(payload.extras))
        before_handoff()
        result = notifier.notify(
            body=payload.body,
            title=payload.title,
            body_format=payload.body_format,
            timeout=self.timeout,
        )
        if result:
            return
        reasons = [e.message for e in result.logs() if e.level in ("WARNING", "ERROR")]
        reason = "; ".join(dict.fromkeys(" ".join(r.split()) for r in reasons))
        if result.status == apprise.AppriseResultStatus.TIMEOUT:
            raise NotifyTimedOut(
                f"no answer within {self.timeout:g} s; it may have arrived, so it is not resent"
            )
        raise NotifyFailed(reason or "the service did not accept the message")

    def _plugin(self, extras: dict[str, Any] | None) -> Any:
        plugin = apprise.Apprise.instantiate(self.url, asset=self._asset)
        if not extras:
            return plugin
        # Payload extras are Apprise's way to add fields to a JSON post (the
        # ":name=value" URL arguments); here they carry the stories.
        parsed = type(plugin).parse_url(self.url)
        parsed["payload"] = {**(parsed.get("payload") or {}), **extras}
        return apprise.Apprise.instantiate(parsed, asset=self._asset)

    def classify(self, exc: BaseException) -> Outcome:
        return "unconfirmed" if isinstance(exc, NotifyTimedOut) else "retry"

    def describe(self, exc: BaseException) -> str:
        return " ".join(str(exc).split())[:500]


def _size(payload: Payload) -> int:
    if payload.extras is None:
        return len(payload.title.encode()) + len(payload.body.encode())
    body = dict.fromkeys(_APPRISE_JSON_FIELDS, "")
    body.update(title=payload.title, message=payload.body, **payload.extras)
    return len(json.dumps(body).encode())  # as Apprise sends it: ASCII with \\u escapes
