"""The alert job: settle the send log, queue new alerts, send what is due.

The job knows channels only through :class:`~crawler.alerts.channels.Channel`;
email is the one configured by default.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import sqlite_utils

from crawler.alerts.channels.base import Channel
from crawler.alerts.channels.email import SmtpSettings, email_channels
from crawler.alerts.config import Recipient, Subscriptions
from crawler.alerts.gather import build_batch
from crawler.alerts.outbox import (
    due_alerts,
    enqueue_new_mentions,
    fan_out_health,
    now_utc,
    queued_count,
)
from crawler.alerts.send import claim, fail_unclaimed, reconcile, send_claimed
from crawler.store.db import transaction
from crawler.text.dates import iso_utc


@dataclass
class AlertReport:
    queued_new: int = 0
    messages_sent: int = 0
    alerts_sent: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)  # (recipient, error)
    requeued: int = 0
    unconfirmed: int = 0
    still_queued: int = 0
    smtp_off: bool = False
    dry_run: bool = False
    previews: list[str] = field(default_factory=list)

    def line(self) -> str:
        if self.dry_run:
            return (
                f"alerts (dry run): {self.queued_new} would be queued, "
                f"{len(self.previews)} messages would be sent; nothing was sent or marked"
            )
        if self.smtp_off:
            return (
                f"alerts: {self.queued_new} new, {self.still_queued} queued; "
                "SMTP_HOST is not set, so nothing was sent"
            )
        text = (
            f"alerts: {self.queued_new} new, {self.messages_sent} messages sent "
            f"({self.alerts_sent} alerts), {len(self.failures)} failed, "
            f"{self.still_queued} queued"
        )
        if self.unconfirmed:
            text += f", {self.unconfirmed} unconfirmed after an interrupted send (not resent)"
        return text


def run_alerts(
    db: sqlite_utils.Database,
    subs: Subscriptions,
    smtp: SmtpSettings | None,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    skip_backlog: bool = False,
    after_deliver: Callable[[], None] | None = None,
    channels: Sequence[Channel] | None = None,
) -> AlertReport:
    """Queue alerts for new mentions and send every due message.

    ``channels`` defaults to email with ``smtp`` (none when ``smtp`` is None).
    ``dry_run`` does all of it inside a transaction that is rolled back, and
    renders instead of sending. ``after_deliver`` is called after each
    accepted message, before it is marked (a test hook for crashes).
    """
    now = (now or now_utc()).replace(microsecond=0)
    if channels is None:
        channels = email_channels(smtp, dry_run=dry_run)
    report = AlertReport(dry_run=dry_run, smtp_off=not channels and not dry_run)
    if dry_run:
        return _dry_run(db, subs, channels, now, skip_backlog, report)
    if channels:
        stale = max(channel.stale_after for channel in channels)
        report.requeued, report.unconfirmed = reconcile(db, now, stale)
    with transaction(db):
        report.queued_new = enqueue_new_mentions(db, subs, now, skip=skip_backlog)
        fan_out_health(db, subs, now)
    # Without any recipient configured, queued alerts wait rather than being cancelled.
    if channels and subs.recipients:
        _send_due(db, subs, channels, now, report, after_deliver)
    report.still_queued = queued_count(db)
    return report


def _channel_for(recipient: Recipient, channels: Sequence[Channel]) -> Channel | None:
    # An alert row has one status, so each recipient's alerts go through one
    # channel: the first the recipient has an address on.
    return next((c for c in channels if c.address(recipient) is not None), None)


def _dry_run(
    db: sqlite_utils.Database,
    subs: Subscriptions,
    channels: Sequence[Channel],
    now: datetime,
    skip_backlog: bool,
    report: AlertReport,
) -> AlertReport:
    db.conn.commit()  # start from a clean slate: everything below is rolled back
    db.conn.execute("BEGIN")
    try:
        report.queued_new = enqueue_new_mentions(db, subs, now, skip=skip_backlog)
        fan_out_health(db, subs, now)
        recipients = subs.by_email()
        for address, rows in due_alerts(db, now).items():
            recipient = recipients.get(address)
            channel = None if recipient is None else _channel_for(recipient, channels)
            if recipient is None or channel is None:
                continue
            msg = channel.render(build_batch(db, recipient, rows), now)
            report.previews.append(
                f"To: {msg.to}\nSubject: {msg.subject}\nMessage-ID: {msg.message_id}\n"
                f"Alerts: {len(rows)}\n\n{msg.text}"
            )
        report.still_queued = queued_count(db)
    finally:
        db.conn.rollback()
    return report


def _send_due(
    db: sqlite_utils.Database,
    subs: Subscriptions,
    channels: Sequence[Channel],
    now: datetime,
    report: AlertReport,
    after_deliver: Callable[[], None] | None,
) -> None:
    recipients = subs.by_email()
    unreachable: dict[str, str] = {}  # channel name -> the error that showed it down
    try:
        for key, rows in due_alerts(db, now).items():
            ids = [row["id"] for row in rows]
            recipient = recipients.get(key)
            if recipient is None:
                _cancel(db, ids, now)
                continue
            channel = _channel_for(recipient, channels)
            if channel is None:
                continue  # none of their channels is configured: the alerts wait
            if channel.name in unreachable:
                fail_unclaimed(db, ids, unreachable[channel.name], now)
                report.failures.append((key, unreachable[channel.name]))
                continue
            msg = channel.render(build_batch(db, recipient, rows), now)
            log_id = claim(db, msg, ids, now)
            if not log_id:
                continue  # another sender got these alerts first
            error = send_claimed(db, channel, msg, ids, log_id, now, after_deliver)
            if error is None:
                report.messages_sent += 1
                report.alerts_sent += len(ids)
            else:
                report.failures.append((key, error))
                if channel.unreachable():
                    unreachable[channel.name] = error
    finally:
        for channel in channels:
            channel.close()


def _cancel(db: sqlite_utils.Database, ids: list[int], now: datetime) -> None:
    """Alerts for an address no longer subscribed are dropped, not sent."""
    marks = ",".join("?" * len(ids))
    with transaction(db):
        db.execute(
            f"UPDATE alerts SET status = 'cancelled', last_error = ?, sent_at = NULL "  # noqa: S608 placeholders-only IN list
            f"WHERE id IN ({marks}) AND status = 'queued'",
            [f"no longer subscribed at {iso_utc(now)}", *ids],
        )
