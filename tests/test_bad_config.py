"""Bad configuration: every wrong option, setting, environment variable or file
exits 2 with one ``Error:`` line naming what is wrong, and no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.cli import COMMAND_MODULES, main
from tests.helpers import run_cli

# Every crawl below points at a closed local port: if a check ever let one
# through, it would fail fast on 127.0.0.1 instead of reaching the real sites.
OFFLINE = (
    "-s", "CRAWLER_AKIMAT_URL=http://127.0.0.1:9",
    "-s", "CRAWLER_ARNAPRESS_URL=http://127.0.0.1:9",
    "-s", "RETRY_TIMES=0",
)  # fmt: skip
BAD_SETTINGS = [
    ("DOWNLOAD_DELAY=abc", "DOWNLOAD_DELAY"),
    ("DOWNLOAD_DELAY=-1", "DOWNLOAD_DELAY"),
    ("DOWNLOAD_TIMEOUT=soon", "DOWNLOAD_TIMEOUT"),
    ("CONCURRENT_REQUESTS=many", "CONCURRENT_REQUESTS"),
    ("CONCURRENT_REQUESTS=0", "CONCURRENT_REQUESTS"),
    ("CONCURRENT_REQUESTS_PER_DOMAIN=1.5", "CONCURRENT_REQUESTS_PER_DOMAIN"),
    ("RETRY_TIMES=x", "RETRY_TIMES"),
    ("RETRY_TIMES=1.5", "RETRY_TIMES"),
    ("CRAWLER_STORE_BATCH=x", "CRAWLER_STORE_BATCH"),
    ("CRAWLER_OVERLAP_PAGES=x", "CRAWLER_OVERLAP_PAGES"),
    ("CRAWLER_MIN_BODY_CHARS=x", "CRAWLER_MIN_BODY_CHARS"),
    ("CRAWLER_STORY_THRESHOLD=high", "CRAWLER_STORY_THRESHOLD"),
    ("CRAWLER_FULL=maybe", "CRAWLER_FULL"),
    ("CRAWLER_REFETCH=perhaps", "CRAWLER_REFETCH"),
    ("AUTOTHROTTLE_ENABLED=sometimes", "AUTOTHROTTLE_ENABLED"),
    ("ITEM_PIPELINES=none", "ITEM_PIPELINES"),
    ("ITEM_PIPELINES=[1]", "ITEM_PIPELINES"),
    ("LOG_LEVEL=LOUD", "LOG_LEVEL"),
    ("CRAWLER_LEXICON=/nonexistent/lexicon.toml", "CRAWLER_LEXICON"),
    ("CRAWLER_AKIMAT_URL=ftp://x", "CRAWLER_AKIMAT_URL"),
    ("CRAWLER_ARNAPRESS_URL=arnapress.kz", "CRAWLER_ARNAPRESS_URL"),
]


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    from crawler.db import open_db

    root = tmp_path_factory.mktemp("badconfig")
    paths = {
        "dir": root / "a-directory",
        "db": root / "crafts.db",
        "notdb": root / "page.html",
        "badtoml": root / "bad.toml",
        "badlexicon": root / "lexicon.toml",
        "latin1": root / "latin1.txt",
        "missing": root / "missing.toml",
        "missingdb": root / "missing.db",
        "file_parent": root / "page.html" / "x.db",
    }
    paths["dir"].mkdir()
    open_db(paths["db"]).close()
    paths["notdb"].write_text("<p>not a database</p>")
    paths["badtoml"].write_text("[[recipient]\n")
    paths["badlexicon"].write_text("[[term]]\ncategory = 'nope'\n")
    paths["latin1"].write_bytes("ремёсла".encode("cp1251"))
    return paths


# (command line with {placeholders} for the files, environment, what the error must name)
CASES: list[tuple[str, dict[str, str], str]] = [
    # --db for every command that has one
    *[(f"{cmd} --db {{dir}}", {}, "--db") for cmd in ("run", "crawl", "demo", "rescan")],
    *[(f"{cmd} --db {{dir}}", {}, "--db") for cmd in ("alerts", "status", "serve")],
    *[(f"{cmd} --db {{notdb}}", {}, "--db") for cmd in ("run", "crawl", "rescan", "status")],
    *[(f"{cmd} --db {{notdb}}", {}, "--db") for cmd in ("alerts --dry-run", "serve")],
    ("crawl --db {file_parent}", {}, "--db"),
    ("demo --db {file_parent}", {}, "--db"),
    ("status --db /dev/null", {}, "--db"),
    ("status", {"CRAWLER_DB": "{dir}"}, "--db"),
    ("status --db {missingdb}", {}, "--db"),
    ("rescan --db {missingdb}", {}, "--db"),
    ("alerts --db {missingdb} --dry-run", {}, "no database"),
    ("serve --db {missingdb}", {}, "no database"),
    # sources and -s
    ("crawl --db {db} --sources nope", {}, "--sources"),
    ("run --db {db} --sources akimat,nope", {}, "--sources"),
    ("crawl --db {db} --sources ,", {}, "--sources"),
    ("crawl --db {db} -s NOEQUALS", {}, "-s"),
    ("run --db {db} -s =1", {}, "-s"),
    *[(f"crawl --db {{db}} -s {s}", {}, name) for s, name in BAD_SETTINGS],
    ("run --db {db} -s DOWNLOAD_DELAY=abc", {}, "DOWNLOAD_DELAY"),
    ("run --db {db} -s CRAWLER_LEXICON={badlexicon}", {}, "CRAWLER_LEXICON"),
    # replica and demo
    ("replica --port -1", {}, "--port"),
    ("replica --port 70000", {}, "--port"),
    ("replica --port http", {}, "--port"),
    ("replica --articles 0", {}, "--articles"),
    ("replica --articles lots", {}, "--articles"),
    ("replica --faults nope=0.1", {}, "--faults"),
    ("replica --faults 5xx=2", {}, "--faults"),
    ("replica --faults 5xx", {}, "--faults"),
    ("replica --faults 5xx=0.1:x", {}, "--faults"),
    ("replica --layout v9", {}, "--layout"),
    ("replica --seed x", {}, "--seed"),
    ("replica --revision -1", {}, "--revision"),
    ("replica --access-log {dir}", {}, "--access-log"),
    ("demo --articles 0", {}, "--articles"),
    ("demo --articles many", {}, "--articles"),
    # extract and mentions
    ("extract {missing}", {}, "URL|FILE"),
    ("extract {dir}", {}, "URL|FILE"),
    ("extract {notdb} --source nope", {}, "--source"),
    ("mentions {missing}", {}, "FILE"),
    ("mentions {dir}", {}, "FILE"),
    ("mentions {latin1}", {}, "UTF-8"),
    # lexicon
    ("rescan --db {db} --lexicon {missing}", {}, "--lexicon"),
    ("rescan --db {db} --lexicon {badtoml}", {}, "--lexicon"),
    ("rescan --db {db} --lexicon {badlexicon}", {}, "--lexicon"),
    ("rescan --db {db} --lexicon {dir}", {}, "--lexicon"),
    # subscriptions and SMTP
    ("alerts --db {db} --dry-run --subscriptions {badtoml}", {}, "bad.toml"),
    ("alerts --db {db} --dry-run --subscriptions {missing}", {}, "missing.toml"),
    ("alerts --db {db} --dry-run --subscriptions {dir}", {}, "--subscriptions"),
    ("alerts --db {db} --dry-run", {"CRAWLER_SUBSCRIPTIONS": "{missing}"}, "missing.toml"),
    ("run --db {db} --subscriptions {badtoml}", {}, "bad.toml"),
    ("alerts --db {db}", {"SMTP_HOST": ""}, "SMTP_HOST"),
    *[
        ("alerts --db {db}", {"SMTP_HOST": "127.0.0.1", "ALERT_FROM": "a@b.kz", **env}, name)
        for env, name in [
            ({"SMTP_PORT": "smtp"}, "SMTP_PORT"),
            ({"SMTP_PORT": "0"}, "SMTP_PORT"),
            ({"SMTP_PORT": "99999"}, "SMTP_PORT"),
            ({"SMTP_TIMEOUT": "never"}, "SMTP_TIMEOUT"),
            ({"SMTP_SSL": "maybe"}, "SMTP_SSL"),
            ({"SMTP_STARTTLS": "2"}, "SMTP_STARTTLS"),
            ({"ALERT_FROM": "nobody"}, "ALERT_FROM"),
        ]
    ],
    ("run --db {db}", {"SMTP_HOST": "h", "ALERT_FROM": "a@b.kz", "SMTP_PORT": "x"}, "SMTP_PORT"),
    # doctor: checked before any request
    ("doctor --sources nosuch", {}, "--sources"),
    ("doctor -s CRAWLER_ARNAPRESS_URL=arnapress.kz", {}, "CRAWLER_ARNAPRESS_URL"),
    ("doctor -s DOWNLOAD_DELAY=-1", {}, "DOWNLOAD_DELAY"),
    ("doctor -s nonsense", {}, "-s"),
    # status and serve
    ("status --db {db} --runs 0", {}, "--runs"),
    ("status --db {db} --runs many", {}, "--runs"),
    ("serve --db {db} --port 0", {}, "--port"),
    ("serve --db {db} --port 65536", {}, "--port"),
    ("serve --db {db} --port http", {}, "--port"),
    ("serve --db {db} --setting nope 1", {}, "--setting"),
    ("serve --db {db} --setting sql_time_limit_ms soon", {}, "--setting"),
    ("serve --db {db} --setting suggest_facets maybe", {}, "--setting"),
]


def offline(given: str) -> list[str]:
    """The OFFLINE settings that ``given`` does not set itself."""
    pairs = zip(OFFLINE[::2], OFFLINE[1::2], strict=True)
    return [
        part for flag, pair in pairs if pair.split("=")[0] not in given for part in (flag, pair)
    ]


def fill(text: str, files: dict[str, Path]) -> str:
    return text.format(**{name: str(path) for name, path in files.items()})


def assert_usage_error(code: int, stderr: str, name: str) -> None:
    errors = [line for line in stderr.splitlines() if line.startswith("Error:")]
    assert code == 2, stderr
    assert len(errors) == 1, stderr
    assert name in errors[0], errors[0]
    assert "Traceback" not in stderr


@pytest.mark.parametrize(("line", "env", "name"), CASES, ids=[c[0] for c in CASES])
def test_bad_value_is_one_line_usage_error(files, line, env, name, monkeypatch) -> None:
    for var in ("CRAWLER_DB", "CRAWLER_SUBSCRIPTIONS", "SMTP_HOST", "ALERT_TO"):
        monkeypatch.delenv(var, raising=False)
    args = fill(line, files).split()
    if args[0] in ("crawl", "run"):
        args += offline(line)
    result = CliRunner().invoke(
        main, args, env={key: fill(value, files) for key, value in env.items()}
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert_usage_error(result.exit_code, result.stderr, name)


def test_every_command_is_covered() -> None:
    assert {line.split()[0] for line, _, _ in CASES} == set(COMMAND_MODULES)


def test_bad_settings_write_nothing(files, tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    result = CliRunner().invoke(main, ["crawl", "--db", str(db), *OFFLINE, "-s", "CRAWLER_FULL=x"])
    assert result.exit_code == 2
    assert not db.exists()


# Settings read from the environment when the program starts: only a new process sees them.
@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({"CRAWLER_AKIMAT_URL": "gov.kz"}, "CRAWLER_AKIMAT_URL"),
        ({"CRAWLER_ARNAPRESS_URL": "ftp://arnapress.kz"}, "CRAWLER_ARNAPRESS_URL"),
        ({"CRAWLER_LEXICON": "/nonexistent/lexicon.toml"}, "CRAWLER_LEXICON"),
        ({"CRAWLER_LOG_LEVEL": "CHATTY"}, "LOG_LEVEL"),
    ],
)
def test_bad_environment_is_one_line_usage_error(tmp_path: Path, env, name) -> None:
    result = run_cli(
        # -v: without it the job logs at WARNING whatever CRAWLER_LOG_LEVEL says.
        "crawl",
        "-v",
        "--db",
        str(tmp_path / "e.db"),
        *offline(" ".join(env)),
        env=env,
        timeout=120,
    )
    assert_usage_error(result.returncode, result.stderr, name)
    assert not (tmp_path / "e.db").exists()
