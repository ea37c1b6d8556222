"""Alerts through email and a notification URL at once, against real servers on
127.0.0.1: aiosmtpd for email, an http.server endpoint for ``json://``.

The quiet start, the bounds on a message, one entry per headline, and exactly
one delivery per recipient, channel and story across runs and outages.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from crawler.alerts import Recipient, run_alerts
from crawler.alerts.channels.notify import url_key
from crawler.store.db import open_db
from tests.helpers import run_cli
from tests.json_endpoint import JsonEndpoint
from tests.smtp_sink import SmtpSink
from tests.test_alerts_smtp import NOW, add_article, seed, subs, text_part

BASE = "https://data.example.kz/crafts"
LIMIT = 100_000


@pytest.fixture
def endpoint() -> Iterator[JsonEndpoint]:
    server = JsonEndpoint().start()
    yield server
    server.stop()


@pytest.fixture
def db(tmp_path: Path, monkeypatch):
    for name in ("CRAWLER_ALERT_MAX_STORIES", "CRAWLER_ALERT_RETRY_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CRAWLER_DATASETTE_URL", BASE)
    database = open_db(tmp_path / "crafts.db")
    yield database
    database.close()


def news(
    db, count: int, *, start: int = 0, title: str = "Мастера войлока провели выставку"
) -> list[str]:
    """``count`` stories about felt, newest last; return their titles."""
    titles = []
    for n in range(start, start + count):
        titles.append(f"{title} №{n}")
        add_article(
            db,
            url=f"https://arnapress.kz/ru/news/{1000 + n}-voylok",
            title=titles[-1],
            body=f"В Алматы мастера войлока показали новые работы, выпуск {n}.",
            mentions=[("crafts", "войлок", "войлока")],
            source="arnapress",
            published_at=f"2026-11-{1 + n // 24:02d}T{n % 24:02d}:00:00Z",
        )
    return titles


def reader(endpoint: JsonEndpoint, email: str = "desk@example.kz") -> Recipient:
    return Recipient(email=email, name="Редакция", notify=(endpoint.url(),))


def mailed_titles(smtp: SmtpSink, titles: list[str]) -> list[str]:
    """Which of ``titles`` the mails carry, as often as they carry them."""
    texts = [text_part(m).replace("\r\n", "\n") for m in smtp.collector.messages()]
    return [t for text in texts for t in titles if f". {t}\n" in text]


def test_first_run_is_one_short_notice_per_channel_then_only_new_stories(
    db, smtp: SmtpSink, endpoint: JsonEndpoint
) -> None:
    archive = news(db, 150)
    readers = subs(reader(endpoint), Recipient(email="tourism@example.kz"))

    first = run_alerts(db, readers, smtp.settings(), now=NOW)
    assert (first.messages_sent, first.quiet_starts, first.failures) == (3, 3, [])
    assert len(smtp.collector.received) == 2 and len(endpoint.received) == 1
    for _, _, raw in smtp.collector.received:
        assert len(raw) < LIMIT
        assert not any(t.encode() in raw for t in archive)
    for msg in smtp.collector.messages():
        assert msg["Subject"] == "Мониторинг упоминаний ремёсел подключён: в архиве историй — 150"
        assert f"{BASE}/latest_mentions" in text_part(msg)
    [notice] = endpoint.received
    assert len(json.dumps(notice)) < LIMIT
    assert (notice["kind"], notice["backlog"], notice["stories"]) == ("backlog", 150, [])
    assert notice["browse_url"] == f"{BASE}/latest_mentions"
    # The archive is seen, once per recipient and channel, and never queued.
    statuses = db.execute(
        "SELECT channel, status, count(*) FROM alerts WHERE kind = 'story' "
        "GROUP BY channel, status ORDER BY channel"
    ).fetchall()
    assert statuses == [("email", "seen", 300), (url_key(endpoint.url()), "seen", 150)]

    fresh = news(db, 5, start=150, title="Шеберлер киіз басу көрмесін ашты")
    second = run_alerts(db, readers, smtp.settings(), now=NOW + timedelta(hours=1))
    assert (second.queued_new, second.messages_sent, second.quiet_starts) == (15, 3, 0)
    [desk_mail] = smtp.collector.messages("desk@example.kz")[1:]
    assert sorted(mailed_titles(smtp, fresh + archive)) == sorted(fresh * 2)
    assert "историй: 5." in text_part(desk_mail)
    # Every email links the Atom feed of new mentions, served beside the database.
    feed = "https://data.example.kz/-/feeds/mentions.atom"
    assert f"Лента новых упоминаний (Atom): {feed}" in text_part(desk_mail)
    assert f'href="{feed}"' in desk_mail.get_body(("html",)).get_content()
    [post] = endpoint.received[1:]
    assert sorted(s["title"] for s in post["stories"]) == sorted(fresh)
    assert (post["kind"], post["total"], post["more"]) == ("stories", 5, 0)
    story = post["stories"][0]
    assert story["url"].startswith("https://arnapress.kz/ru/news/")
    assert story["datasette_url"].startswith(f"{BASE}/articles/")
    assert story["story_url"].startswith(f"{BASE}/stories/")
    assert post["title"].startswith("Упоминания ремёсел: «Шеберлер киіз басу")
    assert "Шеберлер киіз басу көрмесін ашты" in post["message"]  # the text, for simple readers

    third = run_alerts(db, readers, smtp.settings(), now=NOW + timedelta(hours=2))
    assert (third.queued_new, third.messages_sent) == (0, 0)
    assert len(smtp.collector.received) == 4 and len(endpoint.received) == 2


def test_a_channel_added_later_starts_quietly_while_the_others_go_on(
    db, smtp: SmtpSink, endpoint: JsonEndpoint
) -> None:
    seed(db)
    email_only = Recipient(email="desk@example.kz")
    run_alerts(db, subs(email_only), smtp.settings(), now=NOW)
    titles = news(db, 2)
    run_alerts(db, subs(reader(endpoint)), smtp.settings(), now=NOW + timedelta(hours=1))
    assert sorted(mailed_titles(smtp, titles)) == sorted(titles)  # email goes on
    [notice] = endpoint.received  # the new URL: one notice about the 5 stories so far
    assert (notice["kind"], notice["backlog"]) == ("backlog", 5)


def test_send_backlog_sends_the_archive_at_most_max_stories_listed(
    db, smtp: SmtpSink, endpoint: JsonEndpoint, monkeypatch
) -> None:
    monkeypatch.setenv("CRAWLER_ALERT_MAX_STORIES", "20")
    archive = news(db, 30)
    report = run_alerts(db, subs(reader(endpoint)), smtp.settings(), now=NOW, send_backlog=True)
    assert (report.messages_sent, report.alerts_sent) == (2, 60)
    [post] = endpoint.received
    assert (len(post["stories"]), post["more"], post["total"]) == (20, 10, 30)
    assert [s["title"] for s in post["stories"]] == archive[::-1][:20]  # newest first
    [msg] = smtp.collector.messages()
    text = text_part(msg).replace("\r\n", "\n")
    assert "историй: 30." in text and "\n20. " in text and "\n21. " not in text
    assert f"…и ещё 10: все упоминания — {BASE}/latest_mentions" in text
    statuses = db.execute("SELECT DISTINCT status FROM alerts WHERE kind = 'story'").fetchall()
    assert statuses == [("sent",)]  # the unlisted ten were announced, not kept for later


def test_huge_pages_still_make_messages_under_100_kb(
    db, smtp: SmtpSink, endpoint: JsonEndpoint
) -> None:
    run_alerts(db, subs(reader(endpoint)), smtp.settings(), now=NOW)  # start both channels
    for n in range(20):
        add_article(
            db,
            url=f"https://arnapress.kz/ru/news/{n}-big",
            title=f"Ремёсла {n} " + "қолөнер шеберлері " * 2000,
            body="Мастера войлока " * 5000,
            mentions=[("crafts", "войлок", "Мастера войлока " * 3000)],
            source="arnapress",
        )
    report = run_alerts(db, subs(reader(endpoint)), smtp.settings(), now=NOW + timedelta(hours=1))
    assert (report.messages_sent, report.alerts_sent) == (2, 40)
    [(_, _, raw)] = smtp.collector.received
    assert len(raw) < LIMIT
    [post] = endpoint.received
    assert len(json.dumps(post)) < LIMIT
    assert post["total"] == 20 and 0 < len(post["stories"]) < 20
    assert post["more"] == 20 - len(post["stories"])


def test_copies_with_the_same_headline_are_one_entry(
    db, smtp: SmtpSink, endpoint: JsonEndpoint
) -> None:
    run_alerts(db, subs(reader(endpoint)), smtp.settings(), now=NOW)
    headline = "Алматы получила статус Всемирного города ремёсел"
    for n, (source, title) in enumerate(
        [("akimat", headline), ("arnapress", f"«{headline.upper()}»!")]
    ):
        add_article(
            db,
            url=f"https://example.kz/{source}/{n}",
            title=title,
            body=f"Новость {n}: Алматы получила статус Всемирного города ремёсел.",
            mentions=[("world_craft_city", "Всемирный город ремёсел", "Всемирного города ремёсел")],
            source=source,
        )
    run_alerts(db, subs(reader(endpoint)), smtp.settings(), now=NOW + timedelta(hours=1))
    [post] = endpoint.received
    [entry] = post["stories"]
    assert [o["url"] for o in entry["other_outlets"]] == ["https://example.kz/arnapress/1"]
    assert "историй: 1." in text_part(smtp.collector.messages()[0])

    # A later story with the same headline is a copy: recorded, not sent again.
    add_article(
        db,
        url="https://example.kz/later",
        title=headline + ".",
        body="Алматы получила статус Всемирного города ремёсел, пишут и другие.",
        mentions=[("world_craft_city", "Всемирный город ремёсел", "Всемирного города ремёсел")],
        source="arnapress",
    )
    later = run_alerts(db, subs(reader(endpoint)), smtp.settings(), now=NOW + timedelta(hours=2))
    assert (later.queued_new, later.messages_sent) == (0, 0)
    duplicates = db.execute("SELECT count(*) FROM alerts WHERE status = 'duplicate'").fetchone()
    assert duplicates == (2,)  # one per channel


def cli_env(smtp: SmtpSink, subscriptions: Path) -> dict[str, str]:
    return {
        **smtp.env(),
        "ALERT_TO": "",
        "CRAWLER_SUBSCRIPTIONS": str(subscriptions),
        "CRAWLER_DATASETTE_URL": BASE,
        "CRAWLER_ALERT_RETRY_SECONDS": "",
        "CRAWLER_ALERT_MAX_STORIES": "",
    }


def test_each_alert_reaches_email_and_json_once_across_outages(
    db, smtp: SmtpSink, endpoint: JsonEndpoint, tmp_path: Path
) -> None:
    """Runs on the real clock, so that ``crawler alerts`` (a separate process)
    sees the retry times the scheduled runs set."""
    subscriptions = tmp_path / "subscriptions.toml"
    subscriptions.write_text(
        f'[[recipient]]\nemail = "desk@example.kz"\nnotify = ["{endpoint.url()}"]\n',
        encoding="utf-8",
    )
    env = cli_env(smtp, subscriptions)
    readers = subs(reader(endpoint))
    seed(db)
    run_alerts(db, readers, smtp.settings())  # the quiet start
    first = news(db, 3)

    # The JSON endpoint fails: email goes out, JSON waits for its retry.
    endpoint.status = 500
    down = run_alerts(db, readers, smtp.settings())
    assert (down.messages_sent, len(down.failures)) == (1, 1)
    [failure] = down.failures
    assert failure.channel == f"json {endpoint.url()}"
    assert "error=500" in failure.error
    line = failure.line(manual=False)
    assert line.startswith("alerts: sending to desk@example.kz failed, kept queued: json json://")
    assert "next attempt" in line and "Almaty time" in line and "crawler alerts" in line
    # A scheduled run right after respects the backoff, and says why it waits.
    rerun = run_alerts(db, readers, smtp.settings())
    assert (rerun.messages_sent, rerun.failures) == (0, [])
    [waiting] = rerun.waiting
    assert waiting.count == 3 and "retry at" in waiting.reason
    assert waiting.line().startswith(
        f"alerts: not sent yet: 3 alerts for desk@example.kz by json {endpoint.url()}: retry at "
    )
    assert "error=500" in waiting.reason

    # A person runs `crawler alerts`: it sends at once, backoff or not.
    endpoint.status = 200
    now = run_cli("alerts", "--db", str(tmp_path / "crafts.db"), env=env)
    assert now.returncode == 0, now.stderr
    assert "1 messages sent (3 alerts), 0 failed, 0 queued" in now.stdout

    # Now the mail server is down: JSON gets the next stories, email waits.
    second = news(db, 2, start=3)
    smtp.stop()
    mail_down = run_alerts(db, readers, smtp.settings())
    assert (mail_down.messages_sent, [f.channel for f in mail_down.failures]) == (1, ["email"])
    assert "Connection refused" in mail_down.failures[0].error
    smtp.start()
    deadline = time.monotonic() + 10
    while True:
        back = run_cli("alerts", "--db", str(tmp_path / "crafts.db"), env=env)
        if back.returncode == 0 or time.monotonic() > deadline:
            break
        time.sleep(0.2)  # the restarted server may take a moment to listen
    assert back.returncode == 0, back.stderr
    assert "1 messages sent (2 alerts)" in back.stdout

    # Each story exactly once per channel, over all of it.
    assert sorted(mailed_titles(smtp, first + second)) == sorted(first + second)
    assert sorted(endpoint.stories()) == sorted(first + second)
    again = run_cli("alerts", "--db", str(tmp_path / "crafts.db"), env=env)
    assert "0 messages sent" in again.stdout
    assert len(endpoint.received) == 3  # the notice and two batches
    statuses = db.execute("SELECT DISTINCT status FROM alerts WHERE kind != 'story'").fetchall()
    assert statuses == [("sent",)]


def test_a_url_that_never_answers_does_not_hold_up_the_run(
    db, smtp: SmtpSink, endpoint: JsonEndpoint, monkeypatch
) -> None:
    monkeypatch.setenv("CRAWLER_ALERT_NOTIFY_TIMEOUT", "1")
    readers = subs(reader(endpoint))
    run_alerts(db, readers, smtp.settings(), now=NOW)
    news(db, 2)
    endpoint.delay = 5
    started = time.monotonic()
    report = run_alerts(db, readers, smtp.settings(), now=NOW + timedelta(hours=1))
    assert time.monotonic() - started < 4
    assert report.messages_sent == 1  # email is not held up
    [failure] = report.failures
    assert failure.outcome == "unconfirmed"
    assert "no answer within 1 s" in failure.error
    assert "not resent" in failure.line(manual=False)
    rows = db.execute(
        "SELECT DISTINCT status FROM alerts WHERE channel = ? AND kind = 'story' "
        "AND status != 'seen'",
        [url_key(endpoint.url())],
    ).fetchall()
    assert rows == [("unconfirmed",)]  # it may have arrived: never sent twice


def test_removed_url_cancels_its_alerts(db, smtp: SmtpSink, endpoint: JsonEndpoint) -> None:
    run_alerts(db, subs(reader(endpoint)), smtp.settings(), now=NOW)
    endpoint.status = 500
    news(db, 1)
    run_alerts(db, subs(reader(endpoint)), smtp.settings(), now=NOW + timedelta(hours=1))
    plain = Recipient(email="desk@example.kz", name="Редакция")
    report = run_alerts(db, subs(plain), smtp.settings(), now=NOW + timedelta(hours=2))
    assert (report.messages_sent, report.failures, report.waiting) == (0, [], [])
    cancelled = db.execute("SELECT count(*) FROM alerts WHERE status = 'cancelled'").fetchone()
    assert cancelled == (1,)


def test_crawler_alerts_test_reaches_every_channel(
    smtp: SmtpSink, endpoint: JsonEndpoint, tmp_path: Path
) -> None:
    subscriptions = tmp_path / "subscriptions.toml"
    subscriptions.write_text(
        "[[recipient]]\n"
        'email = "desk@example.kz"\n'
        f'notify = ["{endpoint.url()}", "{endpoint.url("/second")}"]\n'
        "[[recipient]]\n"
        'email = "tourism@example.kz"\n',
        encoding="utf-8",
    )
    env = cli_env(smtp, subscriptions)
    db = str(tmp_path / "never-created.db")
    result = run_cli("alerts", "--db", db, "--test", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "test: 4 sent, 0 failed, 0 skipped"
    assert f"test: desk@example.kz by json {endpoint.url()}: sent" in result.stdout
    assert "test: tourism@example.kz by email: sent" in result.stdout
    assert len(smtp.collector.received) == 2
    assert {m["Subject"] for m in smtp.collector.messages()} == {
        "Проверка канала: мониторинг упоминаний ремёсел"
    }
    assert [body["kind"] for body in endpoint.received] == ["test", "test"]
    assert not Path(db).exists()  # the outbox is not touched

    endpoint.status = 500
    smtp.stop()
    failed = run_cli("alerts", "--db", db, "--test", env={**env, "SMTP_HOST": ""})
    assert failed.returncode == 1
    assert failed.stdout.splitlines()[-1] == "test: 0 sent, 2 failed, 2 skipped"
    assert "by email: skipped: SMTP is not configured" in failed.stdout
    assert f"by json {endpoint.url('/second')}: failed: " in failed.stderr
    assert "error=500" in failed.stderr


def test_outbox_rows_from_before_channels_keep_meaning_email(
    tmp_path: Path, smtp: SmtpSink, endpoint: JsonEndpoint
) -> None:
    from crawler.store.db import apply_migrations, migrations, transaction

    old = open_db(tmp_path / "old.db", migrate=False)
    old["_migrations"].create({"name": str, "applied_at": str}, pk="name")
    with transaction(old):
        for name, migrate in migrations():
            if name >= "m011":
                break
            migrate(old)
            old["_migrations"].insert({"name": name, "applied_at": "2026-11-01T00:00:00Z"})
        ids = seed(old)
        # What the job wrote before channels existed: one row per recipient and story.
        for article_id in ids.values():
            old.execute(
                "INSERT INTO alerts (recipient, kind, key, story_id, article_id, categories, "
                "mode, created_at, due_at, status, attempts) SELECT 'desk@example.kz', 'story', "
                "'story:' || story_id, story_id, id, '[]', 'immediate', '2026-11-20T00:00:00Z', "
                "'2026-11-20T00:00:00Z', 'sent', 1 FROM articles WHERE id = ?",
                [article_id],
            )
        old.execute(
            "INSERT INTO alert_state (name, value) VALUES ('mentions_through_id', "
            "(SELECT max(id) FROM mentions)), ('mentions_through_found_at', "
            "(SELECT max(found_at) FROM mentions))"
        )
    assert "m011_alert_channels" in apply_migrations(old)
    assert old.execute("SELECT DISTINCT channel, status FROM alerts").fetchall() == [
        ("email", "sent")
    ]

    report = run_alerts(old, subs(reader(endpoint)), smtp.settings(), now=NOW)
    # Email had alerts already: no notice. The new URL starts quietly with the archive.
    assert smtp.collector.received == []
    [notice] = endpoint.received
    assert (notice["kind"], notice["backlog"]) == ("backlog", 3)
    assert report.quiet_starts == 1
    old.close()
