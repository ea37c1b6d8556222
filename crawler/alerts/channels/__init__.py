"""Ways an alert batch reaches a recipient; each channel is one module here."""

from __future__ import annotations

from crawler.alerts.channels.base import Channel, Message, Outcome

__all__ = ["Channel", "Message", "Outcome"]
