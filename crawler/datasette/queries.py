"""Canned queries: what people open Datasette for, without writing SQL.

Each reads an index or a small table, never every mention: the per-month counts
come from ``mention_months`` (kept by triggers, see migration m007), stories from
their ranking index, a term's mentions a page at a time. On 100 000 articles each
answers in well under 100 ms (bench/bench_search.py).

Each is ``name -> {title, description, sql}``; Datasette turns ``:name`` parameters
into form fields; the SQL stays one click away (``hide_sql``). ``<mark>`` in ``snippet``/``title`` columns is highlighted by the
project's plugin.
"""

from __future__ import annotations

SEARCH = """
select
  a.id,
  a.published_at,
  a.source,
  a.lang,
  highlight(articles_fts, 0, '<mark>', '</mark>') as title,
  snippet(articles_fts, 1, '<mark>', '</mark>', '…', 24) as snippet,
  a.url
from articles_fts
join articles a on a.id = articles_fts.rowid
where articles_fts match crawler_search_match(:q)
order by articles_fts.rank
limit 100
"""

LATEST_MENTIONS = """
select
  replace(substr(coalesce(a.published_local, a.published_at), 1, 16), 'T', ' ') as published,
  a.source,
  a.lang,
  m.category,
  m.term,
  m.snippet,
  a.title,
  a.url
from articles a
join mentions m on m.article_id = a.id
order by a.published_at desc, m.id
limit 200
"""

WORLD_CRAFT_CITY_TIMELINE = """
select
  nullif(month, '') as month,
  nullif(source, '') as source,
  articles,
  mentions
from mention_months
where category = 'world_craft_city'
order by month desc, source
"""

STORIES_BY_OUTLETS = """
select
  s.id as story_id,
  s.title,
  json_array_length(s.outlets) as outlet_count,
  s.outlets,
  s.langs,
  s.article_count,
  s.first_published_at,
  o.url
from stories s
left join articles o on o.id = s.origin_article_id
where exists (
  select 1 from articles a join mentions m on m.article_id = a.id where a.story_id = s.id
)
order by json_array_length(s.outlets) desc, s.article_count desc, s.first_published_at desc
limit 200
"""

# The page is picked over (mention, date) pairs first, so only its rows are read whole.
TERM_MENTIONS = """
with page as (
  select m.id, a.published_at
  from mentions m
  join articles a on a.id = m.article_id
  where m.term = :term
  order by a.published_at desc, m.id
  limit 100 offset (max(coalesce(cast(nullif(:page, '') as integer), 1), 1) - 1) * 100
)
select
  replace(substr(coalesce(a.published_local, a.published_at), 1, 16), 'T', ' ') as published,
  a.source,
  a.lang,
  m.category,
  m.text,
  m.snippet,
  a.title,
  a.url
from page
join mentions m on m.id = page.id
join articles a on a.id = m.article_id
order by page.published_at desc, m.id
"""

CRAWL_HEALTH = """
select
  spider as source,
  started_at,
  finished_at,
  status,
  finish_reason,
  requests,
  items_new,
  items_updated,
  items_dropped,
  errors,
  round((julianday(finished_at) - julianday(started_at)) * 86400) as seconds
from crawl_runs
order by started_at desc, spider
limit 500
"""

# One row per month and source, a column per category: a few hundred rows where the
# long form (month × category × source) would pass Datasette's 1000-row limit.
MENTIONS_PER_MONTH = """
select
  nullif(month, '') as month,
  nullif(source, '') as source,
  sum(mentions) filter (where category = 'world_craft_city') as world_craft_city,
  sum(mentions) filter (where category = 'world_crafts_council') as world_crafts_council,
  sum(mentions) filter (where category = 'crafts') as crafts,
  sum(mentions) as total
from mention_months
group by month, source
order by month desc, source
"""

# The chart's figures, one row per month, category and source (read whole, not paged).
MENTIONS_PER_MONTH_LONG = """
select nullif(month, '') as month, category, nullif(source, '') as source, mentions
from mention_months
order by month, category, source
"""

QUERIES = {
    "search": {
        "title": "Search articles (every inflected form)",
        "description": (
            "Finds every form of the words: «ремесленниками» finds «ремесленники», "
            "«қолөнершілерімен» finds «қолөнершілер». Words are ANDed; OR between words "
            "gives alternatives; a word ending in * searches by its beginning. Best matches first."
        ),
        "sql": SEARCH,
        "hide_sql": True,
    },
    "latest_mentions": {
        "title": "Latest mentions",
        "description": "Mentions of crafts, the World Craft City title and the World "
        "Crafts Council, newest articles first.",
        "sql": LATEST_MENTIONS,
        "hide_sql": True,
    },
    "world_craft_city_timeline": {
        "title": "World Craft City timeline",
        "description": "Articles and mentions of the World Craft City title per month "
        "(Almaty time) and source.",
        "sql": WORLD_CRAFT_CITY_TIMELINE,
        "hide_sql": True,
    },
    "stories_by_outlets": {
        "title": "Stories by number of outlets",
        "description": "Stories with mentions, the ones most outlets carried first.",
        "sql": STORIES_BY_OUTLETS,
        "hide_sql": True,
    },
    "term_mentions": {
        "title": "Mentions of one term",
        "description": "Every mention of a lexicon term (as in the term column of "
        "mentions, e.g. «ремесленник» or «World Craft City»), newest first, "
        "100 per page (page 1 when empty).",
        "params": ["term", "page"],
        "sql": TERM_MENTIONS,
        "hide_sql": True,
    },
    "crawl_health": {
        "title": "Crawl health per source",
        "description": "One row per spider run: status, requests, new items, errors.",
        "sql": CRAWL_HEALTH,
        "hide_sql": True,
    },
    "mentions_per_month": {
        "title": "Mentions per month by category and source",
        "description": "The figures behind the chart at /-/mentions-chart: mentions per "
        "month (Almaty time) and source, a column per category, newest first.",
        "sql": MENTIONS_PER_MONTH,
        "hide_sql": True,
    },
}
