"""Canonical URLs: one spelling per article, so the same page is stored once."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import parse_qsl, quote, unquote, urlencode, urljoin, urlsplit, urlunsplit

# Parameters that only track where a reader came from; they never select content.
TRACKING_PREFIXES = ("utm_", "_hs", "mc_", "pk_", "ga_")
TRACKING_PARAMS = frozenset(
    {"fbclid", "gclid", "yclid", "dclid", "msclkid", "igshid", "mc_cid", "mc_eid", "ref", "_ga"}
)


# Characters a path keeps unescaped (RFC 3986 unreserved, sub-delims, ":", "@", "/").
PATH_SAFE = "/:@!$&'()*+,;=-._~"


def is_tracking_param(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


# A listing's links are canonicalised again in several stages; bounded, so a
# backfill of a large archive does not grow the crawl with it.
@lru_cache(maxsize=4096)
def canonical_url(url: str) -> str:
    """Normalise ``url``: lower-case scheme and host, no ``www.``, no default
    port, no fragment, no tracking parameters, sorted query, no trailing slash.
    Never raises: a URL urllib cannot read comes back as given.

    Content-selecting parameters such as gov.kz's ``lang`` are kept: each
    language version is an article of its own. Paths are percent-encoded one way
    (a Cyrillic slug as typed and as a browser escapes it is one URL).
    """
    try:
        parts = urlsplit(url.strip())
    except ValueError:  # "http://[x": nothing to normalise, and one bad link must not raise
        return url.strip()
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    try:
        port: int | str | None = parts.port
    except ValueError:  # out of range or not a number ("x:99999"): kept as written
        port = parts.netloc.rpartition(":")[2]
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    path = quote(unquote(parts.path), safe=PATH_SAFE) or "/"
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    query = sorted(
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not is_tracking_param(k)
    )
    return urlunsplit((scheme, host, path, urlencode(query), ""))


def same_site(url: str, base_url: str) -> bool:
    """True when ``url`` is on the host of ``base_url`` (``www.`` ignored)."""
    host = (_hostname(url) or "").removeprefix("www.")
    base = (_hostname(base_url) or "").removeprefix("www.")
    return bool(host) and host == base


def is_web_url(url: str) -> bool:
    """An http(s) URL with a host and a valid port, which canonical_url can read."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError when out of range
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def join_url(base: str, link: str) -> str | None:
    """``link`` resolved against ``base``; None for one urllib cannot read ("http://[x")."""
    try:
        return urljoin(base, link.strip())
    except ValueError:
        return None


def _hostname(url: str) -> str | None:
    try:
        return urlsplit(url).hostname  # lower-cased by urllib
    except ValueError:  # "http://[broken" and the like: on no site at all
        return None
