"""The sources: one spec each (``*.toml`` here), read by :mod:`crawler.sources.spec`."""
