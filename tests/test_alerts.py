"""Alerts without a network: subscriptions validation, due times, and the rendered
email compared with golden files (set UPDATE_GOLDENS=1 to rewrite them on purpose)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.alerts import Batch, ConfigError, Recipient, load_subscriptions, render_message
from crawler.alerts.channels.email import SmtpSettings
from crawler.alerts.config import parse_subscriptions
from crawler.alerts.outbox import due_time
from crawler.alerts.render import HealthEntry, Outlet, StoryEntry, clean_header, make_message_id

FIXTURES = Path(__file__).parent / "fixtures" / "alerts"
NOW = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
SENDER = "Мониторинг ремёсел <alerts@crafts.example.kz>"


def test_sample_subscriptions_load(monkeypatch) -> None:
    monkeypatch.delenv("CRAWLER_SUBSCRIPTIONS", raising=False)
    subs = load_subscriptions(Path("x.db"), FIXTURES / "subscriptions.toml")
    first, second = subs.recipients
    assert first == Recipient(
        email="aigerim@example.kz",
        name="Айгерим Сапарова",
        categories=("world_craft_city", "world_crafts_council"),
    )
    assert (second.mode, second.digest_hour, second.terms, second.health) == (
        "daily",
        8,
        ("қолөнер",),
        False,
    )


def test_example_config_in_the_repo_is_valid() -> None:
    example = Path(__file__).parent.parent / "examples" / "subscriptions.toml"
    subs = parse_subscriptions(example.read_bytes(), str(example))
    assert len(subs.recipients) >= 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[recipient]]\nemail = 'bad'\n", "s.toml: recipient 1 (bad): email: expected an address"),
        (
            "[[recipient]]\nemail = 'a@b.kz'\ncategories = ['craft']\n",
            "s.toml: recipient 1 (a@b.kz): categories: unknown value 'craft'",
        ),
        (
            "[[recipient]]\nemail = 'a@b.kz'\nmode = 'weekly'\n",
            "s.toml: recipient 1 (a@b.kz): mode: expected one of daily, immediate",
        ),
        (
            "[[recipient]]\nemail = 'a@b.kz'\n[[recipient]]\nemail = 'c@b.kz'\ndigest_hour = 24\n",
            "s.toml: recipient 2 (c@b.kz): digest_hour: expected a whole hour 0-23",
        ),
        ("[[recipient]]\nemail = 'a@b.kz'\nlanguage = ['ru']\n", "recipient 1 (a@b.kz): language:"),
        ("[[recipient]]\nemail = 'a@b.kz'\nterms = 'войлок'\nsources = [1]\n", "sources:"),
        ("[[recipient]]\nemail = 'a@b.kz'\n[[recipient]]\nemail = 'A@b.kz'\n", "listed twice"),
        ("[defaults]\nmode = 'hourly'\n[[recipient]]\nemail = 'a@b.kz'\n", "mode:"),
        ("[[recipient]]\nemail = 'a@b.kz'\nname = \"x\\r\\nBcc: c@d.kz\"\n", "name:"),
        ("[recipients]\n", "unknown section 'recipients'"),
        ("[[recipient]]\nemail = 'a@b.kz'\nnotify = ['tgram:token']\n", "notify 1: expected a"),
        ("[[recipient]]\nemail = 'a@b.kz'\nnotify = ['json://h/ x']\n", "notify 1: expected a"),
        (
            "[[recipient]]\nemail = 'a@b.kz'\nnotify = ['json://h', 'json://h']\n",
            "notify 2: listed",
        ),
        ("[defaults]\nnotify = ['json://h']\n[[recipient]]\nemail = 'a@b.kz'\n", "notify:"),
        ("[[recipient]\n", "s.toml: not valid TOML"),
    ],
)
def test_bad_subscriptions_are_one_line_errors(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_subscriptions(text.encode(), "s.toml")
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_without_a_file_alert_to_gets_everything(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("CRAWLER_SUBSCRIPTIONS", raising=False)
    monkeypatch.setenv("ALERT_TO", "ops@example.kz, press@example.kz")
    subs = load_subscriptions(tmp_path / "crafts.db")
    assert [r.email for r in subs.recipients] == ["ops@example.kz", "press@example.kz"]
    assert subs.recipients[0].wants("crafts", "kk", "arnapress", "x", "y")
    (tmp_path / "subscriptions.toml").write_text("[[recipient]]\nemail = 'a@b.kz'\n")
    assert [r.email for r in load_subscriptions(tmp_path / "crafts.db").recipients] == ["a@b.kz"]
    monkeypatch.setenv("CRAWLER_SUBSCRIPTIONS", str(tmp_path / "missing.toml"))
    with pytest.raises(ConfigError, match=r"missing\.toml: subscriptions file not found"):
        load_subscriptions(tmp_path / "crafts.db")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SMTP_HOST": "h", "ALERT_FROM": "a@b.kz", "SMTP_PORT": "x"}, "SMTP_PORT"),
        ({"SMTP_HOST": "h", "ALERT_FROM": "a@b.kz", "SMTP_SSL": "maybe"}, "SMTP_SSL"),
        ({"SMTP_HOST": "h", "ALERT_FROM": "a@b.kz", "SMTP_SSL": "1", "SMTP_STARTTLS": "1"}, "one"),
        ({"SMTP_HOST": "h"}, "ALERT_FROM: not set"),
        ({"SMTP_HOST": "h", "ALERT_FROM": "nobody"}, "ALERT_FROM: not an email"),
    ],
)
def test_bad_smtp_settings(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        SmtpSettings.from_env(env)


def test_smtp_settings_defaults() -> None:
    assert SmtpSettings.from_env({}) is None
    ssl = SmtpSettings.from_env({"SMTP_HOST": "h", "ALERT_FROM": "a@b.kz", "SMTP_SSL": "true"})
    assert (ssl.port, ssl.ssl, ssl.starttls, ssl.timeout) == (465, True, False, 30.0)
    tls = SmtpSettings.from_env({"SMTP_HOST": "h", "ALERT_FROM": "a@b.kz", "SMTP_STARTTLS": "yes"})
    assert (tls.port, tls.starttls) == (587, True)


def test_digest_due_time_is_the_next_local_hour() -> None:
    daily = Recipient(email="a@b.kz", mode="daily", digest_hour=9)
    # 08:59 Almaty: today at 09:00; 09:00 exactly: tomorrow; immediate: now.
    assert due_time(daily, datetime(2026, 11, 26, 3, 59, tzinfo=UTC)) == datetime(
        2026, 11, 26, 4, 0, tzinfo=UTC
    )
    assert due_time(daily, datetime(2026, 11, 26, 4, 0, tzinfo=UTC)) == datetime(
        2026, 11, 27, 4, 0, tzinfo=UTC
    )
    assert due_time(Recipient(email="a@b.kz"), NOW) == NOW


def test_clean_header_removes_line_breaks_and_controls() -> None:
    assert clean_header("a\r\nBcc: x@y\x00\u2028z\u200b") == "a Bcc: x@y z"
    assert len(clean_header("я" * 500, 100)) == 100


def test_message_id_is_deterministic_and_order_free() -> None:
    one = make_message_id("A@b.kz", [3, 1, 2], SENDER)
    assert one == make_message_id("a@b.kz", (1, 2, 3), SENDER)
    assert one != make_message_id("a@b.kz", (1, 2), SENDER)
    assert one.endswith("@crafts.example.kz>")


def sample_batch(mode: str = "immediate") -> Batch:
    wcc = StoryEntry(
        story_id=7,
        title="Алматы получила статус Всемирного города ремёсел",
        source="akimat",
        lang="ru",
        url="https://www.gov.kz/memleket/entities/almaty/press/news/details/1?lang=ru",
        published_at=datetime(2026, 11, 26, 4, 30, tzinfo=UTC),
        snippet="Алматы официально получила статус Всемирного города ремёсел.",
        highlight="Всемирного города ремёсел",
        categories=("world_craft_city",),
        other_outlets=(
            Outlet(
                "akimat",
                "kk",
                "https://www.gov.kz/memleket/entities/almaty/press/news/details/1?lang=kk",
            ),
            Outlet("arnapress", "ru", "https://arnapress.kz/ru/news/4-copy"),
        ),
        datasette_url="https://data.example.kz/crafts/stories/7",
    )
    felt = StoryEntry(
        story_id=8,
        title="Шеберлер <киіз> & кілем",
        source="arnapress",
        lang="kk",
        url="https://arnapress.kz/kk/news/5-kiiz",
        published_at=None,
        snippet="Алматыда киіз басу шеберлері қолөнер көрмесін ашты.",
        highlight="қолөнер",
        categories=("crafts",),
    )
    return Batch(
        recipient="aigerim@example.kz",
        name="Айгерим Сапарова",
        mode=mode,
        alert_ids=(11, 12, 13),
        stories=(wcc, felt),
        health=(HealthEntry("akimat", "API отвечает 503 третий запуск подряд", NOW),),
    )


def dump(msg) -> str:
    """A readable form of a message: decoded headers, then each part's text."""
    lines = [f"{name}: {value}" for name, value in msg.items() if name != "Content-Type"]
    for part in msg.iter_parts():
        lines += ["", f"--- {part.get_content_type()}", part.get_content().rstrip("\r\n")]
    return "\n".join(lines).replace("\r\n", "\n") + "\n"


@pytest.mark.parametrize("mode", ["immediate", "daily"])
def test_rendered_email_matches_golden(mode: str) -> None:
    msg = render_message(sample_batch(mode), sender=SENDER, now=NOW)
    golden = FIXTURES / f"{mode}.golden.txt"
    if os.environ.get("UPDATE_GOLDENS"):
        golden.write_text(dump(msg), encoding="utf-8")
    assert dump(msg) == golden.read_text(encoding="utf-8")


def test_rendering_is_byte_for_byte_reproducible_and_ascii() -> None:
    first = render_message(sample_batch(), sender=SENDER, now=NOW).as_bytes()
    assert first == render_message(sample_batch(), sender=SENDER, now=NOW).as_bytes()
    assert all(b < 128 for b in first)
    assert b"Subject: =?utf-8?" in first


LONG_HEADLINES = [
    "В Алматы пройдёт международный фестиваль ремесел ALA CRAFT и выставка мастеров войлока",
    "Акимат Алматы и Всемирный совет ремёсел подписали меморандум о сотрудничестве WCC-AISBL",
    "Шеберлер киіз басу және кілем тоқу өнерін жас ұрпаққа үйретуде: қолөнер орталығы ашылды",
    "Фестиваль ремесел ALA CRAFT собрал более тысячи мастеров из Казахстана Узбекистана и Кыргызстана",
    "Алматыда Дүниежүзілік қолөнер қаласы мәртебесіне арналған ALA CRAFT фестивалі өтті",
]


def words_of_subject(batch: Batch) -> tuple[list[str], list[str]]:
    """The subject's words as a reader's mail program decodes them, and as written."""
    from email.parser import BytesParser
    from email.policy import default

    from crawler.alerts.render import subject_for

    raw = render_message(batch, sender=SENDER, now=NOW).as_bytes()
    decoded = BytesParser(policy=default).parsebytes(raw)["Subject"]
    return str(decoded).split(), subject_for(batch, "26.11.2026").split()


@pytest.mark.parametrize("headline", LONG_HEADLINES)
@pytest.mark.parametrize("mode", ["immediate", "daily"])
def test_long_cyrillic_subject_keeps_every_word_apart(headline: str, mode: str) -> None:
    from dataclasses import replace

    batch = sample_batch(mode)
    batch = replace(batch, stories=(replace(batch.stories[0], title=headline), batch.stories[1]))
    decoded, written = words_of_subject(batch)
    assert decoded == written


def test_folded_subjects_keep_their_spaces_whatever_the_words() -> None:
    import random
    from dataclasses import replace

    words = [*LONG_HEADLINES[0].split(), "киіз", "қолөнер", "2026", "WCC", "«Шебер»", "—"]
    rng = random.Random(7)
    batch = sample_batch()
    for _ in range(200):
        title = " ".join(rng.choice(words) for _ in range(rng.randint(3, 30)))
        one = replace(batch, stories=(replace(batch.stories[0], title=title),))
        decoded, written = words_of_subject(one)
        assert decoded == written, title


def test_headlines_that_are_the_same_story() -> None:
    from crawler.alerts.headline import headline_key

    same = [
        "Алматы получила статус Всемирного города ремёсел",
        "«Алматы получила статус всемирного города ремесел»!",
        "  АЛМАТЫ  получила статус — Всемирного города ремёсел. ",
    ]
    assert len({headline_key(t) for t in same}) == 1
    assert headline_key(same[0]) != headline_key("Алматы получила статус Всемирного города")
    # Too short to tell stories apart: never merged.
    assert headline_key("Новости") is None
    assert headline_key("(без заголовка)") is None
    assert headline_key(None) is None


def test_alert_settings_from_the_environment() -> None:
    from crawler.alerts.settings import AlertSettings

    default = AlertSettings.from_env({})
    assert (default.max_stories, default.retry.total_seconds(), default.notify_timeout) == (
        20,
        60.0,
        30.0,
    )
    given = AlertSettings.from_env(
        {"CRAWLER_ALERT_MAX_STORIES": "5", "CRAWLER_ALERT_RETRY_SECONDS": "0.5"}
    )
    assert (given.max_stories, given.retry.total_seconds()) == (5, 0.5)
    for name, value in [
        ("CRAWLER_ALERT_MAX_STORIES", "many"),
        ("CRAWLER_ALERT_MAX_STORIES", "201"),
        ("CRAWLER_ALERT_RETRY_SECONDS", "nan"),
        ("CRAWLER_ALERT_NOTIFY_TIMEOUT", "-3"),
    ]:
        with pytest.raises(ConfigError, match=f"^{name} must be a "):
            AlertSettings.from_env({name: value})
