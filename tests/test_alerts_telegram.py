"""Telegram messages as pure functions: the HTML subset Telegram accepts, escaping,
and splitting below 4 096 characters between entries, never inside one."""

from __future__ import annotations

import html
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest

from crawler.alerts.render import Batch, HealthEntry, Outlet, StoryEntry
from crawler.alerts.telegram import LIMIT, render_parts, tg_len

NOW = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
BASE = "https://data.example.kz/crafts"
ALLOWED = {"b", "i", "a", "code"}


class SubsetChecker(HTMLParser):
    """Fails on any tag Telegram would refuse, an attribute other than an
    ``<a href>``, or a tag left open; collects the text as Telegram shows it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.text: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag in ALLOWED, tag
        if tag == "a":
            assert [name for name, _ in attrs] == ["href"], attrs
            href = attrs[0][1] or ""
            assert href.startswith(("https://", "http://")), href
            self.links.append(href)
        else:
            assert attrs == [], attrs
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, (self.open, tag)
        self.open.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def check(part: str) -> SubsetChecker:
    checker = SubsetChecker()
    checker.feed(part)
    checker.close()
    assert checker.open == [], f"unclosed {checker.open}"
    # Only the three entities Telegram needs appear, and no bare "<" or "&".
    stripped = part
    for entity in ("&lt;", "&gt;", "&amp;", "&quot;"):
        stripped = stripped.replace(entity, "")
    assert "&" not in stripped
    return checker


def story(number: int, *, title: str | None = None, snippet: str | None = None) -> StoryEntry:
    return StoryEntry(
        story_id=number,
        title=title or f"Мастера войлока показали работы на ярмарке ремёсел №{number}",
        source="arnapress",
        lang="ru",
        url=f"https://arnapress.kz/ru/news/{number}-voylok",
        published_at=NOW - timedelta(hours=number),
        snippet=snippet or f"На ярмарке в Алматы мастера войлока показали работы, выпуск {number}.",
        highlight="войлока",
        categories=("crafts",),
        other_outlets=(Outlet("akimat", "kk", f"https://www.gov.kz/news/{number}?lang=kk"),),
        datasette_url=f"{BASE}/stories/{number}",
        article_datasette_url=f"{BASE}/articles/{number * 10}",
        alert_ids=(number,),
    )


def batch(*stories: StoryEntry, **fields) -> Batch:
    ids = tuple(i for s in stories for i in s.alert_ids) + fields.pop("extra_ids", ())
    return Batch(
        recipient="newsroom@example.kz",
        name="Редакция",
        mode="immediate",
        alert_ids=tuple(sorted(ids)),
        stories=stories,
        browse_url=f"{BASE}/latest_mentions",
        **fields,
    )


def test_one_story_with_links_to_the_article_and_its_pages_in_datasette() -> None:
    [part] = render_parts(batch(story(1)), NOW)
    checker = check(part.text)
    assert part.alert_ids == (1,)
    assert part.text.startswith("<b>Упоминания ремёсел</b> — историй: 1")
    assert "<b>войлока</b>" in part.text  # the matched words, highlighted
    assert checker.links == [
        "https://arnapress.kz/ru/news/1-voylok",
        f"{BASE}/articles/10",
        f"{BASE}/stories/1",
        "https://www.gov.kz/news/1?lang=kk",
    ]
    assert "Читать" in part.text and "Статья в базе" in part.text


def test_text_from_pages_is_escaped_and_shown_as_written() -> None:
    title = "Шеберлер <киіз> & «кілем» </b><script>alert(1)</script>"
    snippet = 'Ремесленники <b>Алматы</b> & друзья: a < b > c "войлока"'
    hostile = replace(story(1, title=title, snippet=snippet), url='https://x.kz/"><b>')
    [part] = render_parts(batch(hostile), NOW)
    checker = check(part.text)
    shown = "".join(checker.text)
    assert title in shown and snippet in shown
    assert "<script>" not in part.text and "&lt;script&gt;" in part.text
    assert "&amp; «кілем»" in part.text
    assert 'href="https://x.kz/&quot;&gt;&lt;b&gt;"' in part.text


def test_long_batches_split_between_entries_below_the_limit() -> None:
    long_title = "Ремёсла " * 37  # near the clipped length of a title
    stories = [
        story(n, title=f"{n}. {long_title}", snippet="киіз басу өнері " * 30) for n in range(1, 21)
    ]
    health = tuple(
        HealthEntry("akimat", f"API отвечает 503 <{n}> & ещё " * 12, NOW, alert_id=100 + n)
        for n in range(5)
    )
    ids = (*range(100, 105), 200)  # the health notices and an unlisted story
    parts = render_parts(batch(*stories, health=health, more=7, extra_ids=ids), NOW)
    assert len(parts) >= 3
    for part in parts:
        assert tg_len(part.text) < LIMIT
        check(part.text)  # every part is valid on its own: no tag crosses a split
        assert part.alert_ids
    # Every story is whole in exactly one part, with its own alert row.
    for s in stories:
        holding = [p for p in parts if f"<b>{s.story_id}. {s.story_id}. " in p.text]
        assert len(holding) == 1
        assert s.url in holding[0].text and s.datasette_url in holding[0].text
        assert s.alert_ids[0] in holding[0].alert_ids
    # Every alert row travels with exactly one part.
    carried = [i for p in parts for i in p.alert_ids]
    assert sorted(carried) == sorted({*range(1, 21), *range(100, 105), 200})
    assert "…и ещё 7" in "".join(p.text for p in parts)
    assert parts[0].text.startswith("<b>Упоминания ремёсел</b> — историй: 27")


def test_wide_characters_count_as_telegram_counts_them() -> None:
    # Emoji take two UTF-16 units: a part of 4 000 emoji "characters" is too long.
    emoji = "🧶" * 290
    stories = [story(n, title=emoji, snippet=emoji) for n in range(1, 30)]
    parts = render_parts(batch(*stories), NOW)
    assert len(parts) > 1
    assert all(tg_len(p.text) < LIMIT for p in parts)
    assert all(tg_len(p.text) > len(p.text) for p in parts)


@pytest.mark.parametrize(
    ("fields", "heading"),
    [
        ({"backlog": 137}, "<b>Уведомления об упоминаниях ремёсел подключены</b>"),
        ({"test": True}, "<b>Проверка канала</b>"),
    ],
)
def test_notices_without_stories(fields: dict, heading: str) -> None:
    [part] = render_parts(batch(extra_ids=(5,) if "backlog" in fields else (), **fields), NOW)
    check(part.text)
    assert part.text.startswith(heading)
    if "backlog" in fields:
        assert "историями с упоминаниями" not in part.text
        assert "с упоминаниями: 137" in part.text
        assert f'<a href="{BASE}/latest_mentions">' in part.text
        assert part.alert_ids == (5,)


def test_daily_digest_heading_and_unlisted_stories_without_datasette() -> None:
    one = replace(story(1), datasette_url=None, article_datasette_url=None)
    digest = replace(batch(one, more=3, extra_ids=(7, 8, 9)), mode="daily", browse_url=None)
    [part] = render_parts(digest, NOW)
    check(part.text)
    assert part.text.startswith("<b>Дайджест упоминаний ремёсел за 26.11.2026</b> — историй: 4")
    assert "…и ещё 3 (в базе: <code>crawler serve</code>)" in part.text
    assert part.alert_ids == (1, 7, 8, 9)
    assert html.unescape(part.text).count("Читать") == 1


def test_apprise_posts_the_parts_to_telegram_exactly_as_rendered() -> None:
    """Through the real Apprise Telegram plugin, aimed at a local server instead
    of api.telegram.org: each part arrives as one sendMessage, in HTML mode,
    byte for byte as rendered."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from crawler.alerts.channels.notify import NotifyChannel

    posted: list[tuple[str, dict]] = []

    class TelegramApi(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            posted.append((self.path, json.loads(body)))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"ok": true, "result": {"message_id": 1}}')

        def log_message(self, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), TelegramApi)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    class LocalTelegram(NotifyChannel):
        def _plugin(self, extras):
            plugin = super()._plugin(extras)
            plugin.notify_url = f"http://127.0.0.1:{server.server_address[1]}/bot"
            return plugin

    channel = LocalTelegram("tgram://123456789:AAExampleToken/-1001234567890", timeout=5)
    stories = [story(n, snippet="Қолөнер & <шеберлер> " * 20) for n in range(1, 21)]
    try:
        messages = channel.render_all(batch(*stories, more=3), NOW)
        for message in messages:
            channel.send(message, lambda: None)
    finally:
        server.shutdown()
        server.server_close()
    assert len(messages) > 1
    assert [body["text"] for _, body in posted] == [m.text for m in messages]
    assert {path for path, _ in posted} == {"/bot123456789:AAExampleToken/sendMessage"}
    assert {(b["parse_mode"], b["chat_id"]) for _, b in posted} == {("HTML", -1001234567890)}
    assert channel.label == "tgram tgram://1...n/-1001234567890/"  # the token stays hidden
