"""Stories across outlets and the version history of articles.

* ``articles``: attribution (``relayed_by``, ``cites``, ``cites_source``) and the story
  link (``story_parent_id``, ``story_link``, ``story_score``);
* ``stories.merged_into``: where a story's articles went when two stories joined;
* ``article_versions``: earlier titles and bodies of articles that changed;
* ``story_fingerprints`` and ``story_bands``: the near-duplicate index.

Articles stored before this migration are fingerprinted and their attribution parsed,
so new articles link to them; their stories stay as they were.
"""

from __future__ import annotations

import sqlite_utils


def migrate(db: sqlite_utils.Database) -> None:
    from crawler.stories.attribution import parse_attribution
    from crawler.stories.index import reindex_all
    from crawler.stories.shingles import article_text

    articles = db["articles"]
    for name, kind in (
        ("relayed_by", str),
        ("cites", str),
        ("cites_source", str),
        ("story_parent_id", int),
        ("story_link", str),
        ("story_score", float),
    ):
        articles.add_column(name, kind)
    articles.create_index(["story_parent_id"])
    articles.create_index(["source", "source_id"])
    articles.create_index(["cites_source", "published_at"])
    db["stories"].add_column("merged_into", int)
    db["article_versions"].create(
        {
            "id": int,
            "article_id": int,
            "version": int,  # 1 is the first text stored; the article row is the latest
            "title": str,
            "body": str,
            "content_hash": str,
            "published_at": str,
            "fetched_at": str,  # when this version was stored
            "replaced_at": str,  # when a newer one replaced it
        },
        pk="id",
        foreign_keys=[("article_id", "articles", "id")],
    )
    db["article_versions"].create_index(["article_id", "version"], unique=True)
    db.execute(
        "CREATE TABLE story_fingerprints ("
        " article_id INTEGER PRIMARY KEY REFERENCES articles(id),"
        " day INTEGER NOT NULL,"
        " shingles BLOB NOT NULL)"
    )
    # Clustered by day, then band key: new articles append near the end of the tree
    # (a batch dirties few pages), and a lookup seeks each band key in a few days.
    db.execute(
        "CREATE TABLE story_bands ("
        " day INTEGER NOT NULL,"
        " band_key INTEGER NOT NULL,"
        " article_id INTEGER NOT NULL,"
        " PRIMARY KEY (day, band_key, article_id)) WITHOUT ROWID"
    )
    rows = db.execute("SELECT id, source, title, body FROM articles").fetchall()
    for article_id, source, title, body in rows:
        found = parse_attribution(article_text(title, body), source)
        if found.cites or found.relayed_by:
            articles.update(article_id, found.columns())
    reindex_all(db)
