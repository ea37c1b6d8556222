"""The alert job: settle the send log, queue new alerts, send what is due.

The job knows channels only through :class:`~crawler.alerts.channels.Channel`:
email, and one channel per notification URL. Each recipient's alerts are
kept, sent, failed and retried per channel, so one channel's outage never
holds back another.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlite_utils

from crawler.alerts.channels.base import Channel, Message
from crawler.alerts.channels.email import EmailChannel, SmtpSettings
from crawler.alerts.channels.setup import build_channels, channels_of
from crawler.alerts.config import Recipient, Subscriptions
from crawler.alerts.gather import build_batch, list_fewer
from crawler.alerts.outbox import (
    due_alerts,
    enqueue_new_mentions,
    fan_out_health,
    now_utc,
    parse_iso,
    queued_count,
)
from crawler.alerts.render import Batch
from crawler.alerts.report import AlertReport, Failure, waiting_alerts
from crawler.alerts.send import claim, fail_unclaimed, reconcile, send_claimed
from crawler.alerts.settings import AlertSettings
from crawler.store.db import transaction
from crawler.text.dates import iso_utc

# No message may be larger than this on the wire (mail servers and webhooks
# refuse big ones, and nobody reads them): fewer stories are listed instead.
MAX_MESSAGE_BYTES = 100_000


def run_alerts(
    db: sqlite_utils.Database,
    subs: Subscriptions,
    smtp: SmtpSettings | None,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    send_backlog: bool = False,
    manual: bool = False,
    settings: AlertSettings | None = None,
    after_deliver: Callable[[], None] | None = None,
    channels: Sequence[Channel] | None = None,
) -> AlertReport:
    """Queue alerts for new mentions and send every due message.

    ``channels`` defaults to email with ``smtp`` (kept queued while that is
    None) and one channel per ``notify`` URL of the subscriptions.
    ``send_backlog``: a channel's first run sends the archive instead of the
    quiet-start notice. ``manual``: a person runs it, so alerts waiting for
    their retry go out at once. ``dry_run`` does all of it inside a
    transaction that is rolled back, and renders instead of sending.
    ``after_deliver`` is called after each accepted message, before it is
    marked (a test hook for crashes).
    """
    settings = settings or AlertSettings.from_env()
    if channels is None:
        channels = build_channels(subs, smtp, settings.notify_timeout)
    job = _Job(
        db=db,
        subs=subs,
        channels=channels,
        now=(now or now_utc()).replace(microsecond=0),
        settings=settings,
        report=AlertReport(dry_run=dry_run, manual=manual),
        after_deliver=after_deliver,
    )
    job.report.email_off = any(isinstance(c, EmailChannel) and c.not_ready() for c in channels)
    if dry_run:
        return job.dry_run(send_backlog)
    return job.run(send_backlog)


def fit(channel: Channel, batch: Batch, now: datetime) -> tuple[Batch, list[Message]]:
    """The batch as the channel's messages, listing fewer stories until every
    message is below :data:`MAX_MESSAGE_BYTES` (the rest are "and N more")."""
    while True:
        messages = channel.render_all(batch, now)
        if all(m.size < MAX_MESSAGE_BYTES for m in messages) or len(batch.stories) <= 1:
            return batch, messages
        batch = list_fewer(batch, len(batch.stories) // 2)


@dataclass
class _Job:
    db: sqlite_utils.Database
    subs: Subscriptions
    channels: Sequence[Channel]
    now: datetime
    settings: AlertSettings
    report: AlertReport
    after_deliver: Callable[[], None] | None
    failed: set[tuple[str, str]] = field(default_factory=set)  # (recipient, channel key)

    def channels_of(self, address: str) -> dict[str, Channel]:
        recipient = self.subs.by_email().get(address)
        return {} if recipient is None else channels_of(recipient, self.channels)

    def keys(self, recipient: Recipient) -> list[str]:
        return list(channels_of(recipient, self.channels))

    def enqueue(self, send_backlog: bool) -> None:
        before = self._notices()
        self.report.queued_new = enqueue_new_mentions(
            self.db, self.subs, self.now, channel_keys=self.keys, send_backlog=send_backlog
        )
        self.report.quiet_starts = self._notices() - before
        fan_out_health(self.db, self.subs, self.now, self.keys)

    def _notices(self) -> int:
        return self.db.execute("SELECT count(*) FROM alerts WHERE kind = 'backlog'").fetchone()[0]

    def run(self, send_backlog: bool) -> AlertReport:
        if self.channels:
            stale = max(c.stale_after for c in self.channels)
            self.report.requeued, self.report.unconfirmed = reconcile(self.db, self.now, stale)
        with transaction(self.db):
            self.enqueue(send_backlog)
        # Without any recipient configured, queued alerts wait rather than being cancelled.
        if self.channels and self.subs.recipients:
            try:
                self.send_due()
            finally:
                for channel in self.channels:
                    channel.close()
        self.report.still_queued = queued_count(self.db)
        self.report.waiting = waiting_alerts(
            self.db, self.now, label=self._label, not_ready=self._not_ready, tried=self.failed
        )
        return self.report

    def dry_run(self, send_backlog: bool) -> AlertReport:
        self.db.conn.commit()  # start from a clean slate: everything below is rolled back
        self.db.conn.execute("BEGIN")
        try:
            self.enqueue(send_backlog)
            for (address, key), rows in due_alerts(self.db, self.now, ignore_backoff=True).items():
                channel = self.channels_of(address).get(key)
                if channel is None:
                    continue
                for msg in self._messages(address, channel, rows):
                    carried = len(msg.alert_ids) if msg.alert_ids is not None else len(rows)
                    self.report.previews.append(
                        f"To: {msg.to}\nChannel: {channel.label}\nSubject: {msg.subject}\n"
                        f"Message-ID: {msg.message_id}\nAlerts: {carried}\nSize: {msg.size}\n\n"
                        f"{msg.text}"
                    )
            self.report.still_queued = queued_count(self.db)
        finally:
            self.db.conn.rollback()
        return self.report

    def _messages(
        self, address: str, channel: Channel, rows: list[dict[str, Any]]
    ) -> list[Message]:
        recipient = self.subs.by_email()[address]
        batch = build_batch(self.db, recipient, rows, max_stories=self.settings.max_stories)
        return fit(channel, batch, self.now)[1]

    def send_due(self) -> None:
        unreachable: dict[str, str] = {}  # channel key -> the error that showed it down
        due = due_alerts(self.db, self.now, ignore_backoff=self.report.manual)
        for (address, key), rows in due.items():
            ids = [row["id"] for row in rows]
            recipient = self.subs.by_email().get(address)
            if recipient is None:
                self._cancel(ids, "no longer subscribed")
                continue
            channel = self.channels_of(address).get(key)
            if channel is None:
                if _unsubscribed(recipient, key):
                    self._cancel(ids, "the notification URL is no longer subscribed")
                continue  # the channel is not configured for this run: the alerts wait
            if channel.not_ready():
                continue
            if key in unreachable:
                fail_unclaimed(self.db, ids, unreachable[key], self.now, self.settings.retry)
                self._failed(address, channel, unreachable[key], ids[0])
                continue
            error = self._deliver(channel, key, self._messages(address, channel, rows), ids)
            if error is not None:
                self._failed(address, channel, *error)
                if channel.unreachable():
                    unreachable[key] = error[0]

    def _deliver(
        self, channel: Channel, key: str, messages: list[Message], ids: list[int]
    ) -> tuple[str, int] | None:
        """Send one group's messages in order; on a failure, the parts not yet
        sent wait for the same retry. Return (error, a failed alert id) or None."""
        for index, msg in enumerate(messages):
            part = list(msg.alert_ids) if msg.alert_ids is not None else ids
            log_id = claim(self.db, msg, part, self.now, key)
            if not log_id:
                return None  # another sender got these alerts first
            error = send_claimed(
                self.db, channel, msg, part, log_id, self.now, self.settings.retry,
                self.after_deliver,
            )  # fmt: skip
            if error is None:
                self.report.messages_sent += 1
                self.report.alerts_sent += len(part)
                continue
            later = [i for m in messages[index + 1 :] for i in (m.alert_ids or ())]
            if later:
                fail_unclaimed(self.db, later, error, self.now, self.settings.retry)
            return error, part[0]
        return None

    def _failed(self, address: str, channel: Channel, error: str, alert_id: int) -> None:
        status, next_at = self.db.execute(
            "SELECT status, next_attempt_at FROM alerts WHERE id = ?", [alert_id]
        ).fetchone()
        outcome = {"rejected": "permanent", "unconfirmed": "unconfirmed"}.get(status, "retry")
        failure = Failure(address, channel.label, error, outcome, parse_iso(next_at))
        self.report.failures.append(failure)
        self.failed.add((address, channel.key))

    def _label(self, address: str, key: str) -> str | None:
        channel = self.channels_of(address).get(key)
        return None if channel is None else channel.label

    def _not_ready(self, address: str, key: str) -> str | None:
        channel = self.channels_of(address).get(key)
        return None if channel is None else channel.not_ready()

    def _cancel(self, ids: list[int], why: str) -> None:
        """Alerts for an address or URL no longer subscribed are dropped, not sent."""
        marks = ",".join("?" * len(ids))
        with transaction(self.db):
            self.db.execute(
                f"UPDATE alerts SET status = 'cancelled', last_error = ?, sent_at = NULL "  # noqa: S608 placeholders-only IN list
                f"WHERE id IN ({marks}) AND status = 'queued'",
                [f"{why} at {iso_utc(self.now)}", *ids],
            )


def _unsubscribed(recipient: Recipient, key: str) -> bool:
    """A notification URL's rows whose URL the recipient no longer lists."""
    from crawler.alerts.channels.notify import url_key

    return key != "email" and ":" in key and key not in {url_key(u) for u in recipient.notify}
