"""``crawler alerts --test``: one test message through every configured channel of
every recipient, outside the outbox (nothing is queued or marked)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from crawler.alerts.channels.email import SmtpSettings
from crawler.alerts.channels.setup import build_channels, channels_of
from crawler.alerts.config import Subscriptions
from crawler.alerts.gather import BROWSE_PAGE, datasette_base, mentions_feed
from crawler.alerts.outbox import now_utc
from crawler.alerts.render import Batch


@dataclass(frozen=True)
class ProbeResult:
    recipient: str
    channel: str  # the channel's label
    outcome: str  # sent | failed | skipped
    detail: str = ""

    def line(self) -> str:
        text = f"test: {self.recipient} by {self.channel}: {self.outcome}"
        return f"{text}: {self.detail}" if self.detail else text


def send_test_messages(
    subs: Subscriptions,
    smtp: SmtpSettings | None,
    *,
    timeout: float,
    now: datetime | None = None,
) -> list[ProbeResult]:
    """Send the test message to each recipient on each of their channels; a
    channel that cannot send (email without SMTP) is skipped, with the reason."""
    now = now or now_utc()
    channels = build_channels(subs, smtp, timeout)
    base = datasette_base()
    results: list[ProbeResult] = []
    try:
        for recipient in subs.recipients:
            batch = Batch(
                recipient=recipient.email,
                name=recipient.name,
                mode=recipient.mode,
                alert_ids=(),
                browse_url=f"{base}/{BROWSE_PAGE}" if base else None,
                feed_url=mentions_feed(base),
                test=True,
            )
            for channel in channels_of(recipient, channels).values():
                reason = channel.not_ready()
                if reason:
                    results.append(ProbeResult(recipient.email, channel.label, "skipped", reason))
                    continue
                try:
                    for message in channel.render_all(batch, now):
                        channel.send(message, lambda: None)
                except channel.failures as exc:
                    detail = channel.describe(exc)
                    results.append(ProbeResult(recipient.email, channel.label, "failed", detail))
                else:
                    results.append(ProbeResult(recipient.email, channel.label, "sent"))
    finally:
        for channel in channels:
            channel.close()
    return results
