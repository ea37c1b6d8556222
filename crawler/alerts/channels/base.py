"""What the outbox needs from a channel (email, and later chat or push services).

The job renders each due batch with :meth:`Channel.render`, writes the send
log, and calls :meth:`Channel.send`; what a failure means for the queued
alerts (try again later, or give up) is the channel's call, through
:meth:`Channel.classify`. The send log, backoff and at-most-once bookkeeping
stay in :mod:`crawler.alerts.send`, the same for every channel.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar, Literal

from crawler.alerts.config import Recipient
from crawler.alerts.render import Batch

Outcome = Literal["retry", "permanent"]


@dataclass(frozen=True)
class Message:
    """One rendered batch, ready for :meth:`Channel.send` and the send log."""

    address: str  # where the channel delivers it (an email address, a chat id)
    to: str  # the recipient as shown in the log and previews
    subject: str
    message_id: str  # the same recipient and alerts give the same id: the log's key
    text: str  # the plain-text body, for dry-run previews
    payload: Any  # what the channel transmits (an EmailMessage for email)


class Channel(ABC):
    name: ClassVar[str]
    # Exceptions from send() that mean "not delivered"; anything else is a bug
    # and propagates, leaving the send log for the next run to settle.
    failures: ClassVar[tuple[type[BaseException], ...]] = (OSError,)

    @abstractmethod
    def address(self, recipient: Recipient) -> str | None:
        """The recipient's address on this channel, or None when they are not on it."""

    @abstractmethod
    def render(self, batch: Batch, now: datetime) -> Message:
        """The message for one batch; pure, so it can be compared with golden files."""

    @abstractmethod
    def send(self, message: Message, before_handoff: Callable[[], None]) -> None:
        """Deliver one message, calling ``before_handoff`` at the last moment at which
        the message certainly has not reached the other side (the log records it)."""

    @abstractmethod
    def classify(self, exc: BaseException) -> Outcome:
        """``retry``: keep the alerts queued with backoff; ``permanent``: reject them."""

    def describe(self, exc: BaseException) -> str:
        """The error as stored in ``last_error`` and shown in the run summary."""
        text = " ".join(str(exc).split()) or type(exc).__name__
        return f"{type(exc).__name__}: {text}"[:500]

    def unreachable(self) -> bool:
        """After a failed send: whether nothing else can get through this run, so
        the remaining recipients count a failed attempt without being tried."""
        return False

    @property
    def stale_after(self) -> timedelta:
        """A ``sending`` log row older than this belongs to a run that died."""
        return timedelta(minutes=10)

    def close(self) -> None:
        """Release connections at the end of a run."""
        return None  # most channels hold nothing between messages
