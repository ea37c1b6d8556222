"""Who gets which alerts: the subscriptions file, validated on load.

A mistake in the file is a :class:`ConfigError` whose message is one line
naming the file, the recipient and the key, so the CLI can exit 2 with it.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.sources.spec import load_specs

CATEGORIES = ("world_craft_city", "world_crafts_council", "crafts")
LANGUAGES = ("ru", "kk", "en")
MODES = ("immediate", "daily")
DEFAULT_FILE = "subscriptions.toml"

_RECIPIENT_KEYS = {
    "email",
    "name",
    "mode",
    "digest_hour",
    "categories",
    "languages",
    "sources",
    "terms",
    "health",
    "notify",
}
# A notification URL names one chat or endpoint: it belongs to one recipient.
_DEFAULT_KEYS = _RECIPIENT_KEYS - {"email", "name", "notify"}
# Deliberately strict: an address goes into a header, so nothing that could
# break one (spaces, CR/LF, commas, angle brackets) gets through.
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$")
# An Apprise URL: a scheme, "://", then anything without spaces or control characters.
_NOTIFY_URL = re.compile(r"^[a-z][a-z0-9+.-]*://[^\s\x00-\x1f\x7f]+$", re.IGNORECASE)


class ConfigError(ValueError):
    """A bad subscriptions file or alert setting; the message is one line."""


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str = ""
    mode: str = "immediate"
    digest_hour: int = 9  # Almaty local hour of the daily digest
    categories: tuple[str, ...] = ()  # empty: any
    languages: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    terms: tuple[str, ...] = ()  # casefolded
    health: bool = True  # also receive crawl health notices
    notify: tuple[str, ...] = ()  # Apprise URLs (tgram://, json://, mailto:// …) besides email

    def wants(self, category: str, lang: str | None, source: str, term: str, text: str) -> bool:
        """Whether one mention passes every filter (an empty filter passes all)."""
        if self.categories and category not in self.categories:
            return False
        if self.languages and (lang or "") not in self.languages:
            return False
        if self.sources and source not in self.sources:
            return False
        if self.terms:
            haystack = f"{term}\n{text}".casefold()
            return any(t in haystack for t in self.terms)
        return True


@dataclass(frozen=True)
class Subscriptions:
    recipients: tuple[Recipient, ...] = ()
    origin: str = ""  # the file, or "ALERT_TO", for messages

    def by_email(self) -> dict[str, Recipient]:
        return {r.email: r for r in self.recipients}


def subscriptions_path(db_path: Path, option: str | Path | None = None) -> tuple[Path, bool]:
    """The subscriptions file to read and whether it was asked for explicitly.

    ``--subscriptions`` wins, then ``$CRAWLER_SUBSCRIPTIONS``, then
    ``subscriptions.toml`` next to the database.
    """
    if option:
        return Path(option), True
    env = os.environ.get("CRAWLER_SUBSCRIPTIONS", "").strip()
    if env:
        return Path(env), True
    return Path(db_path).resolve().parent / DEFAULT_FILE, False


def load_subscriptions(db_path: Path, option: str | Path | None = None) -> Subscriptions:
    """Read the subscriptions file; without one, ``$ALERT_TO`` gets everything.

    An explicitly named file that does not exist is an error; a missing
    default file is not (then ALERT_TO, or nobody).
    """
    path, explicit = subscriptions_path(db_path, option)
    if path.is_file():
        return parse_subscriptions(path.read_bytes(), str(path))
    if explicit:
        raise ConfigError(f"{path}: subscriptions file not found")
    alert_to = os.environ.get("ALERT_TO", "").strip()
    if not alert_to:
        return Subscriptions(origin="")
    recipients = []
    for address in (a.strip() for a in alert_to.split(",")):
        if not _EMAIL.match(address):
            raise ConfigError(f"ALERT_TO: not an email address: {address!r}")
        recipients.append(Recipient(email=address))
    return Subscriptions(tuple(recipients), origin="ALERT_TO")


def parse_subscriptions(data: bytes, origin: str) -> Subscriptions:
    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{origin}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{origin}: not valid TOML: {exc}") from None
    unknown = sorted(set(doc) - {"defaults", "recipient"})
    if unknown:
        raise ConfigError(
            f"{origin}: unknown section {unknown[0]!r}; expected [defaults] and [[recipient]]"
        )
    defaults = doc.get("defaults", {})
    if not isinstance(defaults, dict):
        raise ConfigError(f"{origin}: defaults: expected a table [defaults]")
    _check_keys(defaults, _DEFAULT_KEYS, f"{origin}: defaults")
    entries = doc.get("recipient", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ConfigError(f"{origin}: recipient: expected tables [[recipient]]")
    recipients: list[Recipient] = []
    seen: set[str] = set()
    for number, entry in enumerate(entries, 1):
        email = entry.get("email")
        where = f"{origin}: recipient {number}" + (f" ({email})" if isinstance(email, str) else "")
        _check_keys(entry, _RECIPIENT_KEYS, where)
        recipient = _recipient({**defaults, **entry}, where)
        if recipient.email.casefold() in seen:
            raise ConfigError(f"{where}: email: listed twice")
        seen.add(recipient.email.casefold())
        recipients.append(recipient)
    return Subscriptions(tuple(recipients), origin=origin)


def _check_keys(table: dict[str, Any], allowed: set[str], where: str) -> None:
    for key in table:
        if key not in allowed:
            raise ConfigError(f"{where}: {key}: unknown key; expected one of {_list(allowed)}")


def _recipient(values: dict[str, Any], where: str) -> Recipient:
    email = values.get("email")
    if not isinstance(email, str) or not _EMAIL.match(email.strip()):
        raise ConfigError(f"{where}: email: expected an address like name@example.kz")
    name = values.get("name", "")
    if not isinstance(name, str) or any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise ConfigError(f"{where}: name: expected one line of text")
    mode = values.get("mode", "immediate")
    if mode not in MODES:
        raise ConfigError(f"{where}: mode: expected one of {_list(MODES)}, got {mode!r}")
    hour = values.get("digest_hour", 9)
    if isinstance(hour, bool) or not isinstance(hour, int) or not 0 <= hour <= 23:
        raise ConfigError(f"{where}: digest_hour: expected a whole hour 0-23, got {hour!r}")
    health = values.get("health", True)
    if not isinstance(health, bool):
        raise ConfigError(f"{where}: health: expected true or false, got {health!r}")
    return Recipient(
        email=email.strip(),
        name=name.strip(),
        mode=mode,
        digest_hour=hour,
        categories=_choices(values, "categories", CATEGORIES, where),
        languages=_choices(values, "languages", LANGUAGES, where),
        sources=_choices(values, "sources", tuple(s.name for s in load_specs()), where),
        terms=tuple(t.strip().casefold() for t in _strings(values, "terms", where)),
        health=health,
        notify=_notify_urls(values, where),
    )


def _notify_urls(values: dict[str, Any], where: str) -> tuple[str, ...]:
    urls = [u.strip() for u in _strings(values, "notify", where)]
    for number, url in enumerate(urls, 1):
        # The URL may hold a bot token or a password: the message names its place only.
        if not _NOTIFY_URL.match(url):
            raise ConfigError(
                f"{where}: notify {number}: expected a notification URL such as "
                "tgram://BOT_TOKEN/CHAT_ID, json://host/path or mailto://user:pass@host"
            )
        if urls.index(url) != number - 1:
            raise ConfigError(f"{where}: notify {number}: listed twice")
    return tuple(urls)


def _strings(values: dict[str, Any], key: str, where: str) -> list[str]:
    value = values.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{where}: {key}: expected a list of non-empty strings")
    return value


def _choices(values: dict[str, Any], key: str, allowed: tuple[str, ...], where: str) -> tuple:
    chosen = _strings(values, key, where)
    for value in chosen:
        if value not in allowed:
            raise ConfigError(
                f"{where}: {key}: unknown value {value!r}; expected one of {_list(allowed)}"
            )
    return tuple(chosen)


def _list(values: Any) -> str:
    return ", ".join(sorted(values))
