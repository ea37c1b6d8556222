"""The outbox: new mentions become ``alerts`` rows, one per recipient and story.

Which mentions are new is kept in ``alert_state`` as a watermark (the
highest mention id and the latest ``found_at`` already considered), moved
in the same transaction as the rows it produced, so a re-run adds nothing
twice. Mentions whose ids were reused after an article update are caught by
the ``found_at`` half; the unique (recipient, key) index makes looking at a
mention twice harmless.

Functions here run inside the caller's transaction (no commits) except the
public :func:`enqueue_health_alert`, which commits its own row.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlite_utils

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


@dataclass
class _Candidate:
    story_id: int | None
    article_id: int
    mention_id: int
    from_body: bool
    categories: set[str]


def enqueue_new_mentions(
    db: sqlite_utils.Database, subs: Subscriptions, now: datetime, *, skip: bool = False
) -> int:
    """Turn the mentions found since the last call into alert rows; return how many.

    With no recipients nothing is read and the watermark stays, so the first
    recipient configured later still hears about these mentions. ``skip``
    moves the watermark without queueing anything (to start without a backlog).
    """
    if not subs.recipients and not skip:
        return 0
    through_id = int(_state(db, "mentions_through_id", "0"))
    through_at = _state(db, "mentions_through_found_at", "")
    rows = db.execute(
        "SELECT m.id, m.article_id, m.category, m.term, m.text, m.field, m.found_at, "
        "a.source, a.lang, a.story_id "
        "FROM mentions m JOIN articles a ON a.id = m.article_id "
        "WHERE m.id > ? OR m.found_at >= ? ORDER BY m.id",
        [through_id, through_at or "9999"],
    ).fetchall()
    if not rows:
        return 0
    _set_state(db, "mentions_through_id", str(max(through_id, max(r[0] for r in rows))))
    _set_state(db, "mentions_through_found_at", max([through_at, *(r[6] or "" for r in rows)]))
    if skip:
        return 0
    created = 0
    stamp = iso_utc(now)
    for recipient in subs.recipients:
        candidates: dict[str, _Candidate] = {}
        for mid, article_id, category, term, text, field, _found, source, lang, story_id in rows:
            if not recipient.wants(category, lang, source, term or "", text or ""):
                continue
            key = f"story:{story_id}" if story_id is not None else f"article:{article_id}"
            found = candidates.get(key)
            if found is None:
                found = candidates[key] = _Candidate(
                    story_id, article_id, mid, field == "body", set()
                )
            elif field == "body" and not found.from_body:
                # A sentence from the body says more than the title repeated.
                found.article_id, found.mention_id, found.from_body = article_id, mid, True
            found.categories.add(category)
        due = iso_utc(due_time(recipient, now))
        for key, c in candidates.items():
            cursor = db.execute(
                "INSERT OR IGNORE INTO alerts (recipient, kind, key, story_id, article_id, "
                "mention_id, categories, mode, created_at, due_at, status, attempts) "
                "VALUES (?, 'story', ?, ?, ?, ?, ?, ?, ?, ?, 'queued', 0)",
                [
                    recipient.email,
                    key,
                    c.story_id,
                    c.article_id,
                    c.mention_id,
                    json.dumps(sorted(c.categories)),
                    recipient.mode,
                    stamp,
                    due,
                ],
            )
            created += cursor.rowcount
    return created


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
            "INSERT OR IGNORE INTO alerts (recipient, kind, key, source, reason, mode, "
            "created_at, due_at, status, attempts) "
            "VALUES (?, 'health', ?, ?, ?, 'immediate', ?, ?, 'queued', 0)",
            [BROADCAST, key, source, reason, stamp, stamp],
        )


def fan_out_health(db: sqlite_utils.Database, subs: Subscriptions, now: datetime) -> int:
    """Copy waiting health notices to each recipient; return the copies made."""
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
            made += db.execute(
                "INSERT OR IGNORE INTO alerts (recipient, kind, key, source, reason, mode, "
                "created_at, due_at, status, attempts) "
                "VALUES (?, 'health', ?, ?, ?, 'immediate', ?, ?, 'queued', 0)",
                [r.email, key, source, reason, created_at, iso_utc(now)],
            ).rowcount
        db.execute("UPDATE alerts SET status = 'fanned_out' WHERE id = ?", [alert_id])
    return made


def due_alerts(db: sqlite_utils.Database, now: datetime) -> dict[str, list[dict[str, Any]]]:
    """Queued rows that may go out now, grouped by recipient (oldest first)."""
    stamp = iso_utc(now)
    cursor = db.execute(
        "SELECT * FROM alerts WHERE status = 'queued' AND recipient != ? AND due_at <= ? "
        "AND (next_attempt_at IS NULL OR next_attempt_at <= ?) ORDER BY recipient, id",
        [BROADCAST, stamp, stamp],
    )
    names = [d[0] for d in cursor.description]
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in cursor.fetchall():
        record = dict(zip(names, row, strict=True))
        groups.setdefault(record["recipient"], []).append(record)
    return groups


def queued_count(db: sqlite_utils.Database) -> int:
    return db.execute(
        "SELECT count(*) FROM alerts WHERE status = 'queued' AND recipient != ?", [BROADCAST]
    ).fetchone()[0]
