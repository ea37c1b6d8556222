"""Sending the outbox with a send log, so a crash never delivers the same alerts twice.

The same for every channel; for each message, in this order:

1. one transaction writes an ``alert_sends`` row (state ``sending``) and
   claims the alert rows (status ``sending``, with the Message-ID);
2. the channel starts sending; at its last moment before the message can
   reach the other side (for email: after MAIL FROM and RCPT TO, just before
   DATA) the log row becomes ``data`` (committed): from here on the other
   side may have the message;
3. after the channel reports success, one transaction marks the rows ``sent``
   and the log ``sent``; a failure the channel classifies as ``retry`` puts
   them back to ``queued`` with ``attempts``, ``last_error`` and
   ``next_attempt_at`` (exponential backoff), a ``permanent`` one marks them
   ``rejected``.

:func:`reconcile` runs before every send and settles rows a crashed run
left behind: ``sending`` (no DATA yet, so certainly not delivered) goes back
to the queue; ``data`` (maybe delivered) becomes ``unconfirmed`` and is never
sent again. So the guarantee is at-most-once: an alert is never delivered
twice, and only a crash inside the DATA step can lose one, which the log
then shows as ``unconfirmed``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta

import sqlite_utils

from crawler.alerts.channels.base import Channel, Message, Outcome
from crawler.store.db import Rollback, transaction
from crawler.text.dates import iso_utc

RETRY_CAP = timedelta(hours=6)


def backoff(attempts: int, base: timedelta) -> timedelta:
    """The wait after the ``attempts``-th failure: ``base`` (``CRAWLER_ALERT_RETRY_SECONDS``),
    doubled after each further failure, at most six hours."""
    return min(min(base, RETRY_CAP) * 2 ** min(max(0, attempts - 1), 30), RETRY_CAP)


def reconcile(db: sqlite_utils.Database, now: datetime, stale: timedelta) -> tuple[int, int]:
    """Settle the send log rows a crashed run left; return (requeued, unconfirmed) alerts."""
    requeued = unconfirmed = 0
    stamp = iso_utc(now)
    with transaction(db):
        for log_id, alert_ids in db.execute(
            "SELECT id, alert_ids FROM alert_sends WHERE state = 'data'"
        ).fetchall():
            ids = json.loads(alert_ids)
            db.execute(
                "UPDATE alert_sends SET state = 'unconfirmed', finished_at = ?, error = ? "
                "WHERE id = ?",
                [stamp, "interrupted during DATA: may have been delivered, not resent", log_id],
            )
            unconfirmed += _set_status(
                db, ids, "unconfirmed", "interrupted during DATA; not resent", stamp
            )
        for log_id, alert_ids in db.execute(
            "SELECT id, alert_ids FROM alert_sends WHERE state = 'sending' AND started_at <= ?",
            [iso_utc(now - stale)],
        ).fetchall():
            ids = json.loads(alert_ids)
            db.execute(
                "UPDATE alert_sends SET state = 'requeued', finished_at = ?, error = ? "
                "WHERE id = ?",
                [stamp, "interrupted before DATA: not delivered, queued again", log_id],
            )
            requeued += _set_status(db, ids, "queued", None, stamp)
    return requeued, unconfirmed


def _set_status(
    db: sqlite_utils.Database, ids: list[int], status: str, error: str | None, stamp: str
) -> int:
    marks = ",".join("?" * len(ids))
    return db.execute(
        f"UPDATE alerts SET status = ?, last_error = coalesce(?, last_error) "  # noqa: S608 placeholders-only IN list
        f"WHERE id IN ({marks}) AND status = 'sending'",
        [status, error, *ids],
    ).rowcount


def claim(
    db: sqlite_utils.Database, msg: Message, ids: list[int], now: datetime, channel: str
) -> int:
    """Write the log row and claim the alerts; return the log id, or 0 if another
    sender claimed some of them first."""
    marks = ",".join("?" * len(ids))
    try:
        with transaction(db):
            log_id = db.execute(
                "INSERT INTO alert_sends (message_id, recipient, channel, alert_ids, subject, "
                "state, started_at) VALUES (?, ?, ?, ?, ?, 'sending', ?)",
                [msg.message_id, msg.to, channel, json.dumps(ids), msg.subject, iso_utc(now)],
            ).lastrowid
            claimed = db.execute(
                f"UPDATE alerts SET status = 'sending', message_id = ? "  # noqa: S608 placeholders-only IN list
                f"WHERE id IN ({marks}) AND status = 'queued'",
                [msg.message_id, *ids],
            ).rowcount
            if claimed != len(ids):
                raise Rollback
    except Rollback:
        return 0
    return log_id


def send_claimed(
    db: sqlite_utils.Database,
    channel: Channel,
    msg: Message,
    ids: list[int],
    log_id: int,
    now: datetime,
    retry: timedelta,
    after_deliver: Callable[[], None] | None = None,
) -> str | None:
    """Deliver one claimed message and record the outcome; return the error or None."""

    def entering_data() -> None:
        with transaction(db):
            db.execute("UPDATE alert_sends SET state = 'data' WHERE id = ?", [log_id])

    stamp = iso_utc(now)
    marks = ",".join("?" * len(ids))
    try:
        channel.send(msg, entering_data)
    except channel.failures as exc:
        error = channel.describe(exc)
        _failed(db, log_id, ids, error, now, retry, outcome=channel.classify(exc))
        return error
    if after_deliver is not None:
        after_deliver()  # tests use this to stand for a crash between send and mark
    with transaction(db):
        db.execute(
            f"UPDATE alerts SET status = 'sent', sent_at = ?, last_error = NULL "  # noqa: S608 placeholders-only IN list
            f"WHERE id IN ({marks}) AND status IN ('sending', 'unconfirmed')",
            [stamp, *ids],
        )
        db.execute(
            "UPDATE alert_sends SET state = 'sent', finished_at = ? WHERE id = ?", [stamp, log_id]
        )
    return None


def _failed(
    db: sqlite_utils.Database,
    log_id: int,
    ids: list[int],
    error: str,
    now: datetime,
    retry: timedelta,
    *,
    outcome: Outcome,
) -> None:
    stamp = iso_utc(now)
    status = {"retry": "queued", "permanent": "rejected", "unconfirmed": "unconfirmed"}[outcome]
    with transaction(db):
        db.execute(
            "UPDATE alert_sends SET state = ?, finished_at = ?, error = ? WHERE id = ?",
            ["unconfirmed" if outcome == "unconfirmed" else "failed", stamp, error, log_id],
        )
        for alert_id, attempts in db.execute(
            f"SELECT id, attempts FROM alerts WHERE id IN ({','.join('?' * len(ids))})",  # noqa: S608 placeholders-only IN list
            ids,
        ).fetchall():
            attempts = (attempts or 0) + 1
            db.execute(
                "UPDATE alerts SET status = ?, attempts = ?, last_error = ?, next_attempt_at = ? "
                "WHERE id = ?",
                [
                    status,
                    attempts,
                    error,
                    iso_utc(now + backoff(attempts, retry)) if status == "queued" else None,
                    alert_id,
                ],
            )


def fail_unclaimed(
    db: sqlite_utils.Database, ids: list[int], error: str, now: datetime, retry: timedelta
) -> None:
    """Count a failed attempt for alerts not tried because their channel is unreachable
    (or an earlier part of their message failed): they wait for the same retry."""
    with transaction(db):
        for alert_id, attempts in db.execute(
            f"SELECT id, attempts FROM alerts WHERE id IN ({','.join('?' * len(ids))}) "  # noqa: S608 placeholders-only IN list
            "AND status = 'queued'",
            ids,
        ).fetchall():
            attempts = (attempts or 0) + 1
            db.execute(
                "UPDATE alerts SET attempts = ?, last_error = ?, next_attempt_at = ? WHERE id = ?",
                [attempts, error, iso_utc(now + backoff(attempts, retry)), alert_id],
            )
