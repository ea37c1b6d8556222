"""Article HTML is never executed: stored <script>, <img onerror> and <svg onload> show
up escaped in every Datasette page and in the HTML part of alert emails."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.alerts import Batch, render_message
from crawler.alerts.render import HealthEntry, Outlet, StoryEntry
from crawler.datasette import make_datasette
from crawler.store.db import open_db
from crawler.store.storage import save_article
from tests.hostile import BASE, HOSTILE, PAYLOADS, RAW_TAGS


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("xss") / "crafts.db"
    db = open_db(path)
    body = f"Мастера ремёсел собрались. {HOSTILE} Ремесленники рады."
    with db.conn:
        for n, url in enumerate([f"{BASE}/ru/news/1-x", "javascript:alert(4)"], start=1):
            record = {
                "source": "arnapress",
                "url": url,
                "lang": "ru",
                "title": f"Ремёсла {HOSTILE} {n}",
                "body": body,
                "author": HOSTILE,
                "published_at": f"2025-11-0{n}T05:00:00Z",
                "content_hash": str(n),
            }
            mentions = [
                {
                    "category": "crafts",
                    "term": "ремесло",
                    "text": "ремёсел",
                    "start": body.find("ремёсел"),
                    "end": body.find("ремёсел") + 7,
                    "snippet": body,
                }
            ]
            save_article(db, record, mentions, "test")
    db.close()
    return path


@pytest.mark.parametrize(
    "page",
    [
        "/crafts/articles",
        "/crafts/articles/1",
        "/crafts/articles/2",
        "/crafts/latest_mentions",
        "/crafts/search?q=ремёсла",
        "/crafts/articles?_search=ремёсла",
        "/crafts/mentions",
        "/-/feeds/mentions.atom",
    ],
)
def test_datasette_pages_escape_article_html(hostile_db: Path, page: str) -> None:
    ds = make_datasette(hostile_db)

    async def fetch():
        await ds.invoke_startup()
        return await ds.client.get(page)

    response = asyncio.run(fetch())
    assert response.status_code == 200, response.text[:300]
    html = response.text
    for raw in RAW_TAGS:
        assert raw not in html, (page, raw)
    assert 'href="javascript:' not in html
    if page != "/crafts/mentions":
        assert "&lt;script&gt;alert(1)" in html  # the text is shown, escaped


def test_alert_email_escapes_article_html() -> None:
    story = StoryEntry(
        story_id=1,
        title=f"Ремёсла {HOSTILE}",
        source=HOSTILE,
        lang=PAYLOADS[1],
        url=f'{BASE}/ru/news/1"><script>alert(1)</script>',
        published_at=None,
        snippet=f"Мастера ремёсел {HOSTILE} собрались.",
        highlight=PAYLOADS[0],
        categories=("crafts", PAYLOADS[2]),
        other_outlets=(Outlet(HOSTILE, PAYLOADS[1], f'{BASE}/kz/news/1"><svg onload=alert(3)>'),),
        datasette_url='https://data.example.kz/"><img src=x onerror=alert(2)>',
    )
    batch = Batch(
        recipient="a@example.kz",
        name=HOSTILE,
        mode="immediate",
        alert_ids=(1,),
        stories=(story,),
        health=(HealthEntry(HOSTILE, HOSTILE, datetime(2026, 1, 1, tzinfo=UTC)),),
    )
    msg = render_message(batch, sender="alerts@example.kz", now=datetime(2026, 1, 1, tzinfo=UTC))
    html = msg.get_body(("html",)).get_content()
    for raw in RAW_TAGS:
        assert raw not in html, raw
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<mark>&lt;script&gt;alert(1)&lt;/script&gt;</mark>" in html  # highlighted, inert
    for header in ("Subject", "To"):
        assert "\n" not in str(msg[header])
