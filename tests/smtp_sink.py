"""A real SMTP server (aiosmtpd) on a free loopback port, for the alert tests."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from aiosmtpd.controller import Controller

from crawler.alerts import SmtpSettings
from tests.helpers import free_port


class Collector:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted"

    def messages(self, to: str | None = None) -> list[EmailMessage]:
        return [
            BytesParser(policy=policy.default).parsebytes(content)
            for _, rcpts, content in self.received
            if to is None or to in rcpts
        ]


class SmtpSink:
    """A real SMTP server on a fixed free port that can be stopped and started."""

    def __init__(self) -> None:
        self.port = free_port()
        self.collector = Collector()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.collector, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def settings(self, sender: str = "Мониторинг ремёсел <alerts@crafts.example.kz>"):
        return SmtpSettings(
            host="127.0.0.1",
            port=self.port,
            user="",
            password="",
            starttls=False,
            ssl=False,
            sender=sender,
            timeout=5,
        )

    def env(self) -> dict[str, str]:
        return {
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(self.port),
            "ALERT_FROM": "alerts@crafts.example.kz",
        }
