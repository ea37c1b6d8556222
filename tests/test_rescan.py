"""``crawler rescan`` after a lexicon edit changes exactly the mentions the edit implies."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from crawler.store.db import open_db
from crawler.store.storage import save_article
from crawler.text.mentions import DEFAULT_LEXICON, MentionDetector, default_detector
from tests.helpers import run_cli

ARTICLES = [
    ("Мастера показали гобелены", "На ярмарке ремесел мастера показали гобелены и ковры."),
    ("Гобелен в музее", "В музее выставили старинный гобелен."),
    ("Новая школа", "В Алматы открылась новая школа на 1200 мест."),
]


def stored_mentions(db_path: Path) -> set[tuple]:
    conn = sqlite3.connect(db_path)
    try:
        return set(
            conn.execute('SELECT id, article_id, field, start, "end", category, term FROM mentions')
        )
    finally:
        conn.close()


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "rescan.db"
    db = open_db(path)
    detector = default_detector()
    with db.conn:
        for n, (title, body) in enumerate(ARTICLES):
            found = [m.as_dict() for m in detector.find_in_article(title, body)]
            record = {
                "source": "arnapress",
                "url": f"https://arnapress.kz/ru/news/{n}",
                "lang": "ru",
                "title": title,
                "body": body,
                "content_hash": f"h{n}",
                "body_hash": f"b{n}",
            }
            save_article(db, record, found, detector.version)
    db.close()
    return path


def edited_lexicon(tmp_path: Path) -> Path:
    """The bundled lexicon with a new version and one more crafts term: «гобелен»."""
    text = DEFAULT_LEXICON.read_text()
    old_version = default_detector().lexicon.declared_version
    assert f'version = "{old_version}"' in text
    text = text.replace(f'version = "{old_version}"', 'version = "test-edit.1"', 1)
    text += '\n[[crafts.terms]]\nterm = "гобелен"\nlang = "ru"\n'
    path = tmp_path / "lexicon.toml"
    path.write_text(text)
    return path


def test_rescan_adds_exactly_the_new_terms_mentions_and_keeps_the_rest(
    database: Path, tmp_path: Path
) -> None:
    before = stored_mentions(database)
    assert not any(row[-1] == "гобелен" for row in before)
    lexicon = edited_lexicon(tmp_path)

    result = run_cli("rescan", "--db", str(database), "--lexicon", str(lexicon))
    assert result.returncode == 0, result.stderr
    after = stored_mentions(database)
    added = after - before
    assert before <= after  # nothing removed, ids of kept mentions unchanged
    assert {(row[1], row[2], row[-1]) for row in added} == {
        (1, "title", "гобелен"),
        (1, "body", "гобелен"),
        (2, "title", "гобелен"),
        (2, "body", "гобелен"),
    }
    assert f"{len(added)} mentions added, 0 removed" in result.stdout

    again = run_cli("rescan", "--db", str(database), "--lexicon", str(lexicon))
    assert "rescanned 0 articles" in again.stdout
    assert stored_mentions(database) == after
    everything = run_cli("rescan", "--db", str(database), "--lexicon", str(lexicon), "--all")
    assert "rescanned 3 articles" in everything.stdout
    assert "0 mentions added, 0 removed" in everything.stdout

    # Back to the bundled lexicon: exactly the «гобелен» mentions go again.
    back = run_cli("rescan", "--db", str(database))
    assert f"0 mentions added, {len(added)} removed" in back.stdout
    assert stored_mentions(database) == before


def test_rescan_reports_a_broken_lexicon_in_one_line(database: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text('version = "x"\n[[crafts.terms]]\nlang = "ru"\n')
    result = run_cli("rescan", "--db", str(database), "--lexicon", str(broken))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len([line for line in result.stderr.splitlines() if line.startswith("Error")]) == 1


def test_an_edit_without_a_version_bump_is_rescanned_too(database: Path, tmp_path: Path) -> None:
    # The version stored with each article is the declared one plus a hash of the
    # content, so forgetting to change `version` cannot leave articles stale.
    declared = default_detector().lexicon.declared_version
    lexicon = tmp_path / "lexicon.toml"
    lexicon.write_text(
        DEFAULT_LEXICON.read_text() + '\n[[crafts.terms]]\nterm = "гобелен"\nlang = "ru"\n'
    )
    edited = MentionDetector.from_file(lexicon)
    assert edited.lexicon.declared_version == declared
    assert edited.version != default_detector().version
    assert edited.version.startswith(declared + "+")

    result = run_cli("rescan", "--db", str(database), "--lexicon", str(lexicon))
    assert result.returncode == 0, result.stderr
    assert "rescanned 3 articles" in result.stdout
    assert edited.version in result.stdout
    assert any(row[-1] == "гобелен" for row in stored_mentions(database))
    again = run_cli("rescan", "--db", str(database), "--lexicon", str(lexicon))
    assert "rescanned 0 articles" in again.stdout


def test_comments_and_layout_do_not_change_the_version(tmp_path: Path) -> None:
    lexicon = tmp_path / "lexicon.toml"
    lexicon.write_text(
        "# a new comment\n\n" + DEFAULT_LEXICON.read_text().replace(" = ", "   =   ")
    )
    assert MentionDetector.from_file(lexicon).version == default_detector().version
