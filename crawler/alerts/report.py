"""What an alert run says: what was sent, and for everything not sent, why and
when it will be tried again."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import sqlite_utils

from crawler.alerts.outbox import BROADCAST, parse_iso
from crawler.text.dates import ALMATY, iso_utc


def almaty(value: datetime) -> str:
    return value.astimezone(ALMATY).strftime("%Y-%m-%d %H:%M") + " Almaty time"


@dataclass(frozen=True)
class Failure:
    """A message this run tried and could not deliver."""

    recipient: str
    channel: str  # the channel's label
    error: str  # one line: the channel's own reason
    outcome: str  # retry | permanent | unconfirmed
    next_attempt: datetime | None  # for "retry"

    def line(self, manual: bool) -> str:
        head = f"alerts: sending to {self.recipient} failed"
        if self.outcome == "permanent":
            return f"{head}, rejected for good: {self.channel}: {self.error}"
        if self.outcome == "unconfirmed":
            return f"{head}, unconfirmed (not resent): {self.channel}: {self.error}"
        when = almaty(self.next_attempt) if self.next_attempt else "on the next run"
        retry = "; `crawler alerts` retries at once" if not manual else ""
        return f"{head}, kept queued: {self.channel}: {self.error}; next attempt {when}{retry}"


@dataclass(frozen=True)
class Waiting:
    """Queued alerts of one recipient and channel that this run did not send."""

    recipient: str
    channel: str
    count: int
    reason: str

    def line(self) -> str:
        alerts = "alert" if self.count == 1 else "alerts"
        return (
            f"alerts: not sent yet: {self.count} {alerts} for {self.recipient} "
            f"by {self.channel}: {self.reason}"
        )


@dataclass
class AlertReport:
    queued_new: int = 0
    quiet_starts: int = 0  # channels started with one notice instead of their archive
    messages_sent: int = 0
    alerts_sent: int = 0
    failures: list[Failure] = field(default_factory=list)
    waiting: list[Waiting] = field(default_factory=list)
    requeued: int = 0
    unconfirmed: int = 0
    still_queued: int = 0
    email_off: bool = False  # SMTP is not configured: email alerts wait
    manual: bool = False  # run by a person (`crawler alerts`): no backoff
    dry_run: bool = False
    previews: list[str] = field(default_factory=list)

    def line(self) -> str:
        if self.dry_run:
            return (
                f"alerts (dry run): {self.queued_new} would be queued, "
                f"{len(self.previews)} messages would be sent; nothing was sent or marked"
            )
        text = (
            f"alerts: {self.queued_new} new, {self.messages_sent} messages sent "
            f"({self.alerts_sent} alerts), {len(self.failures)} failed, "
            f"{self.still_queued} queued"
        )
        if self.quiet_starts:
            channels = "channel" if self.quiet_starts == 1 else "channels"
            text += (
                f", {self.quiet_starts} {channels} started quietly "
                "(one notice each, the archive marked seen)"
            )
        if self.unconfirmed:
            text += f", {self.unconfirmed} unconfirmed after an interrupted send (not resent)"
        if self.email_off:
            text += "; SMTP_HOST is not set, so no email was sent"
        return text

    def details(self) -> list[str]:
        """One line per failure of this run, then per group of alerts left waiting."""
        return [f.line(self.manual) for f in self.failures] + [w.line() for w in self.waiting]


def waiting_alerts(
    db: sqlite_utils.Database,
    now: datetime,
    *,
    label: Callable[[str, str], str | None],
    not_ready: Callable[[str, str], str | None],
    tried: set[tuple[str, str]],
) -> list[Waiting]:
    """Queued alerts by recipient and channel, with why they were not sent.

    ``label(recipient, key)`` names the channel (None: no longer configured);
    ``not_ready`` says why a channel cannot send; groups in ``tried`` failed
    this run and are reported as failures instead.
    """
    waiting = []
    stamp = iso_utc(now)
    for recipient, key, count, due_at, next_at, error in db.execute(
        "SELECT recipient, channel, count(*), max(due_at), max(next_attempt_at), max(last_error) "
        "FROM alerts WHERE status = 'queued' AND recipient != ? "
        "GROUP BY recipient, channel ORDER BY recipient, channel",
        [BROADCAST],
    ).fetchall():
        if (recipient, key) in tried:
            continue
        name = label(recipient, key)
        if name is None:
            waiting.append(Waiting(recipient, key, count, "the channel is no longer configured"))
            continue
        reason = not_ready(recipient, key)
        if reason:
            reason += "; kept queued"
        elif next_at and next_at > stamp:
            retry_at = parse_iso(next_at)
            assert retry_at is not None
            reason = f"retry at {almaty(retry_at)} (at once with `crawler alerts`) after: {error}"
        elif due_at and due_at > stamp:
            due = parse_iso(due_at)
            assert due is not None
            reason = f"daily digest at {almaty(due)}"
        else:
            reason = "queued for the next run"
        waiting.append(Waiting(recipient, name, count, reason))
    return waiting
