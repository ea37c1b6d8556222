"""The alert job: settle the send log, queue new alerts, send what is due."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import sqlite_utils

from crawler.alerts.config import Subscriptions
from crawler.alerts.gather import build_batch
from crawler.alerts.outbox import (
    due_alerts,
    enqueue_new_mentions,
    fan_out_health,
    now_utc,
    queued_count,
)
from crawler.alerts.render import render_message
from crawler.alerts.send import claim, fail_unclaimed, reconcile, send_claimed, stale_after
from crawler.alerts.smtp import Connection, SmtpSettings, sender_from_env
from crawler.dates import iso_utc
from crawler.db import transaction


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
) -> AlertReport:
    """Queue alerts for new mentions and send every due message.

    ``dry_run`` does all of it inside a transaction that is rolled back, and
    renders instead of sending. ``after_deliver`` is called after each
    accepted message, before it is marked (a test hook for crashes).
    """
    now = (now or now_utc()).replace(microsecond=0)
    report = AlertReport(dry_run=dry_run, smtp_off=smtp is None and not dry_run)
    if dry_run:
        return _dry_run(db, subs, now, skip_backlog, report)
    if smtp is not None:
        report.requeued, report.unconfirmed = reconcile(db, now, stale_after(smtp.timeout))
    with transaction(db):
        report.queued_new = enqueue_new_mentions(db, subs, now, skip=skip_backlog)
        fan_out_health(db, subs, now)
    # Without any recipient configured, queued alerts wait rather than being cancelled.
    if smtp is not None and subs.recipients:
        _send_due(db, subs, smtp, now, report, after_deliver)
    report.still_queued = queued_count(db)
    return report


def _dry_run(
    db: sqlite_utils.Database,
    subs: Subscriptions,
    now: datetime,
    skip_backlog: bool,
    report: AlertReport,
) -> AlertReport:
    sender = sender_from_env()
    db.conn.commit()  # start from a clean slate: everything below is rolled back
    db.conn.execute("BEGIN")
    try:
        report.queued_new = enqueue_new_mentions(db, subs, now, skip=skip_backlog)
        fan_out_health(db, subs, now)
        recipients = subs.by_email()
        for address, rows in due_alerts(db, now).items():
            recipient = recipients.get(address)
            if recipient is None:
                continue
            msg = render_message(build_batch(db, recipient, rows), sender=sender, now=now)
            body = msg.get_body(("plain",))
            assert body is not None
            report.previews.append(
                f"To: {msg['To']}\nSubject: {msg['Subject']}\nMessage-ID: {msg['Message-ID']}\n"
                f"Alerts: {len(rows)}\n\n{body.get_content()}"
            )
        report.still_queued = queued_count(db)
    finally:
        db.conn.rollback()
    return report


def _send_due(
    db: sqlite_utils.Database,
    subs: Subscriptions,
    smtp: SmtpSettings,
    now: datetime,
    report: AlertReport,
    after_deliver: Callable[[], None] | None,
) -> None:
    recipients = subs.by_email()
    connection = Connection(smtp)
    unreachable: str | None = None
    try:
        for address, rows in due_alerts(db, now).items():
            ids = [row["id"] for row in rows]
            recipient = recipients.get(address)
            if recipient is None:
                _cancel(db, ids, now)
                continue
            if unreachable:
                fail_unclaimed(db, ids, unreachable, now)
                report.failures.append((address, unreachable))
                continue
            msg = render_message(build_batch(db, recipient, rows), sender=smtp.sender, now=now)
            log_id = claim(db, msg, ids, now)
            if not log_id:
                continue  # another sender got these alerts first
            error = send_claimed(db, connection, msg, address, ids, log_id, now, after_deliver)
            if error is None:
                report.messages_sent += 1
                report.alerts_sent += len(ids)
            else:
                report.failures.append((address, error))
                if not connection.ever_opened:
                    unreachable = error
    finally:
        connection.close()


def _cancel(db: sqlite_utils.Database, ids: list[int], now: datetime) -> None:
    """Alerts for an address no longer subscribed are dropped, not sent."""
    marks = ",".join("?" * len(ids))
    with transaction(db):
        db.execute(
            f"UPDATE alerts SET status = 'cancelled', last_error = ?, sent_at = NULL "  # noqa: S608 placeholders-only IN list
            f"WHERE id IN ({marks}) AND status = 'queued'",
            [f"no longer subscribed at {iso_utc(now)}", *ids],
        )
