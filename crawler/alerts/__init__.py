"""Alert emails about new mentions: subscriptions, the outbox, rendering, sending.

``run_alerts`` is the job (queue new mentions, send what is due);
``enqueue_health_alert`` lets crawl-health checks use the same outbox.
"""

from __future__ import annotations

from crawler.alerts.channels.email import SmtpSettings
from crawler.alerts.config import ConfigError, Recipient, Subscriptions, load_subscriptions
from crawler.alerts.job import AlertReport, run_alerts
from crawler.alerts.outbox import enqueue_health_alert, enqueue_new_mentions
from crawler.alerts.render import Batch, render_message

__all__ = [
    "AlertReport",
    "Batch",
    "ConfigError",
    "Recipient",
    "SmtpSettings",
    "Subscriptions",
    "enqueue_health_alert",
    "enqueue_new_mentions",
    "load_subscriptions",
    "render_message",
    "run_alerts",
]
