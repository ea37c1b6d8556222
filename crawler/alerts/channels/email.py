"""The email channel: SMTP settings from the environment, one connection that
delivers messages, and :class:`EmailChannel` on top of them.

Delivery is done step by step (MAIL, RCPT, then DATA) so that the send log
can record the moment the message may have reached the server: before DATA
nothing can have been delivered, after it the message may have been.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import parseaddr

from crawler.alerts.channels.base import Channel, Message, Outcome
from crawler.alerts.config import _EMAIL, ConfigError, Recipient
from crawler.alerts.render import Batch, render_message

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    user: str
    password: str
    starttls: bool
    ssl: bool
    sender: str  # ALERT_FROM as written (may carry a display name)
    timeout: float

    @property
    def sender_address(self) -> str:
        return parseaddr(self.sender)[1]

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SmtpSettings | None:
        """The settings, or None when ``SMTP_HOST`` is not set (sending is off)."""
        env = os.environ if env is None else env
        host = env.get("SMTP_HOST", "").strip()
        if not host:
            return None
        use_ssl = _flag(env, "SMTP_SSL")
        starttls = _flag(env, "SMTP_STARTTLS")
        if use_ssl and starttls:
            raise ConfigError("SMTP_SSL and SMTP_STARTTLS: choose one of them")
        port = _number(env, "SMTP_PORT", 465 if use_ssl else (587 if starttls else 25), int)
        if port > 65535:
            raise ConfigError(f"SMTP_PORT: expected a port from 1 to 65535, got {port}")
        timeout = _number(env, "SMTP_TIMEOUT", 30.0, float)
        sender = env.get("ALERT_FROM", "").strip()
        if not sender:
            raise ConfigError("ALERT_FROM: not set; the alerts need a From address")
        if any(c in sender for c in "\r\n") or not _EMAIL.match(parseaddr(sender)[1]):
            raise ConfigError(f"ALERT_FROM: not an email address: {sender!r}")
        return cls(
            host=host,
            port=port,
            user=env.get("SMTP_USER", ""),
            password=env.get("SMTP_PASSWORD", ""),
            starttls=starttls,
            ssl=use_ssl,
            sender=sender,
            timeout=timeout,
        )


def sender_from_env(env: Mapping[str, str] | None = None) -> str:
    """ALERT_FROM for rendering when SMTP is off (a dry run), with a placeholder."""
    env = os.environ if env is None else env
    return env.get("ALERT_FROM", "").strip() or "crafts-crawler@localhost"


def _flag(env: Mapping[str, str], name: str) -> bool:
    value = env.get(name, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name}: expected true or false, got {value!r}")


def _number(env: Mapping[str, str], name: str, default, kind):
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        value = -1
    if value <= 0:
        raise ConfigError(f"{name}: expected a positive number, got {raw!r}")
    return value


class PermanentFailure(Exception):
    """The server refused this message for good (a 5xx reply): retrying will not help."""


class Connection:
    """One SMTP session, opened on first use and reused for every recipient."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None
        self.ever_opened = False  # False after a failure: the server is unreachable

    def _open(self) -> smtplib.SMTP:
        s = self.settings
        context = ssl.create_default_context()
        if s.ssl:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                s.host, s.port, timeout=s.timeout, context=context
            )
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        try:
            smtp.ehlo_or_helo_if_needed()
            if s.starttls:
                smtp.starttls(context=context)
                smtp.ehlo()
            if s.user:
                smtp.login(s.user, s.password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def deliver(self, msg: EmailMessage, recipient: str, before_data: Callable[[], None]) -> None:
        """Send one message to one address; ``before_data`` runs just before DATA.

        Raises :class:`PermanentFailure` for a 5xx refusal, another exception
        (``smtplib.SMTPException`` or ``OSError``) for a failure worth retrying.
        """
        if self._smtp is None:
            self._smtp = self._open()
            self.ever_opened = True
        smtp = self._smtp
        data = msg.as_bytes()
        code, reply = smtp.mail(self.settings.sender_address)
        if code != 250:
            self._refused(code, reply, "MAIL FROM")
        code, reply = smtp.rcpt(recipient)
        if code not in (250, 251):
            self._refused(code, reply, "RCPT TO")
        before_data()
        try:
            smtp.data(data)
        except smtplib.SMTPDataError as exc:
            if 500 <= exc.smtp_code < 600:
                raise PermanentFailure(
                    f"DATA refused: {exc.smtp_code} {_text(exc.smtp_error)}"
                ) from exc
            raise

    def _refused(self, code: int, reply: bytes, step: str) -> None:
        smtp = self._smtp
        if smtp is not None:
            try:
                smtp.rset()
            except smtplib.SMTPException:
                self.close()
        message = f"{step} refused: {code} {_text(reply)}"
        if 500 <= code < 600:
            raise PermanentFailure(message)
        raise smtplib.SMTPResponseException(code, message)

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None


def _text(reply: bytes | str) -> str:
    if isinstance(reply, bytes):
        reply = reply.decode("utf-8", "replace")
    return " ".join(reply.split())


class EmailChannel(Channel):
    """Alerts as multipart emails over SMTP, one session reused for every recipient."""

    name = "email"
    failures = (PermanentFailure, smtplib.SMTPException, OSError)

    def __init__(self, settings: SmtpSettings | None, sender: str | None = None) -> None:
        # Without settings the channel can only render (a dry run with SMTP off).
        self.settings = settings
        self.sender = sender or (settings.sender if settings else sender_from_env())
        self._connection = Connection(settings) if settings else None

    def address(self, recipient: Recipient) -> str | None:
        return recipient.email

    def not_ready(self) -> str | None:
        return None if self.settings else "SMTP is not configured (set SMTP_HOST)"

    def render(self, batch: Batch, now: datetime) -> Message:
        msg = render_message(batch, sender=self.sender, now=now)
        body = msg.get_body(("plain",))
        assert body is not None
        return Message(
            address=batch.recipient,
            to=str(msg["To"]),
            subject=str(msg["Subject"]),
            message_id=str(msg["Message-ID"]),
            text=body.get_content(),
            payload=msg,
            size=len(msg.as_bytes()),
        )

    def send(self, message: Message, before_handoff: Callable[[], None]) -> None:
        if self._connection is None:
            raise RuntimeError("the email channel has no SMTP settings: it can only render")
        try:
            self._connection.deliver(message.payload, message.address, before_handoff)
        except PermanentFailure:
            raise
        except (smtplib.SMTPException, OSError):
            self._connection.close()  # a broken session: the next message opens a new one
            raise

    def classify(self, exc: BaseException) -> Outcome:
        return "permanent" if isinstance(exc, PermanentFailure) else "retry"

    def describe(self, exc: BaseException) -> str:
        if isinstance(exc, PermanentFailure):
            return str(exc)  # already says which step the server refused, and its reply
        return super().describe(exc)

    def unreachable(self) -> bool:
        # A failure before any session opened: the server is down for everyone.
        return self._connection is not None and not self._connection.ever_opened

    @property
    def stale_after(self) -> timedelta:
        timeout = self.settings.timeout if self.settings else 30.0
        return timedelta(seconds=max(600.0, 4 * timeout))

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
