"""Alert sending against a real SMTP server (aiosmtpd on 127.0.0.1): content and
encoding, filters, the daily digest, an outage across runs, a crash between
sending and marking, hostile titles, health notices."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

from crawler.alerts import (
    AlertReport,
    Recipient,
    Subscriptions,
    enqueue_health_alert,
    run_alerts,
)
from crawler.store.db import open_db, utc_now
from tests.smtp_sink import SmtpSink

NOW = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)  # 11:00 in Almaty


def add_article(
    db,
    *,
    url: str,
    title: str,
    body: str,
    mentions: list[tuple[str, str, str]],  # (category, term, text as in the body)
    source: str = "akimat",
    lang: str = "ru",
    published_at: str = "2026-11-26T04:30:00Z",
    story_of: int | None = None,
) -> int:
    """Store an article, its story and mentions with plain SQL (only the
    documented columns), as the crawl would leave them."""
    if story_of is None:
        story_id = db.execute(
            "INSERT INTO stories (title, first_published_at, outlets, langs, article_count) "
            "VALUES (?, ?, ?, ?, 1)",
            [title, published_at, json.dumps([source]), json.dumps([lang])],
        ).lastrowid
    else:  # a syndicated copy joins the story of an earlier article
        story_id = db.execute("SELECT story_id FROM articles WHERE id = ?", [story_of]).fetchone()[
            0
        ]
        outlets, langs = db.execute(
            "SELECT outlets, langs FROM stories WHERE id = ?", [story_id]
        ).fetchone()
        db.execute(
            "UPDATE stories SET outlets = ?, langs = ?, article_count = article_count + 1 "
            "WHERE id = ?",
            [
                json.dumps(sorted({*json.loads(outlets), source})),
                json.dumps(sorted({*json.loads(langs), lang})),
                story_id,
            ],
        )
    article_id = db.execute(
        "INSERT INTO articles (source, url, lang, title, published_at, body, story_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [source, url, lang, title, published_at, body, story_id],
    ).lastrowid
    for category, term, text in mentions:
        start = body.find(text)
        db.execute(
            "INSERT INTO mentions (article_id, category, term, text, field, start, end, "
            "snippet, found_at) VALUES (?, ?, ?, ?, 'body', ?, ?, ?, ?)",
            [article_id, category, term, text, start, start + len(text), body, utc_now()],
        )
    return article_id


def seed(db) -> dict[str, int]:
    ids = {}
    ids["wcc"] = add_article(
        db,
        url="https://www.gov.kz/memleket/entities/almaty/press/news/details/1?lang=ru",
        title="Алматы получила статус Всемирного города ремёсел",
        body="Алматы официально получила статус Всемирного города ремёсел.",
        mentions=[("world_craft_city", "Всемирный город ремёсел", "Всемирного города ремёсел")],
    )
    ids["kk"] = add_article(
        db,
        url="https://www.gov.kz/memleket/entities/almaty/press/news/details/2?lang=kk",
        title="Алматыда қолөнер жәрмеңкесі өтті",
        body="Алматыда қолөнер жәрмеңкесі өтті.",
        mentions=[("crafts", "қолөнер", "қолөнер")],
        lang="kk",
        published_at="2026-11-25T10:00:00Z",
    )
    ids["felt"] = add_article(
        db,
        url="https://arnapress.kz/ru/news/3-voylok",
        title="Мастерицы показали изделия из войлока",
        body="В Алматы открылась выставка изделий из войлока.",
        mentions=[("crafts", "войлок", "войлока")],
        source="arnapress",
        published_at="2026-11-25T12:00:00Z",
    )
    return ids


@pytest.fixture
def db(tmp_path: Path):
    database = open_db(tmp_path / "crafts.db")
    yield database
    database.close()


def send_all(*args, **kwargs) -> AlertReport:
    """The alert job with ``--send-backlog``: a channel's first run sends the
    stories themselves, which is what these tests look at (the quiet start has
    tests of its own in test_alerts_quiet_start.py)."""
    return run_alerts(*args, send_backlog=True, **kwargs)


def subs(*recipients: Recipient) -> Subscriptions:
    return Subscriptions(tuple(recipients), origin="test")


def text_part(msg: EmailMessage) -> str:
    return msg.get_body(("plain",)).get_content()


def html_part(msg: EmailMessage) -> str:
    return msg.get_body(("html",)).get_content()


def test_message_content_and_cyrillic_encoding(db, smtp: SmtpSink, monkeypatch) -> None:
    monkeypatch.setenv("CRAWLER_DATASETTE_URL", "https://data.example.kz/crafts")
    ids = seed(db)
    add_article(
        db,
        url="https://arnapress.kz/ru/news/4-copy",
        title="Алматы стала Всемирным городом ремёсел",
        body="Алматы получила статус Всемирного города ремёсел, сообщает Arna Press.",
        mentions=[("world_craft_city", "Всемирный город ремёсел", "Всемирного города ремёсел")],
        source="arnapress",
        published_at="2026-11-26T05:00:00Z",
        story_of=ids["wcc"],
    )
    reader = Recipient(email="aigerim@example.kz", name="Айгерим Сапарова")
    report = send_all(db, subs(reader), smtp.settings(), now=NOW)

    assert (report.queued_new, report.messages_sent, report.failures) == (3, 1, [])
    [(mail_from, rcpts, raw)] = smtp.collector.received
    assert (mail_from, rcpts) == ("alerts@crafts.example.kz", ["aigerim@example.kz"])
    assert all(b < 128 for b in raw), "headers and bodies travel as 7-bit ASCII"
    assert b"=?utf-8?" in raw.lower()  # RFC 2047 encoded words for the Cyrillic
    [msg] = smtp.collector.messages()
    assert msg["Subject"].startswith("Упоминания ремёсел: «")
    assert msg["To"].addresses[0].display_name == "Айгерим Сапарова"
    assert msg["From"].addresses[0].display_name == "Мониторинг ремёсел"
    assert msg["Message-ID"].endswith("@crafts.example.kz>")
    assert msg.get_content_type() == "multipart/alternative"
    text, html = text_part(msg), html_part(msg)
    for part in (text, html):
        assert "Алматы получила статус Всемирного города ремёсел" in part
        assert "Мастерицы показали изделия из войлока" in part
        assert "Алматыда қолөнер жәрмеңкесі өтті" in part
        assert "https://arnapress.kz/ru/news/3-voylok" in part
        assert "https://data.example.kz/crafts/stories/" in part
        assert "26.11.2026 09:30 (Алматы)" in part  # 04:30Z in Almaty (UTC+5)
    assert "<mark>Всемирного города ремёсел</mark>" in html
    assert "*войлока*" in text
    # The copy in Arna Press is the same story: listed under it, not a story of its own.
    assert "Также в: Arna Press (ru) https://arnapress.kz/ru/news/4-copy" in text
    assert text.count("Алматы стала Всемирным городом ремёсел") == 0
    rows = db.execute("SELECT status, message_id FROM alerts").fetchall()
    assert {status for status, _ in rows} == {"sent"}
    assert {mid for _, mid in rows} == {msg["Message-ID"]}
    assert db.execute("SELECT state FROM alert_sends").fetchall() == [("sent",)]

    # A later run, and a later copy of an alerted story, send nothing more.
    add_article(
        db,
        url="https://www.gov.kz/memleket/entities/almaty/press/news/details/1?lang=kk",
        title="Алматы Дүниежүзілік қолөнер қаласы атанды",
        body="Алматы Дүниежүзілік қолөнер қаласы атанды.",
        mentions=[
            ("world_craft_city", "Дүниежүзілік қолөнер қаласы", "Дүниежүзілік қолөнер қаласы")
        ],
        lang="kk",
        story_of=ids["wcc"],
    )
    again = send_all(db, subs(reader), smtp.settings(), now=NOW + timedelta(hours=1))
    assert (again.queued_new, again.messages_sent) == (0, 0)
    assert len(smtp.collector.received) == 1


def test_filters_choose_stories_per_recipient(db, smtp: SmtpSink) -> None:
    seed(db)
    readers = subs(
        Recipient(email="title@example.kz", categories=("world_craft_city",)),
        Recipient(email="kazakh@example.kz", languages=("kk",)),
        Recipient(email="press@example.kz", sources=("arnapress",)),
        Recipient(email="felt@example.kz", terms=("войлок",)),
        Recipient(email="nothing@example.kz", terms=("керамика",)),
        Recipient(email="all@example.kz"),
    )
    report = send_all(db, readers, smtp.settings(), now=NOW)
    assert report.messages_sent == 5

    def titles(to: str) -> set[str]:
        texts = [text_part(msg) for msg in smtp.collector.messages(to)]
        stories = ("Всемирного города", "қолөнер жәрмеңкесі", "из войлока")
        return {title for title in stories for text in texts if title in text}

    assert len(smtp.collector.messages("title@example.kz")) == 1
    assert titles("title@example.kz") == {"Всемирного города"}
    assert titles("kazakh@example.kz") == {"қолөнер жәрмеңкесі"}
    assert titles("press@example.kz") == {"из войлока"}
    assert titles("felt@example.kz") == {"из войлока"}
    assert smtp.collector.messages("nothing@example.kz") == []
    assert titles("all@example.kz") == {"Всемирного города", "қолөнер жәрмеңкесі", "из войлока"}


def test_daily_digest_waits_for_the_local_hour(db, smtp: SmtpSink) -> None:
    seed(db)
    reader = Recipient(email="digest@example.kz", mode="daily", digest_hour=9)
    evening = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)  # 20:00 in Almaty
    first = send_all(db, subs(reader), smtp.settings(), now=evening)
    assert (first.queued_new, first.messages_sent) == (3, 0)
    due = db.execute("SELECT DISTINCT due_at FROM alerts").fetchall()
    assert due == [("2026-11-26T04:00:00Z",)]  # 09:00 the next morning in Almaty

    add_article(
        db,
        url="https://arnapress.kz/kk/news/5-kilem",
        title="Кілем тоқу шеберлері",
        body="Алматыда кілем тоқу шеберлері қолөнер көрмесін ашты.",
        mentions=[("crafts", "қолөнер", "қолөнер")],
        source="arnapress",
        lang="kk",
    )
    night = send_all(db, subs(reader), smtp.settings(), now=evening + timedelta(hours=8))
    assert (night.queued_new, night.messages_sent) == (1, 0)  # 04:00 local: still waiting
    assert smtp.collector.received == []

    morning = send_all(db, subs(reader), smtp.settings(), now=evening + timedelta(hours=13))
    assert (morning.messages_sent, morning.alerts_sent) == (1, 4)
    [msg] = smtp.collector.messages()
    assert msg["Subject"].startswith("Дайджест упоминаний ремёсел за 26.11.2026")
    assert "Кілем тоқу шеберлері" in text_part(msg)
    later = send_all(db, subs(reader), smtp.settings(), now=evening + timedelta(hours=20))
    assert later.messages_sent == 0


def test_smtp_outage_across_two_runs_delivers_each_alert_once(db) -> None:
    seed(db)
    sink = SmtpSink()  # not started: its port refuses connections
    readers = subs(Recipient(email="a@example.kz"), Recipient(email="b@example.kz"))

    down = send_all(db, readers, sink.settings(), now=NOW)
    assert down.messages_sent == 0
    assert [f.recipient for f in down.failures] == ["a@example.kz", "b@example.kz"]
    rows = db.execute("SELECT status, attempts, last_error, next_attempt_at FROM alerts").fetchall()
    assert {(s, a) for s, a, _, _ in rows} == {("queued", 1)}
    assert all("Connection refused" in e or "Errno" in e for _, _, e, _ in rows)
    assert {n for *_, n in rows} == {"2026-11-26T06:01:00Z"}  # first retry after 60 s

    sink.start()
    try:
        early = send_all(db, readers, sink.settings(), now=NOW + timedelta(seconds=30))
        assert early.messages_sent == 0  # still backing off
        up = send_all(db, readers, sink.settings(), now=NOW + timedelta(minutes=2))
        assert (up.messages_sent, up.alerts_sent, up.failures) == (2, 6, [])
        again = send_all(db, readers, sink.settings(), now=NOW + timedelta(hours=1))
        assert again.messages_sent == 0
    finally:
        sink.stop()
    assert sorted(r for _, rcpts, _ in sink.collector.received for r in rcpts) == [
        "a@example.kz",
        "b@example.kz",
    ]
    for msg in sink.collector.messages():
        assert text_part(msg).count("Алматы получила статус") == 1
    assert db.execute("SELECT DISTINCT status FROM alerts").fetchall() == [("sent",)]


def test_backoff_doubles_after_each_failure(db) -> None:
    seed(db)
    sink = SmtpSink()
    readers = subs(Recipient(email="a@example.kz"))
    when = NOW
    retries = []
    for _ in range(3):
        send_all(db, readers, sink.settings(), now=when)
        next_at = db.execute("SELECT max(next_attempt_at) FROM alerts").fetchone()[0]
        retries.append(datetime.fromisoformat(next_at.replace("Z", "+00:00")) - when)
        when = datetime.fromisoformat(next_at.replace("Z", "+00:00"))
    assert retries == [timedelta(seconds=60), timedelta(seconds=120), timedelta(seconds=240)]


def test_crash_between_send_and_mark_sends_no_second_copy(db, smtp: SmtpSink) -> None:
    seed(db)
    readers = subs(Recipient(email="a@example.kz"))

    def crash() -> None:
        raise RuntimeError("power cut after the server accepted the message")

    with pytest.raises(RuntimeError):
        send_all(db, readers, smtp.settings(), now=NOW, after_deliver=crash)
    assert len(smtp.collector.received) == 1
    assert db.execute("SELECT state FROM alert_sends").fetchall() == [("data",)]
    assert db.execute("SELECT DISTINCT status FROM alerts").fetchall() == [("sending",)]

    after = send_all(db, readers, smtp.settings(), now=NOW + timedelta(minutes=5))
    assert after.unconfirmed == 3
    assert after.messages_sent == 0
    assert len(smtp.collector.received) == 1, "the crashed send must not be repeated"
    assert db.execute("SELECT DISTINCT status FROM alerts").fetchall() == [("unconfirmed",)]
    assert db.execute("SELECT state FROM alert_sends").fetchall() == [("unconfirmed",)]
    # The Message-ID the log recorded is the one the server received.
    logged = db.execute("SELECT message_id FROM alert_sends").fetchone()[0]
    assert smtp.collector.messages()[0]["Message-ID"] == logged


def test_crash_before_data_requeues_and_sends_once(db, smtp: SmtpSink) -> None:
    seed(db)
    readers = subs(Recipient(email="a@example.kz"))
    # A run that died after claiming its alerts but before talking to the server.
    send_all(db, readers, None, now=NOW)  # queue only
    alert_ids = [r[0] for r in db.execute("SELECT id FROM alerts")]
    db.execute(
        "INSERT INTO alert_sends (message_id, recipient, alert_ids, state, started_at) "
        "VALUES ('<x@y>', 'a@example.kz', ?, 'sending', '2026-11-26T06:00:00Z')",
        [json.dumps(alert_ids)],
    )
    db.execute("UPDATE alerts SET status = 'sending'")

    soon = send_all(db, readers, smtp.settings(), now=NOW + timedelta(minutes=1))
    assert soon.messages_sent == 0  # might still be a live sender: left alone
    later = send_all(db, readers, smtp.settings(), now=NOW + timedelta(minutes=11))
    assert (later.requeued, later.messages_sent, later.alerts_sent) == (3, 1, 3)
    assert len(smtp.collector.received) == 1


def test_hostile_title_arrives_harmless(db, smtp: SmtpSink) -> None:
    add_article(
        db,
        url="https://arnapress.kz/ru/news/6-evil",
        title="Ремесленники <script>alert('x')</script>\r\nBcc: victim@evil.example\r\n\r\nтело",
        body="Ремесленники <b>Алматы</b> & друзья показали войлок.",
        mentions=[("crafts", "ремесленник", "Ремесленники")],
        source="arnapress",
    )
    report = send_all(db, subs(Recipient(email="a@example.kz")), smtp.settings(), now=NOW)
    assert report.messages_sent == 1
    [(_, rcpts, raw)] = smtp.collector.received
    assert rcpts == ["a@example.kz"]
    [msg] = smtp.collector.messages()
    assert msg["Bcc"] is None
    assert "\n" not in msg["Subject"] and "\r" not in msg["Subject"]
    assert "<script>" in msg["Subject"]  # harmless in a header: just text
    html = html_part(msg)
    assert "<script>" not in html and "<b>Алматы</b>" not in html
    assert "&lt;script&gt;" in html
    assert "<mark>Ремесленники</mark> &lt;b&gt;Алматы&lt;/b&gt; &amp; друзья" in html
    headers = raw.split(b"\r\n\r\n", 1)[0]
    assert b"victim@evil.example" not in headers.replace(b"\r\n ", b" ").split(b"Subject:")[0]
    assert not any(line.lower().startswith(b"bcc:") for line in raw.splitlines())


def test_health_alert_reaches_every_recipient_with_the_next_send(db, smtp: SmtpSink) -> None:
    enqueue_health_alert(db, "akimat", "3 запуска подряд без новых статей: <проверьте API>")
    enqueue_health_alert(db, "akimat", "3 запуска подряд без новых статей: <проверьте API>")
    assert db.execute("SELECT count(*) FROM alerts").fetchone()[0] == 1  # once a day
    readers = subs(
        Recipient(email="ops@example.kz"),
        Recipient(email="digest@example.kz", mode="daily"),
        Recipient(email="quiet@example.kz", health=False),
    )
    report = send_all(db, readers, smtp.settings(), now=NOW)
    assert report.messages_sent == 2
    assert smtp.collector.messages("quiet@example.kz") == []
    for to in ("ops@example.kz", "digest@example.kz"):
        [msg] = smtp.collector.messages(to)
        assert msg["Subject"] == "Проблема со сбором новостей: akimat"
        assert "&lt;проверьте API&gt;" in html_part(msg)
        assert "<проверьте API>" in text_part(msg)
    assert send_all(db, readers, smtp.settings(), now=NOW).messages_sent == 0


def test_health_alert_without_recipients_waits(db, smtp: SmtpSink) -> None:
    enqueue_health_alert(db, "arnapress", "robots.txt недоступен")
    assert send_all(db, subs(), smtp.settings(), now=NOW).messages_sent == 0
    later = send_all(db, subs(Recipient(email="ops@example.kz")), smtp.settings(), now=NOW)
    assert later.messages_sent == 1
    assert "robots.txt недоступен" in text_part(smtp.collector.messages()[0])


def test_dry_run_sends_and_marks_nothing(db, smtp: SmtpSink) -> None:
    seed(db)
    readers = subs(Recipient(email="a@example.kz"))
    report = send_all(db, readers, smtp.settings(), now=NOW, dry_run=True)
    assert report.queued_new == 3 and len(report.previews) == 1
    assert "Subject: Упоминания ремёсел" in report.previews[0]
    assert smtp.collector.received == []
    assert db.execute("SELECT count(*) FROM alerts").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM alert_state").fetchone()[0] == 0
    assert send_all(db, readers, smtp.settings(), now=NOW).messages_sent == 1


def test_recipient_removed_from_subscriptions_is_not_mailed(db, smtp: SmtpSink) -> None:
    seed(db)
    send_all(db, subs(Recipient(email="gone@example.kz")), None, now=NOW)
    send_all(db, subs(Recipient(email="new@example.kz")), smtp.settings(), now=NOW)
    assert smtp.collector.messages("gone@example.kz") == []
    statuses = db.execute(
        "SELECT DISTINCT status FROM alerts WHERE recipient = 'gone@example.kz'"
    ).fetchall()
    assert statuses == [("cancelled",)]
