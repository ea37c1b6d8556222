"""Stories: near-duplicates, attributed copies and language versions linked on save."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from scrapy.settings import Settings

from crawler.store.db import open_db
from crawler.store.storage import save_article
from crawler.stories import StoryConfig
from crawler.stories.index import candidate_ids
from crawler.stories.minhash import band_keys, candidate_probability, signature
from crawler.stories.shingles import jaccard, shingle_hashes, title_overlap

RELEASE = (
    "В Алматы открылась ярмарка мастеров декоративно-прикладного искусства. "
    "На площади перед Дворцом Республики свои работы представили более ста двадцати "
    "ремесленников из всех районов города. Посетители могут купить войлочные ковры, "
    "керамику, изделия из кожи и серебра, а также посмотреть мастер-классы по ткачеству. "
    "Ярмарка продлится до воскресенья и будет открыта с десяти утра до восьми вечера. "
    "В управлении культуры отметили, что такие ярмарки станут ежемесячными."
)
COPY = (
    "В Алматы открылась ярмарка мастеров декоративно-прикладного искусства, передает "
    "Arna Press со ссылкой на пресс-службу акимата Алматы. На площади перед Дворцом "
    "Республики свои работы представили более ста двадцати ремесленников из всех районов "
    "города. Посетители могут купить войлочные ковры, керамику, изделия из кожи и серебра, "
    "а также посмотреть мастер-классы по ткачеству. Ярмарка продлится до воскресенья и "
    "будет открыта с десяти утра до восьми вечера."
)
# The same release, rewritten so much that only a few sentences survive.
EDITED = (
    "Передает Arna Press со ссылкой на пресс-службу акимата Алматы: в центре города снова "
    "торгуют мастера. Сто двадцать участников приехали из разных районов. Посетители "
    "могут купить войлочные ковры, керамику, изделия из кожи и серебра. Ярмарка продлится "
    "до воскресенья и будет открыта с десяти утра до восьми вечера. Организаторы обещают "
    "проводить ее каждый месяц."
)
PLAIN_COPY = COPY.replace(", передает Arna Press со ссылкой на пресс-службу акимата Алматы", "")
OTHER = (
    "В Бостандыкском районе начался капитальный ремонт теплосетей. Работы ведутся на "
    "улицах Тимирязева и Жандосова, движение транспорта частично ограничено. Подрядчик "
    "обещает завершить замену труб до начала отопительного сезона."
)


def record(
    url: str,
    source: str,
    body: str,
    published_at: str,
    title: str = "В Алматы открылась ярмарка ремесленников",
    lang: str = "ru",
    source_id: str | None = None,
) -> dict:
    return {
        "source": source,
        "url": url,
        "lang": lang,
        "title": title,
        "body": body,
        "published_at": published_at,
        "source_id": source_id,
        "content_hash": hashlib.sha1(f"{title}\n{body}".encode()).hexdigest(),
    }


def release(**kw) -> dict:
    kw.setdefault("source_id", "900001")
    return record(
        "https://gov.kz/d/900001?lang=ru", "akimat", RELEASE, "2025-10-07T05:00:00Z", **kw
    )


def copy(body: str = COPY, published_at: str = "2025-10-07T08:00:00Z", **kw) -> dict:
    return record("https://arnapress.kz/ru/news/1-fair", "arnapress", body, published_at, **kw)


@pytest.fixture
def db(tmp_path: Path):
    database = open_db(tmp_path / "stories.db")
    yield database
    database.close()


def save(db, *records: dict, config: StoryConfig | None = None) -> list[int]:
    ids = []
    with db.conn:
        for rec in records:
            save_article(db, rec, [], "test", stories=config)
            ids.append(
                db.execute("SELECT id FROM articles WHERE url = ?", [rec["url"]]).fetchone()[0]
            )
    return ids


def story_of(db, article_id: int) -> dict:
    story_id = db.execute("SELECT story_id FROM articles WHERE id = ?", [article_id]).fetchone()[0]
    return db["stories"].get(story_id)


# --- fingerprints -------------------------------------------------------------
def test_shingles_fold_case_and_yo() -> None:
    assert np.array_equal(
        shingle_hashes("Ещё раз о ЁЛКАХ в парке"), shingle_hashes("еще раз о елках в парке")
    )
    assert shingle_hashes("").size == 0
    assert shingle_hashes("два слова").size == 1


def test_jaccard_of_copy_and_release_is_high_and_of_other_news_low() -> None:
    release_hashes = shingle_hashes(RELEASE)
    assert jaccard(release_hashes, shingle_hashes(COPY)) > 0.6
    assert jaccard(release_hashes, shingle_hashes(EDITED)) < 0.5
    assert jaccard(release_hashes, shingle_hashes(OTHER)) == 0.0
    assert jaccard(release_hashes, release_hashes) == 1.0


def test_band_keys_are_stable_and_shared_by_near_duplicates() -> None:
    keys = band_keys(shingle_hashes(RELEASE))
    assert keys == band_keys(shingle_hashes(RELEASE))
    assert len(set(keys)) == len(keys) == 42
    assert set(keys) & set(band_keys(shingle_hashes(COPY)))
    assert not set(keys) & set(band_keys(shingle_hashes(OTHER)))
    assert candidate_probability(0.5) > 0.99 > 0.3 > candidate_probability(0.2)


def test_signatures_and_band_keys_stay_those_of_the_stored_index() -> None:
    # Values computed by datasketch's affine32 MinHash (seed 1, 128 permutations),
    # which stored databases were indexed with: a change here needs reindex_all.
    assert signature(shingle_hashes("one two three four five six seven"))[:6].tolist() == [
        1000434856, 1930541677, 1215576187, 1285834774, 1773051478, 923020037,
    ]  # fmt: skip
    assert band_keys(shingle_hashes("Алматы — Всемирный город ремёсел"))[:3] == [
        -8420064381855377963, 7840632329268613501, 7822831170173571857,
    ]  # fmt: skip


def test_title_overlap_ignores_prefixes_of_copies() -> None:
    assert (
        title_overlap("Акимат: Ярмарка ремесленников открылась", "Ярмарка ремесленников открылась")
        == 1.0
    )
    assert title_overlap("Ярмарка ремесленников открылась", "Ремонт теплосетей начался") == 0.0


def test_story_config_reads_settings() -> None:
    config = StoryConfig.from_settings(
        Settings({"CRAWLER_STORY_THRESHOLD": "0.6", "CRAWLER_STORY_WINDOW_HOURS": "12"})
    )
    assert (config.threshold, config.window_hours) == (0.6, 12.0)
    assert config.title_threshold == StoryConfig().title_threshold
    assert config.required_similarity(0) == 0.6
    assert config.required_similarity(12 * 3600) == config.threshold_far
    assert 0.6 < config.required_similarity(6 * 3600) < config.threshold_far


# --- linking ------------------------------------------------------------------
def test_a_copy_joins_the_release_story_whose_origin_is_the_release(db) -> None:
    release_id, copy_id = save(db, release(), copy(title="Акимат: В Алматы открылась ярмарка"))
    story = story_of(db, copy_id)
    assert story["id"] == story_of(db, release_id)["id"]
    assert story["origin_article_id"] == release_id
    assert story["first_published_at"] == "2025-10-07T05:00:00Z"
    assert json.loads(story["outlets"]) == ["akimat", "arnapress"]
    assert json.loads(story["langs"]) == ["ru"]
    assert story["article_count"] == 2
    row = db["articles"].get(copy_id)
    assert (row["story_parent_id"], row["story_link"]) == (release_id, "text")
    assert (row["relayed_by"], row["cites_source"]) == ("Arna Press", "akimat")


def test_order_of_arrival_does_not_matter(db) -> None:
    copy_id, release_id = save(db, copy(), release())
    story = story_of(db, copy_id)
    assert story["id"] == story_of(db, release_id)["id"]
    assert story["origin_article_id"] == release_id
    assert story["article_count"] == 2
    # The copy's own story was emptied into the release's, and says where it went.
    assert db.execute("SELECT count(*) FROM stories WHERE article_count > 0").fetchone()[0] == 1


def test_unrelated_news_gets_a_story_of_its_own(db) -> None:
    release_id, other_id = save(
        db,
        release(),
        record("https://arnapress.kz/ru/news/2-heat", "arnapress", OTHER, "2025-10-07T06:00:00Z"),
    )
    assert story_of(db, release_id)["id"] != story_of(db, other_id)["id"]
    assert story_of(db, other_id)["article_count"] == 1


def test_a_copy_outside_the_window_is_not_linked(db) -> None:
    release_id, copy_id = save(db, release(), copy(published_at="2025-10-10T08:00:00Z"))
    assert story_of(db, release_id)["id"] != story_of(db, copy_id)["id"]


def test_far_apart_texts_need_more_similarity(db) -> None:
    # Similar enough an hour later, not 40 hours later.
    config = StoryConfig(threshold=0.5, threshold_far=0.95, window_hours=48)
    score = jaccard(shingle_hashes(f"x\n{RELEASE}"), shingle_hashes(f"x\n{PLAIN_COPY}"))
    assert config.required_similarity(3600) < score < config.required_similarity(40 * 3600)
    soon = copy(body=PLAIN_COPY, published_at="2025-10-07T06:00:00Z", title="x")
    late = record(
        "https://arnapress.kz/ru/news/9-late", "arnapress", PLAIN_COPY, "2025-10-08T21:00:00Z",
        title="x",
    )  # fmt: skip
    release_id, soon_id, late_id = save(db, release(title="x"), soon, late, config=config)
    assert story_of(db, release_id)["id"] == story_of(db, soon_id)["id"]
    assert story_of(db, release_id)["id"] != story_of(db, late_id)["id"]


def test_an_edited_copy_citing_the_akimat_joins_when_titles_and_dates_agree(db) -> None:
    release_id, copy_id = save(
        db, release(), copy(body=EDITED, title="Акимат: В Алматы открылась ярмарка ремесленников")
    )
    assert story_of(db, copy_id)["id"] == story_of(db, release_id)["id"]
    assert db["articles"].get(copy_id)["story_link"] == "attribution"


def test_an_edited_copy_with_another_title_stays_apart(db) -> None:
    release_id, copy_id = save(
        db, release(), copy(body=EDITED, title="Ковры и посуда в центре города")
    )
    assert story_of(db, copy_id)["id"] != story_of(db, release_id)["id"]


def test_an_edited_copy_published_before_the_release_stays_apart(db) -> None:
    early = copy(body=EDITED, published_at="2025-10-07T04:00:00Z")
    release_id, copy_id = save(db, release(), early)
    assert story_of(db, copy_id)["id"] != story_of(db, release_id)["id"]


def test_an_edited_copy_without_attribution_stays_apart(db) -> None:
    body = EDITED.replace("Передает Arna Press со ссылкой на пресс-службу акимата Алматы: в", "В")
    release_id, copy_id = save(db, release(), copy(body=body))
    assert story_of(db, copy_id)["id"] != story_of(db, release_id)["id"]


def test_language_versions_and_their_copies_share_one_story(db) -> None:
    kk_body = (
        "Алматыда қолөнер шеберлерінің жәрмеңкесі ашылды. Республика сарайының алдындағы "
        "алаңда қаланың барлық аудандарынан жүз жиырмадан астам шебер өз жұмыстарын "
        "көрсетті. Жәрмеңке жексенбіге дейін жалғасады."
    )
    kk = record(
        "https://gov.kz/d/900001?lang=kk", "akimat", kk_body, "2025-10-07T05:00:00Z",
        title="Алматыда қолөнер жәрмеңкесі ашылды", lang="kk", source_id="900001",
    )  # fmt: skip
    kk_copy = record(
        "https://arnapress.kz/kz/news/3-zharmenke", "arnapress",
        kk_body + " Бұл туралы Arna Press хабарлайды.", "2025-10-07T09:00:00Z",
        title="Алматыда қолөнер жәрмеңкесі ашылды", lang="kk",
    )  # fmt: skip
    ids = save(db, kk_copy, copy(), kk, release())
    stories = {story_of(db, article_id)["id"] for article_id in ids}
    assert len(stories) == 1
    story = story_of(db, ids[0])
    assert json.loads(story["langs"]) == ["kk", "ru"]
    assert json.loads(story["outlets"]) == ["akimat", "arnapress"]
    assert story["article_count"] == 4
    origin = db["articles"].get(story["origin_article_id"])
    assert (origin["source"], origin["source_id"]) == ("akimat", "900001")


def test_a_copy_moves_to_the_release_it_resembles_most(db) -> None:
    # An older release with the same headline and some shared text arrives first and
    # takes the copy; the true release, arriving later, takes it over.
    similar = RELEASE.split(". ")
    older_text = ". ".join(
        [*similar[:1], "Прошлогодняя ярмарка собрала меньше мастеров", *similar[4:]]
    )
    older = record(
        "https://gov.kz/d/899990?lang=ru", "akimat", older_text, "2025-10-06T20:00:00Z",
        source_id="899990",
    )  # fmt: skip
    copy_id, older_id, release_id = save(db, copy(), older, release())
    assert story_of(db, copy_id)["id"] == story_of(db, release_id)["id"]
    assert story_of(db, older_id)["id"] != story_of(db, release_id)["id"]
    assert story_of(db, older_id)["article_count"] == 1
    assert db["articles"].get(copy_id)["story_parent_id"] == release_id


def test_the_index_lives_in_the_database(tmp_path: Path) -> None:
    path = tmp_path / "persist.db"
    first = open_db(path)
    (release_id,) = save(first, release())
    first.close()
    second = open_db(path)
    hashes = shingle_hashes(f"x\n{COPY}")
    assert release_id in candidate_ids(second, band_keys(hashes), 1759820400.0, 86400)
    (copy_id,) = save(second, copy())
    assert story_of(second, copy_id)["origin_article_id"] == release_id
    second.close()


def test_migration_fingerprints_articles_stored_before_it(tmp_path: Path) -> None:
    from crawler.store.db import apply_migrations
    from crawler.store.migrations import m001_initial

    path = tmp_path / "old.db"
    old = open_db(path, migrate=False)
    m001_initial.migrate(old)
    old["_migrations"].insert(
        {"name": "m001_initial", "applied_at": "2025-01-01T00:00:00Z"}, pk="name"
    )
    rec = release()
    old["stories"].insert({"id": 1})
    old["articles"].insert({**rec, "story_id": 1, "first_seen_at": "2025-10-07T05:10:00Z"})
    old.conn.commit()
    apply_migrations(old)
    assert old.execute("SELECT count(*) FROM story_fingerprints").fetchone()[0] == 1
    (copy_id,) = save(old, copy())
    assert story_of(old, copy_id)["id"] == 1
    old.close()
