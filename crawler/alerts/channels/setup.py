"""The channels of a run: email for every recipient, one channel per notification URL."""

from __future__ import annotations

from collections.abc import Sequence

from crawler.alerts.channels.base import Channel
from crawler.alerts.channels.email import EmailChannel, SmtpSettings
from crawler.alerts.config import ConfigError, Recipient, Subscriptions


def build_channels(subs: Subscriptions, smtp: SmtpSettings | None, timeout: float) -> list[Channel]:
    """Email (which only renders, and keeps its alerts queued, while SMTP is not
    configured) and a channel per distinct ``notify`` URL.

    A URL Apprise cannot use is a :class:`ConfigError` naming the file, the
    recipient and the URL's place in the list, never the URL (it may hold a token).
    """
    channels: list[Channel] = [EmailChannel(smtp)]
    by_url: dict[str, Channel] = {}
    for number, recipient in enumerate(subs.recipients, 1):
        for place, url in enumerate(recipient.notify, 1):
            if url in by_url:
                continue
            from crawler.alerts.channels.notify import NotifyChannel  # Apprise loads when used

            try:
                by_url[url] = NotifyChannel(url, timeout=timeout)
            except ValueError as exc:
                raise ConfigError(
                    f"{subs.origin}: recipient {number} ({recipient.email}): notify {place}: {exc}"
                ) from None
    return channels + list(by_url.values())


def channels_of(recipient: Recipient, channels: Sequence[Channel]) -> dict[str, Channel]:
    """The recipient's channels by outbox key: those with an address for them."""
    return {c.key: c for c in channels if c.address(recipient) is not None}
