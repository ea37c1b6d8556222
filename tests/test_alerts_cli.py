"""``crawler alerts`` and the alert step of ``crawler run``, as a user runs them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import replica_args, run_cli
from tests.smtp_sink import SmtpSink
from tests.test_alerts_smtp import text_part

NO_MAIL_ENV = {
    "SMTP_HOST": "",
    "ALERT_TO": "",
    "ALERT_FROM": "",
    "CRAWLER_SUBSCRIPTIONS": "",
    "CRAWLER_DATASETTE_URL": "",
}


SUBSCRIPTIONS = """
[[recipient]]
email = "all@example.kz"
name = "Всё подряд"

[[recipient]]
email = "title@example.kz"
categories = ["world_craft_city"]
languages = ["ru"]
"""


@pytest.mark.slow
def test_run_delivers_one_message_per_recipient_then_nothing(
    replica, smtp: SmtpSink, tmp_path: Path
) -> None:
    db = str(tmp_path / "crafts.db")
    subs = tmp_path / "subs.toml"
    subs.write_text(SUBSCRIPTIONS, encoding="utf-8")
    env = {**NO_MAIL_ENV, **smtp.env(), "CRAWLER_SUBSCRIPTIONS": str(subs)}

    # --send-backlog: the first run sends the stories themselves, not the quiet-start notice.
    first = run_cli("run", "--db", db, "--send-backlog", *replica_args(replica), env=env)
    assert first.returncode == 0, first.stderr
    assert "messages sent" in first.stdout
    everything = smtp.collector.messages("all@example.kz")
    titled = smtp.collector.messages("title@example.kz")
    assert len(everything) == 1 and len(titled) == 1
    assert len(smtp.collector.received) == 2
    all_text, title_text = text_part(everything[0]), text_part(titled[0])
    stories = int(all_text.split("историй: ")[1].split(".")[0])
    assert stories > 5
    assert 0 < int(title_text.split("историй: ")[1].split(".")[0]) < stories
    assert "Всемирн" in title_text

    second = run_cli("run", "--db", db, *replica_args(replica), env=env)
    assert second.returncode == 0, second.stderr
    assert "alerts: 0 new, 0 messages sent" in second.stdout
    assert len(smtp.collector.received) == 2


@pytest.mark.slow
def test_run_without_smtp_keeps_alerts_queued_then_alerts_sends_them(
    replica, smtp: SmtpSink, tmp_path: Path
) -> None:
    db = str(tmp_path / "crafts.db")
    env = {**NO_MAIL_ENV, "ALERT_TO": "ops@example.kz"}
    result = run_cli("run", "--db", db, *replica_args(replica), env=env)
    assert result.returncode == 0, result.stderr
    said = (result.stdout + result.stderr).count("SMTP_HOST is not set")
    assert said == 1
    assert smtp.collector.received == []

    dry = run_cli("alerts", "--db", db, "--dry-run", env=env)
    assert dry.returncode == 0, dry.stderr
    assert "To: ops@example.kz" in dry.stdout and "nothing was sent" in dry.stdout

    sent = run_cli("alerts", "--db", db, env={**env, **smtp.env()})
    assert sent.returncode == 0, sent.stderr
    assert len(smtp.collector.received) == 1
    # The first run was a quiet start: one notice about the archive, not the archive.
    [notice] = smtp.collector.messages()
    assert notice["Subject"].startswith("Мониторинг упоминаний ремёсел подключён: в архиве")
    assert len(smtp.collector.received[0][2]) < 100_000
    assert run_cli("alerts", "--db", db, env={**env, **smtp.env()}).returncode == 0
    assert len(smtp.collector.received) == 1


def test_alerts_reports_an_outage_with_exit_1(tmp_path: Path) -> None:
    db = str(tmp_path / "crafts.db")
    from crawler.alerts import enqueue_health_alert
    from crawler.store.db import open_db

    database = open_db(db)
    enqueue_health_alert(database, "akimat", "нет ответа")
    database.close()
    down = SmtpSink()  # never started
    env = {**NO_MAIL_ENV, **down.env(), "ALERT_TO": "ops@example.kz"}
    result = run_cli("alerts", "--db", db, env=env)
    assert result.returncode == 1
    assert "sending to ops@example.kz failed, kept queued" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "env", "reason"),
    [
        (["alerts", "--subscriptions", "BAD"], {}, "recipient 1 (a@b.kz): mode: expected one of"),
        (["run", "--subscriptions", "BAD"], {}, "recipient 1 (a@b.kz): mode: expected one of"),
        (["alerts"], {"SMTP_HOST": "127.0.0.1", "ALERT_FROM": "x"}, "ALERT_FROM: not an email"),
        (["run"], {"SMTP_HOST": "h", "ALERT_FROM": "a@b.kz", "SMTP_PORT": "0"}, "SMTP_PORT"),
        (["alerts"], {}, "SMTP_HOST is not set"),
        (["alerts", "--subscriptions", "missing.toml"], {}, "subscriptions file not found"),
        (["alerts", "--subscriptions", "URLS"], {}, "(a@b.kz): notify 2: Apprise does not know"),
        (["run", "--subscriptions", "URLS"], {}, "(a@b.kz): notify 2: Apprise does not know"),
        *[
            (["alerts"], {"SMTP_HOST": "127.0.0.1", "ALERT_FROM": "a@b.kz", name: value}, name)
            for name, value in [
                ("CRAWLER_ALERT_MAX_STORIES", "0"),
                ("CRAWLER_ALERT_MAX_STORIES", "2.5"),
                ("CRAWLER_ALERT_RETRY_SECONDS", "-1"),
                ("CRAWLER_ALERT_NOTIFY_TIMEOUT", "0"),
                ("CRAWLER_ALERT_NOTIFY_TIMEOUT", "inf"),
            ]
        ],
        (["alerts", "--send-backlog", "--skip-backlog"], {}, "choose one of them"),
    ],
)
def test_config_errors_exit_2_with_one_line(args, env, reason, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[[recipient]]\nemail = 'a@b.kz'\nmode = 'weekly'\n", encoding="utf-8")
    urls = tmp_path / "urls.toml"
    urls.write_text(
        "[[recipient]]\nemail = 'a@b.kz'\n"
        "notify = ['json://127.0.0.1/hook', 'nosuchservice://secret-token@host']\n",
        encoding="utf-8",
    )
    args = [{"BAD": str(bad), "URLS": str(urls)}.get(a, a) for a in args]
    db = tmp_path / "x.db"
    result = run_cli(*args, "--db", str(db), env={**NO_MAIL_ENV, **env})
    assert result.returncode == 2, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error")]
    assert len(errors) == 1 and reason in errors[0], result.stderr
    assert "Traceback" not in result.stderr
    assert "secret-token" not in result.stderr  # a URL's secrets stay out of messages
    assert not db.exists()  # nothing was started
