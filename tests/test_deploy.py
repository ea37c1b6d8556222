"""The deployment files name commands that exist and schedules that parse."""

from __future__ import annotations

import configparser
import shlex

from click.testing import CliRunner

from crawler.cli import main
from tests.helpers import ROOT

DEPLOY = ROOT / "deploy"


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read(DEPLOY / name)
    return parser


def crawler_args(command: str) -> list[str]:
    words = shlex.split(command)
    return words[words.index(next(w for w in words if w.endswith("/crawler"))) + 1 :]


def test_systemd_service_runs_the_scheduled_job() -> None:
    service = unit("crafts-crawler.service")
    assert service["Service"]["Type"] == "oneshot"
    args = crawler_args(service["Service"]["ExecStart"])
    assert args[0] == "run"
    result = CliRunner().invoke(main, [*args, "--help"])
    assert result.exit_code == 0


def test_systemd_timer_has_a_schedule() -> None:
    timer = unit("crafts-crawler.timer")
    assert timer["Timer"]["OnCalendar"]
    assert timer["Install"]["WantedBy"] == "timers.target"


def test_cron_line_has_five_time_fields_and_runs_crawler_run() -> None:
    lines = [
        line
        for line in (DEPLOY / "crontab").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert len(lines) == 1
    fields = lines[0].split(None, 5)
    assert len(fields) == 6
    assert "/crawler run --db " in fields[5]


def test_scrapy_cfg_has_a_scrapyd_target() -> None:
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "scrapy.cfg")
    assert cfg["settings"]["default"] == "crawler.settings"
    assert cfg["deploy:scrapyd"]["project"] == "crawler"


def cron_lines(name: str) -> list[list[str]]:
    lines = (DEPLOY / name).read_text().splitlines()
    return [line.split(None, 5) for line in lines if line.strip() and not line.startswith("#")]


def test_scrapyd_conf_keeps_the_api_local_and_names_every_directory() -> None:
    conf = configparser.ConfigParser(interpolation=None)
    conf.read(DEPLOY / "scrapyd.conf")
    scrapyd = conf["scrapyd"]
    assert scrapyd["bind_address"] == "127.0.0.1"
    for name in ("eggs_dir", "dbs_dir", "logs_dir"):
        assert scrapyd[name].startswith("/"), name
    assert scrapyd.getint("max_proc") >= 2  # both spiders at once


def test_scrapyd_cron_schedules_every_spider_and_sends_alerts() -> None:
    schedule, alerts = cron_lines("scrapyd.crontab")
    assert len(schedule) == len(alerts) == 6
    assert "/schedule.json -d project=crawler " in schedule[5]
    assert "setting=CRAWLER_DB=/" in schedule[5]
    # Every spider the deployed project has, so a new source needs no edit here.
    assert (
        "for spider in $(curl -fsS 'http://127.0.0.1:6800/listspiders.json?project=crawler'"
        in schedule[5]
    )
    assert '"spiders"' in schedule[5]
    args = crawler_args(alerts[5].split(">>")[0])
    assert args[:2] == ["alerts", "--db"]
    result = CliRunner().invoke(main, [*args, "--help"])
    assert result.exit_code == 0
