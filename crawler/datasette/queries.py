"""Canned queries: what people open Datasette for, without writing SQL.

Each reads an index or a small table, never every mention: the per-month counts
come from ``mention_months`` (kept by triggers, see migration m007), stories from
their ranking index, a term's mentions a page at a time. On 100 000 articles each
answers in well under 100 ms (bench/bench_search.py).

Each is ``name -> {title, description, sql}``; Datasette turns ``:name`` parameters
into form fields; the SQL stays one click away (``hide_sql``). ``<mark>`` in
``snippet``/``title`` columns is highlighted by the project's plugin, which also
shows times in Almaty time (the queries return UTC, as stored).
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

# One row per article: the newest articles with mentions (walking the published_at
# index), then each one's categories, terms and a sentence with its mentions marked
# (crawler_mark, registered by the project's plugin), a body sentence first.
LATEST_MENTIONS = """
with recent as (
  select a.id
  from articles a
  where exists (select 1 from mentions m where m.article_id = a.id)
  order by a.published_at desc
  limit 100
)
select
  a.published_at as published,
  a.title,
  crawler_mark(
    (select snippet from mentions where article_id = a.id order by field = 'title', id limit 1),
    (select json_group_array(text) from mentions where article_id = a.id)
  ) as snippet,
  (select group_concat(category, ', ') from (
    select distinct category from mentions where article_id = a.id order by category
  )) as categories,
  (select group_concat(term, ', ') from (
    select distinct term from mentions where article_id = a.id order by term
  )) as terms,
  a.source,
  a.lang,
  a.id as article,
  a.url
from recent
join articles a on a.id = recent.id
order by a.published_at desc
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
  a.published_at as published,
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
  health,
  health_reasons,
  warnings,
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
        "description": "The newest articles that mention crafts, the World Craft City "
        "title or the World Crafts Council: one row each, with its categories, the terms "
        "found and a sentence with them marked.",
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
        "title": "Crawl runs",
        "description": "One row per spider run: status, health verdict and its reasons, "
        "requests, new items, errors. Each source's verdict is on /-/crawl-health.",
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
