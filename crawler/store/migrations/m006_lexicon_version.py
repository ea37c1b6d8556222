"""Which lexicon version last scanned each article, so a rescan after a
lexicon edit knows what to look at again."""

from __future__ import annotations

import sqlite_utils


def migrate(db: sqlite_utils.Database) -> None:
    db["articles"].add_column("lexicon_version", str)
    db.execute(
        "UPDATE articles SET lexicon_version = "
        "(SELECT max(lexicon_version) FROM mentions WHERE mentions.article_id = articles.id)"
    )
    db["articles"].create_index(["lexicon_version"])
