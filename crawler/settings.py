"""Scrapy settings for the crafts-mention crawler.

Polite defaults are for the real sites; the demo, tests and benchmarks lift
them with ``-s`` when crawling the local replica. Our own settings carry the
``CRAWLER_`` prefix; secrets and site addresses come from the environment.
"""

from __future__ import annotations

import os

from crawler.sources.spec import url_settings

BOT_NAME = "crawler"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# --- our own settings -------------------------------------------------------
CRAWLER_DB = os.environ.get("CRAWLER_DB", "crafts.db")
# Each source's base URL: a setting named by its spec (crawler/sources/*.toml), from the
# environment or the real site: CRAWLER_AKIMAT_URL (every gov.kz project),
# CRAWLER_ARNAPRESS_URL.
globals().update({name: os.environ.get(name, real) for name, real in url_settings().items()})
# gov.kz (every project): entries per list page,
CRAWLER_AKIMAT_PAGE_SIZE = 100
# the API's first page number (clients seen use 1; one used 0), and its timeout:
# gov.kz answers slowly, clients wait 40-90 s.
CRAWLER_AKIMAT_FIRST_PAGE = 1
CRAWLER_AKIMAT_TIMEOUT = 90.0
CRAWLER_CONTACT_URL = os.environ.get(
    "CRAWLER_CONTACT_URL", "https://github.com/crafts-monitor/crafts-crawler"
)
# The sources crawled when --sources is not given (comma-separated; empty: every
# source declared in crawler/sources/).
CRAWLER_SOURCES = os.environ.get("CRAWLER_SOURCES", "")
# Backfill the whole archive instead of stopping at already-known articles.
CRAWLER_FULL = False
# Listing pages that hold only known articles to read before incremental paging stops.
CRAWLER_OVERLAP_PAGES = 0
# Rows the store stage buffers before it writes them in one transaction,
# and the longest it holds them (seconds), so a killed crawl loses little.
CRAWLER_STORE_BATCH = 200
CRAWLER_STORE_FLUSH_SECONDS = 2.0
# Stories: articles of different outlets are one story when the Jaccard similarity of
# their 4-word shingles reaches CRAWLER_STORY_THRESHOLD (for articles out at the same
# time; rising linearly to CRAWLER_STORY_THRESHOLD_FAR for those
# CRAWLER_STORY_WINDOW_HOURS apart, the most). A copy naming the other outlet as its
# source needs only agreeing titles (share of the shorter title's words) and a little text.
CRAWLER_STORY_THRESHOLD = 0.5
CRAWLER_STORY_THRESHOLD_FAR = 0.7
CRAWLER_STORY_WINDOW_HOURS = 48.0
CRAWLER_STORY_TITLE_THRESHOLD = 0.8
CRAWLER_STORY_CITED_THRESHOLD = 0.15
# Lexicon file of the mention detector (default: crawler/text/mentions/lexicon.toml).
CRAWLER_LEXICON = os.environ.get("CRAWLER_LEXICON") or None
# Refetch articles that are already stored (to pick up edits).
CRAWLER_REFETCH = False
# Configured discovery paths (hints) that answered 404 are asked again after this long.
CRAWLER_HINT_RECHECK_HOURS = 24.0
# A URL shape whose pages were not articles this many times (and never one) is dropped.
CRAWLER_DISCOVERY_SHAPE_MISSES = 3

# --- crawl health -------------------------------------------------------------
# A body shorter than this counts as incomplete (extraction drift).
CRAWLER_MIN_BODY_CHARS = 200
# Unhealthy when more than this share of a run's items lack a date or a body…
CRAWLER_HEALTH_MAX_INCOMPLETE = 0.3
# …judged only once a run has seen at least this many items.
CRAWLER_HEALTH_MIN_ITEMS = 3
# Unhealthy after this many runs in a row with nothing new while a feed changed.
CRAWLER_HEALTH_EMPTY_RUNS = 3
# --- several crawl processes, one store worker (docs/several-machines.md) -----------
# redis://host:port/db of the shared queue: crawl through it (scrapy-redis), items and
# run records to the store worker (`crawler store-worker`), no SQLite in the crawl.
CRAWLER_QUEUE = os.environ.get("CRAWLER_QUEUE") or None
# Seconds a crawl process's hold on its requests lasts without renewal: after a
# process dies, its requests go back to the queue this long after its last renewal.
CRAWLER_QUEUE_LEASE_SECONDS = 60.0

# Live progress lines on stderr (the CLI turns this on when attached to a terminal).
CRAWLER_PROGRESS = False

# --- politeness for the real sites ------------------------------------------
USER_AGENT = f"crafts-crawler/0.1 (+{CRAWLER_CONTACT_URL})"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
# Scrapy starts this many asyncio tasks per response to run item pipelines
# concurrently (default 100). An article response yields one item, and the
# stage that waits (store) lets other responses' items go meanwhile,
# so more tasks per response only cost the reactor thread their start-up.
CONCURRENT_ITEMS = 1
# Responses whose items are still in the pipelines (bytes, each counted as at
# least 1 KB): past this Scrapy sends no new requests. Scrapy's 5 MB let a
# stalled helper hold thousands of small API responses and their items
# (~300 MB); 1 MB bounds that to ~40 MB and is far above a healthy crawl's need.
SCRAPER_SLOT_MAX_ACTIVE_SIZE = 1_000_000
CONCURRENT_REQUESTS_PER_DOMAIN = 1
# DOWNLOAD_DELAY: each source's spec sets it (politeness.download_delay, 1 s); a value
# given with -s wins.
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# --- robustness ---------------------------------------------------------------
DOWNLOAD_TIMEOUT = 20
# A news page is well under a megabyte; these caps also stop gzip bombs,
# because Scrapy applies them to the decompressed size.
DOWNLOAD_MAXSIZE = 8 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 3
REDIRECT_MAX_TIMES = 5
# Scrapy drops oversize bodies, gzip bombs and redirect loops at once; a server
# may answer normally a moment later, so these retry them too (crawler/middlewares.py).
DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.FailureRetryMiddleware": 540,
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "crawler.middlewares.RetryingHttpCompressionMiddleware": 590,
    "crawler.middlewares.RedirectLoopMiddleware": 650,
    # Last before the download: one pace per host for every spider of the crawl.
    "crawler.pacing.HostPacer": 1000,
}
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False

ITEM_PIPELINES = {
    "pipelines.validate.ValidatePipeline": 100,
    "pipelines.normalise.NormalisePipeline": 200,
    "pipelines.dedup.DedupPipeline": 300,
    "pipelines.mentions.MentionsPipeline": 400,
    "pipelines.store.StorePipeline": 500,
}

EXTENSIONS = {
    "crawler.extensions.CrawlRunRecorder": 500,
    "crawler.run.progress.ProgressReporter": 600,
}

ADDONS = {"crawler.run.shared_settings.SharedQueueAddon": 0}

LOG_FORMATTER = "crawler.logformatter.QuietDropsFormatter"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = os.environ.get("CRAWLER_LOG_LEVEL", "INFO")
