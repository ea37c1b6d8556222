"""A second channel plugged into the alert job: it gets the same batches as
email, and its failure classification decides between retry and give-up."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from crawler.alerts import Batch, Recipient, render_message
from crawler.alerts.channels import Channel, Message, Outcome
from tests.smtp_sink import SmtpSink
from tests.test_alerts_smtp import NOW, seed, send_all, subs, text_part


class Unavailable(Exception):
    """The service is busy: worth another try later."""


class Refused(Exception):
    """The service refuses this address for good."""


class RecordingChannel(Channel):
    """A chat-like channel that keeps what it is given and fails on request."""

    name = "recording"
    failures = (Unavailable, Refused)

    def __init__(self, fail: dict[str, type[Exception]] | None = None) -> None:
        self.fail = fail or {}
        self.batches: list[Batch] = []
        self.sent: list[Message] = []

    def address(self, recipient: Recipient) -> str | None:
        return f"chat:{recipient.email}"

    def render(self, batch: Batch, now: datetime) -> Message:
        self.batches.append(batch)
        ids = ",".join(str(i) for i in batch.alert_ids)
        titles = "\n".join(story.title for story in batch.stories)
        return Message(
            address=f"chat:{batch.recipient}",
            to=batch.recipient,
            subject=f"{len(batch.stories)} stories",
            message_id=f"<recording.{batch.recipient}.{ids}>",
            text=titles,
            payload=titles,
        )

    def send(self, message: Message, before_handoff: Callable[[], None]) -> None:
        before_handoff()
        failure = self.fail.get(message.address)
        if failure is not None:
            raise failure(f"{message.address}: {failure.__doc__}")
        self.sent.append(message)

    def classify(self, exc: BaseException) -> Outcome:
        return "permanent" if isinstance(exc, Refused) else "retry"


@pytest.fixture
def two_dbs(tmp_path):
    from crawler.store.db import open_db

    first, second = open_db(tmp_path / "email.db"), open_db(tmp_path / "recording.db")
    yield first, second
    first.close()
    second.close()


@pytest.fixture
def db(tmp_path, monkeypatch):
    from crawler.store.db import open_db

    monkeypatch.delenv("CRAWLER_ALERT_RETRY_SECONDS", raising=False)
    database = open_db(tmp_path / "crafts.db")
    yield database
    database.close()


def test_second_channel_gets_the_batches_email_gets(two_dbs) -> None:
    email_db, recording_db = two_dbs
    readers = subs(
        Recipient(email="all@example.kz", name="Айгерим"),
        Recipient(email="kazakh@example.kz", languages=("kk",)),
    )
    for database in two_dbs:
        seed(database)
    sink = SmtpSink()
    sink.start()
    try:
        by_email = send_all(email_db, readers, sink.settings(), now=NOW)
    finally:
        sink.stop()
    channel = RecordingChannel()
    by_channel = send_all(recording_db, readers, None, now=NOW, channels=[channel])

    assert (by_channel.messages_sent, by_channel.alerts_sent) == (2, 4)
    assert (by_email.messages_sent, by_email.alerts_sent) == (2, 4)
    assert [m.address for m in channel.sent] == ["chat:all@example.kz", "chat:kazakh@example.kz"]
    # Rendered as email, each batch the channel got is the message the server received.
    for batch in channel.batches:
        [received] = sink.collector.messages(batch.recipient)
        expected = render_message(batch, sender=sink.settings().sender, now=NOW)
        assert received["Message-ID"] == expected["Message-ID"]
        assert received["Subject"] == expected["Subject"]
        assert text_part(received) == text_part(expected)
    logged = recording_db.execute("SELECT message_id, state FROM alert_sends").fetchall()
    assert logged == [(m.message_id, "sent") for m in channel.sent]


def test_classification_decides_retry_or_give_up(db) -> None:
    seed(db)
    readers = subs(
        Recipient(email="busy@example.kz"),
        Recipient(email="gone@example.kz"),
        Recipient(email="ok@example.kz"),
    )
    channel = RecordingChannel(
        {"chat:busy@example.kz": Unavailable, "chat:gone@example.kz": Refused}
    )
    first = send_all(db, readers, None, now=NOW, channels=[channel])
    assert (first.messages_sent, [f.recipient for f in first.failures]) == (
        1,
        ["busy@example.kz", "gone@example.kz"],
    )

    def rows(recipient: str) -> set[tuple]:
        return set(
            db.execute(
                "SELECT status, attempts, next_attempt_at, last_error FROM alerts "
                "WHERE recipient = ?",
                [recipient],
            ).fetchall()
        )

    assert rows("busy@example.kz") == {
        (
            "queued",
            1,
            "2026-11-26T06:01:00Z",
            "Unavailable: chat:busy@example.kz: The service is busy: worth another try later.",
        )
    }
    assert rows("gone@example.kz") == {
        (
            "rejected",
            1,
            None,
            "Refused: chat:gone@example.kz: The service refuses this address for good.",
        )
    }
    assert {status for status, *_ in rows("ok@example.kz")} == {"sent"}

    channel.fail.clear()  # the service is back
    early = send_all(db, readers, None, now=NOW + timedelta(seconds=30), channels=[channel])
    assert early.messages_sent == 0  # still backing off
    later = send_all(db, readers, None, now=NOW + timedelta(minutes=2), channels=[channel])
    assert later.messages_sent == 1
    assert [m.address for m in channel.sent] == ["chat:ok@example.kz", "chat:busy@example.kz"]
    assert {status for status, *_ in rows("busy@example.kz")} == {"sent"}
    assert {status for status, *_ in rows("gone@example.kz")} == {"rejected"}
