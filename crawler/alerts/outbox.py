"""The outbox: new mentions become ``alerts`` rows, one per recipient, channel and story.

Which mentions are new is kept in ``alert_state`` as a watermark (the
highest mention id and the latest ``found_at`` already considered), moved
in the same transaction as the rows it produced, so a re-run adds nothing
twice. Mentions whose ids were reused after an article update are caught by
the ``found_at`` half; the unique (recipient, channel, key) index makes looking
at a mention twice harmless. Each channel of a recipient (email, each
notification URL) has its own rows, so each goes out, fails and is retried on
its own.

Functions here run inside the caller's transaction (no commits) except the
public :func:`enqueue_health_alert`, which commits its own row.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlite_utils

from crawler.alerts.backlog import mark_started, quiet_start, started
from crawler.alerts.candidates import MENTIONS_SQL, Candidate, candidates_for, insert_story_alert
from crawler.alerts.config import Recipient, Subscriptions
from crawler.store.db import transaction
from crawler.text.dates import ALMATY, iso_utc

BROADCAST = "*"  # a health notice waiting to be copied to every recipient


def now_utc() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def parse_iso(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def due_time(recipient: Recipient, now: datetime) -> datetime:
    """When an alert created ``now`` may go out: at once, or the next digest hour."""
    if recipient.mode != "daily":
        return now
    local = now.astimezone(ALMATY)
    digest = local.replace(hour=recipient.digest_hour, minute=0, second=0, microsecond=0)
    if digest <= local:
        digest = (local + timedelta(days=1)).replace(
            hour=recipient.digest_hour, minute=0, second=0, microsecond=0
        )
    return digest.astimezone(UTC)


def _state(db: sqlite_utils.Database, name: str, default: str) -> str:
    row = db.execute("SELECT value FROM alert_state WHERE name = ?", [name]).fetchone()
    return row[0] if row else default


def _set_state(db: sqlite_utils.Database, name: str, value: str) -> None:
    db.execute("INSERT OR REPLACE INTO alert_state (name, value) VALUES (?, ?)", [name, value])


ChannelKeys = Callable[[Recipient], Sequence[str]]
# Rows that mean "this recipient's channel has had (or will have) this story".
_HEADLINE_TAKEN = ("sending", "sent", "unconfirmed", "seen", "duplicate")


def email_only(recipient: Recipient) -> Sequence[str]:
    return ("email",)


def enqueue_new_mentions(
    db: sqlite_utils.Database,
    subs: Subscriptions,
    now: datetime,
    *,
    channel_keys: ChannelKeys = email_only,
    send_backlog: bool = False,
) -> int:
    """Turn the mentions found since the last call into alert rows, one per
    recipient, channel and story; return how many were queued.

    A channel never started gets a quiet start (see :mod:`crawler.alerts.backlog`)
    unless ``send_backlog``. With no recipients nothing is read and the
    watermark stays, so the first recipient configured later gets the quiet start.
    """
    if not subs.recipients:
        return 0
    through_id = int(_state(db, "mentions_through_id", "0"))
    through_at = _state(db, "mentions_through_found_at", "")
    rows = db.execute(
        f"{MENTIONS_SQL} WHERE m.id > ? OR m.found_at >= ? ORDER BY m.id",
        [through_id, through_at or "9999"],
    ).fetchall()
    if rows:
        _set_state(db, "mentions_through_id", str(max(through_id, max(r[0] for r in rows))))
        _set_state(db, "mentions_through_found_at", max([through_at, *(r[6] or "" for r in rows)]))
    # Before any watermark, what is new is the whole archive.
    archive = rows if through_id == 0 and not through_at else None
    created = 0
    for recipient in subs.recipients:
        fresh = candidates_for(recipient, rows)
        for channel in channel_keys(recipient):
            if not started(db, recipient.email, channel):
                if not send_backlog:
                    if archive is None:
                        archive = db.execute(f"{MENTIONS_SQL} ORDER BY m.id").fetchall()
                    quiet_start(db, recipient, channel, candidates_for(recipient, archive), now)
                    continue
                mark_started(db, recipient, channel, now)
            created += _queue(db, recipient, channel, fresh, now)
    return created


def _queue(
    db: sqlite_utils.Database,
    recipient: Recipient,
    channel: str,
    fresh: dict[str, Candidate],
    now: datetime,
) -> int:
    due = due_time(recipient, now)
    created = 0
    for key, candidate in fresh.items():
        status = "queued"
        if candidate.headline and _headline_taken(db, recipient.email, channel, candidate.headline):
            status = "duplicate"  # another story with this headline already reached them
        added = insert_story_alert(
            db, recipient, channel, key, candidate, status=status, now=now, due=due
        )
        created += added if status == "queued" else 0
    return created


def _headline_taken(db: sqlite_utils.Database, recipient: str, channel: str, headline: str) -> bool:
    marks = ",".join("?" * len(_HEADLINE_TAKEN))
    row = db.execute(
        f"SELECT 1 FROM alerts WHERE recipient = ? AND channel = ? AND headline = ? "  # noqa: S608 placeholders-only IN list
        f"AND status IN ({marks}) LIMIT 1",
        [recipient, channel, headline, *_HEADLINE_TAKEN],
    ).fetchone()
    return row is not None


def enqueue_health_alert(db: sqlite_utils.Database, source: str, reason: str) -> None:
    """Queue a crawl-health notice for every recipient, sent with the next send.

    The notice is stored once and copied to each recipient (those with
    ``health = true``, or ALERT_TO) when alerts are next sent, so it needs no
    configuration here. The same reason for the same source is queued at most
    once per Almaty day.
    """
    now = now_utc()
    digest = hashlib.sha256(reason.encode("utf-8", "replace")).hexdigest()[:12]
    key = f"health:{source}:{digest}:{now.astimezone(ALMATY).date().isoformat()}"
    stamp = iso_utc(now)
    with transaction(db):
        db.execute(
            "INSERT OR IGNORE INTO alerts (recipient, channel, kind, key, source, reason, mode, "
            "created_at, due_at, status, attempts) "
            "VALUES (?, ?, 'health', ?, ?, ?, 'immediate', ?, ?, 'queued', 0)",
            [BROADCAST, BROADCAST, key, source, reason, stamp, stamp],
        )


def fan_out_health(
    db: sqlite_utils.Database,
    subs: Subscriptions,
    now: datetime,
    channel_keys: ChannelKeys = email_only,
) -> int:
    """Copy waiting health notices to each recipient's channels; return the copies made."""
    targets = [r for r in subs.recipients if r.health]
    if not targets:
        return 0
    waiting = db.execute(
        "SELECT id, key, source, reason, created_at FROM alerts "
        "WHERE recipient = ? AND status = 'queued'",
        [BROADCAST],
    ).fetchall()
    made = 0
    for alert_id, key, source, reason, created_at in waiting:
        for r in targets:
            for channel in channel_keys(r):
                made += db.execute(
                    "INSERT OR IGNORE INTO alerts (recipient, channel, kind, key, source, "
                    "reason, mode, created_at, due_at, status, attempts) "
                    "VALUES (?, ?, 'health', ?, ?, ?, 'immediate', ?, ?, 'queued', 0)",
                    [r.email, channel, key, source, reason, created_at, iso_utc(now)],
                ).rowcount
        db.execute("UPDATE alerts SET status = 'fanned_out' WHERE id = ?", [alert_id])
    return made


def due_alerts(
    db: sqlite_utils.Database, now: datetime, *, ignore_backoff: bool = False
) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Queued rows that may go out now, grouped by recipient and channel (oldest
    first). ``ignore_backoff``: a failed row is due again at once (a person ran
    ``crawler alerts``); a digest still waits for its hour."""
    stamp = iso_utc(now)
    retry_at = "9999" if ignore_backoff else stamp
    cursor = db.execute(
        "SELECT * FROM alerts WHERE status = 'queued' AND recipient != ? AND due_at <= ? "
        "AND (next_attempt_at IS NULL OR next_attempt_at <= ?) ORDER BY recipient, channel, id",
        [BROADCAST, stamp, retry_at],
    )
    names = [d[0] for d in cursor.description]
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in cursor.fetchall():
        record = dict(zip(names, row, strict=True))
        groups.setdefault((record["recipient"], record["channel"]), []).append(record)
    return groups


def queued_count(db: sqlite_utils.Database) -> int:
    return db.execute(
        "SELECT count(*) FROM alerts WHERE status = 'queued' AND recipient != ?", [BROADCAST]
    ).fetchone()[0]
