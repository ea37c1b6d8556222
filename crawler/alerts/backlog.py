"""The quiet start: a recipient's channel that has never had an alert does not
receive the archive story by story.

Instead every story already in the archive that the recipient wants is marked
``seen`` (so it is never sent later, whatever outlet copies it next) and one
short ``backlog`` notice is queued: how many stories there are and where to
browse them. With ``--send-backlog`` the channel starts without the notice and
what is new goes out as usual. That a channel has started is kept in
``alert_state`` (``started:<channel>:<recipient>``). Runs inside the
caller's transaction.
"""

from __future__ import annotations

from datetime import datetime

import sqlite_utils

from crawler.alerts.candidates import Candidate, insert_story_alert
from crawler.alerts.config import Recipient
from crawler.text.dates import iso_utc


def started(db: sqlite_utils.Database, recipient: str, channel: str) -> bool:
    """Whether the recipient's channel has been started (or had alerts before
    the quiet start existed)."""
    if db.execute(
        "SELECT 1 FROM alert_state WHERE name = ?", [_state_name(recipient, channel)]
    ).fetchone():
        return True
    row = db.execute(
        "SELECT 1 FROM alerts WHERE recipient = ? AND channel = ? LIMIT 1", [recipient, channel]
    ).fetchone()
    return row is not None


def quiet_start(
    db: sqlite_utils.Database,
    recipient: Recipient,
    channel: str,
    backlog: dict[str, Candidate],
    now: datetime,
) -> int:
    """Mark the backlog seen and queue one notice about it; return the story count.

    Nothing in the archive means no notice: an empty message helps nobody.
    """
    for key, candidate in backlog.items():
        insert_story_alert(db, recipient, channel, key, candidate, status="seen", now=now, due=now)
    # Copies with the same headline are one story to a reader.
    count = len({c.headline or key for key, c in backlog.items()})
    if count:
        stamp = iso_utc(now)
        # The notice goes out at once, also to a daily-digest reader: it answers
        # "is this working?" on the day they subscribe.
        db.execute(
            "INSERT OR IGNORE INTO alerts (recipient, channel, kind, key, reason, mode, "
            "created_at, due_at, status, attempts) "
            "VALUES (?, ?, 'backlog', 'backlog', ?, 'immediate', ?, ?, 'queued', 0)",
            [recipient.email, channel, str(count), stamp, stamp],
        )
    mark_started(db, recipient, channel, now)
    return count


def mark_started(
    db: sqlite_utils.Database, recipient: Recipient, channel: str, now: datetime
) -> None:
    """Record that the channel has started: what is new from now on is sent."""
    db.execute(
        "INSERT OR IGNORE INTO alert_state (name, value) VALUES (?, ?)",
        [_state_name(recipient.email, channel), iso_utc(now)],
    )


def _state_name(recipient: str, channel: str) -> str:
    return f"started:{channel}:{recipient}"
