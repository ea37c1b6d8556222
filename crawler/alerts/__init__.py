"""Alerts about new mentions: subscriptions, the outbox, rendering, sending.

``run_alerts`` is the job (queue new mentions, send what is due through
email and each recipient's notification URLs); ``enqueue_health_alert``
lets crawl-health checks use the same outbox; ``send_test_messages`` is
``crawler alerts --test``.
"""

from __future__ import annotations

from crawler.alerts.channels.email import SmtpSettings
from crawler.alerts.config import ConfigError, Recipient, Subscriptions, load_subscriptions
from crawler.alerts.job import run_alerts
from crawler.alerts.outbox import enqueue_health_alert, enqueue_new_mentions
from crawler.alerts.probe import ProbeResult, send_test_messages
from crawler.alerts.render import Batch, render_message
from crawler.alerts.report import AlertReport
from crawler.alerts.settings import AlertSettings

__all__ = [
    "AlertReport",
    "AlertSettings",
    "Batch",
    "ConfigError",
    "ProbeResult",
    "Recipient",
    "SmtpSettings",
    "Subscriptions",
    "enqueue_health_alert",
    "enqueue_new_mentions",
    "load_subscriptions",
    "render_message",
    "run_alerts",
    "send_test_messages",
]
