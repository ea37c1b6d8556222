"""The replica's articles: deterministic, generated one at a time on demand.

Article k of a source (counting from its oldest, 0-based) depends only on
(seed, source, k) and the revision, never on how many articles are
published, so serving a larger corpus adds newer articles only.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from html import escape
from zoneinfo import ZoneInfo

from crawler.replica import textgen
from crawler.replica.slug import slugify

ALMATY = ZoneInfo("Asia/Almaty")
UTC = ZoneInfo("UTC")
MAX_ARTICLES = 50_000

AKIMAT_START = datetime(2024, 1, 10, 8, 0, tzinfo=ALMATY)
ARNA_START = AKIMAT_START + timedelta(hours=3)
STEP_MINUTES = 390  # 6.5 h; with the jitter below consecutive items are 4-9 h apart
JITTER_MINUTES = 75
AKIMAT_ID0, AKIMAT_ID_STEP = 900_000, 5
ARNA_ID0, ARNA_ID_STEP = 10_000, 3
REVISION_SHARE = 0.05

AUTHORS = ["Алия Каримова", "Тимур Ержанов", "Дана Сейткали", "Руслан Ибраев", "Жанна Мусина"]


@dataclass(frozen=True)
class AkimatItem:
    index: int
    id: int
    created: datetime  # aware, UTC
    langs: tuple[str, ...]
    title: dict[str, str]
    body_html: dict[str, str]
    categories: set[str]
    paragraphs: dict[str, list[str]] = field(default_factory=dict)
    short_description: dict[str, str] = field(default_factory=dict)
    modified: datetime | None = None  # aware, UTC; set when a revision edited it
    kind: str = ""
    topic: str = ""


@dataclass(frozen=True)
class ArnaArticle:
    index: int
    id: int
    lang: str  # "ru" or "kk"
    path: str
    title: str
    paragraphs: list[str]
    published: datetime  # aware, Almaty time
    author: str
    categories: set[str]
    copy_of: int | None
    modified: datetime | None = None  # aware, Almaty time
    kind: str = ""
    topic: str = ""


@dataclass(frozen=True)
class _Meta:
    """What listings need about article k, without generating its text."""

    id: int
    time: datetime
    lang: str  # arnapress: the article's language; akimat: "en" when it has English
    copy: bool


def _jittered(start: datetime, k: int, rng: random.Random) -> datetime:
    minutes = k * STEP_MINUTES + round(rng.uniform(-JITTER_MINUTES, JITTER_MINUTES))
    # Add in UTC: Almaty changed its offset on 2024-03-01.
    return (start.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(ALMATY)


@lru_cache(maxsize=400_000)
def _akimat_meta(seed: int, k: int) -> _Meta:
    rng = random.Random(f"{seed}:akimat:{k}")
    time = _jittered(AKIMAT_START, k, rng)
    has_en = rng.random() < 0.25
    item_id = AKIMAT_ID0 + AKIMAT_ID_STEP * k + rng.randrange(AKIMAT_ID_STEP)
    return _Meta(item_id, time, "en" if has_en else "", False)


@lru_cache(maxsize=400_000)
def _arna_meta(seed: int, k: int) -> _Meta:
    rng = random.Random(f"{seed}:arnapress:{k}")
    time = _jittered(ARNA_START, k, rng)
    lang = "ru" if rng.random() < 0.6 else "kk"
    copy_roll = rng.random()
    article_id = ARNA_ID0 + ARNA_ID_STEP * k + rng.randrange(ARNA_ID_STEP)
    # A copy of akimat item k, which must have come out 1-6 hours earlier.
    lag = time - _akimat_meta(seed, k).time
    copy = copy_roll < 0.33 and timedelta(hours=1) <= lag <= timedelta(hours=6)
    return _Meta(article_id, time, lang, copy)


def _revised(seed: int, source: str, k: int, revision: int) -> tuple[int, bool]:
    """(the latest revision that edited article k, whether it changed the title)."""
    for r in range(revision, 0, -1):
        rng = random.Random(f"{seed}:{source}:{k}:rev{r}")
        if rng.random() < REVISION_SHARE:
            return r, rng.random() < 0.4
    return 0, False


def _update_note(table, when: datetime) -> str:
    return table.UPDATED.format(date=when.astimezone(ALMATY).strftime("%d.%m.%Y %H:%M"))


def _body_html(paragraphs: list[list[str]], deco: tuple[bool, bool, bool], alt: str, k: int) -> str:
    strong, breaks, image = deco
    parts = []
    for i, sentences in enumerate(paragraphs):
        texts = [escape(s, quote=False) for s in sentences]
        if strong and i == 0:
            texts[0] = f"<strong>{texts[0]}</strong>"
        parts.append("<p>" + ("<br>" if breaks and i == 1 else " ").join(texts) + "</p>")
        if image and i == 0:
            parts.append(
                f'<p><img src="/uploads/news/{k % 97:02d}/{k}.jpg" alt="{escape(alt)}"></p>'
            )
    return "".join(parts)


@lru_cache(maxsize=8192)
def _akimat_item(seed: int, k: int, revision: int) -> AkimatItem:
    meta = _akimat_meta(seed, k)
    rng = random.Random(f"{seed}:akimat:{k}:text")
    plan = textgen.make_plan(rng)
    deco = (rng.random() < 0.3, rng.random() < 0.2, rng.random() < 0.4)
    langs = ("ru", "kk", "en") if meta.lang == "en" else ("ru", "kk")
    rev, new_title = _revised(seed, "akimat", k, revision)
    modified = meta.time + timedelta(hours=2 * rev + 1) if rev else None
    titles, bodies, plain, shorts, cats = {}, {}, {}, {}, set()
    for lang in langs:
        table = textgen.LANG_TABLES[lang]
        title, paras = textgen.render(plan, lang)
        cats |= title.cats
        for para in paras:
            cats |= {c for s in para for c in s.cats}
        texts = [[s.text for s in para] for para in paras]
        titles[lang] = table.TITLE_UPDATED.format(title=title.text) if new_title else title.text
        if modified:
            texts.append([_update_note(table, modified)])
        bodies[lang] = _body_html(texts, deco, table.IMG_ALT, k)
        plain[lang] = [" ".join(p) for p in texts]
        shorts[lang] = texts[0][0]
    return AkimatItem(
        index=k,
        id=meta.id,
        created=meta.time.astimezone(UTC),
        langs=langs,
        title=titles,
        body_html=bodies,
        categories=cats,
        paragraphs=plain,
        short_description=shorts,
        modified=modified.astimezone(UTC) if modified else None,
        kind=plan.kind,
        topic=plan.topic,
    )


def _copy_of_release(
    seed: int, k: int, lang: str, rng: random.Random
) -> tuple[str, list[list[textgen.Sentence]], set[str], str, str]:
    """Arna Press's lightly edited copy of akimat item k in ``lang``."""
    table = textgen.LANG_TABLES[lang]
    plan = textgen.make_plan(random.Random(f"{seed}:akimat:{k}:text"))
    title, paras = textgen.render(plan, lang)
    paras = [list(p) for p in paras]
    first = paras[0][0]
    paras[0][0] = textgen.Sentence(first.text.rstrip(".") + table.ATTRIBUTION, first.cats)
    if rng.random() < 0.5:  # drop a sentence that carries no mention
        spots = [
            (i, j)
            for i, p in enumerate(paras[1:], 1)
            for j, s in enumerate(p)
            if not s.cats and len(p) > 1
        ]
        if spots:
            i, j = spots[rng.randrange(len(spots))]
            del paras[i][j]
    if rng.random() < 0.4:
        lead = rng.choice(table.COPY_LEADS)
        paras.insert(0, [textgen.Sentence(lead, frozenset())])
    title_text = title.text
    if rng.random() < 0.3:
        title_text = table.COPY_TITLE_PREFIX + title_text
    cats = set(title.cats) | {c for p in paras for s in p for c in s.cats}
    return title_text, paras, cats, plan.kind, plan.topic


@lru_cache(maxsize=8192)
def _arna_article(seed: int, k: int, revision: int) -> ArnaArticle:
    meta = _arna_meta(seed, k)
    rng = random.Random(f"{seed}:arnapress:{k}:text")
    table = textgen.LANG_TABLES[meta.lang]
    if meta.copy:
        title, paras, cats, kind, topic = _copy_of_release(seed, k, meta.lang, rng)
        copy_of = _akimat_meta(seed, k).id
    else:
        plan = textgen.make_plan(rng)
        head, paras = textgen.render(plan, meta.lang)
        title, kind, topic = head.text, plan.kind, plan.topic
        cats = set(head.cats) | {c for p in paras for s in p for c in s.cats}
        copy_of = None
    author = AUTHORS[rng.randrange(len(AUTHORS))]
    texts = [" ".join(s.text for s in p) for p in paras if p]
    section = "ru" if meta.lang == "ru" else "kz"
    path = f"/{section}/news/{meta.id}-{slugify(title)}"
    rev, new_title = _revised(seed, "arnapress", k, revision)
    modified = None
    if rev:
        modified = meta.time + timedelta(hours=2 * rev + 1)
        texts.append(_update_note(table, modified))
        if new_title:
            title = table.TITLE_UPDATED.format(title=title)
    return ArnaArticle(
        index=k,
        id=meta.id,
        lang=meta.lang,
        path=path,
        title=title,
        paragraphs=texts,
        published=meta.time,
        author=author,
        categories=cats,
        copy_of=copy_of,
        modified=modified,
        kind=kind,
        topic=topic,
    )


class Corpus:
    """Both sources' articles; ``articles`` per source, newest last in index order."""

    def __init__(self, articles: int = 200, seed: int = 0, revision: int = 0) -> None:
        self.seed = seed
        self.articles = 0
        self.revision = 0
        self.set_articles(articles)
        self.set_revision(revision)

    def set_articles(self, n: int) -> None:
        if not 0 <= n <= MAX_ARTICLES:
            raise ValueError(f"articles must be between 0 and {MAX_ARTICLES}, got {n}")
        self.articles = n

    def set_revision(self, r: int) -> None:
        if r < 0:
            raise ValueError(f"revision must be 0 or more, got {r}")
        self.revision = r

    # -- one article -----------------------------------------------------
    def akimat_item(self, k: int) -> AkimatItem:
        return _akimat_item(self.seed, k, self.revision)

    def arna_article(self, k: int) -> ArnaArticle:
        return _arna_article(self.seed, k, self.revision)

    def akimat_by_id(self, item_id: int) -> AkimatItem | None:
        k, _rest = divmod(item_id - AKIMAT_ID0, AKIMAT_ID_STEP)
        if 0 <= k < self.articles and _akimat_meta(self.seed, k).id == item_id:
            return self.akimat_item(k)
        return None

    def arna_by_id(self, article_id: int) -> ArnaArticle | None:
        k, _rest = divmod(article_id - ARNA_ID0, ARNA_ID_STEP)
        if 0 <= k < self.articles and _arna_meta(self.seed, k).id == article_id:
            return self.arna_article(k)
        return None

    # -- cheap facts for listings ----------------------------------------
    def akimat_has_lang(self, k: int, lang: str) -> bool:
        return lang != "en" or _akimat_meta(self.seed, k).lang == "en"

    def arna_lang(self, k: int) -> str:
        return _arna_meta(self.seed, k).lang

    def arna_time(self, k: int) -> datetime:
        return _arna_meta(self.seed, k).time

    def akimat_newest(self, lang: str = "ru") -> Iterator[int]:
        """Indexes of akimat items having ``lang``, newest first."""
        return (k for k in range(self.articles - 1, -1, -1) if self.akimat_has_lang(k, lang))

    def arna_newest(self, lang: str | None = None) -> Iterator[int]:
        """Indexes of Arna Press articles (of ``lang`` if given), newest first."""
        ks = range(self.articles - 1, -1, -1)
        return (k for k in ks if lang is None or self.arna_lang(k) == lang)

    # -- whole corpus (ground truth for tests and benchmarks) --------------
    def akimat_items(self) -> list[AkimatItem]:
        return [self.akimat_item(k) for k in range(self.articles - 1, -1, -1)]

    def arnapress_articles(self) -> list[ArnaArticle]:
        return [self.arna_article(k) for k in range(self.articles - 1, -1, -1)]

    def syndication_pairs(self) -> list[tuple[str, int, str]]:
        """(Arna Press path, akimat id, language) for every copy, newest first."""
        pairs = []
        for k in range(self.articles - 1, -1, -1):
            if _arna_meta(self.seed, k).copy:
                article = self.arna_article(k)
                pairs.append((article.path, article.copy_of, article.lang))
        return pairs


# -- akimat items missing a translation ----------------------------------------------
# gov.kz answers an item that lacks the asked translation in another language
# (its Kazakh text under accept-language: ru). About 10 % of items lack one:
# most lack Russian, a few lack Kazakh. Items copied by Arna Press in a language
# keep that language, so syndicated copies still find their original.
UNTRANSLATED_NO_RU, UNTRANSLATED_NO_KK = 0.07, 0.03


@lru_cache(maxsize=400_000)
def _akimat_missing(seed: int, k: int) -> str | None:
    roll = random.Random(f"{seed}:akimat:{k}:untranslated").random()
    missing = (
        "ru"
        if roll < UNTRANSLATED_NO_RU
        else "kk"
        if roll < UNTRANSLATED_NO_RU + UNTRANSLATED_NO_KK
        else None
    )
    arna = _arna_meta(seed, k)
    if missing is not None and arna.copy and arna.lang == missing:
        return None
    return missing


def akimat_missing_lang(corpus: Corpus, k: int) -> str | None:
    """The language (ru or kk) akimat item k has no text in, or None."""
    return _akimat_missing(corpus.seed, k)


def akimat_text_lang(corpus: Corpus, k: int, asked: str) -> str:
    """The language of the text the API answers for item k asked in ``asked``."""
    missing = _akimat_missing(corpus.seed, k)
    if asked == missing:
        return "kk" if missing == "ru" else "ru"
    return asked


def akimat_versions(corpus: Corpus) -> list[tuple[int, str]]:
    """(item id, language) of every stored-worthy akimat version, newest first:
    the languages an item really has text in (ground truth for tests)."""
    out = []
    for k in range(corpus.articles - 1, -1, -1):
        meta = _akimat_meta(corpus.seed, k)
        langs = ("ru", "kk", "en") if meta.lang == "en" else ("ru", "kk")
        missing = _akimat_missing(corpus.seed, k)
        out += [(meta.id, lang) for lang in langs if lang != missing]
    return out


def arna_changed(corpus: Corpus, k: int) -> datetime:
    """When Arna Press article k last changed (its edit or its publication), without
    generating its text: what sitemaps print as ``<lastmod>``."""
    meta = _arna_meta(corpus.seed, k)
    rev, _ = _revised(corpus.seed, "arnapress", k, corpus.revision)
    return meta.time + timedelta(hours=2 * rev + 1) if rev else meta.time
