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
    # out of range: each would change what the crawl does without a word
    ("CRAWLER_STORY_THRESHOLD=5", "CRAWLER_STORY_THRESHOLD"),
    ("CRAWLER_STORY_THRESHOLD=-0.1", "CRAWLER_STORY_THRESHOLD"),
    ("CRAWLER_STORY_THRESHOLD=nan", "CRAWLER_STORY_THRESHOLD"),
    ("CRAWLER_STORY_THRESHOLD_FAR=1.5", "CRAWLER_STORY_THRESHOLD_FAR"),
    ("CRAWLER_STORY_TITLE_THRESHOLD=2", "CRAWLER_STORY_TITLE_THRESHOLD"),
    ("CRAWLER_STORY_CITED_THRESHOLD=-1", "CRAWLER_STORY_CITED_THRESHOLD"),
    ("CRAWLER_STORY_WINDOW_HOURS=-48", "CRAWLER_STORY_WINDOW_HOURS"),
    ("CRAWLER_HEALTH_MAX_INCOMPLETE=-3", "CRAWLER_HEALTH_MAX_INCOMPLETE"),
    ("CRAWLER_HEALTH_MAX_INCOMPLETE=30", "CRAWLER_HEALTH_MAX_INCOMPLETE"),
    ("CRAWLER_HEALTH_MIN_ITEMS=-1", "CRAWLER_HEALTH_MIN_ITEMS"),
    ("CRAWLER_HEALTH_EMPTY_RUNS=0", "CRAWLER_HEALTH_EMPTY_RUNS"),
    ("CRAWLER_HEALTH_EMPTY_RUNS=2.5", "CRAWLER_HEALTH_EMPTY_RUNS"),
    ("CRAWLER_MIN_BODY_CHARS=-200", "CRAWLER_MIN_BODY_CHARS"),
    ("CRAWLER_STORE_FLUSH_SECONDS=-2", "CRAWLER_STORE_FLUSH_SECONDS"),
    ("CRAWLER_STORE_BATCH=0", "CRAWLER_STORE_BATCH"),
    ("CRAWLER_OVERLAP_PAGES=-1", "CRAWLER_OVERLAP_PAGES"),
    ("CRAWLER_AKIMAT_TIMEOUT=0", "CRAWLER_AKIMAT_TIMEOUT"),
    ("CRAWLER_AKIMAT_TIMEOUT=-5", "CRAWLER_AKIMAT_TIMEOUT"),
    ("CRAWLER_AKIMAT_FIRST_PAGE=-1", "CRAWLER_AKIMAT_FIRST_PAGE"),
    ("CRAWLER_AKIMAT_FIRST_PAGE=0.5", "CRAWLER_AKIMAT_FIRST_PAGE"),
    ("CRAWLER_AKIMAT_PAGE_SIZE=0", "CRAWLER_AKIMAT_PAGE_SIZE"),
    ("CRAWLER_AKIMAT_PAGE_SIZE=5000", "CRAWLER_AKIMAT_PAGE_SIZE"),
    ("CRAWLER_HINT_RECHECK_HOURS=-1", "CRAWLER_HINT_RECHECK_HOURS"),
    ("CRAWLER_DISCOVERY_SHAPE_MISSES=0", "CRAWLER_DISCOVERY_SHAPE_MISSES"),
    ("CRAWLER_DISCOVERY_SHAPE_MISSES=x", "CRAWLER_DISCOVERY_SHAPE_MISSES"),
    ("AUTOTHROTTLE_TARGET_CONCURRENCY=0", "AUTOTHROTTLE_TARGET_CONCURRENCY"),
    # an unknown name of ours is a usage error, named with the closest known one
    ("CRAWLER_STORY_TRESHOLD=0.6", "CRAWLER_STORY_THRESHOLD"),
    ("CRAWLER_NOPE=1", "CRAWLER_NOPE"),
]


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    from crawler.store.db import open_db

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
    # places where nothing can be created, whatever the permission bits say to root
    *[
        (f"{cmd} --db {path}", {}, "--db")
        for cmd in ("run", "crawl", "demo --articles 3")
        for path in ("/proc/x.db", "/proc/nope/x.db", "/sys/x.db", "{file_parent}", "{dir}")
    ],
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
    # the shared queue (a closed local port: nothing is ever reached)
    ("crawl --db {db} --queue http://127.0.0.1:9/0", {}, "--queue"),
    ("run --db {db} --queue redis://127.0.0.1:99999/0", {}, "--queue"),
    ("crawl --db {db} -s CRAWLER_QUEUE=127.0.0.1:9", {}, "CRAWLER_QUEUE"),
    ("crawl --db {db} -s CRAWLER_QUEUE_LEASE_SECONDS=0", {}, "CRAWLER_QUEUE_LEASE_SECONDS"),
    ("store-worker --db {dir} --queue redis://127.0.0.1:9/0", {}, "--db"),
    ("store-worker --db {notdb} --queue redis://127.0.0.1:9/0", {}, "--db"),
    ("store-worker --db {db} --queue redis://127.0.0.1:9/x", {}, "--queue"),
    ("store-worker --db {db}", {"CRAWLER_QUEUE": "tcp://127.0.0.1:9"}, "--queue"),
    ("store-worker --db {db} --queue redis://127.0.0.1:9/0 --until-idle -1", {}, "--until-idle"),
    (
        "store-worker --db {db} --queue redis://127.0.0.1:9/0 -s CRAWLER_STORE_BATCH=0",
        {},
        "CRAWLER_STORE_BATCH",
    ),
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


@pytest.mark.parametrize("command", ["run", "crawl", "demo"])
def test_unwritable_db_is_one_line_for_the_program(command: str) -> None:
    # As a user runs it: no Twisted errors, no traceback.
    args = [command, "--db", "/proc/nope/x.db"]
    args += ["--articles", "3"] if command == "demo" else list(OFFLINE)
    result = run_cli(*args, timeout=120)
    assert_usage_error(result.returncode, result.stderr, "--db")
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) <= 3, result.stderr  # usage, its hint, the error


def test_every_command_is_covered() -> None:
    assert {line.split()[0] for line, _, _ in CASES} == set(COMMAND_MODULES)


def test_bad_settings_write_nothing(files, tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    result = CliRunner().invoke(main, ["crawl", "--db", str(db), *OFFLINE, "-s", "CRAWLER_FULL=x"])
    assert result.exit_code == 2
    assert not db.exists()


def test_every_numeric_setting_of_ours_has_a_range() -> None:
    import crawler.settings as ours
    from crawler.run.jobs import NUMBER_SETTINGS

    numeric = {
        name
        for name in dir(ours)
        if name.startswith("CRAWLER_")
        and isinstance(getattr(ours, name), int | float)
        and not isinstance(getattr(ours, name), bool)
    }
    assert numeric - set(NUMBER_SETTINGS) == set()


@pytest.mark.parametrize(
    ("given", "suggested"),
    [("DOWLOAD_DELAY=0", "DOWNLOAD_DELAY"), ("CONCURENT_REQUESTS=4", "CONCURRENT_REQUESTS")],
)
def test_misspelt_scrapy_setting_warns_with_the_closest_name(
    given: str, suggested: str, tmp_path: Path
) -> None:
    result = CliRunner().invoke(
        main,
        ["crawl", "--db", str(tmp_path / "w.db"), "--sources", "akimat", *OFFLINE, "-s", given],
    )
    warned = [line for line in result.stderr.splitlines() if given.split("=")[0] in line]
    assert len(warned) == 1, result.stderr
    assert suggested in warned[0] and "Traceback" not in result.stderr


def test_known_settings_do_not_warn(tmp_path: Path) -> None:
    # Settings absent from Scrapy's defaults module that are still real.
    result = CliRunner().invoke(
        main,
        ["crawl", "--db", str(tmp_path / "k.db"), "--sources", "akimat", *OFFLINE,
         "-s", "JOBDIR=" + str(tmp_path / "job"), "-s", "CRAWLER_HEALTH_MIN_ITEMS=0",
         "-s", "CRAWLER_STORY_THRESHOLD=1", "-s", "AUTOTHROTTLE_MAX_DELAY=5"],
    )  # fmt: skip
    assert "unknown setting" not in result.stderr, result.stderr
    assert "Error:" not in result.stderr, result.stderr


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
