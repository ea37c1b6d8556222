"""HTML of the Arna Press replica: article pages in three layouts, and listings."""

from __future__ import annotations

import json
from collections.abc import Sequence
from html import escape

from crawler.replica import dates
from crawler.replica.corpus import ArnaArticle

LAYOUTS = ("v1", "v2", "broken")

MENU = {
    "ru": [
        ("/ru/news", "Главная"),
        ("/ru/politics", "Политика"),
        ("/ru/society", "Общество"),
        ("/ru/economy", "Экономика"),
        ("/ru/culture", "Культура"),
        ("/ru/crafts", "Ремёсла и традиции"),
        ("/ru/sport", "Спорт"),
        ("/ru/incidents", "Происшествия"),
    ],
    "kk": [
        ("/kz/news", "Басты бет"),
        ("/kz/politics", "Саясат"),
        ("/kz/society", "Қоғам"),
        ("/kz/economy", "Экономика"),
        ("/kz/culture", "Мәдениет"),
        ("/kz/crafts", "Қолөнер және дәстүр"),
        ("/kz/sport", "Спорт"),
        ("/kz/incidents", "Оқиғалар"),
    ],
}

# topic -> (tag slug, Russian tag, Kazakh tag)
TAGS = {
    "transport": ("transport", "Транспорт", "Көлік"),
    "utilities": ("zhkh", "ЖКХ", "ТКШ"),
    "parks": ("blagoustroystvo", "Благоустройство", "Абаттандыру"),
    "schools": ("obrazovanie", "Образование", "Білім"),
    "health": ("zdravookhranenie", "Здравоохранение", "Денсаулық"),
    "sport": ("sport", "Спорт", "Спорт"),
    "fair": ("remesla", "Ремёсла", "Қолөнер"),
    "carpet": ("remesla", "Ремёсла", "Қолөнер"),
    "pottery": ("remesla", "Ремёсла", "Қолөнер"),
    "alacraft": ("ala-craft", "ALA CRAFT", "ALA CRAFT"),
    "wcc_status": ("world-craft-city", "World Craft City", "World Craft City"),
    "wcc_council": ("world-crafts-council", "World Crafts Council", "World Crafts Council"),
    "beer": ("biznes", "Бизнес", "Бизнес"),
    "minecraft": ("tekhnologii", "Технологии", "Технологиялар"),
    "aircraft": ("nauka", "Наука", "Ғылым"),
}

WORDS = {
    "ru": {
        "also": "Читайте также",
        "down": "Страница временно недоступна. Попробуйте обновить её позже.",
        "next": "Далее",
        "prev": "Назад",
        "news": "Новости",
        "workshop": "Мастерская новостей",
        "about": "О редакции",
        "ads": "Реклама",
    },
    "kk": {
        "also": "Сондай-ақ оқыңыз",
        "down": "Бет уақытша қолжетімсіз. Кейінірек жаңартып көріңіз.",
        "next": "Келесі",
        "prev": "Алдыңғы",
        "news": "Жаңалықтар",
        "workshop": "Жаңалықтар шеберханасы",
        "about": "Редакция туралы",
        "ads": "Жарнама",
    },
}


def _e(text: str) -> str:
    return escape(text, quote=True)


def section(lang: str) -> str:
    return "ru" if lang == "ru" else "kz"


def _nav(lang: str, cls: str) -> str:
    links = "".join(f'<a href="{href}">{_e(label)}</a>' for href, label in MENU[lang])
    return f'<nav class="{cls}">{links}</nav>'


def _footer(lang: str) -> str:
    w = WORDS[lang]
    return (
        '<footer class="site-footer"><p>© Arna Press, 2024–2026. '
        f'<a href="/{section(lang)}/about">{w["about"]}</a> · '
        f'<a href="/{section(lang)}/ads">{w["ads"]}</a> · '
        f'<a href="/{section(lang)}/workshop">«{w["workshop"]}»</a></p></footer>'
    )


def _tags(article: ArnaArticle) -> list[tuple[str, str]]:
    slug, ru, kk = TAGS.get(article.topic, ("novosti", "Новости", "Жаңалықтар"))
    city = ("almaty", "Алматы")
    return [(f"/tag/{slug}", ru if article.lang == "ru" else kk), (f"/tag/{city[0]}", city[1])]


def _description(article: ArnaArticle) -> str:
    first = article.paragraphs[0] if article.paragraphs else ""
    head, dot, _ = first.partition(". ")
    return head + dot.strip() if dot else first


def _json_ld(article: ArnaArticle, url: str) -> str:
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "datePublished": dates.iso(article.published),
        "dateModified": dates.iso(article.modified or article.published),
        "inLanguage": article.lang,
        "author": {"@type": "Person", "name": article.author},
        "publisher": {"@type": "Organization", "name": "Arna Press"},
        "mainEntityOfPage": url,
    }
    text = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    return f'<script type="application/ld+json">{text}</script>'


def _related(related: Sequence[ArnaArticle]) -> str:
    return "".join(f'<li><a href="{a.path}">{_e(a.title)}</a></li>' for a in related)


def article_page(
    article: ArnaArticle, base: str, layout: str, related: Sequence[ArnaArticle]
) -> str:
    """The article page; ``related`` fills the sidebar (its titles are not this article's)."""
    renderer = {"v1": _v1, "v2": _v2, "broken": _broken}[layout]
    return renderer(article, base + article.path, related)


def _head(article: ArnaArticle, url: str, extra: str, sep: str = "—") -> str:
    return (
        f'<!doctype html><html lang="{article.lang}"><head><meta charset="utf-8">'
        f"<title>{_e(article.title)} {sep} Arna Press</title>\n"
        f'<link rel="canonical" href="{_e(url)}">\n{extra}</head>'
    )


def _v1(article: ArnaArticle, url: str, related: Sequence[ArnaArticle]) -> str:
    lang, title = article.lang, _e(article.title)
    iso = dates.iso(article.published)
    locale = "ru_RU" if lang == "ru" else "kk_KZ"
    meta = (
        f'<meta property="og:type" content="article"><meta property="og:title" content="{title}">'
        f'<meta property="og:url" content="{_e(url)}">'
        f'<meta property="og:description" content="{_e(_description(article))}">'
        f'<meta property="og:locale" content="{locale}">\n'
        f'<meta property="article:published_time" content="{iso}">'
        f'<meta name="author" content="{_e(article.author)}">\n'
        f"{_json_ld(article, url)}\n"
    )
    body = "".join(f"<p>{_e(p)}</p>" for p in article.paragraphs)
    tags = "".join(f'<a href="{href}">{_e(name)}</a>' for href, name in _tags(article))
    return (
        _head(article, url, meta)
        + f'<body>\n<header class="site-header">{_nav(lang, "main-nav")}</header>\n'
        '<main class="layout"><article class="news-article">\n'
        f'<h1 class="news-article__title">{title}</h1>\n'
        f'<div class="news-article__meta"><time class="news-article__date" datetime="{iso}">'
        f"{dates.visible(article.published, lang)}</time> "
        f'<span class="news-article__author">{_e(article.author)}</span></div>\n'
        f'<div class="news-article__body">{body}</div>\n'
        f'<div class="news-article__tags">{tags}</div>\n</article>\n'
        f'<aside class="sidebar"><h3>{WORDS[lang]["also"]}</h3><ul>{_related(related)}</ul>'
        f"</aside></main>\n{_footer(lang)}</body></html>\n"
    )


def _v2(article: ArnaArticle, url: str, related: Sequence[ArnaArticle]) -> str:
    lang, title = article.lang, _e(article.title)
    meta = f'<meta property="og:title" content="{title}">\n{_json_ld(article, url)}\n'
    body = "".join(f"<p>{_e(p)}</p>" for p in article.paragraphs)
    tags = "".join(f'<li><a href="{href}">{_e(n)}</a></li>' for href, n in _tags(article))
    return (
        _head(article, url, meta, sep="|")
        + f'<body>\n<div class="topbar">{_nav(lang, "menu")}</div>\n<div class="wrap">'
        f'<div class="post">\n<h1 class="post-title">{title}</h1>\n'
        f'<div class="post-info"><span class="post-date">'
        f"{dates.visible(article.published, lang)}</span> · "
        f'<span class="post-author">{_e(article.author)}</span></div>\n'
        f'<div class="post-content">{body}</div>\n<ul class="post-tags">{tags}</ul></div>\n'
        f'<div class="related"><h4>{WORDS[lang]["also"]}</h4><ul>{_related(related)}</ul>'
        f"</div></div>\n{_footer(lang)}</body></html>\n"
    )


def _broken(article: ArnaArticle, url: str, related: Sequence[ArnaArticle]) -> str:
    lang = article.lang
    return (
        _head(article, url, "") + f'<body>\n<div class="topbar">{_nav(lang, "menu")}</div>\n'
        f'<div class="page"><div class="hdr">{_e(article.title)}</div>\n'
        f'<div class="txt">{WORDS[lang]["down"]}</div></div>\n'
        f'<div class="related"><ul>{_related(related)}</ul></div>\n'
        f"{_footer(lang)}</body></html>\n"
    )


def listing_page(lang: str, page: int, cards: Sequence[ArnaArticle], has_next: bool) -> str:
    w, sec = WORDS[lang], section(lang)
    items = "".join(
        f'<article class="news-card"><a class="news-card__link" href="{a.path}">{_e(a.title)}</a>'
        f'<time class="news-card__date" datetime="{dates.iso(a.published)}">'
        f"{dates.visible(a.published, lang)}</time></article>"
        for a in cards
    )
    nav = ""
    if page > 1:
        prev = f"/{sec}/news" if page == 2 else f"/{sec}/news?page={page - 1}"
        nav += f'<a class="pagination__prev" rel="prev" href="{prev}">{w["prev"]}</a>'
    if has_next:
        nav += (
            f'<a class="pagination__next" rel="next" href="/{sec}/news?page={page + 1}">'
            f"{w['next']}</a>"
        )
    title = w["news"] if page == 1 else f"{w['news']} — {page}"
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{title} — Arna Press</title>\n"
        f'<link rel="alternate" type="application/rss+xml" href="/{sec}/rss.xml"></head>'
        f'<body>\n<header class="site-header">{_nav(lang, "main-nav")}</header>\n'
        f'<main class="layout"><h1>{title}</h1>\n<div class="news-list">{items}</div>\n'
        f'<nav class="pagination">{nav}</nav></main>\n{_footer(lang)}</body></html>\n'
    )
