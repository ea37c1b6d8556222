"""Reading a source's declarative config (``crawler/sources/<name>.toml``)."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

SOURCES_DIR = Path(__file__).parent


class SourceConfigError(ValueError):
    """A source config file is missing or malformed."""


@cache
def load_source_config(name: str) -> dict[str, Any]:
    """The parsed TOML of source ``name``; raises SourceConfigError naming the problem."""
    path = SOURCES_DIR / f"{name}.toml"
    try:
        with path.open("rb") as fh:
            config = tomllib.load(fh)
    except FileNotFoundError:
        raise SourceConfigError(f"no source config {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SourceConfigError(f"{path}: {exc}") from None
    if "source" not in config:
        raise SourceConfigError(f"{path}: missing [source] table")
    # Discovery finds a site by itself: [discovery] only adds hints and pins.
    discovery = config.setdefault("discovery", {})
    if not isinstance(discovery, dict):
        raise SourceConfigError(f"{path}: [discovery] must be a table")
    return config
