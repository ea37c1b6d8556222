"""The alert outbox per channel: each recipient's alerts are kept once per channel
(email, each notification URL), so one channel's outage never holds back another.

* ``alerts.channel``: ``email`` for every row written before channels existed,
  a notification URL's key (``tgram:…``, ``json:…``) otherwise, ``*`` for a
  health notice not yet copied to the recipients; unique with the recipient
  and the key;
* ``alerts.headline``: the story's normalised headline, so a second story with
  the same headline is recognised as a copy of one already sent;
* ``alert_sends.channel``: which channel the logged message went through.
"""

from __future__ import annotations

import sqlite_utils


def migrate(db: sqlite_utils.Database) -> None:
    db["alerts"].add_column("channel", str, not_null_default="email")
    db["alerts"].add_column("headline", str)
    db.execute("UPDATE alerts SET channel = '*' WHERE recipient = '*'")
    db.execute("DROP INDEX IF EXISTS idx_alerts_recipient_key")
    db["alerts"].create_index(["recipient", "channel", "key"], unique=True)
    db["alerts"].create_index(["recipient", "channel", "headline"])
    db["alert_sends"].add_column("channel", str, not_null_default="email")
