"""The alert outbox: ``alerts`` (one row per recipient and story or health notice),
``alert_sends`` (the send log, written before each SMTP conversation) and
``alert_state`` (how far the mentions have been turned into alerts)."""

from __future__ import annotations

import sqlite_utils


def migrate(db: sqlite_utils.Database) -> None:
    db["alerts"].create(
        {
            "id": int,
            "recipient": str,  # an address, or "*" for a health notice not yet fanned out
            "kind": str,  # "story" | "health"
            "key": str,  # "story:<id>" or "health:<source>:<hash>:<date>"; unique per recipient
            "story_id": int,
            "article_id": int,  # the article whose mention matched first
            "mention_id": int,  # the mention shown as the snippet
            "categories": str,  # JSON list of the matched categories
            "source": str,  # health: the source concerned
            "reason": str,  # health: what is wrong
            "mode": str,  # "immediate" | "daily"
            "created_at": str,
            "due_at": str,  # not sent before this time (the digest hour for daily)
            "status": str,  # queued | sending | sent | unconfirmed | rejected | fanned_out
            "attempts": int,
            "last_error": str,
            "next_attempt_at": str,
            "message_id": str,
            "sent_at": str,
        },
        pk="id",
        foreign_keys=[("story_id", "stories", "id")],
    )
    db["alerts"].create_index(["recipient", "key"], unique=True)
    db["alerts"].create_index(["status", "due_at"])
    db["alert_sends"].create(
        {
            "id": int,
            "message_id": str,  # the same alerts always give the same Message-ID
            "recipient": str,
            "alert_ids": str,  # JSON list
            "subject": str,
            "state": str,  # sending | data | sent | failed | unconfirmed | requeued
            "started_at": str,
            "finished_at": str,
            "error": str,
        },
        pk="id",
    )
    db["alert_sends"].create_index(["message_id"])
    db["alert_sends"].create_index(["state"])
    db["alert_state"].create({"name": str, "value": str}, pk="name")
