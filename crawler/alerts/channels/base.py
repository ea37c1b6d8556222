"""What the outbox needs from a channel (email, and chat or push services through Apprise).

The job renders each due batch with :meth:`Channel.render_all` (one message,
or several parts), writes the send log, and calls :meth:`Channel.send` for
each; what a failure means for the queued alerts (try again later, give up,
or "may have arrived") is the channel's call, through :meth:`Channel.classify`.
The send log, backoff and at-most-once bookkeeping stay in
:mod:`crawler.alerts.send`, the same for every channel.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar, Literal

from crawler.alerts.config import Recipient
from crawler.alerts.render import Batch

# retry: not delivered, try again after the backoff; permanent: refused for good;
# unconfirmed: the other side may have it (a timeout after sending), so never resent.
Outcome = Literal["retry", "permanent", "unconfirmed"]


@dataclass(frozen=True)
class Message:
    """One rendered batch, ready for :meth:`Channel.send` and the send log."""

    address: str  # where the channel delivers it (an email address, a chat id)
    to: str  # the recipient as shown in the log and previews
    subject: str
    message_id: str  # the same recipient and alerts give the same id: the log's key
    text: str  # the plain-text body, for dry-run previews
    payload: Any  # what the channel transmits (an EmailMessage for email)
    size: int = 0  # bytes on the wire (or characters, where the service counts those)
    alert_ids: tuple[int, ...] | None = None  # the rows this part carries; None: the whole batch


class Channel(ABC):
    name: ClassVar[str]
    # Exceptions from send() that mean "not delivered"; anything else is a bug
    # and propagates, leaving the send log for the next run to settle.
    failures: ClassVar[tuple[type[BaseException], ...]] = (OSError,)

    @abstractmethod
    def address(self, recipient: Recipient) -> str | None:
        """The recipient's address on this channel, or None when they are not on it."""

    @property
    def key(self) -> str:
        """The channel as the outbox stores it (``alerts.channel``): one set of rows,
        one backoff, per recipient and key."""
        return self.name

    @property
    def label(self) -> str:
        """The channel as summaries name it; never holds a secret."""
        return self.name

    def not_ready(self) -> str | None:
        """Why the channel cannot send now (e.g. SMTP is not configured), or None.
        Its alerts then wait, queued."""
        return None

    @abstractmethod
    def render(self, batch: Batch, now: datetime) -> Message:
        """The message for one batch; pure, so it can be compared with golden files."""

    def render_all(self, batch: Batch, now: datetime) -> list[Message]:
        """The batch as messages sent one after another (a service with a length
        limit splits it); each part names the alert rows it carries."""
        return [self.render(batch, now)]

    @abstractmethod
    def send(self, message: Message, before_handoff: Callable[[], None]) -> None:
        """Deliver one message, calling ``before_handoff`` at the last moment at which
        the message certainly has not reached the other side (the log records it)."""

    @abstractmethod
    def classify(self, exc: BaseException) -> Outcome:
        """``retry``: keep the alerts queued with backoff; ``permanent``: reject them;
        ``unconfirmed``: they may have been delivered, so they are not sent again."""

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
