"""``crawler doctor``: a live probe of each source, run before the first scheduled crawl.

Per source it shows what each discovery path answered, one sample article with the
layer that found each field, the mentions in it, and a verdict; a source that would
store nothing fails the probe with what to change. It makes a handful of polite
requests (one at a time, ``DOWNLOAD_DELAY`` apart) with the crawler's User-Agent.
"""

from __future__ import annotations

from crawler.doctor.report import SourceReport, render_text

__all__ = ["SourceReport", "render_text"]
